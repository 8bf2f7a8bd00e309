/* UDP and raw IP against a scripted peer on the in-memory wire (host/testutil.h fixture:
 * stack a = 10.0.0.1/24, peer 10.0.0.99): what goes on the wire (checksums, broadcast
 * frames, ICMP port unreachable with the right quote) and how malformed input is counted and
 * dropped (bad checksum, zero checksum, bad lengths, truncated headers), broadcast delivery,
 * ECONNREFUSED from a peer's ICMP, raw ICMP sockets (copies, ICMP_FILTER, IP_HDRINCL).
 * This file uses STOS's own ABI headers (it includes net/ through testutil.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "host/wire.h"
#include "host/stos_api.h"
#include "net/in_cksum.h"
#include "net/netlib.h"
#include "net/route.h"
#include <stos/socket.h>
#include <stos/in.h>
#include "host/sin.h"

static int setup(void **st)
{
	int rc = tu_fx_setup(st);
	if (rc)
		return rc;
	struct tu_fx *fx = *st;
	return stos_stack_init(fx->a) == 0 || errno == EEXIST ? 0 : -1;
}

static int teardown(void **st)
{
	struct tu_fx *fx = *st;
	unsigned left = stos_close_all(fx->a);
	int rc = tu_fx_teardown(st);
	assert_int_equal(left, 0);
	return rc;
}

#define SA(x) ((struct sockaddr *)&(x))

static int udp_bound(struct netstack *ns, uint32_t a, uint16_t port, int reuse)
{
	int fd = stos_socket(ns, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in s = sin_h(a, port);
	assert_true(fd >= 0);
	if (reuse)
		assert_int_equal(stos_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse)), 0);
	assert_int_equal(stos_bind(fd, SA(s), sizeof(s)), 0);
	return fd;
}

/* The UDP checksum over a flat header+payload (pseudo-header included). */
static uint16_t in_cksum_mbuf_flat(const uint8_t *u, size_t len, uint32_t src, uint32_t dst)
{
	uint32_t sum = in_pseudo(src, dst, 17, (uint16_t)len);
	return (uint16_t)~in_cksum_add(sum, u, len) & 0xffff;
}

/* A UDP datagram from the peer: IP header + UDP header + payload, checksum computed unless
 * csum_override >= 0. */
static size_t mk_udp(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
    const void *pay, size_t plen, int csum_override, int ulen_override)
{
	size_t h = tu_ip(b, src, dst, 17, 1, 0, 64, 8 + plen, NULL, 0);
	uint8_t *u = b + h;
	be16_put(u, sport);
	be16_put(u + 2, dport);
	be16_put(u + 4, (uint16_t)(ulen_override >= 0 ? ulen_override : (int)(8 + plen)));
	be16_put(u + 6, 0);
	memcpy(u + 8, pay, plen);
	if (csum_override >= 0) {
		be16_put(u + 6, (uint16_t)csum_override);
	} else {
		uint16_t c = in_cksum_mbuf_flat(u, 8 + plen, src, dst);
		be16_put(u + 6, c);
	}
	return h + 8 + plen;
}

static void test_udp_out_checksum_and_unicast(void **st)
{
	struct tu_fx *fx = *st;
	int s = udp_bound(fx->a, 0, 4000, 0);
	struct sockaddr_in to = sin_h(TU_IP_P, 5555);
	assert_int_equal(stos_sendto(s, "hello wire", 10, 0, SA(to), sizeof(to)), 10);
	world_run(fx->w, 10 * MSEC);
	size_t len;
	const uint8_t *f = tu_peer_find(&fx->peer, 0x0800, 17, -1, 0, &len);
	assert_non_null(f);
	assert_memory_equal(f, TU_MAC_P, 6);
	const uint8_t *ip = f + 14, *u = ip + 20;
	assert_int_equal(be32_get(ip + 12), TU_IP_A);
	assert_int_equal(be16_get(u), 4000);
	assert_int_equal(be16_get(u + 2), 5555);
	assert_int_equal(be16_get(u + 4), 18);
	assert_memory_equal(u + 8, "hello wire", 10);
	/* the checksum verifies over the pseudo-header */
	assert_int_not_equal(be16_get(u + 6), 0);
	assert_int_equal(in_cksum_mbuf_flat(u, 18, TU_IP_A, TU_IP_P), 0);
	stos_close(s);
}

