/* COM1 (16550 UART at I/O 0x3F8): the console.  Output is polled (the transmitter is fast
 * under QEMU); input is interrupt driven and goes to the tty (tty_input_char).  Register
 * layout: PC16550D datasheet, section 8. */
#include "klib.h"
#include "sync.h"
#include "arch/x86.h"
#include "dev/serial.h"
#include "dev/irq.h"
#include "fsglue.h"
#include "arch/cpu.h"

#define COM1 0x3f8
#define UART_DATA 0
#define UART_IER  1
#define UART_IIR  2
#define UART_FCR  2
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5
#define LSR_DR    0x01
#define LSR_THRE  0x20

static struct spinlock console_lock;
static int serial_present;
uint64_t serial_rx_count;

void serial_init(void)
{
	spin_init(&console_lock, "console");
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, 0x80);          /* DLAB to set the divisor */
	outb(COM1 + UART_DATA, 1);            /* 115200 baud */
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, 0x03);          /* 8N1 */
	/* FIFOs off (16450 mode): turning them on would empty the receive buffer, and a
	 * byte of piped input may already wait there; QEMU holds the rest back meanwhile. */
	outb(COM1 + UART_FCR, 0);
	outb(COM1 + UART_MCR, 0x0b);          /* DTR, RTS, OUT2 (gates the IRQ line) */
	serial_present = inb(COM1 + UART_LSR) != 0xff;
}

static void serial_putc(char c)
{
	if (!serial_present)
		return;
	for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
		;
	outb(COM1 + UART_DATA, (uint8_t)c);
}

/* Bytes as they are: the tty does its own "\n" -> "\r\n" (OPOST|ONLCR). */
void console_write(const char *buf, size_t n)
{
	spin_lock(&console_lock);
	for (size_t i = 0; i < n; i++)
		serial_putc(buf[i]);
	spin_unlock(&console_lock);
}

static void put_crlf(const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n')
			serial_putc('\r');
		serial_putc(buf[i]);
	}
}

/* Kernel messages (kprintf): "\n" becomes "\r\n" for the terminal. */
void console_write_crlf(const char *buf, size_t n)
{
	spin_lock(&console_lock);
	put_crlf(buf, n);
	spin_unlock(&console_lock);
}

/* Used by panic: no lock, since the panicking code may hold it. */
void console_write_unlocked(const char *buf, size_t n)
{
	put_crlf(buf, n);
}

static void serial_irq(void *arg)
{
	(void)arg;
	(void)inb(COM1 + UART_IIR);
	while (inb(COM1 + UART_LSR) & LSR_DR) {
		int c = inb(COM1 + UART_DATA);
		serial_rx_count++;
		tty_input_char(c);
	}
}

void serial_enable_irq(void)
{
	irq_register(irq_isa_to_gsi(4), serial_irq, NULL);
	outb(COM1 + UART_IER, 0x01);          /* received-data-available interrupt */
	/* Input that arrived before the IOAPIC entry was unmasked holds the (edge-triggered)
	 * line high with no edge left to see: drain it so the next byte makes a new edge. */
	push_cli();
	serial_irq(NULL);
	pop_cli();
}
