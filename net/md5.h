/* MD5 (RFC 1321): the message digest TCP-MD5 signatures use (RFC 2385, tcp_md5.c).  MD5 is
 * broken as a collision-resistant hash; RFC 2385's keyed use survives only because an
 * attacker must forge a digest under a secret key, and RFC 5925 (TCP-AO) replaces it.  It is
 * here for interoperation with routers and Linux peers that still require it.
 */
#ifndef NET_MD5_H
#define NET_MD5_H
#include <stddef.h>
#include <stdint.h>

#define MD5_DIGEST_LEN 16

struct md5_ctx {
	uint32_t st[4];             /* A, B, C, D */
	uint64_t len;               /* bytes taken in so far */
	uint8_t buf[64];            /* a block not yet complete */
};

void md5_init(struct md5_ctx *c);
void md5_update(struct md5_ctx *c, const void *data, size_t len);
void md5_final(struct md5_ctx *c, uint8_t out[MD5_DIGEST_LEN]);

#endif
