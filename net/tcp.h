/* TCP wire format: header layout, flags, option kinds, and the bounds-checked view.
 *
 * RFC 9293 3.1 (header), 3.2 (options), RFC 7323 (window scale, timestamps), RFC 2018 (SACK).
 * The header is never cast to a struct: tcp_hdr_view() checks the length once and the
 * accessors read through be16_get/be32_get.  Parsed option values travel in struct tcp_opts
 * (host order).  Nothing here needs the net lock.
 */
#ifndef NET_TCP_H
#define NET_TCP_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "netlib.h"

#define TCP_HDR_LEN     20          /* without options */
#define TCP_MAXOLEN     40          /* options: data offset 15 words minus the fixed header */
#define TCP_MAXWIN      65535u      /* largest unscaled window */
#define TCP_MAX_WINSHIFT 14         /* RFC 7323 2.3 */

/* Header byte offsets. */
#define TCPH_SPORT  0
#define TCPH_DPORT  2
#define TCPH_SEQ    4
#define TCPH_ACK    8
#define TCPH_OFF    12              /* data offset in the high nibble */
#define TCPH_FLAGS  13
#define TCPH_WIN    14
#define TCPH_SUM    16
#define TCPH_URP    18

#define TH_FIN  0x01u
#define TH_SYN  0x02u
#define TH_RST  0x04u
#define TH_PUSH 0x08u
#define TH_ACK  0x10u
#define TH_URG  0x20u
#define TH_ECE  0x40u
#define TH_CWR  0x80u

/* Option kinds (IANA "TCP Option Kind Numbers"). */
#define TCPOPT_EOL       0
#define TCPOPT_NOP       1
#define TCPOPT_MSS       2
#define TCPOPT_WSCALE    3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK      5
#define TCPOPT_TIMESTAMP 8
#define TCPOPT_MD5       19          /* RFC 2385 (tcp_md5.h) */
#define TCPOLEN_MSS       4
#define TCPOLEN_WSCALE    3
#define TCPOLEN_SACK_PERM 2
#define TCPOLEN_TIMESTAMP 10
#define TCPOLEN_SACKBLK   8
#define TCPOLEN_MD5       18          /* kind, length, 16-byte digest */

#define TCP_MAX_SACK     4           /* blocks that fit in 40 option bytes (2 + 4*8 = 34) */
#define TCP_MIN_MSS      64          /* floor for a peer's MSS (RFC 9293 3.7.1: tiny values are
                                        an attack vector; Linux uses 88, FreeBSD 216) */
#define TCP_MIN_WINDOW_CLAMP 1152    /* TCP_WINDOW_CLAMP floor: Linux's SOCK_MIN_RCVBUF / 2 */

/* A parsed header, host order.  Filled by tcp_hdr_parse. */
struct tcp_hdr {
	uint16_t th_sport, th_dport;
	uint32_t th_seq, th_ack;
	uint8_t th_off;             /* header length in bytes (20..60) */
	uint8_t th_flags;
	uint16_t th_win;
	uint16_t th_urp;
};

/* Reads the fixed header from p (len bytes available).  Returns false when len < 20 or the
 * data offset is below 20 or beyond len: the caller counts and drops. */
bool tcp_hdr_parse(const uint8_t *p, size_t len, struct tcp_hdr *th);

struct tcp_sack_block {
	uint32_t start, end;        /* [start, end) in sequence space */
};

/* Options found in a segment, host order. */
#define TOF_MSS      0x01u
#define TOF_SCALE    0x02u
#define TOF_SACKPERM 0x04u
#define TOF_TS       0x08u
#define TOF_SACK     0x10u
#define TOF_MD5      0x20u           /* a TCP-MD5 signature: to_md5off */
struct tcp_opts {
	unsigned to_flags;          /* TOF_* present */
	uint16_t to_mss;
	uint8_t to_wscale;          /* clamped to TCP_MAX_WINSHIFT */
	uint32_t to_tsval, to_tsecr;
	uint8_t to_nsacks;
	uint8_t to_md5off;          /* TOF_MD5: where its digest starts in the options */
	struct tcp_sack_block to_sacks[TCP_MAX_SACK];
	uint32_t to_bad;            /* malformed options seen (counted by the caller) */
};

/* Parses the option bytes that follow the fixed header.  RFC 9293 3.2: MSS, window scale and
 * SACK-permitted are honoured only on SYN segments (syn = true); timestamps and SACK blocks
 * on any segment.  Defensive: a zero or one length, a length running past the end, or a wrong
 * length for a known kind stops parsing (what was parsed before is kept, to_bad counted);
 * unknown kinds are skipped by their length; EOL ends the list.  Never reads outside
 * [p, p + len). */
void tcp_opts_parse(const uint8_t *p, size_t len, bool syn, struct tcp_opts *to);

/* Writes options for an outgoing segment into buf (TCP_MAXOLEN bytes), padded with NOPs to a
 * multiple of 4 (NOP-NOP before timestamps and SACK so they are 32-bit aligned, RFC 7323
 * Appendix A).  Only the TOF_* bits set in to->to_flags are written; TOF_MD5 writes the
 * signature option with a zero digest after the timestamps (tcp_md5_sign fills it in), so
 * SACK blocks, cut to what fits, come last.  Returns the length written (a multiple of 4, <= TCP_MAXOLEN). */
size_t tcp_opts_build(uint8_t *buf, const struct tcp_opts *to);

#endif
