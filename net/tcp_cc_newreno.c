/* NewReno congestion control (RFC 5681 slow start and congestion avoidance, RFC 6582 window
 * after recovery), and the module registry.  The first slow start is HyStart++'s (RFC 9406,
 * tcp_cc_hystart.c), as CUBIC's is and as FreeBSD's NewReno does: RFC 9406 is written for
 * any standard slow start, and its overshoot costs NewReno the same losses. */
#include "tcp_cc.h"
#include "netlib.h"

uint32_t tcp_cc_initial_window(uint32_t mss, unsigned segs)
{
	if (segs) {
		uint64_t cap = (uint64_t)segs * mss, floor = NET_MAX(2ull * mss, segs * 1460ull);
		return (uint32_t)NET_MIN(cap, floor);
	}
	/* RFC 5681 3.1: IW = 2..4 segments depending on SMSS. */
	if (mss > 2190)
		return 2 * mss;
	if (mss > 1095)
		return 3 * mss;
	return 4 * mss;
}

bool tcp_cc_slow_start(struct tcp_cc *cc, uint32_t acked)
{
	if (cc->cwnd >= cc->ssthresh)
		return false;
	/* RFC 5681 3.1 eq. 2: cwnd += min(N, SMSS). */
	uint32_t inc = acked < cc->mss ? acked : cc->mss;
	tcp_cc_grow(cc, inc);
	return true;
}

static void newreno_init(struct tcp_cc *cc, uint32_t mss, uint32_t iw)
{
	cc->mss = mss;
	cc->cwnd = iw;
	cc->ssthresh = UINT32_MAX;   /* RFC 5681 3.1: arbitrarily high */
	cc->bytes_acked = 0;
	tcp_cc_hystart_init(cc);
}

static void newreno_ack(struct tcp_cc *cc, const struct tcp_cc_ack *a)
{
	uint32_t acked = a->acked;
	if (tcp_cc_hystart_ack(cc, a))
		return;     /* slow start; once CSS ends, ssthresh = cwnd and avoidance follows */
	/* RFC 5681 3.1 (and RFC 3465 byte counting): one SMSS per window of data acknowledged. */
	cc->bytes_acked += acked;
	if (cc->bytes_acked >= cc->cwnd) {
		cc->bytes_acked -= cc->cwnd;
		if (cc->cwnd + cc->mss > cc->cwnd)
			cc->cwnd += cc->mss;
	}
}

static void newreno_signal(struct tcp_cc *cc, int type, uint32_t flight, uint64_t now_ns)
{
	(void)now_ns;
	tcp_cc_hystart_off(cc);             /* RFC 9406 4.2: loss or ECN ends it */
	/* RFC 5681 eq. 4: ssthresh = max(FlightSize / 2, 2 * SMSS). */
	uint32_t half = flight / 2;
	cc->ssthresh = half > 2 * cc->mss ? half : 2 * cc->mss;
	cc->bytes_acked = 0;
	if (type == CC_RTO)
		cc->cwnd = cc->mss;          /* RFC 5681 3.1: the loss window, one segment */
	else
		cc->cwnd = cc->ssthresh;     /* RFC 6582 3.2 step 2 (TCP adds the 3 dupacks' worth) */
}

static void newreno_recovered(struct tcp_cc *cc, uint32_t flight)
{
	/* RFC 6582 3.2 step 3, option 1: min(ssthresh, max(FlightSize, SMSS) + SMSS), which
	 * avoids a burst when little is in flight. */
	uint32_t f = (flight > cc->mss ? flight : cc->mss) + cc->mss;
	cc->cwnd = f < cc->ssthresh ? f : cc->ssthresh;
}

const struct tcp_cc_ops tcp_cc_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.ack = newreno_ack,
	.signal = newreno_signal,
	.recovered = newreno_recovered,
};

const struct tcp_cc_ops *const tcp_cc_default = &tcp_cc_cubic;

const struct tcp_cc_ops *tcp_cc_find(const char *name)
{
	static const struct tcp_cc_ops *const all[] = { &tcp_cc_cubic, &tcp_cc_newreno };
	for (unsigned i = 0; i < NET_ARRAY_LEN(all); i++) {
		const char *a = all[i]->name, *b = name;
		while (*a && *a == *b) {
			a++;
			b++;
		}
		if (*a == 0 && *b == 0)
			return all[i];
	}
	return NULL;
}
