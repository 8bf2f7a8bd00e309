/* The Internet checksum (RFC 1071), in one place, and its incremental update (RFC 1624).
 *
 * Values are host-order 16-bit numbers, as be16_get reads them from the wire and be16_put
 * writes them: in_cksum over a header whose checksum field holds the right value returns 0.
 * Partial sums (uint32_t, not complemented) can be chained: in_pseudo() for the TCP/UDP
 * pseudo-header, then in_cksum_mbuf(m, off, len, partial).
 *
 * The small per-packet pieces (the fold, the pseudo-header, a 20-byte IPv4 header) are inline
 * here: each is a handful of instructions, fewer than the call they would otherwise cost on
 * every segment.
 */
#ifndef NET_IN_CKSUM_H
#define NET_IN_CKSUM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mbuf;

/* Folds a one's complement sum held in 64 bits (end-around carries) to 16 bits, NOT
 * complemented.  x + rotate(x, half its width) holds, in its high half, hi + lo plus the
 * carry out of lo + hi: one end-around-carry fold step (RFC 1071 2(C)) in three
 * instructions.  64 -> 32 -> 16 bits; 0 stays 0 and a nonzero sum never folds to 0, as
 * with the add-the-high-part-back loop. */
static inline uint32_t in_cksum_fold64(uint64_t s)
{
	uint32_t u = (uint32_t)((s + (s << 32 | s >> 32)) >> 32);
	return (uint16_t)((u + (u << 16 | u >> 16)) >> 16);
}

/* A 16-bit sum taken over native-order words, as big-endian words: the one's complement sum
 * is byte-order independent (RFC 1071 2(B)), so it is a byte swap on little-endian hosts. */
static inline uint32_t in_cksum_native_to_be(uint32_t native16)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return native16;
#else
	return __builtin_bswap16((uint16_t)native16);
#endif
}

/* One's complement sum of buf (RFC 1071 4.1), folded to 16 bits, NOT complemented; an odd
 * trailing byte is padded with zero.  `sum` is a previous partial sum (0 to start). */
uint32_t in_cksum_add(uint32_t sum, const void *buf, size_t len);
/* The checksum of buf of any length: ~in_cksum_add(0, buf, len) & 0xffff. */
uint16_t in_cksum_buf(const void *buf, size_t len);

/* The checksum of a 20-byte IPv4 header (no options), checked or filled in for every
 * datagram: two 64-bit words and a 32-bit one with end-around carries, no loop. */
static inline uint16_t in_cksum_hdr20(const void *buf)
{
	const uint8_t *p = buf;
	uint64_t a, b;
	uint32_t c;
	__builtin_memcpy(&a, p, 8);
	__builtin_memcpy(&b, p + 8, 8);
	__builtin_memcpy(&c, p + 16, 4);
	uint64_t s = a + b;
	s += s < b;                        /* end-around carry (RFC 1071 2(C)) */
	s += c;
	s += s < c;
	return (uint16_t)~in_cksum_native_to_be(in_cksum_fold64(s));
}

/* The checksum of buf: ~in_cksum_add(0, buf, len) & 0xffff. */
static inline uint16_t in_cksum(const void *buf, size_t len)
{
	if (len == 20)
		return in_cksum_hdr20(buf);
	return in_cksum_buf(buf, len);
}

/* The checksum of bytes [off, off+len) of an mbuf chain, starting from partial sum `sum`
 * (correct across odd-length mbufs).  Borrows m.  A chain shorter than off+len sums what
 * there is (callers check lengths first). */
uint16_t in_cksum_mbuf(const struct mbuf *m, uint32_t off, uint32_t len, uint32_t sum);

/* Partial sum of the IPv4 pseudo-header (RFC 793 3.1 / RFC 768): host-order addresses, the
 * protocol and the transport length, folded to 16 bits.  A 32-bit value is congruent to the
 * sum of its two 16-bit halves modulo 2^16 - 1, so the four values are added whole. */
static inline uint32_t in_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	return in_cksum_fold64((uint64_t)src + dst + proto + len);
}

/* RFC 1624 eqn. 3: new checksum after a 16-bit field changed from old to new. */
uint16_t in_cksum_update16(uint16_t cksum, uint16_t oldv, uint16_t newv);
/* The same for a 32-bit field (an address). */
uint16_t in_cksum_update32(uint16_t cksum, uint32_t oldv, uint32_t newv);

/* The sum routines behind the functions above, exported for the unit tests, which check
 * each against a reference on random data: the native-order one's complement sum of buf in
 * 64 bits (end-around carries added back; in_cksum_fold64 of it is the 16-bit sum).
 * in_cksum_sum64_portable is plain C (used where there is no faster variant);
 * in_cksum_sum64_adc is the x86-64 add-with-carry loop (the kernel's); on other machines it
 * is the portable one.  in_cksum_sum64_simd is the hosted build's AVX2 loop, used for
 * buffers of 128 bytes or more when in_cksum_simd_available() (the CPU has AVX2 and the build
 * may use SIMD registers: not the kernel's); otherwise it is the adc one. */
uint64_t in_cksum_sum64_portable(const void *buf, size_t len);
uint64_t in_cksum_sum64_adc(const void *buf, size_t len);
uint64_t in_cksum_sum64_simd(const void *buf, size_t len);
bool in_cksum_simd_available(void);

#endif
