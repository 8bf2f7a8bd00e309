/* UDP (RFC 768): per-instance state, statistics, and the entry points IP and ICMP use.
 *
 * udp_init registers UDP in the instance's protocol table (AF_INET, SOCK_DGRAM, IPPROTO_UDP)
 * with pr_input = udp_input and pr_ctlinput = udp_ctlinput, so ip_input and icmp_input reach
 * it through protosw_find_ipproto.  Net lock held for everything.
 */
#ifndef NET_UDP_VAR_H
#define NET_UDP_VAR_H
#include <stdint.h>
#include "net_stats.h"
#include "in_pcb.h"

struct netstack;
struct mbuf;

#define UDP_HDRLEN 8
/* RFC 768 length field is 16 bits; minus the IPv4 and UDP headers. */
#define UDP_MAXPAYLOAD (65535 - 20 - UDP_HDRLEN)

#define UDPSTAT_LIST(X) \
	X(ipackets, "datagrams received") \
	X(hdrops, "with incomplete header") \
	X(badlen, "with bad data length field") \
	X(badsum, "with bad checksum") \
	X(nosum, "with no checksum") \
	X(noport, "dropped due to no socket") \
	X(noportbcast, "broadcast/multicast datagrams undelivered") \
	X(fullsock, "dropped due to full socket buffers") \
	X(rcvshut, "dropped: socket shut down for reading") \
	X(nomem, "dropped for lack of memory") \
	X(delivered, "delivered to sockets") \
	X(opackets, "datagrams output") \
	X(oerrors, "output errors") \
	X(ctlinput, "ICMP errors received") \
	X(ctlrefused, "ICMP errors reported to sockets")

struct udpstat { UDPSTAT_LIST(NET_STAT_FIELD) };

struct udp_instance {
	struct inpcbinfo ui_pcbinfo;
	struct udpstat ui_stat;
};

/* Instance init/teardown (called from so_instance_init/fini). */
int udp_init(struct netstack *ns);
void udp_fini(struct netstack *ns);
/* IP input: m begins with the IP header (iphlen bytes, contiguous).  Consumes m. */
void udp_input(struct netstack *ns, struct mbuf *m, int iphlen);
void udp_ctlinput(struct netstack *ns, int icmp_type, int icmp_code, uint32_t info,
    const uint8_t *quoted, size_t qlen);
/* The instance's UDP state (statistics for tests and netstat). */
struct udp_instance *udp_instance(struct netstack *ns);

#endif
