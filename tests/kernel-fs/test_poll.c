/* poll, ppoll, select, pselect6: readiness of pipes, files and bad descriptors, sleeping
 * until a registered object wakes the poller, timeouts, EINTR, argument validation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "fake_ctl.h"
#include "fs/fs_syscalls.h"
#include "fs/pollwait.h"
#include "sync.h"
#include <stos/errno.h>
#include <stos/fcntl.h>
#include <stos/poll.h>
#include <stos/time.h>

static int setup(void **state) { (void)state; kfs_setup(NULL, 0); return 0; }
static int teardown(void **state) { (void)state; kfs_teardown(); return 0; }

static int p[2];

static void test_pipe_readiness(void **state)
{
	(void)state;
	struct pollfd f[4];
	assert_int_equal(SYS3(pipe, p, 0, 0), 0);
	f[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	f[1] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	f[2] = (struct pollfd){ .fd = -1, .events = POLLIN, .revents = 0x7777 };
	f[3] = (struct pollfd){ .fd = 99, .events = POLLIN };
	assert_int_equal(SYS3(poll, f, 4, 0), 2);
	assert_int_equal(f[0].revents, 0);
	assert_int_equal(f[1].revents, POLLOUT);
	assert_int_equal(f[2].revents, 0); /* negative fds are ignored */
	assert_int_equal(f[3].revents, POLLNVAL);
	SYS3(write, p[1], "x", 1);
	assert_int_equal(SYS3(poll, f, 2, 0), 2);
	assert_int_equal(f[0].revents, POLLIN);
	/* writer gone: POLLHUP (reported even when not asked for) */
	SYS3(close, p[1], 0, 0);
	f[0].events = 0;
	assert_int_equal(SYS3(poll, f, 1, 0), 1);
	assert_int_equal(f[0].revents, POLLHUP);
	/* reader gone: POLLERR on the write end */
	assert_int_equal(SYS3(pipe, p, 0, 0), 0);
	SYS3(close, p[0], 0, 0);
	f[0] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	assert_int_equal(SYS3(poll, f, 1, 0), 1);
	assert_int_equal(f[0].revents, POLLOUT | POLLERR);
	/* a regular file is always ready */
	int fd = (int)SYS3(open, "/tmp/r", O_CREAT | O_RDWR, 0644);
	f[0] = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
	assert_int_equal(SYS3(poll, f, 1, 0), 1);
	assert_int_equal(f[0].revents, POLLIN | POLLOUT);
}

static int hook_calls;
static int write_hook(void *chan)
{
	(void)chan;
	hook_calls++;
	SYS3(write, p[1], "w", 1);
	return 0;
}

static int spurious_then_write(void *chan)
{
	(void)chan;
	/* first a wakeup that changes nothing, then the real event */
	if (hook_calls++ == 0)
		return 0;
	SYS3(write, p[1], "w", 1);
	return 0;
}

static void test_sleep_and_wake(void **state)
{
	(void)state;
	struct pollfd f = { .events = POLLIN };
	assert_int_equal(SYS3(pipe, p, 0, 0), 0);
	f.fd = p[0];
	hook_calls = 0;
	fake_set_sleep_hook(write_hook);
	assert_int_equal(SYS3(poll, &f, 1, -1), 1);
	assert_int_equal(f.revents, POLLIN);
	assert_int_equal(hook_calls, 1);
	char c;
	SYS3(read, p[0], &c, 1);
	hook_calls = 0;
	fake_set_sleep_hook(spurious_then_write);
	assert_int_equal(SYS3(poll, &f, 1, 5000), 1);
	assert_int_equal(hook_calls, 2);
	fake_set_sleep_hook(NULL);
	SYS3(read, p[0], &c, 1);
	/* a signal: EINTR */
	assert_int_equal(SYS3(poll, &f, 1, -1), -EINTR);
	/* a timeout: 0, and the clock moved by the timeout */
	fake_clock_set(1000000000ull);
	assert_int_equal(SYS3(poll, &f, 1, 250), 0);
	assert_int_equal(clock_ns(), 1250000000ull);
	/* nfds 0 with a timeout is a sleep */
	assert_int_equal(SYS3(poll, NULL, 0, 10), 0);
}

static void test_pollhead_unregisters(void **state)
{
	(void)state;
	/* after poll returns, waking the object must not touch the poller's stack */
	struct pollfd f = { .events = POLLIN };
	assert_int_equal(SYS3(pipe, p, 0, 0), 0);
	f.fd = p[0];
	fake_clock_set(1000000000ull);
	assert_int_equal(SYS3(poll, &f, 1, 10), 0);
	SYS3(write, p[1], "late", 4); /* wakes the pollhead: ASan would catch a stale entry */
	/* many descriptors: more entries than the inline array */
	struct pollfd many[40];
	for (int i = 0; i < 40; i++)
		many[i] = (struct pollfd){ .fd = p[1], .events = POLLIN };
	assert_int_equal(SYS3(poll, many, 40, 10), 0);
	SYS3(read, p[0], many, 4);
}

