/* The hierarchical callout wheel (net/callout.c) against a reference model: thousands of
 * callouts armed, re-armed, stopped and re-arming themselves from their callbacks, with
 * delays from nothing to a month (every level and the overflow list), while the virtual
 * clock moves by nanoseconds, milliseconds, hours or weeks at a time.  Checked after every
 * step: a callout fires exactly once per arming, at the first run whose time is at or past
 * its expiry (never early, never late), a stopped one never; net_timers_next never answers
 * later than the earliest pending expiry, and after a run always later than that run's
 * time (so a caller that sleeps until it makes progress); the tick's work counters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "host/wire.h"
#include "host/port_host.h"
#include "net/netstack.h"

#define N 2000
#define STEPS 30000

static struct netstack *ns;
static struct callout co[N];
static uint64_t expect[N];          /* expiry when armed, else 0 */
static uint64_t now;
static uint64_t rng = 88172645463325252ull;
static unsigned fired_total, bad;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t rnd_delay(void)
{
	switch (rnd() % 6) {
	case 0: return 0;
	case 1: return rnd() % (2 * MSEC);
	case 2: return rnd() % (300 * MSEC);
	case 3: return rnd() % (70 * SEC);
	case 4: return rnd() % (3 * 3600 * SEC);
	default: return rnd() % (30 * 24 * 3600 * SEC);   /* beyond the top level: overflow */
	}
}

static void arm(int i, uint64_t delay);

static void fire(void *arg)
{
	int i = (int)(intptr_t)arg;
	/* Armed and due at this run (lateness is checked after every run: nothing due may be
	 * left pending). */
	if (!expect[i] || expect[i] > now)
		bad++;
	expect[i] = 0;
	fired_total++;
	if (i % 7 == 0 && rnd() % 2)
		arm(i, rnd_delay());        /* re-arm from the callback */
}

static void arm(int i, uint64_t delay)
{
	callout_reset(ns, &co[i], delay, fire, (void *)(intptr_t)i);
	expect[i] = now + delay;
}

static uint64_t model_min(void)
{
	uint64_t m = UINT64_MAX;
	for (int i = 0; i < N; i++)
		if (expect[i] && expect[i] < m)
			m = expect[i];
	return m;
}

static void test_wheel_model(void **st)
{
	(void)st;
	struct tu_leakcheck lc;
	tu_leakcheck_begin(&lc);
	now = 5 * SEC;
	ns = host_netstack_create("wheel", true, now);
	assert_non_null(ns);
	for (int i = 0; i < N; i++)
		callout_init(&co[i]);
	for (int step = 0; step < STEPS; step++) {
		NET_LOCK(ns);
		for (int k = 0; k < 8; k++) {
			int i = (int)(rnd() % N);
			if (rnd() % 4 == 0) {
				bool was = callout_stop(ns, &co[i]);
				if (was != (expect[i] != 0))
					bad++;
				expect[i] = 0;
			} else {
				arm(i, rnd_delay());
			}
		}
		uint64_t next = net_timers_next(ns), m = model_min();
		if (next > m)
			bad++;                       /* never later than the earliest */
		NET_UNLOCK(ns);
		/* Advance: mostly small steps, sometimes to the answer of net_timers_next, now and
		 * then hours or weeks at once. */
		uint64_t r = rnd() % 100, adv;
		if (r < 60)
			adv = rnd() % (3 * MSEC);
		else if (r < 85)
			adv = next != UINT64_MAX && next > now ? next - now : 1;
		else if (r < 97)
			adv = rnd() % (100 * SEC);
		else
			adv = rnd() % (20 * 24 * 3600 * SEC);
		now += adv;
		host_clock_set(ns, now);
		net_timers_run(ns, now);
		NET_LOCK(ns);
		for (int i = 0; i < N; i++)
			if (expect[i] && expect[i] <= now)
				bad++;                   /* due but not fired */
		next = net_timers_next(ns);
		if (next != UINT64_MAX && next <= now)
			bad++;                       /* a caller sleeping until `next` must progress */
		if (next > model_min())
			bad++;
		NET_UNLOCK(ns);
		if (bad) {
			print_error("step %d: %u violations (now %llu)\n", step, bad,
			    (unsigned long long)now);
			break;
		}
	}
	assert_int_equal(bad, 0);
	assert_true(fired_total > STEPS);
	printf("# %u callouts fired; %llu cascaded, %llu visited before due, %llu slots\n",
	    fired_total, (unsigned long long)ns->ns_callouts.cw_cascaded,
	    (unsigned long long)ns->ns_callouts.cw_skipped,
	    (unsigned long long)ns->ns_callouts.cw_slotvisits);
	NET_LOCK(ns);
	for (int i = 0; i < N; i++)
		callout_stop(ns, &co[i]);
	assert_int_equal(ns->ns_callouts.cw_pending, 0);
	assert_int_equal(net_timers_next(ns), UINT64_MAX);
	NET_UNLOCK(ns);
	host_netstack_destroy(ns);
	tu_leakcheck_end(&lc);
}

/* A tick's work does not depend on how many callouts wait on higher levels. */
static void test_idle_tick_work(void **st)
{
	(void)st;
	static struct callout far[50000];
	uint64_t work[2];
	for (int round = 0; round < 2; round++) {
		int n = round ? 50000 : 10;
		now = 5 * SEC;
		ns = host_netstack_create("idle", true, now);
		NET_LOCK(ns);
		for (int i = 0; i < n; i++) {
			callout_init(&far[i]);
			callout_reset(ns, &far[i], 7200 * SEC + (uint64_t)i * MSEC, fire, (void *)0);
		}
		NET_UNLOCK(ns);
		struct callout_wheel *w = &ns->ns_callouts;
		uint64_t before = w->cw_slotvisits + w->cw_cascaded + w->cw_skipped;
		for (int t = 0; t < 2000; t++) {
			now += MSEC;
			host_clock_set(ns, now);
			net_timers_run(ns, now);
		}
		work[round] = w->cw_slotvisits + w->cw_cascaded + w->cw_skipped - before;
		assert_int_equal(w->cw_skipped, 0);
		NET_LOCK(ns);
		for (int i = 0; i < n; i++)
			callout_stop(ns, &far[i]);
		NET_UNLOCK(ns);
		host_netstack_destroy(ns);
	}
	printf("# 2,000 idle ticks: work %llu with 10 callouts armed, %llu with 50,000\n",
	    (unsigned long long)work[0], (unsigned long long)work[1]);
	assert_int_equal(work[0], work[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wheel_model),
		cmocka_unit_test(test_idle_tick_work),
	};
	return TU_RUN(tests);
}
