/* libFuzzer target: frames and time steps fed to one stack instance on the in-memory wire,
 * with UDP and raw IP sockets open and used.  Built by `make fuzz` (clang, libFuzzer, ASan,
 * UBSan) and replayed from the corpus by tests/fuzz/replay_main.c in `make test`.
 *
 * Input: a sequence of records, each starting with an op byte:
 *   op%5 == 0  raw frame: u16 length (big-endian, clipped to what is left), then the frame,
 *              sent from a raw port on the wire (so anything at all reaches ether_input)
 *   op%5 == 1  IPv4 datagram to us: proto byte, u16 length, then the payload; wrapped in a
 *              valid Ethernet header and IPv4 header (10.0.0.2 -> 10.0.0.1) so that the
 *              fuzzer reaches the transports quickly
 *   op%5 == 2  time step: one byte n, the clock advances n * 7 ms (timers, reassembly, ARP)
 *   op%5 == 3  socket work: every socket is drained; the echo socket answers
 *   op%5 == 4  send: socket index byte, u16 length, payload; sent to 10.0.0.2 (or as the
 *              socket is connected); errors are fine, crashes and leaks are not
 * Every input runs on a fresh instance; at the end every socket is closed, the world is
 * freed and the mbuf pools and memory must be back where they started (else abort()).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "host/wire.h"
#include "host/port_host.h"
#include "host/stos_api.h"
#include "net/mbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t MAC_A[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t MAC_P[6] = { 2, 0, 0, 0, 0, 2 };

static void rx_ignore(void *arg, const uint8_t *frame, size_t len)
{
	(void)arg;
	(void)frame;
	(void)len;
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

struct cursor {
	const uint8_t *p;
	size_t left;
};

static int take(struct cursor *c, void *out, size_t n)
{
	if (c->left < n)
		return -1;
	memcpy(out, c->p, n);
	c->p += n;
	c->left -= n;
	return 0;
}

static size_t take_len(struct cursor *c)
{
	uint8_t b[2] = { 0, 0 };
	if (take(c, b, 2) < 0)
		return 0;
	size_t n = (size_t)(b[0] << 8 | b[1]);
	return n > c->left ? c->left : n;
}

#define NSOCK 6

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[65600], buf[65600];
	struct mbuf_stats before, after;
	uint64_t mem_before;
	struct cursor c = { data, size };
	int fds[NSOCK];

	host_log_level(-1);
	host_random_seed(1);
	mbuf_stats(&before);
	mem_before = host_alloc_live();

	struct world *w = world_new(1000000000ull);
	struct netstack *ns = world_stack(w, "a");
	struct wire *wr = world_wire(w, 10000);
	if (!w || !ns || !wr || !wire_attach(wr, ns, "eth0", MAC_A) || stos_stack_init(ns) < 0 ||
	    stos_if_addr(ns, "eth0", "10.0.0.1/24") < 0)
		abort();
	struct wire_port *port = wire_raw_port(wr, rx_ignore, NULL);

	struct sockaddr_in a = { .sin_family = AF_INET };
	fds[0] = stos_socket(ns, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);      /* echo :7 */
	a.sin_port = htons(7);
	stos_bind(fds[0], (struct sockaddr *)&a, sizeof(a));
	fds[1] = stos_socket(ns, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);      /* :53, bcast */
	a.sin_port = htons(53);
	int one = 1;
	stos_setsockopt(fds[1], SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
	stos_bind(fds[1], (struct sockaddr *)&a, sizeof(a));
	fds[2] = stos_socket(ns, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);      /* connected */
	a.sin_port = htons(9);
	a.sin_addr.s_addr = inet_addr("10.0.0.2");
	stos_connect(fds[2], (struct sockaddr *)&a, sizeof(a));
	fds[3] = stos_socket(ns, AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMP);
	fds[4] = stos_socket(ns, AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_UDP);
	fds[5] = stos_socket(ns, AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_RAW);
	int small = 4096;
	stos_setsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	world_run(w, 1000000);

	while (c.left > 0) {
		uint8_t op = 0, b = 0;
		take(&c, &op, 1);
		switch (op % 5) {
		case 0: {
			size_t n = take_len(&c);
			take(&c, frame, n);
			wire_port_send(port, frame, n);
			world_settle(w);
			break;
		}
		case 1: {
			uint8_t proto = 0;
			take(&c, &proto, 1);
			size_t n = take_len(&c);
			if (n > 65535 - 20)
				n = 65535 - 20;
			memcpy(frame, MAC_A, 6);
			memcpy(frame + 6, MAC_P, 6);
			frame[12] = 0x08;
			frame[13] = 0x00;
			uint8_t *ip = frame + 14;
			memset(ip, 0, 20);
			ip[0] = 0x45;
			ip[2] = (uint8_t)((20 + n) >> 8);
			ip[3] = (uint8_t)(20 + n);
			ip[8] = 64;
			ip[9] = proto;
			ip[12] = 10; ip[15] = 2;
			ip[16] = 10; ip[19] = 1;
			uint16_t s = cksum(ip, 20);
			ip[10] = (uint8_t)(s >> 8);
			ip[11] = (uint8_t)s;
			take(&c, ip + 20, n);
			wire_port_send(port, frame, 34 + n);
			world_settle(w);
			break;
		}
		case 2:
			take(&c, &b, 1);
			world_run(w, (uint64_t)b * 7000000ull);
			break;
		case 3:
			for (int i = 0; i < NSOCK; i++) {
				struct sockaddr_in from;
				socklen_t fl = sizeof(from);
				ssize_t n;
				while ((n = stos_recvfrom(fds[i], buf, sizeof(buf), 0,
				    (struct sockaddr *)&from, &fl)) >= 0) {
					if (i == 0)
						stos_sendto(fds[0], buf, (size_t)n, 0,
						    (struct sockaddr *)&from, fl);
					fl = sizeof(from);
				}
			}
			world_settle(w);
			break;
		case 4: {
			take(&c, &b, 1);
			size_t n = take_len(&c);
			take(&c, buf, n);
			struct sockaddr_in to = { .sin_family = AF_INET,
			    .sin_port = htons((uint16_t)(1 + b)) };
			to.sin_addr.s_addr = (b & 0x80) ? inet_addr("10.0.0.255") :
			    inet_addr("10.0.0.2");
			int fd = fds[b % NSOCK];
			if (b & 0x40)
				stos_send(fd, buf, n, MSG_DONTWAIT);
			else
				stos_sendto(fd, buf, n, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to));
			world_settle(w);
			break;
		}
		}
	}
	world_run(w, 100000000ull);
	stos_close_all(ns);
	world_free(w);

	mbuf_stats(&after);
	if (after.mbufs != before.mbufs || after.clusters != before.clusters ||
	    host_alloc_live() != mem_before)
		abort();   /* a leak is a bug the fuzzer must report */
	return 0;
}
