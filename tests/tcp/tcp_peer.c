/* TCP against a scripted peer on the in-memory wire (host/testutil.h fixture: stack a =
 * 10.0.0.1, peer 10.0.0.99 answering ARP): the defences that need hand-made segments.
 * SYN cookies when the SYN queue is full (RFC 4987), RFC 5961 challenge-ACK throttling,
 * ICMP fragmentation-needed shrinking the MSS (RFC 1191 / RFC 5927), malformed options and a
 * bogus urgent pointer.  Pools and memory balance at teardown (the fixture checks). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "tests/tcp/tcp_peer_fx.h"
#include "host/wire.h"
#include "host/stos_api.h"
#include "net/in_cksum.h"
#include "net/netlib.h"
#include "net/netstack.h"
#include "net/tcp_var.h"
#include <stos/socket.h>
#include <stos/in.h>

static void test_syn_cookies(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 1);
	struct tu_seg s;
	/* Options set on the listener, which a connection made from a cookie inherits too. */
	int one = 1, idle = 77, clamp = 5000, mss = 1000, v;
	socklen_t vl = sizeof v;
	assert_int_equal(stos_setsockopt(l, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one), 0);
	assert_int_equal(stos_setsockopt(l, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle), 0);
	assert_int_equal(stos_setsockopt(l, IPPROTO_TCP, TCP_WINDOW_CLAMP, &clamp, sizeof clamp), 0);
	assert_int_equal(stos_setsockopt(l, IPPROTO_TCP, TCP_CONGESTION, "newreno", 7), 0);
	assert_int_equal(stos_setsockopt(l, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss), 0);

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
	assert_int_equal(s.opt[2] << 8 | s.opt[3], mss);  /* the listener's TCP_MAXSEG */
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
	assert_int_equal(stos_getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &vl), 0);
	assert_int_equal(v, 1);
	assert_int_equal(stos_getsockopt(c, IPPROTO_TCP, TCP_KEEPIDLE, &v, &vl), 0);
	assert_int_equal(v, idle);
	assert_int_equal(stos_getsockopt(c, IPPROTO_TCP, TCP_MAXSEG, &v, &vl), 0);
	assert_int_equal(v, 536);   /* the cookie's MSS table entry at or below 1000 */
	assert_int_equal(stos_getsockopt(c, IPPROTO_TCP, TCP_WINDOW_CLAMP, &v, &vl), 0);
	assert_int_equal(v, clamp - clamp % 536);   /* rounded down to whole segments */
	socklen_t bl = sizeof buf;
	assert_int_equal(stos_getsockopt(c, IPPROTO_TCP, TCP_CONGESTION, buf, &bl), 0);
	assert_string_equal(buf, "newreno");
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

/* A full out-of-order queue refuses a segment that would start a new run beyond RCV.NXT
 * (bounded memory), but takes one that extends a run, and never refuses the segment at
 * RCV.NXT, the only one that can empty it: refused, the connection would stall until the
 * sender gave up (found when a sender filled the queue during loss recovery). */
static void test_full_reass_queue_takes_the_hole(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	uint32_t a_next;
	int c = accepted(fx, l, 2100, 1000, &a_next);
	TU_LOCKED(fx->a, tcp_instance(fx->a)->ti_conf.reass_maxseg = 4);
	static uint8_t pay[10 * 100];
	for (size_t i = 0; i < sizeof pay; i++)
		pay[i] = (uint8_t)(i * 7 + 3);
#define SEG(k) send_seg(fx, 2100, 1001 + 100 * (k), a_next, TH_ACK, NULL, 0, pay + 100 * (k), 100, 0)
	/* Segments 1, 3, 5 and 7 of 100 bytes (segment 0, at RCV.NXT = 1001, is missing) are
	 * four runs and fill the queue; 9 would be a fifth and is refused; 8 extends 7's run. */
	SEG(1);
	SEG(3);
	SEG(5);
	SEG(7);
	SEG(9);
	assert_int_equal(stos_stat(fx->a, "tcp", "rcvreassfull"), 1);
	SEG(8);
	assert_int_equal(stos_stat(fx->a, "tcp", "rcvreassfull"), 1);
	/* The hole: accepted, and with it the run after it. */
	struct tu_seg s;
	SEG(0);
	world_run(fx->w, 1 * MSEC);
	assert_true(tu_peer_tcp_seg(&fx->peer, TU_SEG_LAST, &s));
	assert_int_equal(s.ack, 1001 + 200);
	SEG(2);
	SEG(4);
	SEG(6);
	world_run(fx->w, 1 * MSEC);
	assert_true(tu_peer_tcp_seg(&fx->peer, TU_SEG_LAST, &s));
	assert_int_equal(s.ack, 1001 + 900);
	assert_int_equal(stos_stat(fx->a, "tcp", "rcvreassfull"), 1);
	/* The refused segment comes again and completes the stream. */
	SEG(9);
#undef SEG
	uint8_t got[sizeof pay];
	assert_int_equal(stos_recv(c, got, sizeof got, MSG_DONTWAIT), (ssize_t)sizeof pay);
	assert_memory_equal(got, pay, sizeof pay);
	stos_close(c);
	stos_close(l);
}

/* A run of tiny segments is a chain of as many mbufs: the queue's storage, not only its bytes
 * and runs, is bounded (by the receive buffer's sb_mbmax).  2999 one-byte segments after a
 * one-byte hole make one run, of which only what fits is kept; the data then completes
 * byte-exact. */
static void test_reass_tiny_segments_bounded(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 4);
	uint32_t a_next;
	int c = accepted(fx, l, 2101, 1000, &a_next);
	struct tcpcb *tp;
	TU_LOCKED(fx->a, tp = intotcpcb(in_pcblookup(&tcp_instance(fx->a)->ti_pcbinfo, TU_IP_P,
	    2101, TU_IP_A, PORT, 0)));
	static uint8_t pay[3000];
	for (size_t i = 0; i < sizeof pay; i++)
		pay[i] = (uint8_t)(i * 13 + 5);
	for (uint32_t k = 1; k < sizeof pay; k++)
		send_seg(fx, 2101, 1001 + k, a_next, TH_ACK, NULL, 0, pay + k, 1, 0);
	uint32_t mbmax;
	TU_LOCKED(fx->a, mbmax = tp->t_inpcb->inp_socket->so_rcv.sb_mbmax);
	assert_int_equal(tp->t_segqlen, 1);
	assert_true(tp->t_segqmbcnt <= mbmax);
	assert_true(tp->t_segqbytes < sizeof pay - 1);         /* not all of it was kept */
	assert_true(stos_stat(fx->a, "tcp", "rcvreassfull") > 0);
	for (uint32_t k = 0; k < sizeof pay; k += 1000)
		send_seg(fx, 2101, 1001 + k, a_next, TH_ACK, NULL, 0, pay + k, 1000, 0);
	assert_int_equal(tp->t_segqlen, 0);
	assert_int_equal(tp->t_segqmbcnt, 0);
	uint8_t got[sizeof pay];
	assert_int_equal(stos_recv(c, got, sizeof got, MSG_DONTWAIT), (ssize_t)sizeof pay);
	assert_memory_equal(got, pay, sizeof pay);
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
		cmocka_unit_test_setup_teardown(test_reass_tiny_segments_bounded,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_icmp_needfrag_shrinks_mss, tu_fx_setup_sockets,
		    tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_malformed_options_and_urgent, tu_fx_setup_sockets,
		    tu_fx_teardown_sockets),
	};
	return TU_RUN(tests);
}
