/* Socket descriptors (sock_file.c), for the socket system calls (sys_socket.c). */
#ifndef KERNEL_NET_SOCK_FILE_H
#define KERNEL_NET_SOCK_FILE_H
#include "ksock.h"

struct file;

/* Wraps ks in a new file and installs it at the lowest free descriptor of the calling
 * process.  Returns the descriptor; on failure the socket is closed and -errno returned. */
int sock_install(struct ksock *ks, int nonblock, int cloexec);
/* The socket behind descriptor fd, with a file reference in *fp (file_put it); NULL with
 * *err = -EBADF or -ENOTSOCK.  Syncs the socket's non-blocking mode with the file's. */
struct ksock *sock_get(int fd, struct file **fp, int *err);
/* Posts SIGPIPE to the calling process (a send after the sending side shut). */
void sock_sigpipe(void);

#endif
