/* TCP timers on the instance's callout wheel: retransmission (RFC 6298), persist (RFC 9293
 * 3.8.6.1, RFC 6429), keepalive (RFC 1122 4.2.3.6) and connection-establishment limit,
 * delayed ACK (RFC 1122 4.2.3.2, RFC 9293 3.8.6.3), and 2MSL (TIME-WAIT). */
#include "tcp_var.h"
#include "netstack.h"
#include "socketvar.h"
#include <stos/errno.h>

/* Each handler returns false when it closed the connection (tp is freed). */
static bool tcp_timer_rexmt(struct tcpcb *tp);
static bool tcp_timer_persist(struct tcpcb *tp);
static bool tcp_timer_keep(struct tcpcb *tp);
static bool tcp_timer_2msl(struct tcpcb *tp);
static bool tcp_timer_delack(struct tcpcb *tp);

/* In the order they run when several are due in the same tick (the TT_* indices): a loss
 * probe due with the RTO goes instead of it (RFC 8985 7.2), and a retransmission or probe
 * carries the ACK a due delayed ACK would have sent, so that one is then not sent twice. */
static bool (*const tcp_timer_fns[TT_NTIMERS])(struct tcpcb *) = {
	[TT_REXMT] = tcp_timer_rexmt, [TT_PERSIST] = tcp_timer_persist, [TT_KEEP] = tcp_timer_keep,
	[TT_2MSL] = tcp_timer_2msl, [TT_DELACK] = tcp_timer_delack, [TT_TLP] = tcp_tlp_timeout,
};

static void tcp_timers_fire(void *arg);

/* One callout per connection serves all six timers.  Each timer's due time lives in
 * t_due[which] (0: stopped) and the callout is pending no later than the earliest of them:
 * arming a timer due after the callout only records the time, arming one due before it
 * moves the callout, and stopping the delayed-ACK timer only clears its due time.  So the
 * per-segment timer work of a transfer (the retransmission timer restarted by every ACK of
 * new data, RFC 6298 5.3; the delayed-ACK timer armed by one segment and stopped when the
 * ACK goes out with the next, RFC 5681 4.2) is a store, not a wheel operation.  A callout
 * left behind by a stopped delayed-ACK timer fires once (within delack_ns) and finds
 * nothing due.  When the callout fires, tcp_timers_fire runs every timer that is due and
 * moves the callout to the earliest one still armed, so each timer's work runs exactly when
 * a callout of its own would have run it.  One callout instead of six also keeps the
 * tcpcb smaller: a callout is 48 bytes, a due time 8. */
void tcp_timers_init(struct tcpcb *tp)
{
	callout_init(&tp->t_callout);
	for (int i = 0; i < TT_NTIMERS; i++)
		tp->t_due[i] = 0;
}

static void tcp_timers_schedule(struct tcpcb *tp, uint64_t due)
{
	struct callout *c = &tp->t_callout;
	if (!callout_pending(c) || c->c_expire > due)
		callout_reset_at(tp->t_ns, c, due, tcp_timers_fire, tp);
}

/* The due time counts from the later of `now` and the wheel's time, as net_now does
 * (callout.c): on a real clock the wheel's time lags between runs. */
void tcp_timer_arm_at(struct tcpcb *tp, int which, uint64_t now, uint64_t delay_ns)
{
	uint64_t wheel = tp->t_ns->ns_callouts.cw_now;
	tcp_timer_arm_due(tp, which, (now > wheel ? now : wheel) + delay_ns);
}

void tcp_timer_arm_due(struct tcpcb *tp, int which, uint64_t due)
{
	if (due == 0)
		due = 1;                /* 0 means stopped */
	tp->t_due[which] = due;
	tcp_timers_schedule(tp, due);
}

void tcp_timer_arm(struct tcpcb *tp, int which, uint64_t delay_ns)
{
	tcp_timer_arm_at(tp, which, net_clock(tp->t_ns), delay_ns);
}

