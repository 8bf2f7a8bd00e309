/* struct file allocation and reference counting.  The counts are atomic so a file can be
 * held and dropped without any lock (descriptor tables take their own spinlock only to
 * read the slot). */
#include "fs/file.h"
#include "ramfs.h"
#include "fslib.h"

static long files_live;

struct file *file_alloc(const struct fileops *ops, void *data, unsigned int flags)
{
	struct file *f = kzalloc(sizeof(*f));
	if (!f)
		return NULL;
	f->f_ops = ops;
	f->f_data = data;
	f->f_flags = flags & (O_ACCMODE | O_APPEND | O_NONBLOCK | O_LARGEFILE);
	f->f_refs = 1;
	__atomic_add_fetch(&files_live, 1, __ATOMIC_RELAXED);
	return f;
}

struct file *file_hold(struct file *f)
{
	__atomic_add_fetch(&f->f_refs, 1, __ATOMIC_ACQ_REL);
	return f;
}

void file_put(struct file *f)
{
	if (!f)
		return;
	if (__atomic_sub_fetch(&f->f_refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (f->f_ops && f->f_ops->close)
		f->f_ops->close(f);
	inode_release(f->f_inode); /* name-space files and device nodes hold their inode */
	kfree(f);
	__atomic_sub_fetch(&files_live, 1, __ATOMIC_RELAXED);
}

long file_count(void)
{
	return __atomic_load_n(&files_live, __ATOMIC_RELAXED);
}
