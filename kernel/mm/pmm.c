/* Physical page allocator: a bitmap, first fit from a moving hint.  Freeing a frame that is
 * already free, or that was never RAM, panics (a kernel bug, caught early). */
#include "klib.h"
#include "kalloc.h"
#include "sync.h"
#include "mm/pmm.h"

static uint64_t *bitmap;
static uint64_t nframes, nfree, ntotal, hint;
static uintptr_t vbase;
static struct spinlock pmm_lock;
uint64_t pmm_double_frees;

void pmm_init_region(uint64_t *bm, uint64_t n, uintptr_t virt_base)
{
	spin_init(&pmm_lock, "pmm");
	bitmap = bm;
	nframes = n;
	vbase = virt_base;
	nfree = ntotal = hint = 0;
	memset(bitmap, 0xff, (n + 63) / 64 * 8);
}

static int used(uint64_t f) { return (bitmap[f / 64] >> (f % 64)) & 1; }
static void set_used(uint64_t f) { bitmap[f / 64] |= 1ULL << (f % 64); }
static void set_free(uint64_t f) { bitmap[f / 64] &= ~(1ULL << (f % 64)); }

void pmm_release_range(uint64_t first, uint64_t count)
{
	for (uint64_t f = first; f < first + count && f < nframes; f++) {
		if (used(f)) {
			set_free(f);
			nfree++;
			ntotal++;
		}
	}
}

uint64_t pmm_free_pages(void) { return nfree; }
uint64_t pmm_total_pages(void) { return ntotal; }
uint64_t pmm_virt_to_frame(const void *p) { return ((uintptr_t)p - vbase) / PAGE_SIZE; }
void *pmm_frame_to_virt(uint64_t f) { return (void *)(vbase + f * PAGE_SIZE); }

/* First run of n free frames at or after `from`; nframes if none. */
static uint64_t find_run(uint64_t from, size_t n)
{
	uint64_t run = 0;
	for (uint64_t f = from; f < nframes; f++) {
		if (run == 0 && f % 64 == 0 && bitmap[f / 64] == ~0ULL) {
			f += 63;
			continue;
		}
		if (used(f)) {
			run = 0;
			continue;
		}
		if (++run == n)
			return f + 1 - n;
	}
	return nframes;
}

void *pages_alloc(size_t n)
{
	if (n == 0)
		return NULL;
	spin_lock(&pmm_lock);
	uint64_t f = find_run(hint, n);
	if (f == nframes)
		f = find_run(0, n);
	if (f == nframes) {
		spin_unlock(&pmm_lock);
		return NULL;
	}
	for (uint64_t i = 0; i < n; i++)
		set_used(f + i);
	nfree -= n;
	hint = f + n;
	spin_unlock(&pmm_lock);
	return pmm_frame_to_virt(f);
}

void pages_free(void *p, size_t n)
{
	if (!p)
		return;
	uint64_t f = pmm_virt_to_frame(p);
	if ((uintptr_t)p % PAGE_SIZE || (uintptr_t)p < vbase || f + n > nframes) {
		pmm_double_frees++;
		panic("pages_free: %p is not a page of RAM", p);
		return;
	}
	spin_lock(&pmm_lock);
	for (uint64_t i = 0; i < n; i++) {
		if (!used(f + i)) {
			spin_unlock(&pmm_lock);
			pmm_double_frees++;
			panic("pages_free: double free of page %p", pmm_frame_to_virt(f + i));
			return;
		}
	}
	for (uint64_t i = 0; i < n; i++)
		set_free(f + i);
	nfree += n;
	if (f < hint)
		hint = f;
	spin_unlock(&pmm_lock);
}

void *page_alloc(void)
{
	return pages_alloc(1);
}

void page_free(void *p)
{
	pages_free(p, 1);
}
