/* The fake 82540EM (fake_e1000.h), written from the 8254x SDM and the QEMU behaviour listed
 * in the platform notes; independent of the driver code it tests. */
#include <stdlib.h>
#include <string.h>
#include "dev/e1000_var.h"
#include "fake_e1000.h"

#define R(f, reg) ((f)->regs[(reg) / 4])

static uint32_t fake_rd(void *ctx, uint32_t reg)
{
	struct fake_e1000 *f = ctx;
	if (reg >= sizeof(f->regs) || (reg & 3))
		abort();
	if (reg == E1000_ICR) {
		uint32_t v = f->icr;
		f->icr = 0;
		return v;
	}
	if (reg == E1000_IMC)
		return 0;
	if (reg >= 0x4000 && reg < 0x4100 && !(f->stats_kept && e1000_stat_kept_by_qemu(reg))) {
		/* Statistics clear on read (the octet pairs on the high read; close enough). */
		uint32_t v = R(f, reg);
		R(f, reg) = 0;
		return v;
	}
	return R(f, reg);
}

static void csum_put(uint8_t *p, uint32_t n, unsigned cso, unsigned css, unsigned cse)
{
	/* QEMU's putsum: sum [css, cse] (cse 0: to the end), the field included, store it. */
	if (cse && cse < n)
		n = cse + 1;
	if (cso + 1 >= n || css >= n)
		return;
	uint32_t s = 0;
	for (uint32_t i = css; i < n; i += 2)
		s += (uint32_t)(p[i] << 8) | (i + 1 < n ? p[i + 1] : 0);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	uint16_t c = (uint16_t)~s;
	p[cso] = (uint8_t)(c >> 8);
	p[cso + 1] = (uint8_t)c;
}

static void emit(struct fake_e1000 *f, const uint8_t *p, uint32_t n)
{
	if (f->nout >= FAKE_MAX_TX_FRAMES)
		abort();
	struct fake_frame *o = &f->out[f->nout++];
	o->data = malloc(n);
	memcpy(o->data, p, n);
	o->len = n;
	R(f, E1000_GPTC)++;
	R(f, E1000_TPT)++;
}

static void offload(struct fake_e1000 *f, uint8_t *p, uint32_t n, const uint8_t *c)
{
	const struct e1000_tx_ctx_desc *cx = (const void *)c;
	if (f->popts & E1000_TXD_POPTS_TXSM)
		csum_put(p, n, cx->tucso, cx->tucss, cx->tucse);
	if (f->popts & E1000_TXD_POPTS_IXSM)
		csum_put(p, n, cx->ipcso, cx->ipcss, cx->ipcse);
}

