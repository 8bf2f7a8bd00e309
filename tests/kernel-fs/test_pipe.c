/* Pipes: data in order, EOF, EPIPE + SIGPIPE, O_NONBLOCK, PIPE_BUF atomicity, blocking
 * with "another process" played by the sleep hook, EINTR, bad user memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "fake_ctl.h"
#include "fs/fdtable.h"
#include "fs/fs_syscalls.h"
#include "fs/pipe.h"
#include "proc.h"
#include <stos/errno.h>
#include <stos/fcntl.h>
#include <stos/ioctl.h>
#include <stos/signal.h>
#include <stos/stat.h>

static int setup(void **state) { (void)state; kfs_setup(NULL, 0); return 0; }
static int teardown(void **state) { (void)state; kfs_teardown(); return 0; }

static int fds[2];
static unsigned char big[3 * PIPE_SIZE];
static unsigned char got[3 * PIPE_SIZE];
static size_t got_len;

static void test_basic_and_eof(void **state)
{
	(void)state;
	char buf[16];
	struct stat st;
	assert_int_equal(SYS3(pipe, fds, 0, 0), 0);
	assert_int_equal(SYS3(write, fds[1], "hello", 5), 5);
	assert_int_equal(SYS3(write, fds[1], "", 0), 0);
	int n = 0;
	assert_int_equal(SYS3(ioctl, fds[0], FIONREAD, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(SYS3(read, fds[0], buf, 3), 3);
	assert_memory_equal(buf, "hel", 3);
	assert_int_equal(SYS3(read, fds[0], buf, 16), 2);
	assert_memory_equal(buf, "lo", 2);
	assert_int_equal(SYS3(read, fds[1], buf, 1), -EBADF); /* wrong end */
	assert_int_equal(SYS3(write, fds[0], "x", 1), -EBADF);
	assert_int_equal(SYS3(lseek, fds[0], 0, SEEK_SET), -ESPIPE);
	assert_int_equal(SYS3(fstat, fds[0], &st, 0), 0);
	assert_true(S_ISFIFO(st.st_mode));
	/* a forked copy of the write end keeps the pipe open */
	struct fdtable *child = fdtable_fork(fake_proc.fdt);
	assert_int_equal(SYS3(write, fds[1], "ab", 2), 2);
	assert_int_equal(SYS3(close, fds[1], 0, 0), 0);
	assert_int_equal(SYS3(read, fds[0], buf, 16), 2);  /* data before EOF */
	assert_int_equal(SYS3(read, fds[0], buf, 16), -EINTR); /* the child still writes */
	fdtable_free(child);
	assert_int_equal(SYS3(read, fds[0], buf, 16), 0);   /* EOF */
	assert_int_equal(SYS3(read, fds[0], buf, 0), 0);
}

static void test_epipe_sigpipe(void **state)
{
	(void)state;
	assert_int_equal(SYS3(pipe, fds, 0, 0), 0);
	SYS3(close, fds[0], 0, 0);
	fake_last_kill_sig = 0;
	assert_int_equal(SYS3(write, fds[1], "x", 1), -EPIPE);
	assert_int_equal(fake_last_kill_sig, SIGPIPE);
	assert_int_equal(fake_last_kill_pid, fake_proc.pid);
	assert_int_equal(SYS3(write, fds[1], "", 0), 0); /* zero bytes: no signal, as Linux */
}

static void test_nonblocking(void **state)
{
	(void)state;
	char c;
	assert_int_equal(SYS3(pipe2, fds, O_NONBLOCK, 0), 0);
	assert_int_equal(SYS3(read, fds[0], &c, 1), -EAGAIN);
	memset(big, 'a', sizeof(big));
	/* fill to PIPE_SIZE - 100 */
	assert_int_equal(SYS3(write, fds[1], big, PIPE_SIZE - 100), PIPE_SIZE - 100);
	/* an atomic write (<= PIPE_BUF) that does not fit whole: EAGAIN, nothing written */
	assert_int_equal(SYS3(write, fds[1], big, 200), -EAGAIN);
	/* a write larger than PIPE_BUF may be partial */
	assert_int_equal(SYS3(write, fds[1], big, PIPE_BUF + 1), 100);
	assert_int_equal(SYS3(write, fds[1], big, PIPE_BUF + 1), -EAGAIN);
	assert_int_equal(SYS3(read, fds[0], got, sizeof(got)), PIPE_SIZE);
	assert_int_equal(SYS3(read, fds[0], got, sizeof(got)), -EAGAIN);
	assert_int_equal(fake_sleeps, 0);
}

/* Sleep hook: the reader side of "another process" drains some bytes each time the
 * writer sleeps, recording the sizes it saw. */
static size_t drain_chunk;
static int drains;
static int drain_hook(void *chan)
{
	(void)chan;
	long r = SYS3(read, fds[0], got + got_len, drain_chunk);
	assert_true(r > 0);
	got_len += (size_t)r;
	drains++;
	return 0;
}

