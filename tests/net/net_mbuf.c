/* mbufs: every operation's data result and ownership contract, the failure paths (with pool
 * limits), and pools back to their starting counts after each test. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "net/mbuf.h"
#include "host/port_host.h"

/* As net/mbuf.c decides whether it keeps caches (none under AddressSanitizer). */
#if defined(__SANITIZE_ADDRESS__)
#define MBUF_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MBUF_TEST_ASAN 1
#endif
#endif
#ifndef MBUF_TEST_ASAN
#define MBUF_TEST_ASAN 0
#endif

static uint8_t pattern[5000];

static int setup(void **st)
{
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 13 + i / 251);
	return tu_mbuf_setup(st);
}

static void assert_chain_is(const struct mbuf *m, const uint8_t *want, uint32_t len)
{
	tu_assert_chain(m, want, len);
	if (m->m_flags & M_PKTHDR)
		assert_int_equal(m->m_pkthdr.len, len);
}

static void test_get_free_counts(void **st)
{
	(void)st;
	struct mbuf_stats a, b;
	mbuf_stats(&a);
	struct mbuf *m = m_get(MT_DATA), *h = m_gethdr(MT_DATA), *c = m_getcl(MT_DATA, M_PKTHDR);
	assert_non_null(m);
	assert_non_null(h);
	assert_non_null(c);
	mbuf_stats(&b);
	assert_int_equal(b.mbufs, a.mbufs + 3);
	assert_int_equal(b.clusters, a.clusters + 1);
	assert_true(h->m_flags & M_PKTHDR);
	assert_true(c->m_flags & M_EXT);
	assert_int_equal(M_TRAILINGSPACE(c), MCLBYTES);
	assert_int_equal(M_TRAILINGSPACE(m), MLEN);
	m->m_next = h;     /* m_free returns the next mbuf, now the caller's */
	assert_ptr_equal(m_free(m), h);
	m_freem(h);
	m_freem(c);
	m_freem(NULL);
}

/* The cumulative counters move by exactly one per block, whichever way it went: a cache
 * (counted there) or port_alloc/port_free (counted globally), single frees and chains. */
static void test_cumulative_counts(void **st)
{
	(void)st;
	struct mbuf_stats a, b;
	mbuf_stats(&a);
	struct mbuf *m[40];
	for (int i = 0; i < 40; i++) {
		m[i] = i % 4 == 0 ? m_get(MT_DATA) : i % 4 == 1 ? m_getcl(MT_DATA, M_PKTHDR) :
		    i % 4 == 2 ? m_getjcl(MT_DATA, 0, MBIGCLBYTES) : m_gethdr(MT_DATA);
		assert_non_null(m[i]);
	}
	mbuf_stats(&b);
	assert_int_equal(b.mbuf_allocs - a.mbuf_allocs, 40);
	assert_int_equal(b.cluster_allocs - a.cluster_allocs, 20);
	assert_int_equal(b.mbuf_frees, a.mbuf_frees);
	assert_int_equal(b.mbufs - a.mbufs, 40);
	assert_int_equal(b.clusters - a.clusters, 20);
	for (int i = 0; i < 20; i++)
		m_freem(m[i]);                  /* one by one */
	for (int i = 20; i < 39; i++)
		m[i]->m_next = m[i + 1];        /* and the rest as one chain */
	m_freem(m[20]);
	mbuf_stats(&b);
	assert_int_equal(b.mbuf_frees - a.mbuf_frees, 40);
	assert_int_equal(b.cluster_frees - a.cluster_frees, 20);
	assert_int_equal(b.mbufs, a.mbufs);
	assert_int_equal(b.clusters, a.clusters);
}

/* Two threads allocating and freeing at once: the caches' try-locks send whoever finds one
 * taken to port_alloc/port_free, counted globally; nothing is lost or counted twice. */
static void *churn(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20000; i++) {
		struct mbuf *a = m_getcl(MT_DATA, M_PKTHDR), *b = m_get(MT_DATA);
		struct mbuf *c = m_getjcl(MT_DATA, 0, MBIGCLBYTES);
		if (!a || !b || !c)
			return (void *)1;
		a->m_next = c;
		m_freem(a);
		m_freem(b);
	}
	return NULL;
}

