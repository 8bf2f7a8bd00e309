/* panic: print the message, the trap frame if there is one, and a backtrace by walking the
 * frame-pointer chain (the kernel is built with -fno-omit-frame-pointer), then stop QEMU. */
#include "klib.h"
#include "arch/cpu.h"
#include "arch/x86.h"
#include "arch/memlayout.h"
#include "dev/serial.h"
#include "dev/power.h"

static int panicking;

static void pprintf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	console_write_unlocked(buf, MIN(n, (int)sizeof buf - 1));
}

extern char _text_start[], _kernel_end[];

static int stack_addr_ok(uint64_t a)
{
	/* Kernel stacks live in the kernel image (boot stack) or in PHYSMAP pages. */
	if (a % 8)
		return 0;
	if (a >= (uint64_t)_text_start && a < (uint64_t)_kernel_end - 16)
		return 1;
	return a >= PHYSMAP && a < PHYSMAP + PHYSMAP_SIZE - 16;
}

void backtrace_from(uint64_t rbp)
{
	pprintf("backtrace:\n");
	for (int depth = 0; depth < 24 && stack_addr_ok(rbp); depth++) {
		uint64_t *frame = (uint64_t *)rbp;
		uint64_t ret = frame[1];
		if (ret < (uint64_t)_text_start || ret >= (uint64_t)_kernel_end)
			break;
		pprintf("  #%d %p\n", depth, (void *)ret);
		rbp = frame[0];
	}
}

void dump_trapframe(const struct trapframe *tf)
{
	pprintf("  rip %016lx  cs %04lx  rflags %016lx  rsp %016lx  ss %04lx\n",
		tf->rip, tf->cs, tf->rflags, tf->rsp, tf->ss);
	pprintf("  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
	pprintf("  rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->r8);
	pprintf("  r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n", tf->r9, tf->r10, tf->r11, tf->r12);
	pprintf("  r13 %016lx  r14 %016lx  r15 %016lx  cr2 %016lx\n", tf->r13, tf->r14, tf->r15, read_cr2());
	pprintf("  cr3 %016lx  vector %lu  error %lx\n", read_cr3(), tf->vector, tf->error);
}

static _Noreturn void panic_stop(void)
{
	pprintf("STOS halted.\n");
	/* isa-debug-exit (tests pass -device isa-debug-exit): QEMU exits with status 3. */
	power_debug_exit(1);
	for (;;) {
		cli();
		hlt();
	}
}

_Noreturn void panic_trap(const struct trapframe *tf, const char *what)
{
	cli();
	if (panicking++)
		panic_stop();
	pprintf("\nKERNEL PANIC: %s\n", what);
	dump_trapframe(tf);
	pprintf("  #  %p (faulting rip)\n", (void *)tf->rip);
	backtrace_from(tf->rbp);
	panic_stop();
}

_Noreturn void panic(const char *fmt, ...)
{
	cli();
	if (panicking++)
		panic_stop();
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	pprintf("\nKERNEL PANIC: ");
	console_write_unlocked(buf, MIN(n, (int)sizeof buf - 1));
	pprintf("\n");
	backtrace_from(read_rbp());
	panic_stop();
}
