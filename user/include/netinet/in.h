/* Internet addresses and byte-order conversion; IPv4 ABI from include/stos/in.h. */
#ifndef _NETINET_IN_H
#define _NETINET_IN_H
#include <stdint.h>
#include <stos/types.h>
#include <stos/socket.h>
#include <stos/in.h>

#define IPPORT_RESERVED 1024
#define IN_LOOPBACKNET  127
#define INADDR_ALLHOSTS_GROUP ((in_addr_t)0xe0000001)
#define IN_MULTICAST(a) (((uint32_t)(a) & 0xf0000000) == 0xe0000000)
#define IPPROTO_IPV6  41
#define IPPROTO_ICMPV6 58

/* IPv6 address structures exist so portable programs compile; STOS has no IPv6. */
struct in6_addr {
	uint8_t s6_addr[16];
};
struct sockaddr_in6 {
	sa_family_t sin6_family;
	in_port_t sin6_port;
	uint32_t sin6_flowinfo;
	struct in6_addr sin6_addr;
	uint32_t sin6_scope_id;
};
#define INET6_ADDRSTRLEN 46

static inline uint16_t htons(uint16_t x) { return __builtin_bswap16(x); }
static inline uint16_t ntohs(uint16_t x) { return __builtin_bswap16(x); }
static inline uint32_t htonl(uint32_t x) { return __builtin_bswap32(x); }
static inline uint32_t ntohl(uint32_t x) { return __builtin_bswap32(x); }
#endif
