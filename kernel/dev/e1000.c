/* The e1000 kernel attachment: PCI probe, BAR0 mapping, the interrupt line, and the ifnet
 * that joins the portable driver core (e1000_hw.c, e1000_rx.c, e1000_tx.c) to the stack.
 *
 * Probe: every PCI function 8086:100E (82540EM, QEMU's "e1000"), 8086:100F (82545EM) or
 * 8086:100C (82544GC) becomes eth0, eth1, ... in bus order.  Bus mastering is turned on
 * (SeaBIOS leaves it off, and without it QEMU neither receives nor sends), BAR0 is the
 * 128 KiB register window (the I/O BAR is not used), and the interrupt is the IOAPIC pin in
 * config register 0x3C, level-triggered (irq_register takes the mode from the firmware
 * tables).  NICs on the same pin share one handler.
 *
 * Work split: the interrupt handler only reads ICR (which deasserts the line), masks the NIC
 * and kicks the netisr thread; K's irq layer sends the EOI after it returns.  The netisr
 * thread runs e1000_kpoll: a walk of the receive ring (up to E1000_RX_BUDGET frames), the
 * frames straight to ether_input under one net lock, transmit reclaim and restart, link
 * changes, then unmasks.  if_start (net lock held) fills the transmit ring from if_snd and
 * rings the doorbell once per batch (once per receive batch for what the stack sends while
 * it handles the batch).
 *
 * On QEMU's model (PCI subsystem vendor 1af4) RCTL is written once, right after the PCI scan
 * (e1000_rctl_early), with unicast and multicast promiscuous on and the filter in software,
 * and the statistics registers QEMU keeps on read are differenced (e1000_var.h).
 */
#include "klib.h"
#include "kalloc.h"
#include "sync.h"
#include "knet.h"
#include "arch/memlayout.h"
#include "dev/pci.h"
#include "dev/irq.h"
#include "dev/e1000_var.h"
#include <stos/errno.h>
#include "../../net/netstack.h"
#include "../../net/if_ether.h"

#define E1000_RX_BUDGET 128u
#define E1000_MAX_NICS  8

struct e1000_kdev {
	struct e1000_softc sc;
	struct pci_dev *pci;
	volatile uint32_t *regs;
	unsigned gsi;
	struct netstack *ns;
	struct ifnet *ifp;
	struct mbuf *tx_held;       /* a frame the full ring refused, sent first next time */
	struct mbuf *rxq_head, *rxq_tail;   /* frames from one ring walk, for ether_input */
	bool tx_defer;              /* in the receive batch: one TDT write at its end */
	struct knet_driver drv;
	struct e1000_kdev *next;
	char grp_drv[24], grp_hw[24];   /* statistics group names */
	uint64_t mpc_reported;
	uint64_t mpc_report_ns;
};

static struct e1000_kdev *e1000_devs;

/* `netstat -s` groups: the driver's counters and the device's statistics registers. */
#define E1000_DESC(name, desc) { #name, desc },
#define E1000_HWDESC(name, reg, desc) { #name, desc },
static const struct net_statdesc e1000_drv_desc[] = { E1000_DRVSTAT_LIST(E1000_DESC) };
static const struct net_statdesc e1000_hw_desc[] = {
	E1000_HWSTAT_LIST(E1000_HWDESC)
	{ "gorc", "good octets received" },
	{ "gotc", "good octets transmitted" },
};
_Static_assert(sizeof(e1000_hw_desc) / sizeof(e1000_hw_desc[0]) * sizeof(uint64_t) ==
    sizeof(struct e1000_hwstats), "one description per hardware counter");
_Static_assert(sizeof(e1000_drv_desc) / sizeof(e1000_drv_desc[0]) * sizeof(uint64_t) ==
    sizeof(struct e1000_drvstats), "one description per driver counter");
static bool e1000_gsi_hooked[32];

static uint32_t k_rd(void *ctx, uint32_t reg)
{
	struct e1000_kdev *d = ctx;
	return d->regs[reg / 4];
}

