/* kmalloc: power-of-two size classes from 16 to 1024 bytes carved out of single pages
 * ("slabs"), and page runs for anything bigger.
 *
 * A slab page starts with struct slab (magic, class, a bitmap of free slots); objects follow
 * at the first slot boundary past the header.  kfree finds the header by rounding the
 * pointer down to its page.  A large block starts with struct big_hdr on its first page.
 * Freeing a slot that is already free, a pointer inside a slot, or a pointer that is neither
 * kind counts as a double/invalid free and panics.  Freed objects are poisoned (0x6b) so a
 * use after free shows up as garbage instead of plausible data.  A slab whose objects are
 * all free goes back to the page allocator at once, so page counts balance in leak tests. */
#include "klib.h"
#include "kalloc.h"
#include "sync.h"
#include "mm/pmm.h"

#define SLAB_MAGIC 0x51ab51ab
#define BIG_MAGIC  0xb16b10c5
#define NCLASS 7            /* 16 32 64 128 256 512 1024 */
#define MIN_SHIFT 4
#define HDR_SIZE 64
#define POISON 0x6b

struct slab {
	uint32_t magic;
	uint16_t cls;
	uint16_t nfree;
	struct slab *next, *prev;   /* partial list of the class */
	uint64_t freemap[4];        /* bit set = slot free; at most 256 slots */
};
_Static_assert(sizeof(struct slab) <= HDR_SIZE, "slab header too big");

struct big_hdr {
	uint32_t magic;
	uint32_t npages;
	uint64_t size;
};

static struct slab *partial[NCLASS];
static struct spinlock kmalloc_lock;
static int kmalloc_ready;
static struct kalloc_stats st;   /* kmalloc_bytes counts whole slots (class size) */
extern uint64_t pmm_double_frees;

static size_t class_size(int c) { return (size_t)1 << (c + MIN_SHIFT); }
static size_t first_slot(int c) { return MAX((size_t)HDR_SIZE, class_size(c)); }
static int nslots(int c) { return (int)((PAGE_SIZE - first_slot(c)) / class_size(c)); }

static void lock(void)
{
	if (!kmalloc_ready) {
		spin_init(&kmalloc_lock, "kmalloc");
		kmalloc_ready = 1;
	}
	spin_lock(&kmalloc_lock);
}

static void list_remove(struct slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		partial[s->cls] = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
}

static void list_push(struct slab *s)
{
	s->prev = NULL;
	s->next = partial[s->cls];
	if (s->next)
		s->next->prev = s;
	partial[s->cls] = s;
}

static void *slab_alloc(int c)
{
	struct slab *s = partial[c];
	if (!s) {
		s = page_alloc();
		if (!s)
			return NULL;
		memset(s, 0, HDR_SIZE);
		s->magic = SLAB_MAGIC;
		s->cls = (uint16_t)c;
		int n = nslots(c);
		s->nfree = (uint16_t)n;
		for (int i = 0; i < n; i++)
			s->freemap[i / 64] |= 1ULL << (i % 64);
		list_push(s);
	}
	int slot = -1;
	for (int w = 0; w < 4; w++) {
		if (s->freemap[w]) {
			slot = w * 64 + __builtin_ctzll(s->freemap[w]);
			break;
		}
	}
	s->freemap[slot / 64] &= ~(1ULL << (slot % 64));
	if (--s->nfree == 0)
		list_remove(s);
	return (char *)s + first_slot(c) + (size_t)slot * class_size(c);
}

void *kmalloc(size_t n)
{
	lock();
	st.kmalloc_calls++;
	void *p = NULL;
	size_t acct = n;
	if (n == 0)
		n = 1;
	if (n <= class_size(NCLASS - 1)) {
		int c = 0;
		while (class_size(c) < n)
			c++;
		p = slab_alloc(c);
		acct = class_size(c);
	} else if (n <= (1UL << 30)) {
		size_t np = (n + HDR_SIZE + PAGE_SIZE - 1) / PAGE_SIZE;
		struct big_hdr *h = pages_alloc(np);
		if (h) {
			h->magic = BIG_MAGIC;
			h->npages = (uint32_t)np;
			h->size = n;
			p = (char *)h + HDR_SIZE;
		}
	}
	if (p) {
		st.kmalloc_objs++;
		st.kmalloc_bytes += acct;
	} else {
		st.kmalloc_fails++;
	}
	spin_unlock(&kmalloc_lock);
	return p;
}

void *kzalloc(size_t n)
{
	void *p = kmalloc(n);
	if (p)
		memset(p, 0, n);
	return p;
}

static void bad_free(void *p, const char *why)
{
	st.double_frees++;
	spin_unlock(&kmalloc_lock);
	panic("kfree(%p): %s", p, why);
}

void kfree(void *p)
{
	if (!p)
		return;
	lock();
	uintptr_t a = (uintptr_t)p;
	struct slab *s = (struct slab *)(a & ~(PAGE_SIZE - 1));
	if (s->magic == SLAB_MAGIC && s->cls < NCLASS && a - (uintptr_t)s >= first_slot(s->cls)) {
		int c = s->cls;
		size_t off = a - (uintptr_t)s - first_slot(c);
		if (off % class_size(c) || off / class_size(c) >= (size_t)nslots(c)) {
			bad_free(p, "pointer inside an object");
			return;
		}
		int slot = (int)(off / class_size(c));
		if (s->freemap[slot / 64] & (1ULL << (slot % 64))) {
			bad_free(p, "double free");
			return;
		}
		memset(p, POISON, class_size(c));
		s->freemap[slot / 64] |= 1ULL << (slot % 64);
		if (s->nfree++ == 0)
			list_push(s);
		st.kmalloc_objs--;
		st.kmalloc_bytes -= class_size(c);
		if (s->nfree == nslots(c)) {
			list_remove(s);
			s->magic = 0;
			page_free(s);
		}
		spin_unlock(&kmalloc_lock);
		return;
	}
	struct big_hdr *h = (struct big_hdr *)(a - HDR_SIZE);
	if (a % PAGE_SIZE == HDR_SIZE && h->magic == BIG_MAGIC) {
		h->magic = 0;
		st.kmalloc_objs--;
		st.kmalloc_bytes -= h->size;
		uint32_t np = h->npages;
		spin_unlock(&kmalloc_lock);
		pages_free(h, np);
		return;
	}
	bad_free(p, s->magic == 0 && a % PAGE_SIZE == HDR_SIZE ? "double free" : "not a kmalloc pointer");
}

void kalloc_stats(struct kalloc_stats *out)
{
	lock();
	*out = st;
	spin_unlock(&kmalloc_lock);
	out->pages_total = pmm_total_pages();
	out->pages_free = pmm_free_pages();
	out->double_frees += pmm_double_frees;
}