static void test_counts_across_threads(void **st)
{
	(void)st;
	struct mbuf_stats a, b;
	mbuf_stats(&a);
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, churn, NULL), 0);
	for (int i = 0; i < 2; i++) {
		void *r;
		assert_int_equal(pthread_join(t[i], &r), 0);
		assert_null(r);
	}
	mbuf_stats(&b);
	assert_int_equal(b.mbuf_allocs - a.mbuf_allocs, 2 * 20000 * 3);
	assert_int_equal(b.mbuf_frees - a.mbuf_frees, 2 * 20000 * 3);
	assert_int_equal(b.cluster_allocs - a.cluster_allocs, 2 * 20000 * 2);
	assert_int_equal(b.mbufs, a.mbufs);
	assert_int_equal(b.clusters, a.clusters);
}

static void test_append_devget_copydata(void **st)
{
	(void)st;
	for (uint32_t len = 0; len < 4500; len += 333) {
		struct mbuf *m = m_devget(pattern, len, 16, NULL);
		assert_non_null(m);
		assert_chain_is(m, pattern, len);
		assert_int_equal(M_LEADINGSPACE(m), 16);
		assert_int_equal(m_append(m, 100, pattern + len), 0);
		assert_chain_is(m, pattern, len + 100);
		uint8_t out[8];
		assert_int_equal(m_copydata(m, len + 100 - 8, 8, out), 0);
		assert_int_equal(m_copydata(m, len + 100 - 7, 8, out), -1);  /* past the end */
		m_freem(m);
	}
}

static void test_prepend_uses_headroom_then_new_mbuf(void **st)
{
	(void)st;
	struct mbuf *m = m_gethdr(MT_DATA);
	m_reserve(m, 20);
	assert_int_equal(m_append(m, 10, pattern + 20), 0);
	struct mbuf *before = m;
	M_PREPEND(m, 20);
	assert_ptr_equal(m, before);     /* fitted in headroom */
	memcpy(mtod(m, uint8_t *), pattern, 20);
	assert_chain_is(m, pattern, 30);
	/* no headroom left: a new leading mbuf takes over the packet header */
	M_PREPEND(m, 14);
	assert_non_null(m);
	assert_ptr_not_equal(m, before);
	assert_true(m->m_flags & M_PKTHDR);
	assert_false(before->m_flags & M_PKTHDR);
	assert_int_equal(m->m_pkthdr.len, 44);
	m_freem(m);
	/* too big for one mbuf: the chain is freed and NULL returned */
	m = m_devget(pattern, 10, 0, NULL);
	M_PREPEND(m, MHLEN + 1);
	assert_null(m);
}

static void test_adj_head_and_tail(void **st)
{
	(void)st;
	struct mbuf *m = tu_chain(pattern, 1000, 70);
	m_adj(m, 100);
	assert_chain_is(m, pattern + 100, 900);
	m_adj(m, -250);
	assert_chain_is(m, pattern + 100, 650);
	m_adj(m, -100000);
	assert_int_equal(m_length(m), 0);
	assert_int_equal(m->m_pkthdr.len, 0);
	m_freem(m);
	m = tu_chain(pattern, 100, 30);
	m_adj(m, 5000);
	assert_int_equal(m_length(m), 0);
	m_freem(m);
}

static void test_pullup(void **st)
{
	(void)st;
	struct mbuf *m = tu_chain(pattern, 500, 7);
	m = m_pullup(m, 60);
	assert_non_null(m);
	assert_true(m->m_len >= 60);
	assert_memory_equal(mtod(m, uint8_t *), pattern, 60);
	assert_chain_is(m, pattern, 500);
	m_freem(m);
	/* too short: the chain is freed, NULL returned */
	m = tu_chain(pattern, 30, 7);
	assert_null(m_pullup(m, 40));
	/* more than an mbuf can hold contiguously: freed, NULL */
	m = tu_chain(pattern, 600, 100);
	assert_null(m_pullup(m, MHLEN + 50 > 300 ? MHLEN + 50 : 300));
}

