/* TCP output: deciding what to send (data, SYN, FIN, ACKs, window updates, probes) and
 * building segments.
 *
 * Payload is shared by reference: a segment's data is an m_copym of the send buffer, so a
 * retransmission copies nothing and the bytes stay in so_snd until acknowledged.  Headers are
 * written into an mbuf placed so IP and the link layer prepend in its headroom.
 *
 * The decision follows RFC 9293 3.8.6 and RFC 1122 4.2.3.4: send a full segment, or what the
 * Nagle rule allows (everything acknowledged, or TCP_NODELAY), or at least half the largest
 * window the peer offered (sender-side silly-window avoidance); send a window update when it
 * grows by two segments or half the buffer (receiver side); otherwise wait for an ACK or a
 * timer.
 *
 * TCP segmentation offload (8254x SDM 3.5 "TCP segmentation"): when the route's interface
 * can cut segments itself (if_hwassist holds CSUM_TSO), the whole segments the rules above
 * allow at once go to it as one large segment of up to TCP_TSO_MAXDGRAM bytes, marked
 * CSUM_TSO with tso_segsz = the payload of each wire segment.  The device repeats our header
 * on every piece, advancing the sequence number and IP length, and keeps FIN and PSH for the
 * last piece only.  So a large segment is only ever what the segment-at-a-time path would
 * have sent in a row: whole segments within the send window and cwnd, the same options on
 * each (timestamps; never SACK blocks, which change between segments), no SYN, no urgent
 * data (the device would copy URG and the pointer onto every piece), no window probe and no
 * SACK retransmission; the sub-segment tail and the decisions about it stay with the
 * ordinary path.  The statistics count the wire segments.
 */
#include "tcp_var.h"
#include "tcp_md5.h"
#include "netstack.h"
#include "socketvar.h"
#include "in_cksum.h"
#include "ip_csum.h"
#include "ip.h"
#include "if_ether.h"
#include "ip_output_path.h"
#include <stos/errno.h>

/* The largest datagram handed to a device for segmentation: the IPv4 limit less the
 * Ethernet header, since 8254x-style devices bound the whole frame they segment to 64 KiB
 * (the e1000 driver's E1000_TSO_MAXLEN). */
#define TCP_TSO_MAXDGRAM (IP_MAXPACKET - ETHER_HDR_LEN)
/* Bytes of the timestamp option with its padding (RFC 7323 appendix A layout). */
#define TCPOLEN_TSTAMP_APPA 12u

/* Flags a segment carries in each state (RFC 9293 3.10). */
static const uint8_t tcp_outflags[TCPS_NSTATES] = {
	[TCPS_CLOSED] = TH_RST | TH_ACK,
	[TCPS_LISTEN] = 0,
	[TCPS_SYN_SENT] = TH_SYN,
	[TCPS_SYN_RECEIVED] = TH_SYN | TH_ACK,
	[TCPS_ESTABLISHED] = TH_ACK,
	[TCPS_CLOSE_WAIT] = TH_ACK,
	[TCPS_FIN_WAIT_1] = TH_FIN | TH_ACK,
	[TCPS_CLOSING] = TH_FIN | TH_ACK,
	[TCPS_LAST_ACK] = TH_FIN | TH_ACK,
	[TCPS_FIN_WAIT_2] = TH_ACK,
	[TCPS_TIME_WAIT] = TH_ACK,
};

/* The receive window to offer: the buffer's free space, up to what the scaled 16-bit field
 * can say and the application's TCP_WINDOW_CLAMP.  Inline for tcp_output's own uses, which
 * ask for every segment.  With a clamp below the buffer, data the application has not read
 * yet shrinks the window only once less than the clamp is free. */
static inline uint32_t tcp_rcv_win(const struct tcpcb *tp, const struct socket *so)
{
	uint32_t win = so ? sbspace(&so->so_rcv) : 0;
	uint32_t max = TCP_MAXWIN << tp->rcv_scale;

	if (tp->t_rcv_clamp && tp->t_rcv_clamp < max)
		max = tp->t_rcv_clamp;
	return win > max ? max : win;
}

/* The largest window this connection offers: its buffer, or the clamp below it.  What the
 * silly-window rules measure a window against. */
static inline uint32_t tcp_rcv_hiwat(const struct tcpcb *tp, const struct socket *so)
{
	uint32_t hiwat = so->so_rcv.sb_hiwat;
	return tp->t_rcv_clamp && tp->t_rcv_clamp < hiwat ? tp->t_rcv_clamp : hiwat;
}

uint32_t tcp_rcv_window(const struct tcpcb *tp)
{
	return tcp_rcv_win(tp, tp_socket(tp));
}

/* Builds and sends one segment.  payload (may be NULL) is consumed.  Addresses host order.
 * Returns ip_output's result.  Inlined into its three callers: passing its seventeen
 * arguments cost more than much of its work, and some are constant at a call (no pcb for a
 * SYN-ACK, no payload and no TSO for tcp_respond's replies), so their branches fold away. */
static inline __attribute__((always_inline)) int tcp_emit(struct netstack *ns,
    struct tcp_instance *ti, struct inpcb *inp, uint32_t laddr, uint16_t lport, uint32_t faddr, uint16_t fport,
    tcp_seq seq, tcp_seq ack, unsigned flags, uint16_t win, const uint8_t *opts, size_t optlen,
    struct mbuf *payload, uint32_t len, uint16_t urp, uint32_t tso_segsz, uint8_t ecn,
    const struct tcp_md5_key *md5)
{
	uint32_t hlen = TCP_HDR_LEN + (uint32_t)optlen;
	struct mbuf *m = m_gethdr(MT_HEADER);

	if (!m) {
		m_freem(payload);
		TCPSTAT_INC(ti, sndfail);
		return -ENOBUFS;
	}
	m_align(m, hlen);
	m->m_len = hlen;
	m->m_pkthdr.len = hlen + len;
	uint8_t *th = mtod(m, uint8_t *);
	be16_put(th + TCPH_SPORT, lport);
	be16_put(th + TCPH_DPORT, fport);
	be32_put(th + TCPH_SEQ, seq);
	be32_put(th + TCPH_ACK, ack);
	th[TCPH_OFF] = (uint8_t)((hlen / 4) << 4);
	th[TCPH_FLAGS] = (uint8_t)flags;
	be16_put(th + TCPH_WIN, win);
	be16_put(th + TCPH_SUM, 0);
	be16_put(th + TCPH_URP, urp);
	if (optlen == TCPOLEN_TSTAMP_APPA)
		memcpy(th + TCP_HDR_LEN, opts, TCPOLEN_TSTAMP_APPA);  /* the usual case, inlined */
	else if (optlen)
		memcpy(th + TCP_HDR_LEN, opts, optlen);
	if (payload)
		m_cat(m, payload);
	if (md5)
		tcp_md5_sign(m, laddr, faddr, md5);     /* RFC 2385: opts hold its option */
	/* The checksum is finished by the device when the route's interface can (e1000 context
	 * descriptor), else in software by ip_output (net/ip_csum.h).  For segmentation the
	 * pseudo-header sum leaves out the length, which differs per piece (8254x SDM 3.5.4). */
	if (tso_segsz) {
		be16_put(th + TCPH_SUM, ip_csum_pseudo(laddr, faddr, IPPROTO_TCP, 0));
		m->m_pkthdr.csum_flags |= CSUM_TCP | CSUM_TSO;
		m->m_pkthdr.tso_segsz = (uint16_t)tso_segsz;
	} else {
		be16_put(th + TCPH_SUM, ip_csum_pseudo(laddr, faddr, IPPROTO_TCP,
		    (uint16_t)(hlen + len)));
		m->m_pkthdr.csum_flags |= CSUM_TCP;
	}

	struct ip_out ipo = {
		.src = laddr, .dst = faddr, .proto = IPPROTO_TCP,
		.tos = (uint8_t)((inp ? inp->inp_ip_tos : 0) | ecn),   /* ECN: tcp_ecn.c */
		.ttl = inp ? (uint8_t)in_pcb_ttl(inp) : 0,
	};
	unsigned ipflags = IP_DF;   /* RFC 1191 path MTU discovery */
	if (inp && inp->inp_pmtudisc == IP_PMTUDISC_DONT)
		ipflags = 0;
	/* A large segment counts as the segments the device makes of it. */
	TCPSTAT_ADD(ti, sndtotal, tso_segsz ? (len + tso_segsz - 1) / tso_segsz : 1);
	int err = ip_output(ns, m, &ipo, inp ? &inp->inp_route : NULL, ipflags);
	if (err)
		TCPSTAT_INC(ti, sndfail);
	return err;
}

