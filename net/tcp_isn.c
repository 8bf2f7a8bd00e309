/* RFC 6528 initial sequence numbers and tuple hashes; see tcp_isn.h. */
#include "tcp_isn.h"

uint32_t tcp_tuple_hash(const uint8_t key[SIPHASH_KEY_LEN], uint32_t laddr, uint16_t lport,
    uint32_t faddr, uint16_t fport, uint32_t salt)
{
	uint8_t b[16];

	/* A fixed byte layout, so the value does not depend on the host's byte order. */
	for (int i = 0; i < 4; i++) {
		b[i] = (uint8_t)(laddr >> (24 - 8 * i));
		b[4 + i] = (uint8_t)(faddr >> (24 - 8 * i));
		b[12 + i] = (uint8_t)(salt >> (24 - 8 * i));
	}
	b[8] = (uint8_t)(lport >> 8);
	b[9] = (uint8_t)lport;
	b[10] = (uint8_t)(fport >> 8);
	b[11] = (uint8_t)fport;
	uint64_t h = siphash24(key, b, sizeof b);
	return (uint32_t)(h ^ (h >> 32));
}

uint32_t tcp_isn(const uint8_t key[SIPHASH_KEY_LEN], uint32_t laddr, uint16_t lport,
    uint32_t faddr, uint16_t fport, uint64_t now_ns)
{
	/* RFC 6528 3: M, the 4-microsecond timer, plus F. */
	uint32_t m = (uint32_t)(now_ns / 4000u);
	return m + tcp_tuple_hash(key, laddr, lport, faddr, fport, 0);
}
