/* poll, ppoll, select, pselect6 over the pollwait core.
 *
 * One engine (do_poll) serves all four: it holds a reference on every polled file for the
 * whole call, asks each file's poll operation (registering on the first round only), and
 * sleeps until a registered object wakes it, a signal arrives (-EINTR) or the deadline
 * passes.  The signal masks of ppoll/pselect6 are checked for size but not applied (see
 * kernel/fs/README.md). */
#include <stos/errno.h>
#include <stos/poll.h>
#include <stos/time.h>
#include "fs/pollwait.h"
#include "sys_util.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

#define POLL_NFDS_MAX 1024 /* Linux: RLIMIT_NOFILE's usual soft value */
#define NS_PER_S 1000000000ull
#define SIGSET_SIZE 8

struct kpoll {
	int fd;
	short events, revents;
	struct file *f;
};

static int poll_one(struct kpoll *k, struct pollwait *pw)
{
	int ev = k->events | POLLERR | POLLHUP, r;
	if (k->fd < 0)
		return 0;
	if (!k->f)
		return POLLNVAL;
	if (k->f->f_ops->poll)
		r = k->f->f_ops->poll(k->f, k->events, pw);
	else
		r = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM; /* never blocks */
	return r & ev;
}

/* deadline_ns: 0 = wait forever; UINT64_MAX = do not wait at all. */
static long do_poll(struct kpoll *k, size_t n, uint64_t deadline_ns)
{
	struct pollwait pw;
	long count = 0;
	int timed_out = 0;

	for (size_t i = 0; i < n; i++)
		k[i].f = k[i].fd >= 0 ? fget(k[i].fd) : NULL;
	pollwait_init(&pw);
	if (deadline_ns == UINT64_MAX)
		pw.pw_registering = 0; /* nothing will sleep: no need to register */
	for (;;) {
		int r;
		pollwait_arm(&pw);
		count = 0;
		for (size_t i = 0; i < n; i++) {
			k[i].revents = (short)poll_one(&k[i], &pw);
			count += k[i].revents != 0;
		}
		if (count || timed_out || deadline_ns == UINT64_MAX)
			break;
		if (deadline_ns && clock_ns() >= deadline_ns)
			break;
		r = pollwait_sleep(&pw, deadline_ns);
		if (r == -EINTR) {
			count = -EINTR;
			break;
		}
		if (r == -ETIMEDOUT)
			timed_out = 1; /* one last look */
	}
	pollwait_done(&pw);
	for (size_t i = 0; i < n; i++)
		file_put(k[i].f);
	return count;
}

/* A relative timeout to a deadline for do_poll. */
static uint64_t deadline_after(uint64_t sec, uint64_t nsec)
{
	uint64_t now = clock_ns();
	if (sec == 0 && nsec == 0)
		return UINT64_MAX;
	if (sec > (UINT64_MAX - now) / NS_PER_S - 1)
		return 0; /* too far to matter: forever */
	return now + sec * NS_PER_S + nsec;
}

static long timespec_in(long uts, uint64_t *deadline)
{
	struct timespec ts;
	if (!uts) {
		*deadline = 0;
		return 0;
	}
	if (copyin(&ts, (const void *)uts, sizeof(ts)) < 0)
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long)NS_PER_S)
		return -EINVAL;
	*deadline = deadline_after((uint64_t)ts.tv_sec, (uint64_t)ts.tv_nsec);
	return 0;
}

/* Time left until deadline, for the timeout write-back Linux does. */
static uint64_t remaining(uint64_t deadline)
{
	uint64_t now = clock_ns();
	if (deadline == UINT64_MAX || deadline <= now)
		return 0;
	return deadline - now;
}

