/* mbufs: allocation, the counted pools, and the chain operations declared in mbuf.h.
 * Ownership contracts are stated once, in mbuf.h, beside each declaration. */
#include <stos/errno.h>
#include "netlib.h"
#include "mbuf.h"

/* Process-wide pool counters.  An allocation or free is counted exactly once: by the cache
 * that handed out or took back the block (struct mcache's gets and puts, plain stores made
 * while its try-lock is held), or, when no cache did (empty, full, busy, or none under
 * AddressSanitizer), here with an atomic add, since drivers on other threads allocate too.
 * The common case thus pays no `lock`-prefixed instruction for its counting: on the hosted
 * benchmark they were a third of the per-frame allocation cost.  The live counts (mbufs,
 * clusters) are allocations minus frees, summed when asked (mbuf_stats). */
static struct {
	uint64_t mbuf_allocs, mbuf_frees, cluster_allocs, cluster_frees;
	uint64_t drops, copies, pullups_failed;
} mstat;
static uint64_t max_mbufs, max_clusters;

#define ATOMIC_INC(x) __atomic_add_fetch(&(x), 1, __ATOMIC_RELAXED)
#define ATOMIC_LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

struct mcluster {
	uint32_t ref;
	uint8_t buf[MCLBYTES];
};
struct mbigcluster {
	uint32_t ref;
	uint8_t buf[MBIGCLBYTES];
};

/* A small cache of free mbuf and cluster blocks in front of port_alloc: every segment sent
 * allocates and frees a few of each, and the general allocator costs several hundred
 * instructions a call (a third of the hosted sender's per-segment work before this cache).
 * A cache is a singly linked stack guarded by a try-lock flag: whoever finds it taken (another
 * thread, or a kernel thread that preempted the holder) simply uses port_alloc/port_free, so
 * nobody ever waits and nothing can deadlock.  Cached blocks are not "live" for the pool
 * counters (mbuf_stats) nor for leak checks (mbuf_cache_bytes).  Under AddressSanitizer there
 * is no cache, so a use after free of an mbuf is still caught.
 *
 * The get and put are inlined into the allocation and free paths (a handful of instructions
 * when the cache answers): as out-of-line calls, with a port_free(NULL) call on every put,
 * they cost more than the work they did. */
#if defined(__SANITIZE_ADDRESS__)
#define MCACHE_ON 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MCACHE_ON 0
#endif
#endif
#ifndef MCACHE_ON
#define MCACHE_ON 1
#endif

struct mcache {
	int busy;                   /* try-lock */
	unsigned n;
	void *head;                 /* free blocks, linked through their first word */
	unsigned max;               /* blocks kept at most (0 under AddressSanitizer) */
	size_t size;                /* bytes per block */
	uint64_t gets, puts;        /* blocks handed out and taken back (written under busy) */
	uint64_t *allocs, *frees;   /* the global counters port_alloc/port_free fallbacks use */
};
/* At most 1 MiB of small clusters and 1 MiB of page-sized ones stay cached. */
static struct mcache mcache_mbuf = { .max = MCACHE_ON ? 512u : 0u, .size = sizeof(struct mbuf),
    .allocs = &mstat.mbuf_allocs, .frees = &mstat.mbuf_frees };
static struct mcache mcache_clus = { .max = MCACHE_ON ? 512u : 0u,
    .size = sizeof(struct mcluster), .allocs = &mstat.cluster_allocs,
    .frees = &mstat.cluster_frees };
static struct mcache mcache_big = { .max = MCACHE_ON ? 256u : 0u,
    .size = sizeof(struct mbigcluster), .allocs = &mstat.cluster_allocs,
    .frees = &mstat.cluster_frees };
/* Mbufs with a small cluster still attached, as m_getcl returns them: a received frame is
 * allocated that way and freed whole once consumed, so the pair makes one cache visit each
 * way instead of two.  Blocks: sizeof(struct mbuf) + sizeof(struct mcluster) each. */
static struct mcache mcache_pkt = { .max = MCACHE_ON ? 256u : 0u, .size = 0 };

/* A counter only its cache's try-lock holder writes: a plain add (the relaxed atomic store
 * keeps concurrent readers, mbuf_stats, from seeing a torn value on any machine). */
#define MCACHE_COUNT(x, k) __atomic_store_n(&(x), (x) + (k), __ATOMIC_RELAXED)
#define MCACHE_INLINE static inline __attribute__((always_inline))

/* The caches link free blocks through their first word; a free mbuf's is m_next, so a chain
 * is already such a list (m_freem). */
_Static_assert(offsetof(struct mbuf, m_next) == 0, "m_next must be an mbuf's first word");

MCACHE_INLINE bool mcache_trylock(struct mcache *c)
{
	return !__atomic_exchange_n(&c->busy, 1, __ATOMIC_ACQUIRE);
}

MCACHE_INLINE void mcache_unlock(struct mcache *c)
{
	__atomic_store_n(&c->busy, 0, __ATOMIC_RELEASE);
}

/* A cached block, or NULL when the cache is empty or busy (the caller's slow path then asks
 * port_alloc: kept out of the fast paths, whose functions then need no saved registers). */
