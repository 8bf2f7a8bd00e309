/* The hosted implementation of net/port.h: malloc, futex locks, pthreads, clock_gettime, getrandom.
 *
 * Sleep/wakeup: each sleeper registers itself (channel, condition variable) on a list under
 * one process-wide mutex before releasing the caller's lock, so a wakeup between the release
 * and the wait is never lost.  A virtual-clock sleeper with a deadline waits without a
 * timeout and re-checks the deadline whenever host_clock_advance wakes it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <time.h>

#include "net/netstack.h"
#include "host/port_host.h"

/* ---- memory ---- */
struct alloc_hdr { size_t n; size_t pad; };
static uint64_t alloc_live;
static uint64_t alloc_calls;
static size_t alloc_fail_size;
static unsigned alloc_fail_count;

void host_alloc_fail(size_t size, unsigned count)
{
	alloc_fail_size = size;
	__atomic_store_n(&alloc_fail_count, count, __ATOMIC_RELEASE);
}

void *port_alloc(size_t n)
{
	__atomic_add_fetch(&alloc_calls, 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&alloc_fail_count, __ATOMIC_ACQUIRE) &&
	    (alloc_fail_size == 0 || alloc_fail_size == n)) {
		__atomic_sub_fetch(&alloc_fail_count, 1, __ATOMIC_ACQ_REL);
		return NULL;
	}
	struct alloc_hdr *h = malloc(sizeof(*h) + n);
	if (!h)
		return NULL;
	h->n = n;
	__atomic_add_fetch(&alloc_live, n, __ATOMIC_RELAXED);
	return h + 1;
}

void port_free(void *p)
{
	if (!p)
		return;
	struct alloc_hdr *h = (struct alloc_hdr *)p - 1;
	__atomic_sub_fetch(&alloc_live, h->n, __ATOMIC_RELAXED);
	free(h);
}

uint64_t host_alloc_calls(void)
{
	return __atomic_load_n(&alloc_calls, __ATOMIC_RELAXED);
}

/* Live bytes not counting the free blocks the mbuf layer caches for reuse (mbuf.h). */
uint64_t host_alloc_live(void)
{
	return __atomic_load_n(&alloc_live, __ATOMIC_RELAXED) - mbuf_cache_bytes();
}

/* ---- locks ---- */
/* A futex mutex (U. Drepper, "Futexes Are Tricky", mutex 3): state 0 free, 1 locked, 2
 * locked with possible waiters.  Uncontended, lock is one compare-and-swap and unlock one
 * exchange, where pthread_mutex_lock/unlock cost about 50 instructions a pair (the net lock
 * and the input-queue lock are taken once or twice per packet).  Waiters sleep in the kernel
 * (FUTEX_WAIT) and unlock wakes one only when the state says someone may wait. */
struct port_lock {
	uint32_t state;
	const void *owner;          /* the holder's thread_tag */
	int held;
	const char *name;
};

/* Its address names the calling thread: cheaper than pthread_self() in port_lock and
 * port_lock_held, which every NET_ASSERT_LOCKED calls. */
static _Thread_local char thread_tag;

struct port_lock *port_lock_new(const char *name, unsigned kind)
{
	(void)kind;   /* threads, no interrupts: both kinds are mutexes here */
	struct port_lock *lk = calloc(1, sizeof(*lk));
	if (!lk)
		return NULL;
	lk->name = name;
	return lk;
}

void port_lock_free(struct port_lock *lk)
{
	free(lk);
}

