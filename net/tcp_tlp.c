/* Tail loss probes (RFC 8985 7, the TLP half of RACK-TLP).
 *
 * When the last segments of a flight are lost, no ACK comes back to report the loss, and
 * without a probe only the retransmission timer (200 ms at the least, often a second) gets
 * the connection going again.  A probe timeout (PTO) of about two round trips, armed while
 * data is in flight and restarted by every send of new data and every ACK that moves SND.UNA,
 * instead sends one segment - new data if the peer's window takes it, else the last segment
 * again - and the ACK it draws tells the sender what happened:
 *
 *   - the probe was the one segment lost, and its ACK covers everything: the loss is repaired,
 *     and congestion control reacts as to any loss (7.4.2);
 *   - the peer holds the probe but not what lies below it: the ACK SACKs the probe.  The probe
 *     left a PTO or more after everything still missing, so RACK (RFC 8985 6.2) would now mark
 *     all of that lost: TF_LOSTBELOW has the scoreboard say so (tcp_sack.c lost_top), and the
 *     duplicate ACK starts SACK recovery at once (tcp_dupack), as three duplicates would;
 *   - the peer already had it (a D-SACK, or a second ACK at the same point): nothing was lost.
 *
 * This is TLP with RACK's verdict for the probe only: STOS keeps no per-segment transmit
 * times, so RACK's time-based marking is not here; losses inside a flight are found by RFC
 * 6675's duplicate-ACK rules, and a lost retransmission by the order in which segments left
 * (tcp_sack.c's retransmission log).  As
 * RFC 8985 requires, probes need SACK; at most one is out per flight (TF_TLP until its ACK),
 * none during loss recovery, after an RTO (until an ACK resets the backoff) or while the
 * persist timer probes a zero window.  While the peer has SACKed data above a hole (where
 * RACK's reordering timer would run and hold the probe back), the same timer takes the holes
 * as lost instead of probing (tlp_holes_lost), which is what RACK would have done by then.
 */
#include "tcp_var.h"
#include "netstack.h"
#include "socketvar.h"

/* RFC 8985 7.2: with one segment in flight the peer may hold its ACK for the delayed-ACK
 * timer; WCDelAckT is its worst case. */
#define TLP_WC_DELACK_NS (200 * TCP_NS_PER_MS)
/* A floor under 2 * SRTT: a round trip of microseconds on a LAN would otherwise have the
 * probe race the ACK already on its way (and the timer wheel ticks once a millisecond). */
#define TLP_MIN_NS (10 * TCP_NS_PER_MS)

/* Data bytes in flight (a FIN sent is not data: the probe never carries it alone). */
static uint32_t tlp_data_out(const struct tcpcb *tp, const struct socket *so)
{
	uint32_t flight = tp->snd_max - tp->snd_una;
	uint32_t cc = so->so_snd.sb_cc - tp->t_sbdrop_defer;
	return NET_MIN(flight, cc);
}

/* The timer may run now (RFC 8985 7.2's conditions): as the probe timeout, or with SACKed
 * data above a hole as the reordering timeout (tcp_tlp_timeout). */
static bool tlp_may(const struct tcpcb *tp)
{
	if (tcp_instance(tp->t_ns)->ti_conf.no_tlp || !(tp->t_flags & TF_SACK_PERMIT) ||
	    (tp->t_flags & (TF_FASTRECOVERY | TF_FORCEDATA)) || tp->t_rxtshift != 0 ||
	    ((tp->t_flags & TF_TLP) && tp->t_sack.n == 0) || tcp_timer_active(tp, TT_PERSIST) ||
	    tp->snd_wnd == 0)
		return false;           /* (a closed window is the persist timer's) */
	switch (tp->t_state) {
	case TCPS_ESTABLISHED:
	case TCPS_CLOSE_WAIT:
	case TCPS_FIN_WAIT_1:
	case TCPS_CLOSING:
	case TCPS_LAST_ACK:
		break;
	default:
		return false;
	}
	struct socket *so = tp_socket(tp);
	return so && tlp_data_out(tp, so) > 0;
}

/* RFC 8985 7.2: PTO = 2 * SRTT (+ WCDelAckT with one segment in flight), or 1 s before any
 * RTT sample. */
static uint64_t tlp_pto(const struct tcpcb *tp)
{
	if (tp->t_srtt == 0)
		return TCP_NS_PER_S;
	uint64_t pto = 2 * tp->t_srtt;
	if (pto < TLP_MIN_NS)
		pto = TLP_MIN_NS;
	if (tp->snd_max - tp->snd_una <= tp->t_maxseg)
		pto += TLP_WC_DELACK_NS;
	return pto;
}