MCACHE_INLINE void *mcache_take(struct mcache *c)
{
	void *p = NULL;
	if (MCACHE_ON && __atomic_load_n(&c->head, __ATOMIC_RELAXED) && mcache_trylock(c)) {
		p = c->head;
		if (p) {
			__atomic_store_n(&c->head, *(void **)p, __ATOMIC_RELAXED);
			__atomic_store_n(&c->n, c->n - 1, __ATOMIC_RELAXED);
			MCACHE_COUNT(c->gets, 1);
		}
		mcache_unlock(c);
	}
	return p;
}

/* A block from the cache, or else from port_alloc (counted in the global counter). */
MCACHE_INLINE void *mcache_get(struct mcache *c)
{
	void *p = mcache_take(c);
	if (!p && (p = port_alloc(c->size)) != NULL)
		__atomic_add_fetch(c->allocs, 1, __ATOMIC_RELAXED);
	return p;
}

MCACHE_INLINE void mcache_put(struct mcache *c, void *p)
{
	if (__atomic_load_n(&c->n, __ATOMIC_RELAXED) < c->max && mcache_trylock(c)) {
		bool kept = c->n < c->max;
		if (kept) {
			*(void **)p = c->head;
			__atomic_store_n(&c->head, p, __ATOMIC_RELAXED);
			__atomic_store_n(&c->n, c->n + 1, __ATOMIC_RELAXED);
			MCACHE_COUNT(c->puts, 1);
		}
		mcache_unlock(c);
		if (kept)
			return;
	}
	__atomic_add_fetch(c->frees, 1, __ATOMIC_RELAXED);
	port_free(p);
}

/* Pushes a list of n blocks (head .. tail, linked through their first word) in one visit;
 * false (nothing kept) when the cache is busy or has no room for all of them. */
MCACHE_INLINE bool mcache_put_list(struct mcache *c, void *head, void *tail, unsigned n)
{
	bool kept = false;
	if (__atomic_load_n(&c->n, __ATOMIC_RELAXED) + n <= c->max && mcache_trylock(c)) {
		kept = c->n + n <= c->max;
		if (kept) {
			*(void **)tail = c->head;
			__atomic_store_n(&c->head, head, __ATOMIC_RELAXED);
			__atomic_store_n(&c->n, c->n + n, __ATOMIC_RELAXED);
			MCACHE_COUNT(c->puts, n);
		}
		mcache_unlock(c);
	}
	return kept;
}

/* An mbuf with its cluster from mcache_pkt, or NULL when it is empty or busy. */
MCACHE_INLINE struct mbuf *pkt_get(void)
{
	struct mcache *c = &mcache_pkt;
	struct mbuf *m = NULL;
	if (MCACHE_ON && __atomic_load_n(&c->head, __ATOMIC_RELAXED) && mcache_trylock(c)) {
		m = c->head;
		if (m) {
			__atomic_store_n(&c->head, m->m_next, __ATOMIC_RELAXED);
			__atomic_store_n(&c->n, c->n - 1, __ATOMIC_RELAXED);
			MCACHE_COUNT(c->gets, 1);
		}
		mcache_unlock(c);
	}
	return m;
}

/* Keeps m with its (unreferenced, MCLBYTES) cluster in mcache_pkt; false when full or busy. */
MCACHE_INLINE bool pkt_put(struct mbuf *m)
{
	struct mcache *c = &mcache_pkt;
	bool kept = false;
	if (__atomic_load_n(&c->n, __ATOMIC_RELAXED) < c->max && mcache_trylock(c)) {
		kept = c->n < c->max;
		if (kept) {
			m->m_next = c->head;
			__atomic_store_n(&c->head, m, __ATOMIC_RELAXED);
			__atomic_store_n(&c->n, c->n + 1, __ATOMIC_RELAXED);
			MCACHE_COUNT(c->puts, 1);
		}
		mcache_unlock(c);
	}
	return kept;
}

static struct mcluster *cluster_of(const struct mbuf *m)
{
	return NET_CONTAINER_OF(m->m_ext.ext_ref, struct mcluster, ref);
}

/* Returns every cached block to port_free.  A cache whose try-lock is taken is left alone
 * (its holder is mid-operation); leak checks that must be exact call this when nothing else
 * is allocating. */
void mbuf_cache_drain(void)
{
	struct mcache *caches[] = { &mcache_mbuf, &mcache_clus, &mcache_big };
	struct mbuf *pairs = NULL;
	if (mcache_trylock(&mcache_pkt)) {
		pairs = mcache_pkt.head;
		mcache_pkt.head = NULL;
		__atomic_store_n(&mcache_pkt.n, 0, __ATOMIC_RELAXED);
		mcache_unlock(&mcache_pkt);
	}
	while (pairs) {
		struct mbuf *next = pairs->m_next;
		port_free(cluster_of(pairs));
		port_free(pairs);
		pairs = next;
	}
	for (unsigned i = 0; i < 3; i++) {
		struct mcache *c = caches[i];
		void *list = NULL;
		if (mcache_trylock(c)) {
			list = c->head;
			c->head = NULL;
			__atomic_store_n(&c->n, 0, __ATOMIC_RELAXED);
			mcache_unlock(c);
		}
		while (list) {
			void *next = *(void **)list;
			port_free(list);
			list = next;
		}
	}
}

