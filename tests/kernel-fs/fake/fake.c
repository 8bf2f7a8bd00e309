/* Fakes of K's kernel primitives for the hosted unit tests: allocation over malloc with
 * counters and failure injection, single-threaded locks that catch recursion, a sleep
 * that calls a test hook, and user-memory checks that reject low and kernel-half
 * addresses.  They implement K's real headers, so the prototypes cannot drift. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dev/clock.h"
#include "dev/random.h"
#include "kalloc.h"
#include "klib.h"
#include "proc.h"
#include "sync.h"
#include "uaccess.h"
#include "fake_ctl.h"
#include "knet.h"
#include <stos/errno.h>

#define FAKE_EINTR 4
#define FAKE_EFAULT 14
#define FAKE_ENAMETOOLONG 36
#define FAKE_ETIMEDOUT 110

static long fail_after = -1, kalloc_live, pages_live;

static int fail_now(void)
{
	if (fail_after < 0)
		return 0;
	if (fail_after == 0)
		return 1;
	fail_after--;
	return 0;
}

void fake_kalloc_fail_after(long n) { fail_after = n; }
long fake_kalloc_live(void) { return kalloc_live; }
long fake_pages_live(void) { return pages_live; }

void *kmalloc(size_t n)
{
	void *p;
	if (fail_now())
		return NULL;
	p = malloc(n ? n : 1);
	if (p)
		kalloc_live++;
	return p;
}

void *kzalloc(size_t n)
{
	void *p = kmalloc(n);
	if (p)
		memset(p, 0, n);
	return p;
}

void kfree(void *p)
{
	if (p)
		kalloc_live--;
	free(p);
}

long fake_pages_free = 1000000;

void kalloc_stats(struct kalloc_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->pages_total = 1000000;
	st->pages_free = (uint64_t)fake_pages_free;
	st->kmalloc_objs = (uint64_t)kalloc_live;
}

void *page_alloc(void)
{
	void *p;
	if (fail_now())
		return NULL;
	p = aligned_alloc(4096, 4096);
	if (p) {
		pages_live++;
		memset(p, 0xa5, 4096); /* like fresh memory: never assume zeroes */
	}
	return p;
}

void page_free(void *p)
{
	if (p)
		pages_live--;
	free(p);
}

int fake_sleeps, fake_wakeups, fake_locks_held;
static fake_sleep_hook_t sleep_hook;
static uint64_t fake_now = 1000000000ull;

void spin_init(struct spinlock *l, const char *name) { l->locked = 0; l->name = name; }
void spin_lock(struct spinlock *l)
{
	assert(!l->locked && "spinlock taken twice");
	l->locked = 1;
	fake_locks_held++;
}
void spin_unlock(struct spinlock *l)
{
	assert(l->locked && "spinlock released while free");
	l->locked = 0;
	fake_locks_held--;
}
void mutex_init(struct mutex *m, const char *name) { m->locked = 0; m->name = name; }
void mutex_lock(struct mutex *m)
{
	assert(!m->locked && "mutex taken twice");
	m->locked = 1;
}
void mutex_unlock(struct mutex *m)
{
	assert(m->locked && "mutex released while free");
	m->locked = 0;
}
bool mutex_held(struct mutex *m) { return m->locked; }
bool spin_held(struct spinlock *l) { return l->locked; }

void fake_set_sleep_hook(fake_sleep_hook_t hook) { sleep_hook = hook; }
void fake_clock_set(uint64_t ns) { fake_now = ns; }
uint64_t clock_ns(void) { return fake_now; }
uint64_t clock_realtime_ns(void) { return 1700000000000000000ull + fake_now; }

int sleep_intr(void *chan, struct spinlock *lk, uint64_t deadline_ns)
{
	int r;
	assert(lk->locked && "sleep without its lock");
	fake_sleeps++;
	assert(fake_sleeps < 100000 && "runaway sleep loop");
	spin_unlock(lk);
	if (sleep_hook) {
		r = sleep_hook(chan);
	} else if (deadline_ns) {
		if (fake_now < deadline_ns)
			fake_now = deadline_ns;
		r = -FAKE_ETIMEDOUT;
	} else {
		r = -FAKE_EINTR;
	}
	if (r == -FAKE_ETIMEDOUT && deadline_ns && fake_now < deadline_ns)
		fake_now = deadline_ns;
	spin_lock(lk);
	return r;
}

