/* Internet checksum: RFC 1071 and RFC 1624 vectors, odd lengths, mbuf chains split at every
 * byte position, and agreement with a plain reference implementation. */
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "net/in_cksum.h"
#include "net/netlib.h"

/* The textbook 16-bit big-endian word sum, for comparison. */
static uint16_t ref_cksum(const uint8_t *p, size_t len)
{
	uint64_t s = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* RFC 1071 section 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (before complement). */
static void test_rfc1071_example(void **st)
{
	(void)st;
	const uint8_t b[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	assert_int_equal(in_cksum_add(0, b, 8), 0xddf2);
	assert_int_equal(in_cksum(b, 8), (uint16_t)~0xddf2);
}

/* A real IPv4 header (from a capture) whose stored checksum is b861. */
static void test_ipv4_header(void **st)
{
	(void)st;
	uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	    0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	assert_int_equal(in_cksum(h, 20), 0);
	h[10] = h[11] = 0;
	assert_int_equal(in_cksum(h, 20), 0xb861);
}

/* RFC 1624 section 4: HC = 0xdd2f, m changes 0x5555 -> 0x3285: HC' = 0x0000, not 0xffff. */
static void test_rfc1624_example(void **st)
{
	(void)st;
	assert_int_equal(in_cksum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
}

static void test_incremental_matches_full(void **st)
{
	(void)st;
	uint8_t buf[40];
	srand(7);
	for (int iter = 0; iter < 2000; iter++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)rand();
		uint16_t c = in_cksum(buf, sizeof(buf));
		size_t at = (size_t)(rand() % 19) * 2;
		uint16_t oldv = be16_get(buf + at), newv = (uint16_t)rand();
		be16_put(buf + at, newv);
		uint16_t inc = in_cksum_update16(c, oldv, newv);
		uint16_t full = in_cksum(buf, sizeof(buf));
		/* One's complement has two zeros (RFC 1624 3): 0x0000 and 0xffff are equivalent. */
		assert_true(inc == full || (inc == 0 && full == 0xffff) || (inc == 0xffff && full == 0));
		uint32_t a32 = be32_get(buf + 8), n32 = (uint32_t)rand() * 2654435761u;
		be32_put(buf + 8, n32);
		uint16_t inc32 = in_cksum_update32(full, a32, n32);
		uint16_t full32 = in_cksum(buf, sizeof(buf));
		assert_true(inc32 == full32 || (inc32 == 0 && full32 == 0xffff) ||
		    (inc32 == 0xffff && full32 == 0));
	}
}

static void test_random_lengths_match_reference(void **st)
{
	(void)st;
	uint8_t *buf = malloc(3000);
	srand(11);
	for (size_t len = 0; len < 3000; len += 1 + (size_t)(rand() % 37)) {
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rand();
		for (size_t off = 0; off < 8 && off <= len; off++)
			assert_int_equal(in_cksum(buf + off, len - off), ref_cksum(buf + off, len - off));
	}
	free(buf);
}

static void test_mbuf_chain_every_split(void **st)
{
	(void)st;
	struct tu_leakcheck lc;
	tu_leakcheck_begin(&lc);
	uint8_t buf[301];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	for (uint32_t piece = 1; piece < 40; piece++) {
		struct mbuf *m = tu_chain(buf, sizeof(buf), piece);
		assert_non_null(m);
		for (uint32_t off = 0; off < 6; off++)
			assert_int_equal(in_cksum_mbuf(m, off, sizeof(buf) - off, 0),
			    ref_cksum(buf + off, sizeof(buf) - off));
		m_freem(m);
	}
	tu_leakcheck_end(&lc);
}

/* The 64-bit word sum with deferred carries (in_cksum.c): every length from 0 to 300 at
 * every start offset 0..15 (unaligned loads, the 0..7-byte tail, the 64-byte rounds), and
 * long runs of 0xff bytes, which carry out of every word. */
static void test_every_length_and_alignment(void **st)
{
	(void)st;
	uint8_t *buf = malloc(4096 + 16);
	srand(5);
	for (size_t i = 0; i < 4096 + 16; i++)
		buf[i] = (uint8_t)rand();
	for (size_t len = 0; len <= 300; len++)
		for (size_t off = 0; off < 16; off++)
			assert_int_equal(in_cksum(buf + off, len), ref_cksum(buf + off, len));
	/* 20 bytes (an IPv4 header without options) has its own path: many random headers,
	 * and headers of all-ones words that carry. */
	for (int i = 0; i < 2000; i++) {
		for (size_t k = 0; k < 24; k++)
			buf[k] = (uint8_t)rand();
		if (i % 7 == 0)
			memset(buf, 0xff, 20 - (size_t)(i % 3) * 2);
		for (size_t off = 0; off < 4; off++)
			assert_int_equal(in_cksum(buf + off, 20), ref_cksum(buf + off, 20));
	}
	memset(buf, 0xff, 4096 + 16);
	for (size_t len = 0; len <= 4096; len += 1 + len / 3)
		for (size_t off = 0; off < 9; off++)
			assert_int_equal(in_cksum(buf + off, len), ref_cksum(buf + off, len));
	/* Chained partial sums equal one sum when the first part is even in length. */
	for (size_t i = 0; i < 4096 + 16; i++)
		buf[i] = (uint8_t)(0xff - (i & 3));
	for (size_t cut = 0; cut <= 1500; cut += 2) {
		uint32_t part = in_cksum_add(in_cksum_add(0, buf + 1, cut), buf + 1 + cut, 1500 - cut);
		assert_int_equal((uint16_t)~part, ref_cksum(buf + 1, 1500));
	}
	free(buf);
}

/* A full-size segment split into odd-length mbufs at every offset parity. */
static void test_mbuf_chain_full_segment(void **st)
{
	(void)st;
	struct tu_leakcheck lc;
	tu_leakcheck_begin(&lc);
	static uint8_t buf[1514];
	srand(9);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(rand() | 0xf0);
	static const uint32_t pieces[] = { 1, 3, 7, 9, 63, 65, 127, 511, 1023, 1513, 1514 };
	for (size_t k = 0; k < NET_ARRAY_LEN(pieces); k++) {
		struct mbuf *m = tu_chain(buf, sizeof(buf), pieces[k]);
		assert_non_null(m);
		for (uint32_t off = 0; off < 40; off += 3)
			assert_int_equal(in_cksum_mbuf(m, off, sizeof(buf) - off, 0),
			    ref_cksum(buf + off, sizeof(buf) - off));
		m_freem(m);
	}
	tu_leakcheck_end(&lc);
}

/* UDP pseudo-header: a known datagram (10.0.0.1:1234 -> 10.0.0.2:7, "hi"). */
static void test_pseudo_header(void **st)
{
	(void)st;
	uint8_t udp[10] = { 0x04, 0xd2, 0x00, 0x07, 0x00, 0x0a, 0x00, 0x00, 'h', 'i' };
	uint32_t ps = in_pseudo(0x0a000001, 0x0a000002, 17, 10);
	uint16_t c = (uint16_t)~in_cksum_add(ps, udp, 10);
	/* reference: sum of every 16-bit word of pseudo-header and datagram */
	uint8_t all[22] = { 10, 0, 0, 1, 10, 0, 0, 2, 0, 17, 0, 10 };
	memcpy(all + 12, udp, 10);
	assert_int_equal(c, ref_cksum(all, 22));
	be16_put(udp + 6, c);
	assert_int_equal((uint16_t)~in_cksum_add(ps, udp, 10), 0);
}

/* The textbook sum, not complemented and not folded to a representation: for comparing the
 * 64-bit variants, whose folds may differ from it only by 0 against 0xffff (never, for a
 * nonzero buffer: see in_cksum_fold64). */
static uint32_t ref_sum(const uint8_t *p, size_t len)
{
	return (uint16_t)~ref_cksum(p, len);
}

/* Folds a native-order 64-bit sum the way in_cksum_add does. */
static uint32_t be_fold(uint64_t s)
{
	return in_cksum_native_to_be(in_cksum_fold64(s));
}

/* Each sum variant (the portable C loop, the x86-64 add-with-carry one the kernel uses and
 * the hosted build's AVX2 one) against the reference, every length 0..2100 at every start alignment 0..7, on random
 * bytes and on all-ones bytes (a carry out of every word). */
static void test_sum_variants_every_length(void **st)
{
	(void)st;
	enum { MAXLEN = 2100 };
	uint8_t *buf = malloc(MAXLEN + 8);
	srand(13);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < MAXLEN + 8; i++)
			buf[i] = pass ? 0xff : (uint8_t)rand();
		for (size_t len = 0; len <= MAXLEN; len++)
			for (size_t off = 0; off < 8; off++) {
				uint32_t want = ref_sum(buf + off, len);
				uint32_t a = be_fold(in_cksum_sum64_portable(buf + off, len));
				uint32_t b = be_fold(in_cksum_sum64_adc(buf + off, len));
				uint32_t c = be_fold(in_cksum_sum64_simd(buf + off, len));
				if (a != want || b != want || c != want)
					fail_msg("len %zu off %zu: portable %x adc %x simd %x want %x",
					    len, off, a, b, c, want);
			}
	}
	free(buf);
}

