/* The socket layer's stream-side semantics (listen queues, accept, connect states, send and
 * receive flags, shutdown, poll) through the hosted C API, over loopback with TCP as the
 * protocol.  If no SOCK_STREAM protocol is registered in the build, every test skips.
 * Every test builds its own instance and checks that mbufs and memory come back. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "net/mbuf.h"
#include "host/port_host.h"
#include "host/stos_api.h"

struct fx {
	struct mbuf_stats ms;
	uint64_t mem;
	struct netstack *ns;
};

static int setup(void **st)
{
	struct fx *f = calloc(1, sizeof(*f));
	host_random_seed(7);
	mbuf_stats(&f->ms);
	f->mem = host_alloc_live();
	f->ns = host_netstack_create("s", true, 1000000000ull);
	if (!f->ns || stos_stack_init(f->ns) != 0)
		return -1;
	*st = f;
	int s = stos_socket(f->ns, AF_INET, SOCK_STREAM, 0);
	if (s < 0) {
		host_netstack_destroy(f->ns);
		free(f);
		*st = NULL;
		return 0;
	}
	stos_close(s);
	return 0;
}

static int teardown(void **st)
{
	struct fx *f = *st;
	struct mbuf_stats now;
	if (!f)
		return 0;
	unsigned left = stos_close_all(f->ns);
	/* let closing connections finish (FIN exchange, TIME-WAIT) before the instance goes */
	for (int i = 0; i < 300; i++) {
		stos_run(f->ns);
		host_clock_advance(f->ns, 1000000000ull);
	}
	host_netstack_destroy(f->ns);
	mbuf_stats(&now);
	struct fx copy = *f;
	free(f);
	assert_int_equal(left, 0);
	assert_int_equal(now.mbufs, copy.ms.mbufs);
	assert_int_equal(now.clusters, copy.ms.clusters);
	assert_int_equal(host_alloc_live(), copy.mem);
	return 0;
}

#define NEED_STREAM(f) do { if (!(f)) skip(); } while (0)
#define SA(x) ((struct sockaddr *)&(x))

static struct sockaddr_in lo(int port)
{
	struct sockaddr_in s;
	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_port = htons((uint16_t)port);
	s.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return s;
}

static void pump(struct netstack *ns, int steps)
{
	for (int i = 0; i < steps; i++) {
		stos_run(ns);
		host_clock_advance(ns, 1000000ull);
		stos_run(ns);
	}
}

