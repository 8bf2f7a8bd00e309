/* ECN for TCP (RFC 3168, net/tcp_ecn.c) against a scripted peer on the in-memory wire: which
 * setting negotiates it, the window cut an ECE brings under NewReno and CUBIC (once a
 * window), the CE echo on the header-prediction path as on the slow one, what goes out ECT(0),
 * and the socket's own TOS bits around it.  The exact segments are pinned down by the
 * conformance scripts tests/conformance/stos/ecn-*.pkt; this checks the state behind them.
 * Pools and memory balance at teardown (the fixture checks). */
#include "tests/tcp/tcp_peer_fx.h"
#include "host/wire.h"
#include "net/netstack.h"
#include "net/tcp_var.h"
#include "net/in_cksum.h"

static const uint8_t mss1000[4] = { 2, 4, 0x03, 0xe8 };

/* A segment from the peer with the IP header's TOS byte tos. */
static void send_tos(struct tu_fx *fx, uint16_t sport, uint32_t seq, uint32_t ack, uint8_t fl,
    const uint8_t *opts, size_t optlen, const void *pay, size_t plen, uint8_t tos)
{
	uint8_t b[2048];
	size_t n = tu_tcp(b, sport, PORT, seq, ack, fl, 65535, opts, optlen, pay, plen, 0);
	b[1] = tos;
	b[10] = b[11] = 0;
	be16_put(b + 10, in_cksum(b, 20));
	tu_fx_send(fx, b, n);
}

/* The TOS byte of the i-th TCP segment the peer received. */
static uint8_t seg_tos(struct tu_fx *fx, size_t i)
{
	size_t len;
	const uint8_t *f = tu_peer_find(&fx->peer, 0x0800, 6, -1, i, &len);
	assert_non_null(f);
	return f[14 + 1];
}

static uint64_t tstat(struct tu_fx *fx, const char *name)
{
	uint64_t v;
	TU_LOCKED(fx->a, v = net_stat_get(fx->a, "tcp", name));
	return v;
}

static struct tcpcb *conn_tp(struct tu_fx *fx, uint16_t sport)
{
	struct tcpcb *tp;
	TU_LOCKED(fx->a, tp = intotcpcb(in_pcblookup(&tcp_instance(fx->a)->ti_pcbinfo, TU_IP_P,
	    sport, TU_IP_A, PORT, 0)));
	assert_non_null(tp);
	return tp;
}

/* A connection from sport with MSS 1000 whose SYN has the flags synfl (TH_SYN, with ECE and
 * CWR to ask for ECN), accepted.  *synack: the SYN-ACK's flags; *a0: a's first data sequence
 * number.  Returns the descriptor. */
static int conn(struct tu_fx *fx, int l, uint16_t sport, uint8_t synfl, uint8_t *synack,
    uint32_t *a0)
{
	size_t before = nsegs(fx);
	struct tu_seg s;
	send_tos(fx, sport, 5000, 0, synfl, mss1000, sizeof mss1000, NULL, 0, 0);
	assert_true(tu_peer_tcp_seg(&fx->peer, before, &s));
	assert_int_equal(s.flags & (TH_SYN | TH_ACK), TH_SYN | TH_ACK);
	assert_int_equal(seg_tos(fx, before), 0);          /* 6.1.1: a SYN-ACK is never ECT */
	*synack = s.flags;
	*a0 = s.seq + 1;
	send_seg(fx, sport, 5001, *a0, TH_ACK, NULL, 0, NULL, 0, 0);
	int c = stos_accept(l, NULL, NULL);
	assert_true(c >= 0);
	return c;
}

static void set_ecn(struct tu_fx *fx, uint8_t v)
{
	TU_LOCKED(fx->a, tcp_instance(fx->a)->ti_conf.ecn = v);
}

/* Closes c (its FIN goes) and resets the connection from the peer (seq, ack), so nothing
 * outlives the test; close_listener ends the listener likewise. */
static void close_reset(struct tu_fx *fx, int c, uint16_t sport, uint32_t seq, uint32_t ack)
{
	assert_int_equal(stos_close(c), 0);
	world_run(fx->w, 1 * MSEC);
	send_seg(fx, sport, seq, ack, TH_RST | TH_ACK, NULL, 0, NULL, 0, 0);
}

static void close_listener(struct tu_fx *fx, int l)
{
	assert_int_equal(stos_close(l), 0);
	world_run(fx->w, 100 * MSEC);
}

/* ECN is on only when the SYN asks for it (ECE and CWR) and the setting allows answering
 * (1 or 2); then data leaves ECT(0). */
