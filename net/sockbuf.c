/* Socket buffers: byte streams (TCP) and record queues (UDP, raw, AF_PACKET) of mbufs.
 *
 * A record queue keeps one datagram per record: records are linked through m_nextpkt on their
 * first mbuf, the mbufs of one record through m_next.  A record is an optional MT_SONAME mbuf
 * holding the sender's sockaddr followed by the data chain, whose first mbuf keeps its packet
 * header (pkthdr.len = the datagram's length, what MSG_TRUNC reports).
 *
 * Accounting: sb_cc counts data bytes, sb_mbcnt storage (mbufs and clusters), so that a flood
 * of tiny datagrams cannot pin unbounded memory behind a small byte count.  For records we
 * follow Linux's admission rule (a datagram is queued whenever the buffer is not yet over its
 * limit, so a single large datagram always fits an empty buffer) rather than 4.4BSD's (which
 * needs room for the whole datagram and so can never deliver a datagram larger than
 * SO_RCVBUF).
 */
#include "netlib.h"
#include "mbuf.h"
#include "socketvar.h"
#include <stos/errno.h>

static void sballoc(struct sockbuf *sb, const struct mbuf *m)
{
	if (m->m_type != MT_SONAME && m->m_type != MT_CONTROL)
		sb->sb_cc += m->m_len;
	sb->sb_mbcnt += m_storage(m);
}

static void sbfree(struct sockbuf *sb, const struct mbuf *m)
{
	if (m->m_type != MT_SONAME && m->m_type != MT_CONTROL)
		sb->sb_cc -= m->m_len;
	sb->sb_mbcnt -= m_storage(m);
}

/* Storage allowance for a data limit: twice the bytes, and never less than a few clusters so
 * that a small SO_RCVBUF still holds a full-size frame. */
static uint32_t sb_mbmax_for(uint32_t hiwat)
{
	uint64_t v = (uint64_t)hiwat * 2;
	if (v < 8 * (MCLBYTES + sizeof(struct mbuf)))
		v = 8 * (MCLBYTES + sizeof(struct mbuf));
	return v > 0x7fffffffu ? 0x7fffffffu : (uint32_t)v;
}

int soreserve(struct socket *so, uint32_t sndcc, uint32_t rcvcc)
{
	if (sndcc == 0 || rcvcc == 0 || sndcc > 0x40000000u || rcvcc > 0x40000000u)
		return -ENOBUFS;
	so->so_snd.sb_hiwat = sndcc;
	so->so_snd.sb_mbmax = sb_mbmax_for(sndcc);
	so->so_rcv.sb_hiwat = rcvcc;
	so->so_rcv.sb_mbmax = sb_mbmax_for(rcvcc);
	if (so->so_rcv.sb_lowat == 0)
		so->so_rcv.sb_lowat = 1;
	if (so->so_snd.sb_lowat == 0)
		so->so_snd.sb_lowat = NET_MIN(2048u, sndcc);
	return 0;
}

/* Keeps a record buffer's data limit when the user changes SO_RCVBUF/SO_SNDBUF. */
void sb_sethiwat(struct sockbuf *sb, uint32_t hiwat)
{
	sb->sb_hiwat = hiwat;
	sb->sb_mbmax = sb_mbmax_for(hiwat);
}

/* True when m continues tail t in t's own cluster: so_send wrote m's bytes into the free end
 * of t's cluster (t holds M_WRTAIL) through m, a second reference to that cluster. */
static bool sb_continues(const struct mbuf *t, const struct mbuf *m)
{
	return (t->m_flags & M_WRTAIL) && (m->m_flags & M_EXT) &&
	    m->m_ext.ext_ref == t->m_ext.ext_ref && m->m_data == t->m_data + t->m_len;
}

/* Links m after the stream buffer's tail t (none: m is the first), as plain data. */
static inline void sb_link_tail(struct sockbuf *sb, struct mbuf *t, struct mbuf *m)
{
	m->m_flags &= (uint16_t)~M_PKTHDR;
	if (t)
		t->m_next = m;
	else
		sb->sb_mb = m;
	sb->sb_mbtail = m;
}

