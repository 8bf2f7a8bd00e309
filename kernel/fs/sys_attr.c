/* Attribute and link calls: chmod, fchmod, truncate, fsync, readlink, link, linkat. */
#include <stos/errno.h>
#include <stos/fcntl.h>
#include "sys_util.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

static int do_chmod(struct inode *ip, long mode)
{
	ip->i_mode = (ip->i_mode & S_IFMT) | ((mode_t)mode & 07777);
	ip->i_ctime = fs_now();
	return 0;
}

static int do_truncate(struct inode *ip, long len)
{
	if (inode_isdir(ip))
		return -EISDIR;
	if (!S_ISREG(ip->i_mode) || ip->i_fops)
		return -EINVAL;
	return inode_truncate(ip, len);
}

/* No symbolic links exist, so every existing path is "not a symbolic link". */
static int do_readlink(struct inode *ip, long unused)
{
	(void)ip;
	(void)unused;
	return -EINVAL;
}

static long path_call(long upath, long arg, int (*op)(struct inode *, long))
{
	char *path;
	int err;
	long r;
	path = path_in(upath, &err);
	if (!path)
		return err;
	r = fs_path_op(fs_cur_cwd(), path, arg, op);
	path_free(path);
	return r;
}

FS_SYSCALL(chmod) { return path_call(a0, a1, do_chmod); }

FS_SYSCALL(truncate)
{
	if (a1 < 0)
		return -EINVAL;
	return path_call(a0, a1, do_truncate);
}

FS_SYSCALL(readlink)
{
	if (a2 <= 0)
		return -EINVAL;
	return path_call(a0, 0, do_readlink);
}

FS_SYSCALL(fchmod)
{
	struct file *f = fget(a0);
	long r;
	if (!f)
		return -EBADF;
	if (!f->f_inode) {
		r = 0; /* pipes, sockets, the console opened by the kernel: nothing to keep */
	} else {
		fs_lock();
		r = do_chmod(f->f_inode, a1);
		fs_unlock();
	}
	file_put(f);
	return r;
}

/* Everything is in memory: there is nothing to write back.  Linux: EINVAL for files that
 * cannot be synced (pipes, sockets, the tty). */
FS_SYSCALL(fsync)
{
	struct file *f = fget(a0);
	long r;
	if (!f)
		return -EBADF;
	r = (f->f_ops == &ramfs_file_ops || f->f_ops == &ramfs_dir_ops) ? 0 : -EINVAL;
	file_put(f);
	return r;
}

FS_SYSCALL(link) { return two_paths_at(AT_FDCWD, a0, AT_FDCWD, a1, fs_link_at); }

FS_SYSCALL(linkat)
{
	if (a4 & ~0x400L) /* AT_SYMLINK_FOLLOW is meaningless without symlinks */
		return -EINVAL;
	return two_paths_at(a0, a1, a2, a3, fs_link_at);
}
