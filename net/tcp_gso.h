/* Generic segmentation offload for TCP (software TSO): the cutting an 8254x does for a large
 * segment the stack marked CSUM_TSO (8254x SDM 3.5), done by the driver of a device that
 * cannot, so that TCP and IP still run once per large segment (up to 64 KiB) and only the
 * link pays per wire segment.
 *
 * Each piece is a fresh header mbuf holding a copy of the link, IP and TCP headers, followed
 * by references (m_copym) to its share of the large segment's payload: the payload is never
 * copied, and summed exactly once, for its piece's TCP checksum.  Per piece: IP total length
 * and ID advanced (ID + piece index), sequence number advanced by the payload before it, FIN
 * and PSH kept only on the last piece, IP and TCP checksums complete (the TCP field held the
 * pseudo-header sum without the length, 8254x SDM 3.5.4; the piece's length is added).
 *
 * The pieces are byte for byte what tests/tcp/tcp_tso.c's fake device (the hardware's
 * semantics) puts on the wire; tests/tcp/tcp_gso.c checks that. */
#ifndef NET_TCP_GSO_H
#define NET_TCP_GSO_H
#include <stdint.h>

struct mbuf;

struct tcp_gso_stats {
	uint64_t large;         /* large segments cut */
	uint64_t pieces;        /* wire segments made from them */
	uint64_t csum;          /* ordinary frames whose checksums were completed */
	uint64_t bad;           /* dropped: not a well-formed IPv4/TCP frame for its flags */
	uint64_t nomem;         /* dropped: no mbuf for a piece */
};

/* m is one frame (l2len bytes of link header, then an IPv4 datagram) that a driver took from
 * its send queue.  When it carries CSUM_TSO, cuts it into tso_segsz-payload pieces as above;
 * otherwise completes the CSUM_IP / CSUM_TCP work its flags ask for in place (the headers must
 * be contiguous and writable in the first mbuf, as ip_output and ether_output leave them).
 * Consumes m; returns the frames to send, linked by m_nextpkt, with csum_flags 0, or NULL
 * after counting the drop in *st. */
struct mbuf *tcp_gso_segment(struct mbuf *m, uint32_t l2len, struct tcp_gso_stats *st);

#endif
