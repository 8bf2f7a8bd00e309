/* ip_output's path cache (route.h, ip_output.c): a socket's route that went through the
 * full checks to a resolved neighbour sends the next datagrams straight to the interface,
 * with the same frames as the full path; and every change it depends on sends the next
 * datagram through the full path again: the neighbour's ARP entry changing, going or
 * becoming static, a route (and its MTU) added or removed, the interface MTU, an address
 * added (the destination becomes a broadcast) or removed (the source is no longer ours),
 * the interface going down; and a different source or protocol on the same route. */
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "host/wire.h"
#include "host/port_host.h"
#include "net/netstack.h"
#include "net/in_cksum.h"

#define PROTO 253
static const uint8_t MAC_Q[6] = { 0x02, 0, 0, 0, 0, 0x98 };
static const uint8_t MAC_S[6] = { 0x02, 0, 0, 0, 0, 0x97 };

static uint64_t ipstat_get(struct netstack *ns, const char *n)
{
	NET_LOCK(ns);
	uint64_t v = net_stat_get(ns, "ip", n);
	NET_UNLOCK(ns);
	return v;
}

/* Sends len bytes of protocol proto from src to dst through ro; returns ip_output's result
 * after the wire settled. */
static int send_via(struct tu_fx *fx, struct route *ro, uint32_t src, uint32_t dst,
    uint8_t proto, uint32_t len, unsigned flags)
{
	static uint8_t pay[2000];
	NET_LOCK(fx->a);
	struct mbuf *m = m_gethdr(MT_DATA);
	m_reserve(m, M_MAXHDR);
	m_append(m, len, pay);
	struct ip_out o = { .src = src, .dst = dst, .proto = proto };
	int rc = ip_output(fx->a, m, &o, ro, flags);
	NET_UNLOCK(fx->a);
	world_run(fx->w, 1 * MSEC);
	return rc;
}

static size_t nframes(struct tu_fx *fx, int proto)
{
	return tu_peer_count(&fx->peer, 0x0800, proto, -1);
}

/* The last frame of protocol proto the peer saw. */
static const uint8_t *last_frame(struct tu_fx *fx, int proto)
{
	size_t n = nframes(fx, proto), l;
	assert_true(n > 0);
	return tu_peer_find(&fx->peer, 0x0800, proto, -1, n - 1, &l);
}

/* A path toward the peer: the first datagram resolves the neighbour, the second (full
 * path again) keeps the path. */
static void warm(struct tu_fx *fx, struct route *ro, uint32_t src, uint8_t proto)
{
	assert_int_equal(send_via(fx, ro, src, TU_IP_P, proto, 100, IP_DF), 0);
	assert_int_equal(send_via(fx, ro, src, TU_IP_P, proto, 100, IP_DF), 0);
	assert_ptr_equal(ro->ro_pifp, fx->ea);
}

/* The peer (or a host claiming its address) announces mac for TU_IP_P. */
static void peer_arp(struct tu_fx *fx, const uint8_t mac[6])
{
	uint8_t f[64];
	size_t l = tu_eth(f, TU_MAC_A, mac, 0x0806);
	l += tu_arp(f + l, 2, mac, TU_IP_P, TU_MAC_A, TU_IP_A);
	tu_peer_send(&fx->peer, f, l);
	world_run(fx->w, 1 * MSEC);
}

