/* PCI configuration space (PCI Local Bus Specification 3.0, 6.1; access mechanism #1 at
 * I/O 0xCF8/0xCFC, 3.2.2.3.2) and device discovery.
 *
 * pci_init enumerates every bus/device/function once at boot and prints an lspci-like line
 * per function.  Drivers then find their device with pci_find(vendor, device), read and write
 * its configuration registers, decode BARs (pci_bar) and turn on decoding and bus mastering
 * (pci_enable).  dev->irq_gsi is the interrupt line the firmware assigned (config 0x3C),
 * which on QEMU's pc machine is the IOAPIC input to pass to irq_register. */
#ifndef KERNEL_DEV_PCI_H
#define KERNEL_DEV_PCI_H
#include <stdint.h>

#define PCI_MAX_DEVS 64

#define PCI_VENDOR_ID   0x00
#define PCI_DEVICE_ID   0x02
#define PCI_COMMAND     0x04
#define PCI_STATUS      0x06
#define PCI_CLASS_REV   0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0        0x10
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN  0x3d
#define PCI_CMD_IO      0x0001
#define PCI_CMD_MEMORY  0x0002
#define PCI_CMD_MASTER  0x0004
#define PCI_CMD_INTX_DISABLE 0x0400

struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class_code, subclass, prog_if, revision;
	uint8_t header_type;
	uint8_t irq_pin;        /* 1-4 = INTA-INTD, 0 = none */
	uint8_t irq_gsi;        /* config 0x3C, 0xff = not connected */
};

struct pci_bar {
	uint64_t base;          /* physical (memory) or port (I/O) address */
	uint64_t size;
	int is_io, is_64, prefetchable;
};

void pci_init(void);
int pci_count(void);
struct pci_dev *pci_get(int i);
struct pci_dev *pci_find(uint16_t vendor, uint16_t device);

uint32_t pci_read32(const struct pci_dev *d, uint8_t off);
uint16_t pci_read16(const struct pci_dev *d, uint8_t off);
uint8_t pci_read8(const struct pci_dev *d, uint8_t off);
void pci_write32(const struct pci_dev *d, uint8_t off, uint32_t v);
void pci_write16(const struct pci_dev *d, uint8_t off, uint16_t v);
void pci_write8(const struct pci_dev *d, uint8_t off, uint8_t v);

/* Decode BAR i (sizing it by writing all ones, with decoding off meanwhile): 0, or -1 if
 * the BAR is not implemented. */
int pci_bar(const struct pci_dev *d, int i, struct pci_bar *out);
/* Set the command bits in `bits` (PCI_CMD_MEMORY | PCI_CMD_MASTER, for example). */
void pci_enable(const struct pci_dev *d, uint16_t bits);
/* Kernel virtual address of a memory BAR below 4 GiB (the PHYSMAP window, uncached), or
 * NULL. */
void *pci_map_bar(const struct pci_bar *bar);
/* Human-readable class name. */
const char *pci_class_name(uint8_t cls, uint8_t sub);
#endif
