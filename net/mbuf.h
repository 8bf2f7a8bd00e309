/* mbufs: the buffers that carry packets through the stack (4.4BSD shape).
 *
 *   struct mbuf                      cluster (M_EXT), refcounted, shared by m_copym
 *   +-----------+                    +-------------------------------+
 *   | m_next ---+--> next mbuf       | ... headroom | data | tail ... |
 *   | m_nextpkt-+--> next packet     +-------------------------------+
 *   | m_data ---+--> first valid byte (in m_dat or in the cluster)
 *   | m_len     |    bytes valid in this mbuf
 *   | m_pkthdr  |    (M_PKTHDR, first mbuf of a packet) total length, receiving interface
 *   | m_dat[]   |    MLEN bytes of inline storage
 *   +-----------+
 *
 * A packet is a chain linked by m_next; packets in a queue are linked by m_nextpkt.  Headers
 * are prepended into headroom (M_PREPEND / m_prepend), never memmoved.  Data in a cluster whose
 * reference count is above 1 is shared and read-only: use M_WRITABLE before writing in place.
 *
 * Ownership, the rule everywhere in net/: a function that takes an mbuf chain consumes it on
 * every path, including errors, unless its comment says it only borrows it.  Every function
 * below states its contract in one sentence.  All allocation is non-blocking (NULL on failure).
 *
 * Pools are counted (mbuf_stats); tests assert that after teardown they are back to their
 * starting counts.  mbuf_set_limits caps them (memory bounds, and failure-path tests).
 * The pools are shared by every stack instance in a process (a packet crossing the in-memory
 * wire is copied, so no chain is ever owned by two instances).
 */
#ifndef NET_MBUF_H
#define NET_MBUF_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct ifnet;

#define MLEN     176           /* inline bytes in every mbuf (header or not) */
#define MHLEN    MLEN          /* inline bytes in a packet-header mbuf (same: pkthdr is separate) */
#define MCLBYTES 2048          /* bytes in a cluster */
/* bytes in a page-sized cluster: a stream send buffer fills these (so_send), so that most
 * segments of a bulk transfer reference one cluster, not two; with its reference count and
 * the kernel allocator's 64-byte header the block is one 4 KiB page */
#define MBIGCLBYTES (4096u - 72u)
#define MINCLSIZE (MHLEN + 1)  /* from this size on, m_append/m_devget use clusters */
#define M_MAXHDR 128           /* headroom reserved by senders for link + IP + transport headers */

/* m_flags */
#define M_PKTHDR  0x0001u      /* first mbuf of a packet: m_pkthdr valid */
#define M_EXT     0x0002u      /* data lives in a cluster (m_ext) */
#define M_WRTAIL  0x0004u      /* M_EXT: the cluster's bytes after this mbuf's data are this
                                * mbuf's alone, even while the cluster is shared (a stream send
                                * buffer's tail, which keeps filling its cluster after segments
                                * took references to the front; sockbuf.c).  Never copied; cut
                                * by m_split and by m_adj's trims from the tail */
#define M_BCAST   0x0010u      /* received as link-level broadcast */
#define M_MCAST   0x0020u      /* received as link-level multicast */
#define M_LOOP    0x0040u      /* looped back by this host (loopback or a copy to self) */
#define M_OTHERHOST 0x0080u    /* received in promiscuous mode, not addressed to us */
#define M_INADDROK 0x0100u     /* IPv4 input found source and destination ordinary (neither 0,
                                * loopback, multicast, experimental nor a broadcast address of
                                * any interface): the transport need not test them again.  Set
                                * only by ip_input's common path, cleared by ip_input_slow */
#define M_COPYFLAGS (M_BCAST | M_MCAST | M_LOOP | M_OTHERHOST)

/* m_type */
#define MT_FREE    0
#define MT_DATA    1
#define MT_HEADER  2
#define MT_SONAME  3
#define MT_CONTROL 4

struct m_ext {
	uint8_t *ext_buf;           /* start of the cluster's storage */
	uint32_t ext_size;          /* MCLBYTES or MBIGCLBYTES */
	uint32_t *ext_ref;          /* shared reference count */
};

