/* The loopback interface "lo" (127.0.0.1/8), present in every instance.
 *
 * It is an Ethernet-like interface with zero addresses (as Linux's lo), so the taps and
 * ether_input treat it like any other: ether_output prepends a zero-address header, and the
 * start hook moves each frame from the send queue to the input queue, to be processed by
 * the next netisr_run (never recursively inside the sender's call). */
#include <stos/errno.h>
#include "netlib.h"
#include "netstack.h"

#define LOOP_MTU 65535u

static void loop_start(struct ifnet *ifp)
{
	struct mbuf *m;
	while ((m = if_dequeue(ifp)) != NULL) {
		m->m_flags |= M_LOOP;
		if_input(ifp, m);
	}
}

int loop_attach(struct netstack *ns)
{
	static const uint8_t zero[ETHER_ADDR_LEN];
	struct ifnet *ifp = if_alloc(ns, "lo", IFT_LOOP);
	if (!ifp)
		return -ENOMEM;
	memcpy(ifp->if_hwaddr, zero, ETHER_ADDR_LEN);
	ifp->if_mtu = LOOP_MTU;
	ifp->if_flags = IFF_LOOPBACK | IFF_NOARP;
	ifp->if_output = ether_output;
	ifp->if_start = loop_start;
	int rc = if_attach(ifp);
	if (rc) {
		if_free_unattached(ifp);
		return rc;
	}
	ns->ns_loif = ifp;
	if_setflags(ifp, IFF_UP);
	return if_addr_add(ifp, 0x7f000001u, 8);
}
