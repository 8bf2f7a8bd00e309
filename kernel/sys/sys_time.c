/* Time system calls: clock_gettime/getres, gettimeofday, time, nanosleep, clock_nanosleep.
 * Sleeps are interruptible (a signal ends them with -EINTR and the remaining time) and
 * have the tick's resolution (1/HZ). */
#include "klib.h"
#include "syscall.h"
#include "uaccess.h"
#include "sync.h"
#include "sched.h"
#include "thread.h"
#include "dev/clock.h"
#include "proc.h"
#include <stos/errno.h>
#include <stos/time.h>

#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID  3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME 1
#define NS 1000000000ULL

static int clock_read(long clk, uint64_t *ns)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = clock_realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		*ns = clock_ns();
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = curthread()->ticks * (NS / HZ);
		return 0;
	default:
		return -EINVAL;
	}
}

SYSCALL_DECL(clock_gettime)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	uint64_t ns;
	if (clock_read(a0, &ns) < 0)
		return -EINVAL;
	struct timespec ts = { (time_t)(ns / NS), (long)(ns % NS) };
	return copyout((void *)a1, &ts, sizeof ts);
}

SYSCALL_DECL(clock_getres)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	uint64_t ns;
	if (clock_read(a0, &ns) < 0)
		return -EINVAL;
	struct timespec ts = { 0, 1 };
	if (a1 && copyout((void *)a1, &ts, sizeof ts) < 0)
		return -EFAULT;
	return 0;
}

SYSCALL_DECL(gettimeofday)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	(void)a1;   /* the timezone argument is obsolete */
	uint64_t ns = clock_realtime_ns();
	struct timeval tv = { (time_t)(ns / NS), (suseconds_t)(ns % NS / 1000) };
	if (a0 && copyout((void *)a0, &tv, sizeof tv) < 0)
		return -EFAULT;
	return 0;
}

SYSCALL_DECL(time)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	time_t t = (time_t)(clock_realtime_ns() / NS);
	if (a0 && copyout((void *)a0, &t, sizeof t) < 0)
		return -EFAULT;
	return t;
}

static int read_ts(long uts, uint64_t *ns)
{
	struct timespec ts;
	if (copyin(&ts, (const void *)uts, sizeof ts) < 0)
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long)NS)
		return -EINVAL;
	/* Clamp absurd durations to about 292 years instead of overflowing. */
	*ns = (uint64_t)ts.tv_sec > (~0ULL / NS) - 1 ? ~0ULL / 2 : (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
	return 0;
}

static char sleep_chan;

static long sleep_until(uint64_t deadline, long urem)
{
	if (deadline == 0)
		deadline = 1;
	for (;;) {
		int r = sleep_intr(&sleep_chan, NULL, deadline);
		if (r == -ETIMEDOUT)
			return 0;
		if (r == -EINTR) {
			if (urem) {
				uint64_t now = clock_ns(), left = deadline > now ? deadline - now : 0;
				struct timespec ts = { (time_t)(left / NS), (long)(left % NS) };
				copyout((void *)urem, &ts, sizeof ts);
			}
			return -EINTR;
		}
	}
}

SYSCALL_DECL(nanosleep)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	uint64_t d;
	int r = read_ts(a0, &d);
	if (r < 0)
		return r;
	uint64_t now = clock_ns();
	return sleep_until(d > ~0ULL - now ? ~0ULL : now + d, a1);
}

SYSCALL_DECL(clock_nanosleep)
{
	(void)a4, (void)a5;
	if (a0 != CLOCK_REALTIME && a0 != CLOCK_MONOTONIC && a0 != CLOCK_BOOTTIME)
		return -EINVAL;
	if (a1 & ~(long)TIMER_ABSTIME)
		return -EINVAL;
	uint64_t d;
	int r = read_ts(a2, &d);
	if (r < 0)
		return r;
	uint64_t now = clock_ns();
	uint64_t deadline;
	if (a1 & TIMER_ABSTIME) {
		uint64_t base = a0 == CLOCK_REALTIME ? clock_realtime_ns() : now;
		deadline = d <= base ? now : now + (d - base);
	} else {
		deadline = d > ~0ULL - now ? ~0ULL : now + d;
	}
	long rr = sleep_until(deadline, (a1 & TIMER_ABSTIME) ? 0 : a3);
	return rr;
}

/* alarm(2): SIGALRM after a seconds (0 cancels); returns the seconds that were left of
 * the previous alarm, rounded up.  Not inherited by fork; kept across exec (POSIX). */
SYSCALL_DECL(alarm)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct proc *p = curproc();
	uint64_t secs = (uint64_t)(unsigned int)a0;
	push_cli();
	uint64_t now = clock_ns();
	uint64_t left = p->alarm_ns > now ? p->alarm_ns - now : 0;
	p->alarm_ns = secs ? now + secs * NS : 0;
	sched_timer_deadline(p->alarm_ns);
	pop_cli();
	return (long)((left + NS - 1) / NS);
}
