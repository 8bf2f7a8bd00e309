/* e1000 transmit ring (8254x SDM 3.3 transmit descriptors, 3.3.6-3.3.7 context and data
 * descriptors, 14.5 transmit initialisation).
 *
 * Frames go out without copying: each mbuf of the chain becomes one descriptor pointing at its
 * data, and the chain is freed when the device has written DD back on the frame's last
 * descriptor (which alone carries RS: QEMU writes DD only where RS is set, and descriptors
 * complete in order).  A frame that wants checksum insertion or TCP segmentation first gets a
 * context descriptor (skipped when the device already holds the same one), then extended data
 * descriptors; other frames use legacy descriptors.  The device owns [TDH, TDT); TDH == TDT
 * means empty, so at most N-1 descriptors are in use.  e1000_encap only fills descriptors;
 * e1000_tx_commit writes TDT once per batch, after a store barrier.
 */
#include <stos/errno.h>
#include "dev/e1000_var.h"
#include "../../net/netlib.h"
#include "../../net/mbuf.h"
#include "../../net/in_cksum.h"

#define ETH_HLEN 14
#define ETHTYPE_IPV4 0x0800
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17

int e1000_tx_init(struct e1000_softc *sc)
{
	unsigned n = sc->tx_ndesc;
	if (n < 8 || (n & (n - 1)) || n > 4096)
		return -EINVAL;
	sc->tx_ring = sc->ops->dma_alloc(sc->ctx, n * sizeof(struct e1000_tx_desc), &sc->tx_ring_pa);
	sc->tx_mbuf = net_zalloc(n * sizeof(*sc->tx_mbuf));
	sc->tx_last = net_zalloc(n * sizeof(*sc->tx_last));
	if (!sc->tx_ring || !sc->tx_mbuf || !sc->tx_last) {
		e1000_tx_free(sc);
		return -ENOMEM;
	}
	sc->tx_next = sc->tx_clean = 0;
	sc->tx_free = n - 1;
	sc->tx_pending = 0;
	sc->tx_ctx_valid = false;

	/* 14.5: base, length, head = tail = 0, then TIPG and TCTL. */
	e1000_wr(sc, E1000_TDBAL, (uint32_t)sc->tx_ring_pa);
	e1000_wr(sc, E1000_TDBAH, (uint32_t)(sc->tx_ring_pa >> 32));
	e1000_wr(sc, E1000_TDLEN, n * (uint32_t)sizeof(struct e1000_tx_desc));
	e1000_wr(sc, E1000_TDH, 0);
	e1000_wr(sc, E1000_TDT, 0);
	e1000_wr(sc, E1000_TIDV, 0);
	e1000_wr(sc, E1000_TADV, sc->tadv);
	e1000_wr(sc, E1000_TIPG, E1000_TIPG_DEFAULT);
	/* 14.5: enable, pad short packets, collision threshold 0x0F, collision distance 0x40
	 * (full duplex), retransmit on late collision. */
	e1000_wr(sc, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP | (0x0fu << E1000_TCTL_CT_SHIFT) |
	    (0x40u << E1000_TCTL_COLD_SHIFT) | E1000_TCTL_RTLC);
	return 0;
}

void e1000_tx_free(struct e1000_softc *sc)
{
	if (sc->tx_mbuf) {
		for (unsigned i = 0; i < sc->tx_ndesc; i++)
			m_freem(sc->tx_mbuf[i]);
		port_free(sc->tx_mbuf);
		sc->tx_mbuf = NULL;
	}
	port_free(sc->tx_last);
	sc->tx_last = NULL;
	if (sc->tx_ring) {
		sc->ops->dma_free(sc->ctx, (void *)sc->tx_ring, sc->tx_ndesc * sizeof(struct e1000_tx_desc));
		sc->tx_ring = NULL;
	}
}

/* Writes one 16-byte descriptor as two 64-bit stores into the (volatile) ring. */
static void tx_put(struct e1000_softc *sc, unsigned i, const void *desc)
{
	uint64_t q[2];
	memcpy(q, desc, sizeof(q));
	volatile uint64_t *slot = (volatile uint64_t *)&sc->tx_ring[i];
	slot[0] = q[0];
	slot[1] = q[1];
}

