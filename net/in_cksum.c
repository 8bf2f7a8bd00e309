/* The Internet checksum (RFC 1071) with 64-bit accumulation, and RFC 1624 updates.
 *
 * The sum is taken over big-endian 16-bit words.  For speed we add the buffer as native
 * 64-bit words with deferred carries (RFC 1071 2(C), see sum64), fold, and byte-swap
 * the result on little-endian machines: the
 * one's complement sum is byte-order independent (RFC 1071 2(B)), so summing in native
 * order and swapping at the end equals summing big-endian words.
 */
#include "netlib.h"
#include "in_cksum.h"
#include "mbuf.h"

/* Each step adds the high part back (end-around carry); the bounds show two of each size
 * suffice: a carry out of the first step leaves the low part below its maximum. */
static uint32_t fold64(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);     /* <= 2^33 - 2 */
	s = (s & 0xffffffffu) + (s >> 32);     /* <= 2^32 - 1 */
	s = (s & 0xffffu) + (s >> 16);         /* <= 0x1fffe */
	s = (s & 0xffffu) + (s >> 16);         /* <= 0xffff */
	return (uint32_t)s;
}

/* Native-order one's complement sum of buf, folded to 16 bits.
 *
 * The buffer is added as native 64-bit words.  A carry out of bit 63 is worth 2^64, and
 * 2^64 = 1 (mod 2^16 - 1), so carries may be counted apart and added back at the end (RFC
 * 1071 2(C), "deferred carries").  gcc and clang -O2 turn `s += w; c += s < w` into one add
 * and one add-with-carry per word on x86-64 (a 128-bit accumulator made gcc spill), and 128
 * bytes per loop round keep the loop overhead small: about 0.27 instructions per byte. */
#define ACC_ADD(w) do { uint64_t w_ = (w); s += w_; c += s < w_; } while (0)
#define ACC_ADD8(q) do { ACC_ADD(load64(q)); ACC_ADD(load64((q) + 8)); \
	ACC_ADD(load64((q) + 16)); ACC_ADD(load64((q) + 24)); ACC_ADD(load64((q) + 32)); \
	ACC_ADD(load64((q) + 40)); ACC_ADD(load64((q) + 48)); ACC_ADD(load64((q) + 56)); } while (0)

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t w;
	memcpy(&w, p, 8);    /* alignment-safe; one plain load */
	return w;
}

#if defined(__x86_64__)
/* The 128-byte rounds on x86-64: one add-with-carry per 64-bit word, the carry chained from
 * word to word and folded back in once per round (end-around carry, RFC 1071 2(C)), about
 * 0.16 instructions per byte against 0.27 for the portable rounds, which need a separate
 * carry count because C has no add-with-carry.  Returns s plus the rounds' sum, modulo
 * 2^64 - 1 (what the fold needs). */
static uint64_t sum_rounds(const uint8_t **pp, size_t rounds, uint64_t s)
{
	const uint8_t *p = *pp;
	__asm__("1:\n\t"
	    "addq 0(%[p]), %[s]\n\t"   "adcq 8(%[p]), %[s]\n\t"
	    "adcq 16(%[p]), %[s]\n\t"  "adcq 24(%[p]), %[s]\n\t"
	    "adcq 32(%[p]), %[s]\n\t"  "adcq 40(%[p]), %[s]\n\t"
	    "adcq 48(%[p]), %[s]\n\t"  "adcq 56(%[p]), %[s]\n\t"
	    "adcq 64(%[p]), %[s]\n\t"  "adcq 72(%[p]), %[s]\n\t"
	    "adcq 80(%[p]), %[s]\n\t"  "adcq 88(%[p]), %[s]\n\t"
	    "adcq 96(%[p]), %[s]\n\t"  "adcq 104(%[p]), %[s]\n\t"
	    "adcq 112(%[p]), %[s]\n\t" "adcq 120(%[p]), %[s]\n\t"
	    "adcq $0, %[s]\n\t"
	    "leaq 128(%[p]), %[p]\n\t"
	    "decq %[n]\n\t"
	    "jnz 1b"
	    : [s] "+r"(s), [p] "+r"(p), [n] "+r"(rounds)
	    :
	    : "cc", "memory");   /* it reads the buffer: "memory" orders the stores before it */
	*pp = p;
	return s;
}
#endif

/* Native-order one's complement sum of buf, unfolded: 64 bits, end-around carries added
 * back, so fold64 of it is sum_native's value. */
