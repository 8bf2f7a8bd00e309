/* What the kernel allocator and loaders need from the rest of the kernel, for running them
 * as host unit tests: spinlocks become recursion checks, panic jumps back to the test
 * that expected it (expect_panic). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "host_stubs.h"
#include "sync.h"

jmp_buf panic_jmp;
int panic_armed;
char panic_msg[256];

void spin_init(struct spinlock *lk, const char *name)
{
	lk->locked = 0;
	lk->name = name;
}

void spin_lock(struct spinlock *lk)
{
	if (lk->locked) {
		fprintf(stderr, "spin_lock: %s already held\n", lk->name);
		abort();
	}
	lk->locked = 1;
}

void spin_unlock(struct spinlock *lk)
{
	if (!lk->locked) {
		fprintf(stderr, "spin_unlock: %s not held\n", lk->name);
		abort();
	}
	lk->locked = 0;
}

_Noreturn void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(panic_msg, sizeof panic_msg, fmt, ap);
	va_end(ap);
	if (panic_armed) {
		panic_armed = 0;
		longjmp(panic_jmp, 1);
	}
	fprintf(stderr, "unexpected panic: %s\n", panic_msg);
	abort();
}
