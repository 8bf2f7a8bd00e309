/* The narrow interface between the socket file glue (sock_file.c, sys_socket.c: the file
 * layer's side) and the stack (ksock.c, ksock_ioctl.c: net/'s side).  It exists because both
 * sides have a `struct uio` of their own; data moves as iovec arrays described by ksock_io.
 * Every function takes the net lock itself where it needs it; none may be called with it.
 * Addresses passed in are kernel copies; user memory is reached only through the iovecs
 * (user = 1) with copyin/copyout. */
#ifndef KERNEL_NET_KSOCK_H
#define KERNEL_NET_KSOCK_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stos/socket.h>

struct ksock;
struct pollhead;

struct ksock_io {
	struct iovec *iov;          /* kernel array; advanced as data moves */
	int iovcnt;
	size_t resid;               /* bytes still to move */
	bool user;                  /* segments are user addresses */
};

int ksock_create(int domain, int type, int protocol, struct ksock **out);
void ksock_close(struct ksock *ks);
struct pollhead *ksock_pollhead(struct ksock *ks);
int ksock_poll(struct ksock *ks, int events);
void ksock_setnbio(struct ksock *ks, bool on);
int ksock_bind(struct ksock *ks, const struct sockaddr *sa, socklen_t len);
int ksock_connect(struct ksock *ks, const struct sockaddr *sa, socklen_t len);
int ksock_listen(struct ksock *ks, int backlog);
int ksock_accept(struct ksock *ks, struct ksock **out, struct sockaddr_storage *sa,
    socklen_t *len, int flags);
long ksock_send(struct ksock *ks, struct ksock_io *io, const struct sockaddr *to,
    socklen_t tolen, int flags);
long ksock_receive(struct ksock *ks, struct ksock_io *io, struct sockaddr_storage *from,
    socklen_t *fromlen, int *flags);
int ksock_shutdown(struct ksock *ks, int how);
int ksock_setopt(struct ksock *ks, int level, int name, const void *val, socklen_t len);
int ksock_getopt(struct ksock *ks, int level, int name, void *val, socklen_t *len);
int ksock_name(struct ksock *ks, bool peer, struct sockaddr_storage *sa, socklen_t *len);
int ksock_nread(struct ksock *ks);
uint64_t ksock_id(struct ksock *ks);
/* SIOC* interface, address, route and ARP requests (ksock_ioctl.c); -ENOTTY if unknown. */
long ksock_ioctl(struct ksock *ks, unsigned long req, uintptr_t uarg);

#endif
