/* Interfaces: allocation, attach/detach, the receive and transmit queues, flags, MTU,
 * IPv4 addresses (with their connected routes and announcements), lookups and taps. */
#include <stos/errno.h>
#include <stos/packet.h>
#include "netlib.h"
#include "netstack.h"

void arp_ifdetach(struct netstack *ns, struct ifnet *ifp);

struct ifnet *if_alloc(struct netstack *ns, const char *name, unsigned type)
{
	struct ifnet *ifp = net_zalloc(sizeof(*ifp));
	if (!ifp)
		return NULL;
	ifp->if_ns = ns;
	net_strlcpy(ifp->if_name, name, sizeof(ifp->if_name));
	ifp->if_type = type;
	mbufq_init(&ifp->if_inq, IF_INQ_MAXLEN);
	mbufq_init(&ifp->if_snd, IF_SNDQ_MAXLEN);
	return ifp;
}

/* in_isbroadcast's filter for a search of every interface: the host bits of the longest
 * prefix shorter than /31 among the attached interfaces' addresses (0 when there is none).
 * Every subnet broadcast or network address of those prefixes has these bits all ones or all
 * zeros, so an address whose bits here are mixed is no interface's broadcast address, which
 * settles the common case (a unicast address) without the walk.  Recomputed whenever an
 * address or an interface comes or goes. */
static void bcast_filter_update(struct netstack *ns)
{
	unsigned longest = 0;
	for (struct ifnet *i = ns->ns_ifnet; i; i = i->if_next)
		for (unsigned k = 0; k < i->if_naddrs; k++)
			if (i->if_addrs[k].ia_plen < 31 && i->if_addrs[k].ia_plen >= longest)
				longest = i->if_addrs[k].ia_plen + 1u;
	ns->ns_bcast_low = longest ? ~in_plen2mask(longest - 1) : 0;
}

int if_attach(struct ifnet *ifp)
{
	struct netstack *ns = ifp->if_ns;
	struct ifnet **pp;
	if (ifp->if_name[0] == 0 || ifnet_byname(ns, ifp->if_name))
		return -EEXIST;
	ifp->if_index = ns->ns_ifnext++;
	for (pp = &ns->ns_ifnet; *pp; pp = &(*pp)->if_next)
		;
	*pp = ifp;
	bcast_filter_update(ns);
	return 0;
}

void if_free_unattached(struct ifnet *ifp)
{
	mbufq_drain(&ifp->if_snd);
	mbufq_drain(&ifp->if_inq);
	port_free(ifp);
}

void if_detach(struct ifnet *ifp)
{
	struct netstack *ns = ifp->if_ns;
	while (ifp->if_naddrs)
		if_addr_del(ifp, ifp->if_addrs[ifp->if_naddrs - 1].ia_addr);
	rt_flush_ifp(ns, ifp);
	arp_ifdetach(ns, ifp);
	for (struct ifnet **pp = &ns->ns_ifnet; *pp; pp = &(*pp)->if_next)
		if (*pp == ifp) {
			*pp = ifp->if_next;
			break;
		}
	if (ns->ns_loif == ifp)
		ns->ns_loif = NULL;
	bcast_filter_update(ns);
	if (ifp->if_free)
		ifp->if_free(ifp);
	port_lock(ns->ns_inq_lock);
	mbufq_drain(&ifp->if_inq);
	port_unlock(ns->ns_inq_lock);
	mbufq_drain(&ifp->if_snd);
	port_free(ifp);
}

void if_input(struct ifnet *ifp, struct mbuf *m)
{
	struct netstack *ns = ifp->if_ns;
	m->m_pkthdr.rcvif = ifp;
	port_lock(ns->ns_inq_lock);
	if (mbufq_full(&ifp->if_inq)) {
		ifp->if_c.iqdrops++;
		port_unlock(ns->ns_inq_lock);
		m_freem(m);
		return;
	}
	mbufq_enqueue(&ifp->if_inq, m);
	port_unlock(ns->ns_inq_lock);
	port_netisr_kick(ns);
}

