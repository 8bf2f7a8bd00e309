/* Congestion control: a small ops table, one module per algorithm.
 *
 * TCP keeps a struct tcp_cc in each connection and calls the module at four events; the
 * module owns cwnd and ssthresh and nothing else.  Loss detection, recovery bookkeeping
 * (RFC 6582 NewReno partial ACKs, RFC 6675 pipe) and the retransmissions themselves stay in
 * TCP; a module only decides how big the window is.  Modules: "newreno" (RFC 5681, RFC 6582)
 * and "cubic" (RFC 9438, the default).  Integer arithmetic only: net/ also runs in the kernel,
 * where the FPU is off limits.
 *
 * All sizes are bytes; times are ns on the instance clock.
 */
#ifndef NET_TCP_CC_H
#define NET_TCP_CC_H
#include <stdint.h>
#include <stdbool.h>

#define TCP_CC_NAME_MAX 16

/* Congestion signals. */
#define CC_DUPACK 1     /* loss detected by duplicate ACKs / SACK: enter fast recovery */
#define CC_RTO    2     /* retransmission timeout */
#define CC_ECN    3     /* an ECN-Echo (RFC 3168 6.1.2): as CC_DUPACK, without the recovery */
#define CC_TLP    4     /* a loss a tail loss probe repaired (RFC 8985 7.4.2): as CC_ECN */

struct tcp_cc_ops;

/* HyStart++ (RFC 9406), the first slow start of both modules (RFC 9438 4.10 for CUBIC): where
 * a connection's first slow start stands (tcp_cc_hystart.c). */
#define HS_OFF 0        /* not used, or done: plain RFC 5681 slow start */
#define HS_SS  1        /* standard slow start, watching each round's minimum RTT */
#define HS_CSS 2        /* Conservative Slow Start after an RTT increase (RFC 9406 4.2) */

/* What one ACK of new data tells the module (tcp_ack_advance). */
struct tcp_cc_ack {
	uint32_t acked;             /* bytes SND.UNA advanced */
	uint32_t ack;               /* SEG.ACK */
	uint32_t snd_max;           /* highest sequence number sent, + 1 (SND.NXT of RFC 9406) */
	uint64_t srtt_ns;           /* smoothed RTT, 0 = no sample yet */
	uint64_t rtt_ns;            /* this ACK's RTT sample, 0 = none */
	uint64_t now_ns;            /* the instance clock */
};

struct tcp_cc {
	const struct tcp_cc_ops *ops;
	uint32_t cwnd;
	uint32_t ssthresh;
	uint32_t mss;               /* SMSS: the sender's maximum segment size */
	uint32_t bytes_acked;       /* congestion avoidance byte counter (RFC 5681 3.1, RFC 3465) */
	/* CUBIC state (RFC 9438 4), unused by NewReno. */
	uint32_t w_max;             /* window before the last reduction */
	uint32_t cwnd_prior;        /* cwnd at the last congestion event */
	uint32_t w_est;             /* Reno-friendly estimate (4.3) */
	uint32_t origin;            /* window at the start of this epoch */
	uint64_t epoch_ns;          /* start of the current avoidance epoch; 0 = not started */
	uint32_t k_ms;              /* K (4.2): time to reach w_max again */
	/* HyStart++ state (RFC 9406 4.2), RTTs in microseconds, UINT32_MAX = infinity. */
	uint8_t hs_state;           /* HS_* */
	uint8_t hs_inround;         /* hs_window_end holds a round's end (0: windowEnd None) */
	uint8_t hs_css_rounds;      /* rounds begun in CSS, the partial first one included */
	uint8_t hs_samples;         /* rttSampleCount: RTT samples this round (saturates) */
	uint32_t hs_window_end;     /* windowEnd: the round ends when it is acknowledged */
	uint32_t hs_last_min_us;    /* lastRoundMinRTT */
	uint32_t hs_cur_min_us;     /* currentRoundMinRTT */
	uint32_t hs_css_base_us;    /* cssBaselineMinRtt */
};

struct tcp_cc_ops {
	const char *name;
	/* A new connection: sets cwnd to iw (the initial window, tcp_cc_initial_window) and
	 * ssthresh to "arbitrarily high" for segments of mss bytes. */
	void (*init)(struct tcp_cc *cc, uint32_t mss, uint32_t iw);
	/* An ACK advanced SND.UNA by a->acked bytes outside loss recovery. */
	void (*ack)(struct tcp_cc *cc, const struct tcp_cc_ack *a);
	/* A congestion signal (CC_DUPACK, CC_RTO, CC_ECN) with `flight` bytes outstanding. */
	void (*signal)(struct tcp_cc *cc, int type, uint32_t flight, uint64_t now_ns);
	/* Fast recovery ended (the ACK covered the recovery point) with `flight` outstanding. */
	void (*recovered)(struct tcp_cc *cc, uint32_t flight);
};

extern const struct tcp_cc_ops tcp_cc_newreno;
extern const struct tcp_cc_ops tcp_cc_cubic;
extern const struct tcp_cc_ops *const tcp_cc_default;

/* The module with this name, or NULL. */
const struct tcp_cc_ops *tcp_cc_find(const char *name);

/* The initial window in bytes for a given SMSS: with segs 0, RFC 5681 3.1's (2 to 4
 * segments); otherwise RFC 6928 2's rule with segs segments, min(segs * SMSS, max(2 * SMSS,
 * segs * 1460)), which for segs 10 is its min(10 * MSS, max(2 * MSS, 14600)). */
uint32_t tcp_cc_initial_window(uint32_t mss, unsigned segs);

/* cwnd grown by inc bytes, saturating. */
static inline void tcp_cc_grow(struct tcp_cc *cc, uint32_t inc)
{
	cc->cwnd = cc->cwnd + inc < cc->cwnd ? UINT32_MAX : cc->cwnd + inc;
}

/* Shared NewReno pieces CUBIC reuses: slow start growth (RFC 5681 3.1 eq. 2) returns true if
 * the ACK was consumed by slow start. */
bool tcp_cc_slow_start(struct tcp_cc *cc, uint32_t acked);

/* HyStart++ (RFC 9406, tcp_cc_hystart.c) for a module's first slow start.  hystart_init
 * starts it (HS_SS); hystart_ack is slow start while cwnd < ssthresh, as tcp_cc_slow_start,
 * returning true when the ACK was consumed there: it grows cwnd a quarter as fast in CSS and
 * ends slow start (ssthresh = cwnd) after CSS_ROUNDS rounds of it; a congestion signal ends
 * HyStart++ for good (tcp_cc_hystart_off), as does the end of the first slow start. */
void tcp_cc_hystart_init(struct tcp_cc *cc);
bool tcp_cc_hystart_ack(struct tcp_cc *cc, const struct tcp_cc_ack *a);
static inline void tcp_cc_hystart_off(struct tcp_cc *cc) { cc->hs_state = HS_OFF; }

#endif
