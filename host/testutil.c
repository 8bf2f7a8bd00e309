/* Helpers shared by the hosted cmocka tests (testutil.h). */
#include <string.h>
#include "host/testutil.h"
#include "host/port_host.h"
#include "host/wire.h"
#include "host/stos_api.h"
#include "net/netlib.h"
#include "net/in_cksum.h"
#include "net/tcp_var.h"
#include <errno.h>
#include <stdlib.h>
#include <stos/socket.h>
#include <stos/in.h>

void tu_leakcheck_begin(struct tu_leakcheck *lc)
{
	mbuf_stats(&lc->ms);
	lc->alloc_live = host_alloc_live();
}

void tu_leakcheck_end(const struct tu_leakcheck *lc)
{
	struct mbuf_stats now;
	mbuf_stats(&now);
	assert_int_equal(now.mbufs, lc->ms.mbufs);
	assert_int_equal(now.clusters, lc->ms.clusters);
	assert_int_equal(host_alloc_live(), lc->alloc_live);
}

static struct tu_leakcheck mbuf_lc;

int tu_mbuf_setup(void **state)
{
	(void)state;
	tu_leakcheck_begin(&mbuf_lc);
	return 0;
}

int tu_mbuf_teardown(void **state)
{
	(void)state;
	mbuf_set_limits(0, 0);
	tu_leakcheck_end(&mbuf_lc);
	return 0;
}

void tu_assert_chain(const struct mbuf *m, const void *want, uint32_t len)
{
	uint8_t *got = malloc(len + 1);
	assert_non_null(got);
	assert_int_equal(m_length(m), len);
	assert_int_equal(m_copydata(m, 0, len, got), 0);
	assert_memory_equal(got, want, len);
	free(got);
}

struct mbuf *tu_chain(const void *buf, uint32_t len, uint32_t piece)
{
	const uint8_t *p = buf;
	if (piece == 0)
		return m_devget(buf, len, 0, NULL);
	struct mbuf *top = m_gethdr(MT_DATA), *m = top;
	if (!top)
		return NULL;
	uint32_t off = 0;
	while (off < len) {
		uint32_t c = len - off < piece ? len - off : piece;
		if (m != top || m->m_len) {
			struct mbuf *n = c > MLEN ? m_getcl(MT_DATA, 0) : m_get(MT_DATA);
			if (!n) {
				m_freem(top);
				return NULL;
			}
			m->m_next = n;
			m = n;
		} else if (c > MLEN) {
			struct mbuf *n = m_getcl(MT_DATA, M_PKTHDR);
			m_free(top);
			if (!n)
				return NULL;
			top = m = n;
		}
		memcpy(m->m_data, p + off, c);
		m->m_len = c;
		off += c;
	}
	top->m_pkthdr.len = len;
	return top;
}

size_t tu_eth(uint8_t *b, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	be16_put(b + 12, type);
	return 14;
}

size_t tu_ip(uint8_t *b, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id,
    uint16_t off_flags, uint8_t ttl, size_t plen, const uint8_t *opts, size_t optlen)
{
	size_t hlen = 20 + optlen;
	b[0] = (uint8_t)(0x40 | (hlen / 4));
	b[1] = 0;
	be16_put(b + 2, (uint16_t)(hlen + plen));
	be16_put(b + 4, id);
	be16_put(b + 6, off_flags);
	b[8] = ttl;
	b[9] = proto;
	be16_put(b + 10, 0);
	be32_put(b + 12, src);
	be32_put(b + 16, dst);
	if (optlen)
		memcpy(b + 20, opts, optlen);
	be16_put(b + 10, in_cksum(b, hlen));
	return hlen;
}

