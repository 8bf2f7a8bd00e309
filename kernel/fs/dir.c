/* ramfs directories: a list of (name, inode) entries in creation order, each with a
 * sequence number that serves as its getdents cookie, so entries added or removed while a
 * process walks the directory neither repeat nor hide the others.  Fs lock held. */
#include <stos/errno.h>
#include <stos/stat.h>
#include "ramfs.h"
#include "fslib.h"

struct inode *dir_lookup(struct inode *dp, const char *name, size_t len)
{
	for (struct dirent_node *d = dp->i_dhead; d; d = d->next)
		if (d->namelen == len && memcmp(d->name, name, len) == 0)
			return d->ip;
	return NULL;
}

struct dirent_node *dir_find_inode(struct inode *dp, struct inode *child)
{
	for (struct dirent_node *d = dp->i_dhead; d; d = d->next)
		if (d->ip == child)
			return d;
	return NULL;
}

int dir_link(struct inode *dp, const char *name, size_t len, struct inode *ip)
{
	struct dirent_node *d;
	if (len == 0 || len > FS_NAME_MAX)
		return -ENAMETOOLONG;
	if (dp->i_nlink == 0)
		return -ENOENT; /* a removed directory takes no new names (Linux) */
	d = kmalloc(sizeof(*d) + len + 1);
	if (!d)
		return -ENOMEM;
	d->next = NULL;
	d->ip = ip;
	d->seq = dp->i_dseq++;
	d->namelen = len;
	memcpy(d->name, name, len);
	d->name[len] = 0;
	if (dp->i_dtail)
		dp->i_dtail->next = d;
	else
		dp->i_dhead = d;
	dp->i_dtail = d;
	dp->i_nentries++;
	if (inode_isdir(ip)) {
		ip->i_nlink += 2; /* the entry and its own "." */
		ip->i_parent = dp;
		dp->i_nlink++;    /* the child's ".." */
	} else {
		ip->i_nlink++;
	}
	dp->i_mtime = dp->i_ctime = fs_now();
	return 0;
}

int dir_unlink(struct inode *dp, const char *name, size_t len)
{
	struct dirent_node *prev = NULL, *d;
	struct inode *ip;
	for (d = dp->i_dhead; d; prev = d, d = d->next)
		if (d->namelen == len && memcmp(d->name, name, len) == 0)
			break;
	if (!d)
		return -ENOENT;
	if (prev)
		prev->next = d->next;
	else
		dp->i_dhead = d->next;
	if (dp->i_dtail == d)
		dp->i_dtail = prev;
	dp->i_nentries--;
	ip = d->ip;
	kfree(d);
	if (inode_isdir(ip)) {
		ip->i_nlink = 0;
		ip->i_parent = NULL;
		dp->i_nlink--;
	} else {
		ip->i_nlink--;
	}
	dp->i_mtime = dp->i_ctime = fs_now();
	/* The directory's own name reference is gone; free if nobody holds it. */
	ip->i_refs++;
	inode_put(ip);
	return 0;
}

static unsigned char dtype_of(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFDIR: return DT_DIR;
	case S_IFREG: return DT_REG;
	case S_IFCHR: return DT_CHR;
	case S_IFIFO: return DT_FIFO;
	case S_IFSOCK: return DT_SOCK;
	default: return DT_UNKNOWN;
	}
}

/* One linux_dirent64 record into u; returns 1 if written, 0 if it does not fit, or
 * -EFAULT. */
static int emit(struct uio *u, uint64_t ino, long next, unsigned char type, const char *name,
		size_t len)
{
	unsigned char rec[sizeof(struct linux_dirent64) + FS_NAME_MAX + 8];
	struct linux_dirent64 *de = (struct linux_dirent64 *)rec;
	size_t reclen = (offsetof(struct linux_dirent64, d_name) + len + 1 + 7) & ~(size_t)7;
	long r;
	if (reclen > u->uio_resid)
		return 0;
	memset(rec, 0, reclen);
	de->d_ino = ino;
	de->d_off = next;
	de->d_reclen = (unsigned short)reclen;
	de->d_type = type;
	memcpy(de->d_name, name, len);
	r = uio_copyout(rec, reclen, u);
	if (r != (long)reclen)
		return -EFAULT;
	return 1;
}

long dir_getdents(struct inode *dp, long *pos, struct uio *u)
{
	size_t start = u->uio_resid;
	int r;

	if (dp->i_nlink == 0)
		return 0; /* a removed directory lists nothing, as on Linux */
	if (*pos <= 0) {
		r = emit(u, dp->i_ino, 1, DT_DIR, ".", 1);
		if (r <= 0)
			goto out;
		*pos = 1;
	}
	if (*pos == 1) {
		struct inode *pp = dp->i_parent ? dp->i_parent : dp;
		r = emit(u, pp->i_ino, DIRENT_FIRST_SEQ, DT_DIR, "..", 2);
		if (r <= 0)
			goto out;
		*pos = DIRENT_FIRST_SEQ;
	}
	for (struct dirent_node *d = dp->i_dhead; d; d = d->next) {
		if ((long)d->seq < *pos)
			continue;
		r = emit(u, d->ip->i_ino, (long)d->seq + 1, dtype_of(d->ip->i_mode), d->name,
			 d->namelen);
		if (r <= 0)
			goto out;
		*pos = (long)d->seq + 1;
	}
	r = 1;
out:
	if (r < 0)
		return r;
	if (r == 0 && u->uio_resid == start)
		return -EINVAL; /* buffer too small for even one record */
	return (long)(start - u->uio_resid);
}

/* Move the entry (oldname in od) to (newname in nd), replacing nothing: the caller has
 * removed any entry of that name.  The inode keeps its link count; a directory changes
 * parent, and the two directories' link counts follow its "..". */
int dir_move(struct inode *od, const char *oldname, size_t oldlen, struct inode *nd,
	     const char *newname, size_t newlen)
{
	struct dirent_node *prev = NULL, *d, *n;
	struct inode *ip;
	if (newlen == 0 || newlen > FS_NAME_MAX)
		return -ENAMETOOLONG;
	for (d = od->i_dhead; d; prev = d, d = d->next)
		if (d->namelen == oldlen && memcmp(d->name, oldname, oldlen) == 0)
			break;
	if (!d)
		return -ENOENT;
	n = kmalloc(sizeof(*n) + newlen + 1);
	if (!n)
		return -ENOMEM;
	ip = d->ip;
	/* unlink the old entry */
	if (prev)
		prev->next = d->next;
	else
		od->i_dhead = d->next;
	if (od->i_dtail == d)
		od->i_dtail = prev;
	od->i_nentries--;
	kfree(d);
	/* link the new one */
	n->next = NULL;
	n->ip = ip;
	n->seq = nd->i_dseq++;
	n->namelen = newlen;
	memcpy(n->name, newname, newlen);
	n->name[newlen] = 0;
	if (nd->i_dtail)
		nd->i_dtail->next = n;
	else
		nd->i_dhead = n;
	nd->i_dtail = n;
	nd->i_nentries++;
	if (inode_isdir(ip) && od != nd) {
		od->i_nlink--;
		nd->i_nlink++;
		ip->i_parent = nd;
	}
	od->i_mtime = od->i_ctime = nd->i_mtime = nd->i_ctime = ip->i_ctime = fs_now();
	return 0;
}
