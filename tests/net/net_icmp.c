/* ICMP: echo of any size, timestamp, protocol unreachable, the RFC 1122 3.2.2 rules for
 * never sending an error, the rate limit, malformed messages, and errors delivered to the
 * transport's ctlinput hook. */
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "host/wire.h"
#include "host/port_host.h"
#include "net/netstack.h"
#include "net/in_cksum.h"

static uint64_t stat(struct netstack *ns, const char *g, const char *n)
{
	NET_LOCK(ns);
	uint64_t v = net_stat_get(ns, g, n);
	NET_UNLOCK(ns);
	return v;
}

static uint8_t pay[2000];

static size_t dgram(uint8_t *b, uint32_t src, uint32_t dst, uint8_t proto, uint16_t off,
    size_t plen)
{
	memcpy(b + 20, pay, plen);
	return tu_ip(b, src, dst, proto, 42, off, 64, plen, NULL, 0) + plen;
}

static void test_echo_sizes_and_timestamp(void **state)
{
	struct tu_fx *fx = *state;
	static const size_t sizes[] = { 0, 1, 56, 1472 };
	uint8_t b[1600];
	for (size_t i = 0; i < 4; i++) {
		size_t il = tu_icmp(b + 20, 8, 0, 3, (uint16_t)i, pay, sizes[i]);
		tu_ip(b, TU_IP_P, TU_IP_A, 1, (uint16_t)i, 0, 64, il, NULL, 0);
		tu_fx_send(fx, b, 20 + il);
		size_t fl;
		const uint8_t *f = tu_peer_find(&fx->peer, 0x0800, 1, 0, i, &fl);
		assert_non_null(f);
		assert_int_equal(be16_get(f + 16), 20 + il);
		assert_int_equal(in_cksum(f + 34, il), 0);
		assert_int_equal(be16_get(f + 34 + 6), i);          /* sequence echoed */
		assert_memory_equal(f + 34 + 8, pay, sizes[i]);
	}
	/* timestamp request: 20 bytes, answered with type 14 */
	uint8_t ts[20] = { 13, 0, 0, 0, 0, 1, 0, 1, 1, 2, 3, 4 };
	be16_put(ts + 2, in_cksum(ts, 20));
	tu_ip(b, TU_IP_P, TU_IP_A, 1, 9, 0, 64, 20, NULL, 0);
	memcpy(b + 20, ts, 20);
	tu_fx_send(fx, b, 40);
	size_t fl;
	const uint8_t *f = tu_peer_find(&fx->peer, 0x0800, 1, 14, 0, &fl);
	assert_non_null(f);
	assert_memory_equal(f + 34 + 8, ts + 8, 4);             /* originate copied */
	assert_true(f[34 + 12] & 0x80);                          /* non-standard time */
}

static void test_protocol_unreachable(void **state)
{
	struct tu_fx *fx = *state;
	uint8_t b[200];
	size_t l = dgram(b, TU_IP_P, TU_IP_A, 99, 0, 100);
	tu_fx_send(fx, b, l);
	assert_int_equal(stat(fx->a, "ip", "noproto"), 1);
	size_t fl;
	const uint8_t *f = tu_peer_find(&fx->peer, 0x0800, 1, 3, 0, &fl);
	assert_non_null(f);
	assert_int_equal(f[35], 2);                              /* code: protocol */
	assert_int_equal(be32_get(f + 26), TU_IP_A);             /* from the address we were sent */
	assert_int_equal(in_cksum(f + 34, be16_get(f + 16) - 20), 0);
	assert_memory_equal(f + 42, b, l);                       /* quotes the whole datagram */
}

/* Calls icmp_error directly with a crafted offending datagram. */
static void call_error(struct tu_fx *fx, const uint8_t *d, size_t len, unsigned mflags)
{
	NET_LOCK(fx->a);
	struct mbuf *m = m_devget(d, (uint32_t)len, 0, fx->ea);
	m->m_flags |= (uint16_t)mflags;
	icmp_error(fx->a, m, 3, 3, 0);
	NET_UNLOCK(fx->a);
	world_run(fx->w, 100 * USEC);
}

