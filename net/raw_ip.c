/* Raw IP sockets: SOCK_RAW with any IP protocol, with or without IP_HDRINCL (see
 * raw_ip_var.h for the receive and send semantics, which follow Linux's raw(7)).
 */
#include "netlib.h"
#include "socket_private.h"
#include "raw_ip_var.h"
#include "in_pcb.h"
#include "in_cksum.h"
#include "ip.h"
#include "ip_var.h"
#include "icmp_var.h"
#include "if.h"
#include <stos/errno.h>
#include <stos/in.h>

struct raw_instance *raw_instance(struct netstack *ns)
{
	return (struct raw_instance *)so_inst(ns)->si_raw;
}

static int raw_attach(struct socket *so, int proto)
{
	struct raw_instance *ri = raw_instance(so->so_ns);
	struct inpcb *inp;
	int err;
	if (proto <= 0 || proto > 255)
		return -EPROTONOSUPPORT;
	err = in_pcballoc(so, &ri->ri_pcbinfo);
	if (err)
		return err;
	/* IP offers datagrams to raw sockets only while there is one (raw_detach). */
	ip_set_rawinput(so->so_ns, raw_ip_deliver);
	inp = sotoinpcb(so);
	inp->inp_ip_p = proto;
	/* raw(7): IPPROTO_RAW implies IP_HDRINCL. */
	if (proto == IPPROTO_RAW)
		inp->inp_flags |= INP_HDRINCL;
	return soreserve(so, SO_BUF_DEFAULT, SO_BUF_DEFAULT);
}

static void raw_detach(struct socket *so)
{
	struct inpcb *inp = sotoinpcb(so);
	if (inp)
		in_pcbfree(inp);
	/* The last raw socket gone: ip_deliver no longer calls raw_ip_deliver for every
	 * datagram only to find nobody (raw_attach sets it again). */
	if (!raw_instance(so->so_ns)->ri_pcbinfo.ipi_all)
		ip_set_rawinput(so->so_ns, NULL);
}

static int raw_bind(struct socket *so, const struct sockaddr *nam, socklen_t len)
{
	struct inpcb *inp = sotoinpcb(so);
	ipaddr_t a;
	uint16_t port;
	int err = in_sockaddr_parse(nam, len, true, &a, &port);
	if (err)
		return err;
	if (a != INADDR_ANY && !in_islocal(so->so_ns, a) && !in_isbroadcast(so->so_ns, a, NULL) &&
	    !in_ismulticast(a))
		return -EADDRNOTAVAIL;
	inp->inp_laddr = inp->inp_bladdr = a;
	return 0;
}

static int raw_connect(struct socket *so, const struct sockaddr *nam, socklen_t len)
{
	struct inpcb *inp = sotoinpcb(so);
	ipaddr_t a, src;
	uint16_t port;
	struct ifnet *ifp;
	int err;
	if (nam->sa_family == AF_UNSPEC) {
		inp->inp_faddr = INADDR_ANY;
		inp->inp_laddr = inp->inp_bladdr;
		so->so_state &= ~SS_ISCONNECTED;
		return 0;
	}
	err = in_sockaddr_parse(nam, len, false, &a, &port);
	if (err)
		return err;
	if ((a == INADDR_BROADCAST || in_isbroadcast(so->so_ns, a, NULL)) &&
	    !(so->so_options & SO_F_BROADCAST))
		return -EACCES;
	if (inp->inp_laddr == INADDR_ANY) {
		err = in_selectsrc(so->so_ns, a, &src, &ifp);
		if (err)
			return err;
		inp->inp_laddr = src;
	}
	inp->inp_faddr = a;
	soisconnected(so);
	return 0;
}

/* IP_HDRINCL: the user's header is checked and completed as Linux raw_send_hdrinc does. */
static int raw_output_hdrincl(struct socket *so, struct inpcb *inp, struct mbuf *m,
    ipaddr_t dst)
{
	struct netstack *ns = so->so_ns;
	struct raw_instance *ri = raw_instance(ns);
	uint32_t len = m->m_pkthdr.len;
	struct ip_view ip = { 0 };
	unsigned hlen, flags = IP_RAWOUTPUT;
	(void)dst;
	if (len < IP_HDR_MIN) {
		ri->ri_stat.badhdrincl++;
		m_freem(m);
		return -EINVAL;
	}
	m = m_pullup(m, IP_HDR_MIN);
	if (!m)
		return -ENOBUFS;
	ip_view(&ip, mtod(m, uint8_t *), m->m_len);
	hlen = ipv_hlen(ip);
	if (hlen < IP_HDR_MIN || hlen > len || ipv_version(ip) != IPVERSION) {
		ri->ri_stat.badhdrincl++;
		m_freem(m);
		return -EINVAL;
	}
	m = m_pullup(m, hlen);
	if (!m)
		return -ENOBUFS;
	ip_view(&ip, mtod(m, uint8_t *), m->m_len);
	ipv_set_len(ip, (uint16_t)len);
	if (ipv_src(ip) == INADDR_ANY) {
		ipaddr_t src;
		struct ifnet *ifp;
		int err = in_selectsrc(ns, ipv_dst(ip), &src, &ifp);
		if (err) {
			m_freem(m);
			return err;
		}
		ipv_set_src(ip, src);
	}
	if (so->so_options & SO_F_BROADCAST)
		flags |= IP_ALLOWBROADCAST;
	if (so->so_options & SO_F_DONTROUTE)
		flags |= IP_ROUTETOIF;
	(void)inp;
	return ip_output(ns, m, NULL, &inp->inp_route, flags);
}

