/* Private to tcp_input.c and tcp_input_open.c: an arriving segment as the input steps see it,
 * and the helpers both files use.  Net lock held for everything. */
#ifndef NET_TCP_INPUT_VAR_H
#define NET_TCP_INPUT_VAR_H
#include "tcp_var.h"
#include "mbuf.h"

/* One arriving segment, host order. */
struct tcp_seg {
	uint32_t src, dst;          /* faddr, laddr */
	struct tcp_hdr th;
	struct tcp_opts to;
	unsigned flags;             /* th_flags, updated as SYN/FIN are trimmed */
	tcp_seq seq;                /* updated by trimming */
	uint32_t len;               /* payload bytes, updated by trimming */
	struct mbuf *m;             /* the payload (may be an empty chain); owned */
};

static inline void seg_free(struct tcp_seg *s)
{
	m_freem(s->m);
	s->m = NULL;
}

/* Replies outside the send queue (tcp_input.c). */
void tcp_reset_reply(struct netstack *ns, const struct tcp_seg *s, struct tcpcb *tp);
void tcp_ack_now(struct tcpcb *tp);
void tcp_challenge_ack(struct tcpcb *tp);
/* Every synchronized state (tcp_input.c): RFC 9293 3.10.7.4.  Consumes s. */
void tcp_input_sync(struct tcpcb *tp, struct tcp_seg *s);

/* Opening connections (tcp_input_open.c). */
void tcp_syn_options(struct tcpcb *tp, const struct tcp_seg *s);
uint8_t tcp_pick_wscale(struct netstack *ns);
void tcp_round_rcvbuf(struct tcpcb *tp);
void tcp_established(struct tcpcb *tp);
/* LISTEN (3.10.7.2) and SYN-SENT (3.10.7.3).  Consume s. */
void tcp_input_listen(struct tcpcb *ltp, struct tcp_seg *s);
void tcp_input_synsent(struct tcpcb *tp, struct tcp_seg *s);

#endif
