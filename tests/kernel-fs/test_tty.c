/* The console line discipline: canonical reads, echo at read time, erase/kill/werase,
 * ^C (SIGINT to the foreground group, at once), ^D, raw mode with MIN/TIME, ioctls. */
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
#include <stos/signal.h>
#include <stos/stat.h>

static int con;

static int setup(void **state)
{
	(void)state;
	kfs_setup(NULL, 0);
	con = (int)SYS3(open, "/dev/console", O_RDWR, 0);
	assert_int_equal(con, 0);
	fake_console_reset();
	return 0;
}
static int teardown(void **state) { (void)state; kfs_teardown(); return 0; }

static void feed(const char *s)
{
	while (*s)
		tty_input_char((unsigned char)*s++);
}

static void feedn(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tty_input_char((unsigned char)s[i]);
}

static char rbuf[8192];
static long rd(size_t n)
{
	memset(rbuf, 0, sizeof(rbuf));
	return SYS3(read, con, rbuf, n);
}

static void test_canonical_echo_at_read(void **state)
{
	(void)state;
	feed("echo one  two\npoweroff\n");
	assert_string_equal(fake_console, ""); /* nothing echoed until a process reads */
	assert_int_equal(rd(100), 14);
	assert_string_equal(rbuf, "echo one  two\n");
	assert_string_equal(fake_console, "echo one  two\r\n"); /* only the line consumed */
	SYS3(write, con, "one two\n", 8);
	assert_int_equal(rd(100), 9);
	assert_string_equal(rbuf, "poweroff\n");
	assert_string_equal(fake_console, "echo one  two\r\none two\r\npoweroff\r\n");
	assert_int_equal(rd(100), -EINTR); /* nothing left: sleeps (the fake says signal) */
}

static void test_short_reads_and_cr(void **state)
{
	(void)state;
	feed("hello\r");
	assert_int_equal(rd(2), 2);
	assert_string_equal(rbuf, "he");
	assert_int_equal(rd(100), 4);
	assert_string_equal(rbuf, "llo\n");
	assert_string_equal(fake_console, "hello\r\n");
}

static void test_editing(void **state)
{
	(void)state;
	feed("abc\x7f\x08" "d\n");
	assert_int_equal(rd(100), 3);
	assert_string_equal(rbuf, "ad\n");
	assert_string_equal(fake_console, "abc\b \b\b \bd\r\n");
	fake_console_reset();
	feed("abc\x15xy\n");
	assert_int_equal(rd(100), 3);
	assert_string_equal(rbuf, "xy\n");
	assert_string_equal(fake_console, "abc\b \b\b \b\b \bxy\r\n");
	fake_console_reset();
	feed("foo bar  \x17" "baz\n");
	assert_int_equal(rd(100), 8);
	assert_string_equal(rbuf, "foo baz\n");
	fake_console_reset();
	feed("\x7f\x7f" "x\x01\x7f\n"); /* erase on an empty line is a no-op; ^A echoes as 2 */
	assert_int_equal(rd(100), 2);
	assert_string_equal(rbuf, "x\n");
	assert_string_equal(fake_console, "x^A\b \b\b \b\r\n");
}

static void test_eof(void **state)
{
	(void)state;
	feed("\x04");
	assert_int_equal(rd(100), 0);
	feed("ab\x04" "cd\n");
	assert_int_equal(rd(100), 2);
	assert_string_equal(rbuf, "ab");
	assert_int_equal(rd(100), 3);
	assert_string_equal(rbuf, "cd\n");
	assert_string_equal(fake_console, "abcd\r\n"); /* ^D is not echoed */
}

static void test_ctrl_c(void **state)
{
	(void)state;
	fake_kills = 0;
	feed("sleep 10\n");
	assert_int_equal(rd(100), 9);
	fake_console_reset();
	feed("typed ahead\nabc\x03");
	/* at once, without any read: the signal and the echo */
	assert_int_equal(fake_kills, 1);
	assert_int_equal(fake_last_kill_pgrp, fake_proc.pgid);
	assert_int_equal(fake_last_pgrp_sig, SIGINT);
	assert_string_equal(fake_console, "^C\r\n");
	/* pending input was flushed */
	feed("x\n");
	assert_int_equal(rd(100), 2);
	assert_string_equal(rbuf, "x\n");
	feed("\x1c");
	assert_int_equal(fake_last_pgrp_sig, SIGQUIT);
	/* without ISIG, ^C is data */
	struct termios t;
	assert_int_equal(SYS3(ioctl, con, TCGETS, &t), 0);
	t.c_lflag &= ~(tcflag_t)ISIG;
	assert_int_equal(SYS3(ioctl, con, TCSETS, &t), 0);
	fake_kills = 0;
	feed("\x03\n");
	assert_int_equal(rd(100), 2);
	assert_int_equal(rbuf[0], 3);
	assert_int_equal(fake_kills, 0);
}

