/* Internal: raw system calls.  The x86-64 Linux convention (CONTRIBUTING.md): number in rax,
 * arguments in rdi rsi rdx r10 r8 r9; the kernel clobbers rcx and r11; the result or -errno
 * comes back in rax. */
#ifndef USER_LIB_SYS_H
#define USER_LIB_SYS_H
#include <stos/syscall.h>
#include <errno.h>

static inline long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline long sys3(long n, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

#define sys0(n)             sys3((n), 0, 0, 0)
#define sys1(n, a)          sys3((n), (long)(a), 0, 0)
#define sys2(n, a, b)       sys3((n), (long)(a), (long)(b), 0)
#define sys4(n, a, b, c, d) sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define sys5(n, a, b, c, d, e) sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

/* Linux returns -4095..-1 for errors; anything else is a result (an address may look
 * negative as a signed long but is never in that range). */
static inline long sysret(long r)
{
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}
#endif