static uint64_t sum64(const uint8_t *p, size_t len)
{
	uint64_t s = 0, c = 0, tail = 0;

#if defined(__x86_64__)
	if (len >= 128) {
		s = sum_rounds(&p, len / 128, 0);
		len %= 128;
	}
#else
	while (len >= 128) {
		ACC_ADD8(p);
		ACC_ADD8(p + 64);
		p += 128;
		len -= 128;
	}
#endif
	if (len >= 64) {
		ACC_ADD8(p);
		p += 64;
		len -= 64;
	}
	while (len >= 8) {
		ACC_ADD(load64(p));
		p += 8;
		len -= 8;
	}
	/* The last 0..7 bytes as one more word, zero-padded (RFC 1071 pads an odd byte with
	 * zero; the bytes keep their lanes, as if the buffer went on with zeros). */
	if (len) {
		uint8_t last[8] = { 0 };
		size_t o = 0;
		if (len & 4) {
			memcpy(last, p, 4);
			o = 4;
		}
		if (len & 2) {
			memcpy(last + o, p + o, 2);
			o += 2;
		}
		if (len & 1)
			last[o] = p[o];
		tail = load64(last);
	}
	ACC_ADD(tail);
	s += c;
	return s + (s < c);                /* c's own end-around carry */
}

static uint32_t sum_native(const uint8_t *p, size_t len)
{
	return fold64(sum64(p, len));
}

static uint32_t to_be_order(uint32_t native16)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return native16;
#else
	return __builtin_bswap16((uint16_t)native16);
#endif
}

uint32_t in_cksum_add(uint32_t sum, const void *buf, size_t len)
{
	uint64_t s = (uint64_t)sum + to_be_order(sum_native(buf, len));
	return fold64(s);
}

uint16_t in_cksum(const void *buf, size_t len)
{
	if (len == 20) {
		/* An IPv4 header without options, checked or filled in for every datagram: five
		 * native 32-bit words, no loop. */
		uint32_t w[5];
		memcpy(w, buf, sizeof w);
		uint64_t s = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
		return (uint16_t)~to_be_order(fold64(s));
	}
	return (uint16_t)~in_cksum_add(0, buf, len);
}

uint16_t in_cksum_mbuf(const struct mbuf *m, uint32_t off, uint32_t len, uint32_t sum)
{
	uint64_t s = sum;
	bool odd = false;   /* the bytes summed so far are odd in number */

	while (m && off >= m->m_len) {
		off -= m->m_len;
		m = m->m_next;
	}
	if (m && m->m_len - off >= len) {
		/* All in one mbuf (a received frame in its cluster, a header we built). */
		s += to_be_order(sum_native(m->m_data + off, len));
		return (uint16_t)~fold64(s);
	}
	/* The pieces' unfolded sums are added with end-around carry and folded once.  A piece
	 * starting at an odd position has its bytes in swapped lanes: rotating its 64-bit sum
	 * by 8 bits multiplies it by 2^8 modulo 2^64 - 1, hence modulo 2^16 - 1 (a divisor),
	 * which is the byte swap of its 16-bit sum. */
	uint64_t acc = 0;
	for (; m && len; m = m->m_next, off = 0) {
		uint32_t c = NET_MIN(len, m->m_len - off);
		uint64_t part = sum64(m->m_data + off, c);
		if (odd)
			part = (part << 8) | (part >> 56);
		acc += part;
		acc += acc < part;
		if (c & 1)
			odd = !odd;
		len -= c;
	}
	s += to_be_order(fold64(acc));
	return (uint16_t)~fold64(s);
}

uint32_t in_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	/* Six 16-bit values: below 2^19, so two 16-bit folds suffice (see fold64). */
	uint32_t s = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + len;
	s = (s & 0xffffu) + (s >> 16);
	return (s & 0xffffu) + (s >> 16);
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). */
uint16_t in_cksum_update16(uint16_t cksum, uint16_t oldv, uint16_t newv)
{
	uint32_t s = (uint32_t)(uint16_t)~cksum + (uint16_t)~oldv + newv;
	return (uint16_t)~fold64(s);
}

uint16_t in_cksum_update32(uint16_t cksum, uint32_t oldv, uint32_t newv)
{
	cksum = in_cksum_update16(cksum, (uint16_t)(oldv >> 16), (uint16_t)(newv >> 16));
	return in_cksum_update16(cksum, (uint16_t)oldv, (uint16_t)newv);
}