struct pkthdr {
	struct ifnet *rcvif;        /* receiving interface, NULL on output */
	uint32_t len;               /* total length of the chain's data */
	uint32_t csum_flags;        /* CSUM_* below */
	uint16_t ether_type;        /* host order, set by ether_input / ether_output */
	uint16_t tso_segsz;         /* CSUM_TSO: TCP payload bytes per segment (the MSS) */
};
/* Receive side: what was verified before the protocol saw the packet. */
#define CSUM_IP_CHECKED 0x1u    /* the IPv4 header checksum was verified */
#define CSUM_DATA_VALID 0x2u    /* the transport checksum was verified (loopback) */
/* Transmit side: checksum work still to do on an outgoing IPv4 packet (ip_csum.h).  The
 * transport may set CSUM_TCP or CSUM_UDP (the checksum field then holds the folded
 * pseudo-header sum, ip_csum_pseudo), or CSUM_TSO | CSUM_TCP with tso_segsz (the field holds
 * the pseudo-header sum without the length, 8254x SDM 3.5.4); ip_output adds CSUM_IP for the
 * header it builds.  ip_output does in software whatever the outgoing interface cannot
 * (if_hwassist), so a flag that reaches a driver is one the driver must honour. */
#define CSUM_IP         0x10u   /* insert the IPv4 header checksum (field is 0) */
#define CSUM_TCP        0x20u   /* complete the TCP checksum */
#define CSUM_UDP        0x40u   /* complete the UDP checksum */
#define CSUM_TSO        0x80u   /* cut the TCP payload into tso_segsz segments */
#define CSUM_TX_MASK    (CSUM_IP | CSUM_TCP | CSUM_UDP | CSUM_TSO)

struct mbuf {
	struct mbuf *m_next;        /* next mbuf of this packet */
	struct mbuf *m_nextpkt;     /* next packet in a queue */
	uint8_t *m_data;            /* first valid byte */
	uint32_t m_len;             /* valid bytes in this mbuf */
	uint16_t m_flags;
	uint16_t m_type;
	struct m_ext m_ext;         /* valid when M_EXT */
	struct pkthdr m_pkthdr;     /* valid when M_PKTHDR */
	uint8_t m_dat[MLEN];        /* inline storage */
};

#define mtod(m, t) ((t)((m)->m_data))

/* The memory an mbuf holds: itself and its external buffer (what socket buffers and the
 * out-of-order queue count against their storage limits). */
static inline uint32_t m_storage(const struct mbuf *m)
{
	return (uint32_t)sizeof(struct mbuf) + ((m->m_flags & M_EXT) ? m->m_ext.ext_size : 0);
}

/* True when this mbuf's data may be written in place (not a shared cluster). */
static inline bool M_WRITABLE(const struct mbuf *m)
{
	return !(m->m_flags & M_EXT) || __atomic_load_n(m->m_ext.ext_ref, __ATOMIC_ACQUIRE) == 1;
}
/* Bytes free before m_data / after m_data + m_len in this mbuf's storage (0 when it may not
 * be written).  Inline: the send and output paths ask for them per segment. */
static inline uint32_t M_LEADINGSPACE(const struct mbuf *m)
{
	if (!M_WRITABLE(m))
		return 0;
	const uint8_t *start = (m->m_flags & M_EXT) ? m->m_ext.ext_buf : m->m_dat;
	return (uint32_t)(m->m_data - start);
}
static inline uint32_t M_TRAILINGSPACE(const struct mbuf *m)
{
	if (!M_WRITABLE(m))
		return 0;
	const uint8_t *end = (m->m_flags & M_EXT) ? m->m_ext.ext_buf + m->m_ext.ext_size :
	    m->m_dat + MLEN;
	return (uint32_t)(end - (m->m_data + m->m_len));
}

/* Allocation.  Each returns a fresh mbuf owned by the caller, or NULL (nothing allocated). */
struct mbuf *m_get(int type);                 /* plain mbuf, m_len 0 */
struct mbuf *m_gethdr(int type);              /* packet header mbuf, pkthdr zeroed */
struct mbuf *m_getcl(int type, unsigned flags); /* with a cluster; flags M_PKTHDR or 0 */
struct mbuf *m_getjcl(int type, unsigned flags, uint32_t size); /* size MCLBYTES/MBIGCLBYTES */
/* Up to n of what m_getcl returns, linked through m_nextpkt into *list (NULL when none), in
 * one visit to the cache of mbufs with clusters (a driver refilling its receive buffers);
 * m_getcl serves what the cache lacks.  Returns how many: fewer than n only when memory (or
 * a limit) ran out. */
unsigned m_getcl_list(int type, unsigned flags, unsigned n, struct mbuf **list);

/* Frees one mbuf (dropping its cluster reference) and returns its m_next, which the caller
 * now owns.  m_free(NULL) returns NULL. */
