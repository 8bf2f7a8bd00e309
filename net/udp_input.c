/* UDP input (RFC 768, RFC 1122 4.1.3) and ICMP errors for UDP.
 *
 * Input: validate the length (RFC 768: the length field covers header and data; it may not
 * exceed what IP delivered, and octets past it are padding), verify the checksum unless it
 * is zero ("no checksum", RFC 768), then deliver: unicast to the best-matching socket
 * (exact 4-tuple, then the wildcard listeners), broadcast and multicast to every socket on
 * the port (RFC 1122 4.1.3.5).  No socket: ICMP port unreachable (RFC 1122 4.1.3.1), never
 * for broadcasts (icmp_error also refuses those).  Every drop has its own counter.
 */
#include "netlib.h"
#include "socket_private.h"
#include "udp_var.h"
#include "in_pcb.h"
#include "in_cksum.h"
#include "ip.h"
#include "ip_var.h"
#include "icmp_var.h"
#include "if.h"
#include <stos/errno.h>
#include <stos/in.h>

struct udp_bcast {
	struct udp_instance *ui;
	ipaddr_t src;
	uint16_t sport;
	const struct mbuf *m;       /* the datagram, payload only */
	struct inpcb *last;         /* the previous match, gets a copy when the next is found */
	const struct ifnet *rcvif;
	unsigned delivered;
};

static void udp_deliver(struct udp_instance *ui, struct inpcb *inp, struct mbuf *m,
    ipaddr_t src, uint16_t sport)
{
	struct socket *so = inp->inp_socket;
	struct sockaddr_storage ss;
	socklen_t sl;
	if (!so || (so->so_state & SS_CANTRCVMORE)) {
		ui->ui_stat.rcvshut++;
		m_freem(m);
		return;
	}
	in_sockaddr_make(&ss, &sl, src, sport);
	if (!sbappendaddr(&so->so_rcv, (const struct sockaddr *)&ss, sl, m)) {
		ui->ui_stat.fullsock++;
		return;
	}
	ui->ui_stat.delivered++;
	sorwakeup(so);
}

/* SO_BINDTODEVICE: a socket bound to an interface hears only what arrives on it. */
static bool udp_ifmatch(const struct inpcb *inp, const struct ifnet *rcvif)
{
	const struct socket *so = inp->inp_socket;
	return !so || !so->so_bound_ifindex || !rcvif ||
	    (unsigned)so->so_bound_ifindex == rcvif->if_index;
}

static bool udp_bcast_one(struct inpcb *inp, void *arg)
{
	struct udp_bcast *b = arg;
	if (inp->inp_faddr != INADDR_ANY &&
	    (inp->inp_faddr != b->src || inp->inp_fport != b->sport))
		return true;
	if (!udp_ifmatch(inp, b->rcvif))
		return true;
	if (b->last) {
		struct mbuf *c = m_copym(b->m, 0, M_COPYALL);
		if (c)
			udp_deliver(b->ui, b->last, c, b->src, b->sport);
		else
			b->ui->ui_stat.nomem++;
	}
	b->last = inp;
	b->delivered++;
	return true;
}

