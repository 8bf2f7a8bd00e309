/* TCP input: RFC 9293 3.10.7 "SEGMENT ARRIVES" as a sequence of named steps.
 *
 *   tcp_input            validate, find the connection, header prediction (tcp_input_fast.c)
 *   tcp_input_closed     3.10.7.1  no connection: answer with RST
 *   tcp_input_listen     3.10.7.2  LISTEN (tcp_input_open.c)
 *   tcp_input_synsent    3.10.7.3  SYN-SENT (tcp_input_open.c)
 *   tcp_input_timewait   TIME-WAIT (RFC 1337: RSTs ignored; RFC 6191 reuse)
 *   tcp_input_sync       3.10.7.4  every other state:
 *     step_paws (RFC 7323 5.3), step_rst (RFC 5961 3), step_syn (RFC 5961 4, which applies
 *     before the sequence check), step_seq (acceptability and trimming), step_ack (RFC 5961
 *     5, RFC 6298, RFC 5681/6582/6675), step_data_fin (in order, or the out-of-order queue;
 *     delayed ACKs; then the FIN)
 * The work of an ACK that advances SND.UNA, of a window update, of in-order text and of the
 * TS.Recent update are helpers (tcp_ack_advance, tcp_ack_window, tcp_data_inorder,
 * tcp_ts_recent_update) that the header-prediction fast path calls too, so both paths do the
 * same thing.
 *
 * Ownership: every function here consumes the segment (struct tcp_seg, whose m holds only
 * the payload).
 */
#include "tcp_var.h"
#include "tcp_input_var.h"
#include "tcp_isn.h"
#include "netstack.h"
#include "socketvar.h"
#include "protosw.h"
#include <stos/errno.h>

/* ---------------------------------------------------------------------------------------
 * Replies that do not belong to a connection's send queue. */

/* RFC 9293 3.10.7.1: the RST answering a segment for no connection (or an unacceptable one
 * in LISTEN/SYN-SENT).  Never answers a RST. */
void tcp_reset_reply(struct netstack *ns, const struct tcp_seg *s, struct tcpcb *tp)
{
	if (s->th.th_flags & TH_RST)
		return;
	/* tp (may be NULL) only lends its socket's IP options (TTL, TOS). */
	if (s->th.th_flags & TH_ACK) {
		tcp_respond(ns, tp, s->dst, s->th.th_dport, s->src, s->th.th_sport, s->th.th_ack, 0,
		    TH_RST);
	} else {
		uint32_t seglen = s->len + !!(s->th.th_flags & TH_SYN) + !!(s->th.th_flags & TH_FIN);
		tcp_respond(ns, tp, s->dst, s->th.th_dport, s->src, s->th.th_sport, 0,
		    s->th.th_seq + seglen, TH_RST | TH_ACK);
	}
}

/* An ACK of our current state (RFC 9293 "send an ACK", RFC 5961 challenge ACKs). */
void tcp_ack_now(struct tcpcb *tp)
{
	tp->t_flags |= TF_ACKNOW;
	tcp_output(tp);
}

/* At most this many ACKs per connection per second answer segments we refuse (challenge
 * ACKs, ACKs of empty segments beyond the window, and of a second, different FIN).  Two
 * ends that disagree about the sequence space (one accepted forged data, say) otherwise
 * trade ACKs without end: the ACK one sends for the other's unacceptable segment (RFC 9293
 * 3.10.7.4) is unacceptable in turn and draws another (RFC 5961 5.2 challenge ACK, or RFC
 * 9293's "send an ACK").  The instance-wide limit of RFC 5961 7 bounds such a loop but does
 * not end it; FreeBSD (ack-war prevention) and Linux (tcp_invalid_ratelimit) also limit per
 * connection.  The loops were found by the TCP fuzz target (tests/fuzz/tcp_corpus/regress-*). */
#define TCP_OOW_ACKS_PER_CONN 5

static bool tcp_oow_ack_allowed(struct tcpcb *tp)
{
	uint64_t now = net_clock(tp->t_ns);
	if (now - tp->t_chack_start >= TCP_NS_PER_S) {
		tp->t_chack_start = now;
		tp->t_chack_count = 0;
	}
	if (tp->t_chack_count >= TCP_OOW_ACKS_PER_CONN) {
		TCPSTAT_INC(tcp_instance(tp->t_ns), challengeack_limited);
		return false;
	}
	tp->t_chack_count++;
	return true;
}

/* The sequence space a segment occupies: its data, plus one each for SYN and FIN. */
static inline uint32_t seg_seqlen(const struct tcp_seg *s)
{
	return s->len + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);
}

/* Whether the ACK RFC 9293 3.10.7.4 and RFC 7323 5.3 send for a refused segment goes: always
 * for one that occupies sequence space (its sender missed our ACK, and no loss recovery waits
 * on an empty one), for an empty one only within the per-connection limit, since it may be
 * the other half of an ACK loop.  While our FIN is unacknowledged our ACK repeats it (as in
 * BSD), so it occupies sequence space itself and the other end answers it in turn: then it
 * goes within the limit too (two ends that disagree about each other's sequence space traded
 * FINs without end; the TCP fuzz target, tests/fuzz/tcp_corpus/regress-fin-refused-loop). */