static void test_copym_shares_clusters(void **st)
{
	(void)st;
	struct mbuf_stats a, b;
	struct mbuf *m = m_devget(pattern, 1800, 0, NULL);
	assert_true(m->m_flags & M_EXT);
	mbuf_stats(&a);
	struct mbuf *c = m_copym(m, 100, 1000);
	mbuf_stats(&b);
	assert_non_null(c);
	assert_int_equal(b.clusters, a.clusters);   /* shared, not copied */
	assert_chain_is(c, pattern + 100, 1000);
	assert_false(M_WRITABLE(m));
	assert_false(M_WRITABLE(c));
	assert_int_equal(M_LEADINGSPACE(c), 0);     /* shared data is read-only */
	m_freem(m);
	assert_true(M_WRITABLE(c));                 /* last reference */
	assert_chain_is(c, pattern + 100, 1000);
	m_freem(c);
	/* whole chain, mixed inline and clusters */
	m = tu_chain(pattern, 3000, 250);
	c = m_copym(m, 0, M_COPYALL);
	assert_chain_is(c, pattern, 3000);
	struct mbuf *d = m_dup(m);
	assert_chain_is(d, pattern, 3000);
	m_freem(m);
	m_freem(c);
	m_freem(d);
	/* out of range: NULL, nothing leaked */
	m = tu_chain(pattern, 100, 30);
	assert_null(m_copym(m, 50, 51));
	c = m_copym(m, 100, 0);
	assert_non_null(c);
	assert_int_equal(m_length(c), 0);
	m_freem(c);
	m_freem(m);
}

static void test_copyback_extends(void **st)
{
	(void)st;
	uint8_t want[600];
	struct mbuf *m = tu_chain(pattern, 100, 40);
	memcpy(want, pattern, 100);
	assert_int_equal(m_copyback(m, 50, 20, pattern + 1000), 0);
	memcpy(want + 50, pattern + 1000, 20);
	assert_chain_is(m, want, 100);
	assert_int_equal(m_copyback(m, 90, 300, pattern + 2000), 0);
	memcpy(want + 90, pattern + 2000, 300);
	assert_chain_is(m, want, 390);
	assert_int_equal(m_copyback(m, 500, 10, pattern), 0);   /* gap zero-filled */
	memset(want + 390, 0, 110);
	memcpy(want + 500, pattern, 10);
	assert_chain_is(m, want, 510);
	m_freem(m);
}

static void test_cat_and_split(void **st)
{
	(void)st;
	struct mbuf *a = tu_chain(pattern, 300, 100);
	struct mbuf *b = tu_chain(pattern + 300, 2500, 0);
	uint32_t bl = m_length(b);
	m_cat(a, b);
	a->m_pkthdr.len += bl;
	assert_chain_is(a, pattern, 2800);
	for (uint32_t at = 0; at <= 2800; at += 175) {
		struct mbuf *m = m_copym(a, 0, M_COPYALL);
		struct mbuf *t = m_split(m, at);
		assert_non_null(t);
		assert_chain_is(m, pattern, at);
		assert_chain_is(t, pattern + at, 2800 - at);
		m_freem(m);
		m_freem(t);
	}
	assert_null(m_split(a, 2801));
	assert_chain_is(a, pattern, 2800);
	m_freem(a);
}

static void test_limits_fail_cleanly(void **st)
{
	(void)st;
	struct mbuf_stats s;
	mbuf_stats(&s);
	mbuf_set_limits(s.mbufs + 2, s.clusters + 1);
	struct mbuf *m = m_devget(pattern, 3000, 0, NULL);   /* needs 2 clusters */
	assert_null(m);
	m = m_gethdr(MT_DATA);
	assert_non_null(m);
	assert_int_equal(m_append(m, 4000, pattern), -1);   /* partial, consistent */
	assert_int_equal(m->m_pkthdr.len, m_length(m));
	assert_null(m_copym(m, 0, M_COPYALL));
	M_PREPEND(m, MHLEN);        /* no headroom, no mbuf: chain freed */
	assert_null(m);
	mbuf_set_limits(0, 0);
}

