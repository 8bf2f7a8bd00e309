/* Internet PCBs: hashed demultiplexing, bind rules and ephemeral ports (see in_pcb.h).
 *
 * Lookup hash: every bound pcb is hashed by its current 4-tuple (zeros where unset), so the
 * exact lookup is one probe and the wildcard lookup two more ((laddr, lport, *, *) then
 * (*, lport, *, *)), whatever the number of connections.
 * Port hash: every bound pcb is hashed by lport, for bind conflicts and port choice.
 */
#include "netlib.h"
#include "in_pcb.h"
#include "ip_var.h"
#include "if.h"
#include "netstack.h"
#include "protosw.h"
#include <stos/errno.h>
#include <stos/in.h>
#include <stos/socket.h>

#define EPH_FIRST IPPORT_EPHEMERAL_FIRST
#define EPH_COUNT (IPPORT_EPHEMERAL_LAST - IPPORT_EPHEMERAL_FIRST + 1)

/* A keyed 64-bit mix (splitmix64's finaliser over key-whitened input): not a MAC, but a
 * remote host that does not know the per-instance key cannot aim packets at one chain. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* (Inlined, as probe below: every segment that misses the last-found connection pays the
 * hash and the probe, about 108 instructions with the calls.) */
static inline __attribute__((always_inline)) uint32_t keyed_hash(const uint64_t key[2],
    uint64_t a, uint64_t b)
{
	return (uint32_t)(mix64(mix64(a ^ key[0]) + (b ^ key[1])) >> 16);
}

static uint32_t lookup_hash(const struct inpcbinfo *info, ipaddr_t fa, uint16_t fp,
    ipaddr_t la, uint16_t lp)
{
	return keyed_hash(info->ipi_key, ((uint64_t)fa << 32) | la, ((uint64_t)fp << 16) | lp);
}

static uint32_t port_hash(const struct inpcbinfo *info, uint16_t lp)
{
	return keyed_hash(info->ipi_key, 0x706f7274ull, lp);
}

/* ---------------------------------------------------------------------------------------
 * Growable hash tables (in_pcb.h, "Scale"). */

#define HT_MIGRATE_STEP 4u      /* old buckets moved per insert or removal */

static struct inp_hlink *hlink(const struct inp_htab *t, struct inpcb *inp)
{
	return (struct inp_hlink *)((char *)inp + t->ih_link);
}

static int ht_init(struct inp_htab *t, uint32_t buckets, uint32_t max, size_t link)
{
	uint32_t n = 16;
	while (n < buckets && n < max)
		n <<= 1;
	memset(t, 0, sizeof(*t));
	t->ih_b = net_zalloc(n * sizeof(*t->ih_b));
	if (!t->ih_b)
		return -ENOMEM;
	t->ih_mask = n - 1;
	t->ih_max = max;
	t->ih_link = link;
	return 0;
}

static void ht_fini(struct inp_htab *t)
{
	port_free(t->ih_b);
	port_free(t->ih_old);
	t->ih_b = t->ih_old = NULL;
}

/* The bucket that holds (or will hold) keys hashing to h. */
static struct inpcb **ht_bucket(const struct inp_htab *t, uint32_t h)
{
	if (t->ih_old && (h & t->ih_oldmask) >= t->ih_moved)
		return &t->ih_old[h & t->ih_oldmask];
	return &t->ih_b[h & t->ih_mask];
}

static void ht_push(struct inp_htab *t, struct inpcb **b, struct inpcb *inp)
{
	struct inp_hlink *l = hlink(t, inp);
	l->next = *b;
	if (*b)
		hlink(t, *b)->pprev = &l->next;
	*b = inp;
	l->pprev = b;
}

/* Moves up to HT_MIGRATE_STEP old buckets into the new table; frees the old table once it
 * is empty.  Every entry of old bucket i goes to new bucket i or i + old size. */
static void ht_migrate(struct inp_htab *t)
{
	for (unsigned k = 0; k < HT_MIGRATE_STEP && t->ih_old; k++) {
		struct inpcb *p = t->ih_old[t->ih_moved], *next;
		t->ih_old[t->ih_moved] = NULL;
		for (; p; p = next) {
			next = hlink(t, p)->next;
			ht_push(t, &t->ih_b[hlink(t, p)->hash & t->ih_mask], p);
		}
		if (t->ih_moved++ == t->ih_oldmask) {
			port_free(t->ih_old);
			t->ih_old = NULL;
			t->ih_moved = 0;
		}
	}
}

