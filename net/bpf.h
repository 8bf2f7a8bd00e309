/* Classic BPF (the filter language of SO_ATTACH_FILTER, Linux's and tcpdump's "cBPF"):
 * the validator that every program passes before it is attached, and the interpreter that
 * runs it over a frame held in an mbuf chain.
 *
 * The instruction set is the one of McCanne & Jacobson, "The BSD Packet Filter" (USENIX 1993)
 * as Linux accepts it (Documentation/networking/filter.rst): accumulator A, index X, 16 words
 * of scratch memory M[], forward-only jumps, and a RET that gives the number of bytes of the
 * frame to keep (0 = drop).  Linux's ancillary loads (negative offsets, SKF_AD_*) are not
 * supported: such a load is out of range and drops the frame.
 */
#ifndef NET_BPF_H
#define NET_BPF_H
#include <stdint.h>
#include <stos/packet.h>

struct mbuf;

/* Instruction fields (Linux <linux/bpf_common.h> values). */
#define BPF_CLASS(c) ((c) & 0x07)
#define BPF_LD   0x00
#define BPF_LDX  0x01
#define BPF_ST   0x02
#define BPF_STX  0x03
#define BPF_ALU  0x04
#define BPF_JMP  0x05
#define BPF_RET  0x06
#define BPF_MISC 0x07
#define BPF_SIZE(c) ((c) & 0x18)
#define BPF_W 0x00
#define BPF_H 0x08
#define BPF_B 0x10
#define BPF_MODE(c) ((c) & 0xe0)
#define BPF_IMM 0x00
#define BPF_ABS 0x20
#define BPF_IND 0x40
#define BPF_MEM 0x60
#define BPF_LEN 0x80
#define BPF_MSH 0xa0
#define BPF_OP(c) ((c) & 0xf0)
#define BPF_ADD 0x00
#define BPF_SUB 0x10
#define BPF_MUL 0x20
#define BPF_DIV 0x30
#define BPF_OR  0x40
#define BPF_AND 0x50
#define BPF_LSH 0x60
#define BPF_RSH 0x70
#define BPF_NEG 0x80
#define BPF_MOD 0x90
#define BPF_XOR 0xa0
#define BPF_JA   0x00
#define BPF_JEQ  0x10
#define BPF_JGT  0x20
#define BPF_JGE  0x30
#define BPF_JSET 0x40
#define BPF_SRC(c) ((c) & 0x08)
#define BPF_K 0x00
#define BPF_X 0x08
#define BPF_RVAL(c) ((c) & 0x18)
#define BPF_A 0x10
#define BPF_MISCOP(c) ((c) & 0xf8)
#define BPF_TAX 0x00
#define BPF_TXA 0x80
#define BPF_MEMWORDS 16

/* Checks a program as Linux's bpf_check_classic does: 1..BPF_MAXINSNS instructions, every
 * opcode known, every jump forward and landing inside the program, scratch indices below
 * BPF_MEMWORDS, no division or modulo by a constant zero, no constant shift of 32 or more,
 * and the last instruction a RET.  Returns 0 or -EINVAL. */
int bpf_validate(const struct sock_filter *f, unsigned len);

/* Runs a validated program over the packet in chain m starting at byte off (the program's
 * offset 0; AF_PACKET SOCK_DGRAM filters see the frame from the network header, as Linux),
 * m_pkthdr.len - off bytes long.  Loads read the mbufs in place when the bytes are contiguous
 * and gather across mbufs otherwise; a load past the end ends the program with 0 (drop), as
 * Linux.  Returns the RET value. */
uint32_t bpf_run(const struct sock_filter *f, const struct mbuf *m, uint32_t off);
/* The same over a flat buffer. */
uint32_t bpf_run_buf(const struct sock_filter *f, const uint8_t *p, uint32_t len);

#endif
