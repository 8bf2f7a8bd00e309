/* Creating and destroying a stack instance (netstack.h), and the netisr drain loop. */
#include <stos/errno.h>
#include "netlib.h"
#include "netstack.h"

static const struct net_statdesc etherstat_desc[] = { ETHERSTAT_LIST(NET_STAT_DESC) };
static const struct net_statdesc arpstat_desc[] = { ARPSTAT_LIST(NET_STAT_DESC) };
static const struct net_statdesc ipstat_desc[] = { IPSTAT_LIST(NET_STAT_DESC) };
static const struct net_statdesc icmpstat_desc[] = { ICMPSTAT_LIST(NET_STAT_DESC) };

static void conf_defaults(struct netstack_conf *c)
{
	c->ip_forwarding = false;
	c->ip_defttl = IP_DEFTTL;
	c->reass_timeout_ns = IP_REASS_DEF_TIMEOUT_NS;
	c->reass_maxmem = IP_REASS_DEF_MAXMEM;
	c->reass_maxqueues = IP_REASS_DEF_MAXQUEUES;
	c->arp_maxentries = ARP_DEF_MAXENTRIES;
	c->arp_holdlen = ARP_DEF_HOLDLEN;
	c->arp_maxtries = ARP_DEF_MAXTRIES;
	c->arp_retry_ns = ARP_DEF_RETRY_NS;
	c->arp_reachable_ns = ARP_DEF_REACHABLE_NS;
	c->arp_failed_ns = ARP_DEF_FAILED_NS;
	c->icmp_rate = ICMP_DEF_RATE;
	c->icmp_burst = ICMP_DEF_BURST;
	c->icmp_echo_bcast = false;
}

/* Subsystem init/teardown, in the order they are brought up. */
int rt_init(struct netstack *ns);
void rt_fini(struct netstack *ns);
int arp_init(struct netstack *ns);
void arp_fini(struct netstack *ns);
int ip_init(struct netstack *ns);
void ip_fini(struct netstack *ns);
int loop_attach(struct netstack *ns);

struct netstack *netstack_create(const char *name, void *host)
{
	struct netstack *ns = net_zalloc(sizeof(*ns));
	if (!ns)
		return NULL;
	ns->ns_host = host;
	net_strlcpy(ns->ns_name, name ? name : "net", sizeof(ns->ns_name));
	ns->ns_lock = port_lock_new("net", PORT_LOCK_SLEEP);
	ns->ns_inq_lock = port_lock_new("net-inq", PORT_LOCK_INTR);
	if (!ns->ns_lock || !ns->ns_inq_lock)
		goto fail;
	conf_defaults(&ns->ns_conf);
	ns->ns_ifnext = 1;
	callout_wheel_init(&ns->ns_callouts, port_now_ns(ns));
	net_stats_register(ns, "ether", etherstat_desc, NET_ARRAY_LEN(etherstat_desc), &ns->ns_etherstat);
	net_stats_register(ns, "arp", arpstat_desc, NET_ARRAY_LEN(arpstat_desc), &ns->ns_arpstat);
	net_stats_register(ns, "ip", ipstat_desc, NET_ARRAY_LEN(ipstat_desc), &ns->ns_ipstat);
	net_stats_register(ns, "icmp", icmpstat_desc, NET_ARRAY_LEN(icmpstat_desc), &ns->ns_icmpstat);

	NET_LOCK(ns);
	int rc = rt_init(ns);
	if (!rc)
		rc = arp_init(ns);
	if (!rc)
		rc = ip_init(ns);
	if (!rc)
		rc = loop_attach(ns);
	NET_UNLOCK(ns);
	if (rc) {
		netstack_destroy(ns);
		return NULL;
	}
	return ns;
fail:
	port_lock_free(ns->ns_lock);
	port_lock_free(ns->ns_inq_lock);
	port_free(ns);
	return NULL;
}

