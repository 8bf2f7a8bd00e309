/* read, write, readv, writev, pread64, pwrite64, lseek, ioctl, fcntl, ftruncate. */
#include <stos/errno.h>
#include <stos/fcntl.h>
#include <stos/ioctl.h>
#include "sys_util.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

static long do_rw(struct file *f, struct uio *u, int write)
{
	if (write) {
		if (!file_writable(f))
			return -EBADF;
		return f->f_ops->write ? f->f_ops->write(f, u) : -EINVAL;
	}
	if (!file_readable(f))
		return -EBADF;
	return f->f_ops->read ? f->f_ops->read(f, u) : -EINVAL;
}

static long rw1(long fd, long ubuf, long count, int write)
{
	struct file *f = fget(fd);
	struct iovec iov;
	struct uio u;
	long r;
	if (!f)
		return -EBADF;
	/* Linux vfs_read/vfs_write: the whole range must be user space (access_ok) before
	 * the count is clamped to MAX_RW_COUNT. */
	if (!user_range_ok((uint64_t)ubuf, (size_t)count)) {
		file_put(f);
		return (write ? file_writable(f) : file_readable(f)) ? -EFAULT : -EBADF;
	}
	if ((size_t)count > (size_t)FS_MAX_RW)
		count = FS_MAX_RW;
	uio_init1(&u, &iov, (void *)ubuf, (size_t)count, UIO_USER);
	r = do_rw(f, &u, write);
	file_put(f);
	return r;
}

FS_SYSCALL(read) { return rw1(a0, a1, a2, 0); }
FS_SYSCALL(write) { return rw1(a0, a1, a2, 1); }

/* Bring in and check an iovec array as Linux's rw_copy_check_uvector does: at most
 * FS_IOV_MAX entries; per segment, a length negative as a ssize_t is EINVAL and a range
 * outside user space EFAULT; the total is clamped to FS_MAX_RW by shortening the tail. */
static long iov_in(long uiov, long cnt, struct iovec *small, size_t nsmall, struct iovec **out,
		   size_t *total)
{
	struct iovec *iov = small;
	size_t sum = 0;
	if (cnt < 0 || cnt > FS_IOV_MAX)
		return -EINVAL;
	if ((size_t)cnt > nsmall) {
		iov = kmalloc((size_t)cnt * sizeof(*iov));
		if (!iov)
			return -ENOMEM;
	}
	if (cnt && copyin(iov, (const void *)uiov, (size_t)cnt * sizeof(*iov)) < 0) {
		if (iov != small)
			kfree(iov);
		return -EFAULT;
	}
	for (long i = 0; i < cnt; i++) {
		size_t len = iov[i].iov_len;
		long bad = (long)len < 0 ? -EINVAL
			   : !user_range_ok((uint64_t)(uintptr_t)iov[i].iov_base, len) ? -EFAULT : 0;
		if (bad) {
			if (iov != small)
				kfree(iov);
			return bad;
		}
		if (sum + len > (size_t)FS_MAX_RW)
			iov[i].iov_len = len = (size_t)FS_MAX_RW - sum;
		sum += len;
	}
	*out = iov;
	*total = sum;
	return 0;
}

static long rwv(long fd, long uiov, long cnt, int write)
{
	struct iovec small[8], *iov;
	struct uio u;
	size_t total;
	struct file *f = fget(fd);
	long r;
	if (!f)
		return -EBADF;
	r = iov_in(uiov, cnt, small, 8, &iov, &total);
	if (r == 0) {
		u.uio_iov = iov;
		u.uio_iovcnt = (int)cnt;
		u.uio_resid = total;
		u.uio_seg = UIO_USER;
		r = do_rw(f, &u, write);
		if (iov != small)
			kfree(iov);
	}
	file_put(f);
	return r;
}

FS_SYSCALL(readv) { return rwv(a0, a1, a2, 0); }
FS_SYSCALL(writev) { return rwv(a0, a1, a2, 1); }

