/* errno: Linux's values (include/stos/errno.h).  One thread per process, so a plain global. */
#ifndef _ERRNO_H
#define _ERRNO_H
#include <stos/errno.h>
extern int errno;
#endif