/* The hosted build uses the AVX2 sum exactly when the CPU has AVX2 (this test runs in the
 * hosted build, which may use SIMD registers), and it agrees with the adc sum on long
 * all-ones buffers (every 32-bit half at its maximum, 4 MiB: a lane's largest count here)
 * and on random ones at every start offset within a 64-byte block. */
static void test_sum_simd(void **st)
{
	(void)st;
#if defined(__x86_64__)
	assert_int_equal(in_cksum_simd_available(), __builtin_cpu_supports("avx2") ? 1 : 0);
#endif
	enum { BIG = 4 << 20 };
	uint8_t *buf = malloc(BIG + 64);
	assert_non_null(buf);
	memset(buf, 0xff, BIG + 64);
	for (size_t off = 0; off < 64; off += 7)
		assert_int_equal(be_fold(in_cksum_sum64_simd(buf + off, BIG)),
		    be_fold(in_cksum_sum64_adc(buf + off, BIG)));
	srand(17);
	for (size_t i = 0; i < BIG + 64; i++)
		buf[i] = (uint8_t)rand();
	for (size_t off = 0; off < 64; off++) {
		size_t len = 1448 + off * 977;
		assert_int_equal(be_fold(in_cksum_sum64_simd(buf + off, len)),
		    ref_sum(buf + off, len));
	}
	free(buf);
}

