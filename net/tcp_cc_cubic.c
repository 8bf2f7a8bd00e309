/* CUBIC congestion control (RFC 9438), in integer arithmetic.
 *
 * Units: windows in bytes; the cubic function works in milliseconds and milli-segments.
 * Constants: C = 0.4 segments/s^3 (4.1), beta_cubic = 0.7 (4.6) as 717/1024, the
 * Reno-friendly alpha_cubic = 3(1 - beta)/(1 + beta) ~= 0.529 as 542/1024 (4.3).
 * Fast convergence (4.7) is on.  The first slow start is HyStart++ (4.10, RFC 9406:
 * tcp_cc_hystart.c), later ones RFC 5681's.
 */
#include "tcp_cc.h"
#include "netlib.h"

#define CUBIC_BETA_1024  717u
#define CUBIC_ALPHA_1024 542u
#define CUBIC_MAX_T_MS   1000000    /* clamp |t - K| so the cube fits in 63 bits */

/* Integer cube root (floor) by bisection on the answer; x < 2^63. */
static uint64_t icbrt(uint64_t x)
{
	uint64_t lo = 0, hi = 2097152;     /* 2^21, whose cube exceeds 2^63 */
	while (lo < hi) {
		uint64_t mid = (lo + hi + 1) / 2;
		if (mid * mid * mid <= x)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* RFC 9438 eq. 1: W_cubic(t) = C (t - K)^3 + W_max, in bytes, t in ms since the epoch. */
static uint32_t w_cubic(const struct tcp_cc *cc, int64_t t_ms)
{
	int64_t d = t_ms - (int64_t)cc->k_ms;
	if (d > CUBIC_MAX_T_MS)
		d = CUBIC_MAX_T_MS;
	if (d < -CUBIC_MAX_T_MS)
		d = -CUBIC_MAX_T_MS;
	/* C d^3 with d in ms: 0.4 * d^3 / 1e9 segments = d^3 * 4 / 1e7 milli-segments. */
	int64_t milliseg = d * d * d * 4 / 10000000;
	int64_t w = (int64_t)cc->w_max + milliseg * (int64_t)cc->mss / 1000;
	if (w < (int64_t)cc->mss)
		w = cc->mss;
	if (w > UINT32_MAX)
		w = UINT32_MAX;
	return (uint32_t)w;
}

static void cubic_init(struct tcp_cc *cc, uint32_t mss, uint32_t iw)
{
	cc->mss = mss;
	cc->cwnd = iw;
	cc->ssthresh = UINT32_MAX;
	cc->bytes_acked = 0;
	cc->w_max = 0;
	cc->cwnd_prior = 0;
	cc->w_est = 0;
	cc->epoch_ns = 0;
	cc->k_ms = 0;
	tcp_cc_hystart_init(cc);
}

static void cubic_epoch_start(struct tcp_cc *cc, uint64_t now_ns)
{
	cc->epoch_ns = now_ns ? now_ns : 1;
	cc->origin = cc->cwnd;
	cc->w_est = cc->cwnd;
	if (cc->w_max > cc->cwnd) {
		/* RFC 9438 eq. 2: K = cbrt((W_max - cwnd_epoch) / C), here in ms:
		 * cbrt(bytes / mss / 0.4 * 1e9). */
		uint64_t segs_x1e10 = (uint64_t)(cc->w_max - cc->cwnd) * 10000000000ull / cc->mss;
		cc->k_ms = (uint32_t)icbrt(segs_x1e10 / 4);
	} else {
		cc->w_max = cc->cwnd;
		cc->k_ms = 0;
	}
}

static void cubic_ack(struct tcp_cc *cc, const struct tcp_cc_ack *a)
{
	uint32_t acked = a->acked;
	uint64_t now_ns = a->now_ns, srtt_ns = a->srtt_ns;
	uint8_t hs = cc->hs_state;
	if (tcp_cc_hystart_ack(cc, a))
		return;
	if (hs == HS_CSS && cc->hs_state == HS_OFF) {
		/* 4.10: HyStart++ ended slow start with no congestion event, so W_max is
		 * undefined: cwnd_prior = cwnd, and the epoch that starts here (none has yet:
		 * epoch_ns and W_max are still 0) takes W_max = cwnd and K = 0. */
		cc->cwnd_prior = cc->cwnd;
	}
	if (cc->epoch_ns == 0)
		cubic_epoch_start(cc, now_ns);

	/* 4.3: the Reno-friendly estimate grows alpha segments per window of ACKed data (alpha
	 * becomes 1 once the estimate has passed the window before the last reduction). */
	uint32_t alpha = cc->w_est >= cc->cwnd_prior ? 1024 : CUBIC_ALPHA_1024;
	cc->w_est += (uint32_t)((uint64_t)alpha * acked / 1024 * cc->mss / cc->cwnd);

	/* 4.2: aim at W_cubic(t + RTT), no lower than cwnd and at most 1.5 cwnd. */
	int64_t t_ms = (int64_t)((now_ns - cc->epoch_ns + srtt_ns) / 1000000u);
	uint32_t target = w_cubic(cc, t_ms);
	uint32_t cap = cc->cwnd + cc->cwnd / 2;
	if (target < cc->cwnd)
		target = cc->cwnd;
	if (target > cap)
		target = cap;

	uint32_t cubic_now = w_cubic(cc, (int64_t)((now_ns - cc->epoch_ns) / 1000000u));
	if (cubic_now < cc->w_est) {
		/* 4.3: in the Reno-friendly region, follow the estimate. */
		if (cc->w_est > cc->cwnd)
			cc->cwnd = cc->w_est;
		return;
	}
	/* 4.4/4.5: cwnd grows by (target - cwnd) / cwnd segments per ACKed segment. */
	cc->bytes_acked += (uint32_t)((uint64_t)(target - cc->cwnd) * acked / cc->cwnd);
	if (cc->bytes_acked > 0) {
		uint32_t inc = cc->bytes_acked;
		cc->bytes_acked = 0;
		tcp_cc_grow(cc, inc);
	}
}

static void cubic_signal(struct tcp_cc *cc, int type, uint32_t flight, uint64_t now_ns)
{
	(void)now_ns;
	/* 4.7 fast convergence: release bandwidth faster when the window keeps shrinking. */
	if (cc->cwnd < cc->w_max)
		cc->w_max = (uint32_t)((uint64_t)cc->cwnd * (1024 + CUBIC_BETA_1024) / 2048);
	else
		cc->w_max = cc->cwnd;
	cc->cwnd_prior = cc->cwnd;
	/* 4.6: ssthresh = flight_size * beta_cubic, at least 2 segments. */
	uint32_t s = (uint32_t)((uint64_t)flight * CUBIC_BETA_1024 / 1024);
	cc->ssthresh = s > 2 * cc->mss ? s : 2 * cc->mss;
	cc->epoch_ns = 0;
	cc->bytes_acked = 0;
	cc->cwnd = type == CC_RTO ? cc->mss : cc->ssthresh;
	tcp_cc_hystart_off(cc);             /* RFC 9406 4.2: loss or ECN ends it */
}

static void cubic_recovered(struct tcp_cc *cc, uint32_t flight)
{
	(void)flight;
	cc->cwnd = cc->ssthresh;
}

const struct tcp_cc_ops tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.ack = cubic_ack,
	.signal = cubic_signal,
	.recovered = cubic_recovered,
};
