/* Internet protocol control blocks: the addressing half of a UDP, TCP or raw IP socket.
 *
 * An inpcb holds the local and foreign address and port of one endpoint.  Each protocol owns
 * one struct inpcbinfo per instance (UDP's, TCP's, raw IP's), holding two hash tables:
 *  - the lookup hash, keyed by the pcb's current 4-tuple (laddr, lport, faddr, fport) with
 *    zeros for what is unset, so demultiplexing is O(1): the exact 4-tuple first, then the
 *    wildcard listeners (laddr, lport, 0, 0) and (0, lport, 0, 0);
 *  - the port hash, keyed by lport, for bind conflict checks and ephemeral port choice;
 *  - the unconnected-port hash: the same, holding only pcbs without a foreign address
 *    (listeners, bound sockets), so choosing an ephemeral port for a connection looks at
 *    those and at one exact 4-tuple, never at the connections sharing that port.
 * Hashes are keyed with a per-instance random secret, so remote hosts cannot aim at a chain.
 *
 * Scale: a table doubles when it holds more pcbs than buckets (load factor 1), so chains stay
 * short from ten to a million connections.  The doubling is incremental (linear-hashing
 * style): the old table is kept and every insert or removal moves a few of its buckets into
 * the new one, so no single segment or connect pays for rehashing every pcb.  While both
 * exist, a key whose old bucket has not moved yet is in the old table, else in the new; a
 * lookup still probes exactly one chain.  Counters (ipi_lookups, ipi_visits) let tests and
 * benchmarks check the chain length a lookup walks, which must not grow with the table.
 * Raw IP pcbs (no ports) are only on the pcbinfo's list (ipi_all).
 *
 * Addresses and ports in an inpcb are HOST order (ipaddr_t, as everywhere inside net/); the
 * sockaddr_in at the socket boundary is network order, converted here.
 *
 * Bind rules (Linux's): a port is in use by another pcb when their local addresses overlap
 * (equal, or either is INADDR_ANY), unless both sockets set SO_REUSEADDR and the other is not
 * listening, or both set SO_REUSEPORT.  An unprivileged-port check is not made (no users).
 *
 * Ephemeral ports (RFC 6056): when the foreign address is known (connect), algorithm 4
 * ("double-hash port selection": a keyed hash of the 3-tuple picks an offset, a second hash
 * picks one of a table of per-bucket increments); when it is not (bind to port 0, or a send
 * on an unbound UDP socket), algorithm 1 (a random start, then a linear search).  The range
 * is Linux's default 32768-60999.
 *
 * All functions: net lock held.  Errors are negative Linux errno values.
 */
#ifndef NET_IN_PCB_H
#define NET_IN_PCB_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stos/types.h>
#include "socketvar.h"
#include "route.h"
#include "netstack.h"

struct netstack;
struct socket;
struct sockaddr;
struct sockaddr_storage;

typedef uint32_t ipaddr_t;      /* host order (same typedef as net/ip_var.h) */

#define IPPORT_EPHEMERAL_FIRST 32768
#define IPPORT_EPHEMERAL_LAST  60999

/* inp_flags */
#define INP_HDRINCL    0x0001u  /* raw: the user supplies the IP header (IP_HDRINCL) */
#define INP_INLOOKUP   0x0002u  /* on the lookup hash */
#define INP_INPORT     0x0004u  /* on the port hash */
#define INP_REUSEADDR  0x0008u  /* SO_REUSEADDR, kept for pcbs that outlive their socket */
#define INP_REUSEPORT  0x0010u  /* SO_REUSEPORT, likewise */
#define INP_LISTEN     0x0020u  /* listening: SO_REUSEADDR does not share its port */
#define INP_TIMEWAIT   0x0040u  /* TCP TIME-WAIT (socket gone): may be reused, see bind rules */
#define INP_ANONPORT   0x0080u  /* the local port was chosen by the stack */
#define INP_DROPPED    0x0100u  /* being torn down; lookups skip it */
#define INP_INBIND     0x0200u  /* on the unconnected-port hash */

struct inpcbinfo;

/* A hash chain link; pprev points at the previous link's next or at the bucket head. */
struct inp_hlink {
	struct inpcb *next;
	struct inpcb **pprev;
	uint32_t hash;                  /* the full key hash (bucket = hash & mask) */
};

/* A growable chained hash table of pcbs (see "Scale" above). */
struct inp_htab {
	struct inpcb **ih_b;            /* buckets */
	uint32_t ih_mask;               /* buckets - 1 (power of two) */
	uint32_t ih_max;                /* largest bucket count it may grow to */
	struct inpcb **ih_old;          /* the table before the last doubling, while migrating */
	uint32_t ih_oldmask;
	uint32_t ih_moved;              /* old buckets already migrated */
	uint32_t ih_count;              /* pcbs in the table */
	size_t ih_link;                 /* offsetof(struct inpcb, the struct inp_hlink used) */
	uint32_t ih_grows;              /* doublings done */
	uint32_t ih_grow_fail;          /* doublings skipped for lack of memory */
};

