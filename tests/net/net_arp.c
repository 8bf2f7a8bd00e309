/* ARP (RFC 826, RFC 1122 2.3.2, RFC 5227): resolution, hold queue overflow, retries and
 * failure, ageing, conflict detection and defence, static entries, the entry cap with
 * eviction, malformed packets. */
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "host/wire.h"
#include "host/port_host.h"
#include "net/netstack.h"

static uint64_t stat(struct netstack *ns, const char *n)
{
	NET_LOCK(ns);
	uint64_t v = net_stat_get(ns, "arp", n);
	NET_UNLOCK(ns);
	return v;
}

/* A small UDP-less datagram (protocol 253, "experimental") from a to dst. */
static int send_dgram(struct netstack *ns, uint32_t dst)
{
	NET_LOCK(ns);
	struct mbuf *m = m_gethdr(MT_DATA);
	m_reserve(m, M_MAXHDR);
	m_append(m, 8, "payload!");
	struct ip_out o = { .dst = dst, .proto = 253 };
	int rc = ip_output(ns, m, &o, NULL, 0);
	NET_UNLOCK(ns);
	return rc;
}

static void send_arp(struct tu_fx *fx, uint16_t op, const uint8_t *sha, uint32_t spa,
    const uint8_t *tha, uint32_t tpa, const uint8_t *dst)
{
	uint8_t f[60] = { 0 };
	tu_eth(f, dst, sha, 0x0806);
	tu_arp(f + 14, op, sha, spa, tha, tpa);
	tu_peer_send(&fx->peer, f, 60);
	world_run(fx->w, 100 * USEC);
}

static void test_gratuitous_on_address_add(void **state)
{
	struct tu_fx *fx = *state;
	TU_LOCKED(fx->a, if_addr_add(fx->ea, 0x0a000002, 24));
	world_run(fx->w, 100 * USEC);
	size_t len;
	const uint8_t *f = tu_peer_find(&fx->peer, 0x0806, -1, -1, 0, &len);
	assert_non_null(f);
	assert_memory_equal(f, ether_broadcast, 6);
	assert_int_equal(be16_get(f + 20), 1);                 /* request */
	assert_int_equal(be32_get(f + 28), 0x0a000002);        /* sender IP */
	assert_int_equal(be32_get(f + 38), 0x0a000002);        /* target IP == sender IP */
	assert_memory_equal(f + 22, TU_MAC_A, 6);
	/* RFC 5227 2.3: a second announcement ANNOUNCE_INTERVAL (2 s) later, and no more */
	world_run(fx->w, 1900 * MSEC);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0806, -1, -1), 1);
	world_run(fx->w, 200 * MSEC);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0806, -1, -1), 3);   /* + eth0's first one */
	world_run(fx->w, 10 * SEC);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0806, -1, -1), 3);
	/* removed before its second announcement: none is sent */
	TU_LOCKED(fx->a, if_addr_add(fx->ea, 0x0a000003, 24); if_addr_del(fx->ea, 0x0a000003));
	world_run(fx->w, 3 * SEC);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0806, -1, -1), 4);
}

static void test_resolution_reply_and_merge(void **state)
{
	struct tu_fx *fx = *state;
	assert_int_equal(send_dgram(fx->a, TU_IP_P), 0);
	world_run(fx->w, 1 * MSEC);
	/* one request, answered by the peer; the held datagram then went out */
	assert_int_equal(tu_peer_count(&fx->peer, 0x0806, -1, -1), 1);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 253, -1), 1);
	struct arp_info ai;
	TU_LOCKED(fx->a, assert_int_equal(arp_lookup(fx->a, TU_IP_P, &ai), 0));
	assert_int_equal(ai.ai_state, ARPS_REACHABLE);
	assert_int_equal(ai.ai_held, 0);
	/* the peer changes its MAC: a gratuitous announcement updates the entry (merge) */
	const uint8_t newmac[6] = { 2, 0, 0, 0, 0, 0x98 };
	send_arp(fx, 1, newmac, TU_IP_P, NULL, TU_IP_P, ether_broadcast);
	TU_LOCKED(fx->a, arp_lookup(fx->a, TU_IP_P, &ai));
	assert_memory_equal(ai.ai_hwaddr, newmac, 6);
	assert_int_equal(stat(fx->a, "updates"), 2);
	/* a request for our address is answered, to the asker */
	tu_peer_clear(&fx->peer);
	send_arp(fx, 1, TU_MAC_P, TU_IP_P, NULL, TU_IP_A, ether_broadcast);
	size_t len;
	const uint8_t *f = tu_peer_find(&fx->peer, 0x0806, -1, -1, 0, &len);
	assert_non_null(f);
	assert_memory_equal(f, TU_MAC_P, 6);
	assert_int_equal(be16_get(f + 20), 2);
	assert_memory_equal(f + 22, TU_MAC_A, 6);
	assert_int_equal(be32_get(f + 28), TU_IP_A);
	assert_memory_equal(f + 32, TU_MAC_P, 6);
	assert_int_equal(be32_get(f + 38), TU_IP_P);
	/* a request for someone else is not answered and creates no entry */
	send_arp(fx, 1, TU_MAC_P, 0x0a000042, NULL, 0x0a000043, ether_broadcast);
	assert_int_equal(stat(fx->a, "notforus"), 2);    /* and the announcement above */
	TU_LOCKED(fx->a, assert_int_equal(arp_lookup(fx->a, 0x0a000042, &ai), -2));
}

