/* ARP for IPv4 over Ethernet (RFC 826), with the cache rules of RFC 1122 2.3.2 and the
 * announcement and conflict detection of RFC 5227.
 *
 * The cache is a hash table of entries keyed by (interface, address), capped at
 * ns_conf.arp_maxentries; at the cap the least recently used dynamic entry is evicted.
 * Entry lifecycle:
 *   INCOMPLETE  created by arp_resolve: a request went out; packets wait on a bounded hold
 *               queue (oldest dropped when full, RFC 1122 2.3.2.2 "at least one");
 *               requests repeat once per arp_retry_ns (RFC 1122 2.3.2.1: no flooding) up to
 *               arp_maxtries, then
 *   FAILED      held packets are dropped (each answered with ICMP host unreachable to its
 *               sender); arp_resolve answers EHOSTUNREACH until the entry
 *               is deleted arp_failed_ns later (so a dead host is not re-ARPed per packet);
 *   REACHABLE   resolved; deleted after arp_reachable_ns without refresh (ageing, RFC 1122
 *               2.3.2.1), refreshed by any ARP packet from the host (RFC 826 merge);
 *   STATIC      configured; never ages or changes from the wire.
 */
#include <stos/errno.h>
#include "netlib.h"
#include "netstack.h"

#define ARP_HASH 256u
#define ARP_DEFEND_NS (10ull * 1000000000ull)   /* RFC 5227 DEFEND_INTERVAL */
#define ARP_ANNOUNCE_INTERVAL_NS (2ull * 1000000000ull)  /* RFC 5227 ANNOUNCE_INTERVAL */
#define ARP_MAX_PENDING_ANNOUNCE 16

struct llentry {
	struct llentry *la_next;        /* hash chain */
	struct llentry *la_lru_prev, *la_lru_next;  /* most recent at the head */
	struct ifnet *la_ifp;
	ipaddr_t la_addr;
	uint8_t la_mac[ETHER_ADDR_LEN];
	unsigned la_state;
	unsigned la_tries;
	uint64_t la_expire;
	struct mbufq la_hold;
	struct callout la_timer;
	struct arptab *la_tab;
};

struct arp_pending {
	struct ifnet *ifp;          /* NULL: free slot */
	ipaddr_t addr;
	uint64_t due;
};

struct arptab {
	struct arptab_head at_h;    /* first: arp_touch's inline test reads it (if_ether.h) */
	struct netstack *at_ns;
	struct arp_pending at_ann[ARP_MAX_PENDING_ANNOUNCE];  /* second announcements */
	struct callout at_ann_timer;
	struct llentry *at_hash[ARP_HASH];
	struct llentry *at_lru_tail;
	uint32_t at_count;
	uint64_t at_last_defend;
};

static unsigned arp_hash(ipaddr_t a) { return (a * 2654435761u) >> 24; }

int arp_init(struct netstack *ns)
{
	struct arptab *t = net_zalloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->at_ns = ns;
	callout_init(&t->at_ann_timer);
	ns->ns_arp = t;
	return 0;
}

static void lru_unlink(struct arptab *t, struct llentry *la)
{
	if (la->la_lru_prev)
		la->la_lru_prev->la_lru_next = la->la_lru_next;
	else
		t->at_h.ah_lru_head = la->la_lru_next;
	if (la->la_lru_next)
		la->la_lru_next->la_lru_prev = la->la_lru_prev;
	else
		t->at_lru_tail = la->la_lru_prev;
	la->la_lru_prev = la->la_lru_next = NULL;
}

static void lru_touch(struct arptab *t, struct llentry *la)
{
	if (t->at_h.ah_lru_head == la)
		return;
	if (la->la_lru_prev || la->la_lru_next || t->at_lru_tail == la)
		lru_unlink(t, la);
	la->la_lru_next = t->at_h.ah_lru_head;
	if (t->at_h.ah_lru_head)
		t->at_h.ah_lru_head->la_lru_prev = la;
	t->at_h.ah_lru_head = la;
	if (!t->at_lru_tail)
		t->at_lru_tail = la;
}

