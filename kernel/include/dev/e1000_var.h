/* The e1000 driver's state and its portable core.
 *
 * The driver is split so the descriptor-ring logic can be tested on the host against a fake
 * device (tests/e1000/):
 *   e1000_hw.c   reset, MAC address (EERD, else RAL0/RAH0), register setup, link state,
 *                interrupt cause handling, statistics registers        (portable)
 *   e1000_rx.c   receive ring: buffers, e1000_rxeof                     (portable)
 *   e1000_tx.c   transmit ring: e1000_encap, offload contexts, e1000_txeof (portable)
 *   e1000.c      the kernel attachment: PCI probe, BAR0, IRQ, ifnet     (kernel only)
 * The portable files touch the device only through struct e1000_ops (32-bit register reads
 * and writes, DMA memory and addresses, a microsecond delay) and use only net/ headers.
 *
 * Interface:
 *   e1000_hw_attach(sc)   reset the device and read its MAC address (no DMA yet)
 *   e1000_hw_init(sc)     allocate and program both rings, enable RX/TX and interrupts
 *   e1000_hw_stop(sc)     reset the device and free the rings and their buffers
 *   e1000_intr(sc)        interrupt handler body (any context, allocates nothing): reads
 *                         ICR, masks the device's interrupts, returns the causes
 *   e1000_rxeof(sc, max)  hands up to max received frames to sc->rx_deliver (the kernel
 *                         collects them and gives the batch to ether_input)
 *   e1000_encap(sc, m, o) puts one frame on the transmit ring (doorbell: e1000_tx_commit)
 *   e1000_txeof(sc)       reclaims transmitted descriptors and frees their mbufs
 *   e1000_intr_enable(sc) unmasks the device's interrupts after the work is done
 * Locking is the caller's: one thread runs rxeof; encap/commit/txeof run under one lock
 * (the kernel uses the net lock); e1000_intr only touches ICR/IMC and sc->intr_causes.
 */
#ifndef KERNEL_DEV_E1000_VAR_H
#define KERNEL_DEV_E1000_VAR_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "e1000_regs.h"

struct mbuf;

/* How the core reaches the device. */
struct e1000_ops {
	uint32_t (*rd)(void *ctx, uint32_t reg);
	void (*wr)(void *ctx, uint32_t reg, uint32_t val);
	/* Zeroed, physically contiguous, 128-byte aligned memory for a descriptor ring; *pa
	 * gets its bus address.  NULL on failure. */
	void *(*dma_alloc)(void *ctx, size_t len, uint64_t *pa);
	void (*dma_free)(void *ctx, void *va, size_t len);
	/* Bus address of kernel memory (mbuf data: contiguous for the buffer's length). */
	uint64_t (*dma_addr)(void *ctx, const void *va);
	void (*delay_us)(void *ctx, unsigned us);
};

/* Ring sizes: powers of two, multiples of 8 descriptors (RDLEN/TDLEN multiple of 128). */
#define E1000_NRXDESC_DEFAULT 256u
#define E1000_NTXDESC_DEFAULT 256u
#define E1000_RXBUF_SIZE      2048u    /* RCTL.BSIZE 2048 = MCLBYTES: one cluster per slot */
#define E1000_RX_COPYBREAK    160u     /* frames up to this long are copied into a small mbuf
                                          and the cluster stays on the ring */
#define E1000_TX_MAXSEGS      64u      /* data descriptors per frame before it is compacted */
#define E1000_TSO_MAXLEN      65535u   /* largest TSO payload + headers accepted */

