/* Helpers shared by the hosted cmocka tests (tests/net/): leak checks and frame builders. */
#ifndef HOST_TESTUTIL_H
#define HOST_TESTUTIL_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "net/mbuf.h"
#include "net/netlib.h"
#include "net/netstack.h"

/* Snapshot of the pools and of port_alloc memory; tu_leakcheck_end asserts both are back. */
struct tu_leakcheck {
	struct mbuf_stats ms;
	uint64_t alloc_live;
};
void tu_leakcheck_begin(struct tu_leakcheck *lc);
void tu_leakcheck_end(const struct tu_leakcheck *lc);

/* The mbuf tests' fixture (cmocka setup/teardown, state unused): a leak check around the
 * test; the teardown also lifts any mbuf limits the test set. */
int tu_mbuf_setup(void **state);
int tu_mbuf_teardown(void **state);
/* Asserts that chain m holds exactly the len bytes at want. */
void tu_assert_chain(const struct mbuf *m, const void *want, uint32_t len);

/* ---- two instances on a traced in-memory wire (tests/tcp/tcp_fast.c, tcp_outfast.c) ---- */
struct fault_conf;
#define TU_DUO_A 0x0a000001u
#define TU_DUO_B 0x0a000002u
struct tu_duo {
	struct tu_leakcheck lc;
	struct world *w;
	struct netstack *a, *b;     /* 10.0.0.1 and 10.0.0.2, each on its eth0 */
	struct wire *wr;
	struct ifnet *ea, *eb;
	uint64_t trace_hash;        /* FNV-1a over the bytes of every frame the wire carried */
	uint64_t frames;
};
/* Randomness seeded (42), the two instances on a wire of 100 us latency with the faults fc
 * (NULL: none), the trace, 10 ms of settling. */
void tu_duo_up(struct tu_duo *d, const struct fault_conf *fc);
/* b listens on port 5001 (*l) and a connects (*c, with TCP_NODELAY first when nodelay);
 * *s is b's accepted end.  All three are non-blocking. */
void tu_duo_connect(struct tu_duo *d, bool nodelay, int *l, int *c, int *s);
/* Closes l, c and s, lifts the faults, runs past 2MSL and asserts that no connection is left
 * in either instance (the statistics stay readable). */
void tu_duo_close(struct tu_duo *d, int l, int c, int s);
/* Frees the world and asserts the pools and memory are back. */
void tu_duo_free(struct tu_duo *d);

/* Runs a cmocka group with TAP output (the tests/suites contract). */
#define TU_RUN(tests) (cmocka_set_message_output(CM_OUTPUT_TAP), \
	cmocka_run_group_tests(tests, NULL, NULL))

/* Builds a packet mbuf chain holding len bytes of buf, split into pieces of `piece` bytes
 * (0: one mbuf/cluster as m_devget makes it). */
struct mbuf *tu_chain(const void *buf, uint32_t len, uint32_t piece);

/* ---- frames and a scripted peer on an in-memory wire ---- */
struct wire;
struct netstack;

/* Writes an Ethernet header; returns 14. */
size_t tu_eth(uint8_t *b, const uint8_t dst[6], const uint8_t src[6], uint16_t type);
/* Writes a 20-byte IPv4 header (+ opts, optlen multiple of 4) with a correct checksum for a
 * payload of plen bytes; returns the header length. */
size_t tu_ip(uint8_t *b, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id,
    uint16_t off_flags, uint8_t ttl, size_t plen, const uint8_t *opts, size_t optlen);
/* Writes an IPv4 datagram (TU_IP_P -> TU_IP_A, DF, TTL 64) carrying a TCP segment with the
 * given header fields, options and payload, checksummed; returns its length. */
size_t tu_tcp(uint8_t *b, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
    uint8_t flags, uint16_t win, const uint8_t *opts, size_t optlen, const void *pay,
    size_t plen, uint16_t urp);
