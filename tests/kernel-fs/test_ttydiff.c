/* Differential test of the line discipline against Linux's n_tty, through a pseudo-
 * terminal on this host: the same keystrokes go into a Linux pty master and into
 * tty_input_char; what canonical reads return and what is echoed must be the same.
 * The two deliberate differences are not exercised here: "^C" is followed by a newline,
 * and ^H erases like DEL (Linux erases only with VERASE and echoes ^H as "^H").
 * Skipped when the host has no usable /dev/ptmx. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "fake_ctl.h"
#include "fs/fs_syscalls.h"
#include "fs/tty.h"
#include <stos/errno.h>
#include <stos/fcntl.h>
#include <stos/ioctl.h>
#include <stos/poll.h>
#include <stos/syscall.h>

#define TIOCGPTN_ 0x80045430
#define TIOCSPTLCK_ 0x40045431

static long linux_sys(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11",
			 "memory");
	return r;
}

struct result {
	char reads[512]; /* each read as "<len>:<bytes>|" */
	size_t rlen;
	char echo[512];
	size_t elen;
};

static void add_read(struct result *res, const char *b, long n)
{
	int k = snprintf(res->reads + res->rlen, sizeof(res->reads) - res->rlen, "%ld:", n);
	res->rlen += (size_t)k;
	if (n > 0 && res->rlen + (size_t)n + 1 < sizeof(res->reads)) {
		memcpy(res->reads + res->rlen, b, (size_t)n);
		res->rlen += (size_t)n;
	}
	res->reads[res->rlen++] = '|';
}

static int linux_case(int master, int slave, const char *prompt, const char *in,
		      struct result *res)
{
	char b[256];
	memset(res, 0, sizeof(*res));
	if (prompt)
		linux_sys(SYS_write, slave, (long)prompt, (long)strlen(prompt));
	linux_sys(SYS_write, master, (long)in, (long)strlen(in));
	/* Non-blocking reads are deterministic: n_tty_read flushes the pending input work
	 * (tty_buffer_flush_work) before it reports EAGAIN, on either side of the pty. */
	for (int i = 0; i < 20; i++) {
		long r = linux_sys(SYS_read, slave, (long)b, sizeof(b));
		if (r < 0)
			break;
		add_read(res, b, r);
	}
	for (;;) {
		long r = linux_sys(SYS_read, master, (long)b, sizeof(b));
		if (r <= 0 || res->elen + (size_t)r > sizeof(res->echo))
			break;
		memcpy(res->echo + res->elen, b, (size_t)r);
		res->elen += (size_t)r;
	}
	return 0;
}

static void stos_case(int con, const char *prompt, const char *in, struct result *res)
{
	char b[256];
	memset(res, 0, sizeof(*res));
	fake_console_reset();
	if (prompt)
		SYS3(write, con, prompt, strlen(prompt));
	for (const char *c = in; *c; c++)
		tty_input_char((unsigned char)*c);
	for (int i = 0; i < 20; i++) {
		long r = SYS3(read, con, b, sizeof(b));
		if (r < 0)
			break;
		add_read(res, b, r);
	}
	memcpy(res->echo, fake_console, fake_console_len);
	res->elen = fake_console_len;
}

static const struct { const char *prompt, *in; } cases[] = {
	{ NULL, "hello\n" },
	{ NULL, "two\nlines\n" },
	{ NULL, "abc\x7f\x7f" "d\n" },
	{ NULL, "ab\x7f" "c\x7f\x7f\x7f" "e\n" },
	{ NULL, "ab\x15" "cd\n" },
	{ NULL, "abc def  \x17" "x\n" },
	{ NULL, "x\x01\x7f" "y\n" },
	{ NULL, "\x7f\x7fq\n" },
	{ NULL, "ab\x04" },
	{ NULL, "cd\n" },
	{ NULL, "\x04" },
	{ NULL, "a\rb\r" },
	{ NULL, "tab\there\n" },
	{ NULL, "a\t\x7f" "b\n" },
	{ NULL, "\x01\x02\x1b[A\n" },
	{ NULL, "partial" },
	{ NULL, "\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f" "done\n" },
	{ "$ ", "a\tb\x7f\x7f" "c\n" },
	{ "prompt> ", "x\ty\tz\x7f\x7f\x7f\x7f\n" },
	{ "$ ", "\x01\t\x7f\x7f\n" },
	{ "$ ", "ab\tcd\x15" "e\n" },
	{ "multi\nline $ ", "q\t\x7f\n" },
};

static void test_same_as_linux_n_tty(void **state)
{
	(void)state;
	int master, slave, unlock = 0, n = -1, mismatches = 0;
	char name[32];
	struct result l, s;

	master = (int)linux_sys(SYS_open, (long)"/dev/ptmx", O_RDWR | O_NOCTTY | O_NONBLOCK, 0);
	if (master < 0 || linux_sys(SYS_ioctl, master, TIOCSPTLCK_, (long)&unlock) < 0 ||
	    linux_sys(SYS_ioctl, master, TIOCGPTN_, (long)&n) < 0) {
		if (master >= 0)
			linux_sys(SYS_close, master, 0, 0);
		skip();
	}
	snprintf(name, sizeof(name), "/dev/pts/%d", n);
	slave = (int)linux_sys(SYS_open, (long)name, O_RDWR | O_NOCTTY | O_NONBLOCK, 0);
	assert_true(slave >= 0);
	kfs_setup(NULL, 0);
	int con = (int)SYS3(open, "/dev/console", O_RDWR | O_NONBLOCK, 0);
	assert_true(con >= 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		linux_case(master, slave, cases[i].prompt, cases[i].in, &l);
		stos_case(con, cases[i].prompt, cases[i].in, &s);
		if (l.rlen != s.rlen || memcmp(l.reads, s.reads, l.rlen) ||
		    l.elen != s.elen || memcmp(l.echo, s.echo, l.elen)) {
			printf("# case %zu: reads linux \"%.*s\" stos \"%.*s\"; echo linux %zu bytes "
			       "\"%.*s\" stos %zu bytes \"%.*s\"\n", i, (int)l.rlen, l.reads,
			       (int)s.rlen, s.reads, l.elen, (int)l.elen, l.echo, s.elen,
			       (int)s.elen, s.echo);
			mismatches++;
		}
	}
	linux_sys(SYS_close, slave, 0, 0);
	linux_sys(SYS_close, master, 0, 0);
	kfs_teardown();
	assert_int_equal(mismatches, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_linux_n_tty),
	};
	return cmocka_run_group_tests_name("ttydiff", tests, NULL, NULL);
}