static void test_hold_queue_overflow_retries_and_failure(void **state)
{
	struct tu_fx *fx = *state;
	fx->a->ns_conf.arp_holdlen = 3;
	fx->peer.auto_arp = 0;                /* nobody answers for 10.0.0.50 */
	for (int i = 0; i < 5; i++)
		assert_int_equal(send_dgram(fx->a, 0x0a000032), 0);
	struct arp_info ai;
	TU_LOCKED(fx->a, arp_lookup(fx->a, 0x0a000032, &ai));
	assert_int_equal(ai.ai_state, ARPS_INCOMPLETE);
	assert_int_equal(ai.ai_held, 3);
	assert_int_equal(stat(fx->a, "holddrops"), 2);
	assert_int_equal(stat(fx->a, "txrequests"), 1);     /* not one per packet */
	/* RFC 1122 2.3.2.1: one request per second, maxtries in all */
	world_run(fx->w, 1500 * MSEC);
	assert_int_equal(stat(fx->a, "txrequests"), 2);
	world_run(fx->w, 10 * SEC);
	assert_int_equal(stat(fx->a, "txrequests"), ARP_DEF_MAXTRIES);
	assert_int_equal(stat(fx->a, "timeouts"), 1);
	assert_int_equal(stat(fx->a, "faileddrops"), 3);
	/* each held datagram was answered with host unreachable, to us, through loopback */
	NET_LOCK(fx->a);
	assert_int_equal(net_stat_get(fx->a, "icmp", "outunreach"), 3);
	assert_int_equal(net_stat_get(fx->a, "icmp", "inunreach"), 3);
	NET_UNLOCK(fx->a);
	TU_LOCKED(fx->a, arp_lookup(fx->a, 0x0a000032, &ai));
	assert_int_equal(ai.ai_state, ARPS_FAILED);
	assert_int_equal(send_dgram(fx->a, 0x0a000032), -113 /* EHOSTUNREACH */);
	/* after the failed period a new resolution starts */
	world_run(fx->w, ARP_DEF_FAILED_NS);
	TU_LOCKED(fx->a, assert_int_equal(arp_lookup(fx->a, 0x0a000032, &ai), -2));
	assert_int_equal(send_dgram(fx->a, 0x0a000032), 0);
	assert_int_equal(stat(fx->a, "txrequests"), ARP_DEF_MAXTRIES + 1);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0806, -1, -1), ARP_DEF_MAXTRIES + 1 + 1 /* eth0's second announcement */);
}

static void test_ageing(void **state)
{
	struct tu_fx *fx = *state;
	fx->a->ns_conf.arp_reachable_ns = 60 * SEC;
	assert_int_equal(send_dgram(fx->a, TU_IP_P), 0);
	world_run(fx->w, 1 * MSEC);
	struct arp_info ai;
	TU_LOCKED(fx->a, assert_int_equal(arp_lookup(fx->a, TU_IP_P, &ai), 0));
	world_run(fx->w, 59 * SEC);
	TU_LOCKED(fx->a, assert_int_equal(arp_lookup(fx->a, TU_IP_P, &ai), 0));
	world_run(fx->w, 2 * SEC);
	TU_LOCKED(fx->a, assert_int_equal(arp_lookup(fx->a, TU_IP_P, &ai), -2));
	assert_int_equal(stat(fx->a, "expired"), 1);
	/* the next packet resolves again */
	assert_int_equal(send_dgram(fx->a, TU_IP_P), 0);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(stat(fx->a, "txrequests"), 2);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 253, -1), 2);
}

