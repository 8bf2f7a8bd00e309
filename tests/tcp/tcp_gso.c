/* Software TSO (net/tcp_gso.c) against the 8254x semantics that tests/tcp/tcp_tso.c's fake
 * device implements (8254x SDM 3.5): the same large segments go through tcp_gso_segment and
 * through the reference cutter (tso_ref.h, tcp_tso.c's too) on a flat copy, and every piece
 * must be byte for byte the reference's, with IP and TCP checksums that verify under an
 * independent RFC 1071 sum.  Inputs: bulk with timestamps, FIN and PSH on the last piece, a
 * short tail, odd payload splits across mbufs (some inline, some in clusters, the payload
 * starting in the header mbuf, shared cluster references), the IP ID and the sequence number
 * wrapping.  The gathering cutter (tcp_gso_cut) makes the same pieces from the same chains,
 * with every span limit down to one (then the payload is copied).  Ordinary frames get their CSUM_IP / CSUM_TCP work done in place.  Bad input and
 * allocation failure are counted and dropped; the mbuf pools balance after every test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "net/tcp_gso.h"
#include "net/tcp.h"
#include "tests/tcp/tso_ref.h"

#define ETH 14
#define SRC 0x0a000001u
#define DST 0x0a000002u

struct frames {
	unsigned n;
	uint8_t *f[64];
	uint32_t len[64];
};

static void frames_free(struct frames *fr)
{
	for (unsigned i = 0; i < fr->n; i++)
		free(fr->f[i]);
	fr->n = 0;
}

/* The reference cutter (tso_ref.h) on a flat large segment f of len bytes. */
static void ref_cut(const uint8_t *f, size_t len, uint32_t segsz, struct frames *out)
{
	out->n = 0;
	for (uint32_t i = 0;; i++) {
		uint8_t *p = malloc(len);
		assert_non_null(p);
		size_t n = tso_ref_piece(f, len, segsz, i, p);
		if (!n) {
			free(p);
			break;
		}
		assert_true(out->n < 64);
		out->f[out->n] = p;
		out->len[out->n++] = (uint32_t)n;
	}
}

static size_t build_flat(uint8_t *f, bool ts, uint8_t flags, uint16_t id, uint32_t seq,
    uint32_t pay, uint8_t proto)
{
	return tso_ref_build_flat(f, ts, flags, id, seq, pay, proto, SRC, DST);
}

/* The chain: the headers (and `inl` payload bytes) in a header mbuf, then the rest of the
 * payload in pieces of splits[] bytes (cycled), each over MLEN in a cluster.  With `shared`,
 * the payload mbufs are m_copym references to another chain, as a send buffer's. */
static struct mbuf *build_chain(const uint8_t *f, size_t len, unsigned hdr, uint32_t inl,
    const uint32_t *splits, unsigned nsplits, bool shared, struct mbuf **keep)
{
	struct mbuf *m = m_gethdr(MT_HEADER);
	assert_non_null(m);
	m->m_data = m->m_dat + 16;
	memcpy(m->m_data, f, hdr + inl);
	m->m_len = hdr + inl;
	struct mbuf *src = NULL, **np = &src;
	size_t off = hdr + inl;
	for (unsigned k = 0; off < len; k++) {
		uint32_t c = splits[k % nsplits];
		if (c > len - off)
			c = (uint32_t)(len - off);
		struct mbuf *x = c > MLEN ? m_getjcl(MT_DATA, 0, MBIGCLBYTES) : m_get(MT_DATA);
		assert_non_null(x);
		memcpy(x->m_data, f + off, c);
		x->m_len = c;
		*np = x;
		np = &x->m_next;
		off += c;
	}
	if (shared && src) {
		m->m_next = m_copym(src, 0, (uint32_t)(len - hdr - inl));
		assert_non_null(m->m_next);
		*keep = src;
	} else {
		m->m_next = src;
		*keep = NULL;
	}
	m->m_pkthdr.len = (uint32_t)len;
	return m;
}

