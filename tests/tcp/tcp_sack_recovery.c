/* SACK loss recovery (RFC 6675) and Limited Transmit (RFC 3042) against a scripted peer on
 * the in-memory wire: which bytes go, and when, for hand-made duplicate ACKs and SACK blocks.
 * Each connection allows SACK with MSS 1000, and each test sets cwnd before writing.  The
 * scoreboard arithmetic itself is tested in tcp_sack_send.c.  Pools and memory balance at
 * teardown (the fixture checks). */
#include "tests/tcp/tcp_sack_fx.h"

/* RFC 6675 NextSeg rule 2: once the lost hole is retransmitted, new data goes while cwnd
 * exceeds the pipe - here the whole segments that fit (Nagle keeps a partial one). */
static void test_sack_recovery_sends_new_data(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0, cwnd;
	int c = sack_conn(fx, l, 2200, 10 * 1000, 30000, &tp, &a0);
	/* One duplicate ACK SACKing 9000 bytes (RFC 6675: enough to start recovery). */
	static const uint32_t r[] = { 1000, 10000 };
	size_t mark = nsegs(fx);
	sack_dupack(fx, 2200, a0, a0, r, 1);
	TU_LOCKED(fx->a, cwnd = tp->t_cc.cwnd);
	assert_true(tp->t_flags & TF_FASTRECOVERY);
	assert_true(cwnd > 1000);
	assert_int_equal(sent_at(fx, mark, a0, NULL), 1000);
	/* pipe: the retransmission only (the hole is lost, the rest SACKed) */
	assert_int_equal(sent_from(fx, mark, a0 + 10000), (cwnd - 1000) / 1000 * 1000);
	stos_close(c);
	stos_close(l);
}

/* RFC 3042 Limited Transmit: the first and second duplicate ACK each let one new segment go
 * (the flight grows to cwnd + 2 SMSS, cwnd stays); the third starts recovery.  With nothing
 * new to send, the duplicates send nothing. */
static void test_limited_transmit(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0;
	int c = sack_conn(fx, l, 2207, 4 * 1000, 10000, &tp, &a0);
	static const uint32_t r1[] = { 1000, 2000 }, r2[] = { 1000, 3000 }, r3[] = { 1000, 4000 };
	size_t mark = nsegs(fx);
	sack_dupack(fx, 2207, a0, a0, r1, 1);
	assert_int_equal(sent_from(fx, mark, a0), 1000);
	assert_int_equal(sent_at(fx, mark, a0 + 4000, NULL), 1000);
	assert_int_equal(tp->t_cc.cwnd, 4000);
	sack_dupack(fx, 2207, a0, a0, r2, 1);
	assert_int_equal(sent_from(fx, mark, a0), 2000);
	assert_int_equal(sent_at(fx, mark, a0 + 5000, NULL), 1000);
	assert_false(tp->t_flags & TF_FASTRECOVERY);
	assert_int_equal(stos_stat(fx->a, "tcp", "sndlimited"), 2);
	sack_dupack(fx, 2207, a0, a0, r3, 1);
	assert_true(tp->t_flags & TF_FASTRECOVERY);
	assert_int_equal(sent_at(fx, mark, a0, NULL), 1000);
	stos_close(c);
	c = sack_conn(fx, l, 2208, 4 * 1000, 4000, &tp, &a0);
	mark = nsegs(fx);
	sack_dupack(fx, 2208, a0, a0, r1, 1);
	sack_dupack(fx, 2208, a0, a0, r2, 1);
	assert_int_equal(nsegs(fx), mark);
	assert_int_equal(stos_stat(fx->a, "tcp", "sndlimited"), 2);
	stos_close(c);
	stos_close(l);
}

/* RFC 6675 5 (2): one duplicate ACK whose SACK blocks put three separate SACKed ranges above
 * SND.UNA (300 bytes in all, under 2 * SMSS) makes its byte lost: recovery starts with the
 * first segment retransmitted, before a third duplicate. */
