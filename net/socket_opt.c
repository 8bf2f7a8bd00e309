/* Socket options at level SOL_SOCKET (Linux net/core/sock.c semantics), and the hand-off of
 * every other level to the protocol's pr_ctloutput.
 *
 * Linux rules kept here because programs depend on them: an int option needs optlen >=
 * sizeof(int) to set (else EINVAL); a get copies min(optlen, size of the value) bytes;
 * SO_RCVBUF/SO_SNDBUF store twice the value asked, clamped to [minimum, 2 * max] and read
 * back doubled; read-only options (SO_TYPE, SO_ERROR...) refuse a set with ENOPROTOOPT;
 * SO_RCVTIMEO/SO_SNDTIMEO take a struct timeval, EDOM for a bad tv_usec, and 0 means forever.
 */
#include "netlib.h"
#include "socket_private.h"
#include "if.h"
#include <stos/errno.h>
#include <stos/time.h>

static int opt_getint(const void *val, socklen_t len, int *out)
{
	if (!val || len < sizeof(int))
		return -EINVAL;
	memcpy(out, val, sizeof(int));
	return 0;
}

static int opt_put(void *val, socklen_t *len, const void *v, size_t vlen)
{
	size_t c = NET_MIN((size_t)*len, vlen);
	if (c)
		memcpy(val, v, c);
	*len = (socklen_t)c;
	return 0;
}

static int opt_putint(void *val, socklen_t *len, int v)
{
	return opt_put(val, len, &v, sizeof(v));
}

static unsigned opt_flag(int name)
{
	switch (name) {
	case SO_REUSEADDR: return SO_F_REUSEADDR;
	case SO_REUSEPORT: return SO_F_REUSEPORT;
	case SO_BROADCAST: return SO_F_BROADCAST;
	case SO_KEEPALIVE: return SO_F_KEEPALIVE;
	case SO_DONTROUTE: return SO_F_DONTROUTE;
	case SO_OOBINLINE: return SO_F_OOBINLINE;
	case SO_DEBUG: return SO_F_DEBUG;
	case SO_TIMESTAMP: return SO_F_TIMESTAMP;
	case SO_NO_CHECK: return SO_F_NO_CHECK;
	default: return 0;
	}
}

static int opt_settimeo(struct sockbuf *sb, const void *val, socklen_t len)
{
	struct timeval tv;
	if (!val || len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec < 0) {
		sb->sb_timeo_ns = 1;   /* Linux: a negative time means "do not wait" */
		return 0;
	}
	if (tv.tv_sec > 100000000)
		tv.tv_sec = 100000000;  /* ~3 years: "forever" without overflow */
	sb->sb_timeo_ns = (uint64_t)tv.tv_sec * 1000000000ull + (uint64_t)tv.tv_usec * 1000ull;
	return 0;
}

static int opt_gettimeo(const struct sockbuf *sb, void *val, socklen_t *len)
{
	struct timeval tv;
	uint64_t t = sb->sb_timeo_ns;
	if (t == 1)
		t = 0;
	tv.tv_sec = (time_t)(t / 1000000000ull);
	tv.tv_usec = (suseconds_t)((t % 1000000000ull) / 1000ull);
	return opt_put(val, len, &tv, sizeof(tv));
}

/* Lets the protocol see an option the socket layer handled (TCP: SO_KEEPALIVE arms the
 * keepalive timer, SO_RCVBUF changes the window); "not mine" is not an error. */
static void opt_notify(struct socket *so, int name, const void *val, socklen_t len)
{
	socklen_t l = len;
	if (so->so_proto->pr_ctloutput)
		(void)so->so_proto->pr_ctloutput(so, PRCO_SETOPT, SOL_SOCKET, name, (void *)val, &l);
}

