/* close, dup, dup2, dup3, pipe, pipe2. */
#include <stos/errno.h>
#include <stos/fcntl.h>
#include "fs/pipe.h"
#include "sys_util.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

FS_SYSCALL(close)
{
	if (a0 < 0 || a0 >= FDTABLE_MAX)
		return -EBADF;
	return fdtable_close(cur_fdt(), (int)a0);
}

FS_SYSCALL(dup)
{
	struct file *f = fget(a0);
	int r;
	if (!f)
		return -EBADF;
	r = fdtable_install(cur_fdt(), f, 0, 0);
	if (r < 0)
		file_put(f);
	return r;
}

static long dup_to(long oldfd, long newfd, int fdflags)
{
	struct file *f = fget(oldfd);
	if (!f)
		return -EBADF;
	if (newfd < 0 || newfd >= FDTABLE_MAX) {
		file_put(f);
		return -EBADF;
	}
	return fdtable_install_at(cur_fdt(), (int)newfd, f, fdflags);
}

FS_SYSCALL(dup2)
{
	if (a0 == a1) {
		/* POSIX: dup2(fd, fd) returns fd if it is valid, changing nothing. */
		struct file *f = fget(a0);
		if (!f)
			return -EBADF;
		file_put(f);
		return a1;
	}
	return dup_to(a0, a1, 0);
}

FS_SYSCALL(dup3)
{
	if (a2 & ~(long)O_CLOEXEC)
		return -EINVAL;
	if (a0 == a1)
		return -EINVAL;
	return dup_to(a0, a1, (a2 & O_CLOEXEC) ? FD_CLOEXEC : 0);
}

FS_SYSCALL(pipe2)
{
	struct fdtable *t = cur_fdt();
	struct file *ends[2];
	int fds[2], r, fdflags = (a1 & O_CLOEXEC) ? FD_CLOEXEC : 0;

	if (a1 & ~(long)(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	r = pipe_create(ends, (int)a1);
	if (r < 0)
		return r;
	fds[0] = fdtable_install(t, ends[0], 0, fdflags);
	if (fds[0] < 0) {
		file_put(ends[0]);
		file_put(ends[1]);
		return fds[0];
	}
	fds[1] = fdtable_install(t, ends[1], 0, fdflags);
	if (fds[1] < 0) {
		fdtable_close(t, fds[0]);
		file_put(ends[1]);
		return fds[1];
	}
	if (copyout((void *)a0, fds, sizeof(fds)) < 0) {
		fdtable_close(t, fds[0]);
		fdtable_close(t, fds[1]);
		return -EFAULT;
	}
	return 0;
}

FS_SYSCALL(pipe) { return sys_pipe2(a0, 0, 0, 0, 0, 0); }
