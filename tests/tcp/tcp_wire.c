/* TCP between two stack instances over the in-memory wire (host/wire.h) on the virtual
 * clock: handshake, bulk transfer both ways, half-close, simultaneous close, refusal, linger-0
 * reset, retransmission with RTO backoff, the retry limit (ETIMEDOUT), the persist timer on a
 * zero window, and transfers over impaired links (seeded loss, reordering, duplication,
 * corruption, delay) whose bytes are compared by hash.  Every test checks that the mbuf pools
 * and port_alloc memory come back to where they started.
 *
 * Uses STOS's own ABI headers (like tests/net/udp_wire.c) and the hosted C API. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "host/wire.h"
#include "host/port_host.h"
#include "host/stos_api.h"
#include "net/netstack.h"
#include "net/tcp_var.h"
#include <stos/socket.h>
#include <stos/in.h>
#include "host/sin.h"

#define A_ADDR 0x0a000001u
#define B_ADDR 0x0a000002u
#define PORT   5001

struct pair {
	struct tu_leakcheck lc;
	struct world *w;
	struct netstack *a, *b;
	struct wire *wr;
};

static void pair_up(struct pair *p, const struct fault_conf *fc, uint64_t latency)
{
	static const uint8_t ma[6] = { 2, 0, 0, 0, 0, 0xa }, mb[6] = { 2, 0, 0, 0, 0, 0xb };
	memset(p, 0, sizeof *p);
	host_random_seed(42);
	tu_leakcheck_begin(&p->lc);
	p->w = world_new(1 * SEC);
	p->a = world_stack(p->w, "a");
	p->b = world_stack(p->w, "b");
	assert_non_null(p->a);
	assert_non_null(p->b);
	assert_int_equal(stos_stack_init(p->a), 0);
	assert_int_equal(stos_stack_init(p->b), 0);
	p->wr = world_wire(p->w, latency);
	struct ifnet *ea = wire_attach(p->wr, p->a, "eth0", ma);
	struct ifnet *eb = wire_attach(p->wr, p->b, "eth0", mb);
	TU_LOCKED(p->a, assert_int_equal(if_addr_add(ea, A_ADDR, 24), 0));
	TU_LOCKED(p->b, assert_int_equal(if_addr_add(eb, B_ADDR, 24), 0));
	if (fc)
		assert_int_equal(wire_fault(p->wr, fc), 0);
	world_run(p->w, 10 * MSEC);      /* let gratuitous ARP settle */
}

static void pair_down(struct pair *p)
{
	stos_close_all(p->a);
	stos_close_all(p->b);
	/* Let every connection finish its close (FIN exchange, 2MSL) on a clean link, so the
	 * instances hold nothing when they are destroyed. */
	wire_fault(p->wr, NULL);
	world_run(p->w, 20 * 60 * SEC);
	TU_LOCKED(p->a, assert_int_equal(tcp_count_state(p->a, 0, 0), 0));
	TU_LOCKED(p->b, assert_int_equal(tcp_count_state(p->b, 0, 0), 0));
	world_free(p->w);
	tu_leakcheck_end(&p->lc);
}

#define SA(x) ((struct sockaddr *)&(x))

