/* Host unit tests of the kernel's raw initrd lookup (initrd.c), on archives written by the
 * real cpio tool and on hand-broken ones. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "initrd.h"
#include <stos/errno.h>

static char arch[8192];
static size_t arch_len;

/* One newc entry: header, name, padding, data, padding. */
static void add(const char *name, const char *data, size_t n)
{
	size_t nl = strlen(name) + 1;
	arch_len += (size_t)sprintf(arch + arch_len, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
				    1, 0100755, 0, 0, 1, 0, n, 0, 0, 0, 0, nl, 0);
	memcpy(arch + arch_len, name, nl);
	arch_len += nl;
	while (arch_len % 4)
		arch[arch_len++] = 0;
	memcpy(arch + arch_len, data, n);
	arch_len += n;
	while (arch_len % 4)
		arch[arch_len++] = 0;
}

static int setup(void **state)
{
	(void)state;
	arch_len = 0;
	memset(arch, 0, sizeof arch);
	add("bin", "", 0);
	add("bin/init", "INIT", 4);
	add("./etc/rc", "echo hi\n", 8);
	add("TRAILER!!!", "", 0);
	initrd_set(arch, arch_len);
	return 0;
}

static void finds_files(void **state)
{
	(void)state;
	const void *d;
	size_t n;
	assert_int_equal(initrd_find("/bin/init", &d, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(d, "INIT", 4);
	assert_int_equal(initrd_find("bin/init", &d, &n), 0);
	assert_int_equal(initrd_find("/etc/rc", &d, &n), 0);
	assert_int_equal(n, 8);
	assert_int_equal(initrd_find("/bin/sh", &d, &n), -ENOENT);
	assert_int_equal(initrd_find("/bin/ini", &d, &n), -ENOENT);
}

static void rejects_corruption(void **state)
{
	(void)state;
	const void *d;
	size_t n;
	initrd_set(arch, 100);                       /* truncated header */
	assert_int_equal(initrd_find("/x", &d, &n), -ENOENT);
	initrd_set(arch, 112);                       /* name runs past the end */
	assert_int_equal(initrd_find("/x", &d, &n), -EINVAL);
	memcpy(arch + 94, "FFFFFFFF", 8);             /* namesize huge */
	initrd_set(arch, arch_len);
	assert_int_equal(initrd_find("/x", &d, &n), -EINVAL);
	setup(NULL);
	memcpy(arch + 54, "7FFFFFFF", 8);             /* filesize past the end */
	assert_int_equal(initrd_find("/x", &d, &n), -EINVAL);
	setup(NULL);
	memcpy(arch, "070707", 6);                    /* old binary format magic */
	assert_int_equal(initrd_find("/x", &d, &n), -EINVAL);
	setup(NULL);
	memcpy(arch + 58, "zz", 2);                   /* not hex, in the file size */
	assert_int_equal(initrd_find("/x", &d, &n), -EINVAL);
	setup(NULL);
	arch[110 + 3] = 'X';                          /* name "bin" loses its NUL */
	assert_int_equal(initrd_find("/x", &d, &n), -EINVAL);
	initrd_set(NULL, 0);
	assert_int_equal(initrd_find("/bin/init", &d, &n), -ENOENT);
}

static void reads_real_archive(void **state)
{
	(void)state;
	FILE *f = fopen("build/user/initrd.cpio", "rb");
	if (!f)
		skip();
	static char buf[16 << 20];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	initrd_set(buf, n);
	const void *d;
	size_t len;
	assert_int_equal(initrd_find("/bin/sh", &d, &len), 0);
	assert_true(len > 1000);
	assert_memory_equal(d, "\x7f" "ELF", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(finds_files, setup),
		cmocka_unit_test_setup(rejects_corruption, setup),
		cmocka_unit_test_setup(reads_real_archive, setup),
	};
	return cmocka_run_group_tests_name("initrd", tests, NULL, NULL);
}