static int raw_send(struct socket *so, struct mbuf *m, const struct sockaddr *nam,
    socklen_t namlen, struct mbuf *control, int flags)
{
	struct netstack *ns = so->so_ns;
	struct raw_instance *ri = raw_instance(ns);
	struct inpcb *inp = sotoinpcb(so);
	struct ip_out io;
	unsigned ipflags = 0;
	ipaddr_t dst;
	uint16_t port;
	int err;

	m_freem(control);
	if (nam) {
		/* Linux raw_sendmsg: short address EINVAL; family must be AF_INET (or 0). */
		err = in_sockaddr_parse(nam, namlen, true, &dst, &port);
		if (err)
			goto drop;
	} else {
		if (!(so->so_state & SS_ISCONNECTED)) {
			err = -EDESTADDRREQ;
			goto drop;
		}
		dst = inp->inp_faddr;
	}
	if (m->m_pkthdr.len > IP_MAXPACKET) {
		err = -EMSGSIZE;
		goto drop;
	}
	if (inp->inp_flags & INP_HDRINCL) {
		err = raw_output_hdrincl(so, inp, m, dst);
	} else {
		if (m->m_pkthdr.len + IP_HDR_MIN > IP_MAXPACKET) {
			err = -EMSGSIZE;
			goto drop;
		}
		memset(&io, 0, sizeof(io));
		io.src = inp->inp_laddr;
		if (in_isbroadcast(ns, io.src, NULL) || in_ismulticast(io.src))
			io.src = INADDR_ANY;
		io.dst = dst;
		io.proto = (uint8_t)inp->inp_ip_p;
		io.tos = (uint8_t)inp->inp_ip_tos;
		io.ttl = (uint8_t)in_pcb_ttl(inp);
		if (so->so_options & SO_F_BROADCAST)
			ipflags |= IP_ALLOWBROADCAST;
		if ((so->so_options & SO_F_DONTROUTE) || (flags & MSG_DONTROUTE))
			ipflags |= IP_ROUTETOIF;
		if (inp->inp_pmtudisc == IP_PMTUDISC_DO)
			ipflags |= IP_DF;
		err = ip_output(ns, m, &io, &inp->inp_route, ipflags);
	}
	if (err)
		ri->ri_stat.oerrors++;
	else
		ri->ri_stat.opackets++;
	return err;
drop:
	ri->ri_stat.oerrors++;
	m_freem(m);
	return err;
}

static int raw_shutdown(struct socket *so)
{
	(void)so;
	return 0;
}

static void raw_abort(struct socket *so)
{
	raw_detach(so);
	soisdisconnected(so);
}

static int raw_sockaddr(struct socket *so, struct sockaddr_storage *nam, socklen_t *len)
{
	in_sockaddr_make(nam, len, sotoinpcb(so)->inp_laddr, 0);
	return 0;
}

static int raw_peeraddr(struct socket *so, struct sockaddr_storage *nam, socklen_t *len)
{
	in_sockaddr_make(nam, len, sotoinpcb(so)->inp_faddr, 0);
	return 0;
}

static int raw_ctloutput(struct socket *so, int op, int level, int name, void *val,
    socklen_t *len)
{
	struct inpcb *inp = sotoinpcb(so);
	if (level == SOL_IP)
		return in_pcb_ctloutput(so, op, name, val, len);
	if (level == SOL_RAW && name == ICMP_FILTER) {
		uint32_t v = 0;
		size_t c = NET_MIN((size_t)*len, sizeof(v));
		if (inp->inp_ip_p != IPPROTO_ICMP)
			return -EOPNOTSUPP;   /* Linux: ICMP_FILTER only on IPPROTO_ICMP sockets */
		if (op == PRCO_SETOPT) {
			if (c)
				memcpy(&v, val, c);
			inp->inp_icmp_filter = v;
			return 0;
		}
		v = inp->inp_icmp_filter;
		if (c)
			memcpy(val, &v, c);
		*len = (socklen_t)c;
		return 0;
	}
	return -ENOPROTOOPT;
}

