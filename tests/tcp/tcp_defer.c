/* ACK-clocked output at the end of a receive batch (net/tcp_output_defer.c) against a
 * scripted peer (host/testutil.h fixture: stack a = 10.0.0.1, peer 10.0.0.99).  The peer's
 * frames sent at one instant arrive in one receive batch (world_settle delivers everything
 * due, then runs the netisr).  A run of pure ACKs lets a send once, after the last of them,
 * exactly the segments the ACKs allowed one by one, and the acknowledged data leaves the send
 * buffer then (the retransmission timer running for what is in flight); a data segment after
 * an ACK in the same batch is processed only after the deferred output went (so the data a
 * sends still carries the old acknowledgment), and so is an RST; a connection dropped while
 * queued leaves the queue (the fixture's pool and memory checks, and ASan in the sanitized
 * build, catch a connection freed while queued).  An ACK alone in its batch is deferred too,
 * to that batch's end. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "host/wire.h"
#include "host/stos_api.h"
#include "net/netlib.h"
#include "net/netstack.h"
#include "net/tcp_var.h"
#include <stos/socket.h>
#include <stos/in.h>

#define PORT 80
#define SPORT 3000
#define ISS 1000u
#define MSS 1460u

static size_t nsegs(struct tu_fx *fx) { return tu_peer_count(&fx->peer, 0x0800, 6, -1); }

/* Puts a segment from the peer on the wire without settling: segments put there at one
 * instant arrive in one batch. */
static void put_seg(struct tu_fx *fx, uint32_t seq, uint32_t ack, uint8_t fl, uint16_t win,
    const void *pay, size_t plen)
{
	uint8_t b[2048];
	size_t n = tu_tcp(b, SPORT, PORT, seq, ack, fl, win, NULL, 0, pay, plen, 0);
	tu_peer_send_ip(&fx->peer, TU_MAC_A, b, n);
}

/* a accepts a connection from the peer, whose window is two segments; a then has 20 full
 * segments to send and sends the first two.  Returns a's socket; *snd is a's first data
 * sequence number. */
static int connected(struct tu_fx *fx, int *l, uint32_t *snd)
{
	*l = stos_socket(fx->a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in s;
	memset(&s, 0, sizeof s);
	s.sin_family = AF_INET;
	s.sin_port = net_htons(PORT);
	assert_true(*l >= 0);
	assert_int_equal(stos_bind(*l, (struct sockaddr *)&s, sizeof s), 0);
	assert_int_equal(stos_listen(*l, 4), 0);
	static const uint8_t mss[4] = { 2, 4, MSS >> 8, MSS & 0xff };
	uint8_t b[2048];
	size_t n = tu_tcp(b, SPORT, PORT, ISS, 0, TH_SYN, 2 * MSS, mss, 4, NULL, 0, 0);
	tu_fx_send(fx, b, n);
	struct tu_seg sa;
	assert_true(tu_peer_tcp_seg(&fx->peer, nsegs(fx) - 1, &sa));
	assert_int_equal(sa.flags, TH_SYN | TH_ACK);
	*snd = sa.seq + 1;
	put_seg(fx, ISS + 1, *snd, TH_ACK, 2 * MSS, NULL, 0);
	world_run(fx->w, 1 * MSEC);
	int c = stos_accept(*l, NULL, NULL);
	assert_true(c >= 0);
	static uint8_t data[20 * MSS];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)i;
	size_t before = nsegs(fx);
	assert_int_equal(stos_send(c, data, sizeof data, MSG_DONTWAIT), (ssize_t)sizeof data);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(nsegs(fx), before + 2);        /* the peer's window: two segments */
	return c;
}

/* Segments a sent from index from on: each a full segment of new data, in order from seq. */
static void expect_data(struct tu_fx *fx, size_t from, size_t count, uint32_t seq, uint32_t ack)
{
	assert_int_equal(nsegs(fx), from + count);
	for (size_t i = 0; i < count; i++) {
		struct tu_seg s;
		assert_true(tu_peer_tcp_seg(&fx->peer, from + i, &s));
		assert_int_equal(s.seq, seq + (uint32_t)i * MSS);
		assert_int_equal(s.len, MSS);
		assert_int_equal(s.ack, ack);
	}
}

static void test_ack_run_sends_once(void **state)
{
	struct tu_fx *fx = *state;
	int l;
	uint32_t snd;
	int c = connected(fx, &l, &snd);
	uint64_t d0 = stos_stat(fx->a, "tcp", "snddeferred");
	uint64_t p0 = stos_stat(fx->a, "tcp", "predack");
	/* Two ACKs in one batch, one per segment, each keeping the window at two segments:
	 * together they let two more segments go, sent after the second. */
	size_t before = nsegs(fx);
	put_seg(fx, ISS + 1, snd + MSS, TH_ACK, 2 * MSS, NULL, 0);
	put_seg(fx, ISS + 1, snd + 2 * MSS, TH_ACK, 2 * MSS, NULL, 0);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(stos_stat(fx->a, "tcp", "predack") - p0, 2);
	assert_int_equal(stos_stat(fx->a, "tcp", "snddeferred") - d0, 2);
	expect_data(fx, before, 2, snd + 2 * MSS, ISS + 1);
	/* the acknowledged bytes left the send buffer at the batch's end, and the
	 * retransmission timer runs for the segments in flight */
	struct tcpcb *tp = intotcpcb(stos_sock(c)->so_pcb);
	TU_LOCKED(fx->a, assert_int_equal(stos_sock(c)->so_snd.sb_cc, 18 * MSS);
	    assert_int_equal(tp->t_sbdrop_defer, 0);
	    assert_true(tcp_timer_active(tp, TT_REXMT));
	    assert_null(tp->t_outpprev));
	/* One ACK alone in its batch: the same, one batch later. */
	before = nsegs(fx);
	put_seg(fx, ISS + 1, snd + 4 * MSS, TH_ACK, 2 * MSS, NULL, 0);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(stos_stat(fx->a, "tcp", "snddeferred") - d0, 3);
	expect_data(fx, before, 2, snd + 4 * MSS, ISS + 1);
	stos_close(c);
	stos_close(l);
}

