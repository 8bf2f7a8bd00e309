/* The routing table (route.h): per-prefix-length hash tables and longest-prefix match. */
#include <stos/errno.h>
#include "netlib.h"
#include "netstack.h"

#define RT_HASH 64u

struct rtable {
	struct rt_entry *rt_bucket[33][RT_HASH];
	uint32_t rt_count[33];
	uint64_t rt_lens;           /* bit p set: some route has prefix length p */
};

static unsigned rt_hash(ipaddr_t dst) { return (dst * 2654435761u) >> 26; }

int rt_init(struct netstack *ns)
{
	ns->ns_rt = net_zalloc(sizeof(struct rtable));
	return ns->ns_rt ? 0 : -ENOMEM;
}

void rt_fini(struct netstack *ns)
{
	struct rtable *t = ns->ns_rt;
	if (!t)
		return;
	for (unsigned p = 0; p <= 32; p++)
		for (unsigned h = 0; h < RT_HASH; h++)
			while (t->rt_bucket[p][h]) {
				struct rt_entry *rt = t->rt_bucket[p][h];
				t->rt_bucket[p][h] = rt->rt_next;
				port_free(rt);
			}
	port_free(t);
	ns->ns_rt = NULL;
}

struct rt_entry *rt_lookup_exact(struct netstack *ns, ipaddr_t dst, unsigned plen)
{
	struct rtable *t = ns->ns_rt;
	if (plen > 32)
		return NULL;
	dst &= in_plen2mask(plen);
	for (struct rt_entry *rt = t->rt_bucket[plen][rt_hash(dst)]; rt; rt = rt->rt_next)
		if (rt->rt_dst == dst)
			return rt;
	return NULL;
}

int rt_add(struct netstack *ns, ipaddr_t dst, unsigned plen, ipaddr_t gw, struct ifnet *ifp,
    uint32_t mtu, uint32_t flags)
{
	struct rtable *t = ns->ns_rt;
	NET_ASSERT_LOCKED(ns);
	if (plen > 32 || (mtu && (mtu < 68 || mtu > 65535)))
		return -EINVAL;
	dst &= in_plen2mask(plen);
	if (gw) {
		/* The gateway must be on a connected subnet (no recursive routes). */
		struct ifnet *gifp = in_ifwithnet(ns, gw, NULL);
		if (!gifp || (ifp && ifp != gifp))
			return -EINVAL;
		ifp = gifp;
		flags |= RTF_GATEWAY;
	} else {
		flags &= ~(uint32_t)RTF_GATEWAY;
	}
	if (!ifp)
		return -EINVAL;
	if (rt_lookup_exact(ns, dst, plen))
		return -EEXIST;
	struct rt_entry *rt = net_zalloc(sizeof(*rt));
	if (!rt)
		return -ENOMEM;
	rt->rt_dst = dst;
	rt->rt_plen = (uint8_t)plen;
	rt->rt_mask = in_plen2mask(plen);
	rt->rt_gateway = gw;
	rt->rt_ifp = ifp;
	rt->rt_mtu = mtu;
	rt->rt_flags = flags | RTF_UP | (plen == 32 ? RTF_HOST : 0);
	unsigned h = rt_hash(dst);
	rt->rt_next = t->rt_bucket[plen][h];
	t->rt_bucket[plen][h] = rt;
	t->rt_count[plen]++;
	t->rt_lens |= 1ull << plen;
	ns->ns_rtgen++;
	return 0;
}

int rt_del(struct netstack *ns, ipaddr_t dst, unsigned plen)
{
	struct rtable *t = ns->ns_rt;
	if (plen > 32)
		return -ESRCH;
	dst &= in_plen2mask(plen);
	for (struct rt_entry **pp = &t->rt_bucket[plen][rt_hash(dst)]; *pp; pp = &(*pp)->rt_next) {
		struct rt_entry *rt = *pp;
		if (rt->rt_dst != dst)
			continue;
		*pp = rt->rt_next;
		port_free(rt);
		if (--t->rt_count[plen] == 0)
			t->rt_lens &= ~(1ull << plen);
		ns->ns_rtgen++;
		return 0;
	}
	return -ESRCH;
}

