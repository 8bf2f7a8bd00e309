/* Multiboot v1 entry: QEMU's -kernel loader jumps here in 32-bit protected mode, paging off,
 * EAX = 0x2BADB002, EBX = physical address of the multiboot info.  We build the boot page
 * tables (identity map of the first 1 GiB for the switch, the kernel image at KERNBASE and
 * the PHYSMAP of the first 4 GiB, all with 2 MiB pages), enable PAE + long mode + paging
 * (Intel SDM vol. 3A 9.8.5), and jump to kmain in the higher half. */
#include "arch/memlayout.h"

#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003          /* page-aligned modules, memory map */
#define PTE_P  0x001
#define PTE_W  0x002
#define PTE_PWT 0x008
#define PTE_PCD 0x010
#define PTE_PS 0x080

	.section .boot.header, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.section .boot.text, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl %eax, boot_mb_magic
	movl %ebx, boot_mb_info
	movl $boot_stack32_top, %esp

	/* Long mode needs CPUID 0x80000001 EDX bit 29. */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc no_long_mode
	movl %edx, boot_ext_features

	/* PD for the first 1 GiB: 512 x 2 MiB, shared by the identity map and KERNBASE. */
	movl $boot_pd_low, %edi
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_W | PTE_PS), %eax
	movl %eax, (%edi,%ecx,8)
	movl $0, 4(%edi,%ecx,8)
	incl %ecx
	cmpl $512, %ecx
	jb 1b

	/* PHYSMAP: 4 PDs covering 0 - 4 GiB; the last GiB (MMIO: LAPIC, IOAPIC, PCI BARs)
	 * uncached. */
	movl $boot_pd_phys, %edi
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_W | PTE_PS), %eax
	cmpl $(3 * 512), %ecx
	jb 3f
	orl $(PTE_PCD | PTE_PWT), %eax
3:	movl %eax, (%edi,%ecx,8)
	movl $0, 4(%edi,%ecx,8)
	incl %ecx
	cmpl $2048, %ecx
	jb 2b

	movl $boot_pdpt_phys, %edi
	movl $(boot_pd_phys + PTE_P + PTE_W), (%edi)
	movl $(boot_pd_phys + 0x1000 + PTE_P + PTE_W), 8(%edi)
	movl $(boot_pd_phys + 0x2000 + PTE_P + PTE_W), 16(%edi)
	movl $(boot_pd_phys + 0x3000 + PTE_P + PTE_W), 24(%edi)

	movl $(boot_pd_low + PTE_P + PTE_W), boot_pdpt_low
	movl $(boot_pd_low + PTE_P + PTE_W), boot_pdpt_high + 510 * 8

	movl $(boot_pdpt_low + PTE_P + PTE_W), boot_pml4
	movl $(boot_pdpt_phys + PTE_P + PTE_W), boot_pml4 + 256 * 8
	movl $(boot_pdpt_high + PTE_P + PTE_W), boot_pml4 + 511 * 8

	/* CR4.PAE | CR4.PGE */
	movl %cr4, %eax
	orl $0xa0, %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	/* EFER.LME, and EFER.NXE when the CPU has NX (CPUID 0x80000001 EDX bit 20). */
	movl $0xc0000080, %ecx
	rdmsr
	orl $0x100, %eax
	btl $20, boot_ext_features
	jnc 4f
	orl $0x800, %eax
4:	wrmsr
	/* CR0.PG | CR0.WP | CR0.PE */
	movl %cr0, %eax
	orl $0x80010001, %eax
	movl %eax, %cr0

	lgdt boot_gdt_desc
	ljmp $0x08, $long_entry

no_long_mode:
	/* Say why on COM1, then stop. */
	movl $no_lm_msg, %esi
5:	movb (%esi), %al
	testb %al, %al
	jz 6f
	movw $0x3f8, %dx
	outb %al, %dx
	incl %esi
	jmp 5b
6:	hlt
	jmp 6b

	.code64
long_entry:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $higher_half, %rax
	jmp *%rax

	.section .boot.data, "aw"
	.align 8
no_lm_msg:
	.asciz "STOS: this CPU has no long mode\r\n"
	.align 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff     /* 0x08: 64-bit code, ring 0 */
	.quad 0x00cf92000000ffff     /* 0x10: data, ring 0 */
boot_gdt_desc:
	.word boot_gdt_desc - boot_gdt - 1
	.long boot_gdt
	.globl boot_mb_magic, boot_mb_info, boot_ext_features
boot_mb_magic: .long 0
boot_mb_info: .long 0
boot_ext_features: .long 0

	.section .boot.bss, "aw", @nobits
	.align 4096
	.globl boot_pml4
boot_pml4: .space 4096
boot_pdpt_low: .space 4096
boot_pdpt_high: .space 4096
boot_pdpt_phys: .space 4096
boot_pd_low: .space 4096
boot_pd_phys: .space 4 * 4096
boot_stack32: .space 1024
boot_stack32_top:

	.text
	.code64
higher_half:
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	movl boot_mb_magic, %edi
	movl boot_mb_info, %esi
	call kmain
7:	cli
	hlt
	jmp 7b

	.bss
	.align 16
	.globl boot_stack, boot_stack_top
boot_stack: .space 16384
boot_stack_top:
