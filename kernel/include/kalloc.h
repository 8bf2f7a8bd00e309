/* Kernel memory allocation: small objects (kmalloc) and 4 KiB pages (page_alloc).
 *
 * Interface:
 *   kmalloc(n)   n bytes, 16-byte aligned, contents undefined; NULL when out of memory.
 *   kzalloc(n)   the same, zero-filled.
 *   kfree(p)     p from kmalloc/kzalloc (NULL is ignored); freeing twice panics.
 *   page_alloc() one 4 KiB page, page-aligned kernel virtual address; NULL when out of memory.
 *   page_free(p) gives a page back; freeing twice panics.
 * Every allocation is counted (kalloc_stats) so tests can assert that nothing leaked.
 * None of these sleep; they may be called with spinlocks held, not from interrupt handlers. */
#ifndef KERNEL_KALLOC_H
#define KERNEL_KALLOC_H
#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096UL

void *kmalloc(size_t n);
void *kzalloc(size_t n);
void kfree(void *p);
void *page_alloc(void);
void page_free(void *p);

/* n physically contiguous pages (kernel stacks, big buffers, DMA rings); pages_free with the
 * same n. */
void *pages_alloc(size_t n);
void pages_free(void *p, size_t n);

struct kalloc_stats {
	uint64_t pages_total;     /* usable physical pages found at boot */
	uint64_t pages_free;      /* pages currently free */
	uint64_t kmalloc_objs;    /* live kmalloc objects */
	uint64_t kmalloc_bytes;   /* bytes requested by live kmalloc objects */
	uint64_t kmalloc_calls;   /* kmalloc calls since boot */
	uint64_t kmalloc_fails;   /* kmalloc calls that returned NULL */
	uint64_t double_frees;    /* double or invalid frees caught (each also panics) */
};
void kalloc_stats(struct kalloc_stats *st);

#endif
