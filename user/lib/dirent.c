/* Directory streams: a buffer of linux_dirent64 records from getdents64. */
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sys.h"

struct _DIR {
	int fd;
	size_t pos, len;
	struct dirent ent;
	char buf[4096] __attribute__((aligned(8)));
};

DIR *fdopendir(int fd)
{
	DIR *d = malloc(sizeof(*d));
	if (!d)
		return NULL;
	d->fd = fd;
	d->pos = d->len = 0;
	return d;
}

DIR *opendir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

struct dirent *readdir(DIR *d)
{
	struct linux_dirent64 *k;
	size_t nl;
	if (d->pos >= d->len) {
		long n = sys3(SYS_getdents64, d->fd, (long)d->buf, sizeof(d->buf));
		if (n <= 0) {
			if (n < 0)
				errno = (int)-n;
			return NULL;
		}
		d->len = (size_t)n;
		d->pos = 0;
	}
	k = (struct linux_dirent64 *)(void *)(d->buf + d->pos);
	/* A record that claims to run past the buffer ends the stream instead of overrunning. */
	if (k->d_reclen < offsetof(struct linux_dirent64, d_name) + 1 || d->pos + k->d_reclen > d->len) {
		d->pos = d->len;
		errno = EIO;
		return NULL;
	}
	d->pos += k->d_reclen;
	d->ent.d_ino = k->d_ino;
	d->ent.d_off = k->d_off;
	d->ent.d_reclen = sizeof(d->ent);
	d->ent.d_type = k->d_type;
	nl = strnlen(k->d_name, k->d_reclen - offsetof(struct linux_dirent64, d_name));
	if (nl > sizeof(d->ent.d_name) - 1)
		nl = sizeof(d->ent.d_name) - 1;
	memcpy(d->ent.d_name, k->d_name, nl);
	d->ent.d_name[nl] = 0;
	return &d->ent;
}

int closedir(DIR *d)
{
	int r = close(d->fd);
	free(d);
	return r;
}

void rewinddir(DIR *d)
{
	lseek(d->fd, 0, SEEK_SET);
	d->pos = d->len = 0;
}

int dirfd(DIR *d) { return d->fd; }
