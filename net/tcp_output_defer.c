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
 * same for the same reason.  Only runs of pure ACKs merge: every other segment for the
 * connection lets the pending output go first (tcp_input), so data, FIN, RST, SYN,
 * duplicate ACKs and anything the slow path handles see the connection exactly as before. */
#include "tcp_var.h"
#include "netstack.h"

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
}

void tcp_output_defer(struct tcpcb *tp)
{
	struct netstack *ns = tp->t_ns;
	if (!ns->ns_inbatch || ns->ns_batch_done.fn != tcp_output_batch) {
		tcp_output(tp);
		return;
	}
	struct tcp_instance *ti = tcp_instance(ns);
	TCPSTAT_INC(ti, snddeferred);
	if (tp->t_outpprev)
		return;                         /* queued by an earlier ACK of the batch */
	tp->t_outnext = NULL;
	tp->t_outpprev = ti->ti_out_tailp;
	*ti->ti_out_tailp = tp;
	ti->ti_out_tailp = &tp->t_outnext;
}

void tcp_output_flush(struct tcpcb *tp)
{
	if (tp->t_outpprev) {
		tcp_output_unqueue(tp);
		tcp_output(tp);
	}
}

void tcp_output_batch(struct netstack *ns, void *arg)
{
	(void)arg;
	struct tcp_instance *ti = tcp_instance(ns);
	struct tcpcb *tp;
	while (ti && (tp = ti->ti_out_head) != NULL) {
		tcp_output_unqueue(tp);
		tcp_output(tp);
	}
}