static void test_poll_args(void **state)
{
	(void)state;
	struct pollfd f = { .fd = 0, .events = POLLIN };
	assert_int_equal(SYS3(poll, &f, 100000, 0), -EINVAL);
	assert_int_equal(SYS3(poll, &f, -1, 0), -EINVAL);
	assert_int_equal(SYS3(poll, 0x10, 1, 0), -EFAULT);
	struct timespec ts = { 0, 1000000000 };
	assert_int_equal(SYS4(ppoll, &f, 1, &ts, 0), -EINVAL);
	ts = (struct timespec){ -1, 0 };
	assert_int_equal(SYS4(ppoll, &f, 1, &ts, 0), -EINVAL);
	assert_int_equal(SYS4(ppoll, &f, 1, 0x10, 0), -EFAULT);
	unsigned long mask = 0;
	assert_int_equal(sys_ppoll((long)&f, 1, 0, (long)&mask, 4, 0), -EINVAL);
	/* ppoll with a zero timeout polls once; with a timeout it writes back the rest */
	assert_int_equal(SYS3(pipe, p, 0, 0), 0);
	f.fd = p[0];
	ts = (struct timespec){ 0, 0 };
	assert_int_equal(SYS4(ppoll, &f, 1, &ts, 0), 0);
	fake_clock_set(1000000000ull);
	ts = (struct timespec){ 2, 500 };
	assert_int_equal(sys_ppoll((long)&f, 1, (long)&ts, (long)&mask, 8, 0), 0);
	assert_int_equal(ts.tv_sec, 0);
	assert_int_equal(ts.tv_nsec, 0);
	/* a huge timeout is forever, not an overflow */
	ts = (struct timespec){ 0x7fffffffffffffffL, 0 };
	assert_int_equal(SYS4(ppoll, &f, 1, &ts, 0), -EINTR);
}

#define SET(s, fd) ((s)->fds_bits[(fd) / 64] |= 1UL << ((fd) % 64))
#define ISSET(s, fd) (((s)->fds_bits[(fd) / 64] >> ((fd) % 64)) & 1)

static void test_select(void **state)
{
	(void)state;
	fd_set r, w, e;
	struct timeval tv = { 0, 0 };
	assert_int_equal(SYS3(pipe, p, 0, 0), 0);
	memset(&r, 0, sizeof(r));
	memset(&w, 0, sizeof(w));
	memset(&e, 0, sizeof(e));
	SET(&r, p[0]);
	SET(&w, p[1]);
	SET(&e, p[0]);
	assert_int_equal(sys_select(p[1] + 1, (long)&r, (long)&w, (long)&e, (long)&tv, 0), 1);
	assert_false(ISSET(&r, p[0]));
	assert_true(ISSET(&w, p[1]));
	assert_false(ISSET(&e, p[0]));
	SYS3(write, p[1], "x", 1);
	memset(&r, 0, sizeof(r));
	SET(&r, p[0]);
	SET(&r, p[1]); /* the write end is never readable */
	assert_int_equal(sys_select(64, (long)&r, 0, 0, (long)&tv, 0), 1);
	assert_true(ISSET(&r, p[0]));
	assert_false(ISSET(&r, p[1]));
	/* an fd that is not open: EBADF */
	memset(&r, 0, sizeof(r));
	SET(&r, 50);
	assert_int_equal(sys_select(51, (long)&r, 0, 0, (long)&tv, 0), -EBADF);
	/* bits past nfds are ignored */
	assert_int_equal(sys_select(50, (long)&r, 0, 0, (long)&tv, 0), 0);
	assert_int_equal(sys_select(-1, 0, 0, 0, (long)&tv, 0), -EINVAL);
	tv.tv_usec = 1000000;
	assert_int_equal(sys_select(1, 0, 0, 0, (long)&tv, 0), -EINVAL);
	assert_int_equal(sys_select(1, 0x10, 0, 0, 0, 0), -EFAULT);
	/* the timeout is written back with the time left */
	fake_clock_set(1000000000ull);
	tv = (struct timeval){ 1, 500 };
	memset(&r, 0, sizeof(r));
	char c;
	SYS3(read, p[0], &c, 1);
	SET(&r, p[0]);
	assert_int_equal(sys_select(p[0] + 1, (long)&r, 0, 0, (long)&tv, 0), 0);
	assert_int_equal(tv.tv_sec, 0);
	assert_int_equal(tv.tv_usec, 0);
	assert_false(ISSET(&r, p[0]));
	/* pselect6 */
	struct timespec ts = { 0, 0 };
	struct { unsigned long ss, len; } sig = { 0x1000, 16 };
	SET(&w, p[1]);
	assert_int_equal(sys_pselect6(p[1] + 1, 0, (long)&w, 0, (long)&ts, (long)&sig), -EINVAL);
	sig.len = 8;
	assert_int_equal(sys_pselect6(p[1] + 1, 0, (long)&w, 0, (long)&ts, (long)&sig), 1);
	assert_int_equal(sys_pselect6(p[1] + 1, 0, (long)&w, 0, (long)&ts, 0x10), -EFAULT);
	/* a huge nfds is clamped */
	memset(&w, 0, sizeof(w));
	SET(&w, p[1]);
	assert_int_equal(sys_pselect6(1 << 20, 0, (long)&w, 0, (long)&ts, 0), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pipe_readiness, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sleep_and_wake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pollhead_unregisters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select, setup, teardown),
	};
	return cmocka_run_group_tests_name("poll", tests, NULL, NULL);
}