/* A TDT write is timed: QEMU's e1000 transmits what the ring holds before the write
 * returns, and its TAP backend hands each frame to the host's network stack, which handles
 * it (a TCP peer's ACK processing and its next segments included) in the same system call;
 * tx_commit_ns is that time (bench/README.md). */
static void k_wr(void *ctx, uint32_t reg, uint32_t v)
{
	struct e1000_kdev *d = ctx;
	if (reg == E1000_TDT) {
		uint64_t t0 = clock_ns();
		d->regs[reg / 4] = v;
		d->sc.st.tx_commit_ns += clock_ns() - t0;
		d->sc.st.tx_commits++;
		return;
	}
	d->regs[reg / 4] = v;
}

static void *k_dma_alloc(void *ctx, size_t len, uint64_t *pa)
{
	(void)ctx;
	size_t pages = (len + PAGE_SIZE - 1) / PAGE_SIZE;
	void *p = pages_alloc(pages);
	if (!p)
		return NULL;
	memset(p, 0, pages * PAGE_SIZE);
	*pa = V2P(p);
	return p;
}

static void k_dma_free(void *ctx, void *va, size_t len)
{
	(void)ctx;
	pages_free(va, (len + PAGE_SIZE - 1) / PAGE_SIZE);
}

/* Kernel memory (heap and image) is linearly mapped, so a buffer contiguous in virtual
 * memory is contiguous in physical memory too. */
static uint64_t k_dma_addr(void *ctx, const void *va)
{
	(void)ctx;
	return V2P(va);
}

static void k_delay(void *ctx, unsigned us)
{
	(void)ctx;
	uint64_t end = clock_ns() + (uint64_t)us * 1000u;
	while (clock_ns() < end)
		__asm__ volatile("pause");
}

static const struct e1000_ops e1000_kops = {
	.rd = k_rd, .wr = k_wr, .dma_alloc = k_dma_alloc, .dma_free = k_dma_free,
	.dma_addr = k_dma_addr, .delay_us = k_delay,
};

/* Interrupt context: every NIC on this pin looks at its ICR; the thread does the rest. */
static void e1000_irq(void *arg)
{
	unsigned gsi = (unsigned)(uintptr_t)arg;
	bool ours = false;
	for (struct e1000_kdev *d = e1000_devs; d; d = d->next)
		if (d->gsi == gsi && e1000_intr(&d->sc))
			ours = true;
	if (ours)
		knet_kick();
}

/* The ring walk collects its frames (linked by m_nextpkt); e1000_kpoll hands them to the
 * stack as one batch. */
static void e1000_rx_deliver(void *arg, struct mbuf *m)
{
	struct e1000_kdev *d = arg;
	m->m_nextpkt = NULL;
	if (d->rxq_tail)
		d->rxq_tail->m_nextpkt = m;
	else
		d->rxq_head = m;
	d->rxq_tail = m;
}

/* Puts one frame on the transmit ring (consumed: sent, or dropped and counted), or keeps it
 * in tx_held when the ring is full: false then.  Net lock held. */
static bool e1000_put(struct e1000_kdev *d, struct mbuf *m)
{
	struct ifnet *ifp = d->ifp;
	/* Checksum and TSO work the stack left to the device (if_hwassist). */
	struct e1000_txoff o;
	int rc = e1000_txoff_request(m, &o);
	if (rc) {
		d->sc.st.tx_bad++;
		ifp->if_c.oerrors++;
		m_freem(m);
		return true;
	}
	rc = e1000_encap(&d->sc, m, o.flags ? &o : NULL);
	if (rc == -ENOSPC) {
		d->tx_held = m;
		return false;
	}
	if (rc)
		ifp->if_c.oerrors++;
	return true;
}

