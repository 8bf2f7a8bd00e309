/* Low-level entries: the 256 interrupt vectors, the syscall instruction, the way back to
 * user mode, and the thread context switch.
 *
 * Every entry builds a struct trapframe (kernel/include/arch/cpu.h) on the kernel stack and
 * calls trap() or syscall_dispatch() with it.  Coming from ring 3 we swapgs so %gs is the
 * per-CPU block; the CPU already switched to TSS.rsp0 for interrupts, and the syscall entry
 * switches to %gs:CPU_KSTACK_TOP itself (syscall does not switch stacks, AMD64 APM vol. 2 6.1.1). */
#include "arch/cpu.h"

	.text
	.altmacro
	/* Each stub is 16 bytes; vectors that push an error code (8, 10-14, 17, 21, 29, 30:
	 * Intel SDM vol. 3A table 6-1) skip the dummy push so every frame has the same shape. */
	.macro VECTOR n
	.align 16
	.if !((\n == 8) || (\n == 10) || (\n == 11) || (\n == 12) || (\n == 13) || (\n == 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30))
	pushq $0
	.endif
	pushq $\n
	jmp alltraps
	.endm

	.globl vector_table_start
vector_table_start:
	.set i, 0
	.rept 256
	VECTOR %i
	.set i, i + 1
	.endr

	.section .rodata
	.align 8
	.globl vectors
vectors:
	.set i, 0
	.rept 256
	.quad vector_table_start + i * 16
	.set i, i + 1
	.endr
	.text

	.macro PUSH_REGS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	.endm

	.macro POP_REGS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	.endm

alltraps:
	/* Stack: vector, error, rip, cs, ... ; cs at 24(%rsp). */
	testb $3, 24(%rsp)
	jz 1f
	swapgs
1:	cld
	PUSH_REGS
	movq %rsp, %rdi
	/* Frame-pointer chain for backtraces: a fake frame whose return address is the
	 * interrupted rip. */
	pushq 17*8(%rsp)
	pushq %rbp
	movq %rsp, %rbp
	call trap
	addq $16, %rsp
	.globl trapret
trapret:
	cli
	POP_REGS
	testb $3, 24(%rsp)
	jz 2f
	swapgs
2:	addq $16, %rsp
	iretq

	/* syscall: rcx = user rip, r11 = user rflags, IF cleared by SFMASK. */
	.globl syscall_entry
syscall_entry:
	swapgs
	movq %rsp, %gs:CPU_USER_RSP
	movq %gs:CPU_KSTACK_TOP, %rsp
	pushq $SEL_UDATA
	pushq %gs:CPU_USER_RSP
	pushq %r11
	pushq $SEL_UCODE
	pushq %rcx
	pushq $0
	pushq $T_SYSCALL_MARK
	cld
	PUSH_REGS
	movq %rsp, %rdi
	pushq 17*8(%rsp)
	pushq %rbp
	movq %rsp, %rbp
	sti
	call syscall_dispatch
	cli
	addq $16, %rsp
	/* sysret only to a canonical user rip (a non-canonical rcx makes sysret fault in ring 0,
	 * Intel SDM vol. 2B SYSRET), and only for an unchanged code segment; otherwise iretq. */
	movq 17*8(%rsp), %rcx
	shrq $47, %rcx
	jnz trapret
	cmpq $SEL_UCODE, 18*8(%rsp)
	jne trapret
	POP_REGS
	addq $16, %rsp
	popq %rcx            /* rip */
	addq $8, %rsp        /* cs */
	popq %r11            /* rflags */
	popq %rsp            /* user rsp; ss is implied by STAR */
	swapgs
	sysretq

/* void swtch(uint64_t *save_rsp, uint64_t new_rsp): save callee-saved registers on this
 * stack, switch stacks, restore the other thread's.  Returns in the other thread. */
	.globl swtch
swtch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

/* First code a new thread runs (swtch "returns" here): rbx = fn, r12 = arg. */
	.globl thread_trampoline
thread_trampoline:
	call thread_first_run
	movq %r12, %rdi
	xorl %ebp, %ebp
	call *%rbx
	call kthread_exit

/* fn for user threads: arg is the trapframe at the top of the kernel stack. */
	.globl user_trampoline
user_trampoline:
	movq %rdi, %rsp
	jmp trapret
