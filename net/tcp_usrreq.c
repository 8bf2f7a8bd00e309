/* TCP user requests: the protosw entry points the socket layer calls (net lock held), the
 * user-side state changes of RFC 9293 3.10.1-3.10.6 (OPEN, SEND, RECEIVE, CLOSE, ABORT), and
 * the IPPROTO_TCP socket options. */
#include "tcp_var.h"
#include "tcp_md5.h"
#include "tcp_isn.h"
#include "netstack.h"
#include "socketvar.h"
#include "protosw.h"
#include "socket_private.h"
#include <stos/errno.h>
#include <stos/in.h>

static struct tcpcb *sototcpcb(struct socket *so)
{
	struct inpcb *inp = sotoinpcb(so);
	return inp ? intotcpcb(inp) : NULL;
}

static int tcp_attach(struct socket *so, int proto)
{
	struct tcp_instance *ti = tcp_instance(so->so_ns);
	int err;

	(void)proto;
	if (so->so_rcv.sb_hiwat == 0 || so->so_snd.sb_hiwat == 0) {
		err = soreserve(so, ti->ti_conf.sendspace, ti->ti_conf.recvspace);
		if (err)
			return err;
		so->so_state |= SS_SNDAUTO;
	}
	err = in_pcballoc(so, &ti->ti_pcbinfo);
	if (err)
		return err;
	if (!tcp_newtcpcb(sotoinpcb(so))) {
		in_pcbfree(sotoinpcb(so));
		return -ENOBUFS;
	}
	return 0;
}

static void tcp_detach(struct socket *so)
{
	struct tcpcb *tp = sototcpcb(so);

	if (!tp) {
		if (sotoinpcb(so))
			in_pcbfree(sotoinpcb(so));
		return;
	}
	switch (tp->t_state) {
	case TCPS_CLOSED:
	case TCPS_LISTEN:
	case TCPS_SYN_SENT:
		/* The socket layer frees the socket itself after pr_detach: unlink it first so
		 * tcp_close does not. */
		tp->t_inpcb->inp_socket = NULL;
		so->so_pcb = NULL;
		tcp_close(tp);
		return;
	case TCPS_TIME_WAIT:
		/* The pcb waits out 2MSL alone. */
		in_pcb_orphan(tp->t_inpcb);
		tp->t_inpcb->inp_flags |= INP_TIMEWAIT;
		return;
	default:
		/* The connection is closing gracefully: the socket (its send buffer holds the
		 * data still to deliver) lives until tcp_close frees both. */
		tp->t_flags |= TF_CLOSED_BY_USER;
		if (tp->t_state == TCPS_FIN_WAIT_2 && !tcp_timer_active(tp, TT_2MSL))
			tcp_finwait2_orphan(tp);
		return;
	}
}

static int tcp_bind(struct socket *so, const struct sockaddr *nam, socklen_t len)
{
	struct inpcb *inp = sotoinpcb(so);
	if (!inp)
		return -EINVAL;
	return in_pcbbind(inp, nam, len);
}

static int tcp_connect(struct socket *so, const struct sockaddr *nam, socklen_t len)
{
	struct tcpcb *tp = sototcpcb(so);
	struct netstack *ns = so->so_ns;
	struct tcp_instance *ti = tcp_instance(ns);
	int err;

	if (!tp)
		return -EINVAL;
	if (tp->t_state != TCPS_CLOSED)
		return -EISCONN;
	struct inpcb *inp = tp->t_inpcb;
	err = in_pcbconnect(inp, nam, len);
	if (err)
		return err;
	if (tp->t_flags & TF_NOOPT)
		tp->t_flags &= ~(TF_REQ_SCALE | TF_REQ_TSTMP | TF_REQ_SACK);
	tp->request_r_scale = tcp_pick_wscale(ns, tp->t_rcv_clamp);
	tp->t_advmss = tcp_mss_mine(tp, inp->inp_faddr);
	tp->t_maxseg = NET_MIN(tp->t_advmss, ti->ti_conf.mssdflt);
	uint64_t now = net_clock(ns);
	tp->iss = tcp_isn(ti->ti_isn_key, inp->inp_laddr, inp->inp_lport, inp->inp_faddr,
	    inp->inp_fport, now);
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->snd_up = tp->iss;
	tp->snd_recover = tp->iss;
	tp->t_starttime = now;
	tcp_set_state(tp, TCPS_SYN_SENT);
	soisconnecting(so);
	TCPSTAT_INC(ti, connattempt);
	tcp_timer_arm(tp, TT_KEEP, tp->t_keepinit);
	tcp_output(tp);
	return 0;
}

