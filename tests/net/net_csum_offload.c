/* Transmit checksum offload (net/ip_csum.c and its use in ip_output): which work an
 * interface's if_hwassist takes, the software fallback for the rest (checked against checksums
 * computed here from scratch), fragments and broadcast loopback copies always in software,
 * TSO only with a capable interface, mismatched requests refused and counted. */
#include <errno.h>
#include <string.h>
#include "host/testutil.h"
#include "tests/tcp/tso_ref.h"
#include "host/wire.h"
#include "host/port_host.h"
#include "net/netstack.h"
#include "net/in_cksum.h"
#include "net/ip_csum.h"

#define SRC 0x0a000001u
#define DST 0x0a000063u

/* RFC 1071 checksum of a byte string with a starting sum (the tests' reference sum). */
static uint16_t ref_sum(const uint8_t *b, size_t n, uint32_t s)
{
	return (uint16_t)~tso_ref_sum16(b, n, s);
}

/* 1 if the IPv4 datagram d has valid header and transport checksums. */
static int dgram_ok(const uint8_t *d)
{
	unsigned hl = (d[0] & 15) * 4u, tot = (unsigned)(d[2] << 8 | d[3]);
	if (ref_sum(d, hl, 0) != 0)
		return 0;
	uint32_t ph = (uint32_t)(d[12] << 8 | d[13]) + (uint32_t)(d[14] << 8 | d[15]) +
	    (uint32_t)(d[16] << 8 | d[17]) + (uint32_t)(d[18] << 8 | d[19]) + d[9] + (tot - hl);
	if (d[9] == 17 && d[hl + 6] == 0 && d[hl + 7] == 0)
		return 0;               /* we never send "no checksum" */
	return ref_sum(d + hl, tot - hl, ph) == 0;
}

/* A datagram as ip_output hands it over: IP header (checksum 0), TCP (20-byte header) or UDP
 * header with the deferred-checksum seed, and plen bytes of payload. */
static size_t mkdgram(uint8_t *d, int tcp, size_t plen, int tso)
{
	unsigned l4h = tcp ? 20 : 8;
	size_t tot = 20 + l4h + plen;
	memset(d, 0, 20 + l4h);
	d[0] = 0x45;
	be16_put(d + 2, (uint16_t)tot);
	be16_put(d + 4, 77);
	d[6] = 0x40;
	d[8] = 64;
	d[9] = tcp ? 6 : 17;
	be32_put(d + 12, SRC);
	be32_put(d + 16, DST);
	uint8_t *th = d + 20;
	be16_put(th, 1234);
	be16_put(th + 2, 80);
	if (tcp) {
		be32_put(th + 4, 0x01020304);
		th[12] = 0x50;
		th[13] = 0x18;
		be16_put(th + 14, 65535);
	} else {
		be16_put(th + 4, (uint16_t)(8 + plen));
	}
	for (size_t i = 0; i < plen; i++)
		th[l4h + i] = (uint8_t)(i * 31 + 7);
	be16_put(th + (tcp ? 16 : 6),
	    ip_csum_pseudo(SRC, DST, d[9], tso ? 0 : (uint16_t)(l4h + plen)));
	return tot;
}

static struct mbuf *mkpkt(const uint8_t *d, size_t len, unsigned flags)
{
	struct mbuf *m = tu_chain(d, (uint32_t)len, 0);
	m = m_pullup(m, len < 40 ? (uint32_t)len : 40);
	assert_non_null(m);
	m->m_pkthdr.csum_flags = flags;
	return m;
}

static void test_software_fallback(void **state)
{
	(void)state;
	struct tu_leakcheck lc;
	tu_leakcheck_begin(&lc);
	static uint8_t d[3000], out[3000];
	struct ifnet ifp;
	struct ipstat st;
	memset(&ifp, 0, sizeof(ifp));
	memset(&st, 0, sizeof(st));
	for (int tcp = 0; tcp < 2; tcp++) {
		for (size_t plen = 0; plen < 1400; plen += 333) {
			size_t len = mkdgram(d, tcp, plen, 0);
			struct mbuf *m = mkpkt(d, len, CSUM_IP | (tcp ? CSUM_TCP : CSUM_UDP));
			assert_int_equal(ip_csum_output(&ifp, m, 20, false, &st), 0);
			assert_int_equal(m->m_pkthdr.csum_flags & CSUM_TX_MASK, 0);
			m_copydata(m, 0, (uint32_t)len, out);
			assert_true(dgram_ok(out));
			m_freem(m);
		}
	}
	assert_int_equal(st.ocsumsw, 10);
	assert_int_equal(st.ocsumhw, 0);
	/* a packet with nothing requested is left alone */
	size_t len = mkdgram(d, 1, 10, 0);
	struct mbuf *m = mkpkt(d, len, 0);
	assert_int_equal(ip_csum_output(&ifp, m, 20, false, &st), 0);
	m_copydata(m, 0, (uint32_t)len, out);
	assert_memory_equal(out, d, len);
	m_freem(m);
	tu_leakcheck_end(&lc);
}

