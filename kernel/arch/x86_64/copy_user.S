/* The kernel's bulk copy, in two entry points built from one body:
 *
 *   long copy_user_raw(void *dst, const void *src, size_t n): 0, or -EFAULT (-14) when the
 *       copy faults (copyin/copyout, kernel/mm/uaccess.c, after their range checks);
 *   void *memcpy(void *dst, const void *src, size_t n): dst.
 *
 * 64 bytes a turn through eight general-register loads and stores while at least 64 are
 * left, then n % 64 / 8 quadwords (rep movsq), then n % 8 bytes (rep movsb).  This is for
 * QEMU's TCG, where STOS usually runs: it makes each iteration of a rep string instruction a
 * trip through its translated loop, so one byte or one quadword a trip, while a loop of plain
 * moves runs as translated code.  In STOS under QEMU 7.2 (a user program timing copies of
 * 1,448 and 65,536 bytes) rep movsb copied 160-220 MB/s, rep movsq 1,480-1,500 MB/s, this
 * loop 2,180 MB/s and the same loop with SSE moves 1,060-1,350 MB/s (TCG's SSE is dearer).
 * On hardware rep movsb would do as well; nothing here depends on it.
 *
 * In copy_user_raw every instruction that touches either buffer is listed in the exception
 * table, so a page fault in any of them resumes at the fixup, which returns -EFAULT (see
 * trap.c).  memcpy's are not: a fault there is a kernel bug and must stay a panic. */

/* One move of the body: `insn` at a label that goes into the exception table when `ex`. */
.macro MOV ex, insn:vararg
99:	\insn
	.if \ex
	.pushsection __ex_table, "a"
	.align 8
	.quad 99b, copy_user_fault
	.popsection
	.endif
.endm

/* The copy: %rdi dst, %rsi src, %rdx n; uses %rcx and %r8-%r11 (all caller-saved). */
.macro COPY_BODY ex
	cmpq $64, %rdx
	jb 2f
1:	MOV \ex, movq (%rsi), %r8
	MOV \ex, movq 8(%rsi), %r9
	MOV \ex, movq 16(%rsi), %r10
	MOV \ex, movq 24(%rsi), %r11
	MOV \ex, movq %r8, (%rdi)
	MOV \ex, movq %r9, 8(%rdi)
	MOV \ex, movq %r10, 16(%rdi)
	MOV \ex, movq %r11, 24(%rdi)
	MOV \ex, movq 32(%rsi), %r8
	MOV \ex, movq 40(%rsi), %r9
	MOV \ex, movq 48(%rsi), %r10
	MOV \ex, movq 56(%rsi), %r11
	MOV \ex, movq %r8, 32(%rdi)
	MOV \ex, movq %r9, 40(%rdi)
	MOV \ex, movq %r10, 48(%rdi)
	MOV \ex, movq %r11, 56(%rdi)
	addq $64, %rsi
	addq $64, %rdi
	subq $64, %rdx
	cmpq $64, %rdx
	jae 1b
2:	movq %rdx, %rcx
	shrq $3, %rcx
	MOV \ex, rep movsq
	movq %rdx, %rcx
	andq $7, %rcx
	MOV \ex, rep movsb
.endm

	.text
	.globl copy_user_raw
copy_user_raw:
	COPY_BODY 1
	xorl %eax, %eax
	ret
copy_user_fault:
	movq $-14, %rax
	ret

	.globl memcpy
memcpy:
	movq %rdi, %rax
	COPY_BODY 0
	ret
