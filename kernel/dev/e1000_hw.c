/* e1000 device control: reset, MAC address, bring-up order, link state, interrupt causes and
 * the statistics registers.  Portable: reaches the device only through sc->ops (e1000_var.h),
 * so the host tests run it against a fake device.
 *
 * Bring-up follows 8254x SDM 14.3-14.5 (general configuration, receive and transmit
 * initialisation) with the QEMU facts of docs platform-notes: RCTL is written at most once
 * (not at all when the kernel wrote the same value early; mode changes are software-only with
 * rx_filter_sw),
 * STATUS.LU is valid from reset (no waiting for auto-negotiation), the MAC comes from EERD
 * in the 82540 layout or else from RAL0/RAH0, which the device preloads from the EEPROM.
 */
#include <stos/errno.h>
#include "dev/e1000_var.h"
#include "../../net/netlib.h"
#include "../../net/mbuf.h"

void e1000_softc_defaults(struct e1000_softc *sc)
{
	sc->rx_ndesc = E1000_NRXDESC_DEFAULT;
	sc->tx_ndesc = E1000_NTXDESC_DEFAULT;
	sc->itr = E1000_ITR_DEFAULT;
	sc->rdtr = E1000_RDTR_DEFAULT;
	sc->radv = E1000_RADV_DEFAULT;
	sc->tadv = E1000_TADV_DEFAULT;
	sc->ims = E1000_IMS_ENABLE;
}

/* 8254x SDM 14.9 / 13.4.1: CTRL.RST resets the MAC; it self-clears (within 1 us on real
 * parts, at once on QEMU).  Interrupts are masked and pending causes cleared afterwards,
 * as 14.4 asks before the rings are set up. */
static int e1000_reset(struct e1000_softc *sc)
{
	e1000_wr(sc, E1000_IMC, 0xffffffffu);
	e1000_wr(sc, E1000_CTRL, e1000_rd(sc, E1000_CTRL) | E1000_CTRL_RST);
	sc->ops->delay_us(sc->ctx, 10);
	for (int i = 0; i < 1000 && (e1000_rd(sc, E1000_CTRL) & E1000_CTRL_RST); i++)
		sc->ops->delay_us(sc->ctx, 10);
	if (e1000_rd(sc, E1000_CTRL) & E1000_CTRL_RST)
		return -ETIMEDOUT;
	e1000_wr(sc, E1000_IMC, 0xffffffffu);
	(void)e1000_rd(sc, E1000_ICR);
	return 0;
}

/* 13.4.4: write the word address with START, poll DONE, take DATA. */
int e1000_read_eeprom(struct e1000_softc *sc, unsigned word, uint16_t *out)
{
	e1000_wr(sc, E1000_EERD, E1000_EERD_START | ((word & 0xffu) << E1000_EERD_ADDR_SHIFT));
	for (int i = 0; i < 1000; i++) {
		uint32_t v = e1000_rd(sc, E1000_EERD);
		if (v & E1000_EERD_DONE) {
			*out = (uint16_t)(v >> E1000_EERD_DATA_SHIFT);
			return 0;
		}
		sc->ops->delay_us(sc->ctx, 5);
	}
	return -ETIMEDOUT;
}

/* The MAC from EEPROM words 0-2 (little-endian byte pairs, 8254x SDM 5.6.1) when EERD
 * answers and the image checksum is right; else RAL0/RAH0 (13.5.2-13.5.3). */
static int e1000_read_mac(struct e1000_softc *sc)
{
	uint16_t w[3];
	uint16_t sum = 0;
	bool ok = true;
	for (unsigned i = 0; ok && i <= E1000_EEPROM_CSUM_LAST; i++) {
		uint16_t v;
		if (e1000_read_eeprom(sc, i, &v) != 0) {
			ok = false;
			break;
		}
		if (i < 3)
			w[i] = v;
		sum = (uint16_t)(sum + v);
	}
	if (ok && sum == E1000_EEPROM_CSUM) {
		for (unsigned i = 0; i < 3; i++) {
			sc->mac[2 * i] = (uint8_t)w[i];
			sc->mac[2 * i + 1] = (uint8_t)(w[i] >> 8);
		}
		sc->mac_from_eeprom = true;
	} else {
		uint32_t lo = e1000_rd(sc, E1000_RAL0), hi = e1000_rd(sc, E1000_RAH0);
		if (!(hi & E1000_RAH_AV))
			return -ENXIO;
		for (unsigned i = 0; i < 4; i++)
			sc->mac[i] = (uint8_t)(lo >> (8 * i));
		sc->mac[4] = (uint8_t)hi;
		sc->mac[5] = (uint8_t)(hi >> 8);
		sc->mac_from_eeprom = false;
	}
	/* A multicast or all-zero address cannot be a station address. */
	static const uint8_t zero[6];
	if ((sc->mac[0] & 1) || memcmp(sc->mac, zero, 6) == 0)
		return -ENXIO;
	return 0;
}

