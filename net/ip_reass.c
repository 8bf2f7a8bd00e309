/* IPv4 reassembly (RFC 791 3.2, RFC 815 ideas, RFC 1122 3.3.2).
 *
 * Datagrams under reassembly are keyed by (source, destination, protocol, ID) in a small
 * hash.  Each keeps its fragments sorted by offset.  Policy:
 *  - an exact duplicate fragment is dropped, the datagram kept;
 *  - any other overlap discards the whole datagram (overlaps are only ever produced by
 *    attacks or broken stacks; cf. RFC 5722 for IPv6) and later fragments of it are
 *    dropped until its timer expires;
 *  - a datagram that would exceed 65535 bytes is discarded;
 *  - non-final fragments whose payload is not a multiple of 8 are dropped;
 *  - memory is bounded by ns_conf.reass_maxmem bytes and reass_maxqueues datagrams: at the
 *    limit the oldest datagram is discarded;
 *  - a datagram not completed within ns_conf.reass_timeout_ns is discarded and, if its
 *    first fragment had arrived, answered with ICMP time exceeded (code 1, RFC 792).
 */
#include <stos/errno.h>
#include "netlib.h"
#include "netstack.h"
#include "ip.h"
#include "in_cksum.h"
#include "ip_var_priv.h"

#define REASS_HASH 64u

struct ipfrag {
	struct ipfrag *f_next;
	struct mbuf *f_m;           /* the fragment, IP header included */
	uint16_t f_hlen;
	uint16_t f_off;             /* payload offset, bytes */
	uint16_t f_len;             /* payload bytes */
};

struct ipq {
	struct ipq *q_next;         /* hash chain */
	struct ipq *q_older, *q_newer;  /* age list */
	ipaddr_t q_src, q_dst;
	uint16_t q_id;
	uint8_t q_proto;
	bool q_dead;                /* overlap seen: drop everything until the timer */
	uint8_t q_ecn;              /* the ECN codepoints seen, 1 << IPTOS_ECN_* each */
	uint32_t q_total;           /* payload length once the last fragment arrived, else 0 */
	uint32_t q_bytes;           /* bytes held (m_pkthdr.len of the fragments) */
	struct ipfrag *q_frags;
	struct callout q_timer;
	struct ipreass *q_r;
};

struct ipreass {
	struct netstack *r_ns;
	struct ipq *r_hash[REASS_HASH];
	struct ipq *r_oldest, *r_newest;
	uint32_t r_queues;
	uint32_t r_bytes;
};

static unsigned reass_hash(ipaddr_t s, ipaddr_t d, uint16_t id, uint8_t p)
{
	return ((s ^ (d * 31u) ^ ((uint32_t)id << 8) ^ p) * 2654435761u) >> 26;
}

int ip_reass_init(struct netstack *ns)
{
	struct ipreass *r = net_zalloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->r_ns = ns;
	ns->ns_reass = r;
	return 0;
}

static void q_free(struct ipreass *r, struct ipq *q)
{
	unsigned h = reass_hash(q->q_src, q->q_dst, q->q_id, q->q_proto);
	for (struct ipq **pp = &r->r_hash[h]; *pp; pp = &(*pp)->q_next)
		if (*pp == q) {
			*pp = q->q_next;
			break;
		}
	if (q->q_older)
		q->q_older->q_newer = q->q_newer;
	else
		r->r_oldest = q->q_newer;
	if (q->q_newer)
		q->q_newer->q_older = q->q_older;
	else
		r->r_newest = q->q_older;
	callout_stop(r->r_ns, &q->q_timer);
	while (q->q_frags) {
		struct ipfrag *f = q->q_frags;
		q->q_frags = f->f_next;
		m_freem(f->f_m);
		port_free(f);
	}
	r->r_bytes -= q->q_bytes;
	r->r_queues--;
	port_free(q);
}

/* Frees the fragments but keeps the (dead) queue until its timer, so the rest of an
 * overlapping datagram is dropped too instead of starting a new reassembly. */
static void q_kill(struct ipreass *r, struct ipq *q)
{
	while (q->q_frags) {
		struct ipfrag *f = q->q_frags;
		q->q_frags = f->f_next;
		m_freem(f->f_m);
		port_free(f);
	}
	r->r_bytes -= q->q_bytes;
	q->q_bytes = 0;
	q->q_dead = true;
}

