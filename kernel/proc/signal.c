/* Signals, minimal: a pending bit per signal, SIG_IGN honoured, everything else takes the
 * default action when the process next returns to user mode: terminate (the wait status
 * says which signal), or nothing for the signals whose default is to ignore (SIGCHLD,
 * SIGCONT, SIGURG, SIGWINCH) and the job-control stops (no job control yet).  Handlers set
 * with rt_sigaction are accepted and recorded as "not ignored" (they run as SIG_DFL).
 * SIGKILL and SIGSTOP cannot be ignored.  A pending signal also cuts short an interruptible
 * sleep (sleep_intr), so a blocked read or wait4 returns -EINTR and the process dies on the
 * way out. */
#include "klib.h"
#include "sync.h"
#include "proc.h"
#include "sched.h"
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

/* On the way back to user mode: act on pending signals. */
void signal_deliver(void)
{
	struct proc *p = curproc();
	if (!p || !p->pending_signals)
		return;
	push_cli();
	uint32_t d = deliverable(p);
	p->pending_signals = 0;
	pop_cli();
	if (d)
		proc_exit(__builtin_ctz(d));   /* wait status: killed by the lowest signal */
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

#include "uaccess.h"

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
		struct k_sigaction o = { 0 };
		o.handler = (p->ignored_signals & SIGMASK(sig)) ? 1 : 0;
		if (copyout((void *)oact, &o, sizeof o) < 0)
			return -EFAULT;
	}
	if (act) {
		push_cli();
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