static bool tcp_refused_answer(struct tcpcb *tp, uint32_t seglen)
{
	bool fin_out = (tp->t_flags & TF_SENTFIN) && SEQ_LT(tp->snd_una, tp->snd_max);
	return (seglen != 0 && !fin_out) || tcp_oow_ack_allowed(tp);
}

static void tcp_ack_refused(struct tcpcb *tp, uint32_t seglen)
{
	if (tcp_refused_answer(tp, seglen))
		tcp_ack_now(tp);
}

/* RFC 5961 3.2, 4.2, 5.2: a challenge ACK, within the rate limits (section 7). */
void tcp_challenge_ack(struct tcpcb *tp)
{
	if (!tcp_oow_ack_allowed(tp))
		return;
	if (!tcp_challenge_ack_allowed(tp->t_ns))
		return;
	TCPSTAT_INC(tcp_instance(tp->t_ns), challengeack);
	/* A bare ACK of where we are (not tcp_output, which could resend a FIN). */
	struct inpcb *inp = tp->t_inpcb;
	tcp_respond(tp->t_ns, tp, inp->inp_laddr, inp->inp_lport, inp->inp_faddr, inp->inp_fport,
	    tp->snd_nxt, tp->rcv_nxt, TH_ACK);
}

/* ---------------------------------------------------------------------------------------
 * Synchronized states (RFC 9293 3.10.7.4).  Each step returns false when it consumed or
 * dropped the segment (the caller stops). */

/* The receive window for acceptability tests: what we could take (the buffer may exceed what
 * the 16-bit field let us advertise), and never less than what we advertised. */
static uint32_t tcp_rcv_wnd_test(const struct tcpcb *tp)
{
	struct socket *so = tp_socket(tp);
	uint32_t adv = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	/* An embryonic passive connection has only the window its SYN-ACK offered. */
	if (tp->t_state == TCPS_SYN_RECEIVED && so && so->so_head)
		return adv;
	uint32_t win = so ? sbspace(&so->so_rcv) : 0;
	return win > adv ? win : adv;
}

/* RFC 7323 5.3 R1-R3: PAWS. */
static bool step_paws(struct tcpcb *tp, struct tcp_seg *s)
{
	if (!(s->to.to_flags & TOF_TS) || !(tp->t_flags & TF_RCVD_TSTMP) || (s->flags & TH_RST) ||
	    tp->ts_recent == 0)
		return true;
	if (!TSTMP_LT(s->to.to_tsval, tp->ts_recent))
		return true;
	/* R3 (5.5): after 24 days idle, ts_recent is no longer valid. */
	if (net_clock(tp->t_ns) - tp->ts_recent_age > 24ull * 24 * 3600 * TCP_NS_PER_S) {
		tp->ts_recent = 0;
		return true;
	}
	TCPSTAT_INC(tcp_instance(tp->t_ns), pawsdrop);
	/* R1's ACK, as beyond the window (step_seq): a peer whose timestamps went backwards (a
	 * connection reopened on the same 4-tuple with a new offset) and that answered each such
	 * ACK with a segment of its own (urgent data pending) traded ACKs without end
	 * (tests/fuzz/tcp_corpus/regress-paws-ack-loop). */
	tcp_ack_refused(tp, seg_seqlen(s));
	seg_free(s);
	return false;
}

/* RFC 9293 3.10.7.4 second, with RFC 5961 3.2 (and RFC 1337 for TIME-WAIT, handled by the
 * caller). */
static bool step_rst(struct tcpcb *tp, struct tcp_seg *s)
{
	struct tcp_instance *ti = tcp_instance(tp->t_ns);
	struct socket *so = tp_socket(tp);

	if (!(s->flags & TH_RST))
		return true;
	uint32_t wnd = tcp_rcv_wnd_test(tp);
	bool in_window = wnd == 0 ? s->seq == tp->rcv_nxt : SEQ_IN(s->seq, tp->rcv_nxt, tp->rcv_nxt + wnd);
	if (!in_window) {
		TCPSTAT_INC(ti, badrst);
		seg_free(s);
		return false;
	}
	if (s->seq != tp->rcv_nxt && !ti->ti_conf.insecure_rst) {
		/* In the window but not exactly at RCV.NXT: maybe forged; ask the peer. */
		tcp_challenge_ack(tp);
		seg_free(s);
		return false;
	}
	TCPSTAT_INC(ti, rstin);
	/* A passive open in SYN-RECEIVED returns to LISTEN: the embryonic connection just goes.
	 * An active one is refused; a synchronized one is reset; CLOSING and LAST-ACK simply
	 * close. */
	int err = 0;
	if (tp->t_state == TCPS_SYN_RECEIVED)
		err = so && so->so_head ? 0 : ECONNREFUSED;
	else
		err = ECONNRESET;       /* RFC 9293 reports it in the synchronized states; we also
		                           tell a user still holding a CLOSING/LAST-ACK socket */
	if (so && err)
		so_seterror(so, err);
	seg_free(s);
	tcp_close(tp);
	return false;
}

