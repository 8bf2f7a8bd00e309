/* The hosted C socket API (stos_api.h): a descriptor table over so_* calls.
 *
 * This file sees STOS's own ABI structures (net/socketvar.h includes <stos/socket.h>) and
 * not the libc socket headers; the layouts are the same, which is the point of the Linux
 * ABI decision (docs/CONTRIBUTING.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "net/netstack.h"
#include "net/socket_private.h"
#include "net/tcp_var.h"
#include "host/stos_api.h"
#include "host/port_host.h"
#include <stos/in.h>
#include <poll.h>

struct fdent {
	struct socket *so;
	struct netstack *ns;
};

/* The descriptor table's lock, taken on every call (fd_get): a futex mutex (port_host.h),
 * about a fifth of pthread_mutex's instructions. */
static uint32_t fd_mu;
static struct fdent *fdtab;
static unsigned fdcap, fdnopen, fdhint;

static int fail(int err)
{
	errno = -err;
	return -1;
}

static int fd_alloc(struct netstack *ns, struct socket *so)
{
	unsigned i;
	host_mutex_lock(&fd_mu);
	if (fdnopen == fdcap) {
		unsigned ncap = fdcap ? fdcap * 2 : 64;
		struct fdent *n;
		if (ncap > STOS_FD_MAX) {
			host_mutex_unlock(&fd_mu);
			return -EMFILE;
		}
		n = realloc(fdtab, ncap * sizeof(*n));
		if (!n) {
			host_mutex_unlock(&fd_mu);
			return -ENOMEM;
		}
		memset(n + fdcap, 0, (ncap - fdcap) * sizeof(*n));
		fdtab = n;
		fdhint = fdcap;
		fdcap = ncap;
	}
	/* Lowest free slot from the hint, as Unix hands out the lowest descriptor. */
	for (i = 0; i < fdcap; i++) {
		unsigned k = (fdhint + i) % fdcap;
		if (!fdtab[k].so) {
			fdtab[k].so = so;
			fdtab[k].ns = ns;
			fdnopen++;
			fdhint = k + 1;
			host_mutex_unlock(&fd_mu);
			return (int)k + STOS_FD_BASE;
		}
	}
	host_mutex_unlock(&fd_mu);
	return -EMFILE;
}

static struct socket *fd_get(int fd)
{
	struct socket *so = NULL;
	unsigned k = (unsigned)(fd - STOS_FD_BASE);
	host_mutex_lock(&fd_mu);
	if (fd >= STOS_FD_BASE && k < fdcap)
		so = fdtab[k].so;
	host_mutex_unlock(&fd_mu);
	return so;
}

struct socket *stos_sock(int fd) { return fd_get(fd); }

struct netstack *stos_ns(int fd)
{
	struct socket *so = fd_get(fd);
	return so ? so->so_ns : NULL;
}

unsigned stos_open_count(void)
{
	unsigned n;
	host_mutex_lock(&fd_mu);
	n = fdnopen;
	host_mutex_unlock(&fd_mu);
	return n;
}

int stos_stack_init(struct netstack *ns)
{
	int err = so_instance_init(ns);
	return err ? fail(err) : 0;
}

/* One net-lock hold for the turn: the waiting frames, the due timers, then what the timers
 * looped back.  The timers run at the clock the frames were processed at (net_clock: the
 * batch's reading, or one taken now when there was no batch or it needed none), so a turn
 * reads the clock once, not once for the frames and again for the timers; a timer falling due
 * while the batch ran fires at the next turn, as it would had it fallen due just after. */
unsigned stos_run(struct netstack *ns)
{
	NET_LOCK(ns);
	unsigned n = netisr_run_locked(ns);
	net_timers_run_locked(ns, net_clock(ns));
	n += netisr_run_locked(ns);
	NET_UNLOCK(ns);
	return n;
}

unsigned long long stos_stat(struct netstack *ns, const char *group, const char *name)
{
	unsigned long long v;
	NET_LOCK(ns);
	v = net_stat_get(ns, group, name);
	NET_UNLOCK(ns);
	return v;
}

int stos_tcp_ecn(struct netstack *ns, int value)
{
	struct tcp_instance *ti = tcp_instance(ns);
	if (!ti || value < TCP_ECN_OFF || value > TCP_ECN_PASSIVE)
		return fail(-EINVAL);
	NET_LOCK(ns);
	ti->ti_conf.ecn = (uint8_t)value;
	NET_UNLOCK(ns);
	return 0;
}

