/* Timers: one callout wheel per stack instance.
 *
 * Time is an input: nothing fires until the host calls net_timers_run(ns, now_ns) (the kernel
 * from its clock tick, the hosted build from its timer thread or a test's virtual clock).  A
 * callout runs with the net lock held, once, at the first net_timers_run whose now_ns is at or
 * past its expiry; it may re-arm itself or any other callout, and may stop any callout.
 *
 * The wheel is hierarchical (Varghese and Lauck's scheme 7): CALLOUT_LEVELS levels of
 * CALLOUT_SLOTS slots; a level-0 slot is one tick (CALLOUT_TICK_NS), a level-l slot is
 * CALLOUT_SLOTS^l ticks.  A callout sits at the lowest level whose current turn contains its
 * tick, so every callout on a level expires before every callout on the levels above; when
 * time reaches the start of a higher-level slot, that slot is cascaded: its callouts move
 * down (at most CALLOUT_LEVELS - 1 moves in a callout's life).  Beyond the top level's turn
 * (2^30 ticks, 12 days) callouts wait on an overflow list that is looked at once per turn.
 * Occupancy bitmaps find the next non-empty slot in O(levels).  So arming, stopping and
 * firing are O(1), and the work of a tick is the callouts it fires or moves plus a constant:
 * it visits no callout that is not due, except those due later within the current tick (the
 * old single wheel walked every far-future callout sharing a slot, once per turn), whatever
 * the number of timers armed.
 * The counters cw_cascaded, cw_skipped and cw_slotvisits let tests check that.
 * A struct callout is embedded in its owner (a TCP connection, an ARP entry...), never
 * allocated by the wheel; the owner must callout_stop it before freeing its memory.
 */
#ifndef NET_CALLOUT_H
#define NET_CALLOUT_H
#include <stdint.h>
#include <stdbool.h>

struct netstack;

#define CALLOUT_TICK_NS  1000000ull     /* 1 ms */
#define CALLOUT_BITS     6u
#define CALLOUT_SLOTS    (1u << CALLOUT_BITS)   /* per level */
#define CALLOUT_LEVELS   5u

typedef void (*callout_fn)(void *arg);

struct callout {
	struct callout *c_next;     /* in its slot's list */
	struct callout **c_pprev;
	uint64_t c_expire;          /* absolute time, ns, on port_now_ns's clock */
	callout_fn c_fn;
	void *c_arg;
	uint32_t c_flags;           /* CALLOUT_PENDING */
	uint16_t c_where;           /* level * CALLOUT_SLOTS + slot, or CALLOUT_OVERFLOW */
};
#define CALLOUT_PENDING 0x1u
#define CALLOUT_OVERFLOW 0xffffu

struct callout_wheel {
	struct callout *cw_slot[CALLOUT_LEVELS][CALLOUT_SLOTS];
	/* A lower bound of the expiries in each slot (exact unless a callout left the slot
	 * since it was last emptied); net_timers_next answers from it without a walk. */
	uint64_t cw_min[CALLOUT_LEVELS][CALLOUT_SLOTS];
	uint64_t cw_occupied[CALLOUT_LEVELS];   /* bit s: slot s is not empty */
	struct callout *cw_overflow;            /* beyond the top level's turn */
	uint64_t cw_overflow_min;
	uint64_t cw_now;            /* the last now_ns seen by net_timers_run */
	uint64_t cw_tick;           /* the current tick: callouts are placed relative to it */
	uint32_t cw_pending;        /* callouts armed */
	uint64_t cw_fired;          /* callouts run since creation */
	/* Structural counters (deterministic). */
	uint64_t cw_cascaded;       /* callouts moved down a level */
	uint64_t cw_skipped;        /* callouts visited in a due slot but not yet due */
	uint64_t cw_slotvisits;     /* slots processed (fired from or cascaded) */
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
/* The same with the net lock held: for a host loop that runs its input and its timers under
 * one hold (stos_run). */
void net_timers_run_locked(struct netstack *ns, uint64_t now_ns);
/* Now, for protocol timestamps: the later of port_now_ns(ns) and the last now_ns given to
 * net_timers_run. */
uint64_t net_now(struct netstack *ns);
/* The earliest expiry among pending callouts, or UINT64_MAX when none; may be earlier than
 * it (never later) when that callout is still on a higher level or others left its slot:
 * a run at that time then moves it down, and the next answer is later than that run's time,
 * so a caller that sleeps until the answer and runs the timers always makes progress.  Net
 * lock held. */
uint64_t net_timers_next(struct netstack *ns);

/* Used by netstack create/destroy. */
void callout_wheel_init(struct callout_wheel *w, uint64_t now_ns);

#endif
