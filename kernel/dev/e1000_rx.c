/* e1000 receive ring (8254x SDM 3.2 receive descriptors, 14.4 receive initialisation).
 *
 * Every descriptor owns one mbuf cluster (2048 bytes = RCTL.BSIZE), allocated up front.
 * The device fills descriptors from RDH up to, not including, RDT; RDH == RDT means it has no
 * buffer left, so the ring starts with RDH = 0 and RDT = N-1 (one slot always stays empty).
 * e1000_rxeof walks from rx_next while DD is set: a short frame is copied into a small mbuf
 * and its cluster stays on the ring; a longer one gives its cluster to the stack and a fresh
 * cluster takes its place.  When no fresh cluster can be had, the frame is dropped and the old
 * buffer goes back to the device, so the ring never runs dry for lack of memory.  Frames longer
 * than a buffer (RCTL.LPE, jumbo MTU) arrive over several descriptors, chained in order.
 * After the walk RDT moves to the last descriptor consumed (after a barrier).
 */
#include <stos/errno.h>
#include "dev/e1000_var.h"
#include "../../net/netlib.h"
#include "../../net/mbuf.h"

/* A fresh buffer for descriptor i: its bus address, and the status cleared so DD is the
 * device's again.  (The device writes length, errors and status back; addr stays.) */
static void rx_set_buf(struct e1000_softc *sc, unsigned i, struct mbuf *m)
{
	sc->rx_buf[i] = m;
	sc->rx_ring[i].addr = sc->ops->dma_addr(sc->ctx, m->m_data);
	sc->rx_ring[i].status = 0;
}

/* Descriptor i keeps its buffer (copybreak, or a frame dropped): only the status is cleared. */
static void rx_reuse(struct e1000_softc *sc, unsigned i)
{
	sc->rx_ring[i].status = 0;
}

int e1000_rx_init(struct e1000_softc *sc)
{
	unsigned n = sc->rx_ndesc;
	if (n < 8 || (n & (n - 1)) || n > 4096)
		return -EINVAL;
	sc->rx_ring = sc->ops->dma_alloc(sc->ctx, n * sizeof(struct e1000_rx_desc), &sc->rx_ring_pa);
	sc->rx_buf = net_zalloc(n * sizeof(*sc->rx_buf));
	if (!sc->rx_ring || !sc->rx_buf)
		goto nomem;
	for (unsigned i = 0; i < n; i++) {
		struct mbuf *m = m_getcl(MT_DATA, M_PKTHDR);
		if (!m)
			goto nomem;
		rx_set_buf(sc, i, m);
	}
	sc->rx_next = 0;
	sc->rx_rdt = n - 1;
	sc->rx_head = sc->rx_tail = NULL;
	sc->rx_discard = false;

	/* 14.4: base, length, head and tail, then the timers, then RCTL. */
	e1000_wr(sc, E1000_RDBAL, (uint32_t)sc->rx_ring_pa);
	e1000_wr(sc, E1000_RDBAH, (uint32_t)(sc->rx_ring_pa >> 32));
	e1000_wr(sc, E1000_RDLEN, n * (uint32_t)sizeof(struct e1000_rx_desc));
	e1000_wr(sc, E1000_RDH, 0);
	e1000_wr(sc, E1000_RDT, n - 1);
	e1000_wr(sc, E1000_RDTR, sc->rdtr);
	e1000_wr(sc, E1000_RADV, sc->radv);
	e1000_wr(sc, E1000_RXCSUM, 0);
	/* RCTL last (14.4), and only if it does not hold our value already: each write holds
	 * reception off for a second on QEMU, so the kernel may have written it early in boot
	 * (a real 8254x clears it on reset, and then this writes it). */
	uint32_t rctl = e1000_rctl_value(sc);
	if (e1000_rd(sc, E1000_RCTL) != rctl) {
		e1000_wr(sc, E1000_RCTL, rctl);
		sc->st.rctl_writes++;
	}
	return 0;
nomem:
	e1000_rx_free(sc);
	return -ENOMEM;
}

void e1000_rx_free(struct e1000_softc *sc)
{
	if (sc->rx_buf) {
		for (unsigned i = 0; i < sc->rx_ndesc; i++)
			m_freem(sc->rx_buf[i]);
		port_free(sc->rx_buf);
		sc->rx_buf = NULL;
	}
	if (sc->rx_ring) {
		sc->ops->dma_free(sc->ctx, (void *)sc->rx_ring, sc->rx_ndesc * sizeof(struct e1000_rx_desc));
		sc->rx_ring = NULL;
	}
	m_freem(sc->rx_head);
	sc->rx_head = sc->rx_tail = NULL;
}