static int tcp_state(int fd)
{
	struct tcp_info ti;
	unsigned len = sizeof ti;
	if (stos_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
		return TCPS_CLOSED;
	return ti.tcpi_state;
}

static unsigned tcp_ssthresh_of(int fd)
{
	struct tcp_info ti;
	unsigned len = sizeof ti;
	if (stos_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
		return 0;
	return ti.tcpi_snd_ssthresh;
}

/* Opens a connection a -> b:PORT; returns the client fd and the accepted fd. */
static void pair_connect(struct pair *p, int *cfd, int *sfd)
{
	int l = stos_socket(p->b, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in sb = sin_h(B_ADDR, PORT);
	assert_true(l >= 0);
	assert_int_equal(stos_bind(l, SA(sb), sizeof sb), 0);
	assert_int_equal(stos_listen(l, 8), 0);
	int c = stos_socket(p->a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(c >= 0);
	assert_int_equal(stos_connect(c, SA(sb), sizeof sb), -1);
	assert_int_equal(errno, EINPROGRESS);
	int s = -1;
	for (int i = 0; i < 20000 && s < 0; i++) {
		world_run(p->w, 1 * MSEC);
		s = stos_accept(l, NULL, NULL);
	}
	assert_true(s >= 0);
	assert_int_equal(stos_set_nonblock(s, 1), 0);
	for (int i = 0; i < 1000 && tcp_state(c) != TCPS_ESTABLISHED; i++)
		world_run(p->w, 1 * MSEC);
	assert_int_equal(tcp_state(c), TCPS_ESTABLISHED);
	assert_int_equal(tcp_state(s), TCPS_ESTABLISHED);
	stos_close(l);
	*cfd = c;
	*sfd = s;
}

static uint8_t pattern(uint64_t i, unsigned salt)
{
	return (uint8_t)((i * 131u + (i >> 9) + salt) & 0xff);
}

static uint64_t fnv(uint64_t h, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* One direction of a transfer in progress. */
struct flow {
	int tx, rx;
	uint64_t total, sent, rcvd;
	uint64_t h_sent, h_rcvd;
	unsigned salt;
	int done_tx, eof;
};

static void flow_init(struct flow *f, int tx, int rx, uint64_t total, unsigned salt)
{
	memset(f, 0, sizeof *f);
	f->tx = tx;
	f->rx = rx;
	f->total = total;
	f->salt = salt;
	f->h_sent = f->h_rcvd = 0xcbf29ce484222325ull;
}

static void flow_step(struct flow *f, int shut_when_done)
{
	static uint8_t buf[65536];
	while (f->sent < f->total) {
		size_t n = f->total - f->sent < sizeof buf ? (size_t)(f->total - f->sent) : sizeof buf;
		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(f->sent + i, f->salt);
		ssize_t r = stos_send(f->tx, buf, n, MSG_DONTWAIT);
		if (r <= 0) {
			assert_true(errno == EAGAIN);
			break;
		}
		f->h_sent = fnv(f->h_sent, buf, (size_t)r);
		f->sent += (uint64_t)r;
	}
	if (f->sent == f->total && !f->done_tx) {
		f->done_tx = 1;
		if (shut_when_done)
			assert_int_equal(stos_shutdown(f->tx, SHUT_WR), 0);
	}
	for (;;) {
		ssize_t r = stos_recv(f->rx, buf, sizeof buf, MSG_DONTWAIT);
		if (r == 0) {
			f->eof = 1;
			break;
		}
		if (r < 0) {
			assert_true(errno == EAGAIN);
			break;
		}
		f->h_rcvd = fnv(f->h_rcvd, buf, (size_t)r);
		f->rcvd += (uint64_t)r;
	}
}

/* Moves `bytes` each way at once (both directions shut down when done); returns the
 * virtual time it took. */
static uint64_t duplex(struct pair *p, int c, int s, uint64_t bytes, uint64_t limit)
{
	struct flow ab, ba;
	flow_init(&ab, c, s, bytes, 1);
	flow_init(&ba, s, c, bytes, 2);
	uint64_t t0 = world_now(p->w);
	while (!(ab.eof && ba.eof) && world_now(p->w) - t0 < limit) {
		flow_step(&ab, 1);
		flow_step(&ba, 1);
		world_run(p->w, 1 * MSEC);
	}
	assert_true(ab.eof && ba.eof);
	assert_int_equal(ab.rcvd, bytes);
	assert_int_equal(ba.rcvd, bytes);
	assert_true(ab.h_sent == ab.h_rcvd);
	assert_true(ba.h_sent == ba.h_rcvd);
	return world_now(p->w) - t0;
}

static void test_transfer_and_close(void **state)
{
	(void)state;
	struct pair p;
	int c, s;
	pair_up(&p, NULL, 100 * USEC);
	pair_connect(&p, &c, &s);
	duplex(&p, c, s, 2u << 20, 60 * SEC);
	/* Both sides shut down their sending half: one of them ends in TIME-WAIT after the
	 * other's FIN, or both (simultaneous close). */
	world_run(p.w, 100 * MSEC);
	int sc = tcp_state(c), ss = tcp_state(s);
	assert_true(sc == TCPS_TIME_WAIT || sc == TCPS_CLOSED);
	assert_true(ss == TCPS_TIME_WAIT || ss == TCPS_CLOSED);
	assert_true(stos_stat(p.a, "tcp", "connects") == 1);
	assert_true(stos_stat(p.b, "tcp", "accepts") == 1);
	assert_true(stos_stat(p.a, "tcp", "rcvbadsum") == 0);
	stos_close(c);
	stos_close(s);
	/* 2 MSL later nothing is left. */
	world_run(p.w, 61 * SEC);
	TU_LOCKED(p.a, assert_int_equal(tcp_count_state(p.a, 0, 0), 0));
	TU_LOCKED(p.b, assert_int_equal(tcp_count_state(p.b, 0, 0), 0));
	pair_down(&p);
}

static void test_half_close(void **state)
{
	(void)state;
	struct pair p;
	int c, s;
	char buf[4096];
	pair_up(&p, NULL, 100 * USEC);
	pair_connect(&p, &c, &s);
	assert_int_equal(stos_shutdown(c, SHUT_WR), 0);
	world_run(p.w, 10 * MSEC);
	assert_int_equal(stos_recv(s, buf, sizeof buf, MSG_DONTWAIT), 0);   /* EOF */
	assert_int_equal(tcp_state(s), TCPS_CLOSE_WAIT);
	assert_int_equal(tcp_state(c), TCPS_FIN_WAIT_2);
	/* The other half still carries data. */
	struct flow ba;
	flow_init(&ba, s, c, 300000, 3);
	for (int i = 0; i < 5000 && !ba.eof; i++) {
		flow_step(&ba, 1);
		world_run(p.w, 1 * MSEC);
	}
	assert_true(ba.eof);
	assert_int_equal(ba.rcvd, 300000);
	assert_true(ba.h_sent == ba.h_rcvd);
	assert_int_equal(tcp_state(c), TCPS_TIME_WAIT);
	assert_int_equal(tcp_state(s), TCPS_CLOSED);
	pair_down(&p);
}

static void test_simultaneous_close(void **state)
{
	(void)state;
	struct pair p;
	int c, s;
	pair_up(&p, NULL, 1 * MSEC);
	pair_connect(&p, &c, &s);
	/* Both FINs cross on the wire (1 ms latency): FIN-WAIT-1 -> CLOSING -> TIME-WAIT on both
	 * sides (RFC 9293 3.6 figure 13). */
	assert_int_equal(stos_shutdown(c, SHUT_WR), 0);
	assert_int_equal(stos_shutdown(s, SHUT_WR), 0);
	assert_int_equal(tcp_state(c), TCPS_FIN_WAIT_1);
	assert_int_equal(tcp_state(s), TCPS_FIN_WAIT_1);
	world_run(p.w, 1500 * USEC);
	assert_int_equal(tcp_state(c), TCPS_CLOSING);
	assert_int_equal(tcp_state(s), TCPS_CLOSING);
	world_run(p.w, 10 * MSEC);
	assert_int_equal(tcp_state(c), TCPS_TIME_WAIT);
	assert_int_equal(tcp_state(s), TCPS_TIME_WAIT);
	pair_down(&p);
}

static void test_refused(void **state)
{
	(void)state;
	struct pair p;
	pair_up(&p, NULL, 100 * USEC);
	int c = stos_socket(p.a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in sb = sin_h(B_ADDR, 9999);
	assert_int_equal(stos_connect(c, SA(sb), sizeof sb), -1);
	assert_int_equal(errno, EINPROGRESS);
	world_run(p.w, 10 * MSEC);
	int e = 0;
	unsigned l = sizeof e;
	assert_int_equal(stos_getsockopt(c, SOL_SOCKET, SO_ERROR, &e, &l), 0);
	assert_int_equal(e, ECONNREFUSED);
	assert_true(stos_stat(p.b, "tcp", "noport") >= 1);
	pair_down(&p);
}

static void test_linger_zero_resets(void **state)
{
	(void)state;
	struct pair p;
	int c, s;
	char buf[16];
	pair_up(&p, NULL, 100 * USEC);
	pair_connect(&p, &c, &s);
	struct linger lg = { 1, 0 };
	assert_int_equal(stos_setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
	assert_int_equal(stos_close(c), 0);
	world_run(p.w, 10 * MSEC);
	assert_int_equal(stos_recv(s, buf, sizeof buf, MSG_DONTWAIT), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_int_equal(tcp_state(s), TCPS_CLOSED);
	TU_LOCKED(p.a, assert_int_equal(tcp_count_state(p.a, 0, 0), 0));   /* no TIME-WAIT */
	pair_down(&p);
}

static void test_retransmission_backoff(void **state)
{
	(void)state;
	struct pair p;
	int c, s;
	char buf[8192];
	pair_up(&p, NULL, 100 * USEC);
	pair_connect(&p, &c, &s);
	/* The link goes dead: the data must be retransmitted with exponential backoff
	 * (RFC 6298 5.5), then arrive once the link is back. */
	struct fault_conf dead = { .loss_ppm = 1000000, .seed = 1 };
	assert_int_equal(wire_fault(p.wr, &dead), 0);
	memset(buf, 'x', sizeof buf);
	assert_int_equal(stos_send(c, buf, 1000, MSG_DONTWAIT), 1000);
	world_run(p.w, 3500 * MSEC);
	/* RTO min 200 ms (srtt tiny here): timeouts at about 0.2, 0.6, 1.4, 3.0 s. */
	uint64_t rto = stos_stat(p.a, "tcp", "rexmttimeo");
	assert_true(rto >= 3 && rto <= 5);
	struct tcp_info ti;
	unsigned len = sizeof ti;
	assert_int_equal(stos_getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	assert_true(ti.tcpi_backoff >= 3);
	assert_true(ti.tcpi_rto >= 1600000);                    /* microseconds, backed off */
	assert_int_equal(wire_fault(p.wr, NULL), 0);
	world_run(p.w, 10 * SEC);
	assert_int_equal(stos_recv(s, buf, sizeof buf, MSG_DONTWAIT), 1000);
	assert_true(stos_stat(p.a, "tcp", "sndrexmitpack") >= 3);
	pair_down(&p);
}

static void test_retry_limit_etimedout(void **state)
{
	(void)state;
	struct pair p;
	int c, s;
	char buf[100] = { 0 };
	pair_up(&p, NULL, 100 * USEC);
	pair_connect(&p, &c, &s);
	struct fault_conf dead = { .loss_ppm = 1000000, .seed = 1 };
	assert_int_equal(wire_fault(p.wr, &dead), 0);
	assert_int_equal(stos_send(c, buf, sizeof buf, MSG_DONTWAIT), (ssize_t)sizeof buf);
	world_run(p.w, 30 * 60 * SEC);
	assert_int_equal(stos_recv(c, buf, sizeof buf, MSG_DONTWAIT), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(stos_stat(p.a, "tcp", "timeoutdrop"), 1);
	pair_down(&p);
}

static void test_zero_window_persist(void **state)
{
	(void)state;
	struct pair p;
	int c, s;
	pair_up(&p, NULL, 100 * USEC);
	pair_connect(&p, &c, &s);
	/* The receiver does not read: its window closes, the sender probes it (persist timer,
	 * RFC 9293 3.8.6.1) instead of giving up, and resumes when the reader drains it. */
	struct flow ab;
	flow_init(&ab, c, s, 1u << 20, 4);
	static uint8_t junk[1];
	(void)junk;
	for (int i = 0; i < 200; i++) {
		ab.rx = -1;                        /* no reading yet */
		while (ab.sent < ab.total) {
			static uint8_t b2[16384];
			size_t n = sizeof b2;
			for (size_t k = 0; k < n; k++)
				b2[k] = pattern(ab.sent + k, ab.salt);
			ssize_t r = stos_send(c, b2, n, MSG_DONTWAIT);
			if (r <= 0)
				break;
			ab.h_sent = fnv(ab.h_sent, b2, (size_t)r);
			ab.sent += (uint64_t)r;
		}
		world_run(p.w, 1 * MSEC);
	}
	world_run(p.w, 20 * SEC);
	assert_true(stos_stat(p.a, "tcp", "persisttimeo") >= 1);
	assert_true(stos_stat(p.a, "tcp", "sndprobe") >= 1);
	assert_int_equal(tcp_state(c), TCPS_ESTABLISHED);
	ab.rx = s;
	for (int i = 0; i < 60000 && !ab.eof; i++) {
		flow_step(&ab, 1);
		world_run(p.w, 1 * MSEC);
	}
	assert_true(ab.eof);
	assert_int_equal(ab.rcvd, ab.total);
	assert_true(ab.h_sent == ab.h_rcvd);
	pair_down(&p);
}

/* TCP_SOAK_MIB=n in the environment makes every impaired-link transfer n MiB each way
 * (`make tcp-soak` uses 64, the size; `make test` keeps them small). */
static uint64_t soak_bytes(uint64_t dflt)
{
	const char *e = getenv("TCP_SOAK_MIB");
	return e && atoi(e) > 0 ? (uint64_t)atoi(e) << 20 : dflt;
}

/* TCP_SOAK_SEED=n in the environment adds n to every impaired-link transfer's fault seed and
 * to the instances' random seed (`make tcp-soak SEEDS=a-b` runs the transfers once per seed),
 * so the same faults can be tried in many other orders. */
static uint32_t soak_seed(void)
{
	const char *e = getenv("TCP_SOAK_SEED");
	return e ? (uint32_t)strtoul(e, NULL, 10) : 0;
}

/* Both ends ask for ECN when ecn (tcp_conf.ecn 1); then both must have negotiated it, had
 * packets marked CE and cut their windows for the echoes. */
static void impaired(const struct fault_conf *fc0, uint64_t bytes, bool ecn)
{
	struct pair p;
	int c, s;
	struct fault_conf fc = *fc0;
	bytes = soak_bytes(bytes);
	fc.seed += soak_seed();
	pair_up(&p, NULL, 500 * USEC);
	if (soak_seed())
		host_random_seed(42 + soak_seed());
	if (ecn) {
		assert_int_equal(stos_tcp_ecn(p.a, TCP_ECN_ON), 0);
		assert_int_equal(stos_tcp_ecn(p.b, TCP_ECN_ON), 0);
	}
	pair_connect(&p, &c, &s);
	assert_int_equal(wire_fault(p.wr, &fc), 0);
	uint64_t took = duplex(&p, c, s, bytes, 24 * 3600 * SEC);
	struct fault_stats st;
	wire_fault_stats(p.wr, &st);
	print_message("# %llu bytes each way in %.1f s of virtual time (fault seed %u)\n",
	    (unsigned long long)bytes, (double)took / SEC, (unsigned)fc.seed);
	print_message("# faults: %llu frames, %llu lost, %llu duplicated, %llu reordered, %llu corrupted;"
	    " rexmits a %llu b %llu, rto a %llu, fast a %llu, sack a %llu, badsum b %llu\n",
	    (unsigned long long)st.frames, (unsigned long long)st.lost,
	    (unsigned long long)st.duplicated, (unsigned long long)st.reordered,
	    (unsigned long long)st.corrupted, stos_stat(p.a, "tcp", "sndrexmitpack"),
	    stos_stat(p.b, "tcp", "sndrexmitpack"), stos_stat(p.a, "tcp", "rexmttimeo"),
	    stos_stat(p.a, "tcp", "fastrexmit"), stos_stat(p.a, "tcp", "sackrexmit"),
	    stos_stat(p.b, "tcp", "rcvbadsum"));
	if (ecn) {
		print_message("# ECN: CE marks received a %llu b %llu, window cuts a %llu b %llu\n",
		    stos_stat(p.a, "tcp", "ecn_ce"), stos_stat(p.b, "tcp", "ecn_ce"),
		    stos_stat(p.a, "tcp", "ecn_rcwnd"), stos_stat(p.b, "tcp", "ecn_rcwnd"));
		for (int i = 0; i < 2; i++) {
			struct netstack *ns = i ? p.b : p.a;
			assert_true(stos_stat(ns, "tcp", "ecn_shs") >= 1);
			assert_true(stos_stat(ns, "tcp", "ecn_ce") > 0);
			assert_true(stos_stat(ns, "tcp", "ecn_rcwnd") > 0);
		}
	}
	pair_down(&p);
}

static void test_loss_1pct(void **state)
{
	(void)state;
	struct fault_conf fc = { .loss_ppm = 10000, .seed = 11 };
	impaired(&fc, 2u << 20, false);
}

static void test_loss_10pct(void **state)
{
	(void)state;
	struct fault_conf fc = { .loss_ppm = 100000, .seed = 12 };
	impaired(&fc, 512u << 10, false);
}

static void test_reorder_dup_corrupt_delay(void **state)
{
	(void)state;
	struct fault_conf fc = { .dup_ppm = 20000, .reorder_ppm = 30000, .corrupt_ppm = 10000,
	    .delay_ns = 2 * MSEC, .reorder_delay_ns = 3 * MSEC, .seed = 13 };
	impaired(&fc, 2u << 20, false);
}

/* ECN (RFC 3168) under congestion marks: 2% of the ECN-capable packets marked CE, as a
 * router's queue management would, and 0.5% of all frames lost besides. */
static void test_ecn_marks_and_loss(void **state)
{
	(void)state;
	struct fault_conf fc = { .ce_ppm = 20000, .loss_ppm = 5000, .seed = 14 };
	impaired(&fc, 2u << 20, true);
}

/* Sends bytes from c to s (salt: flow_init's) until EOF, within 600 s of virtual time, and
 * checks that all of them arrived intact.  Returns the virtual time it took. */
static uint64_t one_way(struct pair *p, int c, int s, uint64_t bytes, unsigned salt)
{
	struct flow f;
	flow_init(&f, c, s, bytes, salt);
	uint64_t t0 = world_now(p->w);
	while (!f.eof && world_now(p->w) - t0 < 600 * SEC) {
		flow_step(&f, 1);
		world_run(p->w, 1 * MSEC);
	}
	assert_true(f.eof);
	assert_int_equal(f.rcvd, bytes);
	assert_true(f.h_sent == f.h_rcvd);
	return world_now(p->w) - t0;
}

/* HyStart++ (RFC 9406) against a bottleneck with a deep drop-tail queue: 50 Mbit/s, 20 ms
 * round trip (a 125 KB window fills the path), 500 KB of queue.  Plain slow start doubles the
 * window until the queue overflows and loses a burst of segments; HyStart++ sees the round
 * trip grow as the queue fills, leaves slow start early and finishes without a loss.  One
 * direction, 4 MiB, buffers large enough that only the congestion window limits.  cc: the
 * sender's congestion control (both use HyStart++). */
static void bottleneck_run(bool hystart, const char *cc, uint64_t *rexmit, uint64_t *css,
    uint64_t *exits)
{
	struct pair p;
	int c, s;
	struct fault_conf fc = { .rate_bps = 50000000, .queue_bytes = 500000, .seed = 15 };
	pair_up(&p, NULL, 10 * MSEC);
	if (!hystart)
		TU_LOCKED(p.a, tcp_instance(p.a)->ti_conf.no_hystart = true);
	TU_LOCKED(p.a, tcp_instance(p.a)->ti_conf.sendspace = 2u << 20);
	TU_LOCKED(p.b, tcp_instance(p.b)->ti_conf.recvspace = 2u << 20);
	pair_connect(&p, &c, &s);
	assert_int_equal(stos_setsockopt(c, IPPROTO_TCP, TCP_CONGESTION, cc, (unsigned)strlen(cc)), 0);
	assert_int_equal(wire_fault(p.wr, &fc), 0);
	uint64_t took = one_way(&p, c, s, 4u << 20, 3);
	struct fault_stats st;
	wire_fault_stats(p.wr, &st);
	*rexmit = stos_stat(p.a, "tcp", "sndrexmitpack");
	*css = stos_stat(p.a, "tcp", "hystart_css");
	*exits = stos_stat(p.a, "tcp", "hystart_exit");
	print_message("# %s, HyStart++ %s: %.2f s, %llu frames dropped by the queue, %llu segments "
	    "retransmitted (%llu timeouts), CSS %llu, exits %llu, ssthresh %u segments\n",
	    cc, hystart ? "on" : "off", (double)took / SEC,
	    (unsigned long long)st.qdropped, (unsigned long long)*rexmit,
	    stos_stat(p.a, "tcp", "rexmttimeo"), (unsigned long long)*css,
	    (unsigned long long)*exits, tcp_ssthresh_of(c));
	/* However many holes the overflow leaves, the receiver's out-of-order queue (runs,
	 * not segments) takes every in-window segment: none is lost to it. */
	print_message("# receiver: %llu segments dropped by a full out-of-order queue\n",
	    (unsigned long long)stos_stat(p.b, "tcp", "rcvreassfull"));
	assert_int_equal(stos_stat(p.b, "tcp", "rcvreassfull"), 0);
	pair_down(&p);
}

static void test_hystart_bottleneck(void **state)
{
	(void)state;
	uint64_t rx_on, css_on, ex_on, rx_off, css_off, ex_off;
	static const char *const ccs[] = { "cubic", "newreno" };
	for (unsigned i = 0; i < 2; i++) {
		bottleneck_run(true, ccs[i], &rx_on, &css_on, &ex_on);
		bottleneck_run(false, ccs[i], &rx_off, &css_off, &ex_off);
		assert_true(css_on >= 1);
		assert_true(ex_on >= 1);
		assert_int_equal(rx_on, 0);
		assert_int_equal(css_off, 0);
		assert_true(rx_off > 0);            /* the overshoot HyStart++ avoided */
	}
}

/* Reads exactly n bytes from fd into buf, running the world meanwhile (at most 120 s). */
static void read_all(struct pair *p, int fd, uint8_t *buf, size_t n)
{
	size_t got = 0;
	uint64_t t0 = world_now(p->w);
	while (got < n && world_now(p->w) - t0 < 120 * SEC) {
		ssize_t r = stos_recv(fd, buf + got, n - got, MSG_DONTWAIT);
		if (r > 0)
			got += (size_t)r;
		else
			world_run(p->w, 1 * MSEC);
	}
	assert_int_equal(got, n);
}

/* Tail loss probes (RFC 8985 7, net/tcp_tlp.c) where they matter: short exchanges, whose
 * last segments have no later ones to draw the duplicate ACKs that report a loss.  200
 * requests of 100 bytes, each answered with 8,000 bytes (six segments), over a 20 ms round
 * trip losing 5% of frames both ways; the same seed with the probes on and off. */
static void rr_run(bool tlp, double *secs, uint64_t *rto, uint64_t *probes)
{
	struct pair p;
	int c, s;
	struct fault_conf fc = { .loss_ppm = 50000, .seed = 16 };
	static uint8_t req[100], resp[8000], buf[8000];
	pair_up(&p, NULL, 10 * MSEC);
	TU_LOCKED(p.a, tcp_instance(p.a)->ti_conf.no_tlp = !tlp);
	TU_LOCKED(p.b, tcp_instance(p.b)->ti_conf.no_tlp = !tlp);
	pair_connect(&p, &c, &s);
	assert_int_equal(wire_fault(p.wr, &fc), 0);
	uint64_t t0 = world_now(p.w);
	for (unsigned i = 0; i < 200; i++) {
		for (size_t k = 0; k < sizeof req; k++)
			req[k] = pattern(k, i);
		for (size_t k = 0; k < sizeof resp; k++)
			resp[k] = pattern(k, i + 1000);
		assert_int_equal(stos_send(c, req, sizeof req, MSG_DONTWAIT), (ssize_t)sizeof req);
		read_all(&p, s, buf, sizeof req);
		assert_memory_equal(buf, req, sizeof req);
		assert_int_equal(stos_send(s, resp, sizeof resp, MSG_DONTWAIT), (ssize_t)sizeof resp);
		read_all(&p, c, buf, sizeof resp);
		assert_memory_equal(buf, resp, sizeof resp);
	}
	*secs = (double)(world_now(p.w) - t0) / SEC;
	*rto = stos_stat(p.a, "tcp", "rexmttimeo") + stos_stat(p.b, "tcp", "rexmttimeo");
	*probes = stos_stat(p.a, "tcp", "tlpprobes") + stos_stat(p.b, "tcp", "tlpprobes");
	print_message("# 200 exchanges at 5%% loss, probes %s: %.2f s, %llu timeouts, %llu probes "
	    "(%llu of them SACKed above holes, %llu repaired a loss)\n", tlp ? "on" : "off", *secs,
	    (unsigned long long)*rto, (unsigned long long)*probes,
	    stos_stat(p.a, "tcp", "tlpsacked") + stos_stat(p.b, "tcp", "tlpsacked"),
	    stos_stat(p.a, "tcp", "tlprepaired") + stos_stat(p.b, "tcp", "tlprepaired"));
	pair_down(&p);
}

/* Send-buffer autotuning (tcp_sndbuf_grow): 8 MiB one way over a 20 ms link with a 2 MiB
 * receive buffer.  With the default buffer the sender's grows (its 256 KiB would cap the
 * transfer at one buffer per 40 ms round trip); not after SO_SNDBUF, and not when the peer's
 * small window is what limits.  The bytes arrive intact each time.  sndbuf_set: SO_SNDBUF
 * after connecting (0: none); rcvspace: the receiver's default buffer, so its window is
 * never larger.  Returns the sender's SO_SNDBUF at the end; *grew: sndbufgrow. */
static int sndbuf_run(int sndbuf_set, uint32_t rcvspace, uint64_t *grew, uint64_t *took)
{
	struct pair p;
	int c, s;
	pair_up(&p, NULL, 20 * MSEC);
	TU_LOCKED(p.b, tcp_instance(p.b)->ti_conf.recvspace = rcvspace);
	pair_connect(&p, &c, &s);
	if (sndbuf_set)
		assert_int_equal(stos_setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sndbuf_set,
		    sizeof sndbuf_set), 0);
	*took = one_way(&p, c, s, 8u << 20, 5);
	*grew = stos_stat(p.a, "tcp", "sndbufgrow");
	int v = 0;
	unsigned len = sizeof v;
	assert_int_equal(stos_getsockopt(c, SOL_SOCKET, SO_SNDBUF, &v, &len), 0);
	print_message("# SO_SNDBUF set %d, receive buffer %u: %.2f s, the send buffer grew "
	    "%llu times to %d bytes\n", sndbuf_set, rcvspace, (double)*took / SEC,
	    (unsigned long long)*grew, v);
	pair_down(&p);
	return v;
}

static void test_sndbuf_autotune(void **state)
{
	(void)state;
	uint64_t grew, took_auto, took_fixed, took;
	int v = sndbuf_run(0, 2u << 20, &grew, &took_auto);
	assert_true(grew >= 1);
	assert_true(v > 262144 && v <= 2 << 20);
	/* SO_SNDBUF 131072 is stored doubled, as Linux's: the buffer the default gives. */
	assert_int_equal(sndbuf_run(131072, 2u << 20, &grew, &took_fixed), 262144);
	assert_int_equal(grew, 0);
	assert_true(took_auto < took_fixed);
	/* A 64 KiB receive buffer: the peer's window limits, the buffer stays. */
	assert_int_equal(sndbuf_run(0, 65536, &grew, &took), 262144);
	assert_int_equal(grew, 0);
}

static void test_tlp_short_exchanges(void **state)
{
	(void)state;
	double on_s, off_s;
	uint64_t on_rto, off_rto, on_probes, off_probes;
	rr_run(true, &on_s, &on_rto, &on_probes);
	rr_run(false, &off_s, &off_rto, &off_probes);
	assert_int_equal(off_probes, 0);
	assert_true(on_probes > 0);
	assert_true(on_rto < off_rto);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transfer_and_close),
		cmocka_unit_test(test_half_close),
		cmocka_unit_test(test_simultaneous_close),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_linger_zero_resets),
		cmocka_unit_test(test_retransmission_backoff),
		cmocka_unit_test(test_retry_limit_etimedout),
		cmocka_unit_test(test_zero_window_persist),
		cmocka_unit_test(test_loss_1pct),
		cmocka_unit_test(test_loss_10pct),
		cmocka_unit_test(test_reorder_dup_corrupt_delay),
		cmocka_unit_test(test_ecn_marks_and_loss),
		cmocka_unit_test(test_hystart_bottleneck),
		cmocka_unit_test(test_tlp_short_exchanges),
		cmocka_unit_test(test_sndbuf_autotune),
	};
	return TU_RUN(tests);
}
