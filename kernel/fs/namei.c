/* Path resolution (POSIX.1-2017 4.13, Linux path_resolution(7) without symbolic links):
 * absolute or relative to a base directory, "." and "..", repeated and trailing slashes.
 * Fs lock held; the walk takes no references until it returns one. */
#include <stos/errno.h>
#include "ramfs.h"
#include "fslib.h"

/* Step from dir through component (name, len).  Returns the next inode or NULL with *err. */
static struct inode *step(struct inode *dir, const char *name, size_t len, int *err)
{
	struct inode *next;
	if (!inode_isdir(dir)) {
		*err = -ENOTDIR;
		return NULL;
	}
	if (len > FS_NAME_MAX) {
		*err = -ENAMETOOLONG;
		return NULL;
	}
	if (name_is_dot(name, len))
		return dir;
	if (name_is_dotdot(name, len)) {
		if (!dir->i_parent)
			*err = -ENOENT; /* the directory was removed */
		return dir->i_parent;
	}
	procfs_sync(dir);
	next = dir_lookup(dir, name, len);
	if (!next)
		*err = -ENOENT;
	return next;
}

int namei_parent(struct inode *base, const char *path, struct inode **dirp,
		 const char **last, size_t *lastlen, int *slash)
{
	struct inode *cur;
	const char *p = path, *end;
	size_t plen = strlen(path);
	int err = 0;

	if (plen == 0)
		return -ENOENT;
	if (plen >= FS_PATH_MAX)
		return -ENAMETOOLONG;
	cur = (path[0] == '/' || !base) ? fs_root() : base;
	if (!cur)
		return -ENOENT;
	/* Strip trailing slashes to find the last component. */
	end = path + plen;
	*slash = 0;
	while (end > path && end[-1] == '/') {
		end--;
		*slash = 1;
	}
	if (end == path) { /* "/" or "///": the root itself */
		*dirp = cur;
		*last = ".";
		*lastlen = 1;
		*slash = 1;
		inode_hold(cur);
		return 0;
	}
	const char *lstart = end;
	while (lstart > path && lstart[-1] != '/')
		lstart--;
	while (p < lstart) {
		const char *c;
		while (p < lstart && *p == '/')
			p++;
		if (p >= lstart)
			break;
		c = p;
		while (p < lstart && *p != '/')
			p++;
		cur = step(cur, c, (size_t)(p - c), &err);
		if (!cur)
			return err;
	}
	if (!inode_isdir(cur))
		return -ENOTDIR;
	if ((size_t)(end - lstart) > FS_NAME_MAX)
		return -ENAMETOOLONG;
	*dirp = cur;
	*last = lstart;
	*lastlen = (size_t)(end - lstart);
	inode_hold(cur);
	return 0;
}

int namei(struct inode *base, const char *path, struct inode **out)
{
	struct inode *dir, *ip;
	const char *last;
	size_t len;
	int slash, err = 0;
	int r = namei_parent(base, path, &dir, &last, &len, &slash);
	if (r < 0)
		return r;
	ip = step(dir, last, len, &err);
	if (ip && slash && !inode_isdir(ip)) {
		ip = NULL;
		err = -ENOTDIR;
	}
	if (ip)
		inode_hold(ip);
	inode_put(dir);
	if (!ip)
		return err;
	*out = ip;
	return 0;
}
