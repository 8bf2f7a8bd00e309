/* TIME-WAIT at scale: what may end it early, and what may not.  A scripted peer (10.0.0.99,
 * host/testutil.h's fixture) on the in-memory wire with the virtual clock; stack "a" closes
 * first, so its end of each connection waits in TIME-WAIT (2MSL = 60 s).
 *  - RFC 1337: an RST (in window, with or without ACK) does not end TIME-WAIT; 2MSL does.
 *  - RFC 6191 / RFC 9293 3.6.1: a new SYN for the 4-tuple whose timestamp is newer than the
 *    old incarnation's reopens it at once; one with an old timestamp, or none, does not.
 *    Without timestamps on the old incarnation, a SYN beyond its last received sequence
 *    number reopens it, with an ISS beyond everything the old one sent; one at or below
 *    does not.
 *  - Memory pressure (issue 6): at the connection limit (ipi_limit) a new connection takes
 *    the place of the OLDEST TIME-WAIT connection (counted in twrecycled), never of one in
 *    another state: with no TIME-WAIT left the new connection is refused instead, and
 *    socket() fails with ENOBUFS.  The same when an allocation fails (host_alloc_fail): the
 *    new connection's socket, inpcb or tcpcb.
 * Pools and memory balance at teardown (the fixture checks). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "tests/tcp/tcp_peer_fx.h"
#include "host/wire.h"
#include "host/stos_api.h"
#include "host/port_host.h"
#include "net/in_cksum.h"
#include "net/netlib.h"
#include "net/netstack.h"
#include "net/tcp_var.h"
#include <stos/socket.h>
#include <stos/in.h>


/* The peer sends no timestamp option (tests of RFC 9293 3.6.1's sequence-number rule). */
static bool no_ts;

static int teardown(void **st)
{
	struct tu_fx *fx = *st;
	no_ts = false;
	stos_close_all(fx->a);
	world_run(fx->w, 20 * 60 * SEC);
	TU_LOCKED(fx->a, assert_int_equal(tcp_count_state(fx->a, 0, 0), 0));
	return tu_fx_teardown(st);
}

/* A TCP segment from the peer, with a timestamp option (NOP NOP TS) unless no_ts and, on a
 * SYN, MSS first. */
static size_t mk_tcp(uint8_t *b, uint16_t sport, uint32_t seq, uint32_t ack, uint8_t flags,
    uint32_t tsval, uint32_t tsecr)
{
	uint8_t opts[16];
	size_t optlen = 0;
	if (flags & TH_SYN) {
		const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };
		memcpy(opts, mss, 4);
		optlen = 4;
	}
	if (no_ts)
		return tu_tcp(b, sport, PORT, seq, ack, flags, 65535, opts, optlen, NULL, 0, 0);
	opts[optlen++] = 1;
	opts[optlen++] = 1;
	opts[optlen++] = 8;
	opts[optlen++] = 10;
	be32_put(opts + optlen, tsval);
	be32_put(opts + optlen + 4, tsecr);
	optlen += 8;
	return tu_tcp(b, sport, PORT, seq, ack, flags, 65535, opts, optlen, NULL, 0, 0);
}

static void send_ts(struct tu_fx *fx, uint16_t sport, uint32_t seq, uint32_t ack, uint8_t fl,
    uint32_t tsval, uint32_t tsecr)
{
	uint8_t b[256];
	tu_fx_send(fx, b, mk_tcp(b, sport, seq, ack, fl, tsval, tsecr));
}

/* The peer opens a connection from sport (ISN iss, TSval ts); a accepts it.  Returns the
 * accepted descriptor; *a_next is a's next sequence number, *a_ts its last TSval. */
static int open_conn(struct tu_fx *fx, int l, uint16_t sport, uint32_t iss, uint32_t ts,
    uint32_t *a_next, uint32_t *a_ts)
{
	struct tu_seg s;
	size_t before = nsegs(fx);
	send_ts(fx, sport, iss, 0, TH_SYN, ts, 0);
	assert_int_equal(nsegs(fx), before + 1);
	assert_true(tu_peer_tcp_seg(&fx->peer, TU_SEG_LAST, &s));
	assert_int_equal(s.flags, TH_SYN | TH_ACK);
	assert_int_equal(s.ack, iss + 1);
	assert_int_equal(s.dport, sport);
	send_ts(fx, sport, iss + 1, s.seq + 1, TH_ACK, ts + 1, s.tsval);
	int c = stos_accept(l, NULL, NULL);
	assert_true(c >= 0);
	*a_next = s.seq + 1;
	*a_ts = s.tsval;
	return c;
}