int e1000_hw_attach(struct e1000_softc *sc)
{
	int rc = e1000_reset(sc);
	if (rc)
		return rc;
	return e1000_read_mac(sc);
}

bool e1000_link_update(struct e1000_softc *sc)
{
	uint32_t st = e1000_rd(sc, E1000_STATUS);
	bool up = (st & E1000_STATUS_LU) != 0;
	static const unsigned speeds[4] = { 10, 100, 1000, 1000 };
	sc->link_speed = up ? speeds[(st & E1000_STATUS_SPEED_MASK) >> E1000_STATUS_SPEED_SHIFT] : 0;
	bool changed = up != sc->link_up;
	sc->link_up = up;
	return changed;
}

int e1000_hw_init(struct e1000_softc *sc)
{
	/* 14.3: set link up (the MAC follows the PHY's speed with ASDE), no link reset, no PHY
	 * reset, no VLAN mode, loss-of-signal not inverted. */
	uint32_t ctrl = e1000_rd(sc, E1000_CTRL);
	ctrl |= E1000_CTRL_SLU | E1000_CTRL_ASDE;
	ctrl &= ~(E1000_CTRL_LRST | E1000_CTRL_PHY_RST | E1000_CTRL_ILOS | E1000_CTRL_VME);
	e1000_wr(sc, E1000_CTRL, ctrl);
	/* 14.3: flow control is not used: zero FCAL/FCAH/FCT/FCTTV. */
	e1000_wr(sc, E1000_FCAL, 0);
	e1000_wr(sc, E1000_FCAH, 0);
	e1000_wr(sc, E1000_FCT, 0);
	e1000_wr(sc, E1000_FCTTV, 0);

	/* 14.4: our address in receive address entry 0, the multicast table cleared. */
	e1000_wr(sc, E1000_RAL0, (uint32_t)sc->mac[0] | ((uint32_t)sc->mac[1] << 8) |
	    ((uint32_t)sc->mac[2] << 16) | ((uint32_t)sc->mac[3] << 24));
	e1000_wr(sc, E1000_RAH0, (uint32_t)sc->mac[4] | ((uint32_t)sc->mac[5] << 8) | E1000_RAH_AV);
	for (unsigned i = 0; i < E1000_MTA_N; i++)
		e1000_wr(sc, E1000_MTA + 4 * i, 0);

	int rc = e1000_tx_init(sc);
	if (rc)
		return rc;
	rc = e1000_rx_init(sc);     /* last: it writes RCTL.EN, once */
	if (rc) {
		e1000_tx_free(sc);
		return rc;
	}
	/* Interrupt moderation (13.4.18): one interrupt per ITR interval at most. */
	e1000_wr(sc, E1000_ITR, sc->itr);
	/* Clear the statistics registers so the first update counts from here. */
	e1000_stats_update(sc);
	memset(&sc->hw, 0, sizeof(sc->hw));
	e1000_link_update(sc);
	(void)e1000_rd(sc, E1000_ICR);
	e1000_intr_enable(sc);
	return 0;
}

void e1000_hw_stop(struct e1000_softc *sc)
{
	(void)e1000_reset(sc);
	e1000_rx_free(sc);
	e1000_tx_free(sc);
}

/* Interrupt handler body.  Reading ICR returns and clears every cause and deasserts the
 * (level-triggered) line; the device's interrupts then stay masked until the work is done
 * and e1000_intr_enable runs, so a busy link cannot storm the CPU.  Returns the causes, 0
 * when the interrupt was not ours (a shared line). */
uint32_t e1000_intr(struct e1000_softc *sc)
{
	uint32_t icr = e1000_rd(sc, E1000_ICR);
	if (!(icr & sc->ims)) {
		sc->st.intr_spurious++;
		return 0;
	}
	sc->st.intr++;
	e1000_wr(sc, E1000_IMC, 0xffffffffu);
	__atomic_store_n(&sc->intr_masked, 1, __ATOMIC_RELEASE);
	__atomic_or_fetch(&sc->intr_causes, icr, __ATOMIC_RELEASE);
	return icr;
}

uint32_t e1000_intr_take(struct e1000_softc *sc)
{
	uint32_t icr = __atomic_exchange_n(&sc->intr_causes, 0, __ATOMIC_ACQUIRE);
	if (icr & E1000_ICR_RXO)
		sc->st.rx_overruns++;
	if (icr & E1000_ICR_RXDMT0)
		sc->st.rx_lowdesc++;
	if (icr & E1000_ICR_RXSEQ)
		sc->st.rx_seqerr++;
	if (icr & E1000_ICR_LSC)
		sc->st.link_changes++;
	return icr;
}

void e1000_intr_enable(struct e1000_softc *sc)
{
	e1000_wr(sc, E1000_IMS, sc->ims);
}

