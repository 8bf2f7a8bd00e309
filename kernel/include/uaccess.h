/* Copying between kernel and user memory: the syscall boundary.
 *
 * Every user pointer a syscall receives goes through these.  They check that the whole range
 * lies in the user half of the address space and is mapped with the needed access in the
 * calling process's page tables, and a fault during the copy is caught (fixup), so a bad
 * pointer yields -EFAULT and never a kernel crash or a read of kernel memory. */
#ifndef KERNEL_UACCESS_H
#define KERNEL_UACCESS_H
#include <stddef.h>
#include <stdint.h>

/* 0 or -EFAULT. */
int copyin(void *dst, const void *usrc, size_t n);
int copyout(void *udst, const void *src, size_t n);
/* Copies a NUL-terminated string of at most max bytes including the NUL; returns its length
 * (without the NUL), -EFAULT, or -ENAMETOOLONG when no NUL is found in max bytes. */
long copyinstr(char *dst, const char *usrc, size_t max);

/* 1 if [uaddr, uaddr+n) lies entirely in the user half (no check of the mappings). */
int user_range_ok(uint64_t uaddr, size_t n);

#endif
