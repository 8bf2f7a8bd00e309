/* The hosted port's locks (futex mutexes) and the net lock's clock reading (net_clock):
 * mutual exclusion under contention, lock ownership, and when the cached reading is taken
 * afresh (each NET_LOCK, each virtual-clock step, each netisr batch). */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include "host/testutil.h"
#include "host/port_host.h"
#include "net/netstack.h"

enum { THREADS = 4, ROUNDS = 200000 };

struct counter {
	struct port_lock *lk;
	uint64_t n;          /* changed only under lk, with a plain (non-atomic) add */
	int held_by_other;   /* port_lock_held answered true for a lock another thread held */
};

static void *bump(void *arg)
{
	struct counter *c = arg;
	for (int i = 0; i < ROUNDS; i++) {
		port_lock(c->lk);
		uint64_t v = c->n;
		if (i % 1024 == 0)
			sched_yield();   /* give the others a chance to find the lock taken */
		c->n = v + 1;
		port_unlock(c->lk);
		if (port_lock_held(c->lk))
			__atomic_store_n(&c->held_by_other, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Four threads add 200,000 each under the lock, with a yield inside the critical section to
 * make them collide: not one increment is lost. */
static void test_lock_mutual_exclusion(void **st)
{
	(void)st;
	struct counter c = { .lk = port_lock_new("test", PORT_LOCK_SLEEP) };
	assert_non_null(c.lk);
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, bump, &c), 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(c.n, (uint64_t)THREADS * ROUNDS);
	assert_int_equal(c.held_by_other, 0);
	port_lock_free(c.lk);
}

static void *try_held(void *arg)
{
	return (void *)(uintptr_t)port_lock_held(arg);
}

/* port_lock_held: true for the holder only, false after the unlock. */
static void test_lock_held(void **st)
{
	(void)st;
	struct port_lock *lk = port_lock_new("test", PORT_LOCK_INTR);
	assert_non_null(lk);
	assert_false(port_lock_held(lk));
	port_lock(lk);
	assert_true(port_lock_held(lk));
	pthread_t t;
	void *r;
	assert_int_equal(pthread_create(&t, NULL, try_held, lk), 0);
	assert_int_equal(pthread_join(t, &r), 0);
	assert_null(r);
	port_unlock(lk);
	assert_false(port_lock_held(lk));
	port_lock_free(lk);
}

/* A virtual clock: the reading is taken once per lock hold and reused; a clock step and a
 * new hold both make the next reading fresh. */
static void test_net_clock_virtual(void **st)
{
	(void)st;
	struct tu_leakcheck lc;
	tu_leakcheck_begin(&lc);
	struct netstack *ns = host_netstack_create("clk", true, 5000);
	assert_non_null(ns);
	NET_LOCK(ns);
	assert_int_equal(net_clock(ns), 5000);
	assert_int_equal(ns->ns_clock, 5000);          /* kept for the rest of the hold */
	host_clock_advance(ns, 1000);                  /* the step drops it */
	assert_int_equal(ns->ns_clock, 0);
	assert_int_equal(net_clock(ns), 6000);
	NET_UNLOCK(ns);
	host_clock_set(ns, 9000);
	NET_LOCK(ns);
	assert_int_equal(ns->ns_clock, 0);             /* a new hold reads afresh */
	assert_int_equal(net_clock(ns), 9000);
	/* net_now (timers) follows the same reading. */
	assert_int_equal(net_now(ns), 9000);
	NET_UNLOCK(ns);
	host_netstack_destroy(ns);
	tu_leakcheck_end(&lc);
}

/* A real clock: within one hold every reading is the first one; the next hold's is later or
 * equal (monotonic), and never before the first. */
static void test_net_clock_real(void **st)
{
	(void)st;
	struct tu_leakcheck lc;
	tu_leakcheck_begin(&lc);
	struct netstack *ns = host_netstack_create("clk", false, 0);
	assert_non_null(ns);
	NET_LOCK(ns);
	uint64_t t0 = net_clock(ns);
	uint64_t before = host_monotonic_ns();
	while (host_monotonic_ns() == before)
		;                                      /* let the real clock move on */
	assert_int_equal(net_clock(ns), t0);
	NET_UNLOCK(ns);
	NET_LOCK(ns);
	uint64_t t1 = net_clock(ns);
	assert_true(t1 > t0);
	assert_true(t1 >= before);
	NET_UNLOCK(ns);
	host_netstack_destroy(ns);
	tu_leakcheck_end(&lc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock_mutual_exclusion),
		cmocka_unit_test(test_lock_held),
		cmocka_unit_test(test_net_clock_virtual),
		cmocka_unit_test(test_net_clock_real),
	};
	return TU_RUN(tests);
}
