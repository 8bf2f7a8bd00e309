/* Unpacking the initrd: a cpio archive in the "newc" format (the one `cpio -H newc` and
 * the Linux initramfs use; see the Linux kernel's early-userspace/buffer-format.txt and
 * cpio(5)).  Each member is a 110-byte ASCII header
 *     magic "070701" (or "070702", CRC variant), then 13 fields of 8 hex digits:
 *     ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor
 *     namesize check
 * followed by the NUL-terminated name (namesize bytes, NUL included), padding to a 4-byte
 * boundary, the data (filesize bytes), padding to 4 again.  The member named "TRAILER!!!"
 * ends the archive.
 *
 * The archive is input, not trusted: every field and length is checked against the buffer
 * before use, and the data checksum of "070702" members is verified.  A malformed archive
 * stops the unpacking with -EINVAL (counted); directories and regular files are created,
 * other member types (symbolic links, device nodes) are skipped.  Names may start with "/"
 * or "./"; a ".." component is rejected. */
#include <stos/errno.h>
#include <stos/fcntl.h>
#include "ramfs.h"
#include "fslib.h"

#define CPIO_HDR 110
enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJ, F_DEVMIN,
       F_RDEVMAJ, F_RDEVMIN, F_NAMESIZE, F_CHECK, F_COUNT };

static long cpio_errors;
long cpio_error_count(void) { return cpio_errors; }

static int has_nul(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == 0)
			return 1;
	return 0;
}

static int hexfield(const unsigned char *p, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 8; i++) {
		unsigned char c = p[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -EINVAL;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/* Turn an archive name into an absolute path in buf ("/" + name without "./" or "/"
 * prefixes and without trailing slashes).  Returns the length, 0 for the root itself, or
 * -EINVAL for a ".." component or a name too long. */
static long cpio_path(const char *name, size_t len, char *buf)
{
	size_t o = 0, i = 0;
	while (i < len) {
		size_t s;
		while (i < len && name[i] == '/')
			i++;
		s = i;
		while (i < len && name[i] != '/')
			i++;
		if (i == s || (i - s == 1 && name[s] == '.'))
			continue;
		if (i - s == 2 && name[s] == '.' && name[s + 1] == '.')
			return -EINVAL;
		if (i - s > FS_NAME_MAX || o + 1 + (i - s) >= FS_PATH_MAX)
			return -EINVAL;
		buf[o++] = '/';
		memcpy(buf + o, name + s, i - s);
		o += i - s;
	}
	buf[o] = 0;
	return (long)o;
}

/* mkdir -p for every directory prefix of path (and path itself when whole). */
static int make_dirs(char *path, size_t len, int whole)
{
	for (size_t i = 1; i <= len; i++) {
		if (i == len ? whole : path[i] == '/') {
			char save = path[i];
			int r;
			path[i] = 0;
			r = fs_mkdir_at(NULL, path, 0755);
			path[i] = save;
			if (r < 0 && r != -EEXIST)
				return r;
		}
	}
	return 0;
}

/* Apply the header's permission bits and time to what path names, checking its type. */
static int set_attrs(const char *path, uint32_t mode, uint32_t mtime)
{
	struct inode *ip;
	int r;
	fs_lock();
	r = namei(NULL, path, &ip);
	if (r == 0) {
		if ((ip->i_mode & S_IFMT) != (mode & S_IFMT)) {
			r = -EEXIST;
		} else {
			ip->i_mode = (ip->i_mode & S_IFMT) | (mode & 07777);
			ip->i_mtime = mtime;
		}
		inode_put(ip);
	}
	fs_unlock();
	return r;
}

static int make_file(char *path, size_t plen, uint32_t mode, uint32_t mtime,
		     const unsigned char *data, size_t size)
{
	struct file *f;
	int r = make_dirs(path, plen, 0);
	long w;
	if (r < 0)
		return r;
	r = fs_open_at(NULL, path, O_CREAT | O_WRONLY | O_TRUNC, mode & 07777, &f);
	if (r < 0)
		return r;
	fs_lock();
	w = size ? inode_write_kernel(f->f_inode, 0, data, size) : 0;
	fs_unlock();
	file_put(f);
	if (w != (long)size)
		return w < 0 ? (int)w : -ENOSPC;
	return set_attrs(path, mode, mtime);
}

static int cpio_unpack_all(const unsigned char *buf, size_t len, char *path)
{
	size_t off = 0;

	for (;;) {
		uint32_t fld[F_COUNT];
		size_t namesz, filesz, nameoff, dataoff, next;
		const char *name;
		long plen;
		int r;

		if (len - off < CPIO_HDR)
			return -EINVAL; /* truncated, or no trailer */
		if (memcmp(buf + off, "07070", 5) != 0 || (buf[off + 5] != '1' && buf[off + 5] != '2'))
			return -EINVAL;
		for (int i = 0; i < F_COUNT; i++)
			if (hexfield(buf + off + 6 + 8 * i, &fld[i]) < 0)
				return -EINVAL;
		namesz = fld[F_NAMESIZE];
		filesz = fld[F_FILESIZE];
		nameoff = off + CPIO_HDR;
		if (namesz == 0 || namesz > FS_PATH_MAX || namesz > len - nameoff)
			return -EINVAL;
		name = (const char *)buf + nameoff;
		if (name[namesz - 1] != 0 || has_nul(name, namesz - 1))
			return -EINVAL;
		dataoff = (nameoff + namesz + 3) & ~(size_t)3;
		if (dataoff > len || filesz > len - dataoff)
			return -EINVAL;
		next = (dataoff + filesz + 3) & ~(size_t)3;
		if (buf[off + 5] == '2') {
			/* "070702": check is the 32-bit sum of the data bytes (cpio(5)). */
			uint32_t sum = 0;
			for (size_t i = 0; i < filesz; i++)
				sum += buf[dataoff + i];
			if (sum != fld[F_CHECK])
				return -EINVAL;
		}
		if (namesz == 11 && memcmp(name, "TRAILER!!!", 11) == 0)
			return 0;
		plen = cpio_path(name, namesz - 1, path);
		if (plen < 0)
			return (int)plen;
		switch (fld[F_MODE] & S_IFMT) {
		case S_IFDIR:
			if (filesz != 0)
				return -EINVAL;
			if (plen == 0) {
				r = set_attrs("/", fld[F_MODE], fld[F_MTIME]);
			} else {
				r = make_dirs(path, (size_t)plen, 1);
				if (r == 0)
					r = set_attrs(path, fld[F_MODE], fld[F_MTIME]);
			}
			break;
		case S_IFREG:
			if (plen == 0)
				return -EINVAL;
			r = make_file(path, (size_t)plen, fld[F_MODE], fld[F_MTIME], buf + dataoff,
				      filesz);
			break;
		case S_IFLNK: case S_IFCHR: case S_IFBLK: case S_IFIFO: case S_IFSOCK:
			r = 0; /* not supported: skipped (README "not supported yet") */
			break;
		default:
			return -EINVAL;
		}
		if (r < 0)
			return r;
		if (next > len)
			return -EINVAL;
		off = next;
	}
}

int cpio_unpack(const void *buf, size_t len)
{
	char *path;
	int r;
	if (!buf || len == 0)
		return 0;
	path = page_alloc(); /* FS_PATH_MAX bytes, off the kernel stack */
	if (!path)
		return -ENOMEM;
	r = cpio_unpack_all(buf, len, path);
	page_free(path);
	if (r == -EINVAL)
		cpio_errors++;
	return r;
}
