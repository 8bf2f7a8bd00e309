/* AF_PACKET sockets: see af_packet.h for the semantics (Linux packet(7)). */
#include "netlib.h"
#include "socket_private.h"
#include "af_packet.h"
#include "bpf.h"
#include "if.h"
#include "if_ether.h"
#include "mbuf.h"
#include "net_stats.h"
#include <stos/errno.h>
#include <stos/socket.h>
#include <stos/packet.h>

#define PKT_MAXMEMB 16          /* memberships per socket */
#define PKT_MAXIFS  64          /* interfaces with promiscuous/allmulti references */

#define PKTSTAT_LIST(X) \
	X(delivered, "frames queued to packet sockets") \
	X(filtered, "frames refused by a socket filter") \
	X(fullsock, "frames dropped: socket buffer full") \
	X(nomem, "frames dropped: no mbufs") \
	X(opackets, "frames sent") \
	X(oerrors, "frames not sent")
struct pktstat { PKTSTAT_LIST(NET_STAT_FIELD) };

struct pkt_memb {
	int ifindex;
	unsigned short type;        /* PACKET_MR_* */
	unsigned short alen;
	uint8_t addr[8];
	unsigned count;
};

struct pkt_pcb {
	struct pkt_pcb *pp_next;
	struct socket *pp_so;
	uint16_t pp_proto;          /* ethertype, network byte order, 0 = none */
	int pp_ifindex;             /* 0 = every interface */
	struct sock_filter *pp_filter;
	unsigned pp_flen;
	uint32_t pp_packets, pp_drops;  /* PACKET_STATISTICS */
	struct pkt_memb pp_memb[PKT_MAXMEMB];
};

/* Per-interface reference counts of PACKET_MR_PROMISC / PACKET_MR_ALLMULTI memberships. */
struct pkt_ifref {
	int ifindex;
	unsigned promisc, allmulti;
};

struct pkt_instance {
	struct pkt_pcb *pi_all;
	struct net_tap pi_tap;
	const struct pkt_pcb *pi_sending;   /* its own frames are not looped back to it */
	struct pkt_ifref pi_ifref[PKT_MAXIFS];
	struct pktstat pi_stat;
};

static struct pkt_instance *pkt_instance(struct netstack *ns)
{
	return (struct pkt_instance *)so_inst(ns)->si_packet;
}

static struct pkt_pcb *sotopkt(struct socket *so)
{
	return (struct pkt_pcb *)so->so_pcb;
}

/* ---- receive: the tap ---- */

static void pkt_fill_ll(struct sockaddr_ll *sll, const struct ifnet *ifp, uint16_t type,
    unsigned pkttype, const uint8_t *src)
{
	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = net_htons(type);
	sll->sll_ifindex = (int)ifp->if_index;
	sll->sll_hatype = ifp->if_type == IFT_LOOP ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
	sll->sll_pkttype = (unsigned char)pkttype;
	sll->sll_halen = ETH_ALEN;
	memcpy(sll->sll_addr, src, ETH_ALEN);
}

static void pkt_deliver(struct pkt_instance *pi, struct ifnet *ifp, const struct mbuf *m,
    unsigned dir, unsigned pkttype)
{
	uint8_t eh[ETHER_HDR_LEN];
	uint16_t type;
	uint32_t len = m->m_pkthdr.len;
	struct sockaddr_ll sll;

	if (len < ETHER_HDR_LEN || m_copydata(m, 0, ETHER_HDR_LEN, eh) != 0)
		return;
	type = be16_get(eh + 12);
	pkt_fill_ll(&sll, ifp, type, pkttype, eh + 6);
	for (struct pkt_pcb *pp = pi->pi_all; pp; pp = pp->pp_next) {
		struct socket *so = pp->pp_so;
		uint16_t want = net_ntohs(pp->pp_proto);
		uint32_t off = so->so_type == SOCK_DGRAM ? ETHER_HDR_LEN : 0;
		uint32_t snap = len - off;
		struct mbuf *c;

		if (!pp->pp_proto || (pp->pp_ifindex && (unsigned)pp->pp_ifindex != ifp->if_index))
			continue;
		if (dir == NET_TAP_OUT) {
			/* Linux dev_queue_xmit_nit: outgoing frames reach the ETH_P_ALL taps only,
			 * and not the socket that sent them. */
			if (want != ETH_P_ALL || pp == pi->pi_sending)
				continue;
		} else if (want != ETH_P_ALL && want != type) {
			continue;
		}
		if (so->so_state & SS_CANTRCVMORE)
			continue;
		/* The filter reads the shared frame: nothing is copied for a frame it refuses. */
		if (pp->pp_filter) {
			uint32_t r = bpf_run(pp->pp_filter, m, off);
			if (r == 0) {
				pi->pi_stat.filtered++;
				continue;
			}
			if (r < snap)
				snap = r;
		}
		pp->pp_packets++;
		if (sbspace(&so->so_rcv) < snap) {
			pp->pp_drops++;
			pi->pi_stat.fullsock++;
			continue;
		}
		c = m_copym(m, off, snap);
		if (!c) {
			pp->pp_drops++;
			pi->pi_stat.nomem++;
			continue;
		}
		if (!sbappendaddr(&so->so_rcv, (const struct sockaddr *)&sll, sizeof(sll), c)) {
			pp->pp_drops++;
			pi->pi_stat.fullsock++;
			continue;
		}
		pi->pi_stat.delivered++;
		sorwakeup(so);
	}
}

