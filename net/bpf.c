/* Classic BPF: validator and interpreter (see bpf.h). */
#include "netlib.h"
#include "bpf.h"
#include "mbuf.h"
#include <stos/errno.h>

/* The opcodes Linux accepts for classic programs (net/core/filter.c, codes[] of
 * bpf_check_classic). */
static bool bpf_opcode_known(uint16_t code)
{
	switch (code) {
	case BPF_LD | BPF_W | BPF_ABS: case BPF_LD | BPF_H | BPF_ABS: case BPF_LD | BPF_B | BPF_ABS:
	case BPF_LD | BPF_W | BPF_IND: case BPF_LD | BPF_H | BPF_IND: case BPF_LD | BPF_B | BPF_IND:
	case BPF_LD | BPF_W | BPF_LEN: case BPF_LD | BPF_IMM: case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_W | BPF_LEN: case BPF_LDX | BPF_B | BPF_MSH: case BPF_LDX | BPF_IMM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST: case BPF_STX:
	case BPF_ALU | BPF_NEG:
	case BPF_RET | BPF_K: case BPF_RET | BPF_A:
	case BPF_MISC | BPF_TAX: case BPF_MISC | BPF_TXA:
	case BPF_JMP | BPF_JA:
		return true;
	}
	if (BPF_CLASS(code) == BPF_ALU && (code & ~(0xf0 | BPF_X | 0x07)) == 0) {
		switch (BPF_OP(code)) {
		case BPF_ADD: case BPF_SUB: case BPF_MUL: case BPF_DIV: case BPF_MOD:
		case BPF_AND: case BPF_OR: case BPF_XOR: case BPF_LSH: case BPF_RSH:
			return true;
		}
		return false;
	}
	if (BPF_CLASS(code) == BPF_JMP && (code & ~(0xf0 | BPF_X | 0x07)) == 0) {
		switch (BPF_OP(code)) {
		case BPF_JEQ: case BPF_JGT: case BPF_JGE: case BPF_JSET:
			return true;
		}
	}
	return false;
}

int bpf_validate(const struct sock_filter *f, unsigned len)
{
	unsigned pc;
	if (!f || len == 0 || len > BPF_MAXINSNS)
		return -EINVAL;
	for (pc = 0; pc < len; pc++) {
		const struct sock_filter *i = &f[pc];
		unsigned left = len - pc - 1;   /* instructions after this one */
		if (!bpf_opcode_known(i->code))
			return -EINVAL;
		switch (BPF_CLASS(i->code)) {
		case BPF_LD:
		case BPF_LDX:
			if (BPF_MODE(i->code) == BPF_MEM && i->k >= BPF_MEMWORDS)
				return -EINVAL;
			break;
		case BPF_ST:
		case BPF_STX:
			if (i->k >= BPF_MEMWORDS)
				return -EINVAL;
			break;
		case BPF_ALU:
			if (BPF_SRC(i->code) == BPF_K) {
				if ((BPF_OP(i->code) == BPF_DIV || BPF_OP(i->code) == BPF_MOD) && i->k == 0)
					return -EINVAL;
				if ((BPF_OP(i->code) == BPF_LSH || BPF_OP(i->code) == BPF_RSH) && i->k >= 32)
					return -EINVAL;
			}
			break;
		case BPF_JMP:
			/* Forward only, landing inside the program: loops are impossible, so every
			 * program ends after at most len instructions. */
			if (BPF_OP(i->code) == BPF_JA) {
				if (i->k >= left)
					return -EINVAL;
			} else if (i->jt >= left || i->jf >= left) {
				return -EINVAL;
			}
			break;
		}
	}
	if (BPF_CLASS(f[len - 1].code) != BPF_RET)
		return -EINVAL;
	return 0;
}

/* The frame a program reads: an mbuf chain, or a flat buffer when m is NULL. */
struct bpf_pkt {
	const struct mbuf *m;
	const uint8_t *buf;
	uint32_t off;               /* where the program's offset 0 is in m */
	uint32_t len;               /* bytes from there */
};

/* Points at n (<= 4) bytes at off: in place when contiguous, else gathered into tmp.  NULL
 * when the bytes are not all inside the frame. */
static const uint8_t *bpf_bytes(const struct bpf_pkt *p, uint32_t off, uint32_t n, uint8_t *tmp)
{
	const struct mbuf *m;
	if (off > p->len || n > p->len - off)
		return NULL;
	if (!p->m)
		return p->buf + off;
	off += p->off;
	for (m = p->m; m && off >= m->m_len; m = m->m_next)
		off -= m->m_len;
	if (!m)
		return NULL;
	if (m->m_len - off >= n)
		return m->m_data + off;
	/* Straddles mbufs: gather. */
	for (uint32_t got = 0; got < n; m = m->m_next, off = 0) {
		uint32_t c;
		if (!m)
			return NULL;
		c = NET_MIN(m->m_len - off, n - got);
		memcpy(tmp + got, m->m_data + off, c);
		got += c;
	}
	return tmp;
}