void sleep(void *chan, struct spinlock *lk) { (void)sleep_intr(chan, lk, 0); }
void wakeup(void *chan) { (void)chan; fake_wakeups++; }

static uintptr_t bad_lo, bad_hi;

void fake_uaccess_bad_range(const void *lo, size_t len)
{
	bad_lo = (uintptr_t)lo;
	bad_hi = bad_lo + len;
}

static int user_ok(const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p;
	if (n == 0)
		return 1;
	if (a < 0x10000 || a + n < a || a + n > 0x800000000000ull)
		return 0;
	if (bad_hi > bad_lo && a < bad_hi && a + n > bad_lo)
		return 0;
	return 1;
}

int user_range_ok(uint64_t uaddr, size_t n)
{
	return uaddr < 0x800000000000ull && n <= 0x800000000000ull - uaddr;
}

int copyin(void *dst, const void *usrc, size_t n)
{
	if (!user_ok(usrc, n))
		return -FAKE_EFAULT;
	memcpy(dst, usrc, n);
	return 0;
}

int copyout(void *udst, const void *src, size_t n)
{
	if (!user_ok(udst, n))
		return -FAKE_EFAULT;
	memcpy(udst, src, n);
	return 0;
}

long copyinstr(char *dst, const char *usrc, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		if (!user_ok((const void *)((uintptr_t)usrc + i), 1))
			return -FAKE_EFAULT;
		dst[i] = usrc[i];
		if (!dst[i])
			return (long)i;
	}
	return -FAKE_ENAMETOOLONG;
}

struct proc fake_proc = { .pid = 7, .pgid = 7 };
int fake_last_kill_pid, fake_last_kill_sig, fake_last_kill_pgrp, fake_last_pgrp_sig, fake_kills;
char fake_console[65536];
size_t fake_console_len;

struct proc *curproc(void) { return &fake_proc; }
int kill_proc(int pid, int sig)
{
	fake_last_kill_pid = pid;
	fake_last_kill_sig = sig;
	return 0;
}
int kill_pgrp(int pgrp, int sig)
{
	fake_last_kill_pgrp = pgrp;
	fake_last_pgrp_sig = sig;
	fake_kills++;
	return 0;
}

void console_write(const char *buf, size_t n)
{
	if (n > sizeof(fake_console) - 1 - fake_console_len)
		n = sizeof(fake_console) - 1 - fake_console_len;
	memcpy(fake_console + fake_console_len, buf, n);
	fake_console_len += n;
	fake_console[fake_console_len] = 0;
}

void fake_console_reset(void)
{
	fake_console_len = 0;
	fake_console[0] = 0;
}

/* The process table: fake_proc plus whatever the test links in front of it. */
struct spinlock proc_lock = { 0, "proc" };
struct proc *fake_procs = &fake_proc;

struct proc *proc_first(void) { return fake_procs; }
int proc_count(void)
{
	int n = 0;
	for (struct proc *p = fake_procs; p; p = p->next)
		n++;
	return n;
}
struct proc *proc_find(int pid)
{
	assert(proc_lock.locked);
	for (struct proc *p = fake_procs; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return vsnprintf(buf, size, fmt, ap);
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int r;
	va_start(ap, fmt);
	r = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return r;
}

/* Not random at all: a counter, so tests can see the bytes came from here. */
void random_bytes(void *buf, size_t n)
{
	static unsigned char next = 1;
	unsigned char *b = buf;
	for (size_t i = 0; i < n; i++)
		b[i] = next++;
}

/* The network glue's /proc/net text: "<name>:" followed by letters up to fake_net_len bytes,
 * truncated to cap - 1 as knet_proc_text does; fake_net_len < 0 plays "no stack". */
long fake_net_len = 16;
int fake_net_renders;

long knet_proc_text(const char *name, char *buf, size_t cap)
{
	if (fake_net_len < 0 || !cap)
		return -ENOENT;
	fake_net_renders++;
	size_t n = (size_t)fake_net_len < cap - 1 ? (size_t)fake_net_len : cap - 1;
	int h = snprintf(buf, cap, "%s:", name);
	for (size_t i = (size_t)h; i < n; i++)
		buf[i] = (char)('a' + i % 26);
	buf[n] = 0;
	return (long)n;
}
