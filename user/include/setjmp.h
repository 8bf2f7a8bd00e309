/* Non-local jumps.  jmp_buf holds rbx rbp r12 r13 r14 r15 rsp and the return address (the
 * callee-saved state of the System V AMD64 ABI); the signal mask is not saved. */
#ifndef _SETJMP_H
#define _SETJMP_H
typedef long jmp_buf[8];
typedef long sigjmp_buf[8];
int setjmp(jmp_buf env) __attribute__((returns_twice));
_Noreturn void longjmp(jmp_buf env, int val);
#define sigsetjmp(env, savemask) setjmp(env)
#define siglongjmp(env, val) longjmp(env, val)
#endif