/* Positional I/O: ramfs regular files only (others are not seekable or are directories). */
static long prw(long fd, long ubuf, long count, long off, int write)
{
	struct file *f = fget(fd);
	struct iovec iov;
	struct uio u;
	long r;
	if (!f)
		return -EBADF;
	if (off < 0) {
		r = -EINVAL;
	} else if (write ? !file_writable(f) : !file_readable(f)) {
		r = -EBADF;
	} else if (f->f_ops == &ramfs_dir_ops) {
		r = -EISDIR;
	} else if (f->f_ops != &ramfs_file_ops) {
		r = -ESPIPE;
	} else if (!user_range_ok((uint64_t)ubuf, (size_t)count)) {
		r = -EFAULT;
	} else {
		if ((size_t)count > (size_t)FS_MAX_RW)
			count = FS_MAX_RW;
		uio_init1(&u, &iov, (void *)ubuf, (size_t)count, UIO_USER);
		fs_lock();
		r = write ? inode_write(f->f_inode, off, &u) : inode_read(f->f_inode, off, &u);
		fs_unlock();
	}
	file_put(f);
	return r;
}

FS_SYSCALL(pread64) { return prw(a0, a1, a2, a3, 0); }
FS_SYSCALL(pwrite64) { return prw(a0, a1, a2, a3, 1); }

FS_SYSCALL(lseek)
{
	struct file *f = fget(a0);
	long r;
	if (!f)
		return -EBADF;
	if (!f->f_ops->lseek)
		r = -ESPIPE;
	else if (a2 != SEEK_SET && a2 != SEEK_CUR && a2 != SEEK_END)
		r = -EINVAL;
	else
		r = f->f_ops->lseek(f, a1, (int)a2);
	file_put(f);
	return r;
}

FS_SYSCALL(ioctl)
{
	struct file *f = fget(a0);
	unsigned int req = (unsigned int)a1; /* Linux: the command is an unsigned int */
	long r;
	int v;
	if (!f)
		return -EBADF;
	switch (req) {
	case FIONBIO:
		r = copyin(&v, (const void *)a2, sizeof(v));
		if (r == 0) {
			/* The flag word is also changed by F_SETFL: update it atomically. */
			if (v)
				__atomic_or_fetch(&f->f_flags, O_NONBLOCK, __ATOMIC_RELAXED);
			else
				__atomic_and_fetch(&f->f_flags, ~(unsigned int)O_NONBLOCK,
						   __ATOMIC_RELAXED);
		}
		break;
	case FIOCLEX:
	case FIONCLEX:
		r = fdtable_setfd(cur_fdt(), (int)a0, req == FIOCLEX ? FD_CLOEXEC : 0);
		break;
	default:
		r = f->f_ops->ioctl ? f->f_ops->ioctl(f, req, (uintptr_t)a2) : -ENOTTY;
	}
	file_put(f);
	return r;
}

FS_SYSCALL(fcntl)
{
	struct fdtable *t = cur_fdt();
	struct file *f = fget(a0);
	long r;
	if (!f)
		return -EBADF;
	switch ((int)a1) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (a2 < 0 || a2 >= FDTABLE_MAX) {
			r = -EINVAL;
			break;
		}
		r = fdtable_install(t, file_hold(f), (int)a2,
				    (int)a1 == F_DUPFD_CLOEXEC ? FD_CLOEXEC : 0);
		if (r < 0)
			file_put(f);
		break;
	case F_GETFD:
		r = fdtable_getfd(t, (int)a0);
		break;
	case F_SETFD:
		r = fdtable_setfd(t, (int)a0, (int)a2);
		break;
	case F_GETFL:
		r = (long)__atomic_load_n(&f->f_flags, __ATOMIC_RELAXED);
		break;
	case F_SETFL: {
		unsigned int old = __atomic_load_n(&f->f_flags, __ATOMIC_RELAXED), nw;
		do {
			nw = (old & ~(unsigned int)FILE_SETFL_MASK) |
			     ((unsigned int)a2 & FILE_SETFL_MASK);
		} while (!__atomic_compare_exchange_n(&f->f_flags, &old, nw, 0, __ATOMIC_RELAXED,
						      __ATOMIC_RELAXED));
		r = 0;
		break;
	}
	default:
		r = -EINVAL;
	}
	file_put(f);
	return r;
}

FS_SYSCALL(ftruncate)
{
	struct file *f = fget(a0);
	long r;
	if (!f)
		return -EBADF;
	if (a1 < 0 || f->f_ops != &ramfs_file_ops || !file_writable(f)) {
		r = -EINVAL;
	} else {
		fs_lock();
		r = inode_truncate(f->f_inode, a1);
		fs_unlock();
	}
	file_put(f);
	return r;
}