static void test_udp_input_validation(void **st)
{
	struct tu_fx *fx = *st;
	int s = udp_bound(fx->a, 0, 4001, 0);
	uint8_t d[200];
	char buf[64];
	size_t n;
	unsigned long long v;

	/* good */
	n = mk_udp(d, TU_IP_P, TU_IP_A, 9999, 4001, "good", 4, -1, -1);
	tu_fx_send(fx, d, n);
	assert_int_equal(stos_recv(s, buf, sizeof(buf), 0), 4);
	/* checksum 0 = none: accepted and counted */
	v = stos_stat(fx->a, "udp", "nosum");
	n = mk_udp(d, TU_IP_P, TU_IP_A, 9999, 4001, "nosum", 5, 0, -1);
	tu_fx_send(fx, d, n);
	assert_int_equal(stos_recv(s, buf, sizeof(buf), 0), 5);
	assert_int_equal(stos_stat(fx->a, "udp", "nosum"), v + 1);
	/* bad checksum */
	v = stos_stat(fx->a, "udp", "badsum");
	n = mk_udp(d, TU_IP_P, TU_IP_A, 9999, 4001, "bad", 3, 0x1234, -1);
	tu_fx_send(fx, d, n);
	assert_int_equal(stos_recv(s, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(stos_stat(fx->a, "udp", "badsum"), v + 1);
	/* UDP length beyond the IP payload, and below 8 */
	v = stos_stat(fx->a, "udp", "badlen");
	n = mk_udp(d, TU_IP_P, TU_IP_A, 9999, 4001, "len", 3, 0, 40);
	tu_fx_send(fx, d, n);
	n = mk_udp(d, TU_IP_P, TU_IP_A, 9999, 4001, "len", 3, 0, 7);
	tu_fx_send(fx, d, n);
	assert_int_equal(stos_stat(fx->a, "udp", "badlen"), v + 2);
	/* UDP length shorter than the payload: the rest is padding, not data */
	n = mk_udp(d, TU_IP_P, TU_IP_A, 9999, 4001, "abcdef", 6, 0, 10);
	tu_fx_send(fx, d, n);
	assert_int_equal(stos_recv(s, buf, sizeof(buf), 0), 2);
	assert_memory_equal(buf, "ab", 2);
	/* truncated header: an IP datagram with 5 bytes of UDP */
	v = stos_stat(fx->a, "udp", "hdrops");
	size_t h = tu_ip(d, TU_IP_P, TU_IP_A, 17, 2, 0, 64, 5, NULL, 0);
	memset(d + h, 0, 5);
	tu_fx_send(fx, d, h + 5);
	assert_int_equal(stos_stat(fx->a, "udp", "hdrops"), v + 1);
	assert_int_equal(stos_recv(s, buf, sizeof(buf), 0), -1);
	stos_close(s);
}

static void test_port_unreachable_generated(void **st)
{
	struct tu_fx *fx = *st;
	uint8_t d[100];
	size_t n = mk_udp(d, TU_IP_P, TU_IP_A, 1234, 4444, "closed", 6, -1, -1);
	tu_fx_send(fx, d, n);
	world_run(fx->w, 10 * MSEC);
	size_t len;
	const uint8_t *f = tu_peer_find(&fx->peer, 0x0800, 1, 3, 0, &len);
	assert_non_null(f);
	const uint8_t *icmp = f + 14 + 20;
	assert_int_equal(icmp[0], 3);
	assert_int_equal(icmp[1], 3);
	/* the quote: the original IP header and at least 8 bytes of UDP */
	assert_memory_equal(icmp + 8, d, 28);
	/* to a broadcast: nothing is answered */
	tu_peer_clear(&fx->peer);
	n = mk_udp(d, TU_IP_P, 0x0a0000ff, 1234, 4444, "bcast", 5, -1, -1);
	unsigned long long nb = stos_stat(fx->a, "udp", "noportbcast");
	tu_fx_send(fx, d, n);
	world_run(fx->w, 10 * MSEC);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 1, 3), 0);
	assert_int_equal(stos_stat(fx->a, "udp", "noportbcast"), nb + 1);
}

