/* AF_PACKET sockets: struct sockaddr_ll and options, from the ABI header. */
#ifndef _NETPACKET_PACKET_H
#define _NETPACKET_PACKET_H
#include <stos/packet.h>
#endif