struct mbuf *m_free(struct mbuf *m);
/* Frees a whole chain (m_next links only, not m_nextpkt).  NULL is a no-op. */
void m_freem(struct mbuf *m);
/* Frees every packet of an m_nextpkt list. */
void m_freem_list(struct mbuf *m);

/* Leaves len bytes of headroom at the start of an empty mbuf (m_len == 0). */
void m_reserve(struct mbuf *m, uint32_t len);
/* Places len bytes at the end of an empty mbuf's storage (BSD M_ALIGN/MH_ALIGN). */
void m_align(struct mbuf *m, uint32_t len);

/* Prepends len (<= MHLEN) contiguous bytes to the chain, in headroom when there is some,
 * else in a new leading mbuf that takes over the packet header.  Consumes m; returns the new
 * head (the caller owns it), or NULL after freeing the chain. */
struct mbuf *m_prepend(struct mbuf *m, uint32_t len);
#define M_PREPEND(m, len) ((m) = m_prepend((m), (len)))
/* m_prepend's common case inline, for the output path's per-packet headers: a packet-header
 * mbuf holding its data inline (so always writable, unlike a cluster) with len bytes of
 * headroom, as the header mbuf TCP builds for every segment has.  Anything else goes
 * through m_prepend; same contract. */
static inline struct mbuf *m_prepend_inline(struct mbuf *m, uint32_t len)
{
	if (m && (m->m_flags & (M_PKTHDR | M_EXT)) == M_PKTHDR &&
	    (size_t)(m->m_data - m->m_dat) >= len) {
		m->m_data -= len;
		m->m_len += len;
		m->m_pkthdr.len += len;
		return m;
	}
	return m_prepend(m, len);
}

/* Trims req bytes from the head (req > 0) or the tail (req < 0) of the chain, updating
 * pkthdr.len; borrows m (the caller still owns it); trimming more than there is empties it. */
void m_adj(struct mbuf *m, int req);
/* m_adj(m, len) for a header of len bytes at the front, inline when the first mbuf holds it
 * (a received frame in its cluster), as the receive path strips each layer's header. */
static inline void m_adj_hdr(struct mbuf *m, uint32_t len)
{
	if (m->m_len >= len && (m->m_flags & M_PKTHDR)) {
		m->m_data += len;
		m->m_len -= len;
		m->m_pkthdr.len -= len;
	} else {
		m_adj(m, (int)len);
	}
}

/* Makes the first len bytes contiguous in the first mbuf (len <= MHLEN, or <= the first
 * mbuf's cluster size).  Consumes m; returns the head (the caller owns it), or NULL after
 * freeing the chain (too short, or no memory). */
struct mbuf *m_pullup(struct mbuf *m, uint32_t len);

/* Returns a new chain holding bytes [off, off+len) of m (len M_COPYALL = to the end), sharing
 * clusters by reference and copying inline data; the copy has a pkthdr (len = its length)
 * when m has one.  Borrows m; the caller owns the result; NULL on failure or if m is too
 * short.  Shared clusters are read-only for both chains (M_WRITABLE). */
#define M_COPYALL 0xffffffffu
struct mbuf *m_copym(const struct mbuf *m, uint32_t off, uint32_t len);

/* Returns a deep, writable copy of a whole packet (same pkthdr).  Borrows m; NULL on failure. */
struct mbuf *m_dup(const struct mbuf *m);

/* Copies bytes [off, off+len) of the chain to cp.  Borrows m; returns 0, or -1 (nothing
 * promised in cp) if the chain is too short. */
int m_copydata(const struct mbuf *m, uint32_t off, uint32_t len, void *cp);

/* Writes len bytes from cp at offset off, extending the chain with new mbufs if needed
 * (zero-filling any gap) and updating pkthdr.len.  Borrows m; returns 0 or -1 on allocation
 * failure (then the chain may be partly written).  The overwritten range must be writable. */
int m_copyback(struct mbuf *m, uint32_t off, uint32_t len, const void *cp);

/* Appends chain n to chain m (n's packet header, if any, is dropped; m's pkthdr.len is NOT
 * updated: the caller adds m_length(n) when m has a pkthdr).  Consumes n; m stays the
 * caller's. */
void m_cat(struct mbuf *m, struct mbuf *n);

/* Splits the packet at len0: m keeps the first len0 bytes and the returned chain (owned by
 * the caller, with a pkthdr when m has one) holds the rest.  Borrows m; on NULL (no memory
 * or len0 beyond the end) m is unchanged. */