static void arp_free_entry(struct arptab *t, struct llentry *la)
{
	struct netstack *ns = t->at_ns;
	for (struct llentry **pp = &t->at_hash[arp_hash(la->la_addr)]; *pp; pp = &(*pp)->la_next)
		if (*pp == la) {
			*pp = la->la_next;
			break;
		}
	lru_unlink(t, la);
	callout_stop(ns, &la->la_timer);
	mbufq_drain(&la->la_hold);
	t->at_count--;
	ns->ns_llgen++;
	port_free(la);
}

void arp_fini(struct netstack *ns)
{
	struct arptab *t = ns->ns_arp;
	if (!t)
		return;
	while (t->at_h.ah_lru_head)
		arp_free_entry(t, t->at_h.ah_lru_head);
	callout_stop(ns, &t->at_ann_timer);
	port_free(t);
	ns->ns_arp = NULL;
}

static struct llentry *arp_find(struct arptab *t, struct ifnet *ifp, ipaddr_t a)
{
	for (struct llentry *la = t->at_hash[arp_hash(a)]; la; la = la->la_next)
		if (la->la_addr == a && (!ifp || la->la_ifp == ifp))
			return la;
	return NULL;
}

static struct llentry *arp_create(struct arptab *t, struct ifnet *ifp, ipaddr_t a)
{
	struct netstack *ns = t->at_ns;
	if (t->at_count >= ns->ns_conf.arp_maxentries) {
		/* Evict the least recently used dynamic entry. */
		struct llentry *v = t->at_lru_tail;
		while (v && v->la_state == ARPS_STATIC)
			v = v->la_lru_prev;
		if (!v) {
			ns->ns_arpstat.nomem++;
			return NULL;
		}
		ns->ns_arpstat.evicted++;
		arp_free_entry(t, v);
	}
	struct llentry *la = net_zalloc(sizeof(*la));
	if (!la) {
		ns->ns_arpstat.nomem++;
		return NULL;
	}
	la->la_ifp = ifp;
	la->la_addr = a;
	la->la_tab = t;
	mbufq_init(&la->la_hold, ns->ns_conf.arp_holdlen);
	callout_init(&la->la_timer);
	unsigned h = arp_hash(a);
	la->la_next = t->at_hash[h];
	t->at_hash[h] = la;
	t->at_count++;
	lru_touch(t, la);
	ns->ns_arpstat.created++;
	return la;
}

/* Builds and sends one ARP packet (RFC 826 packet format, Ethernet/IPv4). */
static void arp_send(struct ifnet *ifp, unsigned op, ipaddr_t spa, const uint8_t *tha,
    ipaddr_t tpa, const uint8_t *dst)
{
	struct mbuf *m = m_gethdr(MT_DATA);
	if (!m) {
		ifp->if_ns->ns_etherstat.onobufs++;
		return;
	}
	m_reserve(m, 32);
	uint8_t *p = mtod(m, uint8_t *);
	be16_put(p, ARPHRD_ETHER);
	be16_put(p + 2, ETHERTYPE_IP);
	p[4] = ETHER_ADDR_LEN;
	p[5] = 4;
	be16_put(p + 6, (uint16_t)op);
	memcpy(p + 8, ifp->if_hwaddr, ETHER_ADDR_LEN);
	be32_put(p + 14, spa);
	if (tha)
		memcpy(p + 18, tha, ETHER_ADDR_LEN);
	else
		memset(p + 18, 0, ETHER_ADDR_LEN);
	be32_put(p + 24, tpa);
	m->m_len = m->m_pkthdr.len = ARP_PKT_LEN;
	ether_output_frame(ifp, m, dst, ETHERTYPE_ARP);
}

