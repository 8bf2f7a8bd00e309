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
 * semantics) puts on the wire; tests/tcp/tcp_gso.c checks that, for tcp_gso_segment's mbuf
 * pieces and for tcp_gso_cut's gathered ones. */
#ifndef NET_TCP_GSO_H
#define NET_TCP_GSO_H
#include <stdint.h>

struct mbuf;
struct iovec;

struct tcp_gso_stats {
	uint64_t large;         /* large segments taken for cutting */
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

/* The same cutting for a driver that gathers a frame from several buffers (a descriptor
 * ring, sendmsg's iovec), as an 8254x reads a TSO context's payload through its data
 * descriptors (8254x SDM 3.5): no mbuf per piece at all.  Each piece is its headers, written
 * into the cutter's own buffer (only the fields that differ from piece to piece are
 * rewritten, and the TCP checksum starts from the headers' sum taken once), followed by
 * spans pointing into the large segment's own buffers; the large segment is kept until
 * tcp_gso_cut_end, so the spans of a piece stay valid until then.  The pieces are byte for
 * byte tcp_gso_segment's. */
#define TCP_GSO_HDR_MAX (18u + 60u + 60u)       /* link (VLAN-tagged) + IP + TCP, options */

struct tcp_gso_cut {
	struct mbuf *m;                 /* the large segment, owned */
	const struct mbuf *cur;         /* the mbuf holding the next piece's first payload byte */
	uint32_t coff;                  /* and where in it */
	uint32_t off, pay, segsz;       /* payload bytes cut so far, in all, per piece */
	uint32_t l2len, ihl, thl, hdr;  /* link, IP and TCP header lengths; all headers */
	uint32_t seq0;                  /* the large segment's sequence number */
	uint32_t hsum;                  /* the TCP headers' sum with sequence 0, checksum 0 and
	                                 * the flags of a middle piece, and the pseudo-header's
	                                 * without the length */
	uint32_t ipsum;                 /* the IP header's sum with length, ID and checksum 0 */
	uint16_t id0, i;                /* the first IP ID; the next piece's index */
	uint8_t tf;                     /* the large segment's TCP flags (FIN, PSH: last piece) */
	struct tcp_gso_stats *st;
	uint8_t ph[TCP_GSO_HDR_MAX];    /* the current piece's headers (hdr bytes) */
};

/* Takes the CSUM_TSO frame m (as tcp_gso_segment) for cutting: 0, or -1 after counting the
 * drop (malformed) in *st and freeing m. */
int tcp_gso_cut_start(struct tcp_gso_cut *c, struct mbuf *m, uint32_t l2len,
    struct tcp_gso_stats *st);
/* The next piece: its headers in c->ph (c->hdr bytes, both checksums complete) and its
 * payload as up to max spans in iov.  Returns the number of spans, 0 after the last piece,
 * or -1 when the chain ends before its packet length says (counted as bad; end the cut).
 * A payload in more than max mbufs is copied to flat (flatlen bytes, at least c->segsz) and
 * is one span; with no room there it is -1 as well. */
int tcp_gso_cut_next(struct tcp_gso_cut *c, struct iovec *iov, int max, void *flat,
    uint32_t flatlen);
/* Frees the large segment: after the last piece went out, or to give up on the rest. */
void tcp_gso_cut_end(struct tcp_gso_cut *c);

#endif
