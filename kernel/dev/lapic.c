/* The local APIC (Intel SDM vol. 3A chapter 11): software enable through the spurious vector
 * register, end-of-interrupt, and the timer in one-shot mode.  The timer's frequency is
 * unknown, so it is measured against the PIT (8254 channel 2, gated through port 0x61, mode 0,
 * which raises OUT2 at terminal count), and the TSC is measured in the same window for
 * clock_ns. */
#include "klib.h"
#include "arch/cpu.h"
#include "arch/memlayout.h"
#include "arch/x86.h"
#include "dev/lapic.h"

#define LAPIC_ID      0x020
#define LAPIC_TPR     0x080
#define LAPIC_EOI     0x0b0
#define LAPIC_SVR     0x0f0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3e0
#define LVT_MASKED   (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define PIT_HZ 1193182

static volatile uint32_t *lapic;
static uint64_t lapic_hz;
uint64_t tsc_per_sec;

static uint32_t rd(uint32_t reg) { return lapic[reg / 4]; }
static void wr(uint32_t reg, uint32_t v) { lapic[reg / 4] = v; (void)lapic[LAPIC_ID / 4]; }

void lapic_init(uint64_t phys)
{
	lapic = P2V(phys);
	wr(LAPIC_SVR, 0x100 | T_SPURIOUS);
	wr(LAPIC_TPR, 0);
	wr(LAPIC_LVT_LINT0, LVT_MASKED);
	wr(LAPIC_LVT_LINT1, LVT_MASKED);
	wr(LAPIC_LVT_ERROR, LVT_MASKED | 0xfe);
	wr(LAPIC_LVT_TIMER, LVT_MASKED);
	wr(LAPIC_EOI, 0);
}

uint32_t lapic_id(void)
{
	return lapic ? rd(LAPIC_ID) >> 24 : 0;
}

void lapic_eoi(void)
{
	if (lapic)
		wr(LAPIC_EOI, 0);
}

void lapic_timer_oneshot_ns(uint64_t ns)
{
	uint64_t count = (uint64_t)(((__uint128_t)ns * lapic_hz) / 1000000000ULL);
	if (count == 0)
		count = 1;
	if (count > 0xffffffffULL)
		count = 0xffffffffULL;
	/* The LVT is in one-shot mode since lapic_timer_start: writing the initial count
	 * starts the timer (SDM 3A 11.5.4).  One register write, so one trap to the
	 * hypervisor's APIC model per arming instead of two. */
	wr(LAPIC_TIMER_INIT, (uint32_t)count);
}

void lapic_timer_start(unsigned hz)
{
	const unsigned ms = 50;
	uint16_t count = (uint16_t)(PIT_HZ * ms / 1000);
	wr(LAPIC_TIMER_DIV, 0x3);            /* divide by 16 */
	wr(LAPIC_LVT_TIMER, LVT_MASKED);
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);   /* gate channel 2 on, speaker off */
	outb(0x43, 0xb0);                    /* channel 2, lobyte/hibyte, mode 0 */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	uint8_t g = inb(0x61) & ~0x01;
	outb(0x61, g);                       /* restart the count with a rising gate */
	outb(0x61, g | 0x01);
	wr(LAPIC_TIMER_INIT, 0xffffffff);
	uint64_t t0 = rdtsc();
	while (!(inb(0x61) & 0x20))
		;
	uint64_t t1 = rdtsc();
	uint32_t elapsed = 0xffffffff - rd(LAPIC_TIMER_CUR);
	wr(LAPIC_TIMER_INIT, 0);
	lapic_hz = (uint64_t)elapsed * 1000 / ms;
	tsc_per_sec = (t1 - t0) * 1000 / ms;
	if (lapic_hz < hz)
		lapic_hz = 1000000ULL * hz;      /* nonsense measurement: fall back to something */
	/* One-shot mode: the scheduler re-arms the timer for its next event, the end of the
	 * quantum or the earliest sleep deadline, whichever comes first (sched_tick). */
	wr(LAPIC_LVT_TIMER, T_LAPIC_TIMER);
	lapic_timer_oneshot_ns(1000000000ULL / hz);
	kprintf("lapic: id %u, timer %lu kHz (bus/16), tick %u Hz, one-shot; tsc %lu MHz\n", lapic_id(),
		lapic_hz / 1000, hz, tsc_per_sec / 1000000);
}
