/* Interface, address, route and ARP configuration through the Linux SIOC* ioctls on any
 * socket (what ifconfig, route and arp use): SIOCGIFCONF, SIOC[GS]IFFLAGS, SIOC[GS]IFADDR,
 * SIOC[GS]IFNETMASK, SIOC[GS]IFBRDADDR (set: only the derived one), SIOC[GS]IFMTU, SIOCGIFHWADDR, SIOCGIFINDEX, SIOCGIFNAME,
 * SIOCADDRT/SIOCDELRT, SIOC[SGD]ARP.  Layouts and values are Linux's (<stos/ioctl.h>).
 *
 * Linux semantics kept: SIOCSIFADDR replaces the interface's primary address and keeps its
 * prefix length (the classful default when it had none); SIOCSIFNETMASK changes the prefix
 * of the primary address and needs a contiguous mask; ifreq addresses are AF_INET
 * sockaddr_in in network byte order.  STOS has no users, so no privilege check. */
#include "klib.h"
#include "uaccess.h"
#include "knet.h"
#include "ksock.h"
#include <stos/errno.h>
#include <stos/ioctl.h>
#include <stos/in.h>
#include "../../net/netstack.h"
#include "../../net/netlib.h"

#define ARPHRD_LOOPBACK_ 772    /* Linux's hardware type for loopback */

static void sin_put(struct sockaddr *sa, uint32_t a)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)sa;
	memset(sa, 0, sizeof(*sa));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = net_htonl(a);
}

static int sin_get(const struct sockaddr *sa, uint32_t *a)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	if (sin->sin_family != AF_INET)
		return -EINVAL;
	*a = net_ntohl(sin->sin_addr.s_addr);
	return 0;
}

/* A contiguous netmask's prefix length, or -1. */
static int mask_plen(uint32_t m)
{
	int plen = 0;
	while (plen < 32 && (m & (0x80000000u >> plen)))
		plen++;
	return in_plen2mask((unsigned)plen) == m ? plen : -1;
}

static unsigned classful_plen(uint32_t a)
{
	return (a >> 31) == 0 ? 8 : (a >> 30) == 2 ? 16 : 24;
}

static struct in_ifaddr *primary(struct ifnet *ifp)
{
	return ifp->if_naddrs ? &ifp->if_addrs[0] : NULL;
}

/* Replaces the primary address with addr/plen (0 addr: removes it). */
static int set_primary(struct ifnet *ifp, uint32_t addr, unsigned plen)
{
	struct in_ifaddr *ia = primary(ifp);
	if (ia) {
		int rc = if_addr_del(ifp, ia->ia_addr);
		if (rc)
			return rc;
	}
	return addr ? if_addr_add(ifp, addr, plen) : 0;
}

static int ifconf(struct netstack *ns, uintptr_t uarg)
{
	struct ifconf ifc;
	if (copyin(&ifc, (const void *)uarg, sizeof(ifc)))
		return -EFAULT;
	if (ifc.ifc_len < 0)
		return -EINVAL;
	int used = 0;
	for (struct ifnet *ifp = ns->ns_ifnet; ifp; ifp = ifp->if_next) {
		struct in_ifaddr *ia = primary(ifp);
		if (!ia)
			continue;           /* Linux lists interfaces with an IPv4 address */
		if (ifc.ifc_buf) {
			if (used + (int)sizeof(struct ifreq) > ifc.ifc_len)
				break;
			struct ifreq r;
			memset(&r, 0, sizeof(r));
			net_strlcpy(r.ifr_name, ifp->if_name, IFNAMSIZ);
			sin_put(&r.ifr_addr, ia->ia_addr);
			if (copyout(ifc.ifc_buf + used, &r, sizeof(r)))
				return -EFAULT;
		}
		used += (int)sizeof(struct ifreq);
	}
	ifc.ifc_len = used;
	return copyout((void *)uarg, &ifc, sizeof(ifc)) ? -EFAULT : 0;
}

