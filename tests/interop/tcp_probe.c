/* TCP connections the stack opens, through the hosted C API on a real TAP device, to Linux
 * servers: run by tests/interop/tcp_interop.sh inside its network namespace.
 *   tcp_probe TAP A.B.C.D/P PEER ECHO_PORT SOURCE_PORT MIB [MD5_ECHO_PORT KEY]
 * PEER:ECHO_PORT is a Linux echo server: the stack sends MIB MiB of a pseudo-random stream
 * while reading the echo, non-blocking both ways at once (stos_poll), and compares every byte
 * that comes back with the stream it sent.  PEER:SOURCE_PORT is a Linux server that sends MIB
 * MiB where byte i is i % 256 and closes: the stack checks every byte and the end of stream.
 * PEER:MD5_ECHO_PORT, when given, is an echo server whose socket holds TCP-MD5 key KEY for
 * the stack's address (RFC 2385): the echo test again with the key set (TCP_MD5SIG), so
 * Linux checks the signatures of a connection STOS opened.
 * Prints "PASS what" / "FAIL what: why" lines and "# figures"; status 1 on a failure. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include "host/port_host.h"
#include "host/stos_api.h"
#include "host/tap.h"

static int failures;

static void result(int ok, const char *what, const char *why)
{
	if (ok)
		printf("PASS %s\n", what);
	else {
		printf("FAIL %s: %s\n", what, why);
		failures++;
	}
	fflush(stdout);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The sent stream: byte i of a xorshift sequence, reproducible from any offset in order. */
struct gen { uint64_t s; };
static uint8_t gen_next(struct gen *g)
{
	g->s ^= g->s << 13;
	g->s ^= g->s >> 7;
	g->s ^= g->s << 17;
	return (uint8_t)(g->s >> 32);
}

/* key (NULL: none): a TCP-MD5 key for the peer, set before connecting. */
static int connect_to(struct netstack *ns, const char *peer, int port, const char *key,
    char *why, size_t wl)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = inet_addr(peer);
	int fd = stos_socket(ns, AF_INET, SOCK_STREAM, 0);
	struct timeval tv = { 10, 0 };
	stos_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (fd >= 0 && key) {
		struct tcp_md5sig k;
		memset(&k, 0, sizeof(k));
		memcpy(&k.tcpm_addr, &a, sizeof(a));
		k.tcpm_keylen = (uint16_t)strlen(key);
		memcpy(k.tcpm_key, key, k.tcpm_keylen);
		if (stos_setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &k, sizeof(k)) < 0) {
			snprintf(why, wl, "TCP_MD5SIG: %s", strerror(errno));
			stos_close(fd);
			return -1;
		}
	}
	if (fd < 0 || stos_connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		snprintf(why, wl, "connect to %s:%d: %s", peer, port, strerror(errno));
		if (fd >= 0)
			stos_close(fd);
		return -1;
	}
	return fd;
}

static void echo_test(struct netstack *ns, const char *peer, int port, const char *key,
    uint64_t total)
{
	char why[256] = "";
	int fd = connect_to(ns, peer, port, key, why, sizeof(why));
	if (fd < 0) {
		result(0, key ? "stack-opened TCP-MD5 connection to a Linux echo server" :
		    "stack-opened connection to a Linux echo server", why);
		return;
	}
	stos_set_nonblock(fd, 1);
	struct gen tx = { 0x9e3779b97f4a7c15ull }, rx = tx;
	static uint8_t out[65536], in[65536];
	uint64_t sent = 0, got = 0, bad_at = UINT64_MAX;
	uint32_t outlen = 0, outoff = 0;
	int shut = 0, eof = 0;
	double t0 = now_s(), deadline = t0 + 120;
	while (!eof && now_s() < deadline) {
		if (outoff == outlen && sent < total) {
			outlen = (uint32_t)(total - sent < sizeof(out) ? total - sent : sizeof(out));
			for (uint32_t i = 0; i < outlen; i++)
				out[i] = gen_next(&tx);
			outoff = 0;
		}
		if (outoff < outlen) {
			ssize_t n = stos_send(fd, out + outoff, outlen - outoff, 0);
			if (n > 0) {
				outoff += (uint32_t)n;
				sent += (uint64_t)n;
			} else if (n < 0 && errno != EAGAIN) {
				snprintf(why, sizeof(why), "send: %s", strerror(errno));
				break;
			}
		} else if (sent == total && !shut) {
			stos_shutdown(fd, SHUT_WR);
			shut = 1;
		}
		ssize_t r = stos_recv(fd, in, sizeof(in), 0);
		if (r > 0) {
			for (ssize_t i = 0; i < r; i++)
				if (in[i] != gen_next(&rx) && bad_at == UINT64_MAX)
					bad_at = got + (uint64_t)i;
			got += (uint64_t)r;
		} else if (r == 0) {
			eof = 1;
		} else if (errno != EAGAIN) {
			snprintf(why, sizeof(why), "recv: %s", strerror(errno));
			break;
		}
		if (r < 0 && (outoff == outlen && (sent == total || shut))) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			stos_poll(&p, 1, 1000);
		} else if (r < 0) {
			struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
			stos_poll(&p, 1, 1000);
		}
	}
	double dt = now_s() - t0;
	if (!why[0])
		snprintf(why, sizeof(why), "sent %llu, got back %llu, first difference at %lld, eof %d",
		    (unsigned long long)sent, (unsigned long long)got,
		    bad_at == UINT64_MAX ? -1LL : (long long)bad_at, eof);
	result(sent == total && got == total && bad_at == UINT64_MAX && eof, key ?
	    "stack-opened connection signed with TCP-MD5: data sent to a Linux echo server that "
	    "checks the signatures comes back identical" :
	    "stack-opened connection: data sent to a Linux echo server comes back identical", why);
	printf("# stack -> Linux echo -> stack%s: %llu bytes each way in %.2f s, %.1f MB/s each way\n",
	    key ? " (TCP-MD5)" : "",
	    (unsigned long long)total, dt, (double)total / dt / 1e6);
	stos_close(fd);
}