size_t tu_tcp(uint8_t *b, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
    uint8_t flags, uint16_t win, const uint8_t *opts, size_t optlen, const void *pay,
    size_t plen, uint16_t urp)
{
	size_t tl = 20 + optlen + plen;
	size_t h = tu_ip(b, TU_IP_P, TU_IP_A, 6, 1, 0x4000, 64, tl, NULL, 0);
	uint8_t *t = b + h;
	be16_put(t, sport);
	be16_put(t + 2, dport);
	be32_put(t + 4, seq);
	be32_put(t + 8, ack);
	t[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	t[13] = flags;
	be16_put(t + 14, win);
	be16_put(t + 16, 0);
	be16_put(t + 18, urp);
	if (optlen)
		memcpy(t + 20, opts, optlen);
	if (plen)
		memcpy(t + 20 + optlen, pay, plen);
	uint32_t sum = in_pseudo(TU_IP_P, TU_IP_A, 6, (uint16_t)tl);
	be16_put(t + 16, (uint16_t)(~in_cksum_add(sum, t, tl) & 0xffff));
	return h + tl;
}

size_t tu_icmp(uint8_t *b, uint8_t type, uint8_t code, uint16_t id, uint16_t seq,
    const uint8_t *payload, size_t plen)
{
	b[0] = type;
	b[1] = code;
	be16_put(b + 2, 0);
	be16_put(b + 4, id);
	be16_put(b + 6, seq);
	if (plen)
		memcpy(b + 8, payload, plen);
	be16_put(b + 2, in_cksum(b, 8 + plen));
	return 8 + plen;
}

size_t tu_arp(uint8_t *b, uint16_t op, const uint8_t sha[6], uint32_t spa, const uint8_t tha[6],
    uint32_t tpa)
{
	static const uint8_t zero[6];
	be16_put(b, 1);
	be16_put(b + 2, 0x0800);
	b[4] = 6;
	b[5] = 4;
	be16_put(b + 6, op);
	memcpy(b + 8, sha, 6);
	be32_put(b + 14, spa);
	memcpy(b + 18, tha ? tha : zero, 6);
	be32_put(b + 24, tpa);
	return 28;
}

static void peer_rx(void *arg, const uint8_t *f, size_t len)
{
	struct tu_peer *p = arg;
	if (p->n < TU_PEER_MAX) {
		p->frame[p->n] = malloc(len);
		memcpy(p->frame[p->n], f, len);
		p->len[p->n] = len;
		p->n++;
	}
	/* ARP request for our address: answer it. */
	if (p->auto_arp && len >= 42 && be16_get(f + 12) == 0x0806 && be16_get(f + 20) == 1 &&
	    be32_get(f + 38) == p->ip) {
		uint8_t r[60] = { 0 };
		tu_eth(r, f + 22, p->mac, 0x0806);
		tu_arp(r + 14, 2, p->mac, p->ip, f + 22, be32_get(f + 28));
		wire_port_send(p->port, r, 60);
	}
}

void tu_peer_init(struct tu_peer *p, struct wire *wr, const uint8_t mac[6], uint32_t ip)
{
	memset(p, 0, sizeof(*p));
	memcpy(p->mac, mac, 6);
	p->ip = ip;
	p->auto_arp = 1;
	p->port = wire_raw_port(wr, peer_rx, p);
}

void tu_peer_clear(struct tu_peer *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->frame[i]);
	p->n = 0;
}

void tu_peer_send(struct tu_peer *p, const uint8_t *frame, size_t len)
{
	wire_port_send(p->port, frame, len);
}

void tu_peer_send_ip(struct tu_peer *p, const uint8_t dstmac[6], const uint8_t *ip, size_t len)
{
	uint8_t *f = calloc(1, len + 14 < 60 ? 60 : len + 14);
	tu_eth(f, dstmac, p->mac, 0x0800);
	memcpy(f + 14, ip, len);
	wire_port_send(p->port, f, len + 14 < 60 ? 60 : len + 14);
	free(f);
}

