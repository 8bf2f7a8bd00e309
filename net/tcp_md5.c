/* TCP-MD5 signatures (tcp_md5.h): the keys, signing and checking. */
#include "tcp_md5.h"
#include "tcp_input_var.h"
#include "md5.h"
#include "netlib.h"
#include "port.h"
#include <stos/errno.h>

/* Key bytes are cleared before their memory goes back (a volatile store per byte, which the
 * compiler may not drop as dead). */
static void wipe(void *p, size_t n)
{
	volatile uint8_t *b = p;
	while (n--)
		*b++ = 0;
}

static size_t keys_size(unsigned cap)
{
	return sizeof(struct tcp_md5_keys) + (size_t)cap * sizeof(struct tcp_md5_key);
}

void tcp_md5_free(struct tcpcb *tp)
{
	struct tcp_md5_keys *ks = tp->t_md5;
	if (!ks)
		return;
	wipe(ks, keys_size(ks->cap));
	port_free(ks);
	tp->t_md5 = NULL;
	tp->t_flags &= ~TF_SIGNATURE;
}

void tcp_md5_refresh(struct tcpcb *tp)
{
	if (tp->t_md5)
		tp->t_flags |= TF_SIGNATURE;
	else
		tp->t_flags &= ~TF_SIGNATURE;
}

/* Room for one more key: the array doubled (one key at first: what a connection holds), at
 * most TCP_MD5_MAXKEYS. */
static int keys_grow(struct tcpcb *tp)
{
	struct tcp_md5_keys *ks = tp->t_md5;
	if (ks && ks->n < ks->cap)
		return 0;
	unsigned cap = ks ? ks->cap * 2 : 1;
	if (cap > TCP_MD5_MAXKEYS)
		cap = TCP_MD5_MAXKEYS;
	if (ks && ks->n >= cap)
		return -ENOMEM;         /* Linux: the socket's option memory is spent */
	struct tcp_md5_keys *nk = port_alloc(keys_size(cap));
	if (!nk)
		return -ENOMEM;
	nk->n = 0;
	nk->cap = cap;
	if (ks) {
		memcpy(nk->k, ks->k, ks->n * sizeof ks->k[0]);
		nk->n = ks->n;
		wipe(ks, keys_size(ks->cap));
		port_free(ks);
	}
	tp->t_md5 = nk;
	return 0;
}

/* The key for exactly this address and prefix (what a set replaces and a delete removes). */
static struct tcp_md5_key *key_exact(struct tcpcb *tp, uint32_t addr, uint8_t prefixlen)
{
	struct tcp_md5_keys *ks = tp->t_md5;
	for (unsigned i = 0; ks && i < ks->n; i++)
		if (ks->k[i].addr == addr && ks->k[i].prefixlen == prefixlen)
			return &ks->k[i];
	return NULL;
}

int tcp_md5_setopt(struct tcpcb *tp, bool ext, const void *val, socklen_t len)
{
	struct tcp_md5sig cmd;
	if (!val || len < sizeof cmd)
		return -EINVAL;
	memcpy(&cmd, val, sizeof cmd);
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&cmd.tcpm_addr;
	uint8_t prefixlen = 32;
	if (ext && (cmd.tcpm_flags & TCP_MD5SIG_FLAG_PREFIX))
		prefixlen = cmd.tcpm_prefixlen;
	if (sin->sin_family != AF_INET || prefixlen > 32 ||
	    (ext && (cmd.tcpm_flags & TCP_MD5SIG_FLAG_IFINDEX) && cmd.tcpm_ifindex != 0) ||
	    cmd.tcpm_keylen > TCP_MD5SIG_MAXKEYLEN) {
		wipe(&cmd, sizeof cmd);
		return -EINVAL;
	}
	uint32_t addr = be32_get((const uint8_t *)&sin->sin_addr) & tcp_md5_mask(prefixlen);
	struct tcp_md5_key *k = key_exact(tp, addr, prefixlen);
	int err = 0;
	if (cmd.tcpm_keylen == 0) {
		/* Deleting: the last key takes the place of the one going. */
		if (!k) {
			err = -ENOENT;
		} else {
			struct tcp_md5_keys *ks = tp->t_md5;
			*k = ks->k[--ks->n];
			wipe(&ks->k[ks->n], sizeof ks->k[0]);
			if (ks->n == 0)
				tcp_md5_free(tp);
		}
	} else {
		if (!k && (err = keys_grow(tp)) == 0)
			k = &tp->t_md5->k[tp->t_md5->n++];
		if (k) {
			k->addr = addr;
			k->prefixlen = prefixlen;
			k->keylen = (uint8_t)cmd.tcpm_keylen;
			memcpy(k->key, cmd.tcpm_key, cmd.tcpm_keylen);
		}
	}
	wipe(&cmd, sizeof cmd);
	tcp_md5_refresh(tp);
	return err;
}

