/* TCP against a scripted peer on the in-memory wire (host/testutil.h fixture: stack a =
 * 10.0.0.1, peer 10.0.0.99 answering ARP): the defences that need hand-made segments.
 * SYN cookies when the SYN queue is full (RFC 4987), RFC 5961 challenge-ACK throttling,
 * ICMP fragmentation-needed shrinking the MSS (RFC 1191 / RFC 5927), malformed options and a
 * bogus urgent pointer.  Pools and memory balance at teardown (the fixture checks). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "host/wire.h"
#include "host/stos_api.h"
#include "net/in_cksum.h"
#include "net/netlib.h"
#include "net/netstack.h"
#include "net/tcp_var.h"
#include <stos/socket.h>
#include <stos/in.h>

#define PORT 80

static size_t nsegs(struct tu_fx *fx) { return tu_peer_count(&fx->peer, 0x0800, 6, -1); }

static int listener(struct tu_fx *fx, int backlog)
{
	int l = stos_socket(fx->a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in s;
	memset(&s, 0, sizeof s);
	s.sin_family = AF_INET;
	s.sin_port = net_htons(PORT);
	assert_true(l >= 0);
	assert_int_equal(stos_bind(l, (struct sockaddr *)&s, sizeof s), 0);
	assert_int_equal(stos_listen(l, backlog), 0);
	return l;
}

static const uint8_t mss1460[4] = { 2, 4, 0x05, 0xb4 };

static void send_seg(struct tu_fx *fx, uint16_t sport, uint32_t seq, uint32_t ack, uint8_t fl,
    const uint8_t *opts, size_t optlen, const void *pay, size_t plen, uint16_t urp)
{
	uint8_t b[2048];
	size_t n = tu_tcp(b, sport, PORT, seq, ack, fl, 65535, opts, optlen, pay, plen, urp);
	tu_fx_send(fx, b, n);
}

/* Completes a handshake from sport; returns a's ISN + 1 (its next sequence number). */
static uint32_t handshake(struct tu_fx *fx, uint16_t sport, uint32_t iss)
{
	size_t before = nsegs(fx);
	struct tu_seg s;
	send_seg(fx, sport, iss, 0, TH_SYN, mss1460, 4, NULL, 0, 0);
	assert_int_equal(nsegs(fx), before + 1);
	assert_true(tu_peer_tcp_seg(&fx->peer, before, &s));
	assert_int_equal(s.flags, TH_SYN | TH_ACK);
	assert_int_equal(s.ack, iss + 1);
	send_seg(fx, sport, iss + 1, s.seq + 1, TH_ACK, NULL, 0, NULL, 0, 0);
	return s.seq + 1;
}

/* handshake from sport, then a's accept: the accepted descriptor; *a_next (may be NULL) is
 * a's next sequence number. */
static int accepted(struct tu_fx *fx, int l, uint16_t sport, uint32_t iss, uint32_t *a_next)
{
	uint32_t n = handshake(fx, sport, iss);
	if (a_next)
		*a_next = n;
	int c = stos_accept(l, NULL, NULL);
	assert_true(c >= 0);
	return c;
}

