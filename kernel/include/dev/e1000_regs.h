/* Intel 8254x (e1000) registers and descriptors, named as in the Intel "PCI/PCI-X Family of
 * Gigabit Ethernet Controllers Software Developer's Manual" (8254x SDM, rev. 4.0):
 * chapter 13 (register descriptions), 3.2 (receive descriptors), 3.3 (transmit descriptors,
 * context and extended data descriptors for checksum offload and TCP segmentation), 14.4-14.5
 * (receive and transmit initialisation).
 *
 * Only what this driver and its tests use is named; everything here is a plain constant or a
 * fixed-layout struct (no bitfields: the layouts are little-endian byte and word positions,
 * which is the x86 order, so the structs can be laid over DMA memory as they are).
 * Register offsets are byte offsets from BAR0; every access is a 32-bit MMIO read or write
 * (8254x SDM 13.1: "all registers ... should be accessed as 32-bit double words").
 */
#ifndef KERNEL_DEV_E1000_REGS_H
#define KERNEL_DEV_E1000_REGS_H
#include <stdint.h>

/* PCI IDs (8254x SDM 5.1, table 5-1).  QEMU's "e1000" is the 82540EM; it also offers
 * "e1000-82544gc" and "e1000-82545em", which this driver handles the same way. */
#define E1000_VENDOR_INTEL   0x8086
#define E1000_DEV_82540EM    0x100e
#define E1000_DEV_82544GC    0x100c
#define E1000_DEV_82545EM    0x100f

#define E1000_BAR0_SIZE      0x20000     /* 128 KiB of memory-mapped registers */

/* ---- General registers (8254x SDM 13.4) ---- */
#define E1000_CTRL     0x0000  /* 13.4.1 Device Control */
#define E1000_STATUS   0x0008  /* 13.4.2 Device Status */
#define E1000_EECD     0x0010  /* 13.4.3 EEPROM/Flash Control */
#define E1000_EERD     0x0014  /* 13.4.4 EEPROM Read (not 82544GC/EI) */
#define E1000_CTRL_EXT 0x0018  /* Extended Device Control */
#define E1000_MDIC     0x0020  /* MDI Control */
#define E1000_FCAL     0x0028  /* Flow Control Address Low */
#define E1000_FCAH     0x002c
#define E1000_FCT      0x0030  /* Flow Control Type */
#define E1000_VET      0x0038  /* VLAN Ether Type */
#define E1000_FCTTV    0x0170  /* Flow Control Transmit Timer Value */
#define E1000_PBA      0x1000  /* Packet Buffer Allocation (13.4) */

/* CTRL bits (13.4.1) */
#define E1000_CTRL_FD       (1u << 0)   /* full duplex */
#define E1000_CTRL_LRST     (1u << 3)   /* link reset */
#define E1000_CTRL_ASDE     (1u << 5)   /* auto-speed detection enable */
#define E1000_CTRL_SLU      (1u << 6)   /* set link up */
#define E1000_CTRL_ILOS     (1u << 7)   /* invert loss-of-signal */
#define E1000_CTRL_RST      (1u << 26)  /* device reset; self-clearing */
#define E1000_CTRL_RFCE     (1u << 27)  /* receive flow control enable */
#define E1000_CTRL_TFCE     (1u << 28)  /* transmit flow control enable */
#define E1000_CTRL_VME      (1u << 30)  /* VLAN mode enable */
#define E1000_CTRL_PHY_RST  (1u << 31)  /* PHY reset */

/* STATUS bits (13.4.2) */
#define E1000_STATUS_FD          (1u << 0)
#define E1000_STATUS_LU          (1u << 1)   /* link up */
#define E1000_STATUS_TXOFF       (1u << 4)
#define E1000_STATUS_SPEED_SHIFT 6           /* 00 10, 01 100, 10/11 1000 Mb/s */
#define E1000_STATUS_SPEED_MASK  (3u << 6)

/* EERD (13.4.4), 82540/82545 layout: START bit 0, DONE bit 4, ADDR bits 8-15,
 * DATA bits 16-31.  (The 82541/82547 moved DONE to bit 1 and ADDR to bits 2-15.) */
#define E1000_EERD_START      (1u << 0)
#define E1000_EERD_DONE       (1u << 4)
#define E1000_EERD_ADDR_SHIFT 8
#define E1000_EERD_DATA_SHIFT 16
/* EEPROM map (8254x SDM 5.6, table 5-2): words 0-2 are the Ethernet address, and the 16-bit
 * sum of words 0x00-0x3F is 0xBABA when the image is valid (5.6.13). */