int netstack_on_destroy(struct netstack *ns, void (*fn)(struct netstack *, void *), void *arg)
{
	if (ns->ns_ndestroy_hooks >= NS_MAX_DESTROY_HOOKS)
		return -ENOSPC;
	ns->ns_destroy_hooks[ns->ns_ndestroy_hooks].fn = fn;
	ns->ns_destroy_hooks[ns->ns_ndestroy_hooks].arg = arg;
	ns->ns_ndestroy_hooks++;
	return 0;
}

void netstack_destroy(struct netstack *ns)
{
	if (!ns)
		return;
	while (ns->ns_ndestroy_hooks) {
		struct netstack_hook *h = &ns->ns_destroy_hooks[--ns->ns_ndestroy_hooks];
		h->fn(ns, h->arg);
	}
	NET_LOCK(ns);
	/* Interfaces first (their detach flushes ARP entries, routes and queues), then tables. */
	while (ns->ns_ifnet) {
		struct ifnet *ifp = ns->ns_ifnet;
		while (ifp->if_next)
			ifp = ifp->if_next;
		if_detach(ifp);
	}
	ip_fini(ns);
	arp_fini(ns);
	rt_fini(ns);
	NET_UNLOCK(ns);
	port_lock_free(ns->ns_lock);
	port_lock_free(ns->ns_inq_lock);
	port_free(ns);
}

/* Frames wait on ifp's input queue (a look without the queue lock: see below). */
static inline bool inq_waiting(const struct ifnet *ifp)
{
	return __atomic_load_n(&ifp->if_inq.mq_head, __ATOMIC_SEQ_CST) != NULL;
}

static unsigned netisr_passes_locked(struct netstack *ns, unsigned passes)
{
	unsigned n = 0;
	bool more = true;
	NET_ASSERT_LOCKED(ns);      /* once for the batch (ether_input relies on it) */
	/* Each pass takes every interface's whole input queue under one acquisition of the
	 * queue lock (a lock pair per frame cost more than the rest of this loop) and runs its
	 * frames; interfaces take turns pass by pass, so one busy link holds up the others by
	 * at most its queue's length (if_inq's cap).  Loopback frames sent while processing
	 * are picked up in a later pass.  A queue that looks empty is passed over without its
	 * lock (most queues are empty most of the time); a frame that if_input enqueues just
	 * after the look is not lost: if_input kicks the netisr (port_netisr_kick) after
	 * enqueueing, which runs this again.  The clock is read afresh for each batch
	 * (net_clock), not for every frame. */
	for (; more && passes > 0; passes--) {
		more = false;
		for (struct ifnet *ifp = ns->ns_ifnet; ifp; ifp = ifp->if_next) {
			if (!inq_waiting(ifp))
				continue;
			port_lock(ns->ns_inq_lock);
			struct mbuf *m = mbufq_flush(&ifp->if_inq);
			port_unlock(ns->ns_inq_lock);
			if (!m)
				continue;
			more = true;
			net_clock_forget(ns);
			net_batch_begin(ns);
			while (m) {
				struct mbuf *next = m->m_nextpkt;
				m->m_nextpkt = NULL;
				n++;
				ether_input(ifp, m);
				m = next;
			}
			net_batch_end(ns);
		}
	}
	return n;
}

uint64_t net_clock_read(struct netstack *ns)
{
	uint64_t now = port_now_ns(ns);
	__atomic_store_n(&ns->ns_clock, now, __ATOMIC_RELAXED);
	return now;
}

unsigned netisr_run_locked(struct netstack *ns)
{
	return netisr_passes_locked(ns, UINT32_MAX);
}

unsigned netisr_run(struct netstack *ns)
{
	NET_LOCK(ns);
	unsigned n = netisr_run_locked(ns);
	NET_UNLOCK(ns);
	return n;
}

unsigned netisr_run_passes(struct netstack *ns, unsigned passes)
{
	NET_LOCK(ns);
	unsigned n = netisr_passes_locked(ns, passes);
	NET_UNLOCK(ns);
	return n;
}

bool netisr_pending(struct netstack *ns)
{
	for (struct ifnet *ifp = ns->ns_ifnet; ifp; ifp = ifp->if_next)
		if (inq_waiting(ifp))
			return true;
	return false;
}
