/* System-call wrappers for processes, signals, time and memory. */
#include <signal.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <stdarg.h>
#include "sys.h"
#include "libc_internal.h"

pid_t fork(void) { return (pid_t)sysret(sys0(SYS_fork)); }
/* vfork shares the parent's stack until exec, which a C wrapper cannot survive portably;
 * fork has the same observable semantics for the programs we run. */
pid_t vfork(void) { return fork(); }
int execve(const char *path, char *const argv[], char *const envp[])
{
	return (int)sysret(sys3(SYS_execve, (long)path, (long)argv, (long)envp));
}
_Noreturn void _exit(int status)
{
	for (;;)
		sys1(SYS_exit_group, status);
}
pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
	return (pid_t)sysret(sys4(SYS_wait4, pid, status, options, ru));
}
pid_t waitpid(pid_t pid, int *status, int options) { return wait4(pid, status, options, NULL); }
pid_t wait(int *status) { return wait4(-1, status, 0, NULL); }
pid_t getpid(void) { return (pid_t)sys0(SYS_getpid); }
pid_t getppid(void) { return (pid_t)sys0(SYS_getppid); }
pid_t gettid(void) { return (pid_t)sys0(SYS_gettid); }
pid_t getpgrp(void) { return (pid_t)sysret(sys0(SYS_getpgrp)); }
pid_t getpgid(pid_t pid) { return (pid_t)sysret(sys1(SYS_getpgid, pid)); }
int setpgid(pid_t pid, pid_t pgid) { return (int)sysret(sys2(SYS_setpgid, pid, pgid)); }
pid_t setsid(void) { return (pid_t)sysret(sys0(SYS_setsid)); }
uid_t getuid(void) { return (uid_t)sys0(SYS_getuid); }
uid_t geteuid(void) { return (uid_t)sys0(SYS_geteuid); }
gid_t getgid(void) { return (gid_t)sys0(SYS_getgid); }
gid_t getegid(void) { return (gid_t)sys0(SYS_getegid); }
int kill(pid_t pid, int sig) { return (int)sysret(sys2(SYS_kill, pid, sig)); }
int raise(int sig) { return kill(getpid(), sig); }
int pause(void) { return (int)sysret(sys0(SYS_pause)); }
int uname(struct utsname *u) { return (int)sysret(sys1(SYS_uname, u)); }
int reboot(int cmd)
{
	return (int)sysret(sys4(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, cmd, 0));
}

int gethostname(char *name, size_t len)
{
	struct utsname u;
	size_t i;
	if (uname(&u) < 0)
		return -1;
	for (i = 0; i < len; i++) {
		name[i] = u.nodename[i];
		if (!name[i])
			return 0;
	}
	errno = ENAMETOOLONG;
	return -1;
}

long syscall(long number, ...)
{
	va_list ap;
	long a[6];
	int i;
	va_start(ap, number);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	return sysret(sys6(number, a[0], a[1], a[2], a[3], a[4], a[5]));
}

/* Signals.  The kernel calls the handler with our trampoline as return address; the
 * trampoline (crt0.S) issues rt_sigreturn.  sigset_t is the kernel's 8-byte mask. */
void __restore_rt(void);

int sigaction(int sig, const struct sigaction *restrict act, struct sigaction *restrict old)
{
	struct sigaction k;
	if (act) {
		k = *act;
		k.sa_flags |= SA_RESTORER;
		k.sa_restorer = __restore_rt;
		act = &k;
	}
	return (int)sysret(sys4(SYS_rt_sigaction, sig, act, old, sizeof(sigset_t)));
}

sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction sa = {0}, old;
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	if (sigaction(sig, &sa, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
	return (int)sysret(sys4(SYS_rt_sigprocmask, how, set, old, sizeof(sigset_t)));
}

static int sigvalid(int sig)
{
	if (sig <= 0 || sig > 64) {
		errno = EINVAL;
		return 0;
	}
	return 1;
}
int sigemptyset(sigset_t *set) { *set = 0; return 0; }
int sigfillset(sigset_t *set) { *set = ~0UL; return 0; }
int sigaddset(sigset_t *set, int sig)
{
	if (!sigvalid(sig))
		return -1;
	*set |= 1UL << (sig - 1);
	return 0;
}
int sigdelset(sigset_t *set, int sig)
{
	if (!sigvalid(sig))
		return -1;
	*set &= ~(1UL << (sig - 1));
	return 0;
}
int sigismember(const sigset_t *set, int sig)
{
	if (!sigvalid(sig))
		return -1;
	return (*set >> (sig - 1)) & 1;
}

/* Time. */
int clock_gettime(clockid_t clk, struct timespec *ts) { return (int)sysret(sys2(SYS_clock_gettime, clk, ts)); }
int clock_getres(clockid_t clk, struct timespec *ts) { return (int)sysret(sys2(SYS_clock_getres, clk, ts)); }
int nanosleep(const struct timespec *req, struct timespec *rem)
{
	return (int)sysret(sys2(SYS_nanosleep, req, rem));
}
int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;
	(void)tz;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return -1;
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}
time_t time(time_t *t)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return (time_t)-1;
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}
clock_t clock(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return (clock_t)-1;
	return ts.tv_sec * CLOCKS_PER_SEC + ts.tv_nsec / (1000000000 / CLOCKS_PER_SEC);
}

unsigned int sleep(unsigned int seconds)
{
	struct timespec req = {seconds, 0}, rem = {0, 0};
	if (nanosleep(&req, &rem) < 0)
		return (unsigned int)rem.tv_sec + (rem.tv_nsec > 0);
	return 0;
}

int usleep(unsigned long usec)
{
	struct timespec req = {(time_t)(usec / 1000000), (long)(usec % 1000000) * 1000};
	return nanosleep(&req, NULL);
}

/* Memory. */
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	long r = sys6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off);
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return MAP_FAILED;
	}
	return (void *)r;
}
int munmap(void *addr, size_t len) { return (int)sysret(sys2(SYS_munmap, addr, len)); }
int mprotect(void *addr, size_t len, int prot) { return (int)sysret(sys3(SYS_mprotect, (long)addr, (long)len, prot)); }
int getpagesize(void) { return (int)__auxv_pagesz; }

/* brk(2) returns the new break, or the unchanged old one when it cannot move it. */
static char *cur_brk;
int brk(void *addr)
{
	char *r = (char *)sys1(SYS_brk, addr);
	if (r != addr) {
		if ((unsigned long)r < 4096 || (long)r < 0)
			r = cur_brk;
		cur_brk = r;
		errno = ENOMEM;
		return -1;
	}
	cur_brk = r;
	return 0;
}

void *sbrk(long increment)
{
	char *old;
	if (!cur_brk) {
		long r = sys1(SYS_brk, 0);
		if (r <= 0) {
			errno = ENOMEM;
			return (void *)-1;
		}
		cur_brk = (char *)r;
	}
	old = cur_brk;
	if (increment == 0)
		return old;
	if (brk(old + increment) < 0)
		return (void *)-1;
	return old;
}