static void test_data_after_ack_waits(void **state)
{
	struct tu_fx *fx = *state;
	int l;
	uint32_t snd;
	int c = connected(fx, &l, &snd);
	/* An ACK, then data from the peer, in one batch: the segments the ACK allowed leave
	 * before the data is taken, so they acknowledge only what came before it. */
	size_t before = nsegs(fx);
	put_seg(fx, ISS + 1, snd + 2 * MSS, TH_ACK, 2 * MSS, NULL, 0);
	put_seg(fx, ISS + 1, snd + 2 * MSS, TH_ACK | TH_PUSH, 2 * MSS, "hello", 5);
	world_run(fx->w, 1 * MSEC);
	assert_true(nsegs(fx) >= before + 2);
	struct tu_seg s;
	for (size_t i = 0; i < 2; i++) {
		assert_true(tu_peer_tcp_seg(&fx->peer, before + i, &s));
		assert_int_equal(s.seq, snd + (2 + (uint32_t)i) * MSS);
		assert_int_equal(s.len, MSS);
		assert_int_equal(s.ack, ISS + 1);
	}
	char buf[16];
	assert_int_equal(stos_recv(c, buf, sizeof buf, MSG_DONTWAIT), 5);
	assert_memory_equal(buf, "hello", 5);
	stos_close(c);
	stos_close(l);
}

static void test_rst_after_ack(void **state)
{
	struct tu_fx *fx = *state;
	int l;
	uint32_t snd;
	int c = connected(fx, &l, &snd);
	uint64_t d0 = stos_stat(fx->a, "tcp", "snddeferred");
	/* An ACK that frees window, then an RST at RCV.NXT (RFC 5961 3.2: acceptable), in one
	 * batch: as without deferral, what the ACK allowed leaves first, then the RST ends
	 * the connection. */
	size_t before = nsegs(fx);
	put_seg(fx, ISS + 1, snd + 2 * MSS, TH_ACK, 2 * MSS, NULL, 0);
	put_seg(fx, ISS + 1, 0, TH_RST, 0, NULL, 0);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(stos_stat(fx->a, "tcp", "snddeferred") - d0, 1);
	expect_data(fx, before, 2, snd + 2 * MSS, ISS + 1);
	char b = 0;
	assert_int_equal(stos_send(c, &b, 1, MSG_DONTWAIT), -1);
	assert_int_equal(stos_stat(fx->a, "tcp", "drops") + stos_stat(fx->a, "tcp", "closed") > 0, 1);
	stos_close(c);
	stos_close(l);
}

/* A connection that ends while its output is queued (tcp_drop during the batch, as for data
 * arriving for a connection whose user is gone) leaves the queue: the batch's end sends
 * nothing for it and touches no freed memory (ASan build). */
static void test_close_while_queued(void **state)
{
	struct tu_fx *fx = *state;
	int l;
	uint32_t snd;
	int c = connected(fx, &l, &snd);
	struct tcpcb *tp = intotcpcb(stos_sock(c)->so_pcb);
	struct netstack *ns = fx->a;
	size_t before = nsegs(fx);
	NET_LOCK(ns);
	/* the peer's ACK of both segments, as the fast path takes it within a batch: the
	 * acknowledged bytes stay in the buffer until the batch's end */
	ns->ns_inbatch = true;
	assert_true(tcp_output_queue(tp));
	tp->snd_una = snd + 2 * MSS;
	tp->snd_nxt = tp->snd_una;
	tp->t_sbdrop_defer = 2 * MSS;
	tcp_output_defer(tp);
	assert_non_null(tcp_instance(ns)->ti_out_head);
	tcp_drop(tp, ECONNRESET);
	assert_null(tcp_instance(ns)->ti_out_head);
	ns->ns_inbatch = false;
	tcp_output_batch(ns, NULL);
	NET_UNLOCK(ns);
	world_run(fx->w, 1 * MSEC);
	struct tu_seg s;
	assert_true(nsegs(fx) >= before + 1);
	for (size_t i = before; i < nsegs(fx); i++) {
		assert_true(tu_peer_tcp_seg(&fx->peer, i, &s));
		assert_int_equal(s.len, 0);                 /* only tcp_drop's RST */
		assert_true(s.flags & TH_RST);
	}
	stos_close(c);
	stos_close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ack_run_sends_once, tu_fx_setup_sockets,
		    tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_data_after_ack_waits, tu_fx_setup_sockets,
		    tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_rst_after_ack, tu_fx_setup_sockets,
		    tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_close_while_queued, tu_fx_setup_sockets,
		    tu_fx_teardown_sockets),
	};
	return TU_RUN(tests);
}
