/* Random sequences of file system calls with a mix of good and hostile arguments (seeded,
 * so a failure replays): every call must return a value or a Linux errno, never crash or
 * corrupt memory (ASan/UBSan watch), and after closing everything nothing may leak. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "fake_ctl.h"
#include "fs/fdtable.h"
#include "fs/fs_syscalls.h"
#include "fs/tty.h"
#include "proc.h"
#include <stos/errno.h>
#include <stos/fcntl.h>
#include <stos/ioctl.h>
#include <stos/poll.h>
#include <stos/socket.h>
#include <stos/stat.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}
static long pick(const long *v, size_t n) { return v[next() % n]; }

static const char *paths[] = {
	"/tmp/a", "/tmp/b", "/tmp/d", "/tmp/d/x", "/tmp/d/e", "/tmp/d/e/f", "a", "d/x", "..",
	".", "/", "/dev/null", "/dev/zero", "/dev/console", "/proc", "/proc/7/stat", "/tmp/",
	"/tmp/a/", "//tmp//d/../a", "", "/nonexistent/x", "/tmp/d/./e/..",
};

static unsigned char buf[8192];

static long a_path(void)
{
	static const long bad[] = { 0, 0x10, -1L, (long)0xffff800000000000UL };
	if (next() % 10 == 0)
		return pick(bad, 4);
	return (long)paths[next() % (sizeof(paths) / sizeof(paths[0]))];
}

static long a_fd(void)
{
	static const long odd[] = { -1, -100, 255, 256, 1 << 20, AT_FDCWD };
	if (next() % 8 == 0)
		return pick(odd, 6);
	return (long)(next() % 12);
}

static long a_buf(void)
{
	static const long bad[] = { 0, 0x10, -1L, (long)0xffff800000000000UL, 0x100000000000L };
	if (next() % 10 == 0)
		return pick(bad, 5);
	return (long)(buf + next() % 64);
}

static long a_len(void)
{
	static const long odd[] = { 0, 1, -1L, 1L << 40, 0x7fffffffffffffffL };
	if (next() % 10 == 0)
		return pick(odd, 5);
	return (long)(next() % (sizeof(buf) - 64));
}

/* Lengths larger than buf are only safe with a pointer the fake refuses. */
static long safe_len(long p, long len)
{
	if (p >= (long)buf && p < (long)(buf + sizeof(buf)) && (len < 0 || len > 8000))
		return (long)(next() % 8000);
	return len;
}

static void test_random_calls(void **state)
{
	(void)state;
	kfs_setup(NULL, 0);
	fake_uaccess_bad_range((void *)0x100000000000L, 4096); /* "mapped" nowhere */
	fake_set_sleep_hook(NULL); /* every blocking call ends with EINTR */
	static const long oflags[] = { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT | O_RDWR,
				       O_CREAT | O_EXCL | O_WRONLY, O_TRUNC | O_WRONLY,
				       O_APPEND | O_WRONLY, O_DIRECTORY, O_NONBLOCK | O_RDWR,
				       O_CLOEXEC | O_RDONLY, 3, -1 };
	for (int i = 0; i < 30000; i++) {
		long r, p = a_buf();
		switch (next() % 24) {
		case 0: r = SYS3(open, a_path(), pick(oflags, 12), 0644); break;
		case 1: r = SYS3(close, a_fd(), 0, 0); break;
		case 2: r = SYS3(read, a_fd(), p, safe_len(p, a_len())); break;
		case 3: r = SYS3(write, a_fd(), p, safe_len(p, a_len())); break;
		case 4: r = SYS3(lseek, a_fd(), (long)(next() % 20000) - 100, next() % 4); break;
		case 5: r = SYS3(dup2, a_fd(), a_fd(), 0); break;
		case 6: r = SYS2(pipe2, p, next() % 2 ? O_NONBLOCK : 0); break;
		case 7: r = SYS3(mkdir, a_path(), 0755, 0); break;
		case 8: r = SYS3(unlink, a_path(), 0, 0); break;
		case 9: r = SYS3(rmdir, a_path(), 0, 0); break;
		case 10: r = SYS3(getdents64, a_fd(), p, safe_len(p, a_len())); break;
		case 11: r = SYS3(fstat, a_fd(), p, 0); break;
		case 12: r = SYS3(stat, a_path(), p, 0); break;
		case 13: r = SYS3(chdir, a_path(), 0, 0); break;
		case 14: r = SYS2(getcwd, p, safe_len(p, a_len())); break;
		case 15: r = SYS3(fcntl, a_fd(), next() % 6, next() % 300); break;
		case 16: r = SYS3(ioctl, a_fd(), pick((const long[]){ TCGETS, TCSETS, TIOCGPGRP,
				   TIOCSPGRP, TIOCGWINSZ, FIONREAD, FIONBIO, 0x1234 }, 8), p); break;
		case 17: {
			struct pollfd pf[3];
			for (int k = 0; k < 3; k++)
				pf[k] = (struct pollfd){ (int)a_fd(), (short)next(), 0 };
			r = SYS3(poll, next() % 8 ? (long)pf : p, next() % 4, (long)(next() % 3) - 1);
			break;
		}
		case 18: {
			struct iovec iov[3];
			for (int k = 0; k < 3; k++) {
				long q = a_buf();
				iov[k] = (struct iovec){ (void *)q, (size_t)safe_len(q, a_len()) / 3 };
			}
			r = next() % 2 ? SYS3(readv, a_fd(), iov, (long)(next() % 5) - 1)
				       : SYS3(writev, a_fd(), iov, (long)(next() % 5) - 1);
			break;
		}
		case 19: r = SYS2(rename, a_path(), a_path()); break;
		case 20: r = SYS2(ftruncate, a_fd(), (long)(next() % 10000) - 10); break;
		case 21: r = SYS4(pwrite64, a_fd(), p, safe_len(p, a_len()) % 5000, next() % 70000);
			break;
		case 22: tty_input_char((int)(next() % 130)); r = 0; break;
		default: r = SYS2(link, a_path(), a_path()); break;
		}
		/* a result or a Linux errno, nothing else */
		assert_true(r >= 0 || (r >= -133 && r != -ENOSYS));
		assert_int_equal(fake_locks_held, 0);
	}
	SYS3(chdir, "/", 0, 0);
	kfs_teardown();
}

int main(void)
{
	const char *seed = getenv("KFS_SEED"); /* replay or explore: KFS_SEED=n */
	if (seed && strtoull(seed, NULL, 0))
		rng = strtoull(seed, NULL, 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_calls),
	};
	return cmocka_run_group_tests_name("fuzz", tests, NULL, NULL);
}