/* The inq lock costs more than the rest of if_input: a batch takes it once, and joins the
 * queue whole.  The frames that fit are the first ones (the queue cannot shrink while the
 * lock is held), as if_input would have taken them one by one. */
void if_input_list(struct ifnet *ifp, struct mbuf *list)
{
	struct netstack *ns = ifp->if_ns;
	if (!list)
		return;
	uint32_t n = 0;
	struct mbuf *tail = list, *drop;
	for (struct mbuf *m = list; m; m = m->m_nextpkt) {
		m->m_pkthdr.rcvif = ifp;
		tail = m;
		n++;
	}
	port_lock(ns->ns_inq_lock);
	ifp->if_c.iqdrops += n - mbufq_enqueue_list(&ifp->if_inq, list, tail, n, &drop);
	port_unlock(ns->ns_inq_lock);
	m_freem_list(drop);        /* outside the lock, as if_input frees */
	port_netisr_kick(ns);
}

static void taps_run(struct netstack *ns, struct ifnet *ifp, const struct mbuf *m, unsigned dir,
    unsigned pkttype)
{
	for (struct net_tap *t = ns->ns_taps; t; t = t->nt_next)
		t->nt_fn(t, ifp, m, dir, pkttype);
}

void net_tap_run(struct ifnet *ifp, const struct mbuf *m, unsigned dir, unsigned pkttype)
{
	if (ifp->if_ns->ns_taps)
		taps_run(ifp->if_ns, ifp, m, dir, pkttype);
}

/* if_transmit's refusals (interface down, queue full), counted; out of line. */
static __attribute__((noinline)) int if_transmit_refuse(struct ifnet *ifp, struct mbuf *m)
{
	struct netstack *ns = ifp->if_ns;
	int err;
	if (!(ifp->if_flags & IFF_UP)) {
		ns->ns_etherstat.odown++;
		ifp->if_c.oerrors++;
		err = -ENETDOWN;
	} else {
		ns->ns_etherstat.oqfull++;
		ifp->if_c.oqdrops++;
		err = -ENOBUFS;
	}
	m_freem(m);
	return err;
}

int if_transmit(struct ifnet *ifp, struct mbuf *m)
{
	struct netstack *ns = ifp->if_ns;
	NET_ASSERT_LOCKED(ns);
	if (!(ifp->if_flags & IFF_UP) || mbufq_full(&ifp->if_snd))
		return if_transmit_refuse(ifp, m);
	/* The output tap point (if.h): every frame handed to a driver, once. */
	if (ns->ns_taps)
		taps_run(ns, ifp, m, NET_TAP_OUT, PACKET_OUTGOING);
	ifp->if_c.opackets++;
	ifp->if_c.obytes += m->m_pkthdr.len;
	if (m->m_flags & (M_BCAST | M_MCAST))
		ifp->if_c.omcasts++;
	ns->ns_etherstat.opackets++;
	if (ifp->if_start1 && ifp->if_snd.mq_len == 0 && ifp->if_start1(ifp, m))
		return 0;
	mbufq_enqueue(&ifp->if_snd, m);
	if (ifp->if_start)
		ifp->if_start(ifp);
	return 0;
}

int if_setflags(struct ifnet *ifp, uint32_t flags)
{
	struct netstack *ns = ifp->if_ns;
	uint32_t changeable = IFF_UP | IFF_PROMISC;
	uint32_t old = ifp->if_flags;
	NET_ASSERT_LOCKED(ns);
	ifp->if_flags = (old & ~changeable) | (flags & changeable);
	if (ifp->if_flags & IFF_UP)
		ifp->if_flags |= IFF_RUNNING;
	else
		ifp->if_flags &= ~(uint32_t)IFF_RUNNING;
	if ((old ^ ifp->if_flags) & IFF_UP) {
		ns->ns_rtgen++;
		if (ifp->if_flags & IFF_UP) {
			for (unsigned i = 0; i < ifp->if_naddrs; i++)
				arp_announce_start(ifp, ifp->if_addrs[i].ia_addr);
		} else {
			arp_flush(ns, ifp);
			mbufq_drain(&ifp->if_snd);
		}
	}
	if (old != ifp->if_flags && ifp->if_flags_changed)
		ifp->if_flags_changed(ifp);
	return 0;
}

