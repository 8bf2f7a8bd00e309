/* Network interfaces: struct ifnet is the driver boundary.
 *
 * A driver (e1000, TAP link, in-memory wire, loopback) fills an ifnet and attaches it
 * (ether_ifattach in if_ether.h).  Receive: the driver calls if_input(ifp, m) from any
 * context; the frame waits on ifp->if_inq until netisr_run(ns) hands it to ether_input.
 * Transmit: the stack queues complete frames on ifp->if_snd and calls ifp->if_start(ifp)
 * with the net lock held; the driver dequeues with if_dequeue and owns what it dequeues.
 *
 * Every ifnet belongs to one instance (if_ns).  Interface indices start at 1 and are never
 * reused within an instance; the loopback "lo" (index 1, 127.0.0.1/8) always exists.
 * All functions need the net lock unless stated otherwise.
 */
#ifndef NET_IF_H
#define NET_IF_H
#include <stdint.h>
#include <stdbool.h>
#include <stos/ioctl.h>         /* IFF_*, IFNAMSIZ: Linux values */
#include "mbuf.h"
#include "ip_var.h"
#include "route.h"

struct netstack;
typedef uint32_t ipaddr_t;      /* IPv4 address, host byte order (also in ip_var.h) */

#define ETHER_ADDR_LEN 6
#define IF_MAXADDRS    8        /* IPv4 addresses per interface */
#define IF_INQ_MAXLEN  512      /* frames waiting for netisr per interface */
#define IF_SNDQ_MAXLEN 512      /* frames waiting for the driver */

#define IFT_ETHER 1
#define IFT_LOOP  2

/* One IPv4 address of an interface, with its derived network values (host order). */
struct in_ifaddr {
	ipaddr_t ia_addr;
	uint8_t ia_plen;            /* prefix length 0..32 */
	ipaddr_t ia_mask;
	ipaddr_t ia_net;            /* ia_addr & ia_mask */
	ipaddr_t ia_bcast;          /* subnet broadcast (ia_net | ~ia_mask); 0 for /31 and /32 */
};

/* Per-interface counters (what `netstat -i` / `ifconfig` print). */
struct if_counters {
	uint64_t ipackets, ibytes, ierrors, iqdrops, imcasts, noproto;
	uint64_t opackets, obytes, oerrors, oqdrops, omcasts;
};

struct ifnet {
	struct ifnet *if_next;      /* the instance's list, in index order */
	struct netstack *if_ns;
	char if_name[IFNAMSIZ];
	unsigned if_index;
	unsigned if_type;           /* IFT_ETHER, IFT_LOOP */
	uint32_t if_flags;          /* IFF_UP, IFF_BROADCAST, IFF_LOOPBACK, IFF_RUNNING, IFF_PROMISC,
	                               IFF_NOARP (Linux values) */
	uint32_t if_mtu;            /* IP MTU (1500 for Ethernet) */
	uint8_t if_hwaddr[ETHER_ADDR_LEN];
	/* Transmit offloads (CSUM_IP/TCP/UDP/TSO of mbuf.h): what the device can do, and what
	 * the stack may hand it now (a subset; the driver sets both at attach, 0 = software). */
	uint32_t if_capabilities;
	uint32_t if_hwassist;
	struct in_ifaddr if_addrs[IF_MAXADDRS];
	unsigned if_naddrs;
	struct if_counters if_c;

	struct mbufq if_inq;        /* received, waiting for netisr; ns_inq_lock */
	struct mbufq if_snd;        /* to transmit, waiting for the driver; net lock */

	/* Hands an IPv4 packet (m starts at the IP header) to the link layer for next hop
	 * `nexthop`; mflags M_BCAST sends to the link broadcast address.  Consumes m; returns 0
	 * or -errno.  ether_output for every interface type we have. */
	int (*if_output)(struct ifnet *ifp, struct mbuf *m, ipaddr_t nexthop, unsigned mflags);
	/* Driver: take frames from if_snd (if_dequeue) and send them.  Net lock held. */
	void (*if_start)(struct ifnet *ifp);
	/* Driver (may be NULL): if_start for a frame if_transmit would queue alone (if_snd
	 * empty): either takes m, doing with it what if_start would having dequeued it (send it,
	 * or keep it while the device is busy, or drop it counted), and returns true; or returns
	 * false, and m is queued and if_start called.  Spares the frame a transmit path sends by
	 * itself (a pure ACK) the queue's round trip.  Net lock held. */
	bool (*if_start1)(struct ifnet *ifp, struct mbuf *m);
	/* Driver: IFF_UP/IFF_PROMISC changed (may be NULL).  Net lock held. */
	void (*if_flags_changed)(struct ifnet *ifp);
	/* Driver: the ifnet is being detached; release driver state (may be NULL). */
	void (*if_free)(struct ifnet *ifp);
	void *if_softc;             /* the driver's */
};

/* Allocates a zeroed ifnet bound to ns, with queues initialised and the given name.  NULL on
 * failure.  Not yet visible: if_attach makes it so. */
struct ifnet *if_alloc(struct netstack *ns, const char *name, unsigned type);
/* Assigns an index, links the ifnet into ns and registers it.  Returns 0 or -EEXIST (name
 * taken; the caller still owns ifp and frees it with if_free_unattached). */
