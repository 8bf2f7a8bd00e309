/* trap(): where every interrupt and exception lands (from trapentry.S).
 *
 * Exceptions in ring 3 kill the process with the matching signal and a message on the
 * console; they never reach the kernel's panic.  In ring 0, a fault at an instruction listed
 * in the exception table (copyin/copyout) resumes at its fixup; anything else is a kernel bug
 * and panics with the registers and a backtrace. */
#include "klib.h"
#include "arch/cpu.h"
#include "arch/x86.h"
#include "arch/trap.h"
#include "dev/irq.h"
#include "dev/lapic.h"
#include "proc.h"
#include "sched.h"
#include "mm/vm.h"
#include <stos/signal.h>

static const char *const exc_names[32] = {
	"divide error (#DE)", "debug (#DB)", "NMI", "breakpoint (#BP)", "overflow (#OF)",
	"bound range exceeded (#BR)", "invalid opcode (#UD)", "device not available (#NM)",
	"double fault (#DF)", "coprocessor segment overrun", "invalid TSS (#TS)",
	"segment not present (#NP)", "stack-segment fault (#SS)", "general protection (#GP)",
	"page fault (#PF)", "reserved 15", "x87 floating-point error (#MF)",
	"alignment check (#AC)", "machine check (#MC)", "SIMD floating-point (#XM)",
	"virtualization (#VE)", "control protection (#CP)", "reserved 22", "reserved 23",
	"reserved 24", "reserved 25", "reserved 26", "reserved 27", "reserved 28",
	"reserved 29", "security (#SX)", "reserved 31",
};

const char *trap_name(uint64_t vector)
{
	return vector < 32 ? exc_names[vector] : "interrupt";
}

extern const struct extable_entry __ex_table_start[], __ex_table_end[];

static int fixup(struct trapframe *tf)
{
	for (const struct extable_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == tf->rip) {
			tf->rip = e->fixup;
			return 1;
		}
	}
	return 0;
}

static int exc_signal(uint64_t v)
{
	switch (v) {
	case 0: case 16: case 19: return SIGFPE;
	case 6: return SIGILL;
	case 1: case 3: return SIGTRAP;
	case 17: return SIGBUS;
	default: return SIGSEGV;
	}
}

static void exception(struct trapframe *tf)
{
	if ((tf->cs & 3) == 0) {
		if (tf->vector == 14 && fixup(tf))
			return;
		char what[96];
		if (tf->vector == 8 && vm_is_physmap_guard(read_cr2()))
			ksnprintf(what, sizeof what, "%s: kernel stack overflow (guard page %p hit)",
				  exc_names[8], (void *)read_cr2());
		else if (tf->vector == 14 && vm_is_physmap_guard(read_cr2()))
			ksnprintf(what, sizeof what, "%s: kernel stack overflow (guard page %p hit)",
				  exc_names[14], (void *)read_cr2());
		else if (tf->vector == 14)
			ksnprintf(what, sizeof what, "%s at %p (%s, %s)", exc_names[14],
				  (void *)read_cr2(), tf->error & 1 ? "protection" : "not present",
				  tf->error & 2 ? "write" : "read");
		else
			ksnprintf(what, sizeof what, "%s", exc_names[tf->vector]);
		panic_trap(tf, what);
	}
	if (tf->vector == 14 && vm_user_fault(read_cr2(), tf->error))
		return;
	struct proc *p = curproc();
	int sig = exc_signal(tf->vector);
	if (tf->vector == 14)
		kprintf("pid %d (%s): signal %d: %s at %p (%s) rip %p\n", p ? p->pid : -1,
			p ? p->name : "?", sig, exc_names[14], (void *)read_cr2(),
			tf->error & 1 ? "protection" : "not present", (void *)tf->rip);
	else
		kprintf("pid %d (%s): signal %d: %s rip %p\n", p ? p->pid : -1,
			p ? p->name : "?", sig, exc_names[tf->vector], (void *)tf->rip);
	proc_exit(sig);   /* wait4 status: terminated by sig */
}

void trap(struct trapframe *tf)
{
	uint64_t v = tf->vector;
	if (v < 32) {
		exception(tf);
	} else if (v == T_LAPIC_TIMER) {
		lapic_eoi();
		sched_tick();
	} else if (v >= T_IRQ_BASE && v < T_IRQ_BASE + IRQ_MAX_GSI) {
		irq_dispatch(v - T_IRQ_BASE);
	} else if (v == T_SPURIOUS) {
		return;     /* no EOI for the spurious vector (Intel SDM vol. 3A 11.9) */
	} else {
		lapic_eoi();
	}
	/* Preemption and signal delivery on the way out (never while in an interrupt nested
	 * over a spinlock holder: trap() runs with ncli == 0 only when IF was set). */
	sched_trap_exit(tf);
}
