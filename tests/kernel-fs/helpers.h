/* Shared helpers for the kernel/fs unit tests. */
#ifndef KFS_TEST_HELPERS_H
#define KFS_TEST_HELPERS_H
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

/* Call a file syscall with up to three arguments, the rest zero. */
#define SYS2(name, a, b) sys_##name((long)(a), (long)(b), 0, 0, 0, 0)
#define SYS3(name, a, b, c) sys_##name((long)(a), (long)(b), (long)(c), 0, 0, 0)
#define SYS4(name, a, b, c, d) sys_##name((long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

/* A fresh fs with the given archive (NULL: empty), a new fdtable for fake_proc, cwd root. */
void kfs_setup(const void *cpio, size_t len);
/* Close everything and check nothing leaked (files, pipes, fdtable). */
void kfs_teardown(void);
/* Build a cpio newc archive in buf from (name, mode, data) triples ending with NULL name.
 * Returns its length. */
size_t cpio_build(unsigned char *buf, size_t cap, ...);
#endif
