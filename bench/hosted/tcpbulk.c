/* tcpbulk: bulk TCP between two STOS instances in one process over an in-memory link
 * (memlink.h), on a virtual clock: the stack's own ceiling, and a deterministic program to
 * count instructions per side with callgrind.
 *
 *   tcpbulk --bytes N [--mss 1460] [--step-us 10] [--quiet]
 *
 * Instance "snd" (10.0.0.1) connects to "rcv" (10.0.0.2) and sends N bytes of a fixed pattern
 * (byte i is i % 251), then shuts down its sending half; rcv reads everything, compares it with
 * the pattern (memcmp, cheap next to the stack) and expects EOF.  Then both close, the virtual
 * clock runs past TIME-WAIT, both instances are destroyed and the mbuf pools and port_alloc
 * memory must be back to their starting counts.  Exit status 0 only when every byte arrived
 * intact and the pools balance.  Prints one line "tcpbulk: bytes=... secs=... gbps=..." plus
 * frame counts.
 *
 * The clock is virtual so that a run is the same run under callgrind (no timer fires because
 * the program got slower): each round both instances run once and the clock moves --step-us
 * (a round trip of about two rounds); when neither had work, it jumps to the next timer.
 * Goodput is wall-clock: payload bytes over the time from the first to the last payload byte.
 *
 * Per-side instructions.  All the work of an instance happens inside one function per side:
 *   bulk_sender_step    the sending application's writes, the sender's input (ACKs) and timers
 *   bulk_receiver_step  the receiver's frames (m_devget as a driver would), input, reads, timers
 * and the wire's copy of each frame is in memlink_carry_a (frames leaving snd) and
 * memlink_carry_b (leaving rcv), called from inside those.  callgrind toggles collection on
 * entering and leaving each named function, so
 *   valgrind --tool=callgrind --collect-atstart=no --toggle-collect=bulk_sender_step \
 *       --toggle-collect=memlink_carry_a build/host/bench/tcpbulk --bytes N
 * counts the sender without the wire's copy, and the same with bulk_receiver_step and
 * memlink_carry_b the receiver.  Two sizes give the marginal cost per byte.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "host/port_host.h"
#include "host/stos_api.h"
#include "net/netstack.h"
#include "net/tcp_var.h"
#include "bench/hosted/memlink.h"
#include <stos/socket.h>
#include <stos/in.h>
#include "host/sin.h"

#define SND_ADDR 0x0a000001u
#define RCV_ADDR 0x0a000002u
#define PORT     5001
#define PERIOD   251                    /* pattern period: prime, so it never lines up */
#define CHUNK    65536

static uint8_t pattern[CHUNK + PERIOD];

struct bulk {
	struct netstack *ns[2];             /* 0: snd, 1: rcv */
	struct memlink *link;
	uint64_t now, step;
	int cfd, lfd, sfd;
	uint64_t total, sent, rcvd;
	int go;                             /* connected: the sender may write */
	int shut, eof, bad;
	uint64_t t_first, t_last;           /* wall clock, ns */
	uint8_t buf[CHUNK];
};

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void set_clock(struct bulk *b, uint64_t t)
{
	b->now = t;
	host_clock_set(b->ns[0], t);
	host_clock_set(b->ns[1], t);
}

/* The instance's input and due timers; returns frames processed. */
static unsigned run_instance(struct bulk *b, int side)
{
	unsigned n = memlink_rx(b->link, side);
	n += stos_run(b->ns[side]);
	return n;
}

__attribute__((noinline)) unsigned bulk_sender_step(struct bulk *b);
__attribute__((noinline)) unsigned bulk_receiver_step(struct bulk *b);

/* Everything instance snd does in one round.  Returns a measure of progress. */
unsigned bulk_sender_step(struct bulk *b)
{
	unsigned work = run_instance(b, 0);
	while (b->go && b->sent < b->total) {
		uint64_t left = b->total - b->sent;
		size_t n = left < CHUNK ? (size_t)left : CHUNK;
		ssize_t r = stos_send(b->cfd, pattern + b->sent % PERIOD, n, MSG_DONTWAIT);
		if (r <= 0) {
			if (errno != EAGAIN) {
				fprintf(stderr, "tcpbulk: send: %s\n", strerror(errno));
				b->bad = 1;
			}
			break;
		}
		if (b->sent == 0)
			b->t_first = wall_ns();
		b->sent += (uint64_t)r;
		work++;
	}
	if (b->go && b->sent == b->total && !b->shut) {
		b->shut = 1;
		if (stos_shutdown(b->cfd, SHUT_WR) != 0)
			b->bad = 1;
		work++;
	}
	return work;
}