/* Default interrupt moderation.  ITR: at most one interrupt per 1 ms (1000/s) in 256 ns
 * units (8254x SDM 13.4.18); RDTR/RADV: wait up to 16 us after a frame for more, never more
 * than 1.024 ms after the first (13.4.30, 13.4.32), in 1.024 us units; TADV 64 us for
 * transmit write-backs.  QEMU honours ITR, RADV and TADV (not TIDV): after an interrupt it
 * waits min(ITR, 4 x RADV) in 256 ns units, at least 500 (128 us), before the next, and
 * raises the first after a quiet spell at once, so a lone frame (a ping) is not delayed.
 * Until session 14 these were 125 us and 64 us (QEMU's floor, 128 us, in effect): six
 * interleaved rounds of `make bench`'s QEMU part (three 32 MiB runs each way per round)
 * gave uploads into STOS of 373-640 Mbit/s (median 430) against 278-341 (median 287), better
 * in every round, and downloads from STOS of 331-624 against 314-527 (medians 410 and 457,
 * each setting ahead in three rounds).  In QEMU each interrupt costs traps to the device
 * model (ICR read, IMC and IMS writes, the LAPIC EOI) and each poll an RDT and a TDT write
 * (bench/README.md, tools/qemu-sample.py): fewer interrupts, bigger batches. */
#define E1000_ITR_DEFAULT   3906u
#define E1000_RDTR_DEFAULT  16u
#define E1000_RADV_DEFAULT  1000u
#define E1000_TADV_DEFAULT  64u

/* The interrupt causes the driver asks for (IMS). */
#define E1000_IMS_ENABLE (E1000_ICR_RXT0 | E1000_ICR_RXO | E1000_ICR_RXDMT0 | \
                          E1000_ICR_RXSEQ | E1000_ICR_LSC | E1000_ICR_TXDW)

/* What a frame asks of the transmit offload.  Built by e1000_txoff_parse from the frame's
 * headers and the stack's request; all offsets from the start of the frame. */
struct e1000_txoff {
	unsigned flags;             /* E1000_TXOFF_* */
	uint8_t ipcss, ipcso, tucss, tucso;
	uint16_t ipcse;             /* inclusive */
	uint8_t hdrlen;             /* TSO: Ethernet + IP + TCP header bytes */
	uint16_t mss;               /* TSO: payload bytes per segment */
	uint32_t paylen;            /* TSO: payload bytes in all (frame length - hdrlen) */
};
#define E1000_TXOFF_IPCSUM 0x1u     /* insert the IPv4 header checksum */
#define E1000_TXOFF_L4CSUM 0x2u     /* insert the TCP/UDP checksum */
#define E1000_TXOFF_TCP    0x4u     /* the L4 protocol is TCP (else UDP) */
#define E1000_TXOFF_TSO    0x8u     /* segment into mss-sized TCP segments */

/* Driver counters (one per event or drop reason), beside the device's own. */
#define E1000_DRVSTAT_LIST(X) \
	X(intr, "interrupts taken") \
	X(intr_spurious, "interrupts that were not ours (ICR & IMS == 0)") \
	X(rx_frames, "frames received") \
	X(rx_bytes, "bytes received") \
	X(rx_copied, "small frames copied out of the ring (copybreak)") \
	X(rx_passes, "receive ring walks that found frames") \
	X(rx_ring_ns, "nanoseconds in receive ring walks (kernel: e1000_rxeof)") \
	X(rx_stack_ns, "nanoseconds in the stack for received frames (kernel: ether_input on)") \
	X(rx_multidesc, "frames that spanned several descriptors") \
	X(rx_errors, "frames with a receive error reported by the device") \
	X(rx_filtered, "frames dropped by the software receive filter (not for us, not wanted)") \
	X(rx_nobufs, "frames dropped: no mbuf or cluster to refill the ring") \
	X(rx_overruns, "receive overrun interrupts (RXO)") \
	X(rx_ringfull, "receive passes that found the ring full (no descriptor left to the device)") \
	X(rx_lowdesc, "receive descriptors low interrupts (RXDMT0)") \
	X(rx_seqerr, "receive sequence errors (RXSEQ)") \
	X(tx_frames, "frames put on the transmit ring") \
	X(tx_bytes, "bytes put on the transmit ring") \
	X(tx_descs, "transmit descriptors used") \
	X(tx_commits, "transmit tail (TDT) writes") \
	X(tx_commit_ns, "nanoseconds in TDT writes (kernel; under QEMU the device transmits then)") \
	X(tx_ctx, "context descriptors written") \
	X(tx_csum_offload, "frames with checksums inserted by the device") \
	X(tx_tso, "frames segmented by the device (TSO)") \
	X(tx_csum_sw, "offload requests done in software (headers not understood)") \
	X(tx_compacted, "frames copied into fewer buffers (too many segments)") \
	X(tx_ringfull, "times the transmit ring was full") \
	X(tx_bad, "frames dropped: malformed or unsupported offload request") \
	X(tx_nobufs, "frames dropped: no memory to compact or finish them") \
	X(tx_reclaimed, "transmitted frames reclaimed") \
	X(tx_errors, "frames the device reported as failed (EC, LC)") \
	X(link_changes, "link status changes (LSC)") \
	X(rctl_writes, "writes to RCTL (each holds QEMU's reception off for a second)")