/* a closes first; the peer acknowledges a's FIN and sends its own: a is in TIME-WAIT. */
static void to_timewait(struct tu_fx *fx, int c, uint16_t sport, uint32_t iss, uint32_t ts,
    uint32_t a_next)
{
	struct tu_seg s;
	assert_int_equal(stos_close(c), 0);
	world_run(fx->w, 1 * MSEC);
	assert_true(tu_peer_tcp_seg(&fx->peer, TU_SEG_LAST, &s));
	assert_true(s.flags & TH_FIN);
	assert_int_equal(s.seq, a_next);
	send_ts(fx, sport, iss + 1, a_next + 1, TH_FIN | TH_ACK, ts + 2, s.tsval);
	assert_true(tu_peer_tcp_seg(&fx->peer, TU_SEG_LAST, &s));
	assert_int_equal(s.flags, TH_ACK);
	assert_int_equal(s.ack, iss + 2);
}

static unsigned count(struct tu_fx *fx, int state)
{
	unsigned n;
	TU_LOCKED(fx->a, n = tcp_count_state(fx->a, state, PORT));
	return n;
}

static bool have_conn(struct tu_fx *fx, uint16_t sport)
{
	struct inpcb *inp;
	TU_LOCKED(fx->a, inp = in_pcblookup(&tcp_instance(fx->a)->ti_pcbinfo, TU_IP_P, sport,
	    TU_IP_A, PORT, 0));
	return inp != NULL;
}

/* Sends the peer's SYN (seq, tsval) to its TIME-WAIT 4-tuple from sport and asserts that it
 * did not reopen it: twreuse unchanged, still in TIME-WAIT, and a's answer, if any, no SYN
 * (at most a challenge ACK). */
static void assert_syn_keeps_timewait(struct tu_fx *fx, uint16_t sport, uint32_t seq,
    uint32_t tsval)
{
	struct tu_seg s;
	uint64_t reused = stos_stat(fx->a, "tcp", "twreuse");
	size_t before = nsegs(fx);
	send_ts(fx, sport, seq, 0, TH_SYN, tsval, 0);
	assert_int_equal(stos_stat(fx->a, "tcp", "twreuse"), reused);
	assert_int_equal(count(fx, TCPS_TIME_WAIT), 1);
	for (size_t i = before; i < nsegs(fx); i++) {
		assert_true(tu_peer_tcp_seg(&fx->peer, i, &s));
		assert_false(s.flags & TH_SYN);
	}
}

/* A listener (returned) and one connection from sport (ISN 1000, TSval 100) that a has
 * closed into TIME-WAIT; *a_next and *a_ts are as open_conn left them. */
static int listen_and_timewait(struct tu_fx *fx, uint16_t sport, uint32_t *a_next,
    uint32_t *a_ts)
{
	int l = listener(fx, 64);
	int c = open_conn(fx, l, sport, 1000, 100, a_next, a_ts);
	to_timewait(fx, c, sport, 1000, 100, *a_next);
	assert_int_equal(count(fx, TCPS_TIME_WAIT), 1);
	return l;
}

static void test_rst_does_not_end_timewait(void **st)
{
	struct tu_fx *fx = *st;
	uint32_t a_next, a_ts;
	int l = listen_and_timewait(fx, 4000, &a_next, &a_ts);
	/* RFC 1337: in-window RSTs, with and without ACK, at RCV.NXT exactly. */
	send_ts(fx, 4000, 1002, 0, TH_RST, 200, a_ts);
	send_ts(fx, 4000, 1002, a_next + 1, TH_RST | TH_ACK, 201, a_ts);
	assert_int_equal(stos_stat(fx->a, "tcp", "twrst"), 2);
	assert_int_equal(count(fx, TCPS_TIME_WAIT), 1);
	world_run(fx->w, 59 * SEC);
	assert_int_equal(count(fx, TCPS_TIME_WAIT), 1);
	/* 2MSL ends it. */
	world_run(fx->w, 2 * SEC);
	assert_int_equal(count(fx, TCPS_TIME_WAIT), 0);
	stos_close(l);
}

