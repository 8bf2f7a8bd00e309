/* Device interrupt registration and dispatch (dev/irq.h). */
#include "klib.h"
#include "sync.h"
#include "arch/cpu.h"
#include "dev/irq.h"
#include "dev/lapic.h"
#include "dev/platform.h"
#include <stos/errno.h>

struct irq_slot {
	irq_handler_fn fn;
	void *arg;
	uint64_t count;
};

static struct irq_slot slots[MAX_GSI];
uint64_t irq_unhandled;

unsigned irq_isa_to_gsi(unsigned isa_irq)
{
	return isa_irq < 16 ? platform.isa_to_gsi[isa_irq] : isa_irq;
}

/* Trigger mode and polarity: the table's flags, else the bus default (ISA: edge, active
 * high; PCI, GSI 16 and up on the PIIX: level, active low; PCI 2.3 2.2.6). */
static void gsi_mode(unsigned gsi, int *level, int *low)
{
	uint16_t f = platform.gsi_flags[gsi];
	int pci = gsi >= 16;
	switch (f & INTI_TRIGGER_MASK) {
	case INTI_TRIGGER_LEVEL: *level = 1; break;
	case INTI_TRIGGER_EDGE: *level = 0; break;
	default: *level = pci;
	}
	switch (f & INTI_POLARITY_MASK) {
	case INTI_POLARITY_LOW: *low = 1; break;
	case INTI_POLARITY_HIGH: *low = 0; break;
	default: *low = pci;
	}
}

int irq_register(unsigned gsi, irq_handler_fn fn, void *arg)
{
	if (gsi >= MAX_GSI || !fn)
		return -EINVAL;
	push_cli();
	if (slots[gsi].fn) {
		pop_cli();
		return -EBUSY;
	}
	slots[gsi].fn = fn;
	slots[gsi].arg = arg;
	int level, low;
	gsi_mode(gsi, &level, &low);
	ioapic_route(gsi, (uint8_t)(T_IRQ_BASE + gsi), level, low, 0);
	pop_cli();
	kprintf("irq: GSI %u -> vector %u (%s, active %s)\n", gsi, T_IRQ_BASE + gsi,
		level ? "level" : "edge", low ? "low" : "high");
	return 0;
}

void irq_unregister(unsigned gsi)
{
	if (gsi >= MAX_GSI)
		return;
	push_cli();
	ioapic_route(gsi, (uint8_t)(T_IRQ_BASE + gsi), 0, 0, 1);
	slots[gsi].fn = NULL;
	slots[gsi].arg = NULL;
	pop_cli();
}

void irq_dispatch(unsigned gsi)
{
	struct irq_slot *s = &slots[gsi];
	if (s->fn) {
		s->count++;
		s->fn(s->arg);
	} else {
		irq_unhandled++;
	}
	/* After the handler: for a level-triggered line the device has been quieted, so the
	 * EOI does not re-raise it at once. */
	lapic_eoi();
}

uint64_t irq_count(unsigned gsi)
{
	return gsi < MAX_GSI ? slots[gsi].count : 0;
}