static void test_broadcast_delivery(void **st)
{
	struct tu_fx *fx = *st;
	int a = udp_bound(fx->a, 0, 6000, 1);
	int b = udp_bound(fx->a, 0, 6000, 1);
	int c = udp_bound(fx->a, TU_IP_A, 6000, 1);
	uint8_t d[100], fr[200];
	char buf[32];
	/* limited broadcast, as a link broadcast frame */
	size_t n = mk_udp(d, TU_IP_P, 0xffffffffu, 7, 6000, "all", 3, -1, -1);
	tu_peer_send_ip(&fx->peer, (const uint8_t *)"\xff\xff\xff\xff\xff\xff", d, n);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(stos_recv(a, buf, sizeof(buf), 0), 3);
	assert_int_equal(stos_recv(b, buf, sizeof(buf), 0), 3);
	/* a socket bound to the unicast address does not hear broadcasts */
	assert_int_equal(stos_recv(c, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, EAGAIN);
	/* subnet broadcast */
	n = mk_udp(d, TU_IP_P, 0x0a0000ffu, 7, 6000, "net", 3, -1, -1);
	tu_peer_send_ip(&fx->peer, (const uint8_t *)"\xff\xff\xff\xff\xff\xff", d, n);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(stos_recv(a, buf, sizeof(buf), 0), 3);
	assert_int_equal(stos_recv(b, buf, sizeof(buf), 0), 3);
	(void)fr;
	/* sending a broadcast needs SO_BROADCAST */
	struct sockaddr_in to = sin_h(0xffffffffu, 6001);
	assert_int_equal(stos_sendto(a, "x", 1, 0, SA(to), sizeof(to)), -1);
	assert_int_equal(errno, EACCES);
	int one = 1;
	assert_int_equal(stos_setsockopt(a, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)), 0);
	tu_peer_clear(&fx->peer);
	/* the limited broadcast needs a route, as on Linux (no default route: ENETUNREACH) */
	assert_int_equal(stos_sendto(a, "x", 1, 0, SA(to), sizeof(to)), -1);
	assert_int_equal(errno, ENETUNREACH);
	int rc;
	TU_LOCKED(fx->a, rc = rt_add(fx->a, 0, 0, TU_IP_P, NULL, 0, RTF_STATIC));
	assert_int_equal(rc, 0);
	assert_int_equal(stos_sendto(a, "x", 1, 0, SA(to), sizeof(to)), 1);
	to = sin_h(0x0a0000ffu, 6001);
	assert_int_equal(stos_sendto(a, "y", 1, 0, SA(to), sizeof(to)), 1);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 17, -1), 2);
	const uint8_t *f = tu_peer_find(&fx->peer, 0x0800, 17, -1, 0, NULL);
	assert_memory_equal(f, "\xff\xff\xff\xff\xff\xff", 6);
	assert_int_equal(be32_get(f + 14 + 12), TU_IP_A);
	stos_close(a);
	stos_close(b);
	stos_close(c);
}

