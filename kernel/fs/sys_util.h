/* Private to the kernel/fs syscalls: getting at the calling process's descriptors and
 * cwd, and bringing path names in from user space. */
#ifndef FS_SYS_UTIL_H
#define FS_SYS_UTIL_H
#include "fs/fdtable.h"
#include "fs/fs_syscalls.h"
#include "ramfs.h"
#include "fslib.h"

/* Linux MAX_RW_COUNT: one read/write moves at most this much (INT_MAX rounded to pages). */
#define FS_MAX_RW 0x7ffff000L
#define FS_IOV_MAX 1024
#define FS_UMASK 022 /* no umask(2) yet: the usual default */

static inline struct fdtable *cur_fdt(void)
{
	struct proc *p = curproc();
	return p ? p->fdt : NULL;
}

/* The file at fd with a reference, or NULL. */
static inline struct file *fget(long fd)
{
	if (fd < 0 || fd >= FDTABLE_MAX)
		return NULL;
	return fdtable_get(cur_fdt(), (int)fd);
}

/* Copy a user path into a fresh FS_PATH_MAX buffer (path_free it).  NULL with *err set to
 * -EFAULT, -ENAMETOOLONG or -ENOMEM. */
char *path_in(long upath, int *err);
void path_free(char *p);

/* The directory a *at() call starts from: the cwd for AT_FDCWD, else the directory open as
 * dirfd (*hold keeps that file alive; file_put it after).  Absolute paths ignore dirfd,
 * like Linux, which still requires it to be valid only when the path is relative. */
int at_base(long dirfd, const char *path, struct inode **base, struct file **hold);

/* The shape of link and rename: copy both user paths in, resolve each against its dirfd,
 * and run op (fs_link_at, fs_rename_at) on them. */
long two_paths_at(long odirfd, long uold, long ndirfd, long unew,
		  int (*op)(struct inode *, const char *, struct inode *, const char *));
#endif
