/* The ramfs through the system calls: path resolution, create/unlink/mkdir/rmdir,
 * getdents64 records, stat, read/write/lseek, getcwd/chdir. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "fake_ctl.h"
#include "fs/fs_syscalls.h"
#include "fs/vfs.h"
#include "proc.h"
#include "kalloc.h"
#include <stos/errno.h>
#include <stos/fcntl.h>
#include <stos/stat.h>

static int setup(void **state) { (void)state; kfs_setup(NULL, 0); return 0; }
static int teardown(void **state) { (void)state; kfs_teardown(); return 0; }

static long xopen(const char *p, int flags) { return SYS3(open, p, flags, 0644); }
static long xwrite(int fd, const char *s) { return SYS3(write, fd, s, strlen(s)); }

static void test_root_and_tmp(void **state)
{
	(void)state;
	struct stat st;
	assert_int_equal(SYS3(stat, "/", &st, 0), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(SYS3(stat, "/tmp", &st, 0), 0);
	assert_int_equal(st.st_mode, S_IFDIR | 01777);
	assert_int_equal(SYS3(stat, "/dev/null", &st, 0), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, (1 << 8) | 3);
	assert_int_equal(SYS3(stat, "/dev/console", &st, 0), 0);
	assert_int_equal(st.st_rdev, (5 << 8) | 1);
}

static void test_path_resolution(void **state)
{
	(void)state;
	struct stat a, b;
	assert_int_equal(SYS3(mkdir, "/tmp/d", 0755, 0), 0);
	assert_int_equal(SYS3(mkdir, "/tmp/d/e", 0755, 0), 0);
	int fd = (int)xopen("/tmp/d/e/f", O_CREAT | O_WRONLY);
	assert_true(fd >= 0);
	SYS3(close, fd, 0, 0);
	assert_int_equal(SYS3(stat, "/tmp/d/e/f", &a, 0), 0);
	assert_int_equal(SYS3(stat, "//tmp///d/./e/../e//f", &b, 0), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(SYS3(stat, "/../../tmp/d/e/f", &b, 0), 0); /* ".." at the root stays */
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(SYS3(stat, "/tmp/d/e/f/", &b, 0), -ENOTDIR);
	assert_int_equal(SYS3(stat, "/tmp/d/e/f/x", &b, 0), -ENOTDIR);
	assert_int_equal(SYS3(stat, "/tmp/d/e/f/..", &b, 0), -ENOTDIR);
	assert_int_equal(SYS3(stat, "/tmp/d/nope/f", &b, 0), -ENOENT);
	assert_int_equal(SYS3(stat, "", &b, 0), -ENOENT);
	assert_int_equal(SYS3(stat, "/tmp/d/e/", &b, 0), 0);
	/* relative to the cwd */
	assert_int_equal(SYS3(chdir, "/tmp/d", 0, 0), 0);
	assert_int_equal(SYS3(stat, "e/f", &b, 0), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(SYS3(stat, "./e/../e/f", &b, 0), 0);
	assert_int_equal(SYS3(stat, "../d/e/f", &b, 0), 0);
	assert_int_equal(SYS3(chdir, "e/f", 0, 0), -ENOTDIR);
	assert_int_equal(SYS3(chdir, "nope", 0, 0), -ENOENT);
	/* openat relative to a directory descriptor */
	int dfd = (int)xopen("/tmp/d/e", O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(SYS4(newfstatat, dfd, "f", &b, 0), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	int ffd = (int)SYS4(openat, dfd, "f", O_RDONLY, 0);
	assert_true(ffd >= 0);
	assert_int_equal(SYS4(newfstatat, ffd, "x", &b, 0), -ENOTDIR);
	assert_int_equal(SYS4(newfstatat, 200, "x", &b, 0), -EBADF);
	assert_int_equal(SYS4(newfstatat, 200, "/tmp", &b, 0), 0); /* absolute ignores dirfd */
	assert_int_equal(SYS4(newfstatat, ffd, "", &b, 0x1000 /* AT_EMPTY_PATH */), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(SYS4(newfstatat, ffd, "", &b, 0x4), -EINVAL);
	SYS3(close, dfd, 0, 0);
	SYS3(close, ffd, 0, 0);
	assert_int_equal(SYS3(open, "/tmp/d/e", O_RDONLY | O_DIRECTORY | O_CREAT, 0), -EISDIR);
	assert_int_equal(SYS3(open, "/tmp/d/e/f", O_RDONLY | O_DIRECTORY, 0), -ENOTDIR);
}

static void test_name_too_long(void **state)
{
	(void)state;
	struct stat st;
	char *p = malloc(5000);
	memset(p, 'a', 4999);
	p[4999] = 0;
	assert_int_equal(SYS3(stat, p, &st, 0), -ENAMETOOLONG); /* path >= PATH_MAX */
	p[0] = '/';
	p[257] = 0; /* one component of 256 bytes */
	assert_int_equal(SYS3(stat, p, &st, 0), -ENAMETOOLONG);
	assert_int_equal(SYS3(mkdir, p, 0755, 0), -ENAMETOOLONG);
	p[256] = 0; /* 255 bytes: fine, just absent */
	assert_int_equal(SYS3(stat, p, &st, 0), -ENOENT);
	assert_int_equal(SYS3(mkdir, p, 0755, 0), 0);
	assert_int_equal(SYS3(rmdir, p, 0, 0), 0);
	/* a path of exactly 4095 bytes is allowed, 4096 is not */
	memset(p, '/', 4096);
	p[4095] = 0;
	assert_int_equal(SYS3(stat, p, &st, 0), 0);
	p[4095] = '/';
	p[4096] = 0;
	assert_int_equal(SYS3(stat, p, &st, 0), -ENAMETOOLONG);
	free(p);
}

static void test_create_unlink_mkdir_rmdir(void **state)
{
	(void)state;
	struct stat st;
	assert_int_equal(xopen("/tmp/x", O_RDONLY), -ENOENT);
	int fd = (int)xopen("/tmp/x", O_CREAT | O_EXCL | O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(xopen("/tmp/x", O_CREAT | O_EXCL | O_RDWR), -EEXIST);
	assert_int_equal(SYS3(fstat, fd, &st, 0), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0644);
	assert_int_equal(st.st_nlink, 1);
	assert_true(st.st_mtim.tv_sec >= 1700000000); /* wall-clock time stamps */
	assert_int_equal(xwrite(fd, "hello"), 5);
	/* unlinked while open: data stays until the last close */
	assert_int_equal(SYS3(unlink, "/tmp/x", 0, 0), 0);
	assert_int_equal(SYS3(stat, "/tmp/x", &st, 0), -ENOENT);
	assert_int_equal(SYS3(fstat, fd, &st, 0), 0);
	assert_int_equal(st.st_nlink, 0);
	assert_int_equal(st.st_size, 5);
	char buf[8] = { 0 };
	assert_int_equal(SYS3(lseek, fd, 0, SEEK_SET), 0);
	assert_int_equal(SYS3(read, fd, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "hello");
	SYS3(close, fd, 0, 0);
	assert_int_equal(SYS3(unlink, "/tmp/x", 0, 0), -ENOENT);

	assert_int_equal(SYS3(mkdir, "/tmp/dir", 0755, 0), 0);
	assert_int_equal(SYS3(mkdir, "/tmp/dir", 0755, 0), -EEXIST);
	assert_int_equal(SYS3(mkdir, "/tmp/dir/", 0755, 0), -EEXIST);
	assert_int_equal(SYS3(mkdir, "/tmp/new/", 0755, 0), 0);
	assert_int_equal(SYS3(mkdir, "/tmp/no/such", 0755, 0), -ENOENT);
	assert_int_equal(SYS3(mkdir, "/", 0755, 0), -EEXIST);
	assert_int_equal(SYS3(stat, "/tmp/dir", &st, 0), 0);
	assert_int_equal(st.st_nlink, 2);
	fd = (int)xopen("/tmp/dir/file", O_CREAT | O_WRONLY);
	SYS3(close, fd, 0, 0);
	assert_int_equal(SYS3(mkdir, "/tmp/dir/sub", 0755, 0), 0);
	assert_int_equal(SYS3(stat, "/tmp/dir", &st, 0), 0);
	assert_int_equal(st.st_nlink, 3);
	assert_int_equal(SYS3(rmdir, "/tmp/dir", 0, 0), -ENOTEMPTY);
	assert_int_equal(SYS3(unlink, "/tmp/dir", 0, 0), -EISDIR);
	assert_int_equal(SYS3(rmdir, "/tmp/dir/file", 0, 0), -ENOTDIR);
	assert_int_equal(SYS3(unlink, "/tmp/dir/file/", 0, 0), -ENOTDIR);
	assert_int_equal(SYS3(rmdir, "/tmp/dir/sub/.", 0, 0), -EINVAL);
	assert_int_equal(SYS3(rmdir, "/tmp/dir/sub/..", 0, 0), -ENOTEMPTY);
	assert_int_equal(SYS3(rmdir, "/", 0, 0), -EBUSY);
	assert_int_equal(SYS3(unlink, "/tmp/dir/file", 0, 0), 0);
	assert_int_equal(SYS3(rmdir, "/tmp/dir/sub/", 0, 0), 0);
	assert_int_equal(SYS3(unlinkat, AT_FDCWD, "/tmp/dir", 0), -EISDIR);
	assert_int_equal(SYS3(unlinkat, AT_FDCWD, "/tmp/dir", 1), -EINVAL);
	assert_int_equal(SYS3(unlinkat, AT_FDCWD, "/tmp/dir", AT_REMOVEDIR), 0);
	assert_int_equal(SYS3(rmdir, "/tmp/new", 0, 0), 0);
	assert_int_equal(SYS3(stat, "/tmp", &st, 0), 0);
	assert_int_equal(st.st_nlink, 2);
	/* open flags */
	assert_int_equal(xopen("/tmp", O_WRONLY), -EISDIR);
	assert_int_equal(xopen("/tmp", O_RDWR | O_CREAT), -EISDIR);
	assert_int_equal(xopen("/tmp/y/", O_RDWR | O_CREAT), -EISDIR);
	fd = (int)xopen("/tmp/y", O_RDWR | O_CREAT);
	SYS3(close, fd, 0, 0);
	assert_int_equal(xopen("/tmp/y/", O_RDWR | O_CREAT), -EISDIR);
	assert_int_equal(xopen("/tmp/y/", O_RDWR), -ENOTDIR);
	/* access mode 3: open for neither reading nor writing (Linux ioctl-only fds) */
	fd = (int)xopen("/tmp/y", O_ACCMODE);
	assert_true(fd >= 0);
	assert_int_equal(SYS3(read, fd, &st, 1), -EBADF);
	assert_int_equal(SYS3(write, fd, "x", 1), -EBADF);
	SYS3(close, fd, 0, 0);
}

static void test_rw_lseek_trunc_append(void **state)
{
	(void)state;
	char buf[10000];
	struct stat st;
	int fd = (int)xopen("/tmp/f", O_CREAT | O_RDWR);
	assert_int_equal(xwrite(fd, "abc"), 3);
	assert_int_equal(SYS3(lseek, fd, 6000, SEEK_SET), 6000);
	assert_int_equal(xwrite(fd, "XYZ"), 3);
	assert_int_equal(SYS3(fstat, fd, &st, 0), 0);
	assert_int_equal(st.st_size, 6003);
	assert_int_equal(st.st_blocks, 16); /* pages 0 and 1 hold data; no page for the hole */
	assert_int_equal(SYS3(lseek, fd, 0, SEEK_SET), 0);
	assert_int_equal(SYS3(read, fd, buf, sizeof(buf)), 6003);
	assert_memory_equal(buf, "abc\0\0", 5);
	assert_memory_equal(buf + 6000, "XYZ", 3);
	assert_int_equal(SYS3(read, fd, buf, sizeof(buf)), 0);
	assert_int_equal(SYS3(lseek, fd, -3, SEEK_END), 6000);
	assert_int_equal(SYS3(lseek, fd, -1, SEEK_SET), -EINVAL);
	assert_int_equal(SYS3(lseek, fd, 0, 7), -EINVAL);
	assert_int_equal(SYS3(lseek, fd, 0x7fffffffffffffffL, SEEK_CUR), -EOVERFLOW);
	/* shrink then grow: the cut bytes read back as zeroes */
	assert_int_equal(SYS3(ftruncate, fd, 1, 0), 0);
	assert_int_equal(SYS3(ftruncate, fd, 3, 0), 0);
	assert_int_equal(SYS4(pread64, fd, buf, 10, 0), 3);
	assert_memory_equal(buf, "a\0\0", 3);
	assert_int_equal(SYS3(ftruncate, fd, -1, 0), -EINVAL);
	SYS3(close, fd, 0, 0);
	fd = (int)xopen("/tmp/f", O_WRONLY | O_APPEND);
	assert_int_equal(xwrite(fd, "ZZ"), 2);
	assert_int_equal(SYS4(pread64, fd, buf, 10, 0), -EBADF);
	SYS3(close, fd, 0, 0);
	fd = (int)xopen("/tmp/f", O_RDONLY);
	assert_int_equal(SYS3(read, fd, buf, 10), 5);
	assert_memory_equal(buf, "a\0\0ZZ", 5);
	assert_int_equal(xwrite(fd, "no"), -EBADF);
	assert_int_equal(SYS3(ftruncate, fd, 0, 0), -EINVAL);
	SYS3(close, fd, 0, 0);
	fd = (int)xopen("/tmp/f", O_WRONLY | O_TRUNC);
	assert_int_equal(SYS3(read, fd, buf, 10), -EBADF);
	assert_int_equal(SYS3(fstat, fd, &st, 0), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(SYS4(pwrite64, fd, "pq", 2, 4096 * 3 + 4094), 2);
	assert_int_equal(SYS4(pwrite64, fd, "pq", 2, -1), -EINVAL);
	SYS3(close, fd, 0, 0);
	/* directories are not files */
	fd = (int)xopen("/tmp", O_RDONLY);
	assert_int_equal(SYS3(read, fd, buf, 10), -EISDIR);
	assert_int_equal(SYS4(pread64, fd, buf, 10, 0), -EISDIR);
	SYS3(close, fd, 0, 0);
	/* a big file written in odd chunks reads back intact */
	fd = (int)xopen("/tmp/big", O_CREAT | O_RDWR);
	for (int i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)(i * 7 + 3);
	for (int i = 0; i < 30; i++)
		assert_int_equal(SYS3(write, fd, buf, 3333), 3333);
	assert_int_equal(SYS3(lseek, fd, 3333 * 17 + 5, SEEK_SET), 3333 * 17 + 5);
	char rb[100];
	assert_int_equal(SYS3(read, fd, rb, 100), 100);
	assert_memory_equal(rb, buf + 5, 100);
	SYS3(close, fd, 0, 0);
}

/* Walk a getdents64 buffer: collect the names, check record layout. */
static int parse_dents(const unsigned char *b, long n, char names[][64], int max, long *last_off)
{
	int k = 0;
	long off = 0;
	while (off < n) {
		const struct linux_dirent64 *d = (const void *)(b + off);
		assert_true(d->d_reclen >= 20 && d->d_reclen % 8 == 0 && off + d->d_reclen <= n);
		assert_true(strlen(d->d_name) < (size_t)d->d_reclen - 19);
		if (k < max)
			strcpy(names[k], d->d_name);
		k++;
		*last_off = d->d_off;
		off += d->d_reclen;
	}
	return k;
}

static void test_getdents64(void **state)
{
	(void)state;
	unsigned char buf[4096];
	char names[64][64];
	long lastoff = 0;
	assert_int_equal(SYS3(mkdir, "/tmp/g", 0755, 0), 0);
	for (int i = 0; i < 40; i++) {
		char p[64];
		snprintf(p, sizeof(p), "/tmp/g/file-%02d", i);
		int fd = (int)xopen(p, O_CREAT | O_WRONLY);
		SYS3(close, fd, 0, 0);
	}
	SYS3(mkdir, "/tmp/g/sub", 0755, 0);
	int fd = (int)xopen("/tmp/g", O_RDONLY);
	long n = SYS3(getdents64, fd, buf, sizeof(buf));
	assert_true(n > 0);
	int k = parse_dents(buf, n, names, 64, &lastoff);
	assert_int_equal(k, 43);
	assert_string_equal(names[0], ".");
	assert_string_equal(names[1], "..");
	assert_string_equal(names[2], "file-00");
	assert_string_equal(names[42], "sub");
	const struct linux_dirent64 *d = (const void *)buf;
	assert_int_equal(d->d_type, DT_DIR);
	assert_int_equal(SYS3(getdents64, fd, buf, sizeof(buf)), 0);
	/* small buffers: records never split, nothing repeated or lost; too small: EINVAL */
	assert_int_equal(SYS3(lseek, fd, 0, SEEK_SET), 0);
	assert_int_equal(SYS3(getdents64, fd, buf, 10), -EINVAL);
	int total = 0, modified = 0;
	char seen[64][64];
	for (;;) {
		n = SYS3(getdents64, fd, buf, 80);
		assert_true(n >= 0);
		if (n == 0)
			break;
		char nm[4][64];
		int got = parse_dents(buf, n, nm, 4, &lastoff);
		assert_true(got >= 1 && got <= 4);
		for (int i = 0; i < got && total < 64; i++)
			strcpy(seen[total++], nm[i]);
		/* entries removed and added during the walk neither repeat nor hide others */
		if (total >= 10 && !modified) {
			modified = 1;
			assert_int_equal(SYS3(unlink, "/tmp/g/file-03", 0, 0), 0);
			assert_int_equal(SYS3(unlink, "/tmp/g/file-20", 0, 0), 0);
			int nf = (int)xopen("/tmp/g/late", O_CREAT | O_WRONLY);
			SYS3(close, nf, 0, 0);
		}
	}
	assert_int_equal(total, 43); /* 43 - file-20 + late */
	for (int i = 0; i < total; i++)
		for (int j = i + 1; j < total; j++)
			assert_string_not_equal(seen[i], seen[j]);
	assert_string_equal(seen[total - 1], "late");
	int ffd = (int)xopen("/tmp/g/late", O_RDONLY);
	assert_int_equal(SYS3(getdents64, ffd, buf, sizeof(buf)), -ENOTDIR);
	assert_int_equal(SYS3(getdents64, 99, buf, sizeof(buf)), -EBADF);
	assert_int_equal(SYS3(getdents64, fd, buf, sizeof(buf)), 0); /* at the end */
	assert_int_equal(SYS3(lseek, fd, 0, SEEK_SET), 0);
	assert_int_equal(SYS3(getdents64, fd, 0x10, sizeof(buf)), -EFAULT);
	SYS3(close, ffd, 0, 0);
	SYS3(close, fd, 0, 0);
}

static void test_getcwd_chdir(void **state)
{
	(void)state;
	char buf[256];
	assert_int_equal(SYS2(getcwd, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "/");
	SYS3(mkdir, "/tmp/a", 0755, 0);
	SYS3(mkdir, "/tmp/a/bb", 0755, 0);
	assert_int_equal(SYS3(chdir, "/tmp/a/bb", 0, 0), 0);
	assert_int_equal(SYS2(getcwd, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "/tmp/a/bb");
	assert_int_equal(SYS2(getcwd, buf, 10), 10);
	assert_int_equal(SYS2(getcwd, buf, 9), -ERANGE);
	assert_int_equal(SYS2(getcwd, buf, 0), -ERANGE);
	assert_int_equal(SYS2(getcwd, 0x10, 100), -EFAULT);
	assert_int_equal(SYS3(chdir, "..", 0, 0), 0);
	assert_int_equal(SYS2(getcwd, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "/tmp/a");
	/* the cwd removed: lookups through it fail, getcwd reports ENOENT */
	assert_int_equal(SYS3(chdir, "bb", 0, 0), 0);
	assert_int_equal(SYS3(rmdir, "/tmp/a/bb", 0, 0), 0);
	assert_int_equal(SYS2(getcwd, buf, sizeof(buf)), -ENOENT);
	struct stat st;
	assert_int_equal(SYS3(stat, "..", &st, 0), -ENOENT);
	assert_int_equal(SYS3(open, "new", O_CREAT | O_WRONLY, 0644), -ENOENT);
	assert_int_equal(SYS3(chdir, "/", 0, 0), 0);
	int fd = (int)xopen("/tmp/a", O_RDONLY);
	assert_int_equal(SYS3(fchdir, fd, 0, 0), 0);
	assert_int_equal(SYS2(getcwd, buf, sizeof(buf)), 7);
	SYS3(close, fd, 0, 0);
}

static void test_access_and_load(void **state)
{
	(void)state;
	assert_int_equal(SYS3(access, "/tmp", X_OK, 0), 0);
	assert_int_equal(SYS3(access, "/nope", F_OK, 0), -ENOENT);
	int fd = (int)xopen("/tmp/prog", O_CREAT | O_WRONLY);
	assert_int_equal(xwrite(fd, "\177ELF..."), 7);
	SYS3(close, fd, 0, 0);
	assert_int_equal(SYS3(access, "/tmp/prog", R_OK | W_OK, 0), 0);
	assert_int_equal(SYS3(access, "/tmp/prog", X_OK, 0), -EACCES);
	assert_int_equal(SYS3(access, "/tmp/prog", 8, 0), -EINVAL);
	assert_int_equal(SYS3(faccessat, AT_FDCWD, "/tmp/prog", X_OK), -EACCES);
	int dfd = (int)xopen("/tmp", O_RDONLY);
	assert_int_equal(SYS3(faccessat, dfd, "prog", R_OK), 0);
	SYS3(close, dfd, 0, 0);
	fd = (int)xopen("/tmp/prog", O_RDONLY);
	int avail = -1;
	assert_int_equal(SYS3(read, fd, &avail, 2), 2);
	assert_int_equal(SYS3(ioctl, fd, 0x541B /* FIONREAD */, &avail), 0);
	assert_int_equal(avail, 5);
	SYS3(close, fd, 0, 0);
	void *b;
	size_t len;
	assert_int_equal(fs_load_file("/tmp/prog", &b, &len), 0);
	assert_int_equal(len, 7);
	assert_memory_equal(b, "\177ELF...", 7);
	kfree(b);
	assert_int_equal(fs_load_file("/tmp", &b, &len), -EACCES);
	assert_int_equal(fs_load_file("/tmp/none", &b, &len), -ENOENT);
	assert_int_equal(fs_load_file("/tmp/prog/", &b, &len), -ENOTDIR);
}

static void test_rename(void **state)
{
	(void)state;
	struct stat a, b;
	char buf[16];
	int fd = (int)xopen("/tmp/a", O_CREAT | O_WRONLY);
	xwrite(fd, "A");
	SYS3(close, fd, 0, 0);
	fd = (int)xopen("/tmp/b", O_CREAT | O_WRONLY);
	xwrite(fd, "B");
	SYS3(close, fd, 0, 0);
	SYS3(stat, "/tmp/a", &a, 0);
	/* replace an existing file */
	assert_int_equal(SYS2(rename, "/tmp/a", "/tmp/b"), 0);
	assert_int_equal(SYS3(stat, "/tmp/a", &b, 0), -ENOENT);
	assert_int_equal(SYS3(stat, "/tmp/b", &b, 0), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	fd = (int)xopen("/tmp/b", O_RDONLY);
	assert_int_equal(SYS3(read, fd, buf, 16), 1);
	assert_int_equal(buf[0], 'A');
	SYS3(close, fd, 0, 0);
	assert_int_equal(SYS2(rename, "/tmp/b", "/tmp/b"), 0);
	assert_int_equal(SYS2(rename, "/tmp/none", "/tmp/x"), -ENOENT);
	assert_int_equal(SYS2(rename, "/tmp/b", "/tmp/no/x"), -ENOENT);
	assert_int_equal(SYS2(rename, "/tmp/b/", "/tmp/c"), -ENOTDIR);
	assert_int_equal(SYS2(rename, "/tmp/.", "/tmp/c"), -EBUSY);
	/* directories: move across, keep link counts right, never below themselves */
	SYS3(mkdir, "/tmp/d1", 0755, 0);
	SYS3(mkdir, "/tmp/d1/sub", 0755, 0);
	SYS3(mkdir, "/tmp/d2", 0755, 0);
	assert_int_equal(SYS2(rename, "/tmp/d1", "/tmp/d1/sub/x"), -EINVAL);
	assert_int_equal(SYS2(rename, "/tmp/d1/sub", "/tmp/d2/moved"), 0);
	assert_int_equal(SYS3(stat, "/tmp/d1", &a, 0), 0);
	assert_int_equal(a.st_nlink, 2);
	assert_int_equal(SYS3(stat, "/tmp/d2", &a, 0), 0);
	assert_int_equal(a.st_nlink, 3);
	assert_int_equal(SYS3(chdir, "/tmp/d2/moved", 0, 0), 0);
	assert_int_equal(SYS2(getcwd, buf, sizeof(buf)), 14);
	assert_string_equal(buf, "/tmp/d2/moved");
	assert_int_equal(SYS3(chdir, "/", 0, 0), 0);
	assert_int_equal(SYS2(rename, "/tmp/b", "/tmp/d2"), -EISDIR);
	assert_int_equal(SYS2(rename, "/tmp/d1", "/tmp/b"), -ENOTDIR);
	assert_int_equal(SYS2(rename, "/tmp/d1", "/tmp/d2"), -ENOTEMPTY);
	assert_int_equal(SYS2(rename, "/tmp/d2/moved", "/tmp/d1"), 0); /* onto an empty dir */
	assert_int_equal(SYS3(stat, "/tmp/d2", &a, 0), 0);
	assert_int_equal(a.st_nlink, 2);
	assert_int_equal(SYS4(renameat, AT_FDCWD, "/tmp/b", AT_FDCWD, "/tmp/c"), 0);
	assert_int_equal(sys_renameat2(AT_FDCWD, (long)"/tmp/c", AT_FDCWD, (long)"/tmp/e", 1, 0),
			 -EINVAL);
	assert_int_equal(SYS2(rename, 0x10, "/tmp/e"), -EFAULT);
	assert_int_equal(SYS2(rename, "/tmp/c", 0x10), -EFAULT);
}

static void test_attrs_and_links(void **state)
{
	(void)state;
	struct stat st;
	char buf[16];
	int fd = (int)xopen("/tmp/f", O_CREAT | O_RDWR);
	xwrite(fd, "abcdef");
	assert_int_equal(SYS2(chmod, "/tmp/f", 04755), 0);
	SYS3(stat, "/tmp/f", &st, 0);
	assert_int_equal(st.st_mode, S_IFREG | 04755);
	assert_int_equal(SYS2(fchmod, fd, 0600), 0);
	SYS3(fstat, fd, &st, 0);
	assert_int_equal(st.st_mode, S_IFREG | 0600);
	assert_int_equal(SYS2(chmod, "/tmp/none", 0600), -ENOENT);
	assert_int_equal(SYS2(truncate, "/tmp/f", 2), 0);
	SYS3(fstat, fd, &st, 0);
	assert_int_equal(st.st_size, 2);
	assert_int_equal(SYS2(truncate, "/tmp", 2), -EISDIR);
	assert_int_equal(SYS2(truncate, "/dev/null", 0), -EINVAL);
	assert_int_equal(SYS2(truncate, "/tmp/f", -1), -EINVAL);
	assert_int_equal(SYS2(fsync, fd, 0), 0);
	int p[2];
	SYS2(pipe, p, 0);
	assert_int_equal(SYS2(fsync, p[0], 0), -EINVAL);
	assert_int_equal(SYS2(fsync, 99, 0), -EBADF);
	assert_int_equal(SYS3(readlink, "/tmp/f", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(SYS3(readlink, "/tmp/none", buf, sizeof(buf)), -ENOENT);
	/* hard links: one inode, two names; data lives while any name or open file does */
	assert_int_equal(SYS2(link, "/tmp/f", "/tmp/g"), 0);
	SYS3(stat, "/tmp/g", &st, 0);
	assert_int_equal(st.st_nlink, 2);
	assert_int_equal(SYS2(link, "/tmp/f", "/tmp/g"), -EEXIST);
	assert_int_equal(SYS2(link, "/tmp", "/tmp/h"), -EPERM);
	assert_int_equal(SYS2(link, "/tmp/none", "/tmp/h"), -ENOENT);
	SYS3(close, fd, 0, 0);
	assert_int_equal(SYS3(unlink, "/tmp/f", 0, 0), 0);
	fd = (int)xopen("/tmp/g", O_RDONLY);
	assert_int_equal(SYS3(read, fd, buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "ab", 2);
	SYS3(fstat, fd, &st, 0);
	assert_int_equal(st.st_nlink, 1);
	SYS3(close, fd, 0, 0);
	assert_int_equal(sys_linkat(AT_FDCWD, (long)"/tmp/g", AT_FDCWD, (long)"/tmp/i", 1, 0),
			 -EINVAL);
}

static void test_out_of_memory(void **state)
{
	(void)state;
	/* file data stops at the memory reserve with ENOSPC, like a full disk */
	long fd0 = xopen("/tmp/full", O_CREAT | O_RDWR);
	assert_int_equal(SYS3(write, fd0, "x", 1), 1);
	fake_pages_free = 100;
	static char page[8192];
	assert_int_equal(SYS3(write, fd0, page, 4095), 4095); /* fits the first page */
	assert_int_equal(SYS3(write, fd0, page, 10), -ENOSPC);
	assert_int_equal(SYS4(pwrite64, fd0, page, 8192, 100), 3996); /* up to the page end */
	fake_pages_free = 1000000;
	assert_int_equal(SYS3(write, fd0, page, 10), 10);
	SYS3(close, fd0, 0, 0);
	fd0 = xopen("/dev/null", O_RDWR);
	assert_int_equal(SYS3(lseek, fd0, 100, SEEK_SET), 0);
	SYS3(close, fd0, 0, 0);
	/* Every allocation failing in turn: each call fails cleanly or succeeds, never leaks
	 * (the teardown checks the counters). */
	for (long n = 0; n < 12; n++) {
		fake_kalloc_fail_after(n);
		long fd = xopen("/tmp/oom", O_CREAT | O_RDWR);
		if (fd >= 0) {
			long w = SYS3(write, fd, "data", 4);
			assert_true(w == 4 || w == -ENOSPC || w == -ENOMEM);
			SYS3(close, fd, 0, 0);
		} else {
			assert_true(fd == -ENOMEM);
		}
		long m = SYS3(mkdir, "/tmp/oomd", 0755, 0);
		assert_true(m == 0 || m == -ENOMEM || m == -EEXIST);
		fake_kalloc_fail_after(-1);
		SYS3(unlink, "/tmp/oom", 0, 0);
		SYS3(rmdir, "/tmp/oomd", 0, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_root_and_tmp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_resolution, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_unlink_mkdir_rmdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rw_lseek_trunc_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getdents64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getcwd_chdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_access_and_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attrs_and_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_memory, setup, teardown),
	};
	return cmocka_run_group_tests_name("ramfs", tests, NULL, NULL);
}
