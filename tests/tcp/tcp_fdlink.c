/* bench/hosted/fdlink.c's transmit side over a real SOCK_SEQPACKET socketpair (the
 * benchmark's wire) whose send buffer holds only a few frames, so that the descriptor refuses
 * pieces in the middle of a large segment: large segments are cut as they are sent, each
 * piece gathered from its headers and the segment's own buffers (tcp_gso_cut); every piece
 * must arrive exactly once, in order, byte for byte what the reference cutter (tso_ref.h)
 * makes, a frame queued behind a large segment must follow its last piece, a frame that asks
 * for nothing goes as it is, and the mbuf pools balance once the link is gone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "host/port_host.h"
#include "net/netstack.h"
#include "net/if.h"
#include "bench/hosted/fdlink.h"
#include "bench/hosted/sp.h"
#include "tests/tcp/tso_ref.h"

/* libc's, declared here: <sys/socket.h> would clash with <stos/socket.h>, whose constants
 * are Linux's own (the Linux ABI of CONTRIBUTING.md). */
int socketpair(int domain, int type, int protocol, int sv[2]);
int setsockopt(int fd, int level, int name, const void *val, unsigned len);
int close(int fd);

#define SRC 0x0a000001u
#define DST 0x0a000002u

static uint8_t frame[SP_FRAME_MAX], flat1[70000], flat2[200], want[2000];

struct link {
	struct tu_leakcheck lc;
	struct netstack *ns;
	struct fdlink *l;
	struct ifnet *ifp;
	int fd[2];
	uint64_t tx0;                       /* frames written on coming up */
};

