/* The socket layer: creating, connecting, listening, accepting, shutting down and closing
 * sockets, the state changes protocols report, wakeups and poll readiness.
 * Data transfer is in socket_io.c, options in socket_opt.c, buffers in sockbuf.c.
 *
 * Every so_* entry point takes the net lock and drops it only inside port_sleep (and
 * so_receive around its copy to the user, from mbufs it has unlinked).  Error
 * values and the order in which conditions are checked follow Linux (net/socket.c,
 * net/ipv4/af_inet.c), since programs and tests are written against Linux behaviour.
 */
#include "netlib.h"
#include "socket_private.h"
#include <stos/errno.h>
#include <stos/poll.h>

/* ---- sleeping and waking ---- */

int so_sleep(struct socket *so, void *chan, uint64_t deadline_ns)
{
	struct netstack *ns = so->so_ns;
	struct sockbuf *sb = chan == &so->so_rcv ? &so->so_rcv :
	    chan == &so->so_snd ? &so->so_snd : NULL;
	int rc;
	if (sb)
		sb->sb_sleepers++;
	rc = port_sleep(ns, chan, ns->ns_lock, deadline_ns);
	net_clock_forget(ns);          /* time went by while the lock was released */
	if (sb)
		sb->sb_sleepers--;
	return rc;
}

uint64_t so_deadline(struct socket *so, const struct sockbuf *sb)
{
	if (!sb->sb_timeo_ns)
		return 0;
	return port_now_ns(so->so_ns) + sb->sb_timeo_ns;
}

int so_pollwait(struct netstack *ns, uint64_t deadline_ns)
{
	struct so_instance *si = so_inst(ns);
	int rc;
	si->si_pollers++;
	rc = port_sleep(ns, &si->si_pollchan, ns->ns_lock, deadline_ns);
	net_clock_forget(ns);          /* time went by while the lock was released */
	si->si_pollers--;
	return rc;
}

/* The poll channel is woken only when a poller sleeps there: it counted itself under the net
 * lock, which every caller here holds, before port_sleep released the lock, so none is missed
 * (and a socket event, once per segment, costs no port_wakeup: in the kernel that is a
 * spinlock and a scan of the sleeping threads). */
static void so_notify(struct socket *so, int events)
{
	struct so_instance *si = so_inst(so->so_ns);
	if (so->so_upcall)
		so->so_upcall(so, so->so_upcallarg, events);
	if (si->si_pollers)
		port_wakeup(&si->si_pollchan);
}

/* sorwakeup/sowwakeup when someone is there to be told: wakes sleepers on sb, then
 * so_notify.  Out of line, so that the check below saves no registers for it. */
static __attribute__((noinline)) void so_wake(struct socket *so, struct sockbuf *sb,
    int events)
{
	if (sb->sb_sleepers)
		port_wakeup(sb);
	so_notify(so, events);
}

/* True when a wakeup on sb has anyone to reach: a thread asleep on it (so_sleep), the
 * socket's upcall, or a poller on the instance's channel (so_pollwait). */
static inline bool so_wake_wanted(const struct socket *so, const struct sockbuf *sb)
{
	return sb->sb_sleepers || so->so_upcall || so_inst(so->so_ns)->si_pollers;
}

/* Called for every segment received or acknowledged: the scheduler's wakeup (a scan of the
 * threads under a spinlock) runs only when a reader or writer sleeps in so_sleep, and
 * nothing at all is done when nobody sleeps, polls or asked for an upcall (a bulk transfer's
 * reader that reads as data comes). */
void sorwakeup(struct socket *so)
{
	if (so_wake_wanted(so, &so->so_rcv))
		so_wake(so, &so->so_rcv, POLLIN | POLLRDNORM | POLLRDHUP | POLLHUP | POLLERR);
}

