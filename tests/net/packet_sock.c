/* AF_PACKET sockets through the hosted C API on the in-memory wire (net/af_packet.c):
 * protocol selection, SOCK_RAW and SOCK_DGRAM both ways, sockaddr_ll contents and packet
 * types, outgoing frames, interface binding, promiscuous reference counting, BPF filters
 * (malicious ones refused, truncation), MSG_TRUNC, statistics, sharing by reference, and a
 * capture written as pcap read back by tshark.  Every test checks pools and memory on
 * teardown (tu_fx). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host/testutil.h"
#include "host/wire.h"
#include "host/pcap.h"
#include "host/stos_api.h"
#include "net/netlib.h"
#include "net/if.h"
#include "net/bpf.h"
#include <stos/socket.h>
#include <stos/packet.h>

#define SA(x) ((struct sockaddr *)&(x))
#define S(c, k) { (uint16_t)(c), 0, 0, (uint32_t)(k) }
#define J(c, k, t, f) { (uint16_t)(c), (uint8_t)(t), (uint8_t)(f), (uint32_t)(k) }

static const uint8_t OTHER_MAC[6] = { 2, 0, 0, 0, 0, 0x77 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static int setup(void **st)
{
	int rc = tu_fx_setup(st);
	if (rc)
		return rc;
	struct tu_fx *fx = *st;
	uint8_t z[6] = { 0 }, f[64];
	size_t n;
	if (stos_stack_init(fx->a) != 0 && errno != EEXIST)
		return -1;
	/* Warm a's ARP cache (it learns the peer from the peer's request, RFC 826) so that the
	 * tests see only their own frames. */
	n = tu_eth(f, TU_MAC_A, TU_MAC_P, 0x0806);
	n += tu_arp(f + n, 1, TU_MAC_P, TU_IP_P, z, TU_IP_A);
	memset(f + n, 0, sizeof(f) - n);
	tu_peer_send(&fx->peer, f, 60);
	world_run(fx->w, 1 * MSEC);
	tu_peer_clear(&fx->peer);
	return 0;
}

static int teardown(void **st)
{
	struct tu_fx *fx = *st;
	(void)stos_close_all(fx->a);    /* the tests leave their packet sockets open */
	return tu_fx_teardown(st);
}

static int psock(struct tu_fx *fx, int type, uint16_t proto)
{
	int fd = stos_socket(fx->a, AF_PACKET, type | SOCK_NONBLOCK, net_htons(proto));
	assert_true(fd >= 0);
	return fd;
}

/* An ICMP echo request from the peer to a (or to dst MAC), 60+ bytes. */
static size_t echo_frame(uint8_t *b, const uint8_t dst[6], uint16_t seq)
{
	uint8_t pl[32];
	size_t n = tu_eth(b, dst, TU_MAC_P, 0x0800);
	memset(pl, (int)seq, sizeof(pl));
	n += tu_ip(b + n, TU_IP_P, TU_IP_A, 1, seq, 0, 64, 8 + sizeof(pl), NULL, 0);
	n += tu_icmp(b + n, 8, 0, 0x42, seq, pl, sizeof(pl));
	return n;
}

static size_t arp_frame(uint8_t *b, uint32_t tpa)
{
	uint8_t z[6] = { 0 };
	size_t n = tu_eth(b, BCAST, TU_MAC_P, 0x0806);
	n += tu_arp(b + n, 1, TU_MAC_P, TU_IP_P, z, tpa);
	while (n < 60)
		b[n++] = 0;
	return n;
}

static void peer_send(struct tu_fx *fx, const uint8_t *f, size_t n)
{
	tu_peer_send(&fx->peer, f, n);
	world_run(fx->w, 200 * USEC);
}

/* Receives one record; returns its length (or -errno) and fills *sll. */
static ssize_t rx(int fd, uint8_t *buf, size_t cap, struct sockaddr_ll *sll)
{
	struct sockaddr_ll tmp;
	unsigned int sl = sizeof(tmp);
	ssize_t n = stos_recvfrom(fd, buf, cap, 0, (struct sockaddr *)&tmp, &sl);
	if (n < 0)
		return -errno;
	assert_int_equal(sl, sizeof(struct sockaddr_ll));
	if (sll)
		*sll = tmp;
	return n;
}

