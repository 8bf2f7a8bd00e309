/* The port layer: everything net/ needs from its host, and nothing more.
 *
 * The kernel (kernel/net_port.c) and the hosted build (host/port_host.c) each implement these
 * functions; net/ includes no other host or kernel header.  There is no #ifdef KERNEL in net/:
 * the two builds differ only by which port file they link.
 *
 * Contracts:
 *  - port_alloc never blocks; it returns NULL on failure.  The memory is NOT zeroed
 *    (net_zalloc in netlib.h zeroes).  port_free(NULL) is a no-op.
 *  - Locks: PORT_LOCK_SLEEP is a sleepable mutex (the net lock); PORT_LOCK_INTR is one that an
 *    interrupt handler or a driver thread may take (the kernel masks interrupts while it is held).
 *    Locks are not recursive.
 *  - port_sleep atomically releases lk, sleeps on chan until port_wakeup(chan), the deadline
 *    (absolute, on port_now_ns(ns)'s clock; 0 = none) or a signal, then re-takes lk.  It returns
 *    0 when woken, -EINTR on a pending signal, -ETIMEDOUT at the deadline.  Spurious wakeups are
 *    allowed: callers loop on their condition.
 *  - port_now_ns is monotonic per instance.  In the hosted build an instance may run on a
 *    virtual clock that only moves when a test advances it (host/port_host.h).
 *  - port_netisr_kick asks the host to run netisr_run(ns) soon (from its netisr thread or poll
 *    loop); it may be called from interrupt context and with or without the net lock.
 */
#ifndef NET_PORT_H
#define NET_PORT_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct netstack;
struct port_lock;

void *port_alloc(size_t n);
void port_free(void *p);

#define PORT_LOCK_SLEEP 0u
#define PORT_LOCK_INTR  1u
struct port_lock *port_lock_new(const char *name, unsigned kind);
void port_lock_free(struct port_lock *lk);
void port_lock(struct port_lock *lk);
void port_unlock(struct port_lock *lk);
bool port_lock_held(struct port_lock *lk);   /* held by the caller (best effort on hosts) */

int port_sleep(struct netstack *ns, void *chan, struct port_lock *lk, uint64_t deadline_ns);
void port_wakeup(void *chan);

uint64_t port_now_ns(struct netstack *ns);
void port_netisr_kick(struct netstack *ns);
void port_random(void *buf, size_t n);

#define PORT_LOG_ERR   0
#define PORT_LOG_WARN  1
#define PORT_LOG_INFO  2
#define PORT_LOG_DEBUG 3
void port_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