static int peer_match(const uint8_t *f, size_t len, uint16_t type, int proto, int icmp_type)
{
	if (len < 14 || be16_get(f + 12) != type)
		return 0;
	if (type != 0x0800 || proto < 0)
		return 1;
	if (len < 34 || f[23] != proto)
		return 0;
	if (icmp_type < 0)
		return 1;
	size_t hl = (size_t)(f[14] & 15) * 4;
	if ((be16_get(f + 20) & 0x1fff) != 0)
		return 0;
	return len > 14 + hl && f[14 + hl] == icmp_type;
}

size_t tu_peer_count(const struct tu_peer *p, uint16_t type, int proto, int icmp_type)
{
	size_t c = 0;
	for (size_t i = 0; i < p->n; i++)
		c += (size_t)peer_match(p->frame[i], p->len[i], type, proto, icmp_type);
	return c;
}

const uint8_t *tu_peer_find(const struct tu_peer *p, uint16_t type, int proto, int icmp_type,
    size_t idx, size_t *len)
{
	for (size_t i = 0; i < p->n; i++)
		if (peer_match(p->frame[i], p->len[i], type, proto, icmp_type) && idx-- == 0) {
			if (len)
				*len = p->len[i];
			return p->frame[i];
		}
	return NULL;
}

int tu_peer_tcp_seg(const struct tu_peer *p, size_t i, struct tu_seg *s)
{
	size_t n = tu_peer_count(p, 0x0800, 6, -1), len;
	if (i == TU_SEG_LAST)
		i = n - 1;
	const uint8_t *f = n ? tu_peer_find(p, 0x0800, 6, -1, i, &len) : NULL;
	if (!f)
		return 0;
	const uint8_t *ip = f + 14;
	size_t ihl = (ip[0] & 15u) * 4u, tot = be16_get(ip + 2);
	const uint8_t *t = ip + ihl;
	size_t off = (t[12] >> 4) * 4u;
	s->sport = be16_get(t);
	s->dport = be16_get(t + 2);
	s->seq = be32_get(t + 4);
	s->ack = be32_get(t + 8);
	s->flags = t[13];
	s->win = be16_get(t + 14);
	s->len = tot - ihl - off;
	s->optlen = off - 20;
	s->opt = t + 20;
	s->tsval = 0;
	for (size_t k = 20; k < off;) {
		if (t[k] == 0)                  /* end of options */
			break;
		if (t[k] == 1) {                /* NOP */
			k++;
			continue;
		}
		if (k + 1 >= off || t[k + 1] < 2)
			break;
		if (t[k] == 8 && t[k + 1] == 10 && k + 10 <= off)
			s->tsval = be32_get(t + k + 2);
		k += t[k + 1];
	}
	return 1;
}

const uint8_t TU_MAC_A[6] = { 2, 0, 0, 0, 0, 1 };
const uint8_t TU_MAC_P[6] = { 2, 0, 0, 0, 0, 0x99 };

int tu_fx_setup(void **state)
{
	struct tu_fx *fx = calloc(1, sizeof(*fx));
	host_random_seed(42);
	tu_leakcheck_begin(&fx->lc);
	fx->w = world_new(1 * SEC);
	fx->a = world_stack(fx->w, "a");
	fx->wr = world_wire(fx->w, 10 * USEC);
	fx->ea = wire_attach(fx->wr, fx->a, "eth0", TU_MAC_A);
	TU_LOCKED(fx->a, if_addr_add(fx->ea, TU_IP_A, 24));
	tu_peer_init(&fx->peer, fx->wr, TU_MAC_P, TU_IP_P);
	world_run(fx->w, 1 * MSEC);
	tu_peer_clear(&fx->peer);
	*state = fx;
	return 0;
}

int tu_fx_teardown(void **state)
{
	struct tu_fx *fx = *state;
	tu_peer_clear(&fx->peer);
	world_free(fx->w);
	tu_leakcheck_end(&fx->lc);
	free(fx);
	return 0;
}

int tu_fx_setup_sockets(void **state)
{
	int rc = tu_fx_setup(state);
	if (rc)
		return rc;
	struct tu_fx *fx = *state;
	return stos_stack_init(fx->a) == 0 ? 0 : -1;
}