static void test_create_and_protocol_zero(void **st)
{
	struct tu_fx *fx = *st;
	uint8_t f[128], buf[256];
	struct sockaddr_ll b;
	size_t n = echo_frame(f, TU_MAC_A, 1);
	int all = psock(fx, SOCK_RAW, ETH_P_ALL);
	int none = psock(fx, SOCK_RAW, 0);
	int d = psock(fx, SOCK_DGRAM, ETH_P_IP);
	assert_int_equal(stos_socket(fx->a, AF_PACKET, SOCK_STREAM, net_htons(ETH_P_ALL)), -1);
	assert_int_equal(errno, ESOCKTNOSUPPORT);
	peer_send(fx, f, n);
	assert_int_equal(rx(none, buf, sizeof(buf), NULL), -EAGAIN);
	assert_true(rx(all, buf, sizeof(buf), NULL) > 0);
	assert_true(rx(d, buf, sizeof(buf), NULL) > 0);
	/* Binding with a protocol starts reception on the protocol-0 socket. */
	memset(&b, 0, sizeof(b));
	b.sll_family = AF_PACKET;
	b.sll_protocol = net_htons(ETH_P_IP);
	b.sll_ifindex = (int)fx->ea->if_index;
	assert_int_equal(stos_bind(none, SA(b), sizeof(b) - 1), -1);
	assert_int_equal(errno, EINVAL);
	b.sll_ifindex = 999;
	assert_int_equal(stos_bind(none, SA(b), sizeof(b)), -1);
	assert_int_equal(errno, ENODEV);
	b.sll_ifindex = (int)fx->ea->if_index;
	assert_int_equal(stos_bind(none, SA(b), sizeof(b)), 0);
	peer_send(fx, f, n);
	assert_int_equal(rx(none, buf, sizeof(buf), NULL), (ssize_t)n);
}

/* SOCK_RAW with ETH_P_ALL: the peer's request byte for byte as PACKET_HOST, then a's echo
 * reply as PACKET_OUTGOING; sockaddr_ll filled as Linux. */
static void test_raw_all_in_and_out(void **st)
{
	struct tu_fx *fx = *st;
	uint8_t f[128], buf[256];
	struct sockaddr_ll sll;
	size_t n = echo_frame(f, TU_MAC_A, 2);
	int fd = psock(fx, SOCK_RAW, ETH_P_ALL);
	ssize_t got;
	struct sockaddr_ll me;
	unsigned int ml = sizeof(me);

	peer_send(fx, f, n);
	got = rx(fd, buf, sizeof(buf), &sll);
	assert_int_equal(got, (ssize_t)n);
	assert_memory_equal(buf, f, n);
	assert_int_equal(sll.sll_family, AF_PACKET);
	assert_int_equal(sll.sll_protocol, net_htons(ETH_P_IP));
	assert_int_equal(sll.sll_ifindex, (int)fx->ea->if_index);
	assert_int_equal(sll.sll_hatype, ARPHRD_ETHER);
	assert_int_equal(sll.sll_pkttype, PACKET_HOST);
	assert_int_equal(sll.sll_halen, 6);
	assert_memory_equal(sll.sll_addr, TU_MAC_P, 6);
	/* a answered: the reply went out through the output tap. */
	got = rx(fd, buf, sizeof(buf), &sll);
	assert_true(got >= 14 + 20 + 8);
	assert_int_equal(sll.sll_pkttype, PACKET_OUTGOING);
	assert_memory_equal(sll.sll_addr, TU_MAC_A, 6);
	assert_memory_equal(buf, TU_MAC_P, 6);
	assert_int_equal(buf[14 + 20], 0);       /* ICMP echo reply */
	assert_int_equal(rx(fd, buf, sizeof(buf), NULL), -EAGAIN);
	assert_int_equal(stos_getsockname(fd, SA(me), &ml), 0);
	assert_int_equal(me.sll_family, AF_PACKET);
	assert_int_equal(me.sll_protocol, net_htons(ETH_P_ALL));
}

