/* Software TSO (tcp_gso.h). */
#include "tcp_gso.h"
#include "in_cksum.h"
#include "mbuf.h"
#include "netlib.h"
#include "tcp.h"
#include <stos/socket.h>             /* struct iovec */

#define IPPROTO_TCP_NUM 6
/* the longest headers: link (an Ethernet header, or a VLAN-tagged one) + IP and TCP with
 * options (RFC 791 and RFC 793: at most 60 bytes each) */
#define GSO_L2_MAX  18u
#define GSO_HDR_MAX (GSO_L2_MAX + 60u + 60u)

_Static_assert(GSO_HDR_MAX + 2 <= MHLEN, "a piece's headers fit in its header mbuf");
_Static_assert(GSO_HDR_MAX == TCP_GSO_HDR_MAX, "the cutter's header buffer holds them");

struct gso_hdrs {
	uint32_t iplen;                 /* the IP datagram's total length */
	uint32_t ihl, thl, hdr;         /* IP header, TCP header, all headers */
	uint32_t pay;                   /* TCP payload bytes */
};

/* Checks the IPv4 header of the frame f (avail bytes of it at hand, pkt_len in all; a short
 * frame may be padded after the datagram to the Ethernet minimum, IEEE 802.3 3.2.7): 0 or -1. */
static int gso_parse_ip(const uint8_t *f, uint32_t avail, uint32_t l2len, uint32_t pkt_len,
    struct gso_hdrs *h)
{
	if (l2len > GSO_L2_MAX || avail < l2len + 20 || pkt_len < l2len + 20)
		return -1;
	const uint8_t *ip = f + l2len;
	h->ihl = (ip[0] & 15u) * 4u;
	h->iplen = be16_get(ip + 2);
	if ((ip[0] >> 4) != 4 || h->ihl < 20 || avail < l2len + h->ihl || h->iplen < h->ihl ||
	    h->iplen > pkt_len - l2len)
		return -1;
	return 0;
}

/* The same, and the TCP header after it, of an unfragmented TCP datagram. */
static int gso_parse(const uint8_t *f, uint32_t avail, uint32_t l2len, uint32_t pkt_len,
    struct gso_hdrs *h)
{
	if (gso_parse_ip(f, avail, l2len, pkt_len, h))
		return -1;
	const uint8_t *ip = f + l2len;
	if (ip[9] != IPPROTO_TCP_NUM || (be16_get(ip + 6) & 0x3fff) != 0 ||   /* MF, offset */
	    avail < l2len + h->ihl + 20)
		return -1;
	h->thl = (ip[h->ihl + 12] >> 4) * 4u;
	h->hdr = l2len + h->ihl + h->thl;
	if (h->thl < 20 || h->hdr > avail || h->ihl + h->thl > h->iplen)
		return -1;
	h->pay = h->iplen - h->ihl - h->thl;
	return 0;
}

/* An ordinary frame: the checksums its flags leave to the device, in place. */
static struct mbuf *gso_finish(struct mbuf *m, uint32_t l2len, struct tcp_gso_stats *st)
{
	uint32_t f = m->m_pkthdr.csum_flags;
	if (f & CSUM_UDP)
		goto bad;                       /* never advertised by a GSO device */
	if (f & (CSUM_IP | CSUM_TCP)) {
		struct gso_hdrs h;
		uint32_t plen = m->m_pkthdr.len;
		if (!M_WRITABLE(m) || ((f & CSUM_TCP) ? gso_parse(m->m_data, m->m_len, l2len, plen, &h) :
		    gso_parse_ip(m->m_data, m->m_len, l2len, plen, &h)))
			goto bad;
		uint8_t *ip = m->m_data + l2len;
		if (f & CSUM_IP) {
			be16_put(ip + 10, 0);
			be16_put(ip + 10, in_cksum(ip, h.ihl));
		}
		if (f & CSUM_TCP) {
			/* the field holds the folded pseudo-header sum with the length (ip_csum.h):
			 * the sum of the segment from its header on, as it stands, completes it */
			uint8_t *th = ip + h.ihl;
			be16_put(th + 16, in_cksum_mbuf(m, l2len + h.ihl, h.thl + h.pay, 0));
		}
		st->csum++;
	}
	m->m_pkthdr.csum_flags = 0;
	return m;
bad:
	st->bad++;
	m_freem(m);
	return NULL;
}

