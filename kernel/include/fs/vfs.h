/* The file name space: an in-memory filesystem (ramfs) holding the initrd's files, a
 * writable /tmp, and the device nodes /dev/console, /dev/tty, /dev/null and /dev/zero.
 *
 * struct inode is opaque outside kernel/fs.  A process's cwd (struct proc::cwd) is a held
 * inode reference or NULL, which means the root directory:
 *   fork:  child->cwd = fs_cwd_hold(parent->cwd)
 *   exit:  fs_cwd_release(p->cwd)
 * Paths follow Linux rules: absolute or relative to the cwd, "." and "..", repeated slashes,
 * components up to FS_NAME_MAX bytes and whole paths below FS_PATH_MAX bytes (ENAMETOOLONG),
 * ENOTDIR when a non-final component is not a directory.  No symbolic links. */
#ifndef FS_VFS_H
#define FS_VFS_H
#include <stddef.h>
#include <stos/types.h>

#define FS_PATH_MAX 4096      /* including the terminating NUL, as Linux's PATH_MAX */
#define FS_NAME_MAX 255
#define FS_FILE_SIZE_MAX (64L << 20) /* larger writes get -EFBIG */

struct inode;
struct file;

/* Build the root file system and unpack the initrd (a cpio newc archive) into it.  Then
 * make sure /tmp (mode 01777) and /dev with its nodes exist.  Returns 0, or -EINVAL for a
 * malformed archive / -ENOMEM (what was unpacked before the error stays).  initrd may be
 * NULL when len is 0.  Call once, at boot, from a process context (it takes the fs mutex). */
int fs_init(const void *initrd, size_t len);

/* Read the whole regular file at path (kernel string; relative paths start at the current
 * process's cwd) into a kmalloc'd buffer the caller kfrees.  -ENOENT, -ENOTDIR,
 * -ENAMETOOLONG, -EACCES (not a regular file), -ENOMEM.  An empty file gives *buf NULL. */
int fs_load_file(const char *path, void **buf, size_t *len);

/* access(2) on a kernel path: 0, -ENOENT, -EACCES (X_OK on a file with no execute bit)... */
int fs_access(const char *path, int mode);

/* Open a kernel path with open(2) flags and mode; *out gets a new file reference. */
int fs_open(const char *path, int flags, mode_t mode, struct file **out);

struct inode *fs_cwd_hold(struct inode *cwd);   /* NULL stays NULL (root) */
void fs_cwd_release(struct inode *cwd);

/* Allocation counters, for leak checks in tests and a future `free`-like program. */
struct fs_stats {
	long inodes;       /* live inodes, including the root and /dev nodes */
	long data_pages;   /* pages holding regular file data */
	long files;        /* live struct file */
	long pipes;        /* live pipes */
	long cpio_errors;  /* malformed archives rejected */
};
void fs_get_stats(struct fs_stats *st);
#endif
