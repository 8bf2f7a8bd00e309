/* Moving data through sockets: so_send (sosend) and so_receive (soreceive), and uiomove.
 *
 * Send: datagram protocols (PR_ATOMIC) get the whole message as one mbuf chain in one
 * pr_send; stream protocols get it in pieces as send-buffer space allows, the caller
 * sleeping for space unless non-blocking.  Receive: datagram sockets return one record per
 * call (MSG_TRUNC tells of a cut), stream sockets as many bytes as are there, waiting for the
 * low-water mark or, with MSG_WAITALL, for the whole request.
 */
#include "netlib.h"
#include "socket_private.h"
#include <stos/errno.h>

int uio_init(struct uio *uio, struct iovec *iov, int iovcnt, int rw)
{
	size_t total = 0;
	int i;
	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return -EINVAL;
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > (size_t)0x7fffffffffffffffll - total)
			return -EINVAL;
		total += iov[i].iov_len;
	}
	uio->uio_iov = iov;
	uio->uio_iovcnt = iovcnt;
	uio->uio_resid = total;
	uio->uio_rw = rw;
	uio->uio_copyin = NULL;
	uio->uio_copyout = NULL;
	return 0;
}

int uiomove(void *buf, size_t n, struct uio *uio)
{
	uint8_t *p = buf;
	while (n > 0 && uio->uio_resid > 0 && uio->uio_iovcnt > 0) {
		struct iovec *iov = uio->uio_iov;
		size_t c = NET_MIN(n, iov->iov_len);
		int err;
		if (c == 0) {
			uio->uio_iov++;
			uio->uio_iovcnt--;
			continue;
		}
		if (uio->uio_rw == UIO_TO_USER) {
			if (uio->uio_copyout)
				err = uio->uio_copyout(iov->iov_base, p, c);
			else
				err = (memcpy(iov->iov_base, p, c), 0);
		} else {
			if (uio->uio_copyin)
				err = uio->uio_copyin(p, iov->iov_base, c);
			else
				err = (memcpy(p, iov->iov_base, c), 0);
		}
		if (err)
			return -EFAULT;
		iov->iov_base = (uint8_t *)iov->iov_base + c;
		iov->iov_len -= c;
		uio->uio_resid -= c;
		p += c;
		n -= c;
	}
	return 0;
}

/* Builds a packet chain of len bytes from the uio, leaving M_MAXHDR of headroom in front for
 * the protocol headers when `hdr`.  *errp: -ENOBUFS or -EFAULT on failure (NULL returned). */
static struct mbuf *so_uio_chain(struct uio *uio, size_t len, bool hdr, int *errp)
{
	struct mbuf *top = NULL, **mp = &top;
	size_t left = len;
	bool first = true;

	do {
		struct mbuf *m;
		uint32_t room, c;
		uint32_t lead = (first && hdr) ? M_MAXHDR : 0;
		if (left + lead > MHLEN)
			m = m_getcl(MT_DATA, first ? M_PKTHDR : 0);
		else
			m = first ? m_gethdr(MT_DATA) : m_get(MT_DATA);
		if (!m) {
			m_freem(top);
			*errp = -ENOBUFS;
			return NULL;
		}
		if (lead)
			m_reserve(m, lead);
		room = M_TRAILINGSPACE(m);
		c = (uint32_t)NET_MIN((size_t)room, left);
		*mp = m;
		mp = &m->m_next;
		if (c && uiomove(m->m_data, c, uio)) {
			m_freem(top);
			*errp = -EFAULT;
			return NULL;
		}
		m->m_len = c;
		left -= c;
		first = false;
	} while (left > 0);
	top->m_pkthdr.len = (uint32_t)len;
	return top;
}

/* Copies up to len bytes from the uio into m's cluster after its data (or into its inline
 * storage); returns 0 or -EFAULT. */
static int so_uio_fill(struct mbuf *m, uint32_t room, size_t *left, struct uio *uio)
{
	uint32_t c = (uint32_t)NET_MIN((size_t)room, *left);
	if (c && uiomove(m->m_data + m->m_len, c, uio))
		return -EFAULT;
	m->m_len += c;
	*left -= c;
	return 0;
}

/* A stream send's chain of len bytes, to be appended to the send buffer sb.  The bytes go
 * first into the free end of the buffer's tail cluster (M_WRTAIL), through an mbuf sharing
 * that cluster which sbappendstream merges into the tail, then into fresh clusters, each
 * marked M_WRTAIL so the next send continues where this one stops: small writes share
 * clusters instead of taking one each.  A buffer of four pages or more gets page-sized
 * clusters (MBIGCLBYTES), so that a segment's payload (tcp_output's m_copym) mostly lies in
 * one cluster (1.36 mbufs per 1460-byte segment instead of 1.71) and an acknowledgment mostly
 * frees bytes, not mbufs (sbdrop).  Writing past the tail's data while segments share the
 * cluster is safe: they reference only bytes already in the buffer, and nothing else writes
 * there (M_WRTAIL is never copied, and shared clusters are read-only to everyone else).
 * *errp: -ENOBUFS or -EFAULT on failure (NULL returned; what was written past the tail's data
 * is no one's data). */