static void tx_finish(struct fake_e1000 *f)
{
	if (!f->pkt_tse) {
		offload(f, f->pkt, f->pkt_len, f->ctx);
		emit(f, f->pkt, f->pkt_len);
		return;
	}
	/* TCP segmentation as QEMU does it: the header template repeated, IP total length and
	 * ID, TCP sequence number per segment, PSH/FIN only on the last, the pseudo-header seed
	 * completed with each segment's TCP length. */
	const struct e1000_tx_ctx_desc *cx = (const void *)f->tso_ctx;
	uint32_t hdr = cx->hdrlen, mss = cx->mss, pay = f->pkt_len - hdr;
	static uint8_t seg[FAKE_FRAME_MAX];
	for (uint32_t off = 0, k = 0; off < pay; off += mss, k++) {
		uint32_t chunk = pay - off < mss ? pay - off : mss;
		memcpy(seg, f->pkt, hdr);
		memcpy(seg + hdr, f->pkt + hdr + off, chunk);
		uint32_t n = hdr + chunk;
		uint8_t *ip = seg + cx->ipcss, *th = seg + cx->tucss;
		uint16_t tot = (uint16_t)(n - cx->ipcss);
		ip[2] = (uint8_t)(tot >> 8); ip[3] = (uint8_t)tot;
		uint16_t id = (uint16_t)(((ip[4] << 8) | ip[5]) + k);
		ip[4] = (uint8_t)(id >> 8); ip[5] = (uint8_t)id;
		uint32_t seq = ((uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 | (uint32_t)th[6] << 8 | th[7]) + off;
		th[4] = (uint8_t)(seq >> 24); th[5] = (uint8_t)(seq >> 16); th[6] = (uint8_t)(seq >> 8); th[7] = (uint8_t)seq;
		if (off + chunk < pay)
			th[13] &= (uint8_t)~0x09;
		uint32_t ph = ((uint32_t)seg[cx->tucso] << 8 | seg[cx->tucso + 1]) + (n - cx->tucss);
		ph = (ph >> 16) + (ph & 0xffff);
		seg[cx->tucso] = (uint8_t)(ph >> 8); seg[cx->tucso + 1] = (uint8_t)ph;
		offload(f, seg, n, f->tso_ctx);
		emit(f, seg, n);
	}
	R(f, E1000_TSCTC)++;
}

void fake_tx_run(struct fake_e1000 *f)
{
	uint32_t n = R(f, E1000_TDLEN) / 16;
	uint8_t *ring = (uint8_t *)(uintptr_t)((uint64_t)R(f, E1000_TDBAH) << 32 | R(f, E1000_TDBAL));
	bool rs = false;
	if (!(R(f, E1000_TCTL) & E1000_TCTL_EN) || !n)
		return;
	while (R(f, E1000_TDH) != R(f, E1000_TDT)) {
		uint32_t h = R(f, E1000_TDH);
		uint8_t *d = ring + 16 * h;
		struct e1000_tx_desc *ld = (void *)d;
		uint8_t cmd;
		if (!(ld->cmd & E1000_TXD_CMD_DEXT)) {
			f->tx_legacy++;
			cmd = ld->cmd;
			if (!f->pkt_started) {
				f->pkt_started = true;
				f->pkt_tse = false;
				f->popts = 0;
			}
			memcpy(f->pkt + f->pkt_len, (void *)(uintptr_t)ld->addr, ld->length);
			f->pkt_len += ld->length;
		} else {
			uint32_t cl = ((struct e1000_tx_data_desc *)d)->cmd_len;
			cmd = (uint8_t)(cl >> E1000_TXD_DCMD_SHIFT);
			if (!(cl & E1000_TXD_DTYP_DATA)) {
				f->tx_ctxd++;
				memcpy(cl & E1000_TXC_TUCMD_TSE ? f->tso_ctx : f->ctx, d, 16);
			} else {
				struct e1000_tx_data_desc *dd = (void *)d;
				f->tx_datad++;
				if (!f->pkt_started) {
					f->pkt_started = true;
					f->popts = dd->popts;   /* from the first data descriptor */
				}
				f->pkt_tse = (cmd & E1000_TXD_CMD_TSE) != 0;
				uint32_t len = cl & E1000_TXD_DTALEN_MASK;
				if (f->pkt_len + len > FAKE_FRAME_MAX)
					abort();
				memcpy(f->pkt + f->pkt_len, (void *)(uintptr_t)dd->addr, len);
				f->pkt_len += len;
			}
		}
		if ((cmd & E1000_TXD_CMD_EOP) && f->pkt_started) {
			tx_finish(f);
			f->pkt_len = 0;
			f->pkt_started = false;
		}
		if (cmd & E1000_TXD_CMD_RS) {
			d[12] |= E1000_TXD_STAT_DD;     /* status byte of every layout */
			f->tx_dd_written++;
			rs = true;
		}
		R(f, E1000_TDH) = (h + 1) % n;
	}
	if (rs)
		f->icr |= E1000_ICR_TXDW;
}

static void fake_wr(void *ctx, uint32_t reg, uint32_t v)
{
	struct fake_e1000 *f = ctx;
	if (reg >= sizeof(f->regs) || (reg & 3))
		abort();
	switch (reg) {
	case E1000_CTRL:
		if ((v & E1000_CTRL_RST) && f->rst_ignored) {
			v &= ~E1000_CTRL_RST;
		} else if (v & E1000_CTRL_RST) {
			uint8_t mac[6];
			memcpy(mac, &R(f, E1000_RAL0), 4);
			memcpy(mac + 4, &R(f, E1000_RAH0), 2);
			memset(f->regs, 0, sizeof(f->regs));
			R(f, E1000_RAL0) = (uint32_t)mac[0] | (uint32_t)mac[1] << 8 |
			    (uint32_t)mac[2] << 16 | (uint32_t)mac[3] << 24;
			R(f, E1000_RAH0) = (uint32_t)mac[4] | (uint32_t)mac[5] << 8 | E1000_RAH_AV;
			fake_set_link(f, f->link);
			f->icr = 0;
			v &= ~E1000_CTRL_RST;
		}
		R(f, reg) = v;
		return;
	case E1000_EERD:
		if (f->eerd_broken) {
			R(f, reg) = v & ~E1000_EERD_DONE;
			return;
		}
		if (v & E1000_EERD_START) {
			unsigned a = (v >> E1000_EERD_ADDR_SHIFT) & 0xff;
			R(f, reg) = E1000_EERD_DONE | (a << E1000_EERD_ADDR_SHIFT) |
			    ((uint32_t)(a < 64 ? f->eeprom[a] : 0) << E1000_EERD_DATA_SHIFT);
		}
		return;
	case E1000_ICS:
		f->icr |= v;
		return;
	case E1000_IMS:
		R(f, E1000_IMS) |= v;
		return;
	case E1000_IMC:
		R(f, E1000_IMS) &= ~v;
		return;
	case E1000_RCTL:
		f->rctl_writes++;
		R(f, reg) = v;
		return;
	case E1000_RDT:
		f->rdt_writes++;
		R(f, reg) = v;
		return;
	case E1000_TDT:
		f->tdt_writes++;
		R(f, reg) = v;
		if (!f->tx_paused)
			fake_tx_run(f);
		return;
	default:
		R(f, reg) = v;
	}
}

static void *fake_dma_alloc(void *ctx, size_t len, uint64_t *pa)
{
	struct fake_e1000 *f = ctx;
	void *p = aligned_alloc(128, (len + 127) & ~(size_t)127);
	if (!p)
		return NULL;
	memset(p, 0, len);
	*pa = (uint64_t)(uintptr_t)p;
	f->dma_live++;
	return p;
}

static void fake_dma_free(void *ctx, void *va, size_t len)
{
	struct fake_e1000 *f = ctx;
	(void)len;
	f->dma_live--;
	free(va);
}

static uint64_t fake_dma_addr(void *ctx, const void *va)
{
	(void)ctx;
	return (uint64_t)(uintptr_t)va;
}

static void fake_delay(void *ctx, unsigned us)
{
	(void)ctx;
	(void)us;
}

const struct e1000_ops fake_ops = {
	.rd = fake_rd, .wr = fake_wr, .dma_alloc = fake_dma_alloc, .dma_free = fake_dma_free,
	.dma_addr = fake_dma_addr, .delay_us = fake_delay,
};

void fake_set_link(struct fake_e1000 *f, bool up)
{
	f->link = up;
	if (up)
		R(f, E1000_STATUS) |= E1000_STATUS_LU | E1000_STATUS_FD | (2u << E1000_STATUS_SPEED_SHIFT);
	else
		R(f, E1000_STATUS) &= ~E1000_STATUS_LU;
}

void fake_init(struct fake_e1000 *f, const uint8_t mac[6])
{
	memset(f, 0, sizeof(*f));
	f->pkt = malloc(FAKE_FRAME_MAX);
	uint16_t sum = 0;
	for (int i = 0; i < 3; i++)
		f->eeprom[i] = (uint16_t)(mac[2 * i] | mac[2 * i + 1] << 8);
	for (int i = 3; i < 63; i++)
		f->eeprom[i] = (uint16_t)(0x1111 * (i & 7));
	for (int i = 0; i < 63; i++)
		sum = (uint16_t)(sum + f->eeprom[i]);
	f->eeprom[63] = (uint16_t)(E1000_EEPROM_CSUM - sum);
	R(f, E1000_RAL0) = (uint32_t)mac[0] | (uint32_t)mac[1] << 8 | (uint32_t)mac[2] << 16 |
	    (uint32_t)mac[3] << 24;
	R(f, E1000_RAH0) = (uint32_t)mac[4] | (uint32_t)mac[5] << 8 | E1000_RAH_AV;
	fake_set_link(f, true);
}

void fake_clear_out(struct fake_e1000 *f)
{
	for (unsigned i = 0; i < f->nout; i++)
		free(f->out[i].data);
	f->nout = 0;
}

void fake_fini(struct fake_e1000 *f)
{
	fake_clear_out(f);
	free(f->pkt);
}

bool fake_rx(struct fake_e1000 *f, const uint8_t *frame, uint32_t len, uint8_t errors)
{
	uint32_t rctl = R(f, E1000_RCTL), n = R(f, E1000_RDLEN) / 16;
	if (!(rctl & E1000_RCTL_EN) || !n)
		return false;
	uint32_t bsize = 2048;      /* BSIZE 00, BSEX 0 */
	uint32_t need = (len + bsize - 1) / bsize;
	uint32_t h = R(f, E1000_RDH), t = R(f, E1000_RDT);
	uint32_t avail = (t + n - h) % n;
	if (avail < need) {
		R(f, E1000_MPC)++;
		R(f, E1000_RNBC)++;
		f->icr |= E1000_ICR_RXO;
		return false;
	}
	uint8_t *ring = (uint8_t *)(uintptr_t)((uint64_t)R(f, E1000_RDBAH) << 32 | R(f, E1000_RDBAL));
	for (uint32_t off = 0; off < len; off += bsize) {
		struct e1000_rx_desc *d = (void *)(ring + 16 * h);
		uint32_t chunk = len - off < bsize ? len - off : bsize;
		memcpy((void *)(uintptr_t)d->addr, frame + off, chunk);
		d->length = (uint16_t)chunk;
		d->errors = off + chunk == len ? errors : 0;
		d->status = E1000_RXD_STAT_DD | (off + chunk == len ? E1000_RXD_STAT_EOP : 0);
		h = (h + 1) % n;
	}
	R(f, E1000_RDH) = h;
	R(f, E1000_GPRC)++;
	R(f, E1000_TPR)++;
	f->icr |= E1000_ICR_RXT0;
	if ((R(f, E1000_RDT) + n - h) % n < n / 2)
		f->icr |= E1000_ICR_RXDMT0;
	return true;
}
