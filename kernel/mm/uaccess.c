/* copyin/copyout/copyinstr (uaccess.h).  Two layers of defence: the range must lie in the
 * user half and be mapped user-accessible (writable for copyout) in the current process's
 * page tables (stack pages not used yet are mapped first, as a fault there would), checked
 * before touching it; and the copy itself runs at an instruction in the
 * exception table, so even a mapping that vanished would give -EFAULT, not a kernel fault. */
#include "klib.h"
#include "kalloc.h"
#include "uaccess.h"
#include "proc.h"
#include "arch/memlayout.h"
#include "mm/vm.h"
#include <stos/errno.h>

long copy_user_raw(void *dst, const void *src, size_t n);

int user_range_ok(uint64_t uaddr, size_t n)
{
	return uaddr < USER_TOP && n <= USER_TOP - uaddr;
}

static struct vmspace *curvm(void)
{
	struct proc *p = curproc();
	return p ? p->vm : NULL;
}

int copyin(void *dst, const void *usrc, size_t n)
{
	struct vmspace *vm = curvm();
	if (n == 0)
		return 0;
	if (!vm || !user_range_ok((uint64_t)usrc, n) ||
	    vm_stack_fault_in(vm, (uint64_t)usrc, n) < 0 || !vm_range_mapped(vm, (uint64_t)usrc, n, 0))
		return -EFAULT;
	return (int)copy_user_raw(dst, usrc, n);
}

int copyout(void *udst, const void *src, size_t n)
{
	struct vmspace *vm = curvm();
	if (n == 0)
		return 0;
	if (!vm || !user_range_ok((uint64_t)udst, n) ||
	    vm_stack_fault_in(vm, (uint64_t)udst, n) < 0 || !vm_range_mapped(vm, (uint64_t)udst, n, 1))
		return -EFAULT;
	return (int)copy_user_raw(udst, src, n);
}

long copyinstr(char *dst, const char *usrc, size_t max)
{
	uint64_t a = (uint64_t)usrc;
	size_t done = 0;
	while (done < max) {
		size_t chunk = MIN(max - done, PAGE_SIZE - (a + done) % PAGE_SIZE);
		if (copyin(dst + done, (const char *)(a + done), chunk) < 0)
			return -EFAULT;
		size_t len = strnlen(dst + done, chunk);
		if (len < chunk)
			return (long)(done + len);
		done += chunk;
	}
	return -ENAMETOOLONG;
}