static int listener(struct netstack *ns, int port, int backlog)
{
	struct sockaddr_in a = lo(port);
	int l = stos_socket(ns, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(l >= 0);
	assert_int_equal(stos_bind(l, SA(a), sizeof(a)), 0);
	assert_int_equal(stos_listen(l, backlog), 0);
	return l;
}

/* A connected pair (client c, accepted a), both non-blocking. */
static void pair(struct netstack *ns, int port, int *c, int *a, int *l)
{
	struct sockaddr_in to = lo(port);
	*l = listener(ns, port, 8);
	*c = stos_socket(ns, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_int_equal(stos_connect(*c, SA(to), sizeof(to)), -1);
	assert_int_equal(errno, EINPROGRESS);
	pump(ns, 5);
	*a = stos_accept4(*l, NULL, NULL, SOCK_NONBLOCK);
	assert_true(*a >= 0);
	/* no Nagle delays: these tests are about the socket layer, not TCP's timing */
	int one = 1;
	assert_int_equal(stos_setsockopt(*c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	assert_int_equal(stos_setsockopt(*a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
}

static void test_connect_states(void **st)
{
	struct fx *f = *st;
	NEED_STREAM(f);
	int l = listener(f->ns, 8000, 4);
	int c = stos_socket(f->ns, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = lo(8000), peer;
	socklen_t pl = sizeof(peer);
	struct pollfd p = { .fd = c, .events = POLLIN | POLLOUT };

	/* a fresh stream socket: POLLOUT|POLLHUP (Linux tcp_poll in CLOSE) */
	assert_int_equal(stos_poll(&p, 1, 0), 1);
	assert_int_equal(p.revents, POLLOUT | POLLHUP);
	char b;
	assert_int_equal(stos_recv(c, &b, 1, 0), -1);
	assert_int_equal(errno, ENOTCONN);
	assert_int_equal(stos_send(c, "x", 1, MSG_NOSIGNAL), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(stos_connect(c, SA(to), sizeof(to)), -1);
	assert_int_equal(errno, EINPROGRESS);
	assert_int_equal(stos_connect(c, SA(to), sizeof(to)), -1);
	assert_int_equal(errno, EALREADY);
	/* connecting: not writable yet */
	assert_int_equal(stos_poll(&p, 1, 0), 0);
	/* accept before the handshake completes: nothing yet */
	assert_int_equal(stos_accept(l, NULL, NULL), -1);
	assert_int_equal(errno, EAGAIN);
	pump(f->ns, 5);
	assert_int_equal(stos_poll(&p, 1, 0), 1);
	assert_int_equal(p.revents, POLLOUT);
	/* Linux: the first connect after completion reports success, the next EISCONN */
	assert_int_equal(stos_connect(c, SA(to), sizeof(to)), 0);
	assert_int_equal(stos_connect(c, SA(to), sizeof(to)), -1);
	assert_int_equal(errno, EISCONN);
	struct pollfd lp = { .fd = l, .events = POLLIN };
	assert_int_equal(stos_poll(&lp, 1, 0), 1);
	int a = stos_accept(l, SA(peer), &pl);
	assert_true(a >= 0);
	assert_int_equal(pl, sizeof(peer));
	assert_int_equal(peer.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	struct sockaddr_in me;
	socklen_t ml = sizeof(me);
	assert_int_equal(stos_getsockname(c, SA(me), &ml), 0);
	assert_int_equal(me.sin_port, peer.sin_port);
	int v = 0;
	socklen_t vl = sizeof(v);
	assert_int_equal(stos_getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl), 0);
	assert_int_equal(v, 1);
	/* listen on a connected socket, accept on a non-listening one */
	assert_int_equal(stos_listen(c, 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(stos_accept(c, NULL, NULL), -1);
	assert_int_equal(errno, EINVAL);
	/* connect on a listener */
	assert_int_equal(stos_connect(l, SA(to), sizeof(to)), -1);
	assert_int_equal(errno, EISCONN);
	stos_close(a);
	stos_close(c);
	stos_close(l);
}

static void test_refused_nonblocking(void **st)
{
	struct fx *f = *st;
	NEED_STREAM(f);
	int c = stos_socket(f->ns, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = lo(8999);
	assert_int_equal(stos_connect(c, SA(to), sizeof(to)), -1);
	assert_int_equal(errno, EINPROGRESS);
	pump(f->ns, 5);
	struct pollfd p = { .fd = c, .events = POLLOUT };
	assert_int_equal(stos_poll(&p, 1, 0), 1);
	assert_true(p.revents & POLLERR);
	assert_true(p.revents & POLLHUP);
	int e = 0;
	socklen_t el = sizeof(e);
	assert_int_equal(stos_getsockopt(c, SOL_SOCKET, SO_ERROR, &e, &el), 0);
	assert_int_equal(e, ECONNREFUSED);
	/* the error was consumed by SO_ERROR: the next connect reports ECONNABORTED */
	assert_int_equal(stos_connect(c, SA(to), sizeof(to)), -1);
	assert_int_equal(errno, ECONNABORTED);
	/* and without reading SO_ERROR first, connect itself reports the refusal */
	int c2 = stos_socket(f->ns, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_int_equal(stos_connect(c2, SA(to), sizeof(to)), -1);
	assert_int_equal(errno, EINPROGRESS);
	pump(f->ns, 5);
	assert_int_equal(stos_connect(c2, SA(to), sizeof(to)), -1);
	assert_int_equal(errno, ECONNREFUSED);
	stos_close(c2);
	stos_close(c);
}

static void test_stream_data_flags(void **st)
{
	struct fx *f = *st;
	NEED_STREAM(f);
	int c, a, l;
	char buf[64];
	pair(f->ns, 8001, &c, &a, &l);
	assert_int_equal(stos_recv(a, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(stos_send(c, "hello ", 6, 0), 6);
	assert_int_equal(stos_send(c, "world", 5, 0), 5);
	pump(f->ns, 60);      /* past the delayed ACK that Nagle waits for */
	assert_int_equal(stos_nread(a), 11);
	/* MSG_PEEK leaves the bytes; stream reads may span sends */
	assert_int_equal(stos_recv(a, buf, 3, MSG_PEEK), 3);
	assert_memory_equal(buf, "hel", 3);
	assert_int_equal(stos_recv(a, buf, sizeof(buf), 0), 11);
	assert_memory_equal(buf, "hello world", 11);
	/* MSG_TRUNC on a stream discards (Linux TCP) */
	assert_int_equal(stos_send(c, "0123456789", 10, 0), 10);
	pump(f->ns, 5);
	assert_int_equal(stos_recv(a, NULL, 4, MSG_TRUNC), 4);
	assert_int_equal(stos_recv(a, buf, sizeof(buf), 0), 6);
	assert_memory_equal(buf, "456789", 6);
	/* SO_RCVLOWAT: not readable below the mark */
	int lw = 5;
	assert_int_equal(stos_setsockopt(a, SOL_SOCKET, SO_RCVLOWAT, &lw, sizeof(lw)), 0);
	assert_int_equal(stos_send(c, "abc", 3, 0), 3);
	pump(f->ns, 5);
	struct pollfd p = { .fd = a, .events = POLLIN };
	assert_int_equal(stos_poll(&p, 1, 0), 0);
	assert_int_equal(stos_send(c, "de", 2, 0), 2);
	pump(f->ns, 60);
	assert_int_equal(stos_poll(&p, 1, 0), 1);
	assert_int_equal(stos_recv(a, buf, sizeof(buf), 0), 5);
	/* half close: the reader sees end of file after the data, the writer EPIPE */
	assert_int_equal(stos_send(c, "last", 4, 0), 4);
	assert_int_equal(stos_shutdown(c, SHUT_WR), 0);
	pump(f->ns, 60);
	p.events = POLLIN | POLLRDHUP;
	assert_int_equal(stos_poll(&p, 1, 0), 1);
	assert_true(p.revents & POLLRDHUP);
	lw = 1;
	assert_int_equal(stos_setsockopt(a, SOL_SOCKET, SO_RCVLOWAT, &lw, sizeof(lw)), 0);
	assert_int_equal(stos_recv(a, buf, sizeof(buf), 0), 4);
	assert_int_equal(stos_recv(a, buf, sizeof(buf), 0), 0);
	assert_int_equal(stos_send(c, "x", 1, MSG_NOSIGNAL), -1);
	assert_int_equal(errno, EPIPE);
	/* the other direction still works */
	assert_int_equal(stos_send(a, "back", 4, 0), 4);
	pump(f->ns, 5);
	assert_int_equal(stos_recv(c, buf, sizeof(buf), 0), 4);
	stos_close(a);
	stos_close(c);
	stos_close(l);
}

/* Small writes share the send buffer's clusters (so_send continues in the tail's cluster,
 * M_WRTAIL) while earlier bytes are in flight referencing the same clusters, and every byte
 * arrives intact. */
static void test_small_writes_fill_clusters(void **st)
{
	struct fx *f = *st;
	NEED_STREAM(f);
	int c, a, l;
	uint8_t out[6000], in[6100];
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 31 + i / 251);
	pair(f->ns, 8004, &c, &a, &l);
	struct mbuf_stats s0, s1;
	mbuf_stats(&s0);
	for (int i = 0; i < 20; i++)   /* each sent at once (TCP_NODELAY), sharing the clusters */
		assert_int_equal(stos_send(c, out + 300 * i, 300, 0), 300);
	mbuf_stats(&s1);
	/* 6000 bytes in two page-sized clusters, not one cluster per write */
	assert_int_equal(s1.clusters - s0.clusters, (6000 + MBIGCLBYTES - 1) / MBIGCLBYTES);
	pump(f->ns, 60);
	assert_int_equal(stos_recv(a, in, sizeof(in), 0), 6000);
	assert_memory_equal(in, out, 6000);
	/* writes of every size, with reads in between */
	size_t sent = 0, got = 0;
	for (unsigned i = 0; sent < sizeof(out); i++) {
		size_t n = (i * 577u) % 1700u + 1;
		if (n > sizeof(out) - sent)
			n = sizeof(out) - sent;
		assert_int_equal(stos_send(c, out + sent, n, 0), (ssize_t)n);
		sent += n;
		if (i % 3 == 2) {
			pump(f->ns, 2);
			ssize_t r = stos_recv(a, in + got, sizeof(in) - got, 0);
			if (r > 0)
				got += (size_t)r;
		}
	}
	for (int i = 0; i < 100 && got < sent; i++) {
		pump(f->ns, 1);
		ssize_t r = stos_recv(a, in + got, sizeof(in) - got, 0);
		if (r > 0)
			got += (size_t)r;
	}
	assert_int_equal(got, sizeof(out));
	assert_memory_equal(in, out, sizeof(out));
	/* the same bytes read back through a peek into one buffer (each mbuf copied whole) and
	 * a recvmsg scattered over three iovecs (the general uiomove walk) */
	for (int i = 0; i < 6; i++)
		assert_int_equal(stos_send(c, out + 1000 * i, 1000, 0), 1000);
	pump(f->ns, 60);
	memset(in, 0, sizeof(in));
	assert_int_equal(stos_recv(a, in, 4500, MSG_PEEK), 4500);
	assert_memory_equal(in, out, 4500);
	memset(in, 0, sizeof(in));
	struct iovec iov[3] = { { in, 7 }, { in + 7, 2993 }, { in + 3000, 3100 } };
	struct msghdr mh;
	memset(&mh, 0, sizeof mh);
	mh.msg_iov = iov;
	mh.msg_iovlen = 3;
	assert_int_equal(stos_recvmsg(a, &mh, 0), 6000);
	assert_memory_equal(in, out, 6000);
	stos_close(a);
	stos_close(c);
	stos_close(l);
}

struct rdarg {
	int fd;
	size_t want;
	ssize_t got;
	int err;
	volatile int done;
	char buf[4096];
};

static void *waitall_reader(void *p)
{
	struct rdarg *r = p;
	r->got = stos_recv(r->fd, r->buf, r->want, MSG_WAITALL);
	r->err = errno;
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *accept_waiter(void *p)
{
	struct rdarg *r = p;
	r->got = stos_accept(r->fd, NULL, NULL);
	r->err = errno;
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_waitall_and_timeouts(void **st)
{
	struct fx *f = *st;
	NEED_STREAM(f);
	int c, a, l;
	pair(f->ns, 8002, &c, &a, &l);
	stos_set_nonblock(a, 0);
	struct rdarg r = { .fd = a, .want = 3000 };
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, waitall_reader, &r), 0);
	static char data[3000];
	for (int i = 0; i < 3000; i++)
		data[i] = (char)(i * 3);
	/* the data arrives in three pieces; MSG_WAITALL returns only with all of it */
	for (int k = 0; k < 3; k++) {
		assert_int_equal(stos_send(c, data + k * 1000, 1000, 0), 1000);
		pump(f->ns, 3);
		if (k < 2)
			assert_int_equal(__atomic_load_n(&r.done, __ATOMIC_ACQUIRE), 0);
	}
	while (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE))
		pump(f->ns, 1);
	pthread_join(th, NULL);
	assert_int_equal(r.got, 3000);
	assert_memory_equal(r.buf, data, 3000);
	/* SO_RCVTIMEO on accept: EAGAIN once the time is up */
	stos_set_nonblock(l, 0);
	struct timeval tv = { 0, 300000 };
	assert_int_equal(stos_setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	struct rdarg ra = { .fd = l };
	uint64_t t0 = host_now(f->ns);
	assert_int_equal(pthread_create(&th, NULL, accept_waiter, &ra), 0);
	while (!__atomic_load_n(&ra.done, __ATOMIC_ACQUIRE)) {
		host_clock_advance(f->ns, 50000000ull);
		usleep(200);
	}
	pthread_join(th, NULL);
	assert_true(host_now(f->ns) - t0 >= 300000000ull);
	assert_int_equal(ra.got, -1);
	assert_int_equal(ra.err, EAGAIN);
	stos_close(a);
	stos_close(c);
	stos_close(l);
}

struct sndarg {
	int fd;
	ssize_t rc;
	int err;
	volatile int done;
};

static void *blocking_send(void *p)
{
	struct sndarg *a = p;
	static char chunk[8192];
	a->rc = stos_send(a->fd, chunk, sizeof(chunk), MSG_NOSIGNAL);
	a->err = errno;
	__atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_sndtimeo_full_buffer(void **st)
{
	struct fx *f = *st;
	NEED_STREAM(f);
	int c, a, l;
	static char chunk[4096];
	pair(f->ns, 8004, &c, &a, &l);
	/* the reader never reads: fill the window and the send buffer */
	ssize_t n;
	int rounds = 0;
	do {
		n = stos_send(c, chunk, sizeof(chunk), 0);
		pump(f->ns, 2);
	} while ((n > 0 || errno != EAGAIN) && ++rounds < 10000);
	assert_int_equal(n, -1);
	assert_int_equal(errno, EAGAIN);
	struct pollfd p = { .fd = c, .events = POLLOUT };
	assert_int_equal(stos_poll(&p, 1, 0), 0);
	/* a blocking send with SO_SNDTIMEO gives up when the time is up, not before: with
	 * EAGAIN, or (Linux) with the count of the bytes it could queue meanwhile */
	stos_set_nonblock(c, 0);
	struct timeval tv = { 1, 0 };
	assert_int_equal(stos_setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	struct sndarg sa = { .fd = c };
	pthread_t th;
	uint64_t t0 = host_now(f->ns);
	assert_int_equal(pthread_create(&th, NULL, blocking_send, &sa), 0);
	while (!__atomic_load_n(&sa.done, __ATOMIC_ACQUIRE)) {
		pump(f->ns, 10);
		usleep(100);
	}
	pthread_join(th, NULL);
	assert_true(host_now(f->ns) - t0 >= 1000000000ull);
	assert_true((sa.rc == -1 && sa.err == EAGAIN) || (sa.rc > 0 && sa.rc < 8192));
	stos_close(a);
	stos_close(c);
	stos_close(l);
}

/* A listener on port (*l) and a non-blocking socket connecting to it, the handshake not run
 * yet: the connecting socket. */
static int connecting(struct fx *f, int port, int *l)
{
	*l = listener(f->ns, port, 4);
	int c = stos_socket(f->ns, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = lo(port);
	assert_int_equal(stos_connect(c, SA(to), sizeof(to)), -1);
	assert_int_equal(errno, EINPROGRESS);
	return c;
}

static void test_listener_close_resets(void **st)
{
	struct fx *f = *st;
	NEED_STREAM(f);
	int l, c = connecting(f, 8003, &l);
	pump(f->ns, 5);
	/* the connection waits in the accept queue; closing the listener resets it */
	stos_close(l);
	pump(f->ns, 5);
	struct pollfd p = { .fd = c, .events = POLLIN | POLLOUT };
	assert_int_equal(stos_poll(&p, 1, 0), 1);
	assert_true(p.revents & POLLERR);
	assert_true(p.revents & POLLHUP);
	/* the pending error first, then EPIPE (Linux) */
	assert_int_equal(stos_send(c, "x", 1, MSG_NOSIGNAL), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_int_equal(stos_send(c, "x", 1, MSG_NOSIGNAL), -1);
	assert_int_equal(errno, EPIPE);
	char b;
	assert_int_equal(stos_recv(c, &b, 1, 0), 0);
	stos_close(c);
}

/* (net/netstack.h's, which cannot be included beside the host's socket headers) */
unsigned netisr_run_passes(struct netstack *ns, unsigned passes);
bool netisr_pending(struct netstack *ns);

/* netisr_run_passes (net/netstack.h): each pass takes what waits when it starts, so a
 * handshake over loopback, whose every segment is sent by the processing of the one before,
 * takes one pass per segment, and frames left over are reported by netisr_pending. */
static void test_netisr_passes(void **st)
{
	struct fx *f = *st;
	NEED_STREAM(f);
	int l, c = connecting(f, 8001, &l);
	assert_true(netisr_pending(f->ns));              /* the SYN */
	assert_int_equal(netisr_run_passes(f->ns, 1), 1);
	assert_true(netisr_pending(f->ns));              /* the SYN-ACK it drew */
	assert_int_equal(netisr_run_passes(f->ns, 1), 1);
	assert_true(netisr_pending(f->ns));              /* the ACK */
	assert_int_equal(stos_accept(l, NULL, NULL), -1);
	assert_int_equal(netisr_run_passes(f->ns, 1), 1);
	assert_false(netisr_pending(f->ns));
	assert_int_equal(netisr_run_passes(f->ns, 1), 0);
	int a = stos_accept(l, NULL, NULL);
	assert_true(a >= 0);
	/* The data segment (its ACK is delayed: a timer's, not the input path's). */
	assert_int_equal(stos_send(c, "hello", 5, 0), 5);
	assert_int_equal(netisr_run_passes(f->ns, 64), 1);
	assert_false(netisr_pending(f->ns));
	char b[8];
	assert_int_equal(stos_recv(a, b, sizeof b, MSG_DONTWAIT), 5);
	stos_close(a);
	stos_close(c);
	stos_close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connect_states, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_nonblocking, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_data_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_writes_fill_clusters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_waitall_and_timeouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listener_close_resets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sndtimeo_full_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_netisr_passes, setup, teardown),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
