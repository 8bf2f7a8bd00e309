/* Memory system calls: brk, anonymous mmap/munmap, mprotect.  Memory is mapped eagerly
 * and zero-filled; file mappings and MAP_SHARED are not supported (-ENODEV / -EINVAL). */
#include "klib.h"
#include "kalloc.h"
#include "syscall.h"
#include "proc.h"
#include "arch/memlayout.h"
#include "mm/vm.h"
#include "mm/pmm.h"
#include <stos/errno.h>
#include <stos/mman.h>

/* Refuse requests that would eat the memory the rest of the system needs. */
static int too_big(uint64_t bytes)
{
	return bytes / PAGE_SIZE + 256 > pmm_free_pages();
}

SYSCALL_DECL(brk)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct vmspace *vm = curproc()->vm;
	uint64_t want = (uint64_t)a0;
	if (want < vm->brk_base || want > vm->brk_base + USER_BRK_MAX)
		return (long)vm->brk;      /* Linux: failure reports the unchanged break */
	uint64_t old_end = ALIGN_UP(vm->brk, PAGE_SIZE), new_end = ALIGN_UP(want, PAGE_SIZE);
	if (new_end > old_end) {
		if (new_end > vm->mmap_next || too_big(new_end - old_end) ||
		    vm_map_anon(vm, old_end, new_end, PTE_W | vm_nx_bit()) < 0)
			return (long)vm->brk;
	} else if (new_end < old_end) {
		vm_unmap(vm, new_end, old_end);
	}
	vm->brk = want;
	return (long)vm->brk;
}

SYSCALL_DECL(mmap)
{
	(void)a5;
	struct vmspace *vm = curproc()->vm;
	uint64_t addr = (uint64_t)a0, len = (uint64_t)a1;
	long prot = a2, flags = a3, fd = a4;
	if (len == 0 || len > (1ULL << 40) || addr % PAGE_SIZE)
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return fd < 0 ? -EBADF : -ENODEV;
	if ((flags & (MAP_SHARED | MAP_PRIVATE)) != MAP_PRIVATE)
		return -EINVAL;
	if (prot & ~(long)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (too_big(len))
		return -ENOMEM;
	uint64_t fl = (prot & PROT_WRITE ? PTE_W : 0) | (prot & PROT_EXEC ? 0 : vm_nx_bit());
	if (flags & MAP_FIXED) {
		if (addr < PAGE_SIZE || addr >= USER_STACK_LOW || len > USER_STACK_LOW - addr)
			return -EINVAL;
		vm_unmap(vm, addr, addr + len);
	} else {
		if (vm->mmap_next - len < ALIGN_UP(vm->brk_base + USER_BRK_MAX, PAGE_SIZE))
			return -ENOMEM;
		addr = vm->mmap_next - len;
	}
	if (vm_map_anon(vm, addr, addr + len, fl) < 0)
		return -ENOMEM;
	if (!(flags & MAP_FIXED))
		vm->mmap_next = addr;
	/* PROT_NONE pages end up readable: there are no guard pages yet (README). */
	return (long)addr;
}

SYSCALL_DECL(munmap)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	uint64_t addr = (uint64_t)a0, len = (uint64_t)a1;
	if (addr % PAGE_SIZE || len == 0 || addr >= USER_TOP || len > USER_TOP - addr)
		return -EINVAL;
	vm_unmap(curproc()->vm, addr, ALIGN_UP(addr + len, PAGE_SIZE));
	return 0;
}

SYSCALL_DECL(mprotect)
{
	(void)a3, (void)a4, (void)a5;
	uint64_t addr = (uint64_t)a0, len = ALIGN_UP((uint64_t)a1, PAGE_SIZE);
	if (addr % PAGE_SIZE || (uint64_t)a1 > USER_TOP || addr >= USER_TOP || len > USER_TOP - addr)
		return -EINVAL;
	if (a2 & ~(long)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	struct vmspace *vm = curproc()->vm;
	for (uint64_t va = addr; va < addr + len; va += PAGE_SIZE) {
		uint64_t *pte = vm_pte(vm, va);
		if (!pte || !(*pte & PTE_P))
			return -ENOMEM;
	}
	for (uint64_t va = addr; va < addr + len; va += PAGE_SIZE) {
		uint64_t *pte = vm_pte(vm, va);
		*pte = (*pte & ~(PTE_W | vm_nx_bit())) | (a2 & PROT_WRITE ? PTE_W : 0) |
		       (a2 & PROT_EXEC ? 0 : vm_nx_bit());
		__asm__ volatile("invlpg (%0)" :: "r"(va) : "memory");
	}
	return 0;
}
