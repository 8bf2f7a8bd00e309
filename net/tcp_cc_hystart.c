/* HyStart++ (RFC 9406): slow start that leaves early when the round-trip time rises.
 *
 * Slow start doubles the window every round trip until something is lost, so its last round
 * typically overshoots the path by up to a window, and the losses then cost a recovery (and
 * with a large window, often a timeout).  HyStart++ watches the smallest RTT of each round:
 * when it has risen by a threshold over the last round's (a queue is building), slow start
 * gives way to Conservative Slow Start (CSS), which grows a quarter as fast for at most five
 * rounds and then hands over to congestion avoidance; if the RTT falls back below where CSS
 * began, the rise was jitter and slow start resumes.  RFC 9438 4.10 says CUBIC should use
 * it; here CUBIC and NewReno both do (as FreeBSD's NewReno does), for the first slow start
 * only, as RFC 9406 recommends.
 *
 * A round is one window of data: it ends when the ACK for the data that was the highest sent
 * when it began (windowEnd) arrives.  The RTT samples come from the timestamps of every ACK
 * (RFC 7323 4.1); without timestamps there is one sample per round (the timed segment), a
 * round never collects N_RTT_SAMPLE of them, and slow start is RFC 5681's.
 *
 * One difference: each ACK grows the window by at most one SMSS (RFC 5681 3.1 eq. 2, as our
 * slow start always does), where RFC 9406 4.2 allows L = 8 SMSS for a sender that does not
 * pace.  A quarter of that in CSS.
 */
#include "tcp_cc.h"
#include "netlib.h"
#include "tcp_seq.h"

/* RFC 9406 4.3. */
#define MIN_RTT_THRESH_US   4000u
#define MAX_RTT_THRESH_US   16000u
#define MIN_RTT_DIVISOR     8u
#define N_RTT_SAMPLE        8u
#define CSS_GROWTH_DIVISOR  4u
#define CSS_ROUNDS          5u
#define RTT_INF             UINT32_MAX

void tcp_cc_hystart_init(struct tcp_cc *cc)
{
	cc->hs_state = HS_SS;
	cc->hs_inround = 0;                 /* windowEnd = None */
	cc->hs_css_rounds = 0;
	cc->hs_samples = 0;
	cc->hs_window_end = 0;
	cc->hs_last_min_us = RTT_INF;
	cc->hs_cur_min_us = RTT_INF;
	cc->hs_css_base_us = RTT_INF;
}

/* 4.2: a round begins: the last round's minimum is kept, the current one starts over. */
static void round_start(struct tcp_cc *cc, const struct tcp_cc_ack *a)
{
	cc->hs_inround = 1;
	cc->hs_window_end = a->snd_max;
	cc->hs_last_min_us = cc->hs_cur_min_us;
	cc->hs_cur_min_us = RTT_INF;
	cc->hs_samples = 0;
	if (cc->hs_state == HS_CSS)
		cc->hs_css_rounds++;
}

/* 4.2: RttThresh = max(MIN_RTT_THRESH, min(lastRoundMinRTT / MIN_RTT_DIVISOR, MAX_RTT_THRESH)). */
static uint32_t rtt_thresh(uint32_t last_min_us)
{
	uint32_t t = last_min_us / MIN_RTT_DIVISOR;
	if (t > MAX_RTT_THRESH_US)
		t = MAX_RTT_THRESH_US;
	return t < MIN_RTT_THRESH_US ? MIN_RTT_THRESH_US : t;
}

bool tcp_cc_hystart_ack(struct tcp_cc *cc, const struct tcp_cc_ack *a)
{
	if (cc->hs_state == HS_OFF || cc->cwnd >= cc->ssthresh) {
		cc->hs_state = HS_OFF;          /* the first slow start is over */
		return tcp_cc_slow_start(cc, a->acked);
	}
	if (!cc->hs_inround || SEQ_GEQ(a->ack, cc->hs_window_end)) {
		if (cc->hs_state == HS_CSS && cc->hs_css_rounds >= CSS_ROUNDS) {
			/* CSS_ROUNDS rounds of CSS (the partial first one counted): congestion
			 * avoidance from this ACK on. */
			cc->ssthresh = cc->cwnd;
			cc->hs_state = HS_OFF;
			return false;
		}
		round_start(cc, a);
	}
	uint32_t inc = a->acked < cc->mss ? a->acked : cc->mss;
	if (cc->hs_state == HS_CSS)
		inc /= CSS_GROWTH_DIVISOR;
	tcp_cc_grow(cc, inc);
	if (a->rtt_ns) {
		uint64_t us = a->rtt_ns / 1000;
		uint32_t r = us >= RTT_INF ? RTT_INF - 1 : (us ? (uint32_t)us : 1u);
		if (r < cc->hs_cur_min_us)
			cc->hs_cur_min_us = r;
		if (cc->hs_samples < UINT8_MAX)
			cc->hs_samples++;
	}
	if (cc->hs_samples < N_RTT_SAMPLE)
		return true;
	if (cc->hs_state == HS_SS) {
		/* A round with enough samples whose minimum rose by RttThresh over the last
		 * round's: a queue is building, CSS from here (this partial round is its first). */
		if (cc->hs_last_min_us != RTT_INF && cc->hs_cur_min_us != RTT_INF &&
		    (uint64_t)cc->hs_cur_min_us >=
		    (uint64_t)cc->hs_last_min_us + rtt_thresh(cc->hs_last_min_us)) {
			cc->hs_css_base_us = cc->hs_cur_min_us;
			cc->hs_state = HS_CSS;
			cc->hs_css_rounds = 1;
		}
	} else if (cc->hs_cur_min_us < cc->hs_css_base_us) {
		/* The RTT fell below where CSS began: the rise was jitter; slow start again. */
		cc->hs_css_base_us = RTT_INF;
		cc->hs_state = HS_SS;
		cc->hs_css_rounds = 0;
	}
	return true;
}