#define E1000_STAT_FIELD(name, desc) uint64_t name;
struct e1000_drvstats { E1000_DRVSTAT_LIST(E1000_STAT_FIELD) };

/* The device's statistics registers (8254x SDM 13.7), accumulated: they clear on read. */
#define E1000_HWSTAT_LIST(X) \
	X(crcerrs, E1000_CRCERRS, "CRC errors") \
	X(algnerrc, E1000_ALGNERRC, "alignment errors") \
	X(symerrs, E1000_SYMERRS, "symbol errors") \
	X(rxerrc, E1000_RXERRC, "receive errors") \
	X(mpc, E1000_MPC, "missed packets (receive FIFO or ring full)") \
	X(rnbc, E1000_RNBC, "receive no buffers (ring empty)") \
	X(ruc, E1000_RUC, "undersize frames") \
	X(rfc, E1000_RFC, "fragments") \
	X(roc, E1000_ROC, "oversize frames") \
	X(rjc, E1000_RJC, "jabbers") \
	X(rlec, E1000_RLEC, "receive length errors") \
	X(colc, E1000_COLC, "collisions") \
	X(ecol, E1000_ECOL, "excessive collisions") \
	X(latecol, E1000_LATECOL, "late collisions") \
	X(gprc, E1000_GPRC, "good packets received") \
	X(bprc, E1000_BPRC, "broadcast packets received") \
	X(mprc, E1000_MPRC, "multicast packets received") \
	X(gptc, E1000_GPTC, "good packets transmitted") \
	X(bptc, E1000_BPTC, "broadcast packets transmitted") \
	X(mptc, E1000_MPTC, "multicast packets transmitted") \
	X(tpr, E1000_TPR, "total packets received") \
	X(tpt, E1000_TPT, "total packets transmitted") \
	X(tsctc, E1000_TSCTC, "TCP segmentation contexts transmitted") \
	X(tsctfc, E1000_TSCTFC, "TCP segmentation context failures")
#define E1000_HWSTAT_FIELD(name, reg, desc) uint64_t name;
struct e1000_hwstats {
	E1000_HWSTAT_LIST(E1000_HWSTAT_FIELD)
	uint64_t gorc, gotc;        /* good octets received / transmitted (64-bit registers) */
};

struct e1000_softc {
	const struct e1000_ops *ops;
	void *ctx;                  /* passed to ops */
	char name[16];              /* "eth0" */
	uint16_t device_id;
	uint8_t mac[6];
	bool mac_from_eeprom;       /* false: read from RAL0/RAH0 */
	bool link_up;
	unsigned link_speed;        /* Mb/s */

	/* configuration (set before e1000_hw_init; defaults from e1000_softc_defaults) */
	unsigned rx_ndesc, tx_ndesc;
	uint32_t itr, rdtr, radv, tadv;
	bool promisc;               /* IFF_PROMISC: RCTL.UPE | RCTL.MPE */
	/* QEMU's e1000 model keeps some statistics registers on read (CRCERRS-MPC, RNBC, RLEC,
	 * the collision and flow-control counters; it clears GPRC, TPR and the other packet
	 * counters as the 8254x does): with this set, those are read as running totals and only
	 * the difference from the last read is added (e1000_stats_update). */
	bool stats_kept_quirk;
	/* Receive filtering in software: RCTL takes every unicast and multicast frame (UPE|MPE)
	 * from the one RCTL write at init, and e1000_rx_wanted applies IFF_PROMISC/IFF_ALLMULTI,
	 * so a mode change never writes RCTL (on QEMU each write holds reception off for 1 s:
	 * tcpdump starting would black out the interface for a second). */
	bool rx_filter_sw;
	bool allmulti;              /* IFF_ALLMULTI: RCTL.MPE */