/* Ethertype selection, SOCK_DGRAM stripping, and ETH_P_IP sockets not seeing output. */
static void test_ethertype_and_dgram(void **st)
{
	struct tu_fx *fx = *st;
	uint8_t e[128], a[128], buf[256];
	struct sockaddr_ll sll;
	size_t en = echo_frame(e, TU_MAC_A, 3), an = arp_frame(a, 0x0a000005);
	int ip = psock(fx, SOCK_RAW, ETH_P_IP);
	int arp = psock(fx, SOCK_RAW, ETH_P_ARP);
	int dg = psock(fx, SOCK_DGRAM, ETH_P_ALL);
	int other = psock(fx, SOCK_RAW, 0x88b5);
	peer_send(fx, e, en);
	peer_send(fx, a, an);
	assert_int_equal(rx(ip, buf, sizeof(buf), &sll), (ssize_t)en);
	assert_int_equal(sll.sll_pkttype, PACKET_HOST);
	assert_int_equal(rx(ip, buf, sizeof(buf), NULL), -EAGAIN);   /* not the reply, not ARP */
	assert_int_equal(rx(arp, buf, sizeof(buf), &sll), (ssize_t)an);
	assert_int_equal(sll.sll_pkttype, PACKET_BROADCAST);
	assert_int_equal(rx(arp, buf, sizeof(buf), NULL), -EAGAIN);
	assert_int_equal(rx(other, buf, sizeof(buf), NULL), -EAGAIN);
	/* cooked: the request without its Ethernet header, then the reply (outgoing) */
	assert_int_equal(rx(dg, buf, sizeof(buf), &sll), (ssize_t)(en - 14));
	assert_memory_equal(buf, e + 14, en - 14);
	assert_int_equal(sll.sll_protocol, net_htons(ETH_P_IP));
	assert_int_equal(rx(dg, buf, sizeof(buf), &sll), (ssize_t)(en - 14));
	assert_int_equal(sll.sll_pkttype, PACKET_OUTGOING);
	assert_int_equal(buf[0] >> 4, 4);
	assert_int_equal(rx(dg, buf, sizeof(buf), &sll), (ssize_t)(an - 14));
	assert_int_equal(sll.sll_protocol, net_htons(ETH_P_ARP));
	/* an unknown ethertype reaches its socket */
	e[12] = 0x88, e[13] = 0xb5;
	peer_send(fx, e, en);
	assert_int_equal(rx(other, buf, sizeof(buf), NULL), (ssize_t)en);
}

/* bind to an interface: frames of other interfaces are not seen; lo shows its frames. */
static void test_bind_interface_and_loopback(void **st)
{
	struct tu_fx *fx = *st;
	uint8_t f[128], buf[256];
	struct sockaddr_ll b, sll;
	size_t n = echo_frame(f, TU_MAC_A, 4);
	int lo = psock(fx, SOCK_RAW, ETH_P_ALL);
	int lo_ip = psock(fx, SOCK_RAW, ETH_P_IP);
	int u, one = 1;
	struct sockaddr_in to;
	memset(&b, 0, sizeof(b));
	b.sll_family = AF_PACKET;
	b.sll_ifindex = 1;
	assert_int_equal(stos_bind(lo, SA(b), sizeof(b)), 0);
	assert_int_equal(stos_bind(lo_ip, SA(b), sizeof(b)), 0);
	peer_send(fx, f, n);
	assert_int_equal(rx(lo, buf, sizeof(buf), NULL), -EAGAIN);
	/* a UDP datagram to 127.0.0.1: out and in on lo for ETH_P_ALL, in for ETH_P_IP */
	u = stos_socket(fx->a, AF_INET, SOCK_DGRAM, 0);
	assert_true(u >= 0);
	(void)one;
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = net_htons(9);
	to.sin_addr.s_addr = net_htonl(0x7f000001);
	assert_int_equal(stos_sendto(u, "hi", 2, 0, SA(to), sizeof(to)), 2);
	world_run(fx->w, 200 * USEC);
	assert_int_equal(rx(lo, buf, sizeof(buf), &sll), 14 + 20 + 8 + 2);
	assert_int_equal(sll.sll_pkttype, PACKET_OUTGOING);
	assert_int_equal(sll.sll_hatype, ARPHRD_LOOPBACK);
	assert_int_equal(rx(lo, buf, sizeof(buf), &sll), 14 + 20 + 8 + 2);
	assert_int_equal(sll.sll_pkttype, PACKET_HOST);
	assert_int_equal(rx(lo_ip, buf, sizeof(buf), &sll), 14 + 20 + 8 + 2);
	assert_int_equal(sll.sll_pkttype, PACKET_HOST);
	/* port 9 is closed: a's ICMP port unreachable comes back over lo too, once */
	assert_int_equal(rx(lo_ip, buf, sizeof(buf), &sll), 14 + 20 + 8 + 20 + 8 + 2);
	assert_int_equal(buf[14 + 9], 1);
	assert_int_equal(buf[14 + 20], 3);
	assert_int_equal(rx(lo_ip, buf, sizeof(buf), NULL), -EAGAIN);
	stos_close(u);
}