static void test_blocking_large_write(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 13 + i / 251);
	assert_int_equal(SYS3(pipe, fds, 0, 0), 0);
	got_len = 0;
	drain_chunk = 1000;
	fake_set_sleep_hook(drain_hook);
	assert_int_equal(SYS3(write, fds[1], big, sizeof(big)), sizeof(big));
	fake_set_sleep_hook(NULL);
	assert_true(drains > 0);
	SYS3(close, fds[1], 0, 0);
	for (;;) {
		long r = SYS3(read, fds[0], got + got_len, sizeof(got) - got_len);
		assert_true(r >= 0);
		if (r == 0)
			break;
		got_len += (size_t)r;
	}
	assert_int_equal(got_len, sizeof(big));
	assert_memory_equal(got, big, sizeof(big));
}

static void test_atomic_write_waits_for_room(void **state)
{
	(void)state;
	assert_int_equal(SYS3(pipe, fds, 0, 0), 0);
	memset(big, 'x', sizeof(big));
	assert_int_equal(SYS3(write, fds[1], big, PIPE_SIZE - 10), PIPE_SIZE - 10);
	/* a PIPE_BUF write must not be split: it goes in only once PIPE_BUF bytes are free,
	 * so after it the pipe holds the old bytes minus the drained ones, plus all of it */
	got_len = 0;
	drain_chunk = 1000;
	drains = 0;
	memset(big, 'y', PIPE_BUF);
	fake_set_sleep_hook(drain_hook);
	assert_int_equal(SYS3(write, fds[1], big, PIPE_BUF), PIPE_BUF);
	fake_set_sleep_hook(NULL);
	assert_int_equal(drains, 5); /* 10 + 5*1000 >= 4096 free */
	int n;
	SYS3(ioctl, fds[0], FIONREAD, &n);
	assert_int_equal(n, PIPE_SIZE - 10 - 5000 + PIPE_BUF);
	/* EINTR before anything was written: -EINTR; after some: the partial count */
	assert_int_equal(SYS3(write, fds[1], big, PIPE_BUF), -EINTR);
	assert_int_equal(SYS3(write, fds[1], big, 2 * PIPE_BUF), 5000 + 10 - PIPE_BUF);
}

static int write_hook(void *chan)
{
	(void)chan;
	assert_int_equal(SYS3(write, fds[1], "late", 4), 4);
	return 0;
}

static int close_hook(void *chan)
{
	(void)chan;
	assert_int_equal(SYS3(close, fds[1], 0, 0), 0);
	return 0;
}

static int close_reader_hook(void *chan)
{
	(void)chan;
	assert_int_equal(SYS3(close, fds[0], 0, 0), 0);
	return 0;
}

static void test_blocking_read_wakes(void **state)
{
	(void)state;
	char buf[16];
	assert_int_equal(SYS3(pipe, fds, 0, 0), 0);
	fake_set_sleep_hook(write_hook);
	assert_int_equal(SYS3(read, fds[0], buf, 16), 4);
	assert_memory_equal(buf, "late", 4);
	fake_set_sleep_hook(close_hook);
	assert_int_equal(SYS3(read, fds[0], buf, 16), 0); /* the writer went away: EOF */
	fake_set_sleep_hook(NULL);
	/* a writer blocked on a full pipe whose reader leaves gets EPIPE */
	assert_int_equal(SYS3(pipe, fds, 0, 0), 0);
	memset(big, 'z', sizeof(big));
	fake_set_sleep_hook(close_reader_hook);
	fake_last_kill_sig = 0;
	assert_int_equal(SYS3(write, fds[1], big, PIPE_SIZE + 10), PIPE_SIZE);
	fake_set_sleep_hook(NULL);
	assert_int_equal(fake_last_kill_sig, SIGPIPE);
}

static void test_bad_user_memory(void **state)
{
	(void)state;
	char buf[64];
	assert_int_equal(SYS3(pipe, fds, 0, 0), 0);
	assert_int_equal(SYS3(write, fds[1], 0x10, 10), -EFAULT);
	assert_int_equal(SYS3(write, fds[1], 0xffff800000001000UL, 10), -EFAULT);
	assert_int_equal(SYS3(write, fds[1], "abc", 3), 3);
	assert_int_equal(SYS3(read, fds[0], 0x10, 10), -EFAULT);
	/* a bad range inside a big write: what came before it is written */
	unsigned char *m = malloc(2 * PIPE_BUF);
	memset(m, 'q', 2 * PIPE_BUF);
	fake_uaccess_bad_range(m + PIPE_BUF, 10);
	SYS3(read, fds[0], buf, sizeof(buf));
	assert_int_equal(SYS3(write, fds[1], m, 2 * PIPE_BUF), PIPE_BUF);
	fake_uaccess_bad_range(NULL, 0);
	free(m);
	/* a count that runs past user space is EFAULT; a large valid one moves what is there */
	assert_int_equal(SYS3(read, fds[0], got, -1L), -EFAULT);
	assert_int_equal(SYS3(read, fds[0], got, 1L << 40), PIPE_BUF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_basic_and_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_epipe_sigpipe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonblocking, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocking_large_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_write_waits_for_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocking_read_wakes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_user_memory, setup, teardown),
	};
	return cmocka_run_group_tests_name("pipe", tests, NULL, NULL);
}