int tcp_gso_cut_start(struct tcp_gso_cut *c, struct mbuf *m, uint32_t l2len,
    struct tcp_gso_stats *st)
{
	struct gso_hdrs h;
	uint32_t len = m->m_pkthdr.len, segsz = m->m_pkthdr.tso_segsz;
	uint32_t avail = NET_MIN(len, GSO_HDR_MAX);
	uint8_t *hb = c->ph;
	if (m_copydata(m, 0, avail, hb) != 0 || gso_parse(hb, avail, l2len, len, &h) ||
	    l2len + h.iplen != len || segsz == 0 || h.pay == 0)
		goto bad;                       /* (a large segment is never padded) */
	uint8_t *ip = hb + l2len, *th = ip + h.ihl;
	uint8_t tf = th[13];
	if (tf & (TH_SYN | TH_RST | TH_URG))
		goto bad;                       /* never on a large segment (tcp_output.c) */
	c->m = m;
	c->st = st;
	c->off = 0;
	c->pay = h.pay;
	c->segsz = segsz;
	c->l2len = l2len;
	c->ihl = h.ihl;
	c->thl = h.thl;
	c->hdr = h.hdr;
	c->id0 = be16_get(ip + 4);
	c->i = 0;
	c->tf = tf;
	c->seq0 = be32_get(th + 4);
	/* The part of every piece's TCP checksum that does not change (RFC 793 3.1): the
	 * pseudo-header without the length, the header with sequence number 0, checksum 0 and
	 * a middle piece's flags.  A piece adds its sequence number's two halves, its length
	 * and, on the last piece, the FIN and PSH bits (the flags byte is the low half of the
	 * 16-bit word at offset 12, so they add as they are). */
	be32_put(th + 4, 0);
	be16_put(th + 16, 0);
	th[13] = (uint8_t)(tf & ~(TH_FIN | TH_PUSH));
	/* Likewise the IP header's (RFC 791 3.1, RFC 1624): a piece adds its length and ID. */
	be16_put(ip + 2, 0);
	be16_put(ip + 4, 0);
	be16_put(ip + 10, 0);
	c->ipsum = in_cksum_add(0, ip, h.ihl);
	c->hsum = in_cksum_add(in_pseudo(be32_get(ip + 12), be32_get(ip + 16), IPPROTO_TCP_NUM, 0),
	    th, h.thl);
	/* the payload cursor: the mbuf holding the first payload byte, and where in it */
	const struct mbuf *cur = m;
	uint32_t coff = h.hdr;
	while (cur && coff >= cur->m_len) {
		coff -= cur->m_len;
		cur = cur->m_next;
	}
	c->cur = cur;
	c->coff = coff;
	st->large++;
	return 0;
bad:
	st->bad++;
	m_freem(m);
	return -1;
}

/* The piece at the cursor: writes its headers into c->ph with both checksums and returns its
 * payload length (0: none left); the cursor stays at its first payload byte (the caller
 * moves it on as it walks the payload). */
static inline __attribute__((always_inline)) uint32_t gso_piece(struct tcp_gso_cut *c)
{
	if (c->off >= c->pay)
		return 0;
	uint32_t n = NET_MIN(c->pay - c->off, c->segsz);
	uint32_t seq = c->seq0 + c->off;
	uint8_t *ip = c->ph + c->l2len, *th = ip + c->ihl;
	uint16_t iplen = (uint16_t)(c->ihl + c->thl + n), id = (uint16_t)(c->id0 + c->i);
	uint32_t is = c->ipsum + iplen + id;        /* at most three 16-bit values: */
	is = (is & 0xffff) + (is >> 16);            /* two end-around carries fold it */
	is = (is & 0xffff) + (is >> 16);
	be16_put(ip + 2, iplen);
	be16_put(ip + 4, id);
	be16_put(ip + 10, (uint16_t)~is);
	be32_put(th + 4, seq);
	uint32_t s = c->hsum + (seq >> 16) + (seq & 0xffff) + c->thl + n;
	if (c->off + n >= c->pay) {
		th[13] = c->tf;                 /* FIN and PSH on the last piece only */
		s += c->tf & (TH_FIN | TH_PUSH);
	}
	be16_put(th + 16, in_cksum_mbuf(c->cur, c->coff, n, s));
	c->off += n;
	c->i++;
	c->st->pieces++;
	return n;
}

