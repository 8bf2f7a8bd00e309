/* The printf family: sinks for streams, descriptors and strings over __vformat. */
#include <stdio.h>
#include <unistd.h>
#include "libc_internal.h"

static void file_sink(void *ctx, const char *s, size_t n) { fwrite(s, 1, n, ctx); }

int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	int n = __vformat(file_sink, f, fmt, ap);
	return ferror(f) ? -1 : n;
}

int fprintf(FILE *restrict f, const char *restrict fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int vprintf(const char *restrict fmt, va_list ap) { return vfprintf(stdout, fmt, ap); }

int printf(const char *restrict fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}

struct strbuf {
	char *s;
	size_t cap;    /* bytes we may store, the NUL excluded */
	size_t len;
};

static void str_sink(void *ctx, const char *s, size_t n)
{
	struct strbuf *b = ctx;
	for (size_t i = 0; i < n && b->len < b->cap; i++)
		b->s[b->len++] = s[i];
}

int vsnprintf(char *restrict s, size_t n, const char *restrict fmt, va_list ap)
{
	struct strbuf b = {s, n ? n - 1 : 0, 0};
	int r = __vformat(str_sink, &b, fmt, ap);
	if (n)
		s[b.len] = 0;
	return r;
}

int snprintf(char *restrict s, size_t n, const char *restrict fmt, ...)
{
	va_list ap;
	int r;
	va_start(ap, fmt);
	r = vsnprintf(s, n, fmt, ap);
	va_end(ap);
	return r;
}

int vsprintf(char *restrict s, const char *restrict fmt, va_list ap)
{
	return vsnprintf(s, (size_t)-1 / 2, fmt, ap);
}

int sprintf(char *restrict s, const char *restrict fmt, ...)
{
	va_list ap;
	int r;
	va_start(ap, fmt);
	r = vsprintf(s, fmt, ap);
	va_end(ap);
	return r;
}

/* dprintf: format into a bounded buffer and write in pieces; no FILE involved, so it is
 * safe between fork and exec. */
struct fdbuf {
	int fd;
	char buf[256];
	size_t len;
};

static void fd_flush(struct fdbuf *b)
{
	size_t off = 0;
	while (off < b->len) {
		ssize_t w = write(b->fd, b->buf + off, b->len - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	b->len = 0;
}

static void fd_sink(void *ctx, const char *s, size_t n)
{
	struct fdbuf *b = ctx;
	for (size_t i = 0; i < n; i++) {
		if (b->len == sizeof(b->buf))
			fd_flush(b);
		b->buf[b->len++] = s[i];
	}
}

int vdprintf(int fd, const char *restrict fmt, va_list ap)
{
	struct fdbuf b;
	int r;
	b.fd = fd;
	b.len = 0;
	r = __vformat(fd_sink, &b, fmt, ap);
	fd_flush(&b);
	return r;
}

int dprintf(int fd, const char *restrict fmt, ...)
{
	va_list ap;
	int r;
	va_start(ap, fmt);
	r = vdprintf(fd, fmt, ap);
	va_end(ap);
	return r;
}
