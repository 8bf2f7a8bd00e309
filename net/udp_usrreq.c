/* UDP (RFC 768): the socket side (protosw user requests) and output.
 *
 * Datagrams are never queued on the send side: each send builds the header, computes the
 * checksum over the pseudo-header (RFC 768 "Fields") and hands the datagram to ip_output.
 * Linux semantics for the corner cases: sendto on a connected socket may name another
 * destination; a destination port of 0 is EINVAL; broadcast needs SO_BROADCAST (EACCES);
 * connect(AF_UNSPEC) dissolves the association and gives back a stack-chosen port.
 */
#include "netlib.h"
#include "socket_private.h"
#include "udp_var.h"
#include "in_pcb.h"
#include "in_cksum.h"
#include "ip_csum.h"
#include "ip_var.h"
#include "if.h"
#include <stos/errno.h>
#include <stos/in.h>

struct udp_instance *udp_instance(struct netstack *ns)
{
	return (struct udp_instance *)so_inst(ns)->si_udp;
}

static int udp_attach(struct socket *so, int proto)
{
	int err;
	(void)proto;
	err = in_pcballoc(so, &udp_instance(so->so_ns)->ui_pcbinfo);
	if (err)
		return err;
	return soreserve(so, SO_BUF_DEFAULT, SO_BUF_DEFAULT);
}

static void udp_detach(struct socket *so)
{
	struct inpcb *inp = sotoinpcb(so);
	if (inp)
		in_pcbfree(inp);
}

static int udp_bind(struct socket *so, const struct sockaddr *nam, socklen_t len)
{
	return in_pcbbind(sotoinpcb(so), nam, len);
}

static bool udp_isbcast(struct netstack *ns, ipaddr_t a)
{
	return a == INADDR_BROADCAST || in_isbroadcast(ns, a, NULL);
}

static int udp_connect(struct socket *so, const struct sockaddr *nam, socklen_t len)
{
	struct inpcb *inp = sotoinpcb(so);
	ipaddr_t faddr;
	uint16_t fport;
	int err;

	if (nam->sa_family == AF_UNSPEC) {
		if (so->so_state & SS_ISCONNECTED)
			in_pcbdisconnect(inp);
		so->so_state &= ~SS_ISCONNECTED;
		return 0;
	}
	err = in_sockaddr_parse(nam, len, false, &faddr, &fport);
	if (err)
		return err;
	if (udp_isbcast(so->so_ns, faddr) && !(so->so_options & SO_F_BROADCAST))
		return -EACCES;
	if (so->so_state & SS_ISCONNECTED) {
		/* Reconnecting: keep the local port (even one the stack chose, which a later
		 * AF_UNSPEC disconnect still gives back), let the address follow the new route. */
		unsigned anon = inp->inp_flags & INP_ANONPORT;
		inp->inp_flags &= ~INP_ANONPORT;
		in_pcbdisconnect(inp);
		inp->inp_flags |= anon;
		so->so_state &= ~SS_ISCONNECTED;
	}
	err = in_pcbconnect_addr(inp, faddr, fport);
	if (err)
		return err;
	so->so_error = 0;
	soisconnected(so);
	return 0;
}

/* Builds the UDP header in front of m (payload only) and sends.  Consumes m. */
static int udp_output(struct socket *so, struct inpcb *inp, struct mbuf *m, ipaddr_t src,
    ipaddr_t dst, uint16_t dport, int flags)
{
	struct netstack *ns = so->so_ns;
	struct udp_instance *ui = udp_instance(ns);
	uint32_t plen = m->m_pkthdr.len;
	uint16_t ulen = (uint16_t)(plen + UDP_HDRLEN);
	struct ip_out io;
	unsigned ipflags = 0;
	uint8_t *uh;
	int err;

	M_PREPEND(m, UDP_HDRLEN);
	if (!m) {
		ui->ui_stat.oerrors++;
		return -ENOBUFS;
	}
	uh = mtod(m, uint8_t *);
	be16_put(uh, inp->inp_lport);
	be16_put(uh + 2, dport);
	be16_put(uh + 4, ulen);
	be16_put(uh + 6, 0);
	if (!(so->so_options & SO_F_NO_CHECK)) {
		/* RFC 768: a computed checksum of zero is sent as all ones. */
		/* Finished by the device or by ip_output (net/ip_csum.h); RFC 768's "zero is
		 * sent as all ones" is applied there. */
		be16_put(uh + 6, ip_csum_pseudo(src, dst, IPPROTO_UDP, ulen));
		m->m_pkthdr.csum_flags |= CSUM_UDP;
	}
	memset(&io, 0, sizeof(io));
	io.src = src;
	io.dst = dst;
	io.proto = IPPROTO_UDP;
	io.tos = (uint8_t)inp->inp_ip_tos;
	io.ttl = (uint8_t)in_pcb_ttl(inp);
	if (so->so_options & SO_F_BROADCAST)
		ipflags |= IP_ALLOWBROADCAST;
	if ((so->so_options & SO_F_DONTROUTE) || (flags & MSG_DONTROUTE))
		ipflags |= IP_ROUTETOIF;
	if (inp->inp_pmtudisc == IP_PMTUDISC_DO)
		ipflags |= IP_DF;
	err = ip_output(ns, m, &io, &inp->inp_route, ipflags);
	if (err)
		ui->ui_stat.oerrors++;
	else
		ui->ui_stat.opackets++;
	return err;
}

