/* STOS-specific debug system call: kernel allocation and process counters, so tests can
 * assert that nothing leaked (for example before and after a hostile program ran).
 * Not a Linux call; the number is far above Linux's range.  A program calls
 * syscall(SYS_stos_kstats, &st, sizeof st) and gets 0 or -EFAULT / -EINVAL. */
#ifndef STOS_KSTATS_H
#define STOS_KSTATS_H
#include <stdint.h>

#define SYS_stos_kstats 1000

struct stos_kstats {
	uint64_t pages_total;     /* usable physical pages */
	uint64_t pages_free;      /* free physical pages */
	uint64_t kmalloc_objs;    /* live kmalloc objects */
	uint64_t kmalloc_bytes;   /* bytes in live kmalloc objects (slot sizes) */
	uint64_t kmalloc_calls;
	uint64_t kmalloc_fails;
	uint64_t double_frees;    /* caught double/invalid frees */
	uint64_t nprocs;          /* processes, zombies included */
	uint64_t nthreads;        /* threads, kernel threads and idle excluded of none */
	uint64_t ticks;           /* timer ticks since boot */
	uint64_t syscalls_unknown;/* calls answered ENOSYS */
	uint64_t uptime_ns;
};
#endif