static uint8_t flat[70000], got[2000];

/* The piece tcp_gso_cut_next gave (headers in c->ph, payload in n spans) into got. */
static uint32_t gather(const struct tcp_gso_cut *c, const struct iovec *iov, int n)
{
	memcpy(got, c->ph, c->hdr);
	uint32_t len = c->hdr;
	for (int k = 0; k < n; k++) {
		assert_true(iov[k].iov_len > 0);
		assert_true(len + iov[k].iov_len <= sizeof got);
		memcpy(got + len, iov[k].iov_base, iov[k].iov_len);
		len += (uint32_t)iov[k].iov_len;
	}
	return len;
}

/* The same large segment through the gathering cutter with at most max spans per piece (a
 * longer payload is copied to a flat buffer): every piece must be the reference's. */
static void check_gathered(struct mbuf *m, uint32_t segsz, const struct frames *ref, int max)
{
	m->m_pkthdr.csum_flags = CSUM_IP | CSUM_TCP | CSUM_TSO;
	m->m_pkthdr.tso_segsz = (uint16_t)segsz;
	struct tcp_gso_stats st = { 0 };
	struct tcp_gso_cut c;
	static uint8_t pay[2000];
	struct iovec iov[64];
	assert_int_equal(tcp_gso_cut_start(&c, m, ETH, &st), 0);
	unsigned n = 0;
	int k;
	while ((k = tcp_gso_cut_next(&c, iov, max, pay, sizeof pay)) > 0) {
		assert_true(k <= max);
		assert_true(n < ref->n);
		assert_int_equal(gather(&c, iov, k), ref->len[n]);
		if (memcmp(got, ref->f[n], ref->len[n]) != 0)
			fail_msg("gathered piece %u (max %d spans) differs from the reference", n, max);
		n++;
	}
	assert_int_equal(k, 0);
	assert_int_equal(n, ref->n);
	assert_int_equal(tcp_gso_cut_next(&c, iov, max, pay, sizeof pay), 0);   /* stays done */
	tcp_gso_cut_end(&c);
	assert_int_equal(st.large, 1);
	assert_int_equal(st.pieces, n);
	assert_int_equal(st.bad + st.nomem, 0);
}

/* Cuts one large segment both ways and compares; returns the number of pieces. */
static unsigned check_cut(bool ts, uint8_t flags, uint16_t id, uint32_t seq, uint32_t pay,
    uint32_t segsz, uint32_t inl, const uint32_t *splits, unsigned nsplits, bool shared)
{
	struct tu_leakcheck lc;
	tu_leakcheck_begin(&lc);
	size_t len = build_flat(flat, ts, flags, id, seq, pay, 6);
	unsigned hdr = ETH + 20 + (ts ? 32 : 20);
	struct mbuf *keep;
	struct mbuf *m = build_chain(flat, len, hdr, inl, splits, nsplits, shared, &keep);
	m->m_pkthdr.csum_flags = CSUM_IP | CSUM_TCP | CSUM_TSO;
	m->m_pkthdr.tso_segsz = (uint16_t)segsz;
	struct frames ref;
	ref_cut(flat, len, segsz, &ref);
	struct tcp_gso_stats st = { 0 };
	struct mbuf *list = tcp_gso_segment(m, ETH, &st);
	assert_non_null(list);
	unsigned n = 0;
	for (struct mbuf *p = list; p; p = p->m_nextpkt, n++) {
		assert_true(n < ref.n);
		assert_true(p->m_flags & M_PKTHDR);
		assert_int_equal(p->m_pkthdr.csum_flags, 0);
		assert_int_equal(p->m_pkthdr.len, ref.len[n]);
		assert_int_equal(m_copydata(p, 0, p->m_pkthdr.len, got), 0);
		if (memcmp(got, ref.f[n], ref.len[n]) != 0)
			fail_msg("piece %u differs from the reference", n);
		/* the checksums verify on their own (RFC 1071: the sum over the covered bytes,
		 * field included, is all ones) */
		uint8_t *ip = got + ETH;
		assert_int_equal(tso_ref_sum16(ip, 20, 0), 0xffff);
		uint32_t tl = be16_get(ip + 2) - 20u;
		assert_int_equal(tso_ref_sum16(ip + 20, tl, tso_ref_sum16(ip + 12, 8, 6 + tl)), 0xffff);
		assert_true(p->m_pkthdr.len <= ETH + 20 + (ts ? 32u : 20u) + segsz);
	}
	assert_int_equal(n, ref.n);
	assert_int_equal(st.large, 1);
	assert_int_equal(st.pieces, n);
	assert_int_equal(st.bad + st.nomem, 0);
	m_freem_list(list);
	m_freem(keep);
	/* the gathering cutter on the same chain, with room for every span and with room
	 * for one or two only */
	static const int maxes[] = { 64, 2, 1 };
	for (unsigned k = 0; k < 3; k++) {
		m = build_chain(flat, len, hdr, inl, splits, nsplits, shared, &keep);
		check_gathered(m, segsz, &ref, maxes[k]);
		m_freem(keep);
	}
	frames_free(&ref);
	tu_leakcheck_end(&lc);
	return n;
}

