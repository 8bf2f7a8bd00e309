/* The syscall boundary: every user pointer and length checked; hostile values give errors
 * (EFAULT, EBADF, EINVAL, ENAMETOOLONG, EMFILE), never a crash; readv/writev. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "fake_ctl.h"
#include "fs/fdtable.h"
#include "fs/fs_syscalls.h"
#include "proc.h"
#include <stos/errno.h>
#include <stos/fcntl.h>
#include <stos/socket.h>
#include <stos/stat.h>

/* The last bad pointer is "user space but unmapped": the fake makes it fault (setup). */
#define UNMAPPED 0x100000000000L

static int setup(void **state)
{
	(void)state;
	kfs_setup(NULL, 0);
	fake_uaccess_bad_range((void *)UNMAPPED, 4096);
	return 0;
}
static int teardown(void **state) { (void)state; kfs_teardown(); return 0; }

static const long bad_ptrs[] = { 0, 1, 0xfff, 0x10, -1L, (long)0xffff800000000000UL,
				 (long)0xffffffff80000000UL, 0x7ffffffffffffL, UNMAPPED };

static void test_bad_path_pointers(void **state)
{
	(void)state;
	struct stat st;
	for (size_t i = 0; i < sizeof(bad_ptrs) / sizeof(bad_ptrs[0]); i++) {
		long b = bad_ptrs[i];
		assert_int_equal(SYS3(open, b, O_RDONLY, 0), -EFAULT);
		assert_int_equal(SYS3(open, b, O_CREAT | O_RDWR, 0644), -EFAULT);
		assert_int_equal(SYS4(openat, AT_FDCWD, b, O_RDONLY, 0), -EFAULT);
		assert_int_equal(SYS3(stat, b, &st, 0), -EFAULT);
		assert_int_equal(SYS3(lstat, b, &st, 0), -EFAULT);
		assert_int_equal(SYS3(stat, "/tmp", b, 0), -EFAULT);
		assert_int_equal(SYS3(mkdir, b, 0755, 0), -EFAULT);
		assert_int_equal(SYS3(unlink, b, 0, 0), -EFAULT);
		assert_int_equal(SYS3(rmdir, b, 0, 0), -EFAULT);
		assert_int_equal(SYS3(chdir, b, 0, 0), -EFAULT);
		assert_int_equal(SYS3(access, b, 0, 0), -EFAULT);
		assert_int_equal(SYS3(creat, b, 0644, 0), -EFAULT);
		assert_int_equal(SYS3(unlinkat, AT_FDCWD, b, 0), -EFAULT);
		assert_int_equal(SYS3(mkdirat, AT_FDCWD, b, 0), -EFAULT);
		assert_int_equal(SYS4(newfstatat, AT_FDCWD, b, &st, 0), -EFAULT);
		assert_int_equal(SYS2(getcwd, b, 100), -EFAULT);
		assert_int_equal(SYS2(pipe, b, 0), -EFAULT);
	}
	/* a path that runs into unmapped memory before its NUL */
	char *m = malloc(64);
	memset(m, 'a', 64);
	fake_uaccess_bad_range(m + 64, 4096);
	assert_int_equal(SYS3(open, m, O_RDONLY, 0), -EFAULT);
	fake_uaccess_bad_range((void *)UNMAPPED, 4096);
	free(m);
	/* an unterminated path longer than PATH_MAX */
	m = malloc(10000);
	memset(m, 'a', 10000);
	assert_int_equal(SYS3(open, m, O_RDONLY, 0), -ENAMETOOLONG);
	free(m);
	assert_int_equal(fdtable_count(fake_proc.fdt), 0);
}

static void test_bad_descriptors(void **state)
{
	(void)state;
	static const long fds[] = { -1, -100, 3, 255, 256, 1 << 30, 0x7fffffffffffffffL,
				    (long)0x8000000000000000UL };
	char buf[16];
	struct stat st;
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		long fd = fds[i];
		assert_int_equal(SYS3(read, fd, buf, 1), -EBADF);
		assert_int_equal(SYS3(write, fd, buf, 1), -EBADF);
		assert_int_equal(SYS3(readv, fd, buf, 0), -EBADF);
		assert_int_equal(SYS3(writev, fd, buf, 0), -EBADF);
		assert_int_equal(SYS4(pread64, fd, buf, 1, 0), -EBADF);
		assert_int_equal(SYS3(close, fd, 0, 0), -EBADF);
		assert_int_equal(SYS3(lseek, fd, 0, 0), -EBADF);
		assert_int_equal(SYS3(dup, fd, 0, 0), -EBADF);
		assert_int_equal(SYS3(dup2, fd, 5, 0), -EBADF);
		assert_int_equal(SYS3(fstat, fd, &st, 0), -EBADF);
		assert_int_equal(SYS3(getdents64, fd, buf, 16), -EBADF);
		assert_int_equal(SYS3(fcntl, fd, F_GETFL, 0), -EBADF);
		assert_int_equal(SYS3(ioctl, fd, 0x5401, buf), -EBADF);
		assert_int_equal(SYS3(fchdir, fd, 0, 0), -EBADF);
		assert_int_equal(SYS3(ftruncate, fd, 0, 0), -EBADF);
		if (fd != AT_FDCWD)
			assert_int_equal(SYS4(newfstatat, fd, "x", &st, 0), -EBADF);
	}
}