/* RFC 9293 3.10.7.4 first: is the segment acceptable?  Then trim it to the window. */
static bool step_seq(struct tcpcb *tp, struct tcp_seg *s)
{
	struct tcp_instance *ti = tcp_instance(tp->t_ns);
	uint32_t wnd = tp->t_state == TCPS_TIME_WAIT ? 0 : tcp_rcv_wnd_test(tp);
	uint32_t seglen = seg_seqlen(s);
	tcp_seq rn = tp->rcv_nxt;
	bool ok;

	if (seglen == 0)
		ok = wnd == 0 ? s->seq == rn : SEQ_IN(s->seq, rn, rn + wnd);
	else
		ok = wnd != 0 && (SEQ_IN(s->seq, rn, rn + wnd) || SEQ_IN(s->seq + seglen - 1, rn, rn + wnd));
	if (!ok) {
		if (wnd == 0 && s->seq == rn && (s->flags & TH_ACK) && !(s->flags & TH_SYN)) {
			/* A probe of our zero window: drop its data, keep its ACK (RFC 9293 3.10.7.4
			 * "special allowance ... for valid ACKs"). */
			TCPSTAT_INC(ti, rcvwinprobe);
			m_adj(s->m, (int)s->len);
			s->len = 0;
			s->flags &= ~(TH_FIN | TH_PUSH);
			tp->t_flags |= TF_ACKNOW;
			return true;
		}
		if (SEQ_LT(s->seq, rn)) {
			/* Entirely old: a duplicate.  RFC 9293 says send an ACK and drop it; like
			 * every BSD we still look at its ACK field (a peer's lost-ACK recovery often
			 * arrives this way) but drop its data, SYN and FIN.  The ACK goes as for
			 * any refused segment (tcp_ack_refused): always for a retransmission that
			 * occupies sequence space (its sender missed our ACK), within the
			 * per-connection limit for an empty one (a keepalive probe; or, from a peer
			 * whose sequence space we disagree with, the other half of an ACK loop:
			 * the TCP fuzz target found one, regress-old-ack-loop). */
			TCPSTAT_INC(ti, rcvduppack);
			TCPSTAT_ADD(ti, rcvdupbyte, s->len);
			tcp_sack_note_dsack(tp, s->seq, s->len);
			if (tp->t_state == TCPS_TIME_WAIT && (s->flags & TH_FIN)) {
				/* A retransmitted FIN: restart the 2MSL wait (3.10.7.4 eighth). */
				tcp_timer_arm(tp, TT_2MSL, 2 * ti->ti_conf.msl_ns);
			}
			m_adj(s->m, (int)s->len);
			s->seq += s->len;
			s->len = 0;
			s->flags &= ~(TH_SYN | TH_FIN | TH_PUSH | TH_URG);
			if (tcp_refused_answer(tp, seglen))
				tp->t_flags |= TF_ACKNOW;
			return true;
		}
		/* Beyond the window: send an ACK and drop it (RST was handled by step_rst). */
		TCPSTAT_INC(ti, rcvpackafterwin);
		seg_free(s);
		tcp_ack_refused(tp, seglen);
		return false;
	}
	/* Trim the front: what we already have (and a duplicate SYN). */
	if (SEQ_LT(s->seq, rn)) {
		uint32_t todrop = rn - s->seq;
		if (s->flags & TH_SYN) {
			s->flags &= ~TH_SYN;
			s->seq++;
			todrop--;
			if (s->th.th_urp > 1)
				s->th.th_urp--;
			else
				s->flags &= ~TH_URG;
		}
		if (todrop > s->len)
			todrop = s->len;
		if (todrop) {
			TCPSTAT_INC(ti, rcvpartduppack);
			tcp_sack_note_dsack(tp, s->seq, todrop);
			m_adj(s->m, (int)todrop);
			s->seq += todrop;
			s->len -= todrop;
			if (s->th.th_urp > todrop)
				s->th.th_urp = (uint16_t)(s->th.th_urp - todrop);
			else
				s->flags &= ~TH_URG;
			tp->t_flags |= TF_ACKNOW;
		}
	}
	/* Trim the tail: what lies beyond the window (its FIN too). */
	if (s->len && SEQ_GT(s->seq + s->len, rn + wnd)) {
		uint32_t todrop = (s->seq + s->len) - (rn + wnd);
		TCPSTAT_INC(ti, rcvpackafterwin);
		if (todrop > s->len)
			todrop = s->len;
		m_adj(s->m, -(int)todrop);
		s->len -= todrop;
		s->flags &= ~(TH_PUSH | TH_FIN);
		tp->t_flags |= TF_ACKNOW;
	}
	return true;
}

/* RFC 5961 4.2 (before the sequence check, since it applies "irrespective of the sequence
 * number"): a SYN in a synchronized state gets a challenge ACK.  With the insecure_syn knob,
 * RFC 793's rule instead: a SYN in the window resets the connection.  wnd is the receive
 * window to test against. */
static bool step_syn(struct tcpcb *tp, struct tcp_seg *s, uint32_t wnd)
{
	struct tcp_instance *ti = tcp_instance(tp->t_ns);
	struct socket *so = tp_socket(tp);

	if (!(s->flags & TH_SYN))
		return true;
	TCPSTAT_INC(ti, badsyn);
	if (tp->t_state == TCPS_SYN_RECEIVED && so && so->so_head) {
		/* RFC 9293 3.10.7.4: a passive open that sees a SYN again returns to LISTEN. */
		seg_free(s);
		tcp_close(tp);
		return false;
	}
	bool in_window = wnd && SEQ_IN(s->seq, tp->rcv_nxt, tp->rcv_nxt + wnd);
	seg_free(s);
	if (ti->ti_conf.insecure_syn && in_window) {
		tcp_drop(tp, ECONNRESET);
		return false;
	}
	tcp_challenge_ack(tp);
	return false;
}

