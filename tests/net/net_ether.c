/* Interfaces, loopback, Ethernet input validation and demux, the tap points, and a first
 * end-to-end exchange between two stacks over the in-memory wire. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "host/wire.h"
#include "host/port_host.h"
#include "net/netstack.h"
#include "net/in_cksum.h"
#include <stos/packet.h>

static uint64_t stat(struct netstack *ns, const char *g, const char *n)
{
	NET_LOCK(ns);
	uint64_t v = net_stat_get(ns, g, n);
	NET_UNLOCK(ns);
	return v;
}

/* Sends an ICMP echo request from ns to dst through ip_output (as ping would). */
static int send_echo(struct netstack *ns, uint32_t dst, size_t plen, uint16_t seq)
{
	uint8_t *buf = malloc(8 + plen);
	for (size_t i = 0; i < plen; i++)
		buf[i + 8] = (uint8_t)i;
	size_t l = tu_icmp(buf, 8, 0, 0x1234, seq, buf + 8, plen);
	NET_LOCK(ns);
	struct mbuf *m = m_gethdr(MT_DATA);
	m_reserve(m, M_MAXHDR);
	int rc = m_append(m, (uint32_t)l, buf);
	struct ip_out o = { .dst = dst, .proto = 1 };
	rc = rc ? -1 : ip_output(ns, m, &o, NULL, 0);
	NET_UNLOCK(ns);
	free(buf);
	return rc;
}

static void test_loopback_present(void **st)
{
	(void)st;
	struct tu_leakcheck lc;
	tu_leakcheck_begin(&lc);
	struct world *w = world_new(0);
	struct netstack *ns = world_stack(w, "x");
	NET_LOCK(ns);
	struct ifnet *lo = ifnet_byname(ns, "lo");
	assert_non_null(lo);
	assert_int_equal(lo->if_index, 1);
	assert_true(lo->if_flags & IFF_UP);
	assert_true(lo->if_flags & IFF_LOOPBACK);
	assert_int_equal(in_ifprimary(lo), 0x7f000001);
	assert_true(in_islocal(ns, 0x7f000001));
	struct rt_entry *rt = rt_lookup(ns, 0x7f000002);
	assert_non_null(rt);
	assert_ptr_equal(rt->rt_ifp, lo);
	assert_null(rt_lookup(ns, 0x08080808));     /* no default route yet */
	NET_UNLOCK(ns);
	/* ping 127.0.0.1 and 127.1.2.3 (the whole /8 is ours through the connected route) */
	assert_int_equal(send_echo(ns, 0x7f000001, 56, 1), 0);
	world_settle(w);
	assert_int_equal(stat(ns, "icmp", "echo"), 1);
	assert_int_equal(stat(ns, "icmp", "inechoreply"), 1);
	assert_int_equal(stat(ns, "ip", "loopback"), 2);
	world_free(w);
	tu_leakcheck_end(&lc);
}