/* Checks that m is what m_getcl hands out (type, flags M_EXT plus M_PKTHDR or not). */
static void assert_fresh_cluster_mbuf(const struct mbuf *m, int type, unsigned flags)
{
	assert_int_equal(m->m_flags, M_EXT | flags);
	assert_int_equal(m->m_type, type);
	assert_int_equal(m->m_len, 0);
	assert_null(m->m_next);
	assert_ptr_equal(m->m_data, m->m_ext.ext_buf);
	assert_int_equal(m->m_ext.ext_size, MCLBYTES);
	assert_int_equal(*m->m_ext.ext_ref, 1);
	assert_int_equal(m->m_pkthdr.len, 0);
	assert_null(m->m_pkthdr.rcvif);
	assert_int_equal(m->m_pkthdr.csum_flags, 0);
}

/* A cluster mbuf freed with the last reference to its cluster is kept as a pair for the next
 * m_getcl (mbuf.c mcache_pkt): counts stay exact, and what comes back is a fresh mbuf. */
static void test_cluster_pairs_reused(void **st)
{
	(void)st;
	struct mbuf_stats a, b;
	mbuf_stats(&a);
	struct mbuf *m = m_getcl(MT_DATA, M_PKTHDR);
	assert_non_null(m);
	assert_int_equal(m_append(m, 100, pattern), 0);
	struct mbuf *c = m_copym(m, 10, 50);
	assert_non_null(c);
	m_freem(m);                 /* not the last reference: the cluster stays */
	mbuf_stats(&b);
	assert_int_equal(b.mbufs, a.mbufs + 1);
	assert_int_equal(b.clusters, a.clusters + 1);
	assert_chain_is(c, pattern + 10, 50);
	m_freem(c);                 /* the last: mbuf and cluster go (together) */
	mbuf_stats(&b);
	assert_int_equal(b.mbufs, a.mbufs);
	assert_int_equal(b.clusters, a.clusters);
	assert_int_equal(b.mbuf_frees - a.mbuf_frees, 2);
	assert_int_equal(b.cluster_frees - a.cluster_frees, 1);
	for (int i = 0; i < 3; i++) {
		/* whatever was freed last, m_getcl hands out a clean, unshared cluster mbuf */
		m = m_getcl(MT_HEADER, i ? 0 : M_PKTHDR);
		assert_non_null(m);
		assert_fresh_cluster_mbuf(m, MT_HEADER, i ? 0 : M_PKTHDR);
		assert_null(m->m_nextpkt);
		assert_int_equal(M_TRAILINGSPACE(m), MCLBYTES);
		m->m_pkthdr.len = 7;
		m->m_len = 5;
		m_free(m);              /* m_free and m_freem both keep the pair */
	}
	mbuf_stats(&b);
	assert_int_equal(b.mbufs, a.mbufs);
	assert_int_equal(b.clusters, a.clusters);
	/* under a limit the counted path decides, cached pair or not */
	struct mbuf *hold = m_getcl(MT_DATA, 0);
	mbuf_set_limits(0, a.clusters + 1);
	assert_null(m_getcl(MT_DATA, 0));
	mbuf_set_limits(a.mbufs + 1, 0);
	assert_null(m_getcl(MT_DATA, 0));
	mbuf_set_limits(0, 0);
	m_free(hold);
	mbuf_cache_drain();         /* pairs go back to port_free too */
	assert_int_equal(mbuf_cache_bytes(), 0);
}

/* m_getcl_list hands out n of what m_getcl does, linked through m_nextpkt: from the pairs
 * cache (here holding fewer than asked, so m_getcl serves the rest), all distinct, counted
 * as n mbufs and n clusters; under a limit it stops where m_getcl would fail. */
