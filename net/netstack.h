/* struct netstack: all the state of one network stack instance.
 *
 * The kernel has exactly one instance; the hosted build runs several in one process (joined
 * by the in-memory wire).  Nothing in net/ is global except the mbuf pools (mbuf.h).
 *
 * Locking: one sleepable net lock per instance (ns_lock) protects every field below and all
 * protocol state reachable from it, except the interfaces' input queues, which an interrupt
 * handler or driver thread fills under ns_inq_lock.  Functions in net/ expect the net lock
 * held unless their comment says "takes the lock".  Sockets sleep with port_sleep(ns, chan,
 * ns->ns_lock, deadline), which releases it while asleep.
 *
 * Extending: the socket layer (S), TCP (T) and AF_PACKET keep their per-instance state behind
 * the opaque pointers in the "upper layers" block.  netstack_create builds the core only
 * (interfaces, ARP, IPv4, ICMP, timers); whoever builds a whole stack (the kernel's net init,
 * host/api, stosnet, tests) then calls so_instance_init(ns) (socketvar.h), which attaches
 * the socket layer and the protocols above IP (ip_proto_register, ip_set_rawinput) and
 * registers a destroy hook (netstack_on_destroy) that frees their state.  Statistics groups
 * register with net_stats_register.
 */
#ifndef NET_NETSTACK_H
#define NET_NETSTACK_H
#include <stdint.h>
#include <stdbool.h>
#include "port.h"
#include "mbuf.h"
#include "callout.h"
#include "net_stats.h"
#include "if.h"
#include "if_ether.h"
#include "ip_var.h"
#include "icmp_var.h"

struct arptab;
struct rtable;
struct ipreass;
struct ipproto;
struct pcbinfo;
struct udpstat;
struct tcpstat;

/* Tunables; netstack_create sets the defaults, tests and ioctls may change them. */
struct netstack_conf {
	bool ip_forwarding;         /* RFC 1122 3.3.1: off by default for a host */
	uint8_t ip_defttl;
	uint64_t reass_timeout_ns;
	uint32_t reass_maxmem;      /* bytes of fragment data held in all */
	uint32_t reass_maxqueues;   /* datagrams under reassembly */
	uint32_t arp_maxentries;
	uint32_t arp_holdlen;
	uint32_t arp_maxtries;
	uint64_t arp_retry_ns;
	uint64_t arp_reachable_ns;
	uint64_t arp_failed_ns;
	uint32_t icmp_rate;         /* error tokens per second */
	uint32_t icmp_burst;
	bool icmp_echo_bcast;       /* answer echo requests to broadcast (off, as Linux) */
};

#define NS_MAX_DESTROY_HOOKS 16
struct netstack_hook {
	void (*fn)(struct netstack *ns, void *arg);
	void *arg;
};

struct netstack {
	struct port_lock *ns_lock;          /* the net lock */
	struct port_lock *ns_inq_lock;      /* every ifnet's if_inq (PORT_LOCK_INTR) */
	char ns_name[16];                   /* for logs: "ns0", "left", ... */
	void *ns_host;                      /* the host port's per-instance data (virtual clock) */
	struct netstack_conf ns_conf;

	/* interfaces */
	struct ifnet *ns_ifnet;             /* list in index order */
	unsigned ns_ifnext;                 /* next index to hand out */
	struct ifnet *ns_loif;              /* "lo", always present */
	uint32_t ns_bcast_low;              /* in_isbroadcast's filter (if.c) */
	ipaddr_t ns_local_last;             /* in_islocal's last hit, 0 = none (if.c) */

	/* routing, ARP, IPv4 */
	struct rtable *ns_rt;
	uint32_t ns_rtgen;                  /* bumped on every route change (struct route) */
	struct arptab *ns_arp;
	uint32_t ns_llgen;                  /* bumped on every ARP entry change (struct route) */
	struct ipreass *ns_reass;
	struct ipproto ns_ipproto[256];
	ip_rawinput_fn ns_rawinput;
	uint16_t *ns_ipid;                  /* RFC 6864 ID counters (ip_id.c) */
	uint32_t ns_ipid_key[4];            /* secret for the ID bucket hash */
	uint64_t ns_icmp_tokens_ms;         /* token bucket, in token-milliseconds */
	uint64_t ns_icmp_last_ns;

	/* timers */
	struct callout_wheel ns_callouts;
	uint64_t ns_clock;                  /* net_clock's reading for this lock hold, 0 = none */

	/* the tap points (if.h) */
	struct net_tap *ns_taps;

	/* statistics */
	struct etherstat ns_etherstat;
	struct arpstat ns_arpstat;
	struct ipstat ns_ipstat;
	struct icmpstat ns_icmpstat;
	struct net_statgroup ns_statgroups[NET_MAX_STATGROUPS];
	unsigned ns_nstatgroups;

	/* upper layers: owned by S (sockets, UDP, raw), T (TCP), AF_PACKET */
	struct pcbinfo *ns_udb;             /* UDP PCBs */
	struct pcbinfo *ns_tcb;             /* TCP PCBs */
	struct pcbinfo *ns_ripcb;           /* raw IP PCBs */
	struct udpstat *ns_udpstat;
	struct tcpstat *ns_tcpstat;
	void *ns_sock;                      /* socket layer state */
	void *ns_tcp;                       /* TCP state */
	void *ns_packet;                    /* AF_PACKET state */
	void *ns_ext[4];                    /* spare slots for later layers */