static void test_two_stacks_ping(void **st)
{
	(void)st;
	struct tu_leakcheck lc;
	tu_leakcheck_begin(&lc);
	struct world *w = world_new(0);
	struct netstack *a = world_stack(w, "a"), *b = world_stack(w, "b");
	struct wire *wr = world_wire(w, 50 * USEC);
	const uint8_t ma[6] = { 2, 0, 0, 0, 0, 0xa }, mb[6] = { 2, 0, 0, 0, 0, 0xb };
	struct ifnet *ea = wire_attach(wr, a, "eth0", ma);
	struct ifnet *eb = wire_attach(wr, b, "eth0", mb);
	assert_non_null(ea);
	assert_non_null(eb);
	assert_int_equal(ea->if_index, 2);
	TU_LOCKED(a, assert_int_equal(if_addr_add(ea, 0x0a000001, 24), 0));
	TU_LOCKED(b, assert_int_equal(if_addr_add(eb, 0x0a000002, 24), 0));
	world_run(w, 1 * MSEC);
	/* each announced its address (RFC 5227 2.3) */
	assert_int_equal(stat(a, "arp", "txannounce"), 1);
	assert_int_equal(stat(b, "arp", "txannounce"), 1);
	assert_int_equal(send_echo(a, 0x0a000002, 100, 1), 0);
	world_run(w, 10 * MSEC);
	assert_int_equal(stat(b, "icmp", "echo"), 1);
	assert_int_equal(stat(a, "icmp", "inechoreply"), 1);
	assert_int_equal(stat(a, "arp", "txrequests"), 1);
	assert_int_equal(stat(b, "arp", "txreplies"), 1);
	struct arp_info ai;
	TU_LOCKED(a, assert_int_equal(arp_lookup(a, 0x0a000002, &ai), 0));
	assert_int_equal(ai.ai_state, ARPS_REACHABLE);
	assert_memory_equal(ai.ai_hwaddr, mb, 6);
	/* b learnt a from the request (RFC 826: the target adds the sender) */
	TU_LOCKED(b, assert_int_equal(arp_lookup(b, 0x0a000001, &ai), 0));
	assert_memory_equal(ai.ai_hwaddr, ma, 6);
	/* the second ping needs no ARP */
	assert_int_equal(send_echo(a, 0x0a000002, 1000, 2), 0);
	world_run(w, 10 * MSEC);
	assert_int_equal(stat(a, "icmp", "inechoreply"), 2);
	assert_int_equal(stat(a, "arp", "txrequests"), 1);
	assert_int_equal(ea->if_c.ipackets, ea->if_c.ipackets);
	assert_true(ea->if_c.opackets >= 3);
	world_free(w);
	tu_leakcheck_end(&lc);
}

static size_t frame_to_a(uint8_t *f, const uint8_t *dst, uint16_t type)
{
	memset(f, 0, 64);
	tu_eth(f, dst, TU_MAC_P, type);
	return 60;
}

static void test_ether_input_validation(void **state)
{
	struct tu_fx *fx = *state;
	uint8_t f[1600];
	uint64_t before = stat(fx->a, "ether", "ipackets");
	/* shorter than a header */
	memcpy(f, TU_MAC_A, 6);
	tu_peer_send(&fx->peer, f, 10);
	world_run(fx->w, 100 * USEC);
	assert_int_equal(stat(fx->a, "ether", "tooshort"), 1);
	/* for another station */
	const uint8_t other[6] = { 2, 0, 0, 0, 0, 0x77 };
	tu_peer_send(&fx->peer, f, frame_to_a(f, other, 0x0800));
	world_run(fx->w, 100 * USEC);
	assert_int_equal(stat(fx->a, "ether", "notforus"), 1);
	/* multicast source address */
	frame_to_a(f, TU_MAC_A, 0x0800);
	f[6] = 0x01;
	tu_peer_send(&fx->peer, f, 60);
	world_run(fx->w, 100 * USEC);
	assert_int_equal(stat(fx->a, "ether", "badsrc"), 1);
	/* unsupported ethertype (IPv6), and an 802.3 length field */
	tu_peer_send(&fx->peer, f, frame_to_a(f, TU_MAC_A, 0x86dd));
	tu_peer_send(&fx->peer, f, frame_to_a(f, TU_MAC_A, 0x0040));
	world_run(fx->w, 100 * USEC);
	assert_int_equal(stat(fx->a, "ether", "noproto"), 2);
	/* longer than the MTU allows */
	memset(f, 0, sizeof(f));
	tu_eth(f, TU_MAC_A, TU_MAC_P, 0x0800);
	tu_peer_send(&fx->peer, f, 14 + 1501);
	world_run(fx->w, 100 * USEC);
	assert_int_equal(stat(fx->a, "ether", "toolong"), 1);
	/* broadcast of an unknown type: counted as broadcast, then dropped */
	tu_peer_send(&fx->peer, f, frame_to_a(f, ether_broadcast, 0x88b5));
	world_run(fx->w, 100 * USEC);
	assert_int_equal(stat(fx->a, "ether", "bcast"), 1);
	assert_int_equal(stat(fx->a, "ether", "ipackets"), before + 7);
	assert_int_equal(fx->ea->if_c.ierrors, 3);
}