/* Appends mbufs to a stream, copying small ones into the tail's free space (BSD sbcompress)
 * so that many tiny writes do not cost one mbuf each, and merging an mbuf that continues the
 * tail in its cluster (sb_continues) into it.  Empty mbufs are freed.  Not inlined: then
 * sbappendstream's per-segment case saves no registers for it. */
static __attribute__((noinline)) void sbcompress(struct sockbuf *sb, struct mbuf *m)
{
	while (m) {
		struct mbuf *next = m->m_next;
		struct mbuf *t = sb->sb_mbtail;
		m->m_next = NULL;
		m->m_nextpkt = NULL;
		if (m->m_len == 0) {
			m_free(m);
			m = next;
			continue;
		}
		if (t && sb_continues(t, m)) {
			t->m_len += m->m_len;
			sb->sb_cc += m->m_len;
			m_free(m);
			m = next;
			continue;
		}
		if (t && !(m->m_flags & M_EXT) && M_WRITABLE(t) && M_TRAILINGSPACE(t) >= m->m_len) {
			memcpy(t->m_data + t->m_len, m->m_data, m->m_len);
			t->m_len += m->m_len;
			sb->sb_cc += m->m_len;
			m_free(m);
			m = next;
			continue;
		}
		sb_link_tail(sb, t, m);
		sballoc(sb, m);
		m = next;
	}
}

void sbappendstream(struct sockbuf *sb, struct mbuf *m)
{
	struct mbuf *t = sb->sb_mbtail;
	if (!m)
		return;
	if (!m->m_next && (m->m_flags & M_EXT) && m->m_len && m->m_type == MT_DATA &&
	    !(t && sb_continues(t, m))) {
		/* A received segment in its cluster, what TCP appends per segment: linked as
		 * sbcompress would (a cluster is never copied into the tail), without its loop. */
		m->m_nextpkt = NULL;
		sb_link_tail(sb, t, m);
		sb->sb_cc += m->m_len;
		sb->sb_mbcnt += (uint32_t)sizeof(struct mbuf) + m->m_ext.ext_size;
		return;
	}
	sbcompress(sb, m);
}

static bool sb_admit(const struct sockbuf *sb)
{
	return sb->sb_cc < sb->sb_hiwat && sb->sb_mbcnt < sb->sb_mbmax;
}

/* Links a complete record (head = its first mbuf) at the end of the queue. */
static void sb_linkrecord(struct sockbuf *sb, struct mbuf *head)
{
	struct mbuf *t;
	head->m_nextpkt = NULL;
	if (sb->sb_lastrecord)
		sb->sb_lastrecord->m_nextpkt = head;
	else
		sb->sb_mb = head;
	sb->sb_lastrecord = head;
	for (t = head; t; t = t->m_next) {
		sballoc(sb, t);
		sb->sb_mbtail = t;
	}
	sb->sb_reccnt++;
}

bool sbappendaddr(struct sockbuf *sb, const struct sockaddr *asa, socklen_t alen,
    struct mbuf *m)
{
	struct mbuf *n;
	if (!m)
		return false;
	if (!(m->m_flags & M_PKTHDR) || !sb_admit(sb)) {
		sb->sb_drops++;
		m_freem(m);
		return false;
	}
	if (!asa)
		return sbappendrecord(sb, m);
	if (alen > MLEN || alen == 0) {
		sb->sb_drops++;
		m_freem(m);
		return false;
	}
	n = m_get(MT_SONAME);
	if (!n) {
		sb->sb_drops++;
		m_freem(m);
		return false;
	}
	memcpy(n->m_data, asa, alen);
	n->m_len = alen;
	n->m_next = m;
	m->m_nextpkt = NULL;
	sb_linkrecord(sb, n);
	return true;
}

bool sbappendrecord(struct sockbuf *sb, struct mbuf *m)
{
	if (!m)
		return false;
	if (!(m->m_flags & M_PKTHDR) || !sb_admit(sb)) {
		sb->sb_drops++;
		m_freem(m);
		return false;
	}
	sb_linkrecord(sb, m);
	return true;
}

