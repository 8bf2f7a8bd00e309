/* Internet protocol control blocks: the addressing half of a UDP, TCP or raw IP socket.
 *
 * An inpcb holds the local and foreign address and port of one endpoint.  Each protocol owns
 * one struct inpcbinfo per instance (UDP's, TCP's, raw IP's), holding two hash tables:
 *  - the lookup hash, keyed by the pcb's current 4-tuple (laddr, lport, faddr, fport) with
 *    zeros for what is unset, so demultiplexing is O(1): the exact 4-tuple first, then the
 *    wildcard listeners (laddr, lport, 0, 0) and (0, lport, 0, 0);
 *  - the port hash, keyed by lport, for bind conflict checks and ephemeral port choice.
 * Hashes are keyed with a per-instance random secret, so remote hosts cannot aim at a chain.
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

struct inpcbinfo;

struct inpcb {
	struct inpcb *inp_lnext, **inp_lpprev;  /* lookup hash chain */
	struct inpcb *inp_pnext, **inp_ppprev;  /* port hash chain */
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
	uint32_t inp_lookup_hash;       /* cached hash of the 4-tuple when on the lookup hash */
	struct route inp_route;         /* cached route toward inp_faddr (or the last dest) */
};

struct inpcbinfo {
	struct netstack *ipi_ns;
	const char *ipi_name;           /* "udp", "tcp", "raw" (logs) */
	struct inpcb **ipi_lookup;      /* lookup hash buckets */
	struct inpcb **ipi_porthash;    /* port hash buckets */
	uint32_t ipi_mask;              /* buckets - 1 (power of two) */
	uint64_t ipi_key[2];            /* hash secret */
	struct inpcb *ipi_all;          /* every pcb */
	uint32_t ipi_count;             /* pcbs allocated */
	/* RFC 6056 algorithm 4 state */
	uint64_t ipi_eph_key[2];
	uint16_t ipi_eph_table[256];
};

/* Sets up (buckets rounded up to a power of two) / tears down a pcbinfo.  fini requires
 * that every pcb was freed.  Returns 0 or -ENOMEM. */
int in_pcbinfo_init(struct inpcbinfo *info, struct netstack *ns, const char *name,
    uint32_t buckets);
void in_pcbinfo_fini(struct inpcbinfo *info);

/* Creates a pcb for so (so->so_pcb = it, inp_socket = so) on info's list.  0 or -ENOMEM. */
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
struct inpcb *in_pcblookup(struct inpcbinfo *info, ipaddr_t faddr, uint16_t fport,
    ipaddr_t laddr, uint16_t lport, int flags);
/* Calls fn for every pcb on lport whose local address matches laddr (or is INADDR_ANY, or
 * laddr is INADDR_ANY) — UDP broadcast delivery.  fn returns false to stop. */
void in_pcb_foreach_port(struct inpcbinfo *info, uint16_t lport, ipaddr_t laddr,
    bool (*fn)(struct inpcb *, void *), void *arg);
/* Calls fn for every pcb (netstat, raw input).  fn returns false to stop. */
void in_pcb_foreach(struct inpcbinfo *info, bool (*fn)(struct inpcb *, void *), void *arg);

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
/* The TTL to send with: inp_ip_ttl or the instance default. */
int in_pcb_ttl(const struct inpcb *inp);

static inline struct inpcb *sotoinpcb(const struct socket *so)
{
	return (struct inpcb *)so->so_pcb;
}

#endif