static void pkt_tap(struct net_tap *t, struct ifnet *ifp, const struct mbuf *m, unsigned dir,
    unsigned pkttype)
{
	struct pkt_instance *pi = t->nt_arg;
	if (!pi->pi_all || !(m->m_flags & M_PKTHDR))
		return;
	pkt_deliver(pi, ifp, m, dir, pkttype);
	/* ether_input does not tap loopback frames (they were seen at output); Linux shows
	 * them a second time as received, to every matching socket. */
	if (dir == NET_TAP_OUT && ifp->if_type == IFT_LOOP)
		pkt_deliver(pi, ifp, m, NET_TAP_IN, PACKET_HOST);
}

/* ---- memberships ---- */

static struct pkt_ifref *pkt_ifref(struct pkt_instance *pi, int ifindex, bool create)
{
	struct pkt_ifref *freeslot = NULL;
	for (unsigned i = 0; i < PKT_MAXIFS; i++) {
		if (pi->pi_ifref[i].ifindex == ifindex)
			return &pi->pi_ifref[i];
		if (!freeslot && pi->pi_ifref[i].ifindex == 0)
			freeslot = &pi->pi_ifref[i];
	}
	if (create && freeslot) {
		memset(freeslot, 0, sizeof(*freeslot));
		freeslot->ifindex = ifindex;
	}
	return create ? freeslot : NULL;
}

/* Takes (+1) or releases (-1) one promiscuous or all-multicast reference on an interface:
 * the flag is set on the first reference and cleared with the last. */
static int pkt_ifref_change(struct netstack *ns, int ifindex, unsigned type, int delta)
{
	struct pkt_instance *pi = pkt_instance(ns);
	struct ifnet *ifp = ifnet_byindex(ns, (unsigned)ifindex);
	struct pkt_ifref *r;
	unsigned *cnt;

	if (type != PACKET_MR_PROMISC && type != PACKET_MR_ALLMULTI)
		return 0;
	r = pkt_ifref(pi, ifindex, delta > 0);
	if (!r)
		return delta > 0 ? -ENOBUFS : 0;
	cnt = type == PACKET_MR_PROMISC ? &r->promisc : &r->allmulti;
	if (delta > 0) {
		if ((*cnt)++ == 0 && ifp) {
			if (type == PACKET_MR_PROMISC)
				(void)if_setflags(ifp, ifp->if_flags | IFF_PROMISC);
			else
				ifp->if_flags |= IFF_ALLMULTI;   /* ether_input takes all multicast */
		}
	} else if (*cnt > 0 && --(*cnt) == 0 && ifp) {
		if (type == PACKET_MR_PROMISC)
			(void)if_setflags(ifp, ifp->if_flags & ~(uint32_t)IFF_PROMISC);
		else
			ifp->if_flags &= ~(uint32_t)IFF_ALLMULTI;
	}
	if (r->promisc == 0 && r->allmulti == 0)
		r->ifindex = 0;
	return 0;
}

static bool memb_same(const struct pkt_memb *a, const struct packet_mreq *mr)
{
	return a->count && a->ifindex == mr->mr_ifindex && a->type == mr->mr_type &&
	    (a->type != PACKET_MR_MULTICAST ||
	     (a->alen == mr->mr_alen && memcmp(a->addr, mr->mr_address, a->alen) == 0));
}

