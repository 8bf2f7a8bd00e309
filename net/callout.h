/* Timers: one callout wheel per stack instance.
 *
 * Time is an input: nothing fires until the host calls net_timers_run(ns, now_ns) (the kernel
 * from its clock tick, the hosted build from its timer thread or a test's virtual clock).  A
 * callout runs with the net lock held, once, at the first net_timers_run whose now_ns is at or
 * past its expiry; it may re-arm itself or any other callout, and may stop any callout.
 *
 * The wheel has CALLOUT_SLOTS slots of CALLOUT_TICK_NS each; a callout further away than one
 * turn stays in its slot and is skipped until its turn comes, so arming, stopping and firing
 * are O(1) per callout and the cost of one tick does not grow with the number of timers.
 * A struct callout is embedded in its owner (a TCP connection, an ARP entry...), never
 * allocated by the wheel; the owner must callout_stop it before freeing its memory.
 */
#ifndef NET_CALLOUT_H
#define NET_CALLOUT_H
#include <stdint.h>
#include <stdbool.h>

struct netstack;

#define CALLOUT_TICK_NS  1000000ull     /* 1 ms */
#define CALLOUT_SLOTS    512u           /* power of two */

typedef void (*callout_fn)(void *arg);

struct callout {
	struct callout *c_next;     /* in its slot's list */
	struct callout **c_pprev;
	uint64_t c_expire;          /* absolute time, ns, on port_now_ns's clock */
	callout_fn c_fn;
	void *c_arg;
	uint32_t c_flags;           /* CALLOUT_PENDING */
};
#define CALLOUT_PENDING 0x1u

struct callout_wheel {
	struct callout *cw_slot[CALLOUT_SLOTS];
	uint64_t cw_now;            /* the last now_ns seen by net_timers_run */
	uint64_t cw_tick;           /* the next tick to process */
	uint32_t cw_pending;        /* callouts armed */
	uint64_t cw_fired;          /* callouts run since creation */
};

/* Prepares a callout (not pending).  Call once before first use. */
void callout_init(struct callout *c);
/* Arms c to call fn(arg) delay_ns from now (net_now), re-arming it if it was pending.  Net
 * lock held. */
void callout_reset(struct netstack *ns, struct callout *c, uint64_t delay_ns, callout_fn fn,
    void *arg);
/* Arms c at an absolute time.  Net lock held. */
void callout_reset_at(struct netstack *ns, struct callout *c, uint64_t when_ns, callout_fn fn,
    void *arg);
/* Disarms c; returns true if it was pending.  Net lock held. */
bool callout_stop(struct netstack *ns, struct callout *c);
static inline bool callout_pending(const struct callout *c) { return c->c_flags & CALLOUT_PENDING; }

/* Runs every callout due at now_ns.  Takes the net lock itself (call it without). */
void net_timers_run(struct netstack *ns, uint64_t now_ns);
/* Now, for protocol timestamps: the later of port_now_ns(ns) and the last now_ns given to
 * net_timers_run. */
uint64_t net_now(struct netstack *ns);
/* The earliest expiry among pending callouts, or UINT64_MAX when none.  Net lock held. */
uint64_t net_timers_next(struct netstack *ns);

/* Used by netstack create/destroy. */
void callout_wheel_init(struct callout_wheel *w, uint64_t now_ns);

#endif