void tcp_respond(struct netstack *ns, struct tcpcb *tp, uint32_t laddr, uint16_t lport,
    uint32_t faddr, uint16_t fport, tcp_seq seq, tcp_seq ack, unsigned flags)
{
	struct tcp_instance *ti = tcp_instance(ns);
	uint8_t opts[TCP_MAXOLEN];
	size_t optlen = 0;
	uint16_t win = 0;
	/* RFC 2385: signed when tp (for a RST, the connection or socket the segment found)
	 * holds a key for the peer. */
	const struct tcp_md5_key *md5 = tp ? tcp_md5_find(tp, faddr) : NULL;
	struct tcp_opts to = { .to_flags = md5 ? TOF_MD5 : 0 };

	if (tp && !(flags & TH_RST)) {
		uint32_t w = tcp_rcv_window(tp);
		if (!tp_socket(tp) && SEQ_GT(tp->rcv_adv, tp->rcv_nxt))
			w = tp->rcv_adv - tp->rcv_nxt;    /* TIME-WAIT alone: the last window offered */
		win = (uint16_t)(w >> tp->rcv_scale > TCP_MAXWIN ? TCP_MAXWIN : w >> tp->rcv_scale);
		if ((tp->t_flags & (TF_REQ_TSTMP | TF_RCVD_TSTMP)) == (TF_REQ_TSTMP | TF_RCVD_TSTMP)) {
			to.to_flags |= TOF_TS;
			to.to_tsval = tcp_ts_now(tp);
			to.to_tsecr = tp->ts_recent;
		}
	}
	if (to.to_flags)
		optlen = tcp_opts_build(opts, &to);
	if (flags & TH_RST)
		TCPSTAT_INC(ti, sndrst);
	else
		TCPSTAT_INC(ti, sndacks);
	TCPSTAT_INC(ti, sndctrl);
	tcp_emit(ns, ti, tp ? tp->t_inpcb : NULL, laddr, lport, faddr, fport, seq,
	    (flags & TH_ACK) ? ack : 0, flags, win, opts, optlen, NULL, 0, 0, 0, 0, md5);
}

void tcp_respond_synack(struct netstack *ns, const struct tcpcb *ltp, uint32_t laddr,
    uint16_t lport, uint32_t faddr, uint16_t fport, tcp_seq seq, tcp_seq ack, uint16_t mss)
{
	uint8_t opts[TCP_MAXOLEN];
	const struct tcp_md5_key *md5 = tcp_md5_find(ltp, faddr);
	struct tcp_opts to = { .to_flags = TOF_MSS | (md5 ? TOF_MD5 : 0), .to_mss = mss };
	size_t optlen = tcp_opts_build(opts, &to);

	struct tcp_instance *ti = tcp_instance(ns);
	TCPSTAT_INC(ti, sndctrl);
	tcp_emit(ns, ti, NULL, laddr, lport, faddr, fport, seq, ack, TH_SYN | TH_ACK, TCP_MAXWIN, opts,
	    optlen, NULL, 0, 0, 0, 0, md5);
}

static bool tcp_ts_on(const struct tcpcb *tp)
{
	return (tp->t_flags & (TF_REQ_TSTMP | TF_RCVD_TSTMP)) == (TF_REQ_TSTMP | TF_RCVD_TSTMP);
}

/* The option nearly every segment carries, written as tcp_opts_build would (RFC 7323
 * appendix A layout: NOP, NOP, kind 8, length 10, TSval, TSecr); returns its length. */
static inline size_t tcp_ts_option(const struct tcpcb *tp, uint8_t *buf)
{
	buf[0] = TCPOPT_NOP;
	buf[1] = TCPOPT_NOP;
	buf[2] = TCPOPT_TIMESTAMP;
	buf[3] = TCPOLEN_TIMESTAMP;
	be32_put(buf + 4, tcp_ts_at(tp, net_clock(tp->t_ns)));     /* tcp_ts_now, inline */
	be32_put(buf + 8, tp->ts_recent);
	return TCPOLEN_TSTAMP_APPA;
}

/* Options for a segment with `flags` on tp; returns their length. */
static size_t tcp_output_options(struct tcpcb *tp, unsigned flags, uint8_t *buf)
{
	struct tcp_opts to = { 0 };

	if ((tp->t_flags & TF_SIGNATURE) && tcp_md5_find(tp, tp->t_inpcb->inp_faddr))
		to.to_flags |= TOF_MD5;     /* RFC 2385: on every segment, TCP_NOOPT or not */
	if (tp->t_flags & TF_NOOPT)
		return to.to_flags ? tcp_opts_build(buf, &to) : 0;
	if (flags & TH_SYN) {
		to.to_flags |= TOF_MSS;
		to.to_mss = (uint16_t)tp->t_advmss;
		/* RFC 7323 2.2 / RFC 2018 2: on a SYN-ACK only what the peer offered. */
		bool synack = (flags & TH_ACK) != 0;
		if ((tp->t_flags & TF_REQ_SCALE) && (!synack || (tp->t_flags & TF_RCVD_SCALE))) {
			to.to_flags |= TOF_SCALE;
			to.to_wscale = tp->request_r_scale;
		}
		if ((tp->t_flags & TF_REQ_SACK) && (!synack || (tp->t_flags & TF_SACK_PERMIT)))
			to.to_flags |= TOF_SACKPERM;
		if ((tp->t_flags & TF_REQ_TSTMP) && (!synack || (tp->t_flags & TF_RCVD_TSTMP))) {
			to.to_flags |= TOF_TS;
			to.to_tsval = tcp_ts_now(tp);
			to.to_tsecr = tp->ts_recent;
		}
	} else {
		bool sack = (tp->t_flags & TF_SACK_PERMIT) && (tp->rcv_numsacks > 0 || tp->rcv_have_dsack);
		if (!sack && tcp_ts_on(tp) && !to.to_flags)
			return tcp_ts_option(tp, buf);
		if ((tp->t_flags & (TF_REQ_TSTMP | TF_RCVD_TSTMP)) == (TF_REQ_TSTMP | TF_RCVD_TSTMP)) {
			to.to_flags |= TOF_TS;
			to.to_tsval = tcp_ts_now(tp);
			to.to_tsecr = tp->ts_recent;
		}
		if (sack) {
			/* RFC 2883 4: a D-SACK block goes first, once; then RFC 2018 4's blocks,
			 * most recent first, as many as fit (tcp_opts_build cuts the rest). */
			unsigned n = 0;
			to.to_flags |= TOF_SACK;
			if (tp->rcv_have_dsack) {
				to.to_sacks[n++] = tp->rcv_dsack;
				tp->rcv_have_dsack = false;
			}
			for (unsigned i = 0; i < tp->rcv_numsacks && n < TCP_MAX_SACK; i++)
				to.to_sacks[n++] = tp->rcv_sacks[i];
			to.to_nsacks = (uint8_t)n;
		}
	}
	return tcp_opts_build(buf, &to);
}

/* Payload bytes a segment carrying optlen bytes of options may hold (RFC 6691: the MSS
 * counts neither IP nor TCP options).  tcp_mss_update already took the timestamp option
 * every segment carries out of t_maxseg when both ends use it (and the MSS was not tiny, so
 * t_maxseg is above TCP_MIN_MSS + 12 only then), so only options beyond it take more. */
static uint32_t tcp_seg_room(const struct tcpcb *tp, size_t optlen)
{
	uint32_t extra = (uint32_t)optlen;
	if (tcp_ts_on(tp) && tp->t_maxseg > TCP_MIN_MSS + TCPOLEN_TSTAMP_APPA &&
	    extra >= TCPOLEN_TSTAMP_APPA)
		extra -= TCPOLEN_TSTAMP_APPA;
	return tp->t_maxseg > extra ? tp->t_maxseg - extra : 1;
}

/* The route's interface segments TCP for us, as ip_output will find it through the same
 * route cache.  CSUM_TSO alone says so: a device that cuts a large segment also inserts the
 * IP and TCP checksums of every piece it makes (8254x SDM 3.5; tcp_gso.c), whether or not
 * it offers checksum offload for other frames. */
static bool tcp_tso_route(struct netstack *ns, struct inpcb *inp)
{
	struct rt_entry *rt = rt_lookup_cached(ns, &inp->inp_route, inp->inp_faddr);
	if (!rt || (rt->rt_flags & (RTF_LOCAL | RTF_REJECT)) || !rt->rt_ifp)
		return false;
	return (rt->rt_ifp->if_hwassist & CSUM_TSO) != 0;
}

/* The options a data segment carries when it holds no SACK information: the timestamp
 * option or nothing (what tcp_output_options then builds). */
static size_t tcp_plain_optlen(const struct tcpcb *tp)
{
	return !(tp->t_flags & TF_NOOPT) && tcp_ts_on(tp) ? TCPOLEN_TSTAMP_APPA : 0;
}

/* The data payload [off, off+len) of the send buffer (off from snd_una) as a chain sharing
 * its clusters.  The walk to off starts at the hint when it lies at or before off: the hint's
 * mbuf is still in the buffer as long as its first byte is not below snd_una, because the
 * buffer only loses whole mbufs below snd_una and trims the one holding it (sbdrop), and only
 * grows at its tail (sbappendstream). */
static struct mbuf *tcp_payload(struct tcpcb *tp, struct socket *so, uint32_t off, uint32_t len)
{
	struct sockbuf *sb = &so->so_snd;
	struct mbuf *m = sb->sb_mb;
	uint32_t at = 0;            /* buffer offset of m's first byte */

	if (len == 0)
		return NULL;
	if (tp->t_sndhint && SEQ_GEQ(tp->t_sndhint_seq, tp->snd_una)) {
		uint32_t h = tp->t_sndhint_seq - tp->snd_una;
		if (h <= off && h < sb->sb_cc) {
			m = tp->t_sndhint;
			at = h;
		}
	}
	while (m && off - at >= m->m_len) {
		at += m->m_len;
		m = m->m_next;
	}
	if (!m)
		return NULL;
	tp->t_sndhint = m;
	tp->t_sndhint_seq = tp->snd_una + at;
	return m_copym(m, off - at, len);
}

