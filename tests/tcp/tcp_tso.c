/* TCP segmentation offload (net/tcp_output.c) over the in-memory wire: stack a's interface
 * claims CSUM_TSO and a fake device in front of the wire does what an 8254x does with a
 * large segment (8254x SDM 3.5: repeat the header on every piece, advance the IP length,
 * the IP ID and the sequence number, keep FIN and PSH for the last piece, insert both
 * checksums, the TCP one from the pseudo-header sum without length that the stack left in
 * the field).  Before cutting, it checks the shape of every large segment: whole segments of
 * tso_segsz (but for a TCP_NODELAY tail that empties the buffer), no more than a 64 KiB
 * frame, no SYN, RST or URG, only the timestamp option, the offload flags set.  Stack b
 * receives ordinary MSS-sized segments, checks their checksums itself and must deliver the
 * exact bytes.  a's TCP statistics must count the wire segments the device made.
 *
 * Covered: bulk with and without timestamps, loss with SACK recovery and retransmissions,
 * FIN and PSH riding on a large segment, the Nagle tail, urgent data, a small receive window,
 * and an interface without TSO (never a large segment). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "host/wire.h"
#include "host/port_host.h"
#include "host/stos_api.h"
#include "net/netstack.h"
#include "net/tcp_var.h"
#include "tests/tcp/tso_ref.h"
#include <stos/socket.h>
#include <stos/in.h>
#include "host/sin.h"

#define A_ADDR 0x0a000001u
#define B_ADDR 0x0a000002u
#define PORT   5001
#define ETH    14

/* ---- the fake TSO device ---------------------------------------------------------------- */

struct tsodev {
	void (*wire_start)(struct ifnet *ifp);
	uint64_t large;             /* large segments (CSUM_TSO) seen */
	uint64_t large_bytes;       /* their payload */
	uint64_t large_fin, large_psh, large_tail;
	uint64_t tcp_frames;        /* TCP frames put on the wire (pieces and ordinary ones) */
	uint64_t data_frames, data_bytes;
	uint64_t pieces_max_len;    /* largest frame put on the wire */
	uint32_t segsz;             /* tso_segsz of the last large segment */
	uint32_t max_payload;       /* largest large-segment payload */
	uint64_t small_csum_requests;   /* ordinary frames asking the device for checksums */
	int bad;                    /* shape violations */
	char why[160];
};
static struct tsodev dev;

static void bad(const char *why)
{
	if (!dev.bad++)
		snprintf(dev.why, sizeof dev.why, "%s", why);
}

/* Puts one frame on the wire through the wire's own if_start. */
static void emit(struct ifnet *ifp, const uint8_t *f, size_t len)
{
	struct mbuf *m = tu_chain(f, (uint32_t)len, 0);
	assert_non_null(m);
	const uint8_t *ip = f + ETH;
	if (be16_get(f + 12) == 0x0800 && ip[9] == 6) {
		unsigned ihl = (ip[0] & 15) * 4u, thl = (ip[ihl + 12] >> 4) * 4u;
		uint32_t pay = be16_get(ip + 2) - ihl - thl;
		dev.tcp_frames++;
		if (pay) {
			dev.data_frames++;
			dev.data_bytes += pay;
		}
	}
	if (len > dev.pieces_max_len)
		dev.pieces_max_len = len;
	mbufq_enqueue(&ifp->if_snd, m);
	dev.wire_start(ifp);
}