static int conflict_logs;
static void log_hook(int level, const char *msg, void *arg)
{
	(void)arg;
	if (level == PORT_LOG_WARN && strstr(msg, "conflict") && strstr(msg, "10.0.0.1"))
		conflict_logs++;
}

static void test_conflict_detected_logged_defended(void **state)
{
	struct tu_fx *fx = *state;
	host_log_hook(log_hook, NULL);
	host_log_level(-10);   /* silence: counted, not printed */
	conflict_logs = 0;
	send_arp(fx, 2, TU_MAC_P, TU_IP_A, TU_MAC_A, TU_IP_A, ether_broadcast);
	assert_int_equal(stat(fx->a, "conflicts"), 1);
	assert_int_equal(conflict_logs, 1);
	/* RFC 5227 2.4 (b): one defending announcement, then at most one per 10 s */
	assert_int_equal(stat(fx->a, "txannounce"), 2);
	send_arp(fx, 1, TU_MAC_P, TU_IP_A, NULL, TU_IP_A, ether_broadcast);
	assert_int_equal(stat(fx->a, "conflicts"), 2);
	assert_int_equal(stat(fx->a, "txannounce"), 2);
	world_run(fx->w, 11 * SEC);          /* (the second announcement of setup went out) */
	assert_int_equal(stat(fx->a, "txannounce"), 3);
	send_arp(fx, 1, TU_MAC_P, TU_IP_A, NULL, TU_IP_A, ether_broadcast);
	assert_int_equal(stat(fx->a, "txannounce"), 4);
	/* the conflicting sender was not learnt as the owner of our address */
	struct arp_info ai;
	TU_LOCKED(fx->a, assert_int_equal(arp_lookup(fx->a, TU_IP_A, &ai), -2));
	host_log_hook(NULL, NULL);
	host_log_level(PORT_LOG_WARN);
}

static void test_static_entries(void **state)
{
	struct tu_fx *fx = *state;
	const uint8_t smac[6] = { 2, 0, 0, 0, 0, 0x55 };
	NET_LOCK(fx->a);
	assert_int_equal(arp_add_static(fx->a, NULL, 0x0a000055, smac), 0);
	assert_int_equal(arp_add_static(fx->a, NULL, 0xc0a80001, smac), -22);   /* off-link */
	assert_int_equal(arp_add_static(fx->a, NULL, 0x0a000056, ether_broadcast), -22);
	NET_UNLOCK(fx->a);
	assert_int_equal(send_dgram(fx->a, 0x0a000055), 0);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(stat(fx->a, "txrequests"), 0);
	size_t len;
	const uint8_t *f = tu_peer_find(&fx->peer, 0x0800, 253, -1, 0, &len);
	assert_non_null(f);
	assert_memory_equal(f, smac, 6);
	/* never ages, never overwritten from the wire, survives interface down/up */
	const uint8_t other[6] = { 2, 0, 0, 0, 0, 0x56 };
	send_arp(fx, 2, other, 0x0a000055, TU_MAC_A, TU_IP_A, TU_MAC_A);
	world_run(fx->w, 3600 * SEC);
	struct arp_info ai;
	TU_LOCKED(fx->a, if_setflags(fx->ea, 0));
	TU_LOCKED(fx->a, if_setflags(fx->ea, IFF_UP));
	TU_LOCKED(fx->a, assert_int_equal(arp_lookup(fx->a, 0x0a000055, &ai), 0));
	assert_int_equal(ai.ai_state, ARPS_STATIC);
	assert_memory_equal(ai.ai_hwaddr, smac, 6);
	TU_LOCKED(fx->a, assert_int_equal(arp_delete(fx->a, 0x0a000055), 0));
	TU_LOCKED(fx->a, assert_int_equal(arp_delete(fx->a, 0x0a000055), -2));
}

/* The peer announces addresses first + from .. first + to - 1, each from MAC 02:00:00:00:mac4:i. */
static void learn(struct tu_fx *fx, uint8_t mac4, uint32_t first, int from, int to)
{
	uint8_t mac[6] = { 2, 0, 0, 0, mac4, 0 };
	for (int i = from; i < to; i++) {
		mac[5] = (uint8_t)i;
		send_arp(fx, 1, mac, first + (uint32_t)i, NULL, TU_IP_A, ether_broadcast);
	}
}