/* One segment as decided (tcp_output_fast or tcp_output_decide), for tcp_output_send. */
struct tcp_seg {
	uint32_t off;           /* payload offset from snd_una */
	uint32_t len;           /* payload bytes */
	uint32_t win;           /* the receive window, bytes (rcv_adv follows it) */
	uint32_t tso_segsz;     /* 0, or the device's segment size (TSO) */
	tcp_seq seq;
	unsigned flags;
	size_t optlen;          /* option bytes in the caller's buffer */
	uint16_t thwin;         /* the header's window field */
	uint16_t urp;
	uint8_t ecn;            /* the IP ECN field: ECT(0) for new data on an ECN connection */
	bool sendalot;          /* more may go at once: decide again */
	bool sack_rxmit;        /* a SACK hole retransmission */
	bool sack_rescue;       /* ... by NextSeg rule 4 (HighRxt stays) */
	bool sack_relost;       /* ... of a retransmission found lost (tcp_rxlog_lost) */
	bool fast;              /* decided by tcp_output_fast (tcpstat sndfast) */
};

/* RFC 5681 4.1: after an idle period longer than the RTO, restart from the restart window,
 * RW = min(IW, cwnd).  RFC 6928 2 lets RW use its larger initial window, but a connection
 * that has lost data SHOULD fall back to the smaller one (RFC 3390's, here RFC 5681 3.1's,
 * its successor): once anything was retransmitted, RW is RFC 5681's.
 * A receiver asks on every ACK it sends, just after a segment arrived: an idle time within
 * the smallest RTO there can be (tcp_rexmt_timeout clamps to rexmit_min_ns, then caps at
 * rexmit_max_ns) settles it before the window and the RTO are computed. */
static __attribute__((noinline)) void tcp_idle_restart_cwnd(struct tcpcb *tp, uint64_t idle)
{
	unsigned segs = tp->t_rexmits_total ? 0 :
	    tcp_instance(tp->t_ns)->ti_conf.initcwnd_segs;
	uint32_t rw = tcp_cc_initial_window(tp->t_maxseg, segs);
	if (tp->t_cc.cwnd > rw && idle > tcp_rexmt_timeout(tp))
		tp->t_cc.cwnd = rw;
}

/* (The settled cases inline in tcp_output: no call.) */
static inline __attribute__((always_inline)) void tcp_idle_restart(struct tcpcb *tp,
    const struct tcp_instance *ti)
{
	if (tp->snd_max != tp->snd_una || !tp->t_rcvtime || tp->t_state != TCPS_ESTABLISHED)
		return;
	uint64_t idle = net_clock(tp->t_ns) - tp->t_rcvtime;
	if (idle <= NET_MIN(ti->ti_conf.rexmit_min_ns, ti->ti_conf.rexmit_max_ns))
		return;
	tcp_idle_restart_cwnd(tp, idle);
}

/* The window field for a segment with `flags` advertising win bytes: never shrink what we
 * advertised (RFC 9293 3.8.6.2.2), and advertise zero rather than a silly sliver.  Updates
 * sg->win and TF_RXWIN0SENT. */
static inline uint16_t tcp_adv_win(struct tcpcb *tp, struct socket *so, uint32_t *winp,
    bool syn)
{
	uint32_t win = *winp;
	if (so && win < tcp_rcv_hiwat(tp, so) / 4 && win < tp->t_maxseg)
		win = 0;
	if (SEQ_GT(tp->rcv_adv, tp->rcv_nxt) && win < (uint32_t)(tp->rcv_adv - tp->rcv_nxt))
		win = tp->rcv_adv - tp->rcv_nxt;
	uint16_t thwin;
	if (syn)
		thwin = (uint16_t)NET_MIN(win, TCP_MAXWIN);  /* RFC 7323 2.2: SYN unscaled */
	else
		thwin = (uint16_t)NET_MIN(win >> tp->rcv_scale, TCP_MAXWIN);
	if (thwin == 0)
		tp->t_flags |= TF_RXWIN0SENT;
	else
		tp->t_flags &= ~TF_RXWIN0SENT;
	*winp = win;
	return thwin;
}

static inline uint16_t tcp_adv_window(struct tcpcb *tp, struct socket *so,
    struct tcp_seg *sg)
{
	return tcp_adv_win(tp, so, &sg->win, (sg->flags & TH_SYN) != 0);
}

/* RFC 9293 3.8.6.2.2 receiver SWS avoidance: whether the window grew enough since the last
 * advertisement to be worth a segment of its own.  The RFC's floor is min(buffer/2, MSS);
 * this is FreeBSD's stricter rule: not when the advertised field would not change at the
 * window scale, and otherwise by two segments when that is also a quarter of the buffer (or
 * the window was down to an eighth, or the buffer is small), or by half the buffer; after a
 * zero window, by one segment.  (FreeBSD also holds the update while a delayed ACK is
 * pending; here the pending ACK goes with it at once: a sender held by our window would
 * otherwise wait up to the delayed-ACK time for it, which cut QEMU uploads into STOS to a
 * third.) */
static inline bool tcp_winup_due(const struct tcpcb *tp, const struct socket *so,
    uint32_t win)
{
	uint32_t cur = tp->rcv_adv - tp->rcv_nxt;
	if (SEQ_LT(tp->rcv_adv, tp->rcv_nxt))
		cur = 0;
	uint32_t adv = win > cur ? win - cur : 0;
	if (cur >> tp->rcv_scale >= (cur + adv) >> tp->rcv_scale)
		return false;
	if ((tp->t_flags & TF_RXWIN0SENT) && adv >= tp->t_maxseg)
		return true;
	if (!so)
		return adv >= 2 * tp->t_maxseg;
	uint32_t hiwat = tcp_rcv_hiwat(tp, so);
	if (adv >= 2 * tp->t_maxseg && (adv >= hiwat / 4 || win <= hiwat / 8 ||
	    hiwat <= 8 * tp->t_maxseg || adv >= (uint32_t)TCP_MAXWIN << tp->rcv_scale))
		return true;
	return 2 * adv >= hiwat;
}

/* Nothing may be sent now though data may wait.  With data in flight, its ACKs (or the
 * retransmission timer) will wake us; with nothing in flight the peer's window is closed
 * and only probes will (RFC 9293 3.8.6.1), or TCP_CORK holds a short tail: the persist
 * timer sends that one RTO later, Linux's "200 ms ceiling" (tcp(7); there it is the
 * zero-window probe timer, armed for one RTO). */
static void tcp_output_wait(struct tcpcb *tp, uint32_t sb_cc, uint32_t off)
{
	if (sb_cc > off && tp->snd_max != tp->snd_una) {
		if (!tcp_timer_active(tp, TT_REXMT) && !tcp_timer_active(tp, TT_PERSIST))
			tcp_timer_arm(tp, TT_REXMT, tcp_rexmt_timeout(tp));
	} else if (sb_cc > off && !tcp_timer_active(tp, TT_REXMT) &&
	    !tcp_timer_active(tp, TT_PERSIST)) {
		tp->t_rxtshift = 0;
		if ((tp->t_flags & TF_NOPUSH) && tp->snd_wnd > 0)
			tcp_timer_arm(tp, TT_PERSIST, tcp_rexmt_timeout(tp));
		else
			tcp_setpersist(tp);
	}
}

/* tcp_output_fast's answers. */
#define TCP_FAST_GENERAL 0      /* not a common case: tcp_output_decide decides */
#define TCP_FAST_SEND 1         /* send sg */
#define TCP_FAST_WAIT 2         /* nothing may go now (tcp_output_wait done) */
#define TCP_FAST_ACK 3          /* a pure ACK or window update: tcp_output_ack sends it
                                 * (sg->win holds the window) */

/* The common cases of a synchronized connection, decided in a few comparisons: a full
 * segment of new data (not for a device that segments: the general path cuts large
 * segments); a pure ACK or window update with nothing to send; and nothing at all while
 * Nagle holds back a short tail behind data in flight.  Nothing special may be pending: no
 * retransmission (snd_nxt below snd_max), no probe, no loss recovery, no urgent data, no
 * SACK blocks to report (their options take payload room).  These are the conditions under
 * which tcp_output_decide reaches the same result by its longer way (tests/tcp/tcp_outfast.c
 * compares the two); anything else is left to it.  *tso_route as in tcp_output. */