/* A frame as a driver hands it over: one mbuf holding the whole frame. */
static struct mbuf *driver_frame(const uint8_t *f, size_t len)
{
	struct mbuf *m = m_getcl(MT_DATA, M_PKTHDR);
	assert_non_null(m);
	assert_int_equal(m_append(m, (uint32_t)len, f), 0);
	return m;
}

/* An IPv4 frame (an echo request from the peer) to dst from src; returns its length. */
static size_t ip_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src)
{
	uint8_t *icmp = f + 14 + 20;
	memset(f, 0, 64);
	tu_eth(f, dst, src, 0x0800);
	size_t il = tu_icmp(icmp, 8, 0, 1, 1, (const uint8_t *)"abcd", 4);
	tu_ip(f + 14, TU_IP_P, TU_IP_A, 1, 7, 0, 64, il, NULL, 0);
	return 60;
}

/* ether_input takes the common frame (IPv4 to our address from an ordinary source, no tap)
 * without ether_input_slow; each way of leaving it at its edge has the outcome and counters
 * it always had, and the common frame is counted as before (ipackets, ibytes, ip total). */
static void test_ether_common_frame(void **state)
{
	struct tu_fx *fx = *state;
	uint8_t f[64];
	/* a first echo, so that the replies need no ARP exchange (its frames would count) */
	tu_peer_send(&fx->peer, f, ip_frame(f, TU_MAC_A, TU_MAC_P));
	world_run(fx->w, 1 * MSEC);
	uint64_t ip0 = stat(fx->a, "ip", "total"), pk0 = stat(fx->a, "ether", "ipackets");
	uint64_t ib0 = fx->ea->if_c.ibytes, ipk0 = fx->ea->if_c.ipackets;
	tu_peer_send(&fx->peer, f, ip_frame(f, TU_MAC_A, TU_MAC_P));
	world_run(fx->w, 100 * USEC);
	assert_int_equal(stat(fx->a, "ip", "total"), ip0 + 1);
	assert_int_equal(stat(fx->a, "ether", "ipackets"), pk0 + 1);
	assert_int_equal(fx->ea->if_c.ipackets, ipk0 + 1);
	assert_int_equal(fx->ea->if_c.ibytes, ib0 + 60);
	assert_int_equal(stat(fx->a, "icmp", "echo"), 2);
	/* our own source address: dropped before IP */
	tu_peer_send(&fx->peer, f, ip_frame(f, TU_MAC_A, TU_MAC_A));
	world_run(fx->w, 100 * USEC);
	assert_int_equal(stat(fx->a, "ether", "ownsrc"), 1);
	assert_int_equal(stat(fx->a, "ip", "total"), ip0 + 1);
	/* link broadcast: counted and flagged, to IP */
	tu_peer_send(&fx->peer, f, ip_frame(f, ether_broadcast, TU_MAC_P));
	world_run(fx->w, 100 * USEC);
	assert_int_equal(stat(fx->a, "ether", "bcast"), 1);
	assert_int_equal(stat(fx->a, "ip", "total"), ip0 + 2);
	/* the header split over two mbufs (pulled up), and a frame as one mbuf, straight in */
	ip_frame(f, TU_MAC_A, TU_MAC_P);
	struct mbuf *m = m_gethdr(MT_DATA);
	assert_non_null(m);
	assert_int_equal(m_append(m, 10, f), 0);
	struct mbuf *n = m_get(MT_DATA);
	assert_non_null(n);
	memcpy(n->m_data, f + 10, 50);
	n->m_len = 50;
	m->m_next = n;
	m->m_pkthdr.len = 60;
	NET_LOCK(fx->a);
	ether_input(fx->ea, m);
	ether_input(fx->ea, driver_frame(f, 60));
	NET_UNLOCK(fx->a);
	world_run(fx->w, 100 * USEC);
	assert_int_equal(stat(fx->a, "ip", "total"), ip0 + 4);
	assert_int_equal(stat(fx->a, "icmp", "echo"), 5);   /* the broadcast one too */
	/* interface down: dropped, counted */
	TU_LOCKED(fx->a, if_setflags(fx->ea, 0));
	tu_peer_send(&fx->peer, f, ip_frame(f, TU_MAC_A, TU_MAC_P));
	world_run(fx->w, 100 * USEC);
	assert_int_equal(stat(fx->a, "ether", "down"), 1);
	assert_int_equal(stat(fx->a, "ip", "total"), ip0 + 4);
	TU_LOCKED(fx->a, if_setflags(fx->ea, IFF_UP));
	assert_int_equal(stat(fx->a, "ether", "ipackets"), pk0 + 6);
}


