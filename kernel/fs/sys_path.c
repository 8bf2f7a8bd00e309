/* The system calls that take path names: open, openat, creat, stat, lstat, newfstatat,
 * access, mkdir, mkdirat, unlink, unlinkat, rmdir, chdir, fchdir, getcwd, rename,
 * renameat, renameat2; and the ones on
 * directories and inodes through a descriptor: fstat, getdents64. */
#include <stos/errno.h>
#include <stos/fcntl.h>
#include "sys_util.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

#ifndef AT_SYMLINK_NOFOLLOW
#define AT_SYMLINK_NOFOLLOW 0x100
#endif
#ifndef AT_NO_AUTOMOUNT
#define AT_NO_AUTOMOUNT 0x800
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

static long do_openat(long dirfd, long upath, long flags, long mode)
{
	struct inode *base;
	struct file *hold, *f;
	char *path;
	int err, r;

	path = path_in(upath, &err);
	if (!path)
		return err;
	r = at_base(dirfd, path, &base, &hold);
	if (r == 0) {
		/* Linux x86-64 (force_o_largefile) marks every open() O_LARGEFILE, which
		 * F_GETFL then shows. */
		r = fs_open_at(base, path, ((int)flags & ~O_CLOEXEC) | O_LARGEFILE,
			       (mode_t)mode & ~(mode_t)FS_UMASK, &f);
		file_put(hold);
	}
	path_free(path);
	if (r < 0)
		return r;
	r = fdtable_install(cur_fdt(), f, 0, (flags & O_CLOEXEC) ? FD_CLOEXEC : 0);
	if (r < 0)
		file_put(f);
	return r;
}

FS_SYSCALL(open) { return do_openat(AT_FDCWD, a0, a1, a2); }
FS_SYSCALL(openat) { return do_openat(a0, a1, a2, a3); }
FS_SYSCALL(creat) { return do_openat(AT_FDCWD, a0, O_CREAT | O_WRONLY | O_TRUNC, a1); }

static long stat_out(long ustat, struct stat *st)
{
	return copyout((void *)ustat, st, sizeof(*st));
}

static long file_stat(struct file *f, struct stat *st)
{
	if (f->f_ops->fstat)
		return f->f_ops->fstat(f, st);
	if (f->f_inode) {
		fs_lock();
		inode_stat(f->f_inode, st);
		fs_unlock();
		return 0;
	}
	memset(st, 0, sizeof(*st));
	return 0;
}

FS_SYSCALL(fstat)
{
	struct file *f = fget(a0);
	struct stat st;
	long r;
	if (!f)
		return -EBADF;
	r = file_stat(f, &st);
	file_put(f);
	return r < 0 ? r : stat_out(a1, &st);
}

FS_SYSCALL(newfstatat)
{
	struct inode *base;
	struct file *hold;
	struct stat st;
	char *path;
	int err;
	long r;

	if (a3 & ~(long)(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH))
		return -EINVAL;
	path = path_in(a1, &err);
	if (!path)
		return err;
	if (path[0] == 0 && (a3 & AT_EMPTY_PATH)) {
		path_free(path);
		if ((int)a0 == AT_FDCWD) {
			fs_lock();
			inode_stat(fs_cur_cwd() ? fs_cur_cwd() : fs_root(), &st);
			fs_unlock();
			return stat_out(a2, &st);
		}
		return sys_fstat(a0, a2, 0, 0, 0, 0);
	}
	r = at_base(a0, path, &base, &hold);
	if (r == 0) {
		r = fs_stat_at(base, path, &st);
		file_put(hold);
	}
	path_free(path);
	return r < 0 ? r : stat_out(a2, &st);
}

/* No symbolic links: lstat is stat. */
FS_SYSCALL(stat) { return sys_newfstatat(AT_FDCWD, a0, a1, 0, 0, 0); }
FS_SYSCALL(lstat) { return sys_newfstatat(AT_FDCWD, a0, a1, AT_SYMLINK_NOFOLLOW, 0, 0); }

FS_SYSCALL(getdents64)
{
	struct file *f = fget(a0);
	struct iovec iov;
	struct uio u;
	long r;
	if (!f)
		return -EBADF;
	if (!f->f_ops->getdents) {
		r = -ENOTDIR;
	} else if (!user_range_ok((uint64_t)a1, (size_t)a2)) {
		r = -EFAULT; /* Linux getdents64: access_ok on the whole buffer first */
	} else {
		size_t n = (size_t)a2 > (size_t)FS_MAX_RW ? (size_t)FS_MAX_RW : (size_t)a2;
		uio_init1(&u, &iov, (void *)a1, n, UIO_USER);
		r = f->f_ops->getdents(f, &u);
	}
	file_put(f);
	return r;
}

