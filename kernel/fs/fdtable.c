/* Per-process descriptor tables.  The spinlock guards only slot reads and writes; a
 * file's close routine (which may sleep or take other locks) always runs after the slot
 * has been cleared and the lock dropped. */
#include <stos/errno.h>
#include <stos/fcntl.h>
#include "fs/fdtable.h"
#include "fslib.h"

struct fdtable *fdtable_new(void)
{
	struct fdtable *t = kzalloc(sizeof(*t));
	if (t)
		spin_init(&t->lock, "fdtable");
	return t;
}

struct fdtable *fdtable_fork(struct fdtable *src)
{
	struct fdtable *t = fdtable_new();
	if (!t || !src)
		return t;
	spin_lock(&src->lock);
	for (int i = 0; i < FDTABLE_MAX; i++) {
		if (src->fd[i]) {
			t->fd[i] = file_hold(src->fd[i]);
			t->fdflags[i] = src->fdflags[i];
		}
	}
	spin_unlock(&src->lock);
	return t;
}

/* Close every slot whose flags match mask (0 = all). */
static void fdtable_close_matching(struct fdtable *t, int mask)
{
	for (int i = 0; i < FDTABLE_MAX; i++) {
		struct file *f = NULL;
		spin_lock(&t->lock);
		if (t->fd[i] && (mask == 0 || (t->fdflags[i] & mask))) {
			f = t->fd[i];
			t->fd[i] = NULL;
			t->fdflags[i] = 0;
		}
		spin_unlock(&t->lock);
		file_put(f);
	}
}

void fdtable_close_all(struct fdtable *t)
{
	if (t)
		fdtable_close_matching(t, 0);
}

void fdtable_close_on_exec(struct fdtable *t)
{
	if (t)
		fdtable_close_matching(t, FD_CLOEXEC);
}

void fdtable_free(struct fdtable *t)
{
	if (!t)
		return;
	fdtable_close_all(t);
	kfree(t);
}

int fdtable_install(struct fdtable *t, struct file *f, int minfd, int fdflags)
{
	if (minfd < 0 || minfd >= FDTABLE_MAX)
		return -EINVAL;
	if (!t)
		return -EMFILE; /* a process without a table (kernel thread, failed setup) */
	spin_lock(&t->lock);
	for (int i = minfd; i < FDTABLE_MAX; i++) {
		if (!t->fd[i]) {
			t->fd[i] = f;
			t->fdflags[i] = (unsigned char)(fdflags & FD_CLOEXEC);
			spin_unlock(&t->lock);
			return i;
		}
	}
	spin_unlock(&t->lock);
	return -EMFILE;
}

int fdtable_install_at(struct fdtable *t, int fd, struct file *f, int fdflags)
{
	struct file *old;
	if (!t || fd < 0 || fd >= FDTABLE_MAX)
		return -EBADF;
	spin_lock(&t->lock);
	old = t->fd[fd];
	t->fd[fd] = f;
	t->fdflags[fd] = (unsigned char)(fdflags & FD_CLOEXEC);
	spin_unlock(&t->lock);
	file_put(old);
	return fd;
}

struct file *fdtable_get(struct fdtable *t, int fd)
{
	struct file *f = NULL;
	if (!t || fd < 0 || fd >= FDTABLE_MAX)
		return NULL;
	spin_lock(&t->lock);
	if (t->fd[fd])
		f = file_hold(t->fd[fd]);
	spin_unlock(&t->lock);
	return f;
}

int fdtable_close(struct fdtable *t, int fd)
{
	struct file *f;
	if (!t || fd < 0 || fd >= FDTABLE_MAX)
		return -EBADF;
	spin_lock(&t->lock);
	f = t->fd[fd];
	t->fd[fd] = NULL;
	t->fdflags[fd] = 0;
	spin_unlock(&t->lock);
	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

int fdtable_getfd(struct fdtable *t, int fd)
{
	int r = -EBADF;
	if (!t || fd < 0 || fd >= FDTABLE_MAX)
		return -EBADF;
	spin_lock(&t->lock);
	if (t->fd[fd])
		r = t->fdflags[fd];
	spin_unlock(&t->lock);
	return r;
}

int fdtable_setfd(struct fdtable *t, int fd, int fdflags)
{
	int r = -EBADF;
	if (!t || fd < 0 || fd >= FDTABLE_MAX)
		return -EBADF;
	spin_lock(&t->lock);
	if (t->fd[fd]) {
		t->fdflags[fd] = (unsigned char)(fdflags & FD_CLOEXEC);
		r = 0;
	}
	spin_unlock(&t->lock);
	return r;
}

int fdtable_count(struct fdtable *t)
{
	int n = 0;
	if (!t)
		return 0;
	spin_lock(&t->lock);
	for (int i = 0; i < FDTABLE_MAX; i++)
		n += t->fd[i] != NULL;
	spin_unlock(&t->lock);
	return n;
}
