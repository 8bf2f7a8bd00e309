/* The out-of-order queue (RFC 9293 3.10.7.4 "seventh, process the segment text").
 *
 * Segments that arrive beyond RCV.NXT wait here, sorted by sequence number and trimmed so
 * that no two overlap; a segment that ends where an entry begins, or begins where one ends,
 * joins it, so an entry is a run of contiguous data (its payloads chained) and a loss costs
 * one entry however much arrives after it.  When RCV.NXT reaches the head, the contiguous run
 * is appended to the receive buffer.  Memory and work are bounded (no SegmentSmack): at most
 * reass_maxseg runs per connection, never more bytes than the receive buffer could take and
 * never more storage than it may hold (sb_mbmax: a run of tiny segments is a chain of as many
 * mbufs, so the bytes alone would not bound it);
 * a segment beyond RCV.NXT that does not fit is dropped (the sender retransmits it).  The
 * segment at RCV.NXT is never refused: it leaves the queue at once with the run it completes,
 * and refusing it when the queue is full would refuse the only segment that can empty it, so
 * the connection would stall until the sender gave up.  Each arrival walks the list once.
 */
#include "tcp_var.h"
#include "netstack.h"
#include "socketvar.h"

void tcp_reass_flush(struct tcpcb *tp)
{
	struct tseg_qent *q = tp->t_segq;
	while (q) {
		struct tseg_qent *n = q->tq_next;
		m_freem(q->tq_m);
		port_free(q);
		q = n;
	}
	tp->t_segq = NULL;
	tp->t_segqlen = 0;
	tp->t_segqbytes = 0;
	tp->t_segqmbcnt = 0;
}

/* Appends the contiguous head of the queue to the receive buffer; returns TH_FIN when the
 * FIN became in order. */
static unsigned tcp_reass_deliver(struct tcpcb *tp)
{
	struct socket *so = tp_socket(tp);
	struct tcp_instance *ti = tcp_instance(tp->t_ns);
	unsigned fin = 0;

	while (tp->t_segq && SEQ_LEQ(tp->t_segq->tq_seq, tp->rcv_nxt)) {
		struct tseg_qent *q = tp->t_segq;
		tp->t_segq = q->tq_next;
		tp->t_segqlen--;
		tp->t_segqbytes -= q->tq_len;
		tp->t_segqmbcnt -= q->tq_mbcnt;
		uint32_t dup = tp->rcv_nxt - q->tq_seq;
		if (dup >= q->tq_len && !(q->tq_fin && dup == q->tq_len)) {
			/* Entirely old (already covered by in-order data). */
			m_freem(q->tq_m);
			port_free(q);
			continue;
		}
		if (dup)
			m_adj(q->tq_m, (int)dup);
		uint32_t len = q->tq_len - dup;
		tp->rcv_nxt += len;
		TCPSTAT_INC(ti, rcvpack);
		TCPSTAT_ADD(ti, rcvbyte, len);
		if (so && !(so->so_state & SS_CANTRCVMORE) && len)
			sbappendstream(&so->so_rcv, q->tq_m);
		else
			m_freem(q->tq_m);
		if (q->tq_fin)
			fin = TH_FIN;
		port_free(q);
		if (fin)
			break;
	}
	tcp_sack_rcv_trim(tp);
	if (so)
		sorwakeup(so);
	return fin;
}

/* The last mbuf of a chain (a segment's payload: a few mbufs at most), or NULL. */
static struct mbuf *chain_tail(struct mbuf *m)
{
	while (m && m->m_next)
		m = m->m_next;
	return m;
}

/* The storage of a chain (m_storage of each mbuf). */
static uint32_t chain_storage(const struct mbuf *m)
{
	uint32_t n = 0;
	for (; m; m = m->m_next)
		n += m_storage(m);
	return n;
}

/* A run's first mbuf, when it has a packet header, counts the run's bytes. */
static void run_pkthdr(struct tseg_qent *q)
{
	if (q->tq_m && (q->tq_m->m_flags & M_PKTHDR))
		q->tq_m->m_pkthdr.len = q->tq_len;
}

/* Chains m .. mtail (len bytes; m NULL for none, as a FIN alone has) to the end of run q, and
 * the FIN after them if fin.  A splice at the kept tail, not m_cat: m_cat walks to the end of
 * the chain it extends and through the one it appends (folding small pieces), which for runs
 * joined again and again would be work growing with the data queued. */
static void run_append(struct tseg_qent *q, struct mbuf *m, struct mbuf *mtail, uint32_t len,
    uint32_t mbcnt, bool fin)
{
	q->tq_mbcnt += mbcnt;
	if (m) {
		if (q->tq_mtail)
			q->tq_mtail->m_next = m;
		else
			q->tq_m = m;
		q->tq_mtail = mtail;
	}
	q->tq_len += len;
	q->tq_fin = fin;
	run_pkthdr(q);
}