/* if_input_list: a driver's batch is queued in order under one taking of the inq lock; what
 * finds the queue full is counted in iqdrops and freed (the fixture's leak check), as
 * if_input does frame by frame; the netisr then runs all that was queued. */
static void test_if_input_list(void **state)
{
	struct tu_fx *fx = *state;
	uint8_t f[128], ic[16];
	/* Three echo requests: the replies come back in the order of the list. */
	struct mbuf *head = NULL, **tailp = &head;
	for (uint16_t seq = 1; seq <= 3; seq++) {
		memset(f, 0, sizeof f);
		tu_eth(f, TU_MAC_A, TU_MAC_P, 0x0800);
		size_t il = tu_icmp(ic, 8, 0, 0x77, seq, (const uint8_t *)"abcdefgh", 8);
		size_t h = tu_ip(f + 14, TU_IP_P, TU_IP_A, 1, seq, 0, 64, il, NULL, 0);
		memcpy(f + 14 + h, ic, il);
		*tailp = driver_frame(f, 14 + h + il);
		tailp = &(*tailp)->m_nextpkt;
	}
	if_input_list(fx->ea, head);
	if_input_list(fx->ea, NULL);                         /* nothing: nothing happens */
	world_run(fx->w, 100 * USEC);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 1, 0), 3);
	for (size_t i = 0; i < 3; i++) {
		const uint8_t *r = tu_peer_find(&fx->peer, 0x0800, 1, 0, i, NULL);
		assert_non_null(r);
		assert_int_equal(be16_get(r + 14 + 20 + 6), i + 1);
	}
	/* A batch longer than the queue: the excess is dropped and counted. */
	uint64_t noproto = stat(fx->a, "ether", "noproto");
	head = NULL;
	tailp = &head;
	for (unsigned i = 0; i < IF_INQ_MAXLEN + 3; i++) {
		*tailp = driver_frame(f, frame_to_a(f, TU_MAC_A, 0x88b5));
		tailp = &(*tailp)->m_nextpkt;
	}
	uint64_t drops = fx->ea->if_c.iqdrops;
	if_input_list(fx->ea, head);
	assert_int_equal(fx->ea->if_c.iqdrops, drops + 3);
	/* Into the full queue: all of a second batch is dropped; after a run, a batch joins
	 * behind a frame queued alone and only its excess goes. */
	head = NULL;
	tailp = &head;
	for (unsigned i = 0; i < 2; i++) {
		*tailp = driver_frame(f, frame_to_a(f, TU_MAC_A, 0x88b5));
		tailp = &(*tailp)->m_nextpkt;
	}
	if_input_list(fx->ea, head);
	assert_int_equal(fx->ea->if_c.iqdrops, drops + 5);
	world_run(fx->w, 100 * USEC);
	assert_int_equal(stat(fx->a, "ether", "noproto"), noproto + IF_INQ_MAXLEN);
	if_input(fx->ea, driver_frame(f, frame_to_a(f, TU_MAC_A, 0x88b5)));
	head = NULL;
	tailp = &head;
	for (unsigned i = 0; i < IF_INQ_MAXLEN; i++) {
		*tailp = driver_frame(f, frame_to_a(f, TU_MAC_A, 0x88b5));
		tailp = &(*tailp)->m_nextpkt;
	}
	if_input_list(fx->ea, head);
	assert_int_equal(fx->ea->if_c.iqdrops, drops + 6);
	assert_int_equal(fx->ea->if_inq.mq_len, IF_INQ_MAXLEN);
	world_run(fx->w, 100 * USEC);
	assert_int_equal(stat(fx->a, "ether", "noproto"), noproto + 2 * IF_INQ_MAXLEN);
}

