/* The IPv4 header on the wire (RFC 791 3.1), read and written through a view.
 *
 * ip_view() checks once that at least IP_HDR_MIN bytes are there; after that every accessor
 * reads a fixed offset below 20 and cannot go out of bounds.  Options (bytes 20..hlen) are
 * read with ip_opt_* in ip_options.c only after the caller checked hlen bytes are present.
 * Values come out in host order; the buffer is never swapped in place.
 */
#ifndef NET_IP_H
#define NET_IP_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "netlib.h"

#define IP_HDR_MIN   20
#define IP_HDR_MAX   60
#define IP_MAXPACKET 65535
#define IPVERSION    4

/* The ECN field, the low two bits of the TOS byte (RFC 3168 5). */
#define IPTOS_ECN_MASK   0x03u
#define IPTOS_ECN_NOTECT 0x00u
#define IPTOS_ECN_ECT1   0x01u
#define IPTOS_ECN_ECT0   0x02u
#define IPTOS_ECN_CE     0x03u

/* fragment field (host order) */
#define IP_RF      0x8000u      /* reserved, must be zero */
#define IP_DF_BIT  0x4000u
#define IP_MF      0x2000u
#define IP_OFFMASK 0x1fffu

/* options (RFC 791 3.1) */
#define IPOPT_EOL      0
#define IPOPT_NOP      1
#define IPOPT_RR       7
#define IPOPT_TS       68
#define IPOPT_SECURITY 130
#define IPOPT_LSRR     131
#define IPOPT_SATID    136
#define IPOPT_SSRR     137
#define IPOPT_RA       148
#define IPOPT_COPIED(o) ((o) & 0x80)

struct ip_view { uint8_t *b; };

/* Points v at buf and returns true if len >= IP_HDR_MIN; with false, v must not be read. */
static inline bool ip_view(struct ip_view *v, void *buf, size_t len)
{
	v->b = buf;
	return len >= IP_HDR_MIN;
}
static inline unsigned ipv_version(struct ip_view v) { return v.b[0] >> 4; }
static inline unsigned ipv_hlen(struct ip_view v) { return (v.b[0] & 0x0fu) * 4u; }
static inline uint8_t ipv_tos(struct ip_view v) { return v.b[1]; }
static inline uint16_t ipv_len(struct ip_view v) { return be16_get(v.b + 2); }
static inline uint16_t ipv_id(struct ip_view v) { return be16_get(v.b + 4); }
static inline uint16_t ipv_off(struct ip_view v) { return be16_get(v.b + 6); }  /* flags+offset */
static inline uint8_t ipv_ttl(struct ip_view v) { return v.b[8]; }
static inline uint8_t ipv_proto(struct ip_view v) { return v.b[9]; }
static inline uint16_t ipv_sum(struct ip_view v) { return be16_get(v.b + 10); }
static inline uint32_t ipv_src(struct ip_view v) { return be32_get(v.b + 12); }
static inline uint32_t ipv_dst(struct ip_view v) { return be32_get(v.b + 16); }

static inline void ipv_set_vhl(struct ip_view v, unsigned hlen) { v.b[0] = (uint8_t)(0x40 | (hlen / 4)); }
static inline void ipv_set_tos(struct ip_view v, uint8_t x) { v.b[1] = x; }
static inline void ipv_set_len(struct ip_view v, uint16_t x) { be16_put(v.b + 2, x); }
static inline void ipv_set_id(struct ip_view v, uint16_t x) { be16_put(v.b + 4, x); }
static inline void ipv_set_off(struct ip_view v, uint16_t x) { be16_put(v.b + 6, x); }
static inline void ipv_set_ttl(struct ip_view v, uint8_t x) { v.b[8] = x; }
static inline void ipv_set_proto(struct ip_view v, uint8_t x) { v.b[9] = x; }
static inline void ipv_set_sum(struct ip_view v, uint16_t x) { be16_put(v.b + 10, x); }
static inline void ipv_set_src(struct ip_view v, uint32_t x) { be32_put(v.b + 12, x); }
static inline void ipv_set_dst(struct ip_view v, uint32_t x) { be32_put(v.b + 16, x); }

#endif