void sbdrop(struct sockbuf *sb, uint32_t len)
{
	struct mbuf *m = sb->sb_mb, *last = NULL;

	/* Whole mbufs (and empty ones, so that sb_mb is NULL exactly when nothing is held) are
	 * unlinked as they are and freed as one chain: one visit to the mbuf caches per
	 * acknowledgment, not one per mbuf. */
	while (m && m->m_len <= len) {
		len -= m->m_len;
		sbfree(sb, m);
		last = m;
		m = m->m_next;
	}
	if (m && len) {
		m->m_data += len;
		m->m_len -= len;
		sb->sb_cc -= len;
		if (m->m_flags & M_PKTHDR)
			m->m_pkthdr.len -= len;
	}
	if (!last)
		return;
	last->m_next = NULL;
	m_freem(sb->sb_mb);
	sb->sb_mb = m;
	if (!m)
		sb->sb_mbtail = NULL;
}

/* The front of mbuf m (the buffer's first), c < m_len bytes of it, as a new mbuf for
 * sbtakestream: its cluster is shared (read-only from now on, which also stops sbcompress
 * appending into it) or its few inline bytes copied.  NULL (nothing changed) without memory.
 * Apart from sbtakestream so that its loop over whole mbufs calls nothing. */
static __attribute__((noinline)) struct mbuf *sb_takefront(struct sockbuf *sb, struct mbuf *m,
    uint32_t c)
{
	struct mbuf *p = m_copym(m, 0, c);
	if (!p)
		return NULL;
	m->m_data += c;
	m->m_len -= c;
	sb->sb_cc -= c;
	if (m->m_flags & M_PKTHDR)
		m->m_pkthdr.len -= c;
	return p;
}

struct mbuf *sbtakestream(struct sockbuf *sb, uint32_t len, uint32_t *got)
{
	struct mbuf *top = sb->sb_mb, *m = top, *last = NULL;
	uint32_t n = 0, mbcnt = 0;

	/* Whole mbufs are unlinked as they are (one cut of the chain at the end), their
	 * accounting (sbfree's) summed and applied once: a stream holds data only, so every
	 * byte taken counted in sb_cc. */
	while (m && n < len && m->m_len <= len - n) {
		n += m->m_len;
		mbcnt += m_storage(m);
		last = m;
		m = m->m_next;
	}
	sb->sb_cc -= n;
	sb->sb_mbcnt -= mbcnt;
	sb->sb_mb = m;
	if (last)
		last->m_next = NULL;
	else
		top = NULL;
	if (m && n < len) {
		struct mbuf *p = sb_takefront(sb, m, len - n);
		if (p) {
			n = len;
			if (last)
				last->m_next = p;
			else
				top = p;
		}
	}
	if (!m)
		sb->sb_mbtail = NULL;
	*got = n;
	return top;
}

void sbunreadstream(struct sockbuf *sb, struct mbuf *chain)
{
	struct mbuf *m, *last = NULL;
	if (!chain)
		return;
	for (m = chain; m; m = m->m_next) {
		m->m_flags &= (uint16_t)~M_PKTHDR;
		m->m_nextpkt = NULL;
		sballoc(sb, m);
		last = m;
	}
	last->m_next = sb->sb_mb;
	if (!sb->sb_mb)
		sb->sb_mbtail = last;
	sb->sb_mb = chain;
}

void sbdroprecord(struct sockbuf *sb)
{
	struct mbuf *rec = sb->sb_mb, *m;
	if (!rec)
		return;
	sb->sb_mb = rec->m_nextpkt;
	rec->m_nextpkt = NULL;
	for (m = rec; m; m = m->m_next)
		sbfree(sb, m);
	m_freem(rec);
	sb->sb_reccnt--;
	if (!sb->sb_mb) {
		sb->sb_lastrecord = NULL;
		sb->sb_mbtail = NULL;
	}
}

void sbflush(struct sockbuf *sb)
{
	if (sb->sb_lastrecord || sb->sb_reccnt) {
		while (sb->sb_mb)
			sbdroprecord(sb);
	} else {
		m_freem(sb->sb_mb);
	}
	sb->sb_mb = sb->sb_mbtail = sb->sb_lastrecord = NULL;
	sb->sb_cc = 0;
	sb->sb_mbcnt = 0;
	sb->sb_reccnt = 0;
}
