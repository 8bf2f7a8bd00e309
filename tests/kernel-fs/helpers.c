/* Shared set-up for the kernel/fs unit tests. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "helpers.h"
#include "fake_ctl.h"
#include "fs/fdtable.h"
#include "fs/vfs.h"
#include "ramfs.h"
#include "proc.h"

static long base_kalloc, base_pages;

void kfs_setup(const void *cpio, size_t len)
{
	base_kalloc = fake_kalloc_live();
	base_pages = fake_pages_live();
	fake_set_sleep_hook(NULL);
	fake_sleeps = 0;
	fake_kalloc_fail_after(-1);
	fake_uaccess_bad_range(NULL, 0);
	fake_console_reset();
	tty_reset();
	assert_int_equal(fs_init(cpio, len), 0);
	fake_proc.fdt = fdtable_new();
	fake_proc.cwd = NULL;
	assert_non_null(fake_proc.fdt);
}

void kfs_teardown(void)
{
	fdtable_free(fake_proc.fdt);
	fake_proc.fdt = NULL;
	fs_cwd_release(fake_proc.cwd);
	fake_proc.cwd = NULL;
	fake_set_sleep_hook(NULL);
	assert_int_equal(file_count(), 0);
	assert_int_equal(pipe_count(), 0);
	assert_int_equal(fake_locks_held, 0);
	fs_shutdown();
	assert_int_equal(fake_kalloc_live(), base_kalloc);
	assert_int_equal(fake_pages_live(), base_pages);
}

/* newc header: magic + 13 eight-digit hex fields. */
static size_t put_member(unsigned char *buf, size_t off, size_t cap, const char *name,
			 unsigned mode, const void *data, size_t size)
{
	size_t namesz = strlen(name) + 1;
	char hdr[111];
	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 1u, mode, 0u, 0u, 1u, 1700000000u, (unsigned)size, 0u, 0u, 0u, 0u,
		 (unsigned)namesz, 0u);
	assert_true(off + 110 + namesz + 3 + size + 3 <= cap);
	memcpy(buf + off, hdr, 110);
	off += 110;
	memcpy(buf + off, name, namesz);
	off += namesz;
	while (off % 4)
		buf[off++] = 0;
	if (size)
		memcpy(buf + off, data, size);
	off += size;
	while (off % 4)
		buf[off++] = 0;
	return off;
}

size_t cpio_build(unsigned char *buf, size_t cap, ...)
{
	va_list ap;
	size_t off = 0;
	va_start(ap, cap);
	for (;;) {
		const char *name = va_arg(ap, const char *);
		unsigned mode;
		const char *data;
		if (!name)
			break;
		mode = va_arg(ap, unsigned);
		data = va_arg(ap, const char *);
		off = put_member(buf, off, cap, name, mode, data, data ? strlen(data) : 0);
	}
	va_end(ap);
	return put_member(buf, off, cap, "TRAILER!!!", 0, NULL, 0);
}