struct rt_entry *rt_lookup(struct netstack *ns, ipaddr_t dst)
{
	struct rtable *t = ns->ns_rt;
	uint64_t lens = t->rt_lens;
	while (lens) {
		unsigned p = 63u - (unsigned)__builtin_clzll(lens);   /* longest first */
		lens &= ~(1ull << p);
		ipaddr_t key = dst & in_plen2mask(p);
		for (struct rt_entry *rt = t->rt_bucket[p][rt_hash(key)]; rt; rt = rt->rt_next) {
			if (rt->rt_dst != key || !(rt->rt_ifp->if_flags & IFF_UP))
				continue;
			if ((rt->rt_flags & RTF_PMTU) && rt->rt_expire <= net_now(ns)) {
				/* A learnt path MTU has aged out (lazily, on lookup). */
				rt_del(ns, key, p);
				return rt_lookup(ns, dst);
			}
			rt->rt_use++;
			return rt;
		}
	}
	return NULL;
}

int rt_pmtu_update(struct netstack *ns, ipaddr_t dst, uint32_t mtu)
{
	struct rt_entry *rt = rt_lookup(ns, dst);
	if (!rt || mtu < 68 || (rt->rt_flags & (RTF_LOCAL | RTF_REJECT)))
		return -EINVAL;
	uint32_t cur = rt->rt_mtu && rt->rt_mtu < rt->rt_ifp->if_mtu ? rt->rt_mtu : rt->rt_ifp->if_mtu;
	if (mtu >= cur)
		return 0;
	if (rt->rt_plen == 32 && (rt->rt_flags & RTF_PMTU)) {
		rt->rt_mtu = mtu;
		rt->rt_expire = net_now(ns) + RT_PMTU_EXPIRE_NS;
		ns->ns_rtgen++;
		return 0;
	}
	if (rt->rt_plen == 32) {
		/* A configured host route: lower its MTU in place (it never expires). */
		rt->rt_mtu = mtu;
		ns->ns_rtgen++;
		return 0;
	}
	int rc = rt_add(ns, dst, 32, (rt->rt_flags & RTF_GATEWAY) ? rt->rt_gateway : 0, rt->rt_ifp,
	    mtu, RTF_PMTU | RTF_HOST);
	if (rc)
		return rc;
	struct rt_entry *h = rt_lookup_exact(ns, dst, 32);
	h->rt_expire = net_now(ns) + RT_PMTU_EXPIRE_NS;
	return 0;
}

struct rt_entry *rt_lookup_cached(struct netstack *ns, struct route *ro, ipaddr_t dst)
{
	if (ro->ro_rt && ro->ro_gen == ns->ns_rtgen && ro->ro_dst == dst)
		return ro->ro_rt;
	ro->ro_pifp = NULL;         /* the path was resolved for the old route */
	ro->ro_dst = dst;
	ro->ro_rt = rt_lookup(ns, dst);
	ro->ro_gen = ns->ns_rtgen;
	return ro->ro_rt;
}

void rt_flush_ifp(struct netstack *ns, struct ifnet *ifp)
{
	struct rtable *t = ns->ns_rt;
	for (unsigned p = 0; p <= 32; p++)
		for (unsigned h = 0; h < RT_HASH; h++)
			for (struct rt_entry **pp = &t->rt_bucket[p][h]; *pp;) {
				struct rt_entry *rt = *pp;
				if (rt->rt_ifp != ifp) {
					pp = &rt->rt_next;
					continue;
				}
				*pp = rt->rt_next;
				port_free(rt);
				if (--t->rt_count[p] == 0)
					t->rt_lens &= ~(1ull << p);
				ns->ns_rtgen++;
			}
}

void rt_foreach(struct netstack *ns, void (*fn)(void *arg, const struct rt_entry *rt), void *arg)
{
	struct rtable *t = ns->ns_rt;
	for (int p = 32; p >= 0; p--)
		for (unsigned h = 0; h < RT_HASH; h++)
			for (struct rt_entry *rt = t->rt_bucket[p][h]; rt; rt = rt->rt_next)
				fn(arg, rt);
}

uint32_t rt_mtu(struct netstack *ns, ipaddr_t dst)
{
	struct rt_entry *rt = rt_lookup(ns, dst);
	if (!rt)
		return 0;
	if (rt->rt_flags & RTF_LOCAL)
		return ns->ns_loif ? ns->ns_loif->if_mtu : rt->rt_ifp->if_mtu;
	return rt->rt_mtu && rt->rt_mtu < rt->rt_ifp->if_mtu ? rt->rt_mtu : rt->rt_ifp->if_mtu;
}