static void test_never_rules(void **state)
{
	struct tu_fx *fx = *state;
	uint8_t b[200];
	/* about an ICMP error */
	size_t il = tu_icmp(b + 20, 3, 1, 0, 0, pay, 28);
	tu_ip(b, TU_IP_P, TU_IP_A, 1, 1, 0, 64, il, NULL, 0);
	call_error(fx, b, 20 + il, 0);
	assert_int_equal(stat(fx->a, "icmp", "oldicmp"), 1);
	/* about a broadcast: IP subnet broadcast, limited broadcast, link broadcast */
	call_error(fx, b, dgram(b, TU_IP_P, 0x0a0000ff, 17, 0, 10), 0);
	call_error(fx, b, dgram(b, TU_IP_P, 0xffffffff, 17, 0, 10), 0);
	call_error(fx, b, dgram(b, TU_IP_P, TU_IP_A, 17, 0, 10), M_BCAST);
	call_error(fx, b, dgram(b, TU_IP_P, 0xe0000001, 17, 0, 10), 0);
	assert_int_equal(stat(fx->a, "icmp", "bcast"), 4);
	/* about a non-first fragment */
	call_error(fx, b, dgram(b, TU_IP_P, TU_IP_A, 17, 0x2000 | 100, 16), 0);
	assert_int_equal(stat(fx->a, "icmp", "fragment"), 1);
	/* from a source that is not one host */
	call_error(fx, b, dgram(b, 0, TU_IP_A, 17, 0, 10), 0);
	call_error(fx, b, dgram(b, 0xe0000002, TU_IP_A, 17, 0, 10), 0);
	call_error(fx, b, dgram(b, 0x0a0000ff, TU_IP_A, 17, 0, 10), 0);
	assert_int_equal(stat(fx->a, "icmp", "badsrc"), 3);
	/* too short to hold a header */
	call_error(fx, b, 12, 0);
	assert_int_equal(stat(fx->a, "icmp", "oldshort"), 1);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 1, -1), 0);
	/* and a good one is sent */
	call_error(fx, b, dgram(b, TU_IP_P, TU_IP_A, 17, 0, 10), 0);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 1, 3), 1);
	/* an echo request is not an error: answering its datagram is allowed */
	il = tu_icmp(b + 20, 8, 0, 0, 0, pay, 8);
	tu_ip(b, TU_IP_P, TU_IP_A, 1, 1, 0, 64, il, NULL, 0);
	call_error(fx, b, 20 + il, 0);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 1, 3), 2);
}

static void test_rate_limit(void **state)
{
	struct tu_fx *fx = *state;
	uint8_t b[200];
	size_t l = dgram(b, TU_IP_P, TU_IP_A, 99, 0, 10);
	for (int i = 0; i < 80; i++)
		tu_peer_send_ip(&fx->peer, TU_MAC_A, b, l);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 1, 3), ICMP_DEF_BURST);
	assert_int_equal(stat(fx->a, "icmp", "ratelimited"), 80 - ICMP_DEF_BURST);
	/* tokens come back at icmp_rate per second */
	world_run(fx->w, 100 * MSEC);
	for (int i = 0; i < 20; i++)
		tu_peer_send_ip(&fx->peer, TU_MAC_A, b, l);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 1, 3), ICMP_DEF_BURST + 10);
	/* Refill keeps the fractions of a millisecond: an error every 1.5 ms for 300 ms earns
	 * 30 tokens at 100 per second (rounding each gap down to 1 ms would give 20). */
	for (int i = 0; i < 80; i++)
		tu_peer_send_ip(&fx->peer, TU_MAC_A, b, l);
	world_run(fx->w, 1 * MSEC);
	unsigned before = tu_peer_count(&fx->peer, 0x0800, 1, 3);
	for (int i = 0; i < 200; i++) {
		tu_peer_send_ip(&fx->peer, TU_MAC_A, b, l);
		world_run(fx->w, 1500 * USEC);
	}
	unsigned earned = tu_peer_count(&fx->peer, 0x0800, 1, 3) - before;
	assert_true(earned >= 29 && earned <= 31);
	/* the limit is on errors only: echo keeps working */
	size_t il = tu_icmp(b + 20, 8, 0, 0, 0, pay, 8);
	tu_ip(b, TU_IP_P, TU_IP_A, 1, 1, 0, 64, il, NULL, 0);
	tu_fx_send(fx, b, 20 + il);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 1, 0), 1);
}