static void link_up(struct link *k)
{
	tu_leakcheck_begin(&k->lc);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, k->fd), 0);
	int small = 1;                      /* the kernel's minimum: two or three frames */
	assert_int_equal(setsockopt(k->fd[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
	k->ns = host_netstack_create("fdl", true, 1000000000ull);
	assert_non_null(k->ns);
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 0xa };
	k->l = fdlink_new(k->ns, k->fd[0], mac, 1500, SRC);
	assert_non_null(k->l);
	k->ifp = NULL;
	for (struct ifnet *ifp = k->ns->ns_ifnet; ifp; ifp = ifp->if_next)
		if (strcmp(ifp->if_name, "eth0") == 0)
			k->ifp = ifp;
	assert_non_null(k->ifp);
	/* what the interface said on coming up (a gratuitous ARP) is not the test's */
	while (sp_frame_recv(k->fd[1], frame, sizeof frame) > 0)
		;
	k->tx0 = fdlink_tx_frames(k->l);
}

static void link_down(struct link *k)
{
	host_netstack_destroy(k->ns);
	fdlink_free(k->l);
	close(k->fd[0]);
	close(k->fd[1]);
	tu_leakcheck_end(&k->lc);
}

static void queue(struct link *k, struct mbuf *m)
{
	NET_LOCK(k->ns);
	assert_int_equal(if_transmit(k->ifp, m), 0);
	NET_UNLOCK(k->ns);
}

/* Reads frames until n arrived, resuming the link whenever the wire is empty; counts the
 * times the link was found blocked. */
static unsigned drain(struct link *k, uint8_t (*got)[2000], uint32_t *len, unsigned n)
{
	unsigned blocked = 0, i = 0;
	for (unsigned idle = 0; i < n && idle < 1000;) {
		long r = sp_frame_recv(k->fd[1], frame, sizeof frame);
		assert_true(r >= 0);
		if (r == 0) {
			idle++;
			if (fdlink_tx_blocked(k->l)) {
				blocked++;
				fdlink_tx_resume(k->l);
			}
			continue;
		}
		assert_true(r <= 2000);
		memcpy(got[i], frame, (size_t)r);
		len[i++] = (uint32_t)r;
	}
	assert_int_equal(i, n);
	assert_false(fdlink_tx_blocked(k->l));
	assert_int_equal(sp_frame_recv(k->fd[1], frame, sizeof frame), 0);   /* nothing more */
	return blocked;
}

static uint8_t got[64][2000];
static uint32_t glen[64];

static void test_cut_while_blocked(void **state)
{
	(void)state;
	struct link k;
	link_up(&k);
	/* two large segments (the second ending with FIN), then an ARP-sized frame that asks for
	 * nothing, all queued before the wire takes any */
	size_t len1 = tso_ref_build_flat(flat1, true, TH_ACK | TH_PUSH, 100, 5000, 20 * 1448 + 7,
	    6, SRC, DST);
	struct mbuf *m = tu_chain(flat1, (uint32_t)len1, 2000);
	m->m_pkthdr.csum_flags = CSUM_TSO;
	m->m_pkthdr.tso_segsz = 1448;
	queue(&k, m);
	static uint8_t flat3[30000];
	size_t len3 = tso_ref_build_flat(flat3, false, TH_ACK | TH_FIN, 7, 1, 9 * 1460, 6, SRC,
	    DST);
	m = tu_chain(flat3, (uint32_t)len3, 1000);
	m->m_pkthdr.csum_flags = CSUM_TSO;
	m->m_pkthdr.tso_segsz = 1460;
	queue(&k, m);
	for (unsigned i = 0; i < 60; i++)
		flat2[i] = (uint8_t)(i * 13);
	queue(&k, tu_chain(flat2, 60, 0));

	unsigned blocked = drain(&k, got, glen, 21 + 9 + 1);
	assert_true(blocked > 0);           /* the test did stop the wire mid-segment */
	unsigned n = 0;
	for (uint32_t i = 0; i < 21; i++, n++) {
		size_t w = tso_ref_piece(flat1, len1, 1448, i, want);
		assert_int_equal(glen[n], w);
		if (memcmp(got[n], want, w) != 0)
			fail_msg("piece %u of the first segment differs", i);
	}
	for (uint32_t i = 0; i < 9; i++, n++) {
		size_t w = tso_ref_piece(flat3, len3, 1460, i, want);
		assert_int_equal(glen[n], w);
		if (memcmp(got[n], want, w) != 0)
			fail_msg("piece %u of the second segment differs", i);
	}
	assert_int_equal(glen[n], 60);
	assert_memory_equal(got[n], flat2, 60);
	assert_int_equal(fdlink_tx_frames(k.l) - k.tx0, 31);
	assert_int_equal(fdlink_errors(k.l), 0);
	link_down(&k);
}

/* A large segment left half sent when the link goes away is freed with it. */
static void test_gone_mid_segment(void **state)
{
	(void)state;
	struct link k;
	link_up(&k);
	size_t len1 = tso_ref_build_flat(flat1, true, TH_ACK, 1, 1, 40 * 1448, 6, SRC, DST);
	struct mbuf *m = tu_chain(flat1, (uint32_t)len1, 2000);
	m->m_pkthdr.csum_flags = CSUM_TSO;
	m->m_pkthdr.tso_segsz = 1448;
	queue(&k, m);
	assert_true(fdlink_tx_blocked(k.l));
	link_down(&k);                      /* its leak check covers the held segment */
}

/* A malformed large segment (SYN set) is counted and dropped; the frame behind it goes. */
static void test_bad_segment(void **state)
{
	(void)state;
	struct link k;
	link_up(&k);
	size_t len1 = tso_ref_build_flat(flat1, true, TH_ACK | TH_SYN, 1, 1, 3 * 1448, 6, SRC, DST);
	struct mbuf *m = tu_chain(flat1, (uint32_t)len1, 2000);
	m->m_pkthdr.csum_flags = CSUM_TSO;
	m->m_pkthdr.tso_segsz = 1448;
	queue(&k, m);
	queue(&k, tu_chain(flat2, 60, 0));
	drain(&k, got, glen, 1);
	assert_int_equal(glen[0], 60);
	assert_int_equal(fdlink_errors(k.l), 1);
	link_down(&k);
}

/* One-mbuf frames sent one at a time (pure ACKs: if_transmit hands each to fdlink_start1
 * while nothing is queued): written at once while the wire takes them; when it does not, the
 * frame is held, those behind it queue, and all arrive in order once the wire drains. */
static void test_small_frames_in_order(void **state)
{
	(void)state;
	struct link k;
	link_up(&k);
	static uint8_t f[40][66];
	for (unsigned i = 0; i < 40; i++) {
		for (unsigned j = 0; j < 66; j++)
			f[i][j] = (uint8_t)(i * 7 + j);
		queue(&k, tu_chain(f[i], 66, 0));
	}
	assert_true(fdlink_tx_blocked(k.l));     /* the small send buffer filled: one is held */
	assert_true(k.ifp->if_snd.mq_len > 0);    /* ... and the rest wait in the queue */
	unsigned blocked = drain(&k, got, glen, 40);
	assert_true(blocked > 0);
	for (unsigned i = 0; i < 40; i++) {
		assert_int_equal(glen[i], 66);
		assert_memory_equal(got[i], f[i], 66);
	}
	assert_int_equal(fdlink_tx_frames(k.l) - k.tx0, 40);
	assert_int_equal(k.ifp->if_snd.mq_len, 0);
	/* The wire empty again: the next frame goes at once, not queued. */
	queue(&k, tu_chain(f[0], 66, 0));
	assert_false(fdlink_tx_blocked(k.l));
	assert_int_equal(k.ifp->if_snd.mq_len, 0);
	drain(&k, got, glen, 1);
	assert_memory_equal(got[0], f[0], 66);
	assert_int_equal(fdlink_errors(k.l), 0);
	link_down(&k);
}

/* The harness writes a frame given in several buffers as one message, their bytes in order,
 * as the no-stack backend writes its one buffer; a frame longer than any the harness carries
 * is a hard error that writes nothing. */
static void test_sendv_gathers(void **state)
{
	(void)state;
	int fd[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fd), 0);
	static uint8_t a[54], b[700], c[760];
	for (unsigned i = 0; i < sizeof a; i++)
		a[i] = (uint8_t)i;
	for (unsigned i = 0; i < sizeof b; i++)
		b[i] = (uint8_t)(i * 3 + 1);
	for (unsigned i = 0; i < sizeof c; i++)
		c[i] = (uint8_t)(i * 5 + 2);
	struct iovec iov[3] = { { a, sizeof a }, { b, sizeof b }, { c, sizeof c } };
	assert_int_equal(sp_frame_sendv(fd[0], iov, 3), 1);
	assert_int_equal(sp_frame_recv(fd[1], frame, sizeof frame), sizeof a + sizeof b + sizeof c);
	assert_memory_equal(frame, a, sizeof a);
	assert_memory_equal(frame + sizeof a, b, sizeof b);
	assert_memory_equal(frame + sizeof a + sizeof b, c, sizeof c);
	static uint8_t big[SP_FRAME_MAX];
	struct iovec over[2] = { { big, sizeof big }, { a, 1 } };
	assert_int_equal(sp_frame_sendv(fd[0], over, 2), -1);
	assert_int_equal(sp_frame_recv(fd[1], frame, sizeof frame), 0);     /* nothing written */
	close(fd[0]);
	close(fd[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_while_blocked),
		cmocka_unit_test(test_gone_mid_segment),
		cmocka_unit_test(test_bad_segment),
		cmocka_unit_test(test_small_frames_in_order),
		cmocka_unit_test(test_sendv_gathers),
	};
	return TU_RUN(tests);
}
