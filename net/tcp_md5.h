/* TCP-MD5 signatures (RFC 2385), as BGP routers and Linux use them.
 *
 * A socket holds a key per peer address or address prefix (setsockopt TCP_MD5SIG and
 * TCP_MD5SIG_EXT, Linux's API and semantics; the longest prefix covering a peer wins):
 * every segment to a peer with a key carries option 19, the MD5 digest of the segment and
 * the key, and every segment from that peer must carry a valid one or is dropped, silently
 * and counted (RFC 2385 2.0).  A segment that carries a signature where no key is set is
 * dropped too (RFC 2385 2.0: it cannot be validated; Linux does the same).  A listener's keys
 * sign its SYN-ACKs and the RSTs it sends, and an accepted connection takes the key for its
 * peer.  A signed connection sends every segment through tcp_output's general path: no
 * segmentation offload (each wire segment needs its own digest), no pure-ACK template.
 */
#ifndef NET_TCP_MD5_H
#define NET_TCP_MD5_H
#include "tcp_var.h"
#include <stos/in.h>

struct tcp_seg;                     /* a received segment (tcp_input_var.h) */

#define TCP_MD5_MAXKEYS 64          /* keys one socket may hold (a listener: one per peer) */

struct tcp_md5_key {
	uint32_t addr;                  /* the peers, host order, masked to prefixlen */
	uint8_t prefixlen;              /* 32: one peer (TCP_MD5SIG); less: TCP_MD5SIG_EXT */
	uint8_t keylen;
	uint8_t key[TCP_MD5SIG_MAXKEYLEN];
};

struct tcp_md5_keys {
	unsigned n, cap;
	struct tcp_md5_key k[];
};

/* setsockopt(TCP_MD5SIG or, ext, TCP_MD5SIG_EXT): val holds a struct tcp_md5sig.  0 or
 * -errno (EINVAL for a short value, another family, a key longer than 80 bytes, a prefix
 * longer than 32 bits or an interface index; ENOENT deleting a key not there; ENOMEM beyond
 * TCP_MD5_MAXKEYS keys or out of memory).  A key for the same address and prefix replaces
 * the one there. */
int tcp_md5_setopt(struct tcpcb *tp, bool ext, const void *val, socklen_t len);

static inline uint32_t tcp_md5_mask(unsigned prefixlen)
{
	return prefixlen ? ~0u << (32 - prefixlen) : 0;
}

/* The key tp holds for the peer faddr: of those whose prefix covers it, the longest (as
 * Linux picks); NULL if none. */
static inline const struct tcp_md5_key *tcp_md5_find(const struct tcpcb *tp, uint32_t faddr)
{
	const struct tcp_md5_keys *ks = tp->t_md5;
	const struct tcp_md5_key *best = NULL;
	if (!ks)
		return NULL;
	for (unsigned i = 0; i < ks->n; i++) {
		const struct tcp_md5_key *k = &ks->k[i];
		if (((faddr ^ k->addr) & tcp_md5_mask(k->prefixlen)) == 0 &&
		    (!best || k->prefixlen > best->prefixlen))
			best = k;
	}
	return best;
}

/* TF_SIGNATURE after the keys changed: set while tp holds any (the fast paths test the flag,
 * already at hand, instead of loading t_md5; a connection with keys but none for its peer,
 * a rare setting, takes the general paths unsigned). */
void tcp_md5_refresh(struct tcpcb *tp);
/* A connection accepted on ltp takes ltp's key for its peer (tp's foreign address).
 * false: no memory for it (the caller refuses the connection). */
bool tcp_md5_inherit(struct tcpcb *tp, const struct tcpcb *ltp);
/* Frees tp's keys (tcp_close), their bytes cleared first. */
void tcp_md5_free(struct tcpcb *tp);

/* Fills in the digest of the signature option in the segment m (its TCP header first, then
 * the payload: m_pkthdr.len bytes in all, no IP header yet) for laddr -> faddr. */
void tcp_md5_sign(struct mbuf *m, uint32_t laddr, uint32_t faddr, const struct tcp_md5_key *k);

/* A segment's signature against the key tp (NULL: no connection) holds for its source:
 * true when it may go on, false when it is to be dropped (counted). */
bool tcp_md5_input(struct tcp_instance *ti, const struct tcpcb *tp, const struct tcp_seg *s);

#endif