/* if_transmit and a driver's if_start1 (if.h): a frame goes to if_start1 only when the
 * send queue is empty; taken, it is counted sent and not queued; refused, it is queued and
 * if_start runs; behind queued frames it waits its turn. */
static struct { int calls, took, starts; bool take; } s1;
static bool s1_start1(struct ifnet *ifp, struct mbuf *m)
{
	(void)ifp;
	s1.calls++;
	if (!s1.take)
		return false;
	s1.took++;
	m_freem(m);
	return true;
}
static void s1_start(struct ifnet *ifp)
{
	(void)ifp;
	s1.starts++;            /* a busy device: leaves the queue as it is */
}
static struct mbuf *s1_frame(void)
{
	static const uint8_t zero[60];
	struct mbuf *m = m_gethdr(MT_DATA);
	assert_non_null(m);
	assert_int_equal(m_append(m, sizeof zero, zero), 0);
	return m;
}

static void test_if_start1(void **state)
{
	struct tu_fx *fx = *state;
	struct ifnet *ifp = fx->ea;
	NET_LOCK(fx->a);
	void (*start)(struct ifnet *) = ifp->if_start;
	bool (*start1)(struct ifnet *, struct mbuf *) = ifp->if_start1;
	ifp->if_start = s1_start;
	ifp->if_start1 = s1_start1;
	memset(&s1, 0, sizeof s1);
	uint64_t out = ifp->if_c.opackets, eout = fx->a->ns_etherstat.opackets;
	s1.take = true;
	assert_int_equal(if_transmit(ifp, s1_frame()), 0);
	assert_int_equal(s1.calls, 1);
	assert_int_equal(s1.took, 1);
	assert_int_equal(s1.starts, 0);
	assert_int_equal(ifp->if_snd.mq_len, 0);
	s1.take = false;
	assert_int_equal(if_transmit(ifp, s1_frame()), 0);
	assert_int_equal(s1.calls, 2);
	assert_int_equal(s1.starts, 1);
	assert_int_equal(ifp->if_snd.mq_len, 1);
	s1.take = true;         /* would take it, but a frame waits: queued behind it */
	assert_int_equal(if_transmit(ifp, s1_frame()), 0);
	assert_int_equal(s1.calls, 2);
	assert_int_equal(s1.starts, 2);
	assert_int_equal(ifp->if_snd.mq_len, 2);
	assert_int_equal(ifp->if_c.opackets, out + 3);
	assert_int_equal(fx->a->ns_etherstat.opackets, eout + 3);
	/* Refused (if_transmit_refuse): a full queue, then the interface down; freed, counted,
	 * not sent. */
	uint32_t maxlen = ifp->if_snd.mq_maxlen;
	uint64_t qd = ifp->if_c.oqdrops, oe = ifp->if_c.oerrors;
	uint64_t qf = fx->a->ns_etherstat.oqfull, od = fx->a->ns_etherstat.odown;
	ifp->if_snd.mq_maxlen = 2;
	assert_int_equal(if_transmit(ifp, s1_frame()), -ENOBUFS);
	assert_int_equal(ifp->if_c.oqdrops, qd + 1);
	assert_int_equal(fx->a->ns_etherstat.oqfull, qf + 1);
	ifp->if_snd.mq_maxlen = maxlen;
	ifp->if_flags &= ~(uint32_t)IFF_UP;
	assert_int_equal(if_transmit(ifp, s1_frame()), -ENETDOWN);
	assert_int_equal(ifp->if_c.oerrors, oe + 1);
	assert_int_equal(fx->a->ns_etherstat.odown, od + 1);
	ifp->if_flags |= IFF_UP;
	assert_int_equal(s1.calls, 2);
	assert_int_equal(ifp->if_snd.mq_len, 2);
	assert_int_equal(ifp->if_c.opackets, out + 3);
	mbufq_drain(&ifp->if_snd);
	ifp->if_start = start;
	ifp->if_start1 = start1;
	NET_UNLOCK(fx->a);
}

