/* uname(). */
#ifndef _SYS_UTSNAME_H
#define _SYS_UTSNAME_H
#include <stos/utsname.h>
int uname(struct utsname *u);
#endif