bool tcp_md5_inherit(struct tcpcb *tp, const struct tcpcb *ltp)
{
	const struct tcp_md5_key *lk = tcp_md5_find(ltp, tp->t_inpcb->inp_faddr);
	if (!lk)
		return true;
	if (keys_grow(tp) != 0)
		return false;
	tp->t_md5->k[tp->t_md5->n++] = *lk;
	tcp_md5_refresh(tp);
	return true;
}

/* The digest of RFC 2385 2.0: the pseudo-header (source, destination, zero, protocol, the
 * segment's length), the fixed header with its checksum taken as zero, the payload (len
 * bytes of m from off), the key. */
static void md5_digest(uint8_t out[MD5_DIGEST_LEN], uint32_t src, uint32_t dst,
    const uint8_t th[TCP_HDR_LEN], uint32_t tcplen, const struct mbuf *m, uint32_t off,
    uint32_t len, const struct tcp_md5_key *k)
{
	struct md5_ctx c;
	uint8_t ph[12], h[TCP_HDR_LEN];
	be32_put(ph, src);
	be32_put(ph + 4, dst);
	ph[8] = 0;
	ph[9] = IPPROTO_TCP;
	be16_put(ph + 10, (uint16_t)tcplen);
	memcpy(h, th, TCP_HDR_LEN);
	be16_put(h + TCPH_SUM, 0);
	md5_init(&c);
	md5_update(&c, ph, sizeof ph);
	md5_update(&c, h, sizeof h);
	for (; m && len; m = m->m_next, off = 0) {
		if (off >= m->m_len) {
			off -= m->m_len;
			continue;
		}
		uint32_t n = NET_MIN(m->m_len - off, len);
		md5_update(&c, m->m_data + off, n);
		len -= n;
	}
	md5_update(&c, k->key, k->keylen);
	md5_final(&c, out);
	wipe(&c, sizeof c);
}

void tcp_md5_sign(struct mbuf *m, uint32_t laddr, uint32_t faddr, const struct tcp_md5_key *k)
{
	uint8_t *th = mtod(m, uint8_t *);
	uint32_t hlen = (uint32_t)(th[TCPH_OFF] >> 4) * 4u;
	/* The option tcp_opts_build wrote, found as input finds it. */
	struct tcp_opts to;
	tcp_opts_parse(th + TCP_HDR_LEN, hlen - TCP_HDR_LEN, (th[TCPH_FLAGS] & TH_SYN) != 0, &to);
	if (!(to.to_flags & TOF_MD5))
		return;
	md5_digest(th + TCP_HDR_LEN + to.to_md5off, laddr, faddr, th, m->m_pkthdr.len, m, hlen,
	    m->m_pkthdr.len - hlen, k);
}

bool tcp_md5_input(struct tcp_instance *ti, const struct tcpcb *tp, const struct tcp_seg *s)
{
	const struct tcp_md5_key *k = tp ? tcp_md5_find(tp, s->src) : NULL;
	bool signed_ = (s->to.to_flags & TOF_MD5) != 0;
	if (!k) {
		if (signed_)
			TCPSTAT_INC(ti, md5unexpected);
		return !signed_;
	}
	if (!signed_) {
		TCPSTAT_INC(ti, md5missing);
		return false;
	}
	uint8_t d[MD5_DIGEST_LEN];
	md5_digest(d, s->src, s->dst, s->md5_th, s->th.th_off + s->len, s->m, 0, s->len, k);
	/* Compared in time independent of where they differ. */
	uint8_t diff = 0;
	for (unsigned i = 0; i < MD5_DIGEST_LEN; i++)
		diff |= (uint8_t)(d[i] ^ s->md5_sig[i]);
	if (diff) {
		TCPSTAT_INC(ti, md5bad);
		return false;
	}
	return true;
}