/* Everything instance rcv does in one round. */
unsigned bulk_receiver_step(struct bulk *b)
{
	unsigned work = run_instance(b, 1);
	while (b->sfd >= 0 && !b->eof) {
		ssize_t r = stos_recv(b->sfd, b->buf, sizeof b->buf, MSG_DONTWAIT);
		if (r == 0) {
			b->eof = 1;
			b->t_last = wall_ns();
			work++;
			break;
		}
		if (r < 0) {
			if (errno != EAGAIN)
				b->bad = 1;
			break;
		}
		if (memcmp(b->buf, pattern + b->rcvd % PERIOD, (size_t)r) != 0 ||
		    b->rcvd + (uint64_t)r > b->total)
			b->bad = 1;
		b->rcvd += (uint64_t)r;
		work++;
	}
	return work;
}

/* One round: both sides, then time moves (a step, or to the next timer when idle). */
static int round_once(struct bulk *b)
{
	unsigned work = bulk_sender_step(b);
	work += bulk_receiver_step(b);
	if (work || memlink_pending(b->link)) {
		set_clock(b, b->now + b->step);
		return 1;
	}
	uint64_t t0, t1;
	NET_LOCK(b->ns[0]);
	t0 = net_timers_next(b->ns[0]);
	NET_UNLOCK(b->ns[0]);
	NET_LOCK(b->ns[1]);
	t1 = net_timers_next(b->ns[1]);
	NET_UNLOCK(b->ns[1]);
	uint64_t t = t0 < t1 ? t0 : t1;
	if (t == UINT64_MAX)
		return 0;
	set_clock(b, t > b->now ? t : b->now + b->step);
	return 1;
}

