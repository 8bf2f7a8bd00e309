/* ELF64 validation (elf.h).  Everything that comes from the file is checked against the
 * file size with overflow-safe arithmetic before the loader trusts it. */
#include "elf.h"
#include <stos/errno.h>

#define PG 4096ULL

int elf_check(const void *img, size_t len, uint64_t user_top, uint64_t *lo, uint64_t *hi)
{
	const struct elf64_ehdr *eh = img;
	if (!img || len < sizeof *eh)
		return -ENOEXEC;
	const unsigned char *id = eh->e_ident;
	if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
		return -ENOEXEC;
	if (id[4] != 2 /* ELFCLASS64 */ || id[5] != 1 /* little endian */ || id[6] != 1)
		return -ENOEXEC;
	if (eh->e_type != ET_EXEC || eh->e_machine != EM_X86_64)
		return -ENOEXEC;
	if (eh->e_phentsize != sizeof(struct elf64_phdr) || eh->e_phnum == 0 ||
	    eh->e_phnum > ELF_MAX_PHDRS)
		return -ENOEXEC;
	if (eh->e_phoff > len || (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr) > len - eh->e_phoff)
		return -ENOEXEC;
	const struct elf64_phdr *ph = (const void *)((const char *)img + eh->e_phoff);
	uint64_t l = ~0ULL, h = 0;
	int entry_ok = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_INTERP)
			return -ENOEXEC;     /* dynamic executables are not supported */
		if (ph[i].p_type != PT_LOAD)
			continue;
		const struct elf64_phdr *p = &ph[i];
		if (p->p_filesz > p->p_memsz)
			return -ENOEXEC;
		if (p->p_offset > len || p->p_filesz > len - p->p_offset)
			return -ENOEXEC;
		if (p->p_vaddr >= user_top || p->p_memsz > user_top - p->p_vaddr)
			return -EINVAL;
		if (p->p_vaddr < PG)
			return -EINVAL;      /* page 0 stays unmapped so NULL faults */
		if (p->p_memsz == 0)
			continue;
		uint64_t s = p->p_vaddr & ~(PG - 1);
		uint64_t e = (p->p_vaddr + p->p_memsz + PG - 1) & ~(PG - 1);
		if (e > user_top)
			return -EINVAL;
		if (s < l)
			l = s;
		if (e > h)
			h = e;
		if (eh->e_entry >= p->p_vaddr && eh->e_entry < p->p_vaddr + p->p_memsz &&
		    (p->p_flags & PF_X))
			entry_ok = 1;
	}
	if (h == 0 || !entry_ok)
		return -ENOEXEC;
	if (lo)
		*lo = l;
	if (hi)
		*hi = h;
	return 0;
}
