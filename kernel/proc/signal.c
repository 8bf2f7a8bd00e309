/* Signals: a pending bit per signal, acted on when the process next returns to user mode:
 * a user handler runs (on a frame rt_sigreturn undoes), SIG_IGN drops it, and the default
 * action terminates (the wait status says which signal) or does nothing for the signals
 * whose default is to ignore (SIGCHLD, SIGCONT, SIGURG, SIGWINCH) and the job-control stops
 * (no job control yet).  No signal masks: rt_sigprocmask reports an empty mask.
 * SIGKILL and SIGSTOP cannot be caught or ignored.  A pending signal also cuts short an interruptible
 * sleep (sleep_intr), so a blocked read or wait4 returns -EINTR and the process dies on the
 * way out. */
#include "klib.h"
#include "sync.h"
#include "proc.h"
#include "sched.h"
#include "thread.h"
#include "kalloc.h"
#include "uaccess.h"
#include "arch/cpu.h"
#include "arch/fpu.h"
#include "arch/memlayout.h"
#include <stos/errno.h>
#include <stos/signal.h>

#define SIGURG   23
#define SIGWINCH 28
#define SIGTTIN  21
#define SIGTTOU  22
#define SIGMASK(s) (1u << (s))
#define DEFAULT_IGNORE (SIGMASK(SIGCHLD) | SIGMASK(SIGCONT) | SIGMASK(SIGURG) | \
			SIGMASK(SIGWINCH) | SIGMASK(SIGSTOP) | SIGMASK(SIGTSTP) | \
			SIGMASK(SIGTTIN) | SIGMASK(SIGTTOU))
#define UNIGNORABLE (SIGMASK(SIGKILL) | SIGMASK(SIGSTOP))

void sched_signal_wake(struct thread *t);

static uint32_t deliverable(struct proc *p)
{
	return (uint32_t)p->pending_signals & ~((p->ignored_signals & ~UNIGNORABLE) | DEFAULT_IGNORE);
}

/* proc_lock held. */
static void post(struct proc *p, int sig)
{
	if (sig == 0 || p->state != PROC_RUNNING)
		return;
	if ((p->ignored_signals & SIGMASK(sig)) && !(UNIGNORABLE & SIGMASK(sig)))
		return;
	p->pending_signals |= (int)SIGMASK(sig);
	if (deliverable(p) && p->thread)
		sched_signal_wake(p->thread);
}

int kill_proc(int pid, int sig)
{
	if (sig < 0 || sig >= NSIG)
		return -EINVAL;
	spin_lock(&proc_lock);
	struct proc *p = proc_find(pid);
	int r = -ESRCH;
	if (p && p->state != PROC_ZOMBIE) {
		post(p, sig);
		r = 0;
	} else if (p) {
		r = 0;    /* a zombie still exists for kill(2) */
	}
	spin_unlock(&proc_lock);
	return r;
}

int kill_pgrp(int pgrp, int sig)
{
	if (sig < 0 || sig >= NSIG)
		return -EINVAL;
	if (pgrp <= 0)
		return -ESRCH;
	spin_lock(&proc_lock);
	int found = 0;
	for (struct proc *p = proc_first(); p; p = p->next) {
		if (p->pgid == pgrp && p->state != PROC_EMBRYO) {
			found = 1;
			post(p, sig);
		}
	}
	spin_unlock(&proc_lock);
	return found ? 0 : -ESRCH;
}

static int kill_all(int sig, struct proc *me)
{
	spin_lock(&proc_lock);
	int found = 0;
	for (struct proc *p = proc_first(); p; p = p->next) {
		if (p->pid > 1 && p != me && p->state == PROC_RUNNING) {
			found = 1;
			post(p, sig);
		}
	}
	spin_unlock(&proc_lock);
	return found ? 0 : -ESRCH;
}

int signal_pending(void)
{
	struct proc *p = curproc();
	return p && deliverable(p) != 0;
}

/* The frame a handler runs on (our layout, not Linux's ucontext): the interrupted user
 * registers and SSE state, restored by rt_sigreturn.  The handler is entered as if called
 * from sa_restorer, with rsp % 16 == 8. */
struct sigframe {
	struct trapframe tf;
	uint64_t sig;
	uint64_t magic;
	struct fpu_state fpu;
};
#define SIGFRAME_MAGIC 0x5354534947465231ULL   /* "STSIGFR1" */
#define SA_RESETHAND 0x80000000UL
#define SA_SIGINFO   0x00000004UL
#define RED_ZONE 128

static int enter_handler(struct proc *p, struct trapframe *tf, int sig)
{
	struct sigframe *f = kmalloc(sizeof *f);
	if (!f)
		return -1;
	f->tf = *tf;
	f->sig = (uint64_t)sig;
	f->magic = SIGFRAME_MAGIC;
	fpu_save(&f->fpu);
	uint64_t frame = ALIGN_DOWN(tf->rsp - RED_ZONE - sizeof *f, 16);
	uint64_t ret = p->sig_restorer[sig];
	int r = copyout((void *)frame, f, sizeof *f);
	if (r == 0)
		r = copyout((void *)(frame - 8), &ret, sizeof ret);
	kfree(f);
	if (r < 0)
		return -1;
	tf->rsp = frame - 8;
	tf->rip = p->sig_handler[sig];
	tf->rdi = (uint64_t)sig;
	tf->rsi = 0;        /* no siginfo_t / ucontext for SA_SIGINFO handlers */
	tf->rdx = 0;
	tf->rax = 0;
	tf->rflags &= ~0x400UL;   /* DF clear on entry, as the ABI requires */
	if (p->sig_flags[sig] & SA_RESETHAND)
		p->sig_handler[sig] = 0;
	return 0;
}