/* RFC 5681 3.2 step 1 (RFC 3042, Limited Transmit): on the first and second duplicate ACK a
 * segment of data not yet sent goes, when the peer's window allows it and the flight stays
 * within cwnd + 2 SMSS; cwnd itself does not change.  Each duplicate means a segment has left
 * the network, so this keeps the ACK clock going when too few segments are in flight for
 * three duplicates to arrive. */
static void tcp_limited_transmit(struct tcpcb *tp)
{
	struct socket *so = tp_socket(tp);
	uint32_t flight = tp->snd_max - tp->snd_una, ocwnd = tp->t_cc.cwnd;
	if (!so || tp->snd_nxt != tp->snd_max || so->so_snd.sb_cc <= flight)
		return;                     /* nothing new to send */
	uint32_t allow = NET_MIN(flight + tp->t_maxseg, ocwnd + 2 * tp->t_maxseg);
	if (allow <= ocwnd)
		return;                     /* cwnd is not what holds the data back */
	tcp_seq before = tp->snd_max;
	tp->t_cc.cwnd = allow;
	tcp_output(tp);
	tp->t_cc.cwnd = ocwnd;
	if (tp->snd_max != before)
		TCPSTAT_INC(tcp_instance(tp->t_ns), sndlimited);
}

/* Fast recovery begins (RFC 5681 3.2 step 2, RFC 6582 3.2 step 2): the congestion response,
 * the recovery point. */
static void tcp_recovery_enter(struct tcpcb *tp)
{
	struct tcp_instance *ti = tcp_instance(tp->t_ns);
	TCPSTAT_INC(ti, fastrexmit);
	TCPSTAT_INC(ti, recoveries);
	uint32_t flight = tp->snd_max - tp->snd_una;
	tp->t_cc.ops->signal(&tp->t_cc, CC_DUPACK, flight, net_clock(tp->t_ns));
	tp->snd_recover = tp->snd_max;
	tp->t_flags |= TF_FASTRECOVERY;
	tp->t_flags &= ~(TF_TLP | TF_TLP_RXT);      /* recovery's reduction covers a probe's */
	tcp_timer_stop(tp, TT_TLP);                 /* (clears its due time only) */
	tp->t_rtttime = 0;          /* Karn: what is timed may be retransmitted */
}

void tcp_sack_recovery_start(struct tcpcb *tp)
{
	tcp_recovery_enter(tp);
	/* RFC 6675 5 (4.3): retransmit the first segment at once; then tcp_output walks the
	 * scoreboard (NextSeg) while cwnd exceeds the pipe. */
	tp->sack_hint = tp->snd_una;
	tp->sack_rescue = tp->snd_una;
	tp->t_flags |= TF_SACK_FIRST;
	tcp_output(tp);
}

/* Congestion control and loss recovery on a duplicate ACK (RFC 5681 3.2, RFC 6582, RFC 6675). */
static void tcp_dupack(struct tcpcb *tp, struct tcp_seg *s)
{
	struct tcp_instance *ti = tcp_instance(tp->t_ns);
	uint32_t mss = tp->t_maxseg;

	TCPSTAT_INC(ti, rcvdupack);
	if (tp->t_flags & TF_FASTRECOVERY) {
		/* RFC 6582 3.2 step 4: inflate by one segment per duplicate (NewReno); with
		 * SACK the pipe estimate does the same job. */
		if (!(tp->t_flags & TF_SACK_PERMIT))
			tp->t_cc.cwnd += mss;
		tcp_output(tp);
		return;
	}
	/* RFC 6675 5 (2): with SACK, loss is also seen before the third duplicate when the
	 * scoreboard already holds SND.UNA's byte lost (IsLost). */
	if (++tp->t_dupacks < TCP_DUPTHRESH &&
	    !((tp->t_flags & TF_SACK_PERMIT) && tcp_sack_una_lost(tp))) {
		tcp_limited_transmit(tp);
		return;
	}
	/* RFC 6582 3.2 step 1: only one recovery per window of data. */
	if (SEQ_LEQ(s->th.th_ack, tp->snd_recover)) {
		tp->t_dupacks = 0;
		return;
	}
	if (tp->t_flags & TF_SACK_PERMIT) {
		tcp_sack_recovery_start(tp);
		return;
	}
	tcp_recovery_enter(tp);
	/* RFC 5681 3.2 step 4 / RFC 6582: retransmit the first unacknowledged segment, then
	 * cwnd = ssthresh + 3 segments. */
	tcp_seq onxt = tp->snd_nxt;
	uint32_t ocwnd = tp->t_cc.cwnd;
	tp->snd_nxt = s->th.th_ack;
	tp->t_cc.cwnd = mss;
	tcp_output(tp);
	tp->t_cc.cwnd = ocwnd + 3 * mss;
	if (SEQ_GT(onxt, tp->snd_nxt))
		tp->snd_nxt = onxt;
}