/* Run op on (base, path) of a *at() call. */
static long path_op(long dirfd, long upath, long arg, int (*op)(struct inode *, const char *,
								 long))
{
	struct inode *base;
	struct file *hold;
	char *path;
	int err;
	long r;
	path = path_in(upath, &err);
	if (!path)
		return err;
	r = at_base(dirfd, path, &base, &hold);
	if (r == 0) {
		r = op(base, path, arg);
		file_put(hold);
	}
	path_free(path);
	return r;
}

static int op_mkdir(struct inode *b, const char *p, long mode)
{
	return fs_mkdir_at(b, p, (mode_t)mode & 07777 & ~(mode_t)FS_UMASK);
}
static int op_unlink(struct inode *b, const char *p, long rmdir)
{
	return fs_unlink_at(b, p, (int)rmdir);
}
static int op_access(struct inode *b, const char *p, long mode)
{
	return fs_access_at(b, p, (int)mode);
}

FS_SYSCALL(mkdir) { return path_op(AT_FDCWD, a0, a1, op_mkdir); }
FS_SYSCALL(mkdirat) { return path_op(a0, a1, a2, op_mkdir); }
FS_SYSCALL(unlink) { return path_op(AT_FDCWD, a0, 0, op_unlink); }
FS_SYSCALL(rmdir) { return path_op(AT_FDCWD, a0, 1, op_unlink); }
FS_SYSCALL(access) { return path_op(AT_FDCWD, a0, a1, op_access); }

FS_SYSCALL(faccessat)
{
	/* Linux's faccessat syscall has no flags argument (faccessat2 does). */
	return path_op(a0, a1, a2, op_access);
}

FS_SYSCALL(unlinkat)
{
	if (a2 & ~(long)AT_REMOVEDIR)
		return -EINVAL;
	return path_op(a0, a1, (a2 & AT_REMOVEDIR) ? 1 : 0, op_unlink);
}

/* Make ip (held by the caller, reference handed over) the cwd. */
static long set_cwd(struct inode *ip)
{
	struct proc *p = curproc();
	struct inode *old;
	if (!p) {
		inode_release(ip);
		return -ESRCH;
	}
	old = p->cwd;
	p->cwd = ip;
	inode_release(old);
	return 0;
}

FS_SYSCALL(chdir)
{
	struct inode *ip;
	char *path;
	int err;
	long r;
	path = path_in(a0, &err);
	if (!path)
		return err;
	fs_lock();
	r = namei(fs_cur_cwd(), path, &ip);
	if (r == 0 && !inode_isdir(ip)) {
		inode_put(ip);
		r = -ENOTDIR;
	}
	fs_unlock();
	path_free(path);
	return r < 0 ? r : set_cwd(ip);
}

FS_SYSCALL(fchdir)
{
	struct file *f = fget(a0);
	struct inode *ip;
	if (!f)
		return -EBADF;
	ip = f->f_inode;
	if (!ip || !inode_isdir(ip)) {
		file_put(f);
		return -ENOTDIR;
	}
	fs_lock();
	inode_hold(ip);
	fs_unlock();
	file_put(f);
	return set_cwd(ip);
}

FS_SYSCALL(getcwd)
{
	char *buf = page_alloc();
	size_t size = (size_t)a1 > FS_PATH_MAX ? FS_PATH_MAX : (size_t)a1;
	long r;
	if (!buf)
		return -ENOMEM;
	r = fs_getcwd(fs_cur_cwd(), buf, size);
	if (r > 0 && copyout((void *)a0, buf, (size_t)r) < 0)
		r = -EFAULT;
	page_free(buf);
	return r;
}

FS_SYSCALL(rename) { return two_paths_at(AT_FDCWD, a0, AT_FDCWD, a1, fs_rename_at); }
FS_SYSCALL(renameat) { return two_paths_at(a0, a1, a2, a3, fs_rename_at); }
FS_SYSCALL(renameat2)
{
	if (a4)
		return -EINVAL; /* RENAME_NOREPLACE/EXCHANGE/WHITEOUT: not supported */
	return two_paths_at(a0, a1, a2, a3, fs_rename_at);
}
