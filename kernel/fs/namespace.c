/* Name-space operations: open (with O_CREAT/O_EXCL/O_TRUNC/O_DIRECTORY), mkdir, mknod,
 * unlink, rmdir, rename, link, stat, access and getcwd, with Linux's errno choices; and
 * the kernel-facing fs_open, fs_access, fs_load_file and cwd references.  Each takes the
 * fs lock for its whole duration, so it is atomic with respect to the others. */
#include <stos/errno.h>
#include <stos/fcntl.h>
#include "ramfs.h"
#include "fslib.h"

static int open_inode(struct inode *ip, int flags, struct file **out)
{
	const struct fileops *ops;
	struct file *f;
	int acc = flags & O_ACCMODE;

	if (S_ISCHR(ip->i_mode)) {
		const struct devsw *d = ip->i_dev ? ip->i_dev : dev_lookup(ip->i_rdev);
		int r;
		if (!d)
			return -ENXIO;
		r = d->open(ip, flags, out);
		if (r == 0) {
			inode_hold(ip);
			(*out)->f_inode = ip;
		}
		return r;
	}
	if (ip->i_fops) {
		if (acc != O_RDONLY || (flags & O_TRUNC))
			return -EACCES;
		ops = ip->i_fops;
	} else if (inode_isdir(ip)) {
		if (acc != O_RDONLY || (flags & O_TRUNC))
			return -EISDIR;
		ops = &ramfs_dir_ops;
	} else if (S_ISREG(ip->i_mode)) {
		if (flags & O_DIRECTORY)
			return -ENOTDIR;
		ops = &ramfs_file_ops;
	} else {
		return -ENXIO;
	}
	f = file_alloc(ops, NULL, (unsigned int)flags);
	if (!f)
		return -ENOMEM;
	if ((flags & O_TRUNC) && S_ISREG(ip->i_mode) && acc != O_RDONLY)
		inode_truncate(ip, 0);
	inode_hold(ip);
	f->f_inode = ip;
	*out = f;
	return 0;
}

int fs_open_at(struct inode *base, const char *path, int flags, mode_t mode, struct file **out)
{
	struct inode *dir = NULL, *ip = NULL;
	const char *last;
	size_t len;
	int slash, r;

	fs_lock();
	if (!(flags & O_CREAT)) {
		r = namei(base, path, &ip);
		if (r == 0 && (flags & O_DIRECTORY) && !inode_isdir(ip))
			r = -ENOTDIR;
		goto open;
	}
	r = namei_parent(base, path, &dir, &last, &len, &slash);
	if (r < 0)
		goto out;
	if (name_is_dot(last, len) || name_is_dotdot(last, len)) {
		r = -EISDIR;
		goto out;
	}
	ip = dir_lookup(dir, last, len);
	if (ip) {
		if (flags & O_EXCL) {
			ip = NULL;
			r = -EEXIST;
			goto out;
		}
		if (inode_isdir(ip) || slash) {
			ip = NULL;
			r = -EISDIR; /* Linux: O_CREAT on "file/" is EISDIR too */
			goto out;
		}
		inode_hold(ip);
	} else {
		if (slash || (flags & O_DIRECTORY)) {
			r = slash ? -EISDIR : -EINVAL;
			goto out;
		}
		ip = inode_new(S_IFREG | (mode & 07777));
		if (!ip) {
			r = -ENOMEM;
			goto out;
		}
		r = dir_link(dir, last, len, ip);
		if (r < 0) {
			inode_put(ip); /* never named: this frees it */
			ip = NULL;
			goto out;
		}
	}
open:
	if (r == 0)
		r = open_inode(ip, flags, out);
out:
	inode_put(ip);
	inode_put(dir);
	fs_unlock();
	return r;
}

int fs_mkdir_at(struct inode *base, const char *path, mode_t mode)
{
	struct inode *dir, *ip;
	const char *last;
	size_t len;
	int slash, r;

	fs_lock();
	r = namei_parent(base, path, &dir, &last, &len, &slash);
	if (r < 0)
		goto out_unlocked;
	if (name_is_dot(last, len) || name_is_dotdot(last, len) || dir_lookup(dir, last, len)) {
		r = -EEXIST;
		goto out;
	}
	ip = inode_new(S_IFDIR | (mode & 07777));
	if (!ip) {
		r = -ENOMEM;
		goto out;
	}
	r = dir_link(dir, last, len, ip);
	inode_put(ip); /* named: the directory keeps it; not named: freed */
out:
	inode_put(dir);
out_unlocked:
	fs_unlock();
	return r;
}

