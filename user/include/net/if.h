/* Network interfaces: struct ifreq, IFF_* (include/stos/ioctl.h), name/index conversion. */
#ifndef _NET_IF_H
#define _NET_IF_H
#include <stos/types.h>
#include <stos/socket.h>
#include <stos/ioctl.h>
#define IF_NAMESIZE IFNAMSIZ
struct if_nameindex {
	unsigned int if_index;
	char *if_name;
};
unsigned int if_nametoindex(const char *name);
char *if_indextoname(unsigned int index, char *name);
#endif
