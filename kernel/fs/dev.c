/* Device nodes: /dev/console and /dev/tty (the console tty), /dev/null, /dev/zero,
 * /dev/random and /dev/urandom (K's random_bytes; neither ever blocks).  Numbers follow
 * Linux's devices.txt (1:3 null, 1:5 zero, 1:8 random, 1:9 urandom, 5:0 tty, 5:1 console). */
#include <stos/errno.h>
#include <stos/fcntl.h>
#include <stos/poll.h>
#include "dev/random.h"
#include "fs/tty.h"
#include "ramfs.h"
#include "fslib.h"

static long null_read(struct file *f, struct uio *u)
{
	(void)f;
	(void)u;
	return 0;
}

static long null_write(struct file *f, struct uio *u)
{
	long n = (long)u->uio_resid;
	(void)f;
	u->uio_resid = 0;
	return n;
}

static long zero_read(struct file *f, struct uio *u)
{
	static const unsigned char zeroes[512];
	long done = 0;
	(void)f;
	while (u->uio_resid > 0) {
		long r = uio_copyout(zeroes, FS_MIN(sizeof(zeroes), u->uio_resid), u);
		if (r <= 0)
			return done ? done : r;
		done += r;
	}
	return done;
}

static long random_read(struct file *f, struct uio *u)
{
	unsigned char buf[256];
	long done = 0;
	(void)f;
	while (u->uio_resid > 0) {
		size_t n = FS_MIN(sizeof(buf), u->uio_resid);
		long r;
		random_bytes(buf, n);
		r = uio_copyout(buf, n, u);
		if (r <= 0)
			return done ? done : r;
		done += r;
	}
	return done;
}

static int always_ready(struct file *f, int events, struct pollwait *pw)
{
	(void)f;
	(void)pw;
	return events & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);
}

static int node_fstat(struct file *f, struct stat *st)
{
	fs_lock();
	inode_stat(f->f_inode, st);
	fs_unlock();
	return 0;
}

/* Linux's null_lseek/zero_lseek: any seek succeeds and the position stays 0. */
static long stay_at_zero(struct file *f, long off, int whence)
{
	(void)off;
	(void)whence;
	f->f_pos = 0;
	return 0;
}

static const struct fileops null_ops = {
	.read = null_read, .write = null_write, .poll = always_ready, .fstat = node_fstat,
	.lseek = stay_at_zero,
};
static const struct fileops zero_ops = {
	.read = zero_read, .write = null_write, .poll = always_ready, .fstat = node_fstat,
	.lseek = stay_at_zero,
};

static const struct fileops random_ops = {
	.read = random_read, .write = null_write, .poll = always_ready, .fstat = node_fstat,
};

static int open_simple(const struct fileops *ops, int flags, struct file **out)
{
	struct file *f = file_alloc(ops, NULL, (unsigned int)flags);
	if (!f)
		return -ENOMEM;
	*out = f;
	return 0;
}

static int null_open(struct inode *ip, int flags, struct file **out)
{
	(void)ip;
	return open_simple(&null_ops, flags, out);
}

static int zero_open(struct inode *ip, int flags, struct file **out)
{
	(void)ip;
	return open_simple(&zero_ops, flags, out);
}

static int random_open(struct inode *ip, int flags, struct file **out)
{
	(void)ip;
	return open_simple(&random_ops, flags, out);
}

static int console_open(struct inode *ip, int flags, struct file **out)
{
	(void)ip;
	return tty_open_console(flags, out);
}

static const struct devsw devices[] = {
	{ DEV_MKDEV(1, 3), null_open },
	{ DEV_MKDEV(1, 5), zero_open },
	{ DEV_MKDEV(1, 8), random_open },
	{ DEV_MKDEV(1, 9), random_open },
	{ DEV_MKDEV(5, 0), console_open },
	{ DEV_MKDEV(5, 1), console_open },
};

static const struct { const char *path; dev_t rdev; mode_t mode; } nodes[] = {
	{ "/dev/null", DEV_MKDEV(1, 3), S_IFCHR | 0666 },
	{ "/dev/zero", DEV_MKDEV(1, 5), S_IFCHR | 0666 },
	{ "/dev/random", DEV_MKDEV(1, 8), S_IFCHR | 0666 },
	{ "/dev/urandom", DEV_MKDEV(1, 9), S_IFCHR | 0666 },
	{ "/dev/tty", DEV_MKDEV(5, 0), S_IFCHR | 0666 },
	{ "/dev/console", DEV_MKDEV(5, 1), S_IFCHR | 0620 },
};

const struct devsw *dev_lookup(dev_t rdev)
{
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (devices[i].rdev == rdev)
			return &devices[i];
	return NULL;
}

int dev_make_nodes(void)
{
	int r = fs_mkdir_at(NULL, "/dev", 0755);
	if (r < 0 && r != -EEXIST)
		return r;
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		r = fs_mknod_at(NULL, nodes[i].path, nodes[i].mode, nodes[i].rdev);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	return 0;
}
