/* The per-line arena: blocks chained together and freed at once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sh.h"

struct block {
	struct block *next;
	size_t used, size;
	char data[];
};

static struct block *blocks;

void *sh_alloc(size_t n)
{
	struct block *b = blocks;
	n = (n + 15) & ~(size_t)15;
	if (!b || b->size - b->used < n) {
		size_t size = n > 8192 ? n : 8192;
		b = malloc(sizeof(*b) + size);
		if (!b) {
			static const char msg[] = "sh: out of memory\n";
			write(2, msg, sizeof(msg) - 1);
			_exit(2);
		}
		b->size = size;
		b->used = 0;
		b->next = blocks;
		blocks = b;
	}
	b->used += n;
	return memset(b->data + b->used - n, 0, n);
}

char *sh_strdup(const char *s, size_t n)
{
	char *p = sh_alloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

void sh_arena_reset(void)
{
	while (blocks) {
		struct block *next = blocks->next;
		free(blocks);
		blocks = next;
	}
}

/* Mark and release: memory allocated after a mark is given back at release, so a loop that
 * runs for hours reuses the same space each iteration.  Allocations made before the mark
 * (the parsed command) stay valid. */
struct arena_mark sh_arena_mark(void)
{
	struct arena_mark m = {blocks, blocks ? blocks->used : 0};
	return m;
}

void sh_arena_release(struct arena_mark m)
{
	while (blocks && blocks != m.block) {
		struct block *next = blocks->next;
		free(blocks);
		blocks = next;
	}
	if (blocks)
		blocks->used = m.used;
}
