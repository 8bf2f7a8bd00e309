/* The Internet checksum (RFC 1071) with 64-bit accumulation, and RFC 1624 updates.
 *
 * The sum is taken over big-endian 16-bit words.  For speed we add the buffer as native
 * 64-bit words with end-around carries (RFC 1071 2(C)), fold, and byte-swap the result on
 * little-endian machines: the one's complement sum is byte-order independent (RFC 1071
 * 2(B)), so summing in native order and swapping at the end equals summing big-endian words.
 *
 * Why 64-bit words can be added whole: a carry out of bit 63 is worth 2^64, and 2^64 = 1
 * modulo 2^16 - 1, so adding it back at bit 0 keeps the value modulo 2^16 - 1, which is all
 * the 16-bit fold needs.  The same argument lets the tail bytes be added in any lane of the
 * right parity (2^32 = 2^16 = 1 modulo 2^16 - 1).
 *
 * Every data byte is summed once on each side of a TCP transfer, so the per-byte loop is the
 * cost that matters: on x86-64 it is one add-with-carry per 8 bytes from memory, about 0.14
 * instructions per byte (sum64_adc).  It uses only integer registers, so the freestanding
 * kernel (which does not save FPU/SIMD state) runs it as is.  The hosted build sums buffers
 * of 128 bytes or more with AVX2 when the CPU has it (sum_avx2).
 */
#include "netlib.h"
#include "in_cksum.h"
#include "mbuf.h"

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t w;
	memcpy(&w, p, 8);    /* alignment-safe; one plain load */
	return w;
}

static inline uint64_t add_eac(uint64_t s, uint64_t w)
{
	s += w;
	return s + (s < w);  /* end-around carry: add, adc $0 */
}

/* The last len & 7 bytes at p, as a value to add: the 4-, 2- and 1-byte pieces each start at
 * an even offset, so each may sit in lane 0 (see the top comment); an odd last byte is the
 * first byte of a 16-bit word, padded with zero (RFC 1071 4.1). */
static inline uint64_t tail7(const uint8_t *p, size_t len)
{
	uint64_t t = 0;
	if (len & 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		t = w;
		p += 4;
	}
	if (len & 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		t += w;
		p += 2;
	}
	if (len & 1) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		t += (uint64_t)*p << 8;
#else
		t += *p;
#endif
	}
	return t;
}

/* Plain C: C has no add-with-carry, so carries out of bit 63 are counted apart and added
 * back at the end ("deferred carries", RFC 1071 2(C)); gcc and clang turn `s += w; c += s <
 * w` into an add and an adc per word, about 0.27 instructions per byte. */
#define ACC_ADD(w) do { uint64_t w_ = (w); s += w_; c += s < w_; } while (0)
#define ACC_ADD8(q) do { ACC_ADD(load64(q)); ACC_ADD(load64((q) + 8)); \
	ACC_ADD(load64((q) + 16)); ACC_ADD(load64((q) + 24)); ACC_ADD(load64((q) + 32)); \
	ACC_ADD(load64((q) + 40)); ACC_ADD(load64((q) + 48)); ACC_ADD(load64((q) + 56)); } while (0)

uint64_t in_cksum_sum64_portable(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t s = 0, c = 0;

	while (len >= 64) {
		ACC_ADD8(p);
		p += 64;
		len -= 64;
	}
	while (len >= 8) {
		ACC_ADD(load64(p));
		p += 8;
		len -= 8;
	}
	ACC_ADD(tail7(p, len));
	return add_eac(s, c);              /* the carries' own end-around carry */
}

#if defined(__x86_64__)
/* One adc per 64-bit word, straight from memory.  The carry flag chains word to word; it is
 * added back (adc $0) once at the end of a run, the end-around carry of RFC 1071 2(C).  In
 * the 256-byte loop lea and dec leave the carry flag alone, so it chains across rounds too:
 * 35 instructions per 256 bytes.  The remainder goes in blocks of 128, 64, 32, 16 and 8
 * bytes (one test each: test clears the flag, so each block ends with its adc $0), then
 * tail7.  Unaligned loads are fine on x86-64 (a word split across cache lines costs a
 * cycle, not a fault), so there is no alignment head. */
#define ADC1(o) "adcq " o "(%[p]), %[s]\n\t"
#define ADC4(o) ADC1(o "+0") ADC1(o "+8") ADC1(o "+16") ADC1(o "+24")
#define ADC8(o) ADC4(o "+0") ADC4(o "+32")
/* A block of n bytes at p (n a multiple of 8, at least 16): add, n/8 - 1 adc, adc $0. */
#define ADC_BLOCK(n, body)                                                              \
	__asm__("addq 0(%[p]), %[s]\n\t" body "adcq $0, %[s]"                            \
	    : [s] "+r"(s) : [p] "r"(p), "m"(*(const uint8_t (*)[n])p) : "cc")

