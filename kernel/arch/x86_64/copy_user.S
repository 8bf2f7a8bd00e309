/* long copy_user_raw(void *dst, const void *src, size_t n): 0, or -EFAULT (-14) when the
 * copy faults.  Eight bytes at a time (rep movsq; x86 allows unaligned quadwords), then the
 * last n % 8 (rep movsb): under QEMU's TCG each iteration of a rep string instruction is a
 * trip through the translated loop, so whole quadwords take an eighth of the trips (a send
 * or receive copy was 12-30% of the guest's time with rep movsb alone; bench/README.md).
 * Both string instructions are listed in the exception table, so a page fault in either
 * resumes at the fixup label instead of panicking (see trap.c). */
	.text
	.globl copy_user_raw
copy_user_raw:
	movq %rdx, %rcx
	shrq $3, %rcx
1:	rep movsq
	movq %rdx, %rcx
	andq $7, %rcx
2:	rep movsb
	xorl %eax, %eax
	ret
3:	movq $-14, %rax
	ret

	.section __ex_table, "a"
	.align 8
	.quad 1b, 3b
	.quad 2b, 3b
	.text