static struct mbuf *so_stream_chain(const struct sockbuf *sb, struct uio *uio, size_t len,
    int *errp)
{
	struct mbuf *top = NULL, **mp = &top, *t = sb->sb_mbtail, *m;
	size_t left = len;
	uint32_t clsize = sb->sb_hiwat >= 4 * MBIGCLBYTES ? MBIGCLBYTES : MCLBYTES;

	if (t && (t->m_flags & M_WRTAIL) && left > 0) {
		uint8_t *end = t->m_data + t->m_len;
		uint32_t room = (uint32_t)(t->m_ext.ext_buf + t->m_ext.ext_size - end);
		if (room && (m = m_get(MT_DATA)) != NULL) {
			m->m_ext = t->m_ext;
			m->m_flags |= M_EXT;
			__atomic_add_fetch(m->m_ext.ext_ref, 1, __ATOMIC_ACQ_REL);
			m->m_data = end;
			*mp = m;
			mp = &m->m_next;
			if ((*errp = so_uio_fill(m, room, &left, uio)) != 0)
				goto fail;
		}
	}
	while (left > 0) {
		if (left > MHLEN) {
			m = m_getjcl(MT_DATA, 0, clsize);
			if (m)
				m->m_flags |= M_WRTAIL;
		} else {
			m = m_get(MT_DATA);
		}
		if (!m) {
			*errp = -ENOBUFS;
			goto fail;
		}
		*mp = m;
		mp = &m->m_next;
		if ((*errp = so_uio_fill(m, M_TRAILINGSPACE(m), &left, uio)) != 0)
			goto fail;
	}
	return top;
fail:
	m_freem(top);
	return NULL;
}

ssize_t so_send(struct socket *so, struct uio *uio, const struct sockaddr *nam,
    socklen_t namlen, int flags)
{
	struct netstack *ns = so->so_ns;
	const struct protosw *pr = so->so_proto;
	bool atomic = pr->pr_flags & PR_ATOMIC;
	bool nbio = (so->so_state & SS_NBIO) || (flags & MSG_DONTWAIT);
	ssize_t sent = 0;
	uint64_t deadline;
	int err = 0;

	if ((flags & MSG_OOB) && atomic)
		return -EOPNOTSUPP;
	NET_LOCK(ns);
	deadline = so_deadline(so, &so->so_snd);
	for (;;) {
		size_t chunk;
		struct mbuf *m;

		/* Linux (sock_alloc_send_pskb, sk_stream_error): a pending error is reported
		 * first (ECONNRESET after a reset), EPIPE after it. */
		if (so->so_error) {
			err = -so->so_error;
			so->so_error = 0;
			break;
		}
		if (so->so_state & SS_CANTSENDMORE) {
			err = -EPIPE;
			break;
		}
		if ((pr->pr_flags & PR_CONNREQUIRED) && !(so->so_state & SS_ISCONNECTED)) {
			/* Linux tcp_sendmsg: wait while connecting, EPIPE when not connected. */
			if (!(so->so_state & SS_ISCONNECTING)) {
				err = -EPIPE;
				break;
			}
			if (nbio) {
				err = -EAGAIN;
				break;
			}
			err = so_sleep(so, &so->so_state, deadline);
			if (err == -ETIMEDOUT)
				err = -EAGAIN;
			if (err)
				break;
			continue;
		}
		if (atomic) {
			/* No datagram of any of our protocols exceeds an IPv4 datagram; refuse before
			 * copying, so a huge send cannot pin memory (protocols check precisely). */
			if (uio->uio_resid > SO_MAXDGRAM) {
				err = -EMSGSIZE;
				break;
			}
			m = so_uio_chain(uio, uio->uio_resid, true, &err);
			if (!m)
				break;
			chunk = m->m_pkthdr.len;
			err = pr->pr_send(so, m, nam, namlen, NULL, flags);
			if (!err)
				sent = (ssize_t)chunk;
			break;
		}
		if (uio->uio_resid == 0)
			break;
		chunk = sbspace(&so->so_snd);
		if (chunk < uio->uio_resid && chunk < so->so_snd.sb_lowat) {
			if (nbio) {
				err = -EAGAIN;
				break;
			}
			err = so_sleep(so, &so->so_snd, deadline);
			if (err == -ETIMEDOUT)
				err = -EAGAIN;
			if (err)
				break;
			continue;
		}
		chunk = NET_MIN(chunk, uio->uio_resid);
		m = so_stream_chain(&so->so_snd, uio, chunk, &err);
		if (!m)
			break;
		err = pr->pr_send(so, m, nam, namlen, NULL, flags);
		if (err)
			break;
		sent += (ssize_t)chunk;
		if (uio->uio_resid == 0)
			break;
	}
	NET_UNLOCK(ns);
	/* A stream send that moved some bytes reports them; the error comes next time. */
	if (sent > 0 && !atomic)
		return sent;
	return err ? err : sent;
}