/* The source address for a request about tpa: ours on tpa's subnet, else the primary. */
static ipaddr_t arp_srcaddr(struct ifnet *ifp, ipaddr_t tpa)
{
	for (unsigned i = 0; i < ifp->if_naddrs; i++)
		if ((tpa & ifp->if_addrs[i].ia_mask) == ifp->if_addrs[i].ia_net)
			return ifp->if_addrs[i].ia_addr;
	return in_ifprimary(ifp);
}

static void arp_request(struct llentry *la)
{
	struct netstack *ns = la->la_tab->at_ns;
	ns->ns_arpstat.txrequests++;
	arp_send(la->la_ifp, ARPOP_REQUEST, arp_srcaddr(la->la_ifp, la->la_addr), NULL,
	    la->la_addr, ether_broadcast);
}

static void arp_timer(void *arg);
static void arp_ann_timer(void *arg);
static bool ifp_has_addr(const struct ifnet *ifp, ipaddr_t a);

static void arp_set_timer(struct llentry *la, uint64_t delay)
{
	struct netstack *ns = la->la_tab->at_ns;
	la->la_expire = net_now(ns) + delay;
	callout_reset(ns, &la->la_timer, delay, arp_timer, la);
}

static void arp_timer(void *arg)
{
	struct llentry *la = arg;
	struct arptab *t = la->la_tab;
	struct netstack *ns = t->at_ns;

	switch (la->la_state) {
	case ARPS_INCOMPLETE:
		if (la->la_tries < ns->ns_conf.arp_maxtries) {
			la->la_tries++;
			arp_request(la);
			arp_set_timer(la, ns->ns_conf.arp_retry_ns);
			return;
		}
		ns->ns_arpstat.timeouts++;
		ns->ns_arpstat.faileddrops += la->la_hold.mq_len;
		/* Tell the senders (RFC 1122 2.3.2.2 leaves it open; Linux does it): each held
		 * datagram is answered with host unreachable, which reaches a local sender through
		 * loopback ("Destination Host Unreachable" in ping) and the transport's
		 * ctlinput.  The ICMP rate limit applies. */
		struct mbuf *held = mbufq_flush(&la->la_hold);
		while (held) {
			struct mbuf *next = held->m_nextpkt;
			held->m_nextpkt = NULL;
			icmp_error(ns, held, ICMP_UNREACH, ICMP_UNREACH_HOST, 0);
			held = next;
		}
		la->la_state = ARPS_FAILED;
		arp_set_timer(la, ns->ns_conf.arp_failed_ns);
		return;
	case ARPS_REACHABLE:
		ns->ns_arpstat.expired++;
		arp_free_entry(t, la);
		return;
	case ARPS_FAILED:
	default:
		arp_free_entry(t, la);
		return;
	}
}

/* Sends the packets that waited for this entry. */
static void arp_flush_hold(struct llentry *la)
{
	struct mbuf *m;
	while ((m = mbufq_dequeue(&la->la_hold)) != NULL)
		ether_output_frame(la->la_ifp, m, la->la_mac, ETHERTYPE_IP);
}

int arp_resolve(struct ifnet *ifp, ipaddr_t nexthop, struct mbuf *m, uint8_t mac[ETHER_ADDR_LEN])
{
	struct netstack *ns = ifp->if_ns;
	struct arptab *t = ns->ns_arp;
	struct llentry *la = arp_find(t, ifp, nexthop);

	if (la) {
		lru_touch(t, la);
		switch (la->la_state) {
		case ARPS_REACHABLE:
		case ARPS_STATIC:
			memcpy(mac, la->la_mac, ETHER_ADDR_LEN);
			return 0;
		case ARPS_FAILED:
			ns->ns_arpstat.faileddrops++;
			return -EHOSTUNREACH;
		default:
			break;
		}
		/* INCOMPLETE: hold the packet; the retry timer paces the requests. */
		if (mbufq_full(&la->la_hold)) {
			m_freem(mbufq_dequeue(&la->la_hold));
			ns->ns_arpstat.holddrops++;
		}
		mbufq_enqueue(&la->la_hold, m);
		ns->ns_arpstat.held++;
		ns->ns_arpstat.ratelimited++;
		return -EINPROGRESS;
	}
	la = arp_create(t, ifp, nexthop);
	if (!la)
		return -ENOBUFS;
	la->la_state = ARPS_INCOMPLETE;
	la->la_tries = 1;
	mbufq_enqueue(&la->la_hold, m);
	ns->ns_arpstat.held++;
	arp_request(la);
	arp_set_timer(la, ns->ns_conf.arp_retry_ns);
	return -EINPROGRESS;
}