static void test_syn_cookies(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 1);
	struct tu_seg s;

	/* One embryonic connection fills a SYN queue of 1 ... */
	send_seg(fx, 1000, 5000, 0, TH_SYN, mss1460, 4, NULL, 0, 0);
	assert_int_equal(nsegs(fx), 1);
	assert_int_equal(stos_stat(fx->a, "tcp", "cookiessent"), 0);
	/* ... so the next SYN is answered with a cookie: MSS only, no state kept. */
	const uint8_t opts[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 0, 0 };
	send_seg(fx, 1001, 7000, 0, TH_SYN, opts, sizeof opts, NULL, 0, 0);
	assert_int_equal(nsegs(fx), 2);
	assert_true(tu_peer_tcp_seg(&fx->peer, 1, &s));
	assert_int_equal(s.flags, TH_SYN | TH_ACK);
	assert_int_equal(s.ack, 7001);
	assert_int_equal(s.optlen, 4);
	assert_int_equal(s.opt[0], TCPOPT_MSS);
	assert_int_equal(stos_stat(fx->a, "tcp", "cookiessent"), 1);
	/* A forged ACK (wrong cookie) is refused with RST. */
	send_seg(fx, 1001, 7001, s.seq + 2, TH_ACK, NULL, 0, NULL, 0, 0);
	assert_int_equal(stos_stat(fx->a, "tcp", "cookiesbad"), 1);
	assert_true(tu_peer_tcp_seg(&fx->peer, 2, &s) && (s.flags & TH_RST));
	/* The real ACK creates the connection, which accept() hands out. */
	assert_true(tu_peer_tcp_seg(&fx->peer, 1, &s));
	send_seg(fx, 1001, 7001, s.seq + 1, TH_ACK, NULL, 0, "hello", 5, 0);
	assert_int_equal(stos_stat(fx->a, "tcp", "cookiesok"), 1);
	int c = stos_accept(l, NULL, NULL);
	assert_true(c >= 0);
	char buf[16];
	assert_int_equal(stos_recv(c, buf, sizeof buf, MSG_DONTWAIT), 5);
	assert_memory_equal(buf, "hello", 5);
	stos_close(c);
	stos_close(l);
}

static void test_challenge_ack_throttle(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	int c = accepted(fx, l, 2000, 100, NULL);
	TU_LOCKED(fx->a, tcp_instance(fx->a)->ti_conf.challenge_ack_limit = 2);
	size_t before = nsegs(fx);
	/* RFC 5961 3.2: in-window RSTs not at RCV.NXT get challenge ACKs, at most 2/s here. */
	for (int i = 0; i < 5; i++)
		send_seg(fx, 2000, 101 + 1000 + (uint32_t)i, 0, TH_RST, NULL, 0, NULL, 0, 0);
	assert_int_equal(nsegs(fx), before + 2);
	assert_int_equal(stos_stat(fx->a, "tcp", "challengeack"), 2);
	assert_int_equal(stos_stat(fx->a, "tcp", "challengeack_limited"), 3);
	/* A second later the budget is back; the connection survived all of it. */
	world_run(fx->w, 1 * SEC);
	send_seg(fx, 2000, 101 + 5000, 0, TH_RST, NULL, 0, NULL, 0, 0);
	assert_int_equal(stos_stat(fx->a, "tcp", "challengeack"), 3);
	/* The exact RST resets it (RFC 5961 3.2). */
	send_seg(fx, 2000, 101, 0, TH_RST, NULL, 0, NULL, 0, 0);
	char b[4];
	assert_int_equal(stos_recv(c, b, sizeof b, MSG_DONTWAIT), -1);
	assert_int_equal(errno, ECONNRESET);
	stos_close(c);
	stos_close(l);
}

/* A full out-of-order queue refuses more segments beyond RCV.NXT (bounded memory), but never
 * the segment at RCV.NXT, the only one that can empty it: refused, the connection would stall
 * until the sender gave up (found when a sender filled the queue during loss recovery). */
