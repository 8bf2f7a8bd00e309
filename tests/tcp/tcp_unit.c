/* Unit tests for TCP's self-contained pieces: option parsing (defensive cases) and building,
 * sequence arithmetic, SipHash-2-4 against the paper's test vector, RFC 6528 ISNs, and the
 * congestion-control modules (NewReno, CUBIC).  cmocka, TAP output. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "net/tcp.h"
#include "net/tcp_seq.h"
#include "net/tcp_siphash.h"
#include "net/tcp_isn.h"
#include "net/tcp_cc.h"
#include "net/tcp_var.h"

/* ---- options ---- */

static void test_opts_syn_all(void **state)
{
	(void)state;
	/* mss 1460, nop, wscale 7, sackOK, TS 100/0 (FreeBSD's SYN layout) */
	const uint8_t o[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 100, 0, 0, 0, 0 };
	struct tcp_opts to = { 0 };
	tcp_opts_parse(o, sizeof o, true, &to);
	assert_int_equal(to.to_flags, TOF_MSS | TOF_SCALE | TOF_SACKPERM | TOF_TS);
	assert_int_equal(to.to_mss, 1460);
	assert_int_equal(to.to_wscale, 7);
	assert_int_equal(to.to_tsval, 100);
	assert_int_equal(to.to_tsecr, 0);
	assert_int_equal(to.to_bad, 0);
}

static void test_opts_syn_only_kinds_ignored_without_syn(void **state)
{
	(void)state;
	const uint8_t o[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2 };
	struct tcp_opts to = { 0 };
	tcp_opts_parse(o, sizeof o, false, &to);
	assert_int_equal(to.to_flags, 0);
	assert_int_equal(to.to_bad, 0);
}

static void test_opts_zero_length_stops(void **state)
{
	(void)state;
	/* An unknown kind with length 0 would loop forever if trusted. */
	const uint8_t o[] = { 30, 0, 2, 4, 0x05, 0xb4 };
	struct tcp_opts to = { 0 };
	tcp_opts_parse(o, sizeof o, true, &to);
	assert_int_equal(to.to_flags, 0);
	assert_int_equal(to.to_bad, 1);
}

static void test_opts_length_one_stops(void **state)
{
	(void)state;
	const uint8_t o[] = { 2, 4, 0x02, 0x18, 8, 1, 0, 0 };
	struct tcp_opts to = { 0 };
	tcp_opts_parse(o, sizeof o, true, &to);
	assert_int_equal(to.to_flags, TOF_MSS);   /* what came before is kept */
	assert_int_equal(to.to_mss, 536);
	assert_int_equal(to.to_bad, 1);
}

static void test_opts_past_end(void **state)
{
	(void)state;
	/* A timestamp option claiming 10 bytes with only 6 present. */
	const uint8_t o[] = { 1, 1, 8, 10, 0, 0, 0, 1 };
	struct tcp_opts to = { 0 };
	tcp_opts_parse(o, sizeof o, false, &to);
	assert_int_equal(to.to_flags, 0);
	assert_int_equal(to.to_bad, 1);
	/* A kind byte as the very last byte (no room for its length). */
	const uint8_t o2[] = { 1, 1, 1, 2 };
	memset(&to, 0, sizeof to);
	tcp_opts_parse(o2, sizeof o2, true, &to);
	assert_int_equal(to.to_flags, 0);
	assert_int_equal(to.to_bad, 1);
}

static void test_opts_wrong_length_known_kind(void **state)
{
	(void)state;
	const uint8_t o[] = { 2, 6, 0x05, 0xb4, 0, 0 };   /* MSS must be 4 long */
	struct tcp_opts to = { 0 };
	tcp_opts_parse(o, sizeof o, true, &to);
	assert_int_equal(to.to_flags, 0);
	assert_int_equal(to.to_bad, 1);
}

static void test_opts_mss_zero_and_wscale_clamp(void **state)
{
	(void)state;
	const uint8_t o[] = { 2, 4, 0, 0, 3, 3, 200, 0 };
	struct tcp_opts to = { 0 };
	tcp_opts_parse(o, sizeof o, true, &to);
	assert_int_equal(to.to_flags, TOF_MSS | TOF_SCALE);
	assert_int_equal(to.to_mss, 0);        /* reported as is; TCP clamps it (tcp_mss_update) */
	assert_int_equal(to.to_wscale, TCP_MAX_WINSHIFT);   /* RFC 7323 2.3 */
}