static const uint32_t pages[] = { MBIGCLBYTES };

static void test_bulk_timestamps(void **state)
{
	(void)state;
	/* a 64 KiB large segment as tcp_output sends it: 44 pieces of 1448, PSH on the last */
	assert_int_equal(check_cut(true, TH_ACK | TH_PUSH, 100, 1000, 44 * 1448, 1448, 0, pages, 1,
	    true), 44);
	assert_int_equal(check_cut(false, TH_ACK, 7, 1, 44 * 1460, 1460, 0, pages, 1, false), 44);
}

static void test_fin_push_last(void **state)
{
	(void)state;
	size_t len = build_flat(flat, true, TH_ACK | TH_PUSH | TH_FIN, 1, 1, 10 * 1448, 6);
	(void)len;
	assert_int_equal(check_cut(true, TH_ACK | TH_PUSH | TH_FIN, 1, 1, 10 * 1448, 1448, 0, pages,
	    1, true), 10);
	/* which pieces have FIN and PSH is in the comparison; check it here once by itself */
	struct tu_leakcheck lc;
	tu_leakcheck_begin(&lc);
	len = build_flat(flat, true, TH_ACK | TH_PUSH | TH_FIN, 1, 1, 3 * 1448, 6);
	struct mbuf *keep, *m = build_chain(flat, len, ETH + 52, 0, pages, 1, false, &keep);
	m->m_pkthdr.csum_flags = CSUM_IP | CSUM_TCP | CSUM_TSO;
	m->m_pkthdr.tso_segsz = 1448;
	struct tcp_gso_stats st = { 0 };
	struct mbuf *list = tcp_gso_segment(m, ETH, &st);
	unsigned i = 0;
	for (struct mbuf *p = list; p; p = p->m_nextpkt, i++) {
		uint8_t f = mtod(p, uint8_t *)[ETH + 20 + 13];
		assert_int_equal(f, i == 2 ? (TH_ACK | TH_PUSH | TH_FIN) : TH_ACK);
	}
	assert_int_equal(i, 3);
	m_freem_list(list);
	tu_leakcheck_end(&lc);
}

static void test_short_tail_and_wraps(void **state)
{
	(void)state;
	/* a TCP_NODELAY tail that empties the buffer; the ID and the sequence number wrap */
	assert_int_equal(check_cut(true, TH_ACK | TH_PUSH, 0xfffe, 0xfffff000u, 5 * 1448 + 333,
	    1448, 0, pages, 1, true), 6);
	assert_int_equal(check_cut(false, TH_ACK | TH_PUSH, 0xffff, 0xffffffffu, 1460 + 1, 1460, 0,
	    pages, 1, false), 2);
	/* one piece only (not what TCP sends, but the device cuts it all the same) */
	assert_int_equal(check_cut(true, TH_ACK, 9, 9, 1000, 1448, 0, pages, 1, false), 1);
}

