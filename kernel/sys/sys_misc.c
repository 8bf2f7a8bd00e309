/* Miscellaneous system calls: uname, reboot, getrandom, arch_prctl and STOS's debug
 * counters (stos_kstats, include/stos/kstats.h). */
#include "klib.h"
#include "kalloc.h"
#include "syscall.h"
#include "uaccess.h"
#include "proc.h"
#include "sched.h"
#include "thread.h"
#include "arch/x86.h"
#include "arch/memlayout.h"
#include "dev/power.h"
#include "dev/random.h"
#include <stos/errno.h>
#include <stos/reboot.h>
#include <stos/utsname.h>
#include <stos/kstats.h>
#include "../../net/mbuf.h"

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define GRND_NONBLOCK 1
#define GRND_RANDOM 2

SYSCALL_DECL(uname)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct utsname u;
	memset(&u, 0, sizeof u);
	strlcpy(u.sysname, "STOS", sizeof u.sysname);
	strlcpy(u.nodename, "stos", sizeof u.nodename);
	strlcpy(u.release, "0.1", sizeof u.release);
	strlcpy(u.version, "STOS " __DATE__, sizeof u.version);
	strlcpy(u.machine, "x86_64", sizeof u.machine);
	strlcpy(u.domainname, "(none)", sizeof u.domainname);
	return copyout((void *)a0, &u, sizeof u);
}

SYSCALL_DECL(reboot)
{
	(void)a3, (void)a4, (void)a5;
	if ((uint32_t)a0 != LINUX_REBOOT_MAGIC1 || (uint32_t)a1 != LINUX_REBOOT_MAGIC2)
		return -EINVAL;
	switch ((uint32_t)a2) {
	case LINUX_REBOOT_CMD_POWER_OFF:
		kprintf("STOS: power off\n");
		power_off();
	case LINUX_REBOOT_CMD_RESTART:
		kprintf("STOS: restart\n");
		power_reset();
	default:
		return -EINVAL;
	}
}

SYSCALL_DECL(getrandom)
{
	(void)a3, (void)a4, (void)a5;
	if (a2 & ~(long)(GRND_NONBLOCK | GRND_RANDOM))
		return -EINVAL;
	if (a1 < 0)
		return -EINVAL;
	size_t n = (size_t)MIN(a1, 1L << 20);
	unsigned char buf[256];
	size_t done = 0;
	while (done < n) {
		size_t k = MIN(n - done, sizeof buf);
		random_bytes(buf, k);
		if (copyout((char *)a0 + done, buf, k) < 0)
			return done ? (long)done : -EFAULT;
		done += k;
	}
	return (long)done;
}

SYSCALL_DECL(arch_prctl)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct thread *t = curthread();
	switch (a0) {
	case ARCH_SET_FS:
		if ((uint64_t)a1 >= USER_TOP)
			return -EPERM;
		t->fs_base = (uint64_t)a1;
		wrmsr(MSR_FS_BASE, t->fs_base);
		return 0;
	case ARCH_GET_FS:
		return copyout((void *)a1, &t->fs_base, sizeof t->fs_base);
	default:
		return -EINVAL;
	}
}

extern uint64_t syscall_unknown;

SYSCALL_DECL(stos_kstats)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if ((size_t)a1 != sizeof(struct stos_kstats))
		return -EINVAL;
	/* Free mbufs and clusters the mbuf layer caches for reuse go back to kmalloc first, so
	 * "live kmalloc objects" counts what is really in use (leak checks compare it). */
	mbuf_cache_drain();
	struct kalloc_stats ks;
	kalloc_stats(&ks);
	struct stos_kstats st = {
		.pages_total = ks.pages_total,
		.pages_free = ks.pages_free,
		.kmalloc_objs = ks.kmalloc_objs,
		.kmalloc_bytes = ks.kmalloc_bytes,
		.kmalloc_calls = ks.kmalloc_calls,
		.kmalloc_fails = ks.kmalloc_fails,
		.double_frees = ks.double_frees,
		.nprocs = (uint64_t)proc_count(),
		.nthreads = (uint64_t)thread_count(),
		.ticks = sched_ticks(),
		.syscalls_unknown = syscall_unknown,
		.uptime_ns = clock_ns(),
	};
	return copyout((void *)a0, &st, sizeof st);
}
