/* IPv4 fragmentation and reassembly: output fragments (offsets, MF, sizes, copied
 * options), in-order and out-of-order reassembly, duplicates, overlaps, never-completed
 * datagrams and the reassembly timeout with ICMP time exceeded, the 65535-byte limit,
 * bad fragment lengths, the memory cap, the ECN field of reassembled datagrams (RFC 3168
 * 5.3), and 65000-byte pings between two stacks. */
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "host/wire.h"
#include "host/port_host.h"
#include "net/netstack.h"
#include "net/in_cksum.h"
#include "net/ip_var_priv.h"

static uint64_t stat(struct netstack *ns, const char *g, const char *n)
{
	NET_LOCK(ns);
	uint64_t v = net_stat_get(ns, g, n);
	NET_UNLOCK(ns);
	return v;
}

static uint8_t payload[70000];

static void fill(void)
{
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + (i >> 9));
}

/* The ICMP echo request (header + data) we fragment by hand. */
static size_t make_echo(uint8_t *icmp, size_t plen, uint16_t seq)
{
	return tu_icmp(icmp, 8, 0, 9, seq, payload, plen);
}

/* Sends bytes [off, off+len) of an ICMP message as one fragment. */
static void send_frag(struct tu_fx *fx, const uint8_t *icmp, size_t off, size_t len, int more,
    uint16_t id)
{
	uint8_t *d = malloc(20 + len);
	tu_ip(d, TU_IP_P, TU_IP_A, 1, id, (uint16_t)((more ? 0x2000 : 0) | (off / 8)), 64, len,
	    NULL, 0);
	memcpy(d + 20, icmp + off, len);
	tu_peer_send_ip(&fx->peer, TU_MAC_A, d, 20 + len);
	free(d);
}

static size_t nreplies(struct tu_fx *fx) { return tu_peer_count(&fx->peer, 0x0800, 1, 0); }

static void usage(struct tu_fx *fx, uint32_t *q, uint32_t *b)
{
	TU_LOCKED(fx->a, ip_reass_usage(fx->a, q, b));
}

/* Reassembles what the peer received from a (IP fragments of one datagram, any order) and
 * returns the ICMP message length, checking offsets and flags on the way. */
static size_t collect(struct tu_fx *fx, uint8_t proto, uint8_t *out, size_t *nfrags)
{
	size_t total = 0, n = 0, fl;
	const uint8_t *f;
	for (size_t i = 0; (f = tu_peer_find(&fx->peer, 0x0800, proto, -1, i, &fl)) != NULL; i++) {
		const uint8_t *ip = f + 14;
		size_t hl = (size_t)(ip[0] & 15) * 4, tl = be16_get(ip + 2);
		uint16_t off = be16_get(ip + 6);
		assert_int_equal(in_cksum(ip, hl), 0);
		assert_true(tl <= 1500);
		size_t o = (size_t)(off & 0x1fff) * 8;
		if (off & 0x2000)
			assert_int_equal((tl - hl) % 8, 0);
		else
			total = o + tl - hl;
		memcpy(out + o, ip + hl, tl - hl);
		n++;
	}
	*nfrags = n;
	return total;
}

static void test_output_fragments(void **state)
{
	struct tu_fx *fx = *state;
	uint8_t icmp[5000], got[5000];
	size_t l = make_echo(icmp, 3992, 1);     /* 4000 bytes of ICMP: 3 fragments at 1500 */
	NET_LOCK(fx->a);
	struct mbuf *m = m_gethdr(MT_DATA);
	m_append(m, (uint32_t)l, icmp);
	struct ip_out o = { .dst = TU_IP_P, .proto = 1 };
	assert_int_equal(ip_output(fx->a, m, &o, NULL, 0), 0);
	NET_UNLOCK(fx->a);
	world_run(fx->w, 1 * MSEC);
	size_t n;
	assert_int_equal(collect(fx, 1, got, &n), l);
	assert_int_equal(n, 3);
	assert_memory_equal(got, icmp, l);
	assert_int_equal(stat(fx->a, "ip", "ofragments"), 3);
	/* all fragments share one ID; the first carries 1480 bytes */
	size_t fl;
	const uint8_t *f0 = tu_peer_find(&fx->peer, 0x0800, 1, -1, 0, &fl);
	const uint8_t *f1 = tu_peer_find(&fx->peer, 0x0800, 1, -1, 1, &fl);
	assert_int_equal(be16_get(f0 + 18), be16_get(f1 + 18));
	assert_int_equal(be16_get(f0 + 16), 1500);
}

