/* Trap handling helpers shared by arch/ and the rest of the kernel. */
#ifndef KERNEL_ARCH_TRAP_H
#define KERNEL_ARCH_TRAP_H
#include <stdint.h>
#include "arch/cpu.h"

const char *trap_name(uint64_t vector);
_Noreturn void panic_trap(const struct trapframe *tf, const char *what);
void dump_trapframe(const struct trapframe *tf);
void backtrace_from(uint64_t rbp);
/* Page fault in user mode at addr: 1 if handled (page now mapped), 0 to deliver SIGSEGV. */
int vm_user_fault(uint64_t addr, uint64_t error);

#endif
