/* Power off and reset on QEMU's `pc` machine.
 * Power off: the PIIX4 PM device's PM1a control block is at I/O 0x604 on QEMU's pc machine
 * (SeaBIOS places it there, and the ACPI FADT says so); writing SLP_TYP = 0 with SLP_EN
 * (bit 13) enters S5 (ACPI 6.4 4.8.3.2.1), and QEMU exits with status 0.
 * Reset: pulse the CPU reset line through the 8042 keyboard controller (command 0xFE); with
 * -no-reboot QEMU exits instead of rebooting. */
#include "klib.h"
#include "arch/x86.h"
#include "dev/power.h"

#define PM1A_CNT   0x604
#define PM1_SLP_EN 0x2000
#define DEBUG_EXIT_PORT 0xf4

void power_debug_exit(int code)
{
	outl(DEBUG_EXIT_PORT, (uint32_t)code);
}

_Noreturn void power_off(void)
{
	cli();
	outw(PM1A_CNT, PM1_SLP_EN);
	/* QEMU acts on the request from its main loop, a moment later; give it time before
	 * falling back to the debug-exit device (not QEMU's pc machine?). */
	for (int i = 0; i < 2000000; i++)
		inb(0x80);
	power_debug_exit(0);
	for (;;)
		hlt();
}

_Noreturn void power_reset(void)
{
	cli();
	for (int i = 0; i < 100000 && (inb(0x64) & 2); i++)
		;
	outb(0x64, 0xfe);
	for (;;)
		hlt();
}