static unsigned tx_segs(const struct mbuf *m)
{
	unsigned n = 0;
	for (; m; m = m->m_next)
		if (m->m_len)
			n++;
	return n;
}

unsigned e1000_tx_need(const struct e1000_softc *sc, const struct mbuf *m)
{
	(void)sc;
	unsigned n = tx_segs(m);
	return n > E1000_TX_MAXSEGS ? 0 : n + 1;
}

unsigned e1000_txeof(struct e1000_softc *sc)
{
	unsigned frames = 0, mask = sc->tx_ndesc - 1;
	while (sc->tx_clean != sc->tx_next) {
		unsigned first = sc->tx_clean, last = sc->tx_last[first];
		volatile struct e1000_tx_desc *d = &sc->tx_ring[last];
		uint8_t status = d->status;
		if (!(status & E1000_TXD_STAT_DD))
			break;
		e1000_rmb();
		if (status & (E1000_TXD_STAT_EC | E1000_TXD_STAT_LC))
			sc->st.tx_errors++;
		m_freem(sc->tx_mbuf[last]);
		sc->tx_mbuf[last] = NULL;
		d->status = 0;
		sc->tx_free += ((last - first) & mask) + 1;
		sc->tx_clean = (last + 1) & mask;
		frames++;
	}
	sc->st.tx_reclaimed += frames;
	return frames;
}

void e1000_tx_commit(struct e1000_softc *sc)
{
	if (!sc->tx_pending)
		return;
	/* The descriptors must be in memory before the device sees the new tail. */
	e1000_wmb();
	e1000_wr(sc, E1000_TDT, sc->tx_next);
	sc->tx_pending = 0;
}

/* The context descriptor for o (8254x SDM 3.3.6). */
static void tx_ctx_build(const struct e1000_txoff *o, struct e1000_tx_ctx_desc *c)
{
	memset(c, 0, sizeof(*c));
	c->ipcss = o->ipcss;
	c->ipcso = o->ipcso;
	c->ipcse = o->ipcse;
	c->tucss = o->tucss;
	c->tucso = o->tucso;
	c->tucse = 0;               /* to the end of the frame */
	uint32_t cmd = E1000_TXC_TUCMD_DEXT | E1000_TXC_DTYP_CTX | E1000_TXC_TUCMD_IP;
	if (o->flags & E1000_TXOFF_TCP)
		cmd |= E1000_TXC_TUCMD_TCP;
	if (o->flags & E1000_TXOFF_TSO) {
		cmd |= E1000_TXC_TUCMD_TSE | (o->paylen & E1000_TXC_PAYLEN_MASK);
		c->hdrlen = o->hdrlen;
		c->mss = o->mss;
	}
	c->cmd_paylen = cmd;
}

