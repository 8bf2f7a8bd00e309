/* The I/O APIC(s) (82093AA datasheet, 3.2): redirection entries route each GSI to a vector
 * on the boot CPU.  Also masks the legacy 8259 PICs, after moving their vectors out of the
 * exception range so a spurious IRQ 7/15 cannot look like an exception. */
#include "klib.h"
#include "arch/memlayout.h"
#include "arch/x86.h"
#include "dev/platform.h"
#include "dev/lapic.h"

#define IOREGSEL 0x00
#define IOWIN    0x10
#define IOAPIC_VER 0x01
#define IOREDTBL(n) (0x10 + 2 * (n))
#define RTE_MASKED     (1u << 16)
#define RTE_LEVEL      (1u << 15)
#define RTE_ACTIVE_LOW (1u << 13)

struct platform_info platform;

static uint32_t rd(const struct ioapic_desc *d, uint32_t reg)
{
	volatile uint32_t *base = P2V(d->addr);
	base[IOREGSEL / 4] = reg;
	return base[IOWIN / 4];
}

static void wr(const struct ioapic_desc *d, uint32_t reg, uint32_t v)
{
	volatile uint32_t *base = P2V(d->addr);
	base[IOREGSEL / 4] = reg;
	base[IOWIN / 4] = v;
}

static int npins(const struct ioapic_desc *d)
{
	return (int)((rd(d, IOAPIC_VER) >> 16) & 0xff) + 1;
}

static const struct ioapic_desc *find(uint32_t gsi)
{
	for (int i = 0; i < platform.nioapic; i++) {
		const struct ioapic_desc *d = &platform.ioapic[i];
		if (gsi >= d->gsi_base && gsi < d->gsi_base + (uint32_t)npins(d))
			return d;
	}
	return NULL;
}

void ioapic_route(uint32_t gsi, uint8_t vector, int level, int active_low, int masked)
{
	const struct ioapic_desc *d = find(gsi);
	if (!d)
		return;
	uint32_t pin = gsi - d->gsi_base;
	uint32_t lo = vector | (level ? RTE_LEVEL : 0) | (active_low ? RTE_ACTIVE_LOW : 0) |
		      (masked ? RTE_MASKED : 0);
	wr(d, IOREDTBL(pin) + 1, lapic_id() << 24);   /* physical destination: this CPU */
	wr(d, IOREDTBL(pin), lo);
}

void ioapic_init(void)
{
	for (int i = 0; i < platform.nioapic; i++) {
		const struct ioapic_desc *d = &platform.ioapic[i];
		int n = npins(d);
		for (int pin = 0; pin < n; pin++)
			wr(d, IOREDTBL(pin), RTE_MASKED);
		kprintf("ioapic: id %u at %x, GSI %u-%u\n", d->id, d->addr, d->gsi_base,
			d->gsi_base + n - 1);
	}
}

void pic_disable(void)
{
	/* ICW1-ICW4 (8259A datasheet): remap master to 0xe0, slave to 0xe8, then mask all. */
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, 0xe0);
	outb(0xa1, 0xe8);
	outb(0x21, 4);
	outb(0xa1, 2);
	outb(0x21, 1);
	outb(0xa1, 1);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

void platform_init(void)
{
	for (int i = 0; i < 16; i++)
		platform.isa_to_gsi[i] = i;
	if (acpi_parse() == 0) {
		platform.source = "ACPI MADT";
	} else if (mptable_parse() == 0) {
		platform.source = "MP table";
	} else {
		/* QEMU pc defaults: one IOAPIC at its usual address. */
		platform.source = "defaults";
		platform.lapic_addr = 0xfee00000;
		platform.nioapic = 1;
		platform.ioapic[0] = (struct ioapic_desc){ 0, 0xfec00000, 0 };
	}
	if (platform.ncpus == 0)
		platform.ncpus = 1;
	kprintf("platform: interrupt routing from %s, lapic at %lx, %d cpu(s) (using 1)\n",
		platform.source, platform.lapic_addr, platform.ncpus);
	for (int i = 0; i < 16; i++) {
		uint32_t g = platform.isa_to_gsi[i];
		uint16_t f = g < MAX_GSI ? platform.gsi_flags[g] : 0;
		int level = (f & INTI_TRIGGER_MASK) == INTI_TRIGGER_LEVEL;
		int low = (f & INTI_POLARITY_MASK) == INTI_POLARITY_LOW;
		if (g != (uint32_t)i || level || low)
			kprintf("platform: ISA IRQ %d -> GSI %u%s%s\n", i, g, level ? " level" : "",
				low ? " active-low" : "");
	}
}