#define E1000_EEPROM_MAC_WORD0 0x00
#define E1000_EEPROM_CSUM_LAST 0x3f
#define E1000_EEPROM_CSUM      0xbaba

/* ---- Interrupt registers (13.4.17 ICR onwards) ---- */
#define E1000_ICR      0x00c0  /* Interrupt Cause Read: reading returns and clears all causes */
#define E1000_ITR      0x00c4  /* Interrupt Throttling: minimum interval, 256 ns units */
#define E1000_ICS      0x00c8  /* Interrupt Cause Set */
#define E1000_IMS      0x00d0  /* Interrupt Mask Set/Read */
#define E1000_IMC      0x00d8  /* Interrupt Mask Clear */

/* Interrupt causes, the same bit in ICR, ICS, IMS, IMC (13.4.17) */
#define E1000_ICR_TXDW    (1u << 0)   /* a descriptor with RS was written back */
#define E1000_ICR_TXQE    (1u << 1)   /* transmit queue empty */
#define E1000_ICR_LSC     (1u << 2)   /* link status change */
#define E1000_ICR_RXSEQ   (1u << 3)   /* receive sequence error */
#define E1000_ICR_RXDMT0  (1u << 4)   /* receive descriptors below the minimum threshold */
#define E1000_ICR_RXO     (1u << 6)   /* receiver overrun (no descriptors, FIFO full) */
#define E1000_ICR_RXT0    (1u << 7)   /* receiver timer: frames are waiting */
#define E1000_ICR_MDAC    (1u << 9)
#define E1000_ICR_RXCFG   (1u << 10)
#define E1000_ICR_PHYINT  (1u << 12)
#define E1000_ICR_TXD_LOW (1u << 15)
#define E1000_ICR_SRPD    (1u << 16)
#define E1000_ICR_ALL     0x0001ffffu

/* ---- Receive registers (13.4.22 RCTL onwards) ---- */
#define E1000_RCTL     0x0100  /* 13.4.22 Receive Control */
#define E1000_FCRTL    0x2160
#define E1000_FCRTH    0x2168
#define E1000_RDBAL    0x2800  /* Receive Descriptor Base Address Low (16-byte aligned) */
#define E1000_RDBAH    0x2804
#define E1000_RDLEN    0x2808  /* ring length in bytes, a multiple of 128 */
#define E1000_RDH      0x2810  /* head: next descriptor the device fills */
#define E1000_RDT      0x2818  /* tail: one past the last descriptor software gave */
#define E1000_RDTR     0x2820  /* Receive Delay Timer, 1.024 us units */
#define E1000_RXDCTL   0x2828  /* Receive Descriptor Control */
#define E1000_RADV     0x282c  /* Receive Interrupt Absolute Delay, 1.024 us units */
#define E1000_RSRPD    0x2c00
#define E1000_RXCSUM   0x5000  /* Receive Checksum Control */
#define E1000_MTA      0x5200  /* Multicast Table Array, 128 registers */
#define E1000_MTA_N    128
#define E1000_RAL0     0x5400  /* Receive Address Low, entry 0 */
#define E1000_RAH0     0x5404  /* Receive Address High, entry 0 */
#define E1000_RAH_AV   (1u << 31)  /* address valid */
#define E1000_VFTA     0x5600  /* VLAN filter table, 128 registers */

/* RCTL bits (13.4.22).  Every write to RCTL makes QEMU hold off reception for a second of
 * virtual time: written once at init. */
