/* The callout wheel (callout.h): a hierarchical timing wheel of CALLOUT_LEVELS levels. */
#include "netlib.h"
#include "netstack.h"

#define LEVEL_SHIFT(l) ((l) * CALLOUT_BITS)
#define TOP_SHIFT      (CALLOUT_LEVELS * CALLOUT_BITS)     /* the top level's turn: 2^30 ticks */

static uint64_t tick_of(uint64_t ns) { return ns / CALLOUT_TICK_NS; }

static unsigned ctz64(uint64_t x) { return (unsigned)__builtin_ctzll(x); }
static unsigned msb64(uint64_t x) { return 63u - (unsigned)__builtin_clzll(x); }

void callout_wheel_init(struct callout_wheel *w, uint64_t now_ns)
{
	memset(w, 0, sizeof(*w));
	for (unsigned l = 0; l < CALLOUT_LEVELS; l++)
		for (unsigned s = 0; s < CALLOUT_SLOTS; s++)
			w->cw_min[l][s] = UINT64_MAX;
	w->cw_overflow_min = UINT64_MAX;
	w->cw_now = now_ns;
	w->cw_tick = tick_of(now_ns);
}

void callout_init(struct callout *c)
{
	memset(c, 0, sizeof(*c));
}

static void list_push(struct callout **head, struct callout *c)
{
	c->c_next = *head;
	if (c->c_next)
		c->c_next->c_pprev = &c->c_next;
	c->c_pprev = head;
	*head = c;
}

/* Files c by its expiry relative to the current tick: the lowest level whose current turn
 * holds its tick (the highest bit in which the two ticks differ tells which). */
static void place(struct callout_wheel *w, struct callout *c)
{
	uint64_t cur = w->cw_tick, t = tick_of(c->c_expire);
	if (t < cur)
		t = cur;        /* already due: the current slot, fired by the next run */
	uint64_t diff = t ^ cur;
	unsigned level = diff < CALLOUT_SLOTS ? 0 : msb64(diff) / CALLOUT_BITS;
	if (level >= CALLOUT_LEVELS) {
		list_push(&w->cw_overflow, c);
		c->c_where = CALLOUT_OVERFLOW;
		if (c->c_expire < w->cw_overflow_min)
			w->cw_overflow_min = c->c_expire;
		return;
	}
	unsigned slot = (unsigned)(t >> LEVEL_SHIFT(level)) & (CALLOUT_SLOTS - 1);
	list_push(&w->cw_slot[level][slot], c);
	c->c_where = (uint16_t)(level * CALLOUT_SLOTS + slot);
	w->cw_occupied[level] |= 1ull << slot;
	if (c->c_expire < w->cw_min[level][slot])
		w->cw_min[level][slot] = c->c_expire;
}

static void wheel_remove(struct callout_wheel *w, struct callout *c)
{
	*c->c_pprev = c->c_next;
	if (c->c_next)
		c->c_next->c_pprev = c->c_pprev;
	if (c->c_where != CALLOUT_OVERFLOW) {
		unsigned level = c->c_where / CALLOUT_SLOTS, slot = c->c_where % CALLOUT_SLOTS;
		if (!w->cw_slot[level][slot]) {
			w->cw_occupied[level] &= ~(1ull << slot);
			w->cw_min[level][slot] = UINT64_MAX;
		}
	} else if (!w->cw_overflow) {
		w->cw_overflow_min = UINT64_MAX;
	}
	c->c_next = NULL;
	c->c_pprev = NULL;
	c->c_flags &= ~CALLOUT_PENDING;
	w->cw_pending--;
}

bool callout_stop(struct netstack *ns, struct callout *c)
{
	if (!(c->c_flags & CALLOUT_PENDING))
		return false;
	wheel_remove(&ns->ns_callouts, c);
	return true;
}

void callout_reset_at(struct netstack *ns, struct callout *c, uint64_t when, callout_fn fn,
    void *arg)
{
	struct callout_wheel *w = &ns->ns_callouts;
	NET_ASSERT_LOCKED(ns);
	if (c->c_flags & CALLOUT_PENDING)
		wheel_remove(w, c);
	c->c_expire = when;
	c->c_fn = fn;
	c->c_arg = arg;
	c->c_flags |= CALLOUT_PENDING;
	place(w, c);
	w->cw_pending++;
}

void callout_reset(struct netstack *ns, struct callout *c, uint64_t delay_ns, callout_fn fn,
    void *arg)
{
	callout_reset_at(ns, c, net_now(ns) + delay_ns, fn, arg);
}

/* The later of the host clock and the last time timers ran: on a real clock the wheel's time
 * lags between runs, and a delay must count from the present. */
uint64_t net_now(struct netstack *ns)
{
	uint64_t now = net_clock(ns);
	return now > ns->ns_callouts.cw_now ? now : ns->ns_callouts.cw_now;
}

/* The first non-empty slot: the lowest occupied level holds the earliest callouts, and on it
 * the first occupied slot from the current position.  Returns false when the levels are
 * empty. */
