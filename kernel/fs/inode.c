/* ramfs inodes: allocation, reference counting, stat, and the page-backed data of regular
 * files.  All under the fs mutex (see ramfs.h). */
#include <stos/errno.h>
#include "dev/clock.h"
#include "ramfs.h"
#include "fslib.h"

static struct mutex fs_mutex;
static int fs_mutex_ready;
static struct inode *root;
static unsigned long next_ino = 1;
static long inodes_live, pages_live;

void fs_lock(void)
{
	if (!fs_mutex_ready) {
		mutex_init(&fs_mutex, "fs");
		fs_mutex_ready = 1;
	}
	mutex_lock(&fs_mutex);
}

void fs_unlock(void) { mutex_unlock(&fs_mutex); }
int fs_locked(void) { return fs_mutex_ready && mutex_held(&fs_mutex); }

/* Wall-clock seconds (the RTC at boot plus the monotonic clock), for time stamps. */
long fs_now(void) { return (long)(clock_realtime_ns() / 1000000000ull); }

struct inode *fs_root(void)
{
	if (!root) {
		root = inode_new(S_IFDIR | 0755);
		if (root) {
			root->i_parent = root;
			root->i_nlink = 2;
		}
	}
	return root;
}

struct inode *inode_new(mode_t mode)
{
	struct inode *ip = kzalloc(sizeof(*ip));
	if (!ip)
		return NULL;
	ip->i_ino = next_ino++;
	ip->i_mode = mode;
	ip->i_refs = 1;
	ip->i_atime = ip->i_mtime = ip->i_ctime = fs_now();
	ip->i_dseq = DIRENT_FIRST_SEQ;
	inodes_live++;
	return ip;
}

void inode_hold(struct inode *ip)
{
	ip->i_refs++;
}

static void inode_free_data(struct inode *ip)
{
	for (size_t i = 0; i < ip->i_pagecap; i++) {
		if (ip->i_pages[i]) {
			page_free(ip->i_pages[i]);
			pages_live--;
		}
	}
	kfree(ip->i_pages);
	ip->i_pages = NULL;
	ip->i_pagecap = 0;
}

static void inode_free(struct inode *ip)
{
	struct dirent_node *d = ip->i_dhead;
	while (d) {
		/* Only fs_shutdown frees a directory that still has entries. */
		struct dirent_node *next = d->next;
		kfree(d);
		d = next;
	}
	inode_free_data(ip);
	if (ip == root)
		root = NULL;
	kfree(ip);
	inodes_live--;
}

void inode_put(struct inode *ip)
{
	if (!ip)
		return;
	if (--ip->i_refs == 0 && ip->i_nlink == 0)
		inode_free(ip);
}

void inode_release(struct inode *ip)
{
	if (!ip)
		return;
	fs_lock();
	inode_put(ip);
	fs_unlock();
}

void inode_stat(struct inode *ip, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = RAMFS_DEV;
	st->st_ino = ip->i_ino;
	st->st_nlink = ip->i_nlink;
	st->st_mode = ip->i_mode;
	st->st_rdev = ip->i_rdev;
	st->st_size = S_ISREG(ip->i_mode) ? ip->i_size : 0;
	if (S_ISDIR(ip->i_mode))
		st->st_size = (long)(ip->i_nentries + 2) * 32;
	st->st_blksize = FS_PAGE_SIZE;
	for (size_t i = 0; i < ip->i_pagecap; i++)
		st->st_blocks += ip->i_pages[i] ? FS_PAGE_SIZE / 512 : 0;
	st->st_atim.tv_sec = ip->i_atime;
	st->st_mtim.tv_sec = ip->i_mtime;
	st->st_ctim.tv_sec = ip->i_ctime;
}

/* Make room for page index idx in the page array. */
static int inode_grow_pages(struct inode *ip, size_t idx)
{
	size_t cap = ip->i_pagecap ? ip->i_pagecap : 4;
	unsigned char **np;
	if (idx < ip->i_pagecap)
		return 0;
	while (cap <= idx)
		cap *= 2;
	np = kzalloc(cap * sizeof(*np));
	if (!np)
		return -ENOMEM;
	if (ip->i_pagecap)
		memcpy(np, ip->i_pages, ip->i_pagecap * sizeof(*np));
	kfree(ip->i_pages);
	ip->i_pages = np;
	ip->i_pagecap = cap;
	return 0;
}

/* File data may not eat the memory the rest of the kernel needs: writes that would leave
 * fewer than FS_RESERVE_PAGES free pages fail with ENOSPC, like a full disk. */
#define FS_RESERVE_PAGES 2048
int fs_memory_low(void)
{
	struct kalloc_stats ks;
	kalloc_stats(&ks);
	return ks.pages_free < FS_RESERVE_PAGES;
}

