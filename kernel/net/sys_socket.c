/* The socket system calls, Linux x86-64 semantics and errno values: socket, socketpair,
 * bind, listen, accept, accept4, connect, sendto, recvfrom, sendmsg, recvmsg, shutdown,
 * setsockopt, getsockopt, getsockname, getpeername.
 *
 * Every user pointer is copied in or out with copyin/copyout (never dereferenced); lengths
 * are checked before anything is allocated or copied.  Address results follow Linux: the
 * address is truncated to the caller's buffer and *addrlen gets the real length.
 * socketpair exists only for AF_UNIX on Linux, which STOS does not have: EOPNOTSUPP. */
#include "klib.h"
#include "kalloc.h"
#include "syscall.h"
#include "uaccess.h"
#include "fs/file.h"
#include "sock_file.h"
#include <stos/errno.h>
#include <stos/socket.h>
#include <stos/packet.h>

#define SOCK_MAXOPT   256       /* bytes of option value copied in or out */
#define SOCK_MAXIOV   1024      /* UIO_MAXIOV */

static int addr_in(struct sockaddr_storage *ss, long uaddr, long len)
{
	if (len < 0 || (size_t)len > sizeof(*ss))
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (len && copyin(ss, (const void *)uaddr, (size_t)len))
		return -EFAULT;
	return 0;
}

/* Copies out min(real, *ulen) bytes of the address and stores the real length in *ulen. */
static int addr_out(const struct sockaddr_storage *ss, socklen_t real, long uaddr, long ulenp)
{
	if (!uaddr)
		return 0;
	int32_t ulen;
	if (copyin(&ulen, (const void *)ulenp, sizeof(ulen)))
		return -EFAULT;
	if (ulen < 0)
		return -EINVAL;
	size_t n = MIN((size_t)ulen, (size_t)real);
	if (n && copyout((void *)uaddr, ss, n))
		return -EFAULT;
	int32_t r = (int32_t)real;
	return copyout((void *)ulenp, &r, sizeof(r)) ? -EFAULT : 0;
}