static const struct protosw raw_protosw = {
	.pr_domain = AF_INET,
	.pr_type = SOCK_RAW,
	.pr_protocol = 0,
	.pr_flags = PR_ATOMIC | PR_ADDR | PR_WILDPROTO,
	.pr_name = "raw",
	.pr_attach = raw_attach,
	.pr_detach = raw_detach,
	.pr_bind = raw_bind,
	.pr_connect = raw_connect,
	.pr_send = raw_send,
	.pr_shutdown = raw_shutdown,
	.pr_abort = raw_abort,
	.pr_sockaddr = raw_sockaddr,
	.pr_peeraddr = raw_peeraddr,
	.pr_ctloutput = raw_ctloutput,
};

struct raw_match {
	struct raw_instance *ri;
	const struct mbuf *m;
	ipaddr_t src, dst;
	uint8_t proto;
	int icmp_type;              /* -1 when not ICMP or too short */
	const struct ifnet *rcvif;
	int count;
};

static bool raw_one(struct inpcb *inp, void *arg)
{
	struct raw_match *r = arg;
	struct socket *so = inp->inp_socket;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct mbuf *c;

	if (!so || (inp->inp_ip_p && inp->inp_ip_p != r->proto))
		return true;
	/* SO_BINDTODEVICE */
	if (so->so_bound_ifindex && r->rcvif && (unsigned)so->so_bound_ifindex != r->rcvif->if_index)
		return true;
	if (inp->inp_laddr != INADDR_ANY && inp->inp_laddr != r->dst)
		return true;
	if (inp->inp_faddr != INADDR_ANY && inp->inp_faddr != r->src)
		return true;
	/* ICMP_FILTER: a set bit drops that ICMP type (types above 31 always pass). */
	if (r->icmp_type >= 0 && r->icmp_type < 32 && ((inp->inp_icmp_filter >> r->icmp_type) & 1u))
		return true;
	if (so->so_state & SS_CANTRCVMORE)
		return true;
	c = m_copym(r->m, 0, M_COPYALL);
	if (!c) {
		r->ri->ri_stat.nomem++;
		return true;
	}
	in_sockaddr_make(&ss, &sl, r->src, 0);
	if (!sbappendaddr(&so->so_rcv, (const struct sockaddr *)&ss, sl, c)) {
		r->ri->ri_stat.fullsock++;
		return true;
	}
	r->ri->ri_stat.delivered++;
	r->count++;
	sorwakeup(so);
	return true;
}

int raw_ip_deliver(struct netstack *ns, const struct mbuf *m, int iphlen)
{
	struct raw_instance *ri;
	struct raw_match r;
	struct ip_view ip = { 0 };
	uint8_t hdr[IP_HDR_MIN];

	if (!ns->ns_sock || !(ri = raw_instance(ns)) || !ri->ri_pcbinfo.ipi_all)
		return 0;
	if (iphlen < IP_HDR_MIN || m_copydata(m, 0, IP_HDR_MIN, hdr) != 0)
		return 0;
	ri->ri_stat.ipackets++;
	ip_view(&ip, hdr, sizeof(hdr));
	memset(&r, 0, sizeof(r));
	r.ri = ri;
	r.m = m;
	r.src = ipv_src(ip);
	r.dst = ipv_dst(ip);
	r.proto = ipv_proto(ip);
	r.icmp_type = -1;
	r.rcvif = (m->m_flags & M_PKTHDR) ? m->m_pkthdr.rcvif : NULL;
	if (r.proto == IPPROTO_ICMP) {
		uint8_t t;
		if (m_copydata(m, (uint32_t)iphlen, 1, &t) == 0)
			r.icmp_type = t;
	}
	in_pcb_foreach(&ri->ri_pcbinfo, raw_one, &r);
	return r.count;
}

static const struct net_statdesc rawstat_desc[] = { RAWSTAT_LIST(NET_STAT_DESC) };

int raw_ip_init(struct netstack *ns)
{
	struct raw_instance *ri = net_zalloc(sizeof(*ri));
	int err;
	if (!ri)
		return -ENOMEM;
	err = in_pcbinfo_init(&ri->ri_pcbinfo, ns, "raw", 16);
	if (err) {
		port_free(ri);
		return err;
	}
	so_inst(ns)->si_raw = ri;
	err = protosw_register(ns, &raw_protosw);
	if (!err)
		err = net_stats_register(ns, "raw", rawstat_desc, NET_ARRAY_LEN(rawstat_desc),
		    &ri->ri_stat);
	if (err) {
		raw_ip_fini(ns);
		return err;
	}
	return 0;
}

void raw_ip_fini(struct netstack *ns)
{
	struct raw_instance *ri = raw_instance(ns);
	if (!ri)
		return;
	ip_set_rawinput(ns, NULL);
	in_pcbinfo_fini(&ri->ri_pcbinfo);
	so_inst(ns)->si_raw = NULL;
	port_free(ri);
}
