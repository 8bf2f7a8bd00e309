/* Per-process descriptor table.
 *
 * A slot holds a struct file reference and the descriptor flags (FD_CLOEXEC).  At most
 * FDTABLE_MAX descriptors per process; allocation beyond that is -EMFILE.
 *
 * Process life cycle (K calls these):
 *   fork:  child->fdt = fdtable_fork(parent->fdt)   every open file gains a reference
 *   exec:  fdtable_close_on_exec(p->fdt)            closes FD_CLOEXEC descriptors
 *   exit:  fdtable_close_all(p->fdt); fdtable_free(p->fdt)
 * fdtable_free also closes anything still open, so exit may call it alone. */
#ifndef FS_FDTABLE_H
#define FS_FDTABLE_H
#include "fs/file.h"
#include "sync.h"

#define FDTABLE_MAX 256

struct fdtable {
	struct spinlock lock;             /* protects the slots; never held while sleeping */
	struct file *fd[FDTABLE_MAX];
	unsigned char fdflags[FDTABLE_MAX]; /* FD_CLOEXEC */
};

struct fdtable *fdtable_new(void);                  /* empty table, or NULL */
struct fdtable *fdtable_fork(struct fdtable *src);  /* copy, or NULL when out of memory */
void fdtable_close_all(struct fdtable *t);
void fdtable_close_on_exec(struct fdtable *t);
void fdtable_free(struct fdtable *t);                /* closes all, frees; NULL is fine */

/* Install f at the lowest free descriptor >= minfd; the table takes over the caller's
 * reference on success.  Returns the descriptor, -EMFILE (full) or -EINVAL (minfd out of
 * range).  fdflags is 0 or FD_CLOEXEC. */
int fdtable_install(struct fdtable *t, struct file *f, int minfd, int fdflags);
/* Put f at exactly fd, closing what was there; takes over the caller's reference. */
int fdtable_install_at(struct fdtable *t, int fd, struct file *f, int fdflags);
/* The file at fd with a new reference for the caller (file_put it), or NULL (EBADF). */
struct file *fdtable_get(struct fdtable *t, int fd);
/* Remove fd and drop its reference: 0 or -EBADF. */
int fdtable_close(struct fdtable *t, int fd);
int fdtable_getfd(struct fdtable *t, int fd);               /* FD_CLOEXEC bits or -EBADF */
int fdtable_setfd(struct fdtable *t, int fd, int fdflags);  /* 0 or -EBADF */
int fdtable_count(struct fdtable *t);                        /* open descriptors */
#endif