SYSCALL_DECL(socket)
{
	(void)a3; (void)a4; (void)a5;
	int type = (int)a1;
	if (type & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	struct ksock *ks;
	int rc = ksock_create((int)a0, type & ~SOCK_CLOEXEC, (int)a2, &ks);
	if (rc)
		return rc;
	return sock_install(ks, type & SOCK_NONBLOCK, type & SOCK_CLOEXEC);
}

SYSCALL_DECL(socketpair)
{
	(void)a1; (void)a2; (void)a4; (void)a5;
	int32_t sv[2];
	if (copyin(sv, (const void *)a3, sizeof(sv)))
		return -EFAULT;
	return a0 == AF_UNIX ? -EOPNOTSUPP : a0 == AF_INET ? -EOPNOTSUPP : -EAFNOSUPPORT;
}

/* bind and connect: copy the address in, then hand it to the socket. */
static long sock_addr_op(long fd, long uaddr, long len,
			 int (*op)(struct ksock *, const struct sockaddr *, socklen_t))
{
	struct sockaddr_storage ss;
	int rc = addr_in(&ss, uaddr, len);
	if (rc)
		return rc;
	struct file *f;
	struct ksock *ks = sock_get((int)fd, &f, &rc);
	if (!ks)
		return rc;
	rc = op(ks, (struct sockaddr *)&ss, (socklen_t)len);
	file_put(f);
	return rc;
}

SYSCALL_DECL(bind)
{
	(void)a3; (void)a4; (void)a5;
	return sock_addr_op(a0, a1, a2, ksock_bind);
}

SYSCALL_DECL(connect)
{
	(void)a3; (void)a4; (void)a5;
	return sock_addr_op(a0, a1, a2, ksock_connect);
}

SYSCALL_DECL(listen)
{
	(void)a2; (void)a3; (void)a4; (void)a5;
	int rc;
	struct file *f;
	struct ksock *ks = sock_get((int)a0, &f, &rc);
	if (!ks)
		return rc;
	int backlog = (int)a1;
	if (backlog < 0 || backlog > SOMAXCONN)
		backlog = SOMAXCONN;
	rc = ksock_listen(ks, backlog);
	file_put(f);
	return rc;
}

SYSCALL_DECL(accept4)
{
	(void)a4; (void)a5;
	int flags = (int)a3;
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	int32_t ulen = 0;
	if (a1 && (copyin(&ulen, (const void *)a2, sizeof(ulen)) || ulen < 0))
		return ulen < 0 ? -EINVAL : -EFAULT;
	int rc;
	struct file *f;
	struct ksock *ks = sock_get((int)a0, &f, &rc);
	if (!ks)
		return rc;
	struct ksock *nks;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	rc = ksock_accept(ks, &nks, &ss, &len, flags & SOCK_NONBLOCK);
	file_put(f);
	if (rc)
		return rc;
	rc = addr_out(&ss, len, a1, a2);
	if (rc) {
		ksock_close(nks);
		return rc;
	}
	return sock_install(nks, flags & SOCK_NONBLOCK, flags & SOCK_CLOEXEC);
}

SYSCALL_DECL(accept)
{
	(void)a3;
	return sys_accept4(a0, a1, a2, 0, a4, a5);
}

/* The send side of sendto and sendmsg: look the socket up, honour O_NONBLOCK, send, and
 * raise SIGPIPE for EPIPE unless MSG_NOSIGNAL (Linux). */
static long sock_sendio(long fd, struct iovec *iov, int iovcnt, size_t total,
			const struct sockaddr_storage *to, socklen_t tolen, int flags)
{
	int rc;
	struct file *f;
	struct ksock *ks = sock_get((int)fd, &f, &rc);
	if (!ks)
		return rc;
	struct ksock_io io = { .iov = iov, .iovcnt = iovcnt, .resid = total, .user = true };
	if (f->f_flags & O_NONBLOCK)
		flags |= MSG_DONTWAIT;
	long n = ksock_send(ks, &io, to ? (const struct sockaddr *)to : NULL, to ? tolen : 0, flags);
	file_put(f);
	if (n == -EPIPE && !(flags & MSG_NOSIGNAL))
		sock_sigpipe();
	return n;
}

/* The receive side of recvfrom and recvmsg.  When `from` is non-NULL it gets the source
 * address and *fromlen its real length; *flags goes in as the call's flags and comes back
 * as the result flags. */
static long sock_recvio(long fd, struct iovec *iov, int iovcnt, size_t total,
			struct sockaddr_storage *from, socklen_t *fromlen, int *flags)
{
	int rc;
	struct file *f;
	struct ksock *ks = sock_get((int)fd, &f, &rc);
	if (!ks)
		return rc;
	struct ksock_io io = { .iov = iov, .iovcnt = iovcnt, .resid = total, .user = true };
	if (f->f_flags & O_NONBLOCK)
		*flags |= MSG_DONTWAIT;
	if (from) {
		memset(from, 0, sizeof(*from));
		*fromlen = sizeof(*from);
	}
	long n = ksock_receive(ks, &io, from, from ? fromlen : NULL, flags);
	file_put(f);
	return n;
}

SYSCALL_DECL(sendto)
{
	int rc;
	struct sockaddr_storage ss;
	if (a4 && (rc = addr_in(&ss, a4, a5)) != 0)
		return rc;
	if (a2 < 0)
		return -EINVAL;
	struct iovec iov = { .iov_base = (void *)a1, .iov_len = (size_t)a2 };
	return sock_sendio(a0, &iov, 1, (size_t)a2, a4 ? &ss : NULL, (socklen_t)a5, (int)a3);
}

SYSCALL_DECL(recvfrom)
{
	if (a2 < 0)
		return -EINVAL;
	int32_t ulen = 0;
	if (a4 && (copyin(&ulen, (const void *)a5, sizeof(ulen)) || ulen < 0))
		return ulen < 0 ? -EINVAL : -EFAULT;
	struct iovec iov = { .iov_base = (void *)a1, .iov_len = (size_t)a2 };
	struct sockaddr_storage ss;
	socklen_t len;
	int flags = (int)a3;
	long n = sock_recvio(a0, &iov, 1, (size_t)a2, a4 ? &ss : NULL, &len, &flags);
	int rc;
	if (n >= 0 && a4 && (rc = addr_out(&ss, len, a4, a5)) != 0)
		return rc;
	return n;
}

/* Copies a msghdr and its iovec array in.  Up to SOCK_FASTIOV entries land in the caller's
 * `fast` array, as readv/writev do (sys_rw.c) and Linux's UIO_FASTIOV: a message of a few
 * pieces then costs no kmalloc and kfree per call, only a longer one does.  *iovp is fast,
 * NULL (no entries) or kmalloc'ed: msg_iov_free releases it. */
#define SOCK_FASTIOV 8

static void msg_iov_free(struct iovec *iov, struct iovec *fast)
{
	if (iov != fast)
		kfree(iov);
}

static int msg_in(long umsg, struct msghdr *m, struct iovec fast[SOCK_FASTIOV],
    struct iovec **iovp, size_t *total)
{
	if (copyin(m, (const void *)umsg, sizeof(*m)))
		return -EFAULT;
	if (m->msg_iovlen > SOCK_MAXIOV)
		return -EMSGSIZE;
	struct iovec *iov = NULL;
	if (m->msg_iovlen) {
		iov = m->msg_iovlen <= SOCK_FASTIOV ? fast : kmalloc(m->msg_iovlen * sizeof(*iov));
		if (!iov)
			return -ENOMEM;
		if (copyin(iov, m->msg_iov, m->msg_iovlen * sizeof(*iov))) {
			msg_iov_free(iov, fast);
			return -EFAULT;
		}
	}
	size_t sum = 0;
	for (size_t i = 0; i < m->msg_iovlen; i++) {
		if (iov[i].iov_len > 0x7fffffffu || sum + iov[i].iov_len > 0x7fffffffu) {
			msg_iov_free(iov, fast);
			return -EINVAL;
		}
		sum += iov[i].iov_len;
	}
	*iovp = iov;
	*total = sum;
	return 0;
}

SYSCALL_DECL(sendmsg)
{
	(void)a3; (void)a4; (void)a5;
	struct msghdr m;
	struct iovec fast[SOCK_FASTIOV], *iov;
	size_t total;
	int rc = msg_in(a1, &m, fast, &iov, &total);
	if (rc)
		return rc;
	struct sockaddr_storage ss;
	if (m.msg_name && (rc = addr_in(&ss, (long)m.msg_name, m.msg_namelen)) != 0) {
		msg_iov_free(iov, fast);
		return rc;
	}
	long n = sock_sendio(a0, iov, (int)m.msg_iovlen, total, m.msg_name ? &ss : NULL,
	    m.msg_namelen, (int)a2);
	msg_iov_free(iov, fast);
	return n;
}

SYSCALL_DECL(recvmsg)
{
	(void)a3; (void)a4; (void)a5;
	struct msghdr m;
	struct iovec fast[SOCK_FASTIOV], *iov;
	size_t total;
	int rc = msg_in(a1, &m, fast, &iov, &total);
	if (rc)
		return rc;
	struct sockaddr_storage ss;
	socklen_t len;
	int flags = (int)a2;
	long n = sock_recvio(a0, iov, (int)m.msg_iovlen, total, m.msg_name ? &ss : NULL, &len,
	    &flags);
	msg_iov_free(iov, fast);
	if (n < 0)
		return n;
	/* msg_namelen gets the real length, msg_flags the result flags; no control data. */
	struct msghdr *um = (struct msghdr *)a1;
	if (m.msg_name) {
		size_t c = MIN((size_t)m.msg_namelen, (size_t)len);
		if (c && copyout(m.msg_name, &ss, c))
			return -EFAULT;
		socklen_t real = len;
		if (copyout(&um->msg_namelen, &real, sizeof(real)))
			return -EFAULT;
	}
	size_t zero = 0;
	int oflags = flags & (MSG_TRUNC | MSG_CTRUNC | MSG_EOR | MSG_OOB);
	if (copyout(&um->msg_controllen, &zero, sizeof(zero)) ||
	    copyout(&um->msg_flags, &oflags, sizeof(oflags)))
		return -EFAULT;
	return n;
}

SYSCALL_DECL(shutdown)
{
	(void)a2; (void)a3; (void)a4; (void)a5;
	int rc;
	if (a1 < SHUT_RD || a1 > SHUT_RDWR)
		return -EINVAL;
	struct file *f;
	struct ksock *ks = sock_get((int)a0, &f, &rc);
	if (!ks)
		return rc;
	rc = ksock_shutdown(ks, (int)a1);
	file_put(f);
	return rc;
}

/* SO_ATTACH_FILTER: the struct sock_fprog points at the program in user memory; the
 * protocol (net/af_packet.c) reads it as kernel memory, so the program is copied in here
 * (at most BPF_MAXINSNS instructions, as Linux) and the fprog rewritten to point at it. */
static int setsockopt_filter(struct ksock *ks, const uint8_t *val, size_t len)
{
	struct sock_fprog fp;
	if (len != sizeof(fp))
		return -EINVAL;
	memcpy(&fp, val, sizeof(fp));
	if (fp.len == 0 || fp.len > BPF_MAXINSNS)
		return -EINVAL;
	size_t bytes = (size_t)fp.len * sizeof(struct sock_filter);
	struct sock_filter *prog = kmalloc(bytes);
	if (!prog)
		return -ENOMEM;
	int rc = copyin(prog, fp.filter, bytes);
	if (!rc) {
		fp.filter = prog;
		rc = ksock_setopt(ks, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp));
	}
	kfree(prog);
	return rc;
}

