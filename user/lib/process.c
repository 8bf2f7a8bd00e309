/* system() and popen()/pclose() over fork, /bin/sh -c and pipes (POSIX XSH). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sys.h"

int system(const char *command)
{
	pid_t pid;
	int st;
	if (!command)
		return access("/bin/sh", X_OK) == 0;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char *argv[] = {"sh", "-c", (char *)command, NULL};
		execve("/bin/sh", argv, environ);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

/* popen streams remember their child; a handful at once is plenty. */
#define POPEN_MAX 16
static struct {
	FILE *f;
	pid_t pid;
} popened[POPEN_MAX];

FILE *popen(const char *command, const char *mode)
{
	int fds[2], reading = mode[0] == 'r', slot;
	pid_t pid;
	FILE *f;
	if ((mode[0] != 'r' && mode[0] != 'w') || mode[1]) {
		errno = EINVAL;
		return NULL;
	}
	for (slot = 0; slot < POPEN_MAX && popened[slot].f; slot++)
		;
	if (slot == POPEN_MAX) {
		errno = EMFILE;
		return NULL;
	}
	if (pipe2(fds, O_CLOEXEC) < 0)
		return NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return NULL;
	}
	if (pid == 0) {
		char *argv[] = {"sh", "-c", (char *)command, NULL};
		dup2(fds[reading ? 1 : 0], reading ? 1 : 0);
		execve("/bin/sh", argv, environ);
		_exit(127);
	}
	close(fds[reading ? 1 : 0]);
	f = fdopen(fds[reading ? 0 : 1], mode);
	if (!f) {
		close(fds[reading ? 0 : 1]);
		waitpid(pid, NULL, 0);
		return NULL;
	}
	popened[slot].f = f;
	popened[slot].pid = pid;
	return f;
}

int pclose(FILE *f)
{
	int st;
	for (int i = 0; i < POPEN_MAX; i++)
		if (popened[i].f == f) {
			pid_t pid = popened[i].pid;
			popened[i].f = NULL;
			fclose(f);
			while (waitpid(pid, &st, 0) < 0)
				if (errno != EINTR)
					return -1;
			return st;
		}
	errno = EINVAL;
	return -1;
}

unsigned int alarm(unsigned int seconds) { return (unsigned int)sys1(SYS_alarm, seconds); }
