/* The IPv4 routing table: longest-prefix match over connected routes (from interface
 * addresses), host routes, static routes and a default gateway, each with an optional MTU.
 *
 * Structure: one small hash table per prefix length, and a bitmap of the lengths in use;
 * a lookup probes the lengths present from /32 down, so its cost is bounded by 33 probes
 * whatever the number of routes.  Every change bumps ns->ns_rtgen, which invalidates the
 * route caches (struct route) held by sockets.  Net lock held for all.
 */
#ifndef NET_ROUTE_H
#define NET_ROUTE_H
#include <stdint.h>
#include <stdbool.h>
#include <stos/ioctl.h>

struct netstack;
struct ifnet;
typedef uint32_t ipaddr_t;

/* RTF_UP, RTF_GATEWAY (reach through rt_gateway), RTF_HOST (/32), RTF_MTU come from the
 * Linux ABI (<stos/ioctl.h>, SIOCADDRT); the rest are the stack's own. */
#ifndef RTF_REJECT
#define RTF_REJECT    0x0200u   /* answer EHOSTUNREACH / ICMP unreachable */
#endif
#define RTF_STATIC    0x0800u   /* added by configuration */
#define RTF_CONNECTED 0x1000u   /* derived from an interface address */
#define RTF_LOCAL     0x2000u   /* one of our addresses: delivered through loopback */
#define RTF_PMTU      0x4000u   /* host route holding a learnt path MTU (RFC 1191), expires */

struct rt_entry {
	struct rt_entry *rt_next;    /* hash chain */
	ipaddr_t rt_dst;            /* network (dst & mask) */
	ipaddr_t rt_mask;
	uint8_t rt_plen;
	ipaddr_t rt_gateway;        /* RTF_GATEWAY only */
	struct ifnet *rt_ifp;
	uint32_t rt_mtu;            /* 0: the interface MTU */
	uint32_t rt_flags;
	uint64_t rt_use;            /* lookups that chose it */
	uint64_t rt_expire;         /* RTF_PMTU: when to forget it (net_now clock); 0 = never */
};

/* A cached route (one per socket).  Valid while ro_gen == ns->ns_rtgen and ro_dst matches.
 *
 * It also holds ip_output's resolved path toward ro_dst (ip_output.c, "the path cache"):
 * once a datagram has gone out through the full route/source/broadcast/ARP checks to a
 * resolved unicast Ethernet neighbour, the outcome (interface, MTU, the Ethernet header
 * with the neighbour's address, the IP ID bucket) is kept, so the next datagram with the
 * same source, destination and protocol goes straight to the interface.  It is valid while
 * ro_pifp is set, the route part is (every route, interface address, MTU or up/down change
 * bumps ns_rtgen; refreshing the route part clears ro_pifp) and ro_llgen == ns->ns_llgen
 * (every ARP entry change bumps it). */
struct route {
	ipaddr_t ro_dst;
	uint32_t ro_gen;
	struct rt_entry *ro_rt;
	struct ifnet *ro_pifp;      /* the path's interface; NULL: no path */
	void *ro_lle;               /* its ARP entry (kept most recently used) */
	ipaddr_t ro_psrc;           /* the source address the path was checked for */
	uint32_t ro_llgen;          /* ns_llgen when resolved */
	uint16_t ro_pmtu;           /* the path MTU (route MTU, else the interface's) */
	uint16_t ro_idbucket;       /* ip_id_bucket(src, dst, proto) */
	uint8_t ro_pproto;          /* the protocol the ID bucket is for */
	uint8_t ro_llhdr[14];       /* Ethernet header: neighbour, our address, ETHERTYPE_IP */
};

/* Adds a route.  gw 0 means on-link through ifp; ifp NULL with a gateway means "the interface
 * whose subnet holds gw".  0, -EEXIST, -EINVAL (bad plen, unreachable gateway), -ENOMEM. */
int rt_add(struct netstack *ns, ipaddr_t dst, unsigned plen, ipaddr_t gw, struct ifnet *ifp,
    uint32_t mtu, uint32_t flags);
/* Deletes the route with exactly dst/plen; 0 or -ESRCH. */
int rt_del(struct netstack *ns, ipaddr_t dst, unsigned plen);
/* Longest-prefix match, or NULL. */
struct rt_entry *rt_lookup(struct netstack *ns, ipaddr_t dst);
/* The route with exactly dst/plen, or NULL. */
struct rt_entry *rt_lookup_exact(struct netstack *ns, ipaddr_t dst, unsigned plen);
/* rt_lookup through a cache. */
struct rt_entry *rt_lookup_cached(struct netstack *ns, struct route *ro, ipaddr_t dst);
/* Removes every route through ifp (detach, address removal does its own). */
void rt_flush_ifp(struct netstack *ns, struct ifnet *ifp);
/* Visits every route (for `route` / `netstat -r`), longest prefixes first. */
void rt_foreach(struct netstack *ns, void (*fn)(void *arg, const struct rt_entry *rt), void *arg);
/* The MTU to use toward dst (route MTU, else interface MTU), or 0 when unroutable. */
uint32_t rt_mtu(struct netstack *ns, ipaddr_t dst);
/* RFC 1191 6.3: remembers a smaller path MTU toward dst (from ICMP fragmentation needed) as
 * a host route cloned from the current route, forgotten after RT_PMTU_EXPIRE_NS.  Ignores
 * values below 68 or not smaller than what is known.  Returns 0 or -errno. */
#define RT_PMTU_EXPIRE_NS (600ull * 1000000000ull)   /* RFC 1191 6.3: 10 minutes */
int rt_pmtu_update(struct netstack *ns, ipaddr_t dst, uint32_t mtu);

#endif