static void test_malformed_icmp(void **state)
{
	struct tu_fx *fx = *state;
	uint8_t b[200];
	/* 4 bytes of ICMP */
	tu_ip(b, TU_IP_P, TU_IP_A, 1, 1, 0, 64, 4, NULL, 0);
	memset(b + 20, 8, 4);
	tu_fx_send(fx, b, 24);
	assert_int_equal(stat(fx->a, "icmp", "tooshort"), 1);
	/* bad checksum */
	size_t il = tu_icmp(b + 20, 8, 0, 0, 0, pay, 8);
	b[23] ^= 0x55;
	tu_ip(b, TU_IP_P, TU_IP_A, 1, 1, 0, 64, il, NULL, 0);
	tu_fx_send(fx, b, 20 + il);
	assert_int_equal(stat(fx->a, "icmp", "badsum"), 1);
	/* an unreachable quoting too little, and one with a bad code */
	il = tu_icmp(b + 20, 3, 3, 0, 0, pay, 10);
	tu_ip(b, TU_IP_P, TU_IP_A, 1, 1, 0, 64, il, NULL, 0);
	tu_fx_send(fx, b, 20 + il);
	assert_int_equal(stat(fx->a, "icmp", "badlen"), 1);
	il = tu_icmp(b + 20, 3, 99, 0, 0, pay, 28);
	tu_ip(b, TU_IP_P, TU_IP_A, 1, 1, 0, 64, il, NULL, 0);
	tu_fx_send(fx, b, 20 + il);
	assert_int_equal(stat(fx->a, "icmp", "badcode"), 1);
	/* redirect and source quench: counted, ignored */
	il = tu_icmp(b + 20, 5, 1, 0, 0, pay, 28);
	tu_ip(b, TU_IP_P, TU_IP_A, 1, 1, 0, 64, il, NULL, 0);
	tu_fx_send(fx, b, 20 + il);
	il = tu_icmp(b + 20, 4, 0, 0, 0, pay, 28);
	tu_ip(b, TU_IP_P, TU_IP_A, 1, 1, 0, 64, il, NULL, 0);
	tu_fx_send(fx, b, 20 + il);
	assert_int_equal(stat(fx->a, "icmp", "inredirect"), 1);
	assert_int_equal(stat(fx->a, "icmp", "insrcquench"), 1);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, -1, -1), 0);
}

/* A fake transport on protocol 253 that records what its ctlinput hook is given. */
static struct {
	int calls, type, code;
	uint32_t info;
	size_t qlen;
	uint8_t quoted[600];
	int inputs;
} seen;

static void fake_input(struct netstack *ns, struct mbuf *m, int hlen)
{
	(void)ns;
	(void)hlen;
	seen.inputs++;
	m_freem(m);
}

static void fake_ctl(struct netstack *ns, int type, int code, uint32_t info, const uint8_t *q,
    size_t qlen)
{
	(void)ns;
	seen.calls++;
	seen.type = type;
	seen.code = code;
	seen.info = info;
	seen.qlen = qlen;
	memcpy(seen.quoted, q, qlen < sizeof(seen.quoted) ? qlen : sizeof(seen.quoted));
}