/* Checks a large segment and cuts it as an 8254x does. */
static void cut(struct ifnet *ifp, uint8_t *f, size_t len, unsigned flags, uint32_t segsz)
{
	uint8_t *ip = f + ETH;
	unsigned ihl = (ip[0] & 15) * 4u;
	uint8_t *th = ip + ihl;
	unsigned thl = (th[12] >> 4) * 4u, hdr = ETH + ihl + thl;
	uint32_t pay = (uint32_t)len - hdr;
	uint8_t tf = th[13];

	dev.large++;
	dev.large_bytes += pay;
	dev.segsz = segsz;
	if (pay > dev.max_payload)
		dev.max_payload = pay;
	if ((flags & (CSUM_IP | CSUM_TCP | CSUM_TSO)) != (CSUM_IP | CSUM_TCP | CSUM_TSO))
		bad("large segment without CSUM_IP|CSUM_TCP|CSUM_TSO");
	if (!segsz || pay <= segsz)
		bad("large segment of one piece or no tso_segsz");
	if (len > 65535)
		bad("large segment frame over 64 KiB");
	if (be16_get(ip + 2) != len - ETH)
		bad("IP total length is not the datagram's");
	if (ip[9] != 6 || (be16_get(ip + 6) & 0x3fff))
		bad("not TCP, or a fragment");
	if (tf & (TH_SYN | TH_RST | TH_URG) || be16_get(th + 18) != 0)
		bad("SYN, RST or URG on a large segment");
	if (!(tf & TH_ACK))
		bad("large segment without ACK");
	if (thl != 20 && thl != 32)
		bad("options other than the timestamps");
	if (thl == 32 && !(th[20] == 1 && th[21] == 1 && th[22] == 8 && th[23] == 10))
		bad("the 12 option bytes are not NOP NOP TS");
	if (tf & TH_FIN)
		dev.large_fin++;
	if (tf & TH_PUSH)
		dev.large_psh++;
	if (segsz && pay % segsz) {
		dev.large_tail++;
		if (!(tf & TH_PUSH))
			bad("a partial last piece without PSH (not a buffer-emptying tail)");
	}
	/* 8254x SDM 3.5.4: the checksum field holds the pseudo-header sum without the length */
	uint32_t ph = tso_ref_sum16(ip + 12, 8, 6);
	if (be16_get(th + 16) != (uint16_t)ph)
		bad("TSO checksum seed is not the pseudo-header sum without length");
	if (!segsz)
		return;

	uint8_t *p = malloc(hdr + segsz);
	assert_non_null(p);
	size_t n;
	for (uint32_t i = 0; (n = tso_ref_piece(f, len, segsz, i, p)) != 0; i++)
		emit(ifp, p, n);
	free(p);
}

static void dev_start(struct ifnet *ifp)
{
	struct mbuf *list = tso_ref_take_all(ifp);
	uint32_t len, segsz;
	unsigned flags;
	uint8_t *f;
	while ((f = tso_ref_next_flat(&list, &len, &flags, &segsz)) != NULL) {
		if (flags & CSUM_TSO) {
			cut(ifp, f, len, flags, segsz);
		} else {
			if (len > ETH + 1500)
				bad("ordinary frame over the MTU");
			if (flags & (CSUM_IP | CSUM_TCP)) {
				dev.small_csum_requests++;
				tso_ref_finish_sums(f, flags);
			}
			emit(ifp, f, len);
		}
		free(f);
	}
}

/* ---- the pair of stacks ------------------------------------------------------------------ */

struct pair {
	struct tu_leakcheck lc;
	struct world *w;
	struct netstack *a, *b;
	struct wire *wr;
	struct ifnet *ea;
};

static void pair_up(struct pair *p, const struct fault_conf *fc, bool rfc1323, uint32_t hw)
{
	static const uint8_t ma[6] = { 2, 0, 0, 0, 0, 0xa }, mb[6] = { 2, 0, 0, 0, 0, 0xb };
	memset(p, 0, sizeof *p);
	memset(&dev, 0, sizeof dev);
	host_random_seed(7);
	tu_leakcheck_begin(&p->lc);
	p->w = world_new(1 * SEC);
	p->a = world_stack(p->w, "a");
	p->b = world_stack(p->w, "b");
	assert_int_equal(stos_stack_init(p->a), 0);
	assert_int_equal(stos_stack_init(p->b), 0);
	TU_LOCKED(p->a, tcp_instance(p->a)->ti_conf.rfc1323 = rfc1323);
	TU_LOCKED(p->b, tcp_instance(p->b)->ti_conf.rfc1323 = rfc1323);
	p->wr = world_wire(p->w, 100 * USEC);
	p->ea = wire_attach(p->wr, p->a, "eth0", ma);
	struct ifnet *eb = wire_attach(p->wr, p->b, "eth0", mb);
	TU_LOCKED(p->a, assert_int_equal(if_addr_add(p->ea, A_ADDR, 24), 0));
	TU_LOCKED(p->b, assert_int_equal(if_addr_add(eb, B_ADDR, 24), 0));
	NET_LOCK(p->a);
	dev.wire_start = p->ea->if_start;
	p->ea->if_start = dev_start;
	p->ea->if_capabilities = p->ea->if_hwassist = hw;
	NET_UNLOCK(p->a);
	if (fc)
		assert_int_equal(wire_fault(p->wr, fc), 0);
	world_run(p->w, 10 * MSEC);
}