uint64_t mbuf_cache_bytes(void)
{
	return (uint64_t)__atomic_load_n(&mcache_mbuf.n, __ATOMIC_RELAXED) * sizeof(struct mbuf) +
	    (uint64_t)__atomic_load_n(&mcache_clus.n, __ATOMIC_RELAXED) * sizeof(struct mcluster) +
	    (uint64_t)__atomic_load_n(&mcache_big.n, __ATOMIC_RELAXED) *
	    sizeof(struct mbigcluster) +
	    (uint64_t)__atomic_load_n(&mcache_pkt.n, __ATOMIC_RELAXED) *
	    (sizeof(struct mbuf) + sizeof(struct mcluster));
}

/* The caches' counts of what they handed out (gets) or took back (puts); a pair in mcache_pkt
 * is an mbuf and a cluster. */
static uint64_t cache_count(const struct mcache *c, bool puts)
{
	return puts ? __atomic_load_n(&c->puts, __ATOMIC_RELAXED) :
	    __atomic_load_n(&c->gets, __ATOMIC_RELAXED);
}

static uint64_t mbufs_counted(bool frees)
{
	return ATOMIC_LOAD(*(frees ? &mstat.mbuf_frees : &mstat.mbuf_allocs)) +
	    cache_count(&mcache_mbuf, frees) + cache_count(&mcache_pkt, frees);
}

static uint64_t clusters_counted(bool frees)
{
	return ATOMIC_LOAD(*(frees ? &mstat.cluster_frees : &mstat.cluster_allocs)) +
	    cache_count(&mcache_clus, frees) + cache_count(&mcache_big, frees) +
	    cache_count(&mcache_pkt, frees);
}

/* Live now; frees read first, so that a concurrent allocation and free can only make the
 * figure larger, never wrap it below zero. */
static uint64_t mbufs_live(void)
{
	uint64_t f = mbufs_counted(true);
	return mbufs_counted(false) - f;
}

static uint64_t clusters_live(void)
{
	uint64_t f = clusters_counted(true);
	return clusters_counted(false) - f;
}

void mbuf_stats(struct mbuf_stats *out)
{
	out->mbuf_frees = mbufs_counted(true);
	out->mbuf_allocs = mbufs_counted(false);
	out->mbufs = out->mbuf_allocs - out->mbuf_frees;
	out->cluster_frees = clusters_counted(true);
	out->cluster_allocs = clusters_counted(false);
	out->clusters = out->cluster_allocs - out->cluster_frees;
	out->drops = ATOMIC_LOAD(mstat.drops);
	out->copies = ATOMIC_LOAD(mstat.copies);
	out->pullups_failed = ATOMIC_LOAD(mstat.pullups_failed);
}

void mbuf_set_limits(uint64_t mm, uint64_t mc)
{
	__atomic_store_n(&max_mbufs, mm, __ATOMIC_RELAXED);
	__atomic_store_n(&max_clusters, mc, __ATOMIC_RELAXED);
}

/* Allocation and freeing.  Each function's common case, the caches answering and no limit
 * set, is written so that it calls nothing: the slow cases (limits, port_alloc, port_free, a
 * cache full or busy) are separate functions (MBUF_SLOW), so the fast ones need no saved
 * registers (about a dozen instructions a call when gcc had to save them for a call it
 * rarely makes). */
#define MBUF_SLOW static __attribute__((noinline, cold))

MCACHE_INLINE void mbuf_init(struct mbuf *m, int type, unsigned flags)
{
	m->m_next = m->m_nextpkt = NULL;
	m->m_data = m->m_dat;
	m->m_len = 0;
	m->m_flags = (uint16_t)flags;
	m->m_type = (uint16_t)type;
	m->m_ext.ext_buf = NULL;
	m->m_ext.ext_size = 0;
	m->m_ext.ext_ref = NULL;
	memset(&m->m_pkthdr, 0, sizeof(m->m_pkthdr));
}

/* mbuf_alloc with a limit set or the cache empty: counted against the limit, port_alloc. */
MBUF_SLOW struct mbuf *mbuf_alloc_slow(int type, unsigned flags)
{
	uint64_t lim = ATOMIC_LOAD(max_mbufs);
	struct mbuf *m = lim && mbufs_live() >= lim ? NULL : mcache_get(&mcache_mbuf);
	if (!m) {
		ATOMIC_INC(mstat.drops);
		return NULL;
	}
	mbuf_init(m, type, flags);
	return m;
}

MCACHE_INLINE struct mbuf *mbuf_alloc(int type, unsigned flags)
{
	struct mbuf *m;
	if (!ATOMIC_LOAD(max_mbufs) && (m = mcache_take(&mcache_mbuf)) != NULL) {
		mbuf_init(m, type, flags);
		return m;
	}
	return mbuf_alloc_slow(type, flags);
}

struct mbuf *m_get(int type) { return mbuf_alloc(type, 0); }
struct mbuf *m_gethdr(int type) { return mbuf_alloc(type, M_PKTHDR); }

