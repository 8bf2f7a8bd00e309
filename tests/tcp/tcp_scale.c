/* 100,000 established TCP connections on one instance must not make one segment slower
 * (issue 6, "Scale").  Two instances over the in-memory wire (tcp_scale_world.h); the same
 * measurements are taken with 10 connections and with SCALE_N (100,000, or $TCP_SCALE_N)
 * and compared through deterministic structural counters, never wall-clock time:
 *  - pcb lookup: hash-chain entries examined per lookup (in_pcblookup), and the longest
 *    chain of the lookup hash; the same for the handshakes (listener lookups);
 *  - ephemeral ports (RFC 6056): ports tried and port-chain entries examined per connect;
 *  - the callout wheel: with two keepalive timers armed per connection, the work of one
 *    tick (slots processed, callouts cascaded, callouts visited but not due) over a second
 *    of idle ticks.
 * Plus byte-exact echoes on a sample of connections spread over the whole set (repeated
 * warm: no port_alloc call, no wire frame allocated), and the mbuf pools and port_alloc
 * memory back where they started after every connection is closed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "host/wire.h"
#include "host/port_host.h"
#include "net/netstack.h"
#include "net/tcp_var.h"
#include "tests/tcp/tcp_scale_world.h"

#define SAMPLE 64
#define IDLE_TICKS 1000

struct measure {
	double visits_per_lookup, lookups_per_seg;
	double eph_tries_per_conn, eph_visits_per_conn;
	double open_lookups_per_conn, open_visits_per_lookup;   /* handshakes: listener lookups */
	double wheel_work_per_tick;
	uint64_t skipped;
	uint32_t maxchain;
	/* the echoes a second time on the same connections (the first pass, on connections
	 * that never carried data, may still fill the mbuf caches): port_alloc calls and
	 * wire frame records allocated */
	uint64_t warm_allocs, warm_frame_allocs;
};

/* Echoes on SAMPLE connections and a second of idle ticks, counted. */
static void measure(struct scale_world *sw, struct measure *m)
{
	struct scale_counters c0, c1;
	scale_counters(sw, &c0);
	assert_int_equal(scale_echo_sample(sw, SAMPLE, 1000), 0);
	scale_counters(sw, &c1);
	assert_true(c1.lookups > c0.lookups);
	m->visits_per_lookup = (double)(c1.visits - c0.visits) / (double)(c1.lookups - c0.lookups);
	m->lookups_per_seg = (double)(c1.lookups - c0.lookups) / (double)(c1.segs - c0.segs);

	uint64_t calls0 = host_alloc_calls(), frames0, frames1;
	unsigned spare;
	world_frame_stats(sw->w, &frames0, &spare);
	assert_int_equal(scale_echo_sample(sw, SAMPLE, 1000), 0);
	world_frame_stats(sw->w, &frames1, &spare);
	m->warm_allocs = host_alloc_calls() - calls0;
	m->warm_frame_allocs = frames1 - frames0;

	scale_counters(sw, &c0);
	for (int t = 0; t < IDLE_TICKS; t++) {
		world_run(sw->w, 1 * MSEC);
		/* One run of each wheel per tick, due or not, as the kernel's clock tick does. */
		net_timers_run(sw->a, world_now(sw->w));
		net_timers_run(sw->b, world_now(sw->w));
	}
	scale_counters(sw, &c1);
	m->wheel_work_per_tick = (double)(c1.cw_slotvisits - c0.cw_slotvisits +
	    c1.cw_cascaded - c0.cw_cascaded + c1.cw_skipped - c0.cw_skipped) / IDLE_TICKS;
	m->skipped = c1.cw_skipped - c0.cw_skipped;
	NET_LOCK(sw->a);
	m->maxchain = in_pcbinfo_maxchain(&tcp_instance(sw->a)->ti_pcbinfo);
	NET_UNLOCK(sw->a);
	NET_LOCK(sw->b);
	uint32_t mb = in_pcbinfo_maxchain(&tcp_instance(sw->b)->ti_pcbinfo);
	NET_UNLOCK(sw->b);
	if (mb > m->maxchain)
		m->maxchain = mb;
}