/* Writes an ICMP echo request (type 8) or other type/code with payload; returns its length. */
size_t tu_icmp(uint8_t *b, uint8_t type, uint8_t code, uint16_t id, uint16_t seq,
    const uint8_t *payload, size_t plen);
/* Writes an ARP packet (Ethernet/IPv4); returns 28. */
size_t tu_arp(uint8_t *b, uint16_t op, const uint8_t sha[6], uint32_t spa, const uint8_t tha[6],
    uint32_t tpa);

/* A peer on a wire: records every frame, and (if auto_arp) answers ARP requests for its
 * address like a well-behaved host. */
#define TU_PEER_MAX 4096
struct tu_peer {
	struct wire_port *port;
	uint8_t mac[6];
	uint32_t ip;
	int auto_arp;
	size_t n;
	uint8_t *frame[TU_PEER_MAX];
	size_t len[TU_PEER_MAX];
};
void tu_peer_init(struct tu_peer *p, struct wire *wr, const uint8_t mac[6], uint32_t ip);
void tu_peer_clear(struct tu_peer *p);
void tu_peer_send(struct tu_peer *p, const uint8_t *frame, size_t len);
/* Sends an IPv4 datagram (header built by tu_ip, or raw when hdr_done) to dstmac. */
void tu_peer_send_ip(struct tu_peer *p, const uint8_t dstmac[6], const uint8_t *ipdgram, size_t len);
/* Counts recorded frames of an ethertype (and, for IPv4, protocol proto and ICMP type when
 * >= 0). */
size_t tu_peer_count(const struct tu_peer *p, uint16_t type, int proto, int icmp_type);
/* The i-th recorded frame matching like tu_peer_count, or NULL. */
const uint8_t *tu_peer_find(const struct tu_peer *p, uint16_t type, int proto, int icmp_type,
    size_t i, size_t *len);

/* The i-th recorded TCP segment (n: the last when i is TU_SEG_LAST), read from its frame:
 * ports, sequence and acknowledgment numbers, flags, window, payload length, the options
 * (pointer into the recording) and the timestamp option's TSval (0 without one).  Returns 0
 * when there is no such segment. */
#define TU_SEG_LAST ((size_t)-1)
struct tu_seg {
	uint16_t sport, dport, win;
	uint32_t seq, ack, tsval;
	uint8_t flags;
	size_t len, optlen;
	const uint8_t *opt;
};
int tu_peer_tcp_seg(const struct tu_peer *p, size_t i, struct tu_seg *s);

/* The usual fixture: stack "a" with eth0 = 10.0.0.1/24 (MAC 02:00:00:00:00:01) on a wire
 * with 10 us latency, and a peer 10.0.0.99 (MAC 02:00:00:00:00:99).  Pools and memory are
 * checked on teardown. */
#define TU_IP_A 0x0a000001u
#define TU_IP_P 0x0a000063u
extern const uint8_t TU_MAC_A[6], TU_MAC_P[6];
struct tu_fx {
	struct world *w;
	struct netstack *a;
	struct wire *wr;
	struct ifnet *ea;
	struct tu_peer peer;
	struct tu_leakcheck lc;
};
int tu_fx_setup(void **state);
int tu_fx_teardown(void **state);
/* Sends an IPv4 datagram from the peer to a (frame addressed to a's MAC) and settles. */
/* The fixture with the socket layer attached to instance a (stos_stack_init), and its
 * teardown: every socket of a closed, then twenty idle minutes so closing connections finish
 * (FIN exchange, 2MSL) before the instance goes. */
int tu_fx_setup_sockets(void **state);
int tu_fx_teardown_sockets(void **state);
void tu_fx_send(struct tu_fx *fx, const uint8_t *ipdgram, size_t len);

/* Runs fn with the instance's net lock held. */
#define TU_LOCKED(ns, stmt) do { NET_LOCK(ns); stmt; NET_UNLOCK(ns); } while (0)

#endif
