/* System-call wrappers for files, descriptors and directories. */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>
#include <poll.h>
#include <sys/select.h>
#include "sys.h"

ssize_t read(int fd, void *buf, size_t n) { return sysret(sys3(SYS_read, fd, (long)buf, (long)n)); }
ssize_t write(int fd, const void *buf, size_t n)
{
	return sysret(sys3(SYS_write, fd, (long)buf, (long)n));
}
ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	return sysret(sys4(SYS_pread64, fd, buf, n, off));
}
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return sysret(sys4(SYS_pwrite64, fd, buf, n, off));
}
ssize_t readv(int fd, const struct iovec *iov, int n) { return sysret(sys3(SYS_readv, fd, (long)iov, n)); }
ssize_t writev(int fd, const struct iovec *iov, int n) { return sysret(sys3(SYS_writev, fd, (long)iov, n)); }
int close(int fd) { return (int)sysret(sys1(SYS_close, fd)); }
off_t lseek(int fd, off_t off, int whence) { return sysret(sys3(SYS_lseek, fd, off, whence)); }
int dup(int fd) { return (int)sysret(sys1(SYS_dup, fd)); }
int dup2(int oldfd, int newfd) { return (int)sysret(sys2(SYS_dup2, oldfd, newfd)); }
int dup3(int oldfd, int newfd, int flags) { return (int)sysret(sys3(SYS_dup3, oldfd, newfd, flags)); }
int pipe(int fds[2]) { return (int)sysret(sys1(SYS_pipe, fds)); }
int pipe2(int fds[2], int flags) { return (int)sysret(sys2(SYS_pipe2, fds, flags)); }
int access(const char *path, int mode) { return (int)sysret(sys2(SYS_access, path, mode)); }
int unlink(const char *path) { return (int)sysret(sys1(SYS_unlink, path)); }
int rmdir(const char *path) { return (int)sysret(sys1(SYS_rmdir, path)); }
int link(const char *a, const char *b) { return (int)sysret(sys2(SYS_link, a, b)); }
int rename(const char *a, const char *b) { return (int)sysret(sys2(SYS_rename, a, b)); }
ssize_t readlink(const char *restrict path, char *restrict buf, size_t n)
{
	return sysret(sys3(SYS_readlink, (long)path, (long)buf, (long)n));
}
int chdir(const char *path) { return (int)sysret(sys1(SYS_chdir, path)); }
int fchdir(int fd) { return (int)sysret(sys1(SYS_fchdir, fd)); }
int truncate(const char *path, off_t len) { return (int)sysret(sys2(SYS_truncate, path, len)); }
int ftruncate(int fd, off_t len) { return (int)sysret(sys2(SYS_ftruncate, fd, len)); }
int fsync(int fd) { return (int)sysret(sys1(SYS_fsync, fd)); }
int mkdir(const char *path, mode_t mode) { return (int)sysret(sys2(SYS_mkdir, path, mode)); }
int chmod(const char *path, mode_t mode) { return (int)sysret(sys2(SYS_chmod, path, mode)); }
mode_t umask(mode_t mask) { return (mode_t)sys1(SYS_umask, mask); }
int stat(const char *restrict path, struct stat *restrict st) { return (int)sysret(sys2(SYS_stat, path, st)); }
int lstat(const char *restrict path, struct stat *restrict st) { return (int)sysret(sys2(SYS_lstat, path, st)); }
int fstat(int fd, struct stat *st) { return (int)sysret(sys2(SYS_fstat, fd, st)); }
int fstatat(int dirfd, const char *restrict path, struct stat *restrict st, int flags)
{
	return (int)sysret(sys4(SYS_newfstatat, dirfd, path, st, flags));
}

char *getcwd(char *buf, size_t size)
{
	/* The syscall returns the length including the NUL; the libc function returns buf. */
	long r = sysret(sys2(SYS_getcwd, buf, size));
	return r < 0 ? NULL : buf;
}

/* The mode argument is read only when O_CREAT asks for it (C11 7.16: reading an absent
 * variadic argument is undefined). */
int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return (int)sysret(sys3(SYS_open, (long)path, flags, mode));
}

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return (int)sysret(sys4(SYS_openat, dirfd, path, flags, mode));
}

int creat(const char *path, mode_t mode) { return open(path, O_CREAT | O_WRONLY | O_TRUNC, mode); }

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;
	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return (int)sysret(sys3(SYS_fcntl, fd, cmd, arg));
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	return (int)sysret(sys3(SYS_ioctl, fd, (long)req, (long)arg));
}

int tcgetattr(int fd, struct termios *t) { return ioctl(fd, TCGETS, t); }
int tcsetattr(int fd, int act, const struct termios *t)
{
	unsigned long req = act == TCSANOW ? TCSETS : act == TCSADRAIN ? TCSETSW : TCSETSF;
	return ioctl(fd, req, t);
}

int isatty(int fd)
{
	struct termios t;
	return tcgetattr(fd, &t) == 0;
}

pid_t tcgetpgrp(int fd)
{
	pid_t pg;
	return ioctl(fd, TIOCGPGRP, &pg) < 0 ? -1 : pg;
}
int tcsetpgrp(int fd, pid_t pgrp) { return ioctl(fd, TIOCSPGRP, &pgrp); }

int poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	return (int)sysret(sys3(SYS_poll, (long)fds, (long)n, timeout_ms));
}

int select(int n, fd_set *restrict r, fd_set *restrict w, fd_set *restrict e,
	   struct timeval *restrict timeout)
{
	return (int)sysret(sys5(SYS_select, n, r, w, e, timeout));
}
