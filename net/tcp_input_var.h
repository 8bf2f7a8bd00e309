/* Private to tcp_input.c and tcp_input_open.c: an arriving segment as the input steps see it,
 * and the helpers both files use.  Net lock held for everything. */
#ifndef NET_TCP_INPUT_VAR_H
#define NET_TCP_INPUT_VAR_H
#include "tcp_var.h"
#include "mbuf.h"
#include "socketvar.h"

/* One arriving segment, host order. */
struct tcp_seg {
	uint32_t src, dst;          /* faddr, laddr */
	struct tcp_hdr th;
	struct tcp_opts to;
	unsigned flags;             /* th_flags, updated as SYN/FIN are trimmed */
	tcp_seq seq;                /* updated by trimming */
	uint32_t len;               /* payload bytes, updated by trimming */
	uint8_t ecn;                /* the IP header's ECN field (IPTOS_ECN_*) */
	struct mbuf *m;             /* the payload (may be an empty chain); owned */
	/* With TOF_MD5 only (tcp_md5_input): the fixed header as it came, and the digest. */
	uint8_t md5_th[TCP_HDR_LEN];
	uint8_t md5_sig[TCPOLEN_MD5 - 2];
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
/* TIME-WAIT (tcp_input.c): RFC 1337, RFC 6191 reuse, else tcp_input_sync.  Consumes s. */
void tcp_input_timewait(struct tcpcb *tp, struct tcp_seg *s, struct netstack *ns);

/* Pieces of tcp_input_sync's steps that the header-prediction fast path (tcp_input_fast.c)
 * runs as they are, so both paths behave the same (tcp_input.c).  `now` is the clock as read
 * once for the segment (port_now_ns): the timers they arm and the RTT they sample count from
 * it. */
/* An acceptable ACK with SND.UNA < ack <= SND.MAX; false when it finished the segment.
 * With defer (the connection is queued for the receive batch's end, tcp_output_queue), the
 * acknowledged data stays in the send buffer and the retransmission timer's restart waits for
 * the batch's end (tcp_var.h: tcp_output_defer). */
bool tcp_ack_advance(struct tcpcb *tp, struct tcp_seg *s, uint64_t now, bool *needoutput,
    bool defer);

/* RFC 7323 4.3: remember the timestamp of a segment that covers Last.ACK.sent.  Inline (as
 * tcp_ack_window): both run for every segment a connection receives. */
static inline void tcp_ts_recent_update(struct tcpcb *tp, const struct tcp_seg *s, uint64_t now)
{
	if ((s->to.to_flags & TOF_TS) && (tp->t_flags & TF_RCVD_TSTMP) &&
	    SEQ_LEQ(s->seq, tp->last_ack_sent) &&
	    SEQ_LEQ(tp->last_ack_sent, s->seq + s->len + !!(s->flags & (TH_SYN | TH_FIN)))) {
		tp->ts_recent = s->to.to_tsval;
		tp->ts_recent_age = now;
	}
}

/* RFC 9293 3.10.7.4 seventh, the common case: text at RCV.NXT with nothing queued out of
 * order goes straight to the socket.  Consumes s.  Inline: the fast path runs it for every
 * data segment of a transfer. */
static inline void tcp_data_inorder(struct tcpcb *tp, struct tcp_seg *s, uint64_t now)
{
	struct socket *so = tp_socket(tp);

	tp->rcv_nxt += s->len;
	if (s->len) {
		struct tcp_instance *ti = tcp_instance(tp->t_ns);
		TCPSTAT_INC(ti, rcvpack);
		TCPSTAT_ADD(ti, rcvbyte, s->len);
		if (so && !(so->so_state & SS_CANTRCVMORE)) {
			sbappendstream(&so->so_rcv, s->m);
			s->m = NULL;
			sorwakeup(so);
		}
		/* RFC 9293 3.8.6.3 / RFC 5681 4.2: ACK at least every second segment,
		 * otherwise within the delayed-ACK time; every one with TCP_QUICKACK. */
		if (tp->t_flags & (TF_DELACK | TF_QUICKACK)) {
			tp->t_flags |= TF_ACKNOW;
		} else {
			tp->t_flags |= TF_DELACK;
			tcp_timer_arm_at(tp, TT_DELACK, now, ti->ti_conf.delack_ns);
		}
	}
	if (s->m)
		seg_free(s);
}

/* Window update (RFC 9293 3.10.7.4 fifth, SND.WL1/SND.WL2 rule). */
static inline void tcp_ack_window(struct tcpcb *tp, const struct tcp_seg *s, bool *needoutput)
{
	tcp_seq ack = s->th.th_ack;

	if (SEQ_LT(tp->snd_wl1, s->seq) || (tp->snd_wl1 == s->seq && SEQ_LEQ(tp->snd_wl2, ack))) {
		uint32_t w = (uint32_t)s->th.th_win << tp->snd_scale;
		if (w > tp->snd_wnd && s->len == 0 && tp->snd_wl2 == ack)
			TCPSTAT_INC(tcp_instance(tp->t_ns), rcvwinupd);
		if (w != tp->snd_wnd)
			*needoutput = true;
		tp->snd_wnd = w;
		tp->snd_wl1 = s->seq;
		tp->snd_wl2 = ack;
		if (tp->snd_wnd > tp->max_sndwnd)
			tp->max_sndwnd = tp->snd_wnd;
		if (tp->snd_wnd > 0 && tcp_timer_active(tp, TT_PERSIST)) {
			tcp_timer_stop(tp, TT_PERSIST);
			tp->t_rxtshift = 0;
			tp->snd_nxt = tp->snd_una;
		}
	}
}

/* Opening connections (tcp_input_open.c). */
void tcp_syn_options(struct tcpcb *tp, const struct tcp_seg *s);
void tcp_round_rcvbuf(struct tcpcb *tp);
void tcp_established(struct tcpcb *tp);
/* LISTEN (3.10.7.2) and SYN-SENT (3.10.7.3).  Consume s. */
void tcp_input_listen(struct tcpcb *ltp, struct tcp_seg *s);
/* A SYN that ended a TIME-WAIT (tcp_input_timewait) on its listener: as tcp_input_listen,
 * with an ISS beyond iss_floor, the old incarnation's largest sequence number. */
void tcp_input_listen_reopen(struct tcpcb *ltp, struct tcp_seg *s, tcp_seq iss_floor);
void tcp_input_synsent(struct tcpcb *tp, struct tcp_seg *s);

/* ECN (RFC 3168, tcp_ecn.c). */
/* A SYN at a listener, tp its new connection (ISS chosen): ECN if the SYN asks for it. */
void tcp_ecn_syn_in(struct tcpcb *tp, const struct tcp_seg *s);
/* The SYN-ACK for our SYN: ECN if both asked for it.  Clears ECE and CWR from s->flags (they
 * are the handshake's, not a congestion signal). */
void tcp_ecn_synack_in(struct tcpcb *tp, struct tcp_seg *s);
/* An acceptable segment on an ECN connection: CWR ends our ECE, CE starts it. */
void tcp_ecn_input(struct tcpcb *tp, const struct tcp_seg *s);
/* An acceptable ACK with ECE on an ECN connection: the congestion response, at most once a
 * window. */
void tcp_ecn_echo(struct tcpcb *tp, tcp_seq ack);

#endif