SYSCALL_DECL(setsockopt)
{
	(void)a5;
	uint8_t val[SOCK_MAXOPT];
	if (a4 < 0)
		return -EINVAL;
	size_t len = MIN((size_t)a4, sizeof(val));
	if (len && copyin(val, (const void *)a3, len))
		return -EFAULT;
	int rc;
	struct file *f;
	struct ksock *ks = sock_get((int)a0, &f, &rc);
	if (!ks)
		return rc;
	if (a1 == SOL_SOCKET && a2 == SO_ATTACH_FILTER)
		rc = setsockopt_filter(ks, val, len);
	else
		rc = ksock_setopt(ks, (int)a1, (int)a2, val, (socklen_t)len);
	file_put(f);
	return rc;
}

SYSCALL_DECL(getsockopt)
{
	(void)a5;
	int32_t ulen;
	if (copyin(&ulen, (const void *)a4, sizeof(ulen)))
		return -EFAULT;
	if (ulen < 0)
		return -EINVAL;
	uint8_t val[SOCK_MAXOPT];
	socklen_t len = (socklen_t)MIN((size_t)ulen, sizeof(val));
	int rc;
	struct file *f;
	struct ksock *ks = sock_get((int)a0, &f, &rc);
	if (!ks)
		return rc;
	memset(val, 0, sizeof(val));
	rc = ksock_getopt(ks, (int)a1, (int)a2, val, &len);
	file_put(f);
	if (rc)
		return rc;
	if (len && copyout((void *)a3, val, len))
		return -EFAULT;
	int32_t out = (int32_t)len;
	return copyout((void *)a4, &out, sizeof(out)) ? -EFAULT : 0;
}

static long sock_name(long fd, long uaddr, long ulenp, bool peer)
{
	int32_t ulen;
	if (!uaddr)
		return -EFAULT;
	if (copyin(&ulen, (const void *)ulenp, sizeof(ulen)))
		return -EFAULT;
	if (ulen < 0)
		return -EINVAL;
	int rc;
	struct file *f;
	struct ksock *ks = sock_get((int)fd, &f, &rc);
	if (!ks)
		return rc;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	rc = ksock_name(ks, peer, &ss, &len);
	file_put(f);
	if (rc)
		return rc;
	return addr_out(&ss, len, uaddr, ulenp);
}

SYSCALL_DECL(getsockname)
{
	(void)a3; (void)a4; (void)a5;
	return sock_name(a0, a1, a2, false);
}

SYSCALL_DECL(getpeername)
{
	(void)a3; (void)a4; (void)a5;
	return sock_name(a0, a1, a2, true);
}