static void test_getcl_list(void **st)
{
	(void)st;
	struct mbuf_stats a, b;
	struct mbuf *list, *pairs[5];
	mbuf_stats(&a);
	for (int i = 0; i < 5; i++) {
		/* dirty pairs in the cache: what comes out must be clean all the same */
		pairs[i] = m_getcl(MT_DATA, M_PKTHDR);
		assert_non_null(pairs[i]);
		assert_int_equal(m_append(pairs[i], 100, pattern), 0);
		pairs[i]->m_data += 3;
		pairs[i]->m_pkthdr.csum_flags = CSUM_DATA_VALID;
	}
	for (int i = 0; i < 5; i++)
		m_free(pairs[i]);
	assert_int_equal(m_getcl_list(MT_DATA, M_PKTHDR, 12, &list), 12);
	mbuf_stats(&b);
	assert_int_equal(b.mbufs, a.mbufs + 12);
	assert_int_equal(b.clusters, a.clusters + 12);
	unsigned n = 0;
	for (struct mbuf *m = list; m; m = m->m_nextpkt, n++) {
		assert_fresh_cluster_mbuf(m, MT_DATA, M_PKTHDR);
		for (struct mbuf *o = m->m_nextpkt; o; o = o->m_nextpkt)
			assert_ptr_not_equal(o->m_ext.ext_buf, m->m_ext.ext_buf);
	}
	assert_int_equal(n, 12);
	m_freem_list(list);
	assert_int_equal(m_getcl_list(MT_HEADER, 0, 0, &list), 0);
	assert_null(list);
	assert_int_equal(m_getcl_list(MT_HEADER, 0, 1, &list), 1);
	assert_fresh_cluster_mbuf(list, MT_HEADER, 0);
	assert_null(list->m_nextpkt);
	m_freem_list(list);
	mbuf_stats(&b);
	assert_int_equal(b.mbufs, a.mbufs);
	assert_int_equal(b.clusters, a.clusters);
	/* three clusters allowed: three of four, each counted */
	mbuf_set_limits(0, a.clusters + 3);
	assert_int_equal(m_getcl_list(MT_DATA, M_PKTHDR, 4, &list), 3);
	mbuf_stats(&b);
	assert_int_equal(b.clusters, a.clusters + 3);
	mbuf_set_limits(0, 0);
	m_freem_list(list);
	mbuf_stats(&b);
	assert_int_equal(b.mbufs, a.mbufs);
	assert_int_equal(b.clusters, a.clusters);
	mbuf_cache_drain();
	assert_int_equal(mbuf_cache_bytes(), 0);
}

/* m_freem sorts a chain into plain mbufs, pairs (last reference to a small cluster) and
 * page-sized clusters, one cache visit each: every kind is freed exactly once, a cluster still
 * referenced elsewhere stays (its data intact), and the counters move by what went. */
static void test_freem_mixed_chain(void **st)
{
	(void)st;
	struct mbuf_stats a, b;
	mbuf_stats(&a);
	struct mbuf *h = m_gethdr(MT_DATA);
	struct mbuf *small = m_getcl(MT_DATA, 0), *small2 = m_getcl(MT_DATA, 0);
	struct mbuf *big = m_getjcl(MT_DATA, 0, MBIGCLBYTES), *big2 = m_getjcl(MT_DATA, 0,
	    MBIGCLBYTES);
	assert_non_null(h);
	assert_non_null(small);
	assert_non_null(small2);
	assert_non_null(big);
	assert_non_null(big2);
	memcpy(small2->m_data, pattern, 300);
	small2->m_len = 300;
	memcpy(big2->m_data, pattern + 300, 3000);
	big2->m_len = 3000;
	struct mbuf *keep1 = m_copym(small2, 0, 300), *keep2 = m_copym(big2, 0, 3000);
	assert_non_null(keep1);
	assert_non_null(keep2);
	h->m_next = small;
	small->m_next = small2;
	small2->m_next = big;
	big->m_next = big2;
	mbuf_stats(&b);
	assert_int_equal(b.mbufs, a.mbufs + 7);
	assert_int_equal(b.clusters, a.clusters + 4);
	m_freem(h);
	mbuf_stats(&b);
	assert_int_equal(b.mbufs, a.mbufs + 2);             /* the two copies */
	assert_int_equal(b.clusters, a.clusters + 2);       /* the clusters they share */
	assert_int_equal(b.mbuf_frees - a.mbuf_frees, 5);
	assert_int_equal(b.cluster_frees - a.cluster_frees, 2);
	assert_int_equal(*keep1->m_ext.ext_ref, 1);
	assert_int_equal(*keep2->m_ext.ext_ref, 1);
	assert_chain_is(keep1, pattern, 300);
	assert_chain_is(keep2, pattern + 300, 3000);
	keep1->m_next = keep2;      /* the last references: a pair and a page-sized cluster */
	m_freem(keep1);
	mbuf_stats(&b);
	assert_int_equal(b.mbufs, a.mbufs);
	assert_int_equal(b.clusters, a.clusters);
	assert_int_equal(b.mbuf_frees - a.mbuf_frees, 7);
	assert_int_equal(b.cluster_frees - a.cluster_frees, 4);
}