/* Copies up to len bytes of chain m from offset off into the uio; returns bytes copied or
 * -EFAULT. */
static ssize_t so_copyout(const struct mbuf *m, uint32_t off, size_t len, struct uio *uio)
{
	size_t done = 0;
	while (m && off >= m->m_len) {
		off -= m->m_len;
		m = m->m_next;
	}
	if (uio->uio_iovcnt == 1 && uio->uio_resid == uio->uio_iov->iov_len) {
		/* One user buffer (recv, read): each mbuf's bytes in one copy, without
		 * uiomove's walk over the iovec per mbuf. */
		struct iovec *iov = uio->uio_iov;
		len = NET_MIN(len, uio->uio_resid);
		int (*copyout)(void *, const void *, size_t) = uio->uio_copyout;
		for (; m && done < len; m = m->m_next, off = 0) {
			size_t c = NET_MIN((size_t)(m->m_len - off), len - done);
			if (!copyout)
				memcpy((uint8_t *)iov->iov_base + done, m->m_data + off, c);
			else if (c && copyout((uint8_t *)iov->iov_base + done, m->m_data + off, c))
				break;
			done += c;
		}
		iov->iov_base = (uint8_t *)iov->iov_base + done;
		iov->iov_len -= done;
		uio->uio_resid -= done;
		if (done < len && m)
			return -EFAULT;
		return (ssize_t)done;
	}
	while (m && done < len && uio->uio_resid > 0) {
		size_t c = NET_MIN((size_t)(m->m_len - off), len - done);
		if (c && uiomove(m->m_data + off, c, uio))
			return -EFAULT;
		done += c;
		off = 0;
		m = m->m_next;
	}
	return (ssize_t)done;
}

/* Stream read of c bytes (c <= sb_cc and <= the uio's room): the bytes are unlinked from the
 * receive buffer under the net lock, copied to the user without it, so the network thread
 * can keep queueing segments meanwhile, and freed; a failed copy puts them back, so data is
 * lost no more than when the copy ran under the lock.  Net lock held on entry and on return
 * (released in between). */
static ssize_t so_stream_read(struct socket *so, size_t c, struct uio *uio)
{
	struct netstack *ns = so->so_ns;
	struct sockbuf *sb = &so->so_rcv;
	uint32_t got;
	struct mbuf *chain = sbtakestream(sb, (uint32_t)c, &got);
	ssize_t n;

	if (!chain) {
		/* No mbuf for the partial piece: copy under the lock. */
		n = so_copyout(sb->sb_mb, 0, c, uio);
		if (n > 0)
			sbdrop(sb, (uint32_t)n);
		return n;
	}
	NET_UNLOCK(ns);
	n = so_copyout(chain, 0, got, uio);
	if (n == (ssize_t)got) {
		m_freem(chain);
		NET_LOCK(ns);
		return n;
	}
	NET_LOCK(ns);
	sbunreadstream(sb, chain);
	if (n > 0)
		sbdrop(sb, (uint32_t)n);
	return n;
}

static ssize_t so_receive_dgram(struct socket *so, struct uio *uio,
    struct sockaddr_storage *nam, socklen_t *namlen, int flags, int *outflags)
{
	struct mbuf *rec = so->so_rcv.sb_mb, *data = rec;
	uint32_t reclen;
	ssize_t n;

	if (rec->m_type == MT_SONAME) {
		if (nam && namlen) {
			uint32_t c = NET_MIN(rec->m_len, (uint32_t)sizeof(*nam));
			memcpy(nam, rec->m_data, c);
			*namlen = c;
		}
		data = rec->m_next;
	} else if (namlen) {
		*namlen = 0;
	}
	reclen = data ? ((data->m_flags & M_PKTHDR) ? data->m_pkthdr.len : m_length(data)) : 0;
	n = so_copyout(data, 0, NET_MIN((size_t)reclen, uio->uio_resid), uio);
	if (n < 0)
		return n;
	if ((size_t)n < reclen)
		*outflags |= MSG_TRUNC;
	if (!(flags & MSG_PEEK)) {
		sbdroprecord(&so->so_rcv);
		if (so->so_proto->pr_flags & PR_WANTRCVD)
			so->so_proto->pr_rcvd(so, flags);
	}
	/* Linux: with MSG_TRUNC in the request, the datagram's real length is returned. */
	return (flags & MSG_TRUNC) ? (ssize_t)reclen : n;
}

