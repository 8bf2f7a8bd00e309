/* Routing table ioctls (SIOCADDRT/SIOCDELRT) and struct rtentry, from the ABI header. */
#ifndef _NET_ROUTE_H
#define _NET_ROUTE_H
#include <stos/ioctl.h>
#endif