/* When the timer is due: a PTO after its last restart (t_tlp_from), or at the RTO's time when
 * that is sooner - the probe then goes instead of the RTO (RFC 8985 7.2; TT_TLP runs before
 * TT_REXMT, and the probe restarts the retransmission timer). */
static uint64_t tlp_due(const struct tcpcb *tp)
{
	uint64_t due = tp->t_tlp_from + tlp_pto(tp), rto = tp->t_due[TT_REXMT];
	return rto && rto < due ? rto : due;
}

void tcp_tlp_restart(struct tcpcb *tp, uint64_t now)
{
	tp->t_tlp_from = now;
	uint64_t due = tlp_due(tp), pending = tp->t_due[TT_TLP];
	/* Pending no later than the new due: it finds the restart when it fires.  (So a bulk
	 * sender's restarts, one per ACK and per segment, are a store.) */
	if (pending && pending <= due)
		return;
	if (tlp_may(tp))
		tcp_timer_arm_due(tp, TT_TLP, due);
}

/* The peer has SACKed data above a hole and no ACK has come for a PTO: RACK (RFC 8985 6.2)
 * would have marked every hole below SACKed data lost by now - each was sent before that data
 * and, a PTO after the last ACK, more than a round trip plus its reordering window ago - and
 * its reordering timer (6.3) would have started recovery.  So the holes are lost (gaps below
 * the highest SACKed range), and SACK recovery starts; RFC 6675 alone would wait for the RTO
 * when fewer than DupThresh segments lie above a hole. */
static void tlp_holes_lost(struct tcpcb *tp)
{
	const struct tcp_sack_block *b = tcp_sack_cblocks(&tp->t_sack);
	if (!SEQ_GT(tp->snd_una, tp->snd_recover))
		return;                 /* one recovery per window (RFC 6582 3.2 step 1): the RTO */
	TCPSTAT_INC(tcp_instance(tp->t_ns), tlpholes);
	tp->t_lost_below = b[tp->t_sack.n - 1].start;
	tp->t_flags |= TF_LOSTBELOW;
	tcp_sack_recovery_start(tp);
	/* The retransmission timer restarts with the recovery's first segment (at the RTO's
	 * time this timer ran first, and the RTO is not to follow it). */
	tcp_timer_arm(tp, TT_REXMT, tcp_rexmt_timeout(tp));
}

/* RFC 8985 7.3: new data if the peer's window takes some (cwnd does not count for the
 * probe, nor does Nagle), else the last segment sent, again. */
bool tcp_tlp_timeout(struct tcpcb *tp)
{
	struct tcp_instance *ti = tcp_instance(tp->t_ns);
	struct socket *so = tp_socket(tp);
	if (!tlp_may(tp))
		return true;
	uint64_t due = tlp_due(tp);
	if (due > net_clock(tp->t_ns)) {
		tcp_timer_arm_due(tp, TT_TLP, due);     /* restarted since: not yet */
		return true;
	}
	if (tp->t_sack.n != 0) {
		tlp_holes_lost(tp);
		return true;
	}
	uint32_t flight = tp->snd_max - tp->snd_una;
	uint32_t data = tlp_data_out(tp, so);
	uint32_t cc = so->so_snd.sb_cc - tp->t_sbdrop_defer;
	uint32_t ocwnd = tp->t_cc.cwnd;
	tcp_seq max0 = tp->snd_max, seq = tp->snd_max;
	bool rxt = false, sent = false;

	tp->t_flags |= TF_TLP;      /* the probe's own send schedules no PTO (tlp_may) */
	if (cc > flight && tp->snd_nxt == tp->snd_max && tp->snd_wnd > flight) {
		unsigned nodelay = tp->t_flags & TF_NODELAY;
		tp->t_cc.cwnd = flight + tp->t_maxseg;      /* one segment, whatever cwnd says */
		tp->t_flags |= TF_NODELAY;
		tcp_output(tp);
		tp->t_cc.cwnd = ocwnd;
		tp->t_flags = (tp->t_flags & ~TF_NODELAY) | nodelay;
		sent = tp->snd_max != max0;
	}
	if (!sent) {
		/* The last segment (with the FIN, if one went after it): snd_nxt goes back to
		 * it and cwnd lets exactly that much out, as a NewReno retransmission does. */
		uint32_t len = NET_MIN(data, tp->t_maxseg);
		tcp_seq onxt = tp->snd_nxt;
		seq = tp->snd_una + data - len;
		tp->snd_nxt = seq;
		tp->t_cc.cwnd = data;
		tp->t_rtttime = 0;          /* Karn: the timed segment may be this one */
		tcp_output(tp);
		sent = SEQ_GT(tp->snd_nxt, seq);
		tp->t_cc.cwnd = ocwnd;
		if (SEQ_LT(tp->snd_nxt, onxt))
			tp->snd_nxt = onxt;
		rxt = true;
	}
	if (sent) {
		tp->t_tlp_seq = seq;
		tp->t_tlp_end = tp->snd_max;
		if (rxt)
			tp->t_flags |= TF_TLP_RXT;
		TCPSTAT_INC(ti, tlpprobes);
		if (!rxt)
			TCPSTAT_INC(ti, tlpprobesnew);
	} else {
		tp->t_flags &= ~TF_TLP;
	}
	/* RFC 8985 7.3: whether or not a probe went, the RTO (not another PTO) runs next. */
	tcp_timer_stop(tp, TT_TLP);
	tcp_timer_arm(tp, TT_REXMT, tcp_rexmt_timeout(tp));
	return true;
}

