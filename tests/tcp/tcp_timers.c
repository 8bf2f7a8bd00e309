/* A TCP connection's six timers on its one callout (net/tcp_timer.c).
 *
 * Two instances over the in-memory wire with a virtual clock (tcp_scale_world.h: every
 * connection has SO_KEEPALIVE, so each end keeps its two-hour keepalive timer armed).
 * Checked on real connections: the callout is pending at the earliest armed timer; arming
 * a later timer only records it and arming an earlier one moves the callout; stopping a
 * timer moves it to the earliest one still armed (or off the wheel when none is left),
 * except for the delayed-ACK timer, which is stopped lazily: its callout fires once, runs nothing (no
 * segment, no delayed-ACK count) and moves on; timers due together all run in one firing;
 * an idle connection holds one callout, at its keepalive, and an exchange leaves the wheel
 * as it found it; closing leaves the pools balanced (scale_world_close). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "host/wire.h"
#include "host/port_host.h"
#include "host/stos_api.h"
#include "net/netstack.h"
#include "net/socketvar.h"
#include "net/tcp_var.h"
#include "tests/tcp/tcp_scale_world.h"

#define CONNS 4

/* What a test looks at, copied under the net lock and checked after it (a failed cmocka
 * assertion jumps out of the test, and must not leave the lock held). */
struct snap {
	uint64_t due[TT_NTIMERS];
	uint64_t expiry;            /* the callout's, 0 when not pending */
	uint32_t pending;           /* callouts on the instance's wheel */
	uint64_t fired;
};

static struct tcpcb *tcb(int fd)
{
	struct socket *so = stos_sock(fd);
	return so && so->so_pcb ? intotcpcb(so->so_pcb) : NULL;
}

static void snap(struct netstack *ns, int fd, struct snap *s)
{
	memset(s, 0, sizeof *s);
	NET_LOCK(ns);
	struct tcpcb *tp = tcb(fd);
	if (tp) {
		memcpy(s->due, tp->t_due, sizeof s->due);
		s->expiry = callout_pending(&tp->t_callout) ? tp->t_callout.c_expire : 0;
	}
	s->pending = ns->ns_callouts.cw_pending;
	s->fired = ns->ns_callouts.cw_fired;
	NET_UNLOCK(ns);
	assert_non_null(tp);
}

/* Only the keepalive timer armed, and the callout at it. */
static void assert_idle(const struct snap *s)
{
	for (int w = 0; w < TT_NTIMERS; w++)
		assert_int_equal(s->due[w] != 0, w == TT_KEEP);
	assert_int_equal(s->expiry, s->due[TT_KEEP]);
}

/* tcp_timer_arm or tcp_timer_stop on connection i's client end, then a snapshot. */
static void arm(struct scale_world *sw, size_t i, int which, uint64_t delay, struct snap *s)
{
	NET_LOCK(sw->a);
	struct tcpcb *tp = tcb(sw->cfd[i]);
	if (tp)
		tcp_timer_arm(tp, which, delay);
	NET_UNLOCK(sw->a);
	snap(sw->a, sw->cfd[i], s);
}

static void stop(struct scale_world *sw, size_t i, int which, struct snap *s)
{
	NET_LOCK(sw->a);
	struct tcpcb *tp = tcb(sw->cfd[i]);
	if (tp)
		tcp_timer_stop(tp, which);
	NET_UNLOCK(sw->a);
	snap(sw->a, sw->cfd[i], s);
}

static void run(struct scale_world *sw, uint64_t ns)
{
	world_run(sw->w, ns);
	net_timers_run(sw->a, world_now(sw->w));
	net_timers_run(sw->b, world_now(sw->w));
}

static int setup(void **state)
{
	struct scale_world *sw = calloc(1, sizeof *sw);
	if (!sw || scale_world_init(sw) != 0 || scale_open(sw, CONNS) != 0)
		return -1;
	run(sw, 1 * SEC);       /* past every handshake-time timer */
	*state = sw;
	return 0;
}

static int teardown(void **state)
{
	struct scale_world *sw = *state;
	unsigned left = scale_world_close(sw);
	free(sw);
	return left == 0 ? 0 : -1;
}