static void test_fragment_options_copied(void **state)
{
	struct tu_fx *fx = *state;
	uint8_t icmp[3000];
	size_t l = make_echo(icmp, 2000, 1);
	/* RR (not copied) then a copied option 0x94 (router alert, 4 bytes) */
	uint8_t opts[12] = { 7, 7, 4, 0, 0, 0, 0, 0x94, 4, 0, 0, 0 };
	NET_LOCK(fx->a);
	struct mbuf *m = m_gethdr(MT_DATA);
	m_append(m, (uint32_t)l, icmp);
	struct ip_out o = { .dst = TU_IP_P, .proto = 1, .optlen = 12, .opts = opts };
	assert_int_equal(ip_output(fx->a, m, &o, NULL, 0), 0);
	NET_UNLOCK(fx->a);
	world_run(fx->w, 1 * MSEC);
	size_t fl;
	const uint8_t *f0 = tu_peer_find(&fx->peer, 0x0800, 1, -1, 0, &fl);
	const uint8_t *f1 = tu_peer_find(&fx->peer, 0x0800, 1, -1, 1, &fl);
	assert_int_equal(f0[14] & 15, 8);          /* 32-byte header: all options */
	assert_int_equal(f1[14] & 15, 6);          /* 24 bytes: only the copied one */
	assert_int_equal(f1[34], 0x94);
	uint8_t got[3000];
	size_t n;
	assert_int_equal(collect(fx, 1, got, &n), l);
	assert_memory_equal(got, icmp, l);
}

static void test_reassembly_in_and_out_of_order(void **state)
{
	struct tu_fx *fx = *state;
	uint8_t icmp[5000];
	size_t l = make_echo(icmp, 2992, 1);   /* 3000 bytes */
	send_frag(fx, icmp, 0, 1000, 1, 100);
	send_frag(fx, icmp, 1000, 1000, 1, 100);
	send_frag(fx, icmp, 2000, 1000, 0, 100);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(stat(fx->a, "ip", "reassembled"), 1);
	assert_int_equal(nreplies(fx), 1);
	/* the reply (3000 bytes) comes back fragmented and carries the same data */
	uint8_t got[5000];
	size_t n;
	tu_peer_clear(&fx->peer);
	l = make_echo(icmp, 2992, 2);
	send_frag(fx, icmp, 2000, 1000, 0, 101);   /* last first */
	send_frag(fx, icmp, 1000, 1000, 1, 101);
	send_frag(fx, icmp, 1000, 1000, 1, 101);   /* an exact duplicate: dropped, kept going */
	send_frag(fx, icmp, 0, 1000, 1, 101);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(stat(fx->a, "ip", "reassembled"), 2);
	assert_int_equal(stat(fx->a, "ip", "fragdropped"), 1);
	assert_int_equal(collect(fx, 1, got, &n), l);
	assert_int_equal(got[0], 0);               /* echo reply */
	assert_memory_equal(got + 4, icmp + 4, l - 4);
	uint32_t q, b;
	usage(fx, &q, &b);
	assert_int_equal(q, 0);
	assert_int_equal(b, 0);
}

