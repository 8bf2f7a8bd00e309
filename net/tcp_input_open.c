/* TCP input while a connection opens: options negotiated on SYNs, LISTEN (RFC 9293
 * 3.10.7.2: an embryonic connection on the SYN queue, or a SYN cookie when it is full, RFC
 * 4987) and SYN-SENT (3.10.7.3: our SYN answered, or a simultaneous open).  The synchronized
 * states are in tcp_input.c. */
#include "tcp_var.h"
#include "tcp_md5.h"
#include "tcp_input_var.h"
#include "tcp_isn.h"
#include "netstack.h"
#include "socketvar.h"
#include "protosw.h"
#include <stos/errno.h>

/* ---------------------------------------------------------------------------------------
 * Options negotiated by a SYN (ours or theirs). */

void tcp_syn_options(struct tcpcb *tp, const struct tcp_seg *s)
{
	const struct tcp_opts *to = &s->to;

	if ((tp->t_flags & TF_REQ_SCALE) && (to->to_flags & TOF_SCALE)) {
		tp->t_flags |= TF_RCVD_SCALE;
		tp->snd_scale = to->to_wscale;
		tp->rcv_scale = tp->request_r_scale;
	} else {
		/* RFC 7323 2.2: scaling only when both sides offered it. */
		tp->t_flags &= ~TF_REQ_SCALE;
		tp->snd_scale = tp->rcv_scale = 0;
	}
	if ((tp->t_flags & TF_REQ_TSTMP) && (to->to_flags & TOF_TS)) {
		tp->t_flags |= TF_RCVD_TSTMP;
		tp->ts_recent = to->to_tsval;
		tp->ts_recent_age = net_clock(tp->t_ns);
	} else {
		tp->t_flags &= ~TF_REQ_TSTMP;
	}
	if ((tp->t_flags & TF_REQ_SACK) && (to->to_flags & TOF_SACKPERM))
		tp->t_flags |= TF_SACK_PERMIT;
	tcp_mss_update(tp, (to->to_flags & TOF_MSS) != 0, to->to_mss);
}

/* The window scale we offer: the smallest shift that lets the largest buffer a socket may
 * have be advertised (RFC 7323 2.3), or the connection's TCP_WINDOW_CLAMP when smaller. */
uint8_t tcp_pick_wscale(struct netstack *ns, uint32_t clamp)
{
	uint32_t max = tcp_instance(ns)->ti_conf.maxsockbuf;
	if (clamp && clamp < max)
		max = clamp;            /* a window never larger needs no larger shift (Linux) */
	uint8_t s = 0;
	while (s < TCP_MAX_WINSHIFT && (TCP_MAXWIN << s) < max)
		s++;
	return s;
}

/* FreeBSD and Linux round the receive buffer up to a whole number of segments once the MSS
 * is known, so the window is never a fraction of a segment. */
void tcp_round_rcvbuf(struct tcpcb *tp)
{
	struct socket *so = tp_socket(tp);
	uint32_t mss = tp->t_maxseg;
	if (!so || mss == 0)
		return;
	uint32_t hi = so->so_rcv.sb_hiwat;
	uint32_t r = (hi + mss - 1) / mss * mss;
	if (r > hi && r <= tcp_instance(tp->t_ns)->ti_conf.maxsockbuf)
		soreserve(so, so->so_snd.sb_hiwat, r);
}

/* Both handshakes end here: the connection is established. */
void tcp_established(struct tcpcb *tp)
{
	struct socket *so = tp_socket(tp);
	struct tcp_instance *ti = tcp_instance(tp->t_ns);

	tcp_set_state(tp, TCPS_ESTABLISHED);
	TCPSTAT_INC(ti, connects);
	/* RFC 5681 3.1: when the SYN or the SYN-ACK was lost, the initial window is one
	 * segment.  With RFC 6928's larger window (2) only after more than one retransmission:
	 * a single one SHOULD NOT cost it.  t_rxtshift still counts them here. */
	int synlost_max = ti->ti_conf.initcwnd_segs ? 1 : 0;
	if (tp->t_rxtshift > synlost_max && tp->t_cc.cwnd > tp->t_maxseg) {
		tp->t_cc.cwnd = tp->t_maxseg;
		TCPSTAT_INC(ti, synlossiw);
	}
	tcp_timer_stop(tp, TT_KEEP);
	tcp_round_rcvbuf(tp);
	if (so && so->so_onq0 && tp->t_defer_accept) {
		/* TCP_DEFER_ACCEPT: the connection waits on the SYN queue until data or a FIN
		 * comes (tcp_input_sync) or the time runs out (tcp_timer_keep), as Linux keeps
		 * such a connection from accept().  Connections from SYN cookies, which go
		 * straight onto the accept queue, do not wait. */
		tp->t_flags |= TF_DEFERRED;
		tcp_timer_arm(tp, TT_KEEP, (uint64_t)tp->t_defer_accept * TCP_NS_PER_S);
		return;
	}
	if (so && (so->so_options & SO_F_KEEPALIVE))
		tcp_timer_arm(tp, TT_KEEP, tp->t_keepidle);
	if (so)
		soisconnected(so);
}