static void pair_down(struct pair *p)
{
	stos_close_all(p->a);
	stos_close_all(p->b);
	wire_fault(p->wr, NULL);
	world_run(p->w, 20 * 60 * SEC);
	TU_LOCKED(p->a, assert_int_equal(tcp_count_state(p->a, 0, 0), 0));
	TU_LOCKED(p->b, assert_int_equal(tcp_count_state(p->b, 0, 0), 0));
	world_free(p->w);
	tu_leakcheck_end(&p->lc);
}

#define SA(x) ((struct sockaddr *)&(x))

static struct tcpcb *fd_tcpcb(int fd)
{
	struct socket *so = stos_sock(fd);
	assert_non_null(so);
	return intotcpcb(so->so_pcb);
}

/* a connects to b; b's receive buffer is rcvbuf when nonzero (set on the listener). */
static void pair_connect(struct pair *p, int *cfd, int *sfd, int rcvbuf)
{
	int l = stos_socket(p->b, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in sb = sin_h(B_ADDR, PORT);
	assert_true(l >= 0);
	if (rcvbuf)
		assert_int_equal(stos_setsockopt(l, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), 0);
	assert_int_equal(stos_bind(l, SA(sb), sizeof sb), 0);
	assert_int_equal(stos_listen(l, 8), 0);
	int c = stos_socket(p->a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(c >= 0);
	assert_int_equal(stos_connect(c, SA(sb), sizeof sb), -1);
	assert_int_equal(errno, EINPROGRESS);
	int s = -1;
	for (int i = 0; i < 2000 && s < 0; i++) {
		world_run(p->w, 1 * MSEC);
		s = stos_accept(l, NULL, NULL);
	}
	assert_true(s >= 0);
	assert_int_equal(stos_set_nonblock(s, 1), 0);
	world_run(p->w, 1 * MSEC);
	stos_close(l);
	*cfd = c;
	*sfd = s;
}

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)((i * 131u + (i >> 9) + 5) & 0xff);
}

/* Sends total bytes from c (in writes of `chunk`; shut down after when `shut`), reads them at
 * s; the bytes must arrive intact and in order.  Returns the virtual time used. */
static uint64_t transfer(struct pair *p, int c, int s, uint64_t total, size_t chunk, bool shut)
{
	static uint8_t buf[65536], in[65536];
	uint64_t sent = 0, rcvd = 0, t0 = world_now(p->w);
	bool eof = false;
	while (!(rcvd == total && (eof || !shut)) && world_now(p->w) - t0 < 600 * SEC) {
		while (sent < total) {
			size_t n = total - sent < chunk ? (size_t)(total - sent) : chunk;
			for (size_t i = 0; i < n; i++)
				buf[i] = pattern(sent + i);
			ssize_t r = stos_send(c, buf, n, MSG_DONTWAIT);
			if (r <= 0) {
				assert_int_equal(errno, EAGAIN);
				break;
			}
			sent += (uint64_t)r;
			if (sent == total && shut)
				assert_int_equal(stos_shutdown(c, SHUT_WR), 0);
		}
		for (;;) {
			ssize_t r = stos_recv(s, in, sizeof in, MSG_DONTWAIT);
			if (r == 0) {
				eof = true;
				break;
			}
			if (r < 0) {
				assert_int_equal(errno, EAGAIN);
				break;
			}
			for (ssize_t i = 0; i < r; i++)
				if (in[i] != pattern(rcvd + (uint64_t)i))
					fail_msg("byte %llu differs", (unsigned long long)(rcvd + (uint64_t)i));
			rcvd += (uint64_t)r;
		}
		world_run(p->w, 1 * MSEC);
	}
	assert_true(rcvd == total);
	if (shut)
		assert_true(eof);
	return world_now(p->w) - t0;
}

#define HW_TSO (CSUM_IP | CSUM_TCP | CSUM_TSO)

/* a's statistics count what the device put on the wire. */
static void check_counts(struct pair *p)
{
	if (dev.bad)
		fail_msg("%d malformed large segments; first: %s", dev.bad, dev.why);
	assert_int_equal(stos_stat(p->a, "tcp", "sndpack") + stos_stat(p->a, "tcp", "sndrexmitpack"),
	    dev.data_frames);
	assert_int_equal(stos_stat(p->a, "tcp", "sndbyte") + stos_stat(p->a, "tcp", "sndrexmitbyte"),
	    dev.data_bytes);
	assert_int_equal(stos_stat(p->a, "tcp", "sndtotal"), dev.tcp_frames);
	assert_int_equal(stos_stat(p->a, "tcp", "sndtso"), dev.large);
	assert_int_equal(stos_stat(p->a, "tcp", "sndfail"), 0);
	assert_int_equal(stos_stat(p->b, "tcp", "rcvbadsum"), 0);
	assert_true(dev.pieces_max_len <= ETH + 1500);
}

