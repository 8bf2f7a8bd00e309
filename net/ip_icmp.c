/* ICMP (RFC 792, RFC 1122 3.2.2): input (echo, timestamp, errors passed to transports)
 * and error generation with the RFC 1122 3.2.2 "never answer" rules and a token-bucket rate
 * limit (RFC 1812 4.3.2.8). */
#include <stos/errno.h>
#include "netlib.h"
#include "netstack.h"
#include "ip.h"
#include "in_cksum.h"
#include "ip_var_priv.h"

/* How much of the offending datagram an error quotes: as much as fits in a 576-byte
 * datagram (RFC 1812 4.3.2.3; RFC 1122 asks for at least the header + 8 bytes). */
#define ICMP_QUOTE_MAX (576 - IP_HDR_MIN - ICMP_HDR_LEN)
#define ICMP_MIN_PMTU 552u

void icmp_init(struct netstack *ns)
{
	ns->ns_icmp_tokens_ms = (uint64_t)ns->ns_conf.icmp_burst * 1000u;
	ns->ns_icmp_last_ns = net_now(ns);
}

/* Token bucket: icmp_rate tokens per second, at most icmp_burst. */
static bool icmp_ratelimit_ok(struct netstack *ns)
{
	uint64_t now = net_now(ns);
	uint64_t cap = (uint64_t)ns->ns_conf.icmp_burst * 1000u;
	if (now > ns->ns_icmp_last_ns) {
		uint64_t ms = (now - ns->ns_icmp_last_ns) / 1000000u;
		if (ms) {
			ns->ns_icmp_tokens_ms += ms * ns->ns_conf.icmp_rate;
			if (ns->ns_icmp_tokens_ms > cap)
				ns->ns_icmp_tokens_ms = cap;
			/* Advance by the time actually converted into tokens, keep the rest. */
			ns->ns_icmp_last_ns += ms * 1000000u;
		}
	}
	if (ns->ns_icmp_tokens_ms < 1000)
		return false;
	ns->ns_icmp_tokens_ms -= 1000;
	return true;
}

static bool icmp_is_error(uint8_t type)
{
	switch (type) {
	case ICMP_UNREACH:
	case ICMP_SOURCEQUENCH:
	case ICMP_REDIRECT:
	case ICMP_TIMXCEED:
	case ICMP_PARAMPROB:
		return true;
	default:
		return false;
	}
}

/* Finishes an ICMP message in m (the ICMP header at offset 0) and sends it to dst. */
static int icmp_send(struct netstack *ns, struct mbuf *m, ipaddr_t src, ipaddr_t dst, uint8_t tos)
{
	uint8_t *p = mtod(m, uint8_t *);
	be16_put(p + 2, 0);
	be16_put(p + 2, in_cksum_mbuf(m, 0, m->m_pkthdr.len, 0));
	struct ip_out o = { .src = src, .dst = dst, .proto = IPPROTO_ICMP, .tos = tos };
	int rc = ip_output(ns, m, &o, NULL, 0);
	if (rc)
		ns->ns_icmpstat.outerrors++;
	return rc;
}