/* if_start: net lock held. */
static void e1000_start(struct ifnet *ifp)
{
	struct e1000_kdev *d = ifp->if_softc;
	for (;;) {
		struct mbuf *m = d->tx_held;
		d->tx_held = NULL;
		if (!m)
			m = if_dequeue(ifp);
		if (!m || !e1000_put(d, m))
			break;
	}
	if (!d->tx_defer)
		e1000_tx_commit(&d->sc);
}

/* if_start1 (if.h): a frame that would be alone in the send queue goes to the ring at once,
 * unless an earlier one waits for room (order is kept).  Net lock held. */
static bool e1000_start1(struct ifnet *ifp, struct mbuf *m)
{
	struct e1000_kdev *d = ifp->if_softc;
	if (d->tx_held)
		return false;
	e1000_put(d, m);
	if (!d->tx_defer)
		e1000_tx_commit(&d->sc);
	return true;
}

static void e1000_flags_changed(struct ifnet *ifp)
{
	struct e1000_kdev *d = ifp->if_softc;
	e1000_set_rxmode(&d->sc, (ifp->if_flags & IFF_PROMISC) != 0,
	    (ifp->if_flags & IFF_ALLMULTI) != 0);
	if (!d->sc.link_up)
		ifp->if_flags &= ~(uint32_t)IFF_RUNNING;
}

static void e1000_link_report(struct e1000_kdev *d)
{
	if (d->sc.link_up) {
		kprintf("%s: link up, %u Mb/s\n", d->sc.name, d->sc.link_speed);
		if (d->ifp->if_flags & IFF_UP)
			d->ifp->if_flags |= IFF_RUNNING;
	} else {
		kprintf("%s: link down\n", d->sc.name);
		d->ifp->if_flags &= ~(uint32_t)IFF_RUNNING;
	}
}

/* The netisr thread's work for one NIC; true when the receive budget ran out.
 *
 * The received frames go straight to ether_input, under one net lock for the whole walk:
 * this already is the netisr thread, so putting each frame on the interface input queue
 * (if_input: the queue's spinlock, and a netisr kick that walks the thread list) only for
 * netisr_run to take it off again a moment later costs two lock round trips and a wakeup per
 * frame for nothing.  What the stack sends meanwhile (ACKs, replies) goes on the transmit
 * ring with one TDT write at the end of the batch instead of one per frame: each TDT write
 * is an exit to QEMU's device model, which then transmits every descriptor up to the tail. */
static bool e1000_kpoll(void *arg)
{
	struct e1000_kdev *d = arg;
	uint32_t causes = e1000_intr_take(&d->sc);
	uint64_t t0 = clock_ns();
	unsigned n = e1000_rxeof(&d->sc, E1000_RX_BUDGET);
	uint64_t t1 = clock_ns();
	d->sc.st.rx_ring_ns += t1 - t0;
	/* Transmit reclaim needs the net lock; skip it when nothing is outstanding (a later
	 * TXDW interrupt brings the thread back for frames queued meanwhile). */
	bool txwork = d->sc.tx_clean != d->sc.tx_next || d->tx_held || (causes & E1000_ICR_LSC);
	if (d->rxq_head || txwork) {
		NET_LOCK(d->ns);
		struct mbuf *m = d->rxq_head;
		d->rxq_head = d->rxq_tail = NULL;
		d->tx_defer = true;
		net_batch_begin(d->ns);
		while (m) {
			struct mbuf *next = m->m_nextpkt;
			m->m_nextpkt = NULL;
			ether_input(d->ifp, m);
			m = next;
		}
		net_batch_end(d->ns);       /* TCP's deferred output joins the one TDT write */
		d->tx_defer = false;
		if (e1000_txeof(&d->sc) || d->tx_held)
			e1000_start(d->ifp);
		else
			e1000_tx_commit(&d->sc);
		if ((causes & E1000_ICR_LSC) && e1000_link_update(&d->sc))
			e1000_link_report(d);
		NET_UNLOCK(d->ns);
		if (n)
			d->sc.st.rx_stack_ns += clock_ns() - t1;
	}
	if (n >= E1000_RX_BUDGET)
		return true;            /* stay masked: the thread comes straight back */
	e1000_intr_unmask(&d->sc);
	return false;
}