static uint64_t tcp_timers_earliest(const struct tcpcb *tp)
{
	uint64_t next = UINT64_MAX;
	for (int w = 0; w < TT_NTIMERS; w++)
		if (tp->t_due[w] != 0 && tp->t_due[w] < next)
			next = tp->t_due[w];
	return next;
}

void tcp_timer_stop(struct tcpcb *tp, int which)
{
	uint64_t due = tp->t_due[which];
	tp->t_due[which] = 0;
	/* The delayed-ACK timer stops once for every ACK sent, the loss probe timer whenever
	 * everything sent is acknowledged: only their due times are cleared.  The others stop
	 * rarely within a transfer (the retransmission timer when everything sent is
	 * acknowledged, just after the probe timer), and an idle connection should not leave
	 * the callout on the wheel for a timer that no longer runs: the callout moves to the
	 * earliest timer still armed, or leaves the wheel. */
	struct callout *c = &tp->t_callout;
	if (which == TT_DELACK || which == TT_TLP || due == 0 || !callout_pending(c))
		return;
	uint64_t next = tcp_timers_earliest(tp);
	if (next == UINT64_MAX)
		callout_stop(tp->t_ns, c);
	else if (next != c->c_expire)
		callout_reset_at(tp->t_ns, c, next, tcp_timers_fire, tp);
}

void tcp_timers_stop_all(struct tcpcb *tp)
{
	for (int i = 0; i < TT_NTIMERS; i++)
		tp->t_due[i] = 0;
	callout_stop(tp->t_ns, &tp->t_callout);
}

static void tcp_timers_fire(void *arg)
{
	struct tcpcb *tp = arg;
	uint64_t now = net_now(tp->t_ns);
	for (int w = 0; w < TT_NTIMERS; w++) {
		uint64_t due = tp->t_due[w];
		if (due == 0 || due > now)
			continue;
		tp->t_due[w] = 0;
		if (!tcp_timer_fns[w](tp))
			return;             /* the connection is gone, and its callout with it */
	}
	uint64_t next = tcp_timers_earliest(tp);
	if (next != UINT64_MAX)
		tcp_timers_schedule(tp, next);
}

static uint64_t clamp_rto(const struct tcpcb *tp, uint64_t rto)
{
	const struct tcp_conf *c = &tcp_instance(tp->t_ns)->ti_conf;
	if (rto < c->rexmit_min_ns)
		rto = c->rexmit_min_ns;
	if (rto > c->rexmit_max_ns)
		rto = c->rexmit_max_ns;
	return rto;
}

void tcp_rtt_update(struct tcpcb *tp, uint64_t r)
{
	/* RFC 6298 2.2 and 2.3, alpha = 1/8, beta = 1/4, K = 4, G = the 1 ms clock. */
	if (tp->t_srtt == 0) {
		tp->t_srtt = r;
		tp->t_rttvar = r / 2;
	} else {
		uint64_t delta = tp->t_srtt > r ? tp->t_srtt - r : r - tp->t_srtt;
		tp->t_rttvar = (3 * tp->t_rttvar + delta) / 4;
		tp->t_srtt = (7 * tp->t_srtt + r) / 8;
	}
	uint64_t var4 = 4 * tp->t_rttvar;
	if (var4 < TCP_NS_PER_MS)
		var4 = TCP_NS_PER_MS;
	/* 2.4: whenever RTO is computed, below 1 s it is rounded up... we keep the 200 ms floor
	 * that deployed stacks use (the requirement), which RFC 6298 permits as a
	 * "conservative" lower bound choice. */
	tp->t_rto = clamp_rto(tp, tp->t_srtt + var4);
	tp->t_rxtshift = 0;
	TCPSTAT_INC(tcp_instance(tp->t_ns), rttupdated);
}

