/* Tail loss probes (RFC 8985 7, net/tcp_tlp.c) against a scripted peer on the in-memory wire
 * with a virtual clock: when the probe goes, what it carries, and how its ACK is read.  Each
 * connection allows SACK with MSS 1000 (tcp_sack_fx.h) and gets an RTT sample of 10 ms from
 * the peer's first ACK, so its PTO is 20 ms and its RTO the 200 ms minimum.  Pools and memory
 * balance at teardown (the fixture checks). */
#include "tests/tcp/tcp_sack_fx.h"

static uint64_t stat(struct tu_fx *fx, const char *name)
{
	return stos_stat(fx->a, "tcp", name);
}

/* sack_conn with an RTT estimate of 10 ms (as if measured: the handshake's own sample is near
 * zero on the wire), then 9 ms after the data went the peer's ACK of ack_off bytes, whose
 * sample for the first segment keeps it near there.  (Before the ACK the PTO counted from the
 * handshake's sample: its 10 ms floor, not yet reached.) */
static int tlp_conn(struct tu_fx *fx, int l, uint16_t sport, uint32_t cwnd, size_t nbytes,
    uint32_t ack_off, struct tcpcb **tpp, uint32_t *a0p)
{
	int c = sack_conn(fx, l, sport, cwnd, nbytes, tpp, a0p);
	struct tcpcb *tp = *tpp;
	TU_LOCKED(fx->a, tp->t_srtt = 10 * MSEC; tp->t_rttvar = 5 * MSEC);
	world_run(fx->w, 8 * MSEC);         /* sack_conn ran the clock 1 ms */
	send_seg(fx, sport, 5001, *a0p + ack_off, TH_ACK, NULL, 0, NULL, 0, 0);
	assert_true(tp->t_srtt >= 9 * MSEC && tp->t_srtt <= 11 * MSEC);
	return c;
}

/* The whole tail of a flight lost: 20 ms after the last ACK the last segment goes again, and
 * when the peer SACKs it every hole below is lost at once (RACK's verdict for the probe):
 * SACK recovery starts with that one duplicate ACK and no retransmission timeout happens. */
static void test_tlp_sacked_probe_starts_recovery(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0;
	int c = tlp_conn(fx, l, 2300, 10 * 1000, 10000, 4000, &tp, &a0);
	size_t mark = nsegs(fx);
	world_run(fx->w, 15 * MSEC);
	assert_int_equal(nsegs(fx), mark);          /* not before the PTO */
	world_run(fx->w, 10 * MSEC);
	unsigned k;
	assert_int_equal(sent_at(fx, mark, a0 + 9000, &k), 1000);
	assert_int_equal(k, 1);
	assert_int_equal(nsegs(fx), mark + 1);
	assert_int_equal(stat(fx, "tlpprobes"), 1);
	assert_int_equal(stat(fx, "tlpprobesnew"), 0);
	assert_true(tp->t_flags & TF_TLP);

	mark = nsegs(fx);
	static const uint32_t r[] = { 9000, 10000 };
	sack_dupack(fx, 2300, a0 + 4000, a0, r, 1);
	assert_true(tp->t_flags & TF_FASTRECOVERY);
	assert_false(tp->t_flags & TF_TLP);
	assert_int_equal(stat(fx, "tlpsacked"), 1);
	/* One duplicate ACK with one SACKed segment: DupThresh alone would not have started
	 * recovery (tcp_sack_recovery.c's tests). */
	assert_int_equal(sent_at(fx, mark, a0 + 4000, &k), 1000);
	assert_int_equal(k, 1);
	assert_int_equal(sent_at(fx, mark, a0 + 5000, NULL), 1000);     /* lost too: the pipe */
	send_seg(fx, 2300, 5001, a0 + 10000, TH_ACK, NULL, 0, NULL, 0, 0);
	assert_false(tp->t_flags & (TF_FASTRECOVERY | TF_LOSTBELOW));
	mark = nsegs(fx);
	world_run(fx->w, 500 * MSEC);
	assert_int_equal(nsegs(fx), mark);
	assert_int_equal(stat(fx, "rexmttimeo"), 0);
	stos_close(c);
	stos_close(l);
}

