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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_results_as_linux),
	};
	return cmocka_run_group_tests_name("linuxdiff", tests, NULL, NULL);
}
