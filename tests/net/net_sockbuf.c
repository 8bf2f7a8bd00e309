/* Stream socket buffers (net/sockbuf.c) and the mbuf features the send path builds them from:
 * page-sized clusters (m_getjcl), a send buffer's tail that keeps filling its cluster while
 * segments share its front (M_WRTAIL, merged by sbappendstream), sbdrop and sbtakestream over
 * shared clusters; accounting (sb_cc, sb_mbcnt) and pools back to their starting counts after
 * each test. */
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "net/mbuf.h"
#include "net/socketvar.h"
#include "net/socket_private.h"

static uint8_t pattern[3 * MBIGCLBYTES];

static int setup(void **st)
{
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + i / 253);
	return tu_mbuf_setup(st);
}

static unsigned chain_mbufs(const struct mbuf *m)
{
	unsigned n = 0;
	for (; m; m = m->m_next)
		n++;
	return n;
}

/* What so_send does: a fresh cluster of `size` owning its free end, holding len bytes. */
static struct mbuf *tail_cluster(uint32_t size, const uint8_t *p, uint32_t len)
{
	struct mbuf *m = m_getjcl(MT_DATA, 0, size);
	assert_non_null(m);
	m->m_flags |= M_WRTAIL;
	memcpy(m->m_data, p, len);
	m->m_len = len;
	return m;
}

/* What so_send does next: a second reference to t's cluster holding len bytes written right
 * after t's data. */
static struct mbuf *continuation(const struct mbuf *t, const uint8_t *p, uint32_t len)
{
	struct mbuf *m = m_get(MT_DATA);
	assert_non_null(m);
	m->m_ext = t->m_ext;
	m->m_flags |= M_EXT;
	(*m->m_ext.ext_ref)++;
	m->m_data = t->m_data + t->m_len;
	memcpy(m->m_data, p, len);
	m->m_len = len;
	return m;
}

static void test_getjcl_sizes_and_counts(void **st)
{
	(void)st;
	struct mbuf_stats a, b;
	mbuf_stats(&a);
	struct mbuf *s = m_getjcl(MT_DATA, M_PKTHDR, MCLBYTES);
	struct mbuf *p = m_getjcl(MT_DATA, 0, MBIGCLBYTES);
	assert_non_null(s);
	assert_non_null(p);
	mbuf_stats(&b);
	assert_int_equal(b.mbufs, a.mbufs + 2);
	assert_int_equal(b.clusters, a.clusters + 2);   /* both sizes count as clusters */
	assert_true(s->m_flags & M_PKTHDR);
	assert_false(p->m_flags & M_PKTHDR);
	assert_int_equal(M_TRAILINGSPACE(s), MCLBYTES);
	assert_int_equal(M_TRAILINGSPACE(p), MBIGCLBYTES);
	/* a page cluster shared and freed in either order */
	memcpy(p->m_data, pattern, MBIGCLBYTES);
	p->m_len = MBIGCLBYTES;
	struct mbuf *c = m_copym(p, 100, MBIGCLBYTES - 100);
	assert_non_null(c);
	assert_false(M_WRITABLE(p));
	m_freem(p);
	tu_assert_chain(c, pattern + 100, MBIGCLBYTES - 100);
	m_freem(c);
	mbuf_stats(&b);
	assert_int_equal(b.clusters, a.clusters + 1);
	/* the cluster limit covers page clusters too: s is the one allowed */
	mbuf_set_limits(0, a.clusters + 1);
	assert_null(m_getjcl(MT_DATA, 0, MBIGCLBYTES));
	mbuf_set_limits(0, 0);
	m_freem(s);
	mbuf_stats(&b);
	assert_int_equal(b.clusters, a.clusters);
	assert_int_equal(b.mbufs, a.mbufs);
}