int stos_tcp_initcwnd(struct netstack *ns, int segments)
{
	struct tcp_instance *ti = tcp_instance(ns);
	if (!ti || segments < 0 || segments > TCP_INITCWND_MAX)
		return fail(-EINVAL);
	NET_LOCK(ns);
	ti->ti_conf.initcwnd_segs = (uint8_t)segments;
	NET_UNLOCK(ns);
	return 0;
}

int stos_if_addr(struct netstack *ns, const char *ifname, const char *cidr)
{
	unsigned a, b, c, d, p;
	char extra;
	struct ifnet *ifp;
	int err;
	if (sscanf(cidr, "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &p, &extra) != 5 || a > 255 ||
	    b > 255 || c > 255 || d > 255 || p > 32)
		return fail(-EINVAL);
	NET_LOCK(ns);
	ifp = ifnet_byname(ns, ifname);
	err = ifp ? if_addr_add(ifp, (a << 24) | (b << 16) | (c << 8) | d, p) : -ENODEV;
	NET_UNLOCK(ns);
	return err ? fail(err) : 0;
}

#define GETSO(fd, so) do { so = fd_get(fd); if (!so) return fail(-EBADF); } while (0)

int stos_socket(struct netstack *ns, int domain, int type, int protocol)
{
	struct socket *so;
	int err, fd;
	if (!ns)
		return fail(-EINVAL);
	err = so_create(ns, domain, type, protocol, &so);
	if (err)
		return fail(err);
	fd = fd_alloc(ns, so);
	if (fd < 0) {
		so_close(so);
		return fail(fd);
	}
	return fd;
}

int stos_bind(int fd, const struct sockaddr *addr, unsigned int len)
{
	struct socket *so;
	int err;
	GETSO(fd, so);
	err = so_bind(so, addr, len);
	return err ? fail(err) : 0;
}

int stos_connect(int fd, const struct sockaddr *addr, unsigned int len)
{
	struct socket *so;
	int err;
	GETSO(fd, so);
	err = so_connect(so, addr, len);
	return err ? fail(err) : 0;
}

int stos_listen(int fd, int backlog)
{
	struct socket *so;
	int err;
	GETSO(fd, so);
	err = so_listen(so, backlog);
	return err ? fail(err) : 0;
}

/* Linux copies min(*len, real length) bytes of an address and stores the real length. */
static void put_addr(struct sockaddr *dst, unsigned int *dlen, const struct sockaddr_storage *ss,
    socklen_t sl)
{
	if (!dst || !dlen)
		return;
	memcpy(dst, ss, *dlen < sl ? *dlen : sl);
	*dlen = sl;
}

int stos_accept4(int fd, struct sockaddr *addr, unsigned int *len, int flags)
{
	struct socket *so, *nso;
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	int err, nfd;
	GETSO(fd, so);
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return fail(-EINVAL);
	memset(&ss, 0, sizeof(ss));
	err = so_accept(so, &nso, &ss, &sl, flags);
	if (err)
		return fail(err);
	nfd = fd_alloc(so->so_ns, nso);
	if (nfd < 0) {
		so_close(nso);
		return fail(nfd);
	}
	if (sl == 0) {
		ss.ss_family = (sa_family_t)so->so_proto->pr_domain;
		sl = sizeof(struct sockaddr_in);
	}
	put_addr(addr, len, &ss, sl);
	return nfd;
}

int stos_accept(int fd, struct sockaddr *addr, unsigned int *len)
{
	return stos_accept4(fd, addr, len, 0);
}

ssize_t stos_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct socket *so;
	struct iovec iovs[64], *iov = iovs;
	struct uio uio;
	ssize_t n;
	int err;
	GETSO(fd, so);
	if (msg->msg_iovlen > IOV_MAX)
		return fail(-EMSGSIZE);
	if (msg->msg_iovlen > 64) {
		iov = malloc(msg->msg_iovlen * sizeof(*iov));
		if (!iov)
			return fail(-ENOMEM);
	}
	if (msg->msg_iovlen)
		memcpy(iov, msg->msg_iov, msg->msg_iovlen * sizeof(*iov));
	err = uio_init(&uio, iov, (int)msg->msg_iovlen, UIO_FROM_USER);
	if (!err) {
		n = so_send(so, &uio, msg->msg_name, msg->msg_name ? msg->msg_namelen : 0, flags);
	} else {
		n = err;
	}
	if (iov != iovs)
		free(iov);
	return n < 0 ? fail((int)n) : n;
}