struct inpcb {
	struct inp_hlink inp_lh;        /* lookup hash chain */
	struct inp_hlink inp_ph;        /* port hash chain */
	struct inp_hlink inp_bh;        /* unconnected-port hash chain */
	struct inpcb *inp_anext, **inp_apprev;  /* ipi_all list */
	struct inpcbinfo *inp_pcbinfo;
	struct socket *inp_socket;      /* NULL once the socket is gone (TCP TIME-WAIT) */
	void *inp_ppcb;                 /* the protocol's own block (struct tcpcb) */
	ipaddr_t inp_laddr, inp_faddr;  /* host order; 0 = unset / wildcard */
	ipaddr_t inp_bladdr;            /* the local address bind() set (laddr after disconnect) */
	uint16_t inp_lport, inp_fport;  /* host order; 0 = unset */
	unsigned inp_flags;             /* INP_* */
	int inp_ip_ttl;                 /* IP_TTL, -1 = the instance default */
	int inp_ip_tos;                 /* IP_TOS */
	int inp_ip_p;                   /* raw IP: protocol to match and send (0 = any) */
	int inp_pmtudisc;               /* IP_MTU_DISCOVER value (DF on output unless DONT) */
	uint32_t inp_icmp_filter;       /* raw ICMP: ICMP_FILTER bitmap of types to drop */
	struct route inp_route;         /* cached route toward inp_faddr (or the last dest) */
};

struct inpcbinfo {
	struct netstack *ipi_ns;
	const char *ipi_name;           /* "udp", "tcp", "raw" (logs) */
	struct inp_htab ipi_lookup;     /* by 4-tuple */
	struct inp_htab ipi_porthash;   /* by local port */
	struct inp_htab ipi_bindhash;   /* by local port, unconnected pcbs only */
	uint64_t ipi_key[2];            /* hash secret */
	struct inpcb *ipi_all;          /* every pcb */
	uint32_t ipi_count;             /* pcbs allocated */
	uint32_t ipi_limit;             /* most pcbs at once (0 = no limit), see ipi_reclaim */
	/* Called when a pcb cannot be had (the limit is reached or memory ran out) to free one
	 * that may be given up (TCP: the oldest TIME-WAIT connection); returns true if it freed
	 * one.  NULL: none is ever reclaimed. */
	bool (*ipi_reclaim)(struct inpcbinfo *info);
	uint32_t ipi_limited;           /* allocations refused: limit reached, nothing to reclaim */
	/* Structural counters (deterministic; tests and benchmarks assert them). */
	uint64_t ipi_lookups;           /* hash probes (in_pcblookup makes one to three) */
	uint64_t ipi_visits;            /* chain entries examined by those probes */
	uint64_t ipi_eph_tries;         /* ephemeral ports considered by connect/bind */
	uint64_t ipi_eph_visits;        /* port-chain entries examined for them */
	uint64_t ipi_lasthits;          /* lookups answered by ipi_last (counted in both above) */
	/* in_pcblookup's last exact 4-tuple answer: a bulk transfer's segments come in runs for
	 * one connection.  Forgotten whenever the lookup table gains or loses an entry, so it is
	 * always what the probe would find (see in_pcblookup). */
	struct inpcb *ipi_last;
	/* RFC 6056 algorithm 4 state */
	uint64_t ipi_eph_key[2];
	uint16_t ipi_eph_table[256];
};

/* Sets up (buckets: the initial size, rounded up to a power of two; tables grow from there)
 * / tears down a pcbinfo.  Returns 0 or -ENOMEM. */
int in_pcbinfo_init(struct inpcbinfo *info, struct netstack *ns, const char *name,
    uint32_t buckets);
void in_pcbinfo_fini(struct inpcbinfo *info);

/* Creates a pcb for so (so->so_pcb = it, inp_socket = so) on info's list.  When ipi_limit
 * pcbs exist or memory is short, asks ipi_reclaim to free one first.  0, -ENOBUFS (the limit,
 * nothing reclaimable) or -ENOMEM. */
int in_pcballoc(struct socket *so, struct inpcbinfo *info);
/* Unhashes and frees the pcb; clears so->so_pcb of its socket, if any. */
void in_pcbfree(struct inpcb *inp);
/* Detaches the pcb from its socket (so_pcb = NULL, inp_socket = NULL) keeping its port and
 * copying SO_REUSEADDR/SO_REUSEPORT into inp_flags for later bind checks (TCP TIME-WAIT). */
void in_pcb_orphan(struct inpcb *inp);

/* bind(): nam NULL (or port 0) picks an ephemeral port.  Checks family/length (-EINVAL,
 * -EAFNOSUPPORT), that a given address is local or broadcast-capable (-EADDRNOTAVAIL), the
 * bind rules (-EADDRINUSE), that the pcb is not already bound (-EINVAL). */