static int so_setopt_socket(struct socket *so, int name, const void *val, socklen_t len)
{
	int v = 0, err;
	unsigned f = opt_flag(name);

	if (f) {
		if ((err = opt_getint(val, len, &v)))
			return err;
		if (v)
			so->so_options |= f;
		else
			so->so_options &= ~f;
		if (name == SO_KEEPALIVE)
			opt_notify(so, name, val, len);
		return 0;
	}
	switch (name) {
	case SO_RCVBUF:
	case SO_SNDBUF: {
		uint32_t u, b;
		if ((err = opt_getint(val, len, &v)))
			return err;
		u = (uint32_t)v;           /* Linux min_t(u32, ...): negative = huge */
		if (u > SO_BUF_MAX)
			u = SO_BUF_MAX;
		b = u * 2;
		if (name == SO_RCVBUF)
			sb_sethiwat(&so->so_rcv, NET_MAX(b, SO_MIN_RCVBUF));
		else {
			sb_sethiwat(&so->so_snd, NET_MAX(b, SO_MIN_SNDBUF));
			so->so_state &= ~SS_SNDAUTO;   /* the user's size, as Linux's SOCK_SNDBUF_LOCK */
		}
		opt_notify(so, name, val, len);
		if (name == SO_SNDBUF)
			sowwakeup(so);
		return 0;
	}
	case SO_RCVLOWAT:
		if ((err = opt_getint(val, len, &v)))
			return err;
		if (v < 0)
			v = 0x7fffffff;
		so->so_rcv.sb_lowat = v ? (uint32_t)v : 1;
		sorwakeup(so);
		return 0;
	case SO_RCVTIMEO:
		return opt_settimeo(&so->so_rcv, val, len);
	case SO_SNDTIMEO:
		return opt_settimeo(&so->so_snd, val, len);
	case SO_LINGER: {
		struct linger l;
		if (!val || len < sizeof(l))
			return -EINVAL;
		memcpy(&l, val, sizeof(l));
		if (l.l_onoff) {
			so->so_options |= SO_F_LINGER;
			so->so_linger = l.l_linger < 0 ? 0x7fffffff : l.l_linger;
		} else {
			so->so_options &= ~SO_F_LINGER;
		}
		opt_notify(so, name, val, len);
		return 0;
	}
	case SO_PRIORITY:
		if ((err = opt_getint(val, len, &v)))
			return err;
		if (v < 0 || v > 6)
			return -EPERM;      /* Linux: above 6 needs CAP_NET_ADMIN */
		so->so_priority = v;
		return 0;
	case SO_BINDTODEVICE: {
		char name_buf[IFNAMSIZ];
		struct ifnet *ifp;
		size_t n = NET_MIN((size_t)len, sizeof(name_buf) - 1);
		if (n && !val)
			return -EFAULT;
		memset(name_buf, 0, sizeof(name_buf));
		if (n)
			memcpy(name_buf, val, n);
		if (name_buf[0] == 0) {
			so->so_bound_ifindex = 0;
			return 0;
		}
		ifp = ifnet_byname(so->so_ns, name_buf);
		if (!ifp)
			return -ENODEV;
		so->so_bound_ifindex = (int)ifp->if_index;
		return 0;
	}
	case SO_SNDLOWAT:           /* Linux: not changeable */
	case SO_TYPE:
	case SO_ERROR:
	case SO_ACCEPTCONN:
	case SO_PROTOCOL:
	case SO_DOMAIN:
		return -ENOPROTOOPT;
	default:
		if (so->so_proto->pr_ctloutput) {
			socklen_t l = len;
			return so->so_proto->pr_ctloutput(so, PRCO_SETOPT, SOL_SOCKET, name,
			    (void *)val, &l);
		}
		return -ENOPROTOOPT;
	}
}

static int so_getopt_socket(struct socket *so, int name, void *val, socklen_t *len)
{
	unsigned f = opt_flag(name);
	if (f)
		return opt_putint(val, len, (so->so_options & f) ? 1 : 0);
	switch (name) {
	case SO_TYPE:
		return opt_putint(val, len, so->so_type);
	case SO_PROTOCOL:
		return opt_putint(val, len, so->so_protocol);
	case SO_DOMAIN:
		return opt_putint(val, len, so->so_proto->pr_domain);
	case SO_ACCEPTCONN:
		return opt_putint(val, len, (so->so_options & SO_F_ACCEPTCONN) ? 1 : 0);
	case SO_ERROR: {
		int e = so->so_error;
		so->so_error = 0;
		return opt_putint(val, len, e);
	}
	case SO_RCVBUF:
		return opt_putint(val, len, (int)so->so_rcv.sb_hiwat);
	case SO_SNDBUF:
		return opt_putint(val, len, (int)so->so_snd.sb_hiwat);
	case SO_RCVLOWAT:
		return opt_putint(val, len, (int)so->so_rcv.sb_lowat);
	case SO_SNDLOWAT:
		return opt_putint(val, len, 1);
	case SO_RCVTIMEO:
		return opt_gettimeo(&so->so_rcv, val, len);
	case SO_SNDTIMEO:
		return opt_gettimeo(&so->so_snd, val, len);
	case SO_LINGER: {
		struct linger l = { (so->so_options & SO_F_LINGER) ? 1 : 0, so->so_linger };
		return opt_put(val, len, &l, sizeof(l));
	}
	case SO_PRIORITY:
		return opt_putint(val, len, so->so_priority);
	case SO_BINDTODEVICE: {
		struct ifnet *ifp = so->so_bound_ifindex ?
		    ifnet_byindex(so->so_ns, (unsigned)so->so_bound_ifindex) : NULL;
		if (!ifp) {
			*len = 0;
			return 0;
		}
		if (*len < strlen(ifp->if_name) + 1)
			return -EINVAL;
		return opt_put(val, len, ifp->if_name, strlen(ifp->if_name) + 1);
	}
	default:
		if (so->so_proto->pr_ctloutput)
			return so->so_proto->pr_ctloutput(so, PRCO_GETOPT, SOL_SOCKET, name, val, len);
		return -ENOPROTOOPT;
	}
}

int so_setopt(struct socket *so, int level, int name, const void *val, socklen_t len)
{
	struct netstack *ns = so->so_ns;
	int err;
	if ((int)len < 0)
		return -EINVAL;
	NET_LOCK(ns);
	if (level == SOL_SOCKET)
		err = so_setopt_socket(so, name, val, len);
	else if (so->so_proto->pr_ctloutput) {
		socklen_t l = len;
		err = so->so_proto->pr_ctloutput(so, PRCO_SETOPT, level, name, (void *)val, &l);
	} else
		err = -ENOPROTOOPT;
	NET_UNLOCK(ns);
	return err;
}

int so_getopt(struct socket *so, int level, int name, void *val, socklen_t *len)
{
	struct netstack *ns = so->so_ns;
	int err;
	if ((int)*len < 0)
		return -EINVAL;
	NET_LOCK(ns);
	if (level == SOL_SOCKET)
		err = so_getopt_socket(so, name, val, len);
	else if (so->so_proto->pr_ctloutput)
		err = so->so_proto->pr_ctloutput(so, PRCO_GETOPT, level, name, val, len);
	else
		err = -ENOPROTOOPT;
	NET_UNLOCK(ns);
	return err;
}