/* Linux packet_mc_add / packet_mc_drop. */
static int pkt_membership(struct socket *so, int name, const struct packet_mreq *mr)
{
	struct pkt_pcb *pp = sotopkt(so);
	struct pkt_memb *freeslot = NULL;
	int err;

	if (mr->mr_type != PACKET_MR_PROMISC && mr->mr_type != PACKET_MR_ALLMULTI &&
	    mr->mr_type != PACKET_MR_MULTICAST)
		return -EINVAL;
	if (mr->mr_alen > sizeof(mr->mr_address))
		return -EINVAL;
	for (unsigned i = 0; i < PKT_MAXMEMB; i++) {
		struct pkt_memb *e = &pp->pp_memb[i];
		if (memb_same(e, mr)) {
			if (name == PACKET_ADD_MEMBERSHIP) {
				e->count++;     /* the interface's reference is taken once per entry */
				return 0;
			}
			if (--e->count == 0)
				(void)pkt_ifref_change(so->so_ns, e->ifindex, e->type, -1);
			return 0;
		}
		if (!freeslot && e->count == 0)
			freeslot = e;
	}
	if (name == PACKET_DROP_MEMBERSHIP)
		return -EADDRNOTAVAIL;
	if (!ifnet_byindex(so->so_ns, (unsigned)mr->mr_ifindex))
		return -ENODEV;
	if (mr->mr_type == PACKET_MR_MULTICAST && mr->mr_alen != ETH_ALEN)
		return -EINVAL;
	if (!freeslot)
		return -ENOBUFS;
	err = pkt_ifref_change(so->so_ns, mr->mr_ifindex, mr->mr_type, +1);
	if (err)
		return err;
	freeslot->ifindex = mr->mr_ifindex;
	freeslot->type = mr->mr_type;
	freeslot->alen = mr->mr_alen;
	memcpy(freeslot->addr, mr->mr_address, sizeof(freeslot->addr));
	freeslot->count = 1;
	return 0;
}

/* ---- user requests ---- */

static int pkt_attach(struct socket *so, int proto)
{
	struct pkt_instance *pi = pkt_instance(so->so_ns);
	struct pkt_pcb *pp;
	if (proto < 0 || proto > 0xffff)
		return -EINVAL;
	pp = net_zalloc(sizeof(*pp));
	if (!pp)
		return -ENOMEM;
	pp->pp_so = so;
	pp->pp_proto = (uint16_t)proto;
	so->so_pcb = pp;
	/* The tap is in the interfaces' paths only while a packet socket exists: with none, its
	 * call was pure cost on every frame in and out. */
	if (!pi->pi_all)
		net_tap_add(so->so_ns, &pi->pi_tap);
	pp->pp_next = pi->pi_all;
	pi->pi_all = pp;
	return soreserve(so, SO_BUF_DEFAULT, SO_BUF_DEFAULT);
}

static void pkt_detach(struct socket *so)
{
	struct pkt_instance *pi = pkt_instance(so->so_ns);
	struct pkt_pcb *pp = sotopkt(so);
	if (!pp)
		return;
	for (struct pkt_pcb **pq = &pi->pi_all; *pq; pq = &(*pq)->pp_next)
		if (*pq == pp) {
			*pq = pp->pp_next;
			break;
		}
	if (!pi->pi_all)
		net_tap_remove(so->so_ns, &pi->pi_tap);
	for (unsigned i = 0; i < PKT_MAXMEMB; i++)
		if (pp->pp_memb[i].count)
			(void)pkt_ifref_change(so->so_ns, pp->pp_memb[i].ifindex, pp->pp_memb[i].type,
			    -1);
	if (pp->pp_filter)
		port_free(pp->pp_filter);
	port_free(pp);
	so->so_pcb = NULL;
}

static void pkt_abort(struct socket *so)
{
	pkt_detach(so);
	soisdisconnected(so);
}

