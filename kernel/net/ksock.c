/* Sockets of the kernel's stack instance, seen from the file glue (ksock.h): each ksock pairs
 * a net/ socket with the pollhead its file's pollers sleep on.  The socket's readiness upcall
 * (called by the stack with the net lock held, never sleeping) wakes that pollhead. */
#include "klib.h"
#include "kalloc.h"
#include "uaccess.h"
#include "knet.h"
#include "fs/pollwait.h"
#include "ksock.h"
#include <stos/errno.h>
#include "../../net/netstack.h"
#include "../../net/socketvar.h"

struct ksock {
	struct socket *so;
	struct pollhead ph;
};

static void ksock_upcall(struct socket *so, void *arg, int events)
{
	(void)so;
	(void)events;
	struct ksock *ks = arg;
	pollhead_wake(&ks->ph);
}

static struct ksock *ksock_wrap(struct socket *so)
{
	struct ksock *ks = kzalloc(sizeof(*ks));
	if (!ks)
		return NULL;
	ks->so = so;
	pollhead_init(&ks->ph);
	so_setupcall(so, ksock_upcall, ks);
	return ks;
}

int ksock_create(int domain, int type, int protocol, struct ksock **out)
{
	struct netstack *ns = knet_stack();
	if (!ns)
		return -EAFNOSUPPORT;
	struct socket *so;
	int rc = so_create(ns, domain, type, protocol, &so);
	if (rc)
		return rc;
	struct ksock *ks = ksock_wrap(so);
	if (!ks) {
		so_close(so);
		return -ENOMEM;
	}
	*out = ks;
	return 0;
}

void ksock_close(struct ksock *ks)
{
	so_setupcall(ks->so, NULL, NULL);
	so_close(ks->so);
	kfree(ks);
}

struct pollhead *ksock_pollhead(struct ksock *ks) { return &ks->ph; }
int ksock_poll(struct ksock *ks, int events) { return so_poll(ks->so, events); }
void ksock_setnbio(struct ksock *ks, bool on) { so_setnbio(ks->so, on); }
int ksock_listen(struct ksock *ks, int backlog) { return so_listen(ks->so, backlog); }
int ksock_shutdown(struct ksock *ks, int how) { return so_shutdown(ks->so, how); }
int ksock_nread(struct ksock *ks) { return so_nread(ks->so); }
uint64_t ksock_id(struct ksock *ks) { return ks->so->so_id; }

int ksock_bind(struct ksock *ks, const struct sockaddr *sa, socklen_t len)
{
	return so_bind(ks->so, sa, len);
}

int ksock_connect(struct ksock *ks, const struct sockaddr *sa, socklen_t len)
{
	return so_connect(ks->so, sa, len);
}

int ksock_accept(struct ksock *ks, struct ksock **out, struct sockaddr_storage *sa,
    socklen_t *len, int flags)
{
	struct socket *so;
	int rc = so_accept(ks->so, &so, sa, len, flags);
	if (rc)
		return rc;
	struct ksock *n = ksock_wrap(so);
	if (!n) {
		so_close(so);
		return -ENOMEM;
	}
	*out = n;
	return 0;
}

static int kcopy_in(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
	return 0;
}

static int kcopy_out(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
	return 0;
}

static void io_to_uio(struct ksock_io *io, struct uio *u, int rw)
{
	u->uio_iov = io->iov;
	u->uio_iovcnt = io->iovcnt;
	u->uio_resid = io->resid;
	u->uio_rw = rw;
	u->uio_copyin = io->user ? copyin : kcopy_in;
	u->uio_copyout = io->user ? copyout : kcopy_out;
}

static void uio_to_io(const struct uio *u, struct ksock_io *io)
{
	io->iov = u->uio_iov;
	io->iovcnt = u->uio_iovcnt;
	io->resid = u->uio_resid;
}

long ksock_send(struct ksock *ks, struct ksock_io *io, const struct sockaddr *to,
    socklen_t tolen, int flags)
{
	struct uio u;
	io_to_uio(io, &u, UIO_FROM_USER);
	long n = so_send(ks->so, &u, to, tolen, flags);
	uio_to_io(&u, io);
	return n;
}

long ksock_receive(struct ksock *ks, struct ksock_io *io, struct sockaddr_storage *from,
    socklen_t *fromlen, int *flags)
{
	struct uio u;
	io_to_uio(io, &u, UIO_TO_USER);
	long n = so_receive(ks->so, &u, from, fromlen, flags);
	uio_to_io(&u, io);
	return n;
}

int ksock_setopt(struct ksock *ks, int level, int name, const void *val, socklen_t len)
{
	return so_setopt(ks->so, level, name, val, len);
}

int ksock_getopt(struct ksock *ks, int level, int name, void *val, socklen_t *len)
{
	return so_getopt(ks->so, level, name, val, len);
}

int ksock_name(struct ksock *ks, bool peer, struct sockaddr_storage *sa, socklen_t *len)
{
	return peer ? so_getpeername(ks->so, sa, len) : so_getsockname(ks->so, sa, len);
}