void tcp_defer_release(struct tcpcb *tp)
{
	struct socket *so = tp_socket(tp);
	tp->t_flags &= ~TF_DEFERRED;
	tcp_timer_stop(tp, TT_KEEP);
	if (!so)
		return;
	if (so->so_options & SO_F_KEEPALIVE)
		tcp_timer_arm(tp, TT_KEEP, tp->t_keepidle);
	soisconnected(so);
}


/* ---------------------------------------------------------------------------------------
 * LISTEN (RFC 9293 3.10.7.2) */

/* What a connection takes over from its listener: the TCP and IP options set on it. */
/* false: no memory for the listener's TCP-MD5 key for this peer (tcp_md5.h); the caller
 * refuses the connection, which may not go unsigned. */
static bool tcp_inherit(struct tcpcb *tp, const struct tcpcb *ltp)
{
	struct inpcb *inp = tp->t_inpcb;
	tp->t_flags |= ltp->t_flags & (TF_NODELAY | TF_NOOPT | TF_NOPUSH);
	inp->inp_ip_ttl = ltp->t_inpcb->inp_ip_ttl;     /* IP_TTL / IP_TOS set on the listener */
	inp->inp_ip_tos = ltp->t_inpcb->inp_ip_tos;
	tp->t_keepidle = ltp->t_keepidle;
	tp->t_keepintvl = ltp->t_keepintvl;
	tp->t_keepinit = ltp->t_keepinit;
	tp->t_keepcnt = ltp->t_keepcnt;
	tp->t_cc.ops = ltp->t_cc.ops;
	tp->t_rcv_clamp = ltp->t_rcv_clamp;
	tp->t_usermss = ltp->t_usermss;
	tp->t_user_timeout = ltp->t_user_timeout;
	tp->t_linger2 = ltp->t_linger2;
	tp->t_defer_accept = ltp->t_defer_accept;
	return tcp_md5_inherit(tp, ltp);
}

/* LISTEN.  iss_floor (NULL but for a SYN reopening a TIME-WAIT 4-tuple, tcp_input.c): the
 * largest sequence number the old incarnation used; the new ISS must be beyond it. */
