/* malloc/free/calloc/realloc.
 *
 * Small blocks come from arenas grown with brk (or mmap when brk cannot move); large blocks
 * (MMAP_THRESHOLD and up) are mapped on their own and unmapped on free.  Every block has a
 * 16-byte header: its total size (a multiple of 16, low bit set while mmapped) and a check
 * word derived from its address, so a free of a pointer malloc never returned, or a second
 * free of the same block, is caught and aborts instead of corrupting the heap.  Free arena
 * blocks sit on one list sorted by address; free merges neighbours, malloc takes the first
 * fit and splits it. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ALIGN          16
#define HDR            16
#define MIN_CHUNK      32
#define ARENA_GROW     (64 * 1024)
#define MMAP_THRESHOLD (256 * 1024)
#define F_MMAP         1UL
#define MAGIC_USED     0x5a17c0de5a17c0deUL
#define MAGIC_FREE     0x0f1eef1e0f1eef1eUL

struct chunk {
	size_t size;               /* total bytes including this header; F_MMAP flag */
	size_t check;              /* MAGIC_* ^ address */
	struct chunk *next;        /* free list link (free chunks only; overlaps payload) */
};

static struct chunk *free_list;

static size_t csize(const struct chunk *c) { return c->size & ~F_MMAP; }
static void mark(struct chunk *c, size_t magic) { c->check = magic ^ (uintptr_t)c; }
static int is(const struct chunk *c, size_t magic) { return c->check == (magic ^ (uintptr_t)c); }

static _Noreturn void heap_corrupt(const char *what, const void *p)
{
	static const char msg[] = "malloc: heap corruption: ";
	char buf[96];
	int n = snprintf(buf, sizeof(buf), "%s%s %p\n", msg, what, p);
	if (n > 0)
		write(2, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	abort();
}

/* Insert c into the address-ordered free list, merging with touching neighbours. */
static void free_insert(struct chunk *c)
{
	struct chunk **pp = &free_list, *prev = NULL;
	while (*pp && *pp < c) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	c->next = *pp;
	mark(c, MAGIC_FREE);
	if (c->next && (char *)c + c->size == (char *)c->next) {
		c->size += c->next->size;
		c->next = c->next->next;
	}
	if (prev && (char *)prev + prev->size == (char *)c) {
		prev->size += c->size;
		prev->next = c->next;
	} else {
		*pp = c;
	}
}

static int arena_grow(size_t need)
{
	size_t n = need > ARENA_GROW ? (need + ARENA_GROW - 1) & ~(size_t)(ARENA_GROW - 1) : ARENA_GROW;
	char *p = sbrk(0);
	struct chunk *c;

	if (p != (void *)-1 && ((uintptr_t)p & (ALIGN - 1))) {
		/* Align the break once; the few bytes skipped are never used. */
		if (sbrk((long)(ALIGN - ((uintptr_t)p & (ALIGN - 1)))) == (void *)-1)
			p = (void *)-1;
	}
	p = p == (void *)-1 ? p : sbrk((long)n);
	if (p == (void *)-1) {
		p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -1;
	}
	c = (struct chunk *)(void *)p;
	c->size = n;
	free_insert(c);
	return 0;
}

void *malloc(size_t n)
{
	size_t need;
	struct chunk **pp, *c;

	if (n > SIZE_MAX / 2) {
		errno = ENOMEM;
		return NULL;
	}
	need = (n + HDR + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (need < MIN_CHUNK)
		need = MIN_CHUNK;
	if (need >= MMAP_THRESHOLD) {
		size_t len = (need + 4095) & ~(size_t)4095;
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED) {
			c = p;
			c->size = len | F_MMAP;
			mark(c, MAGIC_USED);
			return (char *)c + HDR;
		}
		/* No mmap: fall through to the arena. */
	}
	for (int tries = 0; tries < 2; tries++) {
		for (pp = &free_list; (c = *pp) != NULL; pp = &c->next) {
			if (!is(c, MAGIC_FREE))
				heap_corrupt("free list damaged at", c);
			if (c->size < need)
				continue;
			if (c->size - need >= MIN_CHUNK) {
				struct chunk *rest = (struct chunk *)(void *)((char *)c + need);
				rest->size = c->size - need;
				rest->next = c->next;
				mark(rest, MAGIC_FREE);
				*pp = rest;
				c->size = need;
			} else {
				*pp = c->next;
			}
			mark(c, MAGIC_USED);
			return (char *)c + HDR;
		}
		if (arena_grow(need) < 0)
			break;
	}
	errno = ENOMEM;
	return NULL;
}

static struct chunk *chunk_of(void *p, const char *op)
{
	struct chunk *c = (struct chunk *)(void *)((char *)p - HDR);
	if (((uintptr_t)p & (ALIGN - 1)) || !is(c, MAGIC_USED))
		heap_corrupt(is(c, MAGIC_FREE) ? "double free of" : op, p);
	return c;
}

void free(void *p)
{
	struct chunk *c;
	if (!p)
		return;
	c = chunk_of(p, "free of invalid pointer");
	if (c->size & F_MMAP) {
		c->check = 0;
		munmap(c, csize(c));
		return;
	}
	free_insert(c);
}

void *calloc(size_t count, size_t size)
{
	void *p;
	if (size && count > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	p = malloc(count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

void *realloc(void *p, size_t n)
{
	struct chunk *c;
	size_t have, need;
	void *q;

	if (!p)
		return malloc(n);
	if (n == 0) {
		free(p);
		return NULL;
	}
	c = chunk_of(p, "realloc of invalid pointer");
	have = csize(c) - HDR;
	if (n <= have && !(c->size & F_MMAP)) {
		/* Shrink in place, returning a usable tail to the free list. */
		need = (n + HDR + ALIGN - 1) & ~(size_t)(ALIGN - 1);
		if (need < MIN_CHUNK)
			need = MIN_CHUNK;
		if (c->size - need >= MIN_CHUNK) {
			struct chunk *rest = (struct chunk *)(void *)((char *)c + need);
			rest->size = c->size - need;
			c->size = need;
			free_insert(rest);
		}
		return p;
	}
	if (n <= have)
		return p;
	q = malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, have);
	free(p);
	return q;
}