static int tcp_output_fast(struct tcpcb *tp, struct tcp_instance *ti, struct socket *so,
    int *tso_route, uint8_t *opts, struct tcp_seg *sg)
{
	/* ESTABLISHED, CLOSE-WAIT and FIN-WAIT-2 send plain ACK segments (tcp_outflags); so
	 * do FIN-WAIT-1's data segments short of the end before the FIN went (the general
	 * decision clears the FIN on them). */
	int st = tp->t_state;
	bool plain = st == TCPS_ESTABLISHED || st == TCPS_CLOSE_WAIT || st == TCPS_FIN_WAIT_2;
	if ((!plain && (st != TCPS_FIN_WAIT_1 || (tp->t_flags & TF_SENTFIN))) || !so ||
	    (tp->t_flags & (TF_FORCEDATA | TF_FASTRECOVERY | TF_ECN_SND_ECE | TF_ECN_SND_CWR)) ||
	    tp->snd_nxt != tp->snd_max || SEQ_GT(tp->snd_up, tp->snd_una) || tp->rcv_numsacks ||
	    tp->rcv_have_dsack)
		return TCP_FAST_GENERAL;
	uint32_t sb_cc = so->so_snd.sb_cc;
	uint32_t off = tp->snd_nxt - tp->snd_una;
	uint32_t sendwin = NET_MIN(tp->snd_wnd, tp->t_cc.cwnd);
	int64_t slen = (int64_t)NET_MIN(sb_cc, sendwin) - (int64_t)off;
	unsigned flags = TH_ACK;
	uint32_t len = 0;
	uint32_t win = tcp_rcv_win(tp, so);
	bool sendalot = false;

	if (slen >= tp->t_maxseg) {
		if (slen > tp->t_maxseg) {
			if (*tso_route < 0)
				*tso_route = tcp_tso_route(tp->t_ns, tp->t_inpcb);
			if (*tso_route)
				return TCP_FAST_GENERAL;
			sendalot = true;
		}
		len = tp->t_maxseg;
		if (!plain && off + len >= sb_cc)
			return TCP_FAST_GENERAL;    /* the FIN goes with it */
	} else if (!plain) {
		return TCP_FAST_GENERAL;
	} else if (slen == 0 || (slen > 0 && tp->snd_max != tp->snd_una &&
	    !(tp->t_flags & TF_NODELAY) && !(tp->max_sndwnd > 0 && slen >= tp->max_sndwnd / 2))) {
		/* No data (or a short tail Nagle holds: RFC 1122 4.2.3.4, and not the sender
		 * SWS rule's half window): only an ACK or a window update may go. */
		bool winup = win > 0 && !tcps_have_rcvd_fin(st) && tcp_winup_due(tp, so, win);
		if (!winup && !(tp->t_flags & TF_ACKNOW)) {
			tcp_output_wait(tp, sb_cc, off);
			return TCP_FAST_WAIT;
		}
		if (slen > 0)
			return TCP_FAST_GENERAL;    /* an ACK with a short tail: rare, decide fully */
		if (winup)
			TCPSTAT_INC(ti, sndwinup);
		sg->win = win;
		return TCP_FAST_ACK;
	} else {
		return TCP_FAST_GENERAL;
	}
	/* A full segment.  tcp_output_options without SACK blocks to send: the timestamps or
	 * nothing; options beyond the timestamps take room from the payload (RFC 6691). */
	sg->optlen = tcp_plain_optlen(tp) ? tcp_ts_option(tp, opts) : 0;
	uint32_t room = tcp_seg_room(tp, sg->optlen);
	if (len > room) {
		len = room;
		sendalot = true;
	}
	if (off + len == sb_cc)
		flags |= TH_PUSH;
	sg->off = off;
	sg->len = len;
	sg->win = win;
	sg->tso_segsz = 0;
	sg->seq = tp->snd_nxt;      /* == snd_max */
	sg->flags = flags;
	sg->thwin = tcp_adv_window(tp, so, sg);
	sg->urp = 0;
	sg->ecn = (tp->t_flags & TF_ECN_PERMIT) ? IPTOS_ECN_ECT0 : 0;   /* new data (tcp_ecn.c) */
	tp->snd_up = tp->snd_una;   /* no urgent data: drag it along, so it never wraps */
	sg->sendalot = sendalot;
	sg->sack_rxmit = false;
	sg->sack_rescue = false;
	sg->sack_relost = false;
	sg->fast = true;
	return TCP_FAST_SEND;
}

/* RFC 6675 NextSeg rule 2's test during SACK recovery: new data can go now - the peer's
 * window and the pipe's room take a full segment of it, or all that is left when Nagle
 * would not hold it back (TCP_NODELAY).  Otherwise the holes not yet lost come first (rule
 * 3), so that a tail Nagle keeps does not stall recovery. */
static bool tcp_sack_new_data_ok(const struct tcpcb *tp, uint32_t sb_cc, uint32_t pipe_room)
{
	uint32_t off = tp->snd_nxt - tp->snd_una;
	if (tp->snd_nxt != tp->snd_max)
		return false;
	uint32_t limit = NET_MIN(NET_MIN(sb_cc, tp->snd_wnd), off + pipe_room);
	if (limit <= off)
		return false;
	uint32_t can = limit - off;
	return can >= tp->t_maxseg || (can == sb_cc - off && (tp->t_flags & TF_NODELAY));
}

/* Everything else: what may be sent now, by the rules in the comment at the top.  Returns
 * false when nothing is to be sent (timers armed as needed), true with sg (and the options
 * in opts) filled. */