static void test_full_reass_queue_takes_the_hole(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	uint32_t a_next;
	int c = accepted(fx, l, 2100, 1000, &a_next);
	TU_LOCKED(fx->a, tcp_instance(fx->a)->ti_conf.reass_maxseg = 4);
	static uint8_t pay[6 * 100];
	for (size_t i = 0; i < sizeof pay; i++)
		pay[i] = (uint8_t)(i * 7 + 3);
	/* Segments 1..5 of 100 bytes each (the first, at RCV.NXT = 1001, is missing): four fill
	 * the queue, the fifth is refused. */
	for (uint32_t k = 1; k <= 5; k++)
		send_seg(fx, 2100, 1001 + 100 * k, a_next, TH_ACK, NULL, 0, pay + 100 * k, 100, 0);
	assert_int_equal(stos_stat(fx->a, "tcp", "rcvreassfull"), 1);
	/* The hole: accepted, and with it the four queued segments. */
	struct tu_seg s;
	send_seg(fx, 2100, 1001, a_next, TH_ACK, NULL, 0, pay, 100, 0);
	assert_int_equal(stos_stat(fx->a, "tcp", "rcvreassfull"), 1);
	world_run(fx->w, 1 * MSEC);
	assert_true(tu_peer_tcp_seg(&fx->peer, TU_SEG_LAST, &s));
	assert_int_equal(s.ack, 1001 + 500);
	/* The refused fifth comes again and completes the stream. */
	send_seg(fx, 2100, 1501, a_next, TH_ACK, NULL, 0, pay + 500, 100, 0);
	uint8_t got[sizeof pay];
	assert_int_equal(stos_recv(c, got, sizeof got, MSG_DONTWAIT), (ssize_t)sizeof pay);
	assert_memory_equal(got, pay, sizeof pay);
	stos_close(c);
	stos_close(l);
}

/* RFC 6675 5 (C) / NextSeg rule 2: in SACK loss recovery, once no hole is left to
 * retransmit, new data goes while the pipe has room (cwnd - pipe), not only after the hole's
 * ACK.  a sends ten 1000-byte segments; the peer SACKs the last nine; a retransmits the first
 * and, at once, the whole segments of new data that fit in cwnd - 1000 (the pipe is the one
 * unSACKed segment). */
/* A connection from the peer's port sport that allows SACK with MSS 1000, accepted; cwnd set
 * to `cwnd` and `nbytes` of data written, of which what cwnd allows is sent (checked).  *tp
 * is its control block, *a0 its first data sequence number; returns the descriptor. */
static int sack_conn(struct tu_fx *fx, int l, uint16_t sport, uint32_t cwnd, size_t nbytes,
    struct tcpcb **tpp, uint32_t *a0p)
{
	static const uint8_t syn_opts[8] = { 2, 4, 0x03, 0xe8, 1, 1, 4, 2 };   /* MSS 1000, SACK ok */
	static uint8_t data[60000];
	size_t before = nsegs(fx);
	struct tu_seg s;
	send_seg(fx, sport, 5000, 0, TH_SYN, syn_opts, sizeof syn_opts, NULL, 0, 0);
	assert_true(tu_peer_tcp_seg(&fx->peer, before, &s));
	assert_int_equal(s.flags, TH_SYN | TH_ACK);
	uint32_t a0 = s.seq + 1;
	send_seg(fx, sport, 5001, a0, TH_ACK, NULL, 0, NULL, 0, 0);
	int c = stos_accept(l, NULL, NULL);
	assert_true(c >= 0);
	struct tcpcb *tp;
	TU_LOCKED(fx->a, tp = intotcpcb(in_pcblookup(&tcp_instance(fx->a)->ti_pcbinfo, TU_IP_P,
	    sport, TU_IP_A, PORT, 0)));
	assert_true(tp->t_flags & TF_SACK_PERMIT);
	TU_LOCKED(fx->a, tp->t_cc.cwnd = cwnd);
	size_t first = nsegs(fx);
	assert_true(nbytes <= sizeof data);
	assert_int_equal(stos_send(c, data, nbytes, MSG_DONTWAIT), (ssize_t)nbytes);
	world_run(fx->w, 1 * MSEC);
	uint32_t top = a0;
	for (size_t i = first; i < nsegs(fx); i++) {
		assert_true(tu_peer_tcp_seg(&fx->peer, i, &s));
		if (SEQ_GT(s.seq + (uint32_t)s.len, top))
			top = s.seq + (uint32_t)s.len;
	}
	assert_int_equal(top - a0, NET_MIN(cwnd, nbytes));
	*tpp = tp;
	*a0p = a0;
	return c;
}

