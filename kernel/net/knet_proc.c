/* The text of /proc/net/{dev,route,arp,snmp,tcp,udp,raw} in Linux's formats (proc(5)), which the
 * userland's netstat, route and arp read.  knet_proc_text(name, buf, cap) renders one file
 * from the stack as it is now (net lock taken); the file layer's procfs serves the text.
 *
 * tcp, udp and raw list the protocol control blocks in the format of Linux's
 * /proc/net/{tcp,udp,raw}: "sl: local rem st tx_queue:rx_queue ...", addresses as %08X of
 * the network-order value, ports in hex, TCP states numbered as Linux's (tcp_var.h).
 *
 * Formats: route prints addresses as %08X of the network-order 32-bit value (Linux prints
 * the raw in_addr as a little-endian integer); snmp comes in line pairs "group: names" and
 * "group: values", one pair per statistics group (net_stats.h), so every counter the stack
 * and the drivers keep is visible to `netstat -s`. */
#include <stdarg.h>
#include "klib.h"
#include "knet.h"
#include <stos/errno.h>
#include "../../net/netstack.h"
#include "../../net/netlib.h"
#include "../../net/socketvar.h"
#include "../../net/in_pcb.h"
#include "../../net/udp_var.h"
#include "../../net/raw_ip_var.h"
#include "../../net/tcp_var.h"

struct tbuf {
	char *buf;
	size_t cap, len;
};

