/* Device interrupts: a handler per global system interrupt (GSI, an IOAPIC input).
 *
 * irq_register(gsi, fn, arg) programs the IOAPIC redirection entry for gsi with the trigger
 * mode and polarity the firmware tables give (ACPI MADT interrupt source overrides, or the MP
 * table's I/O interrupt entries; ISA defaults edge/high, PCI level/low) and unmasks it.  fn
 * runs with interrupts disabled; for a level-triggered line it must quiet the device before
 * returning (the EOI is sent after fn returns).  Returns 0, or -EINVAL / -EBUSY. */
#ifndef KERNEL_DEV_IRQ_H
#define KERNEL_DEV_IRQ_H
#include <stdint.h>

typedef void (*irq_handler_fn)(void *arg);
int irq_register(unsigned gsi, irq_handler_fn fn, void *arg);
void irq_unregister(unsigned gsi);
/* ISA IRQ n -> GSI, following the interrupt source overrides. */
unsigned irq_isa_to_gsi(unsigned isa_irq);

#endif
