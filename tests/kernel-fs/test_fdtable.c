/* Descriptor tables and struct file reference counting. */
#include <string.h>
#include "helpers.h"
#include "fake_ctl.h"
#include "fs/fdtable.h"
#include "fs/fs_syscalls.h"
#include "fs/pipe.h"
#include <stos/errno.h>
#include <stos/fcntl.h>

static int closes;
static void count_close(struct file *f) { (void)f; closes++; }
static const struct fileops dummy_ops = { .close = count_close };

static void test_refcount_close_once(void **state)
{
	(void)state;
	struct fdtable *t = fdtable_new();
	struct file *f = file_alloc(&dummy_ops, NULL, O_RDWR);
	closes = 0;
	assert_int_equal(fdtable_install(t, f, 0, 0), 0);
	assert_int_equal(fdtable_install(t, file_hold(f), 0, 0), 1);
	struct fdtable *c = fdtable_fork(t);
	assert_int_equal(f->f_refs, 4);
	assert_int_equal(fdtable_close(t, 0), 0);
	assert_int_equal(fdtable_close(t, 0), -EBADF);
	fdtable_free(t);
	assert_int_equal(closes, 0);
	fdtable_free(c);
	assert_int_equal(closes, 1);
	assert_int_equal(file_count(), 0);
}

static void test_lowest_free_and_emfile(void **state)
{
	(void)state;
	struct fdtable *t = fdtable_new();
	for (int i = 0; i < FDTABLE_MAX; i++)
		assert_int_equal(fdtable_install(t, file_alloc(&dummy_ops, NULL, 0), 0, 0), i);
	struct file *extra = file_alloc(&dummy_ops, NULL, 0);
	assert_int_equal(fdtable_install(t, extra, 0, 0), -EMFILE);
	file_put(extra);
	assert_int_equal(fdtable_close(t, 17), 0);
	assert_int_equal(fdtable_install(t, file_alloc(&dummy_ops, NULL, 0), 3, 0), 17);
	assert_int_equal(fdtable_install(t, NULL, FDTABLE_MAX, 0), -EINVAL);
	assert_int_equal(fdtable_count(t), FDTABLE_MAX);
	fdtable_free(t);
	assert_int_equal(file_count(), 0);
}

static void test_cloexec(void **state)
{
	(void)state;
	struct fdtable *t = fdtable_new();
	fdtable_install(t, file_alloc(&dummy_ops, NULL, 0), 0, 0);
	fdtable_install(t, file_alloc(&dummy_ops, NULL, 0), 0, FD_CLOEXEC);
	fdtable_install(t, file_alloc(&dummy_ops, NULL, 0), 0, 0);
	assert_int_equal(fdtable_getfd(t, 1), FD_CLOEXEC);
	assert_int_equal(fdtable_setfd(t, 2, FD_CLOEXEC), 0);
	struct fdtable *c = fdtable_fork(t);
	assert_int_equal(fdtable_getfd(c, 1), FD_CLOEXEC); /* inherited across fork */
	fdtable_close_on_exec(c);
	assert_non_null(c->fd[0]);
	assert_null(c->fd[1]);
	assert_null(c->fd[2]);
	assert_int_equal(fdtable_getfd(c, 1), -EBADF);
	fdtable_free(c);
	fdtable_free(t);
	assert_int_equal(file_count(), 0);
}

static void test_no_table(void **state)
{
	(void)state;
	struct file *f = file_alloc(&dummy_ops, NULL, 0);
	assert_int_equal(fdtable_install(NULL, f, 0, 0), -EMFILE);
	assert_int_equal(fdtable_install_at(NULL, 3, f, 0), -EBADF);
	assert_null(fdtable_get(NULL, 0));
	assert_int_equal(fdtable_close(NULL, 0), -EBADF);
	assert_int_equal(fdtable_getfd(NULL, 0), -EBADF);
	assert_int_equal(fdtable_setfd(NULL, 0, 1), -EBADF);
	assert_int_equal(fdtable_count(NULL), 0);
	fdtable_close_all(NULL);
	fdtable_close_on_exec(NULL);
	fdtable_free(NULL);
	file_put(f);
	assert_int_equal(file_count(), 0);
}

