/* PCI enumeration and configuration access (dev/pci.h). */
#include "klib.h"
#include "sync.h"
#include "arch/memlayout.h"
#include "arch/x86.h"
#include "dev/pci.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA    0xcfc

static struct pci_dev devs[PCI_MAX_DEVS];
static int ndevs;
static struct spinlock pci_lock;

static uint32_t addr(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
	return 0x80000000u | ((uint32_t)bus << 16) | ((uint32_t)dev << 11) |
	       ((uint32_t)fn << 8) | (off & 0xfc);
}

static uint32_t raw_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
	spin_lock(&pci_lock);
	outl(CONFIG_ADDRESS, addr(bus, dev, fn, off));
	uint32_t v = inl(CONFIG_DATA);
	spin_unlock(&pci_lock);
	return v;
}

uint32_t pci_read32(const struct pci_dev *d, uint8_t off)
{
	return raw_read32(d->bus, d->dev, d->fn, off);
}

uint16_t pci_read16(const struct pci_dev *d, uint8_t off)
{
	return (uint16_t)(pci_read32(d, off) >> ((off & 2) * 8));
}

uint8_t pci_read8(const struct pci_dev *d, uint8_t off)
{
	return (uint8_t)(pci_read32(d, off) >> ((off & 3) * 8));
}

void pci_write32(const struct pci_dev *d, uint8_t off, uint32_t v)
{
	spin_lock(&pci_lock);
	outl(CONFIG_ADDRESS, addr(d->bus, d->dev, d->fn, off));
	outl(CONFIG_DATA, v);
	spin_unlock(&pci_lock);
}

void pci_write16(const struct pci_dev *d, uint8_t off, uint16_t v)
{
	spin_lock(&pci_lock);
	outl(CONFIG_ADDRESS, addr(d->bus, d->dev, d->fn, off));
	outw(CONFIG_DATA + (off & 2), v);
	spin_unlock(&pci_lock);
}

void pci_write8(const struct pci_dev *d, uint8_t off, uint8_t v)
{
	spin_lock(&pci_lock);
	outl(CONFIG_ADDRESS, addr(d->bus, d->dev, d->fn, off));
	outb(CONFIG_DATA + (off & 3), v);
	spin_unlock(&pci_lock);
}

const char *pci_class_name(uint8_t cls, uint8_t sub)
{
	switch (cls) {
	case 0x01:
		return sub == 0x01 ? "IDE interface" : sub == 0x06 ? "SATA controller" : "Storage controller";
	case 0x02:
		return sub == 0x00 ? "Ethernet controller" : "Network controller";
	case 0x03:
		return "VGA compatible controller";
	case 0x06:
		switch (sub) {
		case 0x00: return "Host bridge";
		case 0x01: return "ISA bridge";
		case 0x04: return "PCI bridge";
		case 0x80: return "Bridge";
		default: return "Bridge";
		}
	case 0x0c:
		return sub == 0x03 ? "USB controller" : sub == 0x05 ? "SMBus" : "Serial bus controller";
	default:
		return "Device";
	}
}

static void add(uint8_t bus, uint8_t dev, uint8_t fn)
{
	uint32_t id = raw_read32(bus, dev, fn, PCI_VENDOR_ID);
	if ((id & 0xffff) == 0xffff || ndevs >= PCI_MAX_DEVS)
		return;
	struct pci_dev *d = &devs[ndevs++];
	d->bus = bus;
	d->dev = dev;
	d->fn = fn;
	d->vendor = id & 0xffff;
	d->device = id >> 16;
	uint32_t cr = pci_read32(d, PCI_CLASS_REV);
	d->class_code = cr >> 24;
	d->subclass = (cr >> 16) & 0xff;
	d->prog_if = (cr >> 8) & 0xff;
	d->revision = cr & 0xff;
	d->header_type = pci_read8(d, PCI_HEADER_TYPE);
	d->irq_pin = pci_read8(d, PCI_INTERRUPT_PIN);
	d->irq_gsi = d->irq_pin ? pci_read8(d, PCI_INTERRUPT_LINE) : 0xff;
	kprintf("pci %02x:%02x.%x %s [%02x%02x]: %04x:%04x (rev %02x)", bus, dev, fn,
		pci_class_name(d->class_code, d->subclass), d->class_code, d->subclass,
		d->vendor, d->device, d->revision);
	if (d->irq_pin && d->irq_gsi != 0xff)
		kprintf(" INT%c -> IRQ %u", 'A' + d->irq_pin - 1, d->irq_gsi);
	kprintf("\n");
}

void pci_init(void)
{
	spin_init(&pci_lock, "pci");
	/* Brute force over every bus: cheap (a config read per slot) and needs no bridge
	 * programming knowledge. */
	for (int bus = 0; bus < 256; bus++) {
		for (int dev = 0; dev < 32; dev++) {
			uint32_t id = raw_read32(bus, dev, 0, PCI_VENDOR_ID);
			if ((id & 0xffff) == 0xffff)
				continue;
			add(bus, dev, 0);
			uint8_t ht = (uint8_t)(raw_read32(bus, dev, 0, 0x0c) >> 16);
			if (ht & 0x80)
				for (int fn = 1; fn < 8; fn++)
					add(bus, dev, fn);
		}
	}
}

int pci_count(void) { return ndevs; }
struct pci_dev *pci_get(int i) { return i >= 0 && i < ndevs ? &devs[i] : NULL; }

struct pci_dev *pci_find(uint16_t vendor, uint16_t device)
{
	for (int i = 0; i < ndevs; i++)
		if (devs[i].vendor == vendor && devs[i].device == device)
			return &devs[i];
	return NULL;
}

int pci_bar(const struct pci_dev *d, int i, struct pci_bar *out)
{
	if (i < 0 || i > 5 || (d->header_type & 0x7f) != 0)
		return -1;
	uint8_t off = PCI_BAR0 + 4 * i;
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	/* Sizing (PCI 3.0 6.2.5.1): decoding off, write all ones, read back the mask. */
	pci_write16(d, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEMORY));
	uint32_t orig = pci_read32(d, off);
	pci_write32(d, off, 0xffffffff);
	uint32_t mask = pci_read32(d, off);
	pci_write32(d, off, orig);
	memset(out, 0, sizeof *out);
	if (orig & 1) {
		out->is_io = 1;
		out->base = orig & ~3u;
		out->size = (~(mask & ~3u) + 1) & 0xffff;
	} else {
		out->is_64 = ((orig >> 1) & 3) == 2;
		out->prefetchable = (orig >> 3) & 1;
		uint64_t base = orig & ~0xfu, m = mask & ~0xfu;
		if (out->is_64 && i < 5) {
			uint32_t orig_hi = pci_read32(d, off + 4);
			pci_write32(d, off + 4, 0xffffffff);
			uint32_t mask_hi = pci_read32(d, off + 4);
			pci_write32(d, off + 4, orig_hi);
			base |= (uint64_t)orig_hi << 32;
			m |= (uint64_t)mask_hi << 32;
		} else {
			m |= 0xffffffff00000000ULL;
		}
		out->base = base;
		out->size = ~m + 1;
	}
	pci_write16(d, PCI_COMMAND, cmd);
	return mask == 0 || out->size == 0 ? -1 : 0;
}

void pci_enable(const struct pci_dev *d, uint16_t bits)
{
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) | bits);
}

void *pci_map_bar(const struct pci_bar *bar)
{
	if (bar->is_io || bar->base + bar->size > PHYSMAP_SIZE || bar->base < 0x100000)
		return NULL;
	return P2V(bar->base);
}
