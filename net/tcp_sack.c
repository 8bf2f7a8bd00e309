/* Selective acknowledgments (RFC 2018, RFC 2883, RFC 6675).
 *
 * Receiver side: the blocks we report, most recently changed first (RFC 2018 4: the first
 * block holds the segment that triggered the ACK), merged when they touch, trimmed as RCV.NXT
 * advances; plus a one-shot D-SACK block (RFC 2883 4) for duplicate data.
 * Sender side: the scoreboard of ranges the peer holds above SND.UNA, which loss recovery
 * walks to find holes to retransmit (RFC 6675 NextSeg).
 */
#include "tcp_var.h"
#include "netstack.h"

static bool blocks_touch(tcp_seq s1, tcp_seq e1, tcp_seq s2, tcp_seq e2)
{
	return SEQ_LEQ(s1, e2) && SEQ_LEQ(s2, e1);
}

void tcp_sack_rcv_update(struct tcpcb *tp, tcp_seq start, tcp_seq end)
{
	struct tcp_sack_block nb = { start, end };
	struct tcp_sack_block keep[TCP_MAX_SACK];
	unsigned nk = 0;

	/* Absorb every block the new one touches; keep the others in their order. */
	for (unsigned i = 0; i < tp->rcv_numsacks; i++) {
		struct tcp_sack_block b = tp->rcv_sacks[i];
		if (blocks_touch(nb.start, nb.end, b.start, b.end)) {
			nb.start = SEQ_MIN(nb.start, b.start);
			nb.end = SEQ_MAX(nb.end, b.end);
		} else if (nk < TCP_MAX_SACK - 1) {
			keep[nk++] = b;
		}
	}
	tp->rcv_sacks[0] = nb;
	for (unsigned i = 0; i < nk; i++)
		tp->rcv_sacks[i + 1] = keep[i];
	tp->rcv_numsacks = (uint8_t)(nk + 1);
}

void tcp_sack_rcv_trim(struct tcpcb *tp)
{
	unsigned n = 0;
	for (unsigned i = 0; i < tp->rcv_numsacks; i++) {
		struct tcp_sack_block b = tp->rcv_sacks[i];
		if (SEQ_LEQ(b.end, tp->rcv_nxt))
			continue;
		if (SEQ_LT(b.start, tp->rcv_nxt))
			b.start = tp->rcv_nxt;
		tp->rcv_sacks[n++] = b;
	}
	tp->rcv_numsacks = (uint8_t)n;
}

void tcp_sack_note_dsack(struct tcpcb *tp, tcp_seq seq, uint32_t len)
{
	tcp_seq end = seq + len;

	if (!(tp->t_flags & TF_SACK_PERMIT) || len == 0)
		return;
	if (SEQ_LT(seq, tp->rcv_nxt)) {
		tp->rcv_dsack.start = seq;
		tp->rcv_dsack.end = SEQ_MIN(end, tp->rcv_nxt);
		tp->rcv_have_dsack = true;
		return;
	}
	for (struct tseg_qent *q = tp->t_segq; q; q = q->tq_next) {
		tcp_seq qs = q->tq_seq, qe = q->tq_seq + q->tq_len;
		if (SEQ_LT(seq, qe) && SEQ_LT(qs, end)) {
			tp->rcv_dsack.start = SEQ_MAX(seq, qs);
			tp->rcv_dsack.end = SEQ_MIN(end, qe);
			tp->rcv_have_dsack = true;
			return;
		}
	}
}

/* ---- sender ---- */

/* Gives back the large array, if taken, once the scoreboard is empty (not as soon as the
 * ranges would fit in the tcpcb's: a count going up and down past 8 would take and give back
 * the array on every ACK). */
static void scoreboard_shrink(struct sack_scoreboard *sb)
{
	if (!sb->ext || sb->n)
		return;
	port_free(sb->ext);
	sb->ext = NULL;
}

void tcp_sack_scoreboard_clear(struct tcpcb *tp)
{
	tp->t_sack.n = 0;
	scoreboard_shrink(&tp->t_sack);
	tcp_rxlog_clear(tp);
}