int in_pcbbind(struct inpcb *inp, const struct sockaddr *nam, socklen_t len);
/* connect(): sets the foreign address; binds first if needed (local address from the route
 * to the destination, port by RFC 6056 algorithm 4 with the 4-tuple unique).  Errors:
 * -EINVAL / -EAFNOSUPPORT (bad address), -ENETUNREACH (no route), -EADDRINUSE (the 4-tuple
 * is taken), -EADDRNOTAVAIL (no ephemeral port left or foreign port 0). */
int in_pcbconnect(struct inpcb *inp, const struct sockaddr *nam, socklen_t len);
/* Same, from host-order values (TCP, UDP's implicit send path). */
int in_pcbconnect_addr(struct inpcb *inp, ipaddr_t faddr, uint16_t fport);
/* Forgets the foreign address (laddr reverts to what bind set). */
void in_pcbdisconnect(struct inpcb *inp);
/* For a connection born on a listener (TCP accept): sets the whole 4-tuple without bind
 * checks (the listener owns the port) and hashes it.  -EADDRINUSE if the exact 4-tuple is
 * already hashed. */
int in_pcbsetconn(struct inpcb *inp, ipaddr_t laddr, uint16_t lport, ipaddr_t faddr,
    uint16_t fport);
/* Re-hashes after the caller changed fields itself. */
void in_pcbrehash(struct inpcb *inp);

/* Demultiplexing: the exact 4-tuple (host order), else with wildcard true the best listener
 * or unconnected pcb on lport (laddr match before INADDR_ANY).  NULL if none. */
#define INPLOOKUP_WILDCARD 1
struct inpcb *in_pcblookup_hash(struct inpcbinfo *info, ipaddr_t faddr, uint16_t fport,
    ipaddr_t laddr, uint16_t lport, int flags);
/* ipi_last answers first when it is the same 4-tuple again (see in_pcblookup_hash, in_pcb.c,
 * for why that is always the probe's answer); inline, since nearly every segment of a bulk
 * transfer is answered so. */
static inline struct inpcb *in_pcblookup(struct inpcbinfo *info, ipaddr_t faddr,
    uint16_t fport, ipaddr_t laddr, uint16_t lport, int flags)
{
	struct inpcb *p = info->ipi_last;
	if (p && p->inp_faddr == faddr && p->inp_fport == fport && p->inp_laddr == laddr &&
	    p->inp_lport == lport && !(p->inp_flags & INP_DROPPED)) {
		info->ipi_lookups++;
		info->ipi_visits++;
		info->ipi_lasthits++;
		return p;
	}
	return in_pcblookup_hash(info, faddr, fport, laddr, lport, flags);
}
/* Calls fn for every pcb on lport whose local address matches laddr (or is INADDR_ANY, or
 * laddr is INADDR_ANY) — UDP broadcast delivery.  fn returns false to stop. */
void in_pcb_foreach_port(struct inpcbinfo *info, uint16_t lport, ipaddr_t laddr,
    bool (*fn)(struct inpcb *, void *), void *arg);
/* Calls fn for every pcb (netstat, raw input).  fn returns false to stop. */
void in_pcb_foreach(struct inpcbinfo *info, bool (*fn)(struct inpcb *, void *), void *arg);

/* The longest chain in the lookup hash (tests and benchmarks; walks every bucket). */
uint32_t in_pcbinfo_maxchain(const struct inpcbinfo *info);

/* getsockname / getpeername as sockaddr_in. */
void in_pcb_sockaddr(const struct inpcb *inp, struct sockaddr_storage *nam, socklen_t *len);
void in_pcb_peeraddr(const struct inpcb *inp, struct sockaddr_storage *nam, socklen_t *len);
/* Parses a sockaddr_in (Linux rules: len >= sizeof(struct sockaddr_in) else -EINVAL, family
 * AF_INET else -EAFNOSUPPORT, or AF_UNSPEC when allow_unspec).  Host-order out. */
int in_sockaddr_parse(const struct sockaddr *nam, socklen_t len, bool allow_unspec,
    ipaddr_t *addr, uint16_t *port);
/* Builds a sockaddr_in from host-order values. */
void in_sockaddr_make(struct sockaddr_storage *nam, socklen_t *len, ipaddr_t addr,
    uint16_t port);

/* IPPROTO_IP-level options shared by UDP, raw IP and TCP (IP_TTL, IP_TOS, IP_HDRINCL for
 * raw, IP_MTU_DISCOVER).  Protocols call it from their pr_ctloutput for level SOL_IP. */
int in_pcb_ctloutput(struct socket *so, int op, int name, void *val, socklen_t *len);
/* The TTL to send with: inp_ip_ttl or the instance default.  Inline: every TCP segment
 * and UDP datagram sent asks. */
static inline int in_pcb_ttl(const struct inpcb *inp)
{
	if (inp->inp_ip_ttl > 0)
		return inp->inp_ip_ttl;
	return inp->inp_pcbinfo->ipi_ns->ns_conf.ip_defttl ?
	    inp->inp_pcbinfo->ipi_ns->ns_conf.ip_defttl : IP_DEFTTL;
}

static inline struct inpcb *sotoinpcb(const struct socket *so)
{
	return (struct inpcb *)so->so_pcb;
}

#endif
