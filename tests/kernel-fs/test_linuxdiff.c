/* Differential test: the same sequence of path operations on Linux (this host, in a fresh
 * directory, through raw system calls) and on the ramfs; every result must agree: both
 * succeed, or both fail with the same errno.  This is how "Linux errno semantics" is
 * checked rather than assumed.  Runs as root here, which is what STOS's only user is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "fake_ctl.h"
#include "fs/fs_syscalls.h"
#include <stos/errno.h>
#include <stos/fcntl.h>
#include <stos/poll.h>
#include <stos/stat.h>
#include <stos/syscall.h>

static long linux_sys(long n, long a, long b, long c, long d)
{
	long r;
	register long r10 __asm__("r10") = d;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return r;
}

enum op { MKDIR, RMDIR, UNLINK, OPEN, RENAME, LINK, STAT, TRUNC, ACCESS, CHDIR };
struct step {
	enum op op;
	const char *a, *b;
	long arg;
};

#define C (O_CREAT | O_WRONLY)
static const struct step steps[] = {
	{ MKDIR, "w", 0, 0755 },
	{ MKDIR, "w", 0, 0755 },
	{ MKDIR, "w/", 0, 0755 },
	{ MKDIR, "w/a", 0, 0755 },
	{ MKDIR, "w/a/b", 0, 0755 },
	{ MKDIR, "w/x/y", 0, 0755 },
	{ MKDIR, "w/a/.", 0, 0755 },
	{ MKDIR, "w/a/..", 0, 0755 },
	{ MKDIR, "", 0, 0755 },
	{ OPEN, "w/f", 0, C | O_EXCL },
	{ OPEN, "w/f", 0, C | O_EXCL },
	{ OPEN, "w/f", 0, C },
	{ OPEN, "w/f/", 0, C },
	{ OPEN, "w/f/", 0, O_RDONLY },
	{ OPEN, "w/f/x", 0, O_RDONLY },
	{ OPEN, "w/f/x", 0, C },
	{ OPEN, "w/a", 0, O_WRONLY },
	{ OPEN, "w/a", 0, O_RDWR },
	{ OPEN, "w/a", 0, O_RDONLY },
	{ OPEN, "w/a", 0, O_RDONLY | O_DIRECTORY },
	{ OPEN, "w/f", 0, O_RDONLY | O_DIRECTORY },
	{ OPEN, "w/a", 0, C },
	{ OPEN, "w/a/", 0, C },
	{ OPEN, "w/nope", 0, O_RDONLY },
	{ OPEN, "w/nope/", 0, C },
	{ OPEN, "w/.", 0, C },
	{ OPEN, "w/..", 0, O_RDONLY },
	{ OPEN, "w/g", 0, O_RDWR | O_CREAT | O_TRUNC },
	{ OPEN, "w/f", 0, O_ACCMODE },
	{ UNLINK, "w/a", 0, 0 },
	{ UNLINK, "w/f/", 0, 0 },
	{ UNLINK, "w/nope", 0, 0 },
	{ UNLINK, "w/.", 0, 0 },
	{ UNLINK, "w/a/..", 0, 0 },
	{ RMDIR, "w/f", 0, 0 },
	{ RMDIR, "w/a/.", 0, 0 },
	{ RMDIR, "w/a/..", 0, 0 },
	{ RMDIR, "w", 0, 0 },
	{ RMDIR, "w/nope", 0, 0 },
	{ RMDIR, "w/f/x", 0, 0 },
	{ STAT, "w/f", 0, 0 },
	{ STAT, "w/f/", 0, 0 },
	{ STAT, "w/a/", 0, 0 },
	{ STAT, "w//a///b/../../f", 0, 0 },
	{ STAT, "w/a/b/../../../w/f", 0, 0 },
	{ STAT, "w/f/..", 0, 0 },
	{ ACCESS, "w/f", 0, F_OK },
	{ ACCESS, "w/f", 0, X_OK },
	{ ACCESS, "w/a", 0, X_OK },
	{ ACCESS, "w/f", 0, 64 },
	{ ACCESS, "w/nope", 0, R_OK },
	{ TRUNC, "w/a", 0, 0 },
	{ TRUNC, "w/f", 0, 5 },
	{ TRUNC, "w/f", 0, -1 },
	{ TRUNC, "w/nope", 0, 0 },
	{ LINK, "w/a", "w/a2", 0 },
	{ LINK, "w/f", "w/g", 0 },
	{ LINK, "w/f", "w/f2", 0 },
	{ LINK, "w/nope", "w/n2", 0 },
	{ LINK, "w/f", "w/nodir/f", 0 },
	{ LINK, "w/f", "w/f3/", 0 },
	{ RENAME, "w/f", "w/a", 0 },
	{ RENAME, "w/a", "w/f", 0 },
	{ RENAME, "w/a", "w/a/b/c", 0 },
	{ RENAME, "w/a", "w/a", 0 },
	{ RENAME, "w/f", "w/f2", 0 },
	{ RENAME, "w/nope", "w/x", 0 },
	{ RENAME, "w/f/", "w/x", 0 },
	{ RENAME, "w/.", "w/x", 0 },
	{ RENAME, "w/f", "w/.", 0 },
	{ RENAME, "w/f", "w/nodir/x", 0 },
	{ MKDIR, "w/e", 0, 0755 },
	{ RENAME, "w/e", "w/a", 0 },
	{ RENAME, "w/a", "w/e", 0 },
	{ RENAME, "w/e", "w/a/b", 0 },
	{ RENAME, "w/f", "w/f", 0 },
	{ RENAME, "w/g", "w/f", 0 },
	{ STAT, "w/g", 0, 0 },
	{ CHDIR, "w/f", 0, 0 },
	{ CHDIR, "w/nope", 0, 0 },
	{ CHDIR, "w/a/", 0, 0 },
	{ CHDIR, "..", 0, 0 },
	{ CHDIR, "..", 0, 0 },
	{ OPEN, "w/a", 0, O_RDONLY | O_TRUNC },
	{ OPEN, "", 0, O_RDONLY },
	{ OPEN, "w/f", 0, O_ACCMODE },
	{ OPEN, "w//f", 0, O_RDONLY | O_CREAT | O_EXCL },
	{ MKDIR, "w/m", 0, 0755 },
	{ RENAME, "w/m/", "w/n/", 0 },
	{ RENAME, "w/n", "w/m/", 0 },
	{ RENAME, "w/f", "w/q/", 0 },
	{ RENAME, "w/m", "w/a/b/..", 0 },
	{ RENAME, "w/m", "w/a/b/../m2", 0 },
	{ STAT, "w/a/m2", 0, 0 },
	{ UNLINK, "w/a/m2/", 0, 0 },
	{ RMDIR, "w/a/m2/", 0, 0 },
	{ LINK, "w/f", "w/.", 0 },
	{ LINK, "w/f", "w/a/b/..", 0 },
	{ MKDIR, "w/a/b/../../a/c", 0, 0755 },
	{ RMDIR, "w/a/c/", 0, 0 },
	{ RMDIR, "w/a/b", 0, 0 },
	{ RMDIR, "w/a/b", 0, 0 },
	{ UNLINK, "w/f", 0, 0 },
	{ UNLINK, "w/f2", 0, 0 },
};

static long run_linux(const struct step *s)
{
	struct stat st;
	long r;
	switch (s->op) {
	case MKDIR: return linux_sys(SYS_mkdir, (long)s->a, s->arg, 0, 0);
	case RMDIR: return linux_sys(SYS_rmdir, (long)s->a, 0, 0, 0);
	case UNLINK: return linux_sys(SYS_unlink, (long)s->a, 0, 0, 0);
	case OPEN:
		r = linux_sys(SYS_open, (long)s->a, s->arg, 0644, 0);
		if (r >= 0)
			linux_sys(SYS_close, r, 0, 0, 0);
		return r < 0 ? r : 0;
	case RENAME: return linux_sys(SYS_rename, (long)s->a, (long)s->b, 0, 0);
	case LINK: return linux_sys(SYS_link, (long)s->a, (long)s->b, 0, 0);
	case STAT:
		r = linux_sys(SYS_stat, (long)s->a, (long)&st, 0, 0);
		return r < 0 ? r : (long)(st.st_mode & S_IFMT);
	case TRUNC: return linux_sys(SYS_truncate, (long)s->a, s->arg, 0, 0);
	case ACCESS: return linux_sys(SYS_access, (long)s->a, s->arg, 0, 0);
	case CHDIR: return linux_sys(SYS_chdir, (long)s->a, 0, 0, 0);
	}
	return -1;
}

static long run_stos(const struct step *s)
{
	struct stat st;
	long r;
	switch (s->op) {
	case MKDIR: return SYS2(mkdir, s->a, s->arg);
	case RMDIR: return SYS2(rmdir, s->a, 0);
	case UNLINK: return SYS2(unlink, s->a, 0);
	case OPEN:
		r = SYS3(open, s->a, s->arg, 0644);
		if (r >= 0)
			SYS2(close, r, 0);
		return r < 0 ? r : 0;
	case RENAME: return SYS2(rename, s->a, s->b);
	case LINK: return SYS2(link, s->a, s->b);
	case STAT:
		r = SYS2(stat, s->a, &st);
		return r < 0 ? r : (long)(st.st_mode & S_IFMT);
	case TRUNC: return SYS2(truncate, s->a, s->arg);
	case ACCESS: return SYS2(access, s->a, s->arg);
	case CHDIR: return SYS2(chdir, s->a, 0);
	}
	return -1;
}

static void test_same_results_as_linux(void **state)
{
	(void)state;
	char dir[64], cmd[128], oldcwd[512];
	int mismatches = 0;
	if (linux_sys(SYS_getcwd, (long)oldcwd, sizeof(oldcwd), 0, 0) < 0)
		strcpy(oldcwd, "/");
	snprintf(dir, sizeof(dir), "/tmp/kfs-diff-%ld", linux_sys(SYS_getpid, 0, 0, 0, 0));
	assert_int_equal(linux_sys(SYS_mkdir, (long)dir, 0700, 0, 0), 0);
	assert_int_equal(linux_sys(SYS_chdir, (long)dir, 0, 0, 0), 0);
	kfs_setup(NULL, 0);
	assert_int_equal(SYS2(chdir, "/tmp", 0), 0);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		long l = run_linux(&steps[i]), s = run_stos(&steps[i]);
		if (l != s) {
			printf("# step %zu op %d \"%s\" \"%s\" %ld: linux %ld, stos %ld\n", i,
			       steps[i].op, steps[i].a, steps[i].b ? steps[i].b : "", steps[i].arg,
			       l, s);
			mismatches++;
		}
	}
	linux_sys(SYS_chdir, (long)oldcwd, 0, 0, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	SYS2(chdir, "/", 0);
	kfs_teardown();
	assert_int_equal(mismatches, 0);
}

/* Descriptor-level operations on pipes and files.  Descriptor numbers differ between
 * the two systems, so operations name slots; a slot holds the fd each side got. */
