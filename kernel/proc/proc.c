/* The process table, fork, exit, wait4 and process groups. */
#include "klib.h"
#include "kalloc.h"
#include "sync.h"
#include "proc.h"
#include "sched.h"
#include "thread.h"
#include "fsglue.h"
#include "mm/vm.h"
#include "dev/power.h"
#include <stos/errno.h>
#include <stos/signal.h>

struct spinlock proc_lock = { 0, "proc" };
static struct proc *allprocs;
static int next_pid = 1;
static struct proc *initproc;
static int nprocs;

int proc_count(void) { return nprocs; }

struct proc *proc_find(int pid)
{
	for (struct proc *p = allprocs; p; p = p->next)
		if (p->pid == pid && p->state != PROC_EMBRYO)
			return p;
	return NULL;
}

/* Iterate for ps-like listings (proc_lock held by the caller). */
struct proc *proc_first(void) { return allprocs; }

struct proc *proc_alloc(void)
{
	struct proc *p = kzalloc(sizeof *p);
	if (!p)
		return NULL;
	spin_lock(&proc_lock);
	/* PIDs count up; skip any still in use after a wrap. */
	do {
		p->pid = next_pid++;
		if (next_pid > 99999)
			next_pid = 2;
	} while (proc_find(p->pid));
	p->state = PROC_EMBRYO;
	p->next = allprocs;
	allprocs = p;
	nprocs++;
	spin_unlock(&proc_lock);
	return p;
}

static void proc_unlink(struct proc *p)
{
	for (struct proc **pp = &allprocs; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			nprocs--;
			return;
		}
	}
}

/* Undo proc_alloc for a process that never ran. */
void proc_free_embryo(struct proc *p)
{
	spin_lock(&proc_lock);
	proc_unlink(p);
	spin_unlock(&proc_lock);
	if (p->vm)
		vm_destroy(p->vm);
	if (p->fdt)
		fdtable_free(p->fdt);
	if (p->cwd)
		fs_cwd_release(p->cwd);
	kfree(p);
}

void proc_set_init(struct proc *p)
{
	initproc = p;
}

long proc_fork(struct trapframe *tf)
{
	struct proc *parent = curproc();
	struct proc *p = proc_alloc();
	if (!p)
		return -ENOMEM;
	p->vm = vm_fork(parent->vm);
	if (!p->vm)
		goto nomem;
	if (parent->fdt) {
		p->fdt = fdtable_fork(parent->fdt);
		if (!p->fdt)
			goto nomem;
	}
	if (parent->cwd)
		p->cwd = fs_cwd_hold(parent->cwd);
	struct trapframe ctf = *tf;
	ctf.rax = 0;   /* fork returns 0 in the child */
	struct thread *t = thread_alloc_user(parent->name, &ctf);
	if (!t)
		goto nomem;
	t->fs_base = curthread()->fs_base;
	fpu_save(&t->fpu);      /* the parent's live registers */
	t->proc = p;
	p->thread = t;
	p->parent = parent;
	p->pgid = parent->pgid;
	p->sid = parent->sid;
	p->ignored_signals = parent->ignored_signals;
	memcpy(p->sig_handler, parent->sig_handler, sizeof p->sig_handler);
	memcpy(p->sig_flags, parent->sig_flags, sizeof p->sig_flags);
	memcpy(p->sig_restorer, parent->sig_restorer, sizeof p->sig_restorer);
	memcpy(p->name, parent->name, sizeof p->name);
	int pid = p->pid;
	spin_lock(&proc_lock);
	p->state = PROC_RUNNING;
	sched_make_runnable(t);
	spin_unlock(&proc_lock);
	return pid;
nomem:
	proc_free_embryo(p);
	return -ENOMEM;
}

_Noreturn void proc_exit(int status)
{
	struct proc *p = curproc();
	if (!p)
		panic("proc_exit outside a process");
	if (p == initproc) {
		kprintf("init exited (status 0x%x); powering off\n", status);
		power_off();
	}
	if (p->fdt)
		fdtable_free(p->fdt);
	p->fdt = NULL;
	if (p->cwd)
		fs_cwd_release(p->cwd);
	p->cwd = NULL;
	/* Detach before destroying: this thread may be preempted while the pages are freed,
	 * and the switch back must not load the half-freed tables. */
	struct vmspace *vm = p->vm;
	p->vm = NULL;
	vm_activate(NULL);
	vm_destroy(vm);

	spin_lock(&proc_lock);
	int orphan_zombie = 0;
	for (struct proc *c = allprocs; c; c = c->next) {
		if (c->parent == p) {
			c->parent = initproc;
			orphan_zombie |= c->state == PROC_ZOMBIE;
		}
	}
	p->exit_status = status;
	p->state = PROC_ZOMBIE;
	p->alarm_ns = 0;
	if (orphan_zombie)
		wakeup(initproc);
	wakeup(p->parent);
	push_cli();
	spin_unlock(&proc_lock);
	curthread()->state = T_ZOMBIE;
	sched();
	panic("zombie process ran");
}

static int wait_match(struct proc *c, struct proc *me, int pid)
{
	if (c->parent != me || c->state == PROC_EMBRYO)
		return 0;
	if (pid > 0)
		return c->pid == pid;
	if (pid == -1)
		return 1;
	if (pid == 0)
		return c->pgid == me->pgid;
	return c->pgid == -pid;
}

long proc_wait(int pid, int *kstatus, int options)
{
	struct proc *me = curproc();
	spin_lock(&proc_lock);
	for (;;) {
		int have = 0;
		for (struct proc *c = allprocs; c; c = c->next) {
			if (!wait_match(c, me, pid))
				continue;
			have = 1;
			if (c->state != PROC_ZOMBIE)
				continue;
			int cpid = c->pid;
			*kstatus = c->exit_status;
			proc_unlink(c);
			spin_unlock(&proc_lock);
			thread_free(c->thread);
			kfree(c);
			return cpid;
		}
		if (!have) {
			spin_unlock(&proc_lock);
			return -ECHILD;
		}
		if (options & WNOHANG) {
			spin_unlock(&proc_lock);
			return 0;
		}
		if (sleep_intr(me, &proc_lock, 0) == -EINTR) {
			spin_unlock(&proc_lock);
			return -EINTR;
		}
	}
}

int proc_setpgid(int pid, int pgid)
{
	struct proc *me = curproc();
	if (pgid < 0)
		return -EINVAL;
	spin_lock(&proc_lock);
	struct proc *p = pid == 0 ? me : proc_find(pid);
	int r = 0;
	if (!p || (p != me && p->parent != me))
		r = -ESRCH;
	else if (p->pid == p->sid)
		r = -EPERM;    /* a session leader cannot move */
	else {
		if (pgid == 0)
			pgid = p->pid;
		p->pgid = pgid;
	}
	spin_unlock(&proc_lock);
	return r;
}

int proc_getpgid(int pid)
{
	spin_lock(&proc_lock);
	struct proc *p = pid == 0 ? curproc() : proc_find(pid);
	int r = p ? p->pgid : -ESRCH;
	spin_unlock(&proc_lock);
	return r;
}

int proc_setsid(void)
{
	struct proc *me = curproc();
	spin_lock(&proc_lock);
	int leader = 0;
	for (struct proc *p = allprocs; p; p = p->next)
		if (p->pgid == me->pid && p != me)
			leader = 1;
	int r;
	if (me->pgid == me->pid || leader) {
		r = -EPERM;
	} else {
		me->pgid = me->sid = me->pid;
		r = me->pid;
	}
	spin_unlock(&proc_lock);
	return r;
}