	/* receive ring */
	volatile struct e1000_rx_desc *rx_ring;
	uint64_t rx_ring_pa;
	struct mbuf **rx_buf;       /* the cluster mbuf behind each descriptor */
	unsigned rx_next;           /* next descriptor to look at (next_to_clean) */
	unsigned rx_rdt;            /* the value last written to RDT (the empty slot) */
	struct mbuf *rx_head, *rx_tail;   /* frame being assembled over several descriptors */
	bool rx_discard;            /* drop descriptors up to the next EOP */
	/* Hands a complete frame (pkthdr.len set) to the stack; consumes it. */
	void (*rx_deliver)(void *arg, struct mbuf *m);
	void *rx_arg;

	/* transmit ring */
	volatile struct e1000_tx_desc *tx_ring;   /* also viewed as context / data descriptors */
	uint64_t tx_ring_pa;
	struct mbuf **tx_mbuf;      /* at a frame's last descriptor: the chain to free */
	uint16_t *tx_last;          /* at a frame's first descriptor: index of its last */
	unsigned tx_next;           /* next free descriptor (next_to_use) */
	unsigned tx_clean;          /* oldest descriptor not yet reclaimed */
	unsigned tx_free;           /* descriptors free */
	unsigned tx_pending;        /* descriptors written since the last doorbell */
	struct e1000_tx_ctx_desc tx_ctx_last;  /* the context the device holds */
	bool tx_ctx_valid;

	/* interrupts */
	uint32_t ims;               /* causes enabled */
	uint32_t intr_causes;       /* ICR bits seen since the work last ran (atomic OR) */
	uint32_t intr_masked;       /* e1000_intr masked the device; e1000_intr_unmask undoes */

	struct e1000_drvstats st;
	struct e1000_hwstats hw;
	struct e1000_hwstats hw_raw;    /* stats_kept_quirk: the last raw value of each register */
};

void e1000_softc_defaults(struct e1000_softc *sc);

/* e1000_hw.c */
static inline uint32_t e1000_rd(struct e1000_softc *sc, uint32_t reg)
{
	return sc->ops->rd(sc->ctx, reg);
}
static inline void e1000_wr(struct e1000_softc *sc, uint32_t reg, uint32_t v)
{
	sc->ops->wr(sc->ctx, reg, v);
}
/* Store ordering before a doorbell (RDT/TDT): the descriptor writes must reach memory before
 * the device can see the new tail, or it reads stale descriptors and hangs (8254x SDM 3.3.5).
 * On x86 the hardware keeps stores in program order, the uncached MMIO write included (Intel
 * SDM vol. 3A 8.2.2: "writes to memory are not reordered with other writes"; the descriptor
 * rings are ordinary write-back memory), so what is needed is a compiler barrier: without it
 * the compiler may move the descriptor stores past the MMIO write.  A fence instruction would
 * cost a host fence per doorbell under QEMU's TCG and buy nothing. */
static inline void e1000_wmb(void) { __asm__ volatile("" ::: "memory"); }
/* Read ordering after DD: the rest of the descriptor is read only after its status.  x86
 * does not reorder loads with other loads (8.2.2), so again only the compiler must be held. */
static inline void e1000_rmb(void) { __asm__ volatile("" ::: "memory"); }

int e1000_hw_attach(struct e1000_softc *sc);
int e1000_hw_init(struct e1000_softc *sc);
void e1000_hw_stop(struct e1000_softc *sc);
int e1000_read_eeprom(struct e1000_softc *sc, unsigned word, uint16_t *out);
uint32_t e1000_intr(struct e1000_softc *sc);
void e1000_intr_enable(struct e1000_softc *sc);
/* Unmasks only if e1000_intr masked the device since the last call (saves an MMIO write
 * when the work ran for another reason). */