long inode_read(struct inode *ip, long off, struct uio *u)
{
	static const unsigned char zeroes[256];
	long done = 0;

	if (off < 0)
		return -EINVAL;
	while (u->uio_resid > 0 && off < ip->i_size) {
		size_t idx = (size_t)off / FS_PAGE_SIZE, in = (size_t)off % FS_PAGE_SIZE;
		size_t n = FS_MIN(FS_PAGE_SIZE - in, (size_t)(ip->i_size - off));
		long r;
		n = FS_MIN(n, u->uio_resid);
		if (idx < ip->i_pagecap && ip->i_pages[idx]) {
			r = uio_copyout(ip->i_pages[idx] + in, n, u);
		} else {
			n = FS_MIN(n, sizeof(zeroes));
			r = uio_copyout(zeroes, n, u);
		}
		if (r < 0)
			return done ? done : r;
		done += r;
		off += r;
		if ((size_t)r < n)
			break;
	}
	ip->i_atime = fs_now();
	return done;
}

long inode_write(struct inode *ip, long off, struct uio *u)
{
	long done = 0;

	if (off < 0)
		return -EINVAL;
	if (u->uio_resid > 0 && off >= FS_FILE_SIZE_MAX)
		return -EFBIG;
	while (u->uio_resid > 0 && off < FS_FILE_SIZE_MAX) {
		size_t idx = (size_t)off / FS_PAGE_SIZE, in = (size_t)off % FS_PAGE_SIZE;
		size_t n = FS_MIN(FS_PAGE_SIZE - in, u->uio_resid);
		long r;
		n = FS_MIN(n, (size_t)(FS_FILE_SIZE_MAX - off));
		if (inode_grow_pages(ip, idx) < 0)
			return done ? done : -ENOSPC;
		if (!ip->i_pages[idx]) {
			if (fs_memory_low())
				return done ? done : -ENOSPC;
			ip->i_pages[idx] = page_alloc();
			if (!ip->i_pages[idx])
				return done ? done : -ENOSPC;
			memset(ip->i_pages[idx], 0, FS_PAGE_SIZE);
			pages_live++;
		}
		r = uio_copyin(ip->i_pages[idx] + in, n, u);
		if (r < 0) {
			/* What the bad segment partly delivered is not in the file: re-zero the
			 * unaccounted bytes past i_size to keep the page invariant. */
			if (off + (long)n > ip->i_size) {
				long from = off > ip->i_size ? off : ip->i_size;
				memset(ip->i_pages[idx] + (from % FS_PAGE_SIZE), 0,
				       (size_t)(off + (long)n - from));
			}
			if (done)
				break;
			return r;
		}
		done += r;
		off += r;
		if (off > ip->i_size)
			ip->i_size = off;
	}
	ip->i_mtime = ip->i_ctime = fs_now();
	return done;
}

long inode_write_kernel(struct inode *ip, long off, const void *buf, size_t n)
{
	struct iovec iov;
	struct uio u;
	uio_init1(&u, &iov, (void *)(uintptr_t)buf, n, UIO_KERNEL);
	return inode_write(ip, off, &u);
}

int inode_truncate(struct inode *ip, long size)
{
	if (size < 0)
		return -EINVAL;
	if (size > FS_FILE_SIZE_MAX)
		return -EFBIG;
	if (size < ip->i_size) {
		size_t keep = ((size_t)size + FS_PAGE_SIZE - 1) / FS_PAGE_SIZE;
		for (size_t i = keep; i < ip->i_pagecap; i++) {
			if (ip->i_pages[i]) {
				page_free(ip->i_pages[i]);
				ip->i_pages[i] = NULL;
				pages_live--;
			}
		}
		if (size % FS_PAGE_SIZE && (size_t)size / FS_PAGE_SIZE < ip->i_pagecap) {
			unsigned char *pg = ip->i_pages[size / FS_PAGE_SIZE];
			if (pg)
				memset(pg + size % FS_PAGE_SIZE, 0, FS_PAGE_SIZE - size % FS_PAGE_SIZE);
		}
	}
	ip->i_size = size;
	ip->i_mtime = ip->i_ctime = fs_now();
	return 0;
}

/* Free a subtree depth first; used only by fs_shutdown. */
static void inode_free_tree(struct inode *ip)
{
	struct dirent_node *d = ip->i_dhead;
	while (d) {
		struct dirent_node *next = d->next;
		if (d->ip != ip && inode_isdir(d->ip))
			inode_free_tree(d->ip);
		else if (d->ip != ip)
			inode_free(d->ip);
		kfree(d);
		d = next;
	}
	ip->i_dhead = ip->i_dtail = NULL;
	inode_free(ip);
}

void fs_shutdown(void)
{
	procfs_shutdown();
	fs_lock();
	if (root)
		inode_free_tree(root);
	root = NULL;
	fs_unlock();
}

void fs_get_stats(struct fs_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->inodes = inodes_live;
	st->data_pages = pages_live;
	st->files = file_count();
	st->pipes = pipe_count();
	st->cpio_errors = cpio_error_count();
}