static void test_bulk_timestamps(void **state)
{
	(void)state;
	struct pair p;
	int c, s;
	pair_up(&p, NULL, true, HW_TSO);
	pair_connect(&p, &c, &s, 0);
	struct tcpcb *tp = fd_tcpcb(c);
	assert_true(tp->t_flags & TF_RCVD_TSTMP);
	assert_int_equal(tp->t_maxseg, 1500 - 20 - 20 - 12);
	transfer(&p, c, s, 4u << 20, 65536, true);
	check_counts(&p);
	/* most bytes went as large segments of 1448-byte pieces, each piece a full frame */
	assert_true(dev.large > 20);
	assert_true(dev.large_bytes > (3u << 20));
	assert_int_equal(dev.segsz, 1448);
	assert_int_equal(dev.pieces_max_len, ETH + 1500);
	assert_true(dev.max_payload > 16 * 1448);
	assert_true(dev.max_payload <= 65535 - ETH - 20 - 32);
	assert_int_equal(dev.large_tail, 0);
	assert_true(dev.small_csum_requests > 0);  /* the handshake and FIN: offloaded too */
	pair_down(&p);
}

static void test_bulk_no_options(void **state)
{
	(void)state;
	struct pair p;
	int c, s;
	pair_up(&p, NULL, false, HW_TSO);
	pair_connect(&p, &c, &s, 0);
	assert_int_equal(fd_tcpcb(c)->t_maxseg, 1460);
	transfer(&p, c, s, 2u << 20, 65536, true);
	check_counts(&p);
	assert_true(dev.large > 10);
	assert_int_equal(dev.segsz, 1460);
	assert_int_equal(dev.pieces_max_len, ETH + 1500);
	pair_down(&p);
}

/* An interface that offers segmentation only (as bench/hosted/fdlink.c): large segments
 * still go to the device, which inserts their checksums; every other frame leaves the stack
 * with its checksums done in software and no request left for the device. */
static void test_tso_without_checksum_offload(void **state)
{
	(void)state;
	struct pair p;
	int c, s;
	pair_up(&p, NULL, true, CSUM_TSO);
	pair_connect(&p, &c, &s, 0);
	transfer(&p, c, s, 2u << 20, 65536, true);
	check_counts(&p);
	assert_true(dev.large > 10);
	assert_int_equal(dev.segsz, 1448);
	assert_int_equal(dev.small_csum_requests, 0);
	pair_down(&p);
}

static void test_loss_and_sack_recovery(void **state)
{
	(void)state;
	struct pair p;
	int c, s;
	struct fault_conf fc = { .loss_ppm = 20000, .seed = 3 };
	pair_up(&p, &fc, true, HW_TSO);
	pair_connect(&p, &c, &s, 0);
	assert_true(fd_tcpcb(c)->t_flags & TF_SACK_PERMIT);
	transfer(&p, c, s, 4u << 20, 65536, true);
	check_counts(&p);
	assert_true(dev.large > 10);
	assert_true(stos_stat(p.a, "tcp", "sndrexmitpack") > 0);
	assert_true(stos_stat(p.a, "tcp", "sackrexmit") > 0);
	pair_down(&p);
}

static void test_fin_and_push_ride_along(void **state)
{
	(void)state;
	struct pair p;
	int c, s;
	static uint8_t buf[65536 + 8 * 1448];
	pair_up(&p, NULL, true, HW_TSO);
	pair_connect(&p, &c, &s, 32768);    /* SO_RCVBUF doubles it (as Linux): 64 KiB */
	/* b does not read, so its 64 KiB window fills (whole segments) and the rest waits
	 * in a's send buffer with the FIN behind it; when b reads everything, the rest and the
	 * FIN go as one large segment with PSH and FIN, which only its last piece keeps. */
	size_t total = 45 * 1448 + 3 * 1448;
	for (size_t i = 0; i < total; i++)
		buf[i] = pattern(i);
	assert_int_equal(stos_send(c, buf, total, MSG_DONTWAIT), (ssize_t)total);
	assert_int_equal(stos_shutdown(c, SHUT_WR), 0);
	world_run(p.w, 500 * MSEC);
	assert_int_equal(dev.large_fin, 0);
	uint64_t got = 0;
	bool eof = false;
	for (int i = 0; i < 5000 && !eof; i++) {
		ssize_t r = stos_recv(s, buf, sizeof buf, MSG_DONTWAIT);
		if (r > 0) {
			for (ssize_t k = 0; k < r; k++)
				assert_int_equal(buf[k], pattern(got + (uint64_t)k));
			got += (uint64_t)r;
		} else if (r == 0) {
			eof = true;
		}
		world_run(p.w, 1 * MSEC);
	}
	assert_true(eof);
	assert_int_equal(got, total);
	check_counts(&p);
	assert_int_equal(dev.large_fin, 1);
	assert_true(dev.large_psh >= 1);
	assert_int_equal(stos_stat(p.a, "tcp", "sndpack"), total / 1448);
	pair_down(&p);
}

