/* The few C library functions net/ uses, declared here because net/ is built with -nostdinc
 * (the host's libc or the kernel's lib provide them), plus byte-order and small helpers.
 *
 * Byte order: wire bytes are read and written with be16_get/be32_get/be16_put/be32_put, never
 * by casting a buffer to a struct and never by swapping a header in place.  Addresses inside
 * net/ are host-order ipaddr_t (see ip_var.h); sockaddr_in keeps network order, converted with
 * net_htonl/net_htons at the socket boundary.
 */
#ifndef NET_NETLIB_H
#define NET_NETLIB_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "port.h"

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
/* net/ is compiled -ffreestanding (which turns builtins off); let the compiler inline the
 * small fixed-size copies that header code is full of.  It falls back to the calls above.
 * Only inside net/ (net.mk defines NET_CORE): host code that includes net/ headers may
 * include <string.h> after them. */
#ifdef NET_CORE
#define memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define memmove(d, s, n) __builtin_memmove((d), (s), (n))
#define memset(d, c, n) __builtin_memset((d), (c), (n))
#define memcmp(a, b, n) __builtin_memcmp((a), (b), (n))
#endif

#define NET_MIN(a, b) ((a) < (b) ? (a) : (b))
#define NET_MAX(a, b) ((a) > (b) ? (a) : (b))
#define NET_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NET_CONTAINER_OF(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))

/* A broken internal invariant (never bad input): log and stop. */
#define NET_ASSERT(c) do { \
	if (!(c)) { port_log(PORT_LOG_ERR, "net: assertion %s failed at %s:%d", #c, __FILE__, \
	    __LINE__); __builtin_trap(); } } while (0)

/* Each is one unaligned load or store and a byte swap (x86 takes unaligned accesses; the
 * memcpy form is how C says so without breaking aliasing rules).  Byte-at-a-time stores were
 * merged badly by gcc across a header's fields: one shift/or per byte. */
static inline uint16_t be16_get(const uint8_t *p)
{
	uint16_t v;
	__builtin_memcpy(&v, p, 2);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return v;
#else
	return __builtin_bswap16(v);
#endif
}
static inline uint32_t be32_get(const uint8_t *p)
{
	uint32_t v;
	__builtin_memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return v;
#else
	return __builtin_bswap32(v);
#endif
}
static inline void be16_put(uint8_t *p, uint16_t v)
{
#if !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
	v = __builtin_bswap16(v);
#endif
	__builtin_memcpy(p, &v, 2);
}
static inline void be32_put(uint8_t *p, uint32_t v)
{
#if !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
	v = __builtin_bswap32(v);
#endif
	__builtin_memcpy(p, &v, 4);
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
static inline uint16_t net_htons(uint16_t v) { return v; }
static inline uint32_t net_htonl(uint32_t v) { return v; }
#else
static inline uint16_t net_htons(uint16_t v) { return __builtin_bswap16(v); }
static inline uint32_t net_htonl(uint32_t v) { return __builtin_bswap32(v); }
#endif
#define net_ntohs net_htons
#define net_ntohl net_htonl

/* Zeroed allocation; NULL on failure. */
static inline void *net_zalloc(size_t n)
{
	void *p = port_alloc(n);
	if (p)
		memset(p, 0, n);
	return p;
}

/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
static inline size_t net_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);
	if (size) {
		size_t c = n < size - 1 ? n : size - 1;
		memcpy(dst, src, c);
		dst[c] = 0;
	}
	return n;
}

/* Formats a host-order IPv4 address as dotted quad into buf (>= 16 bytes); returns buf. */
char *net_ntoa(uint32_t addr, char *buf);

#endif
