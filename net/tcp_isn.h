/* Initial sequence numbers (RFC 6528) and the keyed hashes behind SYN cookies.
 *
 * RFC 6528 3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), where M is a
 * clock ticking every 4 microseconds and F a keyed pseudo-random function; F is SipHash-2-4
 * here, its key drawn from port_random when the instance starts.  A connection's ISN is thus
 * unguessable off-path yet increases over time for the same 4-tuple, which keeps TIME-WAIT
 * reuse safe (RFC 9293 3.4.1).
 */
#ifndef NET_TCP_ISN_H
#define NET_TCP_ISN_H
#include <stdint.h>
#include "tcp_siphash.h"

/* Addresses are host order (ipaddr_t), ports host order. */
uint32_t tcp_isn(const uint8_t key[SIPHASH_KEY_LEN], uint32_t laddr, uint16_t lport,
    uint32_t faddr, uint16_t fport, uint64_t now_ns);

/* The 32-bit keyed hash of a 4-tuple plus a 32-bit salt (SYN cookies mix in the time slot). */
uint32_t tcp_tuple_hash(const uint8_t key[SIPHASH_KEY_LEN], uint32_t laddr, uint16_t lport,
    uint32_t faddr, uint16_t fport, uint32_t salt);

#endif