/* A duplicate ACK of a0 from sport carrying SACK blocks (offsets from a0, n pairs). */
static void sack_dupack(struct tu_fx *fx, uint16_t sport, uint32_t ack, uint32_t a0,
    const uint32_t *r, unsigned n)
{
	uint8_t opt[4 + 8 * 4] = { 1, 1, 5, (uint8_t)(2 + 8 * n) };
	for (unsigned i = 0; i < n; i++) {
		be32_put(opt + 4 + 8 * i, a0 + r[2 * i]);
		be32_put(opt + 8 + 8 * i, a0 + r[2 * i + 1]);
	}
	send_seg(fx, sport, 5001, ack, TH_ACK, opt, 4 + 8 * n, NULL, 0, 0);
}

/* Payload bytes a sent since segment `mark` starting at a0 + off (count: segments). */
static uint32_t sent_at(struct tu_fx *fx, size_t mark, uint32_t seq, unsigned *count)
{
	struct tu_seg s;
	uint32_t n = 0;
	unsigned k = 0;
	for (size_t i = mark; i < nsegs(fx); i++) {
		assert_true(tu_peer_tcp_seg(&fx->peer, i, &s));
		if (s.seq == seq && s.len) {
			n += (uint32_t)s.len;
			k++;
		}
	}
	if (count)
		*count = k;
	return n;
}

/* Payload bytes a sent since segment `mark` at or above seq. */
static uint32_t sent_from(struct tu_fx *fx, size_t mark, uint32_t seq)
{
	struct tu_seg s;
	uint32_t n = 0;
	for (size_t i = mark; i < nsegs(fx); i++) {
		assert_true(tu_peer_tcp_seg(&fx->peer, i, &s));
		if (SEQ_GEQ(s.seq, seq))
			n += (uint32_t)s.len;
	}
	return n;
}

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
 * sends SND.UNA's segment. */