/* Net lock held: fold the clear-on-read statistics registers into the counters.  Frames the
 * device could not store (ring or FIFO full) are input drops; frames with CRC, alignment,
 * symbol or length errors are input errors.  Runs once a second and before every /proc/net
 * read (knet_drivers_stats), always under the net lock, so the two never interleave. */
static void e1000_kstats(void *arg)
{
	struct e1000_kdev *d = arg;
	uint64_t mpc0 = d->sc.hw.mpc, err0 = d->sc.hw.crcerrs +
	    d->sc.hw.algnerrc + d->sc.hw.rxerrc + d->sc.hw.rlec;
	e1000_stats_update(&d->sc);
	d->ifp->if_c.iqdrops += d->sc.hw.mpc - mpc0;
	d->ifp->if_c.ierrors += d->sc.hw.crcerrs + d->sc.hw.algnerrc + d->sc.hw.rxerrc +
	    d->sc.hw.rlec - err0;
}

/* Once a second: the statistics, and a link change noticed even if its interrupt was lost. */
static void e1000_ktick(void *arg)
{
	struct e1000_kdev *d = arg;
	NET_LOCK(d->ns);
	e1000_kstats(d);
	if (e1000_link_update(&d->sc))
		e1000_link_report(d);
	NET_UNLOCK(d->ns);
	/* Missed frames are worth a console line, at most one per 10 s. */
	uint64_t now = clock_ns();
	if (d->sc.hw.mpc != d->mpc_reported && now - d->mpc_report_ns >= 10000000000ull) {
		kprintf("%s: %llu frames missed (receive ring full), %llu overrun interrupts\n",
		    d->sc.name, (unsigned long long)d->sc.hw.mpc,
		    (unsigned long long)d->sc.st.rx_overruns);
		d->mpc_reported = d->sc.hw.mpc;
		d->mpc_report_ns = now;
	}
}

/* A number from the command line ("key=N", max..min), or dflt when absent or out of range. */
static unsigned e1000_num_knob(const char *key, unsigned dflt, unsigned min, unsigned max,
    bool pow2)
{
	char v[16];
	if (!knet_cmdline_get(key, v, sizeof(v)))
		return dflt;
	unsigned n = 0;
	if (!kparse_uint(v, max, &n) || n < min || (pow2 && (n & (n - 1)))) {
		kprintf("e1000: %s=%s ignored (%s from %u to %u)\n", key, v,
		    pow2 ? "a power of two" : "a number", min, max);
		return dflt;
	}
	return n;
}

/* Command-line knobs, for experiments and tests: e1000.rxdesc=N / e1000.txdesc=N, ring sizes
 * (powers of two, 8-4096; a small receive ring is how tests/suites/45-kernel-e1000-burst
 * makes the ring run out); e1000.itr=N, the interrupt throttling interval in 256 ns units
 * (13.4.18; 0 = none), and e1000.radv=N, the receive absolute delay in 1.024 us units.  QEMU
 * raises an interrupt at once when none is pending and then waits min(ITR, 4 x RADV), but at
 * least 500 units (128 us), before the next one. */
static void e1000_knobs(struct e1000_softc *sc)
{
	sc->rx_ndesc = e1000_num_knob("e1000.rxdesc", sc->rx_ndesc, 8, 4096, true);
	sc->tx_ndesc = e1000_num_knob("e1000.txdesc", sc->tx_ndesc, 8, 4096, true);
	sc->itr = e1000_num_knob("e1000.itr", sc->itr, 0, 65535, false);
	sc->radv = e1000_num_knob("e1000.radv", sc->radv, 0, 65535, false);
}

static bool e1000_match(const struct pci_dev *p)
{
	return p->vendor == E1000_VENDOR_INTEL && (p->device == E1000_DEV_82540EM ||
	    p->device == E1000_DEV_82545EM || p->device == E1000_DEV_82544GC);
}