static __attribute__((noinline)) bool tcp_output_decide(struct tcpcb *tp, struct socket *so, int *tso_route,
    uint8_t *opts, struct tcp_seg *sg)
{
	struct netstack *ns = tp->t_ns;
	struct tcp_instance *ti = tcp_instance(ns);
	bool sendalot = false;
	bool idle = tp->snd_max == tp->snd_una;
	uint32_t sb_cc = so ? so->so_snd.sb_cc : 0;
	uint32_t off = tp->snd_nxt - tp->snd_una;
	uint32_t sendwin = NET_MIN(tp->snd_wnd, tp->t_cc.cwnd);
	unsigned flags = tcp_outflags[tp->t_state];

	/* In loss recovery with SACK, while cwnd exceeds the pipe (RFC 6675 5 (C)), the next
	 * segment is NextSeg's (RFC 6675 4): (1) a lost hole above HighRxt, (2) new data,
	 * (3) any other hole above HighRxt, (4) once per recovery, a rescue retransmission of
	 * the highest un-SACKed segment.  Recovery's first segment goes whether lost or not
	 * (RFC 6675 5 (4.3)). */
	bool sack_rxmit = false, sack_recovery = false, sack_rescue = false, sack_relost = false;
	tcp_seq rxmit_seq = 0;
	uint32_t rxmit_len = 0, pipe_room = 0;
	if ((tp->t_flags & (TF_FASTRECOVERY | TF_SACK_PERMIT)) == (TF_FASTRECOVERY | TF_SACK_PERMIT)) {
		uint32_t pipe = tcp_sack_pipe(tp);
		sack_recovery = true;
		pipe_room = pipe < tp->t_cc.cwnd ? tp->t_cc.cwnd - pipe : 0;
		tcp_seq from = SEQ_MAX(tp->sack_hint, tp->snd_una);
		if (tp->t_flags & TF_SACK_FIRST) {
			/* The segment at SND.UNA, up to the first SACKed byte, whatever the
			 * pipe says. */
			rxmit_seq = tp->snd_una;
			rxmit_len = tp->t_sack.n ? tcp_sack_cblocks(&tp->t_sack)[0].start - tp->snd_una :
			    tp->snd_max - tp->snd_una;
			sack_rxmit = rxmit_len > 0;
		}
		/* (A peer can SACK the byte at SND.UNA without acknowledging it: then there
		 * is no first segment, and NextSeg decides.) */
		if (!sack_rxmit && pipe_room >= tp->t_maxseg) {
			/* Before NextSeg's rules: a retransmission found lost (tcp_sack.c). */
			if (tcp_rxlog_lost(tp, &rxmit_seq, &rxmit_len))
				sack_rxmit = sack_relost = true;
			else if (tcp_sack_next_lost(tp, from, &rxmit_seq, &rxmit_len))
				sack_rxmit = true;
			else if (!tcp_sack_new_data_ok(tp, sb_cc, pipe_room)) {
				if (tcp_sack_next_hole(tp, from, &rxmit_seq, &rxmit_len))
					sack_rxmit = true;
				else if (SEQ_GT(tp->snd_una, tp->sack_rescue) &&
				    tcp_sack_rescue_seg(tp, &rxmit_seq, &rxmit_len))
					sack_rxmit = sack_rescue = true;
			}
		}
		if (rxmit_len > tp->t_maxseg)
			rxmit_len = tp->t_maxseg;
	}

	if (tp->t_flags & TF_FORCEDATA) {
		/* Persist: probe a zero window with one byte (RFC 9293 3.8.6.1). */
		if (sendwin == 0) {
			if (off < sb_cc)
				flags &= ~TH_FIN;
			sendwin = 1;
		} else {
			tcp_timer_stop(tp, TT_PERSIST);
			tp->t_rxtshift = 0;
		}
	}

	int64_t slen;
	if (sack_rxmit && rxmit_seq - tp->snd_una >= sb_cc) {
		/* Nothing of the buffer's data there (only the FIN's number): not a hole. */
		sack_rxmit = sack_rescue = sack_relost = false;
	}
	if (sack_rxmit) {
		off = rxmit_seq - tp->snd_una;
		slen = NET_MIN(rxmit_len, sb_cc - off);
	} else {
		if (sack_recovery && tp->snd_nxt == tp->snd_max && !(tp->t_flags & TF_FORCEDATA))
			sendwin = NET_MIN(tp->snd_wnd,
			    off + (pipe_room >= tp->t_maxseg ? pipe_room : 0));
		slen = (int64_t)NET_MIN(sb_cc, sendwin) - (int64_t)off;
	}
	if ((flags & TH_SYN) && tp->snd_nxt != tp->snd_una) {
		/* SYN already sent and not yet acknowledged: only a retransmission
		 * (snd_nxt back at snd_una) sends it again. */
		flags &= ~TH_SYN;
		if (tp->t_state == TCPS_SYN_SENT)
			return false;
	}
	if ((flags & TH_SYN) || tp->t_state == TCPS_SYN_SENT)
		slen = 0;     /* no data on SYN, nor before the handshake completes */
	if (slen < 0) {
		/* FIN sent (or the window shrank): nothing new. */
		slen = 0;
		if (sendwin == 0) {
			tcp_timer_stop(tp, TT_REXMT);
			tp->t_rxtshift = 0;
			tp->snd_nxt = tp->snd_una;
			if (!tcp_timer_active(tp, TT_PERSIST))
				tcp_setpersist(tp);
		}
	}
	uint32_t len = (uint32_t)slen;
	uint32_t tso_segsz = 0;
	if (len > tp->t_maxseg && !sack_rxmit && !(flags & TH_SYN) &&
	    !(tp->t_flags & (TF_FORCEDATA | TF_ECN_SND_CWR)) && !SEQ_GT(tp->snd_up, tp->snd_una) &&
	    tp->rcv_numsacks == 0 && !tp->rcv_have_dsack && so) {
		if (*tso_route < 0)
			*tso_route = tcp_tso_route(ns, tp->t_inpcb);
		size_t po = tcp_plain_optlen(tp);
		uint32_t seg = tcp_seg_room(tp, po);
		uint32_t n = NET_MIN(len, TCP_TSO_MAXDGRAM - IP_HDR_MIN - TCP_HDR_LEN -
		    (uint32_t)po);
		/* Whole segments only, but for a tail that empties the buffer with
		 * TCP_NODELAY, which the ordinary path would send at once as well. */
		if (!(n == len && off + n >= sb_cc &&
		    (tp->t_flags & (TF_NODELAY | TF_NOPUSH)) == TF_NODELAY))
			n -= n % seg;
		if (*tso_route && n > seg) {
			len = n;
			tso_segsz = seg;
			sendalot = len < (uint32_t)slen;
		}
	}
	if (!tso_segsz && len > tp->t_maxseg) {
		len = tp->t_maxseg;
		sendalot = true;
	}
	if (!sack_rxmit && SEQ_LT(tp->snd_nxt + len, tp->snd_una + sb_cc))
		flags &= ~TH_FIN;

	if (sack_rxmit)
		flags &= ~TH_FIN;

	uint32_t win = tcp_rcv_win(tp, so);
	bool send = false;

	if (len) {
		if (len == tp->t_maxseg || tso_segsz)
			send = true;
		else if ((idle || (tp->t_flags & TF_NODELAY)) && len + off >= sb_cc &&
		    !(tp->t_flags & TF_NOPUSH))
			send = true;    /* Nagle (RFC 1122 4.2.3.4) allows it */
		else if (tp->t_flags & TF_FORCEDATA)
			send = true;
		else if (tp->max_sndwnd > 0 && len >= tp->max_sndwnd / 2)
			send = true;    /* RFC 9293 3.8.6.2.1 sender SWS avoidance */
		else if (SEQ_LT(tp->snd_nxt, tp->snd_max) || sack_rxmit)
			send = true;    /* retransmission */
	}
	if (!send && win > 0 && tcps_have_rcvd_syn(tp->t_state) &&
	    !tcps_have_rcvd_fin(tp->t_state) && tcp_winup_due(tp, so, win)) {
		send = true;
		TCPSTAT_INC(ti, sndwinup);
	}
	if (tp->t_flags & TF_ACKNOW)
		send = true;
	if (flags & (TH_SYN | TH_RST))
		send = true;
	/* Urgent data pending makes a segment go even with nothing else to send (a zero window:
	 * RFC 9293 3.8.5 wants the urgent pointer sent regardless) - once for each urgent
	 * pointer: the peer knows it from then on, and data segments go on carrying it.  Every
	 * call otherwise sent another empty URG segment; an end in loss recovery, whose duplicate
	 * ACKs each call here, with a peer answering each such segment with one - itself, on a
	 * connection to its own address and port - traded them without end (the TCP fuzz target,
	 * tests/fuzz/tcp_corpus/regress-urg-self-loop). */
	if (SEQ_GT(tp->snd_up, tp->snd_una) && tp->snd_up != tp->snd_up_sent)
		send = true;
	if ((flags & TH_FIN) && (!(tp->t_flags & TF_SENTFIN) || tp->snd_nxt == tp->snd_una))
		send = true;
	if (!send) {
		tcp_output_wait(tp, sb_cc, off);
		return false;
	}

	size_t optlen = tcp_output_options(tp, flags, opts);
	if (tso_segsz && optlen != tcp_plain_optlen(tp))
		tso_segsz = 0;      /* not the options the size was cut for: one segment */
	if (!tso_segsz && !(flags & TH_SYN)) {
		/* Options beyond the timestamps take room from the payload (RFC 6691). */
		uint32_t room = tcp_seg_room(tp, optlen);
		if (len > room) {
			len = room;
			sendalot = true;
			flags &= ~TH_FIN;
		}
	}
	if (len && off + len == sb_cc)
		flags |= TH_PUSH;

	/* Sequence number: a retransmitted FIN reuses its number; a pure ACK or window
	 * update carries snd_max so it does not look like a retransmission. */
	tcp_seq seq;
	if (sack_rxmit)
		seq = rxmit_seq;
	else {
		/* An ACK sent while our FIN is outstanding repeats the FIN (as BSD), but only
		 * when nothing before it is: with data unacknowledged the FIN would land beyond
		 * the peer's RCV.NXT, an out-of-order segment it answers at once (RFC 5681 4.2)
		 * - with its own FIN, if it is in the same state, and two such ends traded
		 * them without end on a connection to ourselves, in no time at all (the TCP fuzz
		 * target, tests/fuzz/tcp_corpus/regress-fin-ack-loop: TCP-MD5 keys that dropped
		 * data both ways).  Linux never repeats the FIN on an ACK. */
		if ((flags & TH_FIN) && (tp->t_flags & TF_SENTFIN) && tp->snd_nxt == tp->snd_max) {
			if (len == 0 && SEQ_LT(tp->snd_una + 1, tp->snd_max))
				flags &= ~TH_FIN;
			else
				tp->snd_nxt--;
		}
		if (len || (flags & (TH_SYN | TH_FIN)) || tcp_timer_active(tp, TT_PERSIST))
			seq = tp->snd_nxt;
		else
			seq = tp->snd_max;
	}

	sg->ecn = 0;
	if (flags & TH_SYN)
		flags |= tcp_ecn_syn_flags(tp);
	else if (tp->t_flags & TF_ECN_PERMIT)
		flags = tcp_ecn_output(tp, flags, len, sack_rxmit || SEQ_LT(seq, tp->snd_max),
		    &sg->ecn);
	sg->flags = flags;
	sg->win = win;
	sg->thwin = tcp_adv_window(tp, so, sg);
	sg->urp = 0;
	if (SEQ_GT(tp->snd_up, seq)) {
		uint32_t u = tp->snd_up - seq;
		sg->urp = (uint16_t)(u > 0xffff ? 0xffff : u);
		sg->flags |= TH_URG;
	} else {
		tp->snd_up = tp->snd_una;   /* drag it along, so it never wraps */
	}
	sg->off = off;
	sg->len = len;
	sg->tso_segsz = tso_segsz;
	sg->seq = seq;
	sg->optlen = optlen;
	sg->sendalot = sendalot;
	sg->sack_rxmit = sack_rxmit;
	sg->sack_rescue = sack_rescue;
	sg->sack_relost = sack_relost;
	sg->fast = false;
	return true;
}

/* tcp_output_send's send-state step for data sent from snd_nxt without SYN or FIN, or for
 * no data at all: the retransmission timer runs while anything is in flight (RFC 6298 5.1),
 * taking over from a persist timer. */
static inline void tcp_rexmt_ensure(struct tcpcb *tp)
{
	if (!tcp_timer_active(tp, TT_REXMT) && tp->snd_nxt != tp->snd_una) {
		if (tcp_timer_active(tp, TT_PERSIST)) {
			tcp_timer_stop(tp, TT_PERSIST);
			tp->t_rxtshift = 0;
		}
		tcp_timer_arm(tp, TT_REXMT, tcp_rexmt_timeout(tp));
	}
}

/* Every segment carries an ACK of rcv_nxt and the window win: what was advertised moves on,
 * and nothing is owed any longer (no ACK now, no delayed ACK). */
static inline void tcp_ack_sent(struct tcpcb *tp, uint32_t win)
{
	if (win > 0 && SEQ_GT(tp->rcv_nxt + win, tp->rcv_adv))
		tp->rcv_adv = tp->rcv_nxt + win;
	tp->last_ack_sent = tp->rcv_nxt;
	tp->t_flags &= ~(TF_ACKNOW | TF_DELACK);
	tp->t_unacked_segs = 0;
	tcp_delack_stop(tp);                     /* this segment carries the ACK */
}

/* tcp_ack_direct's answer when it did not send: tcp_emit must. */
#define TCP_DIRECT_NO 1

/* What of the socket's choices a pure ACK's frame depends on (struct tcp_acktpl): its TOS,
 * its TTL setting (-1..255) and the instance's default TTL (together the TTL byte), DF, and
 * whether the timestamp option goes.  The settings themselves, not the byte they make: no
 * branch. */
