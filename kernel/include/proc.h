/* Processes: a user address space, one thread, open files, signals, a place in the tree.
 *
 * F's file layer owns fdt and cwd (types declared in kernel/include/fs/); the rest belongs to
 * kernel/proc/.  The process table is protected by proc_lock (a spinlock, because kill_pgrp
 * runs from the console interrupt). */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H
#include <stdint.h>
#include "sync.h"

struct fdtable;
struct inode;
struct thread;
struct vmspace;

enum proc_state { PROC_EMBRYO, PROC_RUNNING, PROC_ZOMBIE };

struct proc {
	int pid;
	int pgid;                   /* process group (Ctrl-C goes to the foreground group) */
	int sid;                    /* session */
	enum proc_state state;
	struct proc *parent;        /* NULL only for init; orphans are given to init */
	struct proc *next;          /* all processes, for lookups by pid and group */
	struct thread *thread;      /* the one thread running this process */
	struct vmspace *vm;         /* user address space */
	struct fdtable *fdt;        /* open files (F) */
	struct inode *cwd;          /* current directory (F) */
	int pending_signals;        /* bit (1 << sig) per pending signal */
	uint32_t ignored_signals;   /* bit (1 << sig) per signal set to SIG_IGN */
	uint64_t sig_handler[32];   /* user handler address; 0 = SIG_DFL, 1 = SIG_IGN */
	uint64_t sig_flags[32];     /* sa_flags */
	uint64_t sig_restorer[32];  /* sa_restorer: where the handler returns to */
	int exit_status;            /* wait4 status word once a zombie */
	uint64_t alarm_ns;          /* alarm(2): clock_ns() at which SIGALRM is due, 0 = none */
	char name[16];              /* last path component of the program, for ps */
};

struct proc *curproc(void);       /* the calling thread's process, NULL in kernel threads */
struct proc *proc_find(int pid);  /* call with proc_lock held */
extern struct spinlock proc_lock;

/* Post sig to a process / every process of group pgrp: 0 or -ESRCH/-EINVAL.
 * Safe from interrupt handlers (the console's Ctrl-C). */
int kill_proc(int pid, int sig);
int kill_pgrp(int pgrp, int sig);
/* 1 if the calling process has a signal pending that it does not ignore. */
int signal_pending(void);
struct trapframe;
/* On the way back to user mode: run the default action of a pending signal, or set tf up
 * to enter its handler. */
void signal_deliver(struct trapframe *tf);
void signal_exec_reset(struct proc *p);     /* exec: handlers back to SIG_DFL */

/* Ends the calling process with a wait4 status word; never returns. */
_Noreturn void proc_exit(int status);

/* Used inside kernel/proc and the syscalls. */
struct trapframe;
struct proc *proc_alloc(void);              /* a new PROC_EMBRYO with a pid, or NULL */
void proc_free_embryo(struct proc *p);
void proc_set_init(struct proc *p);
struct proc *proc_first(void);              /* list head, proc_lock held */
int proc_count(void);
long proc_fork(struct trapframe *tf);       /* child pid or -errno */
long proc_wait(int pid, int *kstatus, int options);
int proc_setpgid(int pid, int pgid);
int proc_getpgid(int pid);
int proc_setsid(void);
/* Replace p's program with the ELF at path (kernel strings); on success the frame tf is set
 * to enter it.  -ENOENT, -ENOEXEC, -E2BIG, -ENOMEM...; on failure p is unchanged. */
long exec_load(struct proc *p, const char *path, char *const argv[], int argc,
	       char *const envp[], int envc, struct trapframe *tf);

#endif