static void test_tail_continuation_merges(void **st)
{
	(void)st;
	struct sockbuf sb;
	memset(&sb, 0, sizeof sb);
	sb_sethiwat(&sb, 65536);
	sbappendstream(&sb, tail_cluster(MBIGCLBYTES, pattern, 1000));
	struct mbuf *t = sb.sb_mb;
	assert_int_equal(sb.sb_cc, 1000);
	assert_int_equal(sb.sb_mbcnt, sizeof(struct mbuf) + MBIGCLBYTES);
	/* a segment in flight shares the front */
	struct mbuf *seg = m_copym(t, 200, 800);
	assert_non_null(seg);
	assert_false(seg->m_flags & M_WRTAIL);       /* copies never own the free end */
	assert_int_equal(M_TRAILINGSPACE(seg), 0);
	/* the next send continues in the same cluster: merged, no storage added */
	sbappendstream(&sb, continuation(t, pattern + 1000, 1500));
	assert_ptr_equal(sb.sb_mb, t);
	assert_ptr_equal(sb.sb_mbtail, t);
	assert_int_equal(t->m_len, 2500);
	assert_true(t->m_flags & M_WRTAIL);
	assert_int_equal(sb.sb_cc, 2500);
	assert_int_equal(sb.sb_mbcnt, sizeof(struct mbuf) + MBIGCLBYTES);
	assert_int_equal(*t->m_ext.ext_ref, 2);     /* t and seg; the continuation is gone */
	tu_assert_chain(sb.sb_mb, pattern, 2500);
	tu_assert_chain(seg, pattern + 200, 800);
	/* acknowledged bytes trim the tail; the rest stays */
	sbdrop(&sb, 1200);
	assert_int_equal(sb.sb_cc, 1300);
	tu_assert_chain(sb.sb_mb, pattern + 1200, 1300);
	m_freem(seg);
	sbdrop(&sb, 1300);
	assert_null(sb.sb_mb);
	assert_null(sb.sb_mbtail);
	assert_int_equal(sb.sb_cc, 0);
	assert_int_equal(sb.sb_mbcnt, 0);
}

static void test_continuation_only_at_owned_tail(void **st)
{
	(void)st;
	struct sockbuf sb;
	memset(&sb, 0, sizeof sb);
	sb_sethiwat(&sb, 65536);
	/* a tail that does not own its free end (no M_WRTAIL): a sharing mbuf is linked as it is */
	struct mbuf *t = tail_cluster(MCLBYTES, pattern, 100);
	t->m_flags &= (uint16_t)~M_WRTAIL;
	sbappendstream(&sb, t);
	sbappendstream(&sb, continuation(t, pattern + 100, 50));
	assert_int_equal(chain_mbufs(sb.sb_mb), 2);
	assert_int_equal(sb.sb_cc, 150);
	assert_int_equal(sb.sb_mbcnt, 2 * (sizeof(struct mbuf) + MCLBYTES));
	tu_assert_chain(sb.sb_mb, pattern, 150);
	sbflush(&sb);
	/* an owned tail but the piece does not start where its data ends: linked, not merged */
	t = tail_cluster(MCLBYTES, pattern, 100);
	sbappendstream(&sb, t);
	struct mbuf *gap = continuation(t, pattern + 100, 50);
	gap->m_data += 10;
	memcpy(gap->m_data, pattern + 100, 50);
	sbappendstream(&sb, gap);
	assert_int_equal(chain_mbufs(sb.sb_mb), 2);
	assert_int_equal(t->m_len, 100);
	tu_assert_chain(sb.sb_mb, pattern, 150);
	/* a later fresh cluster becomes the tail; a piece sharing the old one is not merged */
	struct mbuf *n = tail_cluster(MBIGCLBYTES, pattern + 150, 10);
	sbappendstream(&sb, n);
	sbappendstream(&sb, continuation(t, pattern + 160, 5));
	assert_int_equal(chain_mbufs(sb.sb_mb), 4);
	assert_int_equal(sb.sb_cc, 165);
	tu_assert_chain(sb.sb_mb, pattern, 165);
	sbflush(&sb);
	assert_int_equal(sb.sb_mbcnt, 0);
}

