/* TCP header prediction (net/tcp_input_fast.c tcp_fast_path; TCP/IP Illustrated Vol. 2, 28.4).
 *
 * Against a scripted peer on the in-memory wire (host/testutil.h fixture: stack a = 10.0.0.1,
 * peer 10.0.0.99, timestamps negotiated, no window scaling so the window field is exact): the
 * fast path takes in-order data and pure ACKs of new data, and leaves to the slow path what it
 * must not take: out-of-order data, the segment that fills a hole, a window change, URG, FIN,
 * a PAWS failure, data that does not fit the receive buffer, an ACK during loss recovery and
 * an ACK carrying SACK blocks; the counters predack/preddat (hits) and predmiss tell which
 * path ran.  What the fast path did is checked
 * too (delayed ACK every second segment, bytes delivered, send buffer released).
 *
 * Between two instances: a bulk transfer takes the fast path for nearly every data segment and
 * stays byte-exact with pools balanced; and the same seeded transfer over an impaired link
 * (loss, duplication, reordering, delay) puts byte-identical frames on the wire with the fast
 * path on and off (conf knob no_hdrpred), which is the observable-equivalence check. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "host/wire.h"
#include "host/port_host.h"
#include "host/stos_api.h"
#include "net/in_cksum.h"
#include "net/netlib.h"
#include "net/netstack.h"
#include "net/tcp_var.h"
#include <stos/socket.h>
#include <stos/in.h>
#include <poll.h>

#define PORT  80
#define SPORT 4242
#define WIN   65535

static uint64_t st(struct netstack *ns, const char *name)
{
	return stos_stat(ns, "tcp", name);
}

/* ---------------------------------------------------------------------------------------
 * The scripted peer. */

struct peer {
	struct tu_fx *fx;
	uint32_t snd_nxt;           /* the peer's next sequence number */
	uint32_t rcv_nxt;           /* what the peer has of a's data */
	uint32_t tsval;             /* the peer's timestamp clock */
	uint32_t tsecr;             /* a's last TSval */
	int c, l;                   /* a's accepted and listening sockets */
	uint32_t mss;               /* a's segment size (1460 less the timestamp option) */
};

/* A TCP segment from the peer (SPORT -> PORT) inside an IPv4 datagram; returns its length. */
static size_t mk_tcp(uint8_t *b, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
    const uint8_t *opts, size_t optlen, const void *pay, size_t plen, uint16_t urp)
{
	return tu_tcp(b, SPORT, PORT, seq, ack, flags, win, opts, optlen, pay, plen, urp);
}

static size_t nsegs(struct tu_fx *fx)
{
	return tu_peer_count(&fx->peer, 0x0800, 6, -1);
}

/* Reads what a sent since segment `from`: the peer's rcv_nxt follows a's data and FIN, and
 * its TSecr a's latest TSval. */
static void peer_absorb(struct peer *p, size_t from)
{
	struct tu_seg s;
	for (size_t i = from; tu_peer_tcp_seg(&p->fx->peer, i, &s); i++) {
		if (s.tsval)
			p->tsecr = s.tsval;
		if (s.flags & TH_SYN)
			p->rcv_nxt = s.seq;     /* a's ISN: what follows counts from here */
		uint32_t end = s.seq + (uint32_t)s.len + !!(s.flags & (TH_SYN | TH_FIN));
		if ((int32_t)(end - p->rcv_nxt) > 0 && (int32_t)(s.seq - p->rcv_nxt) <= 0)
			p->rcv_nxt = end;
	}
}

/* Sends a segment with the timestamp option (tsval: 0 = the next peer clock value). */
static void peer_send_ts(struct peer *p, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
    const void *pay, size_t plen, uint16_t urp, uint32_t tsval, const uint8_t *extra,
    size_t extralen)
{
	uint8_t opts[40], b[2048];
	if (!tsval)
		tsval = ++p->tsval;
	opts[0] = TCPOPT_NOP;
	opts[1] = TCPOPT_NOP;
	opts[2] = TCPOPT_TIMESTAMP;
	opts[3] = TCPOLEN_TIMESTAMP;
	be32_put(opts + 4, tsval);
	be32_put(opts + 8, p->tsecr);
	size_t optlen = 12;
	if (extralen) {
		memcpy(opts + 12, extra, extralen);
		optlen += extralen;
	}
	size_t n = mk_tcp(b, seq, ack, flags, win, opts, optlen, pay, plen, urp);
	tu_fx_send(p->fx, b, n);
}

