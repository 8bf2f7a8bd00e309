/* /proc: one directory per live process with a Linux-format stat line, in step with the
 * process table. */
#include <stdio.h>
#include <string.h>
#include "helpers.h"
#include "fake_ctl.h"
#include "fs/fs_syscalls.h"
#include "proc.h"
#include <stos/errno.h>
#include <stos/fcntl.h>
#include <stos/stat.h>

static struct proc p1 = { .pid = 1, .pgid = 1, .sid = 1, .state = PROC_RUNNING, .name = "init" };
static struct proc p9 = { .pid = 9, .pgid = 9, .sid = 1, .state = PROC_ZOMBIE, .name = "sleep" };
static struct proc pe = { .pid = 11, .state = PROC_EMBRYO };

static int setup(void **state)
{
	(void)state;
	fake_proc.parent = &p1;
	fake_proc.sid = 1;
	fake_proc.state = PROC_RUNNING;
	memcpy(fake_proc.name, "ps", 3);
	p9.parent = &p1;
	pe.next = &p9;
	p9.next = &fake_proc;
	fake_proc.next = &p1;
	p1.next = NULL;
	fake_procs = &pe;
	kfs_setup(NULL, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kfs_teardown();
	fake_procs = &fake_proc;
	fake_proc.next = NULL;
	return 0;
}

static long names(char out[][16], int max)
{
	unsigned char buf[2048];
	int fd = (int)SYS3(open, "/proc", O_RDONLY | O_DIRECTORY, 0);
	long n = SYS3(getdents64, fd, buf, sizeof(buf)), k = 0;
	SYS3(close, fd, 0, 0);
	for (long off = 0; off < n;) {
		struct linux_dirent64 *d = (void *)(buf + off);
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..") && k < max)
			snprintf(out[k++], 16, "%s", d->d_name);
		off += d->d_reclen;
	}
	return k;
}

static void test_listing_follows_table(void **state)
{
	(void)state;
	char nm[8][16];
	assert_int_equal(names(nm, 8), 4); /* embryos are not listed */
	assert_string_equal(nm[0], "net");
	assert_string_equal(nm[1], "1");
	assert_string_equal(nm[2], "7");
	assert_string_equal(nm[3], "9");
	char buf[200] = { 0 };
	int fd = (int)SYS3(open, "/proc/7/stat", O_RDONLY, 0);
	assert_true(fd >= 0);
	assert_true(SYS3(read, fd, buf, sizeof(buf)) > 0);
	assert_memory_equal(buf, "7 (ps) R 1 7 1 ", 15);
	assert_int_equal(SYS3(read, fd, buf, sizeof(buf)), 0);
	assert_int_equal(SYS3(lseek, fd, 2, SEEK_SET), 2);
	assert_int_equal(SYS3(read, fd, buf, 4), 4);
	assert_memory_equal(buf, "(ps)", 4);
	SYS3(close, fd, 0, 0);
	fd = (int)SYS3(open, "/proc/9/stat", O_RDONLY, 0);
	memset(buf, 0, sizeof(buf));
	assert_true(SYS3(read, fd, buf, sizeof(buf)) > 0);
	assert_memory_equal(buf, "9 (sleep) Z 1 9 1 ", 18);
	SYS3(close, fd, 0, 0);
	assert_int_equal(SYS3(open, "/proc/7/stat", O_WRONLY, 0), -EACCES);
	assert_int_equal(SYS3(open, "/proc/11/stat", O_RDONLY, 0), -ENOENT);
	/* a process goes away: its directory goes; an open stat file reads ESRCH */
	fd = (int)SYS3(open, "/proc/9/stat", O_RDONLY, 0);
	fake_proc.next = NULL; /* p1 leaves... */
	p9.next = &fake_proc;
	pe.next = &p9;
	fake_procs = &pe;
	fake_proc.next = NULL;
	p9.next = NULL; /* ...and fake_proc too: only 9 remains after pe */
	assert_int_equal(names(nm, 8), 2);
	assert_string_equal(nm[1], "9");
	struct stat st;
	assert_int_equal(SYS3(stat, "/proc/1", &st, 0), -ENOENT);
	p9.next = &fake_proc;
	fake_procs = &fake_proc;
	fake_proc.next = NULL;
	assert_int_equal(SYS3(read, fd, buf, sizeof(buf)), -ESRCH);
	SYS3(close, fd, 0, 0);
	assert_int_equal(names(nm, 8), 2);
	assert_string_equal(nm[1], "7");
	assert_int_equal(SYS3(stat, "/proc/7/stat", &st, 0), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0444);
}

/* /proc/net/<name> serves knet_proc_text's text, rendered once per open (a snapshot across
 * small reads), grown past the first buffer when the text is long, ENOENT without a stack. */
static void test_proc_net(void **state)
{
	(void)state;
	static const char *files[] = { "dev", "route", "arp", "snmp", "tcp", "udp", "raw" };
	char buf[64];
	struct stat st;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[32];
		snprintf(path, sizeof(path), "/proc/net/%s", files[i]);
		assert_int_equal(SYS3(stat, path, &st, 0), 0);
		assert_int_equal(st.st_mode, S_IFREG | 0444);
		int fd = (int)SYS3(open, path, O_RDONLY, 0);
		assert_true(fd >= 0);
		memset(buf, 0, sizeof(buf));
		assert_int_equal(SYS3(read, fd, buf, sizeof(buf)), 16);
		assert_memory_equal(buf, files[i], strlen(files[i]));
		assert_int_equal(buf[strlen(files[i])], ':');
		assert_int_equal(SYS3(read, fd, buf, sizeof(buf)), 0);
		SYS3(close, fd, 0, 0);
	}
	assert_int_equal(SYS3(open, "/proc/net/snmp", O_WRONLY, 0), -EACCES);
	assert_int_equal(SYS3(open, "/proc/net/nosuch", O_RDONLY, 0), -ENOENT);

	/* 100 kB of text: one render, read back whole in small pieces, still one render */
	fake_net_len = 100000;
	fake_net_renders = 0;
	int fd = (int)SYS3(open, "/proc/net/tcp", O_RDONLY, 0);
	long total = 0, r;
	int bad = 0;
	while ((r = SYS3(read, fd, buf, 37)) > 0) {
		for (long i = 0; i < r; i++)
			if (total + i >= 4 && buf[i] != (char)('a' + (total + i) % 26))
				bad++;
		total += r;
	}
	assert_int_equal(r, 0);
	assert_int_equal(total, 100000);
	assert_int_equal(bad, 0);
	int renders = fake_net_renders;
	assert_true(renders >= 2); /* the first buffer was too small: rendered again */
	assert_int_equal(SYS3(lseek, fd, 0, SEEK_SET), 0);
	assert_int_equal(SYS3(read, fd, buf, 4), 4);
	assert_memory_equal(buf, "tcp:", 4);
	assert_int_equal(fake_net_renders, renders);
	SYS3(close, fd, 0, 0);

	fake_net_len = -1;
	fd = (int)SYS3(open, "/proc/net/dev", O_RDONLY, 0);
	assert_true(fd >= 0);
	assert_int_equal(SYS3(read, fd, buf, sizeof(buf)), -ENOENT);
	SYS3(close, fd, 0, 0);
	fake_net_len = 16;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_listing_follows_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_net, setup, teardown),
	};
	return cmocka_run_group_tests_name("procfs", tests, NULL, NULL);
}