void icmp_error(struct netstack *ns, struct mbuf *m, uint8_t type, uint8_t code, uint32_t info)
{
	struct icmpstat *st = &ns->ns_icmpstat;
	struct ip_view v;

	NET_ASSERT_LOCKED(ns);
	st->error++;
	if (m->m_pkthdr.len < IP_HDR_MIN) {
		st->oldshort++;
		goto drop;
	}
	m = m_pullup(m, IP_HDR_MIN);
	if (!m) {
		st->oldshort++;
		return;
	}
	ip_view(&v, mtod(m, uint8_t *), m->m_len);
	unsigned hlen = ipv_hlen(v);
	if (hlen < IP_HDR_MIN || hlen > m->m_pkthdr.len) {
		st->oldshort++;
		goto drop;
	}
	ipaddr_t osrc = ipv_src(v), odst = ipv_dst(v);
	/* RFC 1122 3.2.2: never about an ICMP error (or one we cannot tell is not one)... */
	if (ipv_proto(v) == IPPROTO_ICMP) {
		uint8_t t;
		if (m_copydata(m, hlen, 1, &t) != 0 || icmp_is_error(t) || t > ICMP_MAXTYPE) {
			st->oldicmp++;
			goto drop;
		}
	}
	/* ...a datagram to a broadcast or multicast address or sent as a link broadcast... */
	if ((m->m_flags & (M_BCAST | M_MCAST)) || in_ismulticast(odst) ||
	    in_isbroadcast(ns, odst, NULL)) {
		st->bcast++;
		goto drop;
	}
	/* ...a fragment other than the first... */
	if (ipv_off(v) & IP_OFFMASK) {
		st->fragment++;
		goto drop;
	}
	/* ...or a datagram whose source does not name a single host. */
	if (osrc == 0 || in_ismulticast(osrc) || in_isexperimental(osrc) ||
	    in_isbroadcast(ns, osrc, NULL)) {
		st->badsrc++;
		goto drop;
	}
	if (!icmp_ratelimit_ok(ns)) {
		st->ratelimited++;
		goto drop;
	}

	uint32_t qlen = NET_MIN(m->m_pkthdr.len, (uint32_t)ICMP_QUOTE_MAX);
	struct mbuf *n = m_gethdr(MT_DATA);
	if (n && ICMP_HDR_LEN + qlen > MHLEN - M_MAXHDR) {
		m_freem(n);
		n = m_getcl(MT_DATA, M_PKTHDR);
	}
	if (!n) {
		st->outerrors++;
		goto drop;
	}
	m_reserve(n, M_MAXHDR);
	uint8_t *p = mtod(n, uint8_t *);
	p[0] = type;
	p[1] = code;
	be16_put(p + 2, 0);
	be32_put(p + 4, 0);
	if (type == ICMP_PARAMPROB)
		p[4] = (uint8_t)info;                    /* RFC 792: the pointer */
	else if (type == ICMP_UNREACH && code == ICMP_UNREACH_NEEDFRAG)
		be16_put(p + 6, (uint16_t)info);         /* RFC 1191: next-hop MTU */
	m_copydata(m, 0, qlen, p + ICMP_HDR_LEN);
	n->m_len = n->m_pkthdr.len = ICMP_HDR_LEN + qlen;

	if (type == ICMP_UNREACH)
		st->outunreach++;
	else if (type == ICMP_TIMXCEED)
		st->outtimxceed++;
	else if (type == ICMP_PARAMPROB)
		st->outparamprob++;
	/* Source: the address the datagram was sent to when it is ours, else chosen by route. */
	ipaddr_t src = in_islocal(ns, odst) ? odst : 0;
	m_freem(m);
	icmp_send(ns, n, src, osrc, 0);
	return;
drop:
	m_freem(m);
}

/* An error about a datagram we sent: check the quote, pass it to its transport. */
static void icmp_ctl(struct netstack *ns, struct mbuf *m, unsigned hlen, uint8_t type,
    uint8_t code, uint32_t info)
{
	struct icmpstat *st = &ns->ns_icmpstat;
	uint8_t q[ICMP_QUOTE_MAX];
	uint32_t qlen = NET_MIN(m->m_pkthdr.len - hlen - ICMP_HDR_LEN, (uint32_t)sizeof(q));
	struct ip_view qv;

	if (qlen < IP_HDR_MIN + 8 || m_copydata(m, hlen + ICMP_HDR_LEN, qlen, q) != 0) {
		st->badlen++;
		return;
	}
	ip_view(&qv, q, qlen);
	unsigned qhlen = ipv_hlen(qv);
	if (ipv_version(qv) != IPVERSION || qhlen < IP_HDR_MIN || qlen < qhlen + 8) {
		st->badlen++;
		return;
	}
	uint8_t proto = ipv_proto(qv);
	/* RFC 1191: remember the smaller path MTU for every transport toward that host; a
	 * router that did not say (RFC 1191 5: MTU field 0) teaches us nothing here.  Forged
	 * tiny values (RFC 5927 3.3) are raised to 552, Linux's min_pmtu. */
	if (type == ICMP_UNREACH && code == ICMP_UNREACH_NEEDFRAG && info >= 68 &&
	    in_islocal(ns, ipv_src(qv)))
		rt_pmtu_update(ns, ipv_dst(qv), info < ICMP_MIN_PMTU ? ICMP_MIN_PMTU : info);
	if (ns->ns_ipproto[proto].pr_ctlinput) {
		st->ctldelivered++;
		ns->ns_ipproto[proto].pr_ctlinput(ns, type, code, info, q, qlen);
	}
}