void sowwakeup(struct socket *so)
{
	if (so_wake_wanted(so, &so->so_snd))
		so_wake(so, &so->so_snd, POLLOUT | POLLWRNORM | POLLHUP | POLLERR);
}

void so_wakeall(struct socket *so)
{
	port_wakeup(&so->so_state);
	port_wakeup(&so->so_rcv);
	port_wakeup(&so->so_snd);
	so_notify(so, POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLERR | POLLHUP | POLLRDHUP);
}

void so_seterror(struct socket *so, int err)
{
	so->so_error = err;
	so_wakeall(so);
}

/* ---- state changes reported by protocols ---- */

void soisconnecting(struct socket *so)
{
	so->so_state &= ~(SS_ISCONNECTED | SS_ISDISCONNECTING | SS_ISDISCONNECTED);
	so->so_state |= SS_ISCONNECTING;
}

static void soq_unlink(struct socket *head, struct socket *so)
{
	if (so->so_qprev)
		so->so_qprev->so_qnext = so->so_qnext;
	else if (so->so_onq0)
		head->so_q0 = so->so_qnext;
	else
		head->so_q = so->so_qnext;
	if (so->so_qnext)
		so->so_qnext->so_qprev = so->so_qprev;
	else if (so->so_onq0)
		head->so_q0tail = so->so_qprev;
	else
		head->so_qtail = so->so_qprev;
	if (so->so_onq0)
		head->so_q0len--;
	else
		head->so_qlen--;
	so->so_qnext = so->so_qprev = NULL;
}

static void soq_append(struct socket *head, struct socket *so, bool q0)
{
	struct socket **tailp = q0 ? &head->so_q0tail : &head->so_qtail;
	so->so_onq0 = q0;
	so->so_qnext = NULL;
	so->so_qprev = *tailp;
	if (*tailp)
		(*tailp)->so_qnext = so;
	else if (q0)
		head->so_q0 = so;
	else
		head->so_q = so;
	*tailp = so;
	if (q0)
		head->so_q0len++;
	else
		head->so_qlen++;
	so->so_head = head;
}

void soqremove(struct socket *so)
{
	struct socket *head = so->so_head;
	if (!head)
		return;
	soq_unlink(head, so);
	so->so_head = NULL;
}

void soisconnected(struct socket *so)
{
	struct socket *head = so->so_head;
	so->so_state &= ~(SS_ISCONNECTING | SS_ISDISCONNECTING | SS_ISDISCONNECTED);
	so->so_state |= SS_ISCONNECTED;
	if (head && so->so_onq0) {
		/* The handshake completed: from the SYN queue to the accept queue. */
		soq_unlink(head, so);
		soq_append(head, so, false);
		sorwakeup(head);
		port_wakeup(&head->so_state);
	}
	so_wakeall(so);
}

void soisdisconnecting(struct socket *so)
{
	so->so_state &= ~SS_ISCONNECTING;
	so->so_state |= SS_ISDISCONNECTING | SS_CANTRCVMORE | SS_CANTSENDMORE;
	so_wakeall(so);
}

void soisdisconnected(struct socket *so)
{
	so->so_state &= ~(SS_ISCONNECTING | SS_ISCONNECTED | SS_ISDISCONNECTING);
	so->so_state |= SS_ISDISCONNECTED | SS_CANTRCVMORE | SS_CANTSENDMORE;
	so_wakeall(so);
}

void socantsendmore(struct socket *so)
{
	so->so_state |= SS_CANTSENDMORE;
	sowwakeup(so);
}

void socantrcvmore(struct socket *so)
{
	so->so_state |= SS_CANTRCVMORE;
	sorwakeup(so);
}

/* ---- allocation ---- */

