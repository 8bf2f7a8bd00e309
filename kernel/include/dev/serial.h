/* The COM1 console (kernel/dev/serial.c). */
#ifndef KERNEL_DEV_SERIAL_H
#define KERNEL_DEV_SERIAL_H
#include <stddef.h>
void serial_init(void);
void serial_enable_irq(void);
void console_write_unlocked(const char *buf, size_t n);
void console_write_crlf(const char *buf, size_t n);
#endif