/* HyStart++ moved from state `from` to `to` (tcp_cc.h HS_*): its counters. */
static __attribute__((noinline)) void tcp_hystart_count(struct tcp_instance *ti, uint8_t from,
    uint8_t to)
{
	if (to == HS_CSS)
		TCPSTAT_INC(ti, hystart_css);
	else if (from == HS_CSS && to == HS_SS)
		TCPSTAT_INC(ti, hystart_resume);
	else if (from == HS_CSS && to == HS_OFF)
		TCPSTAT_INC(ti, hystart_exit);
}

/* An ACK that advanced SND.UNA during recovery but not past the recovery point (RFC 6582
 * 3.2 step 5).  Returns true when output is to wait until SND.UNA and the scoreboard have
 * moved on (SACK recovery: NextSeg and the pipe are taken from them, RFC 6675 5 (C)). */
static bool tcp_partial_ack(struct tcpcb *tp, tcp_seq ack, uint32_t acked)
{
	uint32_t mss = tp->t_maxseg;

	/* RFC 6582 3.2 step 5: reset the retransmission timer on a partial ACK. */
	tcp_timer_arm(tp, TT_REXMT, tcp_rexmt_timeout(tp));
	tp->t_rtttime = 0;
	if (tp->t_flags & TF_SACK_PERMIT)
		return true;
	tcp_seq onxt = tp->snd_nxt;
	uint32_t ocwnd = tp->t_cc.cwnd;
	tp->snd_nxt = ack;
	tp->t_cc.cwnd = mss;
	tcp_output(tp);
	/* Deflate by the amount acknowledged, add back one segment. */
	tp->t_cc.cwnd = ocwnd > acked ? ocwnd - acked + mss : mss;
	if (SEQ_GT(onxt, tp->snd_nxt))
		tp->snd_nxt = onxt;
	return false;
}

/* RFC 9293 3.10.7.4 fifth: an acceptable ACK that advances SND.UNA (SND.UNA < ack <=
 * SND.MAX): RTT sample, retransmission timer, congestion control and recovery, release of the
 * acknowledged data, and the state changes our FIN's ACK brings.  Shared by step_ack and the
 * header-prediction fast path.  Returns false when the segment is finished (consumed). */
