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

struct tcp_cc_ops;

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
};

struct tcp_cc_ops {
	const char *name;
	/* A new connection (or a restart after a long idle period, RFC 5681 4.1): sets cwnd to
	 * the initial window for mss and ssthresh to "arbitrarily high". */
	void (*init)(struct tcp_cc *cc, uint32_t mss);
	/* An ACK advanced SND.UNA by `acked` bytes outside loss recovery.  srtt_ns may be 0 (no
	 * sample yet); now_ns is the instance clock. */
	void (*ack)(struct tcp_cc *cc, uint32_t acked, uint64_t srtt_ns, uint64_t now_ns);
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

/* RFC 5681 3.1 (eq. 1): the initial window for a given SMSS. */
uint32_t tcp_cc_initial_window(uint32_t mss);

/* Shared NewReno pieces CUBIC reuses: slow start growth (RFC 5681 3.1 eq. 2) returns true if
 * the ACK was consumed by slow start. */
bool tcp_cc_slow_start(struct tcp_cc *cc, uint32_t acked);

#endif
