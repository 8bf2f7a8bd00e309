/* Helpers for loss-recovery tests against a scripted peer (tcp_peer_fx.h): a connection that
 * allows SACK with MSS 1000 and has sent data, duplicate ACKs with SACK blocks, and what the
 * stack sent since a mark.  Used by tcp_sack_recovery.c and tcp_tlp.c. */
#ifndef TESTS_TCP_SACK_FX_H
#define TESTS_TCP_SACK_FX_H
#include "tests/tcp/tcp_peer_fx.h"
#include "host/wire.h"
#include "net/netstack.h"
#include "net/tcp_var.h"

/* A connection from the peer's port sport that allows SACK with MSS 1000, accepted; cwnd set
 * to `cwnd` and `nbytes` of data written, of which what cwnd allows is sent (checked).  *tp
 * is its control block, *a0 its first data sequence number; returns the descriptor. */
static inline int sack_conn(struct tu_fx *fx, int l, uint16_t sport, uint32_t cwnd, size_t nbytes,
    struct tcpcb **tpp, uint32_t *a0p)
{
	static const uint8_t syn_opts[8] = { 2, 4, 0x03, 0xe8, 1, 1, 4, 2 };   /* MSS 1000, SACK ok */
	static uint8_t data[60000];
	size_t before = nsegs(fx);
	struct tu_seg s;
	send_seg(fx, sport, 5000, 0, TH_SYN, syn_opts, sizeof syn_opts, NULL, 0, 0);
	assert_true(tu_peer_tcp_seg(&fx->peer, before, &s));
	assert_int_equal(s.flags, TH_SYN | TH_ACK);
	uint32_t a0 = s.seq + 1;
	send_seg(fx, sport, 5001, a0, TH_ACK, NULL, 0, NULL, 0, 0);
	int c = stos_accept(l, NULL, NULL);
	assert_true(c >= 0);
	struct tcpcb *tp;
	TU_LOCKED(fx->a, tp = intotcpcb(in_pcblookup(&tcp_instance(fx->a)->ti_pcbinfo, TU_IP_P,
	    sport, TU_IP_A, PORT, 0)));
	assert_true(tp->t_flags & TF_SACK_PERMIT);
	TU_LOCKED(fx->a, tp->t_cc.cwnd = cwnd);
	size_t first = nsegs(fx);
	assert_true(nbytes <= sizeof data);
	assert_int_equal(stos_send(c, data, nbytes, MSG_DONTWAIT), (ssize_t)nbytes);
	world_run(fx->w, 1 * MSEC);
	uint32_t top = a0;
	for (size_t i = first; i < nsegs(fx); i++) {
		assert_true(tu_peer_tcp_seg(&fx->peer, i, &s));
		if (SEQ_GT(s.seq + (uint32_t)s.len, top))
			top = s.seq + (uint32_t)s.len;
	}
	assert_int_equal(top - a0, NET_MIN(cwnd, nbytes));
	*tpp = tp;
	*a0p = a0;
	return c;
}

/* A duplicate ACK of a0 from sport carrying SACK blocks (offsets from a0, n pairs). */
static inline void sack_dupack(struct tu_fx *fx, uint16_t sport, uint32_t ack, uint32_t a0,
    const uint32_t *r, unsigned n)
{
	uint8_t opt[4 + 8 * 4] = { 1, 1, 5, (uint8_t)(2 + 8 * n) };
	for (unsigned i = 0; i < n; i++) {
		be32_put(opt + 4 + 8 * i, a0 + r[2 * i]);
		be32_put(opt + 8 + 8 * i, a0 + r[2 * i + 1]);
	}
	send_seg(fx, sport, 5001, ack, TH_ACK, opt, 4 + 8 * n, NULL, 0, 0);
}

/* Payload bytes a sent since segment `mark` starting at a0 + off (count: segments). */
static inline uint32_t sent_at(struct tu_fx *fx, size_t mark, uint32_t seq, unsigned *count)
{
	struct tu_seg s;
	uint32_t n = 0;
	unsigned k = 0;
	for (size_t i = mark; i < nsegs(fx); i++) {
		assert_true(tu_peer_tcp_seg(&fx->peer, i, &s));
		if (s.seq == seq && s.len) {
			n += (uint32_t)s.len;
			k++;
		}
	}
	if (count)
		*count = k;
	return n;
}

/* Payload bytes a sent since segment `mark` at or above seq. */
static inline uint32_t sent_from(struct tu_fx *fx, size_t mark, uint32_t seq)
{
	struct tu_seg s;
	uint32_t n = 0;
	for (size_t i = mark; i < nsegs(fx); i++) {
		assert_true(tu_peer_tcp_seg(&fx->peer, i, &s));
		if (SEQ_GEQ(s.seq, seq))
			n += (uint32_t)s.len;
	}
	return n;
}

#endif
