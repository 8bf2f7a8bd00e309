/* Hosted stack instances: a netstack with its host data (clock choice), see port_host.h. */
#include <stdlib.h>
#include "net/netstack.h"
#include "host/port_host.h"

struct netstack *host_netstack_create(const char *name, bool virtual_clock, uint64_t start_ns)
{
	struct host_ns *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->virtual_clock = virtual_clock;
	h->vnow = start_ns;
	struct netstack *ns = netstack_create(name, h);
	if (!ns)
		free(h);
	return ns;
}

void host_netstack_destroy(struct netstack *ns)
{
	struct host_ns *h = ns->ns_host;
	netstack_destroy(ns);
	free(h);
}