static struct socket *so_alloc(struct netstack *ns, const struct protosw *pr, int type,
    int protocol)
{
	struct so_instance *si = so_inst(ns);
	struct socket *so;
	while (!(so = net_zalloc(sizeof(*so))))
		if (!pr->pr_reclaim || !pr->pr_reclaim(ns))
			return NULL;
	so->so_ns = ns;
	so->so_proto = pr;
	so->so_type = type;
	so->so_protocol = protocol;
	so->so_id = si->si_nextid++;
	so->so_allnext = si->si_all;
	if (si->si_all)
		si->si_all->so_allprev = so;
	si->si_all = so;
	si->si_count++;
	return so;
}

static void so_release(struct socket *so)
{
	struct so_instance *si = so_inst(so->so_ns);
	if (so->so_allprev)
		so->so_allprev->so_allnext = so->so_allnext;
	else
		si->si_all = so->so_allnext;
	if (so->so_allnext)
		so->so_allnext->so_allprev = so->so_allprev;
	si->si_count--;
	sbflush(&so->so_rcv);
	sbflush(&so->so_snd);
	port_free(so);
}

void sofree(struct socket *so)
{
	if (!(so->so_state & SS_NOFDREF) || so->so_pcb || so->so_head)
		return;
	so_release(so);
}

struct socket *sonewconn(struct socket *head, unsigned connstatus)
{
	struct socket *so;
	bool q0 = !(connstatus & SS_ISCONNECTED);

	if (!(head->so_options & SO_F_ACCEPTCONN))
		return NULL;
	if (q0 ? head->so_q0len >= NET_MAX(head->so_qlimit, 1) : head->so_qlen > head->so_qlimit)
		return NULL;
	so = so_alloc(head->so_ns, head->so_proto, head->so_type, head->so_protocol);
	if (!so)
		return NULL;
	/* Inherit what Linux's child sockets inherit: options (not listening itself), buffer
	 * limits, timeouts, linger.  O_NONBLOCK is a file flag and is not inherited. */
	so->so_options = head->so_options & ~SO_F_ACCEPTCONN;
	so->so_linger = head->so_linger;
	so->so_priority = head->so_priority;
	so->so_bound_ifindex = head->so_bound_ifindex;
	so->so_state = SS_NOFDREF | SS_ISBOUND | (head->so_state & SS_SNDAUTO);
	so->so_rcv.sb_hiwat = head->so_rcv.sb_hiwat;
	so->so_snd.sb_hiwat = head->so_snd.sb_hiwat;
	so->so_rcv.sb_mbmax = head->so_rcv.sb_mbmax;
	so->so_snd.sb_mbmax = head->so_snd.sb_mbmax;
	so->so_rcv.sb_lowat = head->so_rcv.sb_lowat;
	so->so_snd.sb_lowat = head->so_snd.sb_lowat;
	so->so_rcv.sb_timeo_ns = head->so_rcv.sb_timeo_ns;
	so->so_snd.sb_timeo_ns = head->so_snd.sb_timeo_ns;
	if (head->so_proto->pr_attach(so, head->so_protocol) != 0) {
		so->so_pcb = NULL;
		so_release(so);
		return NULL;
	}
	soq_append(head, so, q0);
	if (!q0) {
		so->so_state |= SS_ISCONNECTED;
		sorwakeup(head);
		port_wakeup(&head->so_state);
	}
	return so;
}

/* ---- entry points ---- */

int so_create(struct netstack *ns, int domain, int type, int protocol, struct socket **out)
{
	const struct protosw *pr;
	struct socket *so;
	int err = 0;
	bool nbio = type & SOCK_NONBLOCK;

	*out = NULL;
	type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	/* Linux __sock_create: a bad family is EAFNOSUPPORT, a type out of range EINVAL. */
	if (domain < 0 || domain >= 46)
		return -EAFNOSUPPORT;
	if (type <= 0 || type > 10)
		return -EINVAL;
	NET_LOCK(ns);
	if (!ns->ns_sock) {
		NET_UNLOCK(ns);
		return -EAFNOSUPPORT;
	}
	pr = protosw_find(ns, domain, type, protocol, &err);
	if (!pr) {
		NET_UNLOCK(ns);
		return err;
	}
	so = so_alloc(ns, pr, type, protocol ? protocol : pr->pr_protocol);
	if (!so) {
		NET_UNLOCK(ns);
		return -ENOMEM;
	}
	if (nbio)
		so->so_state |= SS_NBIO;
	err = pr->pr_attach(so, protocol);
	if (err) {
		if (so->so_pcb && pr->pr_detach)
			pr->pr_detach(so);
		so->so_pcb = NULL;
		so_release(so);
		NET_UNLOCK(ns);
		return err;
	}
	NET_UNLOCK(ns);
	*out = so;
	return 0;
}