static void test_pgrp_winsz_ioctls(void **state)
{
	(void)state;
	int pg = -1;
	assert_int_equal(SYS3(ioctl, con, TIOCGPGRP, &pg), 0);
	assert_int_equal(pg, fake_proc.pgid); /* the first opener's group */
	pg = 42;
	assert_int_equal(SYS3(ioctl, con, TIOCSPGRP, &pg), -ESRCH); /* no such group */
	static struct proc other = { .pid = 42, .pgid = 42, .state = PROC_RUNNING };
	other.next = fake_procs;
	fake_procs = &other;
	assert_int_equal(SYS3(ioctl, con, TIOCSPGRP, &pg), 0);
	fake_procs = other.next;
	pg = 0;
	SYS3(ioctl, con, TIOCGPGRP, &pg);
	assert_int_equal(pg, 42);
	feed("\x03");
	assert_int_equal(fake_last_kill_pgrp, 42);
	pg = -5;
	assert_int_equal(SYS3(ioctl, con, TIOCSPGRP, &pg), -EINVAL);
	struct winsize ws;
	assert_int_equal(SYS3(ioctl, con, TIOCGWINSZ, &ws), 0);
	assert_int_equal(ws.ws_row, 24);
	assert_int_equal(ws.ws_col, 80);
	assert_int_equal(SYS3(ioctl, con, TIOCGWINSZ, 0x10), -EFAULT);
	assert_int_equal(SYS3(ioctl, con, TCGETS, 0xffff800000000000UL), -EFAULT);
	assert_int_equal(SYS3(ioctl, con, 0x1234, 0), -ENOTTY);
	struct stat st;
	assert_int_equal(SYS3(fstat, con, &st, 0), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(SYS3(lseek, con, 0, SEEK_SET), -ESPIPE);
	/* a pipe is not a tty */
	int p[2];
	SYS3(pipe, p, 0, 0);
	assert_int_equal(SYS3(ioctl, p[0], TCGETS, &ws), -ENOTTY);
}

static void test_output_processing(void **state)
{
	(void)state;
	assert_int_equal(SYS3(write, con, "a\nb\n", 4), 4);
	assert_string_equal(fake_console, "a\r\nb\r\n");
	struct termios t;
	SYS3(ioctl, con, TCGETS, &t);
	t.c_oflag &= ~(tcflag_t)OPOST;
	SYS3(ioctl, con, TCSETS, &t);
	fake_console_reset();
	assert_int_equal(SYS3(write, con, "a\nb", 3), 3);
	assert_string_equal(fake_console, "a\nb");
	assert_int_equal(SYS3(write, con, 0x10, 3), -EFAULT);
	/* a long write goes out whole */
	char *m = malloc(3000);
	memset(m, 'w', 3000);
	fake_console_reset();
	assert_int_equal(SYS3(write, con, m, 3000), 3000);
	assert_int_equal(fake_console_len, 3000);
	free(m);
}

static void test_raw_mode(void **state)
{
	(void)state;
	struct termios t;
	SYS3(ioctl, con, TCGETS, &t);
	feed("par"); /* a partial canonical line becomes raw input when ICANON goes off */
	assert_int_equal(rd(100), -EINTR); /* (the read runs the discipline: "par" is edited) */
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	assert_int_equal(SYS3(ioctl, con, TCSETS, &t), 0);
	assert_int_equal(rd(100), 3);
	assert_string_equal(rbuf, "par");
	fake_console_reset();
	feed("ab\x7f\x04");
	assert_int_equal(rd(100), 4);
	assert_memory_equal(rbuf, "ab\x7f\x04", 4); /* no editing, no echo */
	assert_string_equal(fake_console, "");
	/* MIN 0, TIME 0: never waits */
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	SYS3(ioctl, con, TCSETS, &t);
	assert_int_equal(rd(100), 0);
	/* MIN 0, TIME 5: waits up to half a second, then 0 */
	t.c_cc[VTIME] = 5;
	SYS3(ioctl, con, TCSETS, &t);
	fake_clock_set(5000000000ull);
	assert_int_equal(rd(100), 0);
	assert_true(clock_ns() >= 5500000000ull);
	/* MIN 3: waits for three bytes */
	t.c_cc[VMIN] = 3;
	t.c_cc[VTIME] = 0;
	SYS3(ioctl, con, TCSETSF, &t);
	feed("xy");
	assert_int_equal(rd(100), -EINTR);
	feed("z");
	assert_int_equal(rd(100), 3);
	assert_string_equal(rbuf, "xyz");
	/* MIN 5, TIME 2: no timer before the first byte, then 0.2 s between bytes */
	t.c_cc[VMIN] = 5;
	t.c_cc[VTIME] = 2;
	SYS3(ioctl, con, TCSETS, &t);
	assert_int_equal(rd(100), -EINTR); /* nothing yet: waits without a timer */
	fake_clock_set(7000000000ull);
	feed("ab");
	assert_int_equal(rd(100), 2); /* the inter-byte timer expired */
	assert_true(clock_ns() >= 7200000000ull);
	feed("12345678");
	assert_int_equal(rd(100), 8); /* MIN reached: everything there */
	/* back to canonical with echo */
	t.c_lflag |= ICANON | ECHO;
	SYS3(ioctl, con, TCSETSW, &t);
	feed("line\n");
	assert_int_equal(rd(100), 5);
	assert_int_equal(SYS3(ioctl, con, TCSETS, 0x10), -EFAULT);
}

static int feed_hook(void *chan)
{
	(void)chan;
	feed("woken\n");
	return 0;
}

static void test_blocking_and_nonblocking(void **state)
{
	(void)state;
	fake_set_sleep_hook(feed_hook);
	assert_int_equal(rd(100), 6);
	assert_string_equal(rbuf, "woken\n");
	fake_set_sleep_hook(NULL);
	int fl = (int)SYS3(fcntl, con, F_GETFL, 0);
	assert_int_equal(SYS3(fcntl, con, F_SETFL, fl | O_NONBLOCK), 0);
	assert_int_equal(rd(100), -EAGAIN);
	feed("part");
	assert_int_equal(rd(100), -EAGAIN); /* no complete line yet */
	feed("\n");
	assert_int_equal(rd(100), 5);
	assert_int_equal(rd(0), 0);
	assert_int_equal(SYS3(read, con, 0x10, 10), -EAGAIN);
	feed("q\n");
	assert_int_equal(SYS3(read, con, 0x10, 10), -EFAULT);
}

static void test_overflow_is_counted(void **state)
{
	(void)state;
	static char junk[40000];
	memset(junk, 'k', sizeof(junk));
	unsigned long before = tty_input_dropped();
	feedn(junk, sizeof(junk)); /* no newline at all: the raw queue fills */
	assert_true(tty_input_dropped() > before);
	feed("\n");
	int fl = (int)SYS3(fcntl, con, F_GETFL, 0);
	SYS3(fcntl, con, F_SETFL, fl | O_NONBLOCK);
	/* the discipline keeps at most one line of 4095 bytes; the rest is dropped */
	assert_int_equal(rd(sizeof(rbuf)), -EAGAIN);
	assert_true(tty_input_dropped() > before + 20000);
	assert_int_equal(fake_locks_held, 0);
}

static void test_poll_console(void **state)
{
	(void)state;
	struct pollfd p = { .fd = con, .events = POLLIN | POLLOUT };
	assert_int_equal(SYS3(poll, &p, 1, 0), 1);
	assert_int_equal(p.revents, POLLOUT);
	feed("abc");
	assert_int_equal(SYS3(poll, &p, 1, 0), 1);
	assert_int_equal(p.revents, POLLOUT); /* no complete line */
	feed("\r");
	assert_int_equal(SYS3(poll, &p, 1, 0), 1);
	assert_int_equal(p.revents, POLLIN | POLLOUT);
	assert_string_equal(fake_console, ""); /* poll does not echo */
	assert_int_equal(rd(100), 4);
	assert_int_equal(SYS3(poll, &p, 1, 0), 1);
	assert_int_equal(p.revents, POLLOUT);
	/* blocking poll for input, woken by the interrupt handler */
	p.events = POLLIN;
	fake_set_sleep_hook(feed_hook);
	assert_int_equal(SYS3(poll, &p, 1, -1), 1);
	assert_int_equal(p.revents, POLLIN);
	fake_set_sleep_hook(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_canonical_echo_at_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_reads_and_cr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_editing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctrl_c, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pgrp_winsz_ioctls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_processing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocking_and_nonblocking, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow_is_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_console, setup, teardown),
	};
	return cmocka_run_group_tests_name("tty", tests, NULL, NULL);
}