static void test_odd_splits(void **state)
{
	(void)state;
	static const uint32_t odd[] = { 1, 7, 333, 1001, 2047, 3, 1448, 1449, 4000, 177, 176, 2 };
	static const uint32_t tiny[] = { 1, 2, 3 };
	unsigned nodd = sizeof odd / sizeof odd[0];
	for (uint32_t inl = 0; inl < 40; inl += 13) {
		assert_int_equal(check_cut(true, TH_ACK | TH_PUSH, 5, 77, 30 * 1448 + 17, 1448, inl,
		    odd, nodd, false), 31);
		assert_int_equal(check_cut(false, TH_ACK, 5, 77, 20 * 1460, 1460, inl, odd, nodd,
		    true), 20);
	}
	assert_int_equal(check_cut(true, TH_ACK, 5, 77, 4 * 536 + 1, 536, 0, tiny, 3, false), 5);
	/* every piece boundary at every offset of a mbuf: segment sizes that are odd */
	for (uint32_t seg = 501; seg < 520; seg += 3)
		check_cut(false, TH_ACK, 1, 2, 9000, seg, 11, odd, nodd, true);
}

static void test_ordinary_frames(void **state)
{
	(void)state;
	struct tu_leakcheck lc;
	tu_leakcheck_begin(&lc);
	struct tcp_gso_stats st = { 0 };
	/* a TCP segment with CSUM_IP | CSUM_TCP: the field holds the pseudo-header sum with the
	 * length (ip_csum.h); the device completes both in place */
	size_t len = build_flat(flat, true, TH_ACK, 3, 3, 1000, 6);
	uint8_t *th = flat + ETH + 20;
	be16_put(th + 16, (uint16_t)tso_ref_sum16(th + 16, 2, 32 + 1000));
	static const uint32_t sp[] = { 601, 399 };
	struct mbuf *keep, *m = build_chain(flat, len, ETH + 52, 0, sp, 2, false, &keep);
	m->m_pkthdr.csum_flags = CSUM_IP | CSUM_TCP;
	struct mbuf *out = tcp_gso_segment(m, ETH, &st);
	assert_ptr_equal(out, m);
	assert_null(out->m_nextpkt);
	assert_int_equal(out->m_pkthdr.csum_flags, 0);
	assert_int_equal(m_copydata(out, 0, (uint32_t)len, flat), 0);
	assert_int_equal(tso_ref_sum16(flat + ETH, 20, 0), 0xffff);
	assert_int_equal(tso_ref_sum16(th, 1032, tso_ref_sum16(flat + ETH + 12, 8, 6 + 1032)), 0xffff);
	m_freem(out);
	/* CSUM_IP alone on a UDP datagram (CSUM_UDP is not a GSO device's) */
	len = build_flat(flat, false, 0, 3, 3, 100, 17);
	m = tu_chain(flat, (uint32_t)len, 0);
	m->m_pkthdr.csum_flags = CSUM_IP;
	out = tcp_gso_segment(m, ETH, &st);
	assert_non_null(out);
	assert_int_equal(m_copydata(out, 0, (uint32_t)len, flat), 0);
	assert_int_equal(tso_ref_sum16(flat + ETH, 20, 0), 0xffff);
	m_freem(out);
	/* a pure ACK without options, padded to the Ethernet minimum of 60 bytes: the checksum
	 * covers the datagram, not the padding */
	len = build_flat(flat, false, TH_ACK, 4, 4, 0, 6);
	assert_int_equal(len, 54);
	be16_put(flat + ETH + 20 + 16, (uint16_t)tso_ref_sum16(flat + ETH + 20 + 16, 2, 20));
	memset(flat + 54, 0, 6);
	m = tu_chain(flat, 60, 0);
	m->m_pkthdr.csum_flags = CSUM_IP | CSUM_TCP;
	out = tcp_gso_segment(m, ETH, &st);
	assert_non_null(out);
	assert_int_equal(out->m_pkthdr.len, 60);
	assert_int_equal(m_copydata(out, 0, 60, flat), 0);
	assert_int_equal(tso_ref_sum16(flat + ETH, 20, 0), 0xffff);
	assert_int_equal(tso_ref_sum16(flat + ETH + 20, 20, tso_ref_sum16(flat + ETH + 12, 8, 6 + 20)), 0xffff);
	m_freem(out);
	/* no flags (an ARP frame, say): passed as it is */
	m = tu_chain(flat, 60, 0);
	assert_ptr_equal(tcp_gso_segment(m, ETH, &st), m);
	m_freem(m);
	assert_int_equal(st.csum, 3);
	assert_int_equal(st.bad, 0);
	tu_leakcheck_end(&lc);
}