static void test_hwassist_decides(void **state)
{
	(void)state;
	struct tu_leakcheck lc;
	tu_leakcheck_begin(&lc);
	static uint8_t d[3000], out[3000];
	struct ifnet ifp;
	struct ipstat st;
	memset(&ifp, 0, sizeof(ifp));
	memset(&st, 0, sizeof(st));

	/* everything offloaded: the packet is untouched, the flags stay for the driver */
	ifp.if_hwassist = CSUM_IP | CSUM_TCP | CSUM_UDP;
	size_t len = mkdgram(d, 1, 500, 0);
	struct mbuf *m = mkpkt(d, len, CSUM_IP | CSUM_TCP);
	assert_int_equal(ip_csum_output(&ifp, m, 20, false, &st), 0);
	assert_int_equal(m->m_pkthdr.csum_flags, CSUM_IP | CSUM_TCP);
	m_copydata(m, 0, (uint32_t)len, out);
	assert_memory_equal(out, d, len);
	assert_int_equal(st.ocsumhw, 1);
	/* what the device does (sum from the transport header with the seed in place) makes
	 * the right checksums: the contract holds */
	be16_put(out + 10, ref_sum(out, 20, 0));
	be16_put(out + 36, ref_sum(out + 20, len - 20, 0));
	assert_true(dgram_ok(out));
	m_freem(m);

	/* header only in hardware: TCP completed here, CSUM_IP left */
	ifp.if_hwassist = CSUM_IP;
	m = mkpkt(d, len, CSUM_IP | CSUM_TCP);
	assert_int_equal(ip_csum_output(&ifp, m, 20, false, &st), 0);
	assert_int_equal(m->m_pkthdr.csum_flags, CSUM_IP);
	m_copydata(m, 0, (uint32_t)len, out);
	assert_int_equal(be16_get(out + 10), 0);
	be16_put(out + 10, ref_sum(out, 20, 0));
	assert_true(dgram_ok(out));
	m_freem(m);

	/* to be fragmented: all in software whatever the device can do */
	ifp.if_hwassist = CSUM_IP | CSUM_TCP | CSUM_UDP | CSUM_TSO;
	len = mkdgram(d, 0, 2500, 0);
	m = mkpkt(d, len, CSUM_IP | CSUM_UDP);
	assert_int_equal(ip_csum_output(&ifp, m, 20, true, &st), 0);
	assert_int_equal(m->m_pkthdr.csum_flags & CSUM_TX_MASK, 0);
	m_copydata(m, 0, (uint32_t)len, out);
	assert_true(dgram_ok(out));
	m_freem(m);

	/* TSO: kept for a capable device, refused otherwise, and needs a segment size */
	len = mkdgram(d, 1, 2900, 1);
	m = mkpkt(d, len, CSUM_TCP | CSUM_TSO);
	m->m_pkthdr.tso_segsz = 1460;
	assert_int_equal(ip_csum_output(&ifp, m, 20, false, &st), 0);
	assert_int_equal(m->m_pkthdr.csum_flags, CSUM_IP | CSUM_TCP | CSUM_TSO);
	ifp.if_hwassist = CSUM_IP | CSUM_TCP | CSUM_UDP;
	uint64_t bad0 = st.ocsumbad;
	assert_int_equal(ip_csum_output(&ifp, m, 20, false, &st), -EMSGSIZE);
	m->m_pkthdr.tso_segsz = 0;
	ifp.if_hwassist |= CSUM_TSO;
	assert_int_equal(ip_csum_output(&ifp, m, 20, false, &st), -EINVAL);
	assert_int_equal(st.ocsumbad, bad0 + 2);
	m_freem(m);

	/* requests that do not match the packet */
	len = mkdgram(d, 1, 100, 0);
	m = mkpkt(d, len, CSUM_UDP);            /* UDP asked of a TCP segment */
	assert_int_equal(ip_csum_output(&ifp, m, 20, false, &st), -EINVAL);
	m_freem(m);
	len = mkdgram(d, 0, 100, 0);
	m = mkpkt(d, len, CSUM_UDP | CSUM_TSO); /* TSO of UDP */
	m->m_pkthdr.tso_segsz = 500;
	assert_int_equal(ip_csum_output(&ifp, m, 20, false, &st), -EINVAL);
	m_freem(m);
	be16_put(d + 6, 0x2000);                /* a fragment cannot have its L4 sum offloaded */
	m = mkpkt(d, len, CSUM_UDP);
	assert_int_equal(ip_csum_output(&ifp, m, 20, false, &st), -EINVAL);
	m_freem(m);
	assert_int_equal(st.ocsumbad, bad0 + 5);
	tu_leakcheck_end(&lc);
}