static void test_idle_connection_holds_one_callout(void **state)
{
	struct scale_world *sw = *state;
	struct snap s;
	for (size_t i = 0; i < CONNS; i++) {
		snap(sw->a, sw->cfd[i], &s);
		assert_idle(&s);
		snap(sw->b, sw->sfd[i], &s);
		assert_idle(&s);
	}
	/* An exchange arms and stops the retransmission and delayed-ACK timers; once the
	 * delayed-ACK callout left behind has fired, each end is idle again and the wheels
	 * hold what they held before. */
	snap(sw->a, sw->cfd[0], &s);
	uint32_t pa = s.pending;
	snap(sw->b, sw->sfd[0], &s);
	uint32_t pb = s.pending;
	assert_int_equal(scale_echo(sw, 0, 1000, 7), 0);
	run(sw, 100 * MSEC);
	snap(sw->a, sw->cfd[0], &s);
	assert_idle(&s);
	assert_int_equal(s.pending, pa);
	snap(sw->b, sw->sfd[0], &s);
	assert_idle(&s);
	assert_int_equal(s.pending, pb);
}

static void test_earliest_timer_holds_the_callout(void **state)
{
	struct scale_world *sw = *state;
	struct snap s;
	snap(sw->a, sw->cfd[1], &s);
	uint64_t keep = s.due[TT_KEEP];
	uint32_t pending = s.pending;

	/* An earlier timer moves the callout; a later one does not. */
	arm(sw, 1, TT_2MSL, 60 * SEC, &s);
	assert_int_equal(s.expiry, s.due[TT_2MSL]);
	arm(sw, 1, TT_REXMT, 30 * SEC, &s);
	assert_int_equal(s.expiry, s.due[TT_REXMT]);
	arm(sw, 1, TT_REXMT, 40 * SEC, &s);         /* re-armed later: only recorded */
	assert_int_equal(s.expiry, s.due[TT_REXMT] - 10 * SEC);

	/* Stopping a timer (but the delayed ACK) puts the callout at the earliest one still
	 * armed: here the retransmission timer's later due time. */
	stop(sw, 1, TT_2MSL, &s);
	assert_int_equal(s.due[TT_2MSL], 0);
	assert_int_equal(s.expiry, s.due[TT_REXMT]);
	stop(sw, 1, TT_REXMT, &s);
	assert_int_equal(s.expiry, keep);
	assert_idle(&s);

	/* With nothing armed at all, the callout leaves the wheel. */
	stop(sw, 1, TT_KEEP, &s);
	assert_int_equal(s.expiry, 0);
	assert_int_equal(s.pending, pending - 1);
	arm(sw, 1, TT_KEEP, 7200 * SEC, &s);
	assert_idle(&s);
	assert_int_equal(s.pending, pending);
}

static void test_stopped_delack_fires_once_and_runs_nothing(void **state)
{
	struct scale_world *sw = *state;
	struct snap s;
	uint64_t delacks = stos_stat(sw->a, "tcp", "delack");
	arm(sw, 2, TT_DELACK, 40 * MSEC, &s);
	uint64_t due = s.due[TT_DELACK], fired = s.fired;
	assert_int_equal(s.expiry, due);
	stop(sw, 2, TT_DELACK, &s);                 /* lazily: the callout stays */
	assert_int_equal(s.due[TT_DELACK], 0);
	assert_int_equal(s.expiry, due);

	uint64_t frames = wire_frames(sw->wr);
	run(sw, 50 * MSEC);
	assert_int_equal(wire_frames(sw->wr), frames);     /* no ACK went out */
	assert_int_equal(stos_stat(sw->a, "tcp", "delack"), delacks);
	snap(sw->a, sw->cfd[2], &s);
	assert_int_equal(s.fired, fired + 1);
	assert_idle(&s);
}

static void test_timers_due_together_run_in_one_firing(void **state)
{
	struct scale_world *sw = *state;
	struct snap s;
	uint64_t delacks = stos_stat(sw->a, "tcp", "delack");
	/* A delayed ACK and a keepalive due in the same millisecond: the keepalive finds the
	 * connection idle for less than its idle time and re-arms itself; the delayed ACK
	 * sends an ACK. */
	arm(sw, 3, TT_DELACK, 20 * MSEC, &s);
	uint64_t fired = s.fired;
	arm(sw, 3, TT_KEEP, 20 * MSEC, &s);
	uint64_t frames = wire_frames(sw->wr);
	run(sw, 30 * MSEC);
	assert_int_equal(stos_stat(sw->a, "tcp", "delack"), delacks + 1);
	assert_true(wire_frames(sw->wr) > frames);         /* the ACK */
	snap(sw->a, sw->cfd[3], &s);
	assert_int_equal(s.fired, fired + 1);
	assert_idle(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_idle_connection_holds_one_callout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_earliest_timer_holds_the_callout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stopped_delack_fires_once_and_runs_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_timers_due_together_run_in_one_firing, setup,
		    teardown),
	};
	return TU_RUN(tests);
}
