/* IPv4 inside the stack: what transports use (ip_output, protocol registration, source
 * selection, path MTU, IP IDs), how ip_input hands them datagrams, and the IP statistics.
 *
 * Addresses are host-order ipaddr_t everywhere in net/ (sockaddr_in keeps network order and
 * is converted at the socket boundary).  All functions need the net lock.
 */
#ifndef NET_IP_VAR_H
#define NET_IP_VAR_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "mbuf.h"
#include "route.h"
#include "net_stats.h"
#include <stos/in.h>

struct netstack;
struct ifnet;
typedef uint32_t ipaddr_t;      /* IPv4 address, host byte order */

#define IP_DEFTTL 64
#define INADDR_BROADCAST_H 0xffffffffu  /* limited broadcast, host order */
#define IN_LOOPBACKNET 127
static inline bool in_isloopback(ipaddr_t a) { return (a >> 24) == IN_LOOPBACKNET; }
static inline bool in_ismulticast(ipaddr_t a) { return (a >> 28) == 0xe; }
static inline bool in_isexperimental(ipaddr_t a) { return (a >> 28) == 0xf; }
static inline ipaddr_t in_plen2mask(unsigned plen) { return plen ? ~0u << (32 - plen) : 0; }

/* How IP reaches transports (the signatures of protosw.h's pr_input / pr_ctlinput, so the
 * socket layer's protosw_register can register them here directly).
 *
 * ip_input_fn gets m starting at the IP header (iphlen bytes contiguous, header validated,
 * link padding trimmed: m_pkthdr.len == the IP total length) and consumes m on every path; it
 * calls icmp_error(ns, m, ...) for port unreachable (the header is intact for that).
 * ip_ctlinput_fn gets an ICMP error about a datagram this protocol sent: type and code as
 * received, info = next-hop MTU for fragmentation needed (RFC 1191) else 0, and the quoted
 * bytes (the offending IP header and at least 8 bytes past it), borrowed. */
typedef void (*ip_input_fn)(struct netstack *ns, struct mbuf *m, int iphlen);
typedef void (*ip_ctlinput_fn)(struct netstack *ns, int icmp_type, int icmp_code, uint32_t info,
    const uint8_t *quoted, size_t qlen);
struct ipproto {
	ip_input_fn pr_input;           /* NULL: protocol unreachable */
	ip_ctlinput_fn pr_ctlinput;     /* NULL: ICMP errors are dropped */
};
/* Registers the handlers for IP protocol number proto (ICMP is built in and cannot be
 * replaced).  0, -EEXIST (taken), -EINVAL (ICMP). */
int ip_proto_register(struct netstack *ns, uint8_t proto, ip_input_fn in, ip_ctlinput_fn ctl);
void ip_proto_unregister(struct netstack *ns, uint8_t proto);

/* Raw IP sockets (raw_ip_deliver has this shape): ip_input offers every datagram addressed to
 * this host (after reassembly, before the transport, ICMP included) to this hook, which
 * borrows m (it copies what it keeps) and returns how many sockets took a copy.  A protocol
 * with no transport that a raw socket took gets no ICMP protocol unreachable (RFC 1122
 * 3.2.2.1).  NULL = none: raw_ip.c sets it while at least one raw socket exists, so a
 * host without one pays nothing per datagram. */
typedef int (*ip_rawinput_fn)(struct netstack *ns, const struct mbuf *m, int iphlen);
void ip_set_rawinput(struct netstack *ns, ip_rawinput_fn fn);

/* What a transport asks of ip_output (host order). */
struct ip_out {
	ipaddr_t src;               /* 0: the primary address of the outgoing interface */
	ipaddr_t dst;
	uint8_t proto;
	uint8_t tos;
	uint8_t ttl;                /* 0: ns default (64) */
	uint8_t optlen;             /* bytes of options, a multiple of 4, <= 40 */
	const uint8_t *opts;        /* IP options (IP_OPTIONS), copied into the header */
};
/* ip_output flags */
#define IP_FORWARDING     0x01u /* m is a received datagram being forwarded (internal) */
#define IP_RAWOUTPUT      0x02u /* m already starts with a complete IP header (IP_HDRINCL):
                                   p is ignored; id 0 is filled in; the checksum is computed */
#define IP_ALLOWBROADCAST 0x04u /* SO_BROADCAST: sending to a broadcast address is allowed */
#define IP_ROUTETOIF      0x08u /* SO_DONTROUTE: only on-link destinations, no gateway */
#define IP_DF             0x10u /* set Don't Fragment; a datagram over the MTU: -EMSGSIZE */

/* Sends m (the transport header and payload; or a whole datagram with IP_RAWOUTPUT):
 * prepends the IPv4 header, chooses the route (through ro when given, refreshing it),
 * the source and the IP ID, fragments to the path MTU unless DF, and hands the result to
 * the interface.  Consumes m on every path.  Returns 0, or -ENETUNREACH / -EHOSTUNREACH (no
 * route), -EACCES (broadcast without IP_ALLOWBROADCAST), -EMSGSIZE (DF and too big, or over
 * 65535), -EADDRNOTAVAIL (src not ours), -ENOBUFS, -ENETDOWN, -EINVAL (bad options). */
int ip_output(struct netstack *ns, struct mbuf *m, const struct ip_out *p, struct route *ro,
    unsigned flags);