static void test_sack_block_at_una(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tcpcb *tp;
	uint32_t a0;
	int c = sack_conn(fx, l, 2206, 10 * 1000, 10000, &tp, &a0);
	static const uint32_t r[] = { 0, 3000, 4000, 10000 };
	size_t mark = nsegs(fx);
	for (int i = 0; i < 3; i++)
		sack_dupack(fx, 2206, a0, a0, r, 2);
	assert_true(tp->t_flags & TF_FASTRECOVERY);
	assert_int_equal(sent_at(fx, mark, a0, NULL), 0);
	assert_int_equal(sent_at(fx, mark, a0 + 3000, NULL), 1000);
	world_run(fx->w, 1 * SEC);
	assert_true(sent_at(fx, mark, a0, NULL) >= 1000);
	assert_true(stos_stat(fx->a, "tcp", "rexmttimeo") >= 1);
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

static void test_icmp_needfrag_shrinks_mss(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	uint32_t snd;
	int c = accepted(fx, l, 3000, 100, &snd);
	static char big[1460];
	memset(big, 'z', sizeof big);
	size_t before = nsegs(fx);
	assert_int_equal(stos_send(c, big, sizeof big, MSG_DONTWAIT), (ssize_t)sizeof big);
	world_run(fx->w, 1 * MSEC);
	struct tu_seg s;
	assert_true(tu_peer_tcp_seg(&fx->peer, before, &s));
	assert_int_equal(s.len, 1460);
	/* The path says MTU 1000 (RFC 1191): ICMP quoting our segment's headers. */
	size_t qlen;
	const uint8_t *f = tu_peer_find(&fx->peer, 0x0800, 6, -1, before, &qlen);
	uint8_t icmp[600], dg[700];
	uint8_t quote[28];
	memcpy(quote, f + 14, 28);
	size_t il = tu_icmp(icmp, 3, 4, 0, 1000, quote, sizeof quote);   /* id 0, seq = MTU */
	size_t h = tu_ip(dg, TU_IP_P, TU_IP_A, 1, 2, 0, 64, il, NULL, 0);
	memcpy(dg + h, icmp, il);
	tu_fx_send(fx, dg, h + il);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(stos_stat(fx->a, "tcp", "pmtuupdate"), 1);
	/* The data goes again in segments that fit: 1000 - 40 = 960 bytes. */
	assert_true(nsegs(fx) >= before + 2);
	assert_true(tu_peer_tcp_seg(&fx->peer, before + 1, &s));
	assert_int_equal(s.seq, snd);
	assert_int_equal(s.len, 960);
	/* An ICMP error about a sequence number not in flight is ignored (RFC 5927 4.1). */
	be32_put(quote + 24, snd - 5000);
	il = tu_icmp(icmp, 3, 4, 0, 500, quote, sizeof quote);
	h = tu_ip(dg, TU_IP_P, TU_IP_A, 1, 3, 0, 64, il, NULL, 0);
	memcpy(dg + h, icmp, il);
	tu_fx_send(fx, dg, h + il);
	assert_int_equal(stos_stat(fx->a, "tcp", "icmpbadseq"), 1);
	assert_int_equal(stos_stat(fx->a, "tcp", "pmtuupdate"), 1);
	stos_close(c);
	stos_close(l);
}

static void test_malformed_options_and_urgent(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	struct tu_seg s;
	/* A SYN whose option list has a zero length: counted, the rest ignored, still served. */
	const uint8_t bad[] = { 2, 4, 0x05, 0xb4, 30, 0, 0, 0 };
	send_seg(fx, 4000, 100, 0, TH_SYN, bad, sizeof bad, NULL, 0, 0);
	assert_int_equal(stos_stat(fx->a, "tcp", "rcvbadopt"), 1);
	assert_true(tu_peer_tcp_seg(&fx->peer, 0, &s));
	assert_int_equal(s.flags, TH_SYN | TH_ACK);
	send_seg(fx, 4000, 101, s.seq + 1, TH_ACK, NULL, 0, NULL, 0, 0);
	int c = stos_accept(l, NULL, NULL);
	assert_true(c >= 0);
	/* An urgent pointer far beyond the data: delivered inline, nothing read out of bounds. */
	send_seg(fx, 4000, 101, s.seq + 1, TH_ACK | TH_URG | TH_PUSH, NULL, 0, "abc", 3, 0xffff);
	char b[8];
	assert_int_equal(stos_recv(c, b, sizeof b, MSG_DONTWAIT), 3);
	assert_memory_equal(b, "abc", 3);
	/* A header whose data offset points past the segment is dropped and counted. */
	uint8_t dg[100];
	size_t n = tu_tcp(dg, 4000, PORT, 104, s.seq + 1, TH_ACK, 65535, NULL, 0, NULL, 0, 0);
	dg[20 + 12] = 0xf0;     /* 60-byte header in a 20-byte segment (checksum now wrong too) */
	tu_fx_send(fx, dg, n);
	assert_true(stos_stat(fx->a, "tcp", "rcvbadoff") + stos_stat(fx->a, "tcp", "rcvbadsum") >= 1);
	stos_close(c);
	stos_close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_syn_cookies, tu_fx_setup_sockets,
		    tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_challenge_ack_throttle, tu_fx_setup_sockets,
		    tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_full_reass_queue_takes_the_hole,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_sack_recovery_sends_new_data,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_limited_transmit,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_sack_three_ranges_start_recovery,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_sack_block_at_una,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_sack_first_rexmit_ignores_pipe,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_sack_unlost_hole_after_new_data,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_sack_rescue_retransmission,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_icmp_needfrag_shrinks_mss, tu_fx_setup_sockets,
		    tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_malformed_options_and_urgent, tu_fx_setup_sockets,
		    tu_fx_teardown_sockets),
	};
	return TU_RUN(tests);
}