int so_bind(struct socket *so, const struct sockaddr *nam, socklen_t len)
{
	struct netstack *ns = so->so_ns;
	int err;
	NET_LOCK(ns);
	err = so->so_proto->pr_bind ? so->so_proto->pr_bind(so, nam, len) : -EOPNOTSUPP;
	if (!err)
		so->so_state |= SS_ISBOUND;
	NET_UNLOCK(ns);
	return err;
}

static bool so_nbio(const struct socket *so, int flags)
{
	return (so->so_state & SS_NBIO) || (flags & MSG_DONTWAIT);
}

int so_connect(struct socket *so, const struct sockaddr *nam, socklen_t len)
{
	struct netstack *ns = so->so_ns;
	const struct protosw *pr = so->so_proto;
	uint64_t deadline;
	int err = 0;

	if (len < sizeof(sa_family_t) || !nam)
		return -EINVAL;
	NET_LOCK(ns);
	if (!pr->pr_connect) {
		err = -EOPNOTSUPP;
		goto out;
	}
	if (!(pr->pr_flags & PR_CONNREQUIRED)) {
		/* Datagram: connect, reconnect and AF_UNSPEC disconnect all go to the protocol. */
		err = pr->pr_connect(so, nam, len);
		goto out;
	}
	if (nam->sa_family == AF_UNSPEC) {
		/* Linux: connect(AF_UNSPEC) on a stream socket aborts the connection. */
		err = pr->pr_disconnect ? pr->pr_disconnect(so) : 0;
		goto out;
	}
	if (so->so_options & SO_F_ACCEPTCONN) {
		err = -EISCONN;
		goto out;
	}
	/* Linux __inet_stream_connect: after a connect that returned early, the next call
	 * reports how it ended: 0 once connected, the error (or ECONNABORTED) if it failed. */
	if ((so->so_state & SS_CONNWAIT) && !(so->so_state & SS_ISCONNECTING)) {
		so->so_state &= ~SS_CONNWAIT;
		if (so->so_state & SS_ISCONNECTED) {
			err = 0;
		} else {
			err = so->so_error ? -so->so_error : -ECONNABORTED;
			so->so_error = 0;
		}
		goto out;
	}
	if (so->so_state & SS_ISCONNECTED) {
		err = -EISCONN;
		goto out;
	}
	if (so->so_state & SS_ISCONNECTING) {
		if (so_nbio(so, 0)) {
			err = -EALREADY;
			goto out;
		}
	} else {
		so->so_error = 0;
		err = pr->pr_connect(so, nam, len);
		if (err)
			goto out;
		if ((so->so_state & SS_ISCONNECTING) && so_nbio(so, 0)) {
			so->so_state |= SS_CONNWAIT;
			err = -EINPROGRESS;
			goto out;
		}
	}
	deadline = so_deadline(so, &so->so_snd);
	while ((so->so_state & SS_ISCONNECTING) && !so->so_error) {
		int rc = so_sleep(so, &so->so_state, deadline);
		if (rc == -ETIMEDOUT) {
			so->so_state |= SS_CONNWAIT;
			err = -EINPROGRESS;   /* Linux: SO_SNDTIMEO on connect */
			goto out;
		}
		if (rc == -EINTR) {
			so->so_state |= SS_CONNWAIT;
			err = -EINTR;
			goto out;
		}
	}
	so->so_state &= ~SS_CONNWAIT;
	if (so->so_error) {
		err = -so->so_error;
		so->so_error = 0;
	} else if (!(so->so_state & SS_ISCONNECTED)) {
		err = -ECONNABORTED;
	}
out:
	NET_UNLOCK(ns);
	return err;
}

