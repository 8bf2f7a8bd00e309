/* Threads, the run queue, the tick, wakeup (see sched.h). */
#include "klib.h"
#include "kalloc.h"
#include "sync.h"
#include "proc.h"
#include "sched.h"
#include "thread.h"
#include "arch/cpu.h"
#include "arch/x86.h"
#include "dev/random.h"
#include "dev/lapic.h"
#include "mm/vm.h"
#include <stos/signal.h>

void swtch(uint64_t *save_rsp, uint64_t new_rsp);
void thread_trampoline(void);
void user_trampoline(void *tf);

static struct thread *rq_head, *rq_tail;   /* runnable, FIFO */
static struct thread *all_threads;
static struct thread *idle_thread;
static struct thread *dead_kthreads;
static volatile uint64_t ticks;
static int need_resched;
static int next_tid = 1;
static int nthreads;

struct thread *curthread(void) { return mycpu()->thread; }
uint64_t sched_ticks(void) { return ticks; }
int thread_count(void) { return nthreads; }

struct proc *curproc(void)
{
	struct thread *t = curthread();
	return t ? t->proc : NULL;
}

static void rq_push(struct thread *t)
{
	t->rq_next = NULL;
	if (rq_tail)
		rq_tail->rq_next = t;
	else
		rq_head = t;
	rq_tail = t;
}

static struct thread *rq_pop(void)
{
	struct thread *t = rq_head;
	if (t) {
		rq_head = t->rq_next;
		if (!rq_head)
			rq_tail = NULL;
		t->rq_next = NULL;
	}
	return t;
}

void sched_make_runnable(struct thread *t)
{
	if (t->state == T_RUNNABLE || t->state == T_RUNNING || t->state == T_ZOMBIE)
		return;
	t->state = T_RUNNABLE;
	if (t != idle_thread)
		rq_push(t);
}

void sched(void)
{
	struct cpu *c = mycpu();
	struct thread *cur = c->thread;
	if (c->ncli != 1)
		panic("sched: ncli %d (sleeping with a spinlock held?)", c->ncli);
	if (read_rflags() & RFLAGS_IF)
		panic("sched: interrupts enabled");
	struct thread *next = rq_pop();
	if (!next)
		next = cur->state == T_RUNNING || cur->state == T_RUNNABLE ? cur : idle_thread;
	if (next == cur) {
		cur->state = T_RUNNING;
		return;
	}
	next->state = T_RUNNING;
	c->thread = next;
	tss_set_rsp0(next->kstack_top);
	vm_activate(next->proc ? next->proc->vm : NULL);
	if (cur->fs_base != next->fs_base || next->fs_base)
		wrmsr(MSR_FS_BASE, next->fs_base);
	fpu_save(&cur->fpu);
	fpu_restore(&next->fpu);
	int intena = c->intena;
	swtch(&cur->ctx_rsp, next->ctx_rsp);
	c->intena = intena;
}

void yield(void)
{
	push_cli();
	struct thread *t = curthread();
	if (t != idle_thread) {
		t->state = T_RUNNABLE;
		rq_push(t);
	}
	sched();
	pop_cli();
}

void wakeup(void *chan)
{
	push_cli();
	for (struct thread *t = all_threads; t; t = t->all_next) {
		if (t->state == T_SLEEPING && t->chan == chan) {
			t->wake = WAKE_NORMAL;
			sched_make_runnable(t);
			/* Wake-up preemption: the woken thread (the netisr after a NIC interrupt,
			 * a reader after a pipe write) runs at the next interrupt or syscall exit
			 * instead of after the running thread's quantum (up to a tick), and the
			 * idle thread does not sleep through it.  A new child from fork does not
			 * preempt its parent (as on Linux: the parent runs first). */
			need_resched = 1;
		}
	}
	pop_cli();
}

/* Wake t if it sleeps interruptibly (a signal arrived).  Interrupts off. */
void sched_signal_wake(struct thread *t)
{
	if (t->state == T_SLEEPING && t->intr) {
		t->wake = WAKE_SIGNAL;
		sched_make_runnable(t);
		need_resched = 1;
	}
}

/* The timer is one-shot: armed for the earlier of the next quantum tick and the
 * earliest sleep deadline, so sleeps end on time (not on the next 1/HZ boundary) while
 * the quantum stays 1/HZ.  Interrupts off. */
#define TICK_NS (1000000000ULL / HZ)
#define TIMER_MIN_NS 20000ULL
static uint64_t next_tick_ns;      /* when the next quantum tick is due */
static uint64_t timer_armed_ns;    /* when the armed one-shot fires */

static void timer_arm(uint64_t now)
{
	uint64_t next = next_tick_ns;
	for (struct thread *t = all_threads; t; t = t->all_next) {
		if (t->state == T_SLEEPING && t->deadline && t->deadline < next)
			next = t->deadline;
		if (t->proc && t->proc->alarm_ns && t->proc->alarm_ns < next)
			next = t->proc->alarm_ns;
	}
	if (next < now + TIMER_MIN_NS)
		next = now + TIMER_MIN_NS;
	timer_armed_ns = next;
	lapic_timer_oneshot_ns(next - now);
}

/* A thread is about to sleep until deadline: fire early enough for it. */
void sched_timer_deadline(uint64_t deadline)
{
	if (deadline && deadline < timer_armed_ns)
		timer_arm(clock_ns());
}