static void test_negotiation(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 8);
	static const uint8_t data[1000];
	static const struct { uint8_t setting, synfl; bool on; } cases[] = {
		{ TCP_ECN_PASSIVE, TH_SYN | TH_ECE | TH_CWR, true },
		{ TCP_ECN_ON, TH_SYN | TH_ECE | TH_CWR, true },
		{ TCP_ECN_OFF, TH_SYN | TH_ECE | TH_CWR, false },
		{ TCP_ECN_PASSIVE, TH_SYN, false },
		{ TCP_ECN_PASSIVE, TH_SYN | TH_ECE, false },   /* not an ECN-setup SYN */
	};
	for (unsigned i = 0; i < NET_ARRAY_LEN(cases); i++) {
		set_ecn(fx, cases[i].setting);
		uint64_t shs = tstat(fx, "ecn_shs");
		uint8_t synack;
		uint32_t a0;
		uint16_t sport = (uint16_t)(4000 + i);
		int c = conn(fx, l, sport, cases[i].synfl, &synack, &a0);
		assert_int_equal((synack & (TH_ECE | TH_CWR)) == TH_ECE, cases[i].on);
		assert_int_equal(tstat(fx, "ecn_shs"), shs + cases[i].on);
		struct tcp_info ti;
		socklen_t len = sizeof ti;
		assert_int_equal(stos_getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
		assert_int_equal((ti.tcpi_options & 8) != 0, cases[i].on);
		size_t mark = nsegs(fx);
		assert_int_equal(stos_send(c, data, sizeof data, MSG_DONTWAIT), (ssize_t)sizeof data);
		world_run(fx->w, 1 * MSEC);
		assert_int_equal(nsegs(fx), mark + 1);
		assert_int_equal(seg_tos(fx, mark), cases[i].on ? 0x02 : 0x00);
		send_seg(fx, sport, 5001, a0 + 1000, TH_ACK, NULL, 0, NULL, 0, 0);
		close_reset(fx, c, sport, 5001, a0 + 1001);
	}
	close_listener(fx, l);
}

/* RFC 3168 6.1.2: an ECE cuts cwnd as a loss would (RFC 5681 eq. 4 for NewReno, RFC 9438
 * 4.6 for CUBIC), with no retransmission and no recovery, and once a window: an ECE that
 * acknowledges only data sent before the cut changes nothing; one beyond it cuts again. */
static void test_cut_once_a_window(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 8);
	static uint8_t data[20000];
	static const char *const ccs[] = { "newreno", "cubic" };
	for (unsigned k = 0; k < 2; k++) {
		uint16_t sport = (uint16_t)(4100 + k);
		uint8_t synack;
		uint32_t a0;
		int c = conn(fx, l, sport, TH_SYN | TH_ECE | TH_CWR, &synack, &a0);
		assert_int_equal(stos_setsockopt(c, IPPROTO_TCP, TCP_CONGESTION, ccs[k],
		    (socklen_t)strlen(ccs[k])), 0);
		struct tcpcb *tp = conn_tp(fx, sport);
		TU_LOCKED(fx->a, tp->t_cc.cwnd = 10000);
		uint64_t cuts = tstat(fx, "ecn_rcwnd"), rexmit = tstat(fx, "sndrexmitpack");
		assert_int_equal(stos_send(c, data, 10000, MSG_DONTWAIT), 10000);
		world_run(fx->w, 1 * MSEC);
		/* ECE acknowledging the first segment: flight 10000 before the ACK. */
		send_seg(fx, sport, 5001, a0 + 1000, TH_ACK | TH_ECE, NULL, 0, NULL, 0, 0);
		uint32_t want = k == 0 ? 5000 : 10000u * 717 / 1024;
		uint32_t ssthresh, cwnd;
		TU_LOCKED(fx->a, (ssthresh = tp->t_cc.ssthresh, cwnd = tp->t_cc.cwnd));
		assert_int_equal(ssthresh, want);
		assert_true(cwnd >= want && cwnd <= want + 1000);  /* the ACK's own growth */
		assert_int_equal(tstat(fx, "ecn_rcwnd"), cuts + 1);
		assert_false(tp->t_flags & TF_FASTRECOVERY);
		/* ECE up to the end of what was sent before the cut: no second cut. */
		send_seg(fx, sport, 5001, a0 + 10000, TH_ACK | TH_ECE, NULL, 0, NULL, 0, 0);
		assert_int_equal(tstat(fx, "ecn_rcwnd"), cuts + 1);
		uint32_t ss1;
		TU_LOCKED(fx->a, ss1 = tp->t_cc.ssthresh);
		assert_int_equal(ss1, want);
		/* New data, then an ECE beyond the old window: a second cut. */
		assert_int_equal(stos_send(c, data, 2000, MSG_DONTWAIT), 2000);
		world_run(fx->w, 1 * MSEC);
		send_seg(fx, sport, 5001, a0 + 12000, TH_ACK | TH_ECE, NULL, 0, NULL, 0, 0);
		assert_int_equal(tstat(fx, "ecn_rcwnd"), cuts + 2);
		assert_int_equal(tstat(fx, "sndrexmitpack"), rexmit);   /* nothing resent */
		close_reset(fx, c, sport, 5001, a0 + 12001);
	}
	close_listener(fx, l);
}

/* RFC 3168 6.1.3: in-order data acknowledging nothing new - header prediction's case - with
 * CE is echoed at once with ECE, with and without the fast path; without ECN a CE mark and
 * an ECE mean nothing. */
