/* The hosted port of net/ (port_host.c): what host programs and tests use besides port.h.
 *
 * Each instance made by host_netstack_create carries a struct host_ns (ns->ns_host) that
 * chooses its clock: the real monotonic clock, or a virtual clock that moves only when a test
 * calls host_clock_advance/host_clock_set (deterministic protocol tests).
 */
#ifndef HOST_PORT_HOST_H
#define HOST_PORT_HOST_H
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct netstack;

struct host_ns {
	bool virtual_clock;
	uint64_t vnow;                     /* virtual time, ns (atomic) */
	/* Called by port_netisr_kick (any thread); NULL: only `kicked` is set. */
	void (*kick)(struct netstack *ns, void *arg);
	void *kick_arg;
	int kicked;                        /* atomic: a kick arrived since the last clear */
};

/* Creates an instance whose host data uses a virtual clock starting at start_ns (when
 * virtual) or the real clock.  NULL on failure. */
struct netstack *host_netstack_create(const char *name, bool virtual_clock, uint64_t start_ns);
/* Destroys the instance and its host data. */
void host_netstack_destroy(struct netstack *ns);

/* Virtual clock control (no effect on a real-clock instance).  Wakes sleepers of ns so timed
 * sleeps see the new time.  Does not run timers: call net_timers_run(ns, host_now(ns)). */
void host_clock_set(struct netstack *ns, uint64_t now_ns);
void host_clock_advance(struct netstack *ns, uint64_t delta_ns);
uint64_t host_now(struct netstack *ns);
uint64_t host_monotonic_ns(void);

/* The futex mutex under port_lock, on a bare word (0 = free; static initialisation is 0),
 * for host code that wants a lock cheaper than pthread_mutex (api.c's descriptor table). */
void host_mutex_lock(uint32_t *state);
void host_mutex_unlock(uint32_t *state);

/* Makes port_random deterministic from this seed (tests); by default it is seeded from the
 * OS random source. */
void host_random_seed(uint64_t seed);

/* Logging: messages at or below this level go to stderr (default PORT_LOG_WARN, or
 * STOS_NETLOG=0..3 in the environment).  Every message is counted per level and offered to
 * the hook, if any, so tests can assert that something was logged. */
void host_log_level(int level);
void host_log_hook(void (*fn)(int level, const char *msg, void *arg), void *arg);
uint64_t host_log_count(int level);

/* Bytes of port_alloc memory live now (tests assert it returns to its starting value). */
uint64_t host_alloc_live(void);
/* port_alloc calls so far, answered or refused (tests assert a path allocates nothing). */
uint64_t host_alloc_calls(void);
/* Fault injection (tests of memory pressure): the next `count` port_alloc calls of exactly
 * `size` bytes (any size when 0) return NULL.  count 0 turns it off. */
void host_alloc_fail(size_t size, unsigned count);

#endif