/* The fold against the add-the-high-part-back loop, on edge values. */
static void test_fold(void **st)
{
	(void)st;
	static const uint64_t v[] = { 0, 1, 0xffff, 0x10000, 0x1fffe, 0xffffffff, 0x100000000ull,
	    0xffffffffffffffffull, 0xfffffffffffffffeull, 0x8000000080000000ull,
	    0x0000ffff0000ffffull, 0xffff0000ffff0001ull };
	for (size_t i = 0; i < NET_ARRAY_LEN(v); i++) {
		uint64_t s = v[i];
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		assert_int_equal(in_cksum_fold64(v[i]), s);
	}
	srand(17);
	for (int i = 0; i < 100000; i++) {
		uint64_t x = (uint64_t)rand() << 42 ^ (uint64_t)rand() << 21 ^ (uint64_t)rand();
		uint64_t s = x;
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		assert_int_equal(in_cksum_fold64(x), s);
	}
}

/* A chain of mbufs of the given lengths holding buf. */
static struct mbuf *chain_of(const uint8_t *buf, const uint32_t *lens, size_t n)
{
	struct mbuf *top = NULL, **pp = &top;
	for (size_t i = 0; i < n; i++) {
		struct mbuf *m = lens[i] + 2 > MLEN ? m_getcl(MT_DATA, 0) : m_get(MT_DATA);
		if (!m) {
			m_freem(top);
			return NULL;
		}
		/* Start the data at an odd or even address too (unaligned loads). */
		m->m_data += i % 3;
		memcpy(m->m_data, buf, lens[i]);
		m->m_len = lens[i];
		buf += lens[i];
		*pp = m;
		pp = &m->m_next;
	}
	return top;
}

