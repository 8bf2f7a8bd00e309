/* SSE/x87 state for user programs (compilers use SSE freely in user code).  The kernel is
 * built with -mgeneral-regs-only, so only threads' user state lives in these registers; it
 * is saved and restored with fxsave/fxrstor on every switch (Intel SDM vol. 1 10.5), and
 * enabled by CR0.MP, CR0.NE, !CR0.EM, !CR0.TS, CR4.OSFXSR and CR4.OSXMMEXCPT (SDM vol. 3A
 * 13.1.3).  x87 and SSE exceptions a program unmasks reach it as SIGFPE. */
#include "klib.h"
#include "arch/fpu.h"

static struct fpu_state initial;

void fpu_init(void)
{
	uint64_t cr0, cr4;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 = (cr0 | 0x2 | 0x20) & ~(uint64_t)(0x4 | 0x8);   /* MP, NE (native #MF); not EM, TS */
	__asm__ volatile("mov %0, %%cr0" :: "r"(cr0));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= (1 << 9) | (1 << 10);
	__asm__ volatile("mov %0, %%cr4" :: "r"(cr4));
	__asm__ volatile("fninit");
	uint32_t mxcsr = 0x1f80;    /* all exceptions masked, round to nearest */
	__asm__ volatile("ldmxcsr %0" :: "m"(mxcsr));
	fpu_save(&initial);
}

void fpu_save(struct fpu_state *s)
{
	__asm__ volatile("fxsave64 %0" : "=m"(*s));
}

void fpu_restore(const struct fpu_state *s)
{
	__asm__ volatile("fxrstor64 %0" :: "m"(*s));
}

void fpu_init_state(struct fpu_state *s)
{
	*s = initial;
}