static void test_bad_buffers(void **state)
{
	(void)state;
	int fd = (int)SYS3(open, "/tmp/f", O_CREAT | O_RDWR, 0644);
	assert_int_equal(SYS3(write, fd, "0123456789", 10), 10);
	SYS3(lseek, fd, 0, SEEK_SET);
	for (size_t i = 0; i < sizeof(bad_ptrs) / sizeof(bad_ptrs[0]); i++) {
		long b = bad_ptrs[i];
		assert_int_equal(SYS3(read, fd, b, 10), -EFAULT);
		assert_int_equal(SYS3(write, fd, b, 10), -EFAULT);
		assert_int_equal(SYS3(fstat, fd, b, 0), -EFAULT);
		assert_int_equal(SYS3(readv, fd, b, 1), -EFAULT);
		assert_int_equal(SYS3(writev, fd, b, 1), -EFAULT);
	}
	assert_int_equal(SYS3(lseek, fd, 0, SEEK_CUR), 0); /* nothing moved */
	struct stat st;
	SYS3(fstat, fd, &st, 0);
	assert_int_equal(st.st_size, 10);
	/* a read into a buffer that ends in unmapped memory: the part that fits */
	char *m = malloc(8);
	fake_uaccess_bad_range(m + 4, 100);
	assert_int_equal(SYS3(read, fd, m, 10), -EFAULT);
	fake_uaccess_bad_range((void *)UNMAPPED, 4096);
	free(m);
	/* zero-length I/O with a bad pointer is fine */
	assert_int_equal(SYS3(read, fd, 0x10, 0), 0);
	assert_int_equal(SYS3(write, fd, 0x10, 0), 0);
	SYS3(close, fd, 0, 0);
}

static void test_readv_writev(void **state)
{
	(void)state;
	int fd = (int)SYS3(open, "/tmp/v", O_CREAT | O_RDWR, 0644);
	char a[] = "hello ", b[] = "", c[] = "world";
	struct iovec iov[3] = { { a, 6 }, { b, 0 }, { c, 5 } };
	assert_int_equal(SYS3(writev, fd, iov, 3), 11);
	SYS3(lseek, fd, 0, SEEK_SET);
	char x[4], y[20];
	struct iovec riov[2] = { { x, 4 }, { y, 20 } };
	assert_int_equal(SYS3(readv, fd, riov, 2), 11);
	assert_memory_equal(x, "hell", 4);
	assert_memory_equal(y, "o world", 7);
	assert_int_equal(SYS3(readv, fd, riov, 0), 0);
	assert_int_equal(SYS3(readv, fd, riov, -1), -EINVAL);
	assert_int_equal(SYS3(readv, fd, riov, 1025), -EINVAL);
	struct iovec neg[2] = { { x, 4 }, { y, (size_t)-1 } };
	assert_int_equal(SYS3(readv, fd, neg, 2), -EINVAL);
	struct iovec ovf[3] = { { x, 0x7fffffffffffffffUL }, { y, 0x7fffffffffffffffUL }, { y, 2 } };
	assert_int_equal(SYS3(writev, fd, ovf, 3), -EFAULT); /* past user space */
	/* Linux order: the whole range must be user space before anything moves */
	assert_int_equal(SYS3(read, fd, x, -1L), -EFAULT);
	assert_int_equal(SYS3(write, fd, x, 0x7fffffffffffffffL), -EFAULT);
	assert_int_equal(SYS4(pread64, fd, x, -1L, 0), -EFAULT);
	assert_int_equal(SYS3(getdents64, fd, x, -1L), -ENOTDIR);
	int dfd = (int)SYS3(open, "/tmp", O_RDONLY, 0);
	assert_int_equal(SYS3(getdents64, dfd, x, -1L), -EFAULT);
	assert_int_equal(SYS3(getdents64, dfd, x, 1), -EINVAL);
	SYS3(close, dfd, 0, 0);
	/* a bad segment after a good one: the good part is written */
	SYS3(lseek, fd, 0, SEEK_SET);
	struct iovec part[2] = { { a, 6 }, { (void *)0x10, 5 } };
	assert_int_equal(SYS3(writev, fd, part, 2), 6);
	/* many segments (more than the on-stack array) */
	struct iovec many[100];
	for (int i = 0; i < 100; i++)
		many[i] = (struct iovec){ c, 1 };
	assert_int_equal(SYS3(writev, fd, many, 100), 100);
	SYS3(close, fd, 0, 0);
	/* writev to a pipe of at most PIPE_BUF bytes in total is one atomic write */
	int p[2];
	SYS3(pipe, p, 0, 0);
	assert_int_equal(SYS3(writev, p[1], iov, 3), 11);
	assert_int_equal(SYS3(read, p[0], y, 20), 11);
	assert_memory_equal(y, "hello world", 11);
}

