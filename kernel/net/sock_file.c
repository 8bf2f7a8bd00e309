/* Sockets as files: the fileops table that makes a socket an ordinary descriptor (read,
 * write, ioctl, poll, close, fstat; dup and fork share the struct file as for any file), and
 * the helpers the socket system calls use to go from a descriptor to its socket.
 *
 * O_NONBLOCK lives in the file (fcntl F_SETFL and FIONBIO change it there); every operation
 * that may block passes it down as MSG_DONTWAIT or so_setnbio, so the socket always follows
 * the file.  A write on a socket whose sending side is shut raises SIGPIPE as on Linux. */
#include "klib.h"
#include "proc.h"
#include "uaccess.h"
#include "fs/file.h"
#include "fs/fdtable.h"
#include "fs/pollwait.h"
#include "fs/uio.h"
#include "sock_file.h"
#include <stos/errno.h>
#include <stos/ioctl.h>
#include <stos/signal.h>
#include <stos/stat.h>

static long sock_rw(struct file *f, struct uio *u, bool send)
{
	struct ksock *ks = f->f_data;
	struct ksock_io io = {
		.iov = u->uio_iov, .iovcnt = u->uio_iovcnt, .resid = u->uio_resid,
		.user = u->uio_seg == UIO_USER,
	};
	int flags = (f->f_flags & O_NONBLOCK) ? MSG_DONTWAIT : 0;
	long n;
	/* The socket's own non-blocking state follows the file here too (as sock_get does
	 * for the socket calls): after fcntl(F_SETFL) cleared O_NONBLOCK, a write that found
	 * the send buffer full still got EAGAIN from the state an earlier call had left
	 * (nc -w, whose connect is non-blocking). */
	ksock_setnbio(ks, flags != 0);
	if (send) {
		n = ksock_send(ks, &io, NULL, 0, flags);
		if (n == -EPIPE)
			sock_sigpipe();
	} else {
		n = ksock_receive(ks, &io, NULL, NULL, &flags);
	}
	u->uio_iov = io.iov;
	u->uio_iovcnt = io.iovcnt;
	u->uio_resid = io.resid;
	return n;
}

static long sock_read(struct file *f, struct uio *u) { return sock_rw(f, u, false); }
static long sock_write(struct file *f, struct uio *u) { return sock_rw(f, u, true); }

static long sock_ioctl(struct file *f, unsigned long req, uintptr_t uarg)
{
	struct ksock *ks = f->f_data;
	if (req == FIONBIO) {
		int on;
		if (copyin(&on, (const void *)uarg, sizeof(on)))
			return -EFAULT;
		if (on)
			f->f_flags |= O_NONBLOCK;
		else
			f->f_flags &= ~(unsigned)O_NONBLOCK;
		ksock_setnbio(ks, on != 0);
		return 0;
	}
	if (req == FIONREAD) {
		int n = ksock_nread(ks);
		if (n < 0)
			return n;
		return copyout((void *)uarg, &n, sizeof(n)) ? -EFAULT : 0;
	}
	return ksock_ioctl(ks, req, uarg);
}

static int sock_poll(struct file *f, int events, struct pollwait *pw)
{
	struct ksock *ks = f->f_data;
	if (pw)
		poll_register(pw, ksock_pollhead(ks));   /* before looking: no lost wakeup */
	return ksock_poll(ks, events);
}

static void sock_close(struct file *f)
{
	ksock_close(f->f_data);
}

static int sock_fstat(struct file *f, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFSOCK | 0777;
	st->st_ino = ksock_id(f->f_data);
	st->st_nlink = 1;
	st->st_blksize = 4096;
	return 0;
}

static const struct fileops sock_fileops = {
	.read = sock_read, .write = sock_write, .ioctl = sock_ioctl, .poll = sock_poll,
	.close = sock_close, .fstat = sock_fstat,
};

void sock_sigpipe(void)
{
	struct proc *p = curproc();
	if (p)
		kill_proc(p->pid, SIGPIPE);
}

int sock_install(struct ksock *ks, int nonblock, int cloexec)
{
	struct proc *p = curproc();
	if (!p || !p->fdt) {
		ksock_close(ks);
		return -EBADF;
	}
	struct file *f = file_alloc(&sock_fileops, ks, O_RDWR | (nonblock ? O_NONBLOCK : 0));
	if (!f) {
		ksock_close(ks);
		return -ENOMEM;
	}
	if (nonblock)
		ksock_setnbio(ks, true);
	int fd = fdtable_install(p->fdt, f, 0, cloexec ? FD_CLOEXEC : 0);
	if (fd < 0)
		file_put(f);            /* closes the socket */
	return fd;
}

struct ksock *sock_get(int fd, struct file **fp, int *err)
{
	struct proc *p = curproc();
	struct file *f = p && p->fdt ? fdtable_get(p->fdt, (int)fd) : NULL;
	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	if (f->f_ops != &sock_fileops) {
		file_put(f);
		*err = -ENOTSOCK;
		return NULL;
	}
	struct ksock *ks = f->f_data;
	ksock_setnbio(ks, (f->f_flags & O_NONBLOCK) != 0);
	*fp = f;
	return ks;
}
