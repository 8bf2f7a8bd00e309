/* Ethernet (IEEE 802.3 / DIX framing) and ARP: wire constants, the view of the header, and
 * the entry points.  RFC 826 (ARP), RFC 1122 2.3.2 (ARP cache rules), RFC 5227 (announce,
 * conflict detection).
 */
#ifndef NET_IF_ETHER_H
#define NET_IF_ETHER_H
#include <stdint.h>
#include <stdbool.h>
#include "if.h"
#include "net_stats.h"

#define ETHER_HDR_LEN   14
#define ETHER_MIN_LEN   60      /* without FCS: shorter frames are padded on output */
#define ETHER_MAX_LEN   (ETHER_HDR_LEN + 9000)  /* largest frame accepted (jumbo MTU cap) */
#define ETHERTYPE_IP    0x0800
#define ETHERTYPE_ARP   0x0806
#define ETHERTYPE_IPV6  0x86dd
#define ETHERMTU        1500

extern const uint8_t ether_broadcast[ETHER_ADDR_LEN];
static inline bool ether_is_multicast(const uint8_t *a) { return a[0] & 1; }
bool ether_is_broadcast(const uint8_t *a);

/* Attaches an Ethernet interface: MTU 1500, IFF_BROADCAST, if_output = ether_output, the
 * driver's start hook and softc.  Returns the attached ifnet (down: if_setflags(IFF_UP) to
 * start), or NULL (-EEXIST name, no memory).  Net lock held. */
struct ifnet *ether_ifattach(struct netstack *ns, const char *name,
    const uint8_t mac[ETHER_ADDR_LEN], void (*start)(struct ifnet *), void *softc);

/* Link-layer input for a whole frame (called by netisr_run for every queued frame; tests may
 * call it directly).  Validates, applies the destination filter, offers the frame to the taps,
 * strips the header and demuxes to ip_input / arp_input.  Consumes m. */
void ether_input(struct ifnet *ifp, struct mbuf *m);
/* if_output for Ethernet and loopback: prepends the header, resolving nexthop with ARP (the
 * packet may wait on the ARP entry's hold queue), and calls if_transmit.  Consumes m;
 * returns 0 (sent or queued for resolution) or -errno (-EHOSTUNREACH: entry failed). */
int ether_output(struct ifnet *ifp, struct mbuf *m, ipaddr_t nexthop, unsigned mflags);
/* Prepends an Ethernet header (dst, our MAC, type) and calls if_transmit.  Consumes m. */
int ether_output_frame(struct ifnet *ifp, struct mbuf *m, const uint8_t dst[ETHER_ADDR_LEN],
    uint16_t type);
/* ether_output for an IP datagram whose neighbour ip_output's path cache resolved already
 * (route.h): prepends the cached header hdr (ETHER_HDR_LEN bytes, type IP), keeps the ARP
 * entry lle most recently used, and calls if_transmit.  Consumes m. */
int ether_output_resolved(struct ifnet *ifp, struct mbuf *m, const uint8_t *hdr, void *lle);

/* Ethernet statistics group "ether" (see net_stats.h). */
#define ETHERSTAT_LIST(X) \
	X(ipackets, "frames received") \
	X(tooshort, "frames shorter than an Ethernet header") \
	X(toolong, "frames longer than the MTU allows") \
	X(notforus, "frames for another station dropped") \
	X(promisc, "frames for another station seen in promiscuous mode") \
	X(bcast, "broadcast frames received") \
	X(mcast, "multicast frames received") \
	X(badsrc, "frames with a broadcast or multicast source dropped") \
	X(ownsrc, "frames with our own source address dropped") \
	X(noproto, "frames of an unsupported ethertype") \
	X(down, "frames received on a down interface") \
	X(opackets, "frames sent") \
	X(odown, "frames not sent: interface down") \
	X(oqfull, "frames not sent: transmit queue full") \
	X(onobufs, "frames not sent: no buffers")
struct etherstat { ETHERSTAT_LIST(NET_STAT_FIELD) };

/* ---- ARP ---- */
#define ARPHRD_ETHER   1
#define ARPOP_REQUEST  1
#define ARPOP_REPLY    2
#define ARP_PKT_LEN    28       /* Ethernet/IPv4 ARP packet */

/* Tunables (per instance, in ns->ns_conf). */
#define ARP_DEF_MAXENTRIES   512
#define ARP_DEF_HOLDLEN      64          /* packets held per unresolved entry: a 64 KiB
                                            datagram is 45 fragments at MTU 1500 */
#define ARP_DEF_MAXTRIES     5           /* requests before an entry fails */
#define ARP_DEF_RETRY_NS     1000000000ull  /* RFC 1122 2.3.2.1: at most one request/s per
                                               destination */
#define ARP_DEF_REACHABLE_NS (1200ull * 1000000000ull)  /* 20 min ageing of resolved entries */
#define ARP_DEF_FAILED_NS    (20ull * 1000000000ull)    /* how long a failed entry answers
                                                            EHOSTUNREACH before retrying */

/* ARP entry states. */
#define ARPS_INCOMPLETE 1       /* request sent, waiting for a reply; packets held */
#define ARPS_REACHABLE  2       /* resolved */
#define ARPS_FAILED     3       /* no answer after the retries */
#define ARPS_STATIC     4       /* configured; never ages */

