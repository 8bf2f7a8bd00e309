/* memlink: two ifnets joined by frame rings (memlink.h). */
#include <stdlib.h>
#include <string.h>
#include "net/netstack.h"
#include "bench/hosted/memlink.h"

#define RING_SLOTS 1024                 /* frames in flight per direction */
#define SLOT_BYTES (9000 + 14)          /* the largest Ethernet MTU plus its header */

struct ring {
	uint32_t head, tail;                /* tail - head frames queued */
	uint32_t len[RING_SLOTS];
	uint8_t (*slot)[SLOT_BYTES];
};

struct memlink {
	struct ifnet *ifp[2];
	struct ring to[2];                  /* to[i]: frames for instance i */
	uint64_t frames, drops;
};

/* Copies one frame into the ring; the copy is the wire's work, not either stack's. */
static void carry(struct memlink *l, struct ring *r, struct mbuf *m)
{
	uint32_t len = m->m_pkthdr.len;
	if (r->tail - r->head == RING_SLOTS || len > SLOT_BYTES ||
	    m_copydata(m, 0, len, r->slot[r->tail % RING_SLOTS]) != 0) {
		l->drops++;
	} else {
		r->len[r->tail % RING_SLOTS] = len;
		r->tail++;
		l->frames++;
	}
	m_freem(m);
}

/* One function per direction, so a callgrind toggle can exclude exactly one of them. */
__attribute__((noinline)) void memlink_carry_a(struct ifnet *ifp);
__attribute__((noinline)) void memlink_carry_b(struct ifnet *ifp);

void memlink_carry_a(struct ifnet *ifp)
{
	struct memlink *l = ifp->if_softc;
	struct mbuf *m;
	while ((m = if_dequeue(ifp)) != NULL)
		carry(l, &l->to[1], m);
}

void memlink_carry_b(struct ifnet *ifp)
{
	struct memlink *l = ifp->if_softc;
	struct mbuf *m;
	while ((m = if_dequeue(ifp)) != NULL)
		carry(l, &l->to[0], m);
}

static void ifp_gone(struct ifnet *ifp)
{
	struct memlink *l = ifp->if_softc;
	for (int i = 0; i < 2; i++)
		if (l->ifp[i] == ifp)
			l->ifp[i] = NULL;
}

static struct ifnet *attach(struct memlink *l, struct netstack *ns, int side, uint32_t mtu,
    uint32_t addr)
{
	uint8_t mac[6] = { 2, 0, 0, 0, 0, (uint8_t)(0x0a + side) };
	NET_LOCK(ns);
	struct ifnet *ifp = ether_ifattach(ns, "eth0", mac,
	    side == 0 ? memlink_carry_a : memlink_carry_b, l);
	if (ifp) {
		ifp->if_free = ifp_gone;
		if (if_setmtu(ifp, mtu) != 0 || if_addr_add(ifp, addr, 24) != 0 ||
		    if_setflags(ifp, IFF_UP) != 0) {
			if_detach(ifp);
			ifp = NULL;
		}
	}
	NET_UNLOCK(ns);
	return ifp;
}

struct memlink *memlink_new(struct netstack *a, struct netstack *b, uint32_t mtu,
    uint32_t addr_a, uint32_t addr_b)
{
	struct memlink *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	for (int i = 0; i < 2; i++) {
		l->to[i].slot = malloc((size_t)RING_SLOTS * SLOT_BYTES);
		if (!l->to[i].slot) {
			memlink_free(l);
			return NULL;
		}
	}
	l->ifp[0] = attach(l, a, 0, mtu, addr_a);
	l->ifp[1] = attach(l, b, 1, mtu, addr_b);
	if (!l->ifp[0] || !l->ifp[1]) {
		/* Detach what was made, so no ifnet points at l once it is freed. */
		struct netstack *ns[2] = { a, b };
		for (int i = 0; i < 2; i++) {
			if (!l->ifp[i])
				continue;
			NET_LOCK(ns[i]);
			if_detach(l->ifp[i]);
			NET_UNLOCK(ns[i]);
		}
		memlink_free(l);
		return NULL;
	}
	return l;
}

unsigned memlink_rx(struct memlink *l, int side)
{
	struct ring *r = &l->to[side];
	struct ifnet *ifp = l->ifp[side];
	unsigned n = 0;
	while (r->head != r->tail) {
		uint32_t i = r->head % RING_SLOTS;
		/* Headroom 2 aligns the IP header, as host/wire.c and the drivers do. */
		struct mbuf *m = ifp ? m_devget(r->slot[i], r->len[i], 2, ifp) : NULL;
		r->head++;
		if (m) {
			if_input(ifp, m);
			n++;
		} else {
			l->drops++;
		}
	}
	return n;
}

unsigned memlink_pending(const struct memlink *l)
{
	return (l->to[0].tail - l->to[0].head) + (l->to[1].tail - l->to[1].head);
}

uint64_t memlink_frames(const struct memlink *l) { return l->frames; }
uint64_t memlink_drops(const struct memlink *l) { return l->drops; }

void memlink_free(struct memlink *l)
{
	if (!l)
		return;
	for (int i = 0; i < 2; i++)
		free(l->to[i].slot);
	free(l);
}