/* Opens connections up to n, counting the ephemeral-port work of the last `last` connects. */
static void open_counted(struct scale_world *sw, size_t n, size_t last, struct measure *m)
{
	struct scale_counters c0, c1;
	if (n > last)
		assert_int_equal(scale_open(sw, n - last), 0);
	scale_counters(sw, &c0);
	assert_int_equal(scale_open(sw, n), 0);
	scale_counters(sw, &c1);
	m->eph_tries_per_conn = (double)(c1.eph_tries - c0.eph_tries) / (double)last;
	m->eph_visits_per_conn = (double)(c1.eph_visits - c0.eph_visits) / (double)last;
	m->open_lookups_per_conn = (double)(c1.lookups - c0.lookups) / (double)last;
	m->open_visits_per_lookup = (double)(c1.visits - c0.visits) / (double)(c1.lookups - c0.lookups);
}

static void print_measure(const char *what, size_t n, const struct measure *m)
{
	printf("# %s (%zu connections): %.3f chain entries per lookup, %.2f lookups per segment, "
	    "longest chain %u; %.3f ports tried and %.2f port-chain entries per connect; "
	    "wheel work %.3f per tick, %llu not-due callouts visited; handshakes: %.2f probes per "
	    "connection, %.3f chain entries per probe; echoes again: %llu port_alloc calls, %llu "
	    "wire frames allocated\n", what, n,
	    m->visits_per_lookup, m->lookups_per_seg, m->maxchain, m->eph_tries_per_conn,
	    m->eph_visits_per_conn, m->wheel_work_per_tick, (unsigned long long)m->skipped,
	    m->open_lookups_per_conn, m->open_visits_per_lookup,
	    (unsigned long long)m->warm_allocs, (unsigned long long)m->warm_frame_allocs);
}

static void test_scale(void **st)
{
	(void)st;
	size_t big = 100000;
	const char *env = getenv("TCP_SCALE_N");
	if (env && atol(env) >= 1000)
		big = (size_t)atol(env);
	struct tu_leakcheck lc;
	struct scale_world sw;
	struct measure small, large;
	tu_leakcheck_begin(&lc);
	assert_int_equal(scale_world_init(&sw), 0);

	open_counted(&sw, 10, 10, &small);
	measure(&sw, &small);
	print_measure("small", sw.n, &small);

	uint64_t mem0 = host_alloc_live();
	open_counted(&sw, big, 512, &large);
	uint64_t mem1 = host_alloc_live();
	NET_LOCK(sw.a);
	assert_int_equal(tcp_count_state(sw.a, TCPS_ESTABLISHED, 0), big);
	NET_UNLOCK(sw.a);
	NET_LOCK(sw.b);
	assert_int_equal(tcp_count_state(sw.b, TCPS_ESTABLISHED, 0), big);
	assert_true(sw.b->ns_callouts.cw_pending >= big);   /* a keepalive per connection */
	NET_UNLOCK(sw.b);
	printf("# %zu connections: %.0f bytes of stack memory per connection (both ends)\n",
	    big, (double)(mem1 - mem0) / (double)(big - 10));
	measure(&sw, &large);
	print_measure("large", sw.n, &large);

	/* Lookups: the same probes per segment, chains as short (load factor <= 1). */
	assert_true(large.lookups_per_seg <= small.lookups_per_seg + 0.01);
	assert_true(large.visits_per_lookup <= small.visits_per_lookup + 1.0);
	assert_true(large.maxchain <= 16);
	/* Handshakes (listener lookups: the exact 4-tuple, then the wildcards): as many probes,
	 * chains as short. */
	assert_true(large.open_lookups_per_conn <= small.open_lookups_per_conn + 0.01);
	assert_true(large.open_visits_per_lookup <= small.open_visits_per_lookup + 1.0);
	/* No allocation on the fast path beyond mbufs, which come from their caches (mbuf.c):
	 * warm echoes call port_alloc not once, at 10 connections or at 100,000, and the wire
	 * recycles its frames (a malloc per frame made the per-segment instruction count
	 * grow with the heap: tcp_scale_bench). */
	assert_int_equal(small.warm_allocs, 0);
	assert_int_equal(large.warm_allocs, 0);
	assert_int_equal(small.warm_frame_allocs, 0);
	assert_int_equal(large.warm_frame_allocs, 0);
	/* Ephemeral ports: a connect tries as many ports at 100,000 as at 10. */
	assert_true(large.eph_tries_per_conn <= 2.0);
	assert_true(large.eph_visits_per_conn <= small.eph_visits_per_conn + 2.0);
	/* The wheel: the work of an idle tick does not grow with the timers armed. */
	assert_int_equal(small.skipped, 0);
	assert_int_equal(large.skipped, 0);
	assert_true(large.wheel_work_per_tick <= small.wheel_work_per_tick + 1.0);

	assert_int_equal(scale_world_close(&sw), 0);
	tu_leakcheck_end(&lc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scale),
	};
	return TU_RUN(tests);
}
