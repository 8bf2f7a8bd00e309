/* TCP input, the front end every segment passes: tcp_input validates it (length, data
 * offset, checksum, addresses, options), finds its connection and hands it to the state's
 * handler; an ESTABLISHED connection first tries header prediction (tcp_fast_path), and
 * everything it declines goes through RFC 9293 3.10.7's steps in tcp_input.c.
 *
 * Ownership: tcp_input consumes m on every path.  After validation the segment travels as a
 * struct tcp_seg whose m holds only the payload.
 */
#include "tcp_var.h"
#include "tcp_input_var.h"
#include "tcp_md5.h"
#include "netstack.h"
#include "socketvar.h"
#include "in_cksum.h"
#include "ip.h"
#include <stos/errno.h>

/* ---------------------------------------------------------------------------------------
 * Header prediction (Van Jacobson's; TCP/IP Illustrated Vol. 2, 28.4).  In a bulk transfer
 * nearly every segment an ESTABLISHED connection receives is one of two kinds: a pure ACK
 * for new data (the sender's side) or the next in-order data segment acknowledging nothing
 * new (the receiver's side).  For those, most of RFC 9293 3.10.7.4's steps are known to pass:
 * no RST, SYN, FIN or URG; the segment starts at RCV.NXT and fits the buffer, so it is
 * acceptable and needs no trimming; PAWS passes; it is no duplicate ACK.  The fast path
 * checks exactly that and then runs the same helpers as the slow path (tcp_ts_recent_update,
 * tcp_ack_advance, tcp_ack_window, tcp_data_inorder), so what it does is what the slow path
 * would have done; anything else (out of order, a hole being filled, SACK blocks, loss
 * recovery, a retransmission in progress, a PAWS failure, an ACK of nothing new without data)
 * takes the slow path.  Unlike Van Jacobson's, a window change is taken here: tcp_ack_window
 * is the slow path's own window step, and the window only matters to the slow path's
 * duplicate-ACK test, which neither case below can meet (an ACK of new data, or an ACK
 * riding on data).  A receiver whose application reads between segments advertises a new
 * window in nearly every ACK, so the sender's ACKs would otherwise all miss.
 * Returns true when it handled (consumed) the segment. */
static bool tcp_fast_path(struct tcp_instance *ti, struct tcpcb *tp, struct tcp_seg *s)
{
	struct socket *so = tp_socket(tp);
	tcp_seq ack = s->th.th_ack;

	if ((s->flags & (TH_SYN | TH_FIN | TH_RST | TH_URG | TH_ACK | TH_ECE | TH_CWR)) != TH_ACK ||
	    s->ecn == IPTOS_ECN_CE || s->seq != tp->rcv_nxt || so == NULL ||
	    tp->snd_nxt != tp->snd_max ||
	    (tp->t_flags & (TF_FASTRECOVERY | TF_NEEDFIN | TF_DEFERRED | TF_SIGNATURE)) ||
	    (s->to.to_flags & (TOF_SACK | TOF_MD5)))
		return false;           /* (TCP-MD5: tcp_input checks the signature first) */
	/* RFC 7323 5.3 R1: the slow path's PAWS test would drop a timestamp older than
	 * TS.Recent (or, after 24 days idle, forget TS.Recent): leave both to it. */
	if ((s->to.to_flags & TOF_TS) && (tp->t_flags & TF_RCVD_TSTMP) && tp->ts_recent != 0 &&
	    TSTMP_LT(s->to.to_tsval, tp->ts_recent))
		return false;
	if (s->len == 0) {
		/* (a) A pure ACK of new data: SND.UNA < ack <= SND.MAX, no SACK scoreboard to
		 * prune. */
		if (!SEQ_GT(ack, tp->snd_una) || SEQ_GT(ack, tp->snd_max) || tp->t_sack.n)
			return false;
	} else {
		/* (b) In-order data acknowledging nothing new, nothing queued out of order, room
		 * in the buffer for all of it (so step_seq would not trim it). */
		if (ack != tp->snd_una || tp->t_segq != NULL || s->len > sbspace(&so->so_rcv))
			return false;
	}

	bool needoutput = false;
	uint64_t now = net_clock(tp->t_ns);      /* the one clock reading for this segment */

	tp->t_rcvtime = now;                       /* keepalive idle time restarts */
	tcp_ts_recent_update(tp, s, now);
	if (s->len == 0) {
		TCPSTAT_INC(ti, predack);
		/* Within a receive batch the connection is queued for the batch's end, where
		 * the acknowledged data is released and what the freed window lets go is sent,
		 * once the batch's other ACKs are in too (tcp_output_defer); an ACK of ours that
		 * is due now goes now.  ESTABLISHED: no FIN of ours to be acknowledged, so
		 * this never ends s. */
		bool batch = tcp_output_queue(tp);
		tcp_ack_advance(tp, s, now, &needoutput, batch);
		tcp_ack_window(tp, s, &needoutput);
		seg_free(s);
		if (batch && !(tp->t_flags & TF_ACKNOW)) {
			if (needoutput)
				tcp_output_defer(tp);
			return true;
		}
		if (batch)
			tcp_output_unqueue(tp);    /* released now: tcp_output runs now (ACKNOW) */
	} else {
		tcp_output_flush(tp);              /* deferred output first (tcp_output_defer) */
		TCPSTAT_INC(ti, preddat);
		tp->t_dupacks = 0;                 /* step_ack: an ACK at SND.UNA with data */
		tcp_ack_window(tp, s, &needoutput);
		tcp_data_inorder(tp, s, now);
	}
	if (needoutput || (tp->t_flags & TF_ACKNOW))
		tcp_output(tp);
	return true;
}

