/* exec: load a static ELF64 executable into a fresh address space and build the initial
 * user stack the x86-64 psABI (3.4.1, figure 3.9) describes, as Linux does:
 *
 *   rsp -> argc, argv[0..argc-1], NULL, envp[0..], NULL, auxv pairs ..., AT_NULL
 *          ... 16 random bytes (AT_RANDOM), the argument and environment strings
 *   USER_STACK_TOP
 *
 * rsp is 16-byte aligned at argc.  The old address space is dropped only once the new one
 * is complete, so a failed exec leaves the process as it was. */
#include "klib.h"
#include "kalloc.h"
#include "proc.h"
#include "sched.h"
#include "elf.h"
#include "fsglue.h"
#include "initrd.h"
#include "arch/cpu.h"
#include "arch/x86.h"
#include "arch/memlayout.h"
#include "mm/vm.h"
#include "dev/random.h"
#include <stos/errno.h>

#define AT_NULL   0
#define AT_PHDR   3
#define AT_PHENT  4
#define AT_PHNUM  5
#define AT_PAGESZ 6
#define AT_ENTRY  9
#define AT_UID    11
#define AT_EUID   12
#define AT_GID    13
#define AT_EGID   14
#define AT_RANDOM 25
#define NAUXV 11
#define EXEC_ARG_MAX (128 * 1024)

static uint64_t phdr_vaddr(const struct elf64_ehdr *eh, const struct elf64_phdr *ph)
{
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && eh->e_phoff >= ph[i].p_offset &&
		    eh->e_phoff < ph[i].p_offset + ph[i].p_filesz)
			return ph[i].p_vaddr + (eh->e_phoff - ph[i].p_offset);
	return 0;
}