int fs_mknod_at(struct inode *base, const char *path, mode_t mode, dev_t rdev)
{
	struct inode *dir, *ip;
	const char *last;
	size_t len;
	int slash, r;

	fs_lock();
	r = namei_parent(base, path, &dir, &last, &len, &slash);
	if (r < 0)
		goto out_unlocked;
	if (name_is_dot(last, len) || name_is_dotdot(last, len) || dir_lookup(dir, last, len)) {
		r = -EEXIST;
		goto out;
	}
	ip = inode_new(mode);
	if (!ip) {
		r = -ENOMEM;
		goto out;
	}
	ip->i_rdev = rdev;
	ip->i_dev = dev_lookup(rdev);
	r = dir_link(dir, last, len, ip);
	inode_put(ip);
out:
	inode_put(dir);
out_unlocked:
	fs_unlock();
	return r;
}

static int all_slashes(const char *p)
{
	while (*p == '/')
		p++;
	return *p == 0;
}

int fs_unlink_at(struct inode *base, const char *path, int rmdir)
{
	struct inode *dir, *ip;
	const char *last;
	size_t len;
	int slash, r;

	fs_lock();
	r = namei_parent(base, path, &dir, &last, &len, &slash);
	if (r < 0)
		goto out_unlocked;
	if (rmdir && name_is_dot(last, len)) {
		/* rmdir("/") is EBUSY on Linux; rmdir("x/.") is EINVAL. */
		r = all_slashes(path) ? -EBUSY : -EINVAL;
		goto out;
	}
	if (rmdir && name_is_dotdot(last, len)) {
		r = -ENOTEMPTY;
		goto out;
	}
	if (name_is_dot(last, len) || name_is_dotdot(last, len)) {
		r = -EISDIR; /* unlink of a directory */
		goto out;
	}
	ip = dir_lookup(dir, last, len);
	if (!ip) {
		r = -ENOENT;
		goto out;
	}
	if (rmdir) {
		if (!inode_isdir(ip))
			r = -ENOTDIR;
		else if (ip->i_nentries)
			r = -ENOTEMPTY;
	} else {
		if (inode_isdir(ip))
			r = -EISDIR;
		else if (slash)
			r = -ENOTDIR;
	}
	if (r == 0)
		r = dir_unlink(dir, last, len);
out:
	inode_put(dir);
out_unlocked:
	fs_unlock();
	return r;
}

/* rename(2) with Linux's errno choices (rename(2) ERRORS). */
int fs_rename_at(struct inode *obase, const char *opath, struct inode *nbase,
		 const char *npath)
{
	struct inode *od = NULL, *nd = NULL, *ip, *tgt;
	const char *olast, *nlast;
	size_t olen, nlen;
	int oslash, nslash, r;

	fs_lock();
	r = namei_parent(obase, opath, &od, &olast, &olen, &oslash);
	if (r == 0)
		r = namei_parent(nbase, npath, &nd, &nlast, &nlen, &nslash);
	if (r < 0)
		goto out;
	if (name_is_dot(olast, olen) || name_is_dotdot(olast, olen) ||
	    name_is_dot(nlast, nlen) || name_is_dotdot(nlast, nlen)) {
		r = -EBUSY;
		goto out;
	}
	ip = dir_lookup(od, olast, olen);
	if (!ip) {
		r = -ENOENT;
		goto out;
	}
	if ((oslash || nslash) && !inode_isdir(ip)) {
		r = -ENOTDIR;
		goto out;
	}
	tgt = dir_lookup(nd, nlast, nlen);
	if (tgt == ip)
		goto out; /* the same file: nothing to do */
	if (inode_isdir(ip)) {
		/* A directory cannot move below itself. */
		for (struct inode *a = nd; a; a = a->i_parent == a ? NULL : a->i_parent)
			if (a == ip) {
				r = -EINVAL;
				goto out;
			}
		if (tgt && !inode_isdir(tgt))
			r = -ENOTDIR;
		else if (tgt && tgt->i_nentries)
			r = -ENOTEMPTY;
	} else if (tgt && inode_isdir(tgt)) {
		r = -EISDIR;
	}
	if (r == 0 && nd->i_nlink == 0)
		r = -ENOENT;
	if (r == 0 && tgt)
		r = dir_unlink(nd, nlast, nlen);
	if (r == 0)
		r = dir_move(od, olast, olen, nd, nlast, nlen);
out:
	inode_put(od);
	inode_put(nd);
	fs_unlock();
	return r;
}