#define E1000_RCTL_EN        (1u << 1)
#define E1000_RCTL_SBP       (1u << 2)    /* store bad packets */
#define E1000_RCTL_UPE       (1u << 3)    /* unicast promiscuous */
#define E1000_RCTL_MPE       (1u << 4)    /* multicast promiscuous */
#define E1000_RCTL_LPE       (1u << 5)    /* long packet enable (frames over 1522 bytes) */
#define E1000_RCTL_LBM_NONE  (0u << 6)
#define E1000_RCTL_RDMTS_HALF (0u << 8)   /* RXDMT0 when free descriptors fall to 1/2 */
#define E1000_RCTL_RDMTS_QUARTER (1u << 8)
#define E1000_RCTL_RDMTS_EIGHTH (2u << 8)
#define E1000_RCTL_MO_SHIFT  12
#define E1000_RCTL_BAM       (1u << 15)   /* accept broadcast */
#define E1000_RCTL_BSIZE_2048 (0u << 16)  /* with BSEX = 0 */
#define E1000_RCTL_BSIZE_1024 (1u << 16)
#define E1000_RCTL_BSIZE_512  (2u << 16)
#define E1000_RCTL_BSIZE_256  (3u << 16)
#define E1000_RCTL_VFE       (1u << 18)
#define E1000_RCTL_DPF       (1u << 22)   /* discard pause frames */
#define E1000_RCTL_PMCF      (1u << 23)
#define E1000_RCTL_BSEX      (1u << 25)   /* buffer sizes x16 */
#define E1000_RCTL_SECRC     (1u << 26)   /* strip the Ethernet CRC */

#define E1000_RDTR_FPD       (1u << 31)   /* flush partial descriptor block */

/* ---- Transmit registers (13.4.33 TCTL onwards) ---- */
#define E1000_TCTL     0x0400  /* 13.4.33 Transmit Control */
#define E1000_TIPG     0x0410  /* Transmit Inter-Packet Gap */
#define E1000_TDBAL    0x3800  /* Transmit Descriptor Base Address Low */
#define E1000_TDBAH    0x3804
#define E1000_TDLEN    0x3808  /* multiple of 128 */
#define E1000_TDH      0x3810
#define E1000_TDT      0x3818  /* writing it hands descriptors [TDH, TDT) to the device */
#define E1000_TIDV     0x3820  /* transmit interrupt delay (not honoured by QEMU) */
#define E1000_TXDCTL   0x3828
#define E1000_TADV     0x382c  /* transmit absolute interrupt delay, 1.024 us units */
#define E1000_TSPMT    0x3830  /* TCP segmentation pad and minimum threshold */

/* TCTL bits (13.4.33) */
#define E1000_TCTL_EN        (1u << 1)
#define E1000_TCTL_PSP       (1u << 3)    /* pad short packets to 64 bytes */
#define E1000_TCTL_CT_SHIFT  4            /* collision threshold; 0x0F recommended (14.5) */
#define E1000_TCTL_COLD_SHIFT 12          /* collision distance; 0x40 for full duplex (14.5) */
#define E1000_TCTL_RTLC      (1u << 24)   /* retransmit on late collision */

/* TIPG (13.4.34): the IEEE 802.3 values for the 82540EM/82545EM copper PHY. */
#define E1000_TIPG_IPGT      10u
#define E1000_TIPG_IPGR1     8u
#define E1000_TIPG_IPGR2     6u
#define E1000_TIPG_DEFAULT   (E1000_TIPG_IPGT | (E1000_TIPG_IPGR1 << 10) | (E1000_TIPG_IPGR2 << 20))

/* ---- Statistics (13.7): 32-bit counters that clear when read, except the 64-bit
 * octet counters, which are read low then high (the high read clears both). ---- */
#define E1000_CRCERRS  0x4000  /* CRC errors */
#define E1000_ALGNERRC 0x4004  /* alignment errors */
#define E1000_SYMERRS  0x4008
#define E1000_RXERRC   0x400c  /* receive errors */
#define E1000_MPC      0x4010  /* missed packets: no room in the receive FIFO or ring */
#define E1000_SCC      0x4014  /* single collisions */
#define E1000_ECOL     0x4018  /* excessive collisions */
#define E1000_MCC      0x401c
#define E1000_LATECOL  0x4020
#define E1000_COLC     0x4028  /* collisions */
#define E1000_DC       0x4030  /* defers */
#define E1000_TNCRS    0x4034
#define E1000_SEC      0x4038
#define E1000_CEXTERR  0x403c
#define E1000_RLEC     0x4040  /* receive length errors */
#define E1000_XONRXC   0x4048
#define E1000_XONTXC   0x404c
#define E1000_XOFFRXC  0x4050
#define E1000_XOFFTXC  0x4054
#define E1000_FCRUC    0x4058
#define E1000_GPRC     0x4074  /* good packets received */
#define E1000_BPRC     0x4078  /* broadcast packets received */
#define E1000_MPRC     0x407c  /* multicast packets received */
#define E1000_GPTC     0x4080  /* good packets transmitted */
#define E1000_GORCL    0x4088  /* good octets received, low/high */
#define E1000_GORCH    0x408c
#define E1000_GOTCL    0x4090  /* good octets transmitted, low/high */
#define E1000_GOTCH    0x4094
#define E1000_RNBC     0x40a0  /* receive no buffers: the ring was empty */
#define E1000_RUC      0x40a4  /* undersize */
#define E1000_RFC      0x40a8  /* fragments */
#define E1000_ROC      0x40ac  /* oversize */
#define E1000_RJC      0x40b0  /* jabber */
#define E1000_TORL     0x40c0  /* total octets received */
#define E1000_TORH     0x40c4
#define E1000_TOTL     0x40c8  /* total octets transmitted */
#define E1000_TOTH     0x40cc
#define E1000_TPR      0x40d0  /* total packets received */
#define E1000_TPT      0x40d4  /* total packets transmitted */
#define E1000_MPTC     0x40f0
#define E1000_BPTC     0x40f4
#define E1000_TSCTC    0x40f8  /* TCP segmentation contexts transmitted */
#define E1000_TSCTFC   0x40fc  /* TCP segmentation context failures */