/* A chain longer than the caches hold: what does not fit goes block by block to what room
 * is left and then to port_free, nothing lost or freed twice (the teardown's leak check, and
 * the caches' byte count against what was kept).  The caches then serve allocations without
 * port_alloc, a page-sized cluster included. */
static void test_freem_spills_past_caches(void **st)
{
	(void)st;
	enum { N = 900 };   /* 300 of each kind: more pairs and page clusters than cached */
	struct mbuf_stats a, b;
	mbuf_cache_drain();
	mbuf_stats(&a);
	struct mbuf *top = NULL;
	for (int i = 0; i < N; i++) {
		struct mbuf *m = (i % 3 == 0) ? m_get(MT_DATA) : (i % 3 == 1) ?
		    m_getcl(MT_DATA, 0) : m_getjcl(MT_DATA, 0, MBIGCLBYTES);
		assert_non_null(m);
		m->m_next = top;
		top = m;
	}
	m_freem(top);
	mbuf_stats(&b);
	assert_int_equal(b.mbufs, a.mbufs);
	assert_int_equal(b.clusters, a.clusters);
	assert_int_equal(b.mbuf_frees - a.mbuf_frees, N);
	assert_int_equal(b.cluster_frees - a.cluster_frees, 2 * N / 3);
	/* kept: every cache filled or holding all it was given, never more than its cap (none
	 * under AddressSanitizer, where mbuf.c keeps no cache so that a use after free is seen) */
	uint64_t cached = mbuf_cache_bytes();
	assert_true(cached <= 512 * (sizeof(struct mbuf) + 2052) + 256 * 4096 +
	    256 * (sizeof(struct mbuf) + 2052));
#if MBUF_TEST_ASAN
	assert_int_equal(cached, 0);
	const uint64_t fresh = 5;   /* every block from port_alloc: three mbufs, two clusters */
#else
	assert_true(cached > 0);
	const uint64_t fresh = 0;   /* all from the caches */
#endif
	uint64_t calls = host_alloc_calls();
	struct mbuf *x = m_getjcl(MT_DATA, M_PKTHDR, MBIGCLBYTES), *y = m_getcl(MT_DATA, 0),
	    *z = m_get(MT_DATA);
	assert_non_null(x);
	assert_non_null(y);
	assert_non_null(z);
	assert_int_equal(host_alloc_calls(), calls + fresh);
	assert_int_equal(x->m_flags, M_EXT | M_PKTHDR);
	assert_int_equal(x->m_ext.ext_size, MBIGCLBYTES);
	assert_int_equal(*x->m_ext.ext_ref, 1);
	assert_ptr_equal(x->m_data, x->m_ext.ext_buf);
	assert_int_equal(M_TRAILINGSPACE(x), MBIGCLBYTES);
	assert_int_equal(x->m_pkthdr.len, 0);
	assert_int_equal(z->m_flags, 0);
	assert_null(z->m_ext.ext_ref);
	x->m_next = y;
	y->m_next = z;
	m_freem(x);
	mbuf_cache_drain();
	assert_int_equal(mbuf_cache_bytes(), 0);
}

