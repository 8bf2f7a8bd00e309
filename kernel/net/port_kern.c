/* net/port.h over the kernel's primitives: kmalloc, spinlocks and mutexes, sleep_intr and
 * wakeup, clock_ns, random_bytes, kprintf.
 *
 * Locks: PORT_LOCK_SLEEP is a kernel mutex (the net lock, held across sleeps by socket
 * calls); PORT_LOCK_INTR is a spinlock (interrupts masked while held).  port_sleep on a mutex
 * goes through one global spinlock, port_sleep_lk: the sleeper takes it before releasing the
 * mutex and sleep_intr drops it atomically with going to sleep, and port_wakeup takes it
 * around wakeup(), so a wakeup between the unlock and the sleep cannot be lost.
 */
#include <stdarg.h>
#include "klib.h"
#include "kalloc.h"
#include "sync.h"
#include "dev/random.h"
#include "knet.h"
#include "../../net/port.h"

void *port_alloc(size_t n)
{
	return kmalloc(n);
}

void port_free(void *p)
{
	kfree(p);
}

struct port_lock {
	unsigned kind;
	struct spinlock sp;
	struct mutex mx;
};

struct port_lock *port_lock_new(const char *name, unsigned kind)
{
	struct port_lock *lk = kzalloc(sizeof(*lk));
	if (!lk)
		return NULL;
	lk->kind = kind;
	spin_init(&lk->sp, name);
	mutex_init(&lk->mx, name);
	return lk;
}

void port_lock_free(struct port_lock *lk)
{
	kfree(lk);
}

void port_lock(struct port_lock *lk)
{
	if (lk->kind == PORT_LOCK_INTR)
		spin_lock(&lk->sp);
	else
		mutex_lock(&lk->mx);
}

void port_unlock(struct port_lock *lk)
{
	if (lk->kind == PORT_LOCK_INTR)
		spin_unlock(&lk->sp);
	else
		mutex_unlock(&lk->mx);
}

bool port_lock_held(struct port_lock *lk)
{
	return lk->kind == PORT_LOCK_INTR ? spin_held(&lk->sp) : mutex_held(&lk->mx);
}

static struct spinlock port_sleep_lk = { 0, "port_sleep" };

int port_sleep(struct netstack *ns, void *chan, struct port_lock *lk, uint64_t deadline_ns)
{
	(void)ns;
	if (lk->kind == PORT_LOCK_INTR)
		return sleep_intr(chan, &lk->sp, deadline_ns);
	spin_lock(&port_sleep_lk);
	mutex_unlock(&lk->mx);
	int rc = sleep_intr(chan, &port_sleep_lk, deadline_ns);
	spin_unlock(&port_sleep_lk);
	mutex_lock(&lk->mx);
	return rc;
}

void port_wakeup(void *chan)
{
	spin_lock(&port_sleep_lk);
	wakeup(chan);
	spin_unlock(&port_sleep_lk);
}

uint64_t port_now_ns(struct netstack *ns)
{
	(void)ns;
	return clock_ns();
}

void port_netisr_kick(struct netstack *ns)
{
	(void)ns;
	knet_kick();
}

void port_random(void *buf, size_t n)
{
	random_bytes(buf, n);
}

void port_log(int level, const char *fmt, ...)
{
	static const char *const tag[] = { "error", "warning", "info", "debug" };
	if (level >= PORT_LOG_DEBUG)
		return;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("net: %s: %s\n", tag[level < 0 ? 0 : level], msg);
}