/* A SACK block that reaches beyond what was sent is no report of the probe (the scoreboard
 * ignores it too): nothing is taken as lost, and the RTO stays the remedy. */
static void test_tlp_bogus_sack_ignored(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0;
	int c = tlp_conn(fx, l, 2309, 10 * 1000, 10000, 4000, &tp, &a0);
	world_run(fx->w, 25 * MSEC);
	assert_int_equal(stat(fx, "tlpprobes"), 1);
	size_t mark = nsegs(fx);
	static const uint32_t r[] = { 9000, 20000 };
	sack_dupack(fx, 2309, a0 + 4000, a0, r, 1);
	assert_false(tp->t_flags & (TF_FASTRECOVERY | TF_LOSTBELOW));
	assert_true(tp->t_flags & TF_TLP);
	assert_int_equal(stat(fx, "tlpsacked"), 0);
	assert_int_equal(nsegs(fx), mark);
	world_run(fx->w, 250 * MSEC);
	assert_int_equal(stat(fx, "rexmttimeo"), 1);
	stos_close(c);
	stos_close(l);
}

/* The peer SACKs the last segment on its own (the probe never goes: the timer finds SACKed
 * data above holes).  One SACKed segment is too little for RFC 6675 to call the holes lost,
 * and no more ACKs come: 20 ms after the last ACK of new data the holes are taken as lost, as
 * RACK's reordering timer would have by then, and SACK recovery starts. */
static void test_tlp_timer_takes_holes_below_sacked_data(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0;
	int c = tlp_conn(fx, l, 2308, 10 * 1000, 10000, 4000, &tp, &a0);
	static const uint32_t r[] = { 9000, 10000 };
	sack_dupack(fx, 2308, a0 + 4000, a0, r, 1);
	assert_false(tp->t_flags & TF_FASTRECOVERY);
	size_t mark = nsegs(fx);
	world_run(fx->w, 15 * MSEC);
	assert_int_equal(nsegs(fx), mark);
	world_run(fx->w, 10 * MSEC);
	assert_true(tp->t_flags & TF_FASTRECOVERY);
	assert_int_equal(stat(fx, "tlpholes"), 1);
	assert_int_equal(stat(fx, "tlpprobes"), 0);
	unsigned k;
	assert_int_equal(sent_at(fx, mark, a0 + 4000, &k), 1000);
	assert_int_equal(k, 1);
	assert_int_equal(sent_at(fx, mark, a0 + 9000, NULL), 0);       /* SACKed: not resent */
	send_seg(fx, 2308, 5001, a0 + 10000, TH_ACK, NULL, 0, NULL, 0, 0);
	assert_false(tp->t_flags & (TF_FASTRECOVERY | TF_LOSTBELOW));
	assert_int_equal(stat(fx, "rexmttimeo"), 0);
	stos_close(c);
	stos_close(l);
}

/* A flight cwnd holds to what is in flight, with more data waiting: the probe is the next new
 * segment, whatever cwnd says, and its ACK ends the episode without touching cwnd. */
static void test_tlp_probe_sends_new_data(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0, top, cwnd, ssthresh;
	int c = tlp_conn(fx, l, 2301, 5 * 1000, 20000, 1000, &tp, &a0);
	TU_LOCKED(fx->a, top = tp->snd_max; cwnd = tp->t_cc.cwnd; ssthresh = tp->t_cc.ssthresh);
	assert_int_equal(top - tp->snd_una, cwnd);      /* cwnd-limited, data waiting */
	size_t mark = nsegs(fx);
	world_run(fx->w, 25 * MSEC);
	unsigned k;
	assert_int_equal(sent_at(fx, mark, top, &k), 1000);
	assert_int_equal(nsegs(fx), mark + 1);
	assert_int_equal(stat(fx, "tlpprobesnew"), 1);
	assert_int_equal(tp->t_cc.cwnd, cwnd);
	send_seg(fx, 2301, 5001, top + 1000, TH_ACK, NULL, 0, NULL, 0, 0);
	assert_false(tp->t_flags & TF_TLP);
	assert_int_equal(tp->t_cc.ssthresh, ssthresh);
	assert_int_equal(stat(fx, "tlprepaired"), 0);
	stos_close(c);
	stos_close(l);
}

