/* Lookup in a cpio "newc" archive (the format `cpio -H newc` writes: a 110-byte ASCII
 * header "070701" + 13 eight-digit hex fields, the name, padding to 4, the data, padding
 * to 4; the last entry is "TRAILER!!!").  Every field is bounds-checked. */
#include "klib.h"
#include "initrd.h"
#include <stos/errno.h>

static const unsigned char *rd_base;
static size_t rd_len;

void initrd_set(const void *base, size_t len)
{
	rd_base = base;
	rd_len = len;
}

void initrd_get(const void **base, size_t *len)
{
	*base = rd_base;
	*len = rd_len;
}

static int hex8(const unsigned char *s, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 8; i++) {
		int c = s[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return 0;
}

static const char *strip(const char *p)
{
	while (*p == '/' || (p[0] == '.' && p[1] == '/'))
		p += *p == '/' ? 1 : 2;
	return p;
}

int initrd_find(const char *path, const void **data, size_t *len)
{
	const char *want = strip(path);
	size_t off = 0;
	while (rd_base && off + 110 <= rd_len) {
		const unsigned char *h = rd_base + off;
		uint32_t filesize, namesize;
		if (memcmp(h, "070701", 6) || hex8(h + 54, &filesize) || hex8(h + 94, &namesize))
			return -EINVAL;
		if (namesize == 0 || namesize > rd_len - off - 110)
			return -EINVAL;
		const char *name = (const char *)h + 110;
		if (name[namesize - 1] != 0)
			return -EINVAL;
		size_t doff = ALIGN_UP(off + 110 + namesize, 4);
		if (doff > rd_len || filesize > rd_len - doff)
			return -EINVAL;
		if (strcmp(name, "TRAILER!!!") == 0)
			break;
		if (strcmp(strip(name), want) == 0) {
			*data = rd_base + doff;
			*len = filesize;
			return 0;
		}
		off = ALIGN_UP(doff + filesize, 4);
	}
	return -ENOENT;
}
