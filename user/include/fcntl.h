/* open() and fcntl(); flag values from the ABI header. */
#ifndef _FCNTL_H
#define _FCNTL_H
#include <stos/types.h>
#include <stos/fcntl.h>
int open(const char *path, int flags, ...);
int openat(int dirfd, const char *path, int flags, ...);
int creat(const char *path, mode_t mode);
int fcntl(int fd, int cmd, ...);
#endif