bool tcp_ack_advance(struct tcpcb *tp, struct tcp_seg *s, uint64_t now, bool *needoutput,
    bool defer)
{
	struct tcp_instance *ti = tcp_instance(tp->t_ns);
	struct socket *so = tp_socket(tp);
	tcp_seq ack = s->th.th_ack;
	uint32_t acked = ack - tp->snd_una;

	if (!defer && tp->t_outpprev)
		tcp_output_unqueue(tp);     /* what earlier ACKs of the batch left, first */
	if (tp->t_flags & TF_TLP)
		tcp_tlp_ack(tp, ack, &s->to);   /* RFC 8985 7.4: before SND.UNA moves */
	TCPSTAT_INC(ti, rcvackpack);
	TCPSTAT_ADD(ti, rcvackbyte, acked);
	/* RTT: timestamps give a sample per ACK (RFC 7323 4.1); else the one timed
	 * segment, unless retransmitted (Karn). */
	uint64_t rtt = 0;
	if ((s->to.to_flags & TOF_TS) && (tp->t_flags & TF_RCVD_TSTMP) && s->to.to_tsecr) {
		uint32_t rtt_ms = tcp_ts_at(tp, now) - s->to.to_tsecr;
		if (rtt_ms < 60000) {
			rtt = (uint64_t)(rtt_ms ? rtt_ms : 1) * TCP_NS_PER_MS;
			tcp_rtt_update(tp, rtt);
		}
		tp->t_rtttime = 0;
	} else if (tp->t_rtttime && SEQ_GT(ack, tp->t_rtseq)) {
		rtt = now - tp->t_rtttime;
		tcp_rtt_update(tp, rtt);
		tp->t_rtttime = 0;
	}
	/* RFC 6298 5.2/5.3: stop the timer when all is acked, else restart it. */
	if (ack == tp->snd_max) {
		tcp_timer_stop(tp, TT_TLP);     /* (first: a store, and then the callout moves once) */
		tcp_timer_stop(tp, TT_REXMT);
		tp->t_rexmt_defer = false;
		*needoutput = true;
	} else if (defer) {
		tp->t_rexmt_defer = true;   /* the last ACK's restart, at the batch's end */
	} else if (!tcp_timer_active(tp, TT_PERSIST)) {
		tcp_timer_arm_at(tp, TT_REXMT, now, tcp_rexmt_timeout(tp));
	}
	tp->t_rxtshift = 0;

	if (tp->t_flags & TF_FASTRECOVERY) {
		if (SEQ_GEQ(ack, tp->snd_recover)) {
			/* RFC 6582 3.2 step 6: full acknowledgment ends recovery. */
			tp->t_flags &= ~(TF_FASTRECOVERY | TF_SACK_FIRST | TF_LOSTBELOW);
			tcp_rxlog_clear(tp);
			tp->t_cc.ops->recovered(&tp->t_cc, tp->snd_max - ack);
			tp->t_dupacks = 0;
		} else if (tcp_partial_ack(tp, ack, acked)) {
			*needoutput = true;
		}
	} else {
		tp->t_dupacks = 0;
		struct tcp_cc_ack ca = { .acked = acked, .ack = ack, .snd_max = tp->snd_max,
		    .srtt_ns = tp->t_srtt, .rtt_ns = rtt, .now_ns = now };
		uint8_t hs = tp->t_cc.hs_state;
		tp->t_cc.ops->ack(&tp->t_cc, &ca);
		if (tp->t_cc.hs_state != hs)
			tcp_hystart_count(ti, hs, tp->t_cc.hs_state);
	}

	/* Release acknowledged data; the FIN counts one beyond the data. */
	bool ourfinisacked = false;
	if (so) {
		uint32_t cc = so->so_snd.sb_cc - tp->t_sbdrop_defer;
		if (acked > cc) {
			sbdrop(&so->so_snd, cc);
			ourfinisacked = (tp->t_flags & TF_SENTFIN) != 0;
			sowwakeup(so);
		} else if (defer) {
			tp->t_sbdrop_defer += acked;    /* released at the batch's end */
		} else {
			sbdrop(&so->so_snd, acked);
			sowwakeup(so);
		}
	} else {
		ourfinisacked = (tp->t_flags & TF_SENTFIN) && ack == tp->snd_max;
	}
	tp->snd_una = ack;
	if (SEQ_LT(tp->snd_nxt, tp->snd_una))
		tp->snd_nxt = tp->snd_una;
	/* The ACK moved the window's left edge: unsent data may go now even when the
	 * advertised window did not change (the ACK clock, RFC 5681 2; BSD calls tcp_output
	 * for every such ACK while data waits). */
	if (so && so->so_snd.sb_cc - tp->t_sbdrop_defer > tp->snd_nxt - tp->snd_una)
		*needoutput = true;
	if (SEQ_LT(tp->sack_hint, tp->snd_una))
		tp->sack_hint = tp->snd_una;
	if (tp->t_sack.n)
		tcp_sack_scoreboard_update(tp, &(struct tcp_opts){ 0 });
	if ((tp->t_flags & TF_LOSTBELOW) && SEQ_GEQ(tp->snd_una, tp->t_lost_below))
		tp->t_flags &= ~TF_LOSTBELOW;
	/* RFC 8985 7.2: an ACK of new data restarts the probe timeout (with the batch's
	 * retransmission timer, at its end, when deferred). */
	if (!defer && ack != tp->snd_max)
		tcp_tlp_arm(tp, now);

	switch (tp->t_state) {
	case TCPS_FIN_WAIT_1:
		if (ourfinisacked) {
			tcp_set_state(tp, TCPS_FIN_WAIT_2);
			if (so && (so->so_state & SS_CANTRCVMORE))
				soisdisconnected(so);
			/* Do not wait forever for a peer that never closes, once the user
			 * has gone (BSD's FIN-WAIT-2 timeout). */
			if (!so || (so->so_state & SS_NOFDREF))
				tcp_finwait2_orphan(tp);
		}
		break;
	case TCPS_CLOSING:
		if (ourfinisacked) {
			tcp_twstart(tp);
			seg_free(s);
			return false;
		}
		break;
	case TCPS_LAST_ACK:
		if (ourfinisacked) {
			seg_free(s);
			tcp_close(tp);
			return false;
		}
		break;
	default:
		break;
	}
	return true;
}

