/* The virtual address map.
 *
 *   0x0000000000000000 - 0x00007fffffffffff  user half: one per process (PML4 slots 0-255)
 *   0xffff800000000000 - +4 GiB               PHYSMAP: all physical memory and MMIO below
 *                                             4 GiB, 2 MiB pages, supervisor only (slot 256)
 *   0xffffffff80000000 - +1 GiB               KERNBASE: the kernel image, phys 0 - 1 GiB
 *                                             (slot 511), supervisor only
 * Slots 256-511 are shared by every address space; no kernel entry has the U bit, so ring 3
 * cannot reach them (Intel SDM vol. 3A 4.6). */
#ifndef KERNEL_ARCH_MEMLAYOUT_H
#define KERNEL_ARCH_MEMLAYOUT_H

#define KERNBASE      0xffffffff80000000UL
#define PHYSMAP       0xffff800000000000UL
#define PHYSMAP_SIZE  0x100000000UL          /* 4 GiB */
#define USER_TOP      0x0000800000000000UL   /* first address past the user half */
#define USER_STACK_TOP 0x00007ffffffff000UL  /* leave the top page unmapped */

#ifndef __ASSEMBLER__
#include <stdint.h>
#define P2V(pa) ((void *)((uint64_t)(pa) + PHYSMAP))
#define V2P(va) ((uint64_t)(va) >= KERNBASE ? (uint64_t)(va) - KERNBASE : (uint64_t)(va) - PHYSMAP)
#endif

#endif
