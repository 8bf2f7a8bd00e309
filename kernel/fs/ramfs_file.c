/* ramfs files as struct file: the fileops of regular files and directories. */
#include <stos/errno.h>
#include <stos/fcntl.h>
#include <stos/ioctl.h>
#include <stos/poll.h>
#include "ramfs.h"
#include "fslib.h"

static long rf_read(struct file *f, struct uio *u)
{
	long r;
	fs_lock();
	r = inode_read(f->f_inode, f->f_pos, u);
	if (r > 0)
		f->f_pos += r;
	fs_unlock();
	return r;
}

static long rf_write(struct file *f, struct uio *u)
{
	long r;
	fs_lock();
	if (f->f_flags & O_APPEND)
		f->f_pos = f->f_inode->i_size;
	r = inode_write(f->f_inode, f->f_pos, u);
	if (r > 0)
		f->f_pos += r;
	fs_unlock();
	return r;
}

static long rf_lseek(struct file *f, long off, int whence)
{
	long base, r;
	fs_lock();
	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = f->f_pos; break;
	case SEEK_END: base = f->f_inode->i_size; break;
	default: fs_unlock(); return -EINVAL;
	}
	if ((off > 0 && base > __LONG_MAX__ - off) || base + off < 0) {
		r = (off > 0) ? -EOVERFLOW : -EINVAL;
	} else {
		f->f_pos = base + off;
		r = f->f_pos;
	}
	fs_unlock();
	return r;
}

/* FIONREAD: bytes between the offset and the end of the file (Linux file_ioctl). */
static long rf_ioctl(struct file *f, unsigned long req, uintptr_t uarg)
{
	long left;
	int n;
	if (req != FIONREAD)
		return -ENOTTY;
	fs_lock();
	left = f->f_inode->i_size - f->f_pos;
	fs_unlock();
	n = left < 0 ? 0 : left > 0x7fffffff ? 0x7fffffff : (int)left;
	return copyout((void *)uarg, &n, sizeof(n));
}

/* Regular files are always ready (POSIX: poll on regular files never blocks). */
static int rf_poll(struct file *f, int events, struct pollwait *pw)
{
	(void)f;
	(void)pw;
	return events & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);
}

static int rf_fstat(struct file *f, struct stat *st)
{
	fs_lock();
	inode_stat(f->f_inode, st);
	fs_unlock();
	return 0;
}

static long dir_read(struct file *f, struct uio *u)
{
	(void)f;
	(void)u;
	return -EISDIR;
}

static long dir_lseek(struct file *f, long off, int whence)
{
	/* Directory offsets are cookies: only rewinding and going back to a cookie that
	 * getdents handed out (d_off) make sense. */
	if (whence == SEEK_CUR && off == 0)
		return f->f_pos;
	if (whence != SEEK_SET || off < 0)
		return -EINVAL;
	fs_lock();
	f->f_pos = off;
	fs_unlock();
	return off;
}

static long dir_getdents64(struct file *f, struct uio *u)
{
	long r;
	fs_lock();
	procfs_sync(f->f_inode);
	r = dir_getdents(f->f_inode, &f->f_pos, u);
	fs_unlock();
	return r;
}

const struct fileops ramfs_file_ops = {
	.read = rf_read,
	.write = rf_write,
	.ioctl = rf_ioctl,
	.poll = rf_poll,
	.fstat = rf_fstat,
	.lseek = rf_lseek,
};

const struct fileops ramfs_dir_ops = {
	.read = dir_read,
	.write = dir_read,
	.poll = rf_poll,
	.fstat = rf_fstat,
	.lseek = dir_lseek,
	.getdents = dir_getdents64,
};