int tu_fx_teardown_sockets(void **state)
{
	struct tu_fx *fx = *state;
	stos_close_all(fx->a);
	world_run(fx->w, 20 * 60 * SEC);
	return tu_fx_teardown(state);
}

void tu_fx_send(struct tu_fx *fx, const uint8_t *ip, size_t len)
{
	tu_peer_send_ip(&fx->peer, TU_MAC_A, ip, len);
	world_run(fx->w, 100 * USEC);
}

/* ---- two instances on a traced in-memory wire ---- */

static void duo_trace(void *arg, const uint8_t *frame, size_t len)
{
	struct tu_duo *d = arg;
	for (size_t i = 0; i < len; i++)
		d->trace_hash = (d->trace_hash ^ frame[i]) * 0x100000001b3ull;
	d->frames++;
}

void tu_duo_up(struct tu_duo *d, const struct fault_conf *fc)
{
	static const uint8_t ma[6] = { 2, 0, 0, 0, 0, 0xa }, mb[6] = { 2, 0, 0, 0, 0, 0xb };
	memset(d, 0, sizeof *d);
	d->trace_hash = 0xcbf29ce484222325ull;
	host_random_seed(42);
	tu_leakcheck_begin(&d->lc);
	d->w = world_new(1 * SEC);
	d->a = world_stack(d->w, "a");
	d->b = world_stack(d->w, "b");
	assert_int_equal(stos_stack_init(d->a), 0);
	assert_int_equal(stos_stack_init(d->b), 0);
	d->wr = world_wire(d->w, 100 * USEC);
	d->ea = wire_attach(d->wr, d->a, "eth0", ma);
	d->eb = wire_attach(d->wr, d->b, "eth0", mb);
	TU_LOCKED(d->a, assert_int_equal(if_addr_add(d->ea, TU_DUO_A, 24), 0));
	TU_LOCKED(d->b, assert_int_equal(if_addr_add(d->eb, TU_DUO_B, 24), 0));
	assert_non_null(wire_raw_port(d->wr, duo_trace, d));
	if (fc)
		assert_int_equal(wire_fault(d->wr, fc), 0);
	world_run(d->w, 10 * MSEC);
}

void tu_duo_connect(struct tu_duo *d, bool nodelay, int *l, int *c, int *s)
{
	struct sockaddr_in sb;
	memset(&sb, 0, sizeof sb);
	sb.sin_family = AF_INET;
	sb.sin_port = net_htons(5001);
	sb.sin_addr.s_addr = net_htonl(TU_DUO_B);
	*l = stos_socket(d->b, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_int_equal(stos_bind(*l, (struct sockaddr *)&sb, sizeof sb), 0);
	assert_int_equal(stos_listen(*l, 4), 0);
	*c = stos_socket(d->a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (nodelay) {
		int one = 1;
		assert_int_equal(stos_setsockopt(*c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one), 0);
	}
	assert_int_equal(stos_connect(*c, (struct sockaddr *)&sb, sizeof sb), -1);
	assert_int_equal(errno, EINPROGRESS);
	*s = -1;
	for (int i = 0; i < 20000 && *s < 0; i++) {
		world_run(d->w, 1 * MSEC);
		*s = stos_accept(*l, NULL, NULL);
	}
	assert_true(*s >= 0);
	assert_int_equal(stos_set_nonblock(*s, 1), 0);
}

void tu_duo_close(struct tu_duo *d, int l, int c, int s)
{
	stos_close(c);
	stos_close(s);
	stos_close(l);
	wire_fault(d->wr, NULL);
	world_run(d->w, 20 * 60 * SEC);
	TU_LOCKED(d->a, assert_int_equal(tcp_count_state(d->a, 0, 0), 0));
	TU_LOCKED(d->b, assert_int_equal(tcp_count_state(d->b, 0, 0), 0));
}

void tu_duo_free(struct tu_duo *d)
{
	world_free(d->w);
	tu_leakcheck_end(&d->lc);
}