static void test_opts_eol_ends(void **state)
{
	(void)state;
	const uint8_t o[] = { 0, 2, 4, 0x05, 0xb4 };
	struct tcp_opts to = { 0 };
	tcp_opts_parse(o, sizeof o, true, &to);
	assert_int_equal(to.to_flags, 0);
	assert_int_equal(to.to_bad, 0);
}

static void test_opts_sack_blocks(void **state)
{
	(void)state;
	uint8_t o[48] = { 1, 1, 5, 2 + 5 * 8 };
	for (int i = 0; i < 5; i++) {
		be32_put(o + 4 + i * 8, 1000u * (uint32_t)i);
		be32_put(o + 8 + i * 8, 1000u * (uint32_t)i + 100);
	}
	struct tcp_opts to = { 0 };
	/* 5 blocks do not fit in 40 bytes with the NOPs: the length runs past the end. */
	tcp_opts_parse(o, 40, false, &to);
	assert_int_equal(to.to_bad, 1);
	o[3] = 2 + 4 * 8;
	memset(&to, 0, sizeof to);
	tcp_opts_parse(o, 36, false, &to);
	assert_int_equal(to.to_flags, TOF_SACK);
	assert_int_equal(to.to_nsacks, 4);
	assert_int_equal(to.to_sacks[3].start, 3000);
	assert_int_equal(to.to_sacks[3].end, 3100);
	/* SACK blocks on a SYN are ignored (RFC 2018 3). */
	memset(&to, 0, sizeof to);
	tcp_opts_parse(o, 36, true, &to);
	assert_int_equal(to.to_flags, 0);
}

static void test_opts_build_roundtrip(void **state)
{
	(void)state;
	uint8_t buf[TCP_MAXOLEN];
	struct tcp_opts in = { .to_flags = TOF_MSS | TOF_SCALE | TOF_SACKPERM | TOF_TS,
	    .to_mss = 1460, .to_wscale = 6, .to_tsval = 0x01020304, .to_tsecr = 7 };
	size_t n = tcp_opts_build(buf, &in);
	assert_int_equal(n, 20);
	const uint8_t want[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 6, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 7 };
	assert_memory_equal(buf, want, sizeof want);
	struct tcp_opts out = { 0 };
	tcp_opts_parse(buf, n, true, &out);
	assert_int_equal(out.to_flags, in.to_flags);
	assert_int_equal(out.to_mss, 1460);
	assert_int_equal(out.to_tsval, 0x01020304);

	/* Timestamps plus 4 SACK blocks: only 3 fit, 32-bit aligned. */
	struct tcp_opts s = { .to_flags = TOF_TS | TOF_SACK, .to_nsacks = 4 };
	for (int i = 0; i < 4; i++) {
		s.to_sacks[i].start = 10u * (uint32_t)i;
		s.to_sacks[i].end = 10u * (uint32_t)i + 5;
	}
	n = tcp_opts_build(buf, &s);
	assert_true(n <= TCP_MAXOLEN);
	assert_int_equal(n % 4, 0);
	memset(&out, 0, sizeof out);
	tcp_opts_parse(buf, n, false, &out);
	assert_int_equal(out.to_flags, TOF_TS | TOF_SACK);
	assert_int_equal(out.to_nsacks, 3);
	assert_int_equal(buf[0], TCPOPT_NOP);
	assert_int_equal(buf[2], TCPOPT_TIMESTAMP);

	/* SYN-ACK answering <mss,sackOK>: MSS, SACK-permitted, EOL padding. */
	struct tcp_opts sa = { .to_flags = TOF_MSS | TOF_SACKPERM, .to_mss = 1460 };
	n = tcp_opts_build(buf, &sa);
	const uint8_t want2[] = { 2, 4, 0x05, 0xb4, 4, 2, 0, 0 };
	assert_int_equal(n, 8);
	assert_memory_equal(buf, want2, 8);
}

