/* The GDT (kernel and user segments in the order sysret needs) and the TSS, whose rsp0 is
 * the stack the CPU switches to on an interrupt from ring 3 (Intel SDM vol. 3A 7.7). */
#include "klib.h"
#include "arch/cpu.h"
#include "arch/x86.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp0, rsp1, rsp2;
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct cpu cpu0;
static struct tss tss;
/* IST1: the double-fault handler's own stack, so a kernel stack overflow (which faults
 * again while pushing the page-fault frame) still ends in a readable panic. */
static uint8_t df_stack[8192] __attribute__((aligned(16)));
static uint64_t gdt[7];

struct gdt_desc {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

void tss_set_rsp0(uint64_t rsp0)
{
	tss.rsp0 = rsp0;
	cpu0.kstack_top = rsp0;
}

void gdt_init(void)
{
	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffULL;   /* 0x08 kernel code, 64-bit */
	gdt[2] = 0x00cf92000000ffffULL;   /* 0x10 kernel data */
	gdt[3] = 0x00cff2000000ffffULL;   /* 0x18 user data, DPL 3 */
	gdt[4] = 0x00affa000000ffffULL;   /* 0x20 user code, 64-bit, DPL 3 */
	uint64_t base = (uint64_t)&tss, limit = sizeof tss - 1;
	/* 64-bit TSS descriptor, 16 bytes (SDM vol. 3A 7.2.3), type 9 = available. */
	gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[6] = base >> 32;
	tss.ist[0] = (uint64_t)(df_stack + sizeof df_stack);
	tss.iomap_base = sizeof tss;   /* no I/O bitmap: ring 3 gets #GP on port I/O */

	struct gdt_desc d = { sizeof gdt - 1, (uint64_t)gdt };
	__asm__ volatile(
		"lgdt %0\n\t"
		"movw %1, %%ax\n\t"
		"movw %%ax, %%ds\n\t"
		"movw %%ax, %%es\n\t"
		"movw %%ax, %%ss\n\t"
		"xorl %%eax, %%eax\n\t"
		"movw %%ax, %%fs\n\t"
		"movw %%ax, %%gs\n\t"
		"pushq %2\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %3, %%ax\n\t"
		"ltr %%ax"
		:: "m"(d), "i"(SEL_KDATA), "i"(SEL_KCODE), "i"(SEL_TSS) : "rax", "memory");

	cpu0.self = &cpu0;
	wrmsr(MSR_GS_BASE, (uint64_t)&cpu0);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}