/* The SIOC[GS]IF* requests that take a struct ifreq naming an interface. */
static int ifreq_op(struct netstack *ns, unsigned long req, struct ifreq *r)
{
	struct ifnet *ifp;
	if (req == SIOCGIFNAME) {
		ifp = ifnet_byindex(ns, (unsigned)r->ifr_ifindex);
		if (!ifp)
			return -ENODEV;
		net_strlcpy(r->ifr_name, ifp->if_name, IFNAMSIZ);
		return 1;
	}
	r->ifr_name[IFNAMSIZ - 1] = 0;
	ifp = ifnet_byname(ns, r->ifr_name);
	if (!ifp)
		return -ENODEV;
	struct in_ifaddr *ia = primary(ifp);
	uint32_t a;
	int rc;
	switch (req) {
	case SIOCGIFFLAGS:
		r->ifr_flags = (short)ifp->if_flags;
		return 1;
	case SIOCSIFFLAGS:
		return if_setflags(ifp, (uint16_t)r->ifr_flags);
	case SIOCGIFADDR:
	case SIOCGIFNETMASK:
	case SIOCGIFBRDADDR:
		if (!ia)
			return -EADDRNOTAVAIL;
		sin_put(&r->ifr_addr, req == SIOCGIFADDR ? ia->ia_addr :
		    req == SIOCGIFNETMASK ? ia->ia_mask : ia->ia_bcast);
		return 1;
	case SIOCSIFADDR:
		if ((rc = sin_get(&r->ifr_addr, &a)) != 0)
			return rc;
		return set_primary(ifp, a, ia ? ia->ia_plen : classful_plen(a));
	case SIOCSIFBRDADDR:
		/* The broadcast address is derived from the prefix; only that one is accepted. */
		if ((rc = sin_get(&r->ifr_broadaddr, &a)) != 0)
			return rc;
		if (!ia)
			return -EADDRNOTAVAIL;
		return a == ia->ia_bcast ? 0 : -EINVAL;
	case SIOCSIFNETMASK: {
		if ((rc = sin_get(&r->ifr_netmask, &a)) != 0)
			return rc;
		int plen = mask_plen(a);
		if (plen < 0)
			return -EINVAL;
		if (!ia)
			return -EADDRNOTAVAIL;
		return set_primary(ifp, ia->ia_addr, (unsigned)plen);
	}
	case SIOCGIFMTU:
		r->ifr_mtu = (int)ifp->if_mtu;
		return 1;
	case SIOCSIFMTU:
		return r->ifr_mtu < 0 ? -EINVAL : if_setmtu(ifp, (uint32_t)r->ifr_mtu);
	case SIOCGIFHWADDR:
		memset(&r->ifr_hwaddr, 0, sizeof(r->ifr_hwaddr));
		r->ifr_hwaddr.sa_family = ifp->if_type == IFT_LOOP ? ARPHRD_LOOPBACK_ : ARPHRD_ETHER;
		memcpy(r->ifr_hwaddr.sa_data, ifp->if_hwaddr, ETHER_ADDR_LEN);
		return 1;
	case SIOCGIFINDEX:
		r->ifr_ifindex = (int)ifp->if_index;
		return 1;
	}
	return -ENOTTY;
}

static int route_op(struct netstack *ns, unsigned long req, uintptr_t uarg)
{
	struct rtentry rt;
	if (copyin(&rt, (const void *)uarg, sizeof(rt)))
		return -EFAULT;
	uint32_t dst, mask = 0xffffffffu, gw = 0;
	if (sin_get(&rt.rt_dst, &dst))
		return -EINVAL;
	if (!(rt.rt_flags & RTF_HOST) && sin_get(&rt.rt_genmask, &mask))
		return -EINVAL;
	int plen = mask_plen(mask);
	if (plen < 0)
		return -EINVAL;
	if (req == SIOCDELRT)
		return rt_del(ns, dst & mask, (unsigned)plen);
	if ((rt.rt_flags & RTF_GATEWAY) && sin_get(&rt.rt_gateway, &gw))
		return -EINVAL;
	struct ifnet *ifp = NULL;
	if (rt.rt_dev) {
		char name[IFNAMSIZ];
		long n = copyinstr(name, rt.rt_dev, sizeof(name));
		if (n < 0)
			return (int)n;
		if (!(ifp = ifnet_byname(ns, name)))
			return -ENODEV;
	}
	if (!gw && !ifp)
		return -EINVAL;
	uint32_t mtu = (rt.rt_flags & RTF_MTU) ? (uint32_t)rt.rt_mtu : 0;
	return rt_add(ns, dst & mask, (unsigned)plen, gw, ifp, mtu, RTF_STATIC);
}