uint64_t tcp_rexmt_timeout(const struct tcpcb *tp)
{
	/* RFC 6298 5.5: back off by doubling, up to the maximum. */
	uint64_t rto = tp->t_rto;
	for (int i = 0; i < tp->t_rxtshift && rto < tcp_instance(tp->t_ns)->ti_conf.rexmit_max_ns; i++)
		rto *= 2;
	return clamp_rto(tp, rto);
}

/* Probe intervals follow the retransmission backoff, bounded to 5..60 s as BSD. */
static uint64_t tcp_persist_timeout(const struct tcpcb *tp)
{
	uint64_t t = tcp_rexmt_timeout(tp);
	if (t < 5 * TCP_NS_PER_S)
		t = 5 * TCP_NS_PER_S;
	if (t > 60 * TCP_NS_PER_S)
		t = 60 * TCP_NS_PER_S;
	return t;
}

/* Arms the persist timer for the next probe, at most cap from now, and backs off. */
static void tcp_persist_arm(struct tcpcb *tp, uint64_t cap)
{
	if (tp->t_rxtshift == 0)
		tp->t_stall_start = net_clock(tp->t_ns);   /* (tcp_user_time_left) */
	uint64_t t = tcp_persist_timeout(tp);
	tcp_timer_arm(tp, TT_PERSIST, t < cap ? t : cap);
	if (tp->t_rxtshift < 12)
		tp->t_rxtshift++;
}

void tcp_setpersist(struct tcpcb *tp)
{
	tcp_persist_arm(tp, UINT64_MAX);
}

/* TCP_USER_TIMEOUT (RFC 5482; Linux tcp(7)): how long sent data may stay unacknowledged, or
 * data unsent behind a zero window, before the connection is dropped with ETIMEDOUT.  It
 * counts from when the stall began (t_stall_start): for retransmissions, the first timeout
 * since data last advanced less the RTO that led to it (the timer restarts whenever data is
 * acknowledged, RFC 6298 5.3), so no per-segment send time is kept; for a zero window, when
 * the persist timer started (tcp_setpersist).  Returns the time left (ns): 0 when it ran out,
 * UINT64_MAX without a user timeout. */
static uint64_t tcp_user_time_left(const struct tcpcb *tp, uint64_t now)
{
	if (!tp->t_user_timeout)
		return UINT64_MAX;
	uint64_t end = tp->t_stall_start + (uint64_t)tp->t_user_timeout * TCP_NS_PER_MS;
	return now >= end ? 0 : end - now;
}