static void test_hdr_parse(void **state)
{
	(void)state;
	uint8_t h[24] = { 0x1f, 0x90, 0x9c, 0x40, 0, 0, 0, 1, 0, 0, 0, 2, 0x60, TH_SYN | TH_ACK,
	    0xff, 0xff, 0, 0, 0, 0, 2, 4, 5, 0xb4 };
	struct tcp_hdr th;
	assert_true(tcp_hdr_parse(h, sizeof h, &th));
	assert_int_equal(th.th_sport, 8080);
	assert_int_equal(th.th_dport, 40000);
	assert_int_equal(th.th_off, 24);
	assert_int_equal(th.th_flags, TH_SYN | TH_ACK);
	assert_false(tcp_hdr_parse(h, 19, &th));          /* too short */
	h[12] = 0x40;                                      /* offset 16 < 20 */
	assert_false(tcp_hdr_parse(h, sizeof h, &th));
	h[12] = 0x70;                                      /* offset 28 > 24 available */
	assert_false(tcp_hdr_parse(h, sizeof h, &th));
}

/* ---- sequence numbers ---- */

static void test_seq_wrap(void **state)
{
	(void)state;
	assert_true(SEQ_LT(0xfffffff0u, 0x10u));
	assert_true(SEQ_GT(0x10u, 0xfffffff0u));
	assert_true(SEQ_LEQ(5u, 5u));
	assert_false(SEQ_LT(5u, 5u));
	assert_true(SEQ_IN(0u, 0xffffff00u, 0x100u));
	assert_false(SEQ_IN(0x100u, 0xffffff00u, 0x100u));
	assert_int_equal(SEQ_MAX(0xfffffff0u, 3u), 3u);
	assert_int_equal(SEQ_MIN(0xfffffff0u, 3u), 0xfffffff0u);
}

/* ---- SipHash and ISN ---- */

static void test_siphash_vectors(void **state)
{
	(void)state;
	uint8_t key[16], msg[64];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	/* The paper's Appendix A: key 00..0f, message 00..0e (15 bytes). */
	assert_int_equal(siphash24(key, msg, 15), 0xa129ca6149be45e5ull);
	/* The reference implementation's vectors for the empty and 8-byte messages. */
	assert_int_equal(siphash24(key, msg, 0), 0x726fdb47dd0e0e31ull);
	assert_int_equal(siphash24(key, msg, 8), 0x93f5f5799a932462ull);
}

static void test_isn(void **state)
{
	(void)state;
	uint8_t key[16] = { 1, 2, 3 };
	uint32_t a = tcp_isn(key, 0xc0a80001, 8080, 0xc0000201, 40000, 0);
	uint32_t b = tcp_isn(key, 0xc0a80001, 8080, 0xc0000201, 40000, 4000000);  /* +4 ms */
	assert_int_equal(b - a, 1000);   /* RFC 6528: M ticks every 4 us */
	uint32_t c = tcp_isn(key, 0xc0a80001, 8080, 0xc0000201, 40001, 0);
	assert_int_not_equal(a, c);      /* another tuple, another sequence space */
	key[0] = 9;
	assert_int_not_equal(a, tcp_isn(key, 0xc0a80001, 8080, 0xc0000201, 40000, 0));
}

/* ---- congestion control ---- */

/* An ACK of `acked` new bytes with no RTT sample, as the modules saw them before HyStart++. */
static void cc_ack(struct tcp_cc *cc, uint32_t acked, uint64_t srtt_ns, uint64_t now_ns)
{
	struct tcp_cc_ack a = { .acked = acked, .srtt_ns = srtt_ns, .now_ns = now_ns };
	cc->ops->ack(cc, &a);
}

/* The initial window: RFC 5681 3.1's table with 0 segments, RFC 6928 2's
 * min(N * MSS, max(2 * MSS, N * 1460)) otherwise. */
static void test_initial_window(void **state)
{
	(void)state;
	assert_int_equal(tcp_cc_initial_window(536, 0), 4 * 536);
	assert_int_equal(tcp_cc_initial_window(1095, 0), 4 * 1095);
	assert_int_equal(tcp_cc_initial_window(1096, 0), 3 * 1096);
	assert_int_equal(tcp_cc_initial_window(2190, 0), 3 * 2190);
	assert_int_equal(tcp_cc_initial_window(2191, 0), 2 * 2191);
	assert_int_equal(tcp_cc_initial_window(8960, 0), 2 * 8960);
	assert_int_equal(tcp_cc_initial_window(536, 10), 10 * 536);    /* ten segments */
	assert_int_equal(tcp_cc_initial_window(1460, 10), 14600);
	assert_int_equal(tcp_cc_initial_window(1448, 10), 14480);
	assert_int_equal(tcp_cc_initial_window(4000, 10), 14600);      /* the byte cap */
	assert_int_equal(tcp_cc_initial_window(8960, 10), 2 * 8960);   /* two segments at least */
	assert_int_equal(tcp_cc_initial_window(1000, 1), 1000);
	assert_int_equal(tcp_cc_initial_window(1460, 100), 146000);
	assert_int_equal(tcp_cc_initial_window(65535, 100), 100u * 1460);
}