/* ---- lost retransmissions ----
 *
 * RFC 6675 resends a hole once per recovery: a retransmission lost again waits for the RTO,
 * and the RTO sends everything unacknowledged again.  RACK (RFC 8985 6.2) finds such a loss
 * from the transmit times: a segment is lost when one sent after it was delivered (and its
 * reordering window has passed).  STOS keeps no transmit times, but a recovery knows which
 * data left after each retransmission: new data, above what had been sent when it went
 * (`after`), and the log keeps the retransmissions in the order they left.  So with RFC
 * 6675's own reordering allowance - more than DupThresh - 1 segments' bytes SACKed above
 * `after` - a retransmission is lost as IsLost would call an original lost, and it goes
 * again (NextSeg's first choice, tcp_output_decide).  `after` only grows along the log, so
 * the lost retransmissions are its oldest ones: only the head is ever looked at. */
void tcp_rxlog_clear(struct tcpcb *tp)
{
	port_free(tp->t_rxlog);
	tp->t_rxlog = NULL;
}

static void rxlog_push(struct tcp_rxlog *l, tcp_seq s, tcp_seq e, tcp_seq after)
{
	if (l->n == TCP_RXLOG_MAX) {
		l->head = (l->head + 1) % TCP_RXLOG_MAX;     /* the oldest is forgotten */
		l->n--;
	}
	unsigned i = (l->head + l->n++) % TCP_RXLOG_MAX;
	l->e[i].start = s;
	l->e[i].end = e;
	l->e[i].after = after;
}

void tcp_rxlog_note(struct tcpcb *tp, tcp_seq s, tcp_seq e)
{
	if (!tp->t_rxlog) {
		tp->t_rxlog = port_alloc(sizeof *tp->t_rxlog);
		if (!tp->t_rxlog)
			return;         /* no detection for this recovery: the RTO remains */
		tp->t_rxlog->head = tp->t_rxlog->n = 0;
	}
	rxlog_push(tp->t_rxlog, s, e, tp->snd_max);
}

void tcp_rxlog_resent(struct tcpcb *tp, tcp_seq s, tcp_seq e)
{
	struct tcp_rxlog *l = tp->t_rxlog;
	if (!l || !l->n)
		return;
	/* What lay below e in the head entry is SACKed, acknowledged or now resent. */
	l->e[l->head].start = e;
	if (!SEQ_LT(e, l->e[l->head].end)) {
		l->head = (l->head + 1) % TCP_RXLOG_MAX;
		l->n--;
	}
	rxlog_push(l, s, e, tp->snd_max);
}

bool tcp_rxlog_lost(struct tcpcb *tp, tcp_seq *seq, uint32_t *len)
{
	struct tcp_rxlog *l = tp->t_rxlog;
	uint32_t lostbytes = (TCP_DUPTHRESH - 1) * tp->t_maxseg;
	while (l && l->n) {
		tcp_seq s = SEQ_MAX(l->e[l->head].start, tp->snd_una), e = l->e[l->head].end;
		tcp_seq hs;
		uint32_t hl;
		if (SEQ_LT(s, e)) {
			if (tcp_sack_next_hole(tp, s, &hs, &hl)) {
				if (SEQ_LT(hs, e)) {
					/* Not all delivered: lost once enough data sent after it is. */
					if (tcp_sack_bytes_above(tp, l->e[l->head].after) <= lostbytes)
						return false;
					*seq = hs;
					*len = NET_MIN(hl, e - hs);
					return true;
				}
			} else if (!tp->t_sack.n ||
			    SEQ_LT(tcp_sack_cblocks(&tp->t_sack)[tp->t_sack.n - 1].end, e)) {
				return false;   /* some of it above every SACKed byte: not lost */
			}
		}
		l->head = (l->head + 1) % TCP_RXLOG_MAX;     /* delivered: forgotten */
		l->n--;
	}
	return false;
}

/* Room for one more range: true when there is (the large array taken if need be). */
static bool scoreboard_room(struct tcpcb *tp)
{
	struct sack_scoreboard *sb = &tp->t_sack;
	if (sb->n < (sb->ext ? TCP_SACK_MAX : TCP_SACK_HOLES))
		return true;
	if (sb->ext)
		return false;
	struct tcp_sack_block *a = port_alloc(TCP_SACK_MAX * sizeof *a);
	if (!a) {
		TCPSTAT_INC(tcp_instance(tp->t_ns), sackboardnomem);
		return false;
	}
	memcpy(a, sb->blk, sb->n * sizeof *a);
	sb->ext = a;
	TCPSTAT_INC(tcp_instance(tp->t_ns), sackboardgrow);
	return true;
}