/* QEMU's e1000 (PCI subsystem vendor 1af4): statistics kept on read, and reception held off
 * for a second after every RCTL write (platform-notes). */
static bool e1000_is_qemu(const struct pci_dev *p)
{
	return pci_read16(p, 0x2c) == E1000_SUBVENDOR_QEMU;
}

static const struct pci_dev *e1000_early_done[E1000_MAX_NICS];

/* Right after the PCI scan, long before the stack exists: write each QEMU e1000's RCTL with
 * the value e1000_rx_init will want, so the one-second receive hold-off that follows an RCTL
 * write runs while the kernel boots (the clock calibration, the stack, init) instead of after
 * it.  The receiver is enabled with no descriptors (RDLEN 0, RDH == RDT), so nothing is
 * received or DMAed until the ring is set up; QEMU ignores CTRL.RST, so the value survives the
 * attach-time reset and e1000_rx_init finds it in place and does not write again.  A real
 * 8254x would clear RCTL on that reset and get its one write at init, so only QEMU's model
 * is touched here. */
void e1000_rctl_early(void)
{
	unsigned n = 0;
	for (int i = 0; i < pci_count() && n < E1000_MAX_NICS; i++) {
		struct pci_dev *p = pci_get(i);
		struct pci_bar bar;
		if (!p || !e1000_match(p) || !e1000_is_qemu(p) || pci_bar(p, 0, &bar) != 0 ||
		    bar.is_io || bar.size < E1000_BAR0_SIZE)
			continue;
		volatile uint32_t *regs = pci_map_bar(&bar);
		if (!regs)
			continue;
		pci_enable(p, PCI_CMD_MEMORY);
		struct e1000_softc tmp;
		memset(&tmp, 0, sizeof(tmp));
		tmp.rx_filter_sw = true;
		regs[E1000_RCTL / 4] = e1000_rctl_value(&tmp);
		e1000_early_done[n++] = p;
		kprintf("e1000: %02x:%02x.%x: receive control set early (QEMU's 1 s hold-off starts now)\n",
		    p->bus, p->dev, p->fn);
	}
}

