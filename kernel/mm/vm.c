/* Page tables and address spaces (see mm/vm.h). */
#include "klib.h"
#include "kalloc.h"
#include "arch/memlayout.h"
#include "arch/x86.h"
#include "mm/vm.h"
#include "mm/pmm.h"
#include "proc.h"
#include <stos/errno.h>

extern uint64_t boot_pml4[];
extern uint32_t boot_ext_features;
static uint64_t *kernel_pml4;
static uint64_t nx_bit;

void vm_init(void)
{
	kernel_pml4 = (uint64_t *)((uint64_t)boot_pml4 + KERNBASE);
	/* boot.S data sits at its physical address; reach it through KERNBASE. */
	uint32_t ext = *(uint32_t *)((uint64_t)&boot_ext_features + KERNBASE);
	nx_bit = (ext & (1u << 20)) ? PTE_NX : 0;
	kernel_pml4[0] = 0;    /* the identity map was only for the jump to long mode */
	write_cr3(V2P(kernel_pml4));
	/* SMEP (CPUID.7.0:EBX bit 7, CR4 bit 20, SDM vol. 3A 4.6.1): the kernel never runs
	 * code from a user page, so a jump there is a fault instead of an exploit. */
	uint32_t r[4];
	cpuid(0, 0, r);
	if (r[0] >= 7) {
		cpuid(7, 0, r);
		if (r[1] & (1u << 7)) {
			uint64_t cr4;
			__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
			__asm__ volatile("mov %0, %%cr4" :: "r"(cr4 | (1UL << 20)));
		}
	}
}

uint64_t vm_nx_bit(void) { return nx_bit; }
uint64_t vm_kernel_cr3(void) { return V2P(kernel_pml4); }

void vm_activate(struct vmspace *vm)
{
	uint64_t cr3 = vm ? V2P(vm->pml4) : V2P(kernel_pml4);
	if (read_cr3() != cr3)
		write_cr3(cr3);
}

struct vmspace *vm_create(void)
{
	struct vmspace *vm = kzalloc(sizeof *vm);
	if (!vm)
		return NULL;
	vm->pml4 = page_alloc();
	if (!vm->pml4) {
		kfree(vm);
		return NULL;
	}
	memset(vm->pml4, 0, PAGE_SIZE / 2);
	memcpy(vm->pml4 + 256, kernel_pml4 + 256, PAGE_SIZE / 2);
	vm->mmap_next = USER_MMAP_TOP;
	return vm;
}

static uint64_t *table(uint64_t e) { return P2V(e & PTE_ADDR); }

/* Walk to the leaf entry for va, creating tables when create. */
static uint64_t *walk(struct vmspace *vm, uint64_t va, int create)
{
	uint64_t *t = vm->pml4;
	for (int level = 3; level > 0; level--) {
		uint64_t *e = &t[(va >> (12 + 9 * level)) & 511];
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			uint64_t *nt = page_alloc();
			if (!nt)
				return NULL;
			memset(nt, 0, PAGE_SIZE);
			*e = V2P(nt) | PTE_P | PTE_W | PTE_U;
		}
		t = table(*e);
	}
	return &t[(va >> 12) & 511];
}

uint64_t *vm_pte(struct vmspace *vm, uint64_t va)
{
	if (va >= USER_TOP)
		return NULL;
	return walk(vm, va, 0);
}

void vm_unmap(struct vmspace *vm, uint64_t start, uint64_t end)
{
	for (uint64_t va = start; va < end && va < USER_TOP; va += PAGE_SIZE) {
		uint64_t *pte = walk(vm, va, 0);
		if (!pte) {
			/* Skip the rest of this page table's 2 MiB. */
			va = ALIGN_DOWN(va, 1UL << 21) + (1UL << 21) - PAGE_SIZE;
			continue;
		}
		if (*pte & PTE_P) {
			page_free(P2V(*pte & PTE_ADDR));
			*pte = 0;
			vm->pages--;
			invlpg(va);
		}
	}
}