int if_setmtu(struct ifnet *ifp, uint32_t mtu)
{
	if (mtu < 68 || mtu > 65535 || (ifp->if_type == IFT_ETHER && mtu > ETHER_MAX_LEN - ETHER_HDR_LEN))
		return -EINVAL;
	ifp->if_mtu = mtu;
	ifp->if_ns->ns_rtgen++;
	return 0;
}

int if_addr_add(struct ifnet *ifp, ipaddr_t addr, unsigned plen)
{
	struct netstack *ns = ifp->if_ns;
	NET_ASSERT_LOCKED(ns);
	if (plen > 32 || addr == 0 || in_ismulticast(addr) || in_isexperimental(addr) ||
	    addr == INADDR_BROADCAST_H)
		return -EINVAL;
	for (unsigned i = 0; i < ifp->if_naddrs; i++)
		if (ifp->if_addrs[i].ia_addr == addr)
			return -EEXIST;
	if (ifp->if_naddrs >= IF_MAXADDRS)
		return -ENOSPC;
	struct in_ifaddr *ia = &ifp->if_addrs[ifp->if_naddrs];
	ia->ia_addr = addr;
	ia->ia_plen = (uint8_t)plen;
	ia->ia_mask = in_plen2mask(plen);
	ia->ia_net = addr & ia->ia_mask;
	ia->ia_bcast = plen < 31 ? (ia->ia_net | ~ia->ia_mask) : 0;
	ifp->if_naddrs++;
	bcast_filter_update(ns);
	ns->ns_rtgen++;     /* route caches hold source and broadcast decisions (route.h) */
	/* The connected route (if another interface has one for the same subnet, keep it);
	 * then the local host route, which delivers to ourselves through loopback. */
	int rc = rt_add(ns, ia->ia_net, plen, 0, ifp, 0, RTF_UP | RTF_CONNECTED);
	if (rc && rc != -EEXIST)
		goto undo;
	if (plen < 32 || ifp->if_type == IFT_LOOP) {
		int r2 = rt_add(ns, addr, 32, 0, ifp, 0, RTF_UP | RTF_HOST | RTF_LOCAL);
		if (r2 && r2 != -EEXIST) {
			if (rc == 0)
				rt_del(ns, ia->ia_net, plen);
			rc = r2;
			goto undo;
		}
	}
	if ((ifp->if_flags & IFF_UP) && ifp->if_type == IFT_ETHER)
		arp_announce_start(ifp, addr);
	return 0;
undo:
	ifp->if_naddrs--;
	bcast_filter_update(ns);
	ns->ns_local_last = 0;
	return rc;
}

int if_addr_del(struct ifnet *ifp, ipaddr_t addr)
{
	struct netstack *ns = ifp->if_ns;
	for (unsigned i = 0; i < ifp->if_naddrs; i++) {
		struct in_ifaddr ia = ifp->if_addrs[i];
		if (ia.ia_addr != addr)
			continue;
		memmove(&ifp->if_addrs[i], &ifp->if_addrs[i + 1],
		    (ifp->if_naddrs - i - 1) * sizeof(ifp->if_addrs[0]));
		ifp->if_naddrs--;
		bcast_filter_update(ns);
		ns->ns_local_last = 0;
		ns->ns_rtgen++;     /* as in if_addr_add */
		struct rt_entry *rt = rt_lookup_exact(ns, addr, 32);
		if (rt && (rt->rt_flags & RTF_LOCAL) && rt->rt_ifp == ifp)
			rt_del(ns, addr, 32);
		/* The connected route goes unless another address of ifp is in the same subnet. */
		bool keep = false;
		for (unsigned j = 0; j < ifp->if_naddrs; j++)
			if (ifp->if_addrs[j].ia_net == ia.ia_net && ifp->if_addrs[j].ia_plen == ia.ia_plen)
				keep = true;
		rt = rt_lookup_exact(ns, ia.ia_net, ia.ia_plen);
		if (!keep && rt && (rt->rt_flags & RTF_CONNECTED) && rt->rt_ifp == ifp)
			rt_del(ns, ia.ia_net, ia.ia_plen);
		return 0;
	}
	return -EADDRNOTAVAIL;
}