static void test_ctlinput_delivery(void **state)
{
	struct tu_fx *fx = *state;
	memset(&seen, 0, sizeof(seen));
	NET_LOCK(fx->a);
	assert_int_equal(ip_proto_register(fx->a, 253, fake_input, fake_ctl), 0);
	assert_int_equal(ip_proto_register(fx->a, 253, fake_input, fake_ctl), -17);
	assert_int_equal(ip_proto_register(fx->a, 1, fake_input, fake_ctl), -22);
	NET_UNLOCK(fx->a);
	/* the transport gets its datagrams, and no protocol unreachable is sent */
	uint8_t b[300], q[64];
	tu_fx_send(fx, b, dgram(b, TU_IP_P, TU_IP_A, 253, 0, 12));
	assert_int_equal(seen.inputs, 1);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 1, 3), 0);
	/* port unreachable about a datagram a sent: delivered with the quote */
	size_t ql = dgram(q, TU_IP_A, TU_IP_P, 253, 0, 8);
	size_t il = tu_icmp(b + 20, 3, 3, 0, 0, q, ql);
	tu_ip(b, TU_IP_P, TU_IP_A, 1, 1, 0, 64, il, NULL, 0);
	tu_fx_send(fx, b, 20 + il);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.type, 3);
	assert_int_equal(seen.code, 3);
	assert_int_equal(seen.qlen, ql);
	assert_memory_equal(seen.quoted, q, ql);
	/* fragmentation needed carries the next-hop MTU (RFC 1191) */
	il = tu_icmp(b + 20, 3, 4, 0, 1280, q, ql);
	tu_ip(b, TU_IP_P, TU_IP_A, 1, 1, 0, 64, il, NULL, 0);
	tu_fx_send(fx, b, 20 + il);
	assert_int_equal(seen.calls, 2);
	assert_int_equal(seen.info, 1280);
	/* time exceeded and parameter problem (pointer in info) */
	il = tu_icmp(b + 20, 11, 0, 0, 0, q, ql);
	tu_ip(b, TU_IP_P, TU_IP_A, 1, 1, 0, 64, il, NULL, 0);
	tu_fx_send(fx, b, 20 + il);
	il = tu_icmp(b + 20, 12, 0, 0x1400, 0, q, ql);
	tu_ip(b, TU_IP_P, TU_IP_A, 1, 1, 0, 64, il, NULL, 0);
	tu_fx_send(fx, b, 20 + il);
	assert_int_equal(seen.calls, 4);
	assert_int_equal(seen.type, 12);
	assert_int_equal(seen.info, 0x14);
	/* a quote with a bad inner header is not delivered */
	q[0] = 0x65;
	il = tu_icmp(b + 20, 3, 3, 0, 0, q, ql);
	tu_ip(b, TU_IP_P, TU_IP_A, 1, 1, 0, 64, il, NULL, 0);
	tu_fx_send(fx, b, 20 + il);
	assert_int_equal(seen.calls, 4);
	assert_int_equal(stat(fx->a, "icmp", "ctldelivered"), 4);
	TU_LOCKED(fx->a, ip_proto_unregister(fx->a, 253));
}