enum fop { F_PIPE2, F_OPEN, F_READ, F_WRITE, F_FCNTL, F_LSEEK, F_DUP, F_DUP3, F_CLOSE,
	   F_FSTAT, F_FTRUNC, F_GETDENTS, F_POLL };
struct fstep {
	enum fop op;
	int slot, slot2;
	long arg, arg2;
	const char *s;
};

static const struct fstep fsteps[] = {
	{ F_PIPE2, 6, 7, 0, 0, 0 },
	{ F_POLL, 6, 7, POLLIN | POLLOUT, POLLIN | POLLOUT, 0 },
	{ F_WRITE, 7, 0, 3, 0, "abc" },
	{ F_POLL, 6, 7, POLLIN | POLLOUT | POLLPRI, POLLIN | POLLOUT, 0 },
	{ F_POLL, 6, 7, 0, 0, 0 },
	{ F_CLOSE, 7, 0, 0, 0, 0 },
	{ F_POLL, 6, 7, POLLIN, POLLOUT, 0 },
	{ F_READ, 6, 0, 10, 0, 0 },
	{ F_POLL, 6, 6, POLLIN, POLLRDNORM, 0 },
	{ F_PIPE2, 7, 5, 0, 0, 0 },
	{ F_CLOSE, 7, 0, 0, 0, 0 },
	{ F_POLL, 5, 5, POLLOUT, POLLWRNORM, 0 },
	{ F_CLOSE, 5, 0, 0, 0, 0 },
	{ F_CLOSE, 6, 0, 0, 0, 0 },
	{ F_PIPE2, 0, 1, O_NONBLOCK, 0, 0 },
	{ F_READ, 0, 0, 10, 0, 0 },
	{ F_WRITE, 1, 0, 5, 0, "hello" },
	{ F_WRITE, 0, 0, 1, 0, "x" },
	{ F_READ, 1, 0, 1, 0, 0 },
	{ F_READ, 0, 0, 3, 0, 0 },
	{ F_READ, 0, 0, 0, 0, 0 },
	{ F_WRITE, 1, 0, 0, 0, "" },
	{ F_LSEEK, 0, 0, 0, SEEK_SET, 0 },
	{ F_FCNTL, 0, 0, F_GETFL, 0, 0 },
	{ F_FCNTL, 1, 0, F_GETFL, 0, 0 },
	{ F_FCNTL, 0, 0, F_SETFL, O_RDWR | O_APPEND, 0 },
	{ F_FCNTL, 0, 0, F_GETFL, 0, 0 },
	{ F_FCNTL, 0, 0, F_SETFL, O_NONBLOCK, 0 },
	{ F_FCNTL, 0, 0, F_GETFD, 0, 0 },
	{ F_FCNTL, 0, 0, F_SETFD, 3, 0 },
	{ F_FCNTL, 0, 0, F_GETFD, 0, 0 },
	{ F_FCNTL, 0, 0, 12345, 0, 0 },
	{ F_FTRUNC, 1, 0, 0, 0, 0 },
	{ F_FSTAT, 0, 0, 0, 0, 0 },
	{ F_DUP, 0, 2, 0, 0, 0 },
	{ F_FCNTL, 2, 0, F_GETFD, 0, 0 },
	{ F_DUP3, 0, 2, O_CLOEXEC, 0, 0 },
	{ F_DUP3, 0, 2, O_NONBLOCK, 0, 0 },
	{ F_DUP3, 2, 2, 0, 0, 0 },
	{ F_FCNTL, 2, 0, F_GETFD, 0, 0 },
	{ F_READ, 2, 0, 10, 0, 0 },
	{ F_CLOSE, 0, 0, 0, 0, 0 },
	{ F_CLOSE, 2, 0, 0, 0, 0 },
	{ F_WRITE, 1, 0, 3, 0, "abc" },
	{ F_CLOSE, 1, 0, 0, 0, 0 },
	{ F_CLOSE, 1, 0, 0, 0, 0 },
	{ F_PIPE2, 0, 1, O_NONBLOCK, 0, 0 },
	{ F_CLOSE, 1, 0, 0, 0, 0 },
	{ F_READ, 0, 0, 10, 0, 0 },
	{ F_PIPE2, 3, 4, 0x40, 0, 0 },
	{ F_OPEN, 3, 0, O_CREAT | O_RDWR, 0, "v" },
	{ F_WRITE, 3, 0, 6, 0, "abcdef" },
	{ F_LSEEK, 3, 0, -2, SEEK_CUR, 0 },
	{ F_READ, 3, 0, 10, 0, 0 },
	{ F_LSEEK, 3, 0, 100, SEEK_END, 0 },
	{ F_WRITE, 3, 0, 1, 0, "z" },
	{ F_LSEEK, 3, 0, 0, SEEK_END, 0 },
	{ F_LSEEK, 3, 0, -200, SEEK_END, 0 },
	{ F_LSEEK, 3, 0, 0, 7, 0 },
	{ F_FTRUNC, 3, 0, 2, 0, 0 },
	{ F_FTRUNC, 3, 0, -2, 0, 0 },
	{ F_FSTAT, 3, 0, 0, 0, 0 },
	{ F_FCNTL, 3, 0, F_GETFL, 0, 0 },
	{ F_FCNTL, 3, 0, F_SETFL, O_APPEND, 0 },
	{ F_FCNTL, 3, 0, F_GETFL, 0, 0 },
	{ F_FCNTL, 3, 0, F_SETFL, O_NONBLOCK | O_RDONLY, 0 },
	{ F_FCNTL, 3, 0, F_GETFL, 0, 0 },
	{ F_FCNTL, 3, 0, F_SETFL, O_APPEND, 0 },
	{ F_WRITE, 3, 0, 2, 0, "yy" },
	{ F_FSTAT, 3, 0, 0, 0, 0 },
	{ F_GETDENTS, 3, 0, 0, 0, 0 },
	{ F_OPEN, 4, 0, O_RDONLY, 0, "." },
	{ F_READ, 4, 0, 10, 0, 0 },
	{ F_WRITE, 4, 0, 1, 0, "q" },
	{ F_LSEEK, 4, 0, 0, SEEK_SET, 0 },
	{ F_FTRUNC, 4, 0, 0, 0, 0 },
	{ F_OPEN, 5, 0, O_RDONLY, 0, "v" },
	{ F_WRITE, 5, 0, 1, 0, "q" },
	{ F_FTRUNC, 5, 0, 0, 0, 0 },
	{ F_CLOSE, 3, 0, 0, 0, 0 },
	{ F_CLOSE, 4, 0, 0, 0, 0 },
	{ F_CLOSE, 5, 0, 0, 0, 0 },
};