static int tcp_listen(struct socket *so, int backlog)
{
	struct tcpcb *tp = sototcpcb(so);
	int err;

	(void)backlog;
	if (!tp)
		return -EINVAL;
	if (tp->t_state != TCPS_CLOSED && tp->t_state != TCPS_LISTEN)
		return -EINVAL;
	if (tp->t_inpcb->inp_lport == 0) {
		err = in_pcbbind(tp->t_inpcb, NULL, 0);
		if (err)
			return err;
	}
	tp->t_inpcb->inp_flags |= INP_LISTEN;
	tcp_set_state(tp, TCPS_LISTEN);
	return 0;
}

static int tcp_accept(struct socket *so, struct sockaddr_storage *nam, socklen_t *len)
{
	struct inpcb *inp = sotoinpcb(so);
	if (!inp)
		return -ENOTCONN;
	if (nam && len)
		in_pcb_peeraddr(inp, nam, len);
	return 0;
}

/* Send-buffer autotuning, as FreeBSD's (net.inet.tcp.sendbuf_auto) and Linux's: a buffer of
 * ti_conf.sendspace caps what a connection can have unacknowledged, so over a path whose
 * bandwidth-delay product is larger it, not the path, sets the rate.  Each time the
 * application has filled the buffer (to 7/8, so_send is about to wait) while the windows
 * would let everything it holds go (the unsent part fits min(cwnd, snd_wnd), and the peer's
 * window is at least about the buffer), the buffer grows by a quarter, up to
 * ti_conf.maxsockbuf.  SO_SNDBUF ends it (SS_SNDAUTO); a connection limited by the peer's
 * window or by congestion never grows.  (In QEMU, where the e1000's interrupt moderation
 * holds ACKs up to a millisecond, 2 MiB instead of 256 KiB made STOS's downloads about 40%
 * faster: bench/README.md, session 17.) */
static void tcp_sndbuf_grow(struct tcpcb *tp, struct socket *so)
{
	struct sockbuf *sb = &so->so_snd;
	struct tcp_instance *ti = tcp_instance(tp->t_ns);
	const struct tcp_conf *c = &ti->ti_conf;
	if (!(so->so_state & SS_SNDAUTO) || c->no_sndbuf_auto || sb->sb_hiwat >= c->maxsockbuf)
		return;
	uint32_t cc = sb->sb_cc, inflight = tp->snd_nxt - tp->snd_una;
	uint32_t unsent = cc > inflight ? cc - inflight : 0;
	uint32_t win = NET_MIN(tp->t_cc.cwnd, tp->snd_wnd);
	if (cc < sb->sb_hiwat / 8 * 7 || (uint64_t)tp->snd_wnd * 5 / 4 < cc || win < unsent)
		return;
	uint32_t grow = NET_MAX(sb->sb_hiwat / 4, 16384u);
	sb_sethiwat(sb, NET_MIN(c->maxsockbuf, sb->sb_hiwat + grow));
	TCPSTAT_INC(ti, sndbufgrow);
}

