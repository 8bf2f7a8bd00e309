/* Monotonic and wall-clock time (dev/clock.h). */
#include "klib.h"
#include "sync.h"
#include "arch/x86.h"
#include "dev/clock.h"

extern uint64_t tsc_per_sec;
static uint64_t tsc_boot, ns_mult;    /* ns = (tsc delta * ns_mult) >> 32 */
static uint64_t realtime_boot_ns;

void clock_init(void)
{
	tsc_boot = rdtsc();
	if (tsc_per_sec == 0)
		tsc_per_sec = 1000000000;
	ns_mult = (uint64_t)(((__uint128_t)1000000000 << 32) / tsc_per_sec);
	int64_t epoch = rtc_read_epoch();
	realtime_boot_ns = epoch > 0 ? (uint64_t)epoch * 1000000000ULL : 0;
	kprintf("clock: RTC says %ld s since the epoch\n", (long)epoch);
}

uint64_t clock_ns(void)
{
	if (!ns_mult)
		return 0;
	return (uint64_t)(((__uint128_t)(rdtsc() - tsc_boot) * ns_mult) >> 32);
}

uint64_t clock_realtime_ns(void)
{
	return realtime_boot_ns + clock_ns();
}

/* CMOS RTC (MC146818A datasheet): registers 0 sec, 2 min, 4 hour, 7 day, 8 month, 9 year,
 * 0x32 century (the common extension), 0x0A bit 7 update in progress, 0x0B bit 2 binary
 * mode, bit 1 24-hour mode. */
static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static int bcd(int v) { return (v & 0x0f) + (v >> 4) * 10; }

static int64_t days_from_civil(int64_t y, int m, int d)
{
	/* Days since 1970-01-01 of a proleptic Gregorian date (the usual era computation). */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t rtc_read_epoch(void)
{
	for (int i = 0; i < 1000000 && (cmos(0x0a) & 0x80); i++)
		;
	int sec = cmos(0x00), min = cmos(0x02), hour = cmos(0x04);
	int day = cmos(0x07), mon = cmos(0x08), year = cmos(0x09), cent = cmos(0x32);
	uint8_t b = cmos(0x0b);
	int pm = hour & 0x80;
	hour &= 0x7f;
	if (!(b & 0x04)) {
		sec = bcd(sec), min = bcd(min), hour = bcd(hour);
		day = bcd(day), mon = bcd(mon), year = bcd(year), cent = bcd(cent);
	}
	if (!(b & 0x02) && pm)
		hour = (hour % 12) + 12;
	int full = (cent >= 19 && cent <= 21 ? cent : 20) * 100 + year;
	if (mon < 1 || mon > 12 || day < 1 || day > 31)
		return 0;
	return days_from_civil(full, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
}