/* Adds [s, e) to the ranges, merging every range it touches; in place, one pass.  With no
 * room left the highest range is forgotten (or the new one, when it would be the highest). */
static void scoreboard_insert(struct tcpcb *tp, tcp_seq s, tcp_seq e)
{
	struct sack_scoreboard *sb = &tp->t_sack;
	struct tcp_sack_block *b = tcp_sack_blocks(sb);
	unsigned i = 0, j;

	while (i < sb->n && SEQ_LT(b[i].end, s))
		i++;                            /* wholly below, not touching */
	for (j = i; j < sb->n && SEQ_LEQ(b[j].start, e); j++) {
		s = SEQ_MIN(s, b[j].start);     /* touching: absorbed */
		e = SEQ_MAX(e, b[j].end);
	}
	if (j > i) {
		b[i] = (struct tcp_sack_block){ s, e };
		memmove(&b[i + 1], &b[j], (sb->n - j) * sizeof *b);
		sb->n -= j - i - 1;
		return;
	}
	if (!scoreboard_room(tp)) {
		if (i == sb->n)
			return;
		sb->n--;
	}
	b = tcp_sack_blocks(sb);
	memmove(&b[i + 1], &b[i], (sb->n - i) * sizeof *b);
	b[i] = (struct tcp_sack_block){ s, e };
	sb->n++;
}

void tcp_sack_scoreboard_update(struct tcpcb *tp, const struct tcp_opts *to)
{
	struct sack_scoreboard *sb = &tp->t_sack;

	for (unsigned i = 0; i < to->to_nsacks; i++) {
		tcp_seq s = to->to_sacks[i].start, e = to->to_sacks[i].end;
		/* RFC 2018 / RFC 6675: ignore blocks that are empty, below SND.UNA (D-SACK) or
		 * beyond what we sent. */
		if (!SEQ_LT(s, e) || SEQ_LEQ(e, tp->snd_una) || SEQ_GT(e, tp->snd_max))
			continue;
		if (SEQ_LT(s, tp->snd_una))
			s = tp->snd_una;
		TCPSTAT_INC(tcp_instance(tp->t_ns), sackblocks);
		scoreboard_insert(tp, s, e);
	}
	/* Drop what SND.UNA now covers (the ranges are sorted: a prefix). */
	struct tcp_sack_block *b = tcp_sack_blocks(sb);
	unsigned k = 0;
	while (k < sb->n && SEQ_LEQ(b[k].end, tp->snd_una))
		k++;
	if (k) {
		memmove(b, &b[k], (sb->n - k) * sizeof *b);
		sb->n -= k;
	}
	if (sb->n && SEQ_LT(b[0].start, tp->snd_una))
		b[0].start = tp->snd_una;
	scoreboard_shrink(sb);
}

bool tcp_sack_is_sacked(const struct tcpcb *tp, tcp_seq seq)
{
	const struct tcp_sack_block *b = tcp_sack_cblocks(&tp->t_sack);
	for (unsigned i = 0; i < tp->t_sack.n; i++)
		if (SEQ_IN(seq, b[i].start, b[i].end))
			return true;
	return false;
}

uint32_t tcp_sack_bytes(const struct tcpcb *tp)
{
	return tcp_sack_bytes_above(tp, tp->snd_una);
}

uint32_t tcp_sack_bytes_above(const struct tcpcb *tp, tcp_seq from)
{
	const struct tcp_sack_block *b = tcp_sack_cblocks(&tp->t_sack);
	uint32_t n = 0;
	for (unsigned i = 0; i < tp->t_sack.n; i++) {
		tcp_seq s = SEQ_MAX(b[i].start, from);
		if (SEQ_LT(s, b[i].end))
			n += b[i].end - s;
	}
	return n;
}

static uint32_t seq_span(tcp_seq s, tcp_seq e)
{
	return SEQ_GT(e, s) ? e - s : 0;
}

/* The scoreboard's gaps: gap i (0..n) is the un-SACKed range below range i, or above the
 * last range up to snd_max for i == n.  A byte of gap i has ranges i..n-1 above it, the same
 * for every byte of the gap, so RFC 6675's IsLost() is one answer per gap: lost when
 * DupThresh SACKed ranges lie above it, or more than (DupThresh - 1) * SMSS SACKed bytes
 * (the top gap has nothing above it and is never lost).  Going down, the ranges and bytes
 * above only grow, so the lost gaps are 0..L for one L: lost_top gives L + 1 (0: none). */