static void test_sack_three_ranges_start_recovery(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0;
	int c = sack_conn(fx, l, 2205, 10 * 1000, 10000, &tp, &a0);
	static const uint32_t r2[] = { 1000, 1100, 2000, 2100 };
	size_t mark = nsegs(fx);
	sack_dupack(fx, 2205, a0, a0, r2, 2);           /* two ranges: not yet */
	assert_false(tp->t_flags & TF_FASTRECOVERY);
	assert_int_equal(sent_at(fx, mark, a0, NULL), 0);
	static const uint32_t r3[] = { 1000, 1100, 2000, 2100, 3000, 3100 };
	sack_dupack(fx, 2205, a0, a0, r3, 3);
	assert_true(tp->t_flags & TF_FASTRECOVERY);
	assert_int_equal(sent_at(fx, mark, a0, NULL), 1000);
	stos_close(c);
	stos_close(l);
}

/* A peer that SACKs the bytes at SND.UNA without acknowledging them (a block starting at
 * SND.UNA) leaves recovery no first segment: NextSeg decides instead (here rule 1, the lost
 * hole above it), and the retransmission timer, which forgets the SACKs (RFC 2018 8), later
 * sends SND.UNA's segment.  (Each of the three duplicates reports more SACKed data, as RFC
 * 6675 2 asks of a duplicate; none makes SND.UNA's byte lost, which is SACKed.) */
static void test_sack_block_at_una(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0;
	int c = sack_conn(fx, l, 2206, 10 * 1000, 10000, &tp, &a0);
	static const uint32_t r[3][4] = {
		{ 0, 1000, 4000, 6000 }, { 0, 2000, 4000, 8000 }, { 0, 3000, 4000, 10000 },
	};
	size_t mark = nsegs(fx);
	for (int i = 0; i < 3; i++) {
		assert_false(tp->t_flags & TF_FASTRECOVERY);
		sack_dupack(fx, 2206, a0, a0, r[i], 2);
	}
	assert_true(tp->t_flags & TF_FASTRECOVERY);
	assert_int_equal(sent_at(fx, mark, a0, NULL), 0);
	assert_int_equal(sent_at(fx, mark, a0 + 3000, NULL), 1000);
	world_run(fx->w, 1 * SEC);
	assert_true(sent_at(fx, mark, a0, NULL) >= 1000);
	assert_true(stos_stat(fx->a, "tcp", "rexmttimeo") >= 1);
	stos_close(c);
	stos_close(l);
}

/* SACK blocks (offsets from a0) that grow from ACK to ACK but stay under IsLost's three
 * ranges and 2 SMSS, so only the duplicate count can start recovery. */
static const uint32_t grow1[] = { 5000, 5500 };
static const uint32_t grow2[] = { 5000, 5500, 6000, 6500 };
static const uint32_t grow3[] = { 5000, 5500, 6000, 6800 };

/* RFC 6675 2: with SACK, an ACK is a duplicate only when it reports SACKed data not known
 * before.  The same SACK-bearing ACK three times is one duplicate, not three (RFC 5681's
 * definition would count three and start recovery); two more that each add a range do. */
static void test_sack_repeated_ack_is_one_dupack(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0;
	int c = sack_conn(fx, l, 2207, 10 * 1000, 10000, &tp, &a0);
	size_t mark = nsegs(fx);
	for (int i = 0; i < 3; i++)
		sack_dupack(fx, 2207, a0, a0, grow1, 1);
	assert_int_equal(tp->t_dupacks, 1);
	assert_false(tp->t_flags & TF_FASTRECOVERY);
	assert_int_equal(sent_at(fx, mark, a0, NULL), 0);
	sack_dupack(fx, 2207, a0, a0, grow2, 2);
	assert_int_equal(tp->t_dupacks, 2);
	assert_false(tp->t_flags & TF_FASTRECOVERY);
	sack_dupack(fx, 2207, a0, a0, grow3, 2);
	assert_true(tp->t_flags & TF_FASTRECOVERY);
	assert_int_equal(sent_at(fx, mark, a0, NULL), 1000);
	stos_close(c);
	stos_close(l);
}