static long poll_common(long ufds, long nfds, uint64_t deadline)
{
	struct pollfd *pfd = NULL;
	struct kpoll *k = NULL;
	size_t n = (size_t)nfds;
	long r;

	if (nfds < 0 || nfds > POLL_NFDS_MAX)
		return -EINVAL;
	if (n) {
		pfd = kmalloc(n * sizeof(*pfd));
		k = kmalloc(n * sizeof(*k));
		if (!pfd || !k) {
			r = -ENOMEM;
			goto out;
		}
		if (copyin(pfd, (const void *)ufds, n * sizeof(*pfd)) < 0) {
			r = -EFAULT;
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		k[i].fd = pfd[i].fd;
		k[i].events = pfd[i].events;
	}
	r = do_poll(k, n, deadline);
	if (r >= 0) {
		for (size_t i = 0; i < n; i++)
			pfd[i].revents = k[i].revents;
		if (n && copyout((void *)ufds, pfd, n * sizeof(*pfd)) < 0)
			r = -EFAULT;
	}
out:
	kfree(pfd);
	kfree(k);
	return r;
}

FS_SYSCALL(poll)
{
	int ms = (int)a2;
	uint64_t deadline = 0;
	if (ms >= 0)
		deadline = deadline_after((uint64_t)ms / 1000, (uint64_t)(ms % 1000) * 1000000ull);
	return poll_common(a0, a1, deadline);
}

FS_SYSCALL(ppoll)
{
	uint64_t deadline;
	long r;
	if (a3 && a4 != SIGSET_SIZE)
		return -EINVAL;
	r = timespec_in(a2, &deadline);
	if (r < 0)
		return r;
	r = poll_common(a0, a1, deadline);
	if (a2 && deadline) {
		uint64_t left = remaining(deadline);
		struct timespec ts = { (time_t)(left / NS_PER_S), (long)(left % NS_PER_S) };
		(void)copyout((void *)a2, &ts, sizeof(ts)); /* best effort, as Linux */
	}
	return r;
}

#define FDSET_LONGS (FD_SETSIZE / 64)

static long select_common(long nfds, long ur, long uw, long ue, uint64_t deadline)
{
	fd_set in[3], out[3];
	long uptr[3] = { ur, uw, ue };
	static const short ev_of[3] = { POLLIN | POLLRDNORM, POLLOUT | POLLWRNORM, POLLPRI };
	struct kpoll *k;
	size_t n = 0, words;
	long r, count = 0;

	if (nfds < 0)
		return -EINVAL;
	if (nfds > FD_SETSIZE)
		nfds = FD_SETSIZE;
	words = ((size_t)nfds + 63) / 64;
	memset(in, 0, sizeof(in));
	for (int s = 0; s < 3; s++)
		if (uptr[s] && words && copyin(&in[s], (const void *)uptr[s], words * 8) < 0)
			return -EFAULT;
	/* Descriptors past the table cannot be open: any bit there is EBADF. */
	k = kmalloc(sizeof(*k) * (nfds ? (size_t)nfds : 1));
	if (!k)
		return -ENOMEM;
	for (long fd = 0; fd < nfds; fd++) {
		short ev = 0;
		for (int s = 0; s < 3; s++)
			if (in[s].fds_bits[fd / 64] & (1UL << (fd % 64)))
				ev |= ev_of[s];
		if (!ev)
			continue;
		k[n].fd = (int)fd;
		k[n].events = ev;
		n++;
	}
	r = do_poll(k, n, deadline);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (k[i].revents & POLLNVAL) {
			r = -EBADF;
			goto out;
		}
	}
	memset(out, 0, sizeof(out));
	for (size_t i = 0; i < n; i++) {
		int fd = k[i].fd;
		short re = k[i].revents;
		unsigned long bit = 1UL << (fd % 64);
		if ((in[0].fds_bits[fd / 64] & bit) && (re & (POLLIN | POLLRDNORM | POLLHUP | POLLERR)))
			out[0].fds_bits[fd / 64] |= bit, count++;
		if ((in[1].fds_bits[fd / 64] & bit) && (re & (POLLOUT | POLLWRNORM | POLLERR)))
			out[1].fds_bits[fd / 64] |= bit, count++;
		if ((in[2].fds_bits[fd / 64] & bit) && (re & POLLPRI))
			out[2].fds_bits[fd / 64] |= bit, count++;
	}
	for (int s = 0; s < 3; s++)
		if (uptr[s] && words && copyout((void *)uptr[s], &out[s], words * 8) < 0) {
			r = -EFAULT;
			goto out;
		}
	r = count;
out:
	kfree(k);
	return r;
}

FS_SYSCALL(select)
{
	uint64_t deadline = 0;
	long r;
	if (a4) {
		struct timeval tv;
		if (copyin(&tv, (const void *)a4, sizeof(tv)) < 0)
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
			return -EINVAL;
		deadline = deadline_after((uint64_t)tv.tv_sec, (uint64_t)tv.tv_usec * 1000ull);
	}
	r = select_common(a0, a1, a2, a3, deadline);
	if (a4 && deadline) {
		uint64_t left = remaining(deadline);
		struct timeval tv = { (time_t)(left / NS_PER_S), (long)(left % NS_PER_S) / 1000 };
		(void)copyout((void *)a4, &tv, sizeof(tv)); /* Linux updates the timeout */
	}
	return r;
}

FS_SYSCALL(pselect6)
{
	uint64_t deadline;
	long r;
	if (a5) {
		struct { unsigned long ss; unsigned long len; } sig;
		if (copyin(&sig, (const void *)a5, sizeof(sig)) < 0)
			return -EFAULT;
		if (sig.ss && sig.len != SIGSET_SIZE)
			return -EINVAL;
	}
	r = timespec_in(a4, &deadline);
	if (r < 0)
		return r;
	r = select_common(a0, a1, a2, a3, deadline);
	if (a4 && deadline) {
		uint64_t left = remaining(deadline);
		struct timespec ts = { (time_t)(left / NS_PER_S), (long)(left % NS_PER_S) };
		(void)copyout((void *)a4, &ts, sizeof(ts));
	}
	return r;
}