/* Load factor above 1 and no doubling under way: start one.  Without memory the table
 * simply stays as it is (longer chains, still correct). */
static void ht_maybe_grow(struct inp_htab *t)
{
	if (t->ih_old || t->ih_count <= t->ih_mask + 1 || t->ih_mask + 1 >= t->ih_max)
		return;
	uint32_t n = (t->ih_mask + 1) * 2;
	struct inpcb **nb = net_zalloc(n * sizeof(*nb));
	if (!nb) {
		t->ih_grow_fail++;
		return;
	}
	t->ih_old = t->ih_b;
	t->ih_oldmask = t->ih_mask;
	t->ih_moved = 0;
	t->ih_b = nb;
	t->ih_mask = n - 1;
	t->ih_grows++;
}

static void ht_insert(struct inp_htab *t, struct inpcb *inp, uint32_t h)
{
	ht_migrate(t);
	hlink(t, inp)->hash = h;
	ht_push(t, ht_bucket(t, h), inp);
	t->ih_count++;
	ht_maybe_grow(t);
}

static void ht_remove(struct inp_htab *t, struct inpcb *inp)
{
	struct inp_hlink *l = hlink(t, inp);
	*l->pprev = l->next;
	if (l->next)
		hlink(t, l->next)->pprev = l->pprev;
	l->next = NULL;
	l->pprev = NULL;
	t->ih_count--;
	ht_migrate(t);
}

uint32_t in_pcbinfo_maxchain(const struct inpcbinfo *info)
{
	const struct inp_htab *t = &info->ipi_lookup;
	uint32_t best = 0;
	for (int pass = 0; pass < 2; pass++) {
		struct inpcb **b = pass ? t->ih_old : t->ih_b;
		uint32_t n = pass ? t->ih_oldmask + 1 : t->ih_mask + 1;
		for (uint32_t i = 0; b && i < n; i++) {
			uint32_t len = 0;
			for (struct inpcb *p = b[i]; p; p = p->inp_lh.next)
				len++;
			if (len > best)
				best = len;
		}
	}
	return best;
}

/* 2^20 lookup buckets (8 MiB) cover a million connections at load 1; the port hash needs no
 * more buckets than there are ports. */
#define LOOKUP_MAX_BUCKETS (1u << 20)
#define PORT_MAX_BUCKETS   (1u << 16)

int in_pcbinfo_init(struct inpcbinfo *info, struct netstack *ns, const char *name,
    uint32_t buckets)
{
	memset(info, 0, sizeof(*info));
	info->ipi_ns = ns;
	info->ipi_name = name;
	if (ht_init(&info->ipi_lookup, buckets, LOOKUP_MAX_BUCKETS,
	    offsetof(struct inpcb, inp_lh)) != 0)
		return -ENOMEM;
	if (ht_init(&info->ipi_porthash, buckets, PORT_MAX_BUCKETS,
	    offsetof(struct inpcb, inp_ph)) != 0 ||
	    ht_init(&info->ipi_bindhash, 16, PORT_MAX_BUCKETS,
	    offsetof(struct inpcb, inp_bh)) != 0) {
		ht_fini(&info->ipi_lookup);
		ht_fini(&info->ipi_porthash);
		return -ENOMEM;
	}
	port_random(info->ipi_key, sizeof(info->ipi_key));
	port_random(info->ipi_eph_key, sizeof(info->ipi_eph_key));
	port_random(info->ipi_eph_table, sizeof(info->ipi_eph_table));
	return 0;
}

void in_pcbinfo_fini(struct inpcbinfo *info)
{
	while (info->ipi_all)
		in_pcbfree(info->ipi_all);
	ht_fini(&info->ipi_lookup);
	ht_fini(&info->ipi_porthash);
	ht_fini(&info->ipi_bindhash);
}

static void unhash_lookup(struct inpcb *inp)
{
	if (!(inp->inp_flags & INP_INLOOKUP))
		return;
	ht_remove(&inp->inp_pcbinfo->ipi_lookup, inp);
	inp->inp_flags &= ~INP_INLOOKUP;
	inp->inp_pcbinfo->ipi_last = NULL;
}

static void unhash_port(struct inpcb *inp)
{
	if (!(inp->inp_flags & INP_INPORT))
		return;
	ht_remove(&inp->inp_pcbinfo->ipi_porthash, inp);
	inp->inp_flags &= ~INP_INPORT;
}

