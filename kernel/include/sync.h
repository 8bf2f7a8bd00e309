/* Kernel synchronisation: spinlocks (mask interrupts), sleepable mutexes, sleep/wakeup on
 * channels, and the monotonic clock that sleep deadlines use.
 *
 * Uniprocessor: a spinlock disables interrupts (nesting is counted, the outermost unlock
 * restores the previous interrupt state) and records its holder to catch recursion.  Take one
 * around data an interrupt handler also touches, and never sleep while holding one except
 * the one passed to sleep()/sleep_intr(), which is released while asleep and re-taken.
 * A mutex may be held across sleeps; only threads may take it, never interrupt handlers. */
#ifndef KERNEL_SYNC_H
#define KERNEL_SYNC_H
#include <stdint.h>
#include <stdbool.h>

struct thread;

struct spinlock {
	int locked;
	const char *name;
};

struct mutex {
	int locked;
	struct thread *owner;
	const char *name;
};

void spin_init(struct spinlock *lk, const char *name);
void spin_lock(struct spinlock *lk);
void spin_unlock(struct spinlock *lk);
bool spin_held(struct spinlock *lk);

void mutex_init(struct mutex *m, const char *name);
void mutex_lock(struct mutex *m);
void mutex_unlock(struct mutex *m);
bool mutex_held(struct mutex *m);   /* held by the calling thread */

/* Sleep on chan until wakeup(chan).  lk (may be NULL) is held by the caller; it is released
 * atomically with going to sleep and re-taken before returning.  Callers re-check their
 * condition in a loop: wakeups may be spurious. */
void sleep(void *chan, struct spinlock *lk);
/* As sleep(), but also returns -EINTR at once or when woken by a signal pending for the
 * calling process, -ETIMEDOUT when clock_ns() reaches deadline_ns (0 = no deadline), and 0
 * when woken by wakeup(). */
int sleep_intr(void *chan, struct spinlock *lk, uint64_t deadline_ns);
/* Wake every thread sleeping on chan.  Safe from interrupt handlers. */
void wakeup(void *chan);

/* Nanoseconds since boot, monotonic. */
uint64_t clock_ns(void);

#endif
