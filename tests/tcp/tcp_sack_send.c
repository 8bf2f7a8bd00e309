/* The sender's SACK arithmetic of RFC 6675 on hand-made scoreboards (net/tcp_sack.c): IsLost,
 * SetPipe (tcp_sack_pipe), IsLost(HighACK + 1) (tcp_sack_una_lost) and NextSeg's candidates (tcp_sack_next_lost for rule 1,
 * tcp_sack_next_hole for rule 3, tcp_sack_rescue_seg for rule 4).  Every expected value is
 * worked out from the RFC's definitions in the comments, with SMSS 1000 and DupThresh 3.
 * cmocka, TAP output. */
#include <string.h>
#include "host/testutil.h"
#include "net/tcp_var.h"

#define MSS 1000u
#define UNA 100000u

static struct tcpcb tp;

/* A connection with snd_una UNA, `flight` bytes sent, nothing retransmitted yet, and the
 * SACKed ranges given as offsets from UNA: pairs (start, end), n of them. */
static void board(uint32_t flight, const uint32_t *r, unsigned n)
{
	memset(&tp, 0, sizeof tp);
	tp.t_maxseg = MSS;
	tp.snd_una = UNA;
	tp.snd_max = UNA + flight;
	tp.sack_hint = UNA;
	tp.t_sack.n = n;
	for (unsigned i = 0; i < n; i++) {
		tp.t_sack.blk[i].start = UNA + r[2 * i];
		tp.t_sack.blk[i].end = UNA + r[2 * i + 1];
	}
}

/* Ten segments sent, the first lost, the other nine SACKed: the hole has 9000 SACKed bytes
 * above it (more than (DupThresh - 1) * SMSS), so it is lost and leaves the pipe; nothing
 * else is un-SACKed.  Retransmitting it (HighRxt at its end) puts it back in the pipe once. */
static void test_one_lost_hole(void **state)
{
	(void)state;
	static const uint32_t r[] = { 1000, 10000 };
	board(10000, r, 1);
	assert_int_equal(tcp_sack_pipe(&tp), 0);
	tcp_seq s;
	uint32_t len;
	assert_true(tcp_sack_next_lost(&tp, UNA, &s, &len));
	assert_int_equal(s, UNA);
	assert_int_equal(len, 1000);
	tp.sack_hint = UNA + 1000;
	assert_int_equal(tcp_sack_pipe(&tp), 1000);
	/* Above HighRxt nothing is left to retransmit, lost or not. */
	assert_false(tcp_sack_next_lost(&tp, tp.sack_hint, &s, &len));
	assert_false(tcp_sack_next_hole(&tp, tp.sack_hint, &s, &len));
}

/* Reordering, not loss: one segment SACKed above the first hole is neither DupThresh
 * ranges nor more than 2 * SMSS bytes, so the hole is not lost: it stays in the pipe and
 * rule 1 has nothing, while rule 3 offers it. */
static void test_hole_not_lost_yet(void **state)
{
	(void)state;
	static const uint32_t r[] = { 1000, 2000 };
	board(5000, r, 1);
	/* un-SACKed: [0,1000) not lost, [2000,5000) above every SACK, not lost */
	assert_int_equal(tcp_sack_pipe(&tp), 4000);
	tcp_seq s;
	uint32_t len;
	assert_false(tcp_sack_next_lost(&tp, UNA, &s, &len));
	assert_false(tcp_sack_una_lost(&tp));
	assert_true(tcp_sack_next_hole(&tp, UNA, &s, &len));
	assert_int_equal(s, UNA);
	assert_int_equal(len, 1000);
	/* Exactly 2 * SMSS above is still not "more than" (DupThresh - 1) * SMSS ... */
	static const uint32_t r2[] = { 1000, 3000 };
	board(5000, r2, 1);
	assert_false(tcp_sack_next_lost(&tp, UNA, &s, &len));
	/* ... one byte more is. */
	static const uint32_t r3[] = { 1000, 3001 };
	board(5000, r3, 1);
	assert_true(tcp_sack_next_lost(&tp, UNA, &s, &len));
	assert_true(tcp_sack_una_lost(&tp));
}

/* DupThresh discontiguous SACKed ranges make a hole lost however few bytes they hold. */
static void test_three_ranges_make_loss(void **state)
{
	(void)state;
	/* holes [0,100) [200,300) [400,500); SACKed [100,200) [300,400) [500,600) */
	static const uint32_t r[] = { 100, 200, 300, 400, 500, 600 };
	board(600, r, 3);
	tcp_seq s;
	uint32_t len;
	/* Only the first hole has three ranges above it (300 bytes: not enough by bytes). */
	assert_true(tcp_sack_una_lost(&tp));
	assert_true(tcp_sack_next_lost(&tp, UNA, &s, &len));
	assert_int_equal(s, UNA);
	assert_int_equal(len, 100);
	assert_false(tcp_sack_next_lost(&tp, UNA + 100, &s, &len));
	/* pipe: the two later holes, 100 bytes each */
	assert_int_equal(tcp_sack_pipe(&tp), 200);
}