static inline uint32_t tcp_acktpl_key(const struct netstack *ns, const struct inpcb *inp,
    bool ts)
{
	return ((uint32_t)inp->inp_ip_tos & 0xffu) | ((uint32_t)inp->inp_ip_ttl & 0x1ffu) << 8 |
	    (uint32_t)ns->ns_conf.ip_defttl << 17 |
	    (inp->inp_pmtudisc == IP_PMTUDISC_DONT ? 0u : 1u << 25) | (ts ? 1u << 26 : 0u);
}

static inline uint32_t tcp_ld32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* Copies 56 bytes as seven 8-byte words. */
static inline __attribute__((always_inline)) void tcp_copy56(uint8_t *d, const uint8_t *s)
{
	uint64_t a, b, c, e, f, g, h;
	memcpy(&a, s, 8);
	memcpy(&b, s + 8, 8);
	memcpy(&c, s + 16, 8);
	memcpy(&e, s + 24, 8);
	memcpy(&f, s + 32, 8);
	memcpy(&g, s + 40, 8);
	memcpy(&h, s + 48, 8);
	memcpy(d, &a, 8);
	memcpy(d + 8, &b, 8);
	memcpy(d + 16, &c, 8);
	memcpy(d + 24, &e, 8);
	memcpy(d + 32, &f, 8);
	memcpy(d + 40, &g, 8);
	memcpy(d + 48, &h, 8);
}

/* Keeps the frame ip_output_tcp_prep just completed (room bytes at frame, TCP header hlen
 * bytes) as tp's template: the per-ACK fields zeroed, the TCP checksum field back to the
 * pseudo-header sum when the sum is done here, and the sums of the words that stay.  Out of
 * line: once per connection and path change. */
static __attribute__((noinline)) void tcp_acktpl_save(struct tcpcb *tp, const struct ifnet *ifp,
    const struct mbuf *m, uint32_t room, uint32_t hlen, uint32_t key, uint16_t pseudo)
{
	struct netstack *ns = tp->t_ns;
	struct tcp_acktpl *at = &tp->t_acktpl;
	uint8_t *f = at->at_frame;
	uint8_t *ip = f + ETHER_HDR_LEN, *th = ip + IP_HDR_MIN;
	unsigned sw = (CSUM_IP | CSUM_TCP) & ~m->m_pkthdr.csum_flags;

	memcpy(f, mtod(m, const uint8_t *), room);
	be16_put(ip + 4, 0);                        /* ID */
	if (sw & CSUM_IP)
		be16_put(ip + 10, 0);
	memset(th + TCPH_SEQ, 0, 8);                /* sequence and acknowledgment numbers */
	be16_put(th + TCPH_WIN, 0);
	be16_put(th + TCPH_SUM, pseudo);
	if (hlen > TCP_HDR_LEN)
		memset(th + TCP_HDR_LEN + 4, 0, 8);     /* TSval, TSecr */
	uint64_t s = (uint64_t)tcp_ld32(ip) + tcp_ld32(ip + 8) + tcp_ld32(ip + 12) +
	    tcp_ld32(ip + 16);
	at->at_ipsum = (uint16_t)in_cksum_fold64(s);
	s = (uint64_t)tcp_ld32(th) + tcp_ld32(th + 16);
	if (hlen > TCP_HDR_LEN)
		s += tcp_ld32(th + 20);
	at->at_thsum = (uint16_t)in_cksum_fold64(s);
	at->at_sw = (uint8_t)((sw & CSUM_IP ? TCP_ACKTPL_SWIP : 0) |
	    (sw & CSUM_TCP ? TCP_ACKTPL_SWTCP : 0) | (m->m_pkthdr.csum_flags ? TCP_ACKTPL_HW : 0));
	at->at_csum = m->m_pkthdr.csum_flags;
	at->at_hwassist = ifp->if_hwassist;
	at->at_key = key;
	at->at_rtgen = ns->ns_rtgen;
	at->at_llgen = ns->ns_llgen;
	at->at_len = (uint8_t)room;
}

/* The pure ACK from tp's valid template into m (room bytes placed): what tcp_ack_direct's
 * long way would write and count, field for field. */
static inline __attribute__((always_inline)) int tcp_acktpl_send(struct tcpcb *tp,
    struct route *ro, struct ifnet *ifp, struct mbuf *m, uint16_t thwin, bool ts)
{
	struct netstack *ns = tp->t_ns;
	const struct tcp_acktpl *at = &tp->t_acktpl;
	uint8_t *frame = mtod(m, uint8_t *);
	uint8_t *ip = frame + ETHER_HDR_LEN, *th = ip + IP_HDR_MIN;
	struct ipstat *st = &ns->ns_ipstat;

	/* The copy in words (a compiler's memcpy of 60 or 66 bytes may be a string
	 * instruction with a start-up cost larger than the copy). */
	tcp_copy56(frame, at->at_frame);
	if (ts) {
		memcpy(frame + 56, at->at_frame + 56, 8);
		memcpy(frame + 64, at->at_frame + 64, 2);
		be32_put(th + TCP_HDR_LEN + 4, tcp_ts_at(tp, net_clock(ns)));
		be32_put(th + TCP_HDR_LEN + 8, tp->ts_recent);
	} else {
		memcpy(frame + 56, at->at_frame + 56, ETHER_MIN_LEN - 56);
	}
	be16_put(ip + 4, ns->ns_ipid[ro->ro_idbucket]++);
	be32_put(th + TCPH_SEQ, tp->snd_nxt);
	be32_put(th + TCPH_ACK, tp->rcv_nxt);
	be16_put(th + TCPH_WIN, thwin);
	st->localout++;
	st->pathcached++;
	if (at->at_sw & TCP_ACKTPL_SWTCP) {
		uint64_t s = (uint64_t)at->at_thsum + tcp_ld32(th + 4) + tcp_ld32(th + 8) +
		    tcp_ld32(th + 12);
		if (ts)
			s += (uint64_t)tcp_ld32(th + 24) + tcp_ld32(th + 28);
		be16_put(th + TCPH_SUM, (uint16_t)~in_cksum_native_to_be(in_cksum_fold64(s)));
		st->ocsumsw++;
	}
	if (at->at_sw & TCP_ACKTPL_SWIP) {
		uint64_t s = (uint64_t)at->at_ipsum + tcp_ld32(ip + 4);
		be16_put(ip + 10, (uint16_t)~in_cksum_native_to_be(in_cksum_fold64(s)));
	}
	if (at->at_sw & TCP_ACKTPL_HW)
		st->ocsumhw++;
	m->m_pkthdr.csum_flags = at->at_csum;
	m->m_pkthdr.ether_type = ETHERTYPE_IP;
	return ip_output_tcp_send(ns, ro, ifp, m);
}

/* A pure ACK (no data, only TH_ACK, the timestamps when ts, else no option) on a connection
 * whose route has a valid path cache: the frame is written whole into one mbuf, Ethernet,
 * IP and TCP headers, and goes straight to the interface (ip_output_tcp_direct), skipping
 * the prepends and the generic header parsing the general path spends on the most frequent
 * segment a receiver sends (one per two data segments, RFC 9293 3.8.6.3).  The frame is the
 * one tcp_emit and ip_output would put on the wire, bit for bit, with the same counters
 * (tests/tcp/tcp_outfast.c compares them with the fast decision, and so this path, on and
 * off).  Each frame built the long way is kept as the connection's template (struct
 * tcp_acktpl), and while that holds the next ACKs are made from it (tcp_acktpl_send).
 * Returns TCP_DIRECT_NO when anything is unusual (no valid path, no mbuf), else
 * ip_output's result.  The path is checked once the frame is built, by
 * ip_output_tcp_prep; the rare miss (the route or the neighbour changed) costs that
 * mbuf. */
static __attribute__((noinline)) int tcp_ack_build(struct tcpcb *tp, struct mbuf *m,
    uint16_t thwin, bool ts, uint32_t key);

static inline __attribute__((always_inline)) int tcp_ack_direct(struct tcpcb *tp,
    struct tcp_instance *ti, uint16_t thwin, bool ts)
{
	struct inpcb *inp = tp->t_inpcb;
	struct netstack *ns = tp->t_ns;
	struct route *ro = &inp->inp_route;
	struct ifnet *ifp = ro->ro_pifp;

	if (!ifp)
		return TCP_DIRECT_NO;
	struct mbuf *m = m_gethdr(MT_HEADER);
	if (!m)
		return TCP_DIRECT_NO;
	/* The frame, padded to the IEEE 802.3 minimum as ether_output_resolved pads it; at the
	 * end of the mbuf's buffer, 8-byte aligned, as m_align places it. */
	uint32_t hlen = ts ? TCP_HDR_LEN + TCPOLEN_TSTAMP_APPA : TCP_HDR_LEN;
	uint32_t flen = ETHER_HDR_LEN + IP_HDR_MIN + hlen;
	uint32_t room = NET_MAX(flen, (uint32_t)ETHER_MIN_LEN);
	m->m_data = m->m_dat + ((MHLEN - room) & ~7u);
	m->m_len = room;
	m->m_pkthdr.len = room;
	uint32_t key = tcp_acktpl_key(ns, inp, ts);
	const struct tcp_acktpl *at = &tp->t_acktpl;
	int err;
	if (at->at_len == room && at->at_key == key && at->at_rtgen == ns->ns_rtgen &&
	    at->at_llgen == ns->ns_llgen && ro->ro_gen == ns->ns_rtgen &&
	    ro->ro_llgen == ns->ns_llgen && at->at_hwassist == ifp->if_hwassist) {
		err = tcp_acktpl_send(tp, ro, ifp, m, thwin, ts);
		TCPSTAT_INC(ti, sndacktpl);
	} else {
		err = tcp_ack_build(tp, m, thwin, ts, key);
		if (err == TCP_DIRECT_NO)
			return TCP_DIRECT_NO;
	}
	TCPSTAT_INC(ti, sndtotal);
	TCPSTAT_INC(ti, sndackdirect);
	if (err)
		TCPSTAT_INC(ti, sndfail);
	return err;
}