/* One large segment made bad by `spoil`; tcp_gso_segment must drop it and count it. */
static void expect_bad(int spoil)
{
	size_t len = build_flat(flat, true, TH_ACK, 1, 1, 5 * 1448, spoil == 1 ? 17 : 6);
	uint32_t segsz = 1448, flags = CSUM_IP | CSUM_TCP | CSUM_TSO;
	uint8_t *ip = flat + ETH;
	switch (spoil) {
	case 2: segsz = 0; break;
	case 3: be16_put(ip + 2, (uint16_t)(be16_get(ip + 2) + 1)); break;
	case 13: len += 6; break;                      /* padded after the datagram */
	case 14: flags = CSUM_IP | CSUM_TCP; be16_put(ip + 2, 20 + 32 - 1); break;
	case 4: ip[13 + 20] |= TH_SYN; break;
	case 5: ip[0] = 0x65; break;
	case 6: be16_put(ip + 6, 0x2000); break;       /* MF */
	case 7: ip[20 + 12] = 0x10; break;             /* TCP data offset 4 */
	case 8: len = ETH + 30; be16_put(ip + 2, 30); break;   /* truncated TCP header */
	case 9: len = ETH + 52; be16_put(ip + 2, 52); break;   /* no payload */
	case 10: ip[13 + 20] |= TH_URG; break;
	case 11: flags = CSUM_IP | CSUM_TCP | CSUM_UDP; break;
	case 12: flags = CSUM_IP | CSUM_TCP; ip[9] = 17; break;
	default: break;
	}
	struct mbuf *m = tu_chain(flat, (uint32_t)len, 700);
	assert_non_null(m);
	m->m_pkthdr.csum_flags = flags;
	m->m_pkthdr.tso_segsz = (uint16_t)segsz;
	struct tcp_gso_stats st = { 0 };
	assert_null(tcp_gso_segment(m, ETH, &st));
	assert_int_equal(st.bad, 1);
	assert_int_equal(st.large + st.pieces, 0);
	if (flags & CSUM_TSO) {
		/* the gathering cutter refuses the same large segments */
		m = tu_chain(flat, (uint32_t)len, 700);
		assert_non_null(m);
		m->m_pkthdr.csum_flags = flags;
		m->m_pkthdr.tso_segsz = (uint16_t)segsz;
		struct tcp_gso_cut c;
		assert_int_equal(tcp_gso_cut_start(&c, m, ETH, &st), -1);
		assert_int_equal(st.bad, 2);
		assert_int_equal(st.large + st.pieces, 0);
	}
}

/* A chain shorter than its packet length, and a payload in more spans than the caller takes
 * with no room to copy it: tcp_gso_cut_next says -1, counts it, and the cut ends cleanly. */