/* s plus the sum of buf (both modulo 2^64 - 1).  Inline in each caller: the call and
 * its register saves cost as much as a 64-byte block. */
static inline __attribute__((always_inline)) uint64_t sum_adc(uint64_t s, const uint8_t *p,
    size_t len)
{
	size_t rounds = len / 256;

	/* test clears the carry flag for the first adc (and skips the loop when empty). */
	__asm__("testq %[n], %[n]\n\t"
	    "jz 2f\n"
	    "1:\n\t"
	    ADC8("0") ADC8("64") ADC8("128") ADC8("192")
	    "leaq 256(%[p]), %[p]\n\t"
	    "decq %[n]\n\t"
	    "jnz 1b\n\t"
	    "adcq $0, %[s]\n"
	    "2:"
	    : [s] "+r"(s), [p] "+r"(p), [n] "+r"(rounds)
	    :
	    : "cc", "memory");   /* it reads the buffer: "memory" orders stores before it */
	if (len & 128) {
		ADC_BLOCK(128, ADC1("8") ADC1("16") ADC1("24") ADC4("32") ADC8("64"));
		p += 128;
	}
	if (len & 64) {
		ADC_BLOCK(64, ADC1("8") ADC1("16") ADC1("24") ADC4("32"));
		p += 64;
	}
	if (len & 32) {
		ADC_BLOCK(32, ADC1("8") ADC1("16") ADC1("24"));
		p += 32;
	}
	if (len & 16) {
		ADC_BLOCK(16, ADC1("8"));
		p += 16;
	}
	if (len & 8) {
		s = add_eac(s, load64(p));
		p += 8;
	}
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_BIG_ENDIAN__
	if (len >= 8) {
		/* The last len & 7 bytes without a branch: the 8 bytes that end the buffer (the
		 * first ones already summed), shifted so that only the last r remain, in lanes
		 * 0..r-1 (they start at an even offset); r = 0 shifts everything out. */
		unsigned r = (unsigned)len & 7;
		return add_eac(s, load64(p + r - 8) >> 1 >> (63 - 8 * r));
	}
#endif
	return add_eac(s, tail7(p, len));
}

uint64_t in_cksum_sum64_adc(const void *buf, size_t len)
{
	return sum_adc(0, buf, len);
}
#else
static inline uint64_t sum_adc(uint64_t s, const uint8_t *p, size_t len)
{
	return add_eac(s, in_cksum_sum64_portable(p, len));
}

uint64_t in_cksum_sum64_adc(const void *buf, size_t len)
{
	return in_cksum_sum64_portable(buf, len);
}
#endif

#if defined(__x86_64__) && defined(__SSE2__)
/* The hosted build's sum for long buffers, on CPUs with AVX2 (checked at run time).  The
 * kernel is built without SIMD registers (-mgeneral-regs-only: it does not save their state
 * across interrupts), so __SSE2__ is not defined there and it keeps sum_adc.
 *
 * adc chains every add to the one before through the carry flag: one word a cycle at best.
 * Here each 64-bit lane keeps two sums with no carries to track: hi, the sum of the words'
 * high 32-bit halves, and all, the words themselves added modulo 2^64.  The sum of the low
 * halves is then all - (hi << 32) modulo 2^64, exact while it is below 2^64 (fewer than 2^32
 * words a lane); the buffer's sum is low + hi, since both halves sit at even offsets (2^32 =
 * 1 modulo 2^16 - 1; see the top comment).  Four instructions per 32 bytes (a load, a shift,
 * two adds), about as many per byte as adc, and several of them issue each cycle.  On the
 * socketpair benchmark the checksum is the largest single cost of each side. */
#define CKSUM_SIMD 1
#define CKSUM_SIMD_MIN 128          /* below this the adc loop is as fast (no setup, no call) */
typedef uint64_t v4u64 __attribute__((vector_size(32)));

/* A lane's (all, hi) pair as its sum of 32-bit halves; below 2^63 for any buffer shorter
 * than 2^36 bytes. */
__attribute__((target("avx2"))) static inline v4u64 lane_sums(v4u64 all, v4u64 hi)
{
	return (all - (hi << 32)) + hi;
}

