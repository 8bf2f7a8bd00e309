/* The system call table's entry shape.  Every handler takes the six argument registers
 * (rdi rsi rdx r10 r8 r9, Linux x86-64) as longs and returns a value or -errno; unused
 * arguments are ignored.  The table lives in kernel/sys/syscall.c. */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

typedef long (*syscall_fn)(long a0, long a1, long a2, long a3, long a4, long a5);

#define SYSCALL_DECL(name) \
	long sys_##name(long a0, long a1, long a2, long a3, long a4, long a5)

#endif