static void test_overlap_discards(void **state)
{
	struct tu_fx *fx = *state;
	uint8_t icmp[5000];
	make_echo(icmp, 2992, 1);
	send_frag(fx, icmp, 0, 1000, 1, 200);
	send_frag(fx, icmp, 992, 1008, 1, 200);    /* overlaps the first by 8 bytes */
	send_frag(fx, icmp, 2000, 1000, 0, 200);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(stat(fx->a, "ip", "fragoverlap"), 1);
	assert_int_equal(stat(fx->a, "ip", "reassembled"), 0);
	assert_int_equal(nreplies(fx), 0);
	uint32_t q, b;
	usage(fx, &q, &b);
	assert_int_equal(b, 0);                    /* nothing held for the dead datagram */
	/* a last fragment that disagrees with the known end is an overlap too */
	send_frag(fx, icmp, 0, 1000, 1, 201);
	send_frag(fx, icmp, 2000, 1000, 0, 201);
	send_frag(fx, icmp, 1000, 1008, 0, 201);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(stat(fx->a, "ip", "fragoverlap"), 2);
	world_run(fx->w, 31 * SEC);
	usage(fx, &q, &b);
	assert_int_equal(q, 0);
}

static void test_timeout_and_time_exceeded(void **state)
{
	struct tu_fx *fx = *state;
	uint8_t icmp[5000];
	make_echo(icmp, 2992, 1);
	send_frag(fx, icmp, 0, 1000, 1, 300);       /* never completed */
	send_frag(fx, icmp, 1000, 1000, 1, 301);    /* another, without fragment zero */
	world_run(fx->w, 1 * MSEC);
	uint32_t q, b;
	usage(fx, &q, &b);
	assert_int_equal(q, 2);
	assert_true(b > 2000);
	world_run(fx->w, 29 * SEC);
	assert_int_equal(stat(fx->a, "ip", "fragtimeout"), 0);
	world_run(fx->w, 2 * SEC);
	assert_int_equal(stat(fx->a, "ip", "fragtimeout"), 2);
	usage(fx, &q, &b);
	assert_int_equal(q, 0);
	assert_int_equal(b, 0);
	/* RFC 792: time exceeded (code 1) only for the one whose first fragment came */
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 1, 11), 1);
	size_t fl;
	const uint8_t *f = tu_peer_find(&fx->peer, 0x0800, 1, 11, 0, &fl);
	assert_int_equal(f[14 + 20 + 1], 1);
	assert_int_equal(be16_get(f + 14 + 28 + 4), 300);   /* quotes the datagram's header */
}

static void test_too_big_and_bad_lengths(void **state)
{
	struct tu_fx *fx = *state;
	uint8_t d[1600];
	/* a fragment at offset 65528 with 100 bytes: past 65535 */
	tu_ip(d, TU_IP_P, TU_IP_A, 1, 400, (uint16_t)(65528 / 8), 64, 100, NULL, 0);
	memset(d + 20, 0, 100);
	tu_fx_send(fx, d, 120);
	assert_int_equal(stat(fx->a, "ip", "fragtoobig"), 1);
	/* non-final fragment whose length is not a multiple of 8 */
	tu_ip(d, TU_IP_P, TU_IP_A, 1, 402, 0x2000, 64, 100, NULL, 0);
	tu_fx_send(fx, d, 120);
	assert_int_equal(stat(fx->a, "ip", "fragbadlen"), 1);
	assert_int_equal(nreplies(fx), 0);
	/* a hand-built oversized datagram: fragments covering 0..65600 */
	for (uint32_t off = 0; off < 65600; off += 1480) {
		uint32_t len = off + 1480 > 65600 ? 65600 - off : 1480;
		tu_ip(d, TU_IP_P, TU_IP_A, 1, 403,
		    (uint16_t)((off + len < 65600 ? 0x2000 : 0) | (off / 8)), 64, len, NULL, 0);
		memset(d + 20, 0, len);
		tu_peer_send_ip(&fx->peer, TU_MAC_A, d, 20 + len);
	}
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(stat(fx->a, "ip", "fragtoobig"), 2);
	assert_int_equal(stat(fx->a, "ip", "reassembled"), 0);
	world_run(fx->w, 31 * SEC);
	uint32_t q, b;
	usage(fx, &q, &b);
	assert_int_equal(q, 0);
}

