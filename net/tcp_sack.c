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

void tcp_sack_scoreboard_clear(struct tcpcb *tp)
{
	tp->t_sack.n = 0;
}

static void scoreboard_insert(struct sack_scoreboard *sb, tcp_seq s, tcp_seq e)
{
	struct tcp_sack_block out[TCP_SACK_HOLES + 1];
	unsigned n = 0;
	bool placed = false;

	for (unsigned i = 0; i < sb->n; i++) {
		struct tcp_sack_block b = sb->blk[i];
		if (blocks_touch(s, e, b.start, b.end)) {
			s = SEQ_MIN(s, b.start);
			e = SEQ_MAX(e, b.end);
			continue;
		}
		if (!placed && SEQ_LT(e, b.start)) {
			out[n++] = (struct tcp_sack_block){ s, e };
			placed = true;
		}
		out[n++] = b;
	}
	if (!placed)
		out[n++] = (struct tcp_sack_block){ s, e };
	/* Bounded memory: when full, forget the highest ranges (they are only hints). */
	if (n > TCP_SACK_HOLES)
		n = TCP_SACK_HOLES;
	for (unsigned i = 0; i < n; i++)
		sb->blk[i] = out[i];
	sb->n = n;
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
		scoreboard_insert(sb, s, e);
	}
	/* Drop what SND.UNA now covers. */
	unsigned n = 0;
	for (unsigned i = 0; i < sb->n; i++) {
		struct tcp_sack_block b = sb->blk[i];
		if (SEQ_LEQ(b.end, tp->snd_una))
			continue;
		if (SEQ_LT(b.start, tp->snd_una))
			b.start = tp->snd_una;
		sb->blk[n++] = b;
	}
	sb->n = n;
}

bool tcp_sack_is_sacked(const struct tcpcb *tp, tcp_seq seq)
{
	for (unsigned i = 0; i < tp->t_sack.n; i++)
		if (SEQ_IN(seq, tp->t_sack.blk[i].start, tp->t_sack.blk[i].end))
			return true;
	return false;
}

uint32_t tcp_sack_bytes(const struct tcpcb *tp)
{
	return tcp_sack_bytes_above(tp, tp->snd_una);
}

uint32_t tcp_sack_bytes_above(const struct tcpcb *tp, tcp_seq from)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < tp->t_sack.n; i++) {
		tcp_seq s = SEQ_MAX(tp->t_sack.blk[i].start, from);
		if (SEQ_LT(s, tp->t_sack.blk[i].end))
			n += tp->t_sack.blk[i].end - s;
	}
	return n;
}

/* The scoreboard's gaps: gap i (0..n) is the un-SACKed range [start, end) below block i, or
 * above the last block up to snd_max for i == n.  A byte of gap i has blocks i..n-1 above it,
 * the same for every byte of the gap, so RFC 6675's IsLost() is one answer per gap: lost when
 * DupThresh SACKed ranges lie above it, or more than (DupThresh - 1) * SMSS SACKed bytes
 * (the top gap has nothing above it and is never lost). */
struct sack_gaps {
	unsigned n;                         /* gaps: blocks + 1 */
	tcp_seq start[TCP_SACK_HOLES + 1], end[TCP_SACK_HOLES + 1];
	bool lost[TCP_SACK_HOLES + 1];
};

static uint32_t seq_span(tcp_seq s, tcp_seq e)
{
	return SEQ_GT(e, s) ? e - s : 0;
}

static void sack_gaps(const struct tcpcb *tp, struct sack_gaps *g)
{
	const struct sack_scoreboard *sb = &tp->t_sack;
	uint32_t above = 0, lostbytes = (TCP_DUPTHRESH - 1) * tp->t_maxseg;
	g->n = sb->n + 1;
	g->start[0] = tp->snd_una;
	for (unsigned i = 0; i < sb->n; i++) {
		g->end[i] = sb->blk[i].start;
		g->start[i + 1] = sb->blk[i].end;
	}
	g->end[sb->n] = tp->snd_max;
	g->lost[sb->n] = false;
	for (unsigned i = sb->n; i-- > 0;) {
		above += seq_span(sb->blk[i].start, sb->blk[i].end);
		g->lost[i] = sb->n - i >= TCP_DUPTHRESH || above > lostbytes;
	}
}

uint32_t tcp_sack_pipe(const struct tcpcb *tp)
{
	struct sack_gaps g;
	sack_gaps(tp, &g);
	tcp_seq rxt = SEQ_MAX(tp->sack_hint, tp->snd_una);
	uint32_t pipe = 0;
	for (unsigned i = 0; i < g.n; i++) {
		/* RFC 6675 4 SetPipe: each un-SACKed byte counts once when not lost (its
		 * original may still be in flight) and once more when retransmitted (at or
		 * below HighRxt). */
		if (!g.lost[i])
			pipe += seq_span(g.start[i], g.end[i]);
		pipe += seq_span(g.start[i], SEQ_MIN(g.end[i], rxt));
	}
	return pipe;
}

bool tcp_sack_next_lost(const struct tcpcb *tp, tcp_seq from, tcp_seq *seq, uint32_t *len)
{
	struct sack_gaps g;
	sack_gaps(tp, &g);
	for (unsigned i = 0; i + 1 < g.n; i++) {
		tcp_seq s = SEQ_MAX(g.start[i], from);
		if (g.lost[i] && SEQ_LT(s, g.end[i])) {
			*seq = s;
			*len = g.end[i] - s;
			return true;
		}
	}
	return false;
}

bool tcp_sack_una_lost(const struct tcpcb *tp)
{
	struct sack_gaps g;
	sack_gaps(tp, &g);
	return g.n > 1 && g.lost[0] && SEQ_LT(g.start[0], g.end[0]);
}

bool tcp_sack_rescue_seg(const struct tcpcb *tp, tcp_seq *seq, uint32_t *len)
{
	struct sack_gaps g;
	sack_gaps(tp, &g);
	for (unsigned i = g.n; i-- > 0;) {
		uint32_t span = seq_span(g.start[i], g.end[i]);
		if (span) {
			*len = span < tp->t_maxseg ? span : tp->t_maxseg;
			*seq = g.end[i] - *len;
			return true;
		}
	}
	return false;
}

bool tcp_sack_next_hole(const struct tcpcb *tp, tcp_seq from, tcp_seq *seq, uint32_t *len)
{
	const struct sack_scoreboard *sb = &tp->t_sack;
	tcp_seq cur = from;

	for (unsigned i = 0; i < sb->n; i++) {
		const struct tcp_sack_block *b = &sb->blk[i];
		if (SEQ_LT(cur, b->start)) {
			*seq = cur;
			*len = b->start - cur;
			return true;
		}
		if (SEQ_LT(cur, b->end))
			cur = b->end;
	}
	return false;   /* nothing un-SACKed below the highest SACKed byte */
}
