/* Boot-time setup of the physical allocator from the multiboot memory map (Multiboot 0.6.96
 * section 3.3: type 1 = available RAM).  Everything below 1 MiB, the kernel image, the
 * multiboot structures and the modules (the initrd) stay reserved.  Only RAM below 4 GiB
 * (the PHYSMAP window) is used. */
#include "klib.h"
#include "kalloc.h"
#include "multiboot.h"
#include "arch/memlayout.h"
#include "mm/pmm.h"
#include "mm/vm.h"

extern char _kernel_end[];

struct range {
	uint64_t lo, hi;
};

static struct range reserved[16];
static int nreserved;

static void reserve(uint64_t lo, uint64_t hi)
{
	if (nreserved < (int)ARRAY_SIZE(reserved))
		reserved[nreserved++] = (struct range){ ALIGN_DOWN(lo, PAGE_SIZE), ALIGN_UP(hi, PAGE_SIZE) };
}

static int overlaps_reserved(uint64_t lo, uint64_t hi)
{
	for (int i = 0; i < nreserved; i++)
		if (lo < reserved[i].hi && reserved[i].lo < hi)
			return 1;
	return 0;
}

void pmm_boot_init(uint32_t mbinfo_phys)
{
	struct mb_info *mb = P2V(mbinfo_phys);
	if (!(mb->flags & MB_INFO_MMAP))
		panic("multiboot: no memory map");

	reserve(0, 0x100000);
	reserve(0x100000, V2P(_kernel_end));
	reserve(mbinfo_phys, mbinfo_phys + sizeof *mb);
	reserve(mb->mmap_addr, mb->mmap_addr + mb->mmap_length);
	if (mb->flags & MB_INFO_CMDLINE)
		reserve(mb->cmdline, mb->cmdline + 4096);
	if (mb->flags & MB_INFO_MODS) {
		struct mb_module *mods = P2V(mb->mods_addr);
		reserve(mb->mods_addr, mb->mods_addr + mb->mods_count * sizeof *mods);
		for (uint32_t i = 0; i < mb->mods_count && i < 8; i++) {
			reserve(mods[i].mod_start, mods[i].mod_end);
			if (mods[i].string)
				reserve(mods[i].string, mods[i].string + 256);
		}
	}

	/* Highest usable address bounds the bitmap. */
	uint64_t top = 0;
	uint8_t *p = P2V(mb->mmap_addr), *end = p + mb->mmap_length;
	for (; p < end; p += ((struct mb_mmap_entry *)p)->size + 4) {
		struct mb_mmap_entry *e = (struct mb_mmap_entry *)p;
		if (e->type == 1 && e->addr + e->len > top)
			top = e->addr + e->len;
	}
	if (top > PHYSMAP_SIZE)
		top = PHYSMAP_SIZE;
	uint64_t nframes = top / PAGE_SIZE;
	uint64_t bm_bytes = ALIGN_UP((nframes + 63) / 64 * 8, PAGE_SIZE);

	/* The bitmap goes in the first usable RAM that is not reserved. */
	uint64_t bm_phys = 0;
	for (p = P2V(mb->mmap_addr); p < end && !bm_phys; p += ((struct mb_mmap_entry *)p)->size + 4) {
		struct mb_mmap_entry *e = (struct mb_mmap_entry *)p;
		if (e->type != 1)
			continue;
		for (uint64_t a = ALIGN_UP(e->addr, PAGE_SIZE); a + bm_bytes <= e->addr + e->len &&
		     a + bm_bytes <= top; a += PAGE_SIZE) {
			if (!overlaps_reserved(a, a + bm_bytes)) {
				bm_phys = a;
				break;
			}
		}
	}
	if (!bm_phys)
		panic("pmm: no room for the page bitmap");
	reserve(bm_phys, bm_phys + bm_bytes);
	pmm_init_region(P2V(bm_phys), nframes, PHYSMAP);

	for (p = P2V(mb->mmap_addr); p < end; p += ((struct mb_mmap_entry *)p)->size + 4) {
		struct mb_mmap_entry *e = (struct mb_mmap_entry *)p;
		if (e->type != 1)
			continue;
		for (uint64_t a = ALIGN_UP(e->addr, PAGE_SIZE); a + PAGE_SIZE <= e->addr + e->len &&
		     a + PAGE_SIZE <= top; a += PAGE_SIZE)
			if (!overlaps_reserved(a, a + PAGE_SIZE))
				pmm_release_range(a / PAGE_SIZE, 1);
	}
	vm_physmap_split(top);
	kprintf("mem: %lu KiB usable RAM, %lu pages free\n",
		pmm_total_pages() * 4, pmm_free_pages());
}
