/* Software TSO (tcp_gso.h). */
#include "tcp_gso.h"
#include "in_cksum.h"
#include "mbuf.h"
#include "netlib.h"
#include "tcp.h"

#define IPPROTO_TCP_NUM 6
/* the longest headers: link (an Ethernet header, or a VLAN-tagged one) + IP and TCP with
 * options (RFC 791 and RFC 793: at most 60 bytes each) */
#define GSO_L2_MAX  18u
#define GSO_HDR_MAX (GSO_L2_MAX + 60u + 60u)

_Static_assert(GSO_HDR_MAX + 2 <= MHLEN, "a piece's headers fit in its header mbuf");

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

/* The complete TCP checksum of a segment whose header (checksum field 0) is th[0..thl) and
 * whose payload is bytes [off, off+n) of chain p: the pseudo-header sum with the length, the
 * header, then the payload in one pass (RFC 793 3.1). */
static uint16_t gso_tcp_sum(const uint8_t *ip, const uint8_t *th, uint32_t thl,
    const struct mbuf *p, uint32_t off, uint32_t n)
{
	uint32_t s = in_pseudo(be32_get(ip + 12), be32_get(ip + 16), IPPROTO_TCP_NUM,
	    (uint16_t)(thl + n));
	s = in_cksum_add(s, th, thl);
	return in_cksum_mbuf(p, off, n, s);
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

	uint8_t hb[GSO_HDR_MAX];
	uint32_t len = m->m_pkthdr.len, segsz = m->m_pkthdr.tso_segsz;
	uint32_t avail = NET_MIN(len, GSO_HDR_MAX);
	struct gso_hdrs h;
	struct mbuf *list = NULL, **tail = &list;
	if (m_copydata(m, 0, avail, hb) != 0 || gso_parse(hb, avail, l2len, len, &h) ||
	    l2len + h.iplen != len || segsz == 0 || h.pay == 0)
		goto bad;                       /* (a large segment is never padded) */
	uint8_t *ip = hb + l2len, *th = ip + h.ihl;
	uint8_t tf = th[13];
	if (tf & (TH_SYN | TH_RST | TH_URG))
		goto bad;                       /* never on a large segment (tcp_output.c) */
	uint16_t id0 = be16_get(ip + 4);
	uint32_t seq0 = be32_get(th + 4);

	/* the payload cursor: the mbuf holding byte `off` of the payload, and where in it */
	const struct mbuf *cur = m;
	uint32_t coff = h.hdr;
	while (cur && coff >= cur->m_len) {
		coff -= cur->m_len;
		cur = cur->m_next;
	}
	uint32_t i = 0;
	for (uint32_t off = 0; off < h.pay; off += segsz, i++) {
		uint32_t n = NET_MIN(h.pay - off, segsz);
		struct mbuf *hm = m_gethdr(MT_HEADER);
		struct mbuf *pm = hm ? m_copym(cur, coff, n) : NULL;
		if (!pm) {
			m_freem(hm);
			goto nomem;
		}
		pm->m_flags &= (uint16_t)~M_PKTHDR;     /* the payload of the header mbuf's packet */
		hm->m_data = hm->m_dat + 2;             /* IP header 4-byte aligned */
		memcpy(hm->m_data, hb, h.hdr);
		hm->m_len = h.hdr;
		hm->m_next = pm;
		hm->m_pkthdr.len = h.hdr + n;
		uint8_t *pip = hm->m_data + l2len, *pth = pip + h.ihl;
		be16_put(pip + 2, (uint16_t)(h.ihl + h.thl + n));
		be16_put(pip + 4, (uint16_t)(id0 + i));
		be16_put(pip + 10, 0);
		be16_put(pip + 10, in_cksum(pip, h.ihl));
		be32_put(pth + 4, seq0 + off);
		if (off + n < h.pay)
			pth[13] = (uint8_t)(tf & ~(TH_FIN | TH_PUSH));
		be16_put(pth + 16, 0);
		be16_put(pth + 16, gso_tcp_sum(pip, pth, h.thl, pm, 0, n));
		*tail = hm;
		tail = &hm->m_nextpkt;
		/* advance the cursor past this piece's payload */
		coff += n;
		while (cur && coff >= cur->m_len && cur->m_next) {
			coff -= cur->m_len;
			cur = cur->m_next;
		}
	}
	st->large++;
	st->pieces += i;
	m_freem(m);
	return list;
nomem:
	st->nomem++;
	m_freem_list(list);
	m_freem(m);
	return NULL;
bad:
	st->bad++;
	m_freem(m);
	return NULL;
}