struct mbuf *m_split(struct mbuf *m, uint32_t len0);

/* Appends len bytes from cp at the end of the chain, allocating as needed, and updates
 * pkthdr.len.  Borrows m; returns 0, or -1 on allocation failure (m then holds a prefix of
 * the bytes; pkthdr.len stays consistent with the chain). */
int m_append(struct mbuf *m, uint32_t len, const void *cp);

/* Builds a new packet from a flat buffer (a received frame), with `headroom` bytes (<= MHLEN/2)
 * free in front and rcvif = ifp.  Borrows buf; the caller owns the result; NULL on failure. */
struct mbuf *m_devget(const void *buf, uint32_t len, uint32_t headroom, struct ifnet *ifp);

/* Sum of m_len over the chain.  Borrows m. */
uint32_t m_length(const struct mbuf *m);

/* Pool statistics (process-wide, all instances). */
struct mbuf_stats {
	uint64_t mbufs;            /* mbufs allocated now */
	uint64_t clusters;         /* clusters allocated now */
	uint64_t mbuf_allocs, mbuf_frees;
	uint64_t cluster_allocs, cluster_frees;
	uint64_t drops;            /* allocation failures (limit reached or no memory) */
	uint64_t copies;           /* m_copym calls that shared a cluster */
	uint64_t pullups_failed;
};
void mbuf_stats(struct mbuf_stats *out);
/* Caps the number of live mbufs and clusters (0 = no cap).  Returns nothing; takes effect for
 * later allocations.  Tests use it to exercise every allocation failure path. */
void mbuf_set_limits(uint64_t max_mbufs, uint64_t max_clusters);
/* Bytes of port_alloc memory the mbuf layer keeps cached for reuse (free mbufs and clusters
 * not yet returned with port_free): a leak check subtracts them from what is live. */
uint64_t mbuf_cache_bytes(void);
/* Hands every cached block back to port_free (the kernel's kstats call does, so its kmalloc
 * counts mean live objects). */
void mbuf_cache_drain(void);

/* A FIFO of packets (m_nextpkt-linked) with a length cap: the interface queues, ARP's hold
 * queue, the IP reassembly lists use it.  The queue has no lock; its owner's lock covers it. */
struct mbufq {
	struct mbuf *mq_head, *mq_tail;
	uint32_t mq_len;            /* packets queued */
	uint32_t mq_maxlen;         /* cap on mq_len */
	uint64_t mq_drops;          /* packets refused because the queue was full */
};
void mbufq_init(struct mbufq *q, uint32_t maxlen);
/* mbufq_enqueue on a full queue: counts, frees m, returns -ENOBUFS. */
int mbufq_refuse(struct mbufq *q, struct mbuf *m);
/* Enqueues m at the tail.  Consumes m: returns 0, or -ENOBUFS after freeing m when full.
 * Inline, as mbufq_dequeue: every frame passes an interface queue each way. */
static inline int mbufq_enqueue(struct mbufq *q, struct mbuf *m)
{
	if (q->mq_len >= q->mq_maxlen)
		return mbufq_refuse(q, m);
	m->m_nextpkt = NULL;
	if (q->mq_tail)
		q->mq_tail->m_nextpkt = m;
	else
		q->mq_head = m;
	q->mq_tail = m;
	q->mq_len++;
	return 0;
}
/* Removes and returns the head packet (owned by the caller), or NULL when empty. */
static inline struct mbuf *mbufq_dequeue(struct mbufq *q)
{
	struct mbuf *m = q->mq_head;
	if (!m)
		return NULL;
	q->mq_head = m->m_nextpkt;
	if (!q->mq_head)
		q->mq_tail = NULL;
	m->m_nextpkt = NULL;
	q->mq_len--;
	return m;
}
/* Appends the n packets of the m_nextpkt list list..tail while room lasts, in order, and
 * returns how many it took; *rest gets the ones that did not fit (unlinked; NULL when all
 * did), for the caller to count and free, outside its lock if it holds one. */
uint32_t mbufq_enqueue_list(struct mbufq *q, struct mbuf *list, struct mbuf *tail, uint32_t n,
    struct mbuf **rest);
/* Removes every packet and returns them as an m_nextpkt list (owned by the caller). */
struct mbuf *mbufq_flush(struct mbufq *q);
/* Frees every queued packet. */
void mbufq_drain(struct mbufq *q);
static inline bool mbufq_full(const struct mbufq *q) { return q->mq_len >= q->mq_maxlen; }

#endif
