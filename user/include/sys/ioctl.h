/* ioctl(); requests and structures from the ABI header. */
#ifndef _SYS_IOCTL_H
#define _SYS_IOCTL_H
#include <stos/ioctl.h>
int ioctl(int fd, unsigned long req, ...);
#endif
