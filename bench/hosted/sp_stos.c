/* The socketpair harness's STOS backend (sp.h): one real-clock STOS instance in this process
 * on an fdlink, driven by one loop: read the waiting frames, run the input path and the due
 * timers, let the application work through the hosted socket API (non-blocking), then sleep
 * in poll until a frame arrives or the next timer is due.
 *
 * At the end the program closes everything, waits briefly for its connections to finish,
 * destroys the instance and checks that the mbuf pools and port_alloc memory are back where
 * they started ("pools=balanced"); an unbalanced pool fails the run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/port_host.h"
#include "host/stos_api.h"
#include "net/netstack.h"
#include "net/tcp_var.h"
#include "bench/hosted/sp.h"
#include "bench/hosted/fdlink.h"
#include <stos/socket.h>
#include <stos/in.h>
#include "host/sin.h"

/* Frames read per turn.  The application reads only between turns, so every data segment a
 * turn takes in sits unread in the receive buffer until the turn ends (in a kernel the
 * application drains the buffer on another CPU meanwhile).  The buffer holds twice the
 * window (listen_fd), so that does not shrink the window the turn's ACKs offer; before it
 * did, a turn of 256 frames gave ~2,200 window updates per 256 MiB and both processes slept
 * in poll thousands of times.  A receiver takes at most a quarter window of full segments
 * per turn (11 with 64 KiB and MSS 1460); with the larger buffer, 22 and 44 were no
 * different (12 paired rounds).  A sender's frames are ACKs, which fill no buffer: it takes
 * all that are waiting, up to the input queue's length. */
#define RX_BATCH_MAX 256

struct app {
	struct sp_opts o;
	struct netstack *ns;
	struct fdlink *link;
	int peer_gone;
	unsigned rx_batch;                  /* frames per turn (RX_BATCH_MAX) */
	int rx_light;                       /* the last turn found no frame (stack_turn) */
	uint8_t buf[SP_CHUNK];
};

/* One turn of the stack: frames in, input path, timers.  Returns frames processed.
 *
 * While frames keep coming, a turn reads up to rx_batch of them and then runs the stack once
 * over all of them.  After a turn that found none (the link went idle), the next hands each
 * frame to the stack as soon as it is read, as a driver does when an interrupt ends a quiet
 * spell (NAPI's interrupt mode), so the answer to the first frames goes out before the
 * others are read.  A connection's handshake and close are a few frames each way: when their
 * answers waited for the whole batch, the peer had mostly gone to sleep in poll meanwhile,
 * and each answer paid for waking it (a send that woke a sleeping peer took ~28 us here, one
 * that did not 2-6 us).  Measured in interleaved runs while waking was that dear: `--mode
 * setup` rose from ~10,300 to ~11,900 setups/s and bulk goodput from 0.86-0.89x to 0.91-0.92x
 * the no-stack run (the ACKs at the start of each burst, and the data they release, leave
 * sooner); in a later stretch both ran alike with and without it.  The frames of a light turn
 * each get the input path (netisr_run) and the timers run once at its end: a first version
 * that ran them per frame too, after any turn of fewer than three frames, let the receiver's
 * callgrind count reach 1.33 instructions per byte (1.22-1.25 this way).
 * Every turn frame by frame was slower in bulk (0.88x against 0.92x). */
static unsigned stack_turn(struct app *a)
{
	unsigned done = 0;
	int n = 0;
	if (a->rx_light) {
		unsigned i = 0;
		while (i < a->rx_batch && (n = fdlink_rx(a->link, 1)) > 0) {
			i++;
			done += netisr_run(a->ns);      /* the input path; timers at the end */
		}
		n = n < 0 && i == 0 ? -1 : (int)i;
	} else {
		n = fdlink_rx(a->link, a->rx_batch);
	}
	if (n < 0) {
		a->peer_gone = 1;
		n = 0;
	}
	a->rx_light = n == 0;
	done += stos_run(a->ns);
	if (fdlink_tx_blocked(a->link))
		fdlink_tx_resume(a->link);
	return (unsigned)n + done;
}

/* Sleeps until a frame arrives or the next timer is due (when the last turn did nothing). */
static void stack_wait(struct app *a)
{
	NET_LOCK(a->ns);
	uint64_t next = net_timers_next(a->ns);
	NET_UNLOCK(a->ns);
	uint64_t now = host_now(a->ns);
	sp_wait(a->o.fd, fdlink_tx_blocked(a->link), next > now ? next - now : 0);
}