static void test_newreno(void **state)
{
	(void)state;
	struct tcp_cc cc = { .ops = &tcp_cc_newreno };
	cc.ops->init(&cc, 1460, tcp_cc_initial_window(1460, 0));
	assert_int_equal(cc.cwnd, 3 * 1460);              /* RFC 5681 IW for SMSS 1460 */
	assert_int_equal(cc.ssthresh, UINT32_MAX);
	cc_ack(&cc, 1460, 0, 0);                      /* slow start: +SMSS per ACK */
	assert_int_equal(cc.cwnd, 4 * 1460);
	cc_ack(&cc, 5000, 0, 0);                      /* at most SMSS per ACK */
	assert_int_equal(cc.cwnd, 5 * 1460);
	cc.ops->signal(&cc, CC_DUPACK, 10 * 1460, 0);     /* ssthresh = flight / 2 */
	assert_int_equal(cc.ssthresh, 5 * 1460);
	assert_int_equal(cc.cwnd, 5 * 1460);
	uint32_t before = cc.cwnd;
	for (int i = 0; i < 5; i++)                        /* one window of ACKs: +1 SMSS */
		cc_ack(&cc, 1460, 0, 0);
	assert_int_equal(cc.cwnd, before + 1460);
	cc.ops->signal(&cc, CC_RTO, 8 * 1460, 0);
	assert_int_equal(cc.cwnd, 1460);                   /* loss window */
	assert_int_equal(cc.ssthresh, 4 * 1460);
	cc.ops->signal(&cc, CC_DUPACK, 1000, 0);
	assert_int_equal(cc.ssthresh, 2 * 1460);           /* floor of 2 SMSS */
	cc.ssthresh = 10 * 1460;
	cc.ops->recovered(&cc, 1460);                      /* RFC 6582: min(ssthresh, flight+SMSS) */
	assert_int_equal(cc.cwnd, 2 * 1460);
}

static void test_cubic(void **state)
{
	(void)state;
	const uint64_t ms = 1000000;
	struct tcp_cc cc = { .ops = tcp_cc_find("cubic") };
	assert_non_null(cc.ops);
	assert_ptr_equal(tcp_cc_default, &tcp_cc_cubic);
	assert_ptr_equal(tcp_cc_find("newreno"), &tcp_cc_newreno);
	assert_null(tcp_cc_find("vegas"));
	cc.ops->init(&cc, 1000, tcp_cc_initial_window(1000, 0));
	cc.cwnd = 100 * 1000;
	cc.ops->signal(&cc, CC_DUPACK, 100 * 1000, 0);
	assert_int_equal(cc.ssthresh, 100 * 1000 * 717 / 1024);   /* beta_cubic 0.7 as 717/1024 */
	assert_int_equal(cc.cwnd, cc.ssthresh);
	assert_int_equal(cc.w_max, 100 * 1000);
	/* K = cbrt(30 / 0.4) s ~= 4.217 s: the window regains W_max about then, and is
	 * concave (slow near W_max) before and convex after. */
	uint64_t t = 1000 * ms;
	uint32_t at_2s = 0, at_k = 0;
	for (int i = 0; i < 20000; i++) {
		t += 1 * ms;
		cc_ack(&cc, 1000, 10 * ms, t);
		uint64_t since = t - 1000 * ms;
		if (since == 2000 * ms)
			at_2s = cc.cwnd;
		if (since == 4217 * ms)
			at_k = cc.cwnd;
	}
	assert_true(cc.k_ms >= 4150 && cc.k_ms <= 4250);
	assert_true(at_2s > 70 * 1000 && at_2s < 100 * 1000);
	assert_true(at_k >= 97 * 1000 && at_k <= 103 * 1000);
	assert_true(cc.cwnd > 110 * 1000);                 /* probing beyond W_max later */
	/* A second loss below W_max: fast convergence lowers W_max further. */
	uint32_t c = cc.cwnd;
	cc.w_max = c + 10000;
	cc.ops->signal(&cc, CC_DUPACK, c, t);
	assert_int_equal(cc.w_max, (uint32_t)((uint64_t)c * (1024 + 717) / 2048));
	cc.ops->signal(&cc, CC_RTO, c, t);
	assert_int_equal(cc.cwnd, 1000);
}

