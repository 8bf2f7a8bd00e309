/* The statistics registry: groups of named counters, walked by `netstat -s` (net_stats.h). */
#include <stos/errno.h>
#include "netlib.h"
#include "netstack.h"

static bool streq(const char *a, const char *b)
{
	size_t la = strlen(a);
	return la == strlen(b) && memcmp(a, b, la) == 0;
}

int net_stats_register(struct netstack *ns, const char *group, const struct net_statdesc *desc,
    unsigned n, const void *counters)
{
	if (ns->ns_nstatgroups >= NET_MAX_STATGROUPS)
		return -ENOSPC;
	struct net_statgroup *g = &ns->ns_statgroups[ns->ns_nstatgroups++];
	g->ng_name = group;
	g->ng_desc = desc;
	g->ng_n = n;
	g->ng_counters = counters;
	return 0;
}

void net_stats_foreach(struct netstack *ns,
    void (*fn)(void *arg, const char *group, const char *name, const char *desc, uint64_t v),
    void *arg)
{
	for (unsigned i = 0; i < ns->ns_nstatgroups; i++) {
		const struct net_statgroup *g = &ns->ns_statgroups[i];
		for (unsigned j = 0; j < g->ng_n; j++)
			fn(arg, g->ng_name, g->ng_desc[j].name, g->ng_desc[j].desc, g->ng_counters[j]);
	}
}

uint64_t net_stat_get(struct netstack *ns, const char *group, const char *name)
{
	for (unsigned i = 0; i < ns->ns_nstatgroups; i++) {
		const struct net_statgroup *g = &ns->ns_statgroups[i];
		if (!streq(g->ng_name, group))
			continue;
		for (unsigned j = 0; j < g->ng_n; j++)
			if (streq(g->ng_desc[j].name, name))
				return g->ng_counters[j];
	}
	return UINT64_MAX;
}