int e1000_encap(struct e1000_softc *sc, struct mbuf *m, const struct e1000_txoff *o)
{
	uint32_t len = m->m_pkthdr.len;
	bool off = o && (o->flags & (E1000_TXOFF_IPCSUM | E1000_TXOFF_L4CSUM | E1000_TXOFF_TSO));
	bool tso = off && (o->flags & E1000_TXOFF_TSO);
	if (len < ETH_HLEN || len != m_length(m) || (!tso && len > E1000_TXD_MAXLEN) ||
	    (tso && (len > E1000_TSO_MAXLEN || !o->mss || o->hdrlen >= len ||
	    o->paylen != len - o->hdrlen))) {
		sc->st.tx_bad++;
		m_freem(m);
		return -EINVAL;
	}
	unsigned segs = tx_segs(m);
	/* Room first, before m is touched, so -ENOSPC can leave it to the caller unchanged.  A
	 * frame too scattered for the ring is copied into as few clusters as its length needs. */
	bool compact = segs > E1000_TX_MAXSEGS;
	unsigned bound = (compact ? len / MCLBYTES + 2 : segs) + off;
	if (bound > sc->tx_free) {
		e1000_txeof(sc);
		if (bound > sc->tx_free) {
			sc->st.tx_ringfull++;
			return -ENOSPC;
		}
	}
	if (compact) {
		struct mbuf *n = m_dup(m);
		m_freem(m);
		if (!n) {
			sc->st.tx_nobufs++;
			return -ENOBUFS;
		}
		m = n;
		segs = tx_segs(m);
		sc->st.tx_compacted++;
	}

	struct e1000_tx_ctx_desc ctx;
	bool need_ctx = false;
	if (off) {
		tx_ctx_build(o, &ctx);
		need_ctx = !sc->tx_ctx_valid || memcmp(&ctx, &sc->tx_ctx_last, sizeof(ctx)) != 0;
	}
	unsigned need = segs + need_ctx;
	if (need > sc->tx_free) {
		/* Only if the copy came out more scattered than the bound: dropped, counted. */
		sc->st.tx_ringfull++;
		m_freem(m);
		return -ENOBUFS;
	}

	unsigned mask = sc->tx_ndesc - 1, first = sc->tx_next, i = first, last = first;
	if (need_ctx) {
		tx_put(sc, i, &ctx);
		sc->tx_ctx_last = ctx;
		sc->tx_ctx_valid = true;
		sc->st.tx_ctx++;
		i = (i + 1) & mask;
	}
	uint8_t popts = 0;
	if (off) {
		if (o->flags & E1000_TXOFF_IPCSUM)
			popts |= E1000_TXD_POPTS_IXSM;
		if (o->flags & E1000_TXOFF_L4CSUM)
			popts |= E1000_TXD_POPTS_TXSM;
	}
	unsigned left = segs;
	for (struct mbuf *s = m; s; s = s->m_next) {
		if (!s->m_len)
			continue;
		uint8_t cmd = E1000_TXD_CMD_IFCS;
		if (--left == 0)
			cmd |= E1000_TXD_CMD_EOP | E1000_TXD_CMD_RS;
		uint64_t pa = sc->ops->dma_addr(sc->ctx, s->m_data);
		if (off) {
			struct e1000_tx_data_desc dd = {
				.addr = pa,
				.cmd_len = (s->m_len & E1000_TXD_DTALEN_MASK) | E1000_TXD_DTYP_DATA |
				    ((uint32_t)(cmd | E1000_TXD_CMD_DEXT | (tso ? E1000_TXD_CMD_TSE : 0))
				    << E1000_TXD_DCMD_SHIFT),
				.popts = popts,
			};
			tx_put(sc, i, &dd);
		} else {
			struct e1000_tx_desc ld = {
				.addr = pa, .length = (uint16_t)s->m_len, .cmd = cmd,
			};
			tx_put(sc, i, &ld);
		}
		last = i;
		i = (i + 1) & mask;
	}
	sc->tx_last[first] = (uint16_t)last;
	sc->tx_mbuf[last] = m;
	sc->tx_next = i;
	sc->tx_free -= need;
	sc->tx_pending += need;
	sc->st.tx_descs += need;
	sc->st.tx_frames++;
	sc->st.tx_bytes += len;
	if (tso)
		sc->st.tx_tso++;
	else if (off)
		sc->st.tx_csum_offload++;
	return 0;
}

