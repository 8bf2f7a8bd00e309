/* Ethernet constants (ETH_*, ETH_P_*) from the ABI header. */
#ifndef _NET_ETHERNET_H
#define _NET_ETHERNET_H
#include <stos/packet.h>
#endif