/* RFC 9293 3.10.7.4 fifth: the ACK field.  Returns false when the segment is finished. */
static bool step_ack(struct tcpcb *tp, struct tcp_seg *s, uint64_t now, bool *needoutput)
{
	struct netstack *ns = tp->t_ns;
	struct tcp_instance *ti = tcp_instance(ns);
	tcp_seq ack = s->th.th_ack;

	if (!(s->flags & TH_ACK)) {
		seg_free(s);
		if (tp->t_flags & TF_ACKNOW)
			tcp_output(tp);
		return false;
	}
	if (tp->t_state == TCPS_SYN_RECEIVED) {
		if (!SEQ_LT(tp->snd_una, ack) || SEQ_GT(ack, tp->snd_max)) {
			TCPSTAT_INC(ti, badack);
			tcp_reset_reply(ns, s, tp);
			seg_free(s);
			return false;
		}
		tp->snd_wnd = (uint32_t)s->th.th_win << tp->snd_scale;
		tp->max_sndwnd = NET_MAX(tp->max_sndwnd, tp->snd_wnd);
		tp->snd_wl1 = s->seq;
		tp->snd_wl2 = ack;
		tcp_established(tp);
		if (tp->t_segq)
			tcp_reass(tp, 0, 0, false, NULL, NULL);   /* what came with the SYN */
		if (tp->t_flags & TF_NEEDFIN) {
			tp->t_flags &= ~TF_NEEDFIN;
			tp = tcp_usrclosed(tp);
			if (!tp) {
				seg_free(s);
				return false;
			}
		}
	}
	/* RFC 5961 5.2: acceptable ACKs lie in [SND.UNA - MAX.SND.WND, SND.MAX]. */
	if (SEQ_GT(ack, tp->snd_max)) {
		TCPSTAT_INC(ti, rcvacktoomuch);
		seg_free(s);
		tcp_challenge_ack(tp);
		return false;
	}
	if (SEQ_LT(ack, tp->snd_una - tp->max_sndwnd)) {
		TCPSTAT_INC(ti, badack);
		seg_free(s);
		tcp_challenge_ack(tp);
		return false;
	}

	/* RFC 3168 6.1.2: an ECN-Echo is answered as a loss would be, once a window. */
	if ((s->flags & TH_ECE) && (tp->t_flags & TF_ECN_PERMIT) && !(s->flags & TH_SYN))
		tcp_ecn_echo(tp, ack);

	/* RFC 6675 2: with SACK, an ACK is a duplicate when it reports octets between HighACK
	 * and HighData that were neither acknowledged nor SACKed before - even when it also
	 * moves SND.UNA, carries data or changes the window.  HighACK is this ACK's own
	 * cumulative point when it advances SND.UNA. */
	bool sack_ack = (tp->t_flags & TF_SACK_PERMIT) && (s->to.to_flags & TOF_SACK);
	bool new_sack = false;
	if (sack_ack) {
		tcp_seq high_ack = SEQ_GT(ack, tp->snd_una) ? ack : tp->snd_una;
		uint32_t sacked_before = tcp_sack_bytes_above(tp, high_ack);
		tcp_sack_scoreboard_update(tp, &s->to);
		new_sack = tcp_sack_bytes_above(tp, high_ack) > sacked_before;
	}

	if (SEQ_LEQ(ack, tp->snd_una)) {
		/* With SACK blocks, RFC 6675 2 decides (above); without, a duplicate in the RFC
		 * 5681 2 sense: nothing new acked, no data, no window change, data outstanding.
		 * Only a cumulative ACK resets the count (RFC 6675 5); without SACK, any other
		 * ACK at SND.UNA does too (RFC 5681's duplicates are consecutive, as in BSD). */
		bool outstanding = tp->snd_max != tp->snd_una;
		bool dup = sack_ack ? new_sack : s->len == 0 && !(s->flags & (TH_SYN | TH_FIN)) &&
		    ((uint32_t)s->th.th_win << tp->snd_scale) == tp->snd_wnd;
		if (ack == tp->snd_una && (tp->t_flags & TF_TLP))
			tcp_tlp_ack(tp, ack, &s->to);   /* may mark holes lost (tcp_tlp.c) */
		if (ack == tp->snd_una && outstanding && dup)
			tcp_dupack(tp, s);
		else if (ack == tp->snd_una && !sack_ack)
			tp->t_dupacks = 0;
	} else {
		if (!tcp_ack_advance(tp, s, now, needoutput, false))
			return false;
		/* RFC 6675 5: a cumulative ACK resets DupAcks (tcp_ack_advance did), and one
		 * that also reports new SACKed data counts as the first duplicate again.  In
		 * recovery the partial-ACK rules already decide what goes. */
		if (new_sack && tp->snd_max != tp->snd_una && !(tp->t_flags & TF_FASTRECOVERY))
			tcp_dupack(tp, s);
	}
	tcp_ack_window(tp, s, needoutput);
	return true;
}

/* RFC 9293 3.10.7.4 seventh (text) and eighth (FIN).  Returns false when tp is gone. */
static bool step_data_fin(struct tcpcb *tp, struct tcp_seg *s, uint64_t now)
{
	struct socket *so = tp_socket(tp);
	unsigned fin = s->flags & TH_FIN;

	/* Urgent data is delivered inline (RFC 6093 6: applications should use it so); the
	 * pointer is only checked, never used to index anything. */
	if ((s->flags & TH_URG) && s->th.th_urp && tcps_have_rcvd_fin(tp->t_state) == false &&
	    SEQ_GT(s->seq + s->th.th_urp, tp->rcv_up))
		tp->rcv_up = s->seq + s->th.th_urp;

	if ((s->len || fin) && !tcps_have_rcvd_fin(tp->t_state)) {
		if (s->seq == tp->rcv_nxt && tp->t_segq == NULL) {
			tcp_data_inorder(tp, s, now);
		} else {
			/* Out of order (or filling a hole): queue, ACK at once (RFC 5681 4.2)
			 * with SACK blocks (RFC 2018 4). */
			tcp_seq start = s->seq;
			uint32_t len = s->len;
			bool ooo = SEQ_GT(start, tp->rcv_nxt);
			/* RFC 2883: report the first duplicate part; one below RCV.NXT (noted while
			 * trimming) comes first. */
			if (!tp->rcv_have_dsack)
				tcp_sack_note_dsack(tp, start, len);
			struct mbuf *m = s->m;
			s->m = NULL;
			bool held;
			fin = tcp_reass(tp, start, len, fin != 0, m, &held);
			/* RFC 2018 4: a block reports data the receiver holds; a segment the
			 * full queue dropped is not reported (the sender must resend it). */
			if (ooo && held && (tp->t_flags & TF_SACK_PERMIT) && len &&
			    SEQ_GT(start + len, tp->rcv_nxt))
				tcp_sack_rcv_update(tp, start, start + len);
			tcp_sack_rcv_trim(tp);
			tp->t_flags |= TF_ACKNOW;
			if (fin)
				tp->rcv_nxt++;     /* tcp_reass delivered through the FIN */
			fin = fin ? TH_FIN : 0;
			if (fin)
				goto have_fin;
			return true;
		}
	} else {
		seg_free(s);
		fin = 0;
		/* A FIN after the one we accepted (a retransmission of that one was trimmed as a
		 * duplicate in step_seq, so this one claims a different end of the stream: the
		 * ends disagree about the sequence space).  Answered within the per-connection
		 * limit: each answer carries our own FIN, which that end finds out of order and
		 * answers at once, for ever (found by the TCP fuzz target:
		 * tests/fuzz/tcp_corpus/regress-fin-war). */
		if ((s->flags & TH_FIN) && tcps_have_rcvd_fin(tp->t_state) && tcp_oow_ack_allowed(tp))
			tp->t_flags |= TF_ACKNOW;
	}
	if (!fin)
		return true;
	tp->rcv_nxt++;
have_fin:
	/* Eighth: the FIN, now in order. */
	if (so)
		socantrcvmore(so);
	tp->t_flags |= TF_ACKNOW;
	switch (tp->t_state) {
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
		tcp_set_state(tp, TCPS_CLOSE_WAIT);
		break;
	case TCPS_FIN_WAIT_1:
		tcp_set_state(tp, TCPS_CLOSING);
		break;
	case TCPS_FIN_WAIT_2:
		tcp_output(tp);
		tcp_twstart(tp);
		return false;
	default:
		break;
	}
	return true;
}