static void tput(struct tbuf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tput(struct tbuf *t, const char *fmt, ...)
{
	if (t->len + 1 >= t->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len = MIN(t->len + (size_t)n, t->cap - 1);
}

static void proc_dev(struct netstack *ns, struct tbuf *t)
{
	tput(t, "Inter-|   Receive                                                |  Transmit\n");
	tput(t, " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
	    "errs drop fifo colls carrier compressed\n");
	for (struct ifnet *ifp = ns->ns_ifnet; ifp; ifp = ifp->if_next) {
		const struct if_counters *c = &ifp->if_c;
		tput(t, "%6s: %llu %llu %llu %llu 0 0 0 %llu %llu %llu %llu %llu 0 0 0 0\n", ifp->if_name,
		    (unsigned long long)c->ibytes, (unsigned long long)c->ipackets,
		    (unsigned long long)c->ierrors, (unsigned long long)c->iqdrops,
		    (unsigned long long)c->imcasts, (unsigned long long)c->obytes,
		    (unsigned long long)c->opackets, (unsigned long long)c->oerrors,
		    (unsigned long long)c->oqdrops);
	}
}

static void route_line(void *arg, const struct rt_entry *rt)
{
	struct tbuf *t = arg;
	if (rt->rt_flags & RTF_LOCAL)
		return;                 /* Linux keeps local routes in another table */
	unsigned flags = 0x1 | ((rt->rt_flags & RTF_GATEWAY) ? 0x2 : 0) | (rt->rt_plen == 32 ? 0x4 : 0);
	tput(t, "%s\t%08X\t%08X\t%04X\t0\t%llu\t0\t%08X\t%u\t0\t0\n",
	    rt->rt_ifp ? rt->rt_ifp->if_name : "*", net_htonl(rt->rt_dst), net_htonl(rt->rt_gateway),
	    flags, (unsigned long long)rt->rt_use, net_htonl(rt->rt_mask), rt->rt_mtu);
}

static void proc_route(struct netstack *ns, struct tbuf *t)
{
	tput(t, "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n");
	rt_foreach(ns, route_line, t);
}

struct arp_ctx {
	struct netstack *ns;
	struct tbuf *t;
};

static void arp_line(void *arg, const struct arp_info *ai)
{
	struct arp_ctx *c = arg;
	char a[16];
	const uint8_t *m = ai->ai_hwaddr;
	bool complete = ai->ai_state == ARPS_REACHABLE || ai->ai_state == ARPS_STATIC;
	struct ifnet *ifp = ifnet_byindex(c->ns, ai->ai_ifindex);
	tput(c->t, "%-16s 0x1         0x%-9x %02x:%02x:%02x:%02x:%02x:%02x     *        %s\n",
	    net_ntoa(ai->ai_addr, a), (complete ? 0x2 : 0) | (ai->ai_state == ARPS_STATIC ? 0x4 : 0),
	    complete ? m[0] : 0, complete ? m[1] : 0, complete ? m[2] : 0, complete ? m[3] : 0,
	    complete ? m[4] : 0, complete ? m[5] : 0, ifp ? ifp->if_name : "*");
}

static void proc_arp(struct netstack *ns, struct tbuf *t)
{
	tput(t, "IP address       HW type     Flags       HW address            Mask     Device\n");
	struct arp_ctx c = { ns, t };
	arp_foreach(ns, arp_line, &c);
}

/* snmp: one pair of lines per group; names first, then values. */
struct snmp_ctx {
	struct tbuf *t;
	const char *group;
	char names[1536], values[1536];
	size_t nl, vl;
};

static void snmp_flush(struct snmp_ctx *c)
{
	if (c->group) {
		tput(c->t, "%s:%s\n%s:%s\n", c->group, c->names, c->group, c->values);
		c->nl = c->vl = 0;
		c->names[0] = c->values[0] = 0;
	}
}

static void snmp_one(void *arg, const char *group, const char *name, const char *desc, uint64_t v)
{
	(void)desc;
	struct snmp_ctx *c = arg;
	if (!c->group || strcmp(c->group, group) != 0) {
		snmp_flush(c);
		c->group = group;
	}
	if (c->nl + strlen(name) + 2 < sizeof(c->names) && c->vl + 22 < sizeof(c->values)) {
		c->nl += (size_t)ksnprintf(c->names + c->nl, sizeof(c->names) - c->nl, " %s", name);
		c->vl += (size_t)ksnprintf(c->values + c->vl, sizeof(c->values) - c->vl, " %llu",
		    (unsigned long long)v);
	}
}

static void proc_snmp(struct netstack *ns, struct tbuf *t)
{
	static struct snmp_ctx c;   /* net lock held: one user at a time */
	memset(&c, 0, sizeof(c));
	c.t = t;
	net_stats_foreach(ns, snmp_one, &c);
	snmp_flush(&c);
}

struct pcb_ctx {
	struct tbuf *t;
	int kind;                   /* 0 tcp, 1 udp, 2 raw */
	unsigned n;
};

static bool pcb_line(struct inpcb *inp, void *arg)
{
	struct pcb_ctx *c = arg;
	struct socket *so = inp->inp_socket;
	int st;
	if (c->kind == 0) {
		struct tcpcb *tp = intotcpcb(inp);
		st = tp ? tp->t_state : TCPS_CLOSED;
	} else {
		st = inp->inp_faddr ? TCPS_ESTABLISHED : TCPS_CLOSED;
	}
	tput(c->t, "%4u: %08X:%04X %08X:%04X %02X %08X:%08X 00:00000000 00000000     0        0 %llu\n",
	    c->n++, net_htonl(inp->inp_laddr), c->kind == 2 ? 0 : inp->inp_lport,
	    net_htonl(inp->inp_faddr), c->kind == 2 ? 0 : inp->inp_fport, st,
	    so ? so->so_snd.sb_cc : 0, so ? so->so_rcv.sb_cc : 0,
	    so ? (unsigned long long)so->so_id : 0ull);
	return true;
}

static void proc_pcbs(struct netstack *ns, struct tbuf *t, int kind)
{
	struct inpcbinfo *info = NULL;
	if (kind == 0 && tcp_instance(ns))
		info = &tcp_instance(ns)->ti_pcbinfo;
	else if (kind == 1 && udp_instance(ns))
		info = &udp_instance(ns)->ui_pcbinfo;
	else if (kind == 2 && raw_instance(ns))
		info = &raw_instance(ns)->ri_pcbinfo;
	tput(t, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
	    "timeout inode\n");
	if (!info)
		return;
	struct pcb_ctx c = { t, kind, 0 };
	in_pcb_foreach(info, pcb_line, &c);
}

long knet_proc_text(const char *name, char *buf, size_t cap)
{
	struct netstack *ns = knet_stack();
	if (!ns)
		return -ENOENT;
	if (!cap)
		return -EINVAL;
	struct tbuf t = { buf, cap, 0 };
	buf[0] = 0;
	long rc = 0;
	NET_LOCK(ns);
	if (strcmp(name, "dev") == 0 || strcmp(name, "snmp") == 0)
		knet_drivers_stats();   /* the devices' registers as of this read */
	if (strcmp(name, "dev") == 0)
		proc_dev(ns, &t);
	else if (strcmp(name, "route") == 0)
		proc_route(ns, &t);
	else if (strcmp(name, "arp") == 0)
		proc_arp(ns, &t);
	else if (strcmp(name, "snmp") == 0)
		proc_snmp(ns, &t);
	else if (strcmp(name, "tcp") == 0)
		proc_pcbs(ns, &t, 0);
	else if (strcmp(name, "udp") == 0)
		proc_pcbs(ns, &t, 1);
	else if (strcmp(name, "raw") == 0)
		proc_pcbs(ns, &t, 2);
	else
		rc = -ENOENT;
	NET_UNLOCK(ns);
	return rc ? rc : (long)t.len;
}