/* Linux packet_bind: a full sockaddr_ll of family AF_PACKET; an unknown interface ENODEV. */
static int pkt_bind(struct socket *so, const struct sockaddr *nam, socklen_t len)
{
	struct pkt_pcb *pp = sotopkt(so);
	const struct sockaddr_ll *sll = (const struct sockaddr_ll *)nam;
	if (len < sizeof(*sll) || sll->sll_family != AF_PACKET)
		return -EINVAL;
	if (sll->sll_ifindex && !ifnet_byindex(so->so_ns, (unsigned)sll->sll_ifindex))
		return -ENODEV;
	pp->pp_ifindex = sll->sll_ifindex;
	if (sll->sll_protocol)
		pp->pp_proto = sll->sll_protocol;
	so->so_state |= SS_ISBOUND;
	return 0;
}

static int pkt_connect(struct socket *so, const struct sockaddr *nam, socklen_t len)
{
	(void)so, (void)nam, (void)len;
	return -EOPNOTSUPP;
}

static int pkt_send(struct socket *so, struct mbuf *m, const struct sockaddr *nam,
    socklen_t namlen, struct mbuf *control, int flags)
{
	struct netstack *ns = so->so_ns;
	struct pkt_instance *pi = pkt_instance(ns);
	struct pkt_pcb *pp = sotopkt(so);
	const struct sockaddr_ll *sll = (const struct sockaddr_ll *)nam;
	uint32_t len = m->m_pkthdr.len;
	uint16_t proto = pp->pp_proto;
	int ifindex = pp->pp_ifindex;
	struct ifnet *ifp;
	int err;

	(void)flags;
	m_freem(control);
	if (sll) {
		/* Linux packet_snd: the whole sockaddr_ll, and the address it says it has. */
		if (namlen < sizeof(*sll) ||
		    namlen < (socklen_t)(sll->sll_halen + offsetof(struct sockaddr_ll, sll_addr))) {
			err = -EINVAL;
			goto drop;
		}
		ifindex = sll->sll_ifindex;
		proto = sll->sll_protocol;
	}
	ifp = ifindex ? ifnet_byindex(ns, (unsigned)ifindex) : NULL;
	if (!ifp) {
		err = -ENXIO;
		goto drop;
	}
	if (!(ifp->if_flags & IFF_UP)) {
		err = -ENETDOWN;
		goto drop;
	}
	if (so->so_type == SOCK_RAW) {
		if (len > ifp->if_mtu + ETHER_HDR_LEN) {
			err = -EMSGSIZE;
			goto drop;
		}
		if (len < ETHER_HDR_LEN) {
			err = -EINVAL;
			goto drop;
		}
		pi->pi_sending = pp;
		err = if_transmit(ifp, m);
	} else {
		if (len > ifp->if_mtu) {
			err = -EMSGSIZE;
			goto drop;
		}
		if (!sll || sll->sll_halen < ETH_ALEN) {
			err = sll ? -EINVAL : -EDESTADDRREQ;
			goto drop;
		}
		pi->pi_sending = pp;
		err = ether_output_frame(ifp, m, sll->sll_addr, net_ntohs(proto));
	}
	pi->pi_sending = NULL;
	if (err)
		pi->pi_stat.oerrors++;
	else
		pi->pi_stat.opackets++;
	return err < 0 ? err : 0;
drop:
	pi->pi_stat.oerrors++;
	m_freem(m);
	return err;
}

static int pkt_shutdown(struct socket *so)
{
	(void)so;
	return 0;
}

static int pkt_sockaddr(struct socket *so, struct sockaddr_storage *nam, socklen_t *len)
{
	struct pkt_pcb *pp = sotopkt(so);
	struct sockaddr_ll *sll = (struct sockaddr_ll *)nam;
	struct ifnet *ifp = pp->pp_ifindex ? ifnet_byindex(so->so_ns, (unsigned)pp->pp_ifindex) : NULL;
	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = pp->pp_proto;
	sll->sll_ifindex = pp->pp_ifindex;
	if (ifp) {
		sll->sll_hatype = ifp->if_type == IFT_LOOP ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
		sll->sll_halen = ETH_ALEN;
		memcpy(sll->sll_addr, ifp->if_hwaddr, ETH_ALEN);
	}
	*len = sizeof(*sll);
	return 0;
}

static int pkt_attach_filter(struct pkt_pcb *pp, const void *val, socklen_t len)
{
	struct sock_fprog fp;
	struct sock_filter *f;
	size_t bytes;
	int err;
	if (len != sizeof(fp))
		return -EINVAL;
	memcpy(&fp, val, sizeof(fp));
	if (fp.len == 0 || fp.len > BPF_MAXINSNS || !fp.filter)
		return -EINVAL;
	bytes = (size_t)fp.len * sizeof(*f);
	err = bpf_validate(fp.filter, fp.len);
	if (err)
		return err;
	f = port_alloc(bytes);
	if (!f)
		return -ENOMEM;
	memcpy(f, fp.filter, bytes);
	if (pp->pp_filter)
		port_free(pp->pp_filter);
	pp->pp_filter = f;
	pp->pp_flen = fp.len;
	return 0;
}

