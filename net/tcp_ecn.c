/* Explicit Congestion Notification for TCP (RFC 3168 6.1).
 *
 * A router with an active queue marks a packet Congestion Experienced (CE, in the IP header's
 * ECN field) instead of dropping it, if the packet says its transport can take the hint
 * (ECT).  The receiving TCP echoes the mark to the sender with the ECE flag, in every ACK
 * until the sender confirms with CWR; the sender answers an ECE as it would a lost segment
 * (RFC 5681 / RFC 9438: cwnd and ssthresh cut, at most once a window) but retransmits
 * nothing.
 *
 * Negotiation (6.1.1): the active side sends an ECN-setup SYN (ECE and CWR); a listener that
 * accepts answers with an ECN-setup SYN-ACK (ECE alone).  tcp_conf.ecn chooses: 0 never, 1
 * ask and accept, 2 (the default, as Linux and FreeBSD) accept only.  A retransmitted SYN
 * goes without ECE and CWR, in case a middlebox drops ECN-setup SYNs (6.1.1.1), and ECN is
 * then off for the connection.  A SYN cookie carries no ECN (the SYN-ACK says nothing).
 *
 * Marking (6.1.2, 6.1.4-6.1.6): only new data goes out ECT(0): never a SYN, a pure ACK, a
 * retransmission or a window probe, whose loss would not tell the sender what a mark does.
 * The segment that carries CWR goes without segmentation offload, so that CWR is on exactly
 * one wire segment.
 *
 * Where it is wired in: tcp_input_open.c (the handshake), tcp_input.c (tcp_ecn_input for
 * every acceptable segment, tcp_ecn_echo in step_ack), tcp_output.c (tcp_ecn_syn_flags,
 * tcp_ecn_output).  The fast paths (header prediction, tcp_output_fast, tcp_output_pure)
 * step aside for any segment with ECE, CWR or CE and while ECE or CWR is to be sent.
 */
#include "tcp_var.h"
#include "tcp_input_var.h"
#include "ip.h"

/* Both sides asked: ECN is on (counted), and the first ECE may be answered. */
static void tcp_ecn_on(struct tcpcb *tp)
{
	tp->t_flags |= TF_ECN_PERMIT;
	tp->t_ecn_recover = tp->iss;
	TCPSTAT_INC(tcp_instance(tp->t_ns), ecn_shs);
}

void tcp_ecn_syn_in(struct tcpcb *tp, const struct tcp_seg *s)
{
	/* 6.1.1: an ECN-setup SYN has both ECE and CWR. */
	if (tcp_instance(tp->t_ns)->ti_conf.ecn != TCP_ECN_OFF &&
	    (s->flags & (TH_ECE | TH_CWR)) == (TH_ECE | TH_CWR))
		tcp_ecn_on(tp);
}

void tcp_ecn_synack_in(struct tcpcb *tp, struct tcp_seg *s)
{
	/* 6.1.1: an ECN-setup SYN-ACK has ECE without CWR, in answer to an ECN-setup SYN. */
	if ((tp->t_flags & TF_ECN_SYN) && (s->flags & (TH_ECE | TH_CWR)) == TH_ECE)
		tcp_ecn_on(tp);
	tp->t_flags &= ~TF_ECN_SYN;
	s->flags &= ~(TH_ECE | TH_CWR);
}

void tcp_ecn_input(struct tcpcb *tp, const struct tcp_seg *s)
{
	/* 6.1.3: CWR says the sender has reduced its window: stop echoing.  A CE mark on the
	 * same packet is new congestion, so it is looked at after. */
	if (s->flags & TH_CWR)
		tp->t_flags &= ~TF_ECN_SND_ECE;
	if (s->ecn == IPTOS_ECN_CE) {
		TCPSTAT_INC(tcp_instance(tp->t_ns), ecn_ce);
		if (!(tp->t_flags & TF_ECN_SND_ECE))
			tp->t_flags |= TF_ECN_SND_ECE | TF_ACKNOW;  /* tell the sender now */
	}
}

void tcp_ecn_echo(struct tcpcb *tp, tcp_seq ack)
{
	/* 6.1.2: react once a window.  An ECE acknowledging only data sent before the last
	 * reduction (ECN's or a loss recovery's) reports congestion already answered. */
	if ((tp->t_flags & TF_FASTRECOVERY) || !SEQ_GT(ack, tp->t_ecn_recover) ||
	    !SEQ_GT(ack, tp->snd_recover))
		return;
	tp->t_cc.ops->signal(&tp->t_cc, CC_ECN, tp->snd_max - tp->snd_una,
	    net_clock(tp->t_ns));
	tp->t_ecn_recover = tp->snd_max;
	tp->t_flags |= TF_ECN_SND_CWR;
	TCPSTAT_INC(tcp_instance(tp->t_ns), ecn_rcwnd);
}

unsigned tcp_ecn_syn_flags(struct tcpcb *tp)
{
	if (tp->t_state == TCPS_SYN_RECEIVED)
		return (tp->t_flags & TF_ECN_PERMIT) ? TH_ECE : 0;
	/* SYN-SENT: the first SYN asks when configured to; a retransmission does not
	 * (6.1.1.1), and the connection then goes without. */
	if (tp->t_rxtshift == 0 && tcp_instance(tp->t_ns)->ti_conf.ecn == TCP_ECN_ON) {
		tp->t_flags |= TF_ECN_SYN;
		return TH_ECE | TH_CWR;
	}
	tp->t_flags &= ~TF_ECN_SYN;
	return 0;
}

unsigned tcp_ecn_output(struct tcpcb *tp, unsigned flags, uint32_t len, bool rexmt,
    uint8_t *ecn)
{
	if ((tp->t_flags & TF_ECN_SND_ECE) && (flags & (TH_ACK | TH_RST)) == TH_ACK)
		flags |= TH_ECE;
	if (len && !rexmt && !(flags & TH_SYN) && !(tp->t_flags & TF_FORCEDATA)) {
		*ecn = IPTOS_ECN_ECT0;
		if (tp->t_flags & TF_ECN_SND_CWR)
			flags |= TH_CWR;    /* cleared once sent (tcp_output_send) */
	}
	return flags;
}