static void listen_input(struct tcpcb *ltp, struct tcp_seg *s, const tcp_seq *iss_floor)
{
	struct netstack *ns = ltp->t_ns;
	struct tcp_instance *ti = tcp_instance(ns);
	struct socket *head = tp_socket(ltp);

	if (s->flags & TH_RST)
		goto drop;                       /* first: ignore RST */
	if (s->flags & TH_ACK) {
		/* second: any ACK is bad here; it may be the return of a SYN cookie. */
		if (!(s->flags & (TH_SYN | TH_FIN)) && ti->ti_conf.syncookies && head &&
		    head->so_q0len >= head->so_qlimit) {
			uint16_t mss = tcp_cookie_check(ns, s->dst, s->th.th_dport, s->src,
			    s->th.th_sport, s->seq - 1, s->th.th_ack - 1);
			if (mss) {
				/* Straight onto the accept queue: the SYN queue is the one that is full. */
				struct socket *so = sonewconn(head, SS_ISCONNECTED);
				struct tcpcb *tp = so ? intotcpcb(sotoinpcb(so)) : NULL;
				if (tp && in_pcbsetconn(tp->t_inpcb, s->dst, s->th.th_dport, s->src,
				    s->th.th_sport) == 0 && tcp_inherit(tp, ltp)) {
					TCPSTAT_INC(ti, cookiesok);
					tp->t_flags &= ~(TF_REQ_SCALE | TF_REQ_TSTMP | TF_REQ_SACK);
					tp->t_flags |= TF_COOKIE;
					tp->irs = s->seq - 1;
					tp->rcv_nxt = tp->rcv_adv = s->seq;
					tp->iss = s->th.th_ack - 1;
					tp->snd_una = tp->snd_nxt = tp->snd_max = s->th.th_ack;
					tp->snd_wnd = s->th.th_win;
					tp->snd_wl1 = s->seq;
					tp->snd_wl2 = s->th.th_ack;
					tp->t_starttime = tp->t_rcvtime = net_clock(ns);
					tcp_mss_update(tp, true, mss);
					tcp_established(tp);
					tcp_input_sync(tp, s);   /* the ACK may carry data */
					return;
				}
				if (so) {
					so->so_proto->pr_abort(so);
				}
			}
			TCPSTAT_INC(ti, cookiesbad);
		}
		tcp_reset_reply(ns, s, ltp);     /* (the listener's key signs it, tcp_md5.h) */
		goto drop;
	}
	if (!(s->flags & TH_SYN))
		goto drop;                       /* fourth: anything else, drop */
	if ((s->flags & TH_FIN) && ti->ti_conf.drop_synfin) {
		TCPSTAT_INC(ti, synfindrop);
		goto drop;
	}
	/* third: a SYN.  The new connection waits on the SYN queue (so_q0) until the ACK. */
	struct socket *so = head ? sonewconn(head, 0) : NULL;
	if (!so) {
		/* A cookie's ISS cannot be chosen: a SYN reopening TIME-WAIT is dropped rather
		 * than answered with one that might fall inside the old incarnation's sequence
		 * space (the peer's retransmitted SYN finds the 4-tuple free). */
		if (head && ti->ti_conf.syncookies && head->so_q0len >= head->so_qlimit &&
		    !iss_floor) {
			/* RFC 4987 3.6: the SYN queue is full; answer statelessly. */
			uint32_t mine = tcp_mss_mine(ltp, s->src), mss = mine;
			if ((s->to.to_flags & TOF_MSS) && s->to.to_mss < mss)
				mss = s->to.to_mss;
			tcp_seq cookie = tcp_cookie_make(ns, s->dst, s->th.th_dport, s->src,
			    s->th.th_sport, s->seq, (uint16_t)mss);
			TCPSTAT_INC(ti, cookiessent);
			tcp_respond_synack(ns, ltp, s->dst, s->th.th_dport, s->src, s->th.th_sport, cookie,
			    s->seq + 1, (uint16_t)mine);
		} else {
			TCPSTAT_INC(ti, listendrop);
		}
		goto drop;
	}
	struct inpcb *inp = sotoinpcb(so);
	struct tcpcb *tp = intotcpcb(inp);
	if (in_pcbsetconn(inp, s->dst, s->th.th_dport, s->src, s->th.th_sport) != 0 ||
	    !tcp_inherit(tp, ltp)) {
		so->so_proto->pr_abort(so);
		TCPSTAT_INC(ti, listendrop);
		goto drop;
	}
	if (tp->t_flags & TF_NOOPT)
		tp->t_flags &= ~(TF_REQ_SCALE | TF_REQ_TSTMP | TF_REQ_SACK);
	tp->request_r_scale = tcp_pick_wscale(ns, tp->t_rcv_clamp);
	tp->t_advmss = tcp_mss_mine(tp, s->src);
	tp->irs = s->seq;
	tp->rcv_nxt = s->seq + 1;
	tp->rcv_adv = tp->rcv_nxt;
	tp->iss = tcp_isn(ti->ti_isn_key, s->dst, s->th.th_dport, s->src, s->th.th_sport,
	    net_clock(ns));
	if (iss_floor && !SEQ_GT(tp->iss, *iss_floor)) {
		/* RFC 9293 3.6.1 (MAY-2, condition 1): reopened from TIME-WAIT, the new ISS lies
		 * beyond the old incarnation's sequence space, by one largest unscaled window
		 * more (as Linux does) so none of its segments still in flight is acceptable. */
		tp->iss = *iss_floor + TCP_MAXWIN + 2;
		TCPSTAT_INC(ti, twissbump);
	}
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->snd_up = tp->iss;
	tp->snd_recover = tp->iss;
	tcp_syn_options(tp, s);
	tcp_ecn_syn_in(tp, s);
	tp->snd_wnd = s->th.th_win;          /* RFC 7323 2.2: the SYN's window is not scaled */
	tp->max_sndwnd = tp->snd_wnd;
	tp->snd_wl1 = s->seq;
	tp->snd_wl2 = tp->iss;
	tp->t_starttime = tp->t_rcvtime = net_clock(ns);
	tcp_set_state(tp, TCPS_SYN_RECEIVED);
	tcp_timer_arm(tp, TT_KEEP, tp->t_keepinit);
	TCPSTAT_INC(ti, accepts);
	/* Data or FIN on the SYN is not acknowledged: the peer sends it again once the
	 * handshake completes (RFC 9293 3.10.7.2 allows queueing it; we keep no state for it). */
	tp->t_flags |= TF_ACKNOW;
	tcp_output(tp);
drop:
	seg_free(s);
}

