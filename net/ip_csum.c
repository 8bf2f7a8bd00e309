/* Transmit checksum offload decision and software fallback (ip_csum.h). */
#include <stos/errno.h>
#include "netlib.h"
#include "netstack.h"
#include "ip.h"
#include "in_cksum.h"
#include "ip_csum.h"

#define PROTO_TCP 6
#define PROTO_UDP 17

/* Where the transport checksum field of m lies, for request `req`; 0 when the request does
 * not fit the packet. */
static uint32_t l4_sum_offset(const struct mbuf *m, unsigned hlen, unsigned req, uint32_t *l4len)
{
	struct ip_view v;
	if (!ip_view(&v, mtod(m, uint8_t *), m->m_len) || hlen > m->m_len)
		return 0;
	uint32_t total = ipv_len(v);
	if (total > m->m_pkthdr.len || total < hlen)
		return 0;
	if (ipv_off(v) & (IP_MF | IP_OFFMASK))
		return 0;               /* the checksum covers the whole datagram: no fragment */
	*l4len = total - hlen;
	if ((req & CSUM_TCP) && ipv_proto(v) == PROTO_TCP && *l4len >= 20 && !(req & CSUM_UDP))
		return hlen + 16;       /* RFC 9293 3.1: checksum at octet 16 */
	if ((req & CSUM_UDP) && ipv_proto(v) == PROTO_UDP && *l4len >= 8 && !(req & CSUM_TSO))
		return hlen + 6;        /* RFC 768: checksum at octet 6 */
	return 0;
}

int ip_csum_output(struct ifnet *ifp, struct mbuf *m, unsigned hlen, bool fragmenting,
    struct ipstat *st)
{
	unsigned req = m->m_pkthdr.csum_flags & CSUM_TX_MASK;
	if (!req)
		return 0;
	unsigned hw = fragmenting ? 0 : ifp->if_hwassist;
	uint32_t l4off = 0, l4len = 0;
	if (req & (CSUM_TCP | CSUM_UDP | CSUM_TSO)) {
		l4off = l4_sum_offset(m, hlen, req, &l4len);
		if (!l4off || ((req & CSUM_TSO) && (!(req & CSUM_TCP) || !m->m_pkthdr.tso_segsz))) {
			st->ocsumbad++;
			return -EINVAL;
		}
	}
	if (req & CSUM_TSO) {
		/* Segmentation is the device's all of it: the header checksum and the TCP
		 * checksum of every segment it makes (CSUM_TSO implies both). */
		if (!(hw & CSUM_TSO)) {
			st->ocsumbad++;
			return -EMSGSIZE;
		}
		m->m_pkthdr.csum_flags |= CSUM_IP;
		st->ocsumhw++;
		return 0;
	}
	unsigned sw = req & ~hw;
	uint8_t *ip = mtod(m, uint8_t *);
	if (sw & (CSUM_TCP | CSUM_UDP)) {
		/* The field holds the pseudo-header sum: the checksum of the segment with it in
		 * place is the transport's checksum. */
		uint16_t c = in_cksum_mbuf(m, hlen, l4len, 0);
		if ((sw & CSUM_UDP) && c == 0)
			c = 0xffff;         /* RFC 768: a computed zero is sent as all ones */
		/* The field is in the header mbuf (the usual case): store it there.  That mbuf's
		 * storage is ours to write: ip_output has just written the IP header into it,
		 * and the header checksum goes there below. */
		if (l4off + 2 <= m->m_len) {
			be16_put(ip + l4off, c);
		} else {
			uint8_t b[2];
			be16_put(b, c);
			if (m_copyback(m, l4off, 2, b) != 0) {
				st->ocsumbad++;
				return -EINVAL;
			}
		}
		st->ocsumsw++;
	}
	if (sw & CSUM_IP) {
		/* RFC 791 3.1: the header checksum is computed with its own field zero. */
		be16_put(ip + 10, 0);
		be16_put(ip + 10, in_cksum(ip, hlen));
	}
	m->m_pkthdr.csum_flags &= ~sw;
	if (req & ~sw)
		st->ocsumhw++;
	return 0;
}