/* Holes lost and not: rule 1 skips a hole that is not lost and finds the next lost one
 * above HighRxt; the pipe counts each un-SACKed byte once unless lost, and once more at or
 * below HighRxt. */
static void test_pipe_and_rule1_over_many_holes(void **state)
{
	(void)state;
	/* SACKed: [1000,2000) [3000,6000) [7000,8000); holes [0,1000) [2000,3000) [6000,7000);
	 * above the top: [8000,10000).  Bytes SACKed above each hole: 5000, 4000, 1000, and
	 * ranges above them: 3, 2, 1 - so the first two holes are lost, the third is not. */
	static const uint32_t r[] = { 1000, 2000, 3000, 6000, 7000, 8000 };
	board(10000, r, 3);
	assert_int_equal(tcp_sack_pipe(&tp), 1000 + 2000);
	tcp_seq s;
	uint32_t len;
	assert_true(tcp_sack_next_lost(&tp, UNA + 500, &s, &len));     /* HighRxt mid-hole */
	assert_int_equal(s, UNA + 500);
	assert_int_equal(len, 500);
	assert_true(tcp_sack_next_lost(&tp, UNA + 1000, &s, &len));
	assert_int_equal(s, UNA + 2000);
	assert_int_equal(len, 1000);
	assert_false(tcp_sack_next_lost(&tp, UNA + 3000, &s, &len));
	assert_true(tcp_sack_next_hole(&tp, UNA + 3000, &s, &len));    /* rule 3 */
	assert_int_equal(s, UNA + 6000);
	assert_int_equal(len, 1000);
	/* Both lost holes retransmitted (HighRxt at 3000): each counts once more. */
	tp.sack_hint = UNA + 3000;
	assert_int_equal(tcp_sack_pipe(&tp), 3000 + 2000);
	/* The hole not lost retransmitted too (rule 3): it counts twice, the lost ones once. */
	tp.sack_hint = UNA + 7000;
	assert_int_equal(tcp_sack_pipe(&tp), 3000 + 3000);
}

/* Rule 4's segment: up to SMSS ending at the highest un-SACKed byte - the top of what was
 * sent when that is not SACKed, else just below the highest SACKed range. */
static void test_rescue_segment(void **state)
{
	(void)state;
	static const uint32_t r[] = { 1000, 2000 };
	board(5000, r, 1);
	tcp_seq s;
	uint32_t len;
	assert_true(tcp_sack_rescue_seg(&tp, &s, &len));
	assert_int_equal(s, UNA + 4000);
	assert_int_equal(len, 1000);
	static const uint32_t r2[] = { 500, 5000 };           /* the tail SACKed */
	board(5000, r2, 1);
	assert_true(tcp_sack_rescue_seg(&tp, &s, &len));
	assert_int_equal(s, UNA);
	assert_int_equal(len, 500);
	static const uint32_t r3[] = { 0, 5000 };             /* everything SACKed */
	board(5000, r3, 1);
	assert_false(tcp_sack_rescue_seg(&tp, &s, &len));
	assert_int_equal(tcp_sack_pipe(&tp), 0);
}

/* A full scoreboard (TCP_SACK_HOLES ranges) and sequence numbers that wrap. */
static void test_full_board_across_wrap(void **state)
{
	(void)state;
	uint32_t r[2 * TCP_SACK_HOLES];
	for (unsigned i = 0; i < TCP_SACK_HOLES; i++) {
		r[2 * i] = 1000 * (2 * i + 1);
		r[2 * i + 1] = 1000 * (2 * i + 2);
	}
	board(2000 * TCP_SACK_HOLES + 1000, r, TCP_SACK_HOLES);
	uint32_t pipe_here = tcp_sack_pipe(&tp);
	/* The same board with snd_una just below the wrap. */
	uint32_t shift = 0u - 3000u - UNA;
	tp.snd_una += shift;
	tp.snd_max += shift;
	tp.sack_hint += shift;
	for (unsigned i = 0; i < TCP_SACK_HOLES; i++) {
		tp.t_sack.blk[i].start += shift;
		tp.t_sack.blk[i].end += shift;
	}
	assert_int_equal(tcp_sack_pipe(&tp), pipe_here);
	/* Holes below the top two ranges and the tail are not lost: 2 holes of 1000 (two
	 * ranges, 2000 bytes above them) + the 1000 bytes above the top. */
	assert_int_equal(pipe_here, 3000);
	tcp_seq s;
	uint32_t len;
	assert_true(tcp_sack_next_lost(&tp, tp.snd_una, &s, &len));
	assert_int_equal(s, tp.snd_una);
	assert_int_equal(len, 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_lost_hole),
		cmocka_unit_test(test_hole_not_lost_yet),
		cmocka_unit_test(test_three_ranges_make_loss),
		cmocka_unit_test(test_pipe_and_rule1_over_many_holes),
		cmocka_unit_test(test_rescue_segment),
		cmocka_unit_test(test_full_board_across_wrap),
	};
	return TU_RUN(tests);
}
