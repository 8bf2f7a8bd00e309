/* Ethernet: attach, input validation and demultiplexing, output with ARP resolution.
 *
 * Input (ether_input): count; drop on a down interface, a frame shorter than the header or
 * longer than the MTU allows, a multicast/broadcast source, our own source address; classify
 * the destination (ours, broadcast, multicast, another station: dropped unless promiscuous);
 * offer the frame to the taps (the one NET_TAP_IN point); strip the header; demux by type.
 */
#include <stos/errno.h>
#include <stos/packet.h>
#include "netlib.h"
#include "netstack.h"

const uint8_t ether_broadcast[ETHER_ADDR_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

bool ether_is_broadcast(const uint8_t *a)
{
	return memcmp(a, ether_broadcast, ETHER_ADDR_LEN) == 0;
}

struct ifnet *ether_ifattach(struct netstack *ns, const char *name,
    const uint8_t mac[ETHER_ADDR_LEN], void (*start)(struct ifnet *), void *softc)
{
	struct ifnet *ifp = if_alloc(ns, name, IFT_ETHER);
	if (!ifp)
		return NULL;
	memcpy(ifp->if_hwaddr, mac, ETHER_ADDR_LEN);
	ifp->if_mtu = ETHERMTU;
	ifp->if_flags = IFF_BROADCAST | IFF_MULTICAST;
	ifp->if_output = ether_output;
	ifp->if_start = start;
	ifp->if_softc = softc;
	if (if_attach(ifp) != 0) {
		if_free_unattached(ifp);
		return NULL;
	}
	return ifp;
}

/* Whether two Ethernet addresses are equal: one 4-byte and one 2-byte comparison. */
static inline bool ether_addr_eq(const uint8_t *a, const uint8_t *b)
{
	uint32_t a4, b4;
	uint16_t a2, b2;
	memcpy(&a4, a, 4);
	memcpy(&b4, b, 4);
	memcpy(&a2, a + 4, 2);
	memcpy(&b2, b + 4, 2);
	return ((a4 ^ b4) | (uint32_t)(a2 ^ b2)) == 0;
}

/* The general input path: every check, counter and outcome.  ether_input takes the common
 * frame itself and hands everything else here. */
static __attribute__((noinline)) void ether_input_slow(struct ifnet *ifp, struct mbuf *m)
{
	struct netstack *ns = ifp->if_ns;
	struct etherstat *es = &ns->ns_etherstat;
	bool loop = ifp->if_type == IFT_LOOP;
	unsigned pkttype = PACKET_HOST;
	uint32_t len = m->m_pkthdr.len;

	es->ipackets++;
	ifp->if_c.ipackets++;
	ifp->if_c.ibytes += len;
	m->m_pkthdr.rcvif = ifp;
	if (!(ifp->if_flags & IFF_UP)) {
		es->down++;
		goto drop;
	}
	if (len < ETHER_HDR_LEN) {
		es->tooshort++;
		goto err;
	}
	/* Frames may be padded to 60 bytes, never longer than header + MTU. */
	if (len > ETHER_HDR_LEN + ifp->if_mtu && len > ETHER_MIN_LEN) {
		es->toolong++;
		goto err;
	}
	if (m->m_len < ETHER_HDR_LEN && (m = m_pullup(m, ETHER_HDR_LEN)) == NULL) {
		es->tooshort++;
		ifp->if_c.ierrors++;
		return;
	}
	const uint8_t *eh = mtod(m, const uint8_t *);
	uint16_t type = be16_get(eh + 12);
	if (!loop) {
		if (ether_is_multicast(eh + 6)) {
			es->badsrc++;
			goto err;
		}
		if (ether_addr_eq(eh + 6, ifp->if_hwaddr)) {
			es->ownsrc++;
			goto drop;
		}
		/* The group bit first: a unicast frame (nearly every one) then needs only the
		 * comparison with our address. */
		if (ether_is_multicast(eh)) {
			if (ether_is_broadcast(eh)) {
				m->m_flags |= M_BCAST;
				pkttype = PACKET_BROADCAST;
				es->bcast++;
			} else {
				m->m_flags |= M_MCAST;
				pkttype = PACKET_MULTICAST;
				es->mcast++;
			}
			ifp->if_c.imcasts++;
		} else if (!ether_addr_eq(eh, ifp->if_hwaddr)) {
			if (!(ifp->if_flags & IFF_PROMISC)) {
				es->notforus++;
				goto drop;
			}
			m->m_flags |= M_OTHERHOST;
			pkttype = PACKET_OTHERHOST;
		}
	}
	/* The input tap point.  Loopback frames were seen once already, at output.  (Asked here
	 * first: nearly always no tap is open.) */
	if (!loop && ns->ns_taps)
		net_tap_run(ifp, m, NET_TAP_IN, pkttype);
	if (m->m_flags & M_OTHERHOST) {
		es->promisc++;
		goto drop;
	}
	m_adj_hdr(m, ETHER_HDR_LEN);
	m->m_pkthdr.ether_type = type;
	switch (type) {
	case ETHERTYPE_IP:
		ip_input(ifp, m);
		return;
	case ETHERTYPE_ARP:
		if (ifp->if_flags & IFF_NOARP)
			break;
		arp_input(ifp, m);
		return;
	default:
		break;
	}
	es->noproto++;
	ifp->if_c.noproto++;
	goto drop;
err:
	ifp->if_c.ierrors++;
drop:
	m_freem(m);
}

/* Net lock held: its callers (netisr_run_locked, the e1000's receive walk) take it once for
 * a batch of frames, and netisr_run_locked asserts it there rather than once per frame.
 *
 * The common frame is taken here with no call but ip_input's: an IPv4 frame for our own
 * address from an ordinary (unicast, not our own) source, on an Ethernet interface that is
 * up, no longer than the MTU allows, its header in the first mbuf, no tap open.  For such a
 * frame ether_input_slow's checks all pass and end in ip_input; this makes the same counts
 * and hands it on the same way.  Anything else, valid or not, goes to ether_input_slow from
 * the start, so every drop and counter stays where it is.  (Without a call of its own to
 * make, this needs no saved registers.) */
void ether_input(struct ifnet *ifp, struct mbuf *m)
{
	struct netstack *ns = ifp->if_ns;
	uint32_t len = m->m_pkthdr.len;
	const uint8_t *eh = mtod(m, const uint8_t *);

	if (ifp->if_type == IFT_LOOP || !(ifp->if_flags & IFF_UP) || len < ETHER_HDR_LEN ||
	    (len > ETHER_HDR_LEN + ifp->if_mtu && len > ETHER_MIN_LEN) ||
	    m->m_len < ETHER_HDR_LEN || (m->m_flags & (M_OTHERHOST | M_PKTHDR)) != M_PKTHDR ||
	    ns->ns_taps || be16_get(eh + 12) != ETHERTYPE_IP || ether_is_multicast(eh) ||
	    !ether_addr_eq(eh, ifp->if_hwaddr) || ether_is_multicast(eh + 6) ||
	    ether_addr_eq(eh + 6, ifp->if_hwaddr)) {
		ether_input_slow(ifp, m);
		return;
	}
	ns->ns_etherstat.ipackets++;
	ifp->if_c.ipackets++;
	ifp->if_c.ibytes += len;
	m->m_pkthdr.rcvif = ifp;
	m->m_data += ETHER_HDR_LEN;        /* m_adj_hdr: the header is in this mbuf */
	m->m_len -= ETHER_HDR_LEN;
	m->m_pkthdr.len -= ETHER_HDR_LEN;
	m->m_pkthdr.ether_type = ETHERTYPE_IP;
	ip_input(ifp, m);
}

/* Room for the Ethernet header in front of m (NULL, counted, when there is none). */
static struct mbuf *ether_hdr_room(struct ifnet *ifp, struct mbuf *m)
{
	m = m_prepend_inline(m, ETHER_HDR_LEN);
	if (!m) {
		ifp->if_ns->ns_etherstat.onobufs++;
		ifp->if_c.oerrors++;
	}
	return m;
}

/* IEEE 802.3 minimum frame: pads with zeros (not part of the IP datagram), then transmits. */
static int ether_pad_transmit(struct ifnet *ifp, struct mbuf *m)
{
	if (ifp->if_type == IFT_ETHER && m->m_pkthdr.len < ETHER_MIN_LEN) {
		static const uint8_t zeros[ETHER_MIN_LEN];
		if (m_append(m, ETHER_MIN_LEN - m->m_pkthdr.len, zeros) != 0) {
			ifp->if_ns->ns_etherstat.onobufs++;
			ifp->if_c.oerrors++;
			m_freem(m);
			return -ENOBUFS;
		}
	}
	return if_transmit(ifp, m);
}

int ether_output_frame(struct ifnet *ifp, struct mbuf *m, const uint8_t dst[ETHER_ADDR_LEN],
    uint16_t type)
{
	if (!(m = ether_hdr_room(ifp, m)))
		return -ENOBUFS;
	uint8_t *eh = mtod(m, uint8_t *);
	memcpy(eh, dst, ETHER_ADDR_LEN);
	memcpy(eh + 6, ifp->if_hwaddr, ETHER_ADDR_LEN);
	be16_put(eh + 12, type);
	m->m_pkthdr.ether_type = type;
	if (ether_is_broadcast(dst))
		m->m_flags |= M_BCAST;
	else if (ether_is_multicast(dst))
		m->m_flags |= M_MCAST;
	return ether_pad_transmit(ifp, m);
}

int ether_output_resolved(struct ifnet *ifp, struct mbuf *m, const uint8_t *hdr, void *lle)
{
	if (!(m = ether_hdr_room(ifp, m)))
		return -ENOBUFS;
	memcpy(mtod(m, uint8_t *), hdr, ETHER_HDR_LEN);
	m->m_pkthdr.ether_type = ETHERTYPE_IP;
	arp_touch(ifp->if_ns, lle);
	return ether_pad_transmit(ifp, m);   /* (a pure ACK without options is short) */
}

int ether_output(struct ifnet *ifp, struct mbuf *m, ipaddr_t nexthop, unsigned mflags)
{
	struct netstack *ns = ifp->if_ns;
	uint8_t dst[ETHER_ADDR_LEN];

	if (!(ifp->if_flags & IFF_UP)) {
		ns->ns_etherstat.odown++;
		ifp->if_c.oerrors++;
		m_freem(m);
		return -ENETDOWN;
	}
	if (ifp->if_flags & IFF_LOOPBACK) {
		memset(dst, 0, sizeof(dst));
	} else if ((mflags & M_BCAST) || in_isbroadcast(ns, nexthop, ifp)) {
		memcpy(dst, ether_broadcast, ETHER_ADDR_LEN);
	} else if (in_ismulticast(nexthop)) {
		/* RFC 1112 6.4: 01:00:5e + the low 23 bits of the group. */
		dst[0] = 0x01; dst[1] = 0x00; dst[2] = 0x5e;
		dst[3] = (uint8_t)((nexthop >> 16) & 0x7f);
		dst[4] = (uint8_t)(nexthop >> 8);
		dst[5] = (uint8_t)nexthop;
	} else {
		int rc = arp_resolve(ifp, nexthop, m, dst);
		if (rc == -EINPROGRESS)
			return 0;
		if (rc) {
			ifp->if_c.oerrors++;
			m_freem(m);
			return rc;
		}
	}
	return ether_output_frame(ifp, m, dst, ETHERTYPE_IP);
}
