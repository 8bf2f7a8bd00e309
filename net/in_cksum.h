/* The Internet checksum (RFC 1071), in one place, and its incremental update (RFC 1624).
 *
 * Values are host-order 16-bit numbers, as be16_get reads them from the wire and be16_put
 * writes them: in_cksum over a header whose checksum field holds the right value returns 0.
 * Partial sums (uint32_t, not complemented) can be chained: in_pseudo() for the TCP/UDP
 * pseudo-header, then in_cksum_mbuf(m, off, len, partial).
 */
#ifndef NET_IN_CKSUM_H
#define NET_IN_CKSUM_H
#include <stddef.h>
#include <stdint.h>

struct mbuf;

/* One's complement sum of buf (RFC 1071 4.1), folded to 16 bits, NOT complemented; an odd
 * trailing byte is padded with zero.  `sum` is a previous partial sum (0 to start). */
uint32_t in_cksum_add(uint32_t sum, const void *buf, size_t len);
/* The checksum of buf: ~in_cksum_add(0, buf, len) & 0xffff. */
uint16_t in_cksum(const void *buf, size_t len);
/* The checksum of bytes [off, off+len) of an mbuf chain, starting from partial sum `sum`
 * (correct across odd-length mbufs).  Borrows m.  A chain shorter than off+len sums what
 * there is (callers check lengths first). */
uint16_t in_cksum_mbuf(const struct mbuf *m, uint32_t off, uint32_t len, uint32_t sum);
/* Partial sum of the IPv4 pseudo-header (RFC 793 3.1 / RFC 768): host-order addresses, the
 * protocol and the transport length. */
uint32_t in_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);
/* RFC 1624 eqn. 3: new checksum after a 16-bit field changed from old to new. */
uint16_t in_cksum_update16(uint16_t cksum, uint16_t oldv, uint16_t newv);
/* The same for a 32-bit field (an address). */
uint16_t in_cksum_update32(uint16_t cksum, uint32_t oldv, uint32_t newv);

#endif
