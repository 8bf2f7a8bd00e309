/* init: PID 1.
 * 1. Make sure descriptors 0, 1 and 2 are open: if 0 is closed, open /dev/console on it and
 *    copy it to 1 and 2.
 * 2. Run /etc/rc through /bin/sh if it exists.
 * 3. Run /bin/sh.  When it exits: if the console is a terminal, start another; otherwise
 *    (input was a script) power the machine off.
 * Throughout, reap every child, including orphans reparented to us. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void setup_console(void)
{
	if (fcntl(0, F_GETFD) < 0) {
		int fd = open("/dev/console", O_RDWR);
		if (fd > 0) {
			dup2(fd, 0);
			close(fd);
		}
	}
	if (fcntl(1, F_GETFD) < 0)
		dup2(0, 1);
	if (fcntl(2, F_GETFD) < 0)
		dup2(0, 2);
}

static pid_t spawn(char *const argv[])
{
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execve(argv[0], argv, environ);
		fprintf(stderr, "init: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		fprintf(stderr, "init: fork: %s\n", strerror(errno));
	return pid;
}

/* Wait for `pid`, reaping any other child that exits meanwhile; returns its status. */
static int wait_for(pid_t pid)
{
	int st = 0;
	for (;;) {
		pid_t r = waitpid(-1, &st, 0);
		if (r == pid)
			return st;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(void)
{
	int console_tty;

	setup_console();
	/* PID 1 must not die of a stray Ctrl-C or kill. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	setenv("PATH", "/bin", 0);
	setenv("HOME", "/", 0);
	console_tty = isatty(0);

	if (access("/etc/rc", R_OK) == 0) {
		char *rc[] = {"/bin/sh", "/etc/rc", NULL};
		pid_t pid = spawn(rc);
		if (pid > 0)
			wait_for(pid);
	}
	for (;;) {
		char *sh[] = {"/bin/sh", NULL};
		long started = now_ms();
		pid_t pid = spawn(sh);
		if (pid > 0)
			wait_for(pid);
		if (!console_tty) {
			fflush(NULL);
			if (getpid() != 1) {
				fprintf(stderr, "init: not PID 1, not powering off\n");
				return 0;
			}
			reboot(RB_POWER_OFF);
			fprintf(stderr, "init: poweroff: %s\n", strerror(errno));
			for (;;)
				if (waitpid(-1, NULL, 0) < 0 && errno == ECHILD)
					pause();
		}
		/* A shell that dies at once (missing, crashing) must not spin the CPU. */
		if (now_ms() - started < 1000)
			sleep(1);
		fprintf(stderr, "init: shell exited; starting a new one\n");
	}
}
