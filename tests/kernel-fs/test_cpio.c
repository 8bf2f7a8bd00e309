/* Unpacking the initrd: well-formed archives land in the tree; malformed ones (every
 * header field and length) are rejected with an error and never crash; a seeded mutation
 * loop under ASan backs that up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "fake_ctl.h"
#include "fs/fs_syscalls.h"
#include "fs/vfs.h"
#include "ramfs.h"
#include "kalloc.h"
#include <stos/errno.h>
#include <stos/fcntl.h>
#include <stos/stat.h>

static unsigned char ar[8192];

static size_t good(void)
{
	return cpio_build(ar, sizeof(ar),
			  ".", 040755u, NULL,
			  "bin", 040755u, NULL,
			  "bin/sh", 0100755u, "#!shell binary",
			  "./etc/rc", 0100644u, "echo hi\n",
			  "/deep/er/file", 0100600u, "x",
			  "bin/link", 0120777u, "sh",
			  "empty", 0100644u, "",
			  NULL);
}

static void read_file(const char *path, char *out, size_t cap)
{
	void *b;
	size_t len;
	assert_int_equal(fs_load_file(path, &b, &len), 0);
	assert_true(len < cap);
	memcpy(out, b, len);
	out[len] = 0;
	kfree(b);
}

static void test_good_archive(void **state)
{
	(void)state;
	size_t n = good();
	char buf[64];
	struct stat st;
	kfs_setup(ar, n);
	read_file("/bin/sh", buf, sizeof(buf));
	assert_string_equal(buf, "#!shell binary");
	read_file("/etc/rc", buf, sizeof(buf));
	assert_string_equal(buf, "echo hi\n");
	read_file("/deep/er/file", buf, sizeof(buf));
	assert_string_equal(buf, "x");
	assert_int_equal(SYS3(stat, "/bin/sh", &st, 0), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0755);
	assert_int_equal(st.st_mtim.tv_sec, 1700000000);
	assert_int_equal(SYS3(stat, "/deep/er/file", &st, 0), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0600);
	assert_int_equal(SYS3(stat, "/deep/er", &st, 0), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(SYS3(stat, "/bin/link", &st, 0), -ENOENT); /* symlinks skipped */
	assert_int_equal(SYS3(stat, "/empty", &st, 0), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(SYS3(stat, "/tmp", &st, 0), 0);
	assert_int_equal(st.st_mode, S_IFDIR | 01777);
	assert_int_equal(SYS3(access, "/bin/sh", X_OK, 0), 0);
	assert_int_equal(SYS3(access, "/etc/rc", X_OK, 0), -EACCES);
	kfs_teardown();
}

static void test_empty_initrd(void **state)
{
	(void)state;
	struct stat st;
	kfs_setup(NULL, 0);
	assert_int_equal(SYS3(stat, "/dev/console", &st, 0), 0);
	kfs_teardown();
}

/* Expect fs_init to reject buf[0..n) with err; the tree stays usable. */
static void expect_bad(size_t n, int err)
{
	struct fs_stats before, after;
	fs_get_stats(&before);
	assert_int_equal(fs_init(ar, n), err);
	fs_get_stats(&after);
	if (err == -EINVAL)
		assert_int_equal(after.cpio_errors, before.cpio_errors + 1);
	fs_shutdown();
}

static void put8(size_t field, unsigned v)
{
	char tmp[9];
	snprintf(tmp, sizeof(tmp), "%08X", v);
	memcpy(ar + 6 + 8 * field, tmp, 8);
}

