/* IPv4 input (RFC 791, RFC 1122 3.2.1 and 3.3): validation, martian filtering, options,
 * local delivery (after reassembly) to raw sockets and transports, and forwarding.
 *
 * Validation order follows RFC 1122 3.2.1.1-3.2.1.3: version, header length, checksum,
 * total length against what the link delivered (trailing link padding is trimmed), then
 * addresses.  Every discard has its own counter in struct ipstat.
 */
#include <stos/errno.h>
#include "netlib.h"
#include "netstack.h"
#include "ip.h"
#include "in_cksum.h"
#include "ip_options.h"
#include "ip_var_priv.h"

int ip_init(struct netstack *ns)
{
	int rc = ip_id_init(ns);
	if (rc)
		return rc;
	rc = ip_reass_init(ns);
	if (rc)
		return rc;
	icmp_init(ns);
	return 0;
}

void ip_fini(struct netstack *ns)
{
	ip_reass_fini(ns);
	ip_id_fini(ns);
}

int ip_proto_register(struct netstack *ns, uint8_t proto, ip_input_fn in, ip_ctlinput_fn ctl)
{
	if (proto == IPPROTO_ICMP)
		return -EINVAL;
	if (ns->ns_ipproto[proto].pr_input || ns->ns_ipproto[proto].pr_ctlinput)
		return -EEXIST;
	ns->ns_ipproto[proto].pr_input = in;
	ns->ns_ipproto[proto].pr_ctlinput = ctl;
	return 0;
}

void ip_proto_unregister(struct netstack *ns, uint8_t proto)
{
	ns->ns_ipproto[proto].pr_input = NULL;
	ns->ns_ipproto[proto].pr_ctlinput = NULL;
}

void ip_set_rawinput(struct netstack *ns, ip_rawinput_fn fn)
{
	ns->ns_rawinput = fn;
}

/* Whether a's first octet puts it where the martian tests below look closely: "this
 * network" (0), loopback (127), multicast or experimental (224 and up, the limited broadcast
 * included).  Both addresses of nearly every datagram are outside these, so each test starts
 * with this one comparison. */
static inline bool in_special_net(ipaddr_t a)
{
	unsigned o = a >> 24;
	return o - 1u >= 223u || o == IN_LOOPBACKNET;
}

/* RFC 1122 3.2.1.3 / RFC 1812 5.3.7: source addresses a host must not accept.  Of an
 * ordinary address only a subnet's broadcast address is. */
static inline bool src_martian(struct netstack *ns, ipaddr_t src, ipaddr_t dst,
    struct ifnet *ifp)
{
	if (in_special_net(src)) {
		if (in_ismulticast(src) || src == INADDR_BROADCAST_H || in_isexperimental(src))
			return true;
		if ((src >> 24) == 0)
			/* "this network" sources: only 0.0.0.0 to the limited broadcast (DHCP). */
			return !(src == 0 && dst == INADDR_BROADCAST_H);
		if (in_isloopback(src) && ifp->if_type != IFT_LOOP)
			return true;
	}
	return ifp->if_type != IFT_LOOP && in_isbroadcast(ns, src, ifp);
}

/* Destination addresses a host must not accept (no ordinary address is one). */
static inline bool dst_martian(ipaddr_t dst, struct ifnet *ifp)
{
	if (!in_special_net(dst))
		return false;
	if (dst == 0)
		return true;
	if (in_isloopback(dst) && ifp->if_type != IFT_LOOP)
		return true;
	if (in_isexperimental(dst) && dst != INADDR_BROADCAST_H)
		return true;
	return false;
}

static void ip_forward(struct netstack *ns, struct mbuf *m, unsigned hlen);

/* Hands a complete datagram addressed to us to raw sockets and its transport. */
static void ip_deliver(struct netstack *ns, struct mbuf *m, unsigned hlen)
{
	struct ip_view v;
	ip_view(&v, mtod(m, uint8_t *), m->m_len);
	uint8_t proto = ipv_proto(v);
	int raw = ns->ns_rawinput ? ns->ns_rawinput(ns, m, (int)hlen) : 0;

	ns->ns_ipstat.delivered++;
	if (proto == IPPROTO_ICMP) {
		icmp_input(ns, m, (int)hlen);
		return;
	}
	if (ns->ns_ipproto[proto].pr_input) {
		ns->ns_ipproto[proto].pr_input(ns, m, (int)hlen);
		return;
	}
	if (raw > 0) {
		m_freem(m);
		return;
	}
	/* RFC 1122 3.2.2.1: protocol unreachable when nobody takes it. */
	ns->ns_ipstat.noproto++;
	ns->ns_ipstat.delivered--;
	icmp_error(ns, m, ICMP_UNREACH, ICMP_UNREACH_PROTOCOL, 0);
}

/* The general input path: every check, every counter, every outcome.  ip_input takes the
 * common datagram itself and hands everything else here. */