void e1000_intr_unmask(struct e1000_softc *sc);
/* Takes and clears the causes e1000_intr collected. */
uint32_t e1000_intr_take(struct e1000_softc *sc);
/* Reads STATUS; true when link_up changed. */
bool e1000_link_update(struct e1000_softc *sc);
/* Adds the statistics registers into sc->hw (they clear on read; see stats_kept_quirk). */
void e1000_stats_update(struct e1000_softc *sc);
/* True for the registers QEMU's model does not clear on read (stats_kept_quirk). */
bool e1000_stat_kept_by_qemu(uint32_t reg);
/* PCI subsystem vendor of QEMU's emulated devices (Red Hat / Qumranet). */
#define E1000_SUBVENDOR_QEMU 0x1af4u
/* Sets unicast/multicast promiscuous reception (IFF_PROMISC, IFF_ALLMULTI) without touching
 * RCTL.EN; writes RCTL only when the mode changes (see e1000_regs.h on RCTL writes: each one
 * costs QEMU's one-second receive hold-off). */
void e1000_set_rxmode(struct e1000_softc *sc, bool promisc, bool allmulti);
/* The RCTL.UPE/MPE bits for the current mode (both, with rx_filter_sw). */
uint32_t e1000_rctl_filter_bits(const struct e1000_softc *sc);
/* The RCTL value the driver runs with: e1000_rx_init writes it unless RCTL holds it already
 * (the kernel may write it early, e1000_rctl_early, so QEMU's hold-off runs during boot). */
uint32_t e1000_rctl_value(const struct e1000_softc *sc);
/* rx_filter_sw: whether the frame starting at dst (its destination address) passes the
 * receive filter the hardware would apply for the current mode; counts rx_filtered if not. */
bool e1000_rx_wanted(struct e1000_softc *sc, const uint8_t *dst);

/* e1000_rx.c */
int e1000_rx_init(struct e1000_softc *sc);     /* ring + buffers, registers */
void e1000_rx_free(struct e1000_softc *sc);
unsigned e1000_rxeof(struct e1000_softc *sc, unsigned max);

/* e1000_tx.c */
int e1000_tx_init(struct e1000_softc *sc);
void e1000_tx_free(struct e1000_softc *sc);
/* Descriptors frame m needs (data descriptors + a possible context), or 0 if it must be
 * compacted first. */
unsigned e1000_tx_need(const struct e1000_softc *sc, const struct mbuf *m);
/* Puts frame m on the ring with offload o (NULL: none).  Consumes m on 0 and on -EINVAL /
 * -ENOBUFS (dropped and counted); on -ENOSPC (ring full) m stays the caller's.  The device
 * sees it at the next e1000_tx_commit. */
int e1000_encap(struct e1000_softc *sc, struct mbuf *m, const struct e1000_txoff *o);
/* Rings the doorbell for every frame encapsulated since the last commit. */
void e1000_tx_commit(struct e1000_softc *sc);
/* Reclaims finished descriptors; returns frames reclaimed. */
unsigned e1000_txeof(struct e1000_softc *sc);
/* Fills o from the headers of frame m (Ethernet, IPv4, TCP or UDP) for the request `want`
 * (E1000_TXOFF_IPCSUM | L4CSUM | TSO) and mss.  0, or -EINVAL when the headers are not ones
 * the device can offload (the caller then finishes checksums in software). */
int e1000_txoff_parse(const struct mbuf *m, unsigned want, uint16_t mss, struct e1000_txoff *o);
/* The offload the stack requested for frame m (m_pkthdr.csum_flags CSUM_IP/TCP/UDP/TSO and
 * tso_segsz, net/mbuf.h) as a context for e1000_encap: 0 with o->flags 0 when nothing was
 * requested, 0 with o filled, or -EINVAL when the request does not fit the frame (the
 * checksums are then incomplete: the caller drops the frame). */
int e1000_txoff_request(const struct mbuf *m, struct e1000_txoff *o);
/* Software fallback: computes the checksums o asks for into m (which must be writable). */
int e1000_tx_swcsum(struct mbuf *m, const struct e1000_txoff *o);

#endif