static void test_ce_echo(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 8);
	static const uint8_t pay[100];
	for (unsigned k = 0; k < 3; k++) {
		bool ecn = k < 2;
		TU_LOCKED(fx->a, tcp_instance(fx->a)->ti_conf.no_hdrpred = k == 1);
		uint16_t sport = (uint16_t)(4200 + k);
		uint8_t synack;
		uint32_t a0;
		int c = conn(fx, l, sport, ecn ? TH_SYN | TH_ECE | TH_CWR : TH_SYN, &synack, &a0);
		uint64_t ce = tstat(fx, "ecn_ce");
		size_t mark = nsegs(fx);
		send_tos(fx, sport, 5001, a0, TH_ACK, NULL, 0, pay, sizeof pay, 0x03);
		world_run(fx->w, 1 * MSEC);
		struct tu_seg s;
		if (ecn) {
			assert_int_equal(nsegs(fx), mark + 1);      /* at once, not after 40 ms */
			assert_true(tu_peer_tcp_seg(&fx->peer, mark, &s));
			assert_int_equal(s.flags, TH_ACK | TH_ECE);
			assert_int_equal(s.ack, 5101);
			assert_int_equal(seg_tos(fx, mark), 0);
			assert_int_equal(tstat(fx, "ecn_ce"), ce + 1);
		} else {
			assert_int_equal(nsegs(fx), mark);          /* the delayed ACK, as ever */
			world_run(fx->w, 50 * MSEC);
			assert_true(tu_peer_tcp_seg(&fx->peer, mark, &s));
			assert_int_equal(s.flags, TH_ACK);
			assert_int_equal(tstat(fx, "ecn_ce"), ce);
			/* and ECE on an ACK cuts nothing */
			struct tcpcb *tp = conn_tp(fx, sport);
			uint32_t cw0, cw1;
			TU_LOCKED(fx->a, cw0 = tp->t_cc.cwnd);
			assert_int_equal(stos_send(c, pay, sizeof pay, MSG_DONTWAIT), (ssize_t)sizeof pay);
			world_run(fx->w, 1 * MSEC);
			send_seg(fx, sport, 5101, a0 + 100, TH_ACK | TH_ECE, NULL, 0, NULL, 0, 0);
			TU_LOCKED(fx->a, cw1 = tp->t_cc.cwnd);
			assert_true(cw1 >= cw0);
		}
		char buf[200];
		assert_int_equal(stos_recv(c, buf, sizeof buf, MSG_DONTWAIT), (ssize_t)sizeof pay);
		close_reset(fx, c, sport, 5101, a0 + 101 + (ecn ? 0 : 100));
	}
	TU_LOCKED(fx->a, tcp_instance(fx->a)->ti_conf.no_hdrpred = false);
	close_listener(fx, l);
}

/* A stream socket's IP_TOS keeps the ECN field to TCP (as Linux): the value read back has
 * it clear, and segments carry the DSCP with TCP's own ECN bits. */
static void test_ip_tos_leaves_ecn_to_tcp(void **state)
{
	struct tu_fx *fx = *state;
	int l = listener(fx, 8);
	uint8_t synack;
	uint32_t a0;
	int c = conn(fx, l, 4300, TH_SYN | TH_ECE | TH_CWR, &synack, &a0);
	int v = 0xb9;
	assert_int_equal(stos_setsockopt(c, IPPROTO_IP, IP_TOS, &v, sizeof v), 0);
	socklen_t len = sizeof v;
	assert_int_equal(stos_getsockopt(c, IPPROTO_IP, IP_TOS, &v, &len), 0);
	assert_int_equal(v, 0xb8);
	static const uint8_t data[1000];
	size_t mark = nsegs(fx);
	assert_int_equal(stos_send(c, data, sizeof data, MSG_DONTWAIT), (ssize_t)sizeof data);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(seg_tos(fx, mark), 0xb8 | 0x02);
	send_seg(fx, 4300, 5001, a0 + 1000, TH_ACK, NULL, 0, NULL, 0, 0);
	world_run(fx->w, 100 * MSEC);                       /* the ACK goes delayed, if at all */
	assert_int_equal(stos_close(c), 0);
	world_run(fx->w, 1 * MSEC);
	/* a pure ACK (the one for the FIN below) carries the DSCP, Not-ECT */
	mark = nsegs(fx);
	send_seg(fx, 4300, 5001, a0 + 1001, TH_FIN | TH_ACK, NULL, 0, NULL, 0, 0);
	world_run(fx->w, 1 * MSEC);
	assert_true(nsegs(fx) > mark);
	assert_int_equal(seg_tos(fx, nsegs(fx) - 1), 0xb8);
	close_listener(fx, l);
	world_run(fx->w, 61 * SEC);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tu_fx_setup_sockets, tu_fx_teardown_sockets)
	const struct CMUnitTest tests[] = {
		T(test_negotiation),
		T(test_cut_once_a_window),
		T(test_ce_echo),
		T(test_ip_tos_leaves_ecn_to_tcp),
	};
	return TU_RUN(tests);
}
