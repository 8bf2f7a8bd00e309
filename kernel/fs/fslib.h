/* Private to kernel/fs: the kernel services fs uses (K's headers) and a few helpers. */
#ifndef FS_FSLIB_H
#define FS_FSLIB_H
#include <stddef.h>
#include <stdint.h>
#include "kalloc.h"
#include "klib.h"
#include "proc.h"
#include "sync.h"
#include "uaccess.h"

#define FS_MIN(a, b) ((a) < (b) ? (a) : (b))
#define FS_PAGE_SIZE 4096

/* The calling process's cwd; kernel threads (no process) resolve from the root. */
static inline struct inode *fs_cur_cwd(void)
{
	struct proc *p = curproc();
	return p ? p->cwd : NULL;
}
#endif
