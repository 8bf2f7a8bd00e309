/* IPv4 Identification values (RFC 6864, RFC 7739 4.2 "per-bucket counters").
 *
 * The ID must not repeat for the same (source, destination, protocol) within a datagram's
 * maximum lifetime when the datagram may be fragmented (RFC 6864 4.1).  A single global
 * counter leaks the host's traffic rate and lets an off-path attacker predict IDs; a counter
 * per flow needs unbounded state.  So we keep IPID_BUCKETS counters, pick one by a keyed
 * hash of the triple (secret key, random at instance creation), and start each at a random
 * value.
 */
#include <stos/errno.h>
#include "netlib.h"
#include "netstack.h"

#define IPID_BUCKETS 4096u

int ip_id_init(struct netstack *ns)
{
	ns->ns_ipid = port_alloc(IPID_BUCKETS * sizeof(uint16_t));
	if (!ns->ns_ipid)
		return -ENOMEM;
	port_random(ns->ns_ipid, IPID_BUCKETS * sizeof(uint16_t));
	port_random(ns->ns_ipid_key, sizeof(ns->ns_ipid_key));
	return 0;
}

void ip_id_fini(struct netstack *ns)
{
	port_free(ns->ns_ipid);
	ns->ns_ipid = NULL;
}

static uint32_t rotl(uint32_t x, unsigned r) { return (x << r) | (x >> (32 - r)); }

/* A small keyed mix (not a MAC: the key only has to keep the bucket choice unpredictable). */
static uint32_t id_hash(const uint32_t k[4], uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t h = k[0] ^ a;
	h = rotl(h * 0xcc9e2d51u, 15) * 0x1b873593u ^ (k[1] + b);
	h = rotl(h, 13) * 5u + 0xe6546b64u;
	h ^= k[2] + c;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= k[3];
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

uint16_t ip_id_bucket(struct netstack *ns, ipaddr_t src, ipaddr_t dst, uint8_t proto)
{
	return (uint16_t)(id_hash(ns->ns_ipid_key, src, dst, proto) & (IPID_BUCKETS - 1));
}

uint16_t ip_newid(struct netstack *ns, ipaddr_t src, ipaddr_t dst, uint8_t proto)
{
	return ns->ns_ipid[ip_id_bucket(ns, src, dst, proto)]++;
}