ssize_t stos_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
    unsigned int tolen)
{
	struct iovec iov = { (void *)(uintptr_t)buf, len };
	struct msghdr msg;
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = (void *)(uintptr_t)to;
	msg.msg_namelen = to ? tolen : 0;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	return stos_sendmsg(fd, &msg, flags);
}

ssize_t stos_send(int fd, const void *buf, size_t len, int flags)
{
	return stos_sendto(fd, buf, len, flags, NULL, 0);
}

ssize_t stos_recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct socket *so;
	struct iovec iovs[64], *iov = iovs;
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	struct uio uio;
	ssize_t n;
	int err, oflags = flags;
	GETSO(fd, so);
	if (msg->msg_iovlen > IOV_MAX)
		return fail(-EMSGSIZE);
	if (msg->msg_iovlen > 64) {
		iov = malloc(msg->msg_iovlen * sizeof(*iov));
		if (!iov)
			return fail(-ENOMEM);
	}
	if (msg->msg_iovlen)
		memcpy(iov, msg->msg_iov, msg->msg_iovlen * sizeof(*iov));
	err = uio_init(&uio, iov, (int)msg->msg_iovlen, UIO_TO_USER);
	if (!err) {
		memset(&ss, 0, sizeof(ss));
		n = so_receive(so, &uio, &ss, &sl, &oflags);
	} else {
		n = err;
	}
	if (iov != iovs)
		free(iov);
	if (n < 0)
		return fail((int)n);
	if (msg->msg_name) {
		unsigned int l = msg->msg_namelen;
		if (sl)
			put_addr(msg->msg_name, &l, &ss, sl);
		else
			l = 0;
		msg->msg_namelen = l;
	}
	msg->msg_controllen = 0;   /* no control messages are produced */
	msg->msg_flags = oflags;
	return n;
}

ssize_t stos_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
    unsigned int *fromlen)
{
	struct iovec iov = { buf, len };
	struct msghdr msg;
	ssize_t n;
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = (from && fromlen) ? from : NULL;
	msg.msg_namelen = (from && fromlen) ? *fromlen : 0;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	n = stos_recvmsg(fd, &msg, flags);
	if (n >= 0 && from && fromlen)
		*fromlen = msg.msg_namelen;
	return n;
}

ssize_t stos_recv(int fd, void *buf, size_t len, int flags)
{
	return stos_recvfrom(fd, buf, len, flags, NULL, NULL);
}

int stos_shutdown(int fd, int how)
{
	struct socket *so;
	int err;
	GETSO(fd, so);
	err = so_shutdown(so, how);
	return err ? fail(err) : 0;
}

void stos_forget(int fd)
{
	unsigned k = (unsigned)(fd - STOS_FD_BASE);
	host_mutex_lock(&fd_mu);
	if (fd >= STOS_FD_BASE && k < fdcap && fdtab[k].so) {
		fdtab[k].so = NULL;
		fdtab[k].ns = NULL;
		fdnopen--;
		if (k < fdhint)
			fdhint = k;
	}
	host_mutex_unlock(&fd_mu);
}

unsigned stos_close_all(struct netstack *ns)
{
	unsigned n = 0;
	for (;;) {
		int fd = -1;
		host_mutex_lock(&fd_mu);
		for (unsigned k = 0; k < fdcap; k++)
			if (fdtab[k].so && fdtab[k].ns == ns) {
				fd = (int)k + STOS_FD_BASE;
				break;
			}
		host_mutex_unlock(&fd_mu);
		if (fd < 0)
			return n;
		stos_close(fd);
		n++;
	}
}

int stos_close(int fd)
{
	struct socket *so = NULL;
	unsigned k = (unsigned)(fd - STOS_FD_BASE);
	host_mutex_lock(&fd_mu);
	if (fd >= STOS_FD_BASE && k < fdcap && fdtab[k].so) {
		so = fdtab[k].so;
		fdtab[k].so = NULL;
		fdtab[k].ns = NULL;
		fdnopen--;
		if (k < fdhint)
			fdhint = k;
	}
	host_mutex_unlock(&fd_mu);
	if (!so)
		return fail(-EBADF);
	so_close(so);
	return 0;   /* Linux close() does not report a lingering error */
}