void ip_reass_fini(struct netstack *ns)
{
	struct ipreass *r = ns->ns_reass;
	if (!r)
		return;
	while (r->r_oldest)
		q_free(r, r->r_oldest);
	port_free(r);
	ns->ns_reass = NULL;
}

void ip_reass_usage(struct netstack *ns, uint32_t *queues, uint32_t *bytes)
{
	*queues = ns->ns_reass->r_queues;
	*bytes = ns->ns_reass->r_bytes;
}

static void reass_timeout(void *arg)
{
	struct ipq *q = arg;
	struct ipreass *r = q->q_r;
	struct netstack *ns = r->r_ns;
	if (!q->q_dead) {
		ns->ns_ipstat.fragtimeout++;
		/* RFC 792 / RFC 1122 3.3.2: time exceeded (reassembly) if fragment zero came. */
		if (q->q_frags && q->q_frags->f_off == 0) {
			struct ipfrag *f = q->q_frags;
			q->q_frags = f->f_next;
			q->q_bytes -= f->f_m->m_pkthdr.len;
			r->r_bytes -= f->f_m->m_pkthdr.len;
			struct mbuf *m = f->f_m;
			port_free(f);
			q_free(r, q);
			icmp_error(ns, m, ICMP_TIMXCEED, ICMP_TIMXCEED_REASS, 0);
			return;
		}
	}
	q_free(r, q);
}

/* Joins the fragments of a complete datagram into one chain with a rewritten header.
 * RFC 3168 5.3: a CE mark on any fragment is kept on the datagram, and a datagram whose
 * fragments mix CE with Not-ECT (which no router can make of one ECT datagram) is dropped;
 * NULL then. */
static struct mbuf *reass_build(struct ipreass *r, struct ipq *q)
{
	struct netstack *ns = r->r_ns;
	struct ipfrag *f = q->q_frags;
	uint8_t ecn = q->q_ecn;
	if ((ecn & (1u << IPTOS_ECN_CE)) && (ecn & (1u << IPTOS_ECN_NOTECT))) {
		ns->ns_ipstat.fragdropped++;
		q_free(r, q);
		return NULL;
	}
	struct mbuf *m = f->f_m;
	unsigned hlen = f->f_hlen;
	f->f_m = NULL;
	for (struct ipfrag *g = f->f_next; g; g = g->f_next) {
		m_adj(g->f_m, g->f_hlen);
		uint32_t l = m_length(g->f_m);
		m_cat(m, g->f_m);
		m->m_pkthdr.len += l;
		g->f_m = NULL;
	}
	q_free(r, q);
	struct ip_view v;
	ip_view(&v, mtod(m, uint8_t *), m->m_len);
	ipv_set_len(v, (uint16_t)m->m_pkthdr.len);
	ipv_set_off(v, (uint16_t)(ipv_off(v) & IP_DF_BIT));
	if (ecn & (1u << IPTOS_ECN_CE))
		ipv_set_tos(v, (uint8_t)(ipv_tos(v) | IPTOS_ECN_CE));
	ipv_set_sum(v, 0);
	ipv_set_sum(v, in_cksum(v.b, hlen));
	ns->ns_ipstat.reassembled++;
	return m;
}

struct mbuf *ip_reass(struct netstack *ns, struct mbuf *m, unsigned hlen)
{
	struct ipreass *r = ns->ns_reass;
	struct ipstat *st = &ns->ns_ipstat;
	struct ip_view v;
	ip_view(&v, mtod(m, uint8_t *), m->m_len);
	ipaddr_t src = ipv_src(v), dst = ipv_dst(v);
	uint16_t id = ipv_id(v), offf = ipv_off(v);
	uint8_t proto = ipv_proto(v);
	uint32_t off = (uint32_t)(offf & IP_OFFMASK) * 8;
	uint32_t len = m->m_pkthdr.len - hlen;
	bool more = offf & IP_MF;