/* A transport's direct output of a TCP segment it built whole into one mbuf (tcp_output's
 * pure ACK).  m is one mbuf with ETHER_HDR_LEN + IP_HDR_MIN bytes of room, then the TCP
 * header (l4len bytes, the pseudo-header sum in its checksum field, CSUM_TCP set), then
 * zeros up to ETHER_MIN_LEN.  When ro's path cache (ip_output.c) is valid for a datagram
 * from p with `flags`, i.e. when ip_output would take its path, sends m as ip_output would:
 * writes the Ethernet and IP headers, does the checksums the interface cannot, counts as
 * ip_output's path does and hands m to if_transmit (taps included), consuming m; returns
 * if_transmit's result.  Otherwise returns IP_DIRECT_NO and m is the caller's still. */
#define IP_DIRECT_NO 1
/* int ip_output_tcp_direct(struct netstack *ns, struct mbuf *m, const struct ip_out *p,
 *     struct route *ro, unsigned flags, uint32_t l4len): inline, in ip_output_path.h. */

/* The source address to use toward dst (the outgoing interface's primary address), and that
 * interface.  0, or -ENETUNREACH. */
int in_selectsrc(struct netstack *ns, ipaddr_t dst, ipaddr_t *src, struct ifnet **ifpp);
/* The MTU toward dst (route MTU, else the interface's), 0 when unroutable.  TCP derives its
 * MSS from it. */
uint32_t ip_path_mtu(struct netstack *ns, ipaddr_t dst);
/* An IP ID for an atomic or fragmentable datagram, RFC 6864 4.2/RFC 7739: a counter per
 * (src, dst, proto) hash bucket, starting at a random value, so IDs don't leak a global
 * sequence and don't repeat quickly toward one destination. */
uint16_t ip_newid(struct netstack *ns, ipaddr_t src, ipaddr_t dst, uint8_t proto);
/* The counter bucket ip_newid uses for (src, dst, proto): ns->ns_ipid[bucket]++ is the next
 * ID (ip_output's path cache keeps the bucket instead of hashing per datagram). */
uint16_t ip_id_bucket(struct netstack *ns, ipaddr_t src, ipaddr_t dst, uint8_t proto);

/* Input entry from the link layer: m starts at the IP header.  Consumes m. */
void ip_input(struct ifnet *ifp, struct mbuf *m);

/* Tunables (per instance, ns->ns_conf). */
#define IP_REASS_DEF_TIMEOUT_NS (30ull * 1000000000ull)  /* RFC 1122 3.3.2: 60-120 s
                                                            recommended; 30 s as Linux */
#define IP_REASS_DEF_MAXMEM     (4u * 1024u * 1024u)     /* bytes of fragments held */
#define IP_REASS_DEF_MAXQUEUES  256u                     /* datagrams being reassembled */

#define IPSTAT_LIST(X) \
	X(total, "datagrams received") \
	X(tooshort, "datagrams shorter than their header or total length") \
	X(toosmall, "datagrams with a header length below 20") \
	X(badvers, "datagrams with a version other than 4") \
	X(badhlen, "datagrams with a header length beyond the datagram") \
	X(badlen, "datagrams with a total length below the header length") \
	X(badsum, "datagrams with a bad header checksum") \
	X(badoptions, "datagrams with malformed options") \
	X(srcroute, "datagrams with source-route options refused") \
	X(martian, "datagrams with a martian source address") \
	X(martiandst, "datagrams with a martian destination address") \
	X(badrf, "datagrams with the reserved fragment bit set") \
	X(delivered, "datagrams delivered to a transport") \
	X(noproto, "datagrams for an unknown protocol") \
	X(notforus, "datagrams not for us (forwarding off)") \
	X(forward, "datagrams forwarded") \
	X(cantforward, "datagrams not forwardable (no route)") \
	X(ttlexceeded, "datagrams dropped with TTL exceeded") \
	X(fragments, "fragments received") \
	X(fragdropped, "fragments dropped (duplicate, overlap, no memory)") \
	X(fragoverlap, "datagrams discarded because fragments overlapped") \
	X(fragtoobig, "fragments that would make a datagram over 65535 bytes") \
	X(fragbadlen, "fragments whose length is not a multiple of 8") \
	X(fragtimeout, "datagrams whose reassembly timed out") \
	X(fragmemfull, "datagrams dropped: reassembly memory or queue cap") \
	X(reassembled, "datagrams reassembled") \
	X(localout, "datagrams sent by this host") \
	X(pathcached, "of which sent through a socket's resolved path (route and neighbour)") \
	X(rawout, "raw datagrams sent") \
	X(noroute, "datagrams not sent: no route") \
	X(nobroadcast, "datagrams not sent: broadcast not allowed") \
	X(badsrc, "datagrams not sent: source address not ours") \
	X(odropped, "datagrams not sent: no buffers") \
	X(cantfrag, "datagrams not sent: DF set and over the MTU") \
	X(toolarge, "datagrams not sent: over 65535 bytes") \
	X(fragmented, "datagrams fragmented on output") \
	X(ofragments, "fragments created") \
	X(bcastrecv, "broadcast datagrams received") \
	X(loopback, "datagrams delivered through loopback") \
	X(ocsumhw, "datagrams sent with checksum work left to the interface") \
	X(ocsumsw, "transport checksums completed by IP for an interface without offload") \
	X(ocsumbad, "datagrams not sent: checksum or TSO request not matching the packet")
struct ipstat { IPSTAT_LIST(NET_STAT_FIELD) };

#endif
