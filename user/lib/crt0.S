/* Process entry.  The kernel (Linux or STOS) starts us with rsp pointing at argc, then
 * argv[0..argc-1], NULL, envp[...], NULL, then the auxiliary vector (System V AMD64 ABI
 * 3.4.1, Figure 3.9).  rsp is 16-byte aligned here; we pass it to C untouched. */
	.text
	.globl _start
	.type _start, @function
_start:
	xor %ebp, %ebp          /* outermost frame: backtraces stop here */
	mov %rsp, %rdi
	and $-16, %rsp
	call __libc_start
	hlt
	.size _start, . - _start

/* Signal return trampoline: sigaction() installs it as sa_restorer (SA_RESTORER), the
 * kernel pushes its address as the handler's return address. */
	.globl __restore_rt
	.type __restore_rt, @function
__restore_rt:
	mov $15, %eax           /* SYS_rt_sigreturn */
	syscall
	hlt
	.size __restore_rt, . - __restore_rt

	.section .note.GNU-stack, "", @progbits
