/* The per-instance protocol table, the instance init of the socket layer and the protocols
 * above IP, and Linux's ICMP-error-to-errno mapping.
 *
 * The socket layer never names a protocol: socket() finds one here by (domain, type,
 * protocol).  The list of protocol families an instance starts with is so_proto_inits below
 * (the equivalent of 4.4BSD's in_proto.c); TCP and AF_PACKET add their line there.
 */
#include "netlib.h"
#include "socket_private.h"
#include "udp_var.h"
#include "raw_ip_var.h"
#include "tcp_var.h"
#include "icmp_var.h"
#include "af_packet.h"
#include <stos/errno.h>
#include <stos/socket.h>

static const struct so_proto_init so_proto_inits[] = {
	{ "udp", udp_init, udp_fini },
	{ "raw", raw_ip_init, raw_ip_fini },
	{ "tcp", tcp_init, tcp_fini },
	{ "packet", packet_init, packet_fini },
};

int protosw_register(struct netstack *ns, const struct protosw *pr)
{
	struct so_instance *si = so_inst(ns);
	unsigned i;
	for (i = 0; i < si->si_nprotos; i++) {
		const struct protosw *p = si->si_protos[i];
		if (p->pr_domain == pr->pr_domain && p->pr_type == pr->pr_type &&
		    p->pr_protocol == pr->pr_protocol)
			return -EEXIST;
	}
	if (si->si_nprotos >= SO_MAXPROTOS)
		return -ENOSPC;
	/* Transports of AF_INET get their IP input and ICMP error hooks registered with IP. */
	if (pr->pr_domain == AF_INET && !(pr->pr_flags & PR_WILDPROTO) &&
	    (pr->pr_input || pr->pr_ctlinput) && pr->pr_protocol > 0 && pr->pr_protocol < 256) {
		int err = ip_proto_register(ns, (uint8_t)pr->pr_protocol, pr->pr_input,
		    pr->pr_ctlinput);
		if (err)
			return err;
	}
	si->si_protos[si->si_nprotos++] = pr;
	return 0;
}

const struct protosw *protosw_find(struct netstack *ns, int domain, int type, int protocol,
    int *err)
{
	struct so_instance *si = so_inst(ns);
	const struct protosw *dflt = NULL, *wild = NULL;
	bool have_domain = false, have_type = false;
	unsigned i;

	/* Linux inet_create: an IP protocol number outside 0..255 is EINVAL. */
	if (domain == AF_INET && (protocol < 0 || protocol > 255)) {
		*err = -EINVAL;
		return NULL;
	}
	for (i = 0; i < si->si_nprotos; i++) {
		const struct protosw *p = si->si_protos[i];
		if (p->pr_domain != domain)
			continue;
		have_domain = true;
		if (p->pr_type != type)
			continue;
		have_type = true;
		if (p->pr_flags & PR_WILDPROTO) {
			wild = p;
			continue;
		}
		if (protocol == p->pr_protocol)
			return p;
		if (protocol == 0 && (p->pr_flags & PR_DEFAULT))
			dflt = p;
	}
	if (dflt)
		return dflt;
	/* Linux inet_create: a raw socket takes any protocol number except 0 (IPPROTO_IP);
	 * AF_PACKET takes any ethertype including 0 (PR_DEFAULT marks that). */
	if (wild && (protocol != 0 || (wild->pr_flags & PR_DEFAULT)) && protocol >= 0 &&
	    protocol <= 0xffff)
		return wild;
	*err = !have_domain ? -EAFNOSUPPORT : !have_type ? -ESOCKTNOSUPPORT : -EPROTONOSUPPORT;
	return NULL;
}

const struct protosw *protosw_find_ipproto(struct netstack *ns, int ipproto)
{
	struct so_instance *si = so_inst(ns);
	unsigned i;
	for (i = 0; i < si->si_nprotos; i++) {
		const struct protosw *p = si->si_protos[i];
		if (p->pr_domain == AF_INET && !(p->pr_flags & PR_WILDPROTO) &&
		    p->pr_protocol == ipproto && (p->pr_input || p->pr_ctlinput))
			return p;
	}
	return NULL;
}