void tcp_input_listen(struct tcpcb *ltp, struct tcp_seg *s)
{
	listen_input(ltp, s, NULL);
}

void tcp_input_listen_reopen(struct tcpcb *ltp, struct tcp_seg *s, tcp_seq iss_floor)
{
	listen_input(ltp, s, &iss_floor);
}

/* ---------------------------------------------------------------------------------------
 * SYN-SENT (RFC 9293 3.10.7.3) */


void tcp_input_synsent(struct tcpcb *tp, struct tcp_seg *s)
{
	struct netstack *ns = tp->t_ns;
	struct tcp_instance *ti = tcp_instance(ns);
	bool ack_ok = false;

	if (s->flags & TH_ACK) {
		/* first: the ACK must acknowledge our SYN and nothing beyond it. */
		if (SEQ_LEQ(s->th.th_ack, tp->iss) || SEQ_GT(s->th.th_ack, tp->snd_max)) {
			TCPSTAT_INC(ti, badack);
			tcp_reset_reply(ns, s, tp);
			goto drop;
		}
		ack_ok = SEQ_LT(tp->snd_una, s->th.th_ack) && SEQ_LEQ(s->th.th_ack, tp->snd_max);
	}
	if (s->flags & TH_RST) {
		/* second: RFC 5961 3.2: a RST is acceptable only if it acknowledges our SYN. */
		if (ack_ok) {
			TCPSTAT_INC(ti, rstin);
			tcp_drop(tp, ECONNREFUSED);
			seg_free(s);
			return;
		}
		goto drop;
	}
	if (!(s->flags & TH_SYN))
		goto drop;                       /* fifth: neither SYN nor RST */
	/* fourth: the peer's SYN. */
	tp->irs = s->seq;
	tp->rcv_nxt = s->seq + 1;
	tp->rcv_adv = tp->rcv_nxt;
	tcp_syn_options(tp, s);
	tcp_round_rcvbuf(tp);
	tp->t_rcvtime = net_clock(ns);
	if (ack_ok) {
		tp->snd_una = s->th.th_ack;
		if (SEQ_LT(tp->snd_nxt, tp->snd_una))
			tp->snd_nxt = tp->snd_una;
		/* RTT sample from the handshake (the SYN was timed unless retransmitted). */
		if (tp->t_rtttime && SEQ_GT(s->th.th_ack, tp->t_rtseq)) {
			tcp_rtt_update(tp, net_clock(ns) - tp->t_rtttime);
			tp->t_rtttime = 0;
		}
		tcp_timer_stop(tp, TT_REXMT);
		tp->snd_wnd = (uint32_t)s->th.th_win;   /* unscaled in a SYN */
		tp->max_sndwnd = tp->snd_wnd;
		tp->snd_wl1 = s->seq;
		tp->snd_wl2 = s->th.th_ack;
		tcp_established(tp);            /* (reads t_rxtshift: the SYNs retransmitted) */
		tp->t_rxtshift = 0;
		tcp_ecn_synack_in(tp, s);       /* (clears ECE and CWR from s->flags) */
		tp->t_flags |= TF_ACKNOW;
		/* Any data or FIN on the SYN-ACK continues at the sixth step, as a segment
		 * starting at RCV.NXT. */
		s->flags &= ~TH_SYN;
		s->seq++;
		if (tp->t_flags & TF_NEEDFIN) {
			tp->t_flags &= ~TF_NEEDFIN;
			tcp_usrclosed(tp);
		}
		tcp_input_sync(tp, s);
		return;
	}
	/* Simultaneous open: SYN-RECEIVED, send SYN,ACK (RFC 9293 3.10.7.3 fourth).  Data
	 * on the SYN is queued until the handshake completes; a FIN on it is not kept. */
	tcp_set_state(tp, TCPS_SYN_RECEIVED);
	tp->t_flags &= ~TF_ECN_SYN;          /* RFC 3168 has no ECN for a simultaneous open */
	if (s->len) {
		struct mbuf *m = s->m;
		s->m = NULL;
		tcp_reass(tp, s->seq + 1, s->len, false, m, NULL);
	}
	tp->snd_wnd = s->th.th_win;
	tp->snd_wl1 = s->seq;
	tp->snd_wl2 = tp->iss;
	tcp_timer_stop(tp, TT_REXMT);
	tp->t_rxtshift = 0;
	tp->t_rtttime = 0;
	tp->snd_nxt = tp->snd_una;           /* resend our SYN, now with the ACK */
	tcp_output(tp);
drop:
	seg_free(s);
}