static tcp_seq gap_start(const struct tcpcb *tp, const struct tcp_sack_block *b, unsigned i)
{
	return i == 0 ? tp->snd_una : b[i - 1].end;
}

static tcp_seq gap_end(const struct tcpcb *tp, const struct tcp_sack_block *b, unsigned i)
{
	return i == tp->t_sack.n ? tp->snd_max : b[i].start;
}

static unsigned lost_top(const struct tcpcb *tp, const struct tcp_sack_block *b)
{
	unsigned n = tp->t_sack.n, top = 0;
	uint32_t above = 0, lostbytes = (TCP_DUPTHRESH - 1) * tp->t_maxseg;
	for (unsigned i = n; i-- > 0;) {
		above += seq_span(b[i].start, b[i].end);
		if (n - i >= TCP_DUPTHRESH || above > lostbytes) {
			top = i + 1;
			break;
		}
	}
	/* A SACKed loss probe (tcp_tlp.c) makes every gap below it lost, however few ranges
	 * lie above: RACK's verdict (RFC 8985 6.2), also a prefix of the gaps. */
	if (tp->t_flags & TF_LOSTBELOW)
		while (top < n && SEQ_LT(gap_start(tp, b, top), tp->t_lost_below))
			top++;
	return top;
}

uint32_t tcp_sack_pipe(const struct tcpcb *tp)
{
	const struct tcp_sack_block *b = tcp_sack_cblocks(&tp->t_sack);
	unsigned nlost = lost_top(tp, b);
	tcp_seq rxt = SEQ_MAX(tp->sack_hint, tp->snd_una);
	uint32_t pipe = 0;
	for (unsigned i = 0; i <= tp->t_sack.n; i++) {
		tcp_seq s = gap_start(tp, b, i), e = gap_end(tp, b, i);
		/* RFC 6675 4 SetPipe: each un-SACKed byte counts once when not lost (its
		 * original may still be in flight) and once more when retransmitted (at or
		 * below HighRxt). */
		if (i >= nlost)
			pipe += seq_span(s, e);
		pipe += seq_span(s, SEQ_MIN(e, rxt));
	}
	return pipe;
}

bool tcp_sack_next_lost(const struct tcpcb *tp, tcp_seq from, tcp_seq *seq, uint32_t *len)
{
	const struct tcp_sack_block *b = tcp_sack_cblocks(&tp->t_sack);
	unsigned nlost = lost_top(tp, b);
	for (unsigned i = 0; i < nlost; i++) {
		tcp_seq s = SEQ_MAX(gap_start(tp, b, i), from), e = gap_end(tp, b, i);
		if (SEQ_LT(s, e)) {
			*seq = s;
			*len = e - s;
			return true;
		}
	}
	return false;
}

bool tcp_sack_una_lost(const struct tcpcb *tp)
{
	const struct tcp_sack_block *b = tcp_sack_cblocks(&tp->t_sack);
	return tp->t_sack.n && lost_top(tp, b) > 0 && SEQ_LT(tp->snd_una, b[0].start);
}

bool tcp_sack_rescue_seg(const struct tcpcb *tp, tcp_seq *seq, uint32_t *len)
{
	const struct tcp_sack_block *b = tcp_sack_cblocks(&tp->t_sack);
	for (unsigned i = tp->t_sack.n + 1; i-- > 0;) {
		uint32_t span = seq_span(gap_start(tp, b, i), gap_end(tp, b, i));
		if (span) {
			*len = span < tp->t_maxseg ? span : tp->t_maxseg;
			*seq = gap_end(tp, b, i) - *len;
			return true;
		}
	}
	return false;
}

bool tcp_sack_next_hole(const struct tcpcb *tp, tcp_seq from, tcp_seq *seq, uint32_t *len)
{
	const struct tcp_sack_block *b = tcp_sack_cblocks(&tp->t_sack);
	tcp_seq cur = from;

	for (unsigned i = 0; i < tp->t_sack.n; i++) {
		if (SEQ_LT(cur, b[i].start)) {
			*seq = cur;
			*len = b[i].start - cur;
			return true;
		}
		if (SEQ_LT(cur, b[i].end))
			cur = b[i].end;
	}
	return false;   /* nothing un-SACKed below the highest SACKed byte */
}