static void unhash_bind(struct inpcb *inp)
{
	if (!(inp->inp_flags & INP_INBIND))
		return;
	ht_remove(&inp->inp_pcbinfo->ipi_bindhash, inp);
	inp->inp_flags &= ~INP_INBIND;
}

void in_pcbrehash(struct inpcb *inp)
{
	struct inpcbinfo *info = inp->inp_pcbinfo;
	unhash_lookup(inp);
	unhash_port(inp);
	unhash_bind(inp);
	if (inp->inp_lport == 0)
		return;
	if (inp->inp_faddr == INADDR_ANY) {
		ht_insert(&info->ipi_bindhash, inp, port_hash(info, inp->inp_lport));
		inp->inp_flags |= INP_INBIND;
	}
	ht_insert(&info->ipi_lookup, inp, lookup_hash(info, inp->inp_faddr, inp->inp_fport,
	    inp->inp_laddr, inp->inp_lport));
	inp->inp_flags |= INP_INLOOKUP;
	info->ipi_last = NULL;
	ht_insert(&info->ipi_porthash, inp, port_hash(info, inp->inp_lport));
	inp->inp_flags |= INP_INPORT;
}

/* Memory pressure (issue 6, RFC 9293 3.6.1's TIME-WAIT reuse taken further): at the limit,
 * or when the allocation fails, the protocol may give up a pcb it does not need (TCP: its
 * oldest TIME-WAIT connection) rather than refuse the new one. */
int in_pcballoc(struct socket *so, struct inpcbinfo *info)
{
	struct inpcb *inp;
	while (info->ipi_limit && info->ipi_count >= info->ipi_limit) {
		if (!info->ipi_reclaim || !info->ipi_reclaim(info)) {
			info->ipi_limited++;
			return -ENOBUFS;
		}
	}
	while (!(inp = net_zalloc(sizeof(*inp)))) {
		if (!info->ipi_reclaim || !info->ipi_reclaim(info))
			return -ENOMEM;
	}
	inp->inp_pcbinfo = info;
	inp->inp_socket = so;
	inp->inp_ip_ttl = -1;
	inp->inp_pmtudisc = IP_PMTUDISC_DONT;
	inp->inp_anext = info->ipi_all;
	if (info->ipi_all)
		info->ipi_all->inp_apprev = &inp->inp_anext;
	info->ipi_all = inp;
	inp->inp_apprev = &info->ipi_all;
	info->ipi_count++;
	if (so)
		so->so_pcb = inp;
	return 0;
}

void in_pcbfree(struct inpcb *inp)
{
	struct inpcbinfo *info = inp->inp_pcbinfo;
	unhash_lookup(inp);
	unhash_port(inp);
	unhash_bind(inp);
	*inp->inp_apprev = inp->inp_anext;
	if (inp->inp_anext)
		inp->inp_anext->inp_apprev = inp->inp_apprev;
	info->ipi_count--;
	if (inp->inp_socket && inp->inp_socket->so_pcb == inp)
		inp->inp_socket->so_pcb = NULL;
	port_free(inp);
}

void in_pcb_orphan(struct inpcb *inp)
{
	struct socket *so = inp->inp_socket;
	if (!so)
		return;
	inp->inp_flags &= ~(INP_REUSEADDR | INP_REUSEPORT);
	if (so->so_options & SO_F_REUSEADDR)
		inp->inp_flags |= INP_REUSEADDR;
	if (so->so_options & SO_F_REUSEPORT)
		inp->inp_flags |= INP_REUSEPORT;
	if (so->so_pcb == inp)
		so->so_pcb = NULL;
	inp->inp_socket = NULL;
}

static bool inp_reuseaddr(const struct inpcb *inp)
{
	return inp->inp_socket ? (inp->inp_socket->so_options & SO_F_REUSEADDR) != 0 :
	    (inp->inp_flags & INP_REUSEADDR) != 0;
}

static bool inp_reuseport(const struct inpcb *inp)
{
	return inp->inp_socket ? (inp->inp_socket->so_options & SO_F_REUSEPORT) != 0 :
	    (inp->inp_flags & INP_REUSEPORT) != 0;
}

static bool inp_listening(const struct inpcb *inp)
{
	return (inp->inp_flags & INP_LISTEN) ||
	    (inp->inp_socket && (inp->inp_socket->so_options & SO_F_ACCEPTCONN));
}

