/* Helpers shared by the file system calls. */
#include <stos/errno.h>
#include <stos/fcntl.h>
#include "sys_util.h"

char *path_in(long upath, int *err)
{
	char *p = page_alloc(); /* FS_PATH_MAX bytes, off the kernel stack */
	long r;
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	r = copyinstr(p, (const char *)upath, FS_PATH_MAX);
	if (r < 0) {
		page_free(p);
		*err = (int)r;
		return NULL;
	}
	return p;
}

void path_free(char *p)
{
	if (p)
		page_free(p);
}

int at_base(long dirfd, const char *path, struct inode **base, struct file **hold)
{
	struct file *f;
	*hold = NULL;
	*base = fs_cur_cwd();
	if (path[0] == '/' || (int)dirfd == AT_FDCWD)
		return 0;
	f = fget((int)dirfd);
	if (!f)
		return -EBADF;
	if (!f->f_inode || !S_ISDIR(f->f_inode->i_mode)) {
		file_put(f);
		return -ENOTDIR;
	}
	*base = f->f_inode;
	*hold = f;
	return 0;
}

long two_paths_at(long odirfd, long uold, long ndirfd, long unew,
		  int (*op)(struct inode *, const char *, struct inode *, const char *))
{
	struct inode *obase, *nbase;
	struct file *ohold = NULL, *nhold = NULL;
	int err;
	long r;
	char *op_path = path_in(uold, &err);
	if (!op_path)
		return err;
	char *np_path = path_in(unew, &err);
	if (!np_path) {
		path_free(op_path);
		return err;
	}
	r = at_base(odirfd, op_path, &obase, &ohold);
	if (r == 0)
		r = at_base(ndirfd, np_path, &nbase, &nhold);
	if (r == 0)
		r = op(obase, op_path, nbase, np_path);
	file_put(ohold);
	file_put(nhold);
	path_free(op_path);
	path_free(np_path);
	return r;
}
