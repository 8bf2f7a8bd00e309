/* The system call table and dispatcher (Linux x86-64 numbers, include/stos/syscall.h).
 *
 * syscall_entry (trapentry.S) saves the user registers in a trapframe and calls
 * syscall_dispatch with interrupts enabled.  Numbers without a handler return -ENOSYS. */
#include "klib.h"
#include "syscall.h"
#include "proc.h"
#include "sched.h"
#include "thread.h"
#include "arch/cpu.h"
#include "uaccess.h"
#include <stos/errno.h>
#include <stos/syscall.h>
#include <stos/kstats.h>

/* The file calls, in kernel/fs (kernel/include/fs/fs_syscalls.h). */
#define FS_CALLS(X) X(read) X(write) X(readv) X(writev) X(pread64) X(pwrite64) X(open) \
	X(openat) X(creat) X(close) X(lseek) X(dup) X(dup2) X(dup3) X(pipe) X(pipe2) X(fstat) \
	X(stat) X(lstat) X(newfstatat) X(getdents64) X(unlink) X(unlinkat) X(mkdir) X(mkdirat) \
	X(rmdir) X(chdir) X(fchdir) X(getcwd) X(fcntl) X(ioctl) X(access) X(faccessat) \
	X(ftruncate) X(truncate) X(fsync) X(poll) X(ppoll) X(select) X(pselect6) X(rename) \
	X(renameat) X(renameat2) X(chmod) X(fchmod) X(readlink) X(link) X(linkat)
#define DECL(n) SYSCALL_DECL(n);
FS_CALLS(DECL)

/* The calls implemented here in kernel/. */
#define K_CALLS(X) X(fork) X(vfork) X(clone) X(execve) X(exit) X(exit_group) X(wait4) X(kill) \
	X(getpid) X(getppid) X(gettid) X(getuid) X(geteuid) X(getgid) X(getegid) X(setpgid) \
	X(getpgid) X(getpgrp) X(setsid) X(nanosleep) X(clock_nanosleep) X(clock_gettime) \
	X(clock_getres) X(alarm) X(gettimeofday) X(time) X(brk) X(mmap) X(munmap) X(mprotect) X(uname) \
	X(reboot) X(getrandom) X(arch_prctl) X(set_tid_address) X(sched_yield) X(pause) \
	X(umask) X(rt_sigaction) X(rt_sigprocmask) X(rt_sigreturn) X(stos_kstats)
K_CALLS(DECL)

/* The socket calls, in kernel/net. */
#define NET_CALLS(X) X(socket) X(socketpair) X(bind) X(listen) X(accept) X(accept4) \
	X(connect) X(sendto) X(recvfrom) X(sendmsg) X(recvmsg) X(shutdown) X(setsockopt) \
	X(getsockopt) X(getsockname) X(getpeername)
NET_CALLS(DECL)

#define SYSCALL_MAX 1001
#define ENTRY(n) [SYS_##n] = sys_##n,
static const syscall_fn table[SYSCALL_MAX] = {
	FS_CALLS(ENTRY)
	K_CALLS(ENTRY)
	NET_CALLS(ENTRY)
};

uint64_t syscall_unknown;    /* calls answered -ENOSYS */

void syscall_dispatch(struct trapframe *tf)
{
	struct thread *t = curthread();
	t->tf = tf;
	uint64_t nr = tf->rax;
	long r;
	if (nr < SYSCALL_MAX && table[nr]) {
		r = table[nr]((long)tf->rdi, (long)tf->rsi, (long)tf->rdx, (long)tf->r10,
			      (long)tf->r8, (long)tf->r9);
	} else {
		syscall_unknown++;
		r = -ENOSYS;
	}
	tf->rax = (uint64_t)r;
	sched_preempt_point();
	signal_deliver(tf);
}
