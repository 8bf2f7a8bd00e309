/* The IP path cache's per-datagram steps (route.h, ip_output.c): the header a datagram
 * through a valid path gets, and the direct output of a TCP segment built whole
 * (ip_output_tcp_direct, ip_var.h).  Shared by ip_output.c and, inline, by tcp_output.c.
 * Net lock held. */
#ifndef NET_IP_OUTPUT_PATH_H
#define NET_IP_OUTPUT_PATH_H
#include "netlib.h"
#include "netstack.h"
#include "ip.h"
#include "in_cksum.h"

/* The ip_output flags a datagram may have and still take the path. */
#define IP_PATH_FLAGS (IP_DF | IP_ALLOWBROADCAST)

/* The fixed IPv4 header fields of a locally sent datagram (checksum field zero). */
static inline void ip_write_hdr(const struct netstack *ns, struct ip_view v,
    const struct ip_out *p, unsigned hlen, uint16_t len, uint16_t id, unsigned flags)
{
	ipv_set_vhl(v, hlen);
	ipv_set_tos(v, p->tos);
	ipv_set_len(v, len);
	ipv_set_id(v, id);
	ipv_set_off(v, (flags & IP_DF) ? IP_DF_BIT : 0);
	ipv_set_ttl(v, p->ttl ? p->ttl : ns->ns_conf.ip_defttl);
	ipv_set_proto(v, p->proto);
	ipv_set_sum(v, 0);
	ipv_set_src(v, p->src);
	ipv_set_dst(v, p->dst);
}

/* The 20-byte IPv4 header of a datagram going through a valid path (ip_path_ok), its
 * checksum field zero, counted as sent. */
static inline void ip_path_hdr(struct netstack *ns, uint8_t *ip, const struct ip_out *p,
    const struct route *ro, unsigned flags, uint16_t len)
{
	struct ip_view v;
	ip_view(&v, ip, IP_HDR_MIN);
	ip_write_hdr(ns, v, p, IP_HDR_MIN, len, ns->ns_ipid[ro->ro_idbucket]++, flags);
	ns->ns_ipstat.localout++;
	ns->ns_ipstat.pathcached++;
}

/* The checksum of a 32-byte header (TCP with the timestamp option), as in_cksum_hdr20:
 * four 64-bit words with end-around carries (RFC 1071 2(B), 2(C)), no loop and no call. */
static inline uint16_t ip_cksum_hdr32(const uint8_t *p)
{
	uint64_t a, b, c, d;
	memcpy(&a, p, 8);
	memcpy(&b, p + 8, 8);
	memcpy(&c, p + 16, 8);
	memcpy(&d, p + 24, 8);
	uint64_t s = a + b;
	s += s < b;
	s += c;
	s += s < c;
	s += d;
	s += s < d;
	return (uint16_t)~in_cksum_native_to_be(in_cksum_fold64(s));
}

/* ip_var.h describes it (ip_output_tcp_direct): its first part, everything up to the hand
 * over to the interface.  Returns the interface m is to go to, the frame in m complete (the
 * caller may look at it: tcp_ack_direct keeps it as its template), or NULL when the path is
 * not valid for the datagram (m untouched but for its TCP header).  Inline in its caller
 * (tcp_output's pure ACK): the datagram's description (p, flags, l4len) is then mostly
 * constants, and its checks fold. */
static inline __attribute__((always_inline)) struct ifnet *ip_output_tcp_prep(
    struct netstack *ns, struct mbuf *m, const struct ip_out *p, struct route *ro,
    unsigned flags, uint32_t l4len)
{
	struct ipstat *st = &ns->ns_ipstat;
	struct ifnet *ifp = ro->ro_pifp;
	uint8_t *frame = mtod(m, uint8_t *);
	uint8_t *ip = frame + ETHER_HDR_LEN, *th = ip + IP_HDR_MIN;

	/* (Net lock held: if_transmit asserts it.) */
	/* ip_path_ok for this datagram: else ip_output would take its full path. */
	if ((flags & ~IP_PATH_FLAGS) || !ifp || ro->ro_gen != ns->ns_rtgen ||
	    ro->ro_llgen != ns->ns_llgen || ro->ro_dst != p->dst || ro->ro_psrc != p->src ||
	    ro->ro_pproto != p->proto || p->optlen || l4len + IP_HDR_MIN > ro->ro_pmtu)
		return NULL;
	/* The header exactly as ip_output_path writes it. */
	ip_path_hdr(ns, ip, p, ro, flags, (uint16_t)(IP_HDR_MIN + l4len));
	/* ip_csum_output's decision for CSUM_IP | CSUM_TCP on a whole, unfragmented segment:
	 * the interface does what its if_hwassist covers, the rest is done here.  The TCP
	 * checksum field holds the pseudo-header sum (RFC 9293 3.1, at octet 16). */
	unsigned req = (m->m_pkthdr.csum_flags | CSUM_IP) & CSUM_TX_MASK;
	unsigned sw = req & ~ifp->if_hwassist;
	if (sw & CSUM_TCP) {
		be16_put(th + 16, l4len == 32 ? ip_cksum_hdr32(th) : in_cksum(th, l4len));
		st->ocsumsw++;
	}
	if (sw & CSUM_IP)
		be16_put(ip + 10, in_cksum_hdr20(ip));
	m->m_pkthdr.csum_flags = req & ~sw;
	if (req & ~sw)
		st->ocsumhw++;
	/* The link layer as ether_output_resolved: the cached header. */
	memcpy(frame, ro->ro_llhdr, ETHER_HDR_LEN);
	m->m_pkthdr.ether_type = ETHERTYPE_IP;
	return ifp;
}

/* ip_output_tcp_direct's last part, for a frame ip_output_tcp_prep made (or one the same
 * path would make): the neighbour entry kept fresh, m to the interface. */
static inline __attribute__((always_inline)) int ip_output_tcp_send(struct netstack *ns,
    struct route *ro, struct ifnet *ifp, struct mbuf *m)
{
	arp_touch(ns, ro->ro_lle);
	return if_transmit(ifp, m);
}

/* ip_var.h describes it. */
static inline __attribute__((always_inline)) int ip_output_tcp_direct(struct netstack *ns,
    struct mbuf *m, const struct ip_out *p, struct route *ro, unsigned flags, uint32_t l4len)
{
	struct ifnet *ifp = ip_output_tcp_prep(ns, m, p, ro, flags, l4len);
	if (!ifp)
		return IP_DIRECT_NO;
	return ip_output_tcp_send(ns, ro, ifp, m);
}

#endif