/* ---- HyStart++ (RFC 9406) in CUBIC ---- */

/* A sender in its first slow start: each round, every segment in flight when the round began
 * is acknowledged, one ACK per segment, each carrying the round's RTT sample, and after each
 * ACK the sender fills the window again. */
struct hs_sim {
	struct tcp_cc cc;
	uint32_t una, snd_max;
	uint64_t now;
};

static void hs_start(struct hs_sim *s, const struct tcp_cc_ops *ops)
{
	memset(s, 0, sizeof *s);
	s->cc.ops = ops;
	ops->init(&s->cc, 1000, tcp_cc_initial_window(1000, 0));
	s->una = 5000;
	s->snd_max = s->una + s->cc.cwnd;
	s->now = 1000000000ull;
}

static void hs_round(struct hs_sim *s, uint64_t rtt_ms)
{
	uint32_t end = s->snd_max;
	while (SEQ_LT(s->una, end)) {
		s->una += 1000;
		s->now += 100000;
		struct tcp_cc_ack a = { .acked = 1000, .ack = s->una, .snd_max = s->snd_max,
		    .srtt_ns = rtt_ms * 1000000, .rtt_ns = rtt_ms * 1000000, .now_ns = s->now };
		s->cc.ops->ack(&s->cc, &a);
		if (s->snd_max - s->una < s->cc.cwnd)
			s->snd_max = s->una + s->cc.cwnd;
	}
}

/* A steady RTT: slow start doubles the window every round, as RFC 5681's. */
static void test_hystart_steady(void **state)
{
	(void)state;
	struct hs_sim s;
	hs_start(&s, &tcp_cc_cubic);
	assert_int_equal(s.cc.hs_state, HS_SS);
	uint32_t w = s.cc.cwnd;
	for (int r = 0; r < 8; r++) {
		hs_round(&s, 20);
		assert_int_equal(s.cc.cwnd, 2 * w);
		w = s.cc.cwnd;
	}
	assert_int_equal(s.cc.hs_state, HS_SS);
	assert_int_equal(s.cc.ssthresh, UINT32_MAX);
	/* A rise below the threshold (max(4 ms, 20 ms / 8)) is not a queue. */
	hs_round(&s, 23);
	hs_round(&s, 23);
	assert_int_equal(s.cc.hs_state, HS_SS);
	assert_int_equal(s.cc.ssthresh, UINT32_MAX);
}

/* The RTT rises by the threshold: CSS grows a quarter as fast for CSS_ROUNDS rounds (the
 * partial first one counted), then congestion avoidance takes over at that window with no
 * loss (ssthresh = cwnd) and CUBIC starts its epoch there (RFC 9438 4.10). */