void host_mutex_lock(uint32_t *state)
{
	uint32_t c = 0;
	if (__atomic_compare_exchange_n(state, &c, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	/* Mark the lock contended (2) and sleep while it stays held; whoever takes it here
	 * leaves it at 2, so its unlock wakes the next waiter. */
	if (c != 2)
		c = __atomic_exchange_n(state, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		syscall(SYS_futex, state, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
		c = __atomic_exchange_n(state, 2, __ATOMIC_ACQUIRE);
	}
}

void host_mutex_unlock(uint32_t *state)
{
	if (__atomic_exchange_n(state, 0, __ATOMIC_RELEASE) == 2)
		syscall(SYS_futex, state, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

void port_lock(struct port_lock *lk)
{
	host_mutex_lock(&lk->state);
	lk->owner = &thread_tag;
	__atomic_store_n(&lk->held, 1, __ATOMIC_RELAXED);
}

void port_unlock(struct port_lock *lk)
{
	__atomic_store_n(&lk->held, 0, __ATOMIC_RELAXED);
	host_mutex_unlock(&lk->state);
}

bool port_lock_held(struct port_lock *lk)
{
	return __atomic_load_n(&lk->held, __ATOMIC_RELAXED) && lk->owner == &thread_tag;
}

/* ---- clocks ---- */
uint64_t host_monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t port_now_ns(struct netstack *ns)
{
	struct host_ns *h = ns ? ns->ns_host : NULL;
	if (h && h->virtual_clock)
		return __atomic_load_n(&h->vnow, __ATOMIC_ACQUIRE);
	return host_monotonic_ns();
}

uint64_t host_now(struct netstack *ns) { return port_now_ns(ns); }

/* ---- sleep / wakeup ---- */
struct sleeper {
	struct sleeper *next;
	void *chan;
	struct netstack *ns;
	pthread_cond_t cv;
	int woken;
};
static pthread_mutex_t sleep_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sleeper *sleepers;
/* How many threads are in port_sleep, changed under sleep_mu, read by port_wakeup without it
 * so that a wakeup nobody waits for (nearly every one in a transfer) costs one load.  No
 * wakeup is lost: a sleeper counts itself while it still holds lk, the lock under which it
 * found its condition false, and only then releases lk; a waker changes the condition under
 * that same lock (port.h's contract: that is what makes the wakeup meaningful at all) and
 * reads the count after.  So the waker's lock acquisition follows the sleeper's release,
 * which follows the count's increment, and the waker sees it. */
static unsigned nsleepers;

int port_sleep(struct netstack *ns, void *chan, struct port_lock *lk, uint64_t deadline_ns)
{
	struct host_ns *h = ns ? ns->ns_host : NULL;
	bool virt = h && h->virtual_clock;
	struct sleeper s = { .chan = chan, .ns = ns };
	int rc = 0;
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s.cv, &ca);
	pthread_condattr_destroy(&ca);

	pthread_mutex_lock(&sleep_mu);
	s.next = sleepers;
	sleepers = &s;
	__atomic_add_fetch(&nsleepers, 1, __ATOMIC_SEQ_CST);
	port_unlock(lk);
	while (!s.woken) {
		if (deadline_ns && port_now_ns(ns) >= deadline_ns) {
			rc = -ETIMEDOUT;
			break;
		}
		if (deadline_ns && !virt) {
			struct timespec ts = { .tv_sec = (time_t)(deadline_ns / 1000000000ull),
			    .tv_nsec = (long)(deadline_ns % 1000000000ull) };
			pthread_cond_timedwait(&s.cv, &sleep_mu, &ts);
		} else {
			pthread_cond_wait(&s.cv, &sleep_mu);
		}
	}
	for (struct sleeper **pp = &sleepers; *pp; pp = &(*pp)->next)
		if (*pp == &s) {
			*pp = s.next;
			break;
		}
	__atomic_sub_fetch(&nsleepers, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&sleep_mu);
	pthread_cond_destroy(&s.cv);
	port_lock(lk);
	return rc;
}

void port_wakeup(void *chan)
{
	if (__atomic_load_n(&nsleepers, __ATOMIC_SEQ_CST) == 0)
		return;
	pthread_mutex_lock(&sleep_mu);
	for (struct sleeper *s = sleepers; s; s = s->next)
		if (s->chan == chan) {
			s->woken = 1;
			pthread_cond_signal(&s->cv);
		}
	pthread_mutex_unlock(&sleep_mu);
}

static void wake_timed(struct netstack *ns)
{
	pthread_mutex_lock(&sleep_mu);
	for (struct sleeper *s = sleepers; s; s = s->next)
		if (s->ns == ns)
			pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&sleep_mu);
}

void host_clock_set(struct netstack *ns, uint64_t now_ns)
{
	struct host_ns *h = ns->ns_host;
	if (!h || !h->virtual_clock)
		return;
	if (now_ns > __atomic_load_n(&h->vnow, __ATOMIC_ACQUIRE))
		__atomic_store_n(&h->vnow, now_ns, __ATOMIC_RELEASE);
	net_clock_forget(ns);   /* a reading cached under the net lock is stale now */
	wake_timed(ns);
}

void host_clock_advance(struct netstack *ns, uint64_t delta_ns)
{
	struct host_ns *h = ns->ns_host;
	if (!h || !h->virtual_clock)
		return;
	__atomic_add_fetch(&h->vnow, delta_ns, __ATOMIC_ACQ_REL);
	net_clock_forget(ns);
	wake_timed(ns);
}

/* ---- netisr kick ---- */
void port_netisr_kick(struct netstack *ns)
{
	struct host_ns *h = ns->ns_host;
	if (!h)
		return;
	__atomic_store_n(&h->kicked, 1, __ATOMIC_RELEASE);
	if (h->kick)
		h->kick(ns, h->kick_arg);
}

/* ---- random ---- */
static pthread_mutex_t rnd_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t rnd_state[2];
static int rnd_seeded;

void host_random_seed(uint64_t seed)
{
	pthread_mutex_lock(&rnd_mu);
	/* splitmix64 spreads the seed over both state words */
	for (int i = 0; i < 2; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		rnd_state[i] = z ^ (z >> 31);
	}
	if (!rnd_state[0] && !rnd_state[1])
		rnd_state[0] = 1;
	rnd_seeded = 1;
	pthread_mutex_unlock(&rnd_mu);
}

/* xorshift128+: fast and adequate for IDs, ports and ISNs in a test build. */
static uint64_t rnd_next(void)
{
	uint64_t s1 = rnd_state[0];
	const uint64_t s0 = rnd_state[1];
	rnd_state[0] = s0;
	s1 ^= s1 << 23;
	rnd_state[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
	return rnd_state[1] + s0;
}

void port_random(void *buf, size_t n)
{
	uint8_t *p = buf;
	pthread_mutex_lock(&rnd_mu);
	if (!rnd_seeded) {
		uint64_t seed;
		if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
			seed = host_monotonic_ns();
		pthread_mutex_unlock(&rnd_mu);
		host_random_seed(seed);
		pthread_mutex_lock(&rnd_mu);
	}
	while (n) {
		uint64_t v = rnd_next();
		size_t c = n < 8 ? n : 8;
		memcpy(p, &v, c);
		p += c;
		n -= c;
	}
	pthread_mutex_unlock(&rnd_mu);
}

/* ---- logging ---- */
static int log_level = -100;   /* -100: not set yet, read STOS_NETLOG */
static uint64_t log_counts[4];
static void (*log_fn)(int, const char *, void *);
static void *log_arg;

void host_log_level(int level) { log_level = level; }
void host_log_hook(void (*fn)(int, const char *, void *), void *arg) { log_fn = fn; log_arg = arg; }
uint64_t host_log_count(int level)
{
	return level >= 0 && level < 4 ? __atomic_load_n(&log_counts[level], __ATOMIC_RELAXED) : 0;
}

void port_log(int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (level < 0)
		level = 0;
	if (level > 3)
		level = 3;
	__atomic_add_fetch(&log_counts[level], 1, __ATOMIC_RELAXED);
	if (log_level == -100) {
		const char *e = getenv("STOS_NETLOG");
		log_level = e ? atoi(e) : PORT_LOG_WARN;
	}
	if (log_fn)
		log_fn(level, msg, log_arg);
	if (level <= log_level)
		fprintf(stderr, "net[%d]: %s\n", level, msg);
}