int arp_resolved(struct ifnet *ifp, ipaddr_t nexthop, uint8_t mac[ETHER_ADDR_LEN], void **lle)
{
	struct llentry *la = arp_find(ifp->if_ns->ns_arp, ifp, nexthop);
	if (!la || (la->la_state != ARPS_REACHABLE && la->la_state != ARPS_STATIC))
		return -ENOENT;
	memcpy(mac, la->la_mac, ETHER_ADDR_LEN);
	*lle = la;
	return 0;
}

void arp_touch_move(struct netstack *ns, void *lle)
{
	lru_touch(ns->ns_arp, lle);
}

static bool ifp_has_addr(const struct ifnet *ifp, ipaddr_t a)
{
	for (unsigned i = 0; i < ifp->if_naddrs; i++)
		if (ifp->if_addrs[i].ia_addr == a)
			return true;
	return false;
}

static bool arp_addr_ok(ipaddr_t a)
{
	return !in_ismulticast(a) && !in_isexperimental(a) && !in_isloopback(a);
}

static void fmt_mac(char *b, const uint8_t *mac)
{
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < 6; i++) {
		b[i * 3] = hx[mac[i] >> 4];
		b[i * 3 + 1] = hx[mac[i] & 15];
		b[i * 3 + 2] = i < 5 ? ':' : 0;
	}
}