static void test_wrtail_cut_by_split_and_trim(void **st)
{
	(void)st;
	struct mbuf *m = tail_cluster(MBIGCLBYTES, pattern, 3000);
	struct mbuf *c = m_copym(m, 0, M_COPYALL);
	assert_false(c->m_flags & M_WRTAIL);
	m_freem(c);
	/* m_split inside: neither part owns the free end any more */
	struct mbuf *rest = m_split(m, 1000);
	assert_non_null(rest);
	assert_false(m->m_flags & M_WRTAIL);
	assert_false(rest->m_flags & M_WRTAIL);
	tu_assert_chain(m, pattern, 1000);
	tu_assert_chain(rest, pattern + 1000, 2000);
	m_freem(m);
	m_freem(rest);
	/* a trim from the tail gives bytes back that copies may still share */
	m = tail_cluster(MBIGCLBYTES, pattern, 3000);
	m_adj(m, -500);
	assert_false(m->m_flags & M_WRTAIL);
	tu_assert_chain(m, pattern, 2500);
	/* a trim from the head keeps it (the free end is still after the data) */
	m_freem(m);
	m = tail_cluster(MBIGCLBYTES, pattern, 3000);
	m_adj(m, 500);
	assert_true(m->m_flags & M_WRTAIL);
	tu_assert_chain(m, pattern + 500, 2500);
	m_freem(m);
}

static void test_takestream_and_unread(void **st)
{
	(void)st;
	struct sockbuf sb;
	memset(&sb, 0, sizeof sb);
	sb_sethiwat(&sb, 65536);
	sbappendstream(&sb, tail_cluster(MBIGCLBYTES, pattern, 2000));
	sbappendstream(&sb, continuation(sb.sb_mbtail, pattern + 2000, 1000));
	sbappendstream(&sb, tail_cluster(MCLBYTES, pattern + 3000, 1500));
	assert_int_equal(chain_mbufs(sb.sb_mb), 2);
	uint32_t got;
	struct mbuf *c = sbtakestream(&sb, 3500, &got);
	assert_int_equal(got, 3500);
	tu_assert_chain(c, pattern, 3500);
	assert_int_equal(sb.sb_cc, 1000);
	tu_assert_chain(sb.sb_mb, pattern + 3500, 1000);
	sbunreadstream(&sb, c);                  /* a failed copy-out puts them back */
	assert_int_equal(sb.sb_cc, 4500);
	tu_assert_chain(sb.sb_mb, pattern, 4500);
	sbdrop(&sb, 4500);
	assert_null(sb.sb_mb);
	assert_int_equal(sb.sb_mbcnt, 0);
}

/* sbdrop frees the whole mbufs it passes as one chain, empty ones included (sb_mb is NULL
 * exactly when nothing is held), trims the mbuf it stops in, and keeps sb_cc and sb_mbcnt
 * exact; sbtakestream likewise takes whole mbufs and a shared front of the last. */
static void test_drop_and_take_whole_and_partial(void **st)
{
	(void)st;
	struct sockbuf sb;
	memset(&sb, 0, sizeof sb);
	sb_sethiwat(&sb, 65536);
	/* four clusters of 1000, 0 (kept empty by hand), 1500 and 700 bytes */
	uint32_t lens[4] = { 1000, 0, 1500, 700 }, off = 0;
	struct mbuf *prev = NULL;
	for (int i = 0; i < 4; i++) {
		struct mbuf *m = m_getcl(MT_DATA, 0);
		assert_non_null(m);
		memcpy(m->m_data, pattern + off, lens[i]);
		m->m_len = lens[i];
		off += lens[i];
		if (prev)
			prev->m_next = m;
		else
			sb.sb_mb = m;
		sb.sb_mbtail = m;
		sb.sb_cc += lens[i];
		sb.sb_mbcnt += (uint32_t)sizeof(struct mbuf) + MCLBYTES;
		prev = m;
	}
	struct mbuf_stats a, b;
	mbuf_stats(&a);
	sbdrop(&sb, 1000);          /* the first, and the empty one behind it */
	mbuf_stats(&b);
	assert_int_equal(b.mbuf_frees - a.mbuf_frees, 2);
	assert_int_equal(chain_mbufs(sb.sb_mb), 2);
	assert_int_equal(sb.sb_cc, 2200);
	assert_int_equal(sb.sb_mbcnt, 2 * ((uint32_t)sizeof(struct mbuf) + MCLBYTES));
	tu_assert_chain(sb.sb_mb, pattern + 1000, 2200);
	sbdrop(&sb, 600);           /* inside the next: trimmed, nothing freed */
	assert_int_equal(chain_mbufs(sb.sb_mb), 2);
	assert_int_equal(sb.sb_cc, 1600);
	tu_assert_chain(sb.sb_mb, pattern + 1600, 1600);
	uint32_t got;
	struct mbuf *c = sbtakestream(&sb, 1000, &got);   /* 900 whole, 100 shared */
	assert_int_equal(got, 1000);
	assert_int_equal(chain_mbufs(c), 2);
	tu_assert_chain(c, pattern + 1600, 1000);
	assert_int_equal(sb.sb_cc, 600);
	assert_ptr_equal(sb.sb_mb, sb.sb_mbtail);
	tu_assert_chain(sb.sb_mb, pattern + 2600, 600);
	m_freem(c);
	c = sbtakestream(&sb, 5000, &got);                /* all there is */
	assert_int_equal(got, 600);
	assert_null(sb.sb_mb);
	assert_null(sb.sb_mbtail);
	assert_int_equal(sb.sb_cc, 0);
	assert_int_equal(sb.sb_mbcnt, 0);
	m_freem(c);
	sbdrop(&sb, 10);            /* nothing held: nothing to do */
	assert_null(sb.sb_mb);
}

