/* Enable the syscall instruction (AMD64 APM vol. 2 6.1.1, Intel SDM vol. 3A 5.8.8):
 * EFER.SCE, the entry point in LSTAR, the selectors in STAR, and SFMASK clearing IF, TF,
 * DF, AC and NT on entry: interrupts off, a sane direction, and no nested-task flag (user
 * mode can set NT with popf; a kernel iretq with NT set raises #GP in 64-bit mode, SDM
 * vol. 2A IRET, and RFLAGS follows the kernel thread through a context switch). */
#include "arch/cpu.h"
#include "arch/x86.h"

void syscall_entry(void);

void syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* syscall: CS = STAR[47:32], SS = +8.  sysret (64-bit): CS = STAR[63:48] + 16,
	 * SS = STAR[63:48] + 8, both with RPL 3. */
	wrmsr(MSR_STAR, ((uint64_t)(SEL_UDATA - 8) << 48) | ((uint64_t)SEL_KCODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_SFMASK, 0x44700);   /* AC | NT | DF | IF | TF */
}