static void test_new_syn_reuses_timewait(void **st)
{
	struct tu_fx *fx = *st;
	uint32_t a_next, a_ts;
	struct tu_seg s;
	int l = listen_and_timewait(fx, 4001, &a_next, &a_ts);
	/* A SYN whose timestamp is not newer could be an old duplicate: TIME-WAIT stays. */
	assert_syn_keeps_timewait(fx, 4001, 900000, 100);
	/* RFC 6191: a newer timestamp proves a new incarnation; it is accepted at once. */
	world_run(fx->w, 1 * SEC);
	send_ts(fx, 4001, 900000, 0, TH_SYN, 5000, 0);
	assert_int_equal(stos_stat(fx->a, "tcp", "twreuse"), 1);
	assert_true(tu_peer_tcp_seg(&fx->peer, TU_SEG_LAST, &s));
	assert_int_equal(s.flags, TH_SYN | TH_ACK);
	assert_int_equal(s.ack, 900001);
	assert_int_equal(count(fx, TCPS_TIME_WAIT), 0);
	send_ts(fx, 4001, 900001, s.seq + 1, TH_ACK, 5001, s.tsval);
	int c2 = stos_accept(l, NULL, NULL);
	assert_true(c2 >= 0);
	assert_int_equal(count(fx, TCPS_ESTABLISHED), 1);
	stos_close(c2);
	stos_close(l);
}

/* RFC 6191: when the old incarnation used timestamps, a SYN without one cannot prove it is
 * new, whatever its sequence number. */
static void test_syn_without_timestamp_after_timestamps(void **st)
{
	struct tu_fx *fx = *st;
	uint32_t a_next, a_ts;
	int l = listen_and_timewait(fx, 4003, &a_next, &a_ts);
	world_run(fx->w, 1 * SEC);
	no_ts = true;
	assert_syn_keeps_timewait(fx, 4003, 900000, 0);
	stos_close(l);
}

/* RFC 9293 3.6.1 (MAY-2) with RFC 6191's rule for connections without timestamps: a SYN
 * whose sequence number is beyond the last one the old incarnation received reopens the
 * 4-tuple at once, and the new ISS is beyond everything the old one sent even when the ISN
 * clock has not moved that far (8 KiB sent, ~2 ms later: ~500 clock ticks); a SYN at or
 * below it could be an old duplicate and leaves TIME-WAIT alone. */
static void test_new_syn_reuses_timewait_by_sequence(void **st)
{
	struct tu_fx *fx = *st;
	uint32_t a_next, a_ts;
	struct tu_seg s;
	no_ts = true;
	int l = listener(fx, 64);
	int c = open_conn(fx, l, 4002, 1000, 0, &a_next, &a_ts);
	static uint8_t data[8192];
	int one = 1;                        /* (Nagle would hold the last small piece) */
	assert_int_equal(stos_setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one), 0);
	assert_int_equal(stos_send(c, data, sizeof data, 0), (ssize_t)sizeof data);
	/* The peer acknowledges what arrives until all of it has (the initial window is
	 * smaller than 8 KiB). */
	uint32_t got = a_next;
	for (int i = 0; i < 10 && got != a_next + sizeof data; i++) {
		world_run(fx->w, 1 * MSEC);
		assert_true(tu_peer_tcp_seg(&fx->peer, TU_SEG_LAST, &s));
		got = s.seq + (uint32_t)s.len;
		send_ts(fx, 4002, 1001, got, TH_ACK, 0, 0);
	}
	assert_int_equal(got, a_next + sizeof data);
	to_timewait(fx, c, 4002, 1000, 0, a_next + sizeof data);
	uint32_t old_max = a_next + sizeof data + 1;       /* after a's FIN */
	assert_int_equal(count(fx, TCPS_TIME_WAIT), 1);
	/* At RCV.NXT (1002) and below: possibly old, TIME-WAIT stays. */
	assert_syn_keeps_timewait(fx, 4002, 1002, 0);
	assert_syn_keeps_timewait(fx, 4002, 500, 0);
	assert_int_equal(stos_stat(fx->a, "tcp", "twreuse"), 0);
	/* Beyond it: a new incarnation, accepted at once. */
	send_ts(fx, 4002, 1003, 0, TH_SYN, 0, 0);
	assert_int_equal(stos_stat(fx->a, "tcp", "twreuse"), 1);
	assert_int_equal(stos_stat(fx->a, "tcp", "twissbump"), 1);
	assert_true(tu_peer_tcp_seg(&fx->peer, TU_SEG_LAST, &s));
	assert_int_equal(s.flags, TH_SYN | TH_ACK);
	assert_int_equal(s.ack, 1004);
	assert_true(SEQ_GT(s.seq, old_max));
	assert_int_equal(s.seq, old_max + 65535 + 2);
	assert_int_equal(count(fx, TCPS_TIME_WAIT), 0);
	send_ts(fx, 4002, 1004, s.seq + 1, TH_ACK, 0, 0);
	int c2 = stos_accept(l, NULL, NULL);
	assert_true(c2 >= 0);
	assert_int_equal(count(fx, TCPS_ESTABLISHED), 1);
	stos_close(c2);
	stos_close(l);
}

