/* SYN cookies (RFC 4987 3.6): when a listener's SYN queue is full, answer a SYN without
 * keeping state, encoding what we need in our ISN; a returning ACK whose ack - 1 is a valid
 * cookie creates the connection.
 *
 * Cookie layout: the top 29 bits are a SipHash of the 4-tuple, the peer's ISN and a 64-second
 * time slot under a secret key; the low 3 bits index the MSS table.  A cookie is valid for the
 * current and the previous slot.  Options other than MSS (window scale, SACK, timestamps) are
 * not remembered: a connection made from a cookie runs without them (the price RFC 4987
 * describes).
 */
#include "tcp_var.h"
#include "netstack.h"
#include "tcp_isn.h"

#define COOKIE_SLOT_NS (64ull * TCP_NS_PER_S)

static const uint16_t cookie_mss[8] = { 216, 536, 1220, 1360, 1400, 1440, 1460, 8960 };

/* The MSS index is hashed too, so an ACK whose number is off by a few (which would only
 * change the low bits) cannot pass with another MSS. */
static uint32_t cookie_hash(struct netstack *ns, uint32_t laddr, uint16_t lport,
    uint32_t faddr, uint16_t fport, tcp_seq irs, uint64_t slot, unsigned idx)
{
	struct tcp_instance *ti = tcp_instance(ns);
	return tcp_tuple_hash(ti->ti_cookie_key, laddr, lport, faddr, fport,
	    irs ^ (uint32_t)(slot * 2654435761u) ^ (idx << 29));
}

tcp_seq tcp_cookie_make(struct netstack *ns, uint32_t laddr, uint16_t lport, uint32_t faddr,
    uint16_t fport, tcp_seq irs, uint16_t mss)
{
	unsigned idx = 0;
	for (unsigned i = 0; i < 8; i++)
		if (cookie_mss[i] <= mss)
			idx = i;
	uint64_t slot = net_clock(ns) / COOKIE_SLOT_NS;
	return (cookie_hash(ns, laddr, lport, faddr, fport, irs, slot, idx) & ~7u) | idx;
}

uint16_t tcp_cookie_check(struct netstack *ns, uint32_t laddr, uint16_t lport, uint32_t faddr,
    uint16_t fport, tcp_seq irs, tcp_seq cookie)
{
	uint64_t slot = net_clock(ns) / COOKIE_SLOT_NS;
	for (uint64_t s = slot; s + 1 >= slot && s <= slot; s--) {
		if (((cookie_hash(ns, laddr, lport, faddr, fport, irs, s, cookie & 7u) ^ cookie) & ~7u) == 0)
			return cookie_mss[cookie & 7u];
		if (s == 0)
			break;
	}
	return 0;
}