void signal_deliver(struct trapframe *tf)
{
	struct proc *p = curproc();
	if (!p || !p->pending_signals)
		return;
	push_cli();
	uint32_t d = deliverable(p);
	int sig = d ? __builtin_ctz(d) : 0;
	/* Drop pending signals nobody acts on (ignored, or ignored by default). */
	p->pending_signals &= (int)d;
	if (sig)
		p->pending_signals &= ~(int)SIGMASK(sig);
	pop_cli();
	if (!sig)
		return;
	if (p->sig_handler[sig] > 1 && sig != SIGKILL && sig != SIGSTOP) {
		if (enter_handler(p, tf, sig) == 0)
			return;
		kprintf("pid %d (%s): bad stack for signal %d handler\n", p->pid, p->name, sig);
		sig = SIGSEGV;
	}
	proc_exit(sig);   /* wait status: killed by sig */
}

void signal_exec_reset(struct proc *p)
{
	for (int i = 0; i < NSIG; i++) {
		if (p->sig_handler[i] > 1)
			p->sig_handler[i] = 0;
		p->sig_flags[i] = 0;
		p->sig_restorer[i] = 0;
	}
}

/* rt_sigreturn: back to where the signal interrupted, from the frame on the user stack.
 * The frame is user data: segment selectors are forced to user ones, only the arithmetic
 * and direction flags are taken from it, rip/rsp must be user addresses and MXCSR's
 * reserved bits are cleared (fxrstor would fault on them). */
long sys_rt_sigreturn(long a0, long a1, long a2, long a3, long a4, long a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct trapframe *tf = curthread()->tf;
	struct sigframe *f = kmalloc(sizeof *f);
	if (!f)
		proc_exit(SIGSEGV);
	if (copyin(f, (const void *)tf->rsp, sizeof *f) < 0 || f->magic != SIGFRAME_MAGIC ||
	    f->tf.rip >= USER_TOP || f->tf.rsp >= USER_TOP) {
		kfree(f);
		kprintf("pid %d (%s): bad signal frame\n", curproc()->pid, curproc()->name);
		proc_exit(SIGSEGV);
	}
	uint64_t flags = (tf->rflags & ~0xdd5UL) | (f->tf.rflags & 0xdd5UL) | 0x202;
	*tf = f->tf;
	tf->cs = SEL_UCODE;
	tf->ss = SEL_UDATA;
	tf->rflags = flags & ~0x100UL;   /* no single-step trap */
	uint32_t mxcsr;
	memcpy(&mxcsr, f->fpu.data + 24, 4);
	mxcsr &= 0xffbf;
	memcpy(f->fpu.data + 24, &mxcsr, 4);
	fpu_restore(&f->fpu);
	kfree(f);
	return (long)tf->rax;    /* keep rax as it was when the signal arrived */
}

long sys_kill(long pid, long sig, long a2, long a3, long a4, long a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (sig < 0 || sig >= NSIG)
		return -EINVAL;
	if (pid > 0x7fffffff || pid < -0x7fffffffL)
		return -ESRCH;
	struct proc *me = curproc();
	if (pid > 0)
		return kill_proc((int)pid, (int)sig);
	if (pid == 0)
		return kill_pgrp(me->pgid, (int)sig);
	if (pid == -1)
		return kill_all((int)sig, me);
	return kill_pgrp((int)-pid, (int)sig);
}

/* struct sigaction as the Linux kernel takes it: handler, flags, restorer, mask. */
struct k_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

long sys_rt_sigaction(long sig, long act, long oact, long sigsetsize, long a4, long a5)
{
	(void)a4, (void)a5;
	struct proc *p = curproc();
	if (sig <= 0 || sig >= NSIG || sigsetsize != 8)
		return -EINVAL;
	struct k_sigaction k = { 0 };
	if (act && copyin(&k, (const void *)act, sizeof k) < 0)
		return -EFAULT;
	if (act && (UNIGNORABLE & SIGMASK(sig)))
		return -EINVAL;
	if (oact) {
		struct k_sigaction o = { p->sig_handler[sig], p->sig_flags[sig], p->sig_restorer[sig], 0 };
		if (copyout((void *)oact, &o, sizeof o) < 0)
			return -EFAULT;
	}
	if (act) {
		if (k.handler > 1 && k.handler >= USER_TOP)
			return -EFAULT;
		push_cli();
		p->sig_handler[sig] = k.handler;
		p->sig_flags[sig] = k.flags;
		p->sig_restorer[sig] = k.restorer;
		if (k.handler == 1) {   /* SIG_IGN: also drop one already pending */
			p->ignored_signals |= SIGMASK(sig);
			p->pending_signals &= ~(int)SIGMASK(sig);
		} else {
			p->ignored_signals &= ~SIGMASK(sig);
		}
		pop_cli();
	}
	return 0;
}

long sys_rt_sigprocmask(long how, long set, long oset, long sigsetsize, long a4, long a5)
{
	(void)a4, (void)a5;
	if (sigsetsize != 8 || how < 0 || how > 2)
		return -EINVAL;
	uint64_t s = 0;
	if (set && copyin(&s, (const void *)set, sizeof s) < 0)
		return -EFAULT;
	uint64_t zero = 0;   /* no signal is ever blocked */
	if (oset && copyout((void *)oset, &zero, sizeof zero) < 0)
		return -EFAULT;
	return 0;
}