int vm_map_anon(struct vmspace *vm, uint64_t start, uint64_t end, uint64_t flags)
{
	if (start > end || end > USER_TOP)
		return -EINVAL;
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t *pte = walk(vm, va, 1);
		if (!pte)
			goto fail;
		if (*pte & PTE_P) {
			/* Keep the page (two segments sharing it); take the union of the rights. */
			*pte |= flags & PTE_W;
			if (!(flags & PTE_NX))
				*pte &= ~PTE_NX;
			continue;
		}
		void *pg = page_alloc();
		if (!pg)
			goto fail;
		memset(pg, 0, PAGE_SIZE);
		*pte = V2P(pg) | PTE_P | PTE_U | (flags & (PTE_W | PTE_NX));
		vm->pages++;
		continue;
fail:
		/* Undo only what this call added would need a record; unmapping the whole range
		 * is correct for every caller (fresh ranges). */
		vm_unmap(vm, start, va);
		return -ENOMEM;
	}
	return 0;
}

static void free_tables(uint64_t *t, int level)
{
	for (int i = 0; i < 512; i++) {
		if (!(t[i] & PTE_P))
			continue;
		if (level > 0)
			free_tables(table(t[i]), level - 1);
		else
			page_free(table(t[i]));
	}
	page_free(t);
}

void vm_destroy(struct vmspace *vm)
{
	if (!vm)
		return;
	if (read_cr3() == V2P(vm->pml4))
		write_cr3(V2P(kernel_pml4));
	for (int i = 0; i < 256; i++)
		if (vm->pml4[i] & PTE_P)
			free_tables(table(vm->pml4[i]), 2);
	page_free(vm->pml4);
	kfree(vm);
}

struct vmspace *vm_fork(struct vmspace *src)
{
	struct vmspace *vm = vm_create();
	if (!vm)
		return NULL;
	vm->brk_base = src->brk_base;
	vm->brk = src->brk;
	vm->mmap_next = src->mmap_next;
	for (int i4 = 0; i4 < 256; i4++) {
		if (!(src->pml4[i4] & PTE_P))
			continue;
		uint64_t *p3 = table(src->pml4[i4]);
		for (int i3 = 0; i3 < 512; i3++) {
			if (!(p3[i3] & PTE_P))
				continue;
			uint64_t *p2 = table(p3[i3]);
			for (int i2 = 0; i2 < 512; i2++) {
				if (!(p2[i2] & PTE_P))
					continue;
				uint64_t *p1 = table(p2[i2]);
				for (int i1 = 0; i1 < 512; i1++) {
					if (!(p1[i1] & PTE_P))
						continue;
					uint64_t va = ((uint64_t)i4 << 39) | ((uint64_t)i3 << 30) |
						      ((uint64_t)i2 << 21) | ((uint64_t)i1 << 12);
					uint64_t *pte = walk(vm, va, 1);
					void *pg = pte ? page_alloc() : NULL;
					if (!pg) {
						vm_destroy(vm);
						return NULL;
					}
					memcpy(pg, table(p1[i1]), PAGE_SIZE);
					*pte = V2P(pg) | (p1[i1] & ~PTE_ADDR);
					vm->pages++;
				}
			}
		}
	}
	return vm;
}

int vm_range_mapped(struct vmspace *vm, uint64_t va, size_t n, int write)
{
	if (n == 0)
		return 1;
	if (va >= USER_TOP || n > USER_TOP - va)
		return 0;
	for (uint64_t a = ALIGN_DOWN(va, PAGE_SIZE); a < va + n; a += PAGE_SIZE) {
		uint64_t *pte = walk(vm, a, 0);
		if (!pte || !(*pte & PTE_P) || !(*pte & PTE_U) || (write && !(*pte & PTE_W)))
			return 0;
	}
	return 1;
}

int vm_write(struct vmspace *vm, uint64_t va, const void *src, size_t n)
{
	const char *s = src;
	while (n) {
		uint64_t *pte = vm_pte(vm, va);
		if (!pte || !(*pte & PTE_P))
			return -EFAULT;
		size_t off = va % PAGE_SIZE, k = MIN(n, PAGE_SIZE - off);
		memcpy((char *)P2V(*pte & PTE_ADDR) + off, s, k);
		s += k;
		va += k;
		n -= k;
	}
	return 0;
}