static void test_cut_bad_chain(void **state)
{
	(void)state;
	struct tu_leakcheck lc;
	tu_leakcheck_begin(&lc);
	size_t len = build_flat(flat, true, TH_ACK, 1, 1, 5 * 1448, 6);
	struct mbuf *m = tu_chain(flat, (uint32_t)len, 700);
	assert_non_null(m);
	struct mbuf *x = m;
	while (x->m_next->m_next)
		x = x->m_next;
	x->m_len -= 100;                    /* the last-but-one mbuf loses its tail */
	m->m_pkthdr.csum_flags = CSUM_IP | CSUM_TCP | CSUM_TSO;
	m->m_pkthdr.tso_segsz = 1448;
	struct tcp_gso_stats st = { 0 };
	struct tcp_gso_cut c;
	struct iovec iov[8];
	static uint8_t pay[2000];
	assert_int_equal(tcp_gso_cut_start(&c, m, ETH, &st), 0);
	int k, good = 0;
	while ((k = tcp_gso_cut_next(&c, iov, 8, pay, sizeof pay)) > 0)
		good++;
	assert_int_equal(k, -1);
	assert_int_equal(good, 4);
	assert_int_equal(st.bad, 1);
	tcp_gso_cut_end(&c);
	/* 700-byte mbufs: a 1448-byte piece spans three; one span allowed, no flat room */
	len = build_flat(flat, true, TH_ACK, 1, 1, 3 * 1448, 6);
	m = tu_chain(flat, (uint32_t)len, 700);
	m->m_pkthdr.csum_flags = CSUM_IP | CSUM_TCP | CSUM_TSO;
	m->m_pkthdr.tso_segsz = 1448;
	assert_int_equal(tcp_gso_cut_start(&c, m, ETH, &st), 0);
	assert_int_equal(tcp_gso_cut_next(&c, iov, 1, pay, 1000), -1);
	assert_int_equal(st.bad, 2);
	tcp_gso_cut_end(&c);
	tu_leakcheck_end(&lc);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct tu_leakcheck lc;
	tu_leakcheck_begin(&lc);
	for (int spoil = 1; spoil <= 14; spoil++)
		expect_bad(spoil);
	struct tcp_gso_stats st = { 0 };
	assert_null(tcp_gso_segment(NULL, ETH, &st));
	struct mbuf *m = m_get(MT_DATA);           /* no packet header */
	assert_null(tcp_gso_segment(m, ETH, &st));
	assert_int_equal(st.bad, 1);
	tu_leakcheck_end(&lc);
}

static void test_no_memory(void **state)
{
	(void)state;
	struct tu_leakcheck lc;
	tu_leakcheck_begin(&lc);
	/* every cap on live mbufs from too few for the input up to enough for all pieces */
	for (uint64_t cap = 1; cap < 40; cap++) {
		size_t len = build_flat(flat, true, TH_ACK, 1, 1, 10 * 1448, 6);
		struct mbuf *m = tu_chain(flat, (uint32_t)len, 2000);
		assert_non_null(m);
		m->m_pkthdr.csum_flags = CSUM_IP | CSUM_TCP | CSUM_TSO;
		m->m_pkthdr.tso_segsz = 1448;
		struct mbuf_stats ms;
		mbuf_stats(&ms);
		mbuf_set_limits(ms.mbufs + cap, 0);
		struct tcp_gso_stats st = { 0 };
		struct mbuf *list = tcp_gso_segment(m, ETH, &st);
		mbuf_set_limits(0, 0);
		if (list) {
			assert_int_equal(st.pieces, 10);
			m_freem_list(list);
		} else {
			assert_int_equal(st.nomem, 1);
		}
	}
	tu_leakcheck_end(&lc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bulk_timestamps),
		cmocka_unit_test(test_fin_push_last),
		cmocka_unit_test(test_short_tail_and_wraps),
		cmocka_unit_test(test_odd_splits),
		cmocka_unit_test(test_ordinary_frames),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_no_memory),
		cmocka_unit_test(test_cut_bad_chain),
	};
	return TU_RUN(tests);
}