/* link(2): a second name for a regular file (directories: EPERM, as Linux). */
int fs_link_at(struct inode *obase, const char *opath, struct inode *nbase, const char *npath)
{
	struct inode *ip = NULL, *nd = NULL;
	const char *nlast;
	size_t nlen;
	int slash, r;

	fs_lock();
	r = namei(obase, opath, &ip);
	if (r == 0 && inode_isdir(ip))
		r = -EPERM;
	if (r == 0)
		r = namei_parent(nbase, npath, &nd, &nlast, &nlen, &slash);
	if (r == 0) {
		if (name_is_dot(nlast, nlen) || name_is_dotdot(nlast, nlen) ||
		    dir_lookup(nd, nlast, nlen))
			r = -EEXIST;
		else if (slash)
			r = -ENOENT;
		else
			r = dir_link(nd, nlast, nlen, ip);
	}
	inode_put(ip);
	inode_put(nd);
	fs_unlock();
	return r;
}

/* What chmod, truncate and readlink need: the inode at a path, under the fs lock. */
int fs_path_op(struct inode *base, const char *path, long arg,
	       int (*op)(struct inode *ip, long arg))
{
	struct inode *ip;
	int r;
	fs_lock();
	r = namei(base, path, &ip);
	if (r == 0) {
		r = op(ip, arg);
		inode_put(ip);
	}
	fs_unlock();
	return r;
}

int fs_stat_at(struct inode *base, const char *path, struct stat *st)
{
	struct inode *ip;
	int r;
	fs_lock();
	r = namei(base, path, &ip);
	if (r == 0) {
		inode_stat(ip, st);
		inode_put(ip);
	}
	fs_unlock();
	return r;
}

int fs_access_at(struct inode *base, const char *path, int mode)
{
	struct inode *ip;
	int r;
	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	fs_lock();
	r = namei(base, path, &ip);
	if (r == 0) {
		/* Everyone is root: read and write always pass; execute needs some x bit on
		 * a file (directories are always searchable), as Linux's root. */
		if ((mode & X_OK) && !inode_isdir(ip) && !(ip->i_mode & 0111))
			r = -EACCES;
		inode_put(ip);
	}
	fs_unlock();
	return r;
}

/* Write the absolute path of cwd into buf; returns its length including the NUL, -ERANGE
 * when size is too small, -ENOENT when cwd has been removed. */
int fs_getcwd(struct inode *cwd, char *buf, size_t size)
{
	struct inode *ip;
	size_t pos;
	int r = 0;

	if (size == 0)
		return -ERANGE;
	fs_lock();
	ip = cwd ? cwd : fs_root();
	/* Build right to left at the end of buf, then slide to the front. */
	pos = size - 1;
	buf[pos] = 0;
	while (ip && ip != fs_root()) {
		struct inode *parent = ip->i_parent;
		struct dirent_node *d = parent ? dir_find_inode(parent, ip) : NULL;
		if (!d) {
			r = -ENOENT;
			goto out;
		}
		if (d->namelen + 1 > pos) {
			r = -ERANGE;
			goto out;
		}
		pos -= d->namelen;
		memcpy(buf + pos, d->name, d->namelen);
		buf[--pos] = '/';
		ip = parent;
	}
	if (pos == size - 1) {
		if (size < 2) {
			r = -ERANGE;
			goto out;
		}
		buf[--pos] = '/';
	}
	memmove(buf, buf + pos, size - pos);
	r = (int)(size - pos);
out:
	fs_unlock();
	return r;
}

int fs_open(const char *path, int flags, mode_t mode, struct file **out)
{
	return fs_open_at(fs_cur_cwd(), path, flags, mode, out);
}

int fs_access(const char *path, int mode)
{
	return fs_access_at(fs_cur_cwd(), path, mode);
}

int fs_load_file(const char *path, void **buf, size_t *len)
{
	struct inode *ip;
	void *b = NULL;
	int r;

	fs_lock();
	r = namei(fs_cur_cwd(), path, &ip);
	if (r < 0)
		goto out;
	if (!S_ISREG(ip->i_mode)) {
		r = -EACCES;
	} else if (ip->i_size > 0) {
		b = kmalloc((size_t)ip->i_size);
		if (!b) {
			r = -ENOMEM;
		} else {
			struct iovec iov;
			struct uio u;
			uio_init1(&u, &iov, b, (size_t)ip->i_size, UIO_KERNEL);
			if (inode_read(ip, 0, &u) != ip->i_size) {
				kfree(b);
				b = NULL;
				r = -EIO;
			}
		}
	}
	if (r == 0) {
		*buf = b;
		*len = (size_t)ip->i_size;
	}
	inode_put(ip);
out:
	fs_unlock();
	return r;
}

struct inode *fs_cwd_hold(struct inode *cwd)
{
	if (cwd) {
		fs_lock();
		inode_hold(cwd);
		fs_unlock();
	}
	return cwd;
}

void fs_cwd_release(struct inode *cwd)
{
	inode_release(cwd);
}
