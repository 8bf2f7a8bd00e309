/* The callout wheel (callout.h): CALLOUT_SLOTS lists indexed by expiry tick. */
#include "netlib.h"
#include "netstack.h"

static uint64_t tick_of(uint64_t ns) { return ns / CALLOUT_TICK_NS; }

void callout_wheel_init(struct callout_wheel *w, uint64_t now_ns)
{
	memset(w, 0, sizeof(*w));
	w->cw_now = now_ns;
	w->cw_tick = tick_of(now_ns);
}

void callout_init(struct callout *c)
{
	memset(c, 0, sizeof(*c));
}

static void wheel_remove(struct callout_wheel *w, struct callout *c)
{
	*c->c_pprev = c->c_next;
	if (c->c_next)
		c->c_next->c_pprev = c->c_pprev;
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
	uint64_t t = tick_of(when);
	/* A time in the past fires at the next run (the slot about to be processed). */
	if (t < w->cw_tick)
		t = w->cw_tick;
	struct callout **slot = &w->cw_slot[t & (CALLOUT_SLOTS - 1)];
	c->c_expire = when;
	c->c_fn = fn;
	c->c_arg = arg;
	c->c_flags |= CALLOUT_PENDING;
	c->c_next = *slot;
	if (c->c_next)
		c->c_next->c_pprev = &c->c_next;
	c->c_pprev = slot;
	*slot = c;
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
	uint64_t now = port_now_ns(ns);
	return now > ns->ns_callouts.cw_now ? now : ns->ns_callouts.cw_now;
}

/* Fires every due callout in one slot.  A callout may re-arm into this same slot (a short
 * delay); the scan restarts from the head after each fire, and one re-armed for later is
 * skipped because its expiry is in the future. */
static void run_slot(struct netstack *ns, struct callout_wheel *w, unsigned idx, uint64_t now)
{
	for (;;) {
		struct callout *c = w->cw_slot[idx];
		while (c && c->c_expire > now)
			c = c->c_next;
		if (!c)
			return;
		wheel_remove(w, c);
		w->cw_fired++;
		c->c_fn(c->c_arg);
		(void)ns;
	}
}

void net_timers_run(struct netstack *ns, uint64_t now)
{
	NET_LOCK(ns);
	struct callout_wheel *w = &ns->ns_callouts;
	if (now < w->cw_now)
		now = w->cw_now;   /* time never goes back */
	w->cw_now = now;
	uint64_t last = tick_of(now);
	if (last >= w->cw_tick && w->cw_pending) {
		/* More than one turn: every slot is visited once. */
		uint64_t end = last - w->cw_tick >= CALLOUT_SLOTS ? w->cw_tick + CALLOUT_SLOTS - 1 : last;
		for (uint64_t t = w->cw_tick; t <= end; t++)
			run_slot(ns, w, (unsigned)(t & (CALLOUT_SLOTS - 1)), now);
		/* A callout re-armed during this run into an already visited slot but due now is
		 * caught by the pass over the current tick's slot below. */
		run_slot(ns, w, (unsigned)(last & (CALLOUT_SLOTS - 1)), now);
	}
	w->cw_tick = last;
	NET_UNLOCK(ns);
}

uint64_t net_timers_next(struct netstack *ns)
{
	struct callout_wheel *w = &ns->ns_callouts;
	uint64_t best = UINT64_MAX;
	if (!w->cw_pending)
		return best;
	for (unsigned i = 0; i < CALLOUT_SLOTS; i++)
		for (struct callout *c = w->cw_slot[i]; c; c = c->c_next)
			if (c->c_expire < best)
				best = c->c_expire;
	return best;
}
