/* Host stand-ins for kernel services (host_stubs.c).  expect_panic(stmt) runs stmt and is
 * true if it panicked; the message is in panic_msg. */
#ifndef KERNEL_UNIT_HOST_STUBS_H
#define KERNEL_UNIT_HOST_STUBS_H
#include <setjmp.h>
extern jmp_buf panic_jmp;
extern int panic_armed;
extern char panic_msg[256];
#define expect_panic(stmt) \
	(panic_armed = 1, setjmp(panic_jmp) ? 1 : ((stmt), panic_armed = 0, 0))
#endif