	if (off + len + hlen > IP_MAXPACKET) {
		st->fragtoobig++;
		goto drop_frag_and_queue;
	}
	if (more && (len == 0 || (len & 7))) {
		st->fragbadlen++;
		goto drop;
	}
	unsigned h = reass_hash(src, dst, id, proto);
	struct ipq *q;
	for (q = r->r_hash[h]; q; q = q->q_next)
		if (q->q_src == src && q->q_dst == dst && q->q_id == id && q->q_proto == proto)
			break;
	if (q && q->q_dead) {
		st->fragdropped++;
		goto drop;
	}
	/* Memory bound: make room by discarding the oldest datagrams. */
	while (r->r_oldest && (r->r_bytes + m->m_pkthdr.len > ns->ns_conf.reass_maxmem ||
	    (!q && r->r_queues >= ns->ns_conf.reass_maxqueues))) {
		struct ipq *o = r->r_oldest;
		if (o == q)
			break;
		st->fragmemfull++;
		q_free(r, o);
	}
	if (r->r_bytes + m->m_pkthdr.len > ns->ns_conf.reass_maxmem) {
		st->fragmemfull++;
		if (q)
			q_free(r, q);
		goto drop;
	}
	if (!q) {
		q = net_zalloc(sizeof(*q));
		if (!q) {
			st->fragdropped++;
			goto drop;
		}
		q->q_src = src;
		q->q_dst = dst;
		q->q_id = id;
		q->q_proto = proto;
		q->q_r = r;
		callout_init(&q->q_timer);
		q->q_next = r->r_hash[h];
		r->r_hash[h] = q;
		q->q_older = r->r_newest;
		if (r->r_newest)
			r->r_newest->q_newer = q;
		else
			r->r_oldest = q;
		r->r_newest = q;
		r->r_queues++;
		callout_reset(ns, &q->q_timer, ns->ns_conf.reass_timeout_ns, reass_timeout, q);
	}
	/* The end is known from the last fragment; fragments must agree with it. */
	if (!more) {
		if (q->q_total && q->q_total != off + len)
			goto overlap;
		q->q_total = off + len;
	}
	if (q->q_total && off + len > q->q_total)
		goto overlap;
	struct ipfrag **pp = &q->q_frags;
	while (*pp && (*pp)->f_off < off)
		pp = &(*pp)->f_next;
	struct ipfrag *prev = NULL;
	for (struct ipfrag *p = q->q_frags; p && p->f_off < off; p = p->f_next)
		prev = p;
	struct ipfrag *next = *pp;
	if (next && next->f_off == off && next->f_len == len) {
		st->fragdropped++;      /* exact duplicate */
		goto drop;
	}
	if ((prev && prev->f_off + prev->f_len > off) || (next && off + len > next->f_off))
		goto overlap;
	struct ipfrag *f = port_alloc(sizeof(*f));
	if (!f) {
		st->fragdropped++;
		goto drop;
	}
	q->q_ecn |= (uint8_t)(1u << (ipv_tos(v) & IPTOS_ECN_MASK));
	f->f_m = m;
	f->f_hlen = (uint16_t)hlen;
	f->f_off = (uint16_t)off;
	f->f_len = (uint16_t)len;
	f->f_next = next;
	*pp = f;
	q->q_bytes += m->m_pkthdr.len;
	r->r_bytes += m->m_pkthdr.len;

	/* Complete when the last fragment is in and the pieces cover [0, total). */
	if (!q->q_total)
		return NULL;
	uint32_t covered = 0;
	for (struct ipfrag *p = q->q_frags; p; p = p->f_next) {
		if (p->f_off != covered)
			return NULL;
		covered += p->f_len;
	}
	if (covered != q->q_total)
		return NULL;
	if (q->q_frags->f_hlen + q->q_total > IP_MAXPACKET) {
		/* The first fragment's options made it too big. */
		st->fragtoobig++;
		q_kill(r, q);
		return NULL;
	}
	return reass_build(r, q);

overlap:
	st->fragoverlap++;
	q_kill(r, q);
	goto drop;
drop_frag_and_queue:
	for (struct ipq *o = r->r_hash[reass_hash(src, dst, id, proto)]; o; o = o->q_next)
		if (o->q_src == src && o->q_dst == dst && o->q_id == id && o->q_proto == proto) {
			q_kill(r, o);
			break;
		}
drop:
	m_freem(m);
	return NULL;
}
