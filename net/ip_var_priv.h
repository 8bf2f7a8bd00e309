/* Internal interfaces between the IPv4 files (not for transports). */
#ifndef NET_IP_VAR_PRIV_H
#define NET_IP_VAR_PRIV_H
#include "netstack.h"

int ip_id_init(struct netstack *ns);
void ip_id_fini(struct netstack *ns);
int ip_reass_init(struct netstack *ns);
void ip_reass_fini(struct netstack *ns);
/* Takes a fragment (m at its validated IP header, hlen contiguous, padding trimmed).
 * Consumes m; returns the reassembled datagram (header rewritten, contiguous for its hlen)
 * when this fragment completed one, else NULL. */
struct mbuf *ip_reass(struct netstack *ns, struct mbuf *m, unsigned hlen);
/* Number of datagrams under reassembly and bytes held (tests). */
void ip_reass_usage(struct netstack *ns, uint32_t *queues, uint32_t *bytes);

/* Splits a datagram with a complete header (hlen) into fragments of at most mtu bytes.
 * Consumes m; returns an m_nextpkt list of fragments, or NULL on failure. */
struct mbuf *ip_fragment(struct netstack *ns, struct mbuf *m, unsigned hlen, uint32_t mtu);

void icmp_init(struct netstack *ns);
#endif