/* Attaches a fresh cluster of `size` bytes (MCLBYTES or MBIGCLBYTES) to m; false (m
 * untouched) on failure.  Both sizes count as clusters in mbuf_stats and the limits. */
static bool m_clget(struct mbuf *m, uint32_t size)
{
	uint64_t lim = ATOMIC_LOAD(max_clusters);
	if (lim && clusters_live() >= lim) {
		ATOMIC_INC(mstat.drops);
		return false;
	}
	uint32_t *ref;
	uint8_t *buf;
	if (size == MBIGCLBYTES) {
		struct mbigcluster *c = mcache_get(&mcache_big);
		ref = c ? &c->ref : NULL;
		buf = c ? c->buf : NULL;
	} else {
		struct mcluster *c = mcache_get(&mcache_clus);
		ref = c ? &c->ref : NULL;
		buf = c ? c->buf : NULL;
	}
	if (!ref) {
		ATOMIC_INC(mstat.drops);
		return false;
	}
	*ref = 1;
	m->m_ext.ext_buf = buf;
	m->m_ext.ext_size = size;
	m->m_ext.ext_ref = ref;
	m->m_data = buf;
	m->m_flags |= M_EXT;
	return true;
}

/* An mbuf with a fresh cluster, the counted way (limits, port_alloc).  m, when not NULL, is
 * an mbuf the caller took from mcache_mbuf (not yet counted) and hands over. */
MBUF_SLOW struct mbuf *m_getjcl_slow(struct mbuf *m, int type, unsigned flags, uint32_t size)
{
	if (m) {
		mbuf_init(m, type, flags & M_PKTHDR);      /* (counted by mcache_take) */
	} else if ((m = mbuf_alloc_slow(type, flags & M_PKTHDR)) == NULL) {
		return NULL;
	}
	if (!m_clget(m, size)) {
		m_freem(m);
		return NULL;
	}
	return m;
}

/* A pair from mcache_pkt made what m_getcl returns. */
MCACHE_INLINE void pkt_init(struct mbuf *m, int type, unsigned flags)
{
	*m->m_ext.ext_ref = 1;
	m->m_next = m->m_nextpkt = NULL;
	m->m_data = m->m_ext.ext_buf;
	m->m_len = 0;
	m->m_flags = (uint16_t)(M_EXT | (flags & M_PKTHDR));
	m->m_type = (uint16_t)type;
	memset(&m->m_pkthdr, 0, sizeof(m->m_pkthdr));
}

struct mbuf *m_getcl(int type, unsigned flags)
{
	struct mbuf *m;
	/* With limits set, the separate counted paths decide. */
	if (!(ATOMIC_LOAD(max_mbufs) | ATOMIC_LOAD(max_clusters)) && (m = pkt_get()) != NULL) {
		pkt_init(m, type, flags);
		return m;
	}
	return m_getjcl_slow(NULL, type, flags, MCLBYTES);
}

unsigned m_getcl_list(int type, unsigned flags, unsigned n, struct mbuf **list)
{
	struct mcache *c = &mcache_pkt;
	struct mbuf *run = NULL, *m, *head = NULL;
	unsigned got = 0;
	/* The run is cut from the cache under its try-lock and made ready after, so the lock
	 * is held only for the walk; with limits set, m_getcl's counted path decides. */
	if (MCACHE_ON && n && !(ATOMIC_LOAD(max_mbufs) | ATOMIC_LOAD(max_clusters)) &&
	    __atomic_load_n(&c->head, __ATOMIC_RELAXED) && mcache_trylock(c)) {
		run = m = c->head;
		struct mbuf *last = NULL;
		while (m && got < n) {
			last = m;
			m = m->m_next;
			got++;
		}
		if (last)
			last->m_next = NULL;
		__atomic_store_n(&c->head, m, __ATOMIC_RELAXED);
		__atomic_store_n(&c->n, c->n - got, __ATOMIC_RELAXED);
		MCACHE_COUNT(c->gets, got);
		mcache_unlock(c);
	}
	while (run) {
		m = run;
		run = m->m_next;
		pkt_init(m, type, flags);
		m->m_nextpkt = head;
		head = m;
	}
	for (; got < n; got++) {
		if ((m = m_getcl(type, flags)) == NULL)
			break;
		m->m_nextpkt = head;
		head = m;
	}
	*list = head;
	return got;
}

struct mbuf *m_getjcl(int type, unsigned flags, uint32_t size)
{
	NET_ASSERT(size == MCLBYTES || size == MBIGCLBYTES);
	if (size == MCLBYTES)
		return m_getcl(type, flags);
	struct mbuf *m = NULL;
	if (!(ATOMIC_LOAD(max_mbufs) | ATOMIC_LOAD(max_clusters)) &&
	    (m = mcache_take(&mcache_mbuf)) != NULL) {
		struct mbigcluster *c = mcache_take(&mcache_big);
		if (c) {
			mbuf_init(m, type, flags & M_PKTHDR);
			c->ref = 1;
			m->m_ext.ext_buf = c->buf;
			m->m_ext.ext_size = MBIGCLBYTES;
			m->m_ext.ext_ref = &c->ref;
			m->m_data = c->buf;
			m->m_flags |= M_EXT;
			return m;
		}
	}
	return m_getjcl_slow(m, type, flags, size);
}