void icmp_input(struct netstack *ns, struct mbuf *m, int iphlen)
{
	struct icmpstat *st = &ns->ns_icmpstat;
	unsigned hlen = (unsigned)iphlen;
	struct ip_view v;

	st->received++;
	uint32_t icmplen = m->m_pkthdr.len - hlen;
	if (icmplen < ICMP_HDR_LEN) {
		st->tooshort++;
		goto drop;
	}
	m = m_pullup(m, hlen + ICMP_HDR_LEN);
	if (!m) {
		st->tooshort++;
		return;
	}
	if (in_cksum_mbuf(m, hlen, icmplen, 0) != 0) {
		st->badsum++;
		goto drop;
	}
	ip_view(&v, mtod(m, uint8_t *), m->m_len);
	const uint8_t *ih = mtod(m, const uint8_t *) + hlen;
	uint8_t type = ih[0], code = ih[1];
	ipaddr_t src = ipv_src(v), dst = ipv_dst(v);
	/* RFC 1122 3.2.2.6 is about the IP destination: a unicast echo request that arrived in
	 * a link-layer broadcast is still answered. */
	bool bcast = in_ismulticast(dst) || in_isbroadcast(ns, dst, NULL);

	switch (type) {
	case ICMP_ECHO:
	case ICMP_TSTAMP: {
		if (bcast && !ns->ns_conf.icmp_echo_bcast) {
			st->bcastecho++;   /* RFC 1122 3.2.2.6: MAY ignore; Linux does by default */
			goto drop;
		}
		if (type == ICMP_TSTAMP && icmplen < 20) {
			st->badlen++;
			goto drop;
		}
		/* Reply with the same payload: strip the IP header, make the ICMP part ours
		 * (a raw socket or tap may share the clusters), change the type, and fix the
		 * checksum. */
		uint8_t tos = ipv_tos(v);
		m_adj(m, (int)hlen);
		bool shared = false;
		for (struct mbuf *x = m; x; x = x->m_next)
			if (!M_WRITABLE(x))
				shared = true;
		if (shared) {
			struct mbuf *n = m_dup(m);
			m_freem(m);
			m = n;
		}
		if (m)
			m = m_pullup(m, type == ICMP_TSTAMP ? 20 : ICMP_HDR_LEN);
		if (!m) {
			st->outerrors++;
			return;
		}
		uint8_t *p = mtod(m, uint8_t *);
		if (type == ICMP_ECHO) {
			st->echo++;
			p[0] = ICMP_ECHOREPLY;
			st->echoreply++;
		} else {
			/* RFC 792: receive and transmit timestamps in ms since midnight UT; we
			 * have no UT, so set the high-order bit ("non-standard time value"). */
			uint32_t ms = (uint32_t)((net_now(ns) / 1000000u) % 86400000u) | 0x80000000u;
			st->intstamp++;
			p[0] = ICMP_TSTAMPREPLY;
			be32_put(p + 12, ms);
			be32_put(p + 16, ms);
			st->tstampreply++;
		}
		/* Source: the address the request was sent to (unicast), else chosen. */
		icmp_send(ns, m, bcast ? 0 : dst, src, tos);
		return;
	}
	case ICMP_ECHOREPLY:
		st->inechoreply++;
		goto drop;
	case ICMP_UNREACH:
		st->inunreach++;
		if (code > 15) {
			st->badcode++;
			goto drop;
		}
		icmp_ctl(ns, m, hlen, type, code,
		    code == ICMP_UNREACH_NEEDFRAG ? be16_get(ih + 6) : 0);
		goto drop;
	case ICMP_TIMXCEED:
		st->intimxceed++;
		if (code > 1) {
			st->badcode++;
			goto drop;
		}
		icmp_ctl(ns, m, hlen, type, code, 0);
		goto drop;
	case ICMP_PARAMPROB:
		st->inparamprob++;
		if (code > 2) {
			st->badcode++;
			goto drop;
		}
		icmp_ctl(ns, m, hlen, type, code, ih[4]);
		goto drop;
	case ICMP_SOURCEQUENCH:
		st->insrcquench++;   /* RFC 6633: ignored */
		goto drop;
	case ICMP_REDIRECT:
		st->inredirect++;    /* not acted on: see README "not supported" */
		goto drop;
	default:
		goto drop;
	}
drop:
	m_freem(m);
}
