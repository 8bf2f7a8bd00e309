/* sin_h(): a struct sockaddr_in from a host-order IPv4 address and port, for the hosted tests
 * and benchmarks that build on net/ and <stos/in.h> (not on the libc socket headers). */
#ifndef HOST_SIN_H
#define HOST_SIN_H
#include <stdint.h>
#include <stos/in.h>
#include "net/netlib.h"

static inline struct sockaddr_in sin_h(uint32_t addr, uint16_t port)
{
	struct sockaddr_in s;
	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_port = net_htons(port);
	s.sin_addr.s_addr = net_htonl(addr);
	return s;
}
#endif
