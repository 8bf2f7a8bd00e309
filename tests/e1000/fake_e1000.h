/* A small model of the 82540EM as QEMU 7.2 emulates it, for host tests of the e1000 driver
 * core: a register file, the EEPROM behind EERD, a receive path that fills descriptors from
 * RDH while RDH != RDT, and a transmit path run on every TDT write that understands legacy,
 * context and data descriptors, checksum insertion and TCP segmentation.  "DMA" addresses are
 * host pointers.  What the model sends goes to a list of frames the test inspects. */
#ifndef TESTS_E1000_FAKE_E1000_H
#define TESTS_E1000_FAKE_E1000_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define FAKE_MAX_TX_FRAMES 512
#define FAKE_FRAME_MAX 70000

struct fake_frame {
	uint8_t *data;
	uint32_t len;
};

struct fake_e1000 {
	uint32_t regs[0x20000 / 4];
	uint16_t eeprom[64];
	bool eerd_broken;           /* EERD never reports DONE */
	bool tx_paused;             /* TDT writes are recorded but not processed */
	bool link;
	bool rst_ignored;           /* QEMU's set_ctrl: CTRL.RST only clears itself, no reset */
	bool stats_kept;            /* QEMU's behaviour: e1000_stat_kept_by_qemu registers keep
	                               their value on read (the driver's stats_kept_quirk) */
	unsigned rctl_writes, tdt_writes, rdt_writes;
	uint32_t icr;               /* pending causes */
	/* transmit state carried between descriptors */
	uint8_t *pkt;
	uint32_t pkt_len;
	uint8_t popts;
	bool pkt_started, pkt_tse;
	_Alignas(16) uint8_t ctx[16];          /* the last context descriptor (csum), and the TSO one */
	_Alignas(16) uint8_t tso_ctx[16];
	struct fake_frame out[FAKE_MAX_TX_FRAMES];
	unsigned nout;
	unsigned tx_dd_written;     /* descriptors that got DD */
	unsigned tx_legacy, tx_ctxd, tx_datad;
	uint64_t dma_live;          /* ring allocations outstanding */
};

void fake_init(struct fake_e1000 *f, const uint8_t mac[6]);
void fake_fini(struct fake_e1000 *f);
extern const struct e1000_ops fake_ops;
/* Delivers a frame as the wire would: false when the device had no descriptor (counted in
 * MPC, RXO raised) or reception is off. */
bool fake_rx(struct fake_e1000 *f, const uint8_t *frame, uint32_t len, uint8_t errors);
/* Runs the transmit path as if TDT had just been written (after tx_paused is cleared). */
void fake_tx_run(struct fake_e1000 *f);
void fake_set_link(struct fake_e1000 *f, bool up);
void fake_clear_out(struct fake_e1000 *f);

#endif
