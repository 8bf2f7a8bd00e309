/* fdlink: an ifnet over a datagram descriptor (fdlink.h). */
#include <stdlib.h>
#include <string.h>
#include "net/netstack.h"        /* (its <stos/socket.h> defines struct iovec, Linux's layout) */
#include "bench/hosted/sp.h"
#include "bench/hosted/fdlink.h"
#include "net/if_ether.h"
#include "net/tcp_gso.h"

#define MAX_IOV 64

struct fdlink {
	struct netstack *ns;
	struct ifnet *ifp;
	int fd;
	struct mbuf *held;                  /* a frame the descriptor refused */
	int cutting;                        /* cut holds a large segment being sent */
	int niov;                           /* > 0: iov holds a piece not yet accepted */
	struct tcp_gso_cut cut;             /* the large segment, cut piece by piece (tcp_gso.h) */
	struct iovec iov[MAX_IOV];          /* the piece: its headers, then its payload's spans */
	struct mbuf *rxfree;                /* receive buffers ready for frames (m_nextpkt list),
	                                     * as a NIC's receive ring holds them (fdlink_rx) */
	uint64_t tx, rx, errors;
	struct tcp_gso_stats gso;           /* the software TSO and checksums (tcp_gso.h) */
	uint8_t flat[SP_FRAME_MAX];         /* a chain too long for the iovec, flattened */
};

/* A frame dropped on the way out: the link's count and the interface's. */
static void tx_error(struct fdlink *l)
{
	l->errors++;
	l->ifp->if_c.oerrors++;
}

/* Counts a write's outcome r (sp_frame_send's): 1 when the frame is gone (written, or dropped
 * on a hard error and counted), 0 when the write would block. */
static inline int tx_done(struct fdlink *l, int r)
{
	if (r == 0)
		return 0;
	if (r < 0)
		tx_error(l);
	else
		l->tx++;
	return 1;
}

/* Writes one frame gathered from n buffers: tx_done's result. */
static int tx_write(struct fdlink *l, const struct iovec *iov, int n)
{
	return tx_done(l, sp_frame_sendv(l->fd, iov, n));
}

/* send_frame for a chain of mbufs: gathered with an iovec (flattened when longer), out of
 * line so a one-mbuf frame does not pay for the iovec array's stack frame. */
static __attribute__((noinline)) int send_chain(struct fdlink *l, struct mbuf *m)
{
	struct iovec iov[MAX_IOV];
	int n = 0;
	for (struct mbuf *x = m; x; x = x->m_next) {
		if (x->m_len == 0)
			continue;
		if (n == MAX_IOV) {
			n = -1;
			break;
		}
		iov[n].iov_base = x->m_data;
		iov[n].iov_len = x->m_len;
		n++;
	}
	if (n < 0) {
		/* A chain longer than the iovec: flatten it (never on the bulk path). */
		uint32_t len = m->m_pkthdr.len;
		if (len > sizeof l->flat || m_copydata(m, 0, len, l->flat) != 0) {
			tx_error(l);
			m_freem(m);
			return 1;
		}
		iov[0].iov_base = l->flat;
		iov[0].iov_len = len;
		n = 1;
	}
	if (!tx_write(l, iov, n))
		return 0;
	m_freem(m);
	return 1;
}

/* 1: written (or dropped on a hard error, counted), 0: would block (m not consumed).  A
 * one-mbuf frame (a pure ACK) is written from its one buffer. */
static inline int send_frame(struct fdlink *l, struct mbuf *m)
{
	if (m->m_next)
		return send_chain(l, m);
	if (!tx_done(l, sp_frame_send(l->fd, m->m_data, m->m_len)))
		return 0;
	m_freem(m);
	return 1;
}

/* Sends the pieces of the large segment in l->cut, each gathered straight from the
 * segment's buffers (tcp_gso_cut_next), as an 8254x's data descriptors point into them, and
 * written by sp_frame_sendv (one send() from the harness's frame buffer).  1: all gone (the
 * segment freed); 0: would block, the piece waits in l->iov. */
static int send_pieces(struct fdlink *l)
{
	for (;;) {
		if (!l->niov) {
			int n = tcp_gso_cut_next(&l->cut, l->iov + 1, MAX_IOV - 1, l->flat,
			    sizeof l->flat);
			if (n <= 0) {
				if (n < 0)
					tx_error(l);    /* malformed chain (counted in l->gso) */
				tcp_gso_cut_end(&l->cut);
				l->cutting = 0;
				return 1;
			}
			l->iov[0].iov_base = l->cut.ph;
			l->iov[0].iov_len = l->cut.hdr;
			l->niov = n + 1;
		}
		if (!tx_write(l, l->iov, l->niov))
			return 0;
		l->niov = 0;
	}
}

/* A large segment (CSUM_TSO, the only offload the link asks for: if_hwassist) is cut into
 * wire segments with their checksums as it is sent (send_pieces); a frame with other checksum
 * requests gets them done in place by tcp_gso_segment; every other frame is sent as it is.
 * Frames leave in the order they were queued. */
