/* The hosted C socket API: BSD-socket calls over a chosen stack instance.
 *
 * stos_socket(ns, domain, type, protocol) opens a socket on instance ns and returns a small
 * integer descriptor (from STOS_FD_BASE up, in a table shared by every instance of the
 * process, so descriptors of different instances never collide); every other call takes that
 * descriptor.  Calls return what libc's return and set errno (Linux values) on failure.
 * Structures (struct sockaddr_in, msghdr, iovec, pollfd, timeval, linger) have the host's
 * layouts, which are STOS's: include <sys/socket.h>, <netinet/in.h>, <poll.h> as usual.
 *
 * Blocking.  A blocking call sleeps in the stack (port_sleep) until a packet, a timer or
 * another thread wakes it, exactly as in the kernel.  On an instance with a real clock and a
 * netisr thread (stosnet, the TAP link) that is all there is to know.  On an instance with
 * the VIRTUAL clock of the in-memory wire, nothing moves unless the test moves it: a
 * single-threaded test therefore uses non-blocking sockets (SOCK_NONBLOCK, MSG_DONTWAIT,
 * stos_set_nonblock) and advances the wire between calls, getting EAGAIN where Linux would
 * block; a test of blocking or timeout semantics runs the blocking call in a second thread
 * and advances the virtual clock (host_clock_advance wakes sleepers with deadlines) or
 * delivers the packet from the first.
 *
 * Thread safety: calls may be made from any thread; each takes its instance's net lock.
 */
#ifndef HOST_STOS_API_H
#define HOST_STOS_API_H
#include <stddef.h>
#include <sys/types.h>

struct netstack;
struct socket;
struct sockaddr;
struct msghdr;
struct pollfd;

/* Instance helpers for programs that include the libc socket headers (which cannot be mixed
 * with net/ headers in one file).  stos_stack_init attaches the socket layer, UDP and raw IP
 * (and whatever so_instance_init registers) to an instance made by host_netstack_create.
 * stos_run drains the input queues and runs due timers at the instance's current time;
 * returns the number of frames processed.  stos_stat reads one counter (UINT64_MAX when
 * unknown). */
int stos_stack_init(struct netstack *ns);
unsigned stos_run(struct netstack *ns);
unsigned long long stos_stat(struct netstack *ns, const char *group, const char *name);
/* Sets the instance's ECN choice for TCP (net/tcp_ecn.c): 0 never, 1 ask for it and accept
 * it, 2 accept it when asked (the default).  0, or -1 with errno EINVAL. */
int stos_tcp_ecn(struct netstack *ns, int value);
/* TCP's initial window in segments for new connections: 1..100 by RFC 6928's rule (10 by
 * default), 0 for RFC 5681 3.1's 2 to 4 segments.  0, or -1 with errno EINVAL. */
int stos_tcp_initcwnd(struct netstack *ns, int segments);
/* Adds an IPv4 address "A.B.C.D/P" to interface ifname of ns.  0, or -1 with errno
 * (ENODEV: no such interface, EINVAL: bad text, as if_addr_add otherwise). */
int stos_if_addr(struct netstack *ns, const char *ifname, const char *cidr);

#define STOS_FD_BASE 3
#define STOS_FD_MAX  (1 << 20)

int stos_socket(struct netstack *ns, int domain, int type, int protocol);
int stos_bind(int fd, const struct sockaddr *addr, unsigned int len);
int stos_connect(int fd, const struct sockaddr *addr, unsigned int len);
int stos_listen(int fd, int backlog);
int stos_accept(int fd, struct sockaddr *addr, unsigned int *len);
int stos_accept4(int fd, struct sockaddr *addr, unsigned int *len, int flags);
ssize_t stos_send(int fd, const void *buf, size_t len, int flags);
ssize_t stos_sendto(int fd, const void *buf, size_t len, int flags,
    const struct sockaddr *to, unsigned int tolen);
ssize_t stos_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t stos_recv(int fd, void *buf, size_t len, int flags);
ssize_t stos_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
    unsigned int *fromlen);
ssize_t stos_recvmsg(int fd, struct msghdr *msg, int flags);
int stos_shutdown(int fd, int how);
int stos_close(int fd);
int stos_setsockopt(int fd, int level, int name, const void *val, unsigned int len);
int stos_getsockopt(int fd, int level, int name, void *val, unsigned int *len);
int stos_getsockname(int fd, struct sockaddr *addr, unsigned int *len);
int stos_getpeername(int fd, struct sockaddr *addr, unsigned int *len);
/* poll(2) over stos descriptors (they may belong to different instances); timeout_ms < 0
 * waits forever, on the instance's clock (virtual or real). */
int stos_poll(struct pollfd *fds, unsigned long nfds, int timeout_ms);
/* O_NONBLOCK (fcntl F_SETFL / FIONBIO). */
int stos_set_nonblock(int fd, int on);
/* FIONREAD. */
int stos_nread(int fd);
/* The socket and instance behind a descriptor (NULL when not open). */
struct socket *stos_sock(int fd);
struct netstack *stos_ns(int fd);
/* Drops a descriptor without touching its socket: for a socket whose instance was
 * destroyed under it (netstack destruction aborts and frees leftover sockets). */
void stos_forget(int fd);
/* Closes every descriptor open on ns; returns how many there were (tests: a failed test
 * must not leave sockets behind for the next). */
unsigned stos_close_all(struct netstack *ns);
/* Open descriptors (tests assert none leaked). */
unsigned stos_open_count(void);

#endif