/* The bind rule (in_pcb.h).  `me` is the pcb asking (it may not be hashed yet). */
static bool port_conflict(struct inpcbinfo *info, const struct inpcb *me, ipaddr_t laddr,
    uint16_t lport)
{
	struct inpcb *p;
	for (p = *ht_bucket(&info->ipi_porthash, port_hash(info, lport)); p; p = p->inp_ph.next) {
		info->ipi_eph_visits++;
		if (p == me || p->inp_lport != lport || (p->inp_flags & INP_DROPPED))
			continue;
		if (laddr != INADDR_ANY && p->inp_laddr != INADDR_ANY && p->inp_laddr != laddr)
			continue;
		if (inp_reuseport(me) && inp_reuseport(p))
			continue;
		if (inp_reuseaddr(me) && inp_reuseaddr(p) && !inp_listening(p))
			continue;
		return true;
	}
	return false;
}

/* For a connect-time choice: the port may be shared with connections to other peers (TCP)
 * but not with an unconnected pcb or the same 4-tuple.  UDP-style pcbinfos (share false)
 * need the port unused on the address.  The shared case never walks the connections on the
 * port (100,000 of them may share a few thousand ports): the unconnected ones have their
 * own hash, and the same 4-tuple is one lookup-hash chain. */
static bool port_usable_connect(struct inpcbinfo *info, ipaddr_t laddr, uint16_t lport,
    ipaddr_t faddr, uint16_t fport, bool share)
{
	struct inpcb *p;
	if (share) {
		uint32_t h = port_hash(info, lport);
		for (p = *ht_bucket(&info->ipi_bindhash, h); p; p = p->inp_bh.next) {
			info->ipi_eph_visits++;
			if (p->inp_lport == lport && (laddr == INADDR_ANY ||
			    p->inp_laddr == INADDR_ANY || p->inp_laddr == laddr))
				return false;
		}
		h = lookup_hash(info, faddr, fport, laddr, lport);
		for (p = *ht_bucket(&info->ipi_lookup, h); p; p = p->inp_lh.next) {
			info->ipi_eph_visits++;
			if (p->inp_faddr == faddr && p->inp_fport == fport && p->inp_lport == lport &&
			    (laddr == INADDR_ANY || p->inp_laddr == INADDR_ANY || p->inp_laddr == laddr))
				return false;
		}
		return true;
	}
	for (p = *ht_bucket(&info->ipi_porthash, port_hash(info, lport)); p; p = p->inp_ph.next) {
		info->ipi_eph_visits++;
		if (p->inp_lport != lport)
			continue;
		if (laddr != INADDR_ANY && p->inp_laddr != INADDR_ANY && p->inp_laddr != laddr)
			continue;
		if (!share || p->inp_faddr == INADDR_ANY ||
		    (p->inp_faddr == faddr && p->inp_fport == fport))
			return false;
	}
	return true;
}

/* RFC 6056 3.3.1, algorithm 1: random start, linear search. */
static int eph_random(struct inpcb *inp, ipaddr_t laddr, uint16_t *portp)
{
	struct inpcbinfo *info = inp->inp_pcbinfo;
	uint32_t r, i;
	port_random(&r, sizeof(r));
	for (i = 0; i < EPH_COUNT; i++) {
		uint16_t port = (uint16_t)(EPH_FIRST + (r + i) % EPH_COUNT);
		info->ipi_eph_tries++;
		if (!port_conflict(info, inp, laddr, port)) {
			*portp = port;
			return 0;
		}
	}
	return -EADDRINUSE;
}

/* RFC 6056 3.3.4, algorithm 4 (double-hash port selection): offset = F(laddr, faddr, fport,
 * secret1); a table of increments indexed by G(laddr, faddr, fport, secret2) spreads
 * successive choices toward one peer while different peers get independent sequences. */