struct tapseen { int in, out, other; };
static void tap_fn(struct net_tap *t, struct ifnet *ifp, const struct mbuf *m, unsigned dir,
    unsigned pkttype)
{
	struct tapseen *s = t->nt_arg;
	(void)ifp;
	assert_true(m->m_pkthdr.len >= 14);
	if (dir == NET_TAP_IN)
		s->in++;
	else
		s->out++;
	if (pkttype == PACKET_OTHERHOST)
		s->other++;
}

static void test_taps_and_promisc(void **state)
{
	struct tu_fx *fx = *state;
	struct tapseen seen = { 0 };
	struct net_tap t = { .nt_fn = tap_fn, .nt_arg = &seen };
	uint8_t f[64];
	const uint8_t other[6] = { 2, 0, 0, 0, 0, 0x77 };
	TU_LOCKED(fx->a, net_tap_add(fx->a, &t));
	tu_peer_send(&fx->peer, f, frame_to_a(f, other, 0x0800));
	world_run(fx->w, 100 * USEC);
	assert_int_equal(seen.in, 0);      /* not for us, not promiscuous: never seen */
	TU_LOCKED(fx->a, if_setflags(fx->ea, IFF_UP | IFF_PROMISC));
	tu_peer_send(&fx->peer, f, frame_to_a(f, other, 0x0800));
	world_run(fx->w, 100 * USEC);
	assert_int_equal(seen.in, 1);
	assert_int_equal(seen.other, 1);
	assert_int_equal(stat(fx->a, "ether", "promisc"), 1);
	assert_int_equal(stat(fx->a, "ip", "total"), 0);   /* seen by taps only */
	/* output: an ARP request for the peer, then the echo reply... */
	uint8_t ip[64], *icmp = ip + 20;
	size_t il = tu_icmp(icmp, 8, 0, 1, 1, (const uint8_t *)"abc", 3);
	tu_ip(ip, TU_IP_P, TU_IP_A, 1, 7, 0, 64, il, NULL, 0);
	tu_fx_send(fx, ip, 20 + il);
	assert_int_equal(seen.in, 3);       /* + the echo request and the ARP reply */
	assert_int_equal(seen.out, 2);      /* the ARP request and the echo reply */
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 1, 0), 1);
	TU_LOCKED(fx->a, net_tap_remove(fx->a, &t));
}

static void test_interface_admin(void **state)
{
	struct tu_fx *fx = *state;
	struct netstack *a = fx->a;
	NET_LOCK(a);
	assert_int_equal(if_addr_add(fx->ea, TU_IP_A, 24), -17 /* EEXIST */);
	assert_int_equal(if_addr_add(fx->ea, 0xe0000001, 24), -22 /* multicast: EINVAL */);
	assert_int_equal(if_addr_add(fx->ea, 0x0a000101, 33), -22);
	assert_int_equal(if_addr_add(fx->ea, 0xc0a80101, 16), 0);   /* a second address */
	assert_int_equal(fx->ea->if_naddrs, 2);
	assert_ptr_equal(in_ifwithnet(a, 0xc0a80505, NULL), fx->ea);
	assert_true(in_isbroadcast(a, 0xc0a8ffff, fx->ea));
	assert_true(in_isbroadcast(a, 0x0a0000ff, fx->ea));
	assert_false(in_isbroadcast(a, 0x0a0000fe, fx->ea));
	assert_int_equal(if_addr_del(fx->ea, 0xc0a80101), 0);
	assert_null(rt_lookup(a, 0xc0a80505));
	assert_int_equal(if_addr_del(fx->ea, 0xc0a80101), -99 /* EADDRNOTAVAIL */);
	assert_int_equal(if_setmtu(fx->ea, 20), -22);
	assert_int_equal(if_setmtu(fx->ea, 1400), 0);
	assert_int_equal(rt_mtu(a, TU_IP_P), 1400);
	assert_ptr_equal(ifnet_byindex(a, fx->ea->if_index), fx->ea);
	assert_null(ifnet_byname(a, "eth9"));
	/* down: output fails, input is dropped */
	if_setflags(fx->ea, 0);
	assert_false(fx->ea->if_flags & IFF_RUNNING);
	NET_UNLOCK(a);
	assert_int_equal(send_echo(a, TU_IP_P, 10, 1), -101 /* ENETUNREACH: route is down */);
	TU_LOCKED(a, if_setflags(fx->ea, IFF_UP));
	assert_int_equal(send_echo(a, TU_IP_P, 10, 1), 0);
}

