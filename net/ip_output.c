/* IPv4 output: header construction, route and source selection, broadcast policy,
 * fragmentation (RFC 791 3.2 "fragmentation procedure"), hand-off to the interface. */
#include <stos/errno.h>
#include "netlib.h"
#include "netstack.h"
#include "ip.h"
#include "in_cksum.h"
#include "ip_options.h"
#include "ip_csum.h"
#include "ip_var_priv.h"
#include "ip_output_path.h"

int in_selectsrc(struct netstack *ns, ipaddr_t dst, ipaddr_t *src, struct ifnet **ifpp)
{
	struct rt_entry *rt = rt_lookup(ns, dst);
	if (!rt)
		return -ENETUNREACH;
	struct ifnet *ifp = rt->rt_ifp;
	ipaddr_t a = 0;
	if (rt->rt_flags & RTF_LOCAL) {
		a = dst;
	} else {
		ipaddr_t hop = (rt->rt_flags & RTF_GATEWAY) ? rt->rt_gateway : dst;
		for (unsigned i = 0; i < ifp->if_naddrs; i++)
			if ((hop & ifp->if_addrs[i].ia_mask) == ifp->if_addrs[i].ia_net) {
				a = ifp->if_addrs[i].ia_addr;
				break;
			}
		if (!a)
			a = in_ifprimary(ifp);
	}
	if (!a)
		return -EADDRNOTAVAIL;
	*src = a;
	if (ifpp)
		*ifpp = ifp;
	return 0;
}

uint32_t ip_path_mtu(struct netstack *ns, ipaddr_t dst)
{
	return rt_mtu(ns, dst);
}

/* The interface for a limited broadcast: the one holding src, else the first Ethernet
 * interface that is up and has an address (BSD picks the default route's; ours is simpler
 * and deterministic). */
static struct ifnet *bcast_ifp(struct netstack *ns, ipaddr_t src)
{
	if (src) {
		struct ifnet *ifp = in_ifwithaddr(ns, src, NULL);
		if (ifp)
			return ifp;
	}
	for (struct ifnet *ifp = ns->ns_ifnet; ifp; ifp = ifp->if_next)
		if (ifp->if_type == IFT_ETHER && (ifp->if_flags & IFF_UP) && ifp->if_naddrs)
			return ifp;
	for (struct ifnet *ifp = ns->ns_ifnet; ifp; ifp = ifp->if_next)
		if (ifp->if_type == IFT_ETHER && (ifp->if_flags & IFF_UP))
			return ifp;
	return NULL;
}

struct mbuf *ip_fragment(struct netstack *ns, struct mbuf *m, unsigned hlen, uint32_t mtu)
{
	uint8_t hdr[IP_HDR_MAX], opts[40];
	struct mbuf *head = NULL, **tail = &head;
	struct ip_view v;

	if (m_copydata(m, 0, hlen, hdr) != 0)
		goto fail;
	ip_view(&v, hdr, hlen);
	uint16_t off0 = ipv_off(v);
	unsigned optlen = ip_options_copied(hdr, hlen, opts);
	unsigned total = m->m_pkthdr.len - hlen;   /* payload bytes */
	unsigned pos = 0;

	while (pos < total) {
		unsigned fhlen = pos == 0 ? hlen : IP_HDR_MIN + optlen;
		if (mtu < fhlen + 8)
			goto fail;
		unsigned chunk = (mtu - fhlen) & ~7u;
		bool last = pos + chunk >= total;
		if (last)
			chunk = total - pos;
		struct mbuf *f = m_gethdr(MT_DATA);
		if (!f)
			goto fail;
		m_reserve(f, 16);   /* room for the link header */
		/* header: the original's first 20 bytes, options per the copy rules */
		memcpy(mtod(f, uint8_t *), hdr, IP_HDR_MIN);
		if (pos == 0)
			memcpy(mtod(f, uint8_t *) + IP_HDR_MIN, hdr + IP_HDR_MIN, hlen - IP_HDR_MIN);
		else
			memcpy(mtod(f, uint8_t *) + IP_HDR_MIN, opts, optlen);
		f->m_len = f->m_pkthdr.len = fhlen;
		struct mbuf *data = m_copym(m, hlen + pos, chunk);
		if (!data) {
			m_freem(f);
			goto fail;
		}
		m_cat(f, data);
		f->m_pkthdr.len = fhlen + chunk;
		struct ip_view fv;
		ip_view(&fv, mtod(f, uint8_t *), f->m_len);
		ipv_set_vhl(fv, fhlen);
		ipv_set_len(fv, (uint16_t)(fhlen + chunk));
		/* Offsets add to the original's (a fragment being refragmented); MF stays set on
		 * the last piece when the original was not the last fragment. */
		uint16_t foff = (uint16_t)((off0 & IP_OFFMASK) + pos / 8);
		uint16_t flags = (uint16_t)(off0 & IP_DF_BIT);
		if (!last || (off0 & IP_MF))
			flags |= IP_MF;
		ipv_set_off(fv, (uint16_t)(flags | foff));
		ipv_set_sum(fv, 0);
		ipv_set_sum(fv, in_cksum(fv.b, fhlen));
		*tail = f;
		tail = &f->m_nextpkt;
		pos += chunk;
		ns->ns_ipstat.ofragments++;
	}
	ns->ns_ipstat.fragmented++;
	m_freem(m);
	return head;
fail:
	m_freem_list(head);
	m_freem(m);
	return NULL;
}

