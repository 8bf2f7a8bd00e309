/* MD5, written from RFC 1321 3: the message is padded to 448 bits modulo 512 (a 1 bit, then
 * zeros) and its bit length appended as 64 bits, low byte first; each 512-bit block is then
 * mixed into four 32-bit words by four rounds of sixteen steps.  Words are little-endian,
 * read and written byte by byte, so the code is independent of the host's byte order and of
 * alignment. */
#include "md5.h"
#include "netlib.h"

/* RFC 1321 3.4: T[i] is the integer part of 2^32 * |sin(i)| (i in radians), i = 1..64. */
static const uint32_t md5_t[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee,
	0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
	0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
	0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa,
	0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
	0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
	0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05,
	0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039,
	0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

/* The left rotations of each round's four steps (RFC 1321 3.4's S11..S44). */
static const uint8_t md5_s[4][4] = {
	{ 7, 12, 17, 22 }, { 5, 9, 14, 20 }, { 4, 11, 16, 23 }, { 6, 10, 15, 21 },
};

static inline uint32_t rotl32(uint32_t x, unsigned n) { return (x << n) | (x >> (32 - n)); }

static inline uint32_t le32_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void md5_block(uint32_t st[4], const uint8_t *blk)
{
	uint32_t x[16];
	for (int i = 0; i < 16; i++)
		x[i] = le32_get(blk + 4 * i);
	uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
	for (unsigned i = 0; i < 64; i++) {
		uint32_t f;
		unsigned k;             /* the message word this step adds */
		switch (i / 16) {
		case 0:                 /* F(X,Y,Z) = XY v not(X) Z */
			f = (b & c) | (~b & d);
			k = i;
			break;
		case 1:                 /* G(X,Y,Z) = XZ v Y not(Z) */
			f = (b & d) | (c & ~d);
			k = (5 * i + 1) % 16;
			break;
		case 2:                 /* H(X,Y,Z) = X xor Y xor Z */
			f = b ^ c ^ d;
			k = (3 * i + 5) % 16;
			break;
		default:                /* I(X,Y,Z) = Y xor (X v not(Z)) */
			f = c ^ (b | ~d);
			k = (7 * i) % 16;
			break;
		}
		/* a = b + ((a + f(b,c,d) + X[k] + T[i]) <<< s), then the words turn round. */
		uint32_t t = d;
		d = c;
		c = b;
		b = b + rotl32(a + f + x[k] + md5_t[i], md5_s[i / 16][i % 4]);
		a = t;
	}
	st[0] += a;
	st[1] += b;
	st[2] += c;
	st[3] += d;
}

void md5_init(struct md5_ctx *c)
{
	/* RFC 1321 3.3: words A, B, C, D (written there low byte first). */
	c->st[0] = 0x67452301;
	c->st[1] = 0xefcdab89;
	c->st[2] = 0x98badcfe;
	c->st[3] = 0x10325476;
	c->len = 0;
}

void md5_update(struct md5_ctx *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t have = (size_t)(c->len % 64);
	c->len += len;
	if (have) {
		size_t n = NET_MIN(64 - have, len);
		memcpy(c->buf + have, p, n);
		p += n;
		len -= n;
		if (have + n < 64)
			return;
		md5_block(c->st, c->buf);
	}
	for (; len >= 64; p += 64, len -= 64)
		md5_block(c->st, p);
	if (len)
		memcpy(c->buf, p, len);
}

void md5_final(struct md5_ctx *c, uint8_t out[MD5_DIGEST_LEN])
{
	uint64_t bits = c->len * 8;
	uint8_t pad[72] = { 0x80 };
	/* RFC 1321 3.1-3.2: pad to 56 bytes modulo 64, then the length. */
	size_t n = (size_t)(c->len % 64) < 56 ? 56 - (size_t)(c->len % 64) :
	    120 - (size_t)(c->len % 64);
	for (int i = 0; i < 8; i++)
		pad[n + (size_t)i] = (uint8_t)(bits >> (8 * i));
	md5_update(c, pad, n + 8);
	for (int i = 0; i < 4; i++) {
		out[4 * i] = (uint8_t)c->st[i];
		out[4 * i + 1] = (uint8_t)(c->st[i] >> 8);
		out[4 * i + 2] = (uint8_t)(c->st[i] >> 16);
		out[4 * i + 3] = (uint8_t)(c->st[i] >> 24);
	}
}
