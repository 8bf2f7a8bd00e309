/* Classic BPF (net/bpf.c): the validator refuses every malformed or malicious program Linux
 * refuses; the interpreter computes the right answers, bounds-checks every packet load (out of
 * range = 0, drop), reads across mbuf boundaries, and divides by a zero X safely. */
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "net/bpf.h"
#include "net/mbuf.h"
#include <stos/errno.h>

#define S(c, k) { (uint16_t)(c), 0, 0, (uint32_t)(k) }
#define J(c, k, t, f) { (uint16_t)(c), (uint8_t)(t), (uint8_t)(f), (uint32_t)(k) }
#define N(a) (unsigned)(sizeof(a) / sizeof((a)[0]))

static struct tu_leakcheck lc;
static int setup(void **st) { (void)st; tu_leakcheck_begin(&lc); return 0; }
static int teardown(void **st) { (void)st; tu_leakcheck_end(&lc); return 0; }

/* An ICMP echo request frame: Ethernet + IPv4 (20 bytes) + ICMP (8 + 32). */
static size_t icmp_frame(uint8_t *b)
{
	uint8_t pl[32];
	uint8_t d[6] = { 2, 0, 0, 0, 0, 1 }, s[6] = { 2, 0, 0, 0, 0, 0x99 };
	size_t n = tu_eth(b, d, s, 0x0800);
	memset(pl, 0xab, sizeof(pl));
	n += tu_ip(b + n, 0x0a000063, 0x0a000001, 1, 7, 0, 64, 8 + sizeof(pl), NULL, 0);
	n += tu_icmp(b + n, 8, 0, 1, 1, pl, sizeof(pl));
	return n;
}