/* The path cache (route.h).  A datagram from a transport with a cached route, no IP
 * options and none of the special handlings (a raw header, forwarding, SO_DONTROUTE) whose
 * source, destination and protocol are those of the resolved path skips what resolved it:
 * the route lookup, the source and broadcast checks and the ARP lookup were made for the
 * same addresses, and nothing they depend on has changed since (the generation counters).
 * Everything that is per datagram still happens: the header with a fresh ID (from the same
 * RFC 6864 bucket ip_newid would use), the MTU check, the checksums (ip_csum_output: by the
 * interface when it offers them, segmentation included), the taps and counters
 * (if_transmit). */

_Static_assert(sizeof(((struct route *)0)->ro_llhdr) == ETHER_HDR_LEN, "route: link header");

static inline bool ip_path_ok(const struct netstack *ns, const struct route *ro,
    const struct ip_out *p, const struct mbuf *m)
{
	return ro->ro_pifp && ro->ro_gen == ns->ns_rtgen && ro->ro_llgen == ns->ns_llgen &&
	    ro->ro_dst == p->dst && ro->ro_psrc == p->src && ro->ro_pproto == p->proto &&
	    p->optlen == 0 && m->m_pkthdr.len <= IP_MAXPACKET - IP_HDR_MIN &&
	    (m->m_pkthdr.len + IP_HDR_MIN <= ro->ro_pmtu || (m->m_pkthdr.csum_flags & CSUM_TSO));
}

/* Keeps what the full path just decided for a datagram from p through ifp to nexthop, when
 * the next one may reuse it: a unicast Ethernet neighbour with a resolved address. */
static void ip_path_fill(struct netstack *ns, struct route *ro, const struct ip_out *p,
    struct ifnet *ifp, ipaddr_t nexthop, uint32_t mtu)
{
	uint8_t mac[ETHER_ADDR_LEN];
	void *lle;

	ro->ro_pifp = NULL;
	if (ifp->if_type != IFT_ETHER || (ifp->if_flags & IFF_LOOPBACK) || mtu > 0xffff ||
	    in_ismulticast(nexthop) || in_isbroadcast(ns, nexthop, ifp) ||
	    arp_resolved(ifp, nexthop, mac, &lle) != 0)
		return;
	memcpy(ro->ro_llhdr, mac, ETHER_ADDR_LEN);
	memcpy(ro->ro_llhdr + ETHER_ADDR_LEN, ifp->if_hwaddr, ETHER_ADDR_LEN);
	be16_put(ro->ro_llhdr + 2 * ETHER_ADDR_LEN, ETHERTYPE_IP);
	ro->ro_lle = lle;
	ro->ro_psrc = p->src;
	ro->ro_pproto = p->proto;
	ro->ro_pmtu = (uint16_t)mtu;
	ro->ro_idbucket = ip_id_bucket(ns, p->src, p->dst, p->proto);
	ro->ro_llgen = ns->ns_llgen;
	ro->ro_pifp = ifp;
}

/* ip_output through a valid path (ip_path_ok). */
static int ip_output_path(struct netstack *ns, struct mbuf *m, const struct ip_out *p,
    struct route *ro, unsigned flags)
{
	struct ipstat *st = &ns->ns_ipstat;
	struct ifnet *ifp = ro->ro_pifp;