/* tcp_ack_direct's long way (no valid template): the headers written field by field into m
 * (placed, room bytes), the path checked and the frame completed by ip_output_tcp_prep, kept
 * as the template and sent.  TCP_DIRECT_NO (m freed) when the path is not valid for it. */
static __attribute__((noinline)) int tcp_ack_build(struct tcpcb *tp, struct mbuf *m,
    uint16_t thwin, bool ts, uint32_t key)
{
	struct inpcb *inp = tp->t_inpcb;
	struct netstack *ns = tp->t_ns;
	struct route *ro = &inp->inp_route;
	uint32_t hlen = ts ? TCP_HDR_LEN + TCPOLEN_TSTAMP_APPA : TCP_HDR_LEN;
	uint32_t flen = ETHER_HDR_LEN + IP_HDR_MIN + hlen;
	uint32_t room = m->m_len;
	struct ip_out ipo = {
		.src = inp->inp_laddr, .dst = inp->inp_faddr, .proto = IPPROTO_TCP,
		.tos = (uint8_t)inp->inp_ip_tos, .ttl = (uint8_t)in_pcb_ttl(inp),
	};
	uint8_t *th = mtod(m, uint8_t *) + ETHER_HDR_LEN + IP_HDR_MIN;
	uint16_t pseudo = ip_csum_pseudo(ipo.src, ipo.dst, IPPROTO_TCP, (uint16_t)hlen);
	be16_put(th + TCPH_SPORT, inp->inp_lport);
	be16_put(th + TCPH_DPORT, inp->inp_fport);
	be32_put(th + TCPH_SEQ, tp->snd_nxt);
	be32_put(th + TCPH_ACK, tp->rcv_nxt);
	th[TCPH_OFF] = (uint8_t)((hlen / 4) << 4);
	th[TCPH_FLAGS] = TH_ACK;
	be16_put(th + TCPH_WIN, thwin);
	be16_put(th + TCPH_SUM, pseudo);
	be16_put(th + TCPH_URP, 0);
	if (ts)
		tcp_ts_option(tp, th + TCP_HDR_LEN);
	else
		memset(th + hlen, 0, room - flen);
	m->m_pkthdr.csum_flags |= CSUM_TCP;
	struct ifnet *ifp = ip_output_tcp_prep(ns, m, &ipo, ro,
	    inp->inp_pmtudisc == IP_PMTUDISC_DONT ? 0 : IP_DF, hlen);
	if (!ifp) {
		m_free(m);      /* the path is not valid for it: tcp_emit sends it the long way */
		return TCP_DIRECT_NO;
	}
	tcp_acktpl_save(tp, ifp, m, room, hlen, key, pseudo);
	return ip_output_tcp_send(ns, ro, ifp, m);
}

/* tcp_emit for a segment as decided, payload (may be NULL) consumed. */
static inline __attribute__((always_inline)) int tcp_output_emit(struct tcpcb *tp,
    struct tcp_instance *ti, const struct tcp_seg *sg, const uint8_t *opts,
    struct mbuf *payload)
{
	struct inpcb *inp = tp->t_inpcb;
	const struct tcp_md5_key *md5 = (tp->t_flags & TF_SIGNATURE) ?
	    tcp_md5_find(tp, inp->inp_faddr) : NULL;
	return tcp_emit(tp->t_ns, ti, inp, inp->inp_laddr, inp->inp_lport, inp->inp_faddr,
	    inp->inp_fport, sg->seq, (sg->flags & TH_ACK) ? tp->rcv_nxt : 0, sg->flags, sg->thwin,
	    opts, sg->optlen, payload, sg->len, sg->urp, sg->tso_segsz, sg->ecn, md5);
}

/* The pure ACK's way to tcp_emit when the direct path cannot take it (rare: no valid path
 * cache), kept out of line. */
static __attribute__((noinline)) int tcp_output_emit_ack(struct tcpcb *tp,
    struct tcp_instance *ti, const struct tcp_seg *sg, const uint8_t *opts)
{
	return tcp_output_emit(tp, ti, sg, opts, NULL);
}

/* What tcp_output_send does for the pure ACK (or window update) tcp_output_fast decided
 * (TCP_FAST_ACK: no payload, only TH_ACK, the timestamps or no option, no urgent data, no
 * probe), in one straight line: the receiver of a bulk transfer sends one per two data
 * segments, and tcp_output_send's branches for payload, SYN, FIN, probes and SACK
 * retransmissions, with the segment carried through struct tcp_seg, cost more than the
 * ACK's own work.  sg->win holds the window; the rest of sg is filled here for tcp_output's
 * error handling and tcp_emit.  Returns what tcp_output_send would. */
static int tcp_output_ack(struct tcpcb *tp, struct tcp_instance *ti, struct socket *so,
    struct tcp_seg *sg, uint8_t *opts)
{
	sg->off = 0;
	sg->len = 0;
	sg->tso_segsz = 0;
	sg->seq = tp->snd_nxt;      /* == snd_max */
	sg->flags = TH_ACK;
	sg->urp = 0;
	sg->ecn = 0;
	sg->sendalot = false;
	sg->sack_rxmit = false;
	sg->sack_rescue = false;
	sg->sack_relost = false;
	sg->fast = true;
	sg->thwin = tcp_adv_window(tp, so, sg);
	tp->snd_up = tp->snd_una;   /* no urgent data: drag it along, so it never wraps */
	TCPSTAT_INC(ti, sndfast);
	TCPSTAT_INC(ti, sndacks);
	tcp_rexmt_ensure(tp);
	tcp_ack_sent(tp, sg->win);
	bool ts = tcp_plain_optlen(tp) != 0;
	int rc = tcp_ack_direct(tp, ti, sg->thwin, ts);
	if (rc != TCP_DIRECT_NO)
		return rc;
	sg->optlen = ts ? tcp_ts_option(tp, opts) : 0;
	return tcp_output_emit_ack(tp, ti, sg, opts);
}

/* Sends the decided segment: takes its payload, counts it, advances the send state and
 * emits it.  Returns tcp_emit's result (or -ENOBUFS without a payload copy). */
static int tcp_output_send(struct tcpcb *tp, struct tcp_instance *ti, struct socket *so,
    const struct tcp_seg *sg, const uint8_t *opts)
{
	struct netstack *ns = tp->t_ns;
	uint32_t len = sg->len;
	unsigned flags = sg->flags;
	struct mbuf *payload = NULL;

	if (sg->fast)
		TCPSTAT_INC(ti, sndfast);
	if (len) {
		payload = tcp_payload(tp, so, sg->off, len);
		if (!payload) {
			TCPSTAT_INC(ti, sndfail);
			return -ENOBUFS;
		}
		/* A large segment counts as the wire segments the device makes. */
		uint32_t nseg = sg->tso_segsz ? (len + sg->tso_segsz - 1) / sg->tso_segsz : 1;
		if (sg->tso_segsz)
			TCPSTAT_INC(ti, sndtso);
		if (sg->sack_rxmit || SEQ_LT(sg->seq, tp->snd_max)) {
			TCPSTAT_ADD(ti, sndrexmitpack, nseg);
			TCPSTAT_ADD(ti, sndrexmitbyte, len);
			tp->t_rexmits_total += nseg;
		} else {
			TCPSTAT_ADD(ti, sndpack, nseg);
			TCPSTAT_ADD(ti, sndbyte, len);
		}
		if (tp->t_flags & TF_FORCEDATA)
			TCPSTAT_INC(ti, sndprobe);
		if (sg->ecn)
			TCPSTAT_ADD(ti, ecn_ect0, nseg);
	} else if (flags & (TH_SYN | TH_FIN | TH_RST)) {
		TCPSTAT_INC(ti, sndctrl);
	} else {
		TCPSTAT_INC(ti, sndacks);
	}

	/* Advance the send state before output, so a timer or an ACK processed during it
	 * sees a consistent picture. */
	if (sg->sack_relost) {
		/* HighRxt and RescueRxt unchanged: this went once before. */
		tcp_rxlog_resent(tp, sg->seq, sg->seq + len);
		TCPSTAT_INC(ti, sackrexmit);
		TCPSTAT_INC(ti, sackrelost);
	} else if (sg->sack_rescue) {
		/* RFC 6675 4 rule 4: RescueRxt = RecoveryPoint, HighRxt unchanged. */
		tp->sack_rescue = tp->snd_recover;
		tcp_rxlog_note(tp, sg->seq, sg->seq + len);
		TCPSTAT_INC(ti, sackrexmit);
		TCPSTAT_INC(ti, sackrescue);
	} else if (sg->sack_rxmit) {
		tcp_rxlog_note(tp, sg->seq, sg->seq + len);
		tp->sack_hint = sg->seq + len;
		if (tp->t_flags & TF_SACK_FIRST) {
			/* RFC 6675 5 (4.3): HighRxt and RescueRxt to its last byte. */
			tp->t_flags &= ~TF_SACK_FIRST;
			tp->sack_rescue = tp->sack_hint;
		}
		TCPSTAT_INC(ti, sackrexmit);
	} else if (!(tp->t_flags & TF_FORCEDATA) || tp->snd_wnd > 0 || !tcp_timer_active(tp, TT_PERSIST)) {
		tcp_seq start = tp->snd_nxt;
		if (flags & TH_SYN)
			tp->snd_nxt++;
		if (flags & TH_FIN) {
			tp->snd_nxt++;
			tp->t_flags |= TF_SENTFIN;
		}
		tp->snd_nxt += len;
		if (SEQ_GT(tp->snd_nxt, tp->snd_max)) {
			tp->snd_max = tp->snd_nxt;
			/* Time this segment if nothing is being timed (Karn: only new data). */
			if (tp->t_rtttime == 0) {
				tp->t_rtttime = net_clock(ns) | 1;   /* 0 means "nothing timed" */
				tp->t_rtseq = start;
				TCPSTAT_INC(ti, segstimed);
			}
			/* RFC 8985 7.2: new data went.  The probe timer first: due before the
			 * retransmission timer, it places the connection's callout, and the RTO's
			 * later due time is only recorded (the other way round, the callout
			 * would move twice).  It is then held to the RTO's time, if that is sooner. */
			tcp_tlp_arm(tp, net_clock(ns));
			tcp_rexmt_ensure(tp);
			if (tp->t_due[TT_REXMT] && tp->t_due[TT_TLP] > tp->t_due[TT_REXMT])
				tp->t_due[TT_TLP] = tp->t_due[TT_REXMT];
		} else {
			tcp_rexmt_ensure(tp);
		}
	} else {
		/* A window probe: its byte counts as sent, but snd_nxt does not move past
		 * what the window allows. */
		if (SEQ_GT(tp->snd_nxt + len, tp->snd_max))
			tp->snd_max = tp->snd_nxt + len;
	}
	if (flags & TH_CWR)
		tp->t_flags &= ~TF_ECN_SND_CWR;     /* RFC 3168 6.1.2: once */
	if (flags & TH_URG)
		tp->snd_up_sent = tp->snd_up;
	tcp_ack_sent(tp, sg->win);
	return tcp_output_emit(tp, ti, sg, opts, payload);
}

