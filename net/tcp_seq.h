/* TCP sequence-number arithmetic modulo 2^32 (RFC 9293 3.4, RFC 1982 style).
 *
 * a < b means b is ahead of a by less than 2^31.  Every comparison of sequence numbers,
 * acknowledgments and timestamps in TCP goes through these, never through plain < or >.
 */
#ifndef NET_TCP_SEQ_H
#define NET_TCP_SEQ_H
#include <stdint.h>
#include <stdbool.h>

typedef uint32_t tcp_seq;

static inline bool SEQ_LT(tcp_seq a, tcp_seq b) { return (int32_t)(a - b) < 0; }
static inline bool SEQ_LEQ(tcp_seq a, tcp_seq b) { return (int32_t)(a - b) <= 0; }
static inline bool SEQ_GT(tcp_seq a, tcp_seq b) { return (int32_t)(a - b) > 0; }
static inline bool SEQ_GEQ(tcp_seq a, tcp_seq b) { return (int32_t)(a - b) >= 0; }
static inline tcp_seq SEQ_MAX(tcp_seq a, tcp_seq b) { return SEQ_GT(a, b) ? a : b; }
static inline tcp_seq SEQ_MIN(tcp_seq a, tcp_seq b) { return SEQ_LT(a, b) ? a : b; }
/* a <= x < b */
static inline bool SEQ_IN(tcp_seq x, tcp_seq a, tcp_seq b) { return SEQ_LEQ(a, x) && SEQ_LT(x, b); }

/* RFC 7323 5.2: timestamps compare the same way. */
#define TSTMP_LT(a, b) SEQ_LT((a), (b))
#define TSTMP_GEQ(a, b) SEQ_GEQ((a), (b))

#endif