ssize_t so_receive(struct socket *so, struct uio *uio, struct sockaddr_storage *nam,
    socklen_t *namlen, int *flagsp)
{
	struct netstack *ns = so->so_ns;
	const struct protosw *pr = so->so_proto;
	int flags = *flagsp, outflags = 0;
	bool atomic = pr->pr_flags & PR_ATOMIC;
	bool nbio = (so->so_state & SS_NBIO) || (flags & MSG_DONTWAIT);
	ssize_t copied = 0;
	uint64_t deadline;
	int err = 0;

	if (namlen && !nam)
		*namlen = 0;
	if (flags & MSG_OOB) {
		if (!pr->pr_rcvoob)
			return -EOPNOTSUPP;
		NET_LOCK(ns);
		err = pr->pr_rcvoob(so, flags);
		NET_UNLOCK(ns);
		if (err < 0)
			return err;
		{
			uint8_t b = (uint8_t)err;
			if (uio->uio_resid == 0)
				return 0;
			if (uiomove(&b, 1, uio))
				return -EFAULT;
			return 1;
		}
	}
	NET_LOCK(ns);
	deadline = so_deadline(so, &so->so_rcv);
	for (;;) {
		bool have = atomic ? so->so_rcv.sb_mb != NULL : so->so_rcv.sb_cc > 0;
		/* Linux __skb_try_recv_datagram: on a datagram socket a pending error (an ICMP
		 * error on a connected UDP socket) comes before queued data; on a stream socket
		 * the data comes first (below). */
		if (atomic && so->so_error) {
			err = -so->so_error;
			so->so_error = 0;     /* sock_error() clears it, MSG_PEEK or not */
			break;
		}
		if (atomic && have) {
			copied = so_receive_dgram(so, uio, nam, namlen, flags, &outflags);
			break;
		}
		if (!atomic && have) {
			size_t avail = so->so_rcv.sb_cc;
			size_t want = uio->uio_resid;
			/* Without MSG_WAITALL wait for the low-water mark; with it, take what is
			 * there (so the window reopens) and keep waiting for the rest. */
			size_t target = (flags & MSG_WAITALL) ? 1 :
			    NET_MIN(want, (size_t)NET_MAX(so->so_rcv.sb_lowat, 1u));
			if (avail >= target || (flags & MSG_PEEK) ||
			    (so->so_state & SS_CANTRCVMORE) || so->so_error || nbio) {
				size_t c = NET_MIN(avail, want);
				ssize_t n;
				if (flags & MSG_TRUNC) {
					n = (ssize_t)c;   /* Linux TCP: discard without copying */
					uio->uio_resid -= c;
				} else if (flags & MSG_PEEK) {
					n = so_copyout(so->so_rcv.sb_mb, 0, c, uio);
				} else {
					n = so_stream_read(so, c, uio);   /* drops what it copied */
				}
				if (n < 0) {
					err = (int)n;
					break;
				}
				copied += n;
				if (!(flags & MSG_PEEK)) {
					if (flags & MSG_TRUNC)
						sbdrop(&so->so_rcv, (uint32_t)n);
					if (pr->pr_flags & PR_WANTRCVD)
						pr->pr_rcvd(so, flags);
				}
				if (uio->uio_resid == 0 || !(flags & MSG_WAITALL) ||
				    (flags & MSG_PEEK))
					break;
				continue;
			}
		}
		/* Nothing (or not enough) to return yet. */
		if (copied > 0 && (so->so_error || (so->so_state & SS_CANTRCVMORE)))
			break;
		if (so->so_error) {
			err = -so->so_error;
			so->so_error = 0;
			break;
		}
		if (so->so_state & SS_CANTRCVMORE)
			break;                  /* end of file: 0 */
		if ((pr->pr_flags & PR_CONNREQUIRED) &&
		    !(so->so_state & (SS_ISCONNECTED | SS_ISCONNECTING))) {
			err = -ENOTCONN;
			break;
		}
		if (uio->uio_resid == 0)
			break;
		if (nbio) {
			err = copied ? 0 : -EAGAIN;
			break;
		}
		err = so_sleep(so, &so->so_rcv, deadline);
		if (err) {
			if (err == -ETIMEDOUT)
				err = -EAGAIN;
			if (copied)
				err = 0;
			if (err || copied)
				break;
		}
	}
	NET_UNLOCK(ns);
	*flagsp = outflags;
	if (copied < 0)
		return copied;
	return err ? err : copied;
}