static int tcp_state(int fd)
{
	struct tcp_info ti;
	unsigned len = sizeof ti;
	if (stos_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
		return TCPS_CLOSED;
	return ti.tcpi_state;
}

/* Runs rounds until cond(b) holds or `limit` ns of virtual time pass; returns cond(b). */
static int run_until(struct bulk *b, int (*cond)(struct bulk *), uint64_t limit)
{
	uint64_t end = b->now + limit;
	while (!cond(b) && b->now < end && !b->bad)
		if (!round_once(b))
			break;
	return cond(b);
}

static int accepted(struct bulk *b)
{
	if (b->sfd < 0)
		b->sfd = stos_accept(b->lfd, NULL, NULL);
	return b->sfd >= 0 && tcp_state(b->cfd) == TCPS_ESTABLISHED;
}

static int finished(struct bulk *b) { return b->eof; }

static int all_closed(struct bulk *b)
{
	unsigned n;
	NET_LOCK(b->ns[0]);
	n = tcp_count_state(b->ns[0], 0, 0);
	NET_UNLOCK(b->ns[0]);
	NET_LOCK(b->ns[1]);
	n += tcp_count_state(b->ns[1], 0, 0);
	NET_UNLOCK(b->ns[1]);
	return n == 0;
}

static int connect_pair(struct bulk *b)
{
	struct sockaddr_in sr = sin_h(RCV_ADDR, PORT);
	b->lfd = stos_socket(b->ns[1], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (b->lfd < 0 || stos_bind(b->lfd, (struct sockaddr *)&sr, sizeof sr) != 0 ||
	    stos_listen(b->lfd, 8) != 0)
		return -1;
	b->cfd = stos_socket(b->ns[0], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (b->cfd < 0)
		return -1;
	if (stos_connect(b->cfd, (struct sockaddr *)&sr, sizeof sr) != -1 || errno != EINPROGRESS)
		return -1;
	if (!run_until(b, accepted, 10 * 1000000000ull))
		return -1;
	if (stos_set_nonblock(b->sfd, 1) != 0)
		return -1;
	b->go = 1;
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: tcpbulk --bytes N [--mss 1460] [--step-us 10] [--quiet]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t bytes = 0, mss = 1460, step_us = 10;
	int quiet = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--bytes") && i + 1 < argc)
			bytes = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--mss") && i + 1 < argc)
			mss = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--step-us") && i + 1 < argc)
			step_us = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--quiet"))
			quiet = 1;
		else
			usage();
	}
	if (bytes == 0 || mss < 88 || mss > 8960)
		usage();
	for (size_t i = 0; i < sizeof pattern; i++)
		pattern[i] = (uint8_t)(i % PERIOD);

	host_random_seed(1);
	struct mbuf_stats ms0, ms1;
	mbuf_stats(&ms0);
	uint64_t alloc0 = host_alloc_live();

	static struct bulk b;
	b.step = step_us * 1000;
	b.total = bytes;
	b.cfd = b.lfd = b.sfd = -1;
	b.now = 1000000000ull;
	b.ns[0] = host_netstack_create("snd", true, b.now);
	b.ns[1] = host_netstack_create("rcv", true, b.now);
	if (!b.ns[0] || !b.ns[1] || stos_stack_init(b.ns[0]) || stos_stack_init(b.ns[1])) {
		fprintf(stderr, "tcpbulk: cannot create the instances\n");
		return 1;
	}
	b.link = memlink_new(b.ns[0], b.ns[1], (uint32_t)mss + 40, SND_ADDR, RCV_ADDR);
	if (!b.link) {
		fprintf(stderr, "tcpbulk: cannot create the link\n");
		return 1;
	}
	int ok = connect_pair(&b) == 0;
	if (!ok)
		fprintf(stderr, "tcpbulk: no connection\n");
	/* A generous virtual-time limit: a transfer that stalls ends here and fails. */
	if (ok && !run_until(&b, finished, 3600 * 1000000000ull)) {
		fprintf(stderr, "tcpbulk: transfer incomplete: sent %llu, received %llu of %llu\n",
		    (unsigned long long)b.sent, (unsigned long long)b.rcvd,
		    (unsigned long long)b.total);
		ok = 0;
	}
	if (b.bad || b.rcvd != b.total) {
		fprintf(stderr, "tcpbulk: received %llu of %llu bytes%s\n",
		    (unsigned long long)b.rcvd, (unsigned long long)b.total,
		    b.bad ? ", with a mismatch or a socket error" : "");
		ok = 0;
	}
	uint64_t frames = memlink_frames(b.link), drops = memlink_drops(b.link);
	unsigned long long retx = stos_stat(b.ns[0], "tcp", "sndrexmitpack");

	/* Close both ends and let TIME-WAIT pass, so the instances hold nothing. */
	stos_close_all(b.ns[0]);
	stos_close_all(b.ns[1]);
	if (!run_until(&b, all_closed, 600 * 1000000000ull)) {
		fprintf(stderr, "tcpbulk: connections left after close\n");
		ok = 0;
	}
	host_netstack_destroy(b.ns[0]);
	host_netstack_destroy(b.ns[1]);
	memlink_free(b.link);
	mbuf_stats(&ms1);
	int balanced = ms1.mbufs == ms0.mbufs && ms1.clusters == ms0.clusters &&
	    host_alloc_live() == alloc0;
	if (!balanced) {
		fprintf(stderr, "tcpbulk: pools unbalanced: mbufs %llu -> %llu, clusters %llu -> "
		    "%llu, memory %llu -> %llu\n", (unsigned long long)ms0.mbufs,
		    (unsigned long long)ms1.mbufs, (unsigned long long)ms0.clusters,
		    (unsigned long long)ms1.clusters, (unsigned long long)alloc0,
		    (unsigned long long)host_alloc_live());
		ok = 0;
	}
	double secs = (double)(b.t_last - b.t_first) / 1e9;
	if (!quiet || !ok)
		printf("tcpbulk: bytes=%llu mss=%llu secs=%.3f gbps=%.3f frames=%llu drops=%llu "
		    "rexmit=%llu pools=%s result=%s\n", (unsigned long long)b.rcvd,
		    (unsigned long long)mss, secs, secs > 0 ? (double)b.rcvd * 8 / secs / 1e9 : 0.0,
		    (unsigned long long)frames, (unsigned long long)drops, retx,
		    balanced ? "balanced" : "UNBALANCED", ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}