static void source_test(struct netstack *ns, const char *peer, int port, uint64_t total)
{
	char why[256] = "";
	int fd = connect_to(ns, peer, port, NULL, why, sizeof(why));
	if (fd < 0) {
		result(0, "stack-opened connection receives from a Linux server", why);
		return;
	}
	static uint8_t in[65536];
	uint64_t got = 0, bad_at = UINT64_MAX;
	double t0 = now_s();
	for (;;) {
		ssize_t r = stos_recv(fd, in, sizeof(in), 0);
		if (r <= 0) {
			if (r < 0)
				snprintf(why, sizeof(why), "recv: %s", strerror(errno));
			break;
		}
		for (ssize_t i = 0; i < r; i++)
			if (in[i] != (uint8_t)(got + (uint64_t)i) && bad_at == UINT64_MAX)
				bad_at = got + (uint64_t)i;
		got += (uint64_t)r;
	}
	double dt = now_s() - t0;
	if (!why[0])
		snprintf(why, sizeof(why), "got %llu, first difference at %lld",
		    (unsigned long long)got, bad_at == UINT64_MAX ? -1LL : (long long)bad_at);
	result(got == total && bad_at == UINT64_MAX,
	    "stack-opened connection receives i % 256 from a Linux server, all bytes, then EOF",
	    why);
	printf("# Linux -> stack (stack connected): %llu bytes in %.2f s, %.1f MB/s\n",
	    (unsigned long long)total, dt, (double)total / dt / 1e6);
	stos_close(fd);
}

int main(int argc, char **argv)
{
	char err[256];
	if (argc != 7 && argc != 9) {
		fprintf(stderr, "usage: tcp_probe TAP A.B.C.D/P PEER ECHO_PORT SOURCE_PORT MIB "
		    "[MD5_ECHO_PORT KEY]\n");
		return 2;
	}
	struct netstack *ns = host_netstack_create("tcpprobe", false, 0);
	if (!ns || stos_stack_init(ns) < 0) {
		fprintf(stderr, "tcp_probe: no instance\n");
		return 1;
	}
	const uint8_t mac[6] = { 0x02, 0x53, 0x54, 0x43, 0x50, 0x50 };
	struct tap_link *t = tap_open(ns, argv[1], "eth0", mac, NULL, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "tcp_probe: %s\n", err);
		return 1;
	}
	if (stos_if_addr(ns, "eth0", argv[2]) < 0 || tap_start(t) < 0) {
		fprintf(stderr, "tcp_probe: cannot configure: %s\n", strerror(errno));
		return 1;
	}
	uint64_t total = strtoull(argv[6], NULL, 10) << 20;
	echo_test(ns, argv[3], atoi(argv[4]), NULL, total);
	source_test(ns, argv[3], atoi(argv[5]), total);
	if (argc == 9)
		echo_test(ns, argv[3], atoi(argv[7]), argv[8], total / 4);
	tap_close(t);
	stos_close_all(ns);
	host_netstack_destroy(ns);
	return failures ? 1 : 0;
}
