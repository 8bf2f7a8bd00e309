/* Many TCP connections between two stack instances over the in-memory wire (virtual clock):
 * the shared driver of the scale test (tcp_scale.c, suite 38-tcp-scale) and of the
 * per-segment cost figure (tcp_scale_bench.c, `make bench`).
 *
 * Instance "a" (10.0.0.1) is the client, "b" (10.0.0.2) the server, listening on
 * SCALE_PORTS ports (so that more connections than one peer port's ephemeral range can be
 * opened: RFC 6056 ports are per destination).  Every connection has SO_KEEPALIVE, so each
 * one keeps a (two-hour) timer armed on both sides: the callout wheel holds 2 per
 * connection.  Both ends' descriptors are kept open. */
#ifndef TESTS_TCP_SCALE_WORLD_H
#define TESTS_TCP_SCALE_WORLD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct netstack;
struct world;
struct wire;

#define SCALE_A_ADDR 0x0a000001u
#define SCALE_B_ADDR 0x0a000002u
#define SCALE_PORTS  8
#define SCALE_PORT0  5001

struct scale_world {
	struct world *w;
	struct netstack *a, *b;
	struct wire *wr;
	int lfd[SCALE_PORTS];       /* listeners on b */
	int *cfd, *sfd;             /* client and server descriptors of connection i */
	size_t n, cap;
};

/* Two instances, the wire and the listeners.  0 or -1. */
int scale_world_init(struct scale_world *sw);
/* Opens connections until sw->n == n (batches of handshakes, each accepted).  0 or -1. */
int scale_open(struct scale_world *sw, size_t n);
/* One request and one reply of len bytes (len <= 4096) on connection i: the client sends,
 * the server reads and echoes, the client reads; the bytes are checked.  No virtual time
 * passes, so no timer runs (the delayed ACK rides on the reply).  0 or -1. */
int scale_echo(struct scale_world *sw, size_t i, size_t len, uint8_t seed);
/* The same on count connections spread over the whole set. */
int scale_echo_sample(struct scale_world *sw, size_t count, size_t len);
/* Closes every connection (client first: its end goes to TIME-WAIT), runs the world past
 * 2MSL, and destroys it.  Returns the connections left in either instance (0 expected). */
unsigned scale_world_close(struct scale_world *sw);

/* Structural counters of both instances together. */
struct scale_counters {
	uint64_t lookups, visits;            /* in_pcblookup probes and chain entries */
	uint64_t eph_tries, eph_visits;      /* ephemeral ports tried, port-chain entries */
	uint64_t cw_fired, cw_cascaded, cw_skipped, cw_slotvisits;
	uint64_t segs;                       /* TCP segments received */
};
void scale_counters(struct scale_world *sw, struct scale_counters *c);

#endif