/* ---------------------------------------------------------------------------------------
 * Entry */

static bool tcp_input_parse(struct netstack *ns, struct tcp_instance *ti, struct mbuf **mp,
    int iphlen, struct tcp_seg *s)
{
	struct mbuf *m = *mp;
	struct ip_view iv;

	TCPSTAT_INC(ti, rcvtotal);
	uint32_t total = m->m_pkthdr.len;
	if (total < (uint32_t)iphlen + TCP_HDR_LEN) {
		TCPSTAT_INC(ti, rcvshort);
		goto drop;
	}
	/* Headers are nearly always contiguous already (a driver's frame is one mbuf or
	 * cluster): test before calling m_pullup. */
	if (m->m_len < (uint32_t)iphlen + TCP_HDR_LEN &&
	    (m = m_pullup(m, (uint32_t)iphlen + TCP_HDR_LEN)) == NULL) {
		TCPSTAT_INC(ti, rcvshort);
		return false;
	}
	uint32_t off = (mtod(m, uint8_t *)[iphlen + TCPH_OFF] >> 4) * 4u;
	if (off < TCP_HDR_LEN || off > total - (uint32_t)iphlen) {
		TCPSTAT_INC(ti, rcvbadoff);
		goto drop;
	}
	if (m->m_len < (uint32_t)iphlen + off && (m = m_pullup(m, (uint32_t)iphlen + off)) == NULL) {
		TCPSTAT_INC(ti, rcvshort);
		return false;
	}
	ip_view(&iv, mtod(m, uint8_t *), (size_t)iphlen);
	s->src = ipv_src(iv);
	s->dst = ipv_dst(iv);
	s->ecn = ipv_tos(iv) & IPTOS_ECN_MASK;
	uint32_t tlen = total - (uint32_t)iphlen;
	if (!(m->m_pkthdr.csum_flags & CSUM_DATA_VALID)) {
		uint32_t sum = in_pseudo(s->src, s->dst, IPPROTO_TCP, (uint16_t)tlen);
		/* A segment in one mbuf (a driver's frame) is summed in place, without
		 * in_cksum_mbuf's walk to the offset. */
		if (m->m_len == total ? (uint16_t)~in_cksum_add(sum, mtod(m, uint8_t *) + iphlen,
		    tlen) != 0 : in_cksum_mbuf(m, (uint32_t)iphlen, tlen, sum) != 0) {
			TCPSTAT_INC(ti, rcvbadsum);
			goto drop;
		}
	}
	/* RFC 1122 4.2.3.10: no segments to or from broadcast or multicast addresses (tested
	 * here unless IP input already found both addresses ordinary: M_INADDROK). */
	if (!(m->m_flags & M_INADDROK) &&
	    (in_ismulticast(s->dst) || in_isbroadcast(ns, s->dst, NULL) ||
	    in_ismulticast(s->src) || in_isbroadcast(ns, s->src, NULL) || s->src == 0)) {
		TCPSTAT_INC(ti, rcvbadaddr);
		goto drop;
	}
	/* The fixed header, as tcp_hdr_parse reads it (its length checks were made above). */
	const uint8_t *th = mtod(m, uint8_t *) + iphlen;
	s->th.th_off = (uint8_t)off;
	s->th.th_sport = be16_get(th + TCPH_SPORT);
	s->th.th_dport = be16_get(th + TCPH_DPORT);
	s->th.th_seq = be32_get(th + TCPH_SEQ);
	s->th.th_ack = be32_get(th + TCPH_ACK);
	s->th.th_flags = th[TCPH_FLAGS];
	s->th.th_win = be16_get(th + TCPH_WIN);
	s->th.th_urp = be16_get(th + TCPH_URP);
	memset(&s->to, 0, sizeof s->to);
	if (off == TCP_HDR_LEN + 12 && be32_get(th + TCP_HDR_LEN) ==
	    (TCPOPT_NOP << 24 | TCPOPT_NOP << 16 | TCPOPT_TIMESTAMP << 8 | TCPOLEN_TIMESTAMP)) {
		/* RFC 7323 Appendix A's layout, what every data segment and ACK of a connection
		 * with timestamps carries: what tcp_opts_parse would make of it, without the
		 * walk. */
		s->to.to_flags = TOF_TS;
		s->to.to_tsval = be32_get(th + TCP_HDR_LEN + 4);
		s->to.to_tsecr = be32_get(th + TCP_HDR_LEN + 8);
	} else {
		tcp_opts_parse(th + TCP_HDR_LEN, off - TCP_HDR_LEN, (s->th.th_flags & TH_SYN) != 0,
		    &s->to);
		if (s->to.to_bad)
			TCPSTAT_INC(ti, rcvbadopt);
		if (s->to.to_flags & TOF_MD5) {
			/* What tcp_md5_input needs once the connection is found. */
			memcpy(s->md5_th, th, TCP_HDR_LEN);
			memcpy(s->md5_sig, th + TCP_HDR_LEN + s->to.to_md5off, sizeof s->md5_sig);
		}
	}
	s->flags = s->th.th_flags;
	s->seq = s->th.th_seq;
	s->len = tlen - off;
	m_adj_hdr(m, (uint32_t)iphlen + off);
	s->m = m;
	*mp = NULL;
	return true;
drop:
	m_freem(m);
	*mp = NULL;
	return false;
}