int e1000_txoff_parse(const struct mbuf *m, unsigned want, uint16_t mss, struct e1000_txoff *o)
{
	uint8_t h[ETH_HLEN + 60 + 60];
	uint32_t len = m->m_pkthdr.len;
	uint32_t n = NET_MIN(len, (uint32_t)sizeof(h));
	memset(o, 0, sizeof(*o));
	if (n < ETH_HLEN + 20 || m_copydata(m, 0, n, h) != 0)
		return -EINVAL;
	if (be16_get(h + 12) != ETHTYPE_IPV4)
		return -EINVAL;
	const uint8_t *ip = h + ETH_HLEN;
	unsigned ihl = (ip[0] & 0x0fu) * 4u;
	if ((ip[0] >> 4) != 4 || ihl < 20 || ETH_HLEN + ihl > n)
		return -EINVAL;
	o->ipcss = ETH_HLEN;
	o->ipcso = ETH_HLEN + 10;
	o->ipcse = (uint16_t)(ETH_HLEN + ihl - 1);
	if (want & E1000_TXOFF_IPCSUM)
		o->flags |= E1000_TXOFF_IPCSUM;
	if (!(want & (E1000_TXOFF_L4CSUM | E1000_TXOFF_TSO)))
		return o->flags ? 0 : -EINVAL;

	/* The transport checksum covers the whole datagram: never a fragment. */
	if (be16_get(ip + 6) & 0x3fffu)
		return -EINVAL;
	unsigned l4 = ETH_HLEN + ihl;
	uint8_t proto = ip[9];
	o->tucss = (uint8_t)l4;
	if (proto == IPPROTO_TCP_) {
		if (l4 + 20 > n)
			return -EINVAL;
		unsigned thl = (h[l4 + 12] >> 4) * 4u;
		if (thl < 20 || l4 + thl > n)
			return -EINVAL;
		o->tucso = (uint8_t)(l4 + 16);
		o->flags |= E1000_TXOFF_L4CSUM | E1000_TXOFF_TCP;
		if (want & E1000_TXOFF_TSO) {
			if (!mss || l4 + thl >= len)
				return -EINVAL;
			o->flags |= E1000_TXOFF_TSO | E1000_TXOFF_IPCSUM;
			o->hdrlen = (uint8_t)(l4 + thl);
			o->mss = mss;
			o->paylen = len - o->hdrlen;
		}
	} else if (proto == IPPROTO_UDP_ && !(want & E1000_TXOFF_TSO)) {
		if (l4 + 8 > n)
			return -EINVAL;
		o->tucso = (uint8_t)(l4 + 6);
		o->flags |= E1000_TXOFF_L4CSUM;
	} else {
		return -EINVAL;
	}
	return 0;
}

int e1000_txoff_request(const struct mbuf *m, struct e1000_txoff *o)
{
	unsigned f = m->m_pkthdr.csum_flags, want = 0;
	memset(o, 0, sizeof(*o));
	if (f & CSUM_IP)
		want |= E1000_TXOFF_IPCSUM;
	if (f & (CSUM_TCP | CSUM_UDP))
		want |= E1000_TXOFF_L4CSUM;
	if (f & CSUM_TSO)
		want |= E1000_TXOFF_TSO;
	if (!want)
		return 0;
	int rc = e1000_txoff_parse(m, want, m->m_pkthdr.tso_segsz, o);
	/* The stack asked for exactly the protocol it sent (ip_csum_output checked it). */
	if (rc == 0 && (f & (CSUM_TCP | CSUM_UDP)) &&
	    !(o->flags & E1000_TXOFF_TCP) != !(f & CSUM_TCP))
		rc = -EINVAL;
	return rc;
}

/* Stores a 16-bit checksum at off (the header bytes must be writable). */
static int put16(struct mbuf *m, uint32_t off, uint16_t v)
{
	uint8_t b[2];
	be16_put(b, v);
	return m_copyback(m, off, 2, b);
}

int e1000_tx_swcsum(struct mbuf *m, const struct e1000_txoff *o)
{
	uint32_t len = m->m_pkthdr.len;
	if (o->flags & E1000_TXOFF_TSO)
		return -EINVAL;
	if (o->flags & E1000_TXOFF_IPCSUM) {
		if (o->ipcse >= len || put16(m, o->ipcso, 0) != 0)
			return -EINVAL;
		if (put16(m, o->ipcso, in_cksum_mbuf(m, o->ipcss, o->ipcse - o->ipcss + 1u, 0)) != 0)
			return -EINVAL;
	}
	if (o->flags & E1000_TXOFF_L4CSUM) {
		/* The field holds the pseudo-header sum (the offload contract), so summing the
		 * segment with it in place gives the final checksum. */
		if (o->tucss >= len)
			return -EINVAL;
		uint16_t c = in_cksum_mbuf(m, o->tucss, len - o->tucss, 0);
		if (!(o->flags & E1000_TXOFF_TCP) && c == 0)
			c = 0xffff;         /* RFC 768: a computed zero is sent as all ones */
		if (put16(m, o->tucso, c) != 0)
			return -EINVAL;
	}
	return 0;
}