/* RFC 6675 5: a cumulative ACK resets DupAcks, and when it also reports new SACKed data it is
 * itself the first duplicate: with two more, recovery starts. */
static void test_sack_cumulative_ack_counts_as_dupack(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0;
	int c = sack_conn(fx, l, 2208, 10 * 1000, 10000, &tp, &a0);
	size_t mark = nsegs(fx);
	sack_dupack(fx, 2208, a0 + 1000, a0, grow1, 1);    /* acknowledges the first segment */
	assert_int_equal(tp->snd_una, a0 + 1000);
	assert_int_equal(tp->t_dupacks, 1);
	sack_dupack(fx, 2208, a0 + 1000, a0, grow2, 2);
	assert_false(tp->t_flags & TF_FASTRECOVERY);
	sack_dupack(fx, 2208, a0 + 1000, a0, grow3, 2);
	assert_true(tp->t_flags & TF_FASTRECOVERY);
	assert_int_equal(sent_at(fx, mark, a0 + 1000, NULL), 1000);
	stos_close(c);
	stos_close(l);
}

/* RFC 6675 5 (4.3): recovery's first segment is retransmitted at once even when the pipe
 * (here 36 segments above the SACKed ones, none lost) exceeds the reduced cwnd; nothing else
 * goes until the pipe drains below cwnd. */
static void test_sack_first_rexmit_ignores_pipe(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0, pipe, cwnd;
	int c = sack_conn(fx, l, 2201, 40 * 1000, 60000, &tp, &a0);
	static const uint32_t r[] = { 1000, 4000 };     /* three segments SACKed */
	size_t mark = nsegs(fx);
	sack_dupack(fx, 2201, a0, a0, r, 1);
	assert_true(tp->t_flags & TF_FASTRECOVERY);
	TU_LOCKED(fx->a, { pipe = tcp_sack_pipe(tp); cwnd = tp->t_cc.cwnd; });
	assert_true(pipe > cwnd);
	assert_int_equal(sent_at(fx, mark, a0, NULL), 1000);
	assert_int_equal(sent_from(fx, mark, a0 + 1000), 0);
	stos_close(c);
	stos_close(l);
}

/* NextSeg's order (RFC 6675 4): a hole that is not yet lost (one segment SACKed above it)
 * waits behind new data (rule 2 before rule 3); with no new data to send it is
 * retransmitted (rule 3). */
static void test_sack_unlost_hole_after_new_data(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0, cwnd;
	/* SACKed [1000,8000) and [9000,10000): [0,1000) is lost, [8000,9000) is not. */
	static const uint32_t r[] = { 1000, 8000, 9000, 10000 };
	int c = sack_conn(fx, l, 2202, 10 * 1000, 30000, &tp, &a0);
	size_t mark = nsegs(fx);
	sack_dupack(fx, 2202, a0, a0, r, 2);
	TU_LOCKED(fx->a, cwnd = tp->t_cc.cwnd);
	assert_int_equal(sent_at(fx, mark, a0, NULL), 1000);
	assert_int_equal(sent_at(fx, mark, a0 + 8000, NULL), 0);
	/* pipe 2000: the retransmission and the hole not lost */
	assert_int_equal(sent_from(fx, mark, a0 + 10000), (cwnd - 2000) / 1000 * 1000);
	stos_close(c);

	/* The same without new data: the hole goes by rule 3. */
	c = sack_conn(fx, l, 2203, 10 * 1000, 10000, &tp, &a0);
	mark = nsegs(fx);
	sack_dupack(fx, 2203, a0, a0, r, 2);
	assert_int_equal(sent_at(fx, mark, a0, NULL), 1000);
	assert_int_equal(sent_at(fx, mark, a0 + 8000, NULL), 1000);
	assert_int_equal(stos_stat(fx->a, "tcp", "sackrescue"), 0);
	stos_close(c);
	stos_close(l);
}

/* RFC 6675 NextSeg rule 4: the last segment lost with nothing SACKed above it, no new data.
 * Once the first retransmission is acknowledged (HighACK beyond RescueRxt), the highest
 * un-SACKed segment is retransmitted once, without waiting for the retransmission timer;
 * a further duplicate ACK does not repeat it. */
