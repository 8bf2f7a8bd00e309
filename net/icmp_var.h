/* ICMP (RFC 792, RFC 1122 3.2.2): wire constants, error generation, and the hook by which
 * ICMP errors reach the transport that sent the offending datagram (ip_ctlinput_fn in
 * ip_var.h: icmp_input validates the quoted header and calls the protocol's ctlinput).
 */
#ifndef NET_ICMP_VAR_H
#define NET_ICMP_VAR_H
#include <stdint.h>
#include "mbuf.h"
#include "net_stats.h"

struct netstack;
typedef uint32_t ipaddr_t;

#define ICMP_ECHOREPLY      0
#define ICMP_UNREACH        3
#define   ICMP_UNREACH_NET        0
#define   ICMP_UNREACH_HOST       1
#define   ICMP_UNREACH_PROTOCOL   2
#define   ICMP_UNREACH_PORT       3
#define   ICMP_UNREACH_NEEDFRAG   4
#define   ICMP_UNREACH_SRCFAIL    5
#define   ICMP_UNREACH_NET_UNKNOWN  6
#define   ICMP_UNREACH_HOST_UNKNOWN 7
#define   ICMP_UNREACH_NET_PROHIB   9
#define   ICMP_UNREACH_HOST_PROHIB  10
#define   ICMP_UNREACH_FILTER_PROHIB 13
#define ICMP_SOURCEQUENCH   4
#define ICMP_REDIRECT       5
#define ICMP_ECHO           8
#define ICMP_TIMXCEED       11
#define   ICMP_TIMXCEED_INTRANS   0
#define   ICMP_TIMXCEED_REASS     1
#define ICMP_PARAMPROB      12
#define   ICMP_PARAMPROB_ERRATPTR 0
#define   ICMP_PARAMPROB_OPTABSENT 1
#define ICMP_TSTAMP         13
#define ICMP_TSTAMPREPLY    14
#define ICMP_MAXTYPE        18
#define ICMP_HDR_LEN        8

/* Sends an ICMP error about datagram m (which starts at its IP header, as ip_input received
 * it; m_pkthdr.rcvif set for received ones).  Consumes m.  Nothing is sent (RFC 1122
 * 3.2.2) for an ICMP error, a broadcast/multicast datagram or link broadcast, a non-first
 * fragment, a datagram whose source is not a unicast host, or when the rate limit (token
 * bucket, ns->ns_conf.icmp_rate / icmp_burst) is exhausted.  info: the next-hop MTU for
 * NEEDFRAG, the pointer for PARAMPROB, else 0. */
void icmp_error(struct netstack *ns, struct mbuf *m, uint8_t type, uint8_t code, uint32_t info);

/* ICMP input from ip_input (m at the IP header).  Consumes m. */
void icmp_input(struct netstack *ns, struct mbuf *m, int iphlen);

#define ICMP_DEF_RATE   100     /* errors per second (token refill), as Linux icmp_ratelimit */
#define ICMP_DEF_BURST  50      /* bucket depth */

#define ICMPSTAT_LIST(X) \
	X(received, "ICMP messages received") \
	X(tooshort, "messages shorter than an ICMP header") \
	X(badsum, "messages with a bad checksum") \
	X(badcode, "messages with a bad type or code") \
	X(badlen, "errors quoting too little of the offending datagram") \
	X(bcastecho, "echo requests to a broadcast address ignored") \
	X(echo, "echo requests received") \
	X(echoreply, "echo replies sent") \
	X(inechoreply, "echo replies received") \
	X(inunreach, "destination unreachable received") \
	X(intimxceed, "time exceeded received") \
	X(inparamprob, "parameter problem received") \
	X(inredirect, "redirects received (ignored)") \
	X(insrcquench, "source quench received (ignored, RFC 6633)") \
	X(intstamp, "timestamp requests received") \
	X(tstampreply, "timestamp replies sent") \
	X(ctldelivered, "errors delivered to transports") \
	X(error, "calls to icmp_error") \
	X(oldicmp, "errors not sent: about an ICMP error") \
	X(oldshort, "errors not sent: offending datagram too short") \
	X(bcast, "errors not sent: about a broadcast or multicast") \
	X(fragment, "errors not sent: about a non-first fragment") \
	X(badsrc, "errors not sent: offending source not a unicast host") \
	X(ratelimited, "errors not sent: rate limit") \
	X(outunreach, "destination unreachable sent") \
	X(outtimxceed, "time exceeded sent") \
	X(outparamprob, "parameter problem sent") \
	X(outerrors, "ICMP messages that could not be sent")
struct icmpstat { ICMPSTAT_LIST(NET_STAT_FIELD) };

#endif