/* In-order data from the peer, acknowledging everything a sent, with the usual window. */
static void peer_data(struct peer *p, const void *pay, size_t plen, uint8_t extra_flags,
    uint16_t win)
{
	size_t before = nsegs(p->fx);
	peer_send_ts(p, p->snd_nxt, p->rcv_nxt, TH_ACK | extra_flags, win, pay, plen, 0, 0, NULL, 0);
	p->snd_nxt += (uint32_t)plen + !!(extra_flags & TH_FIN);
	peer_absorb(p, before);
}

/* A pure ACK of `ack` with window win. */
static void peer_ack(struct peer *p, uint32_t ack, uint16_t win)
{
	size_t before = nsegs(p->fx);
	peer_send_ts(p, p->snd_nxt, ack, TH_ACK, win, NULL, 0, 0, 0, NULL, 0);
	peer_absorb(p, before);
}

/* Listener on a, handshake from the peer with MSS 1460, SACK-permitted and timestamps (no
 * window scaling: the window field is the window), accept. */
static void peer_connect(struct tu_fx *fx, struct peer *p)
{
	memset(p, 0, sizeof *p);
	p->fx = fx;
	p->tsval = 1000;
	p->l = stos_socket(fx->a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(p->l >= 0);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = net_htons(PORT);
	assert_int_equal(stos_bind(p->l, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(stos_listen(p->l, 4), 0);

	const uint8_t syn_opts[] = { TCPOPT_MSS, 4, 0x05, 0xb4, TCPOPT_SACK_PERM, 2,
		TCPOPT_NOP, TCPOPT_NOP };
	size_t before = nsegs(fx);
	p->snd_nxt = 7000;
	peer_send_ts(p, p->snd_nxt, 0, TH_SYN, WIN, NULL, 0, 0, 0, syn_opts, sizeof syn_opts);
	p->snd_nxt++;
	struct tu_seg s;
	assert_true(tu_peer_tcp_seg(&fx->peer, before, &s));
	assert_int_equal(s.flags, TH_SYN | TH_ACK);
	peer_absorb(p, before);
	peer_ack(p, p->rcv_nxt, WIN);
	p->c = stos_accept(p->l, NULL, NULL);
	assert_true(p->c >= 0);
	struct tcp_info ti;
	unsigned len = sizeof ti;
	assert_int_equal(stos_getsockopt(p->c, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	assert_int_equal(ti.tcpi_state, TCPS_ESTABLISHED);
	p->mss = ti.tcpi_snd_mss;
	assert_int_equal(p->mss, 1460 - 12);
}

static uint8_t payload[64 * 1460];

static void fill_payload(void)
{
	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)(i * 7 + (i >> 8));
}

/* In-order data takes the fast path, ACKed every second segment; what is read is what was
 * sent. */
static void test_inorder_data_fast(void **state)
{
	struct tu_fx *fx = *state;
	struct peer p;
	peer_connect(fx, &p);
	uint64_t dat0 = st(fx->a, "preddat"), miss0 = st(fx->a, "predmiss");

	size_t before = nsegs(fx);
	struct pollfd pfd = { .fd = p.c, .events = POLLIN };
	assert_int_equal(stos_poll(&pfd, 1, 0), 0);
	peer_data(&p, payload, 1000, 0, WIN);
	assert_int_equal(st(fx->a, "preddat"), dat0 + 1);
	assert_int_equal(nsegs(fx), before);                   /* delayed */
	assert_int_equal(stos_poll(&pfd, 1, 0), 1);            /* readable */
	assert_true(pfd.revents & POLLIN);
	peer_data(&p, payload + 1000, 1000, TH_PUSH, WIN);     /* PSH does not matter */
	assert_int_equal(st(fx->a, "preddat"), dat0 + 2);
	assert_int_equal(nsegs(fx), before + 1);               /* every second segment */
	struct tu_seg s;
	assert_true(tu_peer_tcp_seg(&fx->peer, before, &s));
	assert_int_equal(s.flags, TH_ACK);
	assert_int_equal(s.ack, p.snd_nxt);
	for (int i = 2; i < 10; i++)
		peer_data(&p, payload + 1000 * i, 1000, 0, WIN);
	assert_int_equal(st(fx->a, "preddat"), dat0 + 10);
	assert_int_equal(st(fx->a, "predmiss"), miss0);
	assert_int_equal(nsegs(fx), before + 5);
	static uint8_t got[20000];
	assert_int_equal(stos_recv(p.c, got, sizeof got, MSG_DONTWAIT), 10000);
	assert_memory_equal(got, payload, 10000);
	/* A lone segment is ACKed by the delayed-ACK timer (at most 40 ms). */
	peer_data(&p, payload, 500, 0, WIN);
	size_t n = nsegs(fx);
	world_run(fx->w, 50 * MSEC);
	assert_int_equal(nsegs(fx), n + 1);
	assert_true(tu_peer_tcp_seg(&fx->peer, n, &s));
	assert_int_equal(s.ack, p.snd_nxt);
	assert_int_equal(st(fx->a, "delack"), 1);
}

/* The peer's next in-order data segment (timestamps, ACKing all of a's data) as an IPv4
 * datagram in b; returns its length. */
static size_t mk_data(struct peer *p, uint8_t *b, const void *pay, size_t plen)
{
	uint8_t opts[12] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP, TCPOLEN_TIMESTAMP };
	be32_put(opts + 4, ++p->tsval);
	be32_put(opts + 8, p->tsecr);
	return mk_tcp(b, p->snd_nxt, p->rcv_nxt, TH_ACK, WIN, opts, sizeof opts, pay, plen, 0);
}

/* The datagram b as a chain of small mbufs (m_append past MHLEN), handed to tcp_input as IP
 * would: the checksum is then summed over the pieces (in_cksum_mbuf). */
static void tcp_input_chain(struct tu_fx *fx, const uint8_t *b, size_t n)
{
	struct mbuf *m = m_gethdr(MT_DATA);
	assert_non_null(m);
	assert_int_equal(m_append(m, (uint32_t)n, b), 0);
	assert_non_null(m->m_next);
	assert_int_equal(m->m_pkthdr.len, n);
	NET_LOCK(fx->a);
	tcp_input(fx->a, m, 20);
	NET_UNLOCK(fx->a);
	world_run(fx->w, 100 * USEC);       /* what a sent reaches the peer */
}

/* A data segment with a wrong checksum is dropped (rcvbadsum, nothing delivered, nothing
 * sent, not predicted) whether it arrives in one mbuf (summed in place) or in a chain; the
 * same segments with their checksums intact are taken. */
static void test_badsum_dropped(void **state)
{
	struct tu_fx *fx = *state;
	struct peer p;
	uint8_t b[2048];
	static uint8_t got[4000];
	peer_connect(fx, &p);
	uint64_t bad0 = st(fx->a, "rcvbadsum"), dat0 = st(fx->a, "preddat");
	size_t before = nsegs(fx);
	for (int chain = 0; chain < 2; chain++) {
		size_t n = mk_data(&p, b, payload + 1000 * chain, 1000);
		b[n - 7] ^= 0x40;                               /* a payload bit */
		if (chain)
			tcp_input_chain(fx, b, n);
		else
			tu_fx_send(fx, b, n);
		assert_int_equal(st(fx->a, "rcvbadsum"), bad0 + 1 + chain);
		assert_int_equal(st(fx->a, "preddat"), dat0 + chain);
		assert_int_equal(stos_recv(p.c, got, sizeof got, MSG_DONTWAIT), -1);
		assert_int_equal(errno, EAGAIN);
		b[n - 7] ^= 0x40;
		if (chain)
			tcp_input_chain(fx, b, n);
		else
			tu_fx_send(fx, b, n);
		p.snd_nxt += 1000;
		assert_int_equal(st(fx->a, "rcvbadsum"), bad0 + 1 + chain);
		assert_int_equal(st(fx->a, "preddat"), dat0 + 1 + chain);
		assert_int_equal(stos_recv(p.c, got, sizeof got, MSG_DONTWAIT), 1000);
		assert_memory_equal(got, payload + 1000 * chain, 1000);
	}
	/* Two segments taken: one ACK (every second), none for the bad ones. */
	assert_int_equal(nsegs(fx), before + 1);
}

/* RFC 1122 4.2.3.10: a segment to or from a broadcast or multicast address is dropped
 * (rcvbadaddr) by tcp_input's own tests, which run unless IP input vouched for both
 * addresses (M_INADDROK): here segments IP never saw, checksums taken as verified. */
static void test_bcast_mcast_addresses_dropped(void **state)
{
	struct tu_fx *fx = *state;
	struct peer p;
	uint8_t b[2048];
	peer_connect(fx, &p);
	uint64_t bad0 = st(fx->a, "rcvbadaddr"), dat0 = st(fx->a, "preddat");
	const uint32_t dsts[] = { 0x0a0000ff, 0xffffffff, 0xe0000001, TU_IP_A, TU_IP_A };
	const uint32_t srcs[] = { TU_IP_P, TU_IP_P, TU_IP_P, 0x0a0000ff, 0 };
	for (size_t i = 0; i < sizeof dsts / sizeof dsts[0]; i++) {
		size_t n = mk_data(&p, b, payload, 100);
		be32_put(b + 12, srcs[i]);
		be32_put(b + 16, dsts[i]);
		struct mbuf *m = m_gethdr(MT_DATA);
		assert_non_null(m);
		assert_int_equal(m_append(m, (uint32_t)n, b), 0);
		m->m_pkthdr.csum_flags = CSUM_IP_CHECKED | CSUM_DATA_VALID;
		NET_LOCK(fx->a);
		tcp_input(fx->a, m, 20);
		NET_UNLOCK(fx->a);
		assert_int_equal(st(fx->a, "rcvbadaddr"), bad0 + i + 1);
	}
	assert_int_equal(st(fx->a, "preddat"), dat0);
	/* the same segment between the real addresses is taken */
	tu_fx_send(fx, b, mk_data(&p, b, payload, 100));
	p.snd_nxt += 100;
	assert_int_equal(st(fx->a, "preddat"), dat0 + 1);
	assert_int_equal(st(fx->a, "rcvbadaddr"), bad0 + 5);
}

/* Out of order, the hole being filled, then in order again. */
static void test_ooo_and_reass_miss(void **state)
{
	struct tu_fx *fx = *state;
	struct peer p;
	peer_connect(fx, &p);
	peer_data(&p, payload, 1000, 0, WIN);
	uint64_t dat0 = st(fx->a, "preddat"), miss0 = st(fx->a, "predmiss");

	/* 1000 bytes beyond RCV.NXT: queued, ACKed at once with a SACK block. */
	size_t before = nsegs(fx);
	peer_send_ts(&p, p.snd_nxt + 1000, p.rcv_nxt, TH_ACK, WIN, payload + 2000, 1000, 0, 0,
	    NULL, 0);
	assert_int_equal(st(fx->a, "preddat"), dat0);
	assert_int_equal(st(fx->a, "predmiss"), miss0 + 1);
	assert_int_equal(st(fx->a, "rcvoopack"), 1);
	assert_int_equal(nsegs(fx), before + 1);
	/* The hole: in order, but the reassembly queue is not empty: slow path. */
	peer_send_ts(&p, p.snd_nxt, p.rcv_nxt, TH_ACK, WIN, payload + 1000, 1000, 0, 0, NULL, 0);
	p.snd_nxt += 2000;
	assert_int_equal(st(fx->a, "predmiss"), miss0 + 2);
	assert_int_equal(st(fx->a, "preddat"), dat0);
	/* The queue is empty again: the next in-order segment is predicted. */
	peer_data(&p, payload + 3000, 1000, 0, WIN);
	assert_int_equal(st(fx->a, "preddat"), dat0 + 1);
	static uint8_t got[8000];
	assert_int_equal(stos_recv(p.c, got, sizeof got, MSG_DONTWAIT), 4000);
	assert_memory_equal(got, payload, 4000);
}

/* In-order data with a window change is predicted (tcp_ack_window is the slow path's own
 * window step); URG, a PAWS failure and a FIN take the slow path. */
static void test_window_hit_urg_paws_fin_miss(void **state)
{
	struct tu_fx *fx = *state;
	struct peer p;
	peer_connect(fx, &p);
	uint64_t dat0 = st(fx->a, "preddat"), miss0 = st(fx->a, "predmiss");

	peer_data(&p, payload, 100, 0, WIN - 1000);            /* window changed: predicted */
	assert_int_equal(st(fx->a, "preddat"), dat0 + 1);
	assert_int_equal(st(fx->a, "predmiss"), miss0);
	peer_data(&p, payload + 100, 100, 0, WIN - 1000);      /* same again: predicted */
	assert_int_equal(st(fx->a, "preddat"), dat0 + 2);
	peer_data(&p, payload + 200, 100, TH_URG, WIN - 1000);
	assert_int_equal(st(fx->a, "predmiss"), miss0 + 1);
	/* RFC 7323 5.3: a timestamp older than TS.Recent fails PAWS: dropped, ACKed. */
	size_t before = nsegs(fx);
	peer_send_ts(&p, p.snd_nxt, p.rcv_nxt, TH_ACK, WIN - 1000, payload + 300, 100, 0, 5, NULL, 0);
	assert_int_equal(st(fx->a, "predmiss"), miss0 + 2);
	assert_int_equal(st(fx->a, "pawsdrop"), 1);
	assert_int_equal(nsegs(fx), before + 1);
	peer_data(&p, payload + 300, 100, TH_FIN, WIN - 1000);
	assert_int_equal(st(fx->a, "predmiss"), miss0 + 3);
	assert_int_equal(st(fx->a, "preddat"), dat0 + 2);
	static uint8_t got[1000];
	assert_int_equal(stos_recv(p.c, got, sizeof got, MSG_DONTWAIT), 400);
	assert_memory_equal(got, payload, 400);
	assert_int_equal(stos_recv(p.c, got, sizeof got, MSG_DONTWAIT), 0);   /* EOF */
}

/* Data that does not fit the receive buffer (sbspace, which also counts the storage of the
 * clusters) takes the slow path, which decides against the window a advertised; once the
 * application has read, in-order data is predicted again. */
static void test_full_buffer_miss(void **state)
{
	struct tu_fx *fx = *state;
	struct peer p;
	peer_connect(fx, &p);
	int rcvbuf = 32768;     /* 64 KiB (SO_RCVBUF doubles it), whatever the default */
	assert_int_equal(stos_setsockopt(p.c, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), 0);
	uint64_t dat0 = st(fx->a, "preddat"), miss0 = st(fx->a, "predmiss");
	int sent = 0;
	while (st(fx->a, "predmiss") == miss0 && sent < 200) {
		peer_data(&p, payload, 1000, 0, WIN);
		sent++;
	}
	assert_int_equal(st(fx->a, "predmiss"), miss0 + 1);
	assert_int_equal(st(fx->a, "preddat"), dat0 + (uint64_t)sent - 1);
	/* The buffer was nearly full: 64 KiB holds no more than ~64 segments of
	 * 1000 bytes, fewer once the storage of their clusters counts (sockbuf.c). */
	assert_true(sent > 20 && sent <= 70);
	int queued = stos_nread(p.c);
	assert_true(queued >= 1000 * (sent - 1));
	static uint8_t got[128 * 1024];
	assert_int_equal(stos_recv(p.c, got, sizeof got, MSG_DONTWAIT), queued);
	world_run(fx->w, 50 * MSEC);
	/* The slow path took the last segment within the window a advertised (tcp_rcv_wnd_test
	 * never refuses what was offered); go on from RCV.NXT. */
	assert_true(queued <= 1000 * sent);
	p.snd_nxt = 7001 + (uint32_t)queued;
	peer_data(&p, payload, 1000, 0, WIN);
	assert_int_equal(st(fx->a, "preddat"), dat0 + (uint64_t)sent);
	assert_int_equal(stos_recv(p.c, got, sizeof got, MSG_DONTWAIT), 1000);
}

/* The fast path reads the clock once per segment and arms its timers and takes its RTT
 * sample from that reading: a lone data segment is ACKed by the delayed-ACK timer 40 ms
 * after it arrived, not before (RFC 1122 4.2.3.2); a predicted ACK of new data 30 ms after
 * the send gives a timestamp RTT sample of 30 ms (RFC 7323 4.1), which raises the smoothed
 * RTT; and it restarts the retransmission timer from its arrival (RFC 6298 5.3), so the
 * segment still outstanding is resent one RTO after that ACK, not one RTO after the send. */
static void test_fast_path_timers_count_from_arrival(void **state)
{
	struct tu_fx *fx = *state;
	struct peer p;
	peer_connect(fx, &p);
	uint64_t dat0 = st(fx->a, "preddat"), ack0 = st(fx->a, "predack");

	size_t before = nsegs(fx);
	peer_data(&p, payload, 500, 0, WIN);
	assert_int_equal(st(fx->a, "preddat"), dat0 + 1);
	world_run(fx->w, 39 * MSEC);
	assert_int_equal(nsegs(fx), before);
	world_run(fx->w, 2 * MSEC);
	assert_int_equal(nsegs(fx), before + 1);
	struct tu_seg s;
	assert_true(tu_peer_tcp_seg(&fx->peer, before, &s));
	assert_int_equal(s.ack, p.snd_nxt);

	struct tcp_info ti;
	unsigned tlen = sizeof ti;
	assert_int_equal(stos_getsockopt(p.c, IPPROTO_TCP, TCP_INFO, &ti, &tlen), 0);
	uint32_t srtt0 = ti.tcpi_rtt;
	assert_true(srtt0 < 10000);
	before = nsegs(fx);
	assert_int_equal(stos_send(p.c, payload, 2 * p.mss, MSG_DONTWAIT), (ssize_t)(2 * p.mss));
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(nsegs(fx), before + 2);
	assert_true(tu_peer_tcp_seg(&fx->peer, before, &s));
	peer_absorb(&p, before);
	world_run(fx->w, 29 * MSEC);
	peer_ack(&p, s.seq + p.mss, WIN);
	assert_int_equal(st(fx->a, "predack"), ack0 + 1);
	assert_int_equal(stos_getsockopt(p.c, IPPROTO_TCP, TCP_INFO, &ti, &tlen), 0);
	assert_true(ti.tcpi_rtt > srtt0 + 2000);
	uint64_t rto_ms = ti.tcpi_rto / 1000;
	assert_true(rto_ms > 40);
	size_t n = nsegs(fx);
	world_run(fx->w, (rto_ms - 2) * MSEC);
	assert_int_equal(nsegs(fx), n);                       /* not one RTO after the send */
	world_run(fx->w, 4 * MSEC);
	assert_int_equal(nsegs(fx), n + 1);                   /* one RTO after the ACK */
	assert_true(tu_peer_tcp_seg(&fx->peer, n, &s));
	assert_int_equal(s.seq, p.rcv_nxt - p.mss);
	assert_int_equal(s.len, p.mss);
}

/* Pure ACKs of new data are predicted (the send buffer is released), with a window change
 * too, which then limits what is sent; a window update acknowledging nothing new, a
 * duplicate ACK, an ACK with SACK blocks and ACKs during loss recovery are not. */
static void test_pure_ack_fast_and_recovery_miss(void **state)
{
	struct tu_fx *fx = *state;
	struct peer p;
	peer_connect(fx, &p);
	uint64_t ack0 = st(fx->a, "predack"), miss0 = st(fx->a, "predmiss");

	uint32_t mss = p.mss;
	/* The initial window (RFC 5681 3.1: 4380 bytes here) lets three segments out. */
	size_t before = nsegs(fx);
	assert_int_equal(stos_send(p.c, payload, 3 * mss, MSG_DONTWAIT), (ssize_t)(3 * mss));
	world_run(fx->w, 1 * MSEC);
	struct tu_seg s0;
	assert_int_equal(nsegs(fx), before + 3);
	assert_true(tu_peer_tcp_seg(&fx->peer, before, &s0));
	assert_int_equal(s0.len, mss);
	peer_absorb(&p, before);
	uint32_t una = s0.seq;

	peer_ack(&p, una + mss, WIN);
	assert_int_equal(st(fx->a, "predack"), ack0 + 1);
	peer_ack(&p, una + 2 * mss, WIN);
	assert_int_equal(st(fx->a, "predack"), ack0 + 2);
	assert_int_equal(st(fx->a, "rcvackbyte"), 2 * mss + 1);     /* + our SYN */
	struct tcp_info ti;
	unsigned tlen = sizeof ti;
	assert_int_equal(stos_getsockopt(p.c, IPPROTO_TCP, TCP_INFO, &ti, &tlen), 0);
	assert_int_equal(ti.tcpi_unacked, 1);                       /* the buffer let go */
	peer_ack(&p, una + 2 * mss, WIN - 100);                     /* window update only */
	assert_int_equal(st(fx->a, "predmiss"), miss0 + 1);
	peer_ack(&p, una + 3 * mss, (uint16_t)mss);                 /* new ack, one-segment window */
	assert_int_equal(st(fx->a, "predmiss"), miss0 + 1);
	assert_int_equal(st(fx->a, "predack"), ack0 + 3);
	una += 3 * mss;
	/* The window the fast path took lets one segment out of two. */
	before = nsegs(fx);
	assert_int_equal(stos_send(p.c, payload, 2 * mss, MSG_DONTWAIT), (ssize_t)(2 * mss));
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(nsegs(fx), before + 1);
	peer_absorb(&p, before);
	peer_ack(&p, una + mss, WIN);                               /* and the window opens */
	assert_int_equal(st(fx->a, "predack"), ack0 + 4);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(nsegs(fx), before + 2);
	peer_absorb(&p, before + 1);
	peer_ack(&p, una + 2 * mss, WIN);
	assert_int_equal(st(fx->a, "predack"), ack0 + 5);
	assert_int_equal(st(fx->a, "predmiss"), miss0 + 1);
	una += 2 * mss;
	before = nsegs(fx);
	assert_int_equal(stos_send(p.c, payload, 4 * mss, MSG_DONTWAIT), (ssize_t)(4 * mss));
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(nsegs(fx), before + 4);
	peer_absorb(&p, before);
	peer_ack(&p, una + 4 * mss, WIN);                           /* all of it: predicted */
	assert_int_equal(st(fx->a, "predack"), ack0 + 6);
	assert_int_equal(st(fx->a, "rcvackbyte"), 9 * mss + 1);
	una += 4 * mss;

	/* Six or more segments out (as cwnd allows); the first is lost: three duplicate ACKs
	 * start recovery. */
	before = nsegs(fx);
	assert_int_equal(stos_send(p.c, payload, 8 * mss, MSG_DONTWAIT), (ssize_t)(8 * mss));
	world_run(fx->w, 1 * MSEC);
	assert_true(nsegs(fx) >= before + 6);
	peer_absorb(&p, before);
	uint64_t miss1 = st(fx->a, "predmiss");
	for (int i = 0; i < 3; i++)
		peer_ack(&p, una, WIN);
	assert_int_equal(st(fx->a, "recoveries"), 1);
	assert_int_equal(st(fx->a, "predmiss"), miss1 + 3);
	/* A partial ACK during recovery: slow path (RFC 6582 3.2 step 5). */
	peer_ack(&p, una + mss, WIN);
	assert_int_equal(st(fx->a, "predmiss"), miss1 + 4);
	assert_int_equal(st(fx->a, "predack"), ack0 + 6);
	/* An ACK with a SACK block (RFC 2018) also takes the slow path. */
	uint8_t sack[12] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK, 10 };
	be32_put(sack + 4, una + 4 * mss);
	be32_put(sack + 8, una + 5 * mss);
	peer_send_ts(&p, p.snd_nxt, una + 2 * mss, TH_ACK, WIN, NULL, 0, 0, 0, sack, sizeof sack);
	assert_int_equal(st(fx->a, "predmiss"), miss1 + 5);
	assert_int_equal(st(fx->a, "predack"), ack0 + 6);
}

/* ---------------------------------------------------------------------------------------
 * Two instances. */

struct bulk_result {
	uint64_t trace_hash, frames;
	uint64_t b_preddat, b_rcvpack, a_predack, b_predmiss, a_predmiss;
};

static uint8_t pat(uint64_t i)
{
	return (uint8_t)((i * 131u + (i >> 9) + 5) & 0xff);
}

/* a sends `bytes` to b over a wire with faults fc (NULL: none); b reads every millisecond.
 * With hdrpred false both instances run every segment through the slow path.  The bytes read
 * must be the bytes sent, and the pools must balance. */
static void bulk(uint64_t bytes, const struct fault_conf *fc, bool hdrpred,
    struct bulk_result *r)
{
	struct tu_duo d;
	tu_duo_up(&d, fc);
	struct netstack *a = d.a, *b = d.b;
	struct world *w = d.w;
	TU_LOCKED(a, tcp_instance(a)->ti_conf.no_hdrpred = !hdrpred);
	TU_LOCKED(b, tcp_instance(b)->ti_conf.no_hdrpred = !hdrpred);
	int l, c, s;
	tu_duo_connect(&d, false, &l, &c, &s);

	static uint8_t buf[65536];
	uint64_t sent = 0, rcvd = 0, bad = 0;
	int shut = 0, eof = 0;
	for (int round = 0; round < 600000 && !eof; round++) {
		while (sent < bytes) {
			size_t n = bytes - sent < sizeof buf ? (size_t)(bytes - sent) : sizeof buf;
			for (size_t i = 0; i < n; i++)
				buf[i] = pat(sent + i);
			ssize_t k = stos_send(c, buf, n, MSG_DONTWAIT);
			if (k <= 0) {
				assert_int_equal(errno, EAGAIN);
				break;
			}
			sent += (uint64_t)k;
		}
		if (sent == bytes && !shut) {
			assert_int_equal(stos_shutdown(c, SHUT_WR), 0);
			shut = 1;
		}
		for (;;) {
			ssize_t k = stos_recv(s, buf, sizeof buf, MSG_DONTWAIT);
			if (k == 0) {
				eof = 1;
				break;
			}
			if (k < 0) {
				assert_int_equal(errno, EAGAIN);
				break;
			}
			for (ssize_t i = 0; i < k; i++)
				bad += buf[i] != pat(rcvd + (uint64_t)i);
			rcvd += (uint64_t)k;
		}
		world_run(w, 1 * MSEC);
	}
	assert_true(eof);
	assert_int_equal(rcvd, bytes);
	assert_int_equal(bad, 0);
	r->b_preddat = st(b, "preddat");
	r->b_rcvpack = st(b, "rcvpack");
	r->a_predack = st(a, "predack");
	r->b_predmiss = st(b, "predmiss");
	r->a_predmiss = st(a, "predmiss");
	tu_duo_close(&d, l, c, s);
	r->trace_hash = d.trace_hash;
	r->frames = d.frames;
	tu_duo_free(&d);
}

/* A clean bulk transfer: nearly every data segment is predicted. */
static void test_bulk_takes_fast_path(void **state)
{
	(void)state;
	struct bulk_result r;
	bulk(4u << 20, NULL, true, &r);
	assert_true(r.b_rcvpack >= (4u << 20) / 1448);
	/* Only the segments around the handshake and the FIN may miss. */
	assert_true(r.b_preddat + 4 >= r.b_rcvpack);
	assert_true(r.b_predmiss <= 4);
}

/* The observable-equivalence check: the same seeded transfer over an impaired link puts the
 * same frames on the wire, bit for bit, with and without header prediction. */
static void test_same_frames_with_and_without(void **state)
{
	(void)state;
	struct fault_conf fc = { .loss_ppm = 10000, .dup_ppm = 10000, .reorder_ppm = 20000,
		.delay_ns = 1 * MSEC, .reorder_delay_ns = 2 * MSEC, .seed = 77 };
	struct bulk_result on, off;
	bulk(1u << 20, &fc, true, &on);
	bulk(1u << 20, &fc, false, &off);
	assert_true(on.b_preddat > 0);
	assert_true(on.b_predmiss > 0);       /* the faults did send some to the slow path */
	assert_int_equal(off.b_preddat + off.a_predack, 0);
	assert_int_equal(on.frames, off.frames);
	assert_true(on.trace_hash == off.trace_hash);
	/* And a clean link too, where nearly everything is predicted. */
	bulk(1u << 20, NULL, true, &on);
	bulk(1u << 20, NULL, false, &off);
	assert_int_equal(on.frames, off.frames);
	assert_true(on.trace_hash == off.trace_hash);
}

int main(void)
{
	fill_payload();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inorder_data_fast, tu_fx_setup_sockets,
		    tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_ooo_and_reass_miss, tu_fx_setup_sockets,
		    tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_badsum_dropped, tu_fx_setup_sockets,
		    tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_bcast_mcast_addresses_dropped, tu_fx_setup_sockets,
		    tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_window_hit_urg_paws_fin_miss, tu_fx_setup_sockets,
		    tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_full_buffer_miss, tu_fx_setup_sockets,
		    tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_pure_ack_fast_and_recovery_miss, tu_fx_setup_sockets,
		    tu_fx_teardown_sockets),
		cmocka_unit_test_setup_teardown(test_fast_path_timers_count_from_arrival,
		    tu_fx_setup_sockets, tu_fx_teardown_sockets),
		cmocka_unit_test(test_bulk_takes_fast_path),
		cmocka_unit_test(test_same_frames_with_and_without),
	};
	return TU_RUN(tests);
}
