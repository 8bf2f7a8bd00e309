/* Helpers for TCP tests against a scripted peer on the in-memory wire (host/testutil.h's
 * fixture with sockets: stack a = 10.0.0.1, peer 10.0.0.99): a listener on port 80, segments
 * from the peer, a handshake, an accepted connection.  Used by tcp_peer.c,
 * tcp_sack_recovery.c and tcp_scale_tw.c. */
#ifndef TESTS_TCP_PEER_FX_H
#define TESTS_TCP_PEER_FX_H
#include <string.h>
#include "host/testutil.h"
#include "host/stos_api.h"
#include "net/netlib.h"
#include "net/tcp.h"
#include <stos/socket.h>
#include <stos/in.h>

#define PORT 80

static inline size_t nsegs(struct tu_fx *fx) { return tu_peer_count(&fx->peer, 0x0800, 6, -1); }

static inline int listener(struct tu_fx *fx, int backlog)
{
	int l = stos_socket(fx->a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in s;
	memset(&s, 0, sizeof s);
	s.sin_family = AF_INET;
	s.sin_port = net_htons(PORT);
	assert_true(l >= 0);
	assert_int_equal(stos_bind(l, (struct sockaddr *)&s, sizeof s), 0);
	assert_int_equal(stos_listen(l, backlog), 0);
	return l;
}

static const uint8_t mss1460[4] = { 2, 4, 0x05, 0xb4 };

static inline void send_seg(struct tu_fx *fx, uint16_t sport, uint32_t seq, uint32_t ack, uint8_t fl,
    const uint8_t *opts, size_t optlen, const void *pay, size_t plen, uint16_t urp)
{
	uint8_t b[2048];
	size_t n = tu_tcp(b, sport, PORT, seq, ack, fl, 65535, opts, optlen, pay, plen, urp);
	tu_fx_send(fx, b, n);
}

/* Completes a handshake from sport; returns a's ISN + 1 (its next sequence number). */
static inline uint32_t handshake(struct tu_fx *fx, uint16_t sport, uint32_t iss)
{
	size_t before = nsegs(fx);
	struct tu_seg s;
	send_seg(fx, sport, iss, 0, TH_SYN, mss1460, 4, NULL, 0, 0);
	assert_int_equal(nsegs(fx), before + 1);
	assert_true(tu_peer_tcp_seg(&fx->peer, before, &s));
	assert_int_equal(s.flags, TH_SYN | TH_ACK);
	assert_int_equal(s.ack, iss + 1);
	send_seg(fx, sport, iss + 1, s.seq + 1, TH_ACK, NULL, 0, NULL, 0, 0);
	return s.seq + 1;
}

/* handshake from sport, then a's accept: the accepted descriptor; *a_next (may be NULL) is
 * a's next sequence number. */
static inline int accepted(struct tu_fx *fx, int l, uint16_t sport, uint32_t iss, uint32_t *a_next)
{
	uint32_t n = handshake(fx, sport, iss);
	if (a_next)
		*a_next = n;
	int c = stos_accept(l, NULL, NULL);
	assert_true(c >= 0);
	return c;
}

#endif