static void test_hystart_exit(void **state)
{
	(void)state;
	struct hs_sim s;
	hs_start(&s, &tcp_cc_cubic);
	for (int r = 0; r < 4; r++)
		hs_round(&s, 20);
	/* 20 + 4 ms: CSS within the first or second round at 24 ms (the module's rounds end
	 * at the ACK for what was sent when they began, not where these loops do). */
	uint32_t w = s.cc.cwnd;
	hs_round(&s, 24);
	if (s.cc.hs_state == HS_SS) {
		assert_int_equal(s.cc.cwnd, 2 * w);
		w = s.cc.cwnd;
		hs_round(&s, 24);
	}
	assert_int_equal(s.cc.hs_state, HS_CSS);
	assert_true(s.cc.cwnd < 2 * w);        /* part of this round already in CSS */
	assert_int_equal(s.cc.hs_css_base_us, 24000);
	int rounds = 1, most = s.cc.hs_css_rounds;
	while (s.cc.hs_state == HS_CSS && rounds < 10) {
		w = s.cc.cwnd;
		hs_round(&s, 24);
		rounds++;
		if (s.cc.hs_css_rounds > most)
			most = s.cc.hs_css_rounds;
		if (s.cc.hs_state == HS_CSS) {
			/* a quarter of a doubling: +25% a round */
			assert_true(s.cc.cwnd >= w + w / 4 - 1000 && s.cc.cwnd <= w + w / 4 + 1000);
		}
	}
	assert_int_equal(s.cc.hs_state, HS_OFF);
	assert_int_equal(most, 5);              /* CSS_ROUNDS, the partial first included */
	assert_true(rounds == 5 || rounds == 6);  /* (these loops' rounds: see above) */
	assert_true(s.cc.ssthresh != UINT32_MAX);
	assert_int_equal(s.cc.cwnd_prior, s.cc.ssthresh);
	/* Congestion avoidance: far less than doubling per round from here. */
	w = s.cc.cwnd;
	hs_round(&s, 24);
	assert_true(s.cc.cwnd > w && s.cc.cwnd < w + w / 2);
	assert_int_equal(s.cc.w_max, s.cc.ssthresh);   /* the epoch's W_max: cwnd, K = 0 */
	assert_int_equal(s.cc.k_ms, 0);
}

/* The RTT falls back below where CSS began: the rise was jitter, slow start resumes. */
static void test_hystart_spurious(void **state)
{
	(void)state;
	struct hs_sim s;
	hs_start(&s, &tcp_cc_cubic);
	for (int r = 0; r < 4; r++)
		hs_round(&s, 20);
	hs_round(&s, 40);
	hs_round(&s, 40);
	assert_int_equal(s.cc.hs_state, HS_CSS);
	hs_round(&s, 15);
	hs_round(&s, 15);
	assert_int_equal(s.cc.hs_state, HS_SS);
	assert_int_equal(s.cc.ssthresh, UINT32_MAX);
	uint32_t w = s.cc.cwnd;
	hs_round(&s, 15);
	assert_true(s.cc.cwnd >= 2 * w - 2000);    /* doubling again (CSS's last ACKs aside) */
}

/* No verdict without N_RTT_SAMPLE samples in a round: no RTT samples at all (no timestamps,
 * between timed segments), or rounds of fewer than eight segments. */
static void test_hystart_samples(void **state)
{
	(void)state;
	struct hs_sim s;
	hs_start(&s, &tcp_cc_cubic);
	for (int r = 0; r < 4; r++)
		hs_round(&s, 0);                /* rtt 0: no sample */
	hs_round(&s, 0);
	assert_int_equal(s.cc.hs_state, HS_SS);
	/* IW 4 segments (SMSS 1000): the first round has 4 ACKs, the second 8. */
	hs_start(&s, &tcp_cc_cubic);
	hs_round(&s, 20);
	hs_round(&s, 100);
	assert_int_equal(s.cc.hs_state, HS_SS);
}

/* A loss ends HyStart++ for good: later slow starts are RFC 5681's whatever the RTT does,
 * with either module; nor does either use it when tcp_cc_hystart_off is applied at the start
 * (the no_hystart configuration). */
static void test_hystart_off(void **state)
{
	(void)state;
	struct hs_sim s;
	hs_start(&s, &tcp_cc_cubic);
	for (int r = 0; r < 4; r++)
		hs_round(&s, 20);
	s.cc.ops->signal(&s.cc, CC_RTO, s.cc.cwnd, s.now);
	assert_int_equal(s.cc.hs_state, HS_OFF);
	s.snd_max = s.una + s.cc.cwnd;
	while (s.cc.cwnd < s.cc.ssthresh)
		hs_round(&s, 20);
	for (int r = 0; r < 3; r++)
		hs_round(&s, 200);
	assert_int_equal(s.cc.hs_state, HS_OFF);

	hs_start(&s, &tcp_cc_newreno);
	for (int r = 0; r < 4; r++)
		hs_round(&s, 20);
	s.cc.ops->signal(&s.cc, CC_DUPACK, s.cc.cwnd, s.now);
	assert_int_equal(s.cc.hs_state, HS_OFF);

	static const struct tcp_cc_ops *const ops[] = { &tcp_cc_cubic, &tcp_cc_newreno };
	for (unsigned i = 0; i < 2; i++) {
		hs_start(&s, ops[i]);
		tcp_cc_hystart_off(&s.cc);
		for (int r = 0; r < 4; r++)
			hs_round(&s, 20);
		uint32_t w = s.cc.cwnd;
		hs_round(&s, 200);
		hs_round(&s, 200);
		assert_int_equal(s.cc.cwnd, 4 * w);
		assert_int_equal(s.cc.ssthresh, UINT32_MAX);
	}
}

