/* The physical page allocator: one bit per 4 KiB frame (1 = in use or not RAM).
 *
 * pmm_init_region sets up the bitmap for frames [0, nframes) with every frame in use; boot
 * code then releases the usable RAM with pmm_release_range.  page_alloc/pages_alloc
 * (kalloc.h) hand out frames through their direct-map address (base + frame * 4096; PHYSMAP
 * in the kernel, an arena in the host unit tests). */
#ifndef KERNEL_MM_PMM_H
#define KERNEL_MM_PMM_H
#include <stddef.h>
#include <stdint.h>

void pmm_init_region(uint64_t *bitmap, uint64_t nframes, uintptr_t virt_base);
void pmm_release_range(uint64_t first_frame, uint64_t count);   /* boot: mark RAM free */
uint64_t pmm_free_pages(void);
uint64_t pmm_total_pages(void);
uint64_t pmm_virt_to_frame(const void *p);
void *pmm_frame_to_virt(uint64_t frame);
/* Boot: find RAM in the multiboot memory map and reserve the kernel, the boot structures and
 * the modules. */
void pmm_boot_init(uint32_t mbinfo_phys);
#endif