	m = m_prepend_inline(m, IP_HDR_MIN);
	if (!m) {
		st->odropped++;
		return -ENOBUFS;
	}
	ip_path_hdr(ns, mtod(m, uint8_t *), p, ro, flags, (uint16_t)m->m_pkthdr.len);
	m->m_pkthdr.csum_flags |= CSUM_IP;
	int rc = ip_csum_output(ifp, m, IP_HDR_MIN, false, st);
	if (rc) {
		m_freem(m);
		return rc;
	}
	return ether_output_resolved(ifp, m, ro->ro_llhdr, ro->ro_lle);
}

int ip_output(struct netstack *ns, struct mbuf *m, const struct ip_out *p, struct route *ro,
    unsigned flags)
{
	struct ipstat *st = &ns->ns_ipstat;
	struct ip_view v;
	unsigned hlen;
	int rc;

	NET_ASSERT_LOCKED(ns);
	if (ro && p && !(flags & ~IP_PATH_FLAGS) && ip_path_ok(ns, ro, p, m))
		return ip_output_path(ns, m, p, ro, flags);

	if (flags & (IP_RAWOUTPUT | IP_FORWARDING)) {
		m = m_pullup(m, IP_HDR_MIN);
		if (!m) {
			st->odropped++;
			return -ENOBUFS;
		}
		ip_view(&v, mtod(m, uint8_t *), m->m_len);
		hlen = ipv_hlen(v);
		if (ipv_version(v) != IPVERSION || hlen < IP_HDR_MIN || hlen > m->m_pkthdr.len ||
		    m->m_pkthdr.len > IP_MAXPACKET) {
			rc = -EINVAL;
			goto bad;
		}
		m = m_pullup(m, hlen);
		if (!m) {
			st->odropped++;
			return -ENOBUFS;
		}
		ip_view(&v, mtod(m, uint8_t *), m->m_len);
		if (flags & IP_RAWOUTPUT) {
			st->rawout++;
			ipv_set_len(v, (uint16_t)m->m_pkthdr.len);
		}
	} else {
		if (!p || p->optlen > 40 || (p->optlen & 3) || (p->optlen && !p->opts)) {
			rc = -EINVAL;
			goto bad;
		}
		hlen = IP_HDR_MIN + p->optlen;
		if (m->m_pkthdr.len + hlen > IP_MAXPACKET) {
			st->toolarge++;
			rc = -EMSGSIZE;
			goto bad;
		}
		m = m_prepend_inline(m, hlen);
		if (!m) {
			st->odropped++;
			return -ENOBUFS;
		}
		ip_view(&v, mtod(m, uint8_t *), m->m_len);
		ip_write_hdr(ns, v, p, hlen, (uint16_t)m->m_pkthdr.len, 0, flags);
		if (p->optlen)
			memcpy(v.b + IP_HDR_MIN, p->opts, p->optlen);
		st->localout++;
	}

	ipaddr_t dst = ipv_dst(v), src = ipv_src(v);
	struct ifnet *ifp;
	ipaddr_t nexthop = dst;
	unsigned mflags = 0;
	uint32_t mtu;

	if (dst == INADDR_BROADCAST_H) {
		ifp = bcast_ifp(ns, src);
		if (!ifp) {
			st->noroute++;
			rc = -ENETUNREACH;
			goto bad;
		}
		mtu = ifp->if_mtu;
	} else {
		struct rt_entry *rt = ro ? rt_lookup_cached(ns, ro, dst) : rt_lookup(ns, dst);
		if (!rt) {
			st->noroute++;
			rc = -ENETUNREACH;
			goto bad;
		}
		if (rt->rt_flags & RTF_REJECT) {
			st->noroute++;
			rc = -EHOSTUNREACH;
			goto bad;
		}
		if ((flags & IP_ROUTETOIF) && (rt->rt_flags & RTF_GATEWAY)) {
			st->noroute++;
			rc = -ENETUNREACH;
			goto bad;
		}
		ifp = rt->rt_ifp;
		if (rt->rt_flags & RTF_LOCAL) {
			/* To ourselves: through the loopback interface, whatever holds the address. */
			if (ns->ns_loif)
				ifp = ns->ns_loif;
		} else if (rt->rt_flags & RTF_GATEWAY) {
			nexthop = rt->rt_gateway;
		}
		mtu = rt->rt_mtu && rt->rt_mtu < ifp->if_mtu ? rt->rt_mtu : ifp->if_mtu;
	}
	if (!(ifp->if_flags & IFF_UP)) {
		st->noroute++;
		rc = -ENETDOWN;
		goto bad;
	}
	bool bcast = dst == INADDR_BROADCAST_H ||
	    (ifp->if_type != IFT_LOOP && in_isbroadcast(ns, dst, ifp));
	if (bcast && !(flags & IP_FORWARDING)) {
		if (!(flags & IP_ALLOWBROADCAST)) {
			st->nobroadcast++;
			rc = -EACCES;
			goto bad;
		}
		mflags |= M_BCAST;
	}
	if (!(flags & IP_FORWARDING)) {
		if (src == 0) {
			if (ifp->if_type == IFT_LOOP && in_islocal(ns, dst))
				src = dst;
			else if (in_selectsrc(ns, dst == INADDR_BROADCAST_H ? in_ifprimary(ifp) : dst,
			    &src, NULL) != 0 || (dst == INADDR_BROADCAST_H && !src))
				src = in_ifprimary(ifp);
			/* RFC 2131 4.1: a host with no address yet (a DHCP client) sends from
			 * 0.0.0.0 to the limited broadcast. */
			if (src == 0 && !(flags & IP_RAWOUTPUT) && dst != INADDR_BROADCAST_H) {
				st->badsrc++;
				rc = -EADDRNOTAVAIL;
				goto bad;
			}
			ipv_set_src(v, src);
		} else if (!(flags & IP_RAWOUTPUT) && !in_islocal(ns, src)) {
			st->badsrc++;
			rc = -EADDRNOTAVAIL;
			goto bad;
		}
		if (!(flags & IP_RAWOUTPUT) || ipv_id(v) == 0)
			ipv_set_id(v, ip_newid(ns, src, dst, ipv_proto(v)));
	}
	if (ro && p && !(flags & ~IP_PATH_FLAGS) && !p->optlen && p->src && !mflags &&
	    dst != INADDR_BROADCAST_H && ro->ro_rt && ifp == ro->ro_rt->rt_ifp)
		ip_path_fill(ns, ro, p, ifp, nexthop, mtu);
	if (flags & IP_FORWARDING) {
		/* A forwarded datagram keeps its checksums; no request from its input may ride
		 * along to the next device. */
		m->m_pkthdr.csum_flags &= ~CSUM_TX_MASK;
	} else {
		/* The header checksum is requested like the transport's: the interface inserts
		 * it when it can (ip_csum_output), else it is computed below. */
		ipv_set_sum(v, 0);
		m->m_pkthdr.csum_flags |= CSUM_IP;
	}
	bool tso = (m->m_pkthdr.csum_flags & CSUM_TSO) != 0;

	/* Broadcasts are also delivered to ourselves (as BSD's ip_mloopback), so a local
	 * socket bound to the port hears them. */
	if ((mflags & M_BCAST) && ns->ns_loif && ifp != ns->ns_loif) {
		struct mbuf *c = m_dup(m);
		if (c && ip_csum_output(ns->ns_loif, c, hlen, false, st) == 0)
			ns->ns_loif->if_output(ns->ns_loif, c, dst, 0);
		else
			m_freem(c);
	}

	rc = ip_csum_output(ifp, m, hlen, m->m_pkthdr.len > mtu && !tso, st);
	if (rc)
		goto bad;
	if (m->m_pkthdr.len <= mtu || tso)
		return ifp->if_output(ifp, m, nexthop, mflags);
	if (ipv_off(v) & IP_DF_BIT) {
		st->cantfrag++;
		rc = -EMSGSIZE;
		goto bad;
	}
	struct mbuf *frags = ip_fragment(ns, m, hlen, mtu);
	if (!frags) {
		st->odropped++;
		return -ENOBUFS;
	}
	rc = 0;
	while (frags) {
		struct mbuf *f = frags;
		frags = f->m_nextpkt;
		f->m_nextpkt = NULL;
		int r = ifp->if_output(ifp, f, nexthop, mflags);
		if (r && !rc)
			rc = r;
	}
	return rc;
bad:
	m_freem(m);
	return rc;
}