static bool tcp_timer_rexmt(struct tcpcb *tp)
{
	struct tcp_instance *ti = tcp_instance(tp->t_ns);
	const struct tcp_conf *c = &ti->ti_conf;
	uint64_t now = net_clock(tp->t_ns), left = UINT64_MAX;
	uint32_t limit = c->rexmit_limit;
	if (tp->t_state == TCPS_SYN_SENT)
		limit = tp->t_syncnt ? tp->t_syncnt : c->syn_rexmit_limit;     /* TCP_SYNCNT */
	else if (tp->t_state == TCPS_SYN_RECEIVED)
		limit = c->syn_rexmit_limit;
	else {
		if (tp->t_rxtshift == 0) {
			uint64_t rto = tcp_rexmt_timeout(tp);
			tp->t_stall_start = now > rto ? now - rto : 0;
		}
		left = tcp_user_time_left(tp, now);
	}

	TCPSTAT_INC(ti, rexmttimeo);
	++tp->t_rxtshift;
	/* RFC 9293 3.8.3 R2 / RFC 1122 4.2.3.5: give up, after the retry limit or, when the
	 * user set one, the user timeout alone (RFC 5482 2; as Linux). */
	if (left == 0 || (left == UINT64_MAX && (uint32_t)tp->t_rxtshift > limit)) {
		TCPSTAT_INC(ti, timeoutdrop);
		tcp_drop(tp, ETIMEDOUT);
		return false;
	}
	/* Karn's algorithm (RFC 6298 5): the timed segment is being retransmitted, so its
	 * sample would be ambiguous; stop timing.  After several backoffs the RTT estimate is
	 * suspect (RFC 6298 5.7 suggests clearing it): fold srtt into the variance. */
	tp->t_rtttime = 0;
	if (tp->t_rxtshift > 3 && tp->t_srtt) {
		tp->t_rttvar += tp->t_srtt / 4;
		tp->t_srtt = 0;
	}
	/* The connection is not yet established: drop our options after a few tries, in
	 * case a middlebox eats them (off by default, as FreeBSD's rexmit_drop_options). */
	uint32_t flight = tp->snd_max - tp->snd_una;
	if (tcps_have_rcvd_syn(tp->t_state) && tp->t_state != TCPS_SYN_RECEIVED) {
		/* RFC 5681 3.1 / RFC 6582: an RTO ends any recovery and collapses cwnd. */
		tp->t_cc.ops->signal(&tp->t_cc, CC_RTO, flight, net_clock(tp->t_ns));
		tp->t_flags &= ~(TF_FASTRECOVERY | TF_SACK_FIRST);
		tp->snd_recover = tp->snd_max;
	}
	tp->t_dupacks = 0;
	tcp_sack_scoreboard_clear(tp);
	tcp_tlp_reset(tp);
	tcp_timer_stop(tp, TT_TLP);
	tp->snd_nxt = tp->snd_una;
	tp->sack_hint = tp->snd_una;
	if (tp->t_flags & TF_SENTFIN)
		tp->t_flags &= ~TF_SENTFIN;
	/* The last timeout ends when the user timeout does (Linux does the same). */
	uint64_t rto = tcp_rexmt_timeout(tp);
	tcp_timer_arm(tp, TT_REXMT, rto < left ? rto : left);
	tcp_output(tp);
	return true;
}

static bool tcp_timer_persist(struct tcpcb *tp)
{
	struct tcp_instance *ti = tcp_instance(tp->t_ns);

	TCPSTAT_INC(ti, persisttimeo);
	/* RFC 6429 / RFC 1122 4.2.2.17: keep probing a zero window as long as the peer keeps
	 * answering; give up only when it has been silent for the whole retransmission
	 * budget. */
	uint64_t now = net_clock(tp->t_ns);
	if (tp->t_rxtshift == 0)
		tp->t_stall_start = now;    /* armed by TCP_CORK, not tcp_setpersist */
	/* Unless the user set a timeout: then the window may stay shut for that long
	 * (RFC 5482 2, Linux tcp(7)), however the peer answers.  (TCP_CORK's timer is this
	 * one with the window open: not a stall.) */
	uint64_t left = tp->snd_wnd == 0 ? tcp_user_time_left(tp, now) : UINT64_MAX;
	if (left == 0 || (left == UINT64_MAX && tp->t_rxtshift >= (int)ti->ti_conf.rexmit_limit &&
	    tp->t_rcvtime && now - tp->t_rcvtime >= ti->ti_conf.rexmit_max_ns * 2)) {
		TCPSTAT_INC(ti, timeoutdrop);
		tcp_drop(tp, ETIMEDOUT);
		return false;
	}
	tcp_persist_arm(tp, left);      /* the last probe comes when the user timeout ends */
	tp->t_flags |= TF_FORCEDATA;
	tcp_output(tp);
	tp->t_flags &= ~TF_FORCEDATA;
	return true;
}