/* The first SACK block is a D-SACK (RFC 2883 4) when it lies below the ACK or inside the
 * second block. */
static bool first_is_dsack(tcp_seq ack, const struct tcp_opts *to)
{
	const struct tcp_sack_block *b = to->to_sacks;
	return SEQ_LEQ(b[0].end, ack) || (to->to_nsacks > 1 && SEQ_GEQ(b[0].start, b[1].start) &&
	    SEQ_LEQ(b[0].end, b[1].end));
}

void tcp_tlp_ack(struct tcpcb *tp, tcp_seq ack, const struct tcp_opts *to)
{
	struct tcp_instance *ti = tcp_instance(tp->t_ns);
	bool dsack = false, probe_sacked = false;

	if ((to->to_flags & TOF_SACK) && to->to_nsacks) {
		for (unsigned i = 0; i < to->to_nsacks; i++) {
			tcp_seq s = to->to_sacks[i].start, e = to->to_sacks[i].end;
			if (!SEQ_LT(s, e))
				continue;
			if (i == 0 && first_is_dsack(ack, to)) {
				dsack = SEQ_LT(s, tp->t_tlp_end) && SEQ_GT(e, tp->t_tlp_seq);
				continue;
			}
			/* A block counts only where the scoreboard takes it (tcp_sack.c): within
			 * what was sent and above SND.UNA. */
			if (SEQ_GT(e, tp->snd_max) || SEQ_LEQ(e, tp->snd_una))
				continue;
			if (SEQ_LEQ(s, tp->t_tlp_seq) && SEQ_LT(tp->t_tlp_seq, e))
				probe_sacked = true;
		}
	}
	if (SEQ_LT(ack, tp->t_tlp_end)) {
		if (probe_sacked && SEQ_LT(ack, tp->t_tlp_seq)) {
			/* RFC 8985 7.4.1 and 6.2: everything missing below the probe left at least
			 * a PTO before it, so it is lost; SACK recovery takes over (and its cwnd
			 * reduction is the episode's only one). */
			tp->t_lost_below = tp->t_tlp_seq;
			tp->t_flags = (tp->t_flags & ~(TF_TLP | TF_TLP_RXT)) | TF_LOSTBELOW;
			TCPSTAT_INC(ti, tlpsacked);
		}
		return;
	}
	/* RFC 8985 7.4.2: the ACK covers the probe. */
	if (!(tp->t_flags & TF_TLP_RXT)) {
		/* New data was delivered; it repaired nothing. */
	} else if (dsack) {
		TCPSTAT_INC(ti, tlpspurious);   /* the original had arrived too */
	} else if (SEQ_GT(ack, tp->t_tlp_end)) {
		/* Beyond the probe, with no D-SACK for it: the probe repaired the loss.  React as
		 * to any loss, but the data is already delivered: no recovery. */
		tp->t_cc.ops->signal(&tp->t_cc, CC_TLP, tp->snd_max - tp->snd_una,
		    net_clock(tp->t_ns));
		TCPSTAT_INC(ti, tlprepaired);
	} else if (ack == tp->snd_una) {
		/* A second ACK at the probe's end without a D-SACK: the original and the probe
		 * both arrived, from a peer that sends no D-SACK. */
	} else {
		/* The ACK reaches the probe's end: either the probe repaired the loss or it is a
		 * duplicate whose D-SACK (or second ACK) comes next.  Wait for that ACK. */
		return;
	}
	tp->t_flags &= ~(TF_TLP | TF_TLP_RXT);
}