static void test_memory_cap(void **state)
{
	struct tu_fx *fx = *state;
	uint8_t icmp[5000];
	make_echo(icmp, 2992, 1);
	fx->a->ns_conf.reass_maxmem = 5000;
	fx->a->ns_conf.reass_maxqueues = 3;
	for (uint16_t id = 500; id < 510; id++)
		send_frag(fx, icmp, 0, 1000, 1, id);
	world_run(fx->w, 1 * MSEC);
	uint32_t q, b;
	usage(fx, &q, &b);
	assert_true(q <= 3);
	assert_true(b <= 5000);
	assert_int_equal(stat(fx->a, "ip", "fragmemfull"), 7);
	/* the newest survived and still completes */
	send_frag(fx, icmp, 1000, 1000, 1, 509);
	send_frag(fx, icmp, 2000, 1000, 0, 509);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(stat(fx->a, "ip", "reassembled"), 1);
}

static int ping(struct netstack *ns, uint32_t dst, size_t plen)
{
	uint8_t *b = malloc(plen + 8);
	size_t l = tu_icmp(b, 8, 0, 1, 1, payload, plen);
	NET_LOCK(ns);
	struct mbuf *m = m_gethdr(MT_DATA);
	m_reserve(m, M_MAXHDR);
	int rc = m_append(m, (uint32_t)l, b);
	struct ip_out o = { .dst = dst, .proto = 1 };
	rc = rc ? -1 : ip_output(ns, m, &o, NULL, 0);
	NET_UNLOCK(ns);
	free(b);
	return rc;
}

/* ping -s 4000 and -s 65000 between two stacks, through a lossless wire and through one
 * that reorders and duplicates. */
/* One fragment of icmp as an mbuf, its TOS byte tos (ip_reass's input: a driver's frame
 * after ip_input). */
static struct mbuf *frag_mbuf(const uint8_t *icmp, size_t off, size_t len, int more,
    uint16_t id, uint8_t tos)
{
	uint8_t d[1500];
	tu_ip(d, TU_IP_P, TU_IP_A, 1, id, (uint16_t)((more ? 0x2000 : 0) | (off / 8)), 64, len,
	    NULL, 0);
	d[1] = tos;
	d[10] = d[11] = 0;
	be16_put(d + 10, in_cksum(d, 20));
	memcpy(d + 20, icmp + off, len);
	struct mbuf *m = m_devget(d, (uint32_t)(20 + len), 0, NULL);
	assert_non_null(m);
	return m;
}

/* Reassembles three fragments with the given TOS bytes; the datagram's TOS, or -1 when
 * none came out. */
static int reass_tos(struct tu_fx *fx, uint16_t id, uint8_t t0, uint8_t t1, uint8_t t2)
{
	uint8_t icmp[3000];
	make_echo(icmp, 2992, 1);
	struct mbuf *m[3] = { frag_mbuf(icmp, 0, 1000, 1, id, t0),
	    frag_mbuf(icmp, 1000, 1000, 1, id, t1), frag_mbuf(icmp, 2000, 1000, 0, id, t2) };
	struct mbuf *out = NULL;
	NET_LOCK(fx->a);
	for (int i = 0; i < 3; i++) {
		struct mbuf *r = ip_reass(fx->a, m[i], 20);
		if (r)
			out = r;
	}
	NET_UNLOCK(fx->a);
	if (!out)
		return -1;
	uint8_t h[20];
	m_copydata(out, 0, 20, h);
	assert_int_equal(in_cksum(h, 20), 0);      /* the header sum covers the new TOS */
	m_freem(out);
	return h[1];
}