static void test_sack_rescue_retransmission(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0;
	int c = sack_conn(fx, l, 2204, 10 * 1000, 10000, &tp, &a0);
	static const uint32_t r[] = { 1000, 9000 };     /* the first and the last lost */
	size_t mark = nsegs(fx);
	sack_dupack(fx, 2204, a0, a0, r, 1);
	assert_int_equal(sent_at(fx, mark, a0, NULL), 1000);
	assert_int_equal(sent_at(fx, mark, a0 + 9000, NULL), 0);    /* not lost: nothing above */
	/* The retransmission arrives: everything up to 9000 is acknowledged. */
	mark = nsegs(fx);
	send_seg(fx, 2204, 5001, a0 + 9000, TH_ACK, NULL, 0, NULL, 0, 0);
	assert_true(tp->t_flags & TF_FASTRECOVERY);
	unsigned k;
	assert_int_equal(sent_at(fx, mark, a0 + 9000, &k), 1000);
	assert_int_equal(k, 1);
	assert_int_equal(stos_stat(fx->a, "tcp", "sackrescue"), 1);
	mark = nsegs(fx);
	send_seg(fx, 2204, 5001, a0 + 9000, TH_ACK, NULL, 0, NULL, 0, 0);
	assert_int_equal(sent_at(fx, mark, a0 + 9000, NULL), 0);
	assert_int_equal(stos_stat(fx->a, "tcp", "sackrescue"), 1);
	stos_close(c);
	stos_close(l);
}

/* A retransmission lost again (tcp_sack.c's log): the first segment is lost, recovery resends
 * it and sends new data as the pipe allows; the peer then SACKs everything above the hole,
 * new data included, but still lacks the hole.  More than two segments sent after the
 * retransmission have arrived, so the retransmission is lost, and it goes again at once
 * rather than after the RTO; the same ACK repeated sends nothing more. */
static void test_sack_lost_retransmission(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0, top;
	int c = sack_conn(fx, l, 2211, 10 * 1000, 20000, &tp, &a0);
	static const uint32_t r1[] = { 1000, 10000 };
	size_t mark = nsegs(fx);
	sack_dupack(fx, 2211, a0, a0, r1, 1);
	assert_true(tp->t_flags & TF_FASTRECOVERY);
	assert_int_equal(sent_at(fx, mark, a0, NULL), 1000);
	/* Recovery sends new data after the retransmission; once the peer holds more than
	 * two segments of it, the retransmission is known lost. */
	for (int i = 0; i < 4 && (top = tp->snd_max) - a0 <= 12000; i++) {
		uint32_t r[] = { 1000, top - a0 };
		sack_dupack(fx, 2211, a0, a0, r, 1);
	}
	top = tp->snd_max;
	assert_true(top - a0 > 12000);
	assert_int_equal(stos_stat(fx->a, "tcp", "sackrelost"), 0);
	uint32_t r2[] = { 1000, top - a0 };
	mark = nsegs(fx);
	sack_dupack(fx, 2211, a0, a0, r2, 1);
	unsigned k;
	assert_int_equal(sent_at(fx, mark, a0, &k), 1000);
	assert_int_equal(k, 1);
	assert_int_equal(stos_stat(fx->a, "tcp", "sackrelost"), 1);
	assert_int_equal(stos_stat(fx->a, "tcp", "rexmttimeo"), 0);
	mark = nsegs(fx);
	sack_dupack(fx, 2211, a0, a0, r2, 1);
	assert_int_equal(sent_at(fx, mark, a0, NULL), 0);
	send_seg(fx, 2211, 5001, a0 + (top - a0), TH_ACK, NULL, 0, NULL, 0, 0);
	assert_false(tp->t_flags & TF_FASTRECOVERY);
	assert_null(tp->t_rxlog);
	stos_close(c);
	stos_close(l);
}