static int tcp_send(struct socket *so, struct mbuf *m, const struct sockaddr *nam,
    socklen_t namlen, struct mbuf *control, int flags)
{
	struct tcpcb *tp = sototcpcb(so);

	(void)nam;
	(void)namlen;
	m_freem(control);
	if (!tp || tcps_have_sent_fin(tp->t_state) || (tp->t_flags & TF_NEEDFIN)) {
		m_freem(m);
		return -EPIPE;
	}
	sbappendstream(&so->so_snd, m);
	if (flags & MSG_OOB)
		tp->snd_up = tp->snd_una + so->so_snd.sb_cc;   /* RFC 6093: points past the data */
	if (tp->t_state != TCPS_SYN_SENT && tp->t_state != TCPS_SYN_RECEIVED) {
		tcp_output(tp);
		tcp_sndbuf_grow(tp, so);
	}
	return 0;
}

static void tcp_rcvd(struct socket *so, int flags)
{
	struct tcpcb *tp = sototcpcb(so);
	(void)flags;
	if (tp && tcps_have_rcvd_syn(tp->t_state))
		tcp_output(tp);        /* maybe a window update */
}

static int tcp_rcvoob(struct socket *so, int flags)
{
	(void)so;
	(void)flags;
	return -EINVAL;            /* urgent data is delivered inline */
}

struct tcpcb *tcp_usrclosed(struct tcpcb *tp)
{
	struct socket *so = tp_socket(tp);

	switch (tp->t_state) {
	case TCPS_CLOSED:
	case TCPS_LISTEN:
	case TCPS_SYN_SENT:
		return tcp_close(tp);
	case TCPS_SYN_RECEIVED:
		/* RFC 9293 3.10.4: send FIN once the handshake completes. */
		tp->t_flags |= TF_NEEDFIN;
		return tp;
	case TCPS_ESTABLISHED:
		tcp_set_state(tp, TCPS_FIN_WAIT_1);
		break;
	case TCPS_CLOSE_WAIT:
		tcp_set_state(tp, TCPS_LAST_ACK);
		break;
	default:
		break;
	}
	if (so && (tp->t_state == TCPS_FIN_WAIT_2 || tp->t_state == TCPS_TIME_WAIT))
		soisdisconnected(so);
	return tp;
}

static int tcp_shutdown(struct socket *so)
{
	struct tcpcb *tp = sototcpcb(so);
	if (!tp)
		return -ENOTCONN;
	tp = tcp_usrclosed(tp);
	if (tp)
		tcp_output(tp);
	return 0;
}

static int tcp_disconnect(struct socket *so)
{
	struct tcpcb *tp = sototcpcb(so);

	if (!tp)
		return 0;
	if (tp->t_state == TCPS_LISTEN || tp->t_state == TCPS_CLOSED ||
	    tp->t_state == TCPS_SYN_SENT) {
		tcp_close(tp);
		return 0;
	}
	if ((so->so_options & SO_F_LINGER) && so->so_linger == 0) {
		/* SO_LINGER with zero time: abort with RST (RFC 9293 3.10.5 ABORT). */
		tcp_drop(tp, ECONNRESET);
		return 0;
	}
	if (so->so_rcv.sb_cc > 0) {
		/* RFC 1122 4.2.2.13: closing with received data unread sends RST, so the peer
		 * learns that data was lost. */
		tcp_drop(tp, ECONNABORTED);
		return 0;
	}
	soisdisconnecting(so);
	tp = tcp_usrclosed(tp);
	if (tp)
		tcp_output(tp);
	return 0;
}

static void tcp_abort(struct socket *so)
{
	struct tcpcb *tp = sototcpcb(so);
	if (tp) {
		/* As in detach: the caller frees the socket. */
		tp->t_inpcb->inp_socket = NULL;
		so->so_pcb = NULL;
		/* An embryonic connection (its listener is closing) just goes, as on BSD and
		 * Linux; an established one is reset. */
		if (tp->t_state == TCPS_SYN_RECEIVED)
			tcp_close(tp);
		else
			tcp_drop(tp, ECONNABORTED);
	}
	else if (sotoinpcb(so))
		in_pcbfree(sotoinpcb(so));
}

