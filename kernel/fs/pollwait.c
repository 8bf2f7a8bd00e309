/* The poll core (see fs/pollwait.h).  One spinlock guards every pollhead list and every
 * poller's triggered flag; it nests inside object locks and masks interrupts, so
 * pollhead_wake works from interrupt handlers. */
#include <stos/errno.h>
#include "fs/pollwait.h"
#include "fslib.h"

#define CHUNK_ENTRIES 32
struct poll_chunk {
	struct poll_chunk *next;
	int n;
	struct poll_entry e[CHUNK_ENTRIES];
};

static struct spinlock poll_lock;
static int poll_lock_ready;

static void plock(void)
{
	if (!poll_lock_ready) {
		spin_init(&poll_lock, "poll");
		poll_lock_ready = 1;
	}
	spin_lock(&poll_lock);
}

void pollhead_init(struct pollhead *ph)
{
	ph->ph_first = NULL;
}

void pollhead_wake(struct pollhead *ph)
{
	plock();
	for (struct poll_entry *e = ph->ph_first; e; e = e->pe_next) {
		e->pe_pw->pw_triggered = 1;
		wakeup(e->pe_pw);
	}
	spin_unlock(&poll_lock);
}

static struct poll_entry *entry_alloc(struct pollwait *pw)
{
	struct poll_chunk *c;
	if (pw->pw_n < POLLWAIT_INLINE)
		return &pw->pw_inline[pw->pw_n++];
	c = pw->pw_chunks;
	if (!c || c->n == CHUNK_ENTRIES) {
		c = kzalloc(sizeof(*c));
		if (!c)
			return NULL;
		c->next = pw->pw_chunks;
		pw->pw_chunks = c;
	}
	return &c->e[c->n++];
}

void poll_register(struct pollwait *pw, struct pollhead *ph)
{
	struct poll_entry *e;
	if (!pw || !pw->pw_registering)
		return;
	/* Allocate outside the poll lock (kzalloc may take its own locks). */
	e = entry_alloc(pw);
	if (!e) {
		pw->pw_nomem = 1;
		return;
	}
	e->pe_head = ph;
	e->pe_pw = pw;
	plock();
	e->pe_next = ph->ph_first;
	ph->ph_first = e;
	spin_unlock(&poll_lock);
}

void pollwait_init(struct pollwait *pw)
{
	pw->pw_triggered = 0;
	pw->pw_registering = 1;
	pw->pw_nomem = 0;
	pw->pw_n = 0;
	pw->pw_chunks = NULL;
}

void pollwait_arm(struct pollwait *pw)
{
	plock();
	pw->pw_triggered = 0;
	spin_unlock(&poll_lock);
}

int pollwait_sleep(struct pollwait *pw, uint64_t deadline_ns)
{
	int r = 0;
	/* After the first round every head is registered; later rounds only re-check. */
	pw->pw_registering = 0;
	if (pw->pw_nomem) {
		/* Some head is not registered: its wakeup would be missed, so never sleep long. */
		uint64_t slice = clock_ns() + 10 * 1000000ull;
		if (!deadline_ns || slice < deadline_ns) {
			plock();
			if (!pw->pw_triggered)
				r = sleep_intr(pw, &poll_lock, slice);
			spin_unlock(&poll_lock);
			return r == -ETIMEDOUT ? 0 : r;
		}
	}
	plock();
	if (!pw->pw_triggered)
		r = sleep_intr(pw, &poll_lock, deadline_ns);
	spin_unlock(&poll_lock);
	return r;
}

static void unlink_entry(struct poll_entry *e)
{
	struct poll_entry **pp = &e->pe_head->ph_first;
	while (*pp && *pp != e)
		pp = &(*pp)->pe_next;
	if (*pp)
		*pp = e->pe_next;
}

void pollwait_done(struct pollwait *pw)
{
	struct poll_chunk *c;
	plock();
	for (int i = 0; i < pw->pw_n; i++)
		unlink_entry(&pw->pw_inline[i]);
	for (c = pw->pw_chunks; c; c = c->next)
		for (int i = 0; i < c->n; i++)
			unlink_entry(&c->e[i]);
	spin_unlock(&poll_lock);
	while ((c = pw->pw_chunks)) {
		pw->pw_chunks = c->next;
		kfree(c);
	}
	pw->pw_n = 0;
}