int vm_stack_fault_in(struct vmspace *vm, uint64_t va, size_t n)
{
	if (n == 0 || va >= USER_STACK_TOP || va + n <= USER_STACK_LOW || va + n < va)
		return 0;
	uint64_t lo = ALIGN_DOWN(MAX(va, USER_STACK_LOW), PAGE_SIZE);
	uint64_t hi = ALIGN_UP(MIN(va + n, USER_STACK_TOP), PAGE_SIZE);
	for (uint64_t a = lo; a < hi; a += PAGE_SIZE) {
		uint64_t *pte = walk(vm, a, 0);
		if (pte && (*pte & PTE_P))
			continue;
		if (pmm_free_pages() < 64)
			return -ENOMEM;      /* leave the last pages to the kernel */
		if (vm_map_anon(vm, a, a + PAGE_SIZE, PTE_W | nx_bit) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* A user page fault: a not-present page in the stack reservation is stack growth; anything
 * else is a bad access, for which the caller delivers SIGSEGV. */
int vm_user_fault(uint64_t addr, uint64_t error)
{
	struct proc *p = curproc();
	if ((error & 1) || !p || !p->vm || addr < USER_STACK_LOW || addr >= USER_STACK_TOP)
		return 0;
	return vm_stack_fault_in(p->vm, addr, 1) == 0;
}

/* Make one 4 KiB page of the PHYSMAP present or not (kernel stack guard pages).  The
 * PHYSMAP is built of 2 MiB pages; the one holding va is split into a page table first.
 * PHYSMAP tables are shared by every address space, so the change is global. */
int vm_physmap_set_present(void *va, int present)
{
	uint64_t a = (uint64_t)va;
	if (a < PHYSMAP || a >= PHYSMAP + PHYSMAP_SIZE || a % PAGE_SIZE)
		return -EINVAL;
	uint64_t *pdpt = table(kernel_pml4[(a >> 39) & 511]);
	uint64_t *pd = table(pdpt[(a >> 30) & 511]);
	uint64_t *pde = &pd[(a >> 21) & 511];
	if (*pde & PTE_PS) {
		uint64_t *pt = page_alloc();
		if (!pt)
			return -ENOMEM;
		uint64_t base = *pde & PTE_ADDR & ~0x1fffffULL;
		uint64_t flags = (*pde & (PTE_W | PTE_PWT | PTE_PCD)) | PTE_P;
		for (int i = 0; i < 512; i++)
			pt[i] = (base + (uint64_t)i * PAGE_SIZE) | flags;
		*pde = V2P(pt) | PTE_P | PTE_W;
		/* Flush the whole 2 MiB translation. */
		write_cr3(read_cr3());
	}
	uint64_t *pte = &table(*pde)[(a >> 12) & 511];
	if (present)
		*pte |= PTE_P;
	else
		*pte &= ~PTE_P;
	invlpg(a);
	return 0;
}

/* Split the PHYSMAP over all RAM into 4 KiB pages at boot, so guard pages never need a
 * page table later (and page counts in leak tests do not move when one is made). */
void vm_physmap_split(uint64_t ram_top)
{
	for (uint64_t pa = 0; pa < ram_top && pa < PHYSMAP_SIZE; pa += 1UL << 21)
		if (vm_physmap_set_present(P2V(pa), 1) < 0)
			panic("vm: no memory to split the PHYSMAP");
}

int vm_is_physmap_guard(uint64_t a)
{
	if (a < PHYSMAP || a >= PHYSMAP + PHYSMAP_SIZE)
		return 0;
	uint64_t *pdpt = table(kernel_pml4[(a >> 39) & 511]);
	uint64_t *pd = table(pdpt[(a >> 30) & 511]);
	uint64_t pde = pd[(a >> 21) & 511];
	if (pde & PTE_PS)
		return 0;
	return !(table(pde)[(a >> 12) & 511] & PTE_P);
}