static int tcp_sockaddr(struct socket *so, struct sockaddr_storage *nam, socklen_t *len)
{
	struct inpcb *inp = sotoinpcb(so);
	if (!inp) {
		in_sockaddr_make(nam, len, 0, 0);
		return 0;
	}
	in_pcb_sockaddr(inp, nam, len);
	return 0;
}

static int tcp_peeraddr(struct socket *so, struct sockaddr_storage *nam, socklen_t *len)
{
	struct inpcb *inp = sotoinpcb(so);
	if (!inp)
		return -ENOTCONN;
	in_pcb_peeraddr(inp, nam, len);
	return 0;
}

/* ---- options ---- */

static int opt_getint(const void *val, socklen_t len, int *v)
{
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(v, val, sizeof(int));
	return 0;
}

static int opt_putint(void *val, socklen_t *len, int v)
{
	socklen_t n = *len < sizeof(int) ? *len : sizeof(int);
	memcpy(val, &v, n);
	*len = n;
	return 0;
}

/* TCP_DEFER_ACCEPT's seconds as Linux keeps them: counted in SYN-ACK retransmissions (1 s,
 * doubling, at most 120 s each, at most 255 of them), rounded up to the time the last of them
 * ends: 1, 3, 7, 15 ... 127, 247 ... s.  Linux's getsockopt returns the rounded value. */
static uint16_t defer_accept_round(int secs)
{
	if (secs <= 0)
		return 0;
	uint32_t period = 1, timeout = 1;
	for (int n = 1; (uint32_t)secs > period && n < 255; n++) {
		timeout = NET_MIN(timeout * 2, 120u);
		period += timeout;
	}
	return (uint16_t)period;
}

static void tcp_fill_info(const struct tcpcb *tp, struct tcp_info *i)
{
	memset(i, 0, sizeof *i);
	i->tcpi_state = (uint8_t)tp->t_state;
	i->tcpi_retransmits = (uint8_t)(tp->t_rxtshift > 255 ? 255 : tp->t_rxtshift);
	i->tcpi_backoff = i->tcpi_retransmits;
	if ((tp->t_flags & (TF_REQ_TSTMP | TF_RCVD_TSTMP)) == (TF_REQ_TSTMP | TF_RCVD_TSTMP))
		i->tcpi_options |= 1;   /* TCPI_OPT_TIMESTAMPS */
	if (tp->t_flags & TF_SACK_PERMIT)
		i->tcpi_options |= 2;   /* TCPI_OPT_SACK */
	if (tp->t_flags & TF_ECN_PERMIT)
		i->tcpi_options |= 8;   /* TCPI_OPT_ECN (RFC 3168) */
	if ((tp->t_flags & (TF_REQ_SCALE | TF_RCVD_SCALE)) == (TF_REQ_SCALE | TF_RCVD_SCALE)) {
		i->tcpi_options |= 4;   /* TCPI_OPT_WSCALE */
		i->tcpi_snd_wscale = tp->snd_scale & 0xf;
		i->tcpi_rcv_wscale = tp->rcv_scale & 0xf;
	}
	i->tcpi_rto = (uint32_t)(tcp_rexmt_timeout(tp) / 1000);
	i->tcpi_ato = (uint32_t)(tcp_instance(tp->t_ns)->ti_conf.delack_ns / 1000);
	i->tcpi_snd_mss = tp->t_maxseg;
	i->tcpi_rcv_mss = tp->t_advmss;
	i->tcpi_advmss = tp->t_advmss;
	i->tcpi_unacked = tp->t_maxseg ? (tp->snd_max - tp->snd_una + tp->t_maxseg - 1) / tp->t_maxseg : 0;
	i->tcpi_sacked = tp->t_maxseg ? tcp_sack_bytes(tp) / tp->t_maxseg : 0;
	i->tcpi_rtt = (uint32_t)(tp->t_srtt / 1000);
	i->tcpi_rttvar = (uint32_t)(tp->t_rttvar / 1000);
	i->tcpi_snd_ssthresh = tp->t_cc.ssthresh == UINT32_MAX || !tp->t_maxseg ? 0x7fffffff :
	    tp->t_cc.ssthresh / tp->t_maxseg;
	i->tcpi_snd_cwnd = tp->t_maxseg ? tp->t_cc.cwnd / tp->t_maxseg : 0;
	i->tcpi_rcv_space = tcp_rcv_window(tp);
	i->tcpi_total_retrans = tp->t_rexmits_total;
	i->tcpi_pmtu = tp->t_maxseg + 40;
}

