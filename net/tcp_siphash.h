/* SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012), a keyed hash
 * with a 128-bit secret.  TCP uses it for RFC 6528 initial sequence numbers and for SYN
 * cookies; anyone needing an unguessable hash of a connection tuple may use it too.
 */
#ifndef NET_TCP_SIPHASH_H
#define NET_TCP_SIPHASH_H
#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_LEN 16

/* The 64-bit SipHash-2-4 of len bytes at data under key (16 bytes, read little-endian as
 * k0 || k1, as in the paper's reference test vectors). */
uint64_t siphash24(const uint8_t key[SIPHASH_KEY_LEN], const void *data, size_t len);

#endif
