/* Private to kernel/fs: the ramfs inode and the name-space internals.
 *
 * Locking: one sleepable mutex (fs_lock/fs_unlock) protects the whole tree: every inode
 * field, every directory list and the data pages, and the offsets of ramfs files.  Inode
 * reference counts are changed under it too.  Never hold it while calling file_put (a close
 * routine may take it).
 *
 * Lifetime: an inode lives while it has a name (i_nlink > 0) or a holder (i_refs > 0):
 * an open file, a process cwd, a lookup in progress.  Unlinking an open file keeps its data
 * until the last close, as on Unix. */
#ifndef FS_RAMFS_H
#define FS_RAMFS_H
#include <stddef.h>
#include <stdint.h>
#include <stos/types.h>
#include <stos/stat.h>
#include "fs/vfs.h"
#include "fs/file.h"

struct devsw;

struct dirent_node {
	struct dirent_node *next;
	struct inode *ip;
	uint64_t seq;          /* getdents cookie: entries keep ascending seq in list order */
	size_t namelen;
	char name[];           /* NUL-terminated */
};

struct inode {
	unsigned long i_ino;
	mode_t i_mode;
	unsigned int i_nlink;  /* names (a directory: 2 + subdirectories, as on Linux) */
	int i_refs;
	long i_size;
	dev_t i_rdev;
	long i_atime, i_mtime, i_ctime;   /* seconds */
	/* regular files: i_pages[i] holds bytes [i*4096, (i+1)*4096); NULL reads as zeroes.
	 * Invariant: bytes of an allocated page at or past i_size are zero. */
	unsigned char **i_pages;
	size_t i_pagecap;
	/* directories */
	struct dirent_node *i_dhead, *i_dtail;
	uint64_t i_dseq;
	struct inode *i_parent;  /* NULL once removed; the root is its own parent */
	size_t i_nentries;
	/* device nodes */
	const struct devsw *i_dev;
	/* synthesized files (/proc): their own operations; i_rdev carries their argument */
	const struct fileops *i_fops;
};

#define RAMFS_DEV 1          /* st_dev of every ramfs inode */
#define DIRENT_FIRST_SEQ 3   /* cookies 0 and 1 are "." and ".." */

void fs_lock(void);
void fs_unlock(void);
int fs_locked(void);
struct inode *fs_root(void);        /* the root inode (no reference taken) */
long fs_now(void);                  /* seconds, for time stamps */
int fs_memory_low(void);            /* too few free pages left for file data */

/* Inodes (fs lock held).  inode_new returns an unnamed inode with one reference. */
struct inode *inode_new(mode_t mode);
void inode_hold(struct inode *ip);
void inode_put(struct inode *ip);
void inode_release(struct inode *ip);   /* inode_put taking the fs lock itself */
void inode_stat(struct inode *ip, struct stat *st);
long inode_read(struct inode *ip, long off, struct uio *u);
long inode_write(struct inode *ip, long off, struct uio *u);
int inode_truncate(struct inode *ip, long size);
long inode_write_kernel(struct inode *ip, long off, const void *buf, size_t n);
static inline int inode_isdir(const struct inode *ip) { return S_ISDIR(ip->i_mode); }

/* Directories (fs lock held).  Names are (pointer, length), not necessarily terminated. */
struct inode *dir_lookup(struct inode *dp, const char *name, size_t len);
int dir_link(struct inode *dp, const char *name, size_t len, struct inode *ip);
int dir_unlink(struct inode *dp, const char *name, size_t len);
int dir_move(struct inode *od, const char *oldname, size_t oldlen, struct inode *nd,
	     const char *newname, size_t newlen);
/* Find the name of child in dp: returns the entry or NULL. */
struct dirent_node *dir_find_inode(struct inode *dp, struct inode *child);
long dir_getdents(struct inode *dp, long *pos, struct uio *u);

/* Path resolution (fs lock held).  base NULL means the root; relative paths start there.
 * namei: *out gets a new reference.  namei_parent: *dirp gets a new reference to the
 * directory that holds (or would hold) the last component, *last and *lastlen name it ("."
 * for "/"), *slash says whether the path ended with '/'. */
int namei(struct inode *base, const char *path, struct inode **out);
int namei_parent(struct inode *base, const char *path, struct inode **dirp,
		 const char **last, size_t *lastlen, int *slash);
static inline int name_is_dot(const char *n, size_t len) { return len == 1 && n[0] == '.'; }
static inline int name_is_dotdot(const char *n, size_t len)
{
	return len == 2 && n[0] == '.' && n[1] == '.';
}

/* Name-space operations shared by the syscalls and fs_init (they take the fs lock). */
int fs_open_at(struct inode *base, const char *path, int flags, mode_t mode, struct file **out);
int fs_mkdir_at(struct inode *base, const char *path, mode_t mode);
int fs_unlink_at(struct inode *base, const char *path, int rmdir);
int fs_stat_at(struct inode *base, const char *path, struct stat *st);
int fs_access_at(struct inode *base, const char *path, int mode);
int fs_mknod_at(struct inode *base, const char *path, mode_t mode, dev_t rdev);
int fs_getcwd(struct inode *cwd, char *buf, size_t size);
int fs_link_at(struct inode *obase, const char *opath, struct inode *nbase,
	       const char *npath);
int fs_path_op(struct inode *base, const char *path, long arg,
	       int (*op)(struct inode *ip, long arg));
int fs_rename_at(struct inode *obase, const char *opath, struct inode *nbase,
		 const char *npath);

/* ramfs fileops, for regular files and directories. */
extern const struct fileops ramfs_file_ops, ramfs_dir_ops;

/* Devices: a node's rdev selects an entry; open makes the file. */
struct devsw {
	dev_t rdev;
	int (*open)(struct inode *ip, int flags, struct file **out);
};
const struct devsw *dev_lookup(dev_t rdev);
int dev_make_nodes(void);   /* /dev and its nodes; fs lock NOT held */
#define DEV_MKDEV(ma, mi) ((dev_t)(((ma) << 8) | (mi)))

/* /proc: one directory per process with a Linux-format "stat" file, kept in step with
 * the process table whenever /proc is looked into (procfs_sync, fs lock held). */
int procfs_init(void);             /* fs lock NOT held */
void procfs_sync(struct inode *dp); /* no-op unless dp is /proc */
void procfs_shutdown(void);

/* cpio newc unpacking into the root (fs lock NOT held). */
int cpio_unpack(const void *buf, size_t len);

long pipe_count(void);
long cpio_error_count(void);

/* Tests only: the console tty back to its boot state. */
void tty_reset(void);

/* Tear the whole tree down (tests only; no file may be open). */
void fs_shutdown(void);
#endif
