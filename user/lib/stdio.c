/* Buffered streams (C11 7.21) over file descriptors. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "libc_internal.h"

#define S_RD 1
#define S_WR 2

struct _FILE {
	int fd;
	int access;            /* S_RD | S_WR */
	int bufmode;           /* _IOFBF, _IOLBF, _IONBF */
	int eof, err;
	int ungot;             /* pushed-back char or EOF */
	int own_buf;           /* buf was malloc'd by us */
	unsigned char *buf;
	size_t size;
	size_t rpos, rend;     /* unread bytes are buf[rpos..rend) */
	size_t wlen;           /* buffered bytes not yet written */
	struct _FILE *next;    /* all streams, for exit-time flush */
};

static unsigned char inbuf[BUFSIZ], outbuf[BUFSIZ];
static struct _FILE f_in = {0, S_RD, _IOFBF, 0, 0, EOF, 0, inbuf, BUFSIZ, 0, 0, 0, NULL};
static struct _FILE f_out = {1, S_WR, _IOFBF, 0, 0, EOF, 0, outbuf, BUFSIZ, 0, 0, 0, &f_in};
static struct _FILE f_err = {2, S_WR, _IONBF, 0, 0, EOF, 0, NULL, 0, 0, 0, 0, &f_out};
FILE *stdin = &f_in;
FILE *stdout = &f_out;
FILE *stderr = &f_err;
static FILE *all_files = &f_err;