static int memb(int fd, int op, int ifindex, int type)
{
	struct packet_mreq mr;
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = ifindex;
	mr.mr_type = (unsigned short)type;
	return stos_setsockopt(fd, SOL_PACKET, op, &mr, sizeof(mr));
}

/* Frames for another station are seen only in promiscuous mode, as PACKET_OTHERHOST;
 * IFF_PROMISC stays set while any membership holds it. */
static void test_promisc_refcount(void **st)
{
	struct tu_fx *fx = *st;
	uint8_t f[128], buf[256];
	struct sockaddr_ll sll;
	size_t n = echo_frame(f, OTHER_MAC, 5);
	int s1 = psock(fx, SOCK_RAW, ETH_P_ALL), s2 = psock(fx, SOCK_RAW, ETH_P_ALL);
	int idx = (int)fx->ea->if_index;
	uint64_t replies;

	peer_send(fx, f, n);
	assert_int_equal(rx(s1, buf, sizeof(buf), NULL), -EAGAIN);
	assert_int_equal(memb(s1, PACKET_DROP_MEMBERSHIP, idx, PACKET_MR_PROMISC), -1);
	assert_int_equal(errno, EADDRNOTAVAIL);
	assert_int_equal(memb(s1, PACKET_ADD_MEMBERSHIP, 999, PACKET_MR_PROMISC), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(memb(s1, PACKET_ADD_MEMBERSHIP, idx, 7), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(memb(s1, PACKET_ADD_MEMBERSHIP, idx, PACKET_MR_PROMISC), 0);
	assert_true(fx->ea->if_flags & IFF_PROMISC);
	assert_int_equal(memb(s2, PACKET_ADD_MEMBERSHIP, idx, PACKET_MR_PROMISC), 0);
	assert_int_equal(memb(s2, PACKET_ADD_MEMBERSHIP, idx, PACKET_MR_ALLMULTI), 0);
	assert_true(fx->ea->if_flags & IFF_ALLMULTI);
	tu_peer_clear(&fx->peer);
	peer_send(fx, f, n);
	assert_int_equal(rx(s1, buf, sizeof(buf), &sll), (ssize_t)n);
	assert_int_equal(sll.sll_pkttype, PACKET_OTHERHOST);
	assert_int_equal(rx(s2, buf, sizeof(buf), &sll), (ssize_t)n);
	/* not for us: the stack itself did not answer */
	replies = tu_peer_count(&fx->peer, 0x0800, 1, 0);
	assert_int_equal(replies, 0);
	assert_int_equal(memb(s1, PACKET_DROP_MEMBERSHIP, idx, PACKET_MR_PROMISC), 0);
	assert_true(fx->ea->if_flags & IFF_PROMISC);   /* s2 still holds it */
	stos_close(s2);                                  /* close drops s2's memberships */
	assert_false(fx->ea->if_flags & IFF_PROMISC);
	assert_false(fx->ea->if_flags & IFF_ALLMULTI);
	peer_send(fx, f, n);
	assert_int_equal(rx(s1, buf, sizeof(buf), NULL), -EAGAIN);
	/* the same membership twice needs two drops */
	assert_int_equal(memb(s1, PACKET_ADD_MEMBERSHIP, idx, PACKET_MR_PROMISC), 0);
	assert_int_equal(memb(s1, PACKET_ADD_MEMBERSHIP, idx, PACKET_MR_PROMISC), 0);
	assert_int_equal(memb(s1, PACKET_DROP_MEMBERSHIP, idx, PACKET_MR_PROMISC), 0);
	assert_true(fx->ea->if_flags & IFF_PROMISC);
	assert_int_equal(memb(s1, PACKET_DROP_MEMBERSHIP, idx, PACKET_MR_PROMISC), 0);
	assert_false(fx->ea->if_flags & IFF_PROMISC);
}

static struct sockaddr_ll ll_to(int ifindex, uint16_t proto, const uint8_t *mac)
{
	struct sockaddr_ll s;
	memset(&s, 0, sizeof(s));
	s.sll_family = AF_PACKET;
	s.sll_ifindex = ifindex;
	s.sll_protocol = net_htons(proto);
	s.sll_halen = 6;
	if (mac)
		memcpy(s.sll_addr, mac, 6);
	return s;
}

/* Sending: a hand-built frame leaves byte for byte with no ARP; size limits; cooked send
 * builds the header; the sender does not see its own frame but other ETH_P_ALL sockets do. */
static void test_send_raw_and_dgram(void **st)
{
	struct tu_fx *fx = *st;
	uint8_t f[1600], buf[1600];
	const uint8_t *got;
	size_t glen;
	struct sockaddr_ll to = ll_to((int)fx->ea->if_index, 0x88b5, OTHER_MAC);
	struct sockaddr_ll sll;
	int fd = psock(fx, SOCK_RAW, ETH_P_ALL), watch = psock(fx, SOCK_RAW, ETH_P_ALL);
	int dg = psock(fx, SOCK_DGRAM, 0x88b5);
	size_t n = tu_eth(f, OTHER_MAC, TU_MAC_A, 0x88b5);
	for (size_t i = n; i < 100; i++)
		f[i] = (uint8_t)i;
	n = 100;
	tu_peer_clear(&fx->peer);
	assert_int_equal(stos_sendto(fd, f, n, 0, SA(to), sizeof(to)), (ssize_t)n);
	world_run(fx->w, 200 * USEC);
	assert_int_equal(fx->peer.n, 1);
	assert_int_equal(fx->peer.len[0], n);
	assert_memory_equal(fx->peer.frame[0], f, n);
	assert_int_equal(tu_peer_count(&fx->peer, 0x0806, -1, -1), 0);
	assert_int_equal(rx(fd, buf, sizeof(buf), NULL), -EAGAIN);     /* not to itself */
	assert_int_equal(rx(watch, buf, sizeof(buf), &sll), (ssize_t)n);
	assert_int_equal(sll.sll_pkttype, PACKET_OUTGOING);
	/* limits */
	assert_int_equal(stos_sendto(fd, f, 1515, 0, SA(to), sizeof(to)), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(stos_sendto(fd, f, 1514, 0, SA(to), sizeof(to)), 1514);
	assert_int_equal(stos_sendto(fd, f, 13, 0, SA(to), sizeof(to)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(stos_sendto(fd, f, 60, 0, SA(to), sizeof(to) - 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(stos_send(fd, f, 60, 0), -1);                  /* no interface */
	assert_int_equal(errno, ENXIO);
	to.sll_ifindex = 999;
	assert_int_equal(stos_sendto(fd, f, 60, 0, SA(to), sizeof(to)), -1);
	assert_int_equal(errno, ENXIO);
	/* cooked */
	to.sll_ifindex = (int)fx->ea->if_index;
	world_run(fx->w, 200 * USEC);
	tu_peer_clear(&fx->peer);
	assert_int_equal(stos_sendto(dg, "cooked!", 7, 0, SA(to), sizeof(to)), 7);
	assert_int_equal(stos_sendto(dg, f, 1501, 0, SA(to), sizeof(to)), -1);
	assert_int_equal(errno, EMSGSIZE);
	world_run(fx->w, 200 * USEC);
	got = tu_peer_find(&fx->peer, 0x88b5, -1, -1, 0, &glen);
	assert_non_null(got);
	assert_true(glen >= 21);
	assert_memory_equal(got, OTHER_MAC, 6);
	assert_memory_equal(got + 6, TU_MAC_A, 6);
	assert_memory_equal(got + 14, "cooked!", 7);
	while (rx(watch, buf, sizeof(buf), NULL) > 0)
		;
}

static int attach(int fd, const struct sock_filter *f, unsigned short n)
{
	struct sock_fprog p = { n, (struct sock_filter *)f };
	return stos_setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &p, sizeof(p));
}

/* SO_ATTACH_FILTER: malicious programs refused with EINVAL; an icmp filter keeps only ICMP;
 * the return value truncates; detach. */
static void test_filters(void **st)
{
	struct tu_fx *fx = *st;
	uint8_t e[128], a[128], buf[256];
	size_t en = echo_frame(e, TU_MAC_A, 6), an = arp_frame(a, 0x0a000005);
	int fd = psock(fx, SOCK_RAW, ETH_P_ALL), dg = psock(fx, SOCK_DGRAM, ETH_P_ALL);
	static const struct sock_filter icmp_in[] = {
		S(BPF_LD | BPF_H | BPF_ABS, 12), J(BPF_JMP | BPF_JEQ | BPF_K, 0x0800, 0, 5),
		S(BPF_LD | BPF_B | BPF_ABS, 23), J(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 3),
		S(BPF_LD | BPF_B | BPF_ABS, 34), J(BPF_JMP | BPF_JEQ | BPF_K, 8, 0, 1),
		S(BPF_RET | BPF_K, 0xffff), S(BPF_RET | BPF_K, 0),
	};
	/* cooked sockets' filters see the frame from the network header */
	static const struct sock_filter ip_trunc[] = {
		S(BPF_LD | BPF_B | BPF_ABS, 0), J(BPF_JMP | BPF_JEQ | BPF_K, 0x45, 0, 1),
		S(BPF_RET | BPF_K, 20), S(BPF_RET | BPF_K, 0),
	};
	static const struct sock_filter loop[] = { S(BPF_JMP | BPF_JA, 0xffffffffu), S(BPF_RET | BPF_K, 1) };
	static const struct sock_filter back[] = {
		S(BPF_LD | BPF_IMM, 0), J(BPF_JMP | BPF_JEQ | BPF_K, 0, 200, 0), S(BPF_RET | BPF_K, 1) };
	static const struct sock_filter mem[] = { S(BPF_ST, 16), S(BPF_RET | BPF_K, 1) };
	static const struct sock_filter noret[] = { S(BPF_LD | BPF_W | BPF_ABS, 0) };
	static const struct sock_filter div0[] = { S(BPF_ALU | BPF_DIV | BPF_K, 0), S(BPF_RET | BPF_A, 0) };
	static const struct sock_filter badop[] = { S(0x00ff, 0), S(BPF_RET | BPF_K, 1) };
	struct sock_fprog p = { 1, NULL };

	assert_int_equal(attach(fd, loop, 2), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(attach(fd, back, 3), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(attach(fd, mem, 2), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(attach(fd, noret, 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(attach(fd, div0, 2), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(attach(fd, badop, 2), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(attach(fd, icmp_in, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(stos_setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &p, sizeof(p)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(stos_setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &p, 4), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(stos_setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, NULL, 0), -1);
	assert_int_equal(errno, ENOENT);

	assert_int_equal(attach(fd, icmp_in, 8), 0);
	assert_int_equal(attach(dg, ip_trunc, 4), 0);
	peer_send(fx, a, an);
	peer_send(fx, e, en);
	assert_int_equal(rx(fd, buf, sizeof(buf), NULL), (ssize_t)en);   /* request only */
	assert_int_equal(rx(fd, buf, sizeof(buf), NULL), -EAGAIN);       /* not the reply, not ARP */
	assert_int_equal(rx(dg, buf, sizeof(buf), NULL), 20);             /* request, cut to 20 */
	assert_memory_equal(buf, e + 14, 20);
	assert_int_equal(rx(dg, buf, sizeof(buf), NULL), 20);             /* reply */
	assert_int_equal(rx(dg, buf, sizeof(buf), NULL), -EAGAIN);
	assert_int_equal(stos_setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, NULL, 0), 0);
	peer_send(fx, a, an);
	assert_int_equal(rx(fd, buf, sizeof(buf), NULL), (ssize_t)an);
	/* a socket closed with a filter attached frees it (teardown checks memory) */
}

/* MSG_TRUNC: a short buffer gets the head and the flag; MSG_TRUNC in flags returns the real
 * length (packet(7)). */
static void test_msg_trunc(void **st)
{
	struct tu_fx *fx = *st;
	uint8_t f[128], buf[256];
	size_t n = echo_frame(f, TU_MAC_A, 7);
	int fd = psock(fx, SOCK_RAW, ETH_P_IP);
	struct iovec iov = { buf, 10 };
	struct msghdr mh;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	peer_send(fx, f, n);
	peer_send(fx, f, n);
	assert_int_equal(stos_recvmsg(fd, &mh, 0), 10);
	assert_true(mh.msg_flags & MSG_TRUNC);
	assert_memory_equal(buf, f, 10);
	assert_int_equal(stos_recv(fd, buf, 10, MSG_TRUNC), (ssize_t)n);
	assert_int_equal(stos_recv(fd, buf, 10, 0), -1);
	assert_int_equal(errno, EAGAIN);
}

/* PACKET_STATISTICS: packets that passed, drops for a full buffer; reading resets. */
static void test_statistics(void **st)
{
	struct tu_fx *fx = *st;
	uint8_t f[128], buf[256];
	size_t n = echo_frame(f, TU_MAC_A, 8);
	int fd = psock(fx, SOCK_RAW, ETH_P_IP), small = 1;
	struct tpacket_stats ts;
	unsigned int tl = sizeof(ts);
	unsigned got = 0;
	assert_int_equal(stos_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	for (int i = 0; i < 40; i++)
		peer_send(fx, f, n);
	while (rx(fd, buf, sizeof(buf), NULL) > 0)
		got++;
	assert_true(got > 0 && got < 40);
	assert_int_equal(stos_getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &ts, &tl), 0);
	assert_int_equal(tl, sizeof(ts));
	assert_int_equal(ts.tp_packets, 40);
	assert_int_equal(ts.tp_drops, 40 - got);
	tl = sizeof(ts);
	assert_int_equal(stos_getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &ts, &tl), 0);
	assert_int_equal(ts.tp_packets, 0);
	assert_int_equal(ts.tp_drops, 0);
}

/* Three sockets queue the same received frame: its cluster is shared (m_copym), no new
 * cluster is allocated per socket. */
static void test_shared_by_reference(void **st)
{
	struct tu_fx *fx = *st;
	uint8_t f[1200], buf[1600];
	struct mbuf_stats before, after;
	int s[3];
	size_t n = tu_eth(f, TU_MAC_A, TU_MAC_P, 0x88b5);
	memset(f + n, 0x5a, sizeof(f) - n);
	n = sizeof(f);
	for (int i = 0; i < 3; i++)
		s[i] = psock(fx, SOCK_RAW, 0x88b5);
	mbuf_stats(&before);
	peer_send(fx, f, n);
	mbuf_stats(&after);
	/* the frame's one cluster is still alive (held by the sockets), and shared 3 times */
	assert_int_equal(after.copies - before.copies, 3);
	assert_true(after.cluster_allocs - before.cluster_allocs <= 1);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(rx(s[i], buf, sizeof(buf), NULL), (ssize_t)n);
		assert_memory_equal(buf, f, n);
	}
}

/* A capture through a packet socket written as pcap (host/pcap.c's format) and read back by
 * tshark: same number of frames, same lengths and ethertypes. */
static void test_pcap_tshark(void **st)
{
	struct tu_fx *fx = *st;
	uint8_t e[128], a[128], buf[2048];
	size_t en = echo_frame(e, TU_MAC_A, 9), an = arp_frame(a, TU_IP_A);
	int fd = psock(fx, SOCK_RAW, ETH_P_ALL);
	char path[] = "/tmp/packet_sock_XXXXXX";
	char cmd[256], line[128], want[1024] = "", got[1024] = "";
	struct pcap_writer *pw;
	ssize_t r;
	FILE *p;
	int tfd = mkstemp(path);
	assert_true(tfd >= 0);
	close(tfd);
	peer_send(fx, a, an);        /* request for a: a answers */
	peer_send(fx, e, en);        /* echo: a answers */
	pw = pcap_open(path);
	assert_non_null(pw);
	while ((r = rx(fd, buf, sizeof(buf), NULL)) > 0) {
		char one[32];
		pcap_write(pw, world_now(fx->w), buf, (size_t)r);
		snprintf(one, sizeof(one), "%zd\t0x%02x%02x\n", r, buf[12], buf[13]);
		strcat(want, one);
	}
	pcap_close(pw);
	snprintf(cmd, sizeof(cmd), "tshark -r %s -T fields -e frame.len -e eth.type 2>/dev/null", path);
	p = popen(cmd, "r");
	if (!p) {
		unlink(path);
		skip();
	}
	while (fgets(line, sizeof(line), p))
		strcat(got, line);
	r = pclose(p);
	unlink(path);
	if (WEXITSTATUS(r) == 127)
		skip();
	assert_int_equal(r, 0);
	assert_string_equal(got, want);
	assert_non_null(strstr(want, "0x0806"));
	assert_non_null(strstr(want, "0x0800"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_and_protocol_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_all_in_and_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ethertype_and_dgram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_interface_and_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promisc_refcount, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_raw_and_dgram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msg_trunc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statistics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_by_reference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcap_tshark, setup, teardown),
	};
	return TU_RUN(tests);
}
