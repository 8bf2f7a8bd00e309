/* The local APIC: the timer and end-of-interrupt (Intel SDM vol. 3A chapter 11). */
#ifndef KERNEL_DEV_LAPIC_H
#define KERNEL_DEV_LAPIC_H
#include <stdint.h>
void lapic_init(uint64_t phys);
void lapic_eoi(void);
uint32_t lapic_id(void);
/* Calibrates the timer against the PIT and arms the first tick, 1/hz from now. */
void lapic_timer_start(unsigned hz);
/* One timer interrupt ns from now (one-shot mode; replaces any pending one). */
void lapic_timer_oneshot_ns(uint64_t ns);
#endif