static void test_icmp_refused_from_peer(void **st)
{
	struct tu_fx *fx = *st;
	int s = stos_socket(fx->a, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = sin_h(TU_IP_P, 53);
	assert_int_equal(stos_connect(s, SA(to), sizeof(to)), 0);
	assert_int_equal(stos_send(s, "q", 1, 0), 1);
	world_run(fx->w, 1 * MSEC);
	size_t len;
	const uint8_t *f = tu_peer_find(&fx->peer, 0x0800, 17, -1, 0, &len);
	assert_non_null(f);
	/* the peer answers with port unreachable quoting our datagram */
	uint8_t d[100];
	uint8_t *icmp = d + 20;
	memset(d, 0, sizeof(d));
	icmp[0] = 3;
	icmp[1] = 3;
	memcpy(icmp + 8, f + 14, 28);
	be16_put(icmp + 2, in_cksum(icmp, 36));
	tu_ip(d, TU_IP_P, TU_IP_A, 1, 9, 0, 64, 36, NULL, 0);
	/* a soft error (net unreachable) first: ignored for UDP */
	icmp[1] = 0;
	be16_put(icmp + 2, 0);
	be16_put(icmp + 2, in_cksum(icmp, 36));
	tu_fx_send(fx, d, 56);
	char buf[8];
	assert_int_equal(stos_recv(s, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, EAGAIN);
	icmp[1] = 3;
	be16_put(icmp + 2, 0);
	be16_put(icmp + 2, in_cksum(icmp, 36));
	tu_fx_send(fx, d, 56);
	assert_int_equal(stos_recv(s, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, ECONNREFUSED);
	stos_close(s);
}

static void test_raw_icmp_socket(void **st)
{
	struct tu_fx *fx = *st;
	int r = stos_socket(fx->a, AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMP);
	int u = stos_socket(fx->a, AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_UDP);
	assert_true(r >= 0 && u >= 0);
	/* an echo request from the peer: the stack answers and the raw socket sees a copy,
	 * IP header included */
	uint8_t d[100], icmpb[64];
	size_t il = tu_icmp(icmpb, 8, 0, 77, 1, (const uint8_t *)"ping", 4);
	size_t h = tu_ip(d, TU_IP_P, TU_IP_A, 1, 5, 0, 64, il, NULL, 0);
	memcpy(d + h, icmpb, il);
	tu_fx_send(fx, d, h + il);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 1, 0), 1);
	uint8_t buf[200];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = stos_recvfrom(r, buf, sizeof(buf), 0, SA(from), &fl);
	assert_int_equal(n, (ssize_t)(h + il));
	assert_memory_equal(buf, d, h + il);
	assert_int_equal(from.sin_addr.s_addr, net_htonl(TU_IP_P));
	assert_int_equal(from.sin_port, 0);
	/* the UDP raw socket saw nothing */
	assert_int_equal(stos_recv(u, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, EAGAIN);
	/* ICMP_FILTER drops echo requests (bit 8) */
	struct icmp_filter flt = { 1u << 8 };
	assert_int_equal(stos_setsockopt(r, SOL_RAW, ICMP_FILTER, &flt, sizeof(flt)), 0);
	tu_fx_send(fx, d, h + il);
	assert_int_equal(stos_recv(r, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(stos_setsockopt(u, SOL_RAW, ICMP_FILTER, &flt, sizeof(flt)), -1);
	assert_int_equal(errno, EOPNOTSUPP);
	/* send an echo request without IP_HDRINCL: the stack builds the IP header */
	tu_peer_clear(&fx->peer);
	struct sockaddr_in to = sin_h(TU_IP_P, 0);
	assert_int_equal(stos_sendto(r, icmpb, il, 0, SA(to), sizeof(to)), (ssize_t)il);
	world_run(fx->w, 1 * MSEC);
	const uint8_t *f = tu_peer_find(&fx->peer, 0x0800, 1, 8, 0, NULL);
	assert_non_null(f);
	assert_int_equal(f[14 + 9], 1);
	assert_int_equal(in_cksum(f + 14, 20), 0);
	assert_memory_equal(f + 34, icmpb, il);
	/* the UDP raw socket sees a copy of UDP datagrams */
	int s = udp_bound(fx->a, 0, 4100, 0);
	uint8_t ud[100];
	size_t un = mk_udp(ud, TU_IP_P, TU_IP_A, 1, 4100, "raw", 3, -1, -1);
	tu_fx_send(fx, ud, un);
	assert_int_equal(stos_recv(u, buf, sizeof(buf), 0), (ssize_t)un);
	assert_int_equal(stos_recv(s, buf, sizeof(buf), 0), 3);
	stos_close(s);
	stos_close(r);
	stos_close(u);
}

/* IP offers datagrams to raw sockets through its hook only while one exists (raw_ip.c sets
 * it on the first and clears it with the last): a protocol nobody takes draws an ICMP
 * protocol unreachable (RFC 1122 3.2.2.1) before any raw socket and after the last is
 * closed; while one for that protocol is open it gets a copy instead, also after a second
 * one came and the first went. */
static void test_raw_hook_follows_raw_sockets(void **st)
{
	struct tu_fx *fx = *st;
	uint8_t d[100], buf[200];
	size_t h = tu_ip(d, TU_IP_P, TU_IP_A, 200, 9, 0, 64, 4, NULL, 0);
	memcpy(d + h, "abcd", 4);
	assert_null(fx->a->ns_rawinput);
	tu_fx_send(fx, d, h + 4);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 1, 3), 1);

	int r1 = stos_socket(fx->a, AF_INET, SOCK_RAW | SOCK_NONBLOCK, 200);
	assert_true(r1 >= 0);
	assert_non_null(fx->a->ns_rawinput);
	tu_fx_send(fx, d, h + 4);
	assert_int_equal(stos_recv(r1, buf, sizeof(buf), 0), (ssize_t)(h + 4));
	assert_memory_equal(buf + h, "abcd", 4);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 1, 3), 1);

	int r2 = stos_socket(fx->a, AF_INET, SOCK_RAW | SOCK_NONBLOCK, 200);
	assert_true(r2 >= 0);
	stos_close(r1);
	assert_non_null(fx->a->ns_rawinput);
	tu_fx_send(fx, d, h + 4);
	assert_int_equal(stos_recv(r2, buf, sizeof(buf), 0), (ssize_t)(h + 4));
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 1, 3), 1);

	stos_close(r2);
	assert_null(fx->a->ns_rawinput);
	tu_fx_send(fx, d, h + 4);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 1, 3), 2);
}