static int arp_op(struct netstack *ns, unsigned long req, uintptr_t uarg)
{
	struct arpreq ar;
	if (copyin(&ar, (const void *)uarg, sizeof(ar)))
		return -EFAULT;
	uint32_t a;
	if (sin_get(&ar.arp_pa, &a))
		return -EINVAL;
	if (req == SIOCDARP)
		return arp_delete(ns, a) ? -ENXIO : 0;
	if (req == SIOCGARP) {
		struct arp_info ai;
		if (arp_lookup(ns, a, &ai) || ai.ai_state == ARPS_INCOMPLETE || ai.ai_state == ARPS_FAILED)
			return -ENXIO;
		memset(&ar.arp_ha, 0, sizeof(ar.arp_ha));
		ar.arp_ha.sa_family = ARPHRD_ETHER;
		memcpy(ar.arp_ha.sa_data, ai.ai_hwaddr, ETHER_ADDR_LEN);
		ar.arp_flags = ATF_COM | (ai.ai_state == ARPS_STATIC ? ATF_PERM : 0);
		struct ifnet *ifp = ifnet_byindex(ns, ai.ai_ifindex);
		if (ifp)
			net_strlcpy(ar.arp_dev, ifp->if_name, IFNAMSIZ);
		return copyout((void *)uarg, &ar, sizeof(ar)) ? -EFAULT : 0;
	}
	ar.arp_dev[IFNAMSIZ - 1] = 0;
	struct ifnet *ifp = ar.arp_dev[0] ? ifnet_byname(ns, ar.arp_dev) : in_ifwithnet(ns, a, NULL);
	if (!ifp)
		return ar.arp_dev[0] ? -ENODEV : -ENETUNREACH;
	if (ar.arp_ha.sa_family != ARPHRD_ETHER)
		return -EINVAL;
	return arp_add_static(ns, ifp, a, (const uint8_t *)ar.arp_ha.sa_data);
}

long ksock_ioctl(struct ksock *ks, unsigned long req, uintptr_t uarg)
{
	(void)ks;
	struct netstack *ns = knet_stack();
	if (!ns)
		return -ENOTTY;
	int rc;
	switch (req) {
	case SIOCGIFCONF:
		NET_LOCK(ns);
		rc = ifconf(ns, uarg);
		NET_UNLOCK(ns);
		return rc;
	case SIOCGIFNAME: case SIOCGIFFLAGS: case SIOCSIFFLAGS: case SIOCGIFADDR:
	case SIOCSIFADDR: case SIOCGIFNETMASK: case SIOCSIFNETMASK: case SIOCGIFBRDADDR:
	case SIOCSIFBRDADDR:
	case SIOCGIFMTU: case SIOCSIFMTU: case SIOCGIFHWADDR: case SIOCGIFINDEX: {
		struct ifreq r;
		if (copyin(&r, (const void *)uarg, sizeof(r)))
			return -EFAULT;
		NET_LOCK(ns);
		rc = ifreq_op(ns, req, &r);
		NET_UNLOCK(ns);
		if (rc == 1)            /* a "get": the answer goes back */
			rc = copyout((void *)uarg, &r, sizeof(r)) ? -EFAULT : 0;
		return rc;
	}
	case SIOCADDRT:
	case SIOCDELRT:
		NET_LOCK(ns);
		rc = route_op(ns, req, uarg);
		NET_UNLOCK(ns);
		return rc;
	case SIOCSARP:
	case SIOCGARP:
	case SIOCDARP:
		NET_LOCK(ns);
		rc = arp_op(ns, req, uarg);
		NET_UNLOCK(ns);
		return rc;
	}
	return -ENOTTY;
}