void tcp_input(struct netstack *ns, struct mbuf *m, int iphlen)
{
	struct tcp_instance *ti = tcp_instance(ns);
	struct tcp_seg s;

	if (!ti) {
		m_freem(m);
		return;
	}
	if (!tcp_input_parse(ns, ti, &m, iphlen, &s))
		return;
	struct inpcb *inp = in_pcblookup(&ti->ti_pcbinfo, s.src, s.th.th_sport, s.dst,
	    s.th.th_dport, INPLOOKUP_WILDCARD);
	struct tcpcb *tp = inp ? intotcpcb(inp) : NULL;
	/* Header prediction first: nearly every segment is for an ESTABLISHED connection, and
	 * the fast path declines (without side effects) everything the checks below could
	 * refuse (a SYN, a connection without its socket), so they run for what it declines. */
	bool predicted = tp && tp->t_state == TCPS_ESTABLISHED && !ti->ti_conf.no_hdrpred;
	if (predicted && tcp_fast_path(ti, tp, &s))
		return;
	/* RFC 2385: a signature is checked before anything else acts on the segment (header
	 * prediction, above, declines every signed segment and every connection with keys). */
	if (((s.to.to_flags & TOF_MD5) || (tp && (tp->t_flags & TF_SIGNATURE))) &&
	    !tcp_md5_input(ti, tp, &s)) {
		seg_free(&s);
		return;
	}
	if (!tp || tp->t_state == TCPS_CLOSED) {
		TCPSTAT_INC(ti, noport);
		tcp_reset_reply(ns, &s, tp);      /* a bound socket lends its TTL/TOS */
		seg_free(&s);
		return;
	}
	if ((s.flags & (TH_SYN | TH_FIN)) == (TH_SYN | TH_FIN) && ti->ti_conf.drop_synfin &&
	    tp->t_state != TCPS_TIME_WAIT) {
		/* The drop_synfin knob: SYN+FIN is never legitimate, only a scanner's probe. */
		TCPSTAT_INC(ti, synfindrop);
		seg_free(&s);
		return;
	}
	switch (tp->t_state) {
	case TCPS_LISTEN:
		tcp_input_listen(tp, &s);
		return;
	case TCPS_SYN_SENT:
		tcp_input_synsent(tp, &s);
		return;
	case TCPS_TIME_WAIT:
		tcp_input_timewait(tp, &s, ns);
		return;
	default:
		if (!tp_socket(tp) && s.len) {
			/* Data for a connection whose user is gone (RFC 9293 3.10.7.4: nobody will
			 * read it): reset it, as BSD and Linux do. */
			TCPSTAT_INC(ti, rcvafterclose);
			seg_free(&s);
			tcp_drop(tp, ECONNRESET);
			return;
		}
		if (predicted)
			TCPSTAT_INC(ti, predmiss);
		tcp_output_flush(tp);       /* deferred output first (tcp_output_defer) */
		tcp_input_sync(tp, &s);
		return;
	}
}