static bool tcp_timer_keep(struct tcpcb *tp)
{
	struct tcp_instance *ti = tcp_instance(tp->t_ns);
	struct socket *so = tp_socket(tp);
	struct inpcb *inp = tp->t_inpcb;

	if (tp->t_flags & TF_DEFERRED) {
		/* TCP_DEFER_ACCEPT ran out with nothing received: accept() has it anyway. */
		tcp_defer_release(tp);
		return true;
	}
	TCPSTAT_INC(ti, keeptimeo);
	if (!tcps_have_rcvd_syn(tp->t_state) || tp->t_state == TCPS_SYN_RECEIVED) {
		/* The connection-establishment limit (TCP_KEEPINIT) ran out. */
		TCPSTAT_INC(ti, initdrops);
		tcp_drop(tp, ETIMEDOUT);
		return false;
	}
	if (so && (so->so_options & SO_F_KEEPALIVE) &&
	    (tp->t_state == TCPS_ESTABLISHED || tp->t_state == TCPS_CLOSE_WAIT)) {
		uint64_t now = net_clock(tp->t_ns);
		uint64_t idle = now - tp->t_rcvtime;
		/* The probes run out after TCP_KEEPCNT of them; with a user timeout, when it has
		 * passed and at least one probe went unanswered (RFC 5482 5, as Linux). */
		uint64_t limit = tp->t_user_timeout ?
		    NET_MAX((uint64_t)tp->t_user_timeout * TCP_NS_PER_MS,
			tp->t_keepidle + tp->t_keepintvl) :
		    tp->t_keepidle + (uint64_t)tp->t_keepcnt * tp->t_keepintvl;
		if (idle >= limit) {
			TCPSTAT_INC(ti, keepdrops);
			tcp_drop(tp, ETIMEDOUT);
			return false;
		}
		if (idle >= tp->t_keepidle) {
			/* RFC 1122 4.2.3.6: a probe is a segment with SEG.SEQ = SND.NXT - 1, no
			 * data, which the peer must answer with an ACK. */
			TCPSTAT_INC(ti, keepprobe);
			tcp_respond(tp->t_ns, tp, inp->inp_laddr, inp->inp_lport, inp->inp_faddr,
			    inp->inp_fport, tp->snd_una - 1, tp->rcv_nxt, TH_ACK);
			tcp_timer_arm(tp, TT_KEEP, tp->t_keepintvl);
			return true;
		}
		tcp_timer_arm(tp, TT_KEEP, tp->t_keepidle - idle);
		return true;
	}
	tcp_timer_arm(tp, TT_KEEP, tp->t_keepidle);
	return true;
}

static bool tcp_timer_2msl(struct tcpcb *tp)
{
	if (tp->t_state == TCPS_TIME_WAIT) {
		tcp_close(tp);
		return false;
	}
	/* FIN-WAIT-2 with the socket closed: the peer has had long enough to send its FIN
	 * (as BSD, so an orphaned connection cannot live forever).  With a negative
	 * TCP_LINGER2 it is reset instead, as soon as it is orphaned (tcp_finwait2_orphan). */
	if (tp->t_state == TCPS_FIN_WAIT_2 && (tp->t_flags & TF_CLOSED_BY_USER)) {
		if (tp->t_linger2 < 0) {
			TCPSTAT_INC(tcp_instance(tp->t_ns), lingerdrops);
			tcp_drop(tp, 0);
		} else {
			tcp_close(tp);
		}
		return false;
	}
	return true;
}

void tcp_finwait2_orphan(struct tcpcb *tp)
{
	/* Linux tcp(7) TCP_LINGER2: seconds, at most 120; unset, its default is 60 s
	 * (tcp_fin_timeout), as is 2 MSL here. */
	tp->t_flags |= TF_CLOSED_BY_USER;
	uint64_t t = tp->t_linger2 < 0 ? 0 : tp->t_linger2 ? (uint64_t)tp->t_linger2 * TCP_NS_PER_S :
	    2 * tcp_instance(tp->t_ns)->ti_conf.msl_ns;
	tcp_timer_arm(tp, TT_2MSL, t);
}

static bool tcp_timer_delack(struct tcpcb *tp)
{
	TCPSTAT_INC(tcp_instance(tp->t_ns), delack);
	tp->t_flags |= TF_ACKNOW;
	tcp_output(tp);
	return true;
}
