/* ARP table ioctls (SIOC[SGD]ARP) and struct arpreq, from the ABI header. */
#ifndef _NET_IF_ARP_H
#define _NET_IF_ARP_H
#include <stos/ioctl.h>
#include <stos/packet.h>
#endif