/* Drops m's cluster reference; true when it was the last (the cluster is unreferenced). */
MCACHE_INLINE bool cluster_release(struct mbuf *m)
{
	uint32_t *ref = m->m_ext.ext_ref;
	/* The last reference needs no atomic decrement: nobody else can be looking. */
	return __atomic_load_n(ref, __ATOMIC_ACQUIRE) == 1 ||
	    __atomic_sub_fetch(ref, 1, __ATOMIC_ACQ_REL) == 0;
}

/* What m_freem's caches did not take (full or busy), block by block: mbufs with their small
 * cluster (pairs, linked through m_next) to mcache_pkt or else apart, page-sized clusters
 * (linked through their first word) and plain mbufs to their caches or port_free. */
MBUF_SLOW void m_freem_spill(struct mbuf *plain, struct mbuf *pairs, void *big)
{
	while (pairs) {
		struct mbuf *next = pairs->m_next;
		if (!pkt_put(pairs)) {
			mcache_put(&mcache_clus, cluster_of(pairs));
			mcache_put(&mcache_mbuf, pairs);
		}
		pairs = next;
	}
	while (big) {
		void *next = *(void **)big;
		mcache_put(&mcache_big, big);
		big = next;
	}
	while (plain) {
		struct mbuf *next = plain->m_next;
		mcache_put(&mcache_mbuf, plain);
		plain = next;
	}
}

/* Frees one mbuf (m_next already NULL): its small cluster, when this was the last
 * reference, stays with it as a pair for m_getcl; a page-sized one goes to its own cache. */
MCACHE_INLINE void mbuf_free1(struct mbuf *m)
{
	m->m_type = MT_FREE;
	if ((m->m_flags & M_EXT) && cluster_release(m)) {
		if (m->m_ext.ext_size == MCLBYTES) {
			if (!mcache_put_list(&mcache_pkt, m, m, 1))
				m_freem_spill(NULL, m, NULL);
			return;
		}
		void *c = NET_CONTAINER_OF(m->m_ext.ext_ref, struct mbigcluster, ref);
		if (!mcache_put_list(&mcache_big, c, c, 1)) {
			*(void **)c = NULL;
			m_freem_spill(NULL, NULL, c);
		}
	}
	if (!mcache_put_list(&mcache_mbuf, m, m, 1)) {
		m->m_next = NULL;
		m_freem_spill(m, NULL, NULL);
	}
}

/* Frees a chain of two or more mbufs with one visit to each cache it gives blocks to: a
 * chain is already linked through the first word of each mbuf (m_next), as the caches' free
 * lists are, so the mbufs are sorted into three lists as the chain is walked (plain mbufs;
 * mbufs with the last reference to a small cluster, kept as pairs for m_getcl; page-sized
 * clusters) and each list goes on its cache at once when it fits.  The counters move once
 * per chain.  Apart from m_freem so that freeing one mbuf, the common case, pays for none of
 * its registers. */
static __attribute__((noinline)) void m_freem_chain(struct mbuf *x)
{
	struct mbuf *m = NULL, *mtail = NULL, *p = NULL, *ptail = NULL;
	void *b = NULL, *btail = NULL;
	unsigned n = 0, np = 0, nb = 0;

	while (x) {
		struct mbuf *next = x->m_next;
		x->m_type = MT_FREE;
		if ((x->m_flags & M_EXT) && cluster_release(x)) {
			if (x->m_ext.ext_size == MCLBYTES) {
				if (!p)
					ptail = x;
				x->m_next = p;
				p = x;
				np++;
				x = next;
				continue;
			}
			void *c = NET_CONTAINER_OF(x->m_ext.ext_ref, struct mbigcluster, ref);
			if (!b)
				btail = c;
			*(void **)c = b;
			b = c;
			nb++;
		}
		if (!m)
			mtail = x;
		x->m_next = m;
		m = x;
		n++;
		x = next;
	}
	if (np | nb) {
		if (np && mcache_put_list(&mcache_pkt, p, ptail, np))
			p = NULL;
		if (nb && mcache_put_list(&mcache_big, b, btail, nb))
			b = NULL;
	}
	if (n && mcache_put_list(&mcache_mbuf, m, mtail, n))
		m = NULL;
	if (m || p || b)
		m_freem_spill(m, p, b);
}

void m_freem(struct mbuf *m)
{
	if (!m)
		return;
	if (m->m_next)
		m_freem_chain(m);
	else
		mbuf_free1(m);
}

struct mbuf *m_free(struct mbuf *m)
{
	if (!m)
		return NULL;
	struct mbuf *n = m->m_next;
	m->m_next = NULL;
	mbuf_free1(m);
	return n;
}

void m_freem_list(struct mbuf *m)
{
	while (m) {
		struct mbuf *n = m->m_nextpkt;
		m->m_nextpkt = NULL;
		m_freem(m);
		m = n;
	}
}

static uint8_t *m_bufstart(const struct mbuf *m)
{
	return (m->m_flags & M_EXT) ? m->m_ext.ext_buf : (uint8_t *)m->m_dat;
}
static uint32_t m_bufsize(const struct mbuf *m)
{
	return (m->m_flags & M_EXT) ? m->m_ext.ext_size : MLEN;
}

