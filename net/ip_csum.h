/* Transmit checksum offload: the decision ip_output makes per packet between the work the
 * outgoing interface does (if_hwassist) and the work done here in software.
 *
 * Contract (mbuf.h CSUM_*): a transport that wants its checksum deferred writes
 * ip_csum_pseudo(src, dst, proto, len) into its checksum field (len 0 with CSUM_TSO, as the
 * 8254x SDM 3.5.4 TCP segmentation context requires) and sets CSUM_TCP or CSUM_UDP; the
 * device, or ip_csum_output when the device cannot, sums the segment from the transport
 * header to the end with that value in place, which gives the RFC 793 / RFC 768 checksum.
 * A transport that sets nothing has computed its checksum itself, as before. */
#ifndef NET_IP_CSUM_H
#define NET_IP_CSUM_H
#include <stdbool.h>
#include <stdint.h>
#include "in_cksum.h"

struct ifnet;
struct mbuf;
struct ipstat;

/* The folded (not complemented) pseudo-header sum to put in a deferred checksum field. */
static inline uint16_t ip_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	return (uint16_t)in_pseudo(src, dst, proto, len);
}

/* m is a whole IPv4 datagram (header of hlen bytes contiguous in the first mbuf) about to go
 * to ifp.  Does in software every CSUM_* request of m that ifp's if_hwassist does not cover
 * (all of them when `fragmenting`: a device cannot checksum across fragments) and clears
 * those flags, leaving set only what the device will do.  Returns 0, or -EMSGSIZE when TSO is
 * asked of an interface without it and -EINVAL when a request does not match the packet
 * (wrong protocol, truncated header); m is not freed. */
int ip_csum_output(struct ifnet *ifp, struct mbuf *m, unsigned hlen, bool fragmenting,
    struct ipstat *st);

#endif