static uint64_t stat(struct netstack *ns, const char *g, const char *n)
{
	NET_LOCK(ns);
	uint64_t v = net_stat_get(ns, g, n);
	NET_UNLOCK(ns);
	return v;
}

/* A UDP datagram through ip_output with its checksum deferred. */
static int send_udp(struct tu_fx *fx, ipaddr_t dst, size_t plen, unsigned flags)
{
	uint8_t b[2000];
	size_t len = mkdgram(b, 0, plen, 0);
	be16_put(b + 26, ip_csum_pseudo(SRC, dst, 17, (uint16_t)(8 + plen)));
	struct mbuf *m = tu_chain(b + 20, (uint32_t)(len - 20), 0);
	m->m_pkthdr.csum_flags = CSUM_UDP;
	struct ip_out o = { .src = SRC, .dst = dst, .proto = 17 };
	NET_LOCK(fx->a);
	int rc = ip_output(fx->a, m, &o, NULL, flags);
	NET_UNLOCK(fx->a);
	world_run(fx->w, 1 * MSEC);
	return rc;
}

static void test_ip_output(void **state)
{
	struct tu_fx *fx = *state;
	size_t fl;
	const uint8_t *f;
	/* the hosted link has no offload: ip_output completes both checksums */
	assert_int_equal(send_udp(fx, TU_IP_P, 300, 0), 0);
	f = tu_peer_find(&fx->peer, 0x0800, 17, -1, 0, &fl);
	assert_non_null(f);
	assert_true(dgram_ok(f + 14));
	assert_int_equal(stat(fx->a, "ip", "ocsumsw"), 1);

	/* an interface that offloads: the frame leaves with the work undone (the device's) */
	fx->ea->if_hwassist = CSUM_IP | CSUM_UDP;
	tu_peer_clear(&fx->peer);
	assert_int_equal(send_udp(fx, TU_IP_P, 300, 0), 0);
	f = tu_peer_find(&fx->peer, 0x0800, 17, -1, 0, &fl);
	assert_non_null(f);
	assert_int_equal(be16_get(f + 14 + 10), 0);
	assert_int_equal(be16_get(f + 14 + 26), ip_csum_pseudo(SRC, TU_IP_P, 17, 308));
	assert_int_equal(stat(fx->a, "ip", "ocsumhw"), 1);

	/* too big for the MTU: fragmented with every checksum in software */
	tu_peer_clear(&fx->peer);
	assert_int_equal(send_udp(fx, TU_IP_P, 1480 + 300, 0), 0);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 17, -1), 2);
	for (size_t i = 0; i < 2; i++) {
		f = tu_peer_find(&fx->peer, 0x0800, 17, -1, i, &fl);
		assert_int_equal(ref_sum(f + 14, 20, 0), 0);
	}
	f = tu_peer_find(&fx->peer, 0x0800, 17, -1, 0, &fl);
	uint8_t whole[1900];
	memcpy(whole, f + 14, 20 + 1480);
	const uint8_t *f2 = tu_peer_find(&fx->peer, 0x0800, 17, -1, 1, &fl);
	memcpy(whole + 20 + 1480, f2 + 34, 308 + 1480 - 1480);
	be16_put(whole + 2, 20 + 8 + 1780);
	be16_put(whole + 6, 0x4000);
	whole[10] = whole[11] = 0;
	be16_put(whole + 10, ref_sum(whole, 20, 0));
	assert_true(dgram_ok(whole));

	/* a broadcast: the copy looped back to ourselves is completed in software (no bad
	 * checksum on input), the one on the wire is left to the device */
	tu_peer_clear(&fx->peer);
	uint64_t bad0 = stat(fx->a, "udp", "badsum") + stat(fx->a, "ip", "badsum");
	assert_int_equal(send_udp(fx, 0x0a0000ffu, 100, IP_ALLOWBROADCAST), 0);
	assert_int_equal(stat(fx->a, "udp", "badsum") + stat(fx->a, "ip", "badsum"), bad0);
	assert_true(stat(fx->a, "udp", "noportbcast") + stat(fx->a, "udp", "noport") >= 1);
	f = tu_peer_find(&fx->peer, 0x0800, 17, -1, 0, &fl);
	assert_non_null(f);
	assert_int_equal(be16_get(f + 14 + 10), 0);
	fx->ea->if_hwassist = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_software_fallback),
		cmocka_unit_test(test_hwassist_decides),
		cmocka_unit_test_setup_teardown(test_ip_output, tu_fx_setup, tu_fx_teardown),
	};
	return TU_RUN(tests);
}
