/* Statistics: one counter per drop reason and per protocol event, readable by name.
 *
 * Each protocol keeps a struct of uint64_t counters generated from an X-macro list, e.g.
 *     #define UDPSTAT_LIST(X) X(ipackets, "datagrams received") X(hdrops, "...") ...
 *     struct udpstat { UDPSTAT_LIST(NET_STAT_FIELD) };
 *     static const struct net_statdesc udpstat_desc[] = { UDPSTAT_LIST(NET_STAT_DESC) };
 * and registers it once per instance with net_stats_register(ns, "udp", udpstat_desc,
 * NET_ARRAY_LEN(udpstat_desc), &stats).  `netstat -s` walks every group with
 * net_stats_foreach; tests read one counter with net_stat_get(ns, "ip", "badsum").
 * Counters only grow; they are updated under the net lock.
 */
#ifndef NET_NET_STATS_H
#define NET_NET_STATS_H
#include <stdint.h>

struct netstack;

struct net_statdesc {
	const char *name;           /* C identifier, e.g. "badsum" */
	const char *desc;           /* what netstat -s prints, e.g. "bad header checksums" */
};
#define NET_STAT_FIELD(name, desc) uint64_t name;
#define NET_STAT_DESC(name, desc) { #name, desc },

#define NET_MAX_STATGROUPS 16
struct net_statgroup {
	const char *ng_name;        /* "ip", "icmp", "arp", "ether", "udp", "tcp", ... */
	const struct net_statdesc *ng_desc;
	unsigned ng_n;
	const uint64_t *ng_counters; /* ng_n counters, in desc order (a struct of uint64_t) */
};

/* Registers a group; returns 0, or -ENOSPC when NET_MAX_STATGROUPS are taken.  The desc
 * array and the counters must live as long as the instance. */
int net_stats_register(struct netstack *ns, const char *group, const struct net_statdesc *desc,
    unsigned n, const void *counters);
/* Calls fn for every counter of every group, in registration order. */
void net_stats_foreach(struct netstack *ns,
    void (*fn)(void *arg, const char *group, const char *name, const char *desc, uint64_t v),
    void *arg);
/* One counter by group and name; UINT64_MAX when no such counter exists. */
uint64_t net_stat_get(struct netstack *ns, const char *group, const char *name);

#endif