static int load_segments(struct vmspace *vm, const void *img)
{
	const struct elf64_ehdr *eh = img;
	const struct elf64_phdr *ph = (const void *)((const char *)img + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		const struct elf64_phdr *p = &ph[i];
		if (p->p_type != PT_LOAD || p->p_memsz == 0)
			continue;
		uint64_t flags = (p->p_flags & PF_W ? PTE_W : 0) | (p->p_flags & PF_X ? 0 : vm_nx_bit());
		uint64_t s = ALIGN_DOWN(p->p_vaddr, PAGE_SIZE);
		uint64_t e = ALIGN_UP(p->p_vaddr + p->p_memsz, PAGE_SIZE);
		if (vm_map_anon(vm, s, e, flags) < 0)
			return -ENOMEM;
		if (vm_write(vm, p->p_vaddr, (const char *)img + p->p_offset, p->p_filesz) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Strings and vectors onto the new stack; returns the initial rsp or 0. */
static uint64_t build_stack(struct vmspace *vm, const struct elf64_ehdr *eh, uint64_t phdr,
			    char *const argv[], int argc, char *const envp[], int envc)
{
	uint64_t sp = USER_STACK_TOP;
	uint64_t *uargv = kmalloc(sizeof(uint64_t) * (size_t)(argc + envc + 2));
	if (!uargv)
		return 0;
	uint64_t *uenvp = uargv + argc + 1;
	for (int i = envc - 1; i >= 0; i--) {
		size_t n = strlen(envp[i]) + 1;
		sp -= n;
		vm_write(vm, sp, envp[i], n);
		uenvp[i] = sp;
	}
	for (int i = argc - 1; i >= 0; i--) {
		size_t n = strlen(argv[i]) + 1;
		sp -= n;
		vm_write(vm, sp, argv[i], n);
		uargv[i] = sp;
	}
	uargv[argc] = 0;
	uenvp[envc] = 0;
	unsigned char rnd[16];
	random_bytes(rnd, sizeof rnd);
	sp = ALIGN_DOWN(sp - 16, 16);
	vm_write(vm, sp, rnd, sizeof rnd);
	uint64_t at_random = sp;

	uint64_t auxv[2 * NAUXV] = {
		AT_PHDR, phdr, AT_PHENT, sizeof(struct elf64_phdr), AT_PHNUM, eh->e_phnum,
		AT_PAGESZ, PAGE_SIZE, AT_ENTRY, eh->e_entry, AT_UID, 0, AT_EUID, 0,
		AT_GID, 0, AT_EGID, 0, AT_RANDOM, at_random, AT_NULL, 0,
	};
	size_t words = 1 + (size_t)argc + 1 + (size_t)envc + 1 + 2 * NAUXV;
	sp -= words * 8;
	sp = ALIGN_DOWN(sp, 16);
	uint64_t w = sp;
	uint64_t v = (uint64_t)argc;
	vm_write(vm, w, &v, 8);
	w += 8;
	vm_write(vm, w, uargv, 8 * (size_t)(argc + 1));
	w += 8 * (uint64_t)(argc + 1);
	vm_write(vm, w, uenvp, 8 * (size_t)(envc + 1));
	w += 8 * (uint64_t)(envc + 1);
	vm_write(vm, w, auxv, sizeof auxv);
	kfree(uargv);
	return sp;
}

static void set_name(struct proc *p, const char *path)
{
	const char *b = path;
	for (const char *s = path; *s; s++)
		if (*s == '/' && s[1])
			b = s + 1;
	strlcpy(p->name, b, sizeof p->name);
}

long exec_load(struct proc *p, const char *path, char *const argv[], int argc,
	       char *const envp[], int envc, struct trapframe *tf)
{
	size_t argbytes = 0;
	for (int i = 0; i < argc; i++)
		argbytes += strlen(argv[i]) + 1 + 8;
	for (int i = 0; i < envc; i++)
		argbytes += strlen(envp[i]) + 1 + 8;
	if (argbytes > EXEC_ARG_MAX)
		return -E2BIG;

	void *img = NULL;
	size_t len = 0;
	int r = fs_access(path, 1 /* X_OK */);
	if (r < 0)
		return r;
	r = fs_load_file(path, &img, &len);
	if (r < 0)
		return r;
	uint64_t lo, hi;
	r = elf_check(img, len, USER_STACK_LOW - PAGE_SIZE, &lo, &hi);
	if (r < 0) {
		r = -ENOEXEC;
		goto out;
	}
	struct vmspace *vm = vm_create();
	if (!vm) {
		r = -ENOMEM;
		goto out;
	}
	const struct elf64_ehdr *eh = img;
	uint64_t phdr = phdr_vaddr(eh, (const void *)((const char *)img + eh->e_phoff));
	uint64_t sp = 0;
	if (load_segments(vm, img) < 0 ||
	    vm_map_anon(vm, USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_TOP, PTE_W | vm_nx_bit()) < 0 ||
	    !(sp = build_stack(vm, eh, phdr, argv, argc, envp, envc))) {
		vm_destroy(vm);
		r = -ENOMEM;
		goto out;
	}
	vm->brk_base = vm->brk = hi;

	struct vmspace *old = p->vm;
	p->vm = vm;
	if (p == curproc())
		vm_activate(vm);
	if (old)
		vm_destroy(old);
	set_name(p, path);
	signal_exec_reset(p);
	if (p->fdt)
		fdtable_close_on_exec(p->fdt);
	if (p->thread) {
		p->thread->fs_base = 0;
		if (p == curproc()) {
			wrmsr(MSR_FS_BASE, 0);
			fpu_init_state(&p->thread->fpu);
			fpu_restore(&p->thread->fpu);
		}
	}
	memset(tf, 0, sizeof *tf);
	tf->rip = eh->e_entry;
	tf->rsp = sp;
	tf->cs = SEL_UCODE;
	tf->ss = SEL_UDATA;
	tf->rflags = 0x202;     /* IF, and the always-one bit 1 */
	r = 0;
out:
	kfree(img);
	return r;
}
