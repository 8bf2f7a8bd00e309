/* The file layer's entry points the process code calls (kernel/fs/, helper F).  Declared
 * weak so the kernel links, and runs its own test programs, in a tree where kernel/fs/ is
 * not built yet; every caller checks the symbol before calling. */
#ifndef KERNEL_FSGLUE_H
#define KERNEL_FSGLUE_H
#include <stddef.h>
#include <stos/types.h>

struct fdtable;
struct inode;
struct file;

#define FS_WEAK __attribute__((weak))
FS_WEAK struct fdtable *fdtable_new(void);
FS_WEAK struct fdtable *fdtable_fork(struct fdtable *src);
FS_WEAK void fdtable_close_on_exec(struct fdtable *t);
FS_WEAK void fdtable_free(struct fdtable *t);
FS_WEAK int fdtable_install(struct fdtable *t, struct file *f, int minfd, int fdflags);
FS_WEAK int fs_init(const void *initrd, size_t len);
FS_WEAK int fs_load_file(const char *path, void **buf, size_t *len);
FS_WEAK int fs_access(const char *path, int mode);
FS_WEAK struct inode *fs_cwd_hold(struct inode *cwd);
FS_WEAK void fs_cwd_release(struct inode *cwd);
FS_WEAK int tty_open_console(int flags, struct file **out);
FS_WEAK void tty_input_char(int c);
FS_WEAK struct file *file_hold(struct file *f);
FS_WEAK void file_put(struct file *f);
#endif
