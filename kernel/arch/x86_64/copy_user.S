/* long copy_user_raw(void *dst, const void *src, size_t n): 0, or -EFAULT (-14) when the
 * copy faults.  The rep movsb is listed in the exception table, so a page fault there
 * resumes at the fixup label instead of panicking (see trap.c). */
	.text
	.globl copy_user_raw
copy_user_raw:
	movq %rdx, %rcx
1:	rep movsb
	xorl %eax, %eax
	ret
2:	movq $-14, %rax
	ret

	.section __ex_table, "a"
	.align 8
	.quad 1b, 2b
	.text