static void test_cap_and_eviction(void **state)
{
	struct tu_fx *fx = *state;
	fx->a->ns_conf.arp_maxentries = 4;
	learn(fx, 1, 0x0a000010u, 0, 6);
	assert_int_equal(stat(fx->a, "created"), 6);
	assert_int_equal(stat(fx->a, "evicted"), 2);
	struct arp_info ai;
	NET_LOCK(fx->a);
	assert_int_equal(arp_lookup(fx->a, 0x0a000010, &ai), -2);   /* the oldest went */
	assert_int_equal(arp_lookup(fx->a, 0x0a000011, &ai), -2);
	assert_int_equal(arp_lookup(fx->a, 0x0a000015, &ai), 0);
	NET_UNLOCK(fx->a);
}

/* arp_touch (if_ether.h) moves a used entry to the front of the eviction order, and leaves
 * the front one where it is (its inline test): with room for four, after 0..3 were learnt,
 * 0 touched and then 0 touched again, learning 4 and 5 evicts 1 and 2, not 0. */
static void test_touch_order(void **state)
{
	struct tu_fx *fx = *state;
	fx->a->ns_conf.arp_maxentries = 4;
	learn(fx, 2, 0x0a000020u, 0, 4);
	struct arp_info ai;
	uint8_t got[6];
	void *lle = NULL;
	NET_LOCK(fx->a);
	assert_int_equal(arp_resolved(fx->ea, 0x0a000020, got, &lle), 0);
	arp_touch(fx->a, lle);
	arp_touch(fx->a, lle);                  /* already the most recent: stays */
	NET_UNLOCK(fx->a);
	learn(fx, 2, 0x0a000020u, 4, 6);
	NET_LOCK(fx->a);
	assert_int_equal(arp_lookup(fx->a, 0x0a000020, &ai), 0);    /* touched: kept */
	assert_int_equal(arp_lookup(fx->a, 0x0a000021, &ai), -2);
	assert_int_equal(arp_lookup(fx->a, 0x0a000022, &ai), -2);
	assert_int_equal(arp_lookup(fx->a, 0x0a000023, &ai), 0);
	assert_int_equal(arp_lookup(fx->a, 0x0a000025, &ai), 0);
	NET_UNLOCK(fx->a);
}

static void test_malformed(void **state)
{
	struct tu_fx *fx = *state;
	uint8_t f[60] = { 0 };
	/* too short: an Ethernet header and 20 bytes, in a 34-byte frame */
	tu_eth(f, ether_broadcast, TU_MAC_P, 0x0806);
	tu_arp(f + 14, 1, TU_MAC_P, TU_IP_P, NULL, TU_IP_A);
	tu_peer_send(&fx->peer, f, 34);
	/* wrong hardware type, wrong protocol length, unknown opcode */
	uint8_t g[60];
	memcpy(g, f, 60);
	g[15] = 6;
	tu_peer_send(&fx->peer, g, 60);
	memcpy(g, f, 60);
	g[19] = 16;
	tu_peer_send(&fx->peer, g, 60);
	memcpy(g, f, 60);
	g[21] = 9;
	tu_peer_send(&fx->peer, g, 60);
	/* broadcast sender hardware address; multicast sender IP */
	memcpy(g, f, 60);
	memset(g + 22, 0xff, 6);
	tu_peer_send(&fx->peer, g, 60);
	memcpy(g, f, 60);
	be32_put(g + 28, 0xe0000005);
	tu_peer_send(&fx->peer, g, 60);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(stat(fx->a, "tooshort"), 1);
	assert_int_equal(stat(fx->a, "badformat"), 2);
	assert_int_equal(stat(fx->a, "badop"), 1);
	assert_int_equal(stat(fx->a, "badaddr"), 2);
	assert_int_equal(stat(fx->a, "txreplies"), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tu_fx_setup, tu_fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_gratuitous_on_address_add),
		T(test_resolution_reply_and_merge),
		T(test_hold_queue_overflow_retries_and_failure),
		T(test_ageing),
		T(test_conflict_detected_logged_defended),
		T(test_static_entries),
		T(test_cap_and_eviction),
		T(test_touch_order),
		T(test_malformed),
	};
	return TU_RUN(tests);
}
