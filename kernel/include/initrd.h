/* The initrd as QEMU loaded it (the first multiboot module), before and besides the file
 * system: find a file in the raw cpio newc archive.  Used to start programs when the file
 * layer is not built in. */
#ifndef KERNEL_INITRD_H
#define KERNEL_INITRD_H
#include <stddef.h>
void initrd_set(const void *base, size_t len);
void initrd_get(const void **base, size_t *len);
/* 0 and the file's bytes (in place, read only), or -ENOENT / -EINVAL. */
int initrd_find(const char *path, const void **data, size_t *len);
#endif