void m_reserve(struct mbuf *m, uint32_t len)
{
	NET_ASSERT(m->m_len == 0 && len <= m_bufsize(m));
	m->m_data = m_bufstart(m) + len;
}

void m_align(struct mbuf *m, uint32_t len)
{
	NET_ASSERT(m->m_len == 0 && len <= m_bufsize(m));
	/* Keep 8-byte alignment of the start so multi-byte fields stay cheap to read. */
	m->m_data = m_bufstart(m) + ((m_bufsize(m) - len) & ~7u);
}

/* Moves the packet header (and its flags) from `from` to `to`. */
static void m_move_pkthdr(struct mbuf *to, struct mbuf *from)
{
	to->m_pkthdr = from->m_pkthdr;
	to->m_flags = (uint16_t)((to->m_flags & M_EXT) | (from->m_flags & (M_PKTHDR | M_COPYFLAGS)));
	from->m_flags &= (uint16_t)~(M_PKTHDR | M_COPYFLAGS);
	memset(&from->m_pkthdr, 0, sizeof(from->m_pkthdr));
}

struct mbuf *m_prepend(struct mbuf *m, uint32_t len)
{
	if (!m)
		return NULL;
	if (M_LEADINGSPACE(m) >= len) {
		m->m_data -= len;
		m->m_len += len;
	} else {
		struct mbuf *n;
		if (len > MHLEN) {
			m_freem(m);
			return NULL;
		}
		n = mbuf_alloc(m->m_type, 0);
		if (!n) {
			m_freem(m);
			return NULL;
		}
		if (m->m_flags & M_PKTHDR)
			m_move_pkthdr(n, m);
		n->m_next = m;
		m_align(n, len);
		n->m_len = len;
		m = n;
	}
	if (m->m_flags & M_PKTHDR)
		m->m_pkthdr.len += len;
	return m;
}

void m_adj(struct mbuf *mp, int req)
{
	struct mbuf *m;
	uint32_t len;

	if (!mp)
		return;
	if (req >= 0) {
		len = (uint32_t)req;
		for (m = mp; m && len; m = m->m_next) {
			uint32_t take = NET_MIN(len, m->m_len);
			m->m_len -= take;
			m->m_data += take;
			len -= take;
		}
		if (mp->m_flags & M_PKTHDR)
			mp->m_pkthdr.len -= (uint32_t)req - len;
	} else {
		/* Trim from the tail: find the new total length, then cut the chain there. */
		uint32_t total = m_length(mp);
		uint32_t cut = (uint32_t)(-(int64_t)req);
		uint32_t keep = cut >= total ? 0 : total - cut;
		if (mp->m_flags & M_PKTHDR)
			mp->m_pkthdr.len = keep;
		for (m = mp; m; m = m->m_next) {
			if (m->m_len >= keep) {
				/* A cut mbuf no longer ends where its cluster's free bytes begin:
				 * others may share the bytes it gave up (M_WRTAIL). */
				m->m_len = keep;
				m->m_flags &= (uint16_t)~M_WRTAIL;
				/* Empty the rest but keep the mbufs: the caller owns the chain shape. */
				for (m = m->m_next; m; m = m->m_next) {
					m->m_len = 0;
					m->m_flags &= (uint16_t)~M_WRTAIL;
				}
				break;
			}
			keep -= m->m_len;
		}
	}
}

struct mbuf *m_pullup(struct mbuf *m, uint32_t len)
{
	struct mbuf *n;
	uint32_t space;

	if (!m)
		return NULL;
	if (m->m_len >= len)
		return m;
	/* Gather into the first mbuf when it is writable and has room; else into a new one. */
	if (M_WRITABLE(m) && m_bufstart(m) + m_bufsize(m) - m->m_data >= (ptrdiff_t)len) {
		n = m;
		m = m->m_next;
		n->m_next = NULL;
	} else {
		if (len > MHLEN)
			goto bad;
		n = mbuf_alloc(m->m_type, 0);
		if (!n)
			goto bad;
		if (m->m_flags & M_PKTHDR)
			m_move_pkthdr(n, m);
	}
	space = (uint32_t)(m_bufstart(n) + m_bufsize(n) - (n->m_data + n->m_len));
	while (n->m_len < len && m) {
		uint32_t c = NET_MIN(NET_MIN(len - n->m_len, m->m_len), space);
		memcpy(n->m_data + n->m_len, m->m_data, c);
		n->m_len += c;
		space -= c;
		m->m_len -= c;
		m->m_data += c;
		if (m->m_len == 0)
			m = m_free(m);
	}
	n->m_next = m;
	if (n->m_len < len) {
		m = n;
		goto bad;
	}
	return n;
bad:
	ATOMIC_INC(mstat.pullups_failed);
	m_freem(m);
	return NULL;
}

/* c bytes of m from off into the fresh mbuf n: a cluster is shared (one more reference, never
 * copied), inline bytes are copied. */