static void test_fill_and_use(void **state)
{
	struct tu_fx *fx = *state;
	struct route ro = { 0 };

	/* Unresolved: the datagram waits for ARP, nothing is kept. */
	assert_int_equal(send_via(fx, &ro, TU_IP_A, TU_IP_P, PROTO, 100, IP_DF), 0);
	assert_null(ro.ro_pifp);
	assert_int_equal(nframes(fx, PROTO), 1);
	/* Resolved: kept, and used by the next one. */
	assert_int_equal(send_via(fx, &ro, TU_IP_A, TU_IP_P, PROTO, 100, IP_DF), 0);
	assert_ptr_equal(ro.ro_pifp, fx->ea);
	assert_int_equal(ipstat_get(fx->a, "pathcached"), 0);
	assert_int_equal(send_via(fx, &ro, TU_IP_A, TU_IP_P, PROTO, 100, IP_DF), 0);
	assert_int_equal(ipstat_get(fx->a, "pathcached"), 1);
	assert_int_equal(nframes(fx, PROTO), 3);

	/* The cached path's frame is the full path's, with the next ID of the same bucket. */
	size_t l2, l3;
	const uint8_t *f2 = tu_peer_find(&fx->peer, 0x0800, PROTO, -1, 1, &l2);
	const uint8_t *f3 = tu_peer_find(&fx->peer, 0x0800, PROTO, -1, 2, &l3);
	assert_int_equal(l2, l3);
	assert_memory_equal(f3, TU_MAC_P, 6);
	assert_memory_equal(f3 + 6, TU_MAC_A, 6);
	assert_memory_equal(f2, f3, 18);                    /* Ethernet, version to length */
	assert_int_equal(be16_get(f3 + 18), (uint16_t)(be16_get(f2 + 18) + 1));
	assert_memory_equal(f2 + 20, f3 + 20, 4);           /* DF, TTL, protocol */
	assert_memory_equal(f2 + 26, f3 + 26, l3 - 26);     /* addresses, payload */
	assert_int_equal(f3[20] & 0x40, 0x40);
	assert_int_equal(in_cksum(f3 + 14, 20), 0);
	NET_LOCK(fx->a);
	uint16_t next = ip_newid(fx->a, TU_IP_A, TU_IP_P, PROTO);
	NET_UNLOCK(fx->a);
	assert_int_equal(next, (uint16_t)(be16_get(f3 + 18) + 1));

	/* Another protocol or source on the same route: the full path, then its own path. */
	assert_int_equal(send_via(fx, &ro, TU_IP_A, TU_IP_P, PROTO + 1, 100, 0), 0);
	assert_int_equal(ipstat_get(fx->a, "pathcached"), 1);
	assert_int_equal(ro.ro_pproto, PROTO + 1);
	assert_int_equal(send_via(fx, &ro, TU_IP_A, TU_IP_P, PROTO + 1, 100, 0), 0);
	assert_int_equal(ipstat_get(fx->a, "pathcached"), 2);
	assert_int_equal(last_frame(fx, PROTO + 1)[20] & 0x40, 0);   /* no DF asked */
	assert_int_equal(send_via(fx, &ro, 0, TU_IP_P, PROTO + 1, 100, 0), 0);
	assert_int_equal(ipstat_get(fx->a, "pathcached"), 2);        /* src 0: never cached */
	assert_int_equal(be32_get(last_frame(fx, PROTO + 1) + 26), TU_IP_A);
	/* Another destination through the same route struct (an unconnected socket). */
	assert_int_equal(send_via(fx, &ro, TU_IP_A, 0x0a000064, PROTO, 100, 0), 0);
	assert_null(ro.ro_pifp);
	assert_int_equal(ipstat_get(fx->a, "pathcached"), 2);
}

static void test_follows_arp(void **state)
{
	struct tu_fx *fx = *state;
	struct route ro = { 0 };
	warm(fx, &ro, TU_IP_A, PROTO);

	/* The neighbour moves to another MAC address (RFC 826 merge): the next frame goes to
	 * the new one, through the full path, and then the path is kept again. */
	peer_arp(fx, MAC_Q);
	uint64_t c = ipstat_get(fx->a, "pathcached");
	assert_int_equal(send_via(fx, &ro, TU_IP_A, TU_IP_P, PROTO, 100, IP_DF), 0);
	assert_int_equal(ipstat_get(fx->a, "pathcached"), c);
	assert_memory_equal(last_frame(fx, PROTO), MAC_Q, 6);
	assert_int_equal(send_via(fx, &ro, TU_IP_A, TU_IP_P, PROTO, 100, IP_DF), 0);
	assert_int_equal(ipstat_get(fx->a, "pathcached"), c + 1);
	assert_memory_equal(last_frame(fx, PROTO), MAC_Q, 6);

	/* The same announcement again changes nothing: the path stays. */
	peer_arp(fx, MAC_Q);
	assert_int_equal(send_via(fx, &ro, TU_IP_A, TU_IP_P, PROTO, 100, IP_DF), 0);
	assert_int_equal(ipstat_get(fx->a, "pathcached"), c + 2);

	/* The entry is deleted: the next datagram waits for a new resolution (the peer
	 * answers with its own address) instead of going to the old one. */
	size_t arps = tu_peer_count(&fx->peer, 0x0806, -1, -1);
	size_t n = nframes(fx, PROTO);
	TU_LOCKED(fx->a, arp_delete(fx->a, TU_IP_P));
	assert_int_equal(send_via(fx, &ro, TU_IP_A, TU_IP_P, PROTO, 100, IP_DF), 0);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0806, -1, -1), arps + 1);
	assert_int_equal(nframes(fx, PROTO), n + 1);
	assert_memory_equal(last_frame(fx, PROTO), TU_MAC_P, 6);
	assert_int_equal(ipstat_get(fx->a, "pathcached"), c + 2);

	/* A static entry replaces the learnt one. */
	warm(fx, &ro, TU_IP_A, PROTO);
	TU_LOCKED(fx->a, assert_int_equal(arp_add_static(fx->a, fx->ea, TU_IP_P, MAC_S), 0));
	assert_int_equal(send_via(fx, &ro, TU_IP_A, TU_IP_P, PROTO, 100, IP_DF), 0);
	assert_memory_equal(last_frame(fx, PROTO), MAC_S, 6);
	TU_LOCKED(fx->a, arp_delete(fx->a, TU_IP_P));
}