static void fdlink_start(struct ifnet *ifp)
{
	struct fdlink *l = ifp->if_softc;
	for (;;) {
		if (l->cutting) {
			if (!send_pieces(l))
				return;
		} else if (l->held) {
			if (!send_frame(l, l->held))
				return;
			l->held = NULL;
		}
		struct mbuf *m = if_dequeue(ifp);
		if (!m)
			return;
		uint32_t f = m->m_pkthdr.csum_flags;
		if (f & CSUM_TSO) {
			if (tcp_gso_cut_start(&l->cut, m, ETHER_HDR_LEN, &l->gso) == 0) {
				l->cutting = 1;
			} else {
				tx_error(l);    /* malformed (counted in l->gso) */
			}
			continue;
		}
		if (f & CSUM_TX_MASK) {
			m = tcp_gso_segment(m, ETHER_HDR_LEN, &l->gso);
			if (!m) {
				tx_error(l);
				continue;
			}
		}
		if (!send_frame(l, m)) {
			l->held = m;
			return;
		}
	}
}

/* if_start1 (if.h): a frame queued alone goes straight to send_frame when fdlink_start,
 * having dequeued it, would send it so: nothing being cut or held, no checksum to do. */
static bool fdlink_start1(struct ifnet *ifp, struct mbuf *m)
{
	struct fdlink *l = ifp->if_softc;
	if (l->cutting || l->held || (m->m_pkthdr.csum_flags & CSUM_TX_MASK))
		return false;
	if (!send_frame(l, m))
		l->held = m;
	return true;
}

static void fdlink_gone(struct ifnet *ifp)
{
	struct fdlink *l = ifp->if_softc;
	m_freem(l->held);
	l->held = NULL;
	if (l->cutting)
		tcp_gso_cut_end(&l->cut);
	l->cutting = 0;
	l->niov = 0;
	m_freem_list(l->rxfree);
	l->rxfree = NULL;
	l->ifp = NULL;
}

struct fdlink *fdlink_new(struct netstack *ns, int fd, const uint8_t mac[6], uint32_t mtu,
    uint32_t addr)
{
	struct fdlink *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->ns = ns;
	l->fd = fd;
	NET_LOCK(ns);
	struct ifnet *ifp = ether_ifattach(ns, "eth0", mac, fdlink_start, l);
	if (ifp) {
		ifp->if_free = fdlink_gone;
		ifp->if_start1 = fdlink_start1;
		/* TSO and the IP and TCP checksums, done in software at transmit (fdlink_start),
		 * advertised as the e1000 driver does its hardware's (if.h) */
		ifp->if_capabilities = CSUM_IP | CSUM_TCP | CSUM_TSO;
		/* Only segmentation is handed to the "device": the stack knows where a small
		 * frame's headers are and sums them cheaper than tcp_gso_segment can find them. */
		ifp->if_hwassist = CSUM_TSO;
		l->ifp = ifp;
		if (if_setmtu(ifp, mtu) != 0 || if_addr_add(ifp, addr, 24) != 0 ||
		    if_setflags(ifp, IFF_UP) != 0) {
			if_detach(ifp);
			ifp = NULL;
		}
	}
	NET_UNLOCK(ns);
	if (!ifp) {
		free(l);
		return NULL;
	}
	return l;
}

/* Receive buffers taken from the mbuf layer at a time (m_getcl_list: one cache visit for
 * them all, as a driver refills its ring), when fdlink_rx has none left. */
#define FDLINK_RX_REFILL 16

/* Each frame is read straight into the first of the ready buffers (l->rxfree), which leaves
 * the list only when a frame filled it: a poll that finds no frame (most polls of a busy
 * loop) or a frame too long for a cluster leaves it there for the next.  The frames of one
 * call go to the stack together (if_input_list: one taking of the input queue's lock per
 * batch instead of one per frame). */
int fdlink_rx(struct fdlink *l, unsigned max)
{
	unsigned n = 0;
	struct mbuf *head = NULL, **tailp = &head;
	int rc = 0;
	while (n < max && l->ifp) {
		struct mbuf *m = l->rxfree;
		if (!m) {
			if (!m_getcl_list(MT_DATA, M_PKTHDR, FDLINK_RX_REFILL, &l->rxfree))
				break;
			m = l->rxfree;
		}
		/* Headroom 2 aligns the IP header, as the drivers do. */
		long len = sp_frame_recv(l->fd, m->m_data + 2, MCLBYTES - 2);
		if (len <= 0) {
			rc = len < 0 && n == 0 ? -1 : 0;
			break;
		}
		if ((unsigned long)len >= MCLBYTES - 2) {
			/* Possibly cut short: a frame longer than a cluster (fdlink.h). */
			l->ifp->if_c.ierrors++;
			continue;
		}
		l->rxfree = m->m_nextpkt;
		m->m_nextpkt = NULL;
		m->m_data += 2;
		m->m_len = (uint32_t)len;
		m->m_pkthdr.len = (uint32_t)len;
		m->m_pkthdr.rcvif = l->ifp;
		*tailp = m;
		tailp = &m->m_nextpkt;
		l->rx++;
		n++;
	}
	if (head)
		if_input_list(l->ifp, head);
	return rc < 0 ? rc : (int)n;
}

int fdlink_tx_blocked(const struct fdlink *l) { return l->held != NULL || l->cutting; }

void fdlink_tx_resume(struct fdlink *l)
{
	NET_LOCK(l->ns);
	if (l->ifp)
		fdlink_start(l->ifp);
	NET_UNLOCK(l->ns);
}

uint64_t fdlink_tx_frames(const struct fdlink *l) { return l->tx; }
uint64_t fdlink_rx_frames(const struct fdlink *l) { return l->rx; }
uint64_t fdlink_errors(const struct fdlink *l) { return l->errors; }

void fdlink_free(struct fdlink *l)
{
	free(l);
}