static void test_mbufq(void **st)
{
	(void)st;
	struct mbufq q;
	mbufq_init(&q, 3);
	for (int i = 0; i < 5; i++) {
		struct mbuf *m = m_gethdr(MT_DATA);
		m->m_pkthdr.len = (uint32_t)i;
		int rc = mbufq_enqueue(&q, m);
		assert_int_equal(rc, i < 3 ? 0 : -105 /* ENOBUFS: m freed */);
	}
	assert_int_equal(q.mq_len, 3);
	assert_int_equal(q.mq_drops, 2);
	struct mbuf *m = mbufq_dequeue(&q);
	assert_int_equal(m->m_pkthdr.len, 0);
	m_freem(m);
	mbufq_drain(&q);
	assert_int_equal(q.mq_len, 0);
	assert_null(mbufq_dequeue(&q));

	/* A list joins whole while room lasts: 1 queued, then 4 offered to a queue of 3, the
	 * first 2 taken in order, the other 2 handed back linked; then a full queue takes none. */
	struct mbuf *list = NULL, *tail = NULL, *rest;
	for (int i = 0; i < 5; i++) {
		struct mbuf *x = m_gethdr(MT_DATA);
		x->m_pkthdr.len = (uint32_t)i;
		if (i == 0) {
			assert_int_equal(mbufq_enqueue(&q, x), 0);
			continue;
		}
		if (tail)
			tail->m_nextpkt = x;
		else
			list = x;
		tail = x;
	}
	assert_int_equal(mbufq_enqueue_list(&q, list, tail, 4, &rest), 2);
	assert_int_equal(q.mq_len, 3);
	assert_non_null(rest);
	assert_int_equal(rest->m_pkthdr.len, 3);
	assert_int_equal(rest->m_nextpkt->m_pkthdr.len, 4);
	assert_null(rest->m_nextpkt->m_nextpkt);
	assert_int_equal(q.mq_tail->m_pkthdr.len, 2);
	assert_null(q.mq_tail->m_nextpkt);
	struct mbuf *again = rest;
	assert_int_equal(mbufq_enqueue_list(&q, again, again->m_nextpkt, 2, &rest), 0);
	assert_ptr_equal(rest, again);
	m_freem_list(rest);
	for (uint32_t i = 0; i < 3; i++) {
		m = mbufq_dequeue(&q);
		assert_int_equal(m->m_pkthdr.len, i);
		m_freem(m);
	}
	assert_null(q.mq_tail);
	/* Nothing offered: nothing changes. */
	assert_int_equal(mbufq_enqueue_list(&q, NULL, NULL, 0, &rest), 0);
	assert_null(rest);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cumulative_counts, setup, tu_mbuf_teardown),
		cmocka_unit_test_setup_teardown(test_counts_across_threads, setup, tu_mbuf_teardown),
		cmocka_unit_test_setup_teardown(test_get_free_counts, setup, tu_mbuf_teardown),
		cmocka_unit_test_setup_teardown(test_append_devget_copydata, setup, tu_mbuf_teardown),
		cmocka_unit_test_setup_teardown(test_prepend_uses_headroom_then_new_mbuf, setup, tu_mbuf_teardown),
		cmocka_unit_test_setup_teardown(test_adj_head_and_tail, setup, tu_mbuf_teardown),
		cmocka_unit_test_setup_teardown(test_pullup, setup, tu_mbuf_teardown),
		cmocka_unit_test_setup_teardown(test_copym_shares_clusters, setup, tu_mbuf_teardown),
		cmocka_unit_test_setup_teardown(test_copyback_extends, setup, tu_mbuf_teardown),
		cmocka_unit_test_setup_teardown(test_cat_and_split, setup, tu_mbuf_teardown),
		cmocka_unit_test_setup_teardown(test_limits_fail_cleanly, setup, tu_mbuf_teardown),
		cmocka_unit_test_setup_teardown(test_cluster_pairs_reused, setup, tu_mbuf_teardown),
		cmocka_unit_test_setup_teardown(test_getcl_list, setup, tu_mbuf_teardown),
		cmocka_unit_test_setup_teardown(test_freem_mixed_chain, setup, tu_mbuf_teardown),
		cmocka_unit_test_setup_teardown(test_freem_spills_past_caches, setup, tu_mbuf_teardown),
		cmocka_unit_test_setup_teardown(test_mbufq, setup, tu_mbuf_teardown),
	};
	return TU_RUN(tests);
}
