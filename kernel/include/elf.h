/* ELF64 executables (System V gABI, x86-64 psABI): the parts the loader reads.
 *
 * elf_check validates a whole image held in memory: header, machine, type, and every
 * program header and PT_LOAD segment against the file size and the user half.  It is pure
 * (no kernel state), so the host unit tests run it on good and corrupt images. */
#ifndef KERNEL_ELF_H
#define KERNEL_ELF_H
#include <stddef.h>
#include <stdint.h>

#define ET_EXEC 2
#define ET_DYN  3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_INTERP 3
#define PF_X 1
#define PF_W 2
#define PF_R 4

struct elf64_ehdr {
	unsigned char e_ident[16];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint64_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

#define ELF_MAX_PHDRS 64

/* 0 if the image is a loadable static x86-64 executable whose segments lie below
 * user_top; else -ENOEXEC (or -EINVAL for a segment outside the user half).  On success
 * lo and hi receive the page-aligned span of the PT_LOAD segments. */
int elf_check(const void *img, size_t len, uint64_t user_top, uint64_t *lo, uint64_t *hi);
#endif