static void test_malformed_headers(void **state)
{
	(void)state;
	size_t n;

	n = good(); ar[0] = 'X'; expect_bad(n, -EINVAL);               /* magic */
	n = good(); ar[5] = '7'; expect_bad(n, -EINVAL);               /* "070707" (odc) */
	n = good(); ar[20] = 'g'; expect_bad(n, -EINVAL);              /* hex digit */
	n = good(); ar[6 + 8 * 11] = ' '; expect_bad(n, -EINVAL);      /* namesize digit */
	n = good(); expect_bad(100, -EINVAL);                          /* short header */
	n = good(); expect_bad(112, -EINVAL);                          /* name cut */
	n = good(); expect_bad(n - 120, -EINVAL);                      /* no trailer */
	n = good(); put8(11, 0); expect_bad(n, -EINVAL);               /* namesize 0 */
	n = good(); put8(11, 0x7fffffff); expect_bad(n, -EINVAL);      /* namesize huge */
	n = good(); put8(11, 5000); expect_bad(n, -EINVAL);            /* > PATH_MAX */
	n = good(); put8(11, 1); expect_bad(n, -EINVAL);               /* name not terminated */
	n = good(); put8(6, 0xffffffff); expect_bad(n, -EINVAL);       /* filesize huge */
	n = good(); put8(6, 4); expect_bad(n, -EINVAL);                /* a directory with data */
	n = good(); put8(1, 0170644); expect_bad(n, -EINVAL);          /* unknown file type */
	n = cpio_build(ar, sizeof(ar), "a/../../etc", 0100644u, "x", NULL);
	expect_bad(n, -EINVAL);                                        /* ".." component */
	n = cpio_build(ar, sizeof(ar), "/", 0100644u, "x", NULL);
	expect_bad(n, -EINVAL);                                        /* a file named "/" */
	n = cpio_build(ar, sizeof(ar), "f", 0100644u, "x", "f/g", 0100644u, "y", NULL);
	expect_bad(n, -ENOTDIR);                                       /* path through a file */
	n = cpio_build(ar, sizeof(ar), "d", 040755u, NULL, "d", 0100644u, "y", NULL);
	expect_bad(n, -EISDIR);                                        /* file over a directory */
	/* an embedded NUL inside the name */
	n = cpio_build(ar, sizeof(ar), "abcdef", 0100644u, "x", NULL);
	ar[112] = 0;
	expect_bad(n, -EINVAL);
	/* the "070702" variant: the check field must be the byte sum of the data */
	n = cpio_build(ar, sizeof(ar), "crc", 0100644u, "ab", NULL);
	ar[5] = '2';
	expect_bad(n, -EINVAL); /* check 0 != 'a' + 'b' */
	put8(12, 'a' + 'b');
	assert_int_equal(fs_init(ar, n), 0);
	fs_shutdown();
	/* a later member replaces an earlier file */
	n = cpio_build(ar, sizeof(ar), "f", 0100644u, "first", "f", 0100644u, "2nd", NULL);
	assert_int_equal(fs_init(ar, n), 0);
	char buf[16];
	read_file("/f", buf, sizeof(buf));
	assert_string_equal(buf, "2nd");
	fs_shutdown();
	kfs_setup(NULL, 0);
	kfs_teardown();
}

static void test_mutations_never_crash(void **state)
{
	(void)state;
	unsigned char orig[8192];
	size_t n = good();
	unsigned seed = 12345;
	memcpy(orig, ar, n);
	for (int round = 0; round < 3000; round++) {
		memcpy(ar, orig, n);
		int edits = 1 + (int)(seed % 4);
		for (int e = 0; e < edits; e++) {
			seed = seed * 1103515245u + 12345u;
			size_t pos = (seed >> 8) % n;
			seed = seed * 1103515245u + 12345u;
			ar[pos] = (seed >> 16) & 1 ? (unsigned char)(seed >> 20)
						   : (unsigned char)"0123456789abcdefF/.\0"[(seed >> 20) % 20];
		}
		seed = seed * 1103515245u + 12345u;
		size_t len = (seed >> 8) % 5 == 0 ? (seed >> 12) % n : n;
		int r = fs_init(ar, len);
		assert_true(r == 0 || r == -EINVAL || r == -ENOTDIR || r == -EISDIR ||
			    r == -EEXIST || r == -ENAMETOOLONG || r == -ENOENT);
		fs_shutdown();
	}
	kfs_setup(NULL, 0);
	kfs_teardown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_archive),
		cmocka_unit_test(test_empty_initrd),
		cmocka_unit_test(test_malformed_headers),
		cmocka_unit_test(test_mutations_never_crash),
	};
	return cmocka_run_group_tests_name("cpio", tests, NULL, NULL);
}