static bool name_eq(const char *a, const char *b)
{
	size_t la = strlen(a);
	return la == strlen(b) && memcmp(a, b, la) == 0;
}

struct ifnet *ifnet_byname(struct netstack *ns, const char *name)
{
	for (struct ifnet *ifp = ns->ns_ifnet; ifp; ifp = ifp->if_next)
		if (name_eq(ifp->if_name, name))
			return ifp;
	return NULL;
}

struct ifnet *ifnet_byindex(struct netstack *ns, unsigned index)
{
	for (struct ifnet *ifp = ns->ns_ifnet; ifp; ifp = ifp->if_next)
		if (ifp->if_index == index)
			return ifp;
	return NULL;
}

struct ifnet *in_ifwithaddr(struct netstack *ns, ipaddr_t a, struct in_ifaddr **iap)
{
	for (struct ifnet *ifp = ns->ns_ifnet; ifp; ifp = ifp->if_next)
		for (unsigned i = 0; i < ifp->if_naddrs; i++)
			if (ifp->if_addrs[i].ia_addr == a) {
				if (iap)
					*iap = &ifp->if_addrs[i];
				return ifp;
			}
	return NULL;
}

struct ifnet *in_ifwithnet(struct netstack *ns, ipaddr_t a, struct in_ifaddr **iap)
{
	for (struct ifnet *ifp = ns->ns_ifnet; ifp; ifp = ifp->if_next)
		for (unsigned i = 0; i < ifp->if_naddrs; i++)
			if ((a & ifp->if_addrs[i].ia_mask) == ifp->if_addrs[i].ia_net) {
				if (iap)
					*iap = &ifp->if_addrs[i];
				return ifp;
			}
	return NULL;
}

ipaddr_t in_ifprimary(const struct ifnet *ifp)
{
	return ifp->if_naddrs ? ifp->if_addrs[0].ia_addr : 0;
}

/* Every segment a connection receives or sends asks this about the same address, so the
 * last address found is kept (never 0, which is nobody's); deleting any address forgets it. */
bool in_islocal(struct netstack *ns, ipaddr_t a)
{
	if (a == ns->ns_local_last && a != 0)
		return true;
	if (!in_ifwithaddr(ns, a, NULL))
		return false;
	ns->ns_local_last = a;
	return true;
}

static bool if_isbcast(const struct ifnet *ifp, ipaddr_t a)
{
	for (unsigned i = 0; i < ifp->if_naddrs; i++) {
		const struct in_ifaddr *ia = &ifp->if_addrs[i];
		/* RFC 1122 3.3.6: the subnet broadcast, and (obsolete, still received) the
		 * all-zeros host part; neither exists on /31 and /32. */
		if (ia->ia_plen < 31 && (a == ia->ia_bcast || a == ia->ia_net))
			return true;
	}
	return false;
}

/* in_isbroadcast's (netstack.h) answer when its inline filter could not settle it. */
bool in_isbroadcast_walk(struct netstack *ns, ipaddr_t a, const struct ifnet *ifp)
{
	if (a == INADDR_BROADCAST_H || a == 0)
		return true;
	if (ifp)
		return if_isbcast(ifp, a);
	for (struct ifnet *i = ns->ns_ifnet; i; i = i->if_next)
		if (if_isbcast(i, a))
			return true;
	return false;
}

void net_tap_add(struct netstack *ns, struct net_tap *t)
{
	t->nt_next = ns->ns_taps;
	ns->ns_taps = t;
}

void net_tap_remove(struct netstack *ns, struct net_tap *t)
{
	for (struct net_tap **pp = &ns->ns_taps; *pp; pp = &(*pp)->nt_next)
		if (*pp == t) {
			*pp = t->nt_next;
			t->nt_next = NULL;
			return;
		}
}
