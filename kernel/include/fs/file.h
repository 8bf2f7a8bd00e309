/* Open files: struct file and its operations table.
 *
 * A struct file is what a descriptor points at: an operations table, the object's private
 * data, the status flags (access mode, O_APPEND, O_NONBLOCK) and, for seekable files, the
 * offset.  The file layer knows nothing about what is behind f_ops: ramfs files, devices,
 * pipes, the console tty and (later) sockets all plug in the same way.
 *
 * Reference counting: file_alloc returns a file with one reference.  Every descriptor slot
 * (dup, fork) and every in-flight syscall holds one (fdtable_get takes one for the caller).
 * file_put drops one; the last one calls f_ops->close and frees the file. */
#ifndef FS_FILE_H
#define FS_FILE_H
#include <stdint.h>
#include <stos/types.h>
#include <stos/stat.h>
#include <stos/fcntl.h>
#include "fs/uio.h"

struct file;
struct pollwait;
struct inode;

struct fileops {
	/* Read into / write from u; return bytes moved (0 = end of file) or -errno.  Blocking
	 * implementations honour O_NONBLOCK in f->f_flags (-EAGAIN) and return -EINTR (or the
	 * partial count) when a signal interrupts a sleep. */
	long (*read)(struct file *f, struct uio *u);
	long (*write)(struct file *f, struct uio *u);
	/* req and the user-space argument pointer, as passed to ioctl(2); -ENOTTY if unknown. */
	long (*ioctl)(struct file *f, unsigned long req, uintptr_t uarg);
	/* Return the ready events (POLLIN, POLLOUT, POLLHUP, ...) among `events` plus any
	 * error/hangup condition.  When pw is not NULL, register the pollheads whose wakeup
	 * means the answer may have changed (poll_register). */
	int (*poll)(struct file *f, int events, struct pollwait *pw);
	/* Called once, when the last reference goes; releases f_data. */
	void (*close)(struct file *f);
	int (*fstat)(struct file *f, struct stat *st);
	/* NULL means not seekable (-ESPIPE). */
	long (*lseek)(struct file *f, long off, int whence);
	/* NULL means not a directory (-ENOTDIR). */
	long (*getdents)(struct file *f, struct uio *u);
};

struct file {
	const struct fileops *f_ops;
	void *f_data;          /* the object: pipe end, tty, socket, ... */
	struct inode *f_inode; /* ramfs inode when the file came from the name space, else NULL */
	unsigned int f_flags;  /* O_ACCMODE | O_APPEND | O_NONBLOCK | O_LARGEFILE (F_GETFL) */
	long f_pos;            /* offset or directory cookie; protected by the fs mutex */
	int f_refs;            /* atomic */
};

/* Flags F_SETFL may change (Linux: O_APPEND, O_NONBLOCK, O_ASYNC, O_DIRECT, O_NOATIME). */
#define FILE_SETFL_MASK (O_APPEND | O_NONBLOCK)

/* New file with one reference, or NULL when out of memory. */
struct file *file_alloc(const struct fileops *ops, void *data, unsigned int flags);
struct file *file_hold(struct file *f);
void file_put(struct file *f);

/* Access mode 3 (O_ACCMODE) opens a file for neither reading nor writing, as on Linux
 * (ioctl-only descriptors). */
static inline int file_readable(const struct file *f)
{
	return (f->f_flags & 3) == 0 || (f->f_flags & 3) == 2; /* O_RDONLY or O_RDWR */
}
static inline int file_writable(const struct file *f)
{
	return (f->f_flags & 3) == 1 || (f->f_flags & 3) == 2; /* O_WRONLY or O_RDWR */
}

/* Live struct file count, for leak checks. */
long file_count(void);
#endif
