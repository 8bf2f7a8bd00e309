/* Boot-time construction of the name space: the root, the initrd's contents, /tmp, /dev. */
#include <stos/errno.h>
#include "fs/tty.h"
#include "ramfs.h"
#include "fslib.h"

int fs_init(const void *initrd, size_t len)
{
	int r, r2;

	tty_init();
	fs_lock();
	if (!fs_root()) {
		fs_unlock();
		return -ENOMEM;
	}
	fs_unlock();
	r = cpio_unpack(initrd, len);
	/* Whatever the archive said, the system needs a world-writable sticky /tmp and /dev. */
	r2 = fs_mkdir_at(NULL, "/tmp", 01777);
	if (r2 == 0 || r2 == -EEXIST)
		r2 = 0;
	if (r2 == 0) {
		struct inode *ip;
		fs_lock();
		if (namei(NULL, "/tmp", &ip) == 0) {
			if (inode_isdir(ip))
				ip->i_mode = S_IFDIR | 01777;
			inode_put(ip);
		}
		fs_unlock();
		r2 = dev_make_nodes();
	}
	if (r2 == 0)
		r2 = procfs_init();
	return r < 0 ? r : r2;
}
