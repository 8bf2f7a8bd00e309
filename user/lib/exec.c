/* exec family on top of execve: PATH search (POSIX execvp) and the list forms. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int execv(const char *path, char *const argv[]) { return execve(path, argv, environ); }

int execvpe(const char *file, char *const argv[], char *const envp[])
{
	const char *path, *p;
	char buf[PATH_MAX];
	int saw_eacces = 0;
	size_t fl;

	if (!*file) {
		errno = ENOENT;
		return -1;
	}
	if (strchr(file, '/'))
		return execve(file, argv, envp);
	path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	fl = strlen(file);
	for (p = path;; p++) {
		const char *end = strchr(p, ':');
		size_t dl = end ? (size_t)(end - p) : strlen(p);
		/* An empty PATH element means the current directory. */
		if (dl + fl + 2 <= sizeof(buf)) {
			if (dl) {
				memcpy(buf, p, dl);
				buf[dl] = '/';
				memcpy(buf + dl + 1, file, fl + 1);
			} else {
				memcpy(buf, file, fl + 1);
			}
			execve(buf, argv, envp);
			if (errno == EACCES)
				saw_eacces = 1;
			else if (errno != ENOENT && errno != ENOTDIR)
				return -1;
		}
		if (!end)
			break;
		p = end;
	}
	errno = saw_eacces ? EACCES : ENOENT;
	return -1;
}

int execvp(const char *file, char *const argv[]) { return execvpe(file, argv, environ); }

#define EXECL_MAX 64
static int collect(const char *arg, va_list ap, char **argv)
{
	int n = 0;
	argv[n++] = (char *)arg;
	while (arg && n < EXECL_MAX) {
		arg = va_arg(ap, const char *);
		argv[n++] = (char *)arg;
	}
	if (arg) {
		errno = E2BIG;
		return -1;
	}
	return 0;
}

int execl(const char *path, const char *arg, ...)
{
	char *argv[EXECL_MAX + 1];
	va_list ap;
	int r;
	va_start(ap, arg);
	r = collect(arg, ap, argv);
	va_end(ap);
	return r < 0 ? -1 : execv(path, argv);
}

int execlp(const char *file, const char *arg, ...)
{
	char *argv[EXECL_MAX + 1];
	va_list ap;
	int r;
	va_start(ap, arg);
	r = collect(arg, ap, argv);
	va_end(ap);
	return r < 0 ? -1 : execvp(file, argv);
}
