/* Leaving QEMU: ACPI power-off (exit status 0), reset, and the isa-debug-exit device. */
#ifndef KERNEL_DEV_POWER_H
#define KERNEL_DEV_POWER_H
_Noreturn void power_off(void);
_Noreturn void power_reset(void);
/* QEMU exits with (code << 1) | 1 when the isa-debug-exit device is present. */
void power_debug_exit(int code);
#endif
