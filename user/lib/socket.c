/* Socket system-call wrappers (Linux x86-64 numbers: each call is its own syscall, no
 * socketcall multiplexer). */
#include <sys/socket.h>
#include "sys.h"

int socket(int domain, int type, int protocol) { return (int)sysret(sys3(SYS_socket, domain, type, protocol)); }
int socketpair(int domain, int type, int protocol, int sv[2])
{
	return (int)sysret(sys4(SYS_socketpair, domain, type, protocol, sv));
}
int bind(int fd, const struct sockaddr *addr, socklen_t len) { return (int)sysret(sys3(SYS_bind, fd, (long)addr, len)); }
int listen(int fd, int backlog) { return (int)sysret(sys2(SYS_listen, fd, backlog)); }
int accept(int fd, struct sockaddr *restrict addr, socklen_t *restrict len)
{
	return (int)sysret(sys3(SYS_accept, fd, (long)addr, (long)len));
}
int accept4(int fd, struct sockaddr *restrict addr, socklen_t *restrict len, int flags)
{
	return (int)sysret(sys4(SYS_accept4, fd, addr, len, flags));
}
int connect(int fd, const struct sockaddr *addr, socklen_t len) { return (int)sysret(sys3(SYS_connect, fd, (long)addr, len)); }
ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to, socklen_t tolen)
{
	return sysret(sys6(SYS_sendto, fd, (long)buf, (long)n, flags, (long)to, tolen));
}
ssize_t send(int fd, const void *buf, size_t n, int flags) { return sendto(fd, buf, n, flags, NULL, 0); }
ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) { return sysret(sys3(SYS_sendmsg, fd, (long)msg, flags)); }
ssize_t recvfrom(int fd, void *restrict buf, size_t n, int flags, struct sockaddr *restrict from,
		 socklen_t *restrict fromlen)
{
	return sysret(sys6(SYS_recvfrom, fd, (long)buf, (long)n, flags, (long)from, (long)fromlen));
}
ssize_t recv(int fd, void *buf, size_t n, int flags) { return recvfrom(fd, buf, n, flags, NULL, NULL); }
ssize_t recvmsg(int fd, struct msghdr *msg, int flags) { return sysret(sys3(SYS_recvmsg, fd, (long)msg, flags)); }
int shutdown(int fd, int how) { return (int)sysret(sys2(SYS_shutdown, fd, how)); }
int getsockopt(int fd, int level, int name, void *restrict val, socklen_t *restrict len)
{
	return (int)sysret(sys5(SYS_getsockopt, fd, level, name, val, len));
}
int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	return (int)sysret(sys5(SYS_setsockopt, fd, level, name, val, len));
}
int getsockname(int fd, struct sockaddr *restrict addr, socklen_t *restrict len)
{
	return (int)sysret(sys3(SYS_getsockname, fd, (long)addr, (long)len));
}
int getpeername(int fd, struct sockaddr *restrict addr, socklen_t *restrict len)
{
	return (int)sysret(sys3(SYS_getpeername, fd, (long)addr, (long)len));
}

/* The next control message after c, or NULL when it would run past msg_controllen. */
struct cmsghdr *__cmsg_nxthdr(struct msghdr *m, struct cmsghdr *c)
{
	unsigned char *end = (unsigned char *)m->msg_control + m->msg_controllen;
	unsigned char *next;
	if (c->cmsg_len < sizeof(struct cmsghdr))
		return NULL;
	next = (unsigned char *)c + CMSG_ALIGN(c->cmsg_len);
	if (next + sizeof(struct cmsghdr) > end ||
	    next + CMSG_ALIGN(((struct cmsghdr *)(void *)next)->cmsg_len) > end)
		return NULL;
	return (struct cmsghdr *)(void *)next;
}
