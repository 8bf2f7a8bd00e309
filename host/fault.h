/* Fault injection on a link, on a seeded (so reproducible) schedule: loss, duplication,
 * reordering (extra delay on some frames), corruption (one flipped byte), fixed delay, and
 * congestion marks (an ECN-capable IPv4 packet marked CE, as a router's queue management
 * would mark it instead of dropping it, RFC 3168 5), and a bottleneck: a link of a given
 * rate with a drop-tail queue, so that a sender that sends faster builds a queue (the round
 * trip grows) and then loses what overflows it.
 * Used by the in-memory wire (wire_fault); usable by any link that moves flat frames. */
#ifndef HOST_FAULT_H
#define HOST_FAULT_H
#include <stddef.h>
#include <stdint.h>

struct fault_conf {
	uint32_t loss_ppm;          /* probability a frame is lost, parts per million */
	uint32_t dup_ppm;           /* ... delivered twice */
	uint32_t reorder_ppm;       /* ... held back by reorder_delay_ns (others overtake it) */
	uint32_t corrupt_ppm;       /* ... has one byte (past the Ethernet header) flipped */
	uint32_t ce_ppm;            /* ... is marked CE if it is ECN-capable (fault_mark_ce) */
	uint64_t delay_ns;          /* added to every frame */
	uint64_t reorder_delay_ns;
	uint64_t rate_bps;          /* > 0: each direction crosses a bottleneck of this rate ... */
	uint32_t queue_bytes;       /* ... whose queue holds this many bytes (drop-tail) */
	uint64_t seed;
};

struct fault_stats { uint64_t frames, lost, duplicated, reordered, corrupted, qdropped; };

struct fault;
struct fault *fault_new(const struct fault_conf *c);
void fault_free(struct fault *f);

/* One delivery decided for a frame: its extra delay, and whether to corrupt byte `at`. */
struct fault_out {
	uint64_t delay_ns;
	int corrupt;                /* 1: flip byte `at` (xor 0xff) */
	int ce;                     /* 1: mark it CE (fault_mark_ce) */
	size_t at;
};
/* Decides the fate of a frame of len bytes: fills up to 2 outputs, returns how many
 * (0 = lost). */
int fault_decide(struct fault *f, size_t len, struct fault_out out[2]);
void fault_get_stats(const struct fault *f, struct fault_stats *st);
/* The bottleneck (rate_bps; 0: none, returns 0): a frame of len bytes entering direction dir
 * (0..FAULT_DIRS-1, each its own queue) at time now leaves it after the returned delay (its
 * wait behind the frames queued before it, then its own transmission time), or is dropped
 * (-1, counted in qdropped) when the queue holds more than queue_bytes with it. */
#define FAULT_DIRS 4
int64_t fault_bottleneck(struct fault *f, unsigned dir, uint64_t now, size_t len);
/* Marks an Ethernet frame carrying an ECN-capable IPv4 packet (ECT(0) or ECT(1)) CE and
 * mends its header checksum; returns 1 when it did, 0 for any other frame. */
int fault_mark_ce(uint8_t *frame, size_t len);

#endif