static int e1000_attach_one(struct netstack *ns, struct pci_dev *p, unsigned unit)
{
	struct pci_bar bar;
	if (pci_bar(p, 0, &bar) != 0 || bar.is_io || bar.size < E1000_BAR0_SIZE) {
		kprintf("e1000: %02x:%02x.%x: BAR0 is not a 128 KiB memory window\n", p->bus, p->dev, p->fn);
		return -ENXIO;
	}
	void *regs = pci_map_bar(&bar);
	if (!regs) {
		kprintf("e1000: %02x:%02x.%x: BAR0 at %lx cannot be mapped\n", p->bus, p->dev, p->fn,
		    (unsigned long)bar.base);
		return -ENXIO;
	}
	if (p->irq_gsi == 0xff || p->irq_gsi >= 24) {
		kprintf("e1000: %02x:%02x.%x: no usable interrupt line\n", p->bus, p->dev, p->fn);
		return -ENXIO;
	}
	/* Memory decoding and bus mastering (DMA); legacy INTx stays enabled. */
	pci_enable(p, PCI_CMD_MEMORY | PCI_CMD_MASTER);

	struct e1000_kdev *d = kzalloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->pci = p;
	d->regs = regs;
	d->gsi = p->irq_gsi;
	d->ns = ns;
	struct e1000_softc *sc = &d->sc;
	e1000_softc_defaults(sc);
	e1000_knobs(sc);
	sc->ops = &e1000_kops;
	sc->ctx = d;
	sc->device_id = p->device;
	sc->stats_kept_quirk = sc->rx_filter_sw = e1000_is_qemu(p);
	for (unsigned i = 0; i < E1000_MAX_NICS; i++)
		if (e1000_early_done[i] == p)
			sc->st.rctl_writes = 1;     /* counted here: the softc did not exist then */
	sc->rx_deliver = e1000_rx_deliver;
	sc->rx_arg = d;
	ksnprintf(sc->name, sizeof(sc->name), "eth%u", unit);

	int rc = e1000_hw_attach(sc);
	if (rc) {
		kprintf("e1000: %s: reset or MAC read failed (%d)\n", sc->name, rc);
		kfree(d);
		return rc;
	}
	NET_LOCK(ns);
	d->ifp = ether_ifattach(ns, sc->name, sc->mac, e1000_start, d);
	if (d->ifp) {
		d->ifp->if_flags_changed = e1000_flags_changed;
		d->ifp->if_start1 = e1000_start1;
		/* Every 8254x inserts IPv4, TCP and UDP checksums and segments TCP through
		 * context descriptors (8254x SDM 3.3.6, 3.5); knet may turn hwassist off. */
		d->ifp->if_capabilities = CSUM_IP | CSUM_TCP | CSUM_UDP | CSUM_TSO;
		d->ifp->if_hwassist = d->ifp->if_capabilities;
		ksnprintf(d->grp_drv, sizeof(d->grp_drv), "%s", sc->name);
		ksnprintf(d->grp_hw, sizeof(d->grp_hw), "%s-hw", sc->name);
		net_stats_register(ns, d->grp_drv, e1000_drv_desc, ARRAY_SIZE(e1000_drv_desc), &sc->st);
		net_stats_register(ns, d->grp_hw, e1000_hw_desc, ARRAY_SIZE(e1000_hw_desc), &sc->hw);
	}
	NET_UNLOCK(ns);
	if (!d->ifp) {
		kprintf("e1000: %s: cannot attach the interface\n", sc->name);
		kfree(d);
		return -ENOMEM;
	}
	rc = e1000_hw_init(sc);
	if (rc) {
		kprintf("e1000: %s: ring setup failed (%d)\n", sc->name, rc);
		e1000_hw_stop(sc);
		NET_LOCK(ns);
		if_detach(d->ifp);
		NET_UNLOCK(ns);
		kfree(d);
		return rc;
	}
	/* Publish before the interrupt can fire. */
	d->next = e1000_devs;
	__atomic_store_n(&e1000_devs, d, __ATOMIC_RELEASE);
	if (!e1000_gsi_hooked[d->gsi]) {
		rc = irq_register(d->gsi, e1000_irq, (void *)(uintptr_t)d->gsi);
		if (rc) {
			kprintf("e1000: %s: IRQ %u unavailable (%d); polled once per tick only\n",
			    sc->name, d->gsi, rc);
		} else {
			e1000_gsi_hooked[d->gsi] = true;
		}
	}
	d->drv.poll = e1000_kpoll;
	d->drv.tick = e1000_ktick;
	d->drv.stats = e1000_kstats;
	d->drv.arg = d;
	knet_add_driver(&d->drv);
	const uint8_t *m = sc->mac;
	kprintf("e1000: %s: 8086:%04x at %02x:%02x.%x, mem %lx, irq %u, MAC %02x:%02x:%02x:%02x:%02x:%02x "
	    "(%s), %u/%u descriptors, link %s%s\n", sc->name, p->device, p->bus, p->dev, p->fn,
	    (unsigned long)bar.base, d->gsi, m[0], m[1], m[2], m[3], m[4], m[5],
	    sc->mac_from_eeprom ? "EEPROM" : "RAL0", sc->rx_ndesc, sc->tx_ndesc,
	    sc->link_up ? "up" : "down", sc->stats_kept_quirk ? ", QEMU statistics" : "");
	return 0;
}

int e1000_attach_all(struct netstack *ns)
{
	unsigned unit = 0;
	for (int i = 0; i < pci_count() && unit < E1000_MAX_NICS; i++) {
		struct pci_dev *p = pci_get(i);
		if (p && e1000_match(p) && e1000_attach_one(ns, p, unit) == 0)
			unit++;
	}
	if (!unit)
		kprintf("e1000: no 8254x NIC found\n");
	return (int)unit;
}
