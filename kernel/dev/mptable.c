/* The Intel MultiProcessor Specification 1.4 tables, the fallback when there is no ACPI:
 * the floating pointer "_MP_" (4.1: EBDA first KiB, last KiB of base memory, BIOS ROM
 * 0xF0000-0xFFFFF), its configuration table (4.2) with processor (type 0), bus (1),
 * I/O APIC (2) and I/O interrupt assignment (3) entries. */
#include "klib.h"
#include "arch/memlayout.h"
#include "dev/platform.h"

struct mp_float {
	char sig[4];
	uint32_t config;
	uint8_t length, rev, checksum, feature[5];
} __attribute__((packed));

struct mp_config {
	char sig[4];
	uint16_t length;
	uint8_t rev, checksum;
	char oem[8], product[12];
	uint32_t oem_table;
	uint16_t oem_size, count;
	uint32_t lapic;
	uint16_t ext_length;
	uint8_t ext_checksum, reserved;
} __attribute__((packed));

static int sum_ok(const void *p, size_t n)
{
	uint8_t s = 0;
	for (size_t i = 0; i < n; i++)
		s += ((const uint8_t *)p)[i];
	return s == 0;
}

static const struct mp_float *scan(uint64_t lo, uint64_t hi)
{
	for (uint64_t a = lo; a + sizeof(struct mp_float) <= hi; a += 16) {
		const struct mp_float *f = P2V(a);
		if (memcmp(f->sig, "_MP_", 4) == 0 && f->length == 1 && sum_ok(f, 16))
			return f;
	}
	return NULL;
}

int mptable_parse(void)
{
	uint64_t ebda = (uint64_t)*(const uint16_t *)P2V(0x40e) << 4;
	uint64_t basemem = (uint64_t)*(const uint16_t *)P2V(0x413) * 1024;
	const struct mp_float *f = NULL;
	if (ebda >= 0x80000 && ebda < 0xa0000)
		f = scan(ebda, ebda + 1024);
	if (!f && basemem >= 1024 && basemem <= 0xa0000)
		f = scan(basemem - 1024, basemem);
	if (!f)
		f = scan(0xf0000, 0x100000);
	if (!f || !f->config || (uint64_t)f->config + sizeof(struct mp_config) > PHYSMAP_SIZE - 1)
		return -1;
	const struct mp_config *c = P2V(f->config);
	if (memcmp(c->sig, "PCMP", 4) || c->length < sizeof *c || !sum_ok(c, c->length))
		return -1;
	platform.lapic_addr = c->lapic;
	int isa_bus[32] = { 0 }, pci_bus[32] = { 0 }, pin_from_pci[MAX_GSI] = { 0 };
	const uint8_t *p = (const uint8_t *)(c + 1), *end = (const uint8_t *)c + c->length;
	for (int i = 0; i < c->count && p < end; i++) {
		switch (p[0]) {
		case 0:   /* processor, 20 bytes; cpu flags bit 0 = enabled */
			if (p + 20 > end)
				return -1;
			if (p[3] & 1)
				platform.ncpus++;
			p += 20;
			break;
		case 1:   /* bus, 8 bytes: id, type string */
			if (p + 8 > end)
				return -1;
			if (p[1] < 32 && memcmp(p + 2, "ISA", 3) == 0)
				isa_bus[p[1]] = 1;
			if (p[1] < 32 && memcmp(p + 2, "PCI", 3) == 0)
				pci_bus[p[1]] = 1;
			p += 8;
			break;
		case 2:   /* I/O APIC, 8 bytes; flags bit 0 = usable */
			if (p + 8 > end)
				return -1;
			if ((p[3] & 1) && platform.nioapic < MAX_IOAPIC) {
				struct ioapic_desc *d = &platform.ioapic[platform.nioapic++];
				d->id = p[1];
				memcpy(&d->addr, p + 4, 4);
				d->gsi_base = 0;   /* MP tables name pins per IOAPIC; one IOAPIC here */
			}
			p += 8;
			break;
		case 3:   /* I/O interrupt: type, flags, src bus, src irq, dst apic, dst pin */
		case 4: { /* local interrupt, same layout */
			if (p + 8 > end)
				return -1;
			if (p[0] == 3 && p[1] == 0) {   /* INT (vectored) */
				uint16_t flags;
				memcpy(&flags, p + 2, 2);
				uint8_t bus = p[4], irq = p[5], pin = p[7];
				int pci = bus < 32 && pci_bus[bus];
				if (bus < 32 && isa_bus[bus] && irq < 16)
					platform.isa_to_gsi[irq] = pin;
				/* A PCI line shared with an ISA entry is level-triggered: the PCI
				 * entry wins. */
				if (pin < MAX_GSI && (pci || !pin_from_pci[pin])) {
					platform.gsi_flags[pin] = inti_resolve(flags, pci);
					pin_from_pci[pin] |= pci;
				}
			}
			p += 8;
			break;
		}
		default:
			return platform.nioapic ? 0 : -1;   /* unknown entry: stop, keep what we have */
		}
	}
	return platform.nioapic ? 0 : -1;
}
