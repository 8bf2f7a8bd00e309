/* Address spaces: 4-level page tables (Intel SDM vol. 3A 4.5), one per process.
 *
 * The user half (PML4 slots 0-255) belongs to the process; slots 256-511 are copied from the
 * kernel's table when the space is created and shared by all, with no U bit anywhere, so
 * ring 3 can reach none of it.  User memory is never shared between spaces (fork copies),
 * so each user leaf page belongs to exactly one space and is freed with it.  Program,
 * brk and mmap memory is mapped eagerly; the stack gets USER_STACK_SIZE at exec and grows
 * on demand (page faults, and copyin/copyout) down to USER_STACK_MAX, like Linux's 8 MiB. */
#ifndef KERNEL_MM_VM_H
#define KERNEL_MM_VM_H
#include <stddef.h>
#include <stdint.h>

#define PTE_P   0x001ULL
#define PTE_W   0x002ULL
#define PTE_U   0x004ULL
#define PTE_PWT 0x008ULL
#define PTE_PCD 0x010ULL
#define PTE_PS  0x080ULL
#define PTE_NX  (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

#define USER_STACK_SIZE   (64UL * 1024)           /* mapped at exec */
#define USER_STACK_MAX    (8UL << 20)             /* reserved below USER_STACK_TOP, mapped on use */
#define USER_STACK_LOW    (USER_STACK_TOP - USER_STACK_MAX)
#define USER_MMAP_TOP     0x00007f0000000000UL
#define USER_BRK_MAX      (512UL << 20)   /* brk may grow this far past the program */

struct vmspace {
	uint64_t *pml4;          /* kernel virtual address of the top table */
	uint64_t brk_base;       /* end of the loaded program, page aligned */
	uint64_t brk;            /* current break (byte granular, as brk(2) reports) */
	uint64_t mmap_next;      /* anonymous mmap hands out addresses downward from here */
	uint64_t pages;          /* user pages mapped, for ps and leak checks */
};

void vm_init(void);                    /* drop the boot identity map, remember the kernel PML4 */
uint64_t vm_kernel_cr3(void);
struct vmspace *vm_create(void);       /* empty user half, or NULL */
void vm_destroy(struct vmspace *vm);
struct vmspace *vm_fork(struct vmspace *src);   /* full copy, or NULL */
void vm_activate(struct vmspace *vm);  /* load CR3 (NULL: the kernel's table) */
/* Map fresh zeroed pages over [start, end) (page aligned) with PTE_W/PTE_NX as asked;
 * already-mapped pages are kept.  0 or -ENOMEM (nothing new stays mapped on failure). */
int vm_map_anon(struct vmspace *vm, uint64_t start, uint64_t end, uint64_t flags);
void vm_unmap(struct vmspace *vm, uint64_t start, uint64_t end);
/* The leaf entry for va, or NULL when no page table covers it. */
uint64_t *vm_pte(struct vmspace *vm, uint64_t va);
/* Copy into another space through the direct map; the pages must be mapped. 0 or -EFAULT. */
int vm_write(struct vmspace *vm, uint64_t va, const void *src, size_t n);
/* 1 if every page of [va, va+n) is mapped user-accessible (and writable when write). */
int vm_range_mapped(struct vmspace *vm, uint64_t va, size_t n, int write);
uint64_t vm_nx_bit(void);              /* PTE_NX when the CPU supports it, else 0 */
/* Map the not-yet-used stack pages of [va, va+n) (the part inside the stack reservation);
 * 0, or -ENOMEM.  Other addresses are left alone. */
int vm_stack_fault_in(struct vmspace *vm, uint64_t va, size_t n);
/* Kernel stack guard pages: take one PHYSMAP page out of the map, or put it back. */
int vm_physmap_set_present(void *va, int present);
int vm_is_physmap_guard(uint64_t va);  /* 1 if va is in a page taken out that way */
void vm_physmap_split(uint64_t ram_top);   /* boot, after the page allocator */

#endif
