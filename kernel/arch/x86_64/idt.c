/* The IDT: 256 interrupt gates to the stubs in trapentry.S (Intel SDM vol. 3A 6.14.1).
 * Interrupt gates clear IF on entry, so trap() starts with interrupts off. */
#include "klib.h"
#include "arch/cpu.h"

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t zero;
} __attribute__((packed));

static struct idt_gate idt[256];
extern const uint64_t vectors[256];

void idt_init(void)
{
	for (int i = 0; i < 256; i++) {
		uint64_t a = vectors[i];
		idt[i].off_lo = a & 0xffff;
		idt[i].sel = SEL_KCODE;
		idt[i].ist = i == 8 ? 1 : 0;   /* #DF on IST1 (gdt.c) */
		/* present, interrupt gate; DPL 3 only for the breakpoint so int3 works from user */
		idt[i].type = i == 3 ? 0xee : 0x8e;
		idt[i].off_mid = (a >> 16) & 0xffff;
		idt[i].off_hi = a >> 32;
		idt[i].zero = 0;
	}
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) d = { sizeof idt - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" :: "m"(d));
}