void tcp_input_sync(struct tcpcb *tp, struct tcp_seg *s)
{
	bool needoutput = false;
	uint64_t now = net_clock(tp->t_ns);      /* the one clock reading for this segment */

	tp->t_rcvtime = now;                       /* keepalive idle time restarts */
	/* (The window step_syn tests against is computed only for a SYN.) */
	if (!step_paws(tp, s) || !step_rst(tp, s) ||
	    ((s->flags & TH_SYN) && !step_syn(tp, s, tcp_rcv_wnd_test(tp))) || !step_seq(tp, s))
		return;
	tcp_ts_recent_update(tp, s, now);
	if (tp->t_flags & TF_ECN_PERMIT)
		tcp_ecn_input(tp, s);           /* RFC 3168 6.1.3 (tcp_ecn.c) */
	if (!step_ack(tp, s, now, &needoutput))
		return;
	if (!step_data_fin(tp, s, now))
		return;
	/* TCP_DEFER_ACCEPT: something to read (or the peer's FIN) lets accept() have it. */
	if (tp->t_flags & TF_DEFERRED) {
		struct socket *so = tp_socket(tp);
		if (so && (so->so_rcv.sb_cc || (so->so_state & SS_CANTRCVMORE)))
			tcp_defer_release(tp);
	}
	if (needoutput || (tp->t_flags & TF_ACKNOW))
		tcp_output(tp);
}

/* ---------------------------------------------------------------------------------------
 * TIME-WAIT */

void tcp_input_timewait(struct tcpcb *tp, struct tcp_seg *s, struct netstack *ns)
{
	struct tcp_instance *ti = tcp_instance(ns);

	if (s->flags & TH_RST) {
		/* RFC 1337: RSTs must not cut TIME-WAIT short. */
		TCPSTAT_INC(ti, twrst);
		seg_free(s);
		return;
	}
	if ((s->flags & TH_SYN) && !(s->flags & TH_ACK) && !tp_socket(tp) &&
	    ((tp->t_flags & TF_RCVD_TSTMP) ?
	    (s->to.to_flags & TOF_TS) && TSTMP_LT(tp->ts_recent, s->to.to_tsval) :
	    SEQ_GT(s->seq, tp->rcv_nxt))) {
		/* A new SYN that cannot be confused with the old incarnation ends TIME-WAIT, and
		 * a listener takes it (RFC 9293 3.6.1, MAY-2).  RFC 6191 says how to tell: when
		 * the old incarnation used timestamps, the SYN's must be newer than any it
		 * carried (a SYN without one does not qualify); when it did not, the SYN's
		 * sequence number must be beyond the last one it received.  The new ISS goes
		 * beyond the old one's sequence space (tcp_input_listen_reopen). */
		TCPSTAT_INC(ti, twreuse);
		uint32_t src = s->src, dst = s->dst;
		uint16_t sport = s->th.th_sport, dport = s->th.th_dport;
		tcp_seq floor = tp->snd_max;
		tcp_close(tp);
		struct inpcb *inp = in_pcblookup(&ti->ti_pcbinfo, src, sport, dst, dport,
		    INPLOOKUP_WILDCARD);
		struct tcpcb *ltp = inp ? intotcpcb(inp) : NULL;
		if (ltp && ltp->t_state == TCPS_LISTEN) {
			tcp_input_listen_reopen(ltp, s, floor);
			return;
		}
		tcp_reset_reply(ns, s, NULL);
		seg_free(s);
		return;
	}
	if (!(s->flags & (TH_SYN | TH_ACK))) {
		/* Nothing without ACK can matter in TIME-WAIT; drop it without the ACK RFC 9293
		 * suggests for unacceptable segments (as BSD), so a flood gets no answers. */
		seg_free(s);
		return;
	}
	if (s->flags & TH_SYN) {
		/* The SYN checks use the window last advertised (RFC 5961 4 / RFC 793). */
		uint32_t wnd = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
		step_syn(tp, s, wnd);
		return;
	}
	tcp_input_sync(tp, s);
}
