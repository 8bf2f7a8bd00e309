/* Raw IP sockets (SOCK_RAW, any IP protocol; IP_HDRINCL), which ping uses.
 *
 * Receive (Linux semantics): while a raw socket exists, ip_input calls raw_ip_deliver for
 * every datagram addressed to this host, after reassembly and before the transport's own input, so a raw socket for
 * protocol P gets a copy of every P datagram (ICMP echo replies, UDP, ...), IP header
 * included, filtered by the socket's bound local and connected foreign address.
 * Send: without IP_HDRINCL the stack builds the IP header (protocol = the socket's); with it
 * (or for IPPROTO_RAW) the user gives the whole datagram and the stack fills the ID when 0,
 * the total length, the header checksum, and the source when 0 (as Linux does).
 */
#ifndef NET_RAW_IP_VAR_H
#define NET_RAW_IP_VAR_H
#include <stdint.h>
#include "net_stats.h"
#include "in_pcb.h"

struct netstack;
struct mbuf;

#define RAWSTAT_LIST(X) \
	X(ipackets, "datagrams seen") \
	X(delivered, "copies delivered to sockets") \
	X(fullsock, "copies dropped due to full socket buffers") \
	X(nomem, "copies dropped for lack of memory") \
	X(opackets, "datagrams output") \
	X(badhdrincl, "sends refused: bad IP_HDRINCL header") \
	X(oerrors, "output errors")

struct rawstat { RAWSTAT_LIST(NET_STAT_FIELD) };

struct raw_instance {
	struct inpcbinfo ri_pcbinfo;
	struct rawstat ri_stat;
};

int raw_ip_init(struct netstack *ns);
void raw_ip_fini(struct netstack *ns);
/* Offers a datagram (m begins with the IP header, iphlen bytes contiguous) to every matching
 * raw socket.  Borrows m (each socket gets its own copy by reference); returns the number of
 * sockets that took it, so ip_input can answer "protocol unreachable" (RFC 1122 3.2.2.1) when
 * neither a transport nor a raw socket wanted it. */
int raw_ip_deliver(struct netstack *ns, const struct mbuf *m, int iphlen);
struct raw_instance *raw_instance(struct netstack *ns);

#endif