__attribute__((target("avx2"), noinline)) static uint64_t sum_avx2(uint64_t s, const uint8_t *p,
    size_t len)
{
	v4u64 all0 = { 0, 0, 0, 0 }, all1 = all0, hi0 = all0, hi1 = all0, x, y;
	for (; len >= 128; p += 128, len -= 128) {
		memcpy(&x, p, 32);          /* unaligned loads (vmovdqu) */
		memcpy(&y, p + 32, 32);
		all0 += x;
		hi0 += x >> 32;
		all1 += y;
		hi1 += y >> 32;
		memcpy(&x, p + 64, 32);
		memcpy(&y, p + 96, 32);
		all0 += x;
		hi0 += x >> 32;
		all1 += y;
		hi1 += y >> 32;
	}
	if (len >= 64) {
		memcpy(&x, p, 32);
		memcpy(&y, p + 32, 32);
		all0 += x;
		hi0 += x >> 32;
		all1 += y;
		hi1 += y >> 32;
		p += 64;
		len -= 64;
	}
	v4u64 t = lane_sums(all0, hi0) + lane_sums(all1, hi1);
	/* Four lanes below 2^62 each: their total fits in 64 bits. */
	s = add_eac(s, t[0] + t[1] + t[2] + t[3]);
	return sum_adc(s, p, len);          /* the last len % 64 bytes */
}

static inline bool have_avx2(void)
{
	return __builtin_cpu_supports("avx2");
}
#endif

/* s plus the sum of buf. */
static inline __attribute__((always_inline)) uint64_t sum64(uint64_t s, const uint8_t *p,
    size_t len)
{
#ifdef CKSUM_SIMD
	if (len >= CKSUM_SIMD_MIN && have_avx2())
		return sum_avx2(s, p, len);
#endif
	return sum_adc(s, p, len);
}

uint64_t in_cksum_sum64_simd(const void *buf, size_t len)
{
#ifdef CKSUM_SIMD
	if (have_avx2())
		return sum_avx2(0, buf, len);
#endif
	return sum_adc(0, buf, len);
}

bool in_cksum_simd_available(void)
{
#ifdef CKSUM_SIMD
	return have_avx2();
#else
	return false;
#endif
}

/* A big-endian-order partial sum (any 32-bit value) as a native-order accumulator: on a
 * little-endian host the byte swap of its fold, which is a multiplication by 2^8 modulo
 * 2^16 - 1 (see swap_lanes), here without wrap-around. */
static inline uint64_t acc_from_be(uint32_t sum)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return sum;
#else
	return (uint64_t)sum << 8;
#endif
}

uint32_t in_cksum_add(uint32_t sum, const void *buf, size_t len)
{
	return in_cksum_native_to_be(in_cksum_fold64(sum64(acc_from_be(sum), buf, len)));
}

uint16_t in_cksum_buf(const void *buf, size_t len)
{
	return (uint16_t)~in_cksum_add(0, buf, len);
}

/* Multiplies a sum by 2^8 modulo 2^64 - 1, hence modulo 2^16 - 1 (a divisor): the byte
 * swap of its 16-bit fold (RFC 1071 2(B)).  Twice is 2^16 = 1: its own inverse. */
static inline uint64_t swap_lanes(uint64_t s)
{
	return s << 8 | s >> 56;
}

uint16_t in_cksum_mbuf(const struct mbuf *m, uint32_t off, uint32_t len, uint32_t sum)
{
	while (m && off >= m->m_len) {
		off -= m->m_len;
		m = m->m_next;
	}
	if (m && m->m_len - off >= len) {
		/* All in one mbuf (a received frame in its cluster, a header we built). */
		uint64_t acc = sum64(acc_from_be(sum), m->m_data + off, len);
		return (uint16_t)~in_cksum_native_to_be(in_cksum_fold64(acc));
	}
	/* The pieces are summed into one accumulator in the lane order of the piece at hand:
	 * after a piece of odd length the next one starts at an odd position, its bytes fall
	 * in the other lanes, so the accumulator is swapped to match (and swapped back at the
	 * end if the total is odd). */
	uint64_t acc = acc_from_be(sum);
	unsigned odd = 0;
	for (; m && len; m = m->m_next, off = 0) {
		uint32_t c = m->m_len - off;
		if (c > len)
			c = len;
		acc = sum64(acc, m->m_data + off, c);
		if (c & 1) {
			acc = swap_lanes(acc);
			odd ^= 1;
		}
		len -= c;
	}
	if (odd)
		acc = swap_lanes(acc);
	return (uint16_t)~in_cksum_native_to_be(in_cksum_fold64(acc));
}

uint16_t in_cksum_update16(uint16_t cksum, uint16_t oldv, uint16_t newv)
{
	uint32_t s = (uint32_t)(uint16_t)~cksum + (uint16_t)~oldv + newv;
	return (uint16_t)~in_cksum_fold64(s);
}

uint16_t in_cksum_update32(uint16_t cksum, uint32_t oldv, uint32_t newv)
{
	cksum = in_cksum_update16(cksum, (uint16_t)(oldv >> 16), (uint16_t)(newv >> 16));
	return in_cksum_update16(cksum, (uint16_t)oldv, (uint16_t)newv);
}