/* Two segments out, 20 ms of silence, the probe (the last segment again), then an ACK that
 * reaches the probe's end: the probe repaired a loss, or the original arrived too and the
 * probe is a duplicate - not yet known, so the episode stays open.  *ssthresh: before. */
static int probe_acked_to_end(struct tu_fx *fx, int l, uint16_t sport, struct tcpcb **tpp,
    uint32_t *a0, uint32_t *ssthresh)
{
	int c = tlp_conn(fx, l, sport, 10 * 1000, 10000, 8000, tpp, a0);
	struct tcpcb *tp = *tpp;
	TU_LOCKED(fx->a, *ssthresh = tp->t_cc.ssthresh);
	world_run(fx->w, 25 * MSEC);
	assert_int_equal(stat(fx, "tlpprobes"), 1);
	send_seg(fx, sport, 5001, *a0 + 10000, TH_ACK, NULL, 0, NULL, 0, 0);
	assert_true(tp->t_flags & TF_TLP);
	return c;
}

/* The peer then reports the probe as a duplicate (D-SACK): nothing was lost, no cwnd
 * reduction. */
static void test_tlp_dsack_means_no_loss(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0, ssthresh;
	int c = probe_acked_to_end(fx, l, 2302, &tp, &a0, &ssthresh);
	static const uint32_t d[] = { 9000, 10000 };
	sack_dupack(fx, 2302, a0 + 10000, a0, d, 1);
	assert_false(tp->t_flags & TF_TLP);
	assert_int_equal(stat(fx, "tlpspurious"), 1);
	assert_int_equal(stat(fx, "tlprepaired"), 0);
	assert_int_equal(tp->t_cc.ssthresh, ssthresh);
	stos_close(c);
	stos_close(l);
}

/* As above, but the peer sends no D-SACK: a second ACK at the probe's end says the same. */
static void test_tlp_second_ack_means_no_loss(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0, ssthresh;
	int c = probe_acked_to_end(fx, l, 2303, &tp, &a0, &ssthresh);
	send_seg(fx, 2303, 5001, a0 + 10000, TH_ACK, NULL, 0, NULL, 0, 0);
	assert_false(tp->t_flags & TF_TLP);
	assert_int_equal(stat(fx, "tlprepaired"), 0);
	assert_int_equal(tp->t_cc.ssthresh, ssthresh);
	stos_close(c);
	stos_close(l);
}

/* The probe repaired the one lost segment: no D-SACK for it, and the next ACK goes beyond it
 * (new data written later).  That loss gets the congestion response (RFC 8985 7.4.2). */
static void test_tlp_repaired_loss_reduces_cwnd(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0, ssthresh;
	int c = probe_acked_to_end(fx, l, 2304, &tp, &a0, &ssthresh);
	static uint8_t more[1000];
	size_t mark = nsegs(fx);
	assert_int_equal(stos_send(c, more, sizeof more, MSG_DONTWAIT), (ssize_t)sizeof more);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(sent_at(fx, mark, a0 + 10000, NULL), 1000);
	send_seg(fx, 2304, 5001, a0 + 11000, TH_ACK, NULL, 0, NULL, 0, 0);
	assert_false(tp->t_flags & TF_TLP);
	assert_int_equal(stat(fx, "tlprepaired"), 1);
	assert_true(tp->t_cc.ssthresh < ssthresh);
	assert_true(tp->t_cc.cwnd <= tp->t_cc.ssthresh + 1000);    /* (this ACK's growth) */
	assert_false(tp->t_flags & TF_FASTRECOVERY);
	stos_close(c);
	stos_close(l);
}

/* One segment in flight: the PTO adds the peer's worst-case delayed ACK (200 ms), which puts
 * it past the RTO; the probe then goes at the RTO's time instead of the RTO (RFC 8985 7.2),
 * so cwnd and the backoff stay as they were.  The RTO proper comes an RTO after the probe. */