/* Moves the payload cursor n bytes on (to the end of the chain at most). */
static void gso_skip(struct tcp_gso_cut *c, uint32_t n)
{
	const struct mbuf *x = c->cur;
	uint32_t o = c->coff;
	while (x && n) {
		uint32_t a = NET_MIN(x->m_len - o, n);
		n -= a;
		o += a;
		if (n) {
			x = x->m_next;
			o = 0;
		}
	}
	c->cur = x;
	c->coff = o;
}

int tcp_gso_cut_next(struct tcp_gso_cut *c, struct iovec *iov, int max, void *flat,
    uint32_t flatlen)
{
	uint32_t n = gso_piece(c);
	if (n == 0)
		return 0;
	/* the spans, walking the cursor on to the piece's end */
	const struct mbuf *x = c->cur;
	uint32_t o = c->coff, left = n;
	int k = 0;
	for (;;) {
		if (!x)
			goto bad;                       /* the chain is shorter than its length */
		uint32_t a = NET_MIN(x->m_len - o, left);
		if (a) {
			if (k == max)
				goto gather;
			iov[k].iov_base = x->m_data + o;
			iov[k].iov_len = a;
			k++;
			left -= a;
			o += a;
			if (!left)
				break;
		}
		x = x->m_next;
		o = 0;
	}
	c->cur = x;
	c->coff = o;
	return k;
gather:
	/* more pieces than the caller can gather: the payload copied once, as one span */
	if (n > flatlen || max < 1 || m_copydata(c->cur, c->coff, n, flat) != 0)
		goto bad;
	gso_skip(c, n);
	iov[0].iov_base = flat;
	iov[0].iov_len = n;
	return 1;
bad:
	c->st->bad++;
	return -1;
}

void tcp_gso_cut_end(struct tcp_gso_cut *c)
{
	m_freem(c->m);
	c->m = NULL;
	c->cur = NULL;
}

struct mbuf *tcp_gso_segment(struct mbuf *m, uint32_t l2len, struct tcp_gso_stats *st)
{
	if (!m)
		return NULL;
	if (!(m->m_flags & M_PKTHDR)) {
		st->bad++;
		m_freem(m);
		return NULL;
	}
	if (!(m->m_pkthdr.csum_flags & CSUM_TSO))
		return gso_finish(m, l2len, st);

	struct tcp_gso_cut c;
	if (tcp_gso_cut_start(&c, m, l2len, st))
		return NULL;
	struct mbuf *list = NULL, **tail = &list;
	uint32_t n;
	while ((n = gso_piece(&c)) != 0) {
		/* a fresh header mbuf with the piece's headers, then its payload by reference */
		struct mbuf *hm = m_gethdr(MT_HEADER);
		struct mbuf *pm = hm ? m_copym(c.cur, c.coff, n) : NULL;
		if (!pm) {
			m_freem(hm);
			st->nomem++;
			m_freem_list(list);
			tcp_gso_cut_end(&c);
			return NULL;
		}
		pm->m_flags &= (uint16_t)~M_PKTHDR;     /* the payload of the header mbuf's packet */
		hm->m_data = hm->m_dat + 2;             /* IP header 4-byte aligned */
		memcpy(hm->m_data, c.ph, c.hdr);
		hm->m_len = c.hdr;
		hm->m_next = pm;
		hm->m_pkthdr.len = c.hdr + n;
		gso_skip(&c, n);
		*tail = hm;
		tail = &hm->m_nextpkt;
	}
	tcp_gso_cut_end(&c);
	return list;
}
