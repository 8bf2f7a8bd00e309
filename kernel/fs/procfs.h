/* Private to kernel/fs: the pieces the /proc files share (procfs.c, procfs_net.c).
 *
 * A /proc text file is rendered once, on its first read, into a snapshot the open file
 * keeps, so a reader walking it in small reads sees one consistent text (as Linux's
 * seq_file gives for a single read pass); reopen to see the state anew. */
#ifndef FS_PROCFS_H
#define FS_PROCFS_H
#include <stddef.h>
#include "ramfs.h"

/* Renders the text of file ip into buf (NUL-terminated, at most cap bytes including the
 * NUL); returns its length, or a negative errno.  A length of cap - 1 means "maybe
 * truncated": the reader retries with a larger buffer, up to PROCFS_TEXT_MAX. */
typedef long (*procfs_render_fn)(struct inode *ip, char *buf, size_t cap);

#define PROCFS_TEXT_MAX (1024 * 1024)

/* fileops read for a text file: renders on first read with render, starting at a buffer of
 * first_cap bytes, then serves from the snapshot. */
long procfs_text_read(struct file *f, struct uio *u, procfs_render_fn render, size_t first_cap);
/* The rest of a text file's fileops. */
long procfs_text_lseek(struct file *f, long off, int whence);
int procfs_text_poll(struct file *f, int events, struct pollwait *pw);
int procfs_text_fstat(struct file *f, struct stat *st);
void procfs_text_close(struct file *f);

/* /proc/net and its files (fs lock held; proc_dir is /proc). */
void procfs_net_init(struct inode *proc_dir);

#endif
