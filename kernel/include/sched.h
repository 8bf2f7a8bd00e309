/* Threads and the scheduler, internal view (the public part is thread.h).
 *
 * Uniprocessor, preemptive round robin: the LAPIC tick (HZ) marks the running thread for
 * preemption; it yields on its way out of the interrupt.  The timer runs one-shot, also
 * firing at sleep deadlines between ticks.  Invariant: every context switch
 * happens with exactly one push_cli outstanding (cpu->ncli == 1), which the thread switched
 * to releases. */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H
#include <stdint.h>
#include "arch/cpu.h"
#include "arch/fpu.h"

#define HZ 100
#define IRQ_MAX_GSI 24
#define KSTACK_PAGES 4

enum thread_state { T_RUNNABLE, T_RUNNING, T_SLEEPING, T_ZOMBIE };
enum wake_reason { WAKE_NORMAL, WAKE_SIGNAL, WAKE_TIMEOUT };

struct proc;

struct thread {
	struct fpu_state fpu;       /* user SSE/x87 registers while switched out (first: aligned) */
	uint64_t ctx_rsp;           /* saved stack pointer while switched out */
	void *kstack;               /* KSTACK_PAGES pages */
	uint64_t kstack_top;
	struct trapframe *tf;       /* user frame at the top of the stack (user threads) */
	enum thread_state state;
	void *chan;                 /* sleeping on */
	int intr;                   /* sleep may be cut short by a signal */
	uint64_t deadline;          /* clock_ns() to wake at, 0 = none */
	enum wake_reason wake;
	uint64_t fs_base;           /* arch_prctl(ARCH_SET_FS) */
	uint64_t ticks;             /* CPU time, in ticks */
	struct proc *proc;
	struct thread *rq_next;
	struct thread *all_next;
	int tid;
	char name[16];
};

void sched_init(void);
void sched_start(void);                      /* become the idle thread; never returns */
void sched_tick(void);                       /* from the timer interrupt */
void sched_timer_deadline(uint64_t deadline); /* a sleep with this deadline begins */
void sched_trap_exit(struct trapframe *tf);  /* preemption, signals, on the way out */
void sched(void);                            /* switch away; ncli must be 1 */
void sched_make_runnable(struct thread *t);  /* with interrupts off */
void irq_dispatch(unsigned gsi);
uint64_t sched_ticks(void);
/* A thread that will run fn(arg) on its own stack, not yet runnable; NULL if no memory. */
struct thread *thread_alloc(const char *name, void (*fn)(void *), void *arg);
void thread_free(struct thread *t);          /* a zombie's stack and struct */
/* Thread that returns to user mode with the frame at the top of its stack. */
struct thread *thread_alloc_user(const char *name, const struct trapframe *tf);
int thread_count(void);
void sched_preempt_point(void);   /* yield if the tick asked for it (ncli == 0) */
#endif
