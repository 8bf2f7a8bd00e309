/* What the firmware tables say about interrupt routing: the LAPIC address, the IOAPICs and,
 * per GSI, the trigger mode and polarity.  Filled from the ACPI MADT (dev/acpi.c) or, when
 * there is no ACPI, from the MP table (dev/mptable.c). */
#ifndef KERNEL_DEV_PLATFORM_H
#define KERNEL_DEV_PLATFORM_H
#include <stdint.h>

#define MAX_IOAPIC 4
#define MAX_GSI 24

/* MPS/ACPI INTI flags (ACPI 6.4 table 5.50): polarity bits 0-1, trigger bits 2-3. */
#define INTI_POLARITY_MASK 0x3
#define INTI_POLARITY_HIGH 0x1
#define INTI_POLARITY_LOW  0x3
#define INTI_TRIGGER_MASK  0xc
#define INTI_TRIGGER_EDGE  0x4
#define INTI_TRIGGER_LEVEL 0xc

struct ioapic_desc {
	uint8_t id;
	uint32_t addr;
	uint32_t gsi_base;
};

struct platform_info {
	const char *source;               /* "ACPI MADT", "MP table" or "defaults" */
	uint64_t lapic_addr;
	int nioapic;
	struct ioapic_desc ioapic[MAX_IOAPIC];
	uint32_t isa_to_gsi[16];
	uint16_t gsi_flags[MAX_GSI];      /* INTI flags; 0 = not described (bus default) */
	int ncpus;
};

extern struct platform_info platform;

/* INTI flags with "conforms to the bus" fields replaced by the bus's rule: ISA edge and
 * active high, PCI level and active low (MPS 1.4 table 4-10, PCI 3.0 2.2.6). */
static inline uint16_t inti_resolve(uint16_t flags, int pci)
{
	uint16_t pol = flags & INTI_POLARITY_MASK, trig = flags & INTI_TRIGGER_MASK;
	if (pol == 0)
		pol = pci ? INTI_POLARITY_LOW : INTI_POLARITY_HIGH;
	if (trig == 0)
		trig = pci ? INTI_TRIGGER_LEVEL : INTI_TRIGGER_EDGE;
	return (uint16_t)(pol | trig);
}

int acpi_parse(void);                 /* 0 when a MADT was found */
int mptable_parse(void);              /* 0 when an MP configuration table was found */
void platform_init(void);             /* ACPI, else MP table, else QEMU pc defaults */
void ioapic_init(void);
void ioapic_route(uint32_t gsi, uint8_t vector, int level, int active_low, int masked);
void pic_disable(void);
#endif