void sched_tick(void)
{
	uint64_t now = clock_ns();
	struct thread *cur = curthread();
	if (now >= next_tick_ns) {
		ticks++;
		random_stir(rdtsc());
		if (cur)
			cur->ticks++;
		next_tick_ns += TICK_NS;
		if (next_tick_ns <= now)
			next_tick_ns = now + TICK_NS;
		if (cur != idle_thread || rq_head)
			need_resched = 1;
	}
	for (struct thread *t = all_threads; t; t = t->all_next) {
		if (t->state == T_SLEEPING && t->deadline && now >= t->deadline) {
			t->wake = WAKE_TIMEOUT;
			sched_make_runnable(t);
			need_resched = 1;
		}
		if (t->proc && t->proc->alarm_ns && now >= t->proc->alarm_ns) {
			t->proc->alarm_ns = 0;
			kill_proc(t->proc->pid, SIGALRM);
		}
	}
	timer_arm(now);
}

void sched_trap_exit(struct trapframe *tf)
{
	if (need_resched && mycpu()->ncli == 0) {
		need_resched = 0;
		yield();
	}
	if ((tf->cs & 3) == 3)
		signal_deliver(tf);
}

void sched_preempt_point(void)
{
	if (need_resched && mycpu()->ncli == 0) {
		need_resched = 0;
		yield();
	}
}

/* First code of every new thread, called from thread_trampoline with the ncli == 1 that
 * the switching thread left behind. */
void thread_first_run(void)
{
	mycpu()->intena = 1;
	pop_cli();
}

struct thread *thread_alloc(const char *name, void (*fn)(void *), void *arg)
{
	struct thread *t = kzalloc(sizeof *t);
	if (!t)
		return NULL;
	/* The lowest page is a guard, unmapped: an overflow faults instead of silently
	 * corrupting whatever lies below. */
	char *mem = pages_alloc(KSTACK_PAGES + 1);
	if (!mem || vm_physmap_set_present(mem, 0) < 0) {
		if (mem)
			pages_free(mem, KSTACK_PAGES + 1);
		kfree(t);
		return NULL;
	}
	t->kstack = mem + PAGE_SIZE;
	t->kstack_top = (uint64_t)t->kstack + KSTACK_PAGES * PAGE_SIZE;
	fpu_init_state(&t->fpu);
	strlcpy(t->name, name, sizeof t->name);
	/* The frame swtch pops: r15 r14 r13 r12 rbx rbp, then the return address. */
	uint64_t *sp = (uint64_t *)(t->kstack_top - sizeof(struct trapframe) - 64);
	*--sp = 0;                              /* pad: after swtch's ret, rsp % 16 == 0 */
	*--sp = (uint64_t)thread_trampoline;
	*--sp = 0;                              /* rbp */
	*--sp = (uint64_t)fn;                   /* rbx */
	*--sp = (uint64_t)arg;                  /* r12 */
	*--sp = 0;                              /* r13 */
	*--sp = 0;                              /* r14 */
	*--sp = 0;                              /* r15 */
	t->ctx_rsp = (uint64_t)sp;
	t->state = T_SLEEPING;                  /* not runnable until sched_make_runnable */
	push_cli();
	t->tid = next_tid++;
	t->all_next = all_threads;
	all_threads = t;
	nthreads++;
	pop_cli();
	return t;
}

struct thread *thread_alloc_user(const char *name, const struct trapframe *tf)
{
	struct thread *t = thread_alloc(name, user_trampoline, NULL);
	if (!t)
		return NULL;
	t->tf = (struct trapframe *)(t->kstack_top - sizeof *tf);
	*t->tf = *tf;
	/* user_trampoline's argument (r12 slot) is the frame. */
	((uint64_t *)t->ctx_rsp)[3] = (uint64_t)t->tf;
	return t;
}

void thread_free(struct thread *t)
{
	push_cli();
	for (struct thread **pp = &all_threads; *pp; pp = &(*pp)->all_next) {
		if (*pp == t) {
			*pp = t->all_next;
			break;
		}
	}
	nthreads--;
	pop_cli();
	char *mem = (char *)t->kstack - PAGE_SIZE;
	vm_physmap_set_present(mem, 1);
	pages_free(mem, KSTACK_PAGES + 1);
	kfree(t);
}

static void reap_dead_kthreads(void)
{
	push_cli();
	struct thread *d = dead_kthreads;
	dead_kthreads = NULL;
	pop_cli();
	while (d) {
		struct thread *n = d->rq_next;
		thread_free(d);
		d = n;
	}
}

struct thread *kthread_create(const char *name, void (*fn)(void *), void *arg)
{
	reap_dead_kthreads();
	struct thread *t = thread_alloc(name, fn, arg);
	if (t) {
		push_cli();
		sched_make_runnable(t);
		pop_cli();
	}
	return t;
}

_Noreturn void kthread_exit(void)
{
	push_cli();
	struct thread *t = curthread();
	if (t->proc)
		panic("kthread_exit from a process thread");
	t->state = T_ZOMBIE;
	t->rq_next = dead_kthreads;
	dead_kthreads = t;
	sched();
	panic("zombie thread ran");
}

static struct thread boot_thread;

void sched_init(void)
{
	extern char boot_stack_top[];
	/* The boot flow becomes the idle thread once it calls sched_start. */
	boot_thread.kstack_top = (uint64_t)boot_stack_top;
	boot_thread.state = T_RUNNING;
	strlcpy(boot_thread.name, "idle", sizeof boot_thread.name);
	idle_thread = &boot_thread;
	mycpu()->thread = &boot_thread;
	mycpu()->ncli = 0;
	tss_set_rsp0(boot_thread.kstack_top);
}

_Noreturn void sched_start(void)
{
	for (;;) {
		sti();
		hlt();
		/* The tick yields for us in sched_trap_exit when something is runnable. */
	}
}