static void test_emfile_and_cloexec(void **state)
{
	(void)state;
	int n = 0;
	for (;;) {
		long fd = SYS3(open, "/dev/null", O_RDONLY, 0);
		if (fd < 0) {
			assert_int_equal(fd, -EMFILE);
			break;
		}
		n++;
	}
	assert_int_equal(n, FDTABLE_MAX);
	int p[2];
	assert_int_equal(SYS2(pipe, p, 0), -EMFILE);
	assert_int_equal(SYS3(dup, 0, 0, 0), -EMFILE);
	assert_int_equal(SYS3(fcntl, 0, F_DUPFD, 0), -EMFILE);
	assert_int_equal(SYS3(close, 100, 0, 0), 0);
	assert_int_equal(SYS3(close, 101, 0, 0), 0);
	assert_int_equal(SYS3(open, "/dev/null", O_RDONLY | O_CLOEXEC, 0), 100);
	assert_int_equal(SYS3(fcntl, 100, F_GETFD, 0), FD_CLOEXEC);
	/* O_CLOEXEC is not a status flag; O_LARGEFILE is, as on Linux x86-64 */
	assert_int_equal(SYS3(fcntl, 100, F_GETFL, 0), O_RDONLY | O_LARGEFILE);
	/* a pipe that cannot get its second descriptor leaves nothing behind */
	assert_int_equal(SYS2(pipe, p, 0), -EMFILE);
	assert_int_equal(fdtable_count(fake_proc.fdt), FDTABLE_MAX - 1);
	fdtable_close_on_exec(fake_proc.fdt);
	assert_int_equal(fdtable_count(fake_proc.fdt), FDTABLE_MAX - 2);
}

static void test_dev_nodes(void **state)
{
	(void)state;
	char buf[64];
	int z = (int)SYS3(open, "/dev/zero", O_RDWR, 0);
	memset(buf, 1, sizeof(buf));
	assert_int_equal(SYS3(read, z, buf, 64), 64);
	for (int i = 0; i < 64; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(SYS3(write, z, buf, 64), 64);
	int n = (int)SYS3(open, "/dev/null", O_RDWR, 0);
	assert_int_equal(SYS3(read, n, buf, 64), 0);
	assert_int_equal(SYS3(write, n, 0x10, 64), 64); /* /dev/null never looks at the data */
	struct stat st;
	assert_int_equal(SYS3(fstat, n, &st, 0), 0);
	assert_int_equal(st.st_rdev, (1 << 8) | 3);
	assert_int_equal(SYS3(open, "/dev/null", O_RDONLY | O_DIRECTORY, 0), -ENOTDIR);
	int r = (int)SYS3(open, "/dev/urandom", O_RDONLY, 0);
	static unsigned char rb[1000];
	assert_int_equal(SYS3(read, r, rb, sizeof(rb)), sizeof(rb));
	assert_int_equal((unsigned char)(rb[1] - rb[0]), 1); /* from random_bytes (the fake) */
	assert_int_equal(SYS3(read, r, 0x10, 10), -EFAULT);
	assert_int_equal(SYS3(stat, "/dev/random", &st, 0), 0);
	assert_int_equal(st.st_rdev, (1 << 8) | 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_path_pointers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_descriptors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readv_writev, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emfile_and_cloexec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dev_nodes, setup, teardown),
	};
	return cmocka_run_group_tests_name("syscalls", tests, NULL, NULL);
}