/* RFC 3168 5.3: a CE mark on any fragment survives reassembly; fragments that mix CE with
 * Not-ECT are no datagram a router made of one ECT datagram, and it is dropped. */
static void test_reassembly_ecn(void **state)
{
	struct tu_fx *fx = *state;
	assert_int_equal(reass_tos(fx, 300, 0x02, 0x02, 0x02), 0x02);
	assert_int_equal(reass_tos(fx, 301, 0xb8 | 0x02, 0xb8 | 0x03, 0xb8 | 0x02), 0xb8 | 0x03);
	assert_int_equal(reass_tos(fx, 302, 0x03, 0x01, 0x02), 0x03);
	assert_int_equal(reass_tos(fx, 303, 0x00, 0x00, 0x00), 0x00);
	uint64_t dropped = stat(fx->a, "ip", "fragdropped");
	assert_int_equal(reass_tos(fx, 304, 0x00, 0x03, 0x00), -1);
	assert_int_equal(stat(fx->a, "ip", "fragdropped"), dropped + 1);
	assert_int_equal(stat(fx->a, "ip", "reassembled"), 4);
	uint32_t q, b;
	usage(fx, &q, &b);
	assert_int_equal(q, 0);
	assert_int_equal(b, 0);
}

static void test_big_pings_between_stacks(void **st)
{
	(void)st;
	for (int faulty = 0; faulty < 2; faulty++) {
		struct tu_leakcheck lc;
		tu_leakcheck_begin(&lc);
		struct world *w = world_new(0);
		struct netstack *a = world_stack(w, "a"), *b = world_stack(w, "b");
		struct wire *wr = world_wire(w, 20 * USEC);
		const uint8_t ma[6] = { 2, 0, 0, 0, 0, 0xa }, mb[6] = { 2, 0, 0, 0, 0, 0xb };
		struct ifnet *ea = wire_attach(wr, a, "eth0", ma), *eb = wire_attach(wr, b, "eth0", mb);
		TU_LOCKED(a, if_addr_add(ea, 0x0a000001, 24));
		TU_LOCKED(b, if_addr_add(eb, 0x0a000002, 24));
		world_run(w, 1 * MSEC);
		if (faulty) {
			struct fault_conf fc = { .dup_ppm = 100000, .reorder_ppm = 200000,
			    .reorder_delay_ns = 300 * USEC, .seed = 7 };
			wire_fault(wr, &fc);
		}
		assert_int_equal(ping(a, 0x0a000002, 4000), 0);
		world_run(w, 10 * MSEC);
		assert_int_equal(ping(a, 0x0a000002, 65000), 0);
		world_run(w, 10 * MSEC);
		assert_int_equal(stat(a, "icmp", "inechoreply"), 2);
		assert_int_equal(stat(b, "ip", "reassembled"), 2);
		assert_int_equal(stat(a, "ip", "reassembled"), 2);
		/* the largest possible echo: 65535 - 20 - 8 bytes of data */
		assert_int_equal(ping(a, 0x0a000002, 65507), 0);
		world_run(w, 10 * MSEC);
		assert_int_equal(stat(a, "icmp", "inechoreply"), 3);
		assert_int_equal(ping(a, 0x0a000002, 65508), -90);   /* EMSGSIZE */
		world_free(w);
		tu_leakcheck_end(&lc);
	}
}

int main(void)
{
	fill();
#define T(f) cmocka_unit_test_setup_teardown(f, tu_fx_setup, tu_fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_output_fragments),
		T(test_fragment_options_copied),
		T(test_reassembly_in_and_out_of_order),
		T(test_overlap_discards),
		T(test_timeout_and_time_exceeded),
		T(test_too_big_and_bad_lengths),
		T(test_memory_cap),
		T(test_reassembly_ecn),
		cmocka_unit_test(test_big_pings_between_stacks),
	};
	return TU_RUN(tests);
}