/* Run one step on one side; sys selects Linux (1) or STOS (0).  fds: that side's slots.
 * The result is normalized so both sides compare: fds become 0, reads append their data
 * into out. */
static long frun(const struct fstep *s, int sys, int *fds, char *out, size_t *outlen)
{
	char b[64];
	struct stat st;
	int pfd[2];
	long r = 0;
	int fd = fds[s->slot];
#define K(n, a, b_, c, d) (sys ? linux_sys(SYS_##n, (long)(a), (long)(b_), (long)(c), (long)(d)) \
			       : sys_##n((long)(a), (long)(b_), (long)(c), (long)(d), 0, 0))
	switch (s->op) {
	case F_PIPE2:
		r = K(pipe2, pfd, s->arg, 0, 0);
		if (r == 0) {
			fds[s->slot] = pfd[0];
			fds[s->slot2] = pfd[1];
		}
		break;
	case F_OPEN:
		r = K(open, s->s, s->arg, 0644, 0);
		if (r >= 0) {
			fds[s->slot] = (int)r;
			r = 0;
		}
		break;
	case F_READ:
		r = K(read, fd, b, s->arg, 0);
		if (r > 0 && *outlen + (size_t)r < 512) {
			memcpy(out + *outlen, b, (size_t)r);
			*outlen += (size_t)r;
		}
		break;
	case F_WRITE: r = K(write, fd, s->s, s->arg, 0); break;
	case F_FCNTL:
		r = K(fcntl, fd, s->arg, s->arg2, 0);
		break;
	case F_LSEEK: r = K(lseek, fd, s->arg, s->arg2, 0); break;
	case F_DUP:
		r = K(dup, fd, 0, 0, 0);
		if (r >= 0) {
			fds[s->slot2] = (int)r;
			r = 0;
		}
		break;
	case F_DUP3:
		r = K(dup3, fd, fds[s->slot2], s->arg, 0);
		if (r >= 0)
			r = 0;
		break;
	case F_CLOSE: r = K(close, fd, 0, 0, 0); break;
	case F_FSTAT:
		r = K(fstat, fd, &st, 0, 0);
		if (r == 0)
			r = (long)(st.st_mode & S_IFMT) + (S_ISREG(st.st_mode) ? st.st_size : 0);
		break;
	case F_FTRUNC: r = K(ftruncate, fd, s->arg, 0, 0); break;
	case F_GETDENTS: r = K(getdents64, fd, b, sizeof(b), 0); break;
	case F_POLL: {
		/* two entries, revents packed into the result; timeout 0 */
		struct pollfd p[2] = { { fd, (short)s->arg, 0 }, { fds[s->slot2], (short)s->arg2, 0 } };
		r = K(poll, p, 2, 0, 0);
		if (r >= 0)
			r = r << 32 | (long)(unsigned short)p[0].revents << 16 |
			    (unsigned short)p[1].revents;
		break;
	}
	}
#undef K
	return r;
}