static bool first_slot(const struct callout_wheel *w, unsigned *levelp, unsigned *slotp,
    uint64_t *startp)
{
	uint64_t cur = w->cw_tick;
	for (unsigned l = 0; l < CALLOUT_LEVELS; l++) {
		unsigned idx = (unsigned)(cur >> LEVEL_SHIFT(l)) & (CALLOUT_SLOTS - 1);
		uint64_t occ = w->cw_occupied[l] & (~0ull << idx);
		if (!occ)
			continue;
		unsigned s = ctz64(occ);
		uint64_t turn = cur >> LEVEL_SHIFT(l + 1) << LEVEL_SHIFT(l + 1);
		*levelp = l;
		*slotp = s;
		*startp = turn | ((uint64_t)s << LEVEL_SHIFT(l));
		if (*startp < cur)
			*startp = cur;
		return true;
	}
	return false;
}

/* Moves every callout of a slot (or of the overflow list) down, relative to the current
 * tick. */
static void cascade_list(struct callout_wheel *w, struct callout **head)
{
	struct callout *c = *head, *next;
	*head = NULL;
	w->cw_slotvisits++;
	for (; c; c = next) {
		next = c->c_next;
		w->cw_cascaded++;
		place(w, c);
	}
}

static void cascade_slot(struct callout_wheel *w, unsigned level, unsigned slot)
{
	w->cw_occupied[level] &= ~(1ull << slot);
	w->cw_min[level][slot] = UINT64_MAX;
	cascade_list(w, &w->cw_slot[level][slot]);
}

/* The current tick has just reached t: every higher-level slot starting at t is cascaded,
 * the highest first so its callouts can go on down through the levels below. */
static void cascade_at(struct callout_wheel *w, uint64_t t)
{
	if ((t & ((1ull << TOP_SHIFT) - 1)) == 0 && w->cw_overflow) {
		w->cw_overflow_min = UINT64_MAX;
		cascade_list(w, &w->cw_overflow);
	}
	for (unsigned l = CALLOUT_LEVELS - 1; l >= 1; l--) {
		if (t & ((1ull << LEVEL_SHIFT(l)) - 1))
			continue;
		unsigned slot = (unsigned)(t >> LEVEL_SHIFT(l)) & (CALLOUT_SLOTS - 1);
		if (w->cw_slot[l][slot])
			cascade_slot(w, l, slot);
	}
}

/* Fires every due callout in the level-0 slot of the current tick.  A callout may re-arm
 * into this same slot (a short or past delay) or stop others in it: the scan restarts from
 * the head after each fire; one not yet due (later within this tick) is skipped. */
static void run_slot(struct callout_wheel *w, unsigned idx, uint64_t now)
{
	w->cw_slotvisits++;
	for (;;) {
		struct callout *c = w->cw_slot[0][idx];
		while (c && c->c_expire > now) {
			w->cw_skipped++;
			c = c->c_next;
		}
		if (!c)
			break;
		wheel_remove(w, c);
		w->cw_fired++;
		c->c_fn(c->c_arg);
	}
	/* What is left is due later in this tick: its minimum is exact again. */
	uint64_t min = UINT64_MAX;
	for (struct callout *c = w->cw_slot[0][idx]; c; c = c->c_next)
		if (c->c_expire < min)
			min = c->c_expire;
	w->cw_min[0][idx] = min;
}

void net_timers_run_locked(struct netstack *ns, uint64_t now)
{
	NET_ASSERT_LOCKED(ns);
	struct callout_wheel *w = &ns->ns_callouts;
	if (now < w->cw_now)
		now = w->cw_now;   /* time never goes back */
	w->cw_now = now;
	uint64_t last = tick_of(now);
	/* Jump from one non-empty slot to the next (never tick by tick): a virtual clock may
	 * advance hours at once. */
	while (w->cw_pending) {
		unsigned level, slot;
		uint64_t t;
		if (!first_slot(w, &level, &slot, &t)) {
			/* Only the overflow list: its callouts come down at the next top turn. */
			t = ((w->cw_tick >> TOP_SHIFT) + 1) << TOP_SHIFT;
			if (t > last)
				break;
			w->cw_tick = t;
			cascade_at(w, t);
			continue;
		}
		if (t > last)
			break;
		w->cw_tick = t;
		if (level > 0) {
			cascade_at(w, t);
			continue;
		}
		run_slot(w, slot, now);
		if (t == last)
			break;
	}
	if (last > w->cw_tick)
		w->cw_tick = last;
}

void net_timers_run(struct netstack *ns, uint64_t now)
{
	NET_LOCK(ns);
	net_timers_run_locked(ns, now);
	NET_UNLOCK(ns);
}

uint64_t net_timers_next(struct netstack *ns)
{
	struct callout_wheel *w = &ns->ns_callouts;
	unsigned level, slot;
	uint64_t start;
	if (!w->cw_pending)
		return UINT64_MAX;
	if (first_slot(w, &level, &slot, &start)) {
		uint64_t min = w->cw_min[level][slot];
		if (level == 0)
			return min;       /* exact (a callout already due reads as due) */
		return min > start * CALLOUT_TICK_NS ? min : start * CALLOUT_TICK_NS;
	}
	uint64_t turn = ((w->cw_tick >> TOP_SHIFT) + 1) << TOP_SHIFT;
	return w->cw_overflow_min > turn * CALLOUT_TICK_NS ? w->cw_overflow_min :
	    turn * CALLOUT_TICK_NS;
}