/* ---- Descriptors ---- */

/* 3.2.3 Receive descriptor (legacy format), 16 bytes.  Software writes addr; the device
 * writes the rest back when it fills the buffer. */
struct e1000_rx_desc {
	uint64_t addr;          /* buffer physical address */
	uint16_t length;        /* bytes written to the buffer (CRC excluded with RCTL.SECRC) */
	uint16_t csum;          /* packet checksum (not emulated by QEMU) */
	uint8_t status;         /* E1000_RXD_STAT_* */
	uint8_t errors;         /* E1000_RXD_ERR_* */
	uint16_t special;       /* VLAN tag */
};
/* 3.2.3.1 status */
#define E1000_RXD_STAT_DD    0x01   /* descriptor done */
#define E1000_RXD_STAT_EOP   0x02   /* last descriptor of the frame */
#define E1000_RXD_STAT_IXSM  0x04   /* ignore checksum indication */
#define E1000_RXD_STAT_VP    0x08   /* 802.1Q tagged */
#define E1000_RXD_STAT_TCPCS 0x20
#define E1000_RXD_STAT_IPCS  0x40
#define E1000_RXD_STAT_PIF   0x80
/* 3.2.3.2 errors: only valid with EOP */
#define E1000_RXD_ERR_CE     0x01   /* CRC or alignment error */
#define E1000_RXD_ERR_SE     0x02   /* symbol error */
#define E1000_RXD_ERR_SEQ    0x04   /* sequence error */
#define E1000_RXD_ERR_CXE    0x10   /* carrier extension error */
#define E1000_RXD_ERR_TCPE   0x20
#define E1000_RXD_ERR_IPE    0x40
#define E1000_RXD_ERR_RXE    0x80   /* RX data error */
#define E1000_RXD_ERR_FRAME  (E1000_RXD_ERR_CE | E1000_RXD_ERR_SE | E1000_RXD_ERR_SEQ | \
                              E1000_RXD_ERR_CXE | E1000_RXD_ERR_RXE)

/* 3.3.3 Transmit descriptor (legacy format), 16 bytes.  The legacy CSO/CSS fields are not
 * used (QEMU ignores them): checksum insertion goes through context descriptors. */
struct e1000_tx_desc {
	uint64_t addr;
	uint16_t length;        /* bytes of this buffer (max 16288) */
	uint8_t cso;
	uint8_t cmd;            /* E1000_TXD_CMD_* */
	uint8_t status;         /* E1000_TXD_STAT_*, written back when CMD.RS */
	uint8_t css;
	uint16_t special;
};
/* 3.3.3.1 command byte (the same bit positions as DCMD/TUCMD below) */
#define E1000_TXD_CMD_EOP    0x01   /* end of packet */
#define E1000_TXD_CMD_IFCS   0x02   /* insert the FCS */
#define E1000_TXD_CMD_IC     0x04   /* insert checksum (legacy; unused) */
#define E1000_TXD_CMD_TSE    0x04   /* in DCMD/TUCMD: TCP segmentation enable */
#define E1000_TXD_CMD_RS     0x08   /* report status: write DD back (only then) */
#define E1000_TXD_CMD_DEXT   0x20   /* extended descriptor (context or data) */
#define E1000_TXD_CMD_VLE    0x40
#define E1000_TXD_CMD_IDE    0x80   /* interrupt delay enable */
/* 3.3.3.2 status */
#define E1000_TXD_STAT_DD    0x01
#define E1000_TXD_STAT_EC    0x02   /* excess collisions */
#define E1000_TXD_STAT_LC    0x04   /* late collision */
#define E1000_TXD_STAT_TU    0x08   /* transmit underrun */
#define E1000_TXD_MAXLEN     16288u /* 3.3.3: largest buffer one descriptor may carry */