void e1000_intr_unmask(struct e1000_softc *sc)
{
	/* An interrupt between the exchange and the write masks again and sets the flag
	 * again, so the next call unmasks once more: no unmask is ever lost. */
	if (__atomic_exchange_n(&sc->intr_masked, 0, __ATOMIC_ACQ_REL))
		e1000_intr_enable(sc);
}

bool e1000_stat_kept_by_qemu(uint32_t reg)
{
	/* QEMU 7.2 hw/net/e1000.c reads these with a plain register read (the 8254x clears every
	 * statistics register on read, 8254x SDM 13.7); of them it only ever increments MPC and
	 * RNBC (on a receiver overrun). */
	switch (reg) {
	case E1000_CRCERRS: case E1000_ALGNERRC: case E1000_SYMERRS: case E1000_RXERRC:
	case E1000_MPC: case E1000_RNBC: case E1000_RFC: case E1000_RJC: case E1000_RLEC:
	case E1000_COLC: case E1000_ECOL: case E1000_LATECOL: case E1000_TSCTFC:
		return true;
	default:
		return false;
	}
}

/* What register reg counted since the last read: the value itself (cleared by the read), or
 * with the quirk, for a register QEMU keeps, the difference from the last value seen. */
static uint32_t stat_read(struct e1000_softc *sc, uint32_t reg, uint64_t *raw)
{
	uint32_t v = e1000_rd(sc, reg);
	if (!sc->stats_kept_quirk || !e1000_stat_kept_by_qemu(reg))
		return v;
	uint32_t d = v - (uint32_t)*raw;    /* modulo 2^32: a wrapped counter still differences */
	*raw = v;
	return d;
}

void e1000_stats_update(struct e1000_softc *sc)
{
#define E1000_HWSTAT_READ(name, reg, desc) sc->hw.name += stat_read(sc, reg, &sc->hw_raw.name);
	E1000_HWSTAT_LIST(E1000_HWSTAT_READ)
#undef E1000_HWSTAT_READ
	/* 13.7: 64-bit octet counters: read the low half first; reading the high half clears. */
	uint64_t lo = e1000_rd(sc, E1000_GORCL);
	sc->hw.gorc += lo | ((uint64_t)e1000_rd(sc, E1000_GORCH) << 32);
	lo = e1000_rd(sc, E1000_GOTCL);
	sc->hw.gotc += lo | ((uint64_t)e1000_rd(sc, E1000_GOTCH) << 32);
}

void e1000_set_rxmode(struct e1000_softc *sc, bool promisc, bool allmulti)
{
	if (sc->promisc == promisc && sc->allmulti == allmulti)
		return;
	sc->promisc = promisc;
	sc->allmulti = allmulti;
	if (sc->rx_filter_sw)
		return;                 /* e1000_rx_wanted applies the new mode */
	uint32_t rctl = e1000_rd(sc, E1000_RCTL) & ~(E1000_RCTL_UPE | E1000_RCTL_MPE);
	rctl |= e1000_rctl_filter_bits(sc);
	e1000_wr(sc, E1000_RCTL, rctl);
	sc->st.rctl_writes++;
}

uint32_t e1000_rctl_filter_bits(const struct e1000_softc *sc)
{
	/* 8254x SDM 13.4.22: UPE takes every unicast frame, MPE every multicast frame. */
	if (sc->rx_filter_sw)
		return E1000_RCTL_UPE | E1000_RCTL_MPE;
	return (sc->promisc ? E1000_RCTL_UPE | E1000_RCTL_MPE : 0) |
	    (sc->allmulti ? E1000_RCTL_MPE : 0);
}

uint32_t e1000_rctl_value(const struct e1000_softc *sc)
{
	/* Enable, broadcast accepted (DHCP offers are broadcast), 2048-byte buffers, long frames
	 * allowed (they span descriptors), CRC stripped so lengths are the frame's, the
	 * low-descriptor interrupt at half the ring (13.4.22). */
	return E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_BSIZE_2048 | E1000_RCTL_LPE |
	    E1000_RCTL_SECRC | E1000_RCTL_RDMTS_HALF | E1000_RCTL_LBM_NONE |
	    e1000_rctl_filter_bits(sc);
}

bool e1000_rx_wanted(struct e1000_softc *sc, const uint8_t *dst)
{
	/* What RCTL would do without UPE/MPE (13.4.22, 13.5.1): our station address (RAL0/RAH0)
	 * and broadcast (BAM) always; other unicast only with IFF_PROMISC; multicast (the
	 * multicast table is empty) only with IFF_PROMISC or IFF_ALLMULTI. */
	if (sc->promisc)
		return true;
	if (dst[0] & 1) {
		static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
		if (sc->allmulti || memcmp(dst, bcast, 6) == 0)
			return true;
	} else if (memcmp(dst, sc->mac, 6) == 0) {
		return true;
	}
	sc->st.rx_filtered++;
	return false;
}