int so_listen(struct socket *so, int backlog)
{
	struct netstack *ns = so->so_ns;
	int err;
	NET_LOCK(ns);
	if (!so->so_proto->pr_listen || !(so->so_proto->pr_flags & PR_LISTEN)) {
		err = -EOPNOTSUPP;
		goto out;
	}
	if (so->so_state & (SS_ISCONNECTED | SS_ISCONNECTING | SS_ISDISCONNECTING)) {
		err = -EINVAL;
		goto out;
	}
	/* Linux: the backlog is clamped to somaxconn (a negative one, taken as unsigned, too). */
	if ((unsigned)backlog > SOMAXCONN)
		backlog = SOMAXCONN;
	err = so->so_proto->pr_listen(so, backlog);
	if (err)
		goto out;
	so->so_qlimit = backlog;
	so->so_options |= SO_F_ACCEPTCONN;
	so->so_state |= SS_ISBOUND;
out:
	NET_UNLOCK(ns);
	return err;
}

int so_accept(struct socket *head, struct socket **out, struct sockaddr_storage *nam,
    socklen_t *namlen, int flags)
{
	struct netstack *ns = head->so_ns;
	struct socket *so;
	uint64_t deadline;
	int err = 0;

	*out = NULL;
	NET_LOCK(ns);
	if (!(head->so_proto->pr_flags & PR_LISTEN)) {
		err = -EOPNOTSUPP;
		goto out;
	}
	deadline = so_deadline(head, &head->so_rcv);
	for (;;) {
		if (!(head->so_options & SO_F_ACCEPTCONN)) {
			err = -EINVAL;
			goto out;
		}
		if (head->so_q)
			break;
		if (so_nbio(head, 0)) {
			err = -EAGAIN;
			goto out;
		}
		err = so_sleep(head, &head->so_rcv, deadline);
		if (err == -ETIMEDOUT) {
			err = -EAGAIN;
			goto out;
		}
		if (err)
			goto out;
	}
	so = head->so_q;
	soqremove(so);
	so->so_state &= ~(SS_NOFDREF | SS_NBIO);
	if (flags & SOCK_NONBLOCK)
		so->so_state |= SS_NBIO;
	if (so->so_proto->pr_accept) {
		err = so->so_proto->pr_accept(so, nam, namlen);
		if (err == -ENOTCONN && nam && namlen) {
			/* Reset before accept: Linux still hands out the socket; its address is
			 * unknown now, reported as an empty AF_INET address. */
			err = 0;
		}
	}
	if (err) {
		so->so_state |= SS_NOFDREF;
		if (so->so_proto->pr_abort)
			so->so_proto->pr_abort(so);
		sofree(so);
		goto out;
	}
	*out = so;
out:
	NET_UNLOCK(ns);
	return err;
}