int stos_setsockopt(int fd, int level, int name, const void *val, unsigned int len)
{
	struct socket *so;
	int err;
	GETSO(fd, so);
	err = so_setopt(so, level, name, val, len);
	return err ? fail(err) : 0;
}

int stos_getsockopt(int fd, int level, int name, void *val, unsigned int *len)
{
	struct socket *so;
	socklen_t l;
	int err;
	GETSO(fd, so);
	if (!len)
		return fail(-EFAULT);
	l = *len;
	err = so_getopt(so, level, name, val, &l);
	if (err)
		return fail(err);
	*len = l;
	return 0;
}

/* getsockname and getpeername: ask the socket, then copy out as much as fits (Linux). */
static int api_name(int fd, struct sockaddr *addr, unsigned int *len,
		    int (*get)(struct socket *, struct sockaddr_storage *, socklen_t *))
{
	struct socket *so;
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	int err;
	GETSO(fd, so);
	if (!len)
		return fail(-EFAULT);
	memset(&ss, 0, sizeof(ss));
	err = get(so, &ss, &sl);
	if (err)
		return fail(err);
	put_addr(addr, len, &ss, sl);
	return 0;
}

int stos_getsockname(int fd, struct sockaddr *addr, unsigned int *len)
{
	return api_name(fd, addr, len, so_getsockname);
}

int stos_getpeername(int fd, struct sockaddr *addr, unsigned int *len)
{
	return api_name(fd, addr, len, so_getpeername);
}

int stos_set_nonblock(int fd, int on)
{
	struct socket *so;
	GETSO(fd, so);
	so_setnbio(so, on != 0);
	return 0;
}

int stos_nread(int fd)
{
	struct socket *so;
	GETSO(fd, so);
	return so_nread(so);
}

/* One pass over the set; the caller holds ns's lock when `ns` is non-NULL (single
 * instance), else each socket's lock is taken in turn. */
static int poll_scan(struct pollfd *fds, unsigned long nfds, struct netstack *ns)
{
	int count = 0;
	for (unsigned long i = 0; i < nfds; i++) {
		struct socket *so;
		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		so = fd_get(fds[i].fd);
		if (!so) {
			fds[i].revents = POLLNVAL;
		} else if (ns) {
			fds[i].revents = (short)so_poll_locked(so, fds[i].events);
		} else {
			fds[i].revents = (short)so_poll(so, fds[i].events);
		}
		if (fds[i].revents)
			count++;
	}
	return count;
}

int stos_poll(struct pollfd *fds, unsigned long nfds, int timeout_ms)
{
	struct netstack *ns = NULL;
	bool mixed = false;
	uint64_t deadline = 0;
	int count;

	for (unsigned long i = 0; i < nfds; i++) {
		struct socket *so = fds[i].fd >= 0 ? fd_get(fds[i].fd) : NULL;
		if (!so)
			continue;
		if (ns && so->so_ns != ns)
			mixed = true;
		ns = so->so_ns;
	}
	if (!ns || mixed) {
		/* No socket, or several instances: scan, then sleep a millisecond of real time
		 * between scans (there is no common channel to sleep on). */
		uint64_t start = 0;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		start = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		for (;;) {
			uint64_t now;
			struct timespec d = { 0, 1000000 };
			count = poll_scan(fds, nfds, NULL);
			if (count || timeout_ms == 0)
				return count;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
			if (timeout_ms > 0 && now - start >= (uint64_t)timeout_ms * 1000000ull)
				return 0;
			nanosleep(&d, NULL);
		}
	}
	if (timeout_ms > 0)
		deadline = port_now_ns(ns) + (uint64_t)timeout_ms * 1000000ull;
	NET_LOCK(ns);
	for (;;) {
		int rc;
		count = poll_scan(fds, nfds, ns);
		if (count || timeout_ms == 0)
			break;
		rc = so_pollwait(ns, deadline);
		net_clock_forget(ns);
		if (rc == -ETIMEDOUT) {
			count = poll_scan(fds, nfds, ns);
			break;
		}
		if (rc == -EINTR) {
			NET_UNLOCK(ns);
			return fail(-EINTR);
		}
	}
	NET_UNLOCK(ns);
	return count;
}
