/* The reference for TCP segmentation offload in the tests: what an 8254x does with a large
 * segment (8254x SDM 3.5), on flat bytes.  tests/tcp/tcp_tso.c's fake device cuts with it, and
 * tests/tcp/tcp_gso.c checks net/tcp_gso.c's software cutting against it. */
#ifndef TESTS_TCP_TSO_REF_H
#define TESTS_TCP_TSO_REF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "net/netlib.h"
#include "net/tcp.h"

#define TSO_REF_ETH 14

/* RFC 1071 sum of b[0..n) added to s, folded, not complemented. */
static inline uint32_t tso_ref_sum16(const uint8_t *b, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* Piece i of the large Ethernet/IPv4/TCP frame f (len bytes, segsz payload bytes a piece)
 * into out (room for the headers + segsz): the headers repeated, the IP total length and ID
 * and the sequence number advanced, FIN and PSH kept for the last piece only, the length added
 * to the pseudo-header sum the stack left in the TCP checksum field, then both checksums
 * inserted.  Returns the piece's length, 0 past the last piece. */
static inline size_t tso_ref_piece(const uint8_t *f, size_t len, uint32_t segsz, uint32_t i,
    uint8_t *out)
{
	const uint8_t *ip = f + TSO_REF_ETH;
	unsigned ihl = (ip[0] & 15) * 4u;
	const uint8_t *th = ip + ihl;
	unsigned thl = (th[12] >> 4) * 4u, hdr = TSO_REF_ETH + ihl + thl;
	uint32_t pay = (uint32_t)len - hdr, off = i * segsz;
	if (off >= pay)
		return 0;
	uint32_t n = pay - off < segsz ? pay - off : segsz;
	memcpy(out, f, hdr);
	memcpy(out + hdr, f + hdr + off, n);
	uint8_t *pip = out + TSO_REF_ETH, *pth = pip + ihl;
	be16_put(pip + 2, (uint16_t)(ihl + thl + n));
	be16_put(pip + 4, (uint16_t)(be16_get(ip + 4) + i));
	be32_put(pth + 4, be32_get(th + 4) + off);
	if (off + n != pay)
		pth[13] &= (uint8_t)~(TH_FIN | TH_PUSH);
	be16_put(pth + 16, (uint16_t)tso_ref_sum16(pth + 16, 2, thl + n));
	be16_put(pip + 10, 0);
	be16_put(pip + 10, (uint16_t)~tso_ref_sum16(pip, ihl, 0));
	be16_put(pth + 16, (uint16_t)~tso_ref_sum16(pth, thl + n, 0));
	return hdr + n;
}

#endif