static void test_tlp_at_rto_time(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0, cwnd;
	int c = tlp_conn(fx, l, 2305, 10 * 1000, 10000, 9000, &tp, &a0);
	TU_LOCKED(fx->a, cwnd = tp->t_cc.cwnd);
	size_t mark = nsegs(fx);
	world_run(fx->w, 150 * MSEC);
	assert_int_equal(nsegs(fx), mark);
	world_run(fx->w, 100 * MSEC);
	assert_int_equal(sent_at(fx, mark, a0 + 9000, NULL), 1000);
	assert_int_equal(stat(fx, "tlpprobes"), 1);
	assert_int_equal(stat(fx, "rexmttimeo"), 0);
	assert_int_equal(tp->t_cc.cwnd, cwnd);
	assert_int_equal(tp->t_rxtshift, 0);
	world_run(fx->w, 100 * MSEC);               /* the probe went 200 ms after the ACK */
	assert_int_equal(stat(fx, "rexmttimeo"), 0);
	world_run(fx->w, 100 * MSEC);
	assert_int_equal(stat(fx, "rexmttimeo"), 1);
	assert_int_equal(sent_at(fx, mark, a0 + 9000, NULL), 2000);
	stos_close(c);
	stos_close(l);
}

/* With TLP off (the FreeBSD scripts' setting), a lost tail waits for the RTO. */
static void test_tlp_off(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0;
	TU_LOCKED(fx->a, tcp_instance(fx->a)->ti_conf.no_tlp = true);
	int c = tlp_conn(fx, l, 2306, 10 * 1000, 10000, 4000, &tp, &a0);
	size_t mark = nsegs(fx);
	world_run(fx->w, 150 * MSEC);
	assert_int_equal(nsegs(fx), mark);
	world_run(fx->w, 100 * MSEC);
	assert_int_equal(sent_at(fx, mark, a0 + 4000, NULL), 1000);
	assert_int_equal(stat(fx, "rexmttimeo"), 1);
	assert_int_equal(stat(fx, "tlpprobes"), 0);
	stos_close(c);
	stos_close(l);
}

/* The peer closes its window while data is in flight: the persist timer takes over, and no
 * probe goes. */
static void test_tlp_not_into_closed_window(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0;
	int c = tlp_conn(fx, l, 2310, 10 * 1000, 10000, 2000, &tp, &a0);
	uint8_t b[128];
	size_t n = tu_tcp(b, 2310, PORT, 5001, a0 + 4000, TH_ACK, 0, NULL, 0, NULL, 0, 0);
	tu_fx_send(fx, b, n);
	assert_int_equal(tp->snd_wnd, 0);
	size_t mark = nsegs(fx);
	world_run(fx->w, 100 * MSEC);
	assert_int_equal(nsegs(fx), mark);
	assert_int_equal(stat(fx, "tlpprobes"), 0);
	assert_true(tcp_timer_active(tp, TT_PERSIST));
	stos_close(c);
	stos_close(l);
}

/* ACKs arriving every 10 ms keep moving the PTO: no probe while the flight drains, and none
 * once everything is acknowledged. */
static void test_tlp_acks_hold_it_off(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0;
	int c = tlp_conn(fx, l, 2307, 10 * 1000, 10000, 1000, &tp, &a0);
	for (uint32_t off = 2000; off <= 10000; off += 1000) {
		world_run(fx->w, 10 * MSEC);
		send_seg(fx, 2307, 5001, a0 + off, TH_ACK, NULL, 0, NULL, 0, 0);
	}
	world_run(fx->w, 1000 * MSEC);
	assert_int_equal(stat(fx, "tlpprobes"), 0);
	assert_int_equal(stat(fx, "rexmttimeo"), 0);
	assert_int_equal(tp->t_due[TT_TLP], 0);
	stos_close(c);
	stos_close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tlp_sacked_probe_starts_recovery,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_tlp_bogus_sack_ignored,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_tlp_timer_takes_holes_below_sacked_data,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_tlp_probe_sends_new_data,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_tlp_dsack_means_no_loss,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_tlp_second_ack_means_no_loss,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_tlp_repaired_loss_reduces_cwnd,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_tlp_at_rto_time,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_tlp_off,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_tlp_not_into_closed_window,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_tlp_acks_hold_it_off,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
	};
	return TU_RUN(tests);
}