/* tcpdump -dd "icmp": ether type 0x800 and ip proto 1, keep 262144. */
static const struct sock_filter icmp_prog[] = {
	S(BPF_LD | BPF_H | BPF_ABS, 12),
	J(BPF_JMP | BPF_JEQ | BPF_K, 0x0800, 0, 3),
	S(BPF_LD | BPF_B | BPF_ABS, 23),
	J(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
	S(BPF_RET | BPF_K, 262144),
	S(BPF_RET | BPF_K, 0),
};

static void test_validate_accepts_good(void **st)
{
	(void)st;
	static const struct sock_filter alu[] = {
		S(BPF_LD | BPF_IMM, 7), S(BPF_ST, 15), S(BPF_LDX | BPF_IMM, 3), S(BPF_STX, 0),
		S(BPF_ALU | BPF_ADD | BPF_X, 0), S(BPF_ALU | BPF_MUL | BPF_K, 5),
		S(BPF_ALU | BPF_DIV | BPF_K, 2), S(BPF_ALU | BPF_MOD | BPF_K, 7),
		S(BPF_ALU | BPF_LSH | BPF_K, 31), S(BPF_ALU | BPF_RSH | BPF_K, 30),
		S(BPF_ALU | BPF_NEG, 0), S(BPF_MISC | BPF_TAX, 0), S(BPF_MISC | BPF_TXA, 0),
		S(BPF_LD | BPF_MEM, 15), S(BPF_LDX | BPF_MEM, 0), S(BPF_LDX | BPF_W | BPF_LEN, 0),
		S(BPF_LDX | BPF_B | BPF_MSH, 14), S(BPF_JMP | BPF_JA, 0), S(BPF_RET | BPF_A, 0),
	};
	assert_int_equal(bpf_validate(icmp_prog, N(icmp_prog)), 0);
	assert_int_equal(bpf_validate(alu, N(alu)), 0);
}

static void test_validate_rejects_malicious(void **st)
{
	(void)st;
	static const struct sock_filter noret[] = { S(BPF_LD | BPF_IMM, 1) };
	static const struct sock_filter badop[] = { S(0xffff, 0), S(BPF_RET | BPF_K, 0) };
	static const struct sock_filter badop2[] = { S(BPF_LD | BPF_B | BPF_LEN, 0), S(BPF_RET | BPF_K, 0) };
	static const struct sock_filter retx[] = { S(BPF_RET | BPF_X, 0) };
	static const struct sock_filter jabeyond[] = { S(BPF_JMP | BPF_JA, 1), S(BPF_RET | BPF_K, 0) };
	static const struct sock_filter jahuge[] = { S(BPF_JMP | BPF_JA, 0xffffffffu), S(BPF_RET | BPF_K, 0) };
	static const struct sock_filter jtbeyond[] = {
		J(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), S(BPF_RET | BPF_K, 0) };
	static const struct sock_filter jfbeyond[] = {
		J(BPF_JMP | BPF_JGT | BPF_X, 0, 0, 255), S(BPF_RET | BPF_K, 0) };
	static const struct sock_filter mem_ld[] = { S(BPF_LD | BPF_MEM, 16), S(BPF_RET | BPF_K, 0) };
	static const struct sock_filter mem_ldx[] = { S(BPF_LDX | BPF_MEM, 1000), S(BPF_RET | BPF_K, 0) };
	static const struct sock_filter mem_st[] = { S(BPF_ST, 16), S(BPF_RET | BPF_K, 0) };
	static const struct sock_filter mem_stx[] = { S(BPF_STX, 0xffffffffu), S(BPF_RET | BPF_K, 0) };
	static const struct sock_filter div0[] = { S(BPF_ALU | BPF_DIV | BPF_K, 0), S(BPF_RET | BPF_A, 0) };
	static const struct sock_filter mod0[] = { S(BPF_ALU | BPF_MOD | BPF_K, 0), S(BPF_RET | BPF_A, 0) };
	static const struct sock_filter shift32[] = { S(BPF_ALU | BPF_LSH | BPF_K, 32), S(BPF_RET | BPF_A, 0) };
	static const struct sock_filter retmid[] = { S(BPF_RET | BPF_K, 1), S(BPF_LD | BPF_IMM, 0) };
	struct sock_filter *big = calloc(BPF_MAXINSNS + 1, sizeof(*big));
	struct {
		const struct sock_filter *p;
		unsigned n;
	} bad[] = {
		{ noret, N(noret) }, { badop, N(badop) }, { badop2, N(badop2) }, { retx, N(retx) },
		{ jabeyond, N(jabeyond) }, { jahuge, N(jahuge) }, { jtbeyond, N(jtbeyond) },
		{ jfbeyond, N(jfbeyond) }, { mem_ld, N(mem_ld) }, { mem_ldx, N(mem_ldx) },
		{ mem_st, N(mem_st) }, { mem_stx, N(mem_stx) }, { div0, N(div0) }, { mod0, N(mod0) },
		{ shift32, N(shift32) }, { retmid, N(retmid) }, { icmp_prog, 0 }, { NULL, 1 },
	};
	for (unsigned i = 0; i < N(bad); i++) {
		assert_int_equal(bpf_validate(bad[i].p, bad[i].n), -EINVAL);
	}
	/* Length limits: BPF_MAXINSNS is fine, one more is not. */
	assert_non_null(big);
	for (unsigned i = 0; i <= BPF_MAXINSNS; i++)
		big[i] = (struct sock_filter)S(BPF_RET | BPF_K, 0);
	assert_int_equal(bpf_validate(big, BPF_MAXINSNS), 0);
	assert_int_equal(bpf_validate(big, BPF_MAXINSNS + 1), -EINVAL);
	/* Every one of the 65536 opcodes: none of the unknown ones passes, none crashes. */
	for (unsigned c = 0; c < 0x10000; c++) {
		struct sock_filter p[2] = { S(c, 1), S(BPF_RET | BPF_K, 0) };
		if (bpf_validate(p, 2) == 0 && c != (BPF_JMP | BPF_JA))
			(void)bpf_run_buf(p, (const uint8_t *)"abcd", 4);
	}
	free(big);
}

static void test_run_icmp_filter(void **st)
{
	(void)st;
	uint8_t f[128];
	size_t n = icmp_frame(f);
	assert_int_equal(bpf_run_buf(icmp_prog, f, (uint32_t)n), 262144);
	f[23] = 17;     /* UDP */
	assert_int_equal(bpf_run_buf(icmp_prog, f, (uint32_t)n), 0);
	f[23] = 1;
	f[12] = 0x08, f[13] = 0x06;   /* ARP */
	assert_int_equal(bpf_run_buf(icmp_prog, f, (uint32_t)n), 0);
}

/* A load that reaches past the frame ends the program with 0 even when the next instruction
 * would accept. */
static void test_out_of_bounds_loads_drop(void **st)
{
	(void)st;
	uint8_t f[64];
	memset(f, 1, sizeof(f));
	static const struct sock_filter abs_w[] = { S(BPF_LD | BPF_W | BPF_ABS, 61), S(BPF_RET | BPF_K, 99) };
	static const struct sock_filter abs_ok[] = { S(BPF_LD | BPF_W | BPF_ABS, 60), S(BPF_RET | BPF_K, 99) };
	static const struct sock_filter abs_big[] = { S(BPF_LD | BPF_B | BPF_ABS, 0xfffffffeu), S(BPF_RET | BPF_K, 99) };
	static const struct sock_filter ind_wrap[] = {
		S(BPF_LDX | BPF_IMM, 0xfffffff0u), S(BPF_LD | BPF_H | BPF_IND, 0x20), S(BPF_RET | BPF_K, 99) };
	static const struct sock_filter msh[] = { S(BPF_LDX | BPF_B | BPF_MSH, 64), S(BPF_RET | BPF_K, 99) };
	static const struct sock_filter divx0[] = {
		S(BPF_LD | BPF_IMM, 10), S(BPF_LDX | BPF_IMM, 0), S(BPF_ALU | BPF_DIV | BPF_X, 0), S(BPF_RET | BPF_K, 99) };
	static const struct sock_filter modx0[] = {
		S(BPF_LD | BPF_IMM, 10), S(BPF_ALU | BPF_MOD | BPF_X, 0), S(BPF_RET | BPF_K, 99) };
	static const struct sock_filter len[] = { S(BPF_LD | BPF_W | BPF_LEN, 0), S(BPF_RET | BPF_A, 0) };
	assert_int_equal(bpf_run_buf(abs_w, f, 64), 0);
	assert_int_equal(bpf_run_buf(abs_ok, f, 64), 99);
	assert_int_equal(bpf_run_buf(abs_big, f, 64), 0);
	assert_int_equal(bpf_run_buf(ind_wrap, f, 64), 0);
	assert_int_equal(bpf_run_buf(msh, f, 64), 0);
	assert_int_equal(bpf_run_buf(divx0, f, 64), 0);
	assert_int_equal(bpf_run_buf(modx0, f, 64), 0);
	assert_int_equal(bpf_run_buf(len, f, 64), 64);
	assert_int_equal(bpf_run_buf(abs_ok, f, 0), 0);
}

static void test_alu_and_jumps(void **st)
{
	(void)st;
	static const struct sock_filter alu[] = {
		S(BPF_LD | BPF_IMM, 7), S(BPF_ST, 15), S(BPF_LDX | BPF_IMM, 3),
		S(BPF_ALU | BPF_ADD | BPF_X, 0),       /* 10 */
		S(BPF_ALU | BPF_MUL | BPF_K, 5),       /* 50 */
		S(BPF_ALU | BPF_SUB | BPF_K, 8),       /* 42 */
		S(BPF_ALU | BPF_DIV | BPF_K, 4),       /* 10 */
		S(BPF_ALU | BPF_MOD | BPF_K, 7),       /* 3 */
		S(BPF_ALU | BPF_LSH | BPF_K, 4),       /* 48 */
		S(BPF_ALU | BPF_OR | BPF_K, 1),        /* 49 */
		S(BPF_ALU | BPF_AND | BPF_K, 0x31),    /* 49 */
		S(BPF_ALU | BPF_XOR | BPF_K, 0x30),    /* 1 */
		S(BPF_ALU | BPF_NEG, 0),               /* 0xffffffff */
		S(BPF_ALU | BPF_RSH | BPF_K, 28),      /* 15 */
		S(BPF_LDX | BPF_MEM, 15),              /* X = 7 */
		S(BPF_ALU | BPF_ADD | BPF_X, 0),       /* 22 */
		J(BPF_JMP | BPF_JGE | BPF_K, 22, 0, 3),
		J(BPF_JMP | BPF_JGT | BPF_K, 22, 2, 0),
		J(BPF_JMP | BPF_JSET | BPF_K, 0x10, 0, 1),
		S(BPF_JMP | BPF_JA, 1),
		S(BPF_RET | BPF_K, 1),
		S(BPF_RET | BPF_A, 0),
	};
	assert_int_equal(bpf_run_buf(alu, (const uint8_t *)"", 0), 22);
}

/* The same program over a chain of 1-, 3- and 7-byte mbufs as over the flat frame: loads
 * that straddle mbufs are gathered. */
static void test_run_over_mbuf_chains(void **st)
{
	(void)st;
	uint8_t f[128];
	size_t n = icmp_frame(f);
	static const struct sock_filter w[] = {
		S(BPF_LD | BPF_W | BPF_ABS, 26), S(BPF_ST, 0),   /* source address */
		S(BPF_LDX | BPF_B | BPF_MSH, 14),                /* IP header length: 20 */
		S(BPF_LD | BPF_H | BPF_IND, 14 + 4),             /* ICMP id */
		S(BPF_LDX | BPF_MEM, 0), S(BPF_ALU | BPF_ADD | BPF_X, 0), S(BPF_RET | BPF_A, 0),
	};
	static const struct sock_filter ipproto_prog[] = {
		S(BPF_LD | BPF_B | BPF_ABS, 9), S(BPF_RET | BPF_A, 0) };
	static const struct sock_filter len_prog[] = {
		S(BPF_LD | BPF_W | BPF_LEN, 0), S(BPF_RET | BPF_A, 0) };
	uint32_t want = bpf_run_buf(w, f, (uint32_t)n);
	assert_int_equal(want, 0x0a000063u + 1);
	for (uint32_t piece = 0; piece < 8; piece++) {
		struct mbuf *m = tu_chain(f, (uint32_t)n, piece);
		assert_non_null(m);
		assert_int_equal(bpf_run(w, m, 0), want);
		assert_int_equal(bpf_run(icmp_prog, m, 0), 262144);
		/* From the IP header on (offset 14): byte 9 is the protocol. */
		assert_int_equal(bpf_run(ipproto_prog, m, 14), 1);
		assert_int_equal(bpf_run(len_prog, m, 14), n - 14);
		assert_int_equal(bpf_run(len_prog, m, (uint32_t)n + 5), 0);
		m_freem(m);
	}
}

/* Random programs: whatever the validator accepts runs to completion on random frames, and
 * gives the same answer over a flat buffer and over mbuf chains cut anywhere (the property
 * that makes in-place and gathered loads interchangeable). */
static void test_random_programs(void **st)
{
	(void)st;
	static const uint16_t ops[] = {
		0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0x80, 0x00, 0x60, 0x81, 0xb1, 0x01, 0x61, 0x02,
		0x03, 0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x44, 0x4c, 0x54, 0x5c, 0x64,
		0x6c, 0x74, 0x7c, 0x84, 0x94, 0x9c, 0xa4, 0xac, 0x05, 0x15, 0x1d, 0x25, 0x2d, 0x35,
		0x3d, 0x45, 0x4d, 0x06, 0x16, 0x07, 0x87,
	};
	uint8_t frame[300];
	unsigned seed = 12345, valid = 0;
#define RND() (seed = seed * 1103515245u + 12345u, (seed >> 8))
	for (int iter = 0; iter < 20000; iter++) {
		struct sock_filter p[10];
		unsigned n = 1 + RND() % 10;
		uint32_t len = RND() % sizeof(frame);
		for (unsigned i = 0; i < n; i++) {
			p[i].code = ops[RND() % (sizeof(ops) / sizeof(ops[0]))];
			p[i].jt = (uint8_t)(RND() % 4);
			p[i].jf = (uint8_t)(RND() % 4);
			p[i].k = RND() % 4 == 0 ? RND() : RND() % 64;
		}
		if (RND() % 2)
			p[n - 1] = (struct sock_filter)S(BPF_RET | BPF_A, 0);
		if (bpf_validate(p, n) != 0)
			continue;
		valid++;
		for (uint32_t i = 0; i < len; i++)
			frame[i] = (uint8_t)RND();
		uint32_t want = bpf_run_buf(p, frame, len);
		struct mbuf *m = tu_chain(frame, len, 1 + RND() % 9);
		assert_non_null(m);
		assert_int_equal(bpf_run(p, m, 0), want);
		m_freem(m);
	}
#undef RND
	assert_true(valid > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_validate_accepts_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validate_rejects_malicious, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_icmp_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_bounds_loads_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alu_and_jumps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_over_mbuf_chains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_programs, setup, teardown),
	};
	return TU_RUN(tests);
}