static int eph_connect(struct inpcb *inp, ipaddr_t laddr, ipaddr_t faddr, uint16_t fport,
    bool share, uint16_t *portp)
{
	struct inpcbinfo *info = inp->inp_pcbinfo;
	uint32_t offset = keyed_hash(info->ipi_key, ((uint64_t)laddr << 32) | faddr, fport);
	uint32_t index = keyed_hash(info->ipi_eph_key, ((uint64_t)laddr << 32) | faddr, fport) %
	    NET_ARRAY_LEN(info->ipi_eph_table);
	uint32_t count;
	for (count = 0; count < EPH_COUNT; count++) {
		uint16_t port = (uint16_t)(EPH_FIRST +
		    (offset + info->ipi_eph_table[index]) % EPH_COUNT);
		info->ipi_eph_table[index]++;
		info->ipi_eph_tries++;
		if (port_usable_connect(info, laddr, port, faddr, fport, share)) {
			*portp = port;
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}

int in_sockaddr_parse(const struct sockaddr *nam, socklen_t len, bool allow_unspec,
    ipaddr_t *addr, uint16_t *port)
{
	struct sockaddr_in sin;
	if (!nam || len < sizeof(struct sockaddr_in))
		return -EINVAL;
	memcpy(&sin, nam, sizeof(sin));
	if (sin.sin_family != AF_INET) {
		/* Linux inet_bind: AF_UNSPEC is accepted for INADDR_ANY (old programs). */
		if (!(allow_unspec && sin.sin_family == AF_UNSPEC))
			return -EAFNOSUPPORT;
	}
	*addr = net_ntohl(sin.sin_addr.s_addr);
	*port = net_ntohs(sin.sin_port);
	return 0;
}

void in_sockaddr_make(struct sockaddr_storage *nam, socklen_t *len, ipaddr_t addr,
    uint16_t port)
{
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = net_htons(port);
	sin.sin_addr.s_addr = net_htonl(addr);
	if (nam)
		memcpy(nam, &sin, sizeof(sin));
	if (len)
		*len = sizeof(sin);
}

int in_pcbbind(struct inpcb *inp, const struct sockaddr *nam, socklen_t len)
{
	struct inpcbinfo *info = inp->inp_pcbinfo;
	struct netstack *ns = info->ipi_ns;
	ipaddr_t laddr = INADDR_ANY;
	uint16_t lport = 0;
	int err;

	if (nam) {
		err = in_sockaddr_parse(nam, len, false, &laddr, &lport);
		if (err == -EAFNOSUPPORT && len >= sizeof(struct sockaddr_in) &&
		    nam->sa_family == AF_UNSPEC) {
			err = in_sockaddr_parse(nam, len, true, &laddr, &lport);
			if (!err && laddr != INADDR_ANY)
				err = -EAFNOSUPPORT;
		}
		if (err)
			return err;
	}
	if (inp->inp_lport != 0 || inp->inp_laddr != INADDR_ANY)
		return -EINVAL;
	if (laddr != INADDR_ANY && !in_islocal(ns, laddr) && !in_isbroadcast(ns, laddr, NULL) &&
	    !in_ismulticast(laddr))
		return -EADDRNOTAVAIL;
	if (lport == 0) {
		err = eph_random(inp, laddr, &lport);
		if (err)
			return err;
		inp->inp_flags |= INP_ANONPORT;
	} else {
		if (port_conflict(info, inp, laddr, lport))
			return -EADDRINUSE;
		inp->inp_flags &= ~INP_ANONPORT;
	}
	inp->inp_laddr = inp->inp_bladdr = laddr;
	inp->inp_lport = lport;
	if (inp->inp_socket)
		inp->inp_socket->so_state |= SS_ISBOUND;
	in_pcbrehash(inp);
	return 0;
}

int in_pcbconnect_addr(struct inpcb *inp, ipaddr_t faddr, uint16_t fport)
{
	struct inpcbinfo *info = inp->inp_pcbinfo;
	struct netstack *ns = info->ipi_ns;
	ipaddr_t laddr = inp->inp_laddr;
	uint16_t lport = inp->inp_lport;
	int err;

	/* Linux ip_route_connect: 0.0.0.0 means this host (the bound address, else
	 * loopback). */
	if (faddr == INADDR_ANY)
		faddr = laddr != INADDR_ANY ? laddr : INADDR_LOOPBACK;
	if (laddr == INADDR_ANY) {
		struct ifnet *ifp;
		err = in_selectsrc(ns, faddr, &laddr, &ifp);
		if (err)
			return err;
	}
	if (lport == 0) {
		bool share = inp->inp_socket && (inp->inp_socket->so_proto->pr_flags & PR_CONNREQUIRED);
		err = eph_connect(inp, laddr, faddr, fport, share, &lport);
		if (err)
			return err;
		inp->inp_flags |= INP_ANONPORT;
	} else if (in_pcblookup(info, faddr, fport, laddr, lport, 0)) {
		return -EADDRINUSE;
	}
	inp->inp_laddr = laddr;
	inp->inp_lport = lport;
	inp->inp_faddr = faddr;
	inp->inp_fport = fport;
	if (inp->inp_socket)
		inp->inp_socket->so_state |= SS_ISBOUND;
	in_pcbrehash(inp);
	return 0;
}

int in_pcbconnect(struct inpcb *inp, const struct sockaddr *nam, socklen_t len)
{
	ipaddr_t faddr;
	uint16_t fport;
	int err = in_sockaddr_parse(nam, len, false, &faddr, &fport);
	if (err)
		return err;
	return in_pcbconnect_addr(inp, faddr, fport);
}

void in_pcbdisconnect(struct inpcb *inp)
{
	inp->inp_faddr = INADDR_ANY;
	inp->inp_fport = 0;
	inp->inp_laddr = inp->inp_bladdr;
	/* Linux: a port the stack chose for the connection is given back. */
	if (inp->inp_flags & INP_ANONPORT) {
		inp->inp_lport = 0;
		inp->inp_flags &= ~INP_ANONPORT;
		if (inp->inp_socket)
			inp->inp_socket->so_state &= ~SS_ISBOUND;
	}
	in_pcbrehash(inp);
}

int in_pcbsetconn(struct inpcb *inp, ipaddr_t laddr, uint16_t lport, ipaddr_t faddr,
    uint16_t fport)
{
	if (in_pcblookup(inp->inp_pcbinfo, faddr, fport, laddr, lport, 0))
		return -EADDRINUSE;
	inp->inp_laddr = inp->inp_bladdr = laddr;
	inp->inp_lport = lport;
	inp->inp_faddr = faddr;
	inp->inp_fport = fport;
	in_pcbrehash(inp);
	return 0;
}

static inline __attribute__((always_inline)) struct inpcb *probe(struct inpcbinfo *info,
    ipaddr_t fa, uint16_t fp, ipaddr_t la, uint16_t lp)
{
	uint32_t h = lookup_hash(info, fa, fp, la, lp);
	struct inpcb *p;
	info->ipi_lookups++;
	for (p = *ht_bucket(&info->ipi_lookup, h); p; p = p->inp_lh.next) {
		info->ipi_visits++;
		if (p->inp_lh.hash == h && p->inp_faddr == fa && p->inp_fport == fp &&
		    p->inp_laddr == la && p->inp_lport == lp && !(p->inp_flags & INP_DROPPED))
			return p;
	}
	return NULL;
}

/* The exact probe first; in_pcblookup (in_pcb.h) has already asked ipi_last, the answer
 * kept when it is the same 4-tuple again.  Since ipi_last was found, the table has neither
 * gained nor lost an entry (either forgets it), so the chain the probe would walk is
 * unchanged and its first match is still ipi_last, unless ipi_last was dropped since, which
 * the inline test checks as the probe does.  Only connected pcbs (a foreign address) are
 * kept: the wildcard ones may share their key (SO_REUSEPORT). */
struct inpcb *in_pcblookup_hash(struct inpcbinfo *info, ipaddr_t faddr, uint16_t fport,
    ipaddr_t laddr, uint16_t lport, int flags)
{
	struct inpcb *p = probe(info, faddr, fport, laddr, lport);
	if (p && p->inp_faddr != INADDR_ANY)
		info->ipi_last = p;
	if (p || !(flags & INPLOOKUP_WILDCARD))
		return p;
	p = probe(info, INADDR_ANY, 0, laddr, lport);
	if (p)
		return p;
	return probe(info, INADDR_ANY, 0, INADDR_ANY, lport);
}

void in_pcb_foreach_port(struct inpcbinfo *info, uint16_t lport, ipaddr_t laddr,
    bool (*fn)(struct inpcb *, void *), void *arg)
{
	struct inpcb *p, *next;
	for (p = *ht_bucket(&info->ipi_porthash, port_hash(info, lport)); p; p = next) {
		next = p->inp_ph.next;
		if (p->inp_lport != lport || (p->inp_flags & INP_DROPPED))
			continue;
		if (laddr != INADDR_ANY && p->inp_laddr != INADDR_ANY && p->inp_laddr != laddr)
			continue;
		if (!fn(p, arg))
			return;
	}
}

void in_pcb_foreach(struct inpcbinfo *info, bool (*fn)(struct inpcb *, void *), void *arg)
{
	struct inpcb *p, *next;
	for (p = info->ipi_all; p; p = next) {
		next = p->inp_anext;
		if (!fn(p, arg))
			return;
	}
}

void in_pcb_sockaddr(const struct inpcb *inp, struct sockaddr_storage *nam, socklen_t *len)
{
	in_sockaddr_make(nam, len, inp->inp_laddr, inp->inp_lport);
}

void in_pcb_peeraddr(const struct inpcb *inp, struct sockaddr_storage *nam, socklen_t *len)
{
	in_sockaddr_make(nam, len, inp->inp_faddr, inp->inp_fport);
}
