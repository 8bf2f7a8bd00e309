/* The local APIC: the periodic tick and end-of-interrupt (Intel SDM vol. 3A chapter 11). */
#ifndef KERNEL_DEV_LAPIC_H
#define KERNEL_DEV_LAPIC_H
#include <stdint.h>
void lapic_init(uint64_t phys);
void lapic_eoi(void);
uint32_t lapic_id(void);
/* Calibrates the timer against the PIT and starts a periodic tick at hz. */
void lapic_timer_start(unsigned hz);
#endif
