/* Spinlocks, interrupt masking, mutexes, sleep and wakeup (sync.h). */
#include "klib.h"
#include "sync.h"
#include "proc.h"
#include "sched.h"
#include "thread.h"
#include "arch/cpu.h"
#include "arch/x86.h"
#include <stos/errno.h>

void push_cli(void)
{
	uint64_t fl = read_rflags();
	cli();
	struct cpu *c = mycpu();
	if (c->ncli++ == 0)
		c->intena = (fl & RFLAGS_IF) != 0;
}

void pop_cli(void)
{
	struct cpu *c = mycpu();
	if (read_rflags() & RFLAGS_IF)
		panic("pop_cli: interrupts enabled");
	if (--c->ncli < 0)
		panic("pop_cli: unbalanced");
	if (c->ncli == 0 && c->intena)
		sti();
}

void spin_init(struct spinlock *lk, const char *name)
{
	lk->locked = 0;
	lk->name = name;
}

void spin_lock(struct spinlock *lk)
{
	push_cli();
	if (lk->locked)
		panic("spin_lock: %s already held (recursion or missing unlock)", lk->name);
	lk->locked = 1;
}

void spin_unlock(struct spinlock *lk)
{
	if (!lk->locked)
		panic("spin_unlock: %s not held", lk->name);
	lk->locked = 0;
	pop_cli();
}

bool spin_held(struct spinlock *lk)
{
	return lk->locked != 0;
}

static struct spinlock mutex_lock_lk = { 0, "mutexes" };

void mutex_init(struct mutex *m, const char *name)
{
	m->locked = 0;
	m->owner = NULL;
	m->name = name;
}

void mutex_lock(struct mutex *m)
{
	struct thread *t = curthread();
	spin_lock(&mutex_lock_lk);
	if (m->locked && m->owner == t)
		panic("mutex_lock: %s already held by this thread", m->name);
	while (m->locked)
		sleep(m, &mutex_lock_lk);
	m->locked = 1;
	m->owner = t;
	spin_unlock(&mutex_lock_lk);
}

void mutex_unlock(struct mutex *m)
{
	spin_lock(&mutex_lock_lk);
	if (!m->locked || m->owner != curthread())
		panic("mutex_unlock: %s not held by this thread", m->name);
	m->locked = 0;
	m->owner = NULL;
	wakeup(m);
	spin_unlock(&mutex_lock_lk);
}

bool mutex_held(struct mutex *m)
{
	return m->locked && m->owner == curthread();
}

static int do_sleep(void *chan, struct spinlock *lk, int intr, uint64_t deadline)
{
	struct thread *t = curthread();
	push_cli();
	if (intr && signal_pending()) {
		pop_cli();
		return -EINTR;
	}
	if (deadline && clock_ns() >= deadline) {
		pop_cli();
		return -ETIMEDOUT;
	}
	if (lk)
		spin_unlock(lk);
	t->chan = chan;
	t->intr = intr;
	t->deadline = deadline;
	t->wake = WAKE_NORMAL;
	t->state = T_SLEEPING;
	sched_timer_deadline(deadline);
	sched();
	t->chan = NULL;
	t->intr = 0;
	t->deadline = 0;
	enum wake_reason why = t->wake;
	if (lk)
		spin_lock(lk);
	pop_cli();
	return why == WAKE_SIGNAL ? -EINTR : why == WAKE_TIMEOUT ? -ETIMEDOUT : 0;
}

void sleep(void *chan, struct spinlock *lk)
{
	do_sleep(chan, lk, 0, 0);
}

int sleep_intr(void *chan, struct spinlock *lk, uint64_t deadline_ns)
{
	return do_sleep(chan, lk, 1, deadline_ns);
}