	struct netstack_hook ns_destroy_hooks[NS_MAX_DESTROY_HOOKS];
	unsigned ns_ndestroy_hooks;

	/* Receive batches (netisr_run_locked): ns_inbatch is true while the frames one
	 * interface's input queue held are processed, and ns_batch_done (if set) runs after
	 * each such batch: work a layer put off until the batch's frames were all seen runs
	 * there (TCP's output after a run of ACKs, tcp_output_batch). */
	bool ns_inbatch;
	struct netstack_hook ns_batch_done;
};

/* A receive batch: frames handed to ether_input one after another under one hold of the net
 * lock (netisr_run_locked, a driver's poll loop that bypasses the input queue).  Layers may
 * put work off to its end (ns_batch_done: TCP's ACK-clocked output). */
static inline void net_batch_begin(struct netstack *ns)
{
	ns->ns_inbatch = true;
}

static inline void net_batch_end(struct netstack *ns)
{
	ns->ns_inbatch = false;
	if (ns->ns_batch_done.fn)
		ns->ns_batch_done.fn(ns, ns->ns_batch_done.arg);
}

/* a is a broadcast address for ifp (limited, or the subnet broadcast of one of its
 * addresses); with ifp NULL, for any interface.  Inline because TCP and IP ask it about both
 * addresses of every segment, and nearly always ns_bcast_low's filter (if.c) settles it: an
 * address whose host bits there are mixed (neither all zeros nor all ones, so neither 0 nor
 * the limited broadcast either) is no attached interface's broadcast or network address (an
 * interface not attached, if_index 0, is outside the filter). */
static inline bool in_isbroadcast(struct netstack *ns, ipaddr_t a, const struct ifnet *ifp)
{
	uint32_t low = a & ns->ns_bcast_low;
	if (low != 0 && low != ns->ns_bcast_low && (!ifp || ifp->if_index != 0))
		return false;
	return in_isbroadcast_walk(ns, a, ifp);
}

/* The clock for protocol work under the net lock: port_now_ns read once per hold of the lock
 * (and once per netisr batch) and reused, instead of once per timestamp, timer and RTT sample
 * (three or four times per segment).  Protocol times need no finer grain: TCP timestamps
 * count milliseconds, timers fire at callout-wheel ticks, and an RTT sample taken against a
 * reading made a few microseconds earlier in the same batch is still an RTT.  Net lock held.
 * net_clock_forget drops the reading: NET_LOCK, the socket layer's sleep and a virtual clock's
 * step do it; 0 is "not read" (a virtual clock at 0 is simply read every time). */
static inline void net_clock_forget(struct netstack *ns)
{
	__atomic_store_n(&ns->ns_clock, 0, __ATOMIC_RELAXED);
}
uint64_t net_clock_read(struct netstack *ns);
static inline uint64_t net_clock(struct netstack *ns)
{
	uint64_t now = __atomic_load_n(&ns->ns_clock, __ATOMIC_RELAXED);
	return now ? now : net_clock_read(ns);
}

static inline void net_lock(struct netstack *ns)
{
	port_lock(ns->ns_lock);
	net_clock_forget(ns);
}

#define NET_LOCK(ns)   net_lock(ns)
#define NET_UNLOCK(ns) port_unlock((ns)->ns_lock)
#define NET_ASSERT_LOCKED(ns) NET_ASSERT(port_lock_held((ns)->ns_lock))

/* Creates an instance with its loopback interface up (127.0.0.1/8).  `host` is the host
 * port's per-instance data (kept in ns_host before anything reads the clock); NULL is fine.
 * Takes no lock (nobody else can see it yet).  NULL on failure. */
struct netstack *netstack_create(const char *name, void *host);
/* Runs the destroy hooks (last registered first), detaches every interface, frees every
 * packet, timer target and table.  Call without the net lock, after every driver and thread
 * using the instance stopped. */
void netstack_destroy(struct netstack *ns);
/* Registers fn(ns, arg) to run at netstack_destroy; 0 or -ENOSPC. */
int netstack_on_destroy(struct netstack *ns, void (*fn)(struct netstack *, void *), void *arg);

/* Drains every interface's input queue through ether_input (and so the whole receive path).
 * Takes the lock.  Returns the number of frames processed. */
unsigned netisr_run(struct netstack *ns);
/* The same with the net lock already held. */
unsigned netisr_run_locked(struct netstack *ns);
/* netisr_run that stops after `passes` passes over the interfaces (a pass takes every frame
 * queued when it starts; frames the receive path itself queues, on the loopback interface,
 * wait for the next pass).  For a thread that must let timers and other threads run between
 * bursts: two ends answering each other on the loopback interface without end would
 * otherwise keep it, and the net lock, for ever.  netisr_pending says whether frames wait. */
unsigned netisr_run_passes(struct netstack *ns, unsigned passes);
bool netisr_pending(struct netstack *ns);

#endif