/* 3.3.6 TCP/IP context descriptor, 16 bytes (DEXT = 1, DTYP = 0000).  It sets up checksum
 * insertion and segmentation for the data descriptors that follow:
 *   IPCSS  first byte of the IP header,    IPCSO  where the IP checksum goes,
 *   IPCSE  last byte the IP checksum covers (inclusive),
 *   TUCSS  first byte of the TCP/UDP header, TUCSO where its checksum goes,
 *   TUCSE  last byte the TCP/UDP checksum covers (0 = to the end of the frame).
 * The checksum is the one's complement sum of [xxCSS, xxCSE] stored at xxCSO, so software
 * leaves the IP checksum field 0 and seeds the TCP/UDP checksum field with the pseudo-header
 * sum (not complemented); for TSO the seed leaves out the length, which the device adds per
 * segment (3.3.6.1, 3.5.4). */
struct e1000_tx_ctx_desc {
	uint8_t ipcss;
	uint8_t ipcso;
	uint16_t ipcse;
	uint8_t tucss;
	uint8_t tucso;
	uint16_t tucse;
	uint32_t cmd_paylen;    /* PAYLEN bits 0-19, DTYP bits 20-23, TUCMD bits 24-31 */
	uint8_t status;         /* STA bits 0-3 */
	uint8_t hdrlen;         /* TSO: bytes of headers (Ethernet + IP + TCP) copied per segment */
	uint16_t mss;           /* TSO: payload bytes per segment */
};
/* 3.3.6 TUCMD (bits 24-31 of cmd_paylen) */
#define E1000_TXC_TUCMD_TCP  (1u << 24)   /* TCP (else UDP) */
#define E1000_TXC_TUCMD_IP   (1u << 25)   /* IPv4 (else IPv6) */
#define E1000_TXC_TUCMD_TSE  (1u << 26)
#define E1000_TXC_TUCMD_RS   (1u << 27)
#define E1000_TXC_TUCMD_DEXT (1u << 29)
#define E1000_TXC_TUCMD_IDE  (1u << 31)
#define E1000_TXC_DTYP_CTX   (0u << 20)
#define E1000_TXC_PAYLEN_MASK 0x000fffffu

/* 3.3.7 TCP/IP data descriptor (extended), 16 bytes (DEXT = 1, DTYP = 0001). */
struct e1000_tx_data_desc {
	uint64_t addr;
	uint32_t cmd_len;       /* DTALEN bits 0-19, DTYP bits 20-23, DCMD bits 24-31 */
	uint8_t status;         /* STA bits 0-3 (DD) */
	uint8_t popts;          /* E1000_TXD_POPTS_* */
	uint16_t special;
};
#define E1000_TXD_DTYP_DATA  (1u << 20)
#define E1000_TXD_DTALEN_MASK 0x000fffffu
#define E1000_TXD_DCMD_SHIFT 24          /* the E1000_TXD_CMD_* byte, shifted */
/* 3.3.7.2 POPTS: what to insert, using the preceding context (read from the first data
 * descriptor of the packet) */
#define E1000_TXD_POPTS_IXSM 0x01   /* insert the IP checksum */
#define E1000_TXD_POPTS_TXSM 0x02   /* insert the TCP/UDP checksum */

_Static_assert(sizeof(struct e1000_rx_desc) == 16, "8254x SDM 3.2.3: 16-byte RX descriptor");
_Static_assert(sizeof(struct e1000_tx_desc) == 16, "8254x SDM 3.3.3: 16-byte TX descriptor");
_Static_assert(sizeof(struct e1000_tx_ctx_desc) == 16, "8254x SDM 3.3.6: 16-byte context");
_Static_assert(sizeof(struct e1000_tx_data_desc) == 16, "8254x SDM 3.3.7: 16-byte data desc");

#endif