static __attribute__((noinline)) void ip_input_slow(struct ifnet *ifp, struct mbuf *m)
{
	struct netstack *ns = ifp->if_ns;
	struct ipstat *st = &ns->ns_ipstat;
	struct ip_view v;

	m->m_flags &= (uint16_t)~M_INADDROK;   /* vouched for only by ip_input below */
	st->total++;
	if (m->m_pkthdr.len < IP_HDR_MIN) {
		st->tooshort++;
		goto drop;
	}
	if (m->m_len < IP_HDR_MIN && (m = m_pullup(m, IP_HDR_MIN)) == NULL) {
		st->tooshort++;
		return;
	}
	ip_view(&v, mtod(m, uint8_t *), m->m_len);
	if (ipv_version(v) != IPVERSION) {
		st->badvers++;
		goto drop;
	}
	unsigned hlen = ipv_hlen(v);
	if (hlen < IP_HDR_MIN) {
		st->toosmall++;
		goto drop;
	}
	if (hlen > m->m_pkthdr.len) {
		st->badhlen++;
		goto drop;
	}
	if (hlen > m->m_len) {
		m = m_pullup(m, hlen);
		if (!m) {
			st->badhlen++;
			return;
		}
		ip_view(&v, mtod(m, uint8_t *), m->m_len);
	}
	if (!(m->m_pkthdr.csum_flags & CSUM_IP_CHECKED) && in_cksum(v.b, hlen) != 0) {
		st->badsum++;
		goto drop;
	}
	unsigned len = ipv_len(v);
	if (len < hlen) {
		st->badlen++;
		goto drop;
	}
	if (len > m->m_pkthdr.len) {
		st->tooshort++;
		goto drop;
	}
	if (m->m_pkthdr.len > len)
		m_adj(m, (int)len - (int)m->m_pkthdr.len);   /* link-layer padding */
	uint16_t off = ipv_off(v);
	if (off & IP_RF)
		st->badrf++;   /* RFC 791: must be zero; counted, not enforced (RFC 1122 1.2.2) */
	ipaddr_t src = ipv_src(v), dst = ipv_dst(v);
	if (src_martian(ns, src, dst, ifp)) {
		st->martian++;
		goto drop;
	}
	if (dst_martian(dst, ifp)) {
		st->martiandst++;
		goto drop;
	}
	if (hlen > IP_HDR_MIN) {
		unsigned errptr = 0;
		int r = ip_options_check(v.b, hlen, &errptr);
		if (r == IPOPT_RES_SRCROUTE) {
			st->srcroute++;
			goto drop;
		}
		if (r == IPOPT_RES_BAD) {
			st->badoptions++;
			icmp_error(ns, m, ICMP_PARAMPROB, ICMP_PARAMPROB_ERRATPTR, errptr);
			return;
		}
	}

	/* Is it for us?  The weak end-system model (RFC 1122 3.3.4.2): any of our addresses on
	 * any interface; plus limited and subnet broadcasts of the receiving interface. */
	bool bcast = dst == INADDR_BROADCAST_H ||
	    in_isbroadcast(ns, dst, ifp->if_type == IFT_LOOP ? NULL : ifp);
	/* (in_islocal's own last-hit test first, without the call: nearly every datagram is for
	 * the address the one before was for.) */
	bool ours = bcast || (dst == ns->ns_local_last && dst != 0) || in_islocal(ns, dst) ||
	    dst == 0xe0000001u /* all-hosts */;
	if (!ours) {
		if (ns->ns_conf.ip_forwarding && !(m->m_flags & (M_BCAST | M_MCAST)) &&
		    !in_ismulticast(dst)) {
			ip_forward(ns, m, hlen);
			return;
		}
		st->notforus++;
		goto drop;
	}
	if (bcast) {
		st->bcastrecv++;
		m->m_flags |= M_BCAST;   /* so no ICMP error ever answers it */
	} else if (in_ismulticast(dst)) {
		m->m_flags |= M_MCAST;
	}
	if (m->m_flags & M_LOOP)
		st->loopback++;
	if (off & (IP_MF | IP_OFFMASK)) {
		st->fragments++;
		m = ip_reass(ns, m, hlen);
		if (!m)
			return;
		ip_view(&v, mtod(m, uint8_t *), m->m_len);
		hlen = ipv_hlen(v);
	}
	ip_deliver(ns, m, hlen);
	return;
drop:
	m_freem(m);
}

/* in_isbroadcast's own first test, the one that answers for nearly every address: true when
 * a is surely no broadcast address (false: ask in_isbroadcast). */
static inline bool in_surely_not_bcast(const struct netstack *ns, ipaddr_t a,
    const struct ifnet *ifp)
{
	uint32_t low = a & ns->ns_bcast_low;
	return low != 0 && low != ns->ns_bcast_low && (!ifp || ifp->if_index != 0);
}

