/* kstat: print STOS's kernel allocation counters (the stos_kstats system call,
 * include/stos/kstats.h) on one line, for the system tests' leak checks:
 *   kstats pages_free=N kmalloc_objs=N kmalloc_bytes=N nprocs=N nthreads=N double_frees=N */
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <stos/kstats.h>

int main(void)
{
	struct stos_kstats st;
	if (syscall(SYS_stos_kstats, &st, sizeof st) != 0) {
		perror("kstat: stos_kstats");
		return 1;
	}
	printf("kstats pages_free=%lu kmalloc_objs=%lu kmalloc_bytes=%lu nprocs=%lu nthreads=%lu "
	       "double_frees=%lu pages_total=%lu ticks=%lu enosys=%lu\n",
	       (unsigned long)st.pages_free, (unsigned long)st.kmalloc_objs,
	       (unsigned long)st.kmalloc_bytes, (unsigned long)st.nprocs,
	       (unsigned long)st.nthreads, (unsigned long)st.double_frees,
	       (unsigned long)st.pages_total, (unsigned long)st.ticks,
	       (unsigned long)st.syscalls_unknown);
	return 0;
}
