/* The reference for transmit offloads in the tests: what an 8254x does with a large segment
 * (8254x SDM 3.5) and with checksum requests, on flat bytes, plus the fake device's way of
 * taking frames off an interface.  tests/tcp/tcp_tso.c's and tcp_outfast.c's fake devices
 * use it, and tests/tcp/tcp_gso.c checks net/tcp_gso.c's software cutting against it. */
#ifndef TESTS_TCP_TSO_REF_H
#define TESTS_TCP_TSO_REF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "net/if.h"
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

/* A device's checksum insertion on a flat frame (CSUM_IP, CSUM_TCP; the TCP field holds
 * the pseudo-header sum). */
static inline void tso_ref_finish_sums(uint8_t *f, unsigned flags)
{
	uint8_t *ip = f + TSO_REF_ETH;
	unsigned ihl = (ip[0] & 15) * 4u, tot = be16_get(ip + 2);
	if (flags & CSUM_IP) {
		be16_put(ip + 10, 0);
		be16_put(ip + 10, (uint16_t)~tso_ref_sum16(ip, ihl, 0));
	}
	if (flags & CSUM_TCP)
		be16_put(ip + ihl + 16, (uint16_t)~tso_ref_sum16(ip + ihl, tot - ihl, 0));
}

/* Everything queued on ifp's send queue, taken at once (a device's ring), as a list through
 * m_nextpkt in order. */
static inline struct mbuf *tso_ref_take_all(struct ifnet *ifp)
{
	struct mbuf *list = NULL, **tail = &list, *m;
	while ((m = if_dequeue(ifp)) != NULL) {
		*tail = m;
		tail = &m->m_nextpkt;
	}
	return list;
}

/* The next frame of *list as flat bytes (malloc'd; NULL at the end), with its length,
 * checksum requests and segment size; its mbufs are freed. */
static inline uint8_t *tso_ref_next_flat(struct mbuf **list, uint32_t *len, unsigned *flags,
    uint32_t *segsz)
{
	struct mbuf *m = *list;
	if (!m)
		return NULL;
	*list = m->m_nextpkt;
	m->m_nextpkt = NULL;
	*len = m->m_pkthdr.len;
	*flags = m->m_pkthdr.csum_flags;
	*segsz = m->m_pkthdr.tso_segsz;
	uint8_t *f = malloc(*len);
	assert_non_null(f);
	assert_int_equal(m_copydata(m, 0, *len, f), 0);
	m_freem(m);
	return f;
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

/* A flat large segment (src -> dst, payload byte i = i * 7 + i / 256 + 3, timestamps
 * optional) as tcp_output + ip_output + ether_output leave it for a TSO device:
 * IP checksum 0, the TCP field the pseudo-header sum without the length. */
static inline size_t tso_ref_build_flat(uint8_t *f, bool ts, uint8_t flags, uint16_t id,
    uint32_t seq, uint32_t pay, uint8_t proto, uint32_t src, uint32_t dst)
{
	unsigned thl = ts ? 32 : 20, hdr = TSO_REF_ETH + 20 + thl;
	memset(f, 0, hdr);
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 0xb, 2, 0, 0, 0, 0, 0xa };
	memcpy(f, macs, 12);
	be16_put(f + 12, 0x0800);
	uint8_t *ip = f + TSO_REF_ETH, *th = ip + 20;
	ip[0] = 0x45;
	be16_put(ip + 2, (uint16_t)(20 + thl + pay));
	be16_put(ip + 4, id);
	be16_put(ip + 6, 0x4000);           /* DF */
	ip[8] = 64;
	ip[9] = proto;
	be32_put(ip + 12, src);
	be32_put(ip + 16, dst);
	be16_put(th, 5001);
	be16_put(th + 2, 40000);
	be32_put(th + 4, seq);
	be32_put(th + 8, 0x12345678);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = flags;
	be16_put(th + 14, 29200);
	if (ts) {
		static const uint8_t o[12] = { 1, 1, 8, 10, 0, 0, 1, 2, 0, 3, 4, 5 };
		memcpy(th + 20, o, 12);
	}
	be16_put(th + 16, (uint16_t)tso_ref_sum16(ip + 12, 8, 6));
	for (uint32_t i = 0; i < pay; i++)
		f[hdr + i] = (uint8_t)(i * 7u + (i >> 8) + 3u);
	return hdr + pay;
}

#endif