static void test_raw_hdrincl(void **st)
{
	struct tu_fx *fx = *st;
	int r = stos_socket(fx->a, AF_INET, SOCK_RAW, IPPROTO_RAW);
	int v = 0;
	socklen_t l = sizeof(v);
	assert_int_equal(stos_getsockopt(r, IPPROTO_IP, IP_HDRINCL, &v, &l), 0);
	assert_int_equal(v, 1);
	/* a UDP datagram with source 0, ID 0 and a wrong total length: filled in */
	uint8_t d[100];
	size_t n = mk_udp(d, TU_IP_P, TU_IP_P, 3, 3, "hdr", 3, 0, -1);
	be32_put(d + 12, 0);
	be16_put(d + 4, 0);
	be16_put(d + 2, 9999);
	struct sockaddr_in to = sin_h(TU_IP_P, 0);
	assert_int_equal(stos_sendto(r, d, n, 0, SA(to), sizeof(to)), (ssize_t)n);
	world_run(fx->w, 1 * MSEC);
	const uint8_t *f = tu_peer_find(&fx->peer, 0x0800, 17, -1, 0, NULL);
	assert_non_null(f);
	assert_int_equal(be32_get(f + 14 + 12), TU_IP_A);
	assert_int_equal(be16_get(f + 14 + 2), n);
	assert_int_equal(in_cksum(f + 14, 20), 0);
	/* too short, or a header length beyond the data */
	assert_int_equal(stos_sendto(r, d, 10, 0, SA(to), sizeof(to)), -1);
	assert_int_equal(errno, EINVAL);
	d[0] = 0x4f;
	assert_int_equal(stos_sendto(r, d, 30, 0, SA(to), sizeof(to)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(stos_send(r, d, 30, 0), -1);
	assert_int_equal(errno, EDESTADDRREQ);
	stos_close(r);
}

static void test_bindtodevice(void **st)
{
	struct tu_fx *fx = *st;
	int s = udp_bound(fx->a, 0, 4200, 0);
	uint8_t d[100];
	char buf[16];
	assert_int_equal(stos_setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3), 0);
	char name[16];
	socklen_t nl = sizeof(name);
	assert_int_equal(stos_getsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, name, &nl), 0);
	assert_string_equal(name, "lo");
	assert_int_equal(stos_setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, "nope0", 6), -1);
	assert_int_equal(errno, ENODEV);
	/* bound to lo: a datagram arriving on eth0 finds no socket (port unreachable) */
	size_t n = mk_udp(d, TU_IP_P, TU_IP_A, 1, 4200, "eth", 3, -1, -1);
	tu_fx_send(fx, d, n);
	world_run(fx->w, 1 * MSEC);
	assert_int_equal(stos_recv(s, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0800, 1, 3), 1);
	/* unbound from the device: heard again */
	assert_int_equal(stos_setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, "", 1), 0);
	tu_fx_send(fx, d, n);
	assert_int_equal(stos_recv(s, buf, sizeof(buf), 0), 3);
	stos_close(s);
}