static void test_nagle_tail(void **state)
{
	(void)state;
	struct pair p;
	int c, s;
	pair_up(&p, NULL, true, HW_TSO);
	pair_connect(&p, &c, &s, 0);
	/* Nagle: the sub-segment tail waits for an ACK, as segment by segment */
	transfer(&p, c, s, 2 * 1448 + 100, 2 * 1448 + 100, false);
	check_counts(&p);
	assert_int_equal(dev.large, 1);
	assert_int_equal(dev.large_tail, 0);
	assert_int_equal(stos_stat(p.a, "tcp", "sndpack"), 3);
	/* TCP_NODELAY: the tail that empties the buffer goes in the large segment, with PSH */
	int one = 1;
	assert_int_equal(stos_setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one), 0);
	world_run(p.w, 500 * MSEC);
	transfer(&p, c, s, 2 * 1448 + 100, 2 * 1448 + 100, false);
	check_counts(&p);
	assert_int_equal(dev.large, 2);
	assert_int_equal(dev.large_tail, 1);
	pair_down(&p);
}

static void test_urgent_never_large(void **state)
{
	(void)state;
	struct pair p;
	int c, s;
	static uint8_t buf[20000];
	pair_up(&p, NULL, true, HW_TSO);
	pair_connect(&p, &c, &s, 0);
	int one = 1;
	assert_int_equal(stos_setsockopt(s, SOL_SOCKET, SO_OOBINLINE, &one, sizeof one), 0);
	memset(buf, 'u', sizeof buf);
	assert_int_equal(stos_send(c, buf, sizeof buf, MSG_OOB | MSG_DONTWAIT), (ssize_t)sizeof buf);
	uint64_t got = 0;
	for (int i = 0; i < 5000 && got < sizeof buf; i++) {
		world_run(p.w, 1 * MSEC);
		ssize_t r = stos_recv(s, buf, sizeof buf, MSG_DONTWAIT);
		if (r > 0)
			got += (uint64_t)r;
	}
	assert_int_equal(got, sizeof buf);
	check_counts(&p);      /* includes: no large segment carried URG */
	/* once the urgent pointer is acknowledged, large segments again */
	transfer(&p, c, s, 1u << 20, 65536, false);
	check_counts(&p);
	assert_true(dev.large > 0);
	pair_down(&p);
}

static void test_small_window(void **state)
{
	(void)state;
	struct pair p;
	int c, s;
	pair_up(&p, NULL, true, HW_TSO);
	pair_connect(&p, &c, &s, 8192);
	uint32_t win = stos_sock(s)->so_rcv.sb_hiwat;
	assert_true(win < 20000);
	transfer(&p, c, s, 1u << 20, 65536, true);
	check_counts(&p);
	/* never beyond the window b offered */
	assert_true(dev.large > 0);
	assert_true(dev.max_payload <= win);
	pair_down(&p);
}

static void test_no_tso_interface(void **state)
{
	(void)state;
	struct pair p;
	int c, s;
	pair_up(&p, NULL, true, CSUM_IP | CSUM_TCP);
	pair_connect(&p, &c, &s, 0);
	transfer(&p, c, s, 1u << 20, 65536, true);
	check_counts(&p);
	assert_int_equal(dev.large, 0);
	assert_int_equal(stos_stat(p.a, "tcp", "sndtso"), 0);
	pair_down(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bulk_timestamps),
		cmocka_unit_test(test_bulk_no_options),
		cmocka_unit_test(test_tso_without_checksum_offload),
		cmocka_unit_test(test_loss_and_sack_recovery),
		cmocka_unit_test(test_fin_and_push_ride_along),
		cmocka_unit_test(test_nagle_tail),
		cmocka_unit_test(test_urgent_never_large),
		cmocka_unit_test(test_small_window),
		cmocka_unit_test(test_no_tso_interface),
	};
	return TU_RUN(tests);
}