/* Chains split at random places, odd and even lengths and empty mbufs among them, summed
 * from random offsets with a random starting partial sum (a pseudo-header). */
static void test_mbuf_chain_random_splits(void **st)
{
	(void)st;
	struct tu_leakcheck lc;
	tu_leakcheck_begin(&lc);
	static uint8_t buf[4000];
	srand(19);
	for (int iter = 0; iter < 6000; iter++) {
		uint32_t total = (uint32_t)(rand() % 3000);
		for (uint32_t i = 0; i < total; i++)
			buf[i] = (uint8_t)(iter % 5 == 0 ? 0xff : rand());
		uint32_t lens[32];
		size_t n = 0;
		uint32_t left = total;
		while (left) {
			uint32_t c = (uint32_t)(rand() % 4 == 0 ? rand() % 4 : rand() % 700);
			if (n >= 16 || c > left)
				c = left;       /* the rest, in cluster-sized pieces */
			if (c > MCLBYTES - 2)
				c = MCLBYTES - 2;
			lens[n++] = c;
			left -= c;
		}
		struct mbuf *m = chain_of(buf, lens, n);   /* NULL for an empty chain */
		assert_true(m != NULL || total == 0);
		uint32_t off = total ? (uint32_t)rand() % (total + 1) : 0;
		uint32_t ps = in_pseudo((uint32_t)rand(), (uint32_t)rand(), 6, (uint16_t)total);
		uint16_t want = (uint16_t)~in_cksum_add(ps, buf + off, total - off);
		assert_int_equal(in_cksum_mbuf(m, off, total - off, ps), want);
		m_freem(m);
	}
	tu_leakcheck_end(&lc);
}

/* in_pseudo's whole-word sum against the six 16-bit values added one by one. */
static void test_pseudo_matches_words(void **st)
{
	(void)st;
	srand(23);
	for (int i = 0; i < 100000; i++) {
		uint32_t a = (uint32_t)rand() * 2654435761u, b = (uint32_t)rand() * 40503u;
		if (i % 11 == 0)
			a = b = 0xffffffffu;
		uint8_t pr = (uint8_t)rand();
		uint16_t len = (uint16_t)rand();
		if (i == 0)
			a = b = pr = len = 0;
		uint32_t s = (a >> 16) + (a & 0xffff) + (b >> 16) + (b & 0xffff) + pr + len;
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		assert_int_equal(in_pseudo(a, b, pr, len), s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1071_example),
		cmocka_unit_test(test_ipv4_header),
		cmocka_unit_test(test_rfc1624_example),
		cmocka_unit_test(test_incremental_matches_full),
		cmocka_unit_test(test_random_lengths_match_reference),
		cmocka_unit_test(test_mbuf_chain_every_split),
		cmocka_unit_test(test_every_length_and_alignment),
		cmocka_unit_test(test_mbuf_chain_full_segment),
		cmocka_unit_test(test_pseudo_header),
		cmocka_unit_test(test_sum_variants_every_length),
		cmocka_unit_test(test_sum_simd),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_mbuf_chain_random_splits),
		cmocka_unit_test(test_pseudo_matches_words),
	};
	return TU_RUN(tests);
}
