/* The initrd as QEMU loaded it (the first multiboot module); fs_init unpacks it. */
#ifndef KERNEL_INITRD_H
#define KERNEL_INITRD_H
#include <stddef.h>
void initrd_set(const void *base, size_t len);
void initrd_get(const void **base, size_t *len);
#endif
