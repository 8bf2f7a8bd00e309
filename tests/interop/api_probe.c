/* The hosted C API on a real TAP device (a netisr thread runs the stack, calls block for
 * real): run by tests/interop/udp_ping.sh inside its network namespace.
 *   api_probe TAP A.B.C.D/P PEER
 * Checks, printing "PASS what" or "FAIL what: why" per line (exit status 1 on a failure):
 *  - a blocking UDP exchange with a Linux echo server on PEER:5555 (SO_RCVTIMEO as guard)
 *  - ping with a raw ICMP socket, the way ping(8) does: echo request out, the reply picked
 *    out of the raw socket's copies (ICMP_FILTER passes only echo replies)
 *  - a blocking poll() that times out after its real-time timeout
 *  - SO_RCVTIMEO on a blocking recv with nothing to read: EAGAIN after the timeout */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include "host/port_host.h"
#include "host/stos_api.h"
#include "host/tap.h"

#ifndef ICMP_FILTER
#define ICMP_FILTER 1
#endif

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

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint16_t cksum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

int main(int argc, char **argv)
{
	char err[256], why[256];
	if (argc != 4) {
		fprintf(stderr, "usage: api_probe TAP A.B.C.D/P PEER\n");
		return 2;
	}
	struct netstack *ns = host_netstack_create("probe", false, 0);
	if (!ns || stos_stack_init(ns) < 0) {
		fprintf(stderr, "api_probe: no instance\n");
		return 1;
	}
	const uint8_t mac[6] = { 0x02, 0x53, 0x50, 0x52, 0x4f, 0x42 };
	struct tap_link *t = tap_open(ns, argv[1], "eth0", mac, NULL, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "api_probe: %s\n", err);
		return 1;
	}
	if (stos_if_addr(ns, "eth0", argv[2]) < 0 || tap_start(t) < 0) {
		fprintf(stderr, "api_probe: cannot configure: %s\n", strerror(errno));
		return 1;
	}
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(5555) };
	peer.sin_addr.s_addr = inet_addr(argv[3]);
	struct timeval tv = { 3, 0 };

	/* UDP, blocking */
	int u = stos_socket(ns, AF_INET, SOCK_DGRAM, 0);
	stos_setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char buf[2048];
	ssize_t n = stos_sendto(u, "api probe", 9, 0, (struct sockaddr *)&peer, sizeof(peer));
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t r = n == 9 ? stos_recvfrom(u, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl) : -1;
	snprintf(why, sizeof(why), "send %zd recv %zd errno %d", n, r, errno);
	result(r == 9 && !memcmp(buf, "api probe", 9) && from.sin_addr.s_addr == peer.sin_addr.s_addr &&
	    from.sin_port == htons(5555), "blocking UDP exchange with Linux", why);

	/* poll with a real-time timeout */
	struct pollfd p = { .fd = u, .events = POLLIN };
	uint64_t t0 = now_ms();
	int k = stos_poll(&p, 1, 300);
	uint64_t dt = now_ms() - t0;
	snprintf(why, sizeof(why), "poll %d after %llu ms", k, (unsigned long long)dt);
	result(k == 0 && dt >= 290 && dt < 3000, "poll times out after 300 ms", why);

	/* SO_RCVTIMEO with nothing to read */
	struct timeval tv2 = { 0, 400000 };
	stos_setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv2, sizeof(tv2));
	t0 = now_ms();
	r = stos_recv(u, buf, sizeof(buf), 0);
	int e = errno;
	dt = now_ms() - t0;
	snprintf(why, sizeof(why), "recv %zd errno %d after %llu ms", r, e, (unsigned long long)dt);
	result(r == -1 && e == EAGAIN && dt >= 390 && dt < 3000, "SO_RCVTIMEO expires with EAGAIN",
	    why);
	stos_close(u);

	/* ping through a raw ICMP socket */
	int s = stos_socket(ns, AF_INET, SOCK_RAW, IPPROTO_ICMP);
	stos_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	uint32_t filt = ~(1u << 0);   /* only echo replies (type 0) */
	int fr = stos_setsockopt(s, SOL_RAW, ICMP_FILTER, &filt, sizeof(filt));
	uint8_t req[64];
	memset(req, 0, sizeof(req));
	req[0] = 8;
	req[4] = 0x53; req[5] = 0x54;     /* id */
	req[7] = 1;                       /* seq */
	memcpy(req + 8, "stos raw ping", 13);
	uint16_t c = cksum(req, sizeof(req));
	req[2] = (uint8_t)(c >> 8);
	req[3] = (uint8_t)c;
	struct sockaddr_in dst = peer;
	dst.sin_port = 0;
	n = stos_sendto(s, req, sizeof(req), 0, (struct sockaddr *)&dst, sizeof(dst));
	int got = 0;
	for (int i = 0; i < 5 && !got; i++) {
		r = stos_recv(s, buf, sizeof(buf), 0);
		if (r < 28)
			break;
		size_t hl = (size_t)(buf[0] & 15) * 4;
		const uint8_t *ic = (const uint8_t *)buf + hl;
		if ((size_t)r >= hl + sizeof(req) && ic[0] == 0 && ic[4] == 0x53 && ic[5] == 0x54 &&
		    !memcmp(ic + 8, "stos raw ping", 13) && cksum(ic, (size_t)r - hl) == 0)
			got = 1;
	}
	snprintf(why, sizeof(why), "filter %d send %zd last recv %zd errno %d", fr, n, r, errno);
	result(fr == 0 && n == (ssize_t)sizeof(req) && got, "raw ICMP socket pings Linux", why);
	stos_close(s);

	tap_close(t);
	stos_close_all(ns);
	host_netstack_destroy(ns);
	return failures ? 1 : 0;
}