static void test_descriptors_as_linux(void **state)
{
	(void)state;
	int lfd[8], sfd[8];
	char lout[512], sout[512], dir[64], cmd[128], oldcwd[512];
	size_t llen = 0, slen = 0;
	int mismatches = 0;
	/* Linux raises SIGPIPE for a write with no reader: ignore it here, as STOS's side
	 * only records it (kill_proc in the fake). */
	struct { unsigned long handler, flags, restorer, mask; } ign = { 1, 0, 0, 0 };
	assert_int_equal(linux_sys(SYS_rt_sigaction, 13, (long)&ign, 0, 8), 0);
	for (int i = 0; i < 8; i++)
		lfd[i] = sfd[i] = 1000 + i; /* never open */
	if (linux_sys(SYS_getcwd, (long)oldcwd, sizeof(oldcwd), 0, 0) < 0)
		strcpy(oldcwd, "/");
	snprintf(dir, sizeof(dir), "/tmp/kfs-fdiff-%ld", linux_sys(SYS_getpid, 0, 0, 0, 0));
	assert_int_equal(linux_sys(SYS_mkdir, (long)dir, 0700, 0, 0), 0);
	assert_int_equal(linux_sys(SYS_chdir, (long)dir, 0, 0, 0), 0);
	kfs_setup(NULL, 0);
	assert_int_equal(SYS2(chdir, "/tmp", 0), 0);
	for (size_t i = 0; i < sizeof(fsteps) / sizeof(fsteps[0]); i++) {
		long l = frun(&fsteps[i], 1, lfd, lout, &llen);
		long s = frun(&fsteps[i], 0, sfd, sout, &slen);
		if (l != s || llen != slen || memcmp(lout, sout, llen) != 0) {
			printf("# fstep %zu op %d: linux %ld, stos %ld\n", i, fsteps[i].op, l, s);
			mismatches++;
			llen = slen = 0;
		}
	}
	for (int i = 0; i < 8; i++)
		if (lfd[i] < 1000)
			linux_sys(SYS_close, lfd[i], 0, 0, 0);
	linux_sys(SYS_chdir, (long)oldcwd, 0, 0, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	SYS2(chdir, "/", 0);
	kfs_teardown();
	assert_int_equal(mismatches, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_results_as_linux),
		cmocka_unit_test(test_descriptors_as_linux),
	};
	return cmocka_run_group_tests_name("linuxdiff", tests, NULL, NULL);
}