static inline void m_copy_piece(struct mbuf *n, const struct mbuf *m, uint32_t off, uint32_t c)
{
	if (m->m_flags & M_EXT) {
		n->m_ext = m->m_ext;
		n->m_flags |= M_EXT;
		__atomic_add_fetch(m->m_ext.ext_ref, 1, __ATOMIC_ACQ_REL);
		n->m_data = m->m_data + off;
		ATOMIC_INC(mstat.copies);
	} else {
		memcpy(n->m_data, m->m_data + off, c);
	}
	n->m_len = c;
}

struct mbuf *m_copym(const struct mbuf *m, uint32_t off, uint32_t len)
{
	struct mbuf *top = NULL, **np = &top, *n;
	const struct mbuf *m0 = m;
	bool all = len == M_COPYALL;
	uint32_t total = 0;

	if (m && !(m->m_flags & M_PKTHDR) && len > 0 && !all) {
		/* The output path's case, a segment's payload from a stream send buffer (no
		 * packet header, a bounded range): the walk below without its other cases. */
		while (m && off >= m->m_len) {
			off -= m->m_len;
			m = m->m_next;
		}
		for (; m; m = m->m_next, off = 0) {
			uint32_t c = NET_MIN(len, m->m_len - off);
			n = mbuf_alloc(m->m_type, 0);
			if (!n)
				goto nospace;
			m_copy_piece(n, m, off, c);
			*np = n;
			np = &n->m_next;
			len -= c;
			if (len == 0)
				return top;
		}
		goto nospace;           /* the chain is too short */
	}

	while (m && off >= m->m_len && !(off == 0 && m->m_len == 0)) {
		off -= m->m_len;
		m = m->m_next;
	}
	if (!m && (off > 0 || (!all && len > 0)))
		return NULL;
	while (all ? m != NULL : len > 0) {
		if (!m) {
			if (all)
				break;
			goto nospace;
		}
		uint32_t c = all ? m->m_len - off : NET_MIN(len, m->m_len - off);
		n = mbuf_alloc(m->m_type, 0);
		if (!n)
			goto nospace;
		if (!top && (m0->m_flags & M_PKTHDR)) {
			/* The copy is a packet of its own (from any offset): give it the header. */
			n->m_flags |= (uint16_t)(M_PKTHDR | (m0->m_flags & M_COPYFLAGS));
			n->m_pkthdr = m0->m_pkthdr;
		}
		m_copy_piece(n, m, off, c);
		total += c;
		*np = n;
		np = &n->m_next;
		if (!all)
			len -= c;
		off = 0;
		m = m->m_next;
	}
	if (top && (top->m_flags & M_PKTHDR))
		top->m_pkthdr.len = total;
	if (!top) {
		/* A zero-length copy: an empty packet. */
		top = mbuf_alloc(m0->m_type, m0->m_flags & M_PKTHDR);
		if (top && (m0->m_flags & M_PKTHDR)) {
			top->m_pkthdr = m0->m_pkthdr;
			top->m_pkthdr.len = 0;
		}
	}
	return top;
nospace:
	m_freem(top);
	return NULL;
}

struct mbuf *m_dup(const struct mbuf *m)
{
	uint32_t len = m_length(m);
	struct mbuf *n = len > MHLEN ? m_getcl(m->m_type, M_PKTHDR) : m_gethdr(m->m_type);
	if (!n)
		return NULL;
	if (m->m_flags & M_PKTHDR) {
		n->m_pkthdr = m->m_pkthdr;
		n->m_flags |= (uint16_t)(m->m_flags & M_COPYFLAGS);
	}
	n->m_pkthdr.len = 0;
	/* Copy chunk by chunk from the source without an intermediate buffer. */
	for (const struct mbuf *s = m; s; s = s->m_next) {
		if (s->m_len && m_append(n, s->m_len, s->m_data) != 0) {
			m_freem(n);
			return NULL;
		}
	}
	return n;
}

int m_copydata(const struct mbuf *m, uint32_t off, uint32_t len, void *cp)
{
	uint8_t *p = cp;
	while (m && off >= m->m_len) {
		off -= m->m_len;
		m = m->m_next;
	}
	while (len > 0) {
		if (!m)
			return -1;
		uint32_t c = NET_MIN(len, m->m_len - off);
		memcpy(p, m->m_data + off, c);
		p += c;
		len -= c;
		off = 0;
		m = m->m_next;
	}
	return 0;
}

/* Appends len bytes (zeros when cp is NULL) at the end of the chain, without touching
 * pkthdr.len; returns how many were appended. */
static uint32_t m_extend(struct mbuf *m, uint32_t len, const uint8_t *cp)
{
	uint32_t done = 0;
	while (m->m_next)
		m = m->m_next;
	while (done < len) {
		uint32_t space = M_TRAILINGSPACE(m);
		if (space == 0) {
			struct mbuf *n = (len - done) >= MINCLSIZE ? m_getcl(m->m_type, 0) :
			    m_get(m->m_type);
			if (!n)
				break;
			m->m_next = n;
			m = n;
			continue;
		}
		uint32_t c = NET_MIN(space, len - done);
		if (cp)
			memcpy(m->m_data + m->m_len, cp + done, c);
		else
			memset(m->m_data + m->m_len, 0, c);
		m->m_len += c;
		done += c;
	}
	return done;
}