static int failing_copy(void *dst, const void *src, size_t n)
{
	(void)dst;
	(void)src;
	(void)n;
	return -1;
}

/* uio_init leaves the copy functions NULL, and uiomove then copies with memcpy across the
 * iovec's pieces in both directions; a copy function set by the caller is used (its failure
 * is -EFAULT). */
static void test_uiomove_plain_and_hooked(void **st)
{
	(void)st;
	uint8_t src[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, a[3], b[4], c[5], back[10];
	struct iovec iov[3] = { { a, sizeof a }, { b, sizeof b }, { c, sizeof c } };
	struct uio uio;
	uio.uio_copyin = uio.uio_copyout = failing_copy;
	assert_int_equal(uio_init(&uio, iov, 3, UIO_TO_USER), 0);
	assert_null(uio.uio_copyin);
	assert_null(uio.uio_copyout);
	assert_int_equal(uio.uio_resid, 12);
	assert_int_equal(uiomove(src, 10, &uio), 0);
	assert_int_equal(uio.uio_resid, 2);
	assert_memory_equal(a, src, 3);
	assert_memory_equal(b, src + 3, 4);
	assert_memory_equal(c, src + 7, 3);
	struct iovec iov2[3] = { { a, sizeof a }, { b, sizeof b }, { c, 3 } };
	assert_int_equal(uio_init(&uio, iov2, 3, UIO_FROM_USER), 0);
	assert_int_equal(uiomove(back, 10, &uio), 0);
	assert_memory_equal(back, src, 10);
	assert_int_equal(uio.uio_resid, 0);
	struct iovec iov3[1] = { { a, sizeof a } };
	assert_int_equal(uio_init(&uio, iov3, 1, UIO_TO_USER), 0);
	uio.uio_copyout = failing_copy;
	assert_int_equal(uiomove(src, 3, &uio), -14 /* EFAULT */);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_getjcl_sizes_and_counts, setup, tu_mbuf_teardown),
		cmocka_unit_test_setup_teardown(test_tail_continuation_merges, setup, tu_mbuf_teardown),
		cmocka_unit_test_setup_teardown(test_continuation_only_at_owned_tail, setup, tu_mbuf_teardown),
		cmocka_unit_test_setup_teardown(test_wrtail_cut_by_split_and_trim, setup, tu_mbuf_teardown),
		cmocka_unit_test_setup_teardown(test_takestream_and_unread, setup, tu_mbuf_teardown),
		cmocka_unit_test_setup_teardown(test_drop_and_take_whole_and_partial, setup, tu_mbuf_teardown),
		cmocka_unit_test(test_uiomove_plain_and_hooked),
	};
	return TU_RUN(tests);
}
