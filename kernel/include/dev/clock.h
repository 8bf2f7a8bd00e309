/* Time: clock_ns() (sync.h) counts from boot with the TSC, calibrated against the PIT by
 * lapic_timer_start; wall-clock time is the CMOS RTC read once at boot plus clock_ns(). */
#ifndef KERNEL_DEV_CLOCK_H
#define KERNEL_DEV_CLOCK_H
#include <stdint.h>
void clock_init(void);                  /* after lapic_timer_start */
uint64_t clock_realtime_ns(void);       /* ns since 1970-01-01 UTC */
int64_t rtc_read_epoch(void);           /* seconds since the epoch from the CMOS RTC */
#endif
