/* The file layer's entry points the process code calls (kernel/fs/). */
#ifndef KERNEL_FSGLUE_H
#define KERNEL_FSGLUE_H
#include <stddef.h>
#include <stos/types.h>

struct fdtable;
struct inode;
struct file;

struct fdtable *fdtable_new(void);
struct fdtable *fdtable_fork(struct fdtable *src);
void fdtable_close_on_exec(struct fdtable *t);
void fdtable_free(struct fdtable *t);
int fdtable_install(struct fdtable *t, struct file *f, int minfd, int fdflags);
int fs_init(const void *initrd, size_t len);
int fs_load_file(const char *path, void **buf, size_t *len);
int fs_access(const char *path, int mode);
struct inode *fs_cwd_hold(struct inode *cwd);
void fs_cwd_release(struct inode *cwd);
int tty_open_console(int flags, struct file **out);
void tty_input_char(int c);
struct file *file_hold(struct file *f);
void file_put(struct file *f);
#endif
