/* ACPI table discovery, enough for interrupt routing: find the RSDP (ACPI 6.4 5.2.5.1: the
 * first KiB of the EBDA, then 0xE0000-0xFFFFF on 16-byte boundaries), walk the RSDT/XSDT to
 * the MADT ("APIC", 5.2.12) and record the LAPIC address, the IOAPICs and the interrupt
 * source overrides.  Every table is checksummed and length-checked before use. */
#include "klib.h"
#include "arch/memlayout.h"
#include "dev/platform.h"

struct sdt_header {
	char sig[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem[6], oem_table[8];
	uint32_t oem_rev, creator, creator_rev;
} __attribute__((packed));

struct rsdp {
	char sig[8];
	uint8_t checksum;
	char oem[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t xchecksum, reserved[3];
} __attribute__((packed));

static int sum_ok(const void *p, size_t n)
{
	uint8_t s = 0;
	for (size_t i = 0; i < n; i++)
		s += ((const uint8_t *)p)[i];
	return s == 0;
}

static const struct rsdp *scan(uint64_t lo, uint64_t hi)
{
	for (uint64_t a = lo; a + sizeof(struct rsdp) <= hi; a += 16) {
		const struct rsdp *r = P2V(a);
		if (memcmp(r->sig, "RSD PTR ", 8) == 0 && sum_ok(r, 20))
			return r;
	}
	return NULL;
}

static const struct sdt_header *table_at(uint64_t phys)
{
	if (phys == 0 || phys >= PHYSMAP_SIZE - sizeof(struct sdt_header))
		return NULL;
	const struct sdt_header *h = P2V(phys);
	if (h->length < sizeof *h || h->length > (1u << 20) || !sum_ok(h, h->length))
		return NULL;
	return h;
}

static const struct sdt_header *find_table(const struct rsdp *r, const char *sig)
{
	int x = r->revision >= 2 && r->xsdt && r->xsdt < PHYSMAP_SIZE;
	const struct sdt_header *root = table_at(x ? r->xsdt : r->rsdt);
	if (!root)
		return NULL;
	size_t esz = x ? 8 : 4, n = (root->length - sizeof *root) / esz;
	const uint8_t *ents = (const uint8_t *)(root + 1);
	for (size_t i = 0; i < n; i++) {
		uint64_t a = 0;
		memcpy(&a, ents + i * esz, esz);
		const struct sdt_header *h = table_at(a);
		if (h && memcmp(h->sig, sig, 4) == 0)
			return h;
	}
	return NULL;
}

int acpi_parse(void)
{
	uint64_t ebda = (uint64_t)*(const uint16_t *)P2V(0x40e) << 4;
	const struct rsdp *r = NULL;
	if (ebda >= 0x80000 && ebda < 0xa0000)
		r = scan(ebda, ebda + 1024);
	if (!r)
		r = scan(0xe0000, 0x100000);
	if (!r)
		return -1;
	const struct sdt_header *madt = find_table(r, "APIC");
	if (!madt || madt->length < sizeof *madt + 8)
		return -1;
	const uint8_t *p = (const uint8_t *)madt + sizeof *madt;
	const uint8_t *end = (const uint8_t *)madt + madt->length;
	uint32_t lapic;
	memcpy(&lapic, p, 4);
	platform.lapic_addr = lapic;
	for (p += 8; p + 2 <= end && p[1] >= 2 && p + p[1] <= end; p += p[1]) {
		switch (p[0]) {
		case 0:   /* processor local APIC; flags bit 0 = enabled */
			if (p[1] >= 8 && (p[4] & 1))
				platform.ncpus++;
			break;
		case 1:   /* I/O APIC */
			if (p[1] >= 12 && platform.nioapic < MAX_IOAPIC) {
				struct ioapic_desc *d = &platform.ioapic[platform.nioapic++];
				d->id = p[2];
				memcpy(&d->addr, p + 4, 4);
				memcpy(&d->gsi_base, p + 8, 4);
			}
			break;
		case 2: { /* interrupt source override: bus 0 (ISA) irq -> gsi, flags */
			if (p[1] < 10)
				break;
			uint32_t gsi;
			uint16_t flags;
			memcpy(&gsi, p + 4, 4);
			memcpy(&flags, p + 8, 2);
			if (p[3] < 16)
				platform.isa_to_gsi[p[3]] = gsi;
			if (gsi < MAX_GSI)
				platform.gsi_flags[gsi] = inti_resolve(flags, 0);   /* overrides are ISA */
			break;
		}
		case 5:   /* 64-bit LAPIC address override */
			if (p[1] >= 12)
				memcpy(&platform.lapic_addr, p + 4, 8);
			break;
		default:
			break;
		}
	}
	return platform.nioapic ? 0 : -1;
}