static void test_path_mtu_learnt(void **state)
{
	struct tu_fx *fx = *state;
	uint8_t b[300], q[64];
	/* a router says datagrams from a to 10.9.9.9 need 1280 (a default route via the peer) */
	TU_LOCKED(fx->a, rt_add(fx->a, 0, 0, TU_IP_P, NULL, 0, 0));
	size_t ql = dgram(q, TU_IP_A, 0x0a090909, 17, 0, 8);
	size_t il = tu_icmp(b + 20, 3, 4, 0, 1280, q, ql);
	tu_ip(b, TU_IP_P, TU_IP_A, 1, 1, 0, 64, il, NULL, 0);
	tu_fx_send(fx, b, 20 + il);
	NET_LOCK(fx->a);
	assert_int_equal(ip_path_mtu(fx->a, 0x0a090909), 1280);
	assert_int_equal(ip_path_mtu(fx->a, 0x0a090908), 1500);   /* only that host */
	struct rt_entry *rt = rt_lookup(fx->a, 0x0a090909);
	assert_true(rt->rt_flags & RTF_PMTU);
	assert_int_equal(rt->rt_gateway, TU_IP_P);
	/* larger values and nonsense are ignored; smaller ones lower it */
	assert_int_equal(rt_pmtu_update(fx->a, 0x0a090909, 1400), 0);
	assert_int_equal(rt_pmtu_update(fx->a, 0x0a090909, 20), -22);
	assert_int_equal(ip_path_mtu(fx->a, 0x0a090909), 1280);
	assert_int_equal(rt_pmtu_update(fx->a, 0x0a090909, 1000), 0);
	assert_int_equal(ip_path_mtu(fx->a, 0x0a090909), 1000);
	NET_UNLOCK(fx->a);
	/* an error about a datagram we did not send changes nothing */
	ql = dgram(q, 0x0a000077, 0x0a090901, 17, 0, 8);
	il = tu_icmp(b + 20, 3, 4, 0, 600, q, ql);
	tu_ip(b, TU_IP_P, TU_IP_A, 1, 1, 0, 64, il, NULL, 0);
	tu_fx_send(fx, b, 20 + il);
	TU_LOCKED(fx->a, assert_int_equal(ip_path_mtu(fx->a, 0x0a090901), 1500));
	/* a (forged) tiny MTU is raised to 552 */
	ql = dgram(q, TU_IP_A, 0x0a090902, 17, 0, 8);
	il = tu_icmp(b + 20, 3, 4, 0, 100, q, ql);
	tu_ip(b, TU_IP_P, TU_IP_A, 1, 1, 0, 64, il, NULL, 0);
	tu_fx_send(fx, b, 20 + il);
	TU_LOCKED(fx->a, assert_int_equal(ip_path_mtu(fx->a, 0x0a090902), 552));
	/* it is forgotten after 10 minutes (RFC 1191 6.3) */
	world_run(fx->w, RT_PMTU_EXPIRE_NS + 1 * SEC);
	TU_LOCKED(fx->a, assert_int_equal(ip_path_mtu(fx->a, 0x0a090909), 1500));
}

static void test_raw_hook_sees_everything(void **state);

static int raw_calls;
static int raw_hook(struct netstack *ns, const struct mbuf *m, int hlen)
{
	(void)ns;
	assert_true(m->m_pkthdr.len >= (uint32_t)hlen);
	raw_calls++;
	return mtod(m, const uint8_t *)[9] == 254 ? 1 : 0;   /* "a raw socket for 254" */
}

static void test_raw_hook_sees_everything(void **state)
{
	struct tu_fx *fx = *state;
	TU_LOCKED(fx->a, ip_set_rawinput(fx->a, raw_hook));
	uint8_t b[300];
	raw_calls = 0;
	size_t il = tu_icmp(b + 20, 8, 0, 0, 0, pay, 8);
	tu_ip(b, TU_IP_P, TU_IP_A, 1, 1, 0, 64, il, NULL, 0);
	tu_fx_send(fx, b, 20 + il);                                 /* ICMP: raw + echo */
	tu_fx_send(fx, b, dgram(b, TU_IP_P, TU_IP_A, 254, 0, 12));  /* taken by "raw" */
	tu_fx_send(fx, b, dgram(b, TU_IP_P, TU_IP_A, 99, 0, 12));   /* nobody: unreachable */
	assert_int_equal(raw_calls, 3);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 1, 0), 1);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 1, 3), 1);
	TU_LOCKED(fx->a, ip_set_rawinput(fx->a, NULL));
}

int main(void)
{
	for (size_t i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)(i ^ 0x5a);
#define T(f) cmocka_unit_test_setup_teardown(f, tu_fx_setup, tu_fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_echo_sizes_and_timestamp),
		T(test_protocol_unreachable),
		T(test_never_rules),
		T(test_rate_limit),
		T(test_malformed_icmp),
		T(test_ctlinput_delivery),
		T(test_path_mtu_learnt),
		T(test_raw_hook_sees_everything),
	};
	return TU_RUN(tests);
}