void __stdio_init(void)
{
	/* C11 7.21.3p7: stdout is line-buffered when it is an interactive device. */
	if (isatty(1))
		f_out.bufmode = _IOLBF;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int flush_write(FILE *f)
{
	if (f->wlen) {
		size_t n = f->wlen;
		f->wlen = 0;
		if (write_all(f->fd, f->buf, n) < 0) {
			f->err = 1;
			return EOF;
		}
	}
	return 0;
}

int fflush(FILE *f)
{
	int r = 0;
	if (!f) {
		/* fflush(NULL) is about output: input streams keep their read-ahead. */
		for (f = all_files; f; f = f->next)
			if (flush_write(f))
				r = EOF;
		return r;
	}
	/* Give unread input back to a seekable file, so a child process or a later read of
	 * the same descriptor sees it (POSIX fflush on an input stream).  On a pipe it stays. */
	if (f->rend > f->rpos && lseek(f->fd, -(off_t)(f->rend - f->rpos), SEEK_CUR) >= 0)
		f->rpos = f->rend = 0;
	return flush_write(f);
}

void __stdio_flush_all(void)
{
	FILE *f;
	for (f = all_files; f; f = f->next)
		flush_write(f);
}

static int parse_mode(const char *mode, int *access)
{
	int flags;
	switch (mode[0]) {
	case 'r': flags = O_RDONLY; *access = S_RD; break;
	case 'w': flags = O_WRONLY | O_CREAT | O_TRUNC; *access = S_WR; break;
	case 'a': flags = O_WRONLY | O_CREAT | O_APPEND; *access = S_WR; break;
	default: return -1;
	}
	for (mode++; *mode; mode++) {
		if (*mode == '+') {
			flags = (flags & ~O_ACCMODE) | O_RDWR;
			*access = S_RD | S_WR;
		} else if (*mode == 'e') {
			flags |= O_CLOEXEC;
		} else if (*mode == 'x') {
			flags |= O_EXCL;
		}
	}
	return flags;
}

FILE *fdopen(int fd, const char *mode)
{
	int access;
	FILE *f;
	if (parse_mode(mode, &access) < 0) {
		errno = EINVAL;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->buf = malloc(BUFSIZ);
	if (!f->buf) {
		free(f);
		return NULL;
	}
	f->own_buf = 1;
	f->size = BUFSIZ;
	f->fd = fd;
	f->access = access;
	f->bufmode = _IOFBF;
	f->ungot = EOF;
	f->next = all_files;
	all_files = f;
	return f;
}

FILE *fopen(const char *restrict path, const char *restrict mode)
{
	int access, flags = parse_mode(mode, &access), fd;
	FILE *f;
	if (flags < 0) {
		errno = EINVAL;
		return NULL;
	}
	fd = open(path, flags, 0666);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, mode);
	if (!f)
		close(fd);
	return f;
}

int fclose(FILE *f)
{
	int r = flush_write(f);
	FILE **pp;
	if (close(f->fd) < 0)
		r = EOF;
	for (pp = &all_files; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	if (f == stdin || f == stdout || f == stderr) {
		f->fd = -1;
		return r;
	}
	if (f->own_buf)
		free(f->buf);
	free(f);
	return r;
}

int setvbuf(FILE *restrict f, char *restrict buf, int mode, size_t size)
{
	if (mode != _IOFBF && mode != _IOLBF && mode != _IONBF) {
		errno = EINVAL;
		return -1;
	}
	flush_write(f);
	if (buf && size) {
		if (f->own_buf)
			free(f->buf);
		f->own_buf = 0;
		f->buf = (unsigned char *)buf;
		f->size = size;
	}
	if (mode != _IONBF && !f->buf) {
		f->buf = malloc(BUFSIZ);
		if (!f->buf)
			return -1;
		f->own_buf = 1;
		f->size = BUFSIZ;
	}
	f->bufmode = mode;
	return 0;
}

void setbuf(FILE *restrict f, char *restrict buf)
{
	setvbuf(f, buf, buf ? _IOFBF : _IONBF, BUFSIZ);
}

int fileno(FILE *f) { return f->fd; }
int feof(FILE *f) { return f->eof; }
int ferror(FILE *f) { return f->err; }
void clearerr(FILE *f) { f->eof = f->err = 0; }

int fseek(FILE *f, long off, int whence)
{
	if (flush_write(f))
		return -1;
	if (whence == SEEK_CUR)
		off -= (long)(f->rend - f->rpos) + (f->ungot != EOF);
	f->rpos = f->rend = 0;
	f->ungot = EOF;
	if (lseek(f->fd, off, whence) < 0)
		return -1;
	f->eof = 0;
	return 0;
}

long ftell(FILE *f)
{
	off_t pos = lseek(f->fd, 0, SEEK_CUR);
	if (pos < 0)
		return -1;
	return pos - (long)(f->rend - f->rpos) - (f->ungot != EOF) + (long)f->wlen;
}

void rewind(FILE *f)
{
	fseek(f, 0, SEEK_SET);
	f->err = 0;
}

/* Reading. */
static int refill(FILE *f)
{
	ssize_t n;
	if (!(f->access & S_RD)) {
		f->err = 1;
		errno = EBADF;
		return EOF;
	}
	flush_write(f);
	/* Interactive convention: flush stdout before waiting for input on stdin. */
	if (f == stdin && stdout->bufmode == _IOLBF)
		flush_write(stdout);
	if (!f->buf) {
		unsigned char c;
		do
			n = read(f->fd, &c, 1);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			goto eof;
		return c;
	}
	do
		n = read(f->fd, f->buf, f->size);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		goto eof;
	f->rpos = 1;
	f->rend = (size_t)n;
	return f->buf[0];
eof:
	if (n == 0)
		f->eof = 1;
	else
		f->err = 1;
	return EOF;
}

int fgetc(FILE *f)
{
	if (f->ungot != EOF) {
		int c = f->ungot;
		f->ungot = EOF;
		return c;
	}
	if (f->rpos < f->rend)
		return f->buf[f->rpos++];
	return refill(f);
}

int getc(FILE *f) { return fgetc(f); }
int getchar(void) { return fgetc(stdin); }

int ungetc(int c, FILE *f)
{
	if (c == EOF || f->ungot != EOF)
		return EOF;
	f->ungot = (unsigned char)c;
	f->eof = 0;
	return (unsigned char)c;
}

char *fgets(char *restrict s, int n, FILE *restrict f)
{
	int i = 0, c;
	if (n <= 0)
		return NULL;
	while (i < n - 1) {
		c = fgetc(f);
		if (c == EOF)
			break;
		s[i++] = (char)c;
		if (c == '\n')
			break;
	}
	if (i == 0)
		return NULL;
	s[i] = 0;
	return s;
}

ssize_t getdelim(char **restrict line, size_t *restrict cap, int delim, FILE *restrict f)
{
	size_t n = 0;
	int c;
	if (!line || !cap) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		c = fgetc(f);
		if (c == EOF && n == 0)
			return -1;
		if (n + 2 > *cap || !*line) {
			size_t nc = *cap < 64 ? 128 : *cap * 2;
			char *p = realloc(*line, nc);
			if (!p)
				return -1;
			*line = p;
			*cap = nc;
		}
		if (c == EOF)
			break;
		(*line)[n++] = (char)c;
		if (c == delim)
			break;
	}
	(*line)[n] = 0;
	return (ssize_t)n;
}

ssize_t getline(char **restrict line, size_t *restrict cap, FILE *restrict f)
{
	return getdelim(line, cap, '\n', f);
}

size_t fread(void *restrict p, size_t size, size_t n, FILE *restrict f)
{
	unsigned char *d = p;
	size_t want, got = 0;
	if (size == 0 || n == 0)
		return 0;
	want = size * n;
	if (f->ungot != EOF && want > 0) {
		d[got++] = (unsigned char)f->ungot;
		f->ungot = EOF;
	}
	while (got < want) {
		size_t avail = f->rend - f->rpos;
		if (avail) {
			size_t k = avail < want - got ? avail : want - got;
			memcpy(d + got, f->buf + f->rpos, k);
			f->rpos += k;
			got += k;
		} else if (want - got >= f->size) {
			/* Large reads bypass the buffer. */
			ssize_t r = read(f->fd, d + got, want - got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				if (r == 0)
					f->eof = 1;
				else
					f->err = 1;
				break;
			}
			got += (size_t)r;
		} else {
			int c = refill(f);
			if (c == EOF)
				break;
			d[got++] = (unsigned char)c;
		}
	}
	return got / size;
}

/* Writing. */
static size_t put_bytes(FILE *f, const unsigned char *s, size_t n)
{
	if (!(f->access & S_WR) || f->fd < 0) {
		f->err = 1;
		errno = EBADF;
		return 0;
	}
	if (f->rend > f->rpos || f->ungot != EOF) {
		/* Switching from reading to writing: reposition to the logical offset. */
		lseek(f->fd, -(off_t)(f->rend - f->rpos) - (f->ungot != EOF), SEEK_CUR);
		f->rpos = f->rend = 0;
		f->ungot = EOF;
	}
	if (f->bufmode == _IONBF || !f->buf) {
		if (write_all(f->fd, s, n) < 0) {
			f->err = 1;
			return 0;
		}
		return n;
	}
	if (f->wlen + n > f->size) {
		if (flush_write(f))
			return 0;
		if (n >= f->size) {
			if (write_all(f->fd, s, n) < 0) {
				f->err = 1;
				return 0;
			}
			return n;
		}
	}
	memcpy(f->buf + f->wlen, s, n);
	f->wlen += n;
	if (f->bufmode == _IOLBF && memchr(s, '\n', n) && flush_write(f))
		return 0;
	return n;
}

size_t fwrite(const void *restrict p, size_t size, size_t n, FILE *restrict f)
{
	if (size == 0 || n == 0)
		return 0;
	return put_bytes(f, p, size * n) / size;
}

int fputc(int c, FILE *f)
{
	unsigned char b = (unsigned char)c;
	return put_bytes(f, &b, 1) == 1 ? b : EOF;
}
int putc(int c, FILE *f) { return fputc(c, f); }
int putchar(int c) { return fputc(c, stdout); }

int fputs(const char *restrict s, FILE *restrict f)
{
	size_t n = strlen(s);
	return put_bytes(f, (const unsigned char *)s, n) == n ? 0 : EOF;
}

int puts(const char *s)
{
	if (fputs(s, stdout) == EOF || fputc('\n', stdout) == EOF)
		return EOF;
	return 0;
}

int remove(const char *path)
{
	if (unlink(path) == 0)
		return 0;
	if (errno == EISDIR)
		return rmdir(path);
	return -1;
}
