/* Pipes (POSIX.1-2017 write(2) "Pipes or FIFOs", Linux pipe(7)).
 *
 * A ring of PIPE_SIZE bytes in PIPE_PAGES pages under a spinlock.  User data never moves
 * while the spinlock is held (interrupts are masked then, and a copy could fault): reads
 * take bytes out into a small bounce buffer and copy them out after unlocking; writes copy
 * in first (the whole write when it is at most PIPE_BUF, so it can go into the ring in one
 * piece, which is what makes it atomic). */
#include <stos/errno.h>
#include <stos/fcntl.h>
#include <stos/ioctl.h>
#include <stos/poll.h>
#include <stos/signal.h>
#include "fs/pipe.h"
#include "fs/pollwait.h"
#include "ramfs.h"
#include "fslib.h"

struct pipe {
	struct spinlock lock;
	unsigned char *pages[PIPE_PAGES];
	size_t head;          /* read position */
	size_t count;         /* bytes in the ring */
	int readers, writers; /* open ends */
	int rchan, wchan;     /* sleep channels: readers wait on &rchan, writers on &wchan */
	unsigned long ino;
	struct pollhead ph;
};

static long pipes_live;
static unsigned long pipe_ino = 1;
long pipe_count(void) { return pipes_live; }

/* Ring copies, crossing page boundaries. */
static void ring_put(struct pipe *p, const unsigned char *src, size_t n)
{
	size_t pos = (p->head + p->count) % PIPE_SIZE;
	while (n) {
		size_t in = pos % FS_PAGE_SIZE, c = FS_MIN(n, FS_PAGE_SIZE - in);
		memcpy(p->pages[pos / FS_PAGE_SIZE] + in, src, c);
		src += c;
		n -= c;
		p->count += c;
		pos = (pos + c) % PIPE_SIZE;
	}
}

static void ring_take(struct pipe *p, unsigned char *dst, size_t n)
{
	while (n) {
		size_t in = p->head % FS_PAGE_SIZE, c = FS_MIN(n, FS_PAGE_SIZE - in);
		memcpy(dst, p->pages[p->head / FS_PAGE_SIZE] + in, c);
		dst += c;
		n -= c;
		p->count -= c;
		p->head = (p->head + c) % PIPE_SIZE;
	}
}

static void pipe_free(struct pipe *p)
{
	for (int i = 0; i < PIPE_PAGES; i++)
		page_free(p->pages[i]);
	kfree(p);
	pipes_live--;
}

#define BOUNCE 256

static long pipe_read(struct file *f, struct uio *u)
{
	struct pipe *p = f->f_data;
	unsigned char tmp[BOUNCE];
	long done = 0;

	if (u->uio_resid == 0)
		return 0;
	spin_lock(&p->lock);
	while (p->count == 0) {
		int r;
		if (p->writers == 0) {
			spin_unlock(&p->lock);
			return 0;
		}
		if (f->f_flags & O_NONBLOCK) {
			spin_unlock(&p->lock);
			return -EAGAIN;
		}
		r = sleep_intr(&p->rchan, &p->lock, 0);
		if (r < 0) {
			spin_unlock(&p->lock);
			return -EINTR;
		}
	}
	/* Take what is there (without sleeping again), a bounce buffer at a time. */
	while (u->uio_resid > 0 && p->count > 0) {
		size_t n = FS_MIN(FS_MIN(u->uio_resid, p->count), sizeof(tmp));
		long r;
		ring_take(p, tmp, n);
		wakeup(&p->wchan);
		pollhead_wake(&p->ph);
		spin_unlock(&p->lock);
		r = uio_copyout(tmp, n, u);
		if (r != (long)n)
			return done ? done : -EFAULT;
		done += r;
		spin_lock(&p->lock);
	}
	spin_unlock(&p->lock);
	return done;
}

/* Put chunk[0..n) into the ring; atomic means all of it at once.  Returns bytes put, or
 * -EAGAIN/-EINTR/-EPIPE when none could be. */
static long pipe_put(struct file *f, struct pipe *p, const unsigned char *chunk, size_t n,
		     int atomic)
{
	size_t put = 0;
	spin_lock(&p->lock);
	while (put < n) {
		size_t space = PIPE_SIZE - p->count, c;
		if (p->readers == 0) {
			spin_unlock(&p->lock);
			/* Linux pipe_write: SIGPIPE whenever the reader is gone. */
			if (curproc())
				kill_proc(curproc()->pid, SIGPIPE);
			return put ? (long)put : -EPIPE;
		}
		if (space == 0 || (atomic && space < n - put)) {
			int r;
			if (f->f_flags & O_NONBLOCK) {
				spin_unlock(&p->lock);
				return put ? (long)put : -EAGAIN;
			}
			r = sleep_intr(&p->wchan, &p->lock, 0);
			if (r < 0) {
				spin_unlock(&p->lock);
				return put ? (long)put : -EINTR;
			}
			continue;
		}
		c = FS_MIN(space, n - put);
		ring_put(p, chunk + put, c);
		put += c;
		wakeup(&p->rchan);
		pollhead_wake(&p->ph);
	}
	spin_unlock(&p->lock);
	return (long)put;
}