static int pkt_ctloutput(struct socket *so, int op, int level, int name, void *val,
    socklen_t *len)
{
	struct pkt_pcb *pp = sotopkt(so);
	if (level == SOL_SOCKET) {
		if (op != PRCO_SETOPT)
			return -ENOPROTOOPT;
		if (name == SO_ATTACH_FILTER)
			return pkt_attach_filter(pp, val, *len);
		if (name == SO_DETACH_FILTER) {
			if (!pp->pp_filter)
				return -ENOENT;
			port_free(pp->pp_filter);
			pp->pp_filter = NULL;
			pp->pp_flen = 0;
			return 0;
		}
		return -ENOPROTOOPT;
	}
	if (level != SOL_PACKET)
		return -ENOPROTOOPT;
	switch (name) {
	case PACKET_ADD_MEMBERSHIP:
	case PACKET_DROP_MEMBERSHIP: {
		struct packet_mreq mr;
		if (op != PRCO_SETOPT)
			return -ENOPROTOOPT;
		if (*len < sizeof(mr))
			return -EINVAL;
		memcpy(&mr, val, sizeof(mr));
		return pkt_membership(so, name, &mr);
	}
	case PACKET_STATISTICS: {
		struct tpacket_stats st;
		socklen_t n;
		if (op != PRCO_GETOPT)
			return -ENOPROTOOPT;
		/* Linux packet_getsockopt: tp_packets includes the drops; reading resets. */
		st.tp_packets = pp->pp_packets;
		st.tp_drops = pp->pp_drops;
		pp->pp_packets = pp->pp_drops = 0;
		n = *len < sizeof(st) ? *len : (socklen_t)sizeof(st);
		memcpy(val, &st, n);
		*len = n;
		return 0;
	}
	}
	return -ENOPROTOOPT;
}

#define PKT_PROTOSW(type, name) { \
	.pr_domain = AF_PACKET, .pr_type = (type), .pr_protocol = 0, \
	.pr_flags = PR_ATOMIC | PR_ADDR | PR_WILDPROTO | PR_DEFAULT, .pr_name = (name), \
	.pr_attach = pkt_attach, .pr_detach = pkt_detach, .pr_bind = pkt_bind, \
	.pr_connect = pkt_connect, .pr_send = pkt_send, .pr_shutdown = pkt_shutdown, \
	.pr_abort = pkt_abort, .pr_sockaddr = pkt_sockaddr, .pr_ctloutput = pkt_ctloutput }
static const struct protosw pkt_raw_protosw = PKT_PROTOSW(SOCK_RAW, "packet-raw");
static const struct protosw pkt_dgram_protosw = PKT_PROTOSW(SOCK_DGRAM, "packet-dgram");

static const struct net_statdesc pktstat_desc[] = { PKTSTAT_LIST(NET_STAT_DESC) };

int packet_init(struct netstack *ns)
{
	struct pkt_instance *pi = net_zalloc(sizeof(*pi));
	int err;
	if (!pi)
		return -ENOMEM;
	so_inst(ns)->si_packet = pi;
	pi->pi_tap.nt_fn = pkt_tap;
	pi->pi_tap.nt_arg = pi;
	err = protosw_register(ns, &pkt_raw_protosw);
	if (!err)
		err = protosw_register(ns, &pkt_dgram_protosw);
	if (!err)
		err = net_stats_register(ns, "packet", pktstat_desc, NET_ARRAY_LEN(pktstat_desc),
		    &pi->pi_stat);
	if (err) {
		so_inst(ns)->si_packet = NULL;
		port_free(pi);
		return err;
	}
	return 0;    /* the tap goes in with the first socket (pkt_attach) */
}

void packet_fini(struct netstack *ns)
{
	struct pkt_instance *pi = pkt_instance(ns);
	if (!pi)
		return;
	net_tap_remove(ns, &pi->pi_tap);
	so_inst(ns)->si_packet = NULL;
	port_free(pi);
}