unsigned tcp_reass(struct tcpcb *tp, tcp_seq seq, uint32_t len, bool fin, struct mbuf *m,
    bool *held)
{
	struct tcp_instance *ti = tcp_instance(tp->t_ns);
	struct socket *so = tp_socket(tp);
	bool dummy;

	if (!held)
		held = &dummy;
	*held = false;
	if (!m && !fin)
		return tp->t_segq ? tcp_reass_deliver(tp) : 0;
	uint32_t mbcnt = chain_storage(m);
	if (SEQ_GT(seq, tp->rcv_nxt) && so && (tp->t_segqbytes + len > so->so_rcv.sb_hiwat ||
	    tp->t_segqmbcnt + mbcnt > so->so_rcv.sb_mbmax)) {
		TCPSTAT_INC(ti, rcvreassfull);
		m_freem(m);
		return 0;
	}
	/* Find the first entry that ends after seq (pred: the one before it); trim the new
	 * segment against it and drop or trim the entries it covers. */
	struct tseg_qent **pp = &tp->t_segq, *pred = NULL;
	while (*pp && SEQ_LEQ((*pp)->tq_seq + (*pp)->tq_len, seq) && !((*pp)->tq_fin &&
	    (*pp)->tq_seq + (*pp)->tq_len == seq)) {
		pred = *pp;
		pp = &(*pp)->tq_next;
	}
	if (*pp && SEQ_LEQ((*pp)->tq_seq, seq)) {
		/* The entry starts at or before us: we overlap its tail or lie inside it. */
		struct tseg_qent *q = *pp;
		uint32_t covered = q->tq_seq + q->tq_len - seq;
		if (covered >= len && (!fin || q->tq_fin)) {
			TCPSTAT_INC(ti, rcvduppack);
			TCPSTAT_ADD(ti, rcvdupbyte, len);
			m_freem(m);
			*held = true;           /* (a copy of it is) */
			return 0;
		}
		if (covered > len)
			covered = len;
		m_adj(m, (int)covered);
		seq += covered;
		len -= covered;
		pred = q;
		pp = &q->tq_next;
	}
	/* Whether the segment joins a run: pred ends where it begins, or the next entry begins
	 * at or before its end (the entry is trimmed to begin there, or is covered and goes).
	 * Only a segment that joins none takes an entry of its own, so only such a one is
	 * refused when the queue holds reass_maxseg runs - before anything is changed. */
	bool join_pred = pred && !pred->tq_fin && pred->tq_seq + pred->tq_len == seq;
	if (SEQ_GT(seq, tp->rcv_nxt) && !join_pred && tp->t_segqlen >= ti->ti_conf.reass_maxseg &&
	    !(*pp && SEQ_LEQ((*pp)->tq_seq, seq + len))) {
		TCPSTAT_INC(ti, rcvreassfull);
		m_freem(m);
		return 0;
	}
	/* Entries entirely covered by the new segment go; one partly covered is trimmed.  The
	 * first entry to go is kept for the segment (spare): once data it covers is gone, the
	 * segment must not be lost for want of an entry. */
	struct tseg_qent *spare = NULL;
	while (*pp && SEQ_LT((*pp)->tq_seq, seq + len)) {
		struct tseg_qent *q = *pp;
		uint32_t over = seq + len - q->tq_seq;
		if (over >= q->tq_len && !(q->tq_fin && !fin)) {
			*pp = q->tq_next;
			tp->t_segqlen--;
			tp->t_segqbytes -= q->tq_len;
			tp->t_segqmbcnt -= q->tq_mbcnt;
			m_freem(q->tq_m);
			if (spare)
				port_free(q);
			else
				spare = q;
			continue;
		}
		if (over > q->tq_len)
			over = q->tq_len;
		m_adj(q->tq_m, (int)over);
		q->tq_seq += over;
		q->tq_len -= over;
		tp->t_segqbytes -= over;
		break;
	}
	struct tseg_qent *next = *pp;
	bool join_next = next && !fin && next->tq_seq == seq + len;
	if (join_pred) {
		run_append(pred, m, chain_tail(m), len, mbcnt, fin);
		if (join_next) {
			/* The segment filled the gap between two runs: they become one. */
			run_append(pred, next->tq_m, next->tq_mtail, next->tq_len, next->tq_mbcnt,
			    next->tq_fin);
			pred->tq_next = next->tq_next;
			port_free(next);
			tp->t_segqlen--;
			TCPSTAT_INC(ti, rcvreassjoin);
		}
	} else if (join_next) {
		struct mbuf *t = chain_tail(m);
		if (t) {
			t->m_next = next->tq_m;
			if (!next->tq_mtail)
				next->tq_mtail = t;
			next->tq_m = m;
		}
		next->tq_seq = seq;
		next->tq_len += len;
		next->tq_mbcnt += mbcnt;
		run_pkthdr(next);
	} else {
		struct tseg_qent *n = spare ? spare : port_alloc(sizeof *n);
		spare = NULL;
		if (!n) {
			TCPSTAT_INC(ti, rcvreassfull);
			m_freem(m);
			return 0;
		}
		n->tq_seq = seq;
		n->tq_len = len;
		n->tq_fin = fin;
		n->tq_m = m;
		n->tq_mtail = chain_tail(m);
		n->tq_mbcnt = mbcnt;
		n->tq_next = next;
		*pp = n;
		tp->t_segqlen++;
	}
	port_free(spare);
	*held = true;
	tp->t_segqbytes += len;
	tp->t_segqmbcnt += mbcnt;
	TCPSTAT_INC(ti, rcvoopack);
	TCPSTAT_ADD(ti, rcvoobyte, len);
	/* In SYN-RECEIVED, data that came with the SYN waits for the handshake to finish
	 * (RFC 9293 3.10.7.3: queue it for processing once ESTABLISHED). */
	if (SEQ_LEQ(seq, tp->rcv_nxt) && tp->t_state != TCPS_SYN_RECEIVED)
		return tcp_reass_deliver(tp);
	return 0;
}