static void test_sys_dup_family(void **state)
{
	(void)state;
	kfs_setup(NULL, 0);
	int fds[2];
	assert_int_equal(SYS3(pipe, fds, 0, 0), 0);
	assert_int_equal(fds[0], 0);
	assert_int_equal(fds[1], 1);
	assert_int_equal(SYS3(dup, 1, 0, 0), 2);
	assert_int_equal(SYS3(dup, 99, 0, 0), -EBADF);
	assert_int_equal(SYS3(dup2, 0, 10, 0), 10);
	assert_int_equal(SYS3(dup2, 10, 10, 0), 10);
	assert_int_equal(SYS3(dup2, 11, 11, 0), -EBADF);
	assert_int_equal(SYS3(dup2, 0, FDTABLE_MAX, 0), -EBADF);
	assert_int_equal(SYS3(dup2, 0, -1, 0), -EBADF);
	assert_int_equal(SYS3(dup3, 0, 0, 0), -EINVAL);
	assert_int_equal(SYS3(dup3, 0, 12, O_NONBLOCK), -EINVAL);
	assert_int_equal(SYS3(dup3, 0, 12, O_CLOEXEC), 12);
	assert_int_equal(SYS3(fcntl, 12, F_GETFD, 0), FD_CLOEXEC);
	assert_int_equal(SYS3(fcntl, 10, F_GETFD, 0), 0);
	assert_int_equal(SYS3(fcntl, 0, F_DUPFD, 5), 5);
	assert_int_equal(SYS3(fcntl, 0, F_DUPFD_CLOEXEC, 5), 6);
	assert_int_equal(SYS3(fcntl, 6, F_GETFD, 0), FD_CLOEXEC);
	assert_int_equal(SYS3(fcntl, 0, F_DUPFD, FDTABLE_MAX), -EINVAL);
	assert_int_equal(SYS3(fcntl, 0, 999, 0), -EINVAL);
	/* dup2 onto an open descriptor closes it silently. */
	assert_int_equal(SYS3(dup2, 1, 0, 0), 0);
	assert_int_equal(SYS3(close, 0, 0, 0), 0);
	assert_int_equal(SYS3(close, 0, 0, 0), -EBADF);
	assert_int_equal(SYS3(close, -1, 0, 0), -EBADF);
	assert_int_equal(SYS3(close, 1 << 20, 0, 0), -EBADF);
	kfs_teardown();
}

static void test_fcntl_flags(void **state)
{
	(void)state;
	kfs_setup(NULL, 0);
	int fds[2];
	assert_int_equal(SYS3(pipe2, fds, O_NONBLOCK, 0), 0);
	assert_int_equal(SYS3(fcntl, fds[0], F_GETFL, 0), O_RDONLY | O_NONBLOCK);
	assert_int_equal(SYS3(fcntl, fds[1], F_GETFL, 0), O_WRONLY | O_NONBLOCK);
	/* F_SETFL changes only O_APPEND and O_NONBLOCK, never the access mode. */
	assert_int_equal(SYS3(fcntl, fds[0], F_SETFL, O_RDWR), 0);
	assert_int_equal(SYS3(fcntl, fds[0], F_GETFL, 0), O_RDONLY);
	char c;
	assert_int_equal(SYS3(read, fds[0], &c, 1), -EINTR); /* blocking now: the fake sleep */
	int one = 1;
	assert_int_equal(SYS3(ioctl, fds[0], 0x5421 /* FIONBIO */, &one), 0);
	assert_int_equal(SYS3(read, fds[0], &c, 1), -EAGAIN);
	assert_int_equal(SYS3(ioctl, fds[0], 0x5451 /* FIOCLEX */, 0), 0);
	assert_int_equal(SYS3(fcntl, fds[0], F_GETFD, 0), FD_CLOEXEC);
	assert_int_equal(SYS3(pipe2, fds, 0x40 /* O_CREAT */, 0), -EINVAL);
	assert_int_equal(SYS3(pipe, 0x10, 0, 0), -EFAULT);
	assert_int_equal(SYS3(fcntl, 77, F_GETFL, 0), -EBADF);
	kfs_teardown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refcount_close_once),
		cmocka_unit_test(test_lowest_free_and_emfile),
		cmocka_unit_test(test_cloexec),
		cmocka_unit_test(test_no_table),
		cmocka_unit_test(test_sys_dup_family),
		cmocka_unit_test(test_fcntl_flags),
	};
	return cmocka_run_group_tests_name("fdtable", tests, NULL, NULL);
}