/* A DHCP client (RFC 2131 4.1): bound to eth0 with SO_BINDTODEVICE, no route at all, it
 * broadcasts to 255.255.255.255:67 from the interface's address, or from 0.0.0.0 before it
 * has one; unbound, the same send has no route (ENETUNREACH, as Linux). */
static void test_dhcp_broadcast_bound_device(void **st)
{
	struct tu_fx *fx = *st;
	int s = udp_bound(fx->a, 0, 68, 0), one = 1, rc;
	struct sockaddr_in to = sin_h(0xffffffffu, 67);
	assert_int_equal(stos_setsockopt(s, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)), 0);
	assert_int_equal(stos_sendto(s, "d", 1, 0, SA(to), sizeof(to)), -1);
	assert_int_equal(errno, ENETUNREACH);
	assert_int_equal(stos_setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, "eth0", 5), 0);
	for (int round = 0; round < 2; round++) {
		uint32_t want_src = round == 0 ? TU_IP_A : 0;
		tu_peer_clear(&fx->peer);
		assert_int_equal(stos_sendto(s, "discover", 8, 0, SA(to), sizeof(to)), 8);
		world_run(fx->w, 1 * MSEC);
		size_t len;
		const uint8_t *f = tu_peer_find(&fx->peer, 0x0800, 17, -1, 0, &len);
		assert_non_null(f);
		assert_memory_equal(f, "\xff\xff\xff\xff\xff\xff", 6);
		const uint8_t *ip = f + 14, *u = ip + 20;
		assert_int_equal(be32_get(ip + 12), want_src);
		assert_int_equal(be32_get(ip + 16), 0xffffffffu);
		assert_int_equal(be16_get(u), 68);
		assert_int_equal(be16_get(u + 2), 67);
		assert_int_equal(in_cksum_mbuf_flat(u, 16, want_src, 0xffffffffu), 0);
		/* second round: the address is gone, as before a DHCP lease */
		TU_LOCKED(fx->a, rc = if_addr_del(fx->ea, TU_IP_A));
		if (round == 0)
			assert_int_equal(rc, 0);
	}
	stos_close(s);
}

static void test_reconnect_keeps_port(void **st)
{
	struct tu_fx *fx = *st;
	int s = stos_socket(fx->a, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = sin_h(TU_IP_P, 1000), me;
	socklen_t ml = sizeof(me);
	assert_int_equal(stos_connect(s, SA(to), sizeof(to)), 0);
	assert_int_equal(stos_getsockname(s, SA(me), &ml), 0);
	uint16_t p1 = me.sin_port;
	to = sin_h(TU_IP_P, 2000);
	assert_int_equal(stos_connect(s, SA(to), sizeof(to)), 0);
	assert_int_equal(stos_getsockname(s, SA(me), &ml), 0);
	assert_int_equal(me.sin_port, p1);
	/* AF_UNSPEC gives a stack-chosen port back (Linux) */
	struct sockaddr un = { .sa_family = AF_UNSPEC };
	assert_int_equal(stos_connect(s, &un, sizeof(un)), 0);
	assert_int_equal(stos_getsockname(s, SA(me), &ml), 0);
	assert_int_equal(me.sin_port, 0);
	assert_int_equal(me.sin_addr.s_addr, 0);
	stos_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_udp_out_checksum_and_unicast, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_input_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_unreachable_generated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_delivery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_icmp_refused_from_peer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_icmp_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_hdrincl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_hook_follows_raw_sockets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bindtodevice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_broadcast_bound_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconnect_keeps_port, setup, teardown),
	};
	return TU_RUN(tests);
}