static long pipe_write(struct file *f, struct uio *u)
{
	struct pipe *p = f->f_data;
	unsigned char small[BOUNCE], *bounce = small;
	size_t total = u->uio_resid;
	int atomic = total <= PIPE_BUF;
	long done = 0, r = 0;

	if (total == 0)
		return 0;
	if (total > sizeof(small)) {
		bounce = page_alloc();
		if (!bounce)
			return -ENOMEM;
	}
	while (u->uio_resid > 0) {
		size_t n = FS_MIN(u->uio_resid, (size_t)(bounce == small ? sizeof(small) : PIPE_BUF));
		long got = uio_copyin(bounce, n, u);
		if (got <= 0) {
			r = -EFAULT;
			break;
		}
		r = pipe_put(f, p, bounce, (size_t)got, atomic);
		if (r < 0)
			break;
		done += r;
		if (r < got || got < (long)n)
			break; /* stopped early (non-blocking, signal, reader gone) or bad memory */
	}
	if (bounce != small)
		page_free(bounce);
	return done ? done : r;
}

static int pipe_poll(struct file *f, int events, struct pollwait *pw)
{
	struct pipe *p = f->f_data;
	int mask = 0;
	poll_register(pw, &p->ph);
	spin_lock(&p->lock);
	if (file_readable(f)) {
		if (p->count)
			mask |= POLLIN | POLLRDNORM;
		if (p->writers == 0)
			mask |= POLLHUP;
	}
	if (file_writable(f)) {
		if (PIPE_SIZE - p->count >= PIPE_BUF)
			mask |= POLLOUT | POLLWRNORM;
		if (p->readers == 0)
			mask |= POLLERR;
	}
	spin_unlock(&p->lock);
	return mask & (events | POLLERR | POLLHUP);
}

static void pipe_close(struct file *f)
{
	struct pipe *p = f->f_data;
	int last;
	spin_lock(&p->lock);
	if (file_readable(f))
		p->readers--;
	else
		p->writers--;
	last = p->readers == 0 && p->writers == 0;
	wakeup(&p->rchan);
	wakeup(&p->wchan);
	pollhead_wake(&p->ph);
	spin_unlock(&p->lock);
	if (last)
		pipe_free(p);
}

static int pipe_fstat(struct file *f, struct stat *st)
{
	struct pipe *p = f->f_data;
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFIFO | 0600;
	st->st_ino = p->ino;
	st->st_nlink = 1;
	st->st_blksize = FS_PAGE_SIZE;
	return 0;
}

static long pipe_ioctl(struct file *f, unsigned long req, uintptr_t uarg)
{
	struct pipe *p = f->f_data;
	int n;
	if (req != FIONREAD)
		return -ENOTTY;
	spin_lock(&p->lock);
	n = (int)p->count;
	spin_unlock(&p->lock);
	return copyout((void *)uarg, &n, sizeof(n));
}

static const struct fileops pipe_ops = {
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.poll = pipe_poll,
	.close = pipe_close,
	.fstat = pipe_fstat,
};

int pipe_create(struct file *out[2], int flags)
{
	struct pipe *p = kzalloc(sizeof(*p));
	struct file *r = NULL, *w = NULL;
	if (!p)
		return -ENOMEM;
	pipes_live++;
	spin_init(&p->lock, "pipe");
	pollhead_init(&p->ph);
	for (int i = 0; i < PIPE_PAGES; i++)
		if (!(p->pages[i] = page_alloc()))
			goto fail;
	p->readers = p->writers = 1;
	p->ino = pipe_ino++;
	r = file_alloc(&pipe_ops, p, O_RDONLY | (flags & O_NONBLOCK));
	w = file_alloc(&pipe_ops, p, O_WRONLY | (flags & O_NONBLOCK));
	if (!r || !w)
		goto fail;
	out[0] = r;
	out[1] = w;
	return 0;
fail:
	/* Files not handed out yet: free them without running the close hook. */
	if (r) {
		r->f_ops = NULL;
		file_put(r);
	}
	if (w) {
		w->f_ops = NULL;
		file_put(w);
	}
	pipe_free(p);
	return -ENOMEM;
}
