/* Controls and observations of the fake kernel primitives (fake.c), which implement K's
 * kernel/include headers (kalloc.h, sync.h, uaccess.h, proc.h, klib.h) on the host.
 * Single-threaded: locks assert they are never taken twice; a sleep calls a test hook that
 * plays "the other process". */
#ifndef FAKE_CTL_H
#define FAKE_CTL_H
#include <stddef.h>
#include <stdint.h>
struct proc;

/* Fail the allocation after n more successes (-1: never).  Live counts for leak checks. */
void fake_kalloc_fail_after(long n);
long fake_kalloc_live(void);
long fake_pages_live(void);
extern long fake_pages_free;   /* what kalloc_stats reports as free pages */

/* The hook runs in place of a sleep, with the sleep's lock released; its result is what
 * sleep_intr returns.  Without a hook a sleep returns -EINTR (no deadline) or advances the
 * clock to the deadline and returns -ETIMEDOUT, so no test can hang. */
typedef int (*fake_sleep_hook_t)(void *chan);
void fake_set_sleep_hook(fake_sleep_hook_t hook);
extern int fake_sleeps;
extern int fake_wakeups;
extern int fake_locks_held;
void fake_clock_set(uint64_t ns);

/* User memory: addresses in [0x10000, 0x800000000000) outside this range. */
void fake_uaccess_bad_range(const void *lo, size_t len);

extern struct proc fake_proc;
extern struct proc *fake_procs;   /* the process list proc_first() returns */
extern int fake_last_kill_pid, fake_last_kill_sig;       /* kill_proc */
extern int fake_last_kill_pgrp, fake_last_pgrp_sig, fake_kills; /* kill_pgrp */
extern char fake_console[65536];
extern size_t fake_console_len;
void fake_console_reset(void);
/* knet_proc_text: the length of text it renders (-1: no stack) and how often it ran. */
extern long fake_net_len;
extern int fake_net_renders;
#endif