static void test_follows_routes_and_mtu(void **state)
{
	struct tu_fx *fx = *state;
	struct route ro = { 0 };
	warm(fx, &ro, TU_IP_A, PROTO);

	/* A host route with a small MTU: DF and over it is refused. */
	TU_LOCKED(fx->a, assert_int_equal(rt_add(fx->a, TU_IP_P, 32, 0, fx->ea, 576, 0), 0));
	assert_int_equal(send_via(fx, &ro, TU_IP_A, TU_IP_P, PROTO, 1000, IP_DF), -90);
	assert_int_equal(send_via(fx, &ro, TU_IP_A, TU_IP_P, PROTO, 500, IP_DF), 0);
	assert_int_equal(send_via(fx, &ro, TU_IP_A, TU_IP_P, PROTO, 1000, IP_DF), -90);
	TU_LOCKED(fx->a, assert_int_equal(rt_del(fx->a, TU_IP_P, 32), 0));
	assert_int_equal(send_via(fx, &ro, TU_IP_A, TU_IP_P, PROTO, 1000, IP_DF), 0);

	/* The interface MTU drops: DF is refused, without DF the datagram is fragmented. */
	warm(fx, &ro, TU_IP_A, PROTO);
	TU_LOCKED(fx->a, assert_int_equal(if_setmtu(fx->ea, 1000), 0));
	assert_int_equal(send_via(fx, &ro, TU_IP_A, TU_IP_P, PROTO, 1200, IP_DF), -90);
	size_t n = nframes(fx, PROTO);
	assert_int_equal(send_via(fx, &ro, TU_IP_A, TU_IP_P, PROTO, 1200, 0), 0);
	assert_int_equal(nframes(fx, PROTO), n + 2);
	TU_LOCKED(fx->a, assert_int_equal(if_setmtu(fx->ea, 1500), 0));

	/* A route that makes the destination unreachable. */
	warm(fx, &ro, TU_IP_A, PROTO);
	TU_LOCKED(fx->a, assert_int_equal(rt_add(fx->a, TU_IP_P, 32, 0, fx->ea, 0, RTF_REJECT), 0));
	assert_int_equal(send_via(fx, &ro, TU_IP_A, TU_IP_P, PROTO, 100, IP_DF), -113);
	TU_LOCKED(fx->a, rt_del(fx->a, TU_IP_P, 32));

	/* The interface goes down: nothing is sent. */
	warm(fx, &ro, TU_IP_A, PROTO);
	n = nframes(fx, PROTO);
	TU_LOCKED(fx->a, if_setflags(fx->ea, 0));
	assert_int_not_equal(send_via(fx, &ro, TU_IP_A, TU_IP_P, PROTO, 100, IP_DF), 0);
	TU_LOCKED(fx->a, if_setflags(fx->ea, IFF_UP));
	world_run(fx->w, 5 * SEC);
	assert_int_equal(nframes(fx, PROTO), n);
	warm(fx, &ro, TU_IP_A, PROTO);
}

static void test_follows_addresses(void **state)
{
	struct tu_fx *fx = *state;
	struct route ro = { 0 };
	warm(fx, &ro, TU_IP_A, PROTO);

	/* A /30 makes 10.0.0.99 its broadcast address: refused without SO_BROADCAST. */
	TU_LOCKED(fx->a, assert_int_equal(if_addr_add(fx->ea, 0x0a000061, 30), 0));
	assert_int_equal(send_via(fx, &ro, TU_IP_A, TU_IP_P, PROTO, 100, IP_DF), -13);
	assert_int_equal(send_via(fx, &ro, TU_IP_A, TU_IP_P, PROTO, 100, IP_DF | IP_ALLOWBROADCAST), 0);
	assert_memory_equal(last_frame(fx, PROTO), ether_broadcast, 6);
	assert_null(ro.ro_pifp);    /* a broadcast is never kept */
	TU_LOCKED(fx->a, assert_int_equal(if_addr_del(fx->ea, 0x0a000061), 0));
	warm(fx, &ro, TU_IP_A, PROTO);
	assert_memory_equal(last_frame(fx, PROTO), TU_MAC_P, 6);

	/* A second address used as the source, then removed: no longer ours. */
	TU_LOCKED(fx->a, assert_int_equal(if_addr_add(fx->ea, 0x0a000002, 24), 0));
	warm(fx, &ro, 0x0a000002, PROTO);
	TU_LOCKED(fx->a, assert_int_equal(if_addr_del(fx->ea, 0x0a000002), 0));
	assert_int_equal(send_via(fx, &ro, 0x0a000002, TU_IP_P, PROTO, 100, IP_DF), -99);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tu_fx_setup, tu_fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_fill_and_use),
		T(test_follows_arp),
		T(test_follows_routes_and_mtu),
		T(test_follows_addresses),
	};
	return TU_RUN(tests);
}
