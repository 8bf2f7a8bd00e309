/* The initrd as QEMU loaded it (the first multiboot module): where it is, for fs_init to
 * unpack into the ramfs (kernel/fs/cpio.c parses it). */
#include "klib.h"
#include "initrd.h"

static const unsigned char *rd_base;
static size_t rd_len;

void initrd_set(const void *base, size_t len)
{
	rd_base = base;
	rd_len = len;
}

void initrd_get(const void **base, size_t *len)
{
	*base = rd_base;
	*len = rd_len;
}
