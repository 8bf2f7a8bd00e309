/* The conformance driver's stack side: one instance on a virtual clock with a single
 * Ethernet interface whose far end is the script (host/stosdrive.h).  Frames the stack sends
 * are collected with the virtual time they left; frames from the script are delivered through
 * if_input and the netisr, exactly as a driver would. */
#include <stdlib.h>
#include <string.h>

#include "net/netstack.h"
#include "net/if_ether.h"
#include "net/route.h"
#include "net/tcp_var.h"
#include "net/socketvar.h"
#include "host/port_host.h"
#include "host/stosdrive.h"

#define DRIVE_MAXQ 4096

static const uint8_t our_mac[ETHER_ADDR_LEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t gw_mac[ETHER_ADDR_LEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

static struct ifnet *drive_ifp;
static struct drive_pkt drive_q[DRIVE_MAXQ];
static unsigned drive_qhead, drive_qlen;
static struct mbuf_stats drive_ms0;
static uint64_t drive_alloc0;

static void drive_start(struct ifnet *ifp)
{
	struct mbuf *m;
	while ((m = if_dequeue(ifp)) != NULL) {
		uint32_t len = m_length(m);
		if (len > ETHER_HDR_LEN && drive_qlen < DRIVE_MAXQ &&
		    be16_get(mtod(m, uint8_t *) + 12) == ETHERTYPE_IP) {
			struct drive_pkt *p = &drive_q[(drive_qhead + drive_qlen) % DRIVE_MAXQ];
			p->t_ns = port_now_ns(ifp->if_ns);
			p->len = len - ETHER_HDR_LEN;
			p->data = malloc(p->len);
			if (p->data && m_copydata(m, ETHER_HDR_LEN, (uint32_t)p->len, p->data) == 0)
				drive_qlen++;
			else
				free(p->data);
		}
		m_freem(m);
	}
}

struct netstack *drive_net_create(uint32_t local_ip, uint32_t remote_ip, unsigned mtu)
{
	(void)remote_ip;
	struct netstack *ns = host_netstack_create("drive", true, 0);
	if (!ns)
		return NULL;
	if (so_instance_init(ns) != 0) {
		host_netstack_destroy(ns);
		return NULL;
	}
	NET_LOCK(ns);
	drive_ifp = ether_ifattach(ns, "eth0", our_mac, drive_start, NULL);
	if (drive_ifp) {
		/* The script may ask for an MTU beyond Ethernet's (up to 65535): this link is a
		 * pipe, so set it directly. */
		if (if_setmtu(drive_ifp, mtu) != 0)
			drive_ifp->if_mtu = mtu;
		if_setflags(drive_ifp, drive_ifp->if_flags | IFF_UP);
		if_addr_add(drive_ifp, local_ip, 24);
		ipaddr_t gw = (local_ip & 0xffffff00u) | 2u;
		arp_add_static(ns, drive_ifp, gw, gw_mac);
		rt_add(ns, 0, 0, gw, drive_ifp, 0, RTF_UP | RTF_GATEWAY | RTF_STATIC);
	}
	NET_UNLOCK(ns);
	if (!drive_ifp) {
		host_netstack_destroy(ns);
		return NULL;
	}
	/* Announcements made while configuring are not the script's business. */
	struct drive_pkt p;
	while (drive_net_take(ns, &p))
		free(p.data);
	return ns;
}

void drive_net_destroy(struct netstack *ns)
{
	struct drive_pkt p;
	host_netstack_destroy(ns);
	while (drive_qlen) {
		p = drive_q[drive_qhead];
		drive_qhead = (drive_qhead + 1) % DRIVE_MAXQ;
		drive_qlen--;
		free(p.data);
	}
}

void drive_net_inject(struct netstack *ns, const uint8_t *ip, size_t len)
{
	/* Straight to IP: packetdrill's tunnel carries packets of any size, whatever the MTU
	 * (a script may send a 32000-byte segment), which an Ethernet frame could not. */
	struct mbuf *m = m_devget(ip, (uint32_t)len, 16, drive_ifp);
	if (m) {
		NET_LOCK(ns);
		ip_input(drive_ifp, m);
		NET_UNLOCK(ns);
	}
	netisr_run(ns);
}

void drive_net_step(struct netstack *ns, uint64_t t_ns)
{
	if (t_ns > host_now(ns))
		host_clock_set(ns, t_ns);
	netisr_run(ns);
	net_timers_run(ns, host_now(ns));
	netisr_run(ns);
}

uint64_t drive_net_next_timer(struct netstack *ns)
{
	NET_LOCK(ns);
	uint64_t t = net_timers_next(ns);
	NET_UNLOCK(ns);
	return t;
}

uint64_t drive_net_now(struct netstack *ns)
{
	return host_now(ns);
}

int drive_net_take(struct netstack *ns, struct drive_pkt *out)
{
	(void)ns;
	if (!drive_qlen)
		return 0;
	*out = drive_q[drive_qhead];
	drive_qhead = (drive_qhead + 1) % DRIVE_MAXQ;
	drive_qlen--;
	return 1;
}

int drive_net_sysctl(struct netstack *ns, const char *name, long long v)
{
	struct tcp_conf *c = &tcp_instance(ns)->ti_conf;
	const uint64_t ms = 1000000ull;
	int rc = 1;

	NET_LOCK(ns);
	if (!strcmp(name, "net.inet.tcp.rfc1323"))
		c->rfc1323 = v != 0;
	else if (!strcmp(name, "net.inet.tcp.sack.enable"))
		c->sack = v != 0;
	else if (!strcmp(name, "net.inet.tcp.insecure_rst"))
		c->insecure_rst = v != 0;
	else if (!strcmp(name, "net.inet.tcp.insecure_syn"))
		c->insecure_syn = v != 0;
	else if (!strcmp(name, "net.inet.tcp.drop_synfin"))
		c->drop_synfin = v != 0;
	else if (!strcmp(name, "net.inet.tcp.syncookies"))
		c->syncookies = v != 0;
	else if (!strcmp(name, "net.inet.tcp.recvspace") && v > 0)
		c->recvspace = (uint32_t)v;
	else if (!strcmp(name, "net.inet.tcp.sendspace") && v > 0)
		c->sendspace = (uint32_t)v;
	else if (!strcmp(name, "kern.ipc.maxsockbuf") && v > 0)
		c->maxsockbuf = (uint32_t)v;
	else if (!strcmp(name, "net.inet.tcp.rexmit_initial") && v > 0)
		c->rexmit_initial_ns = (uint64_t)v * ms;
	else if (!strcmp(name, "net.inet.tcp.rexmit_min") && v > 0)
		c->rexmit_min_ns = (uint64_t)v * ms;
	else if (!strcmp(name, "net.inet.tcp.keepinit") && v > 0)
		c->keepinit_ns = (uint64_t)v * ms;
	else if (!strcmp(name, "net.inet.tcp.keepidle") && v > 0)
		c->keepidle_ns = (uint64_t)v * ms;
	else if (!strcmp(name, "net.inet.tcp.keepintvl") && v > 0)
		c->keepintvl_ns = (uint64_t)v * ms;
	else if (!strcmp(name, "net.inet.tcp.keepcnt") && v > 0)
		c->keepcnt = (uint32_t)v;
	else if (!strcmp(name, "net.inet.tcp.msl") && v > 0)
		c->msl_ns = (uint64_t)v * ms;
	else if (!strcmp(name, "net.inet.tcp.delacktime") && v > 0)
		c->delack_ns = (uint64_t)v * ms;
	else if (!strcmp(name, "net.inet.tcp.reass.maxqueuelen") && v > 0)
		c->reass_maxseg = (uint32_t)v;
	else if (!strcmp(name, "net.inet.tcp.tlp"))
		c->no_tlp = v == 0;     /* STOS's own knob: tail loss probes (tcp_tlp.c) */
	else if (!strcmp(name, "net.inet.tcp.sendbuf_auto"))
		c->no_sndbuf_auto = v == 0;
	else if (!strcmp(name, "net.inet.tcp.initcwnd_segments") && v >= 0 && v <= TCP_INITCWND_MAX)
		c->initcwnd_segs = (uint8_t)v;  /* FreeBSD's name; 0: RFC 5681 3.1's window */
	else if (!strcmp(name, "net.inet.tcp.ecn.enable") && v >= 0 && v <= 2)
		c->ecn = (uint8_t)v;    /* the same three values (net/tcp_ecn.c) */
	else if (!strcmp(name, "net.inet.tcp.blackhole") || !strcmp(name, "net.inet.tcp.rexmit_drop_options"))
		rc = v == 0 ? 0 : -1;
	else
		rc = 0;
	NET_UNLOCK(ns);
	return rc;
}

unsigned drive_net_count(struct netstack *ns, int state, unsigned lport)
{
	NET_LOCK(ns);
	unsigned n = tcp_count_state(ns, state, (uint16_t)lport);
	NET_UNLOCK(ns);
	return n;
}

unsigned drive_net_drop(struct netstack *ns, int state)
{
	NET_LOCK(ns);
	unsigned n = tcp_drop_state(ns, state);
	NET_UNLOCK(ns);
	return n;
}

int drive_net_sock_state(void *p)
{
	struct socket *so = p;
	if (!so)
		return TCPS_CLOSED;
	NET_LOCK(so->so_ns);
	struct inpcb *inp = sotoinpcb(so);
	struct tcpcb *tp = inp ? intotcpcb(inp) : NULL;
	int st = tp ? tp->t_state : TCPS_CLOSED;
	NET_UNLOCK(so->so_ns);
	return st;
}

/* What getsockopt(TCP_INFO) reports (net/tcp_usrreq.c's tcp_fill_info), not a copy of its
 * rules: false without a socket or a connection. */
static bool sock_tcp_info(void *p, struct tcp_info *ti)
{
	socklen_t len = sizeof *ti;
	return p && so_getopt(p, IPPROTO_TCP, TCP_INFO, ti, &len) == 0;
}

int drive_net_sock_options(void *p)
{
	struct tcp_info ti;
	return sock_tcp_info(p, &ti) ? ti.tcpi_options : 0;
}

int drive_net_sock_cwnd(void *p)
{
	struct tcp_info ti;
	return sock_tcp_info(p, &ti) ? (int)ti.tcpi_snd_cwnd : 0;
}

int drive_net_leakcheck_begin(void)
{
	mbuf_stats(&drive_ms0);
	drive_alloc0 = host_alloc_live();
	return 0;
}

int drive_net_leakcheck_end(void)
{
	struct mbuf_stats ms;
	mbuf_stats(&ms);
	return (ms.mbufs != drive_ms0.mbufs || ms.clusters != drive_ms0.clusters ||
	    host_alloc_live() != drive_alloc0) ? -1 : 0;
}