static int tcp_state(int fd)
{
	struct tcp_info ti;
	unsigned len = sizeof ti;
	if (stos_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
		return TCPS_CLOSED;
	return ti.tcpi_state;
}

static int listen_fd(struct app *a)
{
	struct sockaddr_in s = sin_h(sp_addr(0), SP_PORT);
	int l = stos_socket(a->ns, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int one = 1;
	/* The run's receive window (--window, the no-stack backend's window too) is the
	 * window clamp; the buffer holds twice as much (SO_RCVBUF stores twice the value
	 * given, as Linux's does), so data the application has not read yet shrinks the window
	 * only when more than a window of it waits.  Accepted sockets inherit both.
	 * With the buffer at the window instead (SO_RCVBUF half of it, no clamp), what a turn
	 * took in sat unread in it until the turn ended, and the ACKs of the turn offered less:
	 * the sender, which keeps 42-44 segments in flight on the no-stack run, found 34-35
	 * segments' worth in most turns (session 13's in-flight counts). */
	int rcvbuf = (int)a->o.window, clamp = (int)a->o.window;
	if (l < 0 || stos_setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    stos_setsockopt(l, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) != 0 ||
	    stos_setsockopt(l, IPPROTO_TCP, TCP_WINDOW_CLAMP, &clamp, sizeof clamp) != 0 ||
	    stos_bind(l, (struct sockaddr *)&s, sizeof s) != 0 || stos_listen(l, 1024) != 0)
		return -1;
	return l;
}

static int connect_fd(struct app *a)
{
	struct sockaddr_in s = sin_h(sp_addr(0), SP_PORT);
	int c = stos_socket(a->ns, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c < 0)
		return -1;
	if (a->o.sndbuf) {
		int v = (int)a->o.sndbuf;
		if (stos_setsockopt(c, SOL_SOCKET, SO_SNDBUF, &v, sizeof v) != 0) {
			stos_close(c);
			return -1;
		}
	}
	if (stos_connect(c, (struct sockaddr *)&s, sizeof s) != 0 && errno != EINPROGRESS) {
		stos_close(c);
		return -1;
	}
	return c;
}

static int expired(struct app *a, uint64_t t0)
{
	return sp_now_ns() - t0 > (uint64_t)a->o.timeout_s * 1000000000ull;
}

/* ---- bulk ---- */
static int bulk_send(struct app *a)
{
	uint64_t t0 = sp_now_ns(), sent = 0;
	int c = connect_fd(a), shut = 0, eof = 0, ok = c >= 0;
	while (ok && !eof && !a->peer_gone && !expired(a, t0)) {
		unsigned work = stack_turn(a);
		while (sent < a->o.bytes) {
			uint64_t left = a->o.bytes - sent;
			size_t n = left < SP_CHUNK ? (size_t)left : SP_CHUNK;
			ssize_t r = stos_send(c, sp_pattern + sent % SP_PERIOD, n, MSG_DONTWAIT);
			if (r <= 0) {
				if (errno != EAGAIN && errno != ENOTCONN)
					ok = 0;
				break;
			}
			sent += (uint64_t)r;
			work++;
			if ((size_t)r < n)
				break;          /* the send buffer is full: no need to hear EAGAIN */
		}
		if (sent == a->o.bytes && !shut) {
			shut = 1;
			ok = stos_shutdown(c, SHUT_WR) == 0;
		}
		if (shut) {
			ssize_t r = stos_recv(c, a->buf, sizeof a->buf, MSG_DONTWAIT);
			if (r == 0)
				eof = 1;
			else if (r > 0 || errno != EAGAIN)
				ok = 0;
		}
		if (!work && !eof)
			stack_wait(a);
	}
	sp_result(&a->o, ok && eof, "bytes=%llu secs=%.6f rexmit=%llu",
	    (unsigned long long)sent, (double)(sp_now_ns() - t0) / 1e9,
	    stos_stat(a->ns, "tcp", "sndrexmitpack"));
	return ok && eof;
}

static int bulk_recv(struct app *a)
{
	struct sp_rx rx = { 0 };
	uint64_t t0 = sp_now_ns();
	int l = listen_fd(a), s = -1, eof = 0, ok = l >= 0;
	while (ok && !eof && !a->peer_gone && !expired(a, t0)) {
		unsigned work = stack_turn(a);
		if (s < 0 && (s = stos_accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0)
			work++;
		while (s >= 0) {
			ssize_t r = stos_recv(s, a->buf, sizeof a->buf, MSG_DONTWAIT);
			if (r == 0) {
				eof = 1;
				break;
			}
			if (r < 0) {
				if (errno != EAGAIN)
					ok = 0;
				break;
			}
			sp_rx_bytes(&rx, &a->o, a->buf, (size_t)r);
			work++;
			if ((size_t)r < sizeof a->buf)
				break;          /* all there was: the next turn brings more */
		}
		if (!work && !eof)
			stack_wait(a);
	}
	if (!eof)
		fprintf(stderr, "sp_stos: no EOF after %llu bytes\n", (unsigned long long)rx.rcvd);
	ok = ok && eof && !rx.bad && rx.rcvd == a->o.bytes;
	/* What the receiver's ACKs were: every second segment (sndacks counts them all), the
	 * delayed-ACK timer, window updates after reads. */
	char extra[160];
	snprintf(extra, sizeof extra, "rexmit=%llu acks=%llu delacks=%llu winupdates=%llu %s",
	    stos_stat(a->ns, "tcp", "sndrexmitpack"), stos_stat(a->ns, "tcp", "sndacks"),
	    stos_stat(a->ns, "tcp", "delack"), stos_stat(a->ns, "tcp", "sndwinup"),
	    sp_rx_verdict(&rx, &a->o));
	sp_bulk_result(&a->o, &rx, ok, extra);
	return ok;
}

/* ---- setup: connect, accept, close, conns times ---- */
static int setup_send(struct app *a)
{
	uint64_t t0 = sp_now_ns();
	unsigned done = 0;
	int ok = 1;
	while (ok && done < a->o.conns && !a->peer_gone && !expired(a, t0)) {
		int c = connect_fd(a), eof = 0;
		ok = c >= 0;
		while (ok && !eof && !a->peer_gone && !expired(a, t0)) {
			unsigned work = stack_turn(a);
			char b;
			ssize_t r = stos_recv(c, &b, 1, MSG_DONTWAIT);
			if (r == 0)
				eof = 1;
			else if (r > 0 || (errno != EAGAIN && errno != ENOTCONN))
				ok = 0;
			else if (!work)
				stack_wait(a);
		}
		if (c >= 0)
			stos_close(c);
		done += (unsigned)eof;
	}
	double secs = (double)(sp_now_ns() - t0) / 1e9;
	ok = ok && done == a->o.conns;
	sp_result(&a->o, ok, "conns=%u secs=%.6f rate=%.1f", done, secs, done / secs);
	return ok;
}

static int setup_recv(struct app *a)
{
	uint64_t t0 = sp_now_ns();
	unsigned done = 0;
	int l = listen_fd(a), ok = l >= 0;
	while (ok && done < a->o.conns && !a->peer_gone && !expired(a, t0)) {
		unsigned work = stack_turn(a);
		int s;
		while ((s = stos_accept(l, NULL, NULL)) >= 0) {
			stos_close(s);
			done++;
			work++;
		}
		if (!work)
			stack_wait(a);
	}
	ok = ok && done == a->o.conns;
	sp_result(&a->o, ok, "conns=%u", done);
	return ok;
}

/* ---- idle: conns established connections held open ---- */
static int idle_run(struct app *a)
{
	uint64_t t0 = sp_now_ns();
	int *fds = calloc(a->o.conns, sizeof *fds);
	unsigned opened = 0, est = 0;
	int l = -1, ok = fds != NULL;
	if (ok && !a->o.send)
		ok = (l = listen_fd(a)) >= 0;
	/* Measured from here: the listener's own memory is not a connection's. */
	uint64_t heap0 = sp_heap_used(), alloc0 = host_alloc_live();
	while (ok && est < a->o.conns && !expired(a, t0)) {
		unsigned work = stack_turn(a);
		if (a->o.send) {
			/* A few connections in flight at a time, so the listen queue is never
			 * what limits the run. */
			while (opened < a->o.conns && opened - est < 64) {
				if ((fds[opened] = connect_fd(a)) < 0) {
					ok = 0;
					break;
				}
				opened++;
				work++;
			}
			while (est < opened && tcp_state(fds[est]) == TCPS_ESTABLISHED) {
				est++;
				work++;
			}
		} else {
			int s;
			while (est < a->o.conns && (s = stos_accept(l, NULL, NULL)) >= 0) {
				fds[est++] = s;
				work++;
			}
		}
		if (!work) {
			if (a->peer_gone)
				break;
			stack_wait(a);
		}
	}
	/* Settle (the last ACKs) and measure. */
	for (int i = 0; i < 20; i++)
		if (!stack_turn(a))
			break;
	uint64_t heap = sp_heap_used() - heap0, alloc = host_alloc_live() - alloc0;
	ok = ok && est == a->o.conns;
	sp_result(&a->o, ok, "conns=%u heap_per_conn=%.1f alloc_per_conn=%.1f", est,
	    est ? (double)heap / est : 0.0, est ? (double)alloc / est : 0.0);
	/* Neither side may close a connection before the other has measured.  The client,
	 * having measured, sends one byte on its first connection and keeps them all until the
	 * server leaves; the server, having measured, leaves once that byte (or the client's
	 * departure) says the client is done.  (The server used to leave at once: a client
	 * turn that took its last SYN-ACKs one by one could then find their connections reset
	 * before it had counted them.) */
	if (ok && a->o.send)
		ok = stos_send(fds[0], "x", 1, MSG_DONTWAIT) == 1;
	for (int told = 0; ok && !told && !a->o.send && !a->peer_gone && !expired(a, t0);) {
		char b;
		for (unsigned i = 0; i < est && !told; i++)
			told = stos_recv(fds[i], &b, 1, MSG_DONTWAIT) == 1;
		if (!told && !stack_turn(a))
			stack_wait(a);
	}
	while (ok && a->o.send && !a->peer_gone && !expired(a, t0))
		if (!stack_turn(a))
			stack_wait(a);
	free(fds);
	return ok;
}

int main(int argc, char **argv)
{
	static struct app a;
	sp_parse(argc, argv, &a.o);
	a.o.backend = "stos";
	a.rx_batch = a.o.send ? RX_BATCH_MAX : a.o.window / (4 * a.o.mss);
	if (a.rx_batch == 0)
		a.rx_batch = 1;
	if (a.o.mss + 54 > MCLBYTES - 2) {
		/* fdlink reads a frame into one cluster. */
		fprintf(stderr, "sp_stos: MSS at most %d\n", MCLBYTES - 2 - 54);
		return 2;
	}
	struct mbuf_stats ms0, ms1;
	mbuf_stats(&ms0);
	uint64_t alloc0 = host_alloc_live();
	uint8_t mac[6];
	sp_mac(a.o.send, mac);
	a.ns = host_netstack_create(a.o.send ? "send" : "recv", false, 0);
	if (!a.ns || stos_stack_init(a.ns) != 0 ||
	    !(a.link = fdlink_new(a.ns, a.o.fd, mac, a.o.mss + 40, sp_addr(a.o.send)))) {
		fprintf(stderr, "sp_stos: cannot set up the instance\n");
		return 1;
	}
	int ok = a.o.mode == SP_BULK ? (a.o.send ? bulk_send(&a) : bulk_recv(&a)) :
	    a.o.mode == SP_SETUP ? (a.o.send ? setup_send(&a) : setup_recv(&a)) : idle_run(&a);
	/* Close everything; give the closes a moment on the wire (a peer that has exited only
	 * ends this early). */
	stos_close_all(a.ns);
	uint64_t t0 = sp_now_ns();
	while (!a.peer_gone && sp_now_ns() - t0 < 200000000ull) {
		NET_LOCK(a.ns);
		unsigned left = tcp_count_state(a.ns, 0, 0) - tcp_count_state(a.ns, TCPS_TIME_WAIT, 0);
		NET_UNLOCK(a.ns);
		if (left == 0)
			break;
		if (!stack_turn(&a))
			stack_wait(&a);
	}
	host_netstack_destroy(a.ns);
	mbuf_stats(&ms1);
	int balanced = ms1.mbufs == ms0.mbufs && ms1.clusters == ms0.clusters &&
	    host_alloc_live() == alloc0;
	printf("sp: backend=stos role=%s pools=%s tx_frames=%llu rx_frames=%llu tx_errors=%llu\n",
	    a.o.send ? "send" : "recv", balanced ? "balanced" : "UNBALANCED",
	    (unsigned long long)fdlink_tx_frames(a.link), (unsigned long long)fdlink_rx_frames(a.link),
	    (unsigned long long)fdlink_errors(a.link));
	fdlink_free(a.link);
	return ok && balanced ? 0 : 1;
}