int m_copyback(struct mbuf *m0, uint32_t off, uint32_t len, const void *cp)
{
	const uint8_t *p = cp;
	uint32_t total, over;
	int rc = 0;

	if (!m0)
		return -1;
	total = m_length(m0);
	if (off > total) {
		uint32_t z = m_extend(m0, off - total, NULL);
		total += z;
		if (total < off) {
			rc = -1;
			goto out;
		}
	}
	over = NET_MIN(len, total - off);
	for (struct mbuf *m = m0; m && over; m = m->m_next) {
		if (off >= m->m_len) {
			off -= m->m_len;
			continue;
		}
		uint32_t c = NET_MIN(over, m->m_len - off);
		memcpy(m->m_data + off, p, c);
		p += c;
		over -= c;
		len -= c;
		off = 0;
	}
	if (len && m_extend(m0, len, p) != len)
		rc = -1;
out:
	if (m0->m_flags & M_PKTHDR)
		m0->m_pkthdr.len = m_length(m0);
	return rc;
}

void m_cat(struct mbuf *m, struct mbuf *n)
{
	if (!n)
		return;
	while (m->m_next)
		m = m->m_next;
	if ((n->m_flags & (M_EXT | M_PKTHDR)) == M_EXT && !n->m_next) {
		m->m_next = n;          /* one cluster piece (a segment's payload): linked */
		return;
	}
	if (n->m_flags & M_PKTHDR) {
		n->m_flags &= (uint16_t)~(M_PKTHDR | M_COPYFLAGS);
		memset(&n->m_pkthdr, 0, sizeof(n->m_pkthdr));
	}
	while (n) {
		/* Small pieces are folded into the tail when they fit (as BSD does). */
		if (!(n->m_flags & M_EXT) && M_TRAILINGSPACE(m) >= n->m_len) {
			memcpy(m->m_data + m->m_len, n->m_data, n->m_len);
			m->m_len += n->m_len;
			n = m_free(n);
		} else {
			m->m_next = n;
			m = n;
			n = n->m_next;
			m->m_next = NULL;
		}
	}
}

struct mbuf *m_split(struct mbuf *m0, uint32_t len0)
{
	struct mbuf *m, *n;
	uint32_t len = len0, remain;

	for (m = m0; m && len > m->m_len; m = m->m_next)
		len -= m->m_len;
	if (!m)
		return NULL;
	remain = m->m_len - len;
	if (m0->m_flags & M_PKTHDR) {
		n = m_gethdr(m0->m_type);
		if (!n)
			return NULL;
		n->m_pkthdr = m0->m_pkthdr;
		n->m_flags |= (uint16_t)(m0->m_flags & M_COPYFLAGS);
		n->m_pkthdr.len = m0->m_pkthdr.len - len0;
		if (remain == 0) {
			n->m_next = m->m_next;
			m->m_next = NULL;
			m0->m_pkthdr.len = len0;
			return n;
		}
	} else if (remain == 0) {
		n = m->m_next;
		m->m_next = NULL;
		return n;
	} else {
		n = m_get(m->m_type);
		if (!n)
			return NULL;
	}
	/* The split falls inside m: share its cluster or copy its inline tail. */
	struct mbuf *t = n;
	if (n->m_flags & M_PKTHDR) {
		t = m_get(m->m_type);
		if (!t) {
			m_free(n);
			return NULL;
		}
		n->m_next = t;
	}
	if (m->m_flags & M_EXT) {
		t->m_ext = m->m_ext;
		t->m_flags |= M_EXT;
		__atomic_add_fetch(m->m_ext.ext_ref, 1, __ATOMIC_ACQ_REL);
		t->m_data = m->m_data + len;
	} else {
		memcpy(t->m_data, m->m_data + len, remain);
	}
	t->m_len = remain;
	t->m_next = m->m_next;
	m->m_next = NULL;
	m->m_len = len;
	m->m_flags &= (uint16_t)~M_WRTAIL;   /* t now shares the bytes after m's (M_WRTAIL) */
	if (m0->m_flags & M_PKTHDR)
		m0->m_pkthdr.len = len0;
	return n;
}

int m_append(struct mbuf *m0, uint32_t len, const void *cp)
{
	uint32_t done = m_extend(m0, len, cp);
	if (m0->m_flags & M_PKTHDR)
		m0->m_pkthdr.len += done;
	return done == len ? 0 : -1;
}

struct mbuf *m_devget(const void *buf, uint32_t len, uint32_t headroom, struct ifnet *ifp)
{
	struct mbuf *m;
	if (headroom > MHLEN / 2)
		headroom = MHLEN / 2;
	if (len + headroom > MHLEN)
		m = m_getcl(MT_DATA, M_PKTHDR);
	else
		m = m_gethdr(MT_DATA);
	if (!m)
		return NULL;
	m_reserve(m, headroom);
	m->m_pkthdr.rcvif = ifp;
	if (m_append(m, len, buf) != 0) {
		m_freem(m);
		return NULL;
	}
	return m;
}

uint32_t m_length(const struct mbuf *m)
{
	uint32_t n = 0;
	for (; m; m = m->m_next)
		n += m->m_len;
	return n;
}
