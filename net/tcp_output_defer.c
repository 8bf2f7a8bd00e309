/* ACK-clocked output at the end of a receive batch (tcp_var.h: tcp_output_defer).
 *
 * A bulk sender's input is a run of pure ACKs, often many in one receive batch (a driver's
 * interrupt or poll takes every frame waiting, netisr_run_locked processes them together).
 * Calling tcp_output for each (RFC 9293 3.10.7.4 lets the sender send once SND.UNA moves)
 * decides, builds and hands to IP one segment, or one large segment for a TSO device, per
 * ACK.  Letting the ACKs of the batch all land first and then deciding once sends the same
 * bytes in fewer, larger segments: the window, cwnd (grown by every ACK) and the send
 * buffer are the same at the end of the batch as after its last ACK, and the clock is the
 * batch's one reading (net_clock), so the segments carry the timestamps they would have.
 * FreeBSD's LRO ACK queueing for RACK (tcp_lro's compressed ACKs, handed to the stack as one
 * batch) and Linux's deferral of transmit work to the end of a softirq run (TSQ) do the
 * same for the same reason.  The same goes for the rest of an ACK's work that only its
 * final state matters for: the acknowledged bytes leave the send buffer (sbdrop), the writer
 * is woken and the retransmission timer restarts once, at the batch's end (tcp_ack_release);
 * RTT samples, congestion control and the window are still taken ACK by ACK.  Only runs of
 * pure ACKs merge: every other segment for the connection lets the pending work go first
 * (tcp_input), so data, FIN, RST, SYN, duplicate ACKs and anything the slow path handles see
 * the connection exactly as before. */
#include "tcp_var.h"
#include "netstack.h"
#include "socketvar.h"

/* The acknowledged data the batch's ACKs left in the send buffer, the writer's wakeup and the
 * retransmission timer's restart, done once for all of them (tcp_ack_advance with defer):
 * the timer restarts at the batch's clock reading, the one every ACK of the batch saw, with
 * the RTO after the last RTT sample, as the last ACK's restart would have. */
static void tcp_ack_release(struct tcpcb *tp)
{
	if (tp->t_sbdrop_defer) {
		struct socket *so = tp_socket(tp);
		if (so) {
			sbdrop(&so->so_snd, tp->t_sbdrop_defer);
			sowwakeup(so);
		}
		tp->t_sbdrop_defer = 0;
	}
	if (tp->t_rexmt_defer) {
		tp->t_rexmt_defer = false;
		if (!tcp_timer_active(tp, TT_PERSIST)) {
			tcp_timer_arm_at(tp, TT_REXMT, net_clock(tp->t_ns), tcp_rexmt_timeout(tp));
			tcp_tlp_arm(tp, net_clock(tp->t_ns));   /* RFC 8985 7.2 */
		}
	}
}

void tcp_output_unqueue(struct tcpcb *tp)
{
	if (!tp->t_outpprev)
		return;
	struct tcp_instance *ti = tcp_instance(tp->t_ns);
	*tp->t_outpprev = tp->t_outnext;
	if (tp->t_outnext)
		tp->t_outnext->t_outpprev = tp->t_outpprev;
	else
		ti->ti_out_tailp = tp->t_outpprev;
	tp->t_outnext = NULL;
	tp->t_outpprev = NULL;
	tp->t_outwant = false;
	tcp_ack_release(tp);
}

bool tcp_output_queue(struct tcpcb *tp)
{
	struct netstack *ns = tp->t_ns;
	if (!ns->ns_inbatch || ns->ns_batch_done.fn != tcp_output_batch)
		return false;
	if (tp->t_outpprev)
		return true;                    /* queued by an earlier ACK of the batch */
	struct tcp_instance *ti = tcp_instance(ns);
	tp->t_outnext = NULL;
	tp->t_outpprev = ti->ti_out_tailp;
	*ti->ti_out_tailp = tp;
	ti->ti_out_tailp = &tp->t_outnext;
	return true;
}

void tcp_output_defer(struct tcpcb *tp)
{
	if (!tcp_output_queue(tp)) {
		tcp_output(tp);
		return;
	}
	TCPSTAT_INC(tcp_instance(tp->t_ns), snddeferred);
	tp->t_outwant = true;
}

void tcp_output_flush_queued(struct tcpcb *tp)
{
	bool want = tp->t_outwant;
	tcp_output_unqueue(tp);
	if (want)
		tcp_output(tp);
}

void tcp_output_batch(struct netstack *ns, void *arg)
{
	(void)arg;
	struct tcp_instance *ti = tcp_instance(ns);
	struct tcpcb *tp;
	while (ti && (tp = ti->ti_out_head) != NULL)
		tcp_output_flush_queued(tp);
}