int if_attach(struct ifnet *ifp);
void if_free_unattached(struct ifnet *ifp);
/* Removes the interface: its addresses, routes, ARP entries, queued frames; calls if_free
 * and releases the memory. */
void if_detach(struct ifnet *ifp);

/* Driver receive entry.  Any context, net lock held or not (takes only the inq lock).
 * Consumes m (a whole frame with m_pkthdr.len set); counts iqdrops when the queue is full;
 * kicks the netisr. */
void if_input(struct ifnet *ifp, struct mbuf *m);
/* if_input for a batch: frames linked through m_nextpkt (NULL-terminated), queued in order
 * under one taking of the inq lock, with one kick; those that find the queue full are
 * counted in iqdrops and freed, as if_input does one at a time.  For a driver that receives
 * several frames per poll. */
void if_input_list(struct ifnet *ifp, struct mbuf *list);
/* Takes the next frame the stack queued for transmission (the caller owns it), or NULL. */
static inline struct mbuf *if_dequeue(struct ifnet *ifp)
{
	return mbufq_dequeue(&ifp->if_snd);
}
/* Queues a complete link-level frame for the driver (after the output tap) and starts it,
 * or hands it to the driver's if_start1 when nothing waits in the queue.  Consumes m;
 * returns 0 or -ENOBUFS (queue full), -ENETDOWN (interface down). */
int if_transmit(struct ifnet *ifp, struct mbuf *m);

/* Changes IFF_UP / IFF_PROMISC (others are ignored).  Bringing an interface up announces its
 * addresses (gratuitous ARP); down flushes its ARP entries and queues. */
int if_setflags(struct ifnet *ifp, uint32_t flags);
/* Sets the MTU (68..65535, and <= 9000 for Ethernet); returns 0 or -EINVAL. */
int if_setmtu(struct ifnet *ifp, uint32_t mtu);

/* Adds addr/plen, the connected route for its subnet and a local host route, and announces
 * it (RFC 5227 2.3 gratuitous ARP) when the interface is up.  0, -EEXIST, -ENOSPC, -EINVAL. */
int if_addr_add(struct ifnet *ifp, ipaddr_t addr, unsigned plen);
/* Removes addr and the routes derived from it.  0 or -EADDRNOTAVAIL. */
int if_addr_del(struct ifnet *ifp, ipaddr_t addr);

/* Lookups.  NULL when not found. */
struct ifnet *ifnet_byname(struct netstack *ns, const char *name);
struct ifnet *ifnet_byindex(struct netstack *ns, unsigned index);
/* The interface that has address a (any interface), and the address record. */
struct ifnet *in_ifwithaddr(struct netstack *ns, ipaddr_t a, struct in_ifaddr **iap);
/* The interface whose connected subnet contains a (first match), and the address record. */
struct ifnet *in_ifwithnet(struct netstack *ns, ipaddr_t a, struct in_ifaddr **iap);
/* The first (primary) IPv4 address of ifp, or 0. */
ipaddr_t in_ifprimary(const struct ifnet *ifp);
/* a is one of this host's addresses. */
bool in_islocal(struct netstack *ns, ipaddr_t a);
/* in_isbroadcast (netstack.h, inline: it needs struct netstack's filter) asks this when its
 * filter cannot settle the answer: the interfaces' addresses are walked. */
bool in_isbroadcast_walk(struct netstack *ns, ipaddr_t a, const struct ifnet *ifp);

/* The tap points where AF_PACKET sockets and capture hook in.  There are exactly two:
 * ether_input calls every tap with NET_TAP_IN after the frame passed link validation and the
 * destination filter (so promiscuous frames are seen, marked M_OTHERHOST) and before protocol
 * demux; if_transmit calls them with NET_TAP_OUT for every frame handed to a driver.  The
 * frame starts at the Ethernet header (loopback frames carry a zero-address Ethernet header,
 * as on Linux).  pkttype is PACKET_HOST/BROADCAST/MULTICAST/OTHERHOST/OUTGOING
 * (<stos/packet.h>).  A tap borrows m: it copies what it keeps (m_copym, by reference) and
 * must not modify it.  Called with the net lock held.  An outgoing frame is seen before the
 * device does the work its m_pkthdr.csum_flags leave to it (CSUM_*, ip_csum.h): on an
 * interface with offload its IPv4 header checksum reads 0 (and a deferred TCP/UDP checksum
 * holds the pseudo-header sum), as Linux's packet sockets show with offload on. */
#define NET_TAP_IN  0
#define NET_TAP_OUT 1
struct net_tap {
	struct net_tap *nt_next;
	void (*nt_fn)(struct net_tap *t, struct ifnet *ifp, const struct mbuf *m, unsigned dir,
	    unsigned pkttype);
	void *nt_arg;
};
void net_tap_add(struct netstack *ns, struct net_tap *t);
/* Calls every tap (used by ether_input for NET_TAP_IN; if_transmit does NET_TAP_OUT). */
void net_tap_run(struct ifnet *ifp, const struct mbuf *m, unsigned dir, unsigned pkttype);
void net_tap_remove(struct netstack *ns, struct net_tap *t);

#endif