void udp_input(struct netstack *ns, struct mbuf *m, int iphlen)
{
	struct udp_instance *ui = udp_instance(ns);
	struct ip_view ip = { 0 };
	ipaddr_t src, dst;
	uint16_t sport, dport, ulen, sum;
	uint32_t iplen;
	const uint8_t *uh;
	bool bcast;
	struct inpcb *inp;

	ui->ui_stat.ipackets++;
	if (iphlen < IP_HDR_MIN || m->m_pkthdr.len < (uint32_t)iphlen + UDP_HDRLEN) {
		ui->ui_stat.hdrops++;
		goto drop;
	}
	m = m_pullup(m, (uint32_t)iphlen + UDP_HDRLEN);
	if (!m) {
		ui->ui_stat.hdrops++;
		return;
	}
	ip_view(&ip, mtod(m, uint8_t *), m->m_len);
	src = ipv_src(ip);
	dst = ipv_dst(ip);
	iplen = m->m_pkthdr.len;
	uh = mtod(m, const uint8_t *) + iphlen;
	sport = be16_get(uh);
	dport = be16_get(uh + 2);
	ulen = be16_get(uh + 4);
	sum = be16_get(uh + 6);
	if (ulen < UDP_HDRLEN || ulen > iplen - (uint32_t)iphlen) {
		ui->ui_stat.badlen++;
		goto drop;
	}
	if (ulen < iplen - (uint32_t)iphlen) {
		/* Octets past the UDP length are not part of the datagram. */
		m_adj(m, -(int)(iplen - (uint32_t)iphlen - ulen));
		iplen = (uint32_t)iphlen + ulen;
	}
	if (sum != 0) {
		if (!(m->m_pkthdr.csum_flags & CSUM_DATA_VALID) &&
		    in_cksum_mbuf(m, (uint32_t)iphlen, ulen,
			in_pseudo(src, dst, IPPROTO_UDP, ulen)) != 0) {
			ui->ui_stat.badsum++;
			goto drop;
		}
	} else {
		ui->ui_stat.nosum++;
	}
	if (dport == 0) {
		/* Port 0 is reserved (no socket can have it): drop silently, as Linux does
		 * not answer it either. */
		ui->ui_stat.noport++;
		goto drop;
	}

	bcast = (m->m_flags & (M_BCAST | M_MCAST)) || dst == INADDR_BROADCAST ||
	    in_ismulticast(dst) || in_isbroadcast(ns, dst, m->m_pkthdr.rcvif);
	if (bcast) {
		struct udp_bcast b = { .ui = ui, .src = src, .sport = sport,
		    .rcvif = m->m_pkthdr.rcvif };
		struct mbuf *data;
		/* Only sockets bound to the wildcard or to this broadcast address match. */
		data = m;
		m_adj(data, iphlen + UDP_HDRLEN);
		b.m = data;
		in_pcb_foreach_port(&ui->ui_pcbinfo, dport, dst, udp_bcast_one, &b);
		if (!b.last) {
			ui->ui_stat.noportbcast++;
			m_freem(data);
			return;
		}
		udp_deliver(ui, b.last, data, src, sport);
		return;
	}

	inp = in_pcblookup(&ui->ui_pcbinfo, src, sport, dst, dport, INPLOOKUP_WILDCARD);
	if (!inp || !inp->inp_socket || !udp_ifmatch(inp, m->m_pkthdr.rcvif)) {
		ui->ui_stat.noport++;
		/* The datagram is intact from the IP header on: icmp_error quotes it. */
		icmp_error(ns, m, ICMP_UNREACH, ICMP_UNREACH_PORT, 0);
		return;
	}
	m_adj(m, iphlen + UDP_HDRLEN);
	udp_deliver(ui, inp, m, src, sport);
	return;
drop:
	m_freem(m);
}

void udp_ctlinput(struct netstack *ns, int icmp_type, int icmp_code, uint32_t info,
    const uint8_t *quoted, size_t qlen)
{
	struct udp_instance *ui = udp_instance(ns);
	struct ip_view ip = { 0 };
	unsigned hlen;
	bool hard;
	int err;
	struct inpcb *inp;
	uint16_t sport, dport;

	(void)info;
	ui->ui_stat.ctlinput++;
	err = icmp_errno(icmp_type, icmp_code, &hard);
	if (!err || !hard)
		return;   /* Linux: soft errors reach only IP_RECVERR sockets, which we lack */
	if (!ip_view(&ip, (void *)(uintptr_t)quoted, qlen))
		return;
	hlen = ipv_hlen(ip);
	if (hlen < IP_HDR_MIN || qlen < hlen + 4 || ipv_proto(ip) != IPPROTO_UDP)
		return;
	sport = be16_get(quoted + hlen);
	dport = be16_get(quoted + hlen + 2);
	/* Only a connected socket learns of the error (RFC 1122 4.1.3.3 leaves it to the
	 * application; Linux reports it to connected sockets). */
	inp = in_pcblookup(&ui->ui_pcbinfo, ipv_dst(ip), dport, ipv_src(ip), sport, 0);
	if (!inp || !inp->inp_socket || !(inp->inp_socket->so_state & SS_ISCONNECTED))
		return;
	ui->ui_stat.ctlrefused++;
	so_seterror(inp->inp_socket, err);
}
