/* memlink: the in-memory wire of the in-process benchmark (tcpbulk): two Ethernet interfaces,
 * one per stack instance, joined back to back by two frame rings.
 *
 * Transmit (the instance's if_start, net lock held) copies each frame into the ring towards
 * the peer in memlink_carry_a / memlink_carry_b (one name per direction, so callgrind can
 * leave the wire's copy out of either side: see tcpbulk.c).  Receive (memlink_rx, called by
 * the owner of the receiving instance) turns queued frames into mbufs with m_devget, as a
 * driver does, and hands them to if_input; netisr_run then runs the whole receive path.
 *
 * Frames are copied flat, as on host/wire.c's wire, so no mbuf chain is ever owned by two
 * instances.  A full ring drops the frame (counted), like a NIC with no free descriptor.
 * Single-threaded: both instances are driven from one thread.
 */
#ifndef BENCH_MEMLINK_H
#define BENCH_MEMLINK_H
#include <stdint.h>

struct netstack;
struct ifnet;
struct memlink;

/* Creates eth0 on a and on b (MACs 02:00:00:00:00:0a / 0b), IP MTU mtu, no checksum offload,
 * addresses addr_a and addr_b (host order) /24, both up.  NULL on failure. */
struct memlink *memlink_new(struct netstack *a, struct netstack *b, uint32_t mtu,
    uint32_t addr_a, uint32_t addr_b);
/* Moves the frames waiting for instance `side` (0: a, 1: b) into its input queue; returns how
 * many.  Takes no net lock (if_input does not need it). */
unsigned memlink_rx(struct memlink *l, int side);
/* Frames waiting in either ring. */
unsigned memlink_pending(const struct memlink *l);
/* Frames carried, and frames dropped because a ring was full, in both directions. */
uint64_t memlink_frames(const struct memlink *l);
uint64_t memlink_drops(const struct memlink *l);
/* Frees the link (call after both instances were destroyed: they own the ifnets). */
void memlink_free(struct memlink *l);

#endif