static int tcp_ctloutput(struct socket *so, int op, int level, int name, void *val,
    socklen_t *len)
{
	struct tcpcb *tp = sototcpcb(so);
	int v = 0, err;

	if (level == SOL_IP)
		return in_pcb_ctloutput(so, op, name, val, len);
	if (!tp)
		return -ECONNRESET;
	if (level == SOL_SOCKET) {
		/* Told after the socket layer stored a SOL_SOCKET option. */
		if (op == PRCO_SETOPT && name == SO_KEEPALIVE && tp->t_state == TCPS_ESTABLISHED) {
			if (so->so_options & SO_F_KEEPALIVE)
				tcp_timer_arm(tp, TT_KEEP, tp->t_keepidle);
			else
				tcp_timer_stop(tp, TT_KEEP);
		}
		return -ENOPROTOOPT;
	}
	if (level != IPPROTO_TCP)
		return -ENOPROTOOPT;
	if (op == PRCO_SETOPT) {
		if (name == TCP_CONGESTION) {
			char buf[TCP_CC_NAME_MAX];
			size_t n = *len < sizeof buf - 1 ? *len : sizeof buf - 1;
			memcpy(buf, val, n);
			buf[n] = 0;
			const struct tcp_cc_ops *cc = tcp_cc_find(buf);
			if (!cc)
				return -ENOENT;
			if (cc != tp->t_cc.ops) {
				uint32_t cwnd = tp->t_cc.cwnd, ssthresh = tp->t_cc.ssthresh;
				tp->t_cc.ops = cc;
				tcp_cc_start(tp);
				if (tcps_have_rcvd_syn(tp->t_state)) {
					tp->t_cc.cwnd = cwnd;
					tp->t_cc.ssthresh = ssthresh;
				}
			}
			return 0;
		}
		if (name == TCP_MD5SIG || name == TCP_MD5SIG_EXT)
			return tcp_md5_setopt(tp, name == TCP_MD5SIG_EXT, val, *len);
		if ((err = opt_getint(val, *len, &v)) != 0)
			return err;
		switch (name) {
		case TCP_NODELAY:
			if (v)
				tp->t_flags |= TF_NODELAY;
			else
				tp->t_flags &= ~TF_NODELAY;
			if (v && tcps_have_rcvd_syn(tp->t_state))
				tcp_output(tp);
			return 0;
		case TCP_MAXSEG:
			/* Linux tcp(7): set before the handshake it caps the MSS offered and the
			 * segments sent (tcp_mss_mine; accepted connections inherit it); later it
			 * can only make the segments sent smaller, as a path MTU drop does. */
			if (v < TCP_MIN_MSS || v > 65535 - 40)
				return -EINVAL;
			tp->t_usermss = (uint32_t)v;
			if (tcps_have_rcvd_syn(tp->t_state))
				tcp_mss_usercap(tp);
			return 0;
		case TCP_KEEPIDLE:
		case TCP_KEEPINTVL:
		case TCP_KEEPINIT:
			if (v < 1 || v > 32767)
				return -EINVAL;
			if (name == TCP_KEEPIDLE) {
				tp->t_keepidle = (uint64_t)v * TCP_NS_PER_S;
				if (tp->t_state == TCPS_ESTABLISHED && (so->so_options & SO_F_KEEPALIVE))
					tcp_timer_arm(tp, TT_KEEP, tp->t_keepidle);
			} else if (name == TCP_KEEPINTVL) {
				tp->t_keepintvl = (uint64_t)v * TCP_NS_PER_S;
			} else {
				tp->t_keepinit = (uint64_t)v * TCP_NS_PER_S;
			}
			return 0;
		case TCP_KEEPCNT:
			if (v < 1 || v > 127)
				return -EINVAL;
			tp->t_keepcnt = (uint16_t)v;
			return 0;
		case TCP_NOOPT:
			if (v)
				tp->t_flags |= TF_NOOPT;
			else
				tp->t_flags &= ~TF_NOOPT;
			return 0;
		case TCP_CORK:
			/* Linux tcp(7) (FreeBSD's TCP_NOPUSH): only full segments go while it is
			 * set, even with TCP_NODELAY; clearing it sends what it held.  A held tail
			 * goes anyway one RTO after nothing is left in flight (tcp_output_wait),
			 * and with the FIN on close. */
			if (v) {
				tp->t_flags |= TF_NOPUSH;
			} else {
				tp->t_flags &= ~TF_NOPUSH;
				if (tcps_have_rcvd_syn(tp->t_state))
					tcp_output(tp);
			}
			return 0;
		case TCP_WINDOW_CLAMP:
			/* Linux tcp(7): bounds the window offered (tcp_output.c), at least half
			 * the smallest receive buffer; 0 lifts the clamp, only before the
			 * connection is opened or listens.  Accepted connections inherit it; once
			 * the MSS is known it is rounded down to whole segments. */
			if (v < 0 || (v == 0 && tp->t_state != TCPS_CLOSED))
				return -EINVAL;
			tp->t_rcv_clamp = v == 0 ? 0 : (uint32_t)NET_MAX(v, TCP_MIN_WINDOW_CLAMP);
			if (tcps_have_rcvd_syn(tp->t_state))
				tcp_clamp_round(tp);
			return 0;
		case TCP_QUICKACK:
			/* Linux tcp(7): ACK each data segment at once.  Linux leaves this mode
			 * again by itself when it sees interactive traffic; here it lasts until
			 * cleared.  Setting it sends an ACK that was being delayed. */
			if (v) {
				tp->t_flags |= TF_QUICKACK;
				if ((tp->t_flags & TF_DELACK) && tcps_have_rcvd_syn(tp->t_state)) {
					tp->t_flags |= TF_ACKNOW;
					tcp_output(tp);
				}
			} else {
				tp->t_flags &= ~TF_QUICKACK;
			}
			return 0;
		case TCP_SYNCNT:
			/* Linux tcp(7): SYN retransmissions before connect() gives up. */
			if (v < 1 || v > TCP_MAX_SYNCNT)
				return -EINVAL;
			tp->t_syncnt = (uint8_t)v;
			return 0;
		case TCP_LINGER2:
			/* Linux tcp(7): how long an orphaned connection waits in FIN-WAIT-2 for
			 * the peer's FIN (tcp_finwait2_orphan); at most 120 s, 0 the default,
			 * negative: reset it instead.  Accepted connections inherit it. */
			tp->t_linger2 = (int16_t)(v < 0 ? -1 : NET_MIN(v, TCP_MAX_LINGER2));
			return 0;
		case TCP_DEFER_ACCEPT:
			/* Linux tcp(7): a listener's connections are kept from accept() until
			 * data arrives, for at most this many seconds (rounded as Linux rounds
			 * them, defer_accept_round); then accept() has them anyway.  0 or
			 * negative: off. */
			tp->t_defer_accept = defer_accept_round(v);
			return 0;
		case TCP_USER_TIMEOUT:
			/* RFC 5482, Linux tcp(7): ms that data may stay unacknowledged (or
			 * unsent behind a zero window) before ETIMEDOUT; 0 = the retry limits
			 * (tcp_timer.c).  Accepted connections inherit it. */
			if (v < 0)
				return -EINVAL;
			tp->t_user_timeout = (uint32_t)v;
			return 0;
		default:
			return -ENOPROTOOPT;
		}
	}
	switch (name) {
	case TCP_NODELAY:
		return opt_putint(val, len, (tp->t_flags & TF_NODELAY) ? 1 : 0);
	case TCP_MAXSEG:
		/* Before the handshake: the cap asked for, else the default (Linux). */
		if (!tcps_have_rcvd_syn(tp->t_state))
			return opt_putint(val, len, (int)(tp->t_usermss ? tp->t_usermss : tp->t_advmss));
		return opt_putint(val, len, (int)tp->t_maxseg);
	case TCP_KEEPIDLE:
		return opt_putint(val, len, (int)(tp->t_keepidle / TCP_NS_PER_S));
	case TCP_KEEPINTVL:
		return opt_putint(val, len, (int)(tp->t_keepintvl / TCP_NS_PER_S));
	case TCP_KEEPINIT:
		return opt_putint(val, len, (int)(tp->t_keepinit / TCP_NS_PER_S));
	case TCP_KEEPCNT:
		return opt_putint(val, len, (int)tp->t_keepcnt);
	case TCP_NOOPT:
		return opt_putint(val, len, (tp->t_flags & TF_NOOPT) ? 1 : 0);
	case TCP_WINDOW_CLAMP:
		return opt_putint(val, len, (int)tp->t_rcv_clamp);
	case TCP_CORK:
		return opt_putint(val, len, (tp->t_flags & TF_NOPUSH) ? 1 : 0);
	case TCP_QUICKACK:
		return opt_putint(val, len, (tp->t_flags & TF_QUICKACK) ? 1 : 0);
	case TCP_SYNCNT:
		return opt_putint(val, len, (int)(tp->t_syncnt ? tp->t_syncnt :
		    tcp_instance(tp->t_ns)->ti_conf.syn_rexmit_limit));
	case TCP_LINGER2:
		return opt_putint(val, len, tp->t_linger2 < 0 ? -1 : tp->t_linger2 ? tp->t_linger2 :
		    (int)(2 * tcp_instance(tp->t_ns)->ti_conf.msl_ns / TCP_NS_PER_S));
	case TCP_USER_TIMEOUT:
		return opt_putint(val, len, (int)tp->t_user_timeout);
	case TCP_DEFER_ACCEPT:
		return opt_putint(val, len, (int)tp->t_defer_accept);
	case TCP_INFO: {
		struct tcp_info info;
		tcp_fill_info(tp, &info);
		socklen_t n = *len < sizeof info ? *len : (socklen_t)sizeof info;
		memcpy(val, &info, n);
		*len = n;
		return 0;
	}
	case TCP_CONGESTION: {
		const char *name_ = tp->t_cc.ops->name;
		socklen_t n = (socklen_t)strlen(name_) + 1;
		if (n > *len)
			n = *len;
		memcpy(val, name_, n);
		*len = n;
		return 0;
	}
	default:
		return -ENOPROTOOPT;
	}
}

const struct protosw tcp_protosw = {
	.pr_domain = AF_INET,
	.pr_type = SOCK_STREAM,
	.pr_protocol = IPPROTO_TCP,
	.pr_flags = PR_CONNREQUIRED | PR_WANTRCVD | PR_DEFAULT | PR_LISTEN,
	.pr_name = "tcp",
	.pr_attach = tcp_attach,
	.pr_detach = tcp_detach,
	.pr_bind = tcp_bind,
	.pr_connect = tcp_connect,
	.pr_listen = tcp_listen,
	.pr_accept = tcp_accept,
	.pr_send = tcp_send,
	.pr_rcvd = tcp_rcvd,
	.pr_rcvoob = tcp_rcvoob,
	.pr_shutdown = tcp_shutdown,
	.pr_disconnect = tcp_disconnect,
	.pr_abort = tcp_abort,
	.pr_sockaddr = tcp_sockaddr,
	.pr_peeraddr = tcp_peeraddr,
	.pr_ctloutput = tcp_ctloutput,
	.pr_poll = NULL,
	.pr_input = tcp_input,
	.pr_ctlinput = tcp_ctlinput,
	.pr_reclaim = tcp_tw_reclaim,
};