static uint32_t bpf_exec(const struct sock_filter *f, const struct bpf_pkt *p)
{
	uint32_t A = 0, X = 0, M[BPF_MEMWORDS];
	uint8_t tmp[4];
	const uint8_t *b;
	uint32_t off, v;
	unsigned pc = 0;

	memset(M, 0, sizeof(M));
	for (;; pc++) {
		const struct sock_filter *i = &f[pc];
		uint32_t k = i->k;
		switch (i->code) {
		case BPF_RET | BPF_K:
			return k;
		case BPF_RET | BPF_A:
			return A;
		case BPF_LD | BPF_W | BPF_ABS:
		case BPF_LD | BPF_H | BPF_ABS:
		case BPF_LD | BPF_B | BPF_ABS:
		case BPF_LD | BPF_W | BPF_IND:
		case BPF_LD | BPF_H | BPF_IND:
		case BPF_LD | BPF_B | BPF_IND: {
			uint32_t n = BPF_SIZE(i->code) == BPF_W ? 4 : BPF_SIZE(i->code) == BPF_H ? 2 : 1;
			off = k;
			if (BPF_MODE(i->code) == BPF_IND) {
				off = X + k;
				if (off < X)        /* wrapped: out of any frame */
					return 0;
			}
			b = bpf_bytes(p, off, n, tmp);
			if (!b)
				return 0;
			A = n == 4 ? be32_get(b) : n == 2 ? be16_get(b) : b[0];
			break;
		}
		case BPF_LD | BPF_W | BPF_LEN:
			A = p->len;
			break;
		case BPF_LDX | BPF_W | BPF_LEN:
			X = p->len;
			break;
		case BPF_LD | BPF_IMM:
			A = k;
			break;
		case BPF_LDX | BPF_IMM:
			X = k;
			break;
		case BPF_LD | BPF_MEM:
			A = M[k];
			break;
		case BPF_LDX | BPF_MEM:
			X = M[k];
			break;
		case BPF_LDX | BPF_B | BPF_MSH:
			b = bpf_bytes(p, k, 1, tmp);
			if (!b)
				return 0;
			X = 4u * (b[0] & 0xfu);
			break;
		case BPF_ST:
			M[k] = A;
			break;
		case BPF_STX:
			M[k] = X;
			break;
		case BPF_MISC | BPF_TAX:
			X = A;
			break;
		case BPF_MISC | BPF_TXA:
			A = X;
			break;
		case BPF_ALU | BPF_NEG:
			A = 0u - A;
			break;
		case BPF_JMP | BPF_JA:
			pc += k;
			break;
		default:
			v = BPF_SRC(i->code) == BPF_X ? X : k;
			if (BPF_CLASS(i->code) == BPF_ALU) {
				switch (BPF_OP(i->code)) {
				case BPF_ADD: A += v; break;
				case BPF_SUB: A -= v; break;
				case BPF_MUL: A *= v; break;
				case BPF_DIV:
					if (v == 0)     /* X == 0: the program returns 0, as Linux */
						return 0;
					A /= v;
					break;
				case BPF_MOD:
					if (v == 0)
						return 0;
					A %= v;
					break;
				case BPF_AND: A &= v; break;
				case BPF_OR: A |= v; break;
				case BPF_XOR: A ^= v; break;
				case BPF_LSH: A = v >= 32 ? 0 : A << v; break;
				case BPF_RSH: A = v >= 32 ? 0 : A >> v; break;
				default: return 0;
				}
			} else if (BPF_CLASS(i->code) == BPF_JMP) {
				bool t;
				switch (BPF_OP(i->code)) {
				case BPF_JEQ: t = A == v; break;
				case BPF_JGT: t = A > v; break;
				case BPF_JGE: t = A >= v; break;
				case BPF_JSET: t = (A & v) != 0; break;
				default: return 0;
				}
				pc += t ? i->jt : i->jf;
			} else {
				return 0;           /* not reached for a validated program */
			}
			break;
		}
	}
}

uint32_t bpf_run(const struct sock_filter *f, const struct mbuf *m, uint32_t off)
{
	uint32_t total = (m->m_flags & M_PKTHDR) ? m->m_pkthdr.len : m_length(m);
	struct bpf_pkt p = { m, NULL, off, total > off ? total - off : 0 };
	return bpf_exec(f, &p);
}

uint32_t bpf_run_buf(const struct sock_filter *f, const uint8_t *buf, uint32_t len)
{
	struct bpf_pkt p = { NULL, buf, 0, len };
	return bpf_exec(f, &p);
}