/* NewReno's first slow start is HyStart++'s too (as FreeBSD's): a steady RTT doubles the
 * window, a rise by the threshold gives CSS, and after CSS congestion avoidance grows the
 * window by about one segment a round (RFC 5681 3.1), from ssthresh = cwnd with no loss. */
static void test_hystart_newreno(void **state)
{
	(void)state;
	struct hs_sim s;
	hs_start(&s, &tcp_cc_newreno);
	assert_int_equal(s.cc.hs_state, HS_SS);
	uint32_t w = s.cc.cwnd;
	for (int r = 0; r < 4; r++) {
		hs_round(&s, 20);
		assert_int_equal(s.cc.cwnd, 2 * w);
		w = s.cc.cwnd;
	}
	int rounds = 0;
	while (s.cc.hs_state != HS_OFF && rounds < 12) {
		hs_round(&s, 24);
		rounds++;
	}
	assert_int_equal(s.cc.hs_state, HS_OFF);
	assert_true(rounds >= 5 && rounds <= 7);
	assert_true(s.cc.ssthresh != UINT32_MAX);
	assert_true(s.cc.cwnd < 8 * w);             /* doubling would be 2^rounds: 32 or more */
	w = s.cc.cwnd;
	hs_round(&s, 24);
	assert_true(s.cc.cwnd >= w && s.cc.cwnd <= w + 2000);
}

/* tcp_ts_at (tcp_var.h): the TSval clock is now / 10^6 plus the offset, exactly, for every
 * 64-bit now (it multiplies by the reciprocal instead of dividing). */
static void test_ts_at_exact(void **state)
{
	(void)state;
	struct tcpcb tp;
	memset(&tp, 0, sizeof tp);
	tp.ts_offset = 0x89abcdefu;
	static const uint64_t edge[] = { 0, 1, 999999, 1000000, 1000001, 1999999, 2000000,
	    (1ull << 32) * 1000000 - 1, (1ull << 32) * 1000000, (1ull << 63) - 1, 1ull << 63,
	    UINT64_MAX - 1, UINT64_MAX };
	for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
		assert_int_equal(tcp_ts_at(&tp, edge[i]),
		    (uint32_t)(edge[i] / 1000000) + tp.ts_offset);
	uint64_t x = 88172645463325252ull;
	for (unsigned i = 0; i < 1000000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t v = x >> (i & 63);
		if (tcp_ts_at(&tp, v) != (uint32_t)(v / 1000000) + tp.ts_offset)
			fail_msg("tcp_ts_at(%llu) wrong", (unsigned long long)v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ts_at_exact),
		cmocka_unit_test(test_opts_syn_all),
		cmocka_unit_test(test_opts_syn_only_kinds_ignored_without_syn),
		cmocka_unit_test(test_opts_zero_length_stops),
		cmocka_unit_test(test_opts_length_one_stops),
		cmocka_unit_test(test_opts_past_end),
		cmocka_unit_test(test_opts_wrong_length_known_kind),
		cmocka_unit_test(test_opts_mss_zero_and_wscale_clamp),
		cmocka_unit_test(test_opts_eol_ends),
		cmocka_unit_test(test_opts_sack_blocks),
		cmocka_unit_test(test_opts_build_roundtrip),
		cmocka_unit_test(test_hdr_parse),
		cmocka_unit_test(test_seq_wrap),
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_isn),
		cmocka_unit_test(test_initial_window),
		cmocka_unit_test(test_newreno),
		cmocka_unit_test(test_cubic),
		cmocka_unit_test(test_hystart_steady),
		cmocka_unit_test(test_hystart_exit),
		cmocka_unit_test(test_hystart_spurious),
		cmocka_unit_test(test_hystart_samples),
		cmocka_unit_test(test_hystart_off),
		cmocka_unit_test(test_hystart_newreno),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