void arp_input(struct ifnet *ifp, struct mbuf *m)
{
	struct netstack *ns = ifp->if_ns;
	struct arpstat *as = &ns->ns_arpstat;
	struct arptab *t = ns->ns_arp;

	as->received++;
	if (m->m_pkthdr.len < ARP_PKT_LEN) {
		as->tooshort++;
		goto drop;
	}
	m = m_pullup(m, ARP_PKT_LEN);
	if (!m) {
		as->tooshort++;
		return;
	}
	const uint8_t *p = mtod(m, const uint8_t *);
	if (be16_get(p) != ARPHRD_ETHER || be16_get(p + 2) != ETHERTYPE_IP ||
	    p[4] != ETHER_ADDR_LEN || p[5] != 4) {
		as->badformat++;
		goto drop;
	}
	unsigned op = be16_get(p + 6);
	if (op != ARPOP_REQUEST && op != ARPOP_REPLY) {
		as->badop++;
		goto drop;
	}
	uint8_t sha[ETHER_ADDR_LEN];
	memcpy(sha, p + 8, ETHER_ADDR_LEN);
	ipaddr_t spa = be32_get(p + 14);
	ipaddr_t tpa = be32_get(p + 24);
	if (ether_is_multicast(sha) || memcmp(sha, ifp->if_hwaddr, ETHER_ADDR_LEN) == 0) {
		as->badaddr++;
		goto drop;
	}
	if (spa != 0 && (!arp_addr_ok(spa) || in_isbroadcast(ns, spa, ifp))) {
		as->badaddr++;
		goto drop;
	}
	if (op == ARPOP_REQUEST)
		as->rxrequests++;
	else
		as->rxreplies++;

	/* RFC 5227 2.4: someone else claims one of our addresses. */
	if (spa != 0 && ifp_has_addr(ifp, spa)) {
		char a[16], mac[18];
		as->conflicts++;
		fmt_mac(mac, sha);
		port_log(PORT_LOG_WARN, "arp: address conflict on %s: %s is also used by %s",
		    ifp->if_name, net_ntoa(spa, a), mac);
		uint64_t now = net_now(ns);
		if (t->at_last_defend == 0 || now - t->at_last_defend >= ARP_DEFEND_NS) {
			t->at_last_defend = now;
			arp_announce(ifp, spa);
		}
		goto drop;
	}
	bool forus = ifp_has_addr(ifp, tpa);

	/* RFC 826 "merge": refresh an entry we already have for the sender. */
	struct llentry *la = spa ? arp_find(t, ifp, spa) : NULL;
	if (la && la->la_state != ARPS_STATIC) {
		if (la->la_state != ARPS_REACHABLE || memcmp(la->la_mac, sha, ETHER_ADDR_LEN) != 0)
			ns->ns_llgen++;     /* resolved, or moved: path caches must look again */
		memcpy(la->la_mac, sha, ETHER_ADDR_LEN);
		la->la_state = ARPS_REACHABLE;
		la->la_tries = 0;
		arp_set_timer(la, ns->ns_conf.arp_reachable_ns);
		lru_touch(t, la);
		as->updates++;
		arp_flush_hold(la);
	} else if (!la && forus && spa) {
		/* RFC 826: the target adds the sender (it will most likely talk back). */
		la = arp_create(t, ifp, spa);
		if (la) {
			memcpy(la->la_mac, sha, ETHER_ADDR_LEN);
			la->la_state = ARPS_REACHABLE;
			arp_set_timer(la, ns->ns_conf.arp_reachable_ns);
		}
	}
	if (op == ARPOP_REQUEST) {
		if (forus) {
			as->txreplies++;
			arp_send(ifp, ARPOP_REPLY, tpa, sha, spa, sha);
		} else {
			as->notforus++;
		}
	}
drop:
	m_freem(m);
}

static void arp_ann_arm(struct arptab *t)
{
	uint64_t next = UINT64_MAX;
	for (unsigned i = 0; i < ARP_MAX_PENDING_ANNOUNCE; i++)
		if (t->at_ann[i].ifp && t->at_ann[i].due < next)
			next = t->at_ann[i].due;
	if (next == UINT64_MAX)
		callout_stop(t->at_ns, &t->at_ann_timer);
	else
		callout_reset_at(t->at_ns, &t->at_ann_timer, next, arp_ann_timer, t);
}

static void arp_ann_timer(void *arg)
{
	struct arptab *t = arg;
	uint64_t now = net_now(t->at_ns);
	for (unsigned i = 0; i < ARP_MAX_PENDING_ANNOUNCE; i++) {
		struct arp_pending *p = &t->at_ann[i];
		if (!p->ifp || p->due > now)
			continue;
		/* Only if the address is still configured (it may have been removed since). */
		if (ifp_has_addr(p->ifp, p->addr))
			arp_announce(p->ifp, p->addr);
		p->ifp = NULL;
	}
	arp_ann_arm(t);
}

void arp_announce_start(struct ifnet *ifp, ipaddr_t a)
{
	struct arptab *t = ifp->if_ns->ns_arp;
	arp_announce(ifp, a);
	if (ifp->if_type != IFT_ETHER || !(ifp->if_flags & IFF_UP))
		return;
	/* RFC 5227 2.3: ANNOUNCE_NUM (2) announcements, ANNOUNCE_INTERVAL apart. */
	for (unsigned i = 0; i < ARP_MAX_PENDING_ANNOUNCE; i++)
		if (!t->at_ann[i].ifp) {
			t->at_ann[i].ifp = ifp;
			t->at_ann[i].addr = a;
			t->at_ann[i].due = net_now(ifp->if_ns) + ARP_ANNOUNCE_INTERVAL_NS;
			arp_ann_arm(t);
			return;
		}
}