static void rx_drop_partial(struct e1000_softc *sc)
{
	m_freem(sc->rx_head);
	sc->rx_head = sc->rx_tail = NULL;
}

/* Takes descriptor i's buffer for the frame under assembly (len bytes), refilling the slot.
 * Returns false when no replacement buffer could be had (the slot keeps its buffer). */
static bool rx_take(struct e1000_softc *sc, unsigned i, uint16_t len, bool eop)
{
	struct mbuf *m;
	if (eop && !sc->rx_head && len <= E1000_RX_COPYBREAK) {
		/* Copybreak: a small mbuf for the frame; the cluster stays where it is. */
		m = m_gethdr(MT_DATA);
		if (!m)
			return false;
		memcpy(m->m_data, sc->rx_buf[i]->m_data, len);
		sc->st.rx_copied++;
		rx_reuse(sc, i);
	} else {
		struct mbuf *fresh = m_getcl(MT_DATA, M_PKTHDR);
		if (!fresh)
			return false;
		m = sc->rx_buf[i];
		rx_set_buf(sc, i, fresh);
	}
	m->m_len = len;
	m->m_next = NULL;
	if (!sc->rx_head) {
		m->m_flags |= M_PKTHDR;
		m->m_pkthdr.len = 0;
		m->m_pkthdr.rcvif = NULL;
		m->m_pkthdr.csum_flags = 0;
		sc->rx_head = m;
	} else {
		m->m_flags &= (uint16_t)~M_PKTHDR;
		sc->rx_tail->m_next = m;
		sc->st.rx_multidesc += eop;
	}
	sc->rx_tail = m;
	sc->rx_head->m_pkthdr.len += len;
	return true;
}

unsigned e1000_rxeof(struct e1000_softc *sc, unsigned max)
{
	unsigned frames = 0, last = sc->rx_ndesc;   /* last descriptor consumed; none yet */
	unsigned mask = sc->rx_ndesc - 1;
	/* The device may fill up to the descriptor before RDT.  If that one is done too, it had
	 * no buffer left (RDH == RDT): frames that arrived meanwhile waited or were missed. */
	if (sc->rx_ring[(sc->rx_rdt - 1) & mask].status & E1000_RXD_STAT_DD)
		sc->st.rx_ringfull++;
	while (frames < max) {
		unsigned i = sc->rx_next;
		volatile struct e1000_rx_desc *d = &sc->rx_ring[i];
		uint8_t status = d->status;
		if (!(status & E1000_RXD_STAT_DD))
			break;
		e1000_rmb();
		uint16_t len = d->length;
		uint8_t errors = d->errors;
		bool eop = (status & E1000_RXD_STAT_EOP) != 0;

		if (sc->rx_discard) {
			/* Tail of a frame already dropped. */
			rx_reuse(sc, i);
		} else if ((eop && (errors & E1000_RXD_ERR_FRAME)) || len > E1000_RXBUF_SIZE) {
			/* 3.2.3.2: error bits are valid on the last descriptor of a frame.  A length
			 * beyond our buffer is impossible from a correct device; counted the same. */
			sc->st.rx_errors++;
			rx_drop_partial(sc);
			rx_reuse(sc, i);
			sc->rx_discard = !eop;
		} else if (!rx_take(sc, i, len, eop)) {
			sc->st.rx_nobufs++;
			rx_drop_partial(sc);
			rx_reuse(sc, i);
			sc->rx_discard = !eop;
		}
		if (eop) {
			sc->rx_discard = false;
			struct mbuf *m = sc->rx_head;
			sc->rx_head = sc->rx_tail = NULL;
			if (m && sc->rx_filter_sw && !e1000_rx_wanted(sc, mtod(m, const uint8_t *))) {
				m_freem(m);
			} else if (m) {
				sc->st.rx_frames++;
				sc->st.rx_bytes += m->m_pkthdr.len;
				sc->rx_deliver(sc->rx_arg, m);
			}
			frames++;
		}
		last = i;
		sc->rx_next = (i + 1) & mask;
	}
	if (last != sc->rx_ndesc) {
		/* The consumed descriptors are the device's again: RDT = the last one (it stops
		 * before RDT, so one slot stays empty and RDH == RDT only when the ring is full of
		 * frames we have not looked at). */
		e1000_wmb();
		e1000_wr(sc, E1000_RDT, last);
		sc->rx_rdt = last;
		sc->st.rx_passes++;
	}
	return frames;
}