/* The common datagram, taken here with no call but the transport's: a 20-byte header with a
 * good checksum (or one the device checked), a total length equal to what the link delivered,
 * not a fragment, ordinary source and destination addresses (neither in a special net nor a
 * broadcast address), for the address the last datagram was for (in_islocal's last hit), to
 * a transport other than ICMP, no raw socket listening.  For such a datagram ip_input_slow's
 * steps all pass and end in the transport's pr_input; this does the same with the same
 * counters.  Anything else, valid or not, goes to ip_input_slow from the start, so every
 * drop and its counter stay where they are.  (Without a call of its own to make, this needs
 * no saved registers.) */
void ip_input(struct ifnet *ifp, struct mbuf *m)
{
	struct netstack *ns = ifp->if_ns;
	const uint8_t *h = mtod(m, const uint8_t *);
	bool loop = ifp->if_type == IFT_LOOP;

	if (m->m_len < IP_HDR_MIN || m->m_pkthdr.len < IP_HDR_MIN || h[0] != 0x45 ||
	    be16_get(h + 2) != m->m_pkthdr.len || (be16_get(h + 6) & ~IP_DF_BIT) != 0 ||
	    ns->ns_rawinput)
		goto slow;
	ipaddr_t src = be32_get(h + 12), dst = be32_get(h + 16);
	if (dst != ns->ns_local_last || in_special_net(src) || in_special_net(dst) ||
	    (!loop && !in_surely_not_bcast(ns, src, ifp)) ||
	    !in_surely_not_bcast(ns, dst, loop ? NULL : ifp))
		goto slow;
	uint8_t proto = h[9];
	ip_input_fn in = ns->ns_ipproto[proto].pr_input;
	if (proto == IPPROTO_ICMP || !in)
		goto slow;
	if (!(m->m_pkthdr.csum_flags & CSUM_IP_CHECKED) && in_cksum_hdr20(h) != 0)
		goto slow;
	ns->ns_ipstat.total++;
	if (m->m_flags & M_LOOP)
		ns->ns_ipstat.loopback++;
	ns->ns_ipstat.delivered++;
	/* Off a loopback interface both addresses passed in_isbroadcast's first test for any
	 * interface (the one it asks for ifp only adds the if_index test), so the transport's
	 * own address tests (tcp_input's) would all pass: M_INADDROK tells it.  (On loopback
	 * the source's broadcast test was not made.) */
	m->m_flags = (uint16_t)((m->m_flags & ~M_INADDROK) | (loop ? 0 : M_INADDROK));
	in(ns, m, IP_HDR_MIN);
	return;
slow:
	ip_input_slow(ifp, m);
}

/* RFC 1812 5.2 (the parts a forwarding host needs): TTL, route, fragmentation needed. */
static void ip_forward(struct netstack *ns, struct mbuf *m, unsigned hlen)
{
	struct ipstat *st = &ns->ns_ipstat;
	struct ip_view v;
	ip_view(&v, mtod(m, uint8_t *), m->m_len);
	ipaddr_t dst = ipv_dst(v);

	if (ipv_ttl(v) <= 1) {
		st->ttlexceeded++;
		icmp_error(ns, m, ICMP_TIMXCEED, ICMP_TIMXCEED_INTRANS, 0);
		return;
	}
	struct rt_entry *rt = rt_lookup(ns, dst);
	if (!rt || (rt->rt_flags & (RTF_REJECT | RTF_LOCAL))) {
		st->cantforward++;
		icmp_error(ns, m, ICMP_UNREACH, ICMP_UNREACH_HOST, 0);
		return;
	}
	if (in_isbroadcast(ns, dst, rt->rt_ifp)) {
		/* RFC 2644: directed broadcasts are not forwarded by default. */
		st->cantforward++;
		goto drop;
	}
	uint32_t mtu = rt->rt_mtu && rt->rt_mtu < rt->rt_ifp->if_mtu ? rt->rt_mtu : rt->rt_ifp->if_mtu;
	if (m->m_pkthdr.len > mtu && (ipv_off(v) & IP_DF_BIT)) {
		st->cantfrag++;
		icmp_error(ns, m, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG, mtu);
		return;
	}
	/* The TTL changes in place: make the header ours first, then fix the checksum
	 * incrementally (RFC 1624) instead of recomputing it. */
	if (!M_WRITABLE(m)) {
		struct mbuf *n = m_dup(m);
		m_freem(m);
		if (!n) {
			st->odropped++;
			return;
		}
		m = m_pullup(n, hlen);
		if (!m) {
			st->odropped++;
			return;
		}
		ip_view(&v, mtod(m, uint8_t *), m->m_len);
	}
	uint16_t old = be16_get(v.b + 8);
	ipv_set_ttl(v, (uint8_t)(ipv_ttl(v) - 1));
	ipv_set_sum(v, in_cksum_update16(ipv_sum(v), old, be16_get(v.b + 8)));
	m->m_flags &= (uint16_t)~(M_BCAST | M_MCAST | M_LOOP | M_OTHERHOST);
	m->m_pkthdr.rcvif = NULL;
	st->forward++;
	ip_output(ns, m, NULL, NULL, IP_FORWARDING);
	return;
drop:
	m_freem(m);
}