void arp_announce(struct ifnet *ifp, ipaddr_t a)
{
	if (ifp->if_type != IFT_ETHER || (ifp->if_flags & IFF_NOARP) || !(ifp->if_flags & IFF_UP))
		return;
	ifp->if_ns->ns_arpstat.txannounce++;
	/* RFC 5227 2.3: an ARP request with sender and target IP both the address. */
	arp_send(ifp, ARPOP_REQUEST, a, NULL, a, ether_broadcast);
}

int arp_add_static(struct netstack *ns, struct ifnet *ifp, ipaddr_t a,
    const uint8_t mac[ETHER_ADDR_LEN])
{
	struct arptab *t = ns->ns_arp;
	if (!ifp)
		ifp = in_ifwithnet(ns, a, NULL);
	if (!ifp || ifp->if_type != IFT_ETHER || !arp_addr_ok(a) || ether_is_multicast(mac))
		return -EINVAL;
	struct llentry *la = arp_find(t, ifp, a);
	if (!la) {
		la = arp_create(t, ifp, a);
		if (!la)
			return -ENOMEM;
	}
	memcpy(la->la_mac, mac, ETHER_ADDR_LEN);
	la->la_state = ARPS_STATIC;
	ns->ns_llgen++;
	la->la_expire = 0;
	callout_stop(ns, &la->la_timer);
	ns->ns_arpstat.staticset++;
	arp_flush_hold(la);
	return 0;
}

int arp_delete(struct netstack *ns, ipaddr_t a)
{
	struct llentry *la = arp_find(ns->ns_arp, NULL, a);
	if (!la)
		return -ENOENT;
	arp_free_entry(ns->ns_arp, la);
	return 0;
}

static void arp_fill(const struct llentry *la, struct arp_info *ai)
{
	ai->ai_addr = la->la_addr;
	memcpy(ai->ai_hwaddr, la->la_mac, ETHER_ADDR_LEN);
	ai->ai_state = la->la_state;
	ai->ai_ifindex = la->la_ifp->if_index;
	ai->ai_expire_ns = la->la_state == ARPS_STATIC ? 0 : la->la_expire;
	ai->ai_held = la->la_hold.mq_len;
}

int arp_lookup(struct netstack *ns, ipaddr_t a, struct arp_info *out)
{
	struct llentry *la = arp_find(ns->ns_arp, NULL, a);
	if (!la)
		return -ENOENT;
	arp_fill(la, out);
	return 0;
}

void arp_foreach(struct netstack *ns, void (*fn)(void *arg, const struct arp_info *ai), void *arg)
{
	for (struct llentry *la = ns->ns_arp->at_h.ah_lru_head; la; la = la->la_lru_next) {
		struct arp_info ai;
		arp_fill(la, &ai);
		fn(arg, &ai);
	}
}

void arp_flush(struct netstack *ns, struct ifnet *ifp)
{
	struct arptab *t = ns->ns_arp;
	if (!t)
		return;
	for (struct llentry *la = t->at_h.ah_lru_head, *next; la; la = next) {
		next = la->la_lru_next;
		if ((!ifp || la->la_ifp == ifp) && la->la_state != ARPS_STATIC)
			arp_free_entry(t, la);
	}
}

/* Interface detach: every entry of ifp, static ones included, and its pending
 * announcements. */
void arp_ifdetach(struct netstack *ns, struct ifnet *ifp)
{
	struct arptab *t = ns->ns_arp;
	for (unsigned i = 0; i < ARP_MAX_PENDING_ANNOUNCE; i++)
		if (t->at_ann[i].ifp == ifp)
			t->at_ann[i].ifp = NULL;
	arp_ann_arm(t);
	for (struct llentry *la = t->at_h.ah_lru_head, *next; la; la = next) {
		next = la->la_lru_next;
		if (la->la_ifp == ifp)
			arp_free_entry(t, la);
	}
}