/* More holes than the tcpcb keeps ranges for (TCP_SACK_HOLES): 40 segments sent, every
 * other one lost, the 20 SACKed ranges reported four per duplicate ACK.  The scoreboard
 * grows into its larger array, so every lost hole is retransmitted once and no SACKed
 * segment is (an 8-range scoreboard forgot the ranges above its eighth and never resent
 * the holes between them); the full ACK gives the array back. */
static void test_sack_scoreboard_beyond_tcpcb(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0;
	int c = sack_conn(fx, l, 2209, 40 * 1000, 40000, &tp, &a0);
	size_t mark = nsegs(fx);
	for (unsigned d = 0; d < 5; d++) {
		uint32_t r[8];
		for (unsigned i = 0; i < 4; i++) {
			r[2 * i] = (8 * d + 2 * i + 1) * 1000;
			r[2 * i + 1] = r[2 * i] + 1000;
		}
		sack_dupack(fx, 2209, a0, a0, r, 4);
	}
	assert_true(tp->t_flags & TF_FASTRECOVERY);
	assert_int_equal(tp->t_sack.n, 20);
	assert_non_null(tp->t_sack.ext);
	assert_int_equal(stos_stat(fx->a, "tcp", "sackboardgrow"), 1);
	for (unsigned k = 0; k < 40; k++) {
		unsigned count;
		sent_at(fx, mark, a0 + k * 1000, &count);
		assert_int_equal(count, k % 2 ? 0 : 1);
	}
	send_seg(fx, 2209, 5001, a0 + 40000, TH_ACK, NULL, 0, NULL, 0, 0);
	assert_false(tp->t_flags & TF_FASTRECOVERY);
	assert_int_equal(tp->t_sack.n, 0);
	assert_null(tp->t_sack.ext);
	stos_close(c);
	stos_close(l);
}

/* A hostile or broken peer's SACK blocks cannot grow the scoreboard without bound: 400
 * ranges of 10 bytes (every 20 bytes of the first 8000 of 10,000 outstanding), four per ACK
 * from the highest down, leave TCP_SACK_MAX ranges, the lowest ones (each new lower range
 * pushes out the highest); one array is taken, and given back at the full ACK. */
static void test_sack_scoreboard_bounded(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0;
	int c = sack_conn(fx, l, 2210, 10 * 1000, 10000, &tp, &a0);
	for (unsigned d = 0; d < 100; d++) {
		uint32_t r[8];
		for (unsigned i = 0; i < 4; i++) {
			unsigned k = 399 - (4 * d + i);         /* range k: [20k + 10, 20k + 20) */
			r[2 * i] = 20 * k + 10;
			r[2 * i + 1] = 20 * k + 20;
		}
		sack_dupack(fx, 2210, a0, a0, r, 4);
	}
	assert_int_equal(tp->t_sack.n, TCP_SACK_MAX);
	assert_non_null(tp->t_sack.ext);
	assert_int_equal(tp->t_sack.ext[0].start, a0 + 10);
	assert_int_equal(tp->t_sack.ext[TCP_SACK_MAX - 1].end, a0 + 20 * (TCP_SACK_MAX - 1) + 20);
	assert_int_equal(stos_stat(fx->a, "tcp", "sackboardgrow"), 1);
	assert_int_equal(stos_stat(fx->a, "tcp", "sackboardnomem"), 0);
	assert_true(tp->t_flags & TF_FASTRECOVERY);
	send_seg(fx, 2210, 5001, a0 + 10000, TH_ACK, NULL, 0, NULL, 0, 0);
	assert_int_equal(tp->t_sack.n, 0);
	assert_null(tp->t_sack.ext);
	stos_close(c);
	stos_close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sack_recovery_sends_new_data,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_limited_transmit,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_sack_three_ranges_start_recovery,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_sack_block_at_una,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_sack_repeated_ack_is_one_dupack,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_sack_cumulative_ack_counts_as_dupack,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_sack_first_rexmit_ignores_pipe,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_sack_unlost_hole_after_new_data,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_sack_rescue_retransmission,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_sack_lost_retransmission,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_sack_scoreboard_beyond_tcpcb,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_sack_scoreboard_bounded,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
	};
	return TU_RUN(tests);
}