/* After -EMSGSIZE: the route's MTU dropped below our segment.  Shrinks the MSS (keeping the
 * timestamp allowance tcp_mss_update makes) and returns true when it did: the segment is
 * then to be sent again from snd_una. */
static bool tcp_output_shrink(struct tcpcb *tp)
{
	uint32_t mss = tcp_mss_for(tp->t_ns, tp->t_inpcb->inp_faddr);
	if (tcp_ts_on(tp) && mss > TCP_MIN_MSS + TCPOLEN_TSTAMP_APPA)
		mss -= TCPOLEN_TSTAMP_APPA;
	if (mss >= tp->t_maxseg)
		return false;
	tp->t_maxseg = mss;
	tp->t_cc.mss = mss;
	tp->snd_nxt = tp->snd_una;
	return true;
}

/* tcp_output's rounds of decisions and segments (everything but tcp_output_pure's case). */
static __attribute__((noinline)) int tcp_output_rounds(struct tcpcb *tp)
{
	struct inpcb *inp = tp->t_inpcb;
	struct socket *so = inp->inp_socket;
	uint8_t opts[TCP_MAXOLEN];
	int err = 0;
	/* tcp_tso_route, looked up once when first needed; never for a signed connection, each
	 * of whose wire segments needs its own digest (tcp_md5.h) */
	int tso_route = (tp->t_flags & TF_SIGNATURE) ? 0 : -1;

	if (tp->t_state == TCPS_LISTEN || tp->t_state == TCPS_CLOSED)
		return 0;
	struct tcp_instance *ti = tcp_instance(tp->t_ns);
	/* The fast decisions write the timestamp option alone: not for a signed connection. */
	bool outfast = !ti->ti_conf.no_outfast && !(tp->t_flags & TF_SIGNATURE);
	for (int rounds = 0; rounds < 1024; rounds++) {
		struct tcp_seg sg;

		tcp_idle_restart(tp, ti);
		int fast = outfast ? tcp_output_fast(tp, ti, so, &tso_route, opts, &sg) :
		    TCP_FAST_GENERAL;
		if (fast == TCP_FAST_WAIT ||
		    (fast == TCP_FAST_GENERAL && !tcp_output_decide(tp, so, &tso_route, opts, &sg)))
			return 0;
		if (fast == TCP_FAST_ACK)
			err = tcp_output_ack(tp, ti, so, &sg, opts);
		else
			err = tcp_output_send(tp, ti, so, &sg, opts);
		if (err == -EMSGSIZE && sg.tso_segsz) {
			/* The interface stopped segmenting for us: resend segment by segment. */
			tso_route = 0;
			tp->snd_nxt = tp->snd_una;
			continue;
		}
		if (err == -EMSGSIZE && tcp_output_shrink(tp))
			continue;
		if (err)
			break;
		if (!sg.sendalot && !sg.sack_rxmit)
			break;
	}
	return err == -ENOBUFS || err == -EHOSTUNREACH || err == -ENETUNREACH ? 0 : err;
}

/* tcp_output_pure's answer when its case does not apply. */
#define TCP_PURE_NA 1

/* The pure ACK's cost where tcp_output_ack is not (tcp_ack_direct could not send it): the
 * segment described for tcp_emit, kept out of line. */
static __attribute__((noinline)) int tcp_output_pure_emit(struct tcpcb *tp,
    struct tcp_instance *ti, uint16_t thwin, uint32_t win, bool ts)
{
	uint8_t opts[TCP_MAXOLEN];
	struct tcp_seg sg = {
		.seq = tp->snd_nxt, .flags = TH_ACK, .win = win, .thwin = thwin, .fast = true,
	};
	sg.optlen = ts ? tcp_ts_option(tp, opts) : 0;
	return tcp_output_emit_ack(tp, ti, &sg, opts);
}

/* tcp_output for its most frequent call on an ESTABLISHED connection: no data may go (none
 * waits, or all of it is in flight or outside the window) and nothing special is pending,
 * so the answer is a pure ACK or window update, or nothing (the receiver of a bulk transfer
 * asks once per data segment and sends one per two).  The same steps as the rounds'
 * tcp_output_fast (its slen == 0 case) and tcp_output_ack take, in one straight line
 * without the segment description or the rounds; TCP_PURE_NA, having changed nothing but
 * what tcp_idle_restart does (which the rounds then find done), when the case does not
 * apply. */
static inline __attribute__((always_inline)) int tcp_output_pure(struct tcpcb *tp,
    struct tcp_instance *ti, struct socket *so)
{
	tcp_idle_restart(tp, ti);
	if ((tp->t_flags & (TF_FORCEDATA | TF_FASTRECOVERY | TF_ECN_SND_ECE | TF_ECN_SND_CWR)) ||
	    tp->snd_nxt != tp->snd_max || SEQ_GT(tp->snd_up, tp->snd_una) || tp->rcv_numsacks ||
	    tp->rcv_have_dsack)
		return TCP_PURE_NA;
	uint32_t sb_cc = so->so_snd.sb_cc;
	uint32_t off = tp->snd_nxt - tp->snd_una;
	uint32_t sendwin = NET_MIN(tp->snd_wnd, tp->t_cc.cwnd);
	if (NET_MIN(sb_cc, sendwin) != off)
		return TCP_PURE_NA;             /* data may go (or off is past the data) */
	uint32_t win = tcp_rcv_win(tp, so);
	bool winup = win > 0 && tcp_winup_due(tp, so, win);    /* (no FIN received yet) */
	if (!winup && !(tp->t_flags & TF_ACKNOW)) {
		tcp_output_wait(tp, sb_cc, off);
		return 0;
	}
	if (winup)
		TCPSTAT_INC(ti, sndwinup);
	uint16_t thwin = tcp_adv_win(tp, so, &win, false);
	tp->snd_up = tp->snd_una;   /* no urgent data: drag it along, so it never wraps */
	TCPSTAT_INC(ti, sndfast);
	TCPSTAT_INC(ti, sndacks);
	tcp_rexmt_ensure(tp);
	tcp_ack_sent(tp, win);
	bool ts = tcp_plain_optlen(tp) != 0;
	int err = tcp_ack_direct(tp, ti, thwin, ts);
	if (err == TCP_DIRECT_NO)
		err = tcp_output_pure_emit(tp, ti, thwin, win, ts);
	return err;
}

int tcp_output(struct tcpcb *tp)
{
	if (tp->t_outpprev)
		tcp_output_unqueue(tp);     /* output deferred to the batch's end runs now */
	struct socket *so = tp->t_inpcb->inp_socket;
	if (tp->t_state == TCPS_ESTABLISHED && so && !(tp->t_flags & TF_SIGNATURE)) {
		struct tcp_instance *ti = tcp_instance(tp->t_ns);
		if (!ti->ti_conf.no_outfast) {
			int err = tcp_output_pure(tp, ti, so);
			if (err == -EMSGSIZE && tcp_output_shrink(tp))
				return tcp_output_rounds(tp);
			if (err != TCP_PURE_NA)
				return err == -ENOBUFS || err == -EHOSTUNREACH ||
				    err == -ENETUNREACH ? 0 : err;
		}
	}
	return tcp_output_rounds(tp);
}