/* What arp_foreach reports (SIOCGARP, `arp -a`). */
struct arp_info {
	ipaddr_t ai_addr;
	uint8_t ai_hwaddr[ETHER_ADDR_LEN];
	unsigned ai_state;
	unsigned ai_ifindex;
	uint64_t ai_expire_ns;      /* 0 for static */
	uint32_t ai_held;           /* packets waiting */
};

void arp_input(struct ifnet *ifp, struct mbuf *m);   /* m starts at the ARP packet; consumed */
/* Resolves nexthop on ifp.  Returns 0 with mac filled; or takes m onto the entry's hold queue
 * (oldest dropped when full) and returns -EINPROGRESS (m consumed); or -EHOSTUNREACH (entry
 * failed; m NOT consumed: the caller frees it).  -ENOBUFS: no entry could be made (m not
 * consumed). */
int arp_resolve(struct ifnet *ifp, ipaddr_t nexthop, struct mbuf *m, uint8_t mac[ETHER_ADDR_LEN]);
/* The resolved address of nexthop on ifp without side effects: 0 with mac and *lle (the
 * entry, for arp_touch) filled when a reachable or static entry exists, else -ENOENT.  Every
 * change of an entry's address or state and every removal bumps ns->ns_llgen, which is how
 * a holder of *lle knows it is still the same. */
int arp_resolved(struct ifnet *ifp, ipaddr_t nexthop, uint8_t mac[ETHER_ADDR_LEN], void **lle);
/* The start of the ARP table (if_arp.c's struct arptab begins with it): the most recently
 * used entry, which arp_touch leaves where it is without a call. */
struct arptab_head {
	struct llentry *ah_lru_head;
};
void arp_touch_move(struct netstack *ns, void *lle);
/* Marks an entry from arp_resolved (still valid: ns_llgen unchanged) as just used, as
 * arp_resolve does, for the eviction order.  (The entry every frame of a busy flow touches
 * is the most recent already: one comparison.  A macro: struct netstack is complete where
 * it is used, not here.) */
#define arp_touch(ns, lle) do {                                                         \
		struct netstack *arp_ns_ = (ns);                                            \
		void *arp_lle_ = (lle);                                                     \
		if (((const struct arptab_head *)(const void *)arp_ns_->ns_arp)->ah_lru_head != \
		    arp_lle_)                                                               \
			arp_touch_move(arp_ns_, arp_lle_);                                  \
	} while (0)
/* Static entries (`arp -s`): 0, -EINVAL, -ENOMEM. */
int arp_add_static(struct netstack *ns, struct ifnet *ifp, ipaddr_t a,
    const uint8_t mac[ETHER_ADDR_LEN]);
/* Deletes any entry for a (held packets freed); 0 or -ENOENT. */
int arp_delete(struct netstack *ns, ipaddr_t a);
/* Looks up without side effects: 0 and *out filled, or -ENOENT. */
int arp_lookup(struct netstack *ns, ipaddr_t a, struct arp_info *out);
void arp_foreach(struct netstack *ns, void (*fn)(void *arg, const struct arp_info *ai), void *arg);
/* Sends a gratuitous ARP announcement for a (RFC 5227 2.3: sender and target IP both a). */
void arp_announce(struct ifnet *ifp, ipaddr_t a);
/* Announces a newly configured address: one announcement now and a second 2 s later
 * (RFC 5227 2.3 ANNOUNCE_NUM/ANNOUNCE_INTERVAL). */
void arp_announce_start(struct ifnet *ifp, ipaddr_t a);
/* Flushes every dynamic entry of ifp (interface down / detach), freeing held packets; with
 * ifp NULL, of every interface. */
void arp_flush(struct netstack *ns, struct ifnet *ifp);

#define ARPSTAT_LIST(X) \
	X(received, "ARP packets received") \
	X(tooshort, "ARP packets too short") \
	X(badformat, "ARP packets with a bad hardware/protocol type or length") \
	X(badop, "ARP packets with an unknown opcode") \
	X(badaddr, "ARP packets with a broadcast/multicast sender or martian address") \
	X(notforus, "ARP requests for another host") \
	X(rxrequests, "requests received") \
	X(rxreplies, "replies received") \
	X(txrequests, "requests sent") \
	X(txreplies, "replies sent") \
	X(txannounce, "gratuitous announcements sent") \
	X(conflicts, "address conflicts detected (RFC 5227)") \
	X(updates, "entries updated from received packets") \
	X(created, "entries created") \
	X(evicted, "entries evicted at the cap") \
	X(timeouts, "resolutions failed after all retries") \
	X(expired, "resolved entries aged out") \
	X(held, "packets held awaiting resolution") \
	X(holddrops, "held packets dropped: hold queue full") \
	X(faileddrops, "packets dropped: destination unresolved") \
	X(ratelimited, "requests suppressed by the rate limit") \
	X(nomem, "entries not created: no memory") \
	X(staticset, "static entries configured")
struct arpstat { ARPSTAT_LIST(NET_STAT_FIELD) };

#endif