/* Linux net/ipv4/icmp.c icmp_err_convert[], and its handling of the other error types. */
int icmp_errno(int icmp_type, int icmp_code, bool *hard)
{
	static const struct { uint8_t err; bool fatal; } unreach[16] = {
		[ICMP_UNREACH_NET] = { ENETUNREACH, false },
		[ICMP_UNREACH_HOST] = { EHOSTUNREACH, false },
		[ICMP_UNREACH_PROTOCOL] = { ENOPROTOOPT, true },
		[ICMP_UNREACH_PORT] = { ECONNREFUSED, true },
		[ICMP_UNREACH_NEEDFRAG] = { EMSGSIZE, false },
		[ICMP_UNREACH_SRCFAIL] = { EOPNOTSUPP, false },
		[ICMP_UNREACH_NET_UNKNOWN] = { ENETUNREACH, true },
		[ICMP_UNREACH_HOST_UNKNOWN] = { EHOSTDOWN, true },
		[8] = { ENONET, true },              /* host isolated */
		[ICMP_UNREACH_NET_PROHIB] = { ENETUNREACH, true },
		[ICMP_UNREACH_HOST_PROHIB] = { EHOSTUNREACH, true },
		[11] = { ENETUNREACH, false },       /* net unreachable for TOS */
		[12] = { EHOSTUNREACH, false },      /* host unreachable for TOS */
		[ICMP_UNREACH_FILTER_PROHIB] = { EHOSTUNREACH, true },
		[14] = { EHOSTUNREACH, true },       /* precedence violation */
		[15] = { EHOSTUNREACH, true },       /* precedence cutoff */
	};
	*hard = false;
	switch (icmp_type) {
	case ICMP_UNREACH:
		if (icmp_code < 0 || icmp_code > 15)
			return 0;
		*hard = unreach[icmp_code].fatal;
		return unreach[icmp_code].err;
	case ICMP_TIMXCEED:
		return EHOSTUNREACH;
	case ICMP_PARAMPROB:
		*hard = true;
		return EPROTO;
	default:
		return 0;   /* source quench (RFC 6633), redirects: not errors for a socket */
	}
}

static void so_instance_destroy(struct netstack *ns, void *arg)
{
	(void)arg;
	/* Destroy hooks run without the net lock; aborting sockets runs protocol code (TCP
	 * sends RSTs, stops its timers) that expects it. */
	NET_LOCK(ns);
	so_instance_fini(ns);
	NET_UNLOCK(ns);
}

int so_instance_init(struct netstack *ns)
{
	struct so_instance *si;
	unsigned i;
	int err;

	if (ns->ns_sock)
		return -EEXIST;
	si = net_zalloc(sizeof(*si));
	if (!si)
		return -ENOMEM;
	ns->ns_sock = si;
	si->si_nextid = 1;
	for (i = 0; i < NET_ARRAY_LEN(so_proto_inits); i++) {
		err = so_proto_inits[i].init(ns);
		if (err) {
			port_log(PORT_LOG_ERR, "%s: %s init failed (%d)", ns->ns_name,
			    so_proto_inits[i].name, err);
			while (i-- > 0)
				so_proto_inits[i].fini(ns);
			ns->ns_sock = NULL;
			port_free(si);
			return err;
		}
	}
	err = netstack_on_destroy(ns, so_instance_destroy, NULL);
	if (err) {
		ns->ns_sock = si;
		so_instance_fini(ns);
		return err;
	}
	return 0;
}

void so_instance_fini(struct netstack *ns)
{
	struct so_instance *si = so_inst(ns);
	unsigned i;
	if (!si)
		return;
	/* Sockets still open at teardown (a test or program that did not close them) are
	 * aborted so that no pcb or buffer outlives the instance. */
	while (si->si_all) {
		struct socket *so = si->si_all;
		if (so->so_head)
			soqremove(so);
		so->so_state |= SS_NOFDREF;
		so->so_upcall = NULL;
		if (so->so_pcb && so->so_proto->pr_abort)
			so->so_proto->pr_abort(so);
		else if (so->so_pcb && so->so_proto->pr_detach)
			so->so_proto->pr_detach(so);
		so->so_pcb = NULL;
		sofree(so);
	}
	for (i = NET_ARRAY_LEN(so_proto_inits); i-- > 0;)
		so_proto_inits[i].fini(ns);
	ns->ns_sock = NULL;
	port_free(si);
}
