/* The Internet checksum (RFC 1071) with 64-bit accumulation, and RFC 1624 updates.
 *
 * The sum is taken over big-endian 16-bit words.  For speed we add the buffer as native
 * 32-bit words into a 64-bit accumulator (carries pile up in the top half, RFC 1071 2(C)
 * "deferred carries"), fold, and byte-swap the result on little-endian machines: the
 * one's complement sum is byte-order independent (RFC 1071 2(B)), so summing in native
 * order and swapping at the end equals summing big-endian words.
 */
#include "netlib.h"
#include "in_cksum.h"
#include "mbuf.h"

static uint32_t fold64(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	return (uint32_t)s;
}

/* Native-order one's complement sum of buf, folded to 16 bits. */
static uint32_t sum_native(const uint8_t *p, size_t len)
{
	uint64_t s = 0;
	uint32_t w;

	while (len >= 32) {
		uint32_t a[8];
		memcpy(a, p, 32);    /* alignment-safe; compiles to plain loads */
		s += (uint64_t)a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7];
		p += 32;
		len -= 32;
	}
	while (len >= 4) {
		memcpy(&w, p, 4);
		s += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t h;
		memcpy(&h, p, 2);
		s += h;
		p += 2;
		len -= 2;
	}
	if (len) {
		/* The odd byte is the high byte of a big-endian word padded with zero. */
		uint8_t pad[2] = { p[0], 0 };
		uint16_t h;
		memcpy(&h, pad, 2);
		s += h;
	}
	return fold64(s);
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
	for (; m && len; m = m->m_next, off = 0) {
		uint32_t c = NET_MIN(len, m->m_len - off);
		uint32_t part = to_be_order(sum_native(m->m_data + off, c));
		/* A piece starting at an odd position has its bytes in swapped lanes. */
		if (odd)
			part = ((part & 0xff) << 8) | (part >> 8);
		s += part;
		if (c & 1)
			odd = !odd;
		len -= c;
	}
	return (uint16_t)~fold64(s);
}

uint32_t in_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	uint64_t s = (uint64_t)(src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) +
	    proto + len;
	return fold64(s);
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
