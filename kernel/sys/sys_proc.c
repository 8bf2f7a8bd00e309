/* Process system calls: fork, execve, exit, wait4, ids and process groups. */
#include "klib.h"
#include "kalloc.h"
#include "syscall.h"
#include "uaccess.h"
#include "proc.h"
#include "sched.h"
#include "thread.h"
#include "mm/vm.h"
#include <stos/errno.h>
#include <stos/signal.h>

#define UNUSED6 (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5

SYSCALL_DECL(fork)
{
	UNUSED6;
	return proc_fork(curthread()->tf);
}

SYSCALL_DECL(vfork)
{
	UNUSED6;
	return proc_fork(curthread()->tf);   /* a full copy is a correct vfork */
}

/* clone: only the fork-like form (flags = SIGCHLD, no new stack) that libcs use. */
SYSCALL_DECL(clone)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if ((a0 & ~0xffL) != 0 || (a0 & 0xff) != SIGCHLD || a1 != 0)
		return -ENOSYS;
	return proc_fork(curthread()->tf);
}

SYSCALL_DECL(exit)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	proc_exit((int)((a0 & 0xff) << 8));
}

SYSCALL_DECL(exit_group)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	proc_exit((int)((a0 & 0xff) << 8));
}

SYSCALL_DECL(wait4)
{
	(void)a3, (void)a4, (void)a5;
	if (a2 & ~(long)WNOHANG)
		return -EINVAL;
	if (a0 < -0x7fffffffL || a0 > 0x7fffffffL)
		return -ECHILD;
	/* Check the status pointer first: a child must not be reaped into a bad pointer. */
	struct proc *me = curproc();
	if (a1 && !vm_range_mapped(me->vm, (uint64_t)a1, sizeof(int), 1))
		return -EFAULT;
	int st = 0;
	long pid = proc_wait((int)a0, &st, (int)a2);
	if (pid > 0 && a1 && copyout((void *)a1, &st, sizeof st) < 0)
		return -EFAULT;
	return pid;
}

#define EXEC_MAX_ARGS 1024

/* Copy a user NULL-terminated vector of strings into kmalloc'd memory. */
static long copy_strv(long uvec, char ***out, int *count)
{
	*out = NULL;
	*count = 0;
	if (!uvec)
		return 0;
	char **v = kzalloc(sizeof(char *) * (EXEC_MAX_ARGS + 1));
	if (!v)
		return -ENOMEM;
	long r = 0;
	int n = 0;
	size_t total = 0;
	for (;; n++) {
		if (n == EXEC_MAX_ARGS) {
			r = -E2BIG;
			break;
		}
		uint64_t up;
		if (copyin(&up, (const void *)(uvec + 8L * n), sizeof up) < 0) {
			r = -EFAULT;
			break;
		}
		if (!up)
			break;
		char *s = kmalloc(4096);
		if (!s) {
			r = -ENOMEM;
			break;
		}
		v[n] = s;
		long len = copyinstr(s, (const char *)up, 4096);
		if (len < 0) {
			r = len == -ENAMETOOLONG ? -E2BIG : len;
			n++;
			break;
		}
		total += (size_t)len + 1;
		if (total > 128 * 1024) {
			r = -E2BIG;
			n++;
			break;
		}
	}
	*out = v;
	*count = n;
	return r;
}

static void free_strv(char **v, int n)
{
	if (!v)
		return;
	for (int i = 0; i < n; i++)
		kfree(v[i]);
	kfree(v);
}

SYSCALL_DECL(execve)
{
	(void)a3, (void)a4, (void)a5;
	char *path = kmalloc(4096);
	if (!path)
		return -ENOMEM;
	long r = copyinstr(path, (const char *)a0, 4096);
	char **argv = NULL, **envp = NULL;
	int argc = 0, envc = 0;
	if (r >= 0)
		r = copy_strv(a1, &argv, &argc);
	if (r >= 0)
		r = copy_strv(a2, &envp, &envc);
	if (r >= 0) {
		static char *const noargs[] = { NULL };
		r = exec_load(curproc(), path, argv ? argv : noargs, argc, envp ? envp : noargs,
			      envc, curthread()->tf);
	}
	free_strv(argv, argc);
	free_strv(envp, envc);
	kfree(path);
	return r;
}

SYSCALL_DECL(getpid) { UNUSED6; return curproc()->pid; }
SYSCALL_DECL(gettid) { UNUSED6; return curproc()->pid; }
SYSCALL_DECL(getuid) { UNUSED6; return 0; }
SYSCALL_DECL(geteuid) { UNUSED6; return 0; }
SYSCALL_DECL(getgid) { UNUSED6; return 0; }
SYSCALL_DECL(getegid) { UNUSED6; return 0; }

SYSCALL_DECL(getppid)
{
	UNUSED6;
	spin_lock(&proc_lock);
	struct proc *pp = curproc()->parent;
	int r = pp ? pp->pid : 0;
	spin_unlock(&proc_lock);
	return r;
}

SYSCALL_DECL(setpgid)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (a0 < 0 || a0 > 0x7fffffffL || a1 < 0 || a1 > 0x7fffffffL)
		return -EINVAL;
	return proc_setpgid((int)a0, (int)a1);
}

SYSCALL_DECL(getpgid)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if (a0 < 0 || a0 > 0x7fffffffL)
		return -ESRCH;
	return proc_getpgid((int)a0);
}

SYSCALL_DECL(getpgrp) { UNUSED6; return curproc()->pgid; }
SYSCALL_DECL(setsid) { UNUSED6; return proc_setsid(); }

SYSCALL_DECL(set_tid_address) { UNUSED6; return curproc()->pid; }

SYSCALL_DECL(sched_yield)
{
	UNUSED6;
	yield();
	return 0;
}

SYSCALL_DECL(pause)
{
	UNUSED6;
	static char pause_chan;
	for (;;)
		if (sleep_intr(&pause_chan, NULL, 0) == -EINTR)
			return -EINTR;
}

SYSCALL_DECL(umask)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	(void)a0;
	return 022;    /* permissions are not enforced; report the usual mask */
}