int so_shutdown(struct socket *so, int how)
{
	struct netstack *ns = so->so_ns;
	const struct protosw *pr = so->so_proto;
	int err = 0;

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	NET_LOCK(ns);
	if (so->so_options & SO_F_ACCEPTCONN) {
		/* Linux: SHUT_RD on a listener stops listening (pending accepts get EINVAL and
		 * queued connections are reset); SHUT_WR alone does nothing. */
		if (how != SHUT_WR) {
			while (so->so_q0 || so->so_q) {
				struct socket *c = so->so_q0 ? so->so_q0 : so->so_q;
				soqremove(c);
				if (c->so_proto->pr_abort)
					c->so_proto->pr_abort(c);
				sofree(c);
			}
			so->so_options &= ~SO_F_ACCEPTCONN;
			if (pr->pr_disconnect)
				pr->pr_disconnect(so);
			so_wakeall(so);
		}
		goto out;
	}
	/* Linux inet_shutdown: an unconnected socket gets ENOTCONN, but the shutdown flags are
	 * still set (so poll reports them). */
	if (!(so->so_state & (SS_ISCONNECTED | SS_ISCONNECTING | SS_ISDISCONNECTING)))
		err = -ENOTCONN;
	if (how != SHUT_WR) {
		so->so_state |= SS_SHUTRD;
		socantrcvmore(so);
	}
	if (how != SHUT_RD) {
		bool was = so->so_state & SS_CANTSENDMORE;
		so->so_state |= SS_SHUTWR;
		socantsendmore(so);
		if (!was && pr->pr_shutdown && !err) {
			int e = pr->pr_shutdown(so);
			if (e)
				err = e;
		}
	}
	so_wakeall(so);
out:
	NET_UNLOCK(ns);
	return err;
}

int so_close(struct socket *so)
{
	struct netstack *ns = so->so_ns;
	const struct protosw *pr = so->so_proto;
	int err = 0;

	NET_LOCK(ns);
	so->so_upcall = NULL;
	if (so->so_options & SO_F_ACCEPTCONN) {
		/* Connections nobody accepted are aborted (TCP: reset), as on Linux. */
		while (so->so_q0 || so->so_q) {
			struct socket *c = so->so_q0 ? so->so_q0 : so->so_q;
			soqremove(c);
			if (c->so_proto->pr_abort)
				c->so_proto->pr_abort(c);
			sofree(c);
		}
		so->so_options &= ~SO_F_ACCEPTCONN;
	}
	if (so->so_pcb && (so->so_state & (SS_ISCONNECTED | SS_ISCONNECTING)) &&
	    pr->pr_disconnect && (pr->pr_flags & PR_CONNREQUIRED)) {
		err = pr->pr_disconnect(so);
		/* SO_LINGER with a time: wait (blocking sockets only) until the protocol reports
		 * the disconnect complete or the time runs out. */
		if (!err && (so->so_options & SO_F_LINGER) && so->so_linger > 0 &&
		    !(so->so_state & SS_NBIO)) {
			uint64_t deadline = port_now_ns(ns) +
			    (uint64_t)so->so_linger * 1000000000ull;
			while (so->so_pcb && (so->so_state & (SS_ISCONNECTED | SS_ISDISCONNECTING)) &&
			    !(so->so_state & SS_ISDISCONNECTED)) {
				int rc = so_sleep(so, &so->so_state, deadline);
				if (rc)
					break;
			}
		}
	}
	so->so_state |= SS_NOFDREF;
	if (so->so_pcb && pr->pr_detach)
		pr->pr_detach(so);
	sofree(so);
	NET_UNLOCK(ns);
	return err;
}

int so_getsockname(struct socket *so, struct sockaddr_storage *nam, socklen_t *len)
{
	struct netstack *ns = so->so_ns;
	int err;
	NET_LOCK(ns);
	err = so->so_proto->pr_sockaddr ? so->so_proto->pr_sockaddr(so, nam, len) : -EOPNOTSUPP;
	NET_UNLOCK(ns);
	return err;
}

int so_getpeername(struct socket *so, struct sockaddr_storage *nam, socklen_t *len)
{
	struct netstack *ns = so->so_ns;
	int err;
	NET_LOCK(ns);
	if (!(so->so_state & SS_ISCONNECTED))
		err = -ENOTCONN;
	else
		err = so->so_proto->pr_peeraddr ? so->so_proto->pr_peeraddr(so, nam, len) :
		    -EOPNOTSUPP;
	NET_UNLOCK(ns);
	return err;
}