static int udp_send(struct socket *so, struct mbuf *m, const struct sockaddr *nam,
    socklen_t namlen, struct mbuf *control, int flags)
{
	struct netstack *ns = so->so_ns;
	struct inpcb *inp = sotoinpcb(so);
	ipaddr_t dst, src;
	uint16_t dport;
	int err;

	m_freem(control);
	if (nam) {
		/* Linux udp_sendmsg: short address EINVAL, AF_UNSPEC tolerated, other families
		 * EAFNOSUPPORT, port 0 EINVAL. */
		if (namlen < sizeof(struct sockaddr_in)) {
			err = -EINVAL;
			goto drop;
		}
		err = in_sockaddr_parse(nam, namlen, true, &dst, &dport);
		if (err)
			goto drop;
		if (dport == 0) {
			err = -EINVAL;
			goto drop;
		}
	} else {
		if (!(so->so_state & SS_ISCONNECTED)) {
			err = -EDESTADDRREQ;
			goto drop;
		}
		dst = inp->inp_faddr;
		dport = inp->inp_fport;
	}
	if (m->m_pkthdr.len > UDP_MAXPAYLOAD) {
		err = -EMSGSIZE;
		goto drop;
	}
	if (dst == INADDR_ANY)
		dst = INADDR_LOOPBACK;
	if (udp_isbcast(ns, dst) && !(so->so_options & SO_F_BROADCAST)) {
		err = -EACCES;
		goto drop;
	}
	if (inp->inp_lport == 0) {
		err = in_pcbbind(inp, NULL, 0);
		if (err)
			goto drop;
	}
	src = inp->inp_laddr;
	if (nam && (so->so_state & SS_ISCONNECTED) && dst != inp->inp_faddr)
		src = inp->inp_bladdr;
	if (src == INADDR_ANY || in_isbroadcast(ns, src, NULL) || in_ismulticast(src)) {
		struct ifnet *ifp;
		err = in_selectsrc(ns, dst, &src, &ifp);
		if (err && dst == INADDR_BROADCAST && so->so_bound_ifindex &&
		    (ifp = ifnet_byindex(ns, (unsigned)so->so_bound_ifindex)) != NULL) {
			/* The limited broadcast out of the SO_BINDTODEVICE interface needs no
			 * route (Linux routes it by the bound device).  RFC 2131 4.1: a DHCP
			 * client with no address yet sends from 0.0.0.0. */
			src = in_ifprimary(ifp);
			err = 0;
		}
		if (err)
			goto drop;
	}
	return udp_output(so, inp, m, src, dst, dport, flags);
drop:
	m_freem(m);
	return err;
}

static int udp_shutdown(struct socket *so)
{
	(void)so;
	return 0;
}

static void udp_abort(struct socket *so)
{
	udp_detach(so);
	soisdisconnected(so);
}

static int udp_sockaddr(struct socket *so, struct sockaddr_storage *nam, socklen_t *len)
{
	in_pcb_sockaddr(sotoinpcb(so), nam, len);
	return 0;
}

static int udp_peeraddr(struct socket *so, struct sockaddr_storage *nam, socklen_t *len)
{
	struct inpcb *inp = sotoinpcb(so);
	if (!(so->so_state & SS_ISCONNECTED))
		return -ENOTCONN;
	in_pcb_peeraddr(inp, nam, len);
	return 0;
}

static int udp_ctloutput(struct socket *so, int op, int level, int name, void *val,
    socklen_t *len)
{
	if (level == SOL_IP)
		return in_pcb_ctloutput(so, op, name, val, len);
	return -ENOPROTOOPT;
}

static const struct protosw udp_protosw = {
	.pr_domain = AF_INET,
	.pr_type = SOCK_DGRAM,
	.pr_protocol = IPPROTO_UDP,
	.pr_flags = PR_ATOMIC | PR_ADDR | PR_DEFAULT,
	.pr_name = "udp",
	.pr_attach = udp_attach,
	.pr_detach = udp_detach,
	.pr_bind = udp_bind,
	.pr_connect = udp_connect,
	.pr_send = udp_send,
	.pr_shutdown = udp_shutdown,
	.pr_abort = udp_abort,
	.pr_sockaddr = udp_sockaddr,
	.pr_peeraddr = udp_peeraddr,
	.pr_ctloutput = udp_ctloutput,
	.pr_input = udp_input,
	.pr_ctlinput = udp_ctlinput,
};

static const struct net_statdesc udpstat_desc[] = { UDPSTAT_LIST(NET_STAT_DESC) };

int udp_init(struct netstack *ns)
{
	struct udp_instance *ui = net_zalloc(sizeof(*ui));
	int err;
	if (!ui)
		return -ENOMEM;
	err = in_pcbinfo_init(&ui->ui_pcbinfo, ns, "udp", 1024);
	if (err) {
		port_free(ui);
		return err;
	}
	so_inst(ns)->si_udp = ui;
	err = protosw_register(ns, &udp_protosw);
	if (!err)
		err = net_stats_register(ns, "udp", udpstat_desc, NET_ARRAY_LEN(udpstat_desc),
		    &ui->ui_stat);
	if (err) {
		udp_fini(ns);
		return err;
	}
	return 0;
}

void udp_fini(struct netstack *ns)
{
	struct udp_instance *ui = udp_instance(ns);
	if (!ui)
		return;
	ip_proto_unregister(ns, IPPROTO_UDP);
	in_pcbinfo_fini(&ui->ui_pcbinfo);
	so_inst(ns)->si_udp = NULL;
	port_free(ui);
}