static void test_several_interfaces(void **st)
{
	(void)st;
	struct tu_leakcheck lc;
	tu_leakcheck_begin(&lc);
	struct world *w = world_new(0);
	struct netstack *a = world_stack(w, "a");
	struct wire *w1 = world_wire(w, 0), *w2 = world_wire(w, 0);
	const uint8_t m1[6] = { 2, 0, 0, 0, 1, 1 }, m2[6] = { 2, 0, 0, 0, 2, 1 };
	struct ifnet *e1 = wire_attach(w1, a, "eth0", m1), *e2 = wire_attach(w2, a, "eth1", m2);
	assert_null(wire_attach(w1, a, "eth0", m1));    /* name taken */
	TU_LOCKED(a, if_addr_add(e1, 0x0a000101, 24));
	TU_LOCKED(a, if_addr_add(e2, 0x0a000201, 24));
	NET_LOCK(a);
	assert_ptr_equal(rt_lookup(a, 0x0a000105)->rt_ifp, e1);
	assert_ptr_equal(rt_lookup(a, 0x0a000205)->rt_ifp, e2);
	uint32_t src;
	struct ifnet *ifp;
	assert_int_equal(in_selectsrc(a, 0x0a000205, &src, &ifp), 0);
	assert_int_equal(src, 0x0a000201);
	assert_ptr_equal(ifp, e2);
	if_detach(e1);
	assert_null(rt_lookup(a, 0x0a000105));
	assert_null(ifnet_byname(a, "eth0"));
	NET_UNLOCK(a);
	world_free(w);
	tu_leakcheck_end(&lc);
}

static void count_cb(void *arg, const char *g, const char *n, const char *d, uint64_t v)
{
	int *c = arg;
	(void)g;
	(void)v;
	assert_non_null(n);
	assert_true(strlen(d) > 0);
	(*c)++;
}

static void test_stats_registry(void **st)
{
	(void)st;
	struct tu_leakcheck lc;
	tu_leakcheck_begin(&lc);
	struct world *w = world_new(0);
	struct netstack *ns = world_stack(w, "s");
	NET_LOCK(ns);
	int n = 0;
	net_stats_foreach(ns, count_cb, &n);
	assert_true(n > 100);                               /* ether, arp, ip, icmp groups */
	assert_int_equal(net_stat_get(ns, "ip", "badsum"), 0);
	assert_int_equal(net_stat_get(ns, "ip", "nosuch"), UINT64_MAX);
	assert_int_equal(net_stat_get(ns, "nosuch", "badsum"), UINT64_MAX);
	static const struct net_statdesc d[] = { { "x", "an x" } };
	static uint64_t c[1] = { 7 };
	int rc = 0;
	while ((rc = net_stats_register(ns, "extra", d, 1, c)) == 0)
		;
	assert_int_equal(rc, -28 /* ENOSPC */);
	assert_int_equal(net_stat_get(ns, "extra", "x"), 7);
	NET_UNLOCK(ns);
	world_free(w);
	tu_leakcheck_end(&lc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback_present),
		cmocka_unit_test(test_two_stacks_ping),
		cmocka_unit_test_setup_teardown(test_ether_input_validation, tu_fx_setup, tu_fx_teardown),
		cmocka_unit_test_setup_teardown(test_ether_common_frame, tu_fx_setup, tu_fx_teardown),
		cmocka_unit_test_setup_teardown(test_if_input_list, tu_fx_setup, tu_fx_teardown),
		cmocka_unit_test_setup_teardown(test_if_start1, tu_fx_setup, tu_fx_teardown),
		cmocka_unit_test_setup_teardown(test_taps_and_promisc, tu_fx_setup, tu_fx_teardown),
		cmocka_unit_test_setup_teardown(test_interface_admin, tu_fx_setup, tu_fx_teardown),
		cmocka_unit_test(test_several_interfaces),
		cmocka_unit_test(test_stats_registry),
	};
	return TU_RUN(tests);
}