static void test_pressure_reclaims_oldest_timewait(void **st)
{
	struct tu_fx *fx = *st;
	uint32_t a_next, a_ts;
	int l = listener(fx, 64);
	/* Four connections go to TIME-WAIT, 4100 first (the oldest). */
	for (uint16_t p = 4100; p < 4104; p++) {
		int c = open_conn(fx, l, p, 1000u * p, 100, &a_next, &a_ts);
		to_timewait(fx, c, p, 1000u * p, 100, a_next);
		world_run(fx->w, 1 * SEC);
	}
	assert_int_equal(count(fx, TCPS_TIME_WAIT), 4);
	/* Room for the listener and four connections, and all of it taken. */
	TU_LOCKED(fx->a, tcp_instance(fx->a)->ti_pcbinfo.ipi_limit = 5);
	int c5 = open_conn(fx, l, 4105, 7000, 100, &a_next, &a_ts);
	assert_int_equal(stos_stat(fx->a, "tcp", "twrecycled"), 1);
	assert_false(have_conn(fx, 4100));
	assert_true(have_conn(fx, 4101));
	assert_true(have_conn(fx, 4102));
	assert_true(have_conn(fx, 4103));
	int c6 = open_conn(fx, l, 4106, 8000, 100, &a_next, &a_ts);
	assert_int_equal(stos_stat(fx->a, "tcp", "twrecycled"), 2);
	assert_false(have_conn(fx, 4101));
	assert_true(have_conn(fx, 4102));
	assert_int_equal(count(fx, TCPS_TIME_WAIT), 2);
	assert_int_equal(count(fx, TCPS_ESTABLISHED), 2);
	/* The rest of TIME-WAIT ends by itself; now every pcb is a live connection. */
	world_run(fx->w, 2 * 60 * SEC);
	assert_int_equal(count(fx, TCPS_TIME_WAIT), 0);
	TU_LOCKED(fx->a, tcp_instance(fx->a)->ti_pcbinfo.ipi_limit = 3);
	size_t before = nsegs(fx);
	uint64_t drops = stos_stat(fx->a, "tcp", "listendrop");
	send_ts(fx, 4107, 9000, 0, TH_SYN, 100, 0);
	assert_int_equal(nsegs(fx), before);                   /* refused: no SYN-ACK */
	assert_int_equal(stos_stat(fx->a, "tcp", "listendrop"), drops + 1);
	assert_int_equal(stos_stat(fx->a, "tcp", "twrecycled"), 2);
	assert_int_equal(count(fx, TCPS_ESTABLISHED), 2);      /* nobody else paid for it */
	assert_true(have_conn(fx, 4105));
	assert_true(have_conn(fx, 4106));
	int s = stos_socket(fx->a, AF_INET, SOCK_STREAM, 0);
	assert_int_equal(s, -1);
	assert_int_equal(errno, ENOBUFS);
	uint32_t limited;
	TU_LOCKED(fx->a, limited = tcp_instance(fx->a)->ti_pcbinfo.ipi_limited);
	assert_int_equal(limited, 2);
	/* Both connections still carry data. */
	char buf[8];
	assert_int_equal(stos_send(c5, "ok", 2, 0), 2);
	assert_int_equal(stos_send(c6, "ok", 2, 0), 2);
	assert_int_equal(stos_recv(c5, buf, sizeof buf, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	TU_LOCKED(fx->a, tcp_instance(fx->a)->ti_pcbinfo.ipi_limit = 0);
	stos_close(c5);
	stos_close(c6);
	stos_close(l);
}

/* The same when memory runs out instead: the allocation of the new connection's pcb (or of
 * its tcpcb) fails once, the oldest TIME-WAIT connection is reclaimed and the allocation
 * retried; with no TIME-WAIT left the new connection is refused. */
static void test_alloc_failure_reclaims_oldest_timewait(void **st)
{
	struct tu_fx *fx = *st;
	uint32_t a_next, a_ts;
	int l = listener(fx, 64);
	for (uint16_t p = 4200; p < 4202; p++) {
		int c = open_conn(fx, l, p, 1000u * p, 100, &a_next, &a_ts);
		to_timewait(fx, c, p, 1000u * p, 100, a_next);
		world_run(fx->w, 1 * SEC);
	}
	host_alloc_fail(sizeof(struct inpcb), 1);
	int c2 = open_conn(fx, l, 4202, 7000, 100, &a_next, &a_ts);
	assert_int_equal(stos_stat(fx->a, "tcp", "twrecycled"), 1);
	assert_false(have_conn(fx, 4200));
	assert_true(have_conn(fx, 4201));
	host_alloc_fail(sizeof(struct tcpcb), 1);
	int c3 = open_conn(fx, l, 4203, 8000, 100, &a_next, &a_ts);
	assert_int_equal(stos_stat(fx->a, "tcp", "twrecycled"), 2);
	assert_false(have_conn(fx, 4201));
	/* The socket, allocated first of all (socket.c asks the protocol, pr_reclaim). */
	int c4 = open_conn(fx, l, 4210, 6000, 100, &a_next, &a_ts);
	to_timewait(fx, c4, 4210, 6000, 100, a_next);
	host_alloc_fail(sizeof(struct socket), 1);
	c4 = open_conn(fx, l, 4211, 5000, 100, &a_next, &a_ts);
	assert_int_equal(stos_stat(fx->a, "tcp", "twrecycled"), 3);
	assert_false(have_conn(fx, 4210));
	stos_close(c4);
	world_run(fx->w, 1 * MSEC);
	uint32_t c4_seq;
	{
		/* c4 closed by a: finish it (the peer's FIN) so only c2 and c3 are left live. */
		struct tu_seg s;
		assert_true(tu_peer_tcp_seg(&fx->peer, TU_SEG_LAST, &s));
		c4_seq = s.seq;
		send_ts(fx, 4211, 5001, c4_seq + 1, TH_FIN | TH_ACK, 300, s.tsval);
	}
	world_run(fx->w, 2 * 60 * SEC);
	assert_int_equal(count(fx, TCPS_TIME_WAIT), 0);
	/* Nothing left to give up: refused, and the live connections are untouched. */
	size_t before = nsegs(fx);
	uint64_t drops = stos_stat(fx->a, "tcp", "listendrop");
	host_alloc_fail(sizeof(struct inpcb), 1);
	send_ts(fx, 4204, 9000, 0, TH_SYN, 100, 0);
	host_alloc_fail(0, 0);
	assert_int_equal(nsegs(fx), before);
	assert_int_equal(stos_stat(fx->a, "tcp", "listendrop"), drops + 1);
	assert_int_equal(stos_stat(fx->a, "tcp", "twrecycled"), 3);
	assert_int_equal(count(fx, TCPS_ESTABLISHED), 2);
	stos_close(c2);
	stos_close(c3);
	stos_close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rst_does_not_end_timewait, tu_fx_setup_sockets, teardown),
		cmocka_unit_test_setup_teardown(test_new_syn_reuses_timewait, tu_fx_setup_sockets, teardown),
		cmocka_unit_test_setup_teardown(test_syn_without_timestamp_after_timestamps,
		    tu_fx_setup_sockets, teardown),
		cmocka_unit_test_setup_teardown(test_new_syn_reuses_timewait_by_sequence,
		    tu_fx_setup_sockets, teardown),
		cmocka_unit_test_setup_teardown(test_pressure_reclaims_oldest_timewait, tu_fx_setup_sockets,
		    teardown),
		cmocka_unit_test_setup_teardown(test_alloc_failure_reclaims_oldest_timewait, tu_fx_setup_sockets,
		    teardown),
	};
	return TU_RUN(tests);
}