void so_setnbio(struct socket *so, bool on)
{
	struct netstack *ns = so->so_ns;
	NET_LOCK(ns);
	if (on)
		so->so_state |= SS_NBIO;
	else
		so->so_state &= ~SS_NBIO;
	NET_UNLOCK(ns);
}

void so_setupcall(struct socket *so, void (*fn)(struct socket *, void *, int), void *arg)
{
	struct netstack *ns = so->so_ns;
	NET_LOCK(ns);
	so->so_upcall = fn;
	so->so_upcallarg = arg;
	NET_UNLOCK(ns);
}

void so_foreach(struct netstack *ns, void (*fn)(struct socket *, void *), void *arg)
{
	struct socket *so, *next;
	if (!ns->ns_sock)
		return;
	for (so = so_inst(ns)->si_all; so; so = next) {
		next = so->so_allnext;
		fn(so, arg);
	}
}

/* ---- poll (Linux datagram_poll / tcp_poll rules) ---- */

int so_poll_locked(struct socket *so, int events)
{
	const struct protosw *pr = so->so_proto;
	bool stream = pr->pr_flags & PR_CONNREQUIRED;
	int mask = 0;

	if (so->so_error)
		mask |= POLLERR;
	if (so->so_options & SO_F_ACCEPTCONN) {
		if (so->so_q)
			mask |= POLLIN | POLLRDNORM;
		goto done;
	}
	if (so->so_state & SS_CANTRCVMORE)
		mask |= POLLIN | POLLRDNORM | POLLRDHUP;
	if ((so->so_state & (SS_CANTRCVMORE | SS_CANTSENDMORE)) ==
	    (SS_CANTRCVMORE | SS_CANTSENDMORE))
		mask |= POLLHUP;
	if (stream) {
		if (!(so->so_state & (SS_ISCONNECTED | SS_ISCONNECTING | SS_ISDISCONNECTING)))
			mask |= POLLHUP;       /* TCP_CLOSE: never connected, or gone */
		if (so->so_state & SS_ISCONNECTING)
			goto done;             /* SYN_SENT: neither readable nor writable yet */
		if (so->so_rcv.sb_cc > 0 && so->so_rcv.sb_cc >= NET_MAX(so->so_rcv.sb_lowat, 1u))
			mask |= POLLIN | POLLRDNORM;
		if ((so->so_state & SS_CANTSENDMORE) ||
		    sbspace(&so->so_snd) >= NET_MAX(so->so_snd.sb_lowat, 1u))
			mask |= POLLOUT | POLLWRNORM;
	} else {
		if (so->so_rcv.sb_mb)
			mask |= POLLIN | POLLRDNORM;
		mask |= POLLOUT | POLLWRNORM;  /* datagrams are never queued for sending */
	}
done:
	if (pr->pr_poll)
		mask |= pr->pr_poll(so, events);
	return mask & (events | POLLERR | POLLHUP | POLLNVAL);
}

int so_poll(struct socket *so, int events)
{
	struct netstack *ns = so->so_ns;
	int mask;
	NET_LOCK(ns);
	mask = so_poll_locked(so, events);
	NET_UNLOCK(ns);
	return mask;
}

int so_nread(struct socket *so)
{
	struct netstack *ns = so->so_ns;
	int n = 0;
	NET_LOCK(ns);
	if (so->so_proto->pr_flags & PR_ATOMIC) {
		/* Linux FIONREAD on UDP: the size of the next datagram. */
		struct mbuf *m = so->so_rcv.sb_mb;
		if (m && m->m_type == MT_SONAME)
			m = m->m_next;
		if (m)
			n = (m->m_flags & M_PKTHDR) ? (int)m->m_pkthdr.len : (int)m_length(m);
	} else {
		n = (int)so->so_rcv.sb_cc;
	}
	NET_UNLOCK(ns);
	return n;
}
