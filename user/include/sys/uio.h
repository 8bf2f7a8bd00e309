/* Scatter/gather I/O; struct iovec from the ABI header. */
#ifndef _SYS_UIO_H
#define _SYS_UIO_H
#include <stos/types.h>
#include <stos/socket.h>
ssize_t readv(int fd, const struct iovec *iov, int n);
ssize_t writev(int fd, const struct iovec *iov, int n);
#endif
