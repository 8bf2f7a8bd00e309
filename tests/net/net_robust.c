/* Robustness: thousands of mutated and random frames (ARP, IPv4 with options, fragments,
 * ICMP errors and echoes, truncations) into a stack with a peer and forwarding on; the stack
 * must count and drop, never crash (run under ASan/UBSan in 21-net-asan), and give back
 * every mbuf and byte when destroyed.  Seeded, so a failure replays exactly. */
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "host/wire.h"
#include "host/port_host.h"
#include "net/netstack.h"
#include "net/in_cksum.h"

static uint64_t rs = 0x1234567;
static uint32_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (uint32_t)rs;
}

/* A plausible frame to mutate: one of several valid shapes. */
static size_t seed_frame(uint8_t *f, int kind)
{
	static uint8_t pay[1500];
	size_t n = 14, il;
	memset(f, 0, 1514);
	tu_eth(f, (kind & 1) ? ether_broadcast : TU_MAC_A, TU_MAC_P, 0x0800);
	uint8_t *ip = f + 14;
	switch (kind % 6) {
	case 0:   /* ARP request for us */
		be16_put(f + 12, 0x0806);
		return 14 + tu_arp(f + 14, 1, TU_MAC_P, TU_IP_P, NULL, TU_IP_A);
	case 1:   /* echo request */
		il = tu_icmp(ip + 20, 8, 0, 1, 1, pay, rnd() % 200);
		return n + tu_ip(ip, TU_IP_P, TU_IP_A, 1, (uint16_t)rnd(), 0, 64, il, NULL, 0) + il;
	case 2: { /* fragment of an echo, random offset */
		uint16_t off = (uint16_t)(rnd() % 64);
		il = 8 * (1 + rnd() % 20);
		memset(ip + 20, (int)rnd(), il);
		return n + tu_ip(ip, TU_IP_P, TU_IP_A, 1, (uint16_t)(rnd() % 4),
		    (uint16_t)((rnd() & 1 ? 0x2000 : 0) | off), 64, il, NULL, 0) + il;
	}
	case 3: { /* ICMP error quoting something */
		uint8_t q[48];
		size_t ql = tu_ip(q, TU_IP_A, TU_IP_P, (uint8_t)(rnd() % 3 ? 17 : 6), 1, 0, 64, 8, NULL, 0) + 8;
		il = tu_icmp(ip + 20, (uint8_t)(3 + (rnd() % 10)), (uint8_t)(rnd() % 6), 0, 0, q, ql);
		return n + tu_ip(ip, TU_IP_P, TU_IP_A, 1, 1, 0, 64, il, NULL, 0) + il;
	}
	case 4: { /* options */
		uint8_t o[40];
		size_t ol = 4 * (1 + rnd() % 10);
		for (size_t i = 0; i < ol; i++)
			o[i] = (uint8_t)rnd();
		il = tu_icmp(ip + 60, 8, 0, 1, 1, pay, 16);
		size_t h = tu_ip(ip, TU_IP_P, TU_IP_A, 1, 1, 0, 64, il, o, ol);
		memmove(ip + h, ip + 60, il);
		return n + h + il;
	}
	default:  /* to be forwarded, or not */
		il = 30;
		memset(ip + 20, 1, il);
		return n + tu_ip(ip, TU_IP_P, 0x0b000000 | (rnd() & 0xffffff), (uint8_t)rnd(),
		    1, 0, (uint8_t)(rnd() % 3), il, NULL, 0) + il;
	}
}

static void test_mutated_frames(void **state)
{
	struct tu_fx *fx = *state;
	uint8_t f[1600];
	fx->a->ns_conf.ip_forwarding = true;
	TU_LOCKED(fx->a, rt_add(fx->a, 0, 0, TU_IP_P, NULL, 0, 0));
	for (int i = 0; i < 20000; i++) {
		size_t len = seed_frame(f, (int)(rnd() % 12));
		int muts = (int)(rnd() % 4);
		for (int k = 0; k < muts; k++) {
			size_t at = rnd() % len;
			switch (rnd() % 4) {
			case 0: f[at] = (uint8_t)rnd(); break;
			case 1: f[at] ^= (uint8_t)(1u << (rnd() % 8)); break;
			case 2: len = at + 1; break;                          /* truncate */
			default: be16_put(f + 16 + (rnd() % 4) * 2, (uint16_t)rnd()); break;
			}
		}
		/* fix the IP checksum half of the time so the mutation reaches deeper layers */
		if (len >= 34 && be16_get(f + 12) == 0x0800 && (rnd() & 1)) {
			size_t hl = (size_t)(f[14] & 15) * 4;
			if (hl >= 20 && 14 + hl <= len) {
				be16_put(f + 24, 0);
				be16_put(f + 24, in_cksum(f + 14, hl));
			}
		}
		tu_peer_send(&fx->peer, f, len);
		if (i % 64 == 0) {
			world_run(fx->w, 50 * MSEC);
			tu_peer_clear(&fx->peer);
		}
	}
	world_run(fx->w, 60 * SEC);      /* every reassembly and ARP timer expires */
	NET_LOCK(fx->a);
	uint64_t in = net_stat_get(fx->a, "ether", "ipackets");
	uint64_t echo = net_stat_get(fx->a, "icmp", "echoreply");
	NET_UNLOCK(fx->a);
	print_message("# frames in %lu, echo replies %lu\n", (unsigned long)in, (unsigned long)echo);
	assert_true(in > 15000);
	assert_true(echo > 100);
	/* still healthy: a clean echo is answered */
	tu_peer_clear(&fx->peer);
	uint8_t d[64];
	size_t il = tu_icmp(d + 20, 8, 0, 1, 1, d, 0);
	tu_ip(d, TU_IP_P, TU_IP_A, 1, 1, 0, 64, il, NULL, 0);
	tu_fx_send(fx, d, 20 + il);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 1, 0), 1);
}

static void test_random_bytes(void **state)
{
	struct tu_fx *fx = *state;
	uint8_t f[1600];
	for (int i = 0; i < 5000; i++) {
		size_t len = rnd() % 1515;
		for (size_t k = 0; k < len; k++)
			f[k] = (uint8_t)rnd();
		if (len >= 14 && (rnd() & 1)) {
			memcpy(f, TU_MAC_A, 6);
			be16_put(f + 12, rnd() & 1 ? 0x0800 : 0x0806);
		}
		tu_peer_send(&fx->peer, f, len);
	}
	world_run(fx->w, 60 * SEC);
}

/* Allocation failure everywhere: with the pools capped low, traffic is dropped and counted,
 * never leaked. */
static void test_under_memory_pressure(void **state)
{
	struct tu_fx *fx = *state;
	struct mbuf_stats s;
	mbuf_stats(&s);
	uint8_t f[1600];
	for (uint64_t cap = 1; cap < 12; cap++) {
		mbuf_set_limits(s.mbufs + cap, s.clusters + cap / 2);
		for (int i = 0; i < 200; i++) {
			size_t len = seed_frame(f, (int)(rnd() % 12));
			tu_peer_send(&fx->peer, f, len);
		}
		world_run(fx->w, 10 * MSEC);
		tu_peer_clear(&fx->peer);
	}
	mbuf_set_limits(0, 0);
	world_run(fx->w, 60 * SEC);
	mbuf_stats(&s);
	assert_true(s.drops > 0);
}

int main(void)
{
	host_log_level(-10);
#define T(f) cmocka_unit_test_setup_teardown(f, tu_fx_setup, tu_fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_mutated_frames),
		T(test_random_bytes),
		T(test_under_memory_pressure),
	};
	return TU_RUN(tests);
}
