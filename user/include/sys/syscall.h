/* System call numbers (Linux x86-64's) for syscall(). */
#ifndef _SYS_SYSCALL_H
#define _SYS_SYSCALL_H
#include <stos/syscall.h>
#endif
