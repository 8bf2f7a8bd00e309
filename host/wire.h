/* The in-memory wire: stack instances joined by simulated Ethernet segments on one virtual
 * clock, so protocol tests are deterministic, need no privileges and run in microseconds.
 *
 *   struct world *w = world_new(0);
 *   struct netstack *a = world_stack(w, "a"), *b = world_stack(w, "b");
 *   struct wire *seg = world_wire(w, 100000);              (100 us one-way latency)
 *   struct ifnet *ea = wire_attach(seg, a, "eth0", mac_a);  (up, ready for addresses)
 *   ... if_addr_add under NET_LOCK ...
 *   world_run(w, 2 * SEC);       (time moves; frames are delivered; timers fire)
 *   world_free(w);               (destroys stacks; tests then check mbuf pools)
 *
 * A wire is a hub: every frame goes to every other port (each stack's Ethernet layer filters
 * by destination).  Frames in flight are flat copies owned by the wire.  A wire may carry a
 * pcap writer and a fault injector; tests may also attach raw ports (wire_raw_port) that
 * send hand-made frames and receive everything, to probe a stack with malformed input.
 * The world is single-threaded: call it from one thread; it takes each instance's net lock
 * as needed (never call it with a net lock held).
 */
#ifndef HOST_WIRE_H
#define HOST_WIRE_H
#include <stddef.h>
#include <stdint.h>
#include "host/fault.h"

#define SEC  1000000000ull
#define MSEC 1000000ull
#define USEC 1000ull

struct netstack;
struct ifnet;
struct world;
struct wire;
struct wire_port;

struct world *world_new(uint64_t start_ns);
/* Destroys every stack, wire and port of the world. */
void world_free(struct world *w);
/* A new stack instance on the world's virtual clock (loopback only).  NULL on failure. */
struct netstack *world_stack(struct world *w, const char *name);
struct wire *world_wire(struct world *w, uint64_t latency_ns);
uint64_t world_now(const struct world *w);

/* Creates an Ethernet interface on ns joined to the wire, and brings it up. */
struct ifnet *wire_attach(struct wire *wr, struct netstack *ns, const char *ifname,
    const uint8_t mac[6]);
/* Writes every frame carried by the wire to a pcap file (at transmit time). */
int wire_pcap(struct wire *wr, const char *path);
/* Applies faults to every frame on the wire (NULL: none). */
int wire_fault(struct wire *wr, const struct fault_conf *fc);
void wire_fault_stats(struct wire *wr, struct fault_stats *st);

/* A test endpoint on the wire: rx(arg, frame, len) sees every frame other ports send. */
struct wire_port *wire_raw_port(struct wire *wr,
    void (*rx)(void *arg, const uint8_t *frame, size_t len), void *arg);
/* Puts a frame on the wire from a raw port (delivered after the wire latency). */
void wire_port_send(struct wire_port *p, const uint8_t *frame, size_t len);

/* Processes everything due at the current time: netisr queues, frames whose delivery time
 * has come, due timers; until nothing more happens. */
void world_settle(struct world *w);
/* Advances the clock by duration_ns, event by event, settling at each. */
void world_run(struct world *w, uint64_t duration_ns);
/* Frames carried by a wire so far. */
uint64_t wire_frames(const struct wire *wr);
/* The world's frame records (wire.c): how many it has taken from malloc so far, and how
 * many free ones it keeps for reuse.  Frames up to 2048 bytes are recycled, so a steady
 * exchange allocates nothing once the most frames ever in flight at once exist (under
 * AddressSanitizer nothing is recycled: spare stays 0). */
void world_frame_stats(const struct world *w, uint64_t *allocs, unsigned *spare);

#endif
