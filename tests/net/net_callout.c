/* The callout wheel: ordering, stop, re-arm from a callback, times beyond one turn of the
 * wheel, past deadlines, net_timers_next, and the virtual clock. */
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "host/wire.h"
#include "host/port_host.h"
#include "host/stos_api.h"
#include "net/netstack.h"

static struct netstack *ns;
static int order[2048], norder;
static struct callout rearm_c;
static int rearm_left;

static void rec(void *arg)
{
	order[norder++] = (int)(intptr_t)arg;
}

static void rearm(void *arg)
{
	(void)arg;
	order[norder++] = 100;
	if (--rearm_left > 0)
		callout_reset(ns, &rearm_c, 10 * MSEC, rearm, NULL);
}

static void run_to(uint64_t t)
{
	host_clock_set(ns, t);
	net_timers_run(ns, t);
}

static struct tu_leakcheck lc;
static int setup(void **st)
{
	(void)st;
	tu_leakcheck_begin(&lc);
	ns = host_netstack_create("t", true, 5 * SEC);
	norder = 0;
	return 0;
}
static int teardown(void **st)
{
	(void)st;
	host_netstack_destroy(ns);
	tu_leakcheck_end(&lc);
	return 0;
}

static void test_order_and_stop(void **st)
{
	(void)st;
	struct callout c[5];
	NET_LOCK(ns);
	for (int i = 0; i < 5; i++)
		callout_init(&c[i]);
	callout_reset(ns, &c[0], 30 * MSEC, rec, (void *)0);
	callout_reset(ns, &c[1], 10 * MSEC, rec, (void *)1);
	callout_reset(ns, &c[2], 20 * MSEC, rec, (void *)2);
	callout_reset(ns, &c[3], 15 * MSEC, rec, (void *)3);
	callout_reset(ns, &c[4], 25 * MSEC, rec, (void *)4);
	assert_true(callout_stop(ns, &c[3]));
	assert_false(callout_stop(ns, &c[3]));
	callout_reset(ns, &c[4], 5 * MSEC, rec, (void *)4);   /* re-arm moves it */
	assert_int_equal(net_timers_next(ns), 5 * SEC + 5 * MSEC);
	NET_UNLOCK(ns);
	run_to(5 * SEC + 9 * MSEC);
	assert_int_equal(norder, 1);
	run_to(5 * SEC + 100 * MSEC);
	assert_int_equal(norder, 4);
	assert_int_equal(order[0], 4);
	assert_int_equal(order[1], 1);
	assert_int_equal(order[2], 2);
	assert_int_equal(order[3], 0);
	assert_false(callout_pending(&c[0]));
	NET_LOCK(ns);
	assert_int_equal(net_timers_next(ns), UINT64_MAX);
	NET_UNLOCK(ns);
}

static void test_rearm_from_callback(void **st)
{
	(void)st;
	callout_init(&rearm_c);
	rearm_left = 5;
	TU_LOCKED(ns, callout_reset(ns, &rearm_c, 10 * MSEC, rearm, NULL));
	for (int i = 1; i <= 100; i++)
		run_to(5 * SEC + (uint64_t)i * MSEC);
	assert_int_equal(norder, 5);
	/* a big jump fires a pending callout once, not once per missed period */
	rearm_left = 3;
	TU_LOCKED(ns, callout_reset(ns, &rearm_c, 10 * MSEC, rearm, NULL));
	run_to(5 * SEC + 10 * SEC);
	assert_int_equal(norder, 6);
	run_to(5 * SEC + 10 * SEC + 10 * MSEC);
	assert_int_equal(norder, 7);
}

static void test_far_future_and_past(void **st)
{
	(void)st;
	struct callout far, past, many[1000];
	callout_init(&far);
	callout_init(&past);
	NET_LOCK(ns);
	/* beyond one turn of the wheel (512 ms): must not fire at the aliased slot */
	callout_reset(ns, &far, 3 * SEC + 7 * MSEC, rec, (void *)7);
	callout_reset_at(ns, &past, 1 * SEC, rec, (void *)8);   /* already due */
	for (int i = 0; i < 1000; i++) {
		callout_init(&many[i]);
		callout_reset(ns, &many[i], (uint64_t)(i % 97 + 1) * 37 * MSEC, rec, (void *)9);
	}
	NET_UNLOCK(ns);
	run_to(5 * SEC);
	assert_int_equal(norder, 1);
	assert_int_equal(order[0], 8);
	run_to(5 * SEC + 519 * MSEC);       /* 3 s + 7 ms mod 512 ms = 7 ms: would alias */
	int fired_far = 0;
	for (int i = 0; i < norder; i++)
		fired_far += order[i] == 7;
	assert_int_equal(fired_far, 0);
	norder = 0;
	run_to(5 * SEC + 3 * SEC + 6 * MSEC);
	for (int i = 0; i < norder; i++)
		assert_int_not_equal(order[i], 7);
	norder = 0;
	run_to(5 * SEC + 3 * SEC + 7 * MSEC);
	assert_int_equal(norder, 1);
	assert_int_equal(order[0], 7);
	run_to(5 * SEC + 10 * SEC);
	NET_LOCK(ns);
	assert_int_equal(ns->ns_callouts.cw_pending, 0);
	NET_UNLOCK(ns);
}

static void test_clock(void **st)
{
	(void)st;
	assert_int_equal(port_now_ns(ns), 5 * SEC);
	host_clock_advance(ns, 3);
	assert_int_equal(port_now_ns(ns), 5 * SEC + 3);
	host_clock_set(ns, 1);               /* never backwards */
	assert_int_equal(port_now_ns(ns), 5 * SEC + 3);
	assert_int_equal(net_now(ns), 5 * SEC + 3);
	/* a timed sleep on a virtual clock ends when the deadline passes */
	NET_LOCK(ns);
	assert_int_equal(port_sleep(ns, &ns, ns->ns_lock, 5 * SEC), -110 /* ETIMEDOUT */);
	NET_UNLOCK(ns);
}

static int locked_calls;
static void rec_locked(void *arg)
{
	/* Callouts run with the net lock held, under stos_run's one hold too. */
	locked_calls += port_lock_held(ns->ns_lock);
	rec(arg);
}

/* stos_run runs the input and the due timers under one net-lock hold, the timers at the
 * clock of that hold (net_clock): a callout fires at the first turn at or after its time,
 * not before, with the lock held, and nothing stays held after the turn. */
static void test_stos_run_timers(void **st)
{
	(void)st;
	struct callout c;
	locked_calls = 0;
	NET_LOCK(ns);
	callout_init(&c);
	callout_reset(ns, &c, 10 * MSEC, rec_locked, (void *)9);
	NET_UNLOCK(ns);
	host_clock_set(ns, 5 * SEC + 9 * MSEC);
	assert_int_equal(stos_run(ns), 0);
	assert_int_equal(norder, 0);
	assert_false(port_lock_held(ns->ns_lock));
	host_clock_set(ns, 5 * SEC + 10 * MSEC);
	assert_int_equal(stos_run(ns), 0);
	assert_int_equal(norder, 1);
	assert_int_equal(order[0], 9);
	assert_int_equal(locked_calls, 1);
	assert_false(port_lock_held(ns->ns_lock));
	NET_LOCK(ns);
	assert_false(callout_pending(&c));
	assert_int_equal(net_timers_next(ns), UINT64_MAX);
	NET_UNLOCK(ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_and_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rearm_from_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_far_future_and_past, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stos_run_timers, setup, teardown),
	};
	return TU_RUN(tests);
}
