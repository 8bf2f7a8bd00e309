/* sysfuzz: every system call number 0-460 and a few beyond, each called in a fresh child
 * with every argument set to one junk value at a time (NULL, small, kernel addresses,
 * non-canonical, all ones, misaligned...).  The child then exits 0; the parent checks it
 * was either that or killed by a signal the junk can legitimately cause (SIGSEGV from a
 * call that changed its memory, SIGPIPE...).  Calls that would end the test itself are
 * skipped: exit, exit_group, rt_sigreturn (restores junk registers: a clean SIGSEGV, but
 * noisy), pause, and kill/reboot with values that could hit other processes or power off.
 * Prints "sysfuzz: N calls, K children killed by signals, U unexpected". */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static const long junk[] = {
	0, 1, 0x10, 0x1000, 0x400001, -1L, 0x7fffffffffffL, 0x800000000000L,
	(long)0xffff800000000000UL, (long)0xffffffff80100000UL, 0x7ffffffff000L, 0x7fffffffffffffffL,
};

static int skip(long nr, long v)
{
	switch (nr) {
	case SYS_exit: case SYS_exit_group: case SYS_rt_sigreturn: case SYS_pause:
	case SYS_vfork: case SYS_fork: case SYS_clone:
		return 1;
	case SYS_kill:
		return v <= 1 && v >= -1;       /* kill(0|1|-1, ...): the test, init, everyone */
	case SYS_nanosleep: case SYS_clock_nanosleep: case SYS_poll: case SYS_ppoll:
	case SYS_select: case SYS_pselect6: case SYS_wait4: case SYS_read: case SYS_readv:
	case SYS_pread64:
		return v == 0 || v == 1 || v == 0x10;   /* could block on stdin or sleep long */
	default:
		return 0;
	}
}

int main(void)
{
	long calls = 0, killed = 0, unexpected = 0;
	for (long nr = 0; nr < 470; nr++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("sysfuzz: fork");
			return 1;
		}
		if (pid == 0) {
			close(0);    /* nothing may wait for console input */
			for (unsigned i = 0; i < sizeof junk / sizeof junk[0]; i++) {
				long v = junk[i];
				if (skip(nr, v))
					continue;
				syscall(nr, v, v, v, v, v, v);
				/* A call may have succeeded in changing our own state; keep going only
				 * if we still can write. */
			}
			_exit(0);
		}
		int st = 0;
		if (waitpid(pid, &st, 0) != pid) {
			perror("sysfuzz: waitpid");
			return 1;
		}
		calls += sizeof junk / sizeof junk[0];
		if (WIFSIGNALED(st)) {
			int s = WTERMSIG(st);
			killed++;
			if (s != SIGSEGV && s != SIGPIPE && s != SIGBUS && s != SIGKILL && s != SIGTERM &&
			    s != SIGHUP && s != SIGINT && s != SIGUSR1 && s != SIGUSR2 && s != SIGALRM &&
			    s != SIGQUIT && s != SIGABRT && s != SIGILL && s != SIGTRAP && s != SIGFPE) {
				printf("sysfuzz: syscall %ld: child killed by unexpected signal %d\n", nr, s);
				unexpected++;
			}
		} else if (WEXITSTATUS(st) != 0) {
			printf("sysfuzz: syscall %ld: child exit status %d\n", nr, WEXITSTATUS(st));
			unexpected++;
		}
	}
	printf("sysfuzz: %ld calls, %ld children killed by signals, %ld unexpected\n", calls, killed,
	       unexpected);
	return unexpected ? 1 : 0;
}
