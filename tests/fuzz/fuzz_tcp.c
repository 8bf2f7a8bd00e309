/* libFuzzer target: TCP driven from both sides at once.  Two stack instances, A (10.0.0.1)
 * and B (10.0.0.2), share an in-memory wire with a raw port that sees every frame and
 * injects TCP segments; the fuzz input also makes socket calls on either instance and moves
 * the virtual clock.  Built by `make fuzz` (clang, libFuzzer, ASan, UBSan) and replayed from
 * tests/fuzz/tcp_corpus by tests/fuzz/replay_main.c in `make test` (suite 28-tcp-fuzz-replay).
 *
 * Injected segments are built relative to what the raw port last saw on a flow (a table of
 * the 8 most recent 4-tuples): "as the other end" of flow k, with seq = its last ack + delta
 * and ack = its last seq + length + delta, so a small delta lands in the window and the
 * fuzzer reaches the synchronized states; a flag also allows absolute numbers, a phantom
 * source (10.0.0.3), options bytes, a payload, a bad checksum and the IP header's ECN field
 * (ECN: instance A asks for it in its SYNs, B answers, net/tcp_ecn.c).
 *
 * Input: records, each an op byte then its arguments (missing bytes read as zero):
 *   op%12 == 0  socket(stack = arg&1): a non-blocking stream socket in the first free slot
 *   op%12 == 1  bind(slot, port index) to INADDR_ANY:port (ports 80, 81, 1000+arg)
 *   op%12 == 2  listen(slot, backlog 0..7)
 *   op%12 == 3  connect(slot, address index (A, B, phantom), port index)
 *   op%12 == 4  accept4(slot, SOCK_NONBLOCK) into a free slot
 *   op%12 == 5  send(slot, u16 length, flags: MSG_OOB / MSG_MORE by arg bits); bytes from input
 *   op%12 == 6  recv(slot, u16 length, flags: MSG_PEEK / MSG_OOB / MSG_WAITALL)
 *   op%12 == 7  close(slot)
 *   op%12 == 8  shutdown(slot, how 0..2)
 *   op%12 == 9  setsockopt(slot, option index, 4 value bytes) or getsockopt (TCP_INFO ...);
 *               TCP_MD5SIG keys among them (sockopt)
 *   op%12 == 10 inject a segment (see above): flow, flags, deltas, window, options, payload
 *   op%12 == 11 time step: one byte n; the clock advances n^2 * 1 ms (up to 65 s: RTO
 *               backoff, keepalive, TIME-WAIT and the retry limit are all reachable)
 * Every call uses MSG_DONTWAIT or non-blocking sockets (the clock is virtual).  Every input
 * runs on fresh instances; at the end every socket is closed, the clock runs on past
 * TIME-WAIT (carrying at most 20,000 frames in those ten minutes: more is an ACK war), the
 * world is freed, and the mbuf pools and memory must be back where they started (else
 * abort()).  FUZZ_TCP_STATS=1 prints TCP counters per input, FUZZ_TCP_PCAP=file a capture.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include "host/wire.h"
#include "host/port_host.h"
#include "host/stos_api.h"
#include "net/mbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t MAC_A[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t MAC_B[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t MAC_X[6] = { 2, 0, 0, 0, 0, 3 };
static const uint32_t IP_A = 0x0a000001, IP_B = 0x0a000002, IP_X = 0x0a000003;

/* What the raw port learned from the wire. */
struct flow {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack, len;   /* len counts SYN and FIN */
	int used;
};
#define NFLOW 8
static struct flow flows[NFLOW];
static unsigned flow_next;

static void learn(void *arg, const uint8_t *f, size_t len)
{
	(void)arg;
	if (len < 14 + 20 + 20 || f[12] != 0x08 || f[13] != 0x00)
		return;
	const uint8_t *ip = f + 14;
	size_t ihl = (size_t)(ip[0] & 15) * 4, tot = (size_t)(ip[2] << 8 | ip[3]);
	if ((ip[0] >> 4) != 4 || ip[9] != IPPROTO_TCP || ihl < 20 || tot > len - 14 ||
	    tot < ihl + 20 || (ip[6] & 0x3f) || ip[7])
		return;
	const uint8_t *t = ip + ihl;
	size_t off = (size_t)(t[12] >> 4) * 4;
	if (off < 20 || ihl + off > tot)
		return;
	struct flow n = {
		.src = (uint32_t)ip[12] << 24 | (uint32_t)ip[13] << 16 | (uint32_t)ip[14] << 8 | ip[15],
		.dst = (uint32_t)ip[16] << 24 | (uint32_t)ip[17] << 16 | (uint32_t)ip[18] << 8 | ip[19],
		.sport = (uint16_t)(t[0] << 8 | t[1]), .dport = (uint16_t)(t[2] << 8 | t[3]),
		.seq = (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | (uint32_t)t[6] << 8 | t[7],
		.ack = (uint32_t)t[8] << 24 | (uint32_t)t[9] << 16 | (uint32_t)t[10] << 8 | t[11],
		.used = 1,
	};
	n.len = (uint32_t)(tot - ihl - off) + ((t[13] & 0x02) ? 1 : 0) + ((t[13] & 0x01) ? 1 : 0);
	for (unsigned i = 0; i < NFLOW; i++)
		if (flows[i].used && flows[i].src == n.src && flows[i].dst == n.dst &&
		    flows[i].sport == n.sport && flows[i].dport == n.dport) {
			flows[i] = n;
			return;
		}
	flows[flow_next++ % NFLOW] = n;
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

struct cursor {
	const uint8_t *p;
	size_t left;
};

static uint8_t u8(struct cursor *c)
{
	if (!c->left)
		return 0;
	c->left--;
	return *c->p++;
}

static uint16_t u16(struct cursor *c)
{
	uint16_t hi = u8(c);
	return (uint16_t)(hi << 8 | u8(c));
}

static uint32_t u32(struct cursor *c)
{
	uint32_t hi = u16(c);
	return hi << 16 | u16(c);
}

/* Up to n bytes of input (fewer when the input ends); returns how many. */
static size_t bytes(struct cursor *c, uint8_t *out, size_t n)
{
	if (n > c->left)
		n = c->left;
	memcpy(out, c->p, n);
	c->p += n;
	c->left -= n;
	return n;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static void inject(struct cursor *c, struct wire_port *port)
{
	static uint8_t f[14 + 20 + 60 + 1460];
	uint8_t sel = u8(c), flags = u8(c), mode = u8(c);
	uint32_t dseq = u16(c), dack = u16(c);
	uint16_t win = u16(c);
	uint8_t optlen = (uint8_t)(u8(c) % 41) & (uint8_t)~3u;
	uint16_t plen = (uint16_t)(u16(c) % 1461);
	struct flow *fl = &flows[sel % NFLOW];
	uint32_t src, dst, seq, ack;
	uint16_t sport, dport;
	if (fl->used) {
		src = fl->dst; dst = fl->src; sport = fl->dport; dport = fl->sport;
		seq = fl->ack + (mode & 1 ? (uint32_t)(int16_t)dseq : dseq);
		ack = fl->seq + fl->len + (mode & 2 ? (uint32_t)(int16_t)dack : dack);
	} else {
		src = IP_X; dst = (sel & 0x10) ? IP_B : IP_A;
		sport = (uint16_t)(1024 + (dseq & 7)); dport = (sel & 0x20) ? 81 : 80;
		seq = dseq * 65537u; ack = dack * 65537u;
	}
	if (mode & 4) {              /* absolute numbers */
		seq = u32(c);
		ack = u32(c);
	}
	if (mode & 8)                /* from the phantom host (no such connection) */
		src = IP_X;
	if (dst != IP_A && dst != IP_B)
		dst = IP_A;
	memcpy(f, dst == IP_A ? MAC_A : MAC_B, 6);
	memcpy(f + 6, src == IP_A ? MAC_A : src == IP_B ? MAC_B : MAC_X, 6);
	f[12] = 0x08; f[13] = 0x00;
	uint8_t *ip = f + 14, *t = ip + 20;
	size_t tlen = 20 + optlen + plen;
	memset(ip, 0, 20 + 20);
	ip[0] = 0x45;
	ip[1] = (uint8_t)(mode >> 6);                    /* ECN: Not-ECT, ECT(1), ECT(0), CE */
	ip[2] = (uint8_t)((20 + tlen) >> 8); ip[3] = (uint8_t)(20 + tlen);
	ip[6] = 0x40;                /* DF */
	ip[8] = 64; ip[9] = IPPROTO_TCP;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	uint16_t s = fold(sum16(ip, 20, 0));
	ip[10] = (uint8_t)(s >> 8); ip[11] = (uint8_t)s;
	t[0] = (uint8_t)(sport >> 8); t[1] = (uint8_t)sport;
	t[2] = (uint8_t)(dport >> 8); t[3] = (uint8_t)dport;
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	t[13] = flags;
	t[14] = (uint8_t)(win >> 8); t[15] = (uint8_t)win;
	size_t got = bytes(c, t + 20, optlen);
	memset(t + 20 + got, 1, optlen - got);           /* NOPs where the input ran out */
	for (size_t i = 0; i < plen; i++)
		t[20 + optlen + i] = (uint8_t)i;
	uint16_t up = (mode & 16) ? u16(c) : 0;          /* urgent pointer, maybe bogus */
	t[18] = (uint8_t)(up >> 8); t[19] = (uint8_t)up;
	uint8_t ph[12];
	put32(ph, src);
	put32(ph + 4, dst);
	ph[8] = 0; ph[9] = IPPROTO_TCP; ph[10] = (uint8_t)(tlen >> 8); ph[11] = (uint8_t)tlen;
	s = fold(sum16(t, tlen, sum16(ph, 12, 0)));
	if (mode & 32)
		s ^= 0x5a5a;             /* a bad checksum must be counted and dropped */
	t[16] = (uint8_t)(s >> 8); t[17] = (uint8_t)s;
	wire_port_send(port, f, 14 + 20 + tlen);
}

#define NSLOT 12
static int slot[NSLOT];
static struct netstack *slot_ns[NSLOT];

static int free_slot(void)
{
	for (int i = 0; i < NSLOT; i++)
		if (slot[i] < 0)
			return i;
	return -1;
}

static uint16_t port_of(uint8_t k)
{
	switch (k % 4) {
	case 0: return 80;
	case 1: return 81;
	case 2: return 0;
	default: return (uint16_t)(1000 + k / 4);
	}
}

static void sockopt(struct cursor *c, int fd)
{
	uint8_t which = u8(c);
	uint8_t v[16];
	int iv;
	memset(v, 0, sizeof(v));
	bytes(c, v, 4);
	memcpy(&iv, v, 4);
	switch (which % 21) {
	case 0: stos_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &iv, sizeof(iv)); break;
	case 1: {
		struct linger l = { iv & 1, (iv >> 1) & 7 };
		stos_setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		break;
	}
	case 2: stos_setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &iv, sizeof(iv)); break;
	case 3: stos_setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &iv, sizeof(iv)); break;
	case 4: stos_setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &iv, sizeof(iv)); break;
	case 5: stos_setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &iv, sizeof(iv)); break;
	case 6: stos_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &iv, sizeof(iv)); break;
	case 7: stos_setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &iv, sizeof(iv)); break;
	case 8: stos_setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &iv, sizeof(iv)); break;
	case 9: stos_setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &iv, sizeof(iv)); break;
	case 10: {
		static const char *const cc[] = { "cubic", "newreno", "reno", "" };
		const char *n = cc[iv & 3];
		stos_setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, n, (unsigned)strlen(n));
		break;
	}
	case 11: stos_setsockopt(fd, IPPROTO_TCP, TCP_CORK, &iv, sizeof(iv)); break;
	case 12: stos_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &iv, sizeof(iv)); break;
	case 13: {
		/* a short or odd option length must be refused, not read past */
		stos_setsockopt(fd, IPPROTO_TCP, (int)(v[0] % 40), v, (unsigned)(v[1] % 9));
		break;
	}
	case 14: {
		uint8_t info[256];
		unsigned l = (unsigned)(v[0]) % sizeof(info);
		stos_getsockopt(fd, IPPROTO_TCP, TCP_INFO, info, &l);
		break;
	}
	case 15: stos_setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &iv, sizeof(iv)); break;
	case 16: stos_setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &iv, sizeof(iv)); break;
	case 17: stos_setsockopt(fd, IPPROTO_TCP, TCP_LINGER2, &iv, sizeof(iv)); break;
	case 18: {
		/* short enough to run out within an input's clock */
		int ms = iv < 0 ? iv : iv % 4096;
		stos_setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof(ms));
		break;
	}
	case 19: stos_setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &iv, sizeof(iv)); break;
	default: {
		if (v[2] & 1) {
			/* TCP_MD5SIG: the key "fuzz-key" cut to 0..8 bytes (0 deletes) for A, B or
			 * the phantom; both ends given the same one open signed connections.  With
			 * bit 1 of byte 2, TCP_MD5SIG_EXT: byte 3 holds the prefix flag (bit 0) and
			 * the prefix length (the rest: 0..127, so also too long). */
			const uint32_t peers[3] = { IP_A, IP_B, IP_X };
			struct tcp_md5sig k;
			memset(&k, 0, sizeof(k));
			struct sockaddr_in *sin = (struct sockaddr_in *)&k.tcpm_addr;
			sin->sin_family = AF_INET;
			sin->sin_addr.s_addr = htonl(peers[v[0] % 3]);
			k.tcpm_keylen = (uint16_t)(v[1] % 9);
			memcpy(k.tcpm_key, "fuzz-key", k.tcpm_keylen);
			k.tcpm_flags = v[3] & TCP_MD5SIG_FLAG_PREFIX;
			k.tcpm_prefixlen = (uint8_t)(v[3] >> 1);
			stos_setsockopt(fd, IPPROTO_TCP, (v[2] & 2) ? TCP_MD5SIG_EXT : TCP_MD5SIG, &k,
			    sizeof(k));
			break;
		}
		int e = 0;
		unsigned l = sizeof(e);
		stos_getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l);
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[65536];
	struct mbuf_stats before, after;
	uint64_t mem_before;
	struct cursor c = { data, size };

	host_log_level(-1);
	host_random_seed(1);
	mbuf_stats(&before);
	mem_before = host_alloc_live();
	memset(flows, 0, sizeof(flows));
	flow_next = 0;
	for (int i = 0; i < NSLOT; i++)
		slot[i] = -1;

	struct world *w = world_new(1000000000ull);
	struct netstack *a = world_stack(w, "a"), *b = world_stack(w, "b");
	struct wire *wr = world_wire(w, 50000);
	if (!w || !a || !b || !wr || !wire_attach(wr, a, "eth0", MAC_A) ||
	    !wire_attach(wr, b, "eth0", MAC_B) || stos_stack_init(a) < 0 ||
	    stos_stack_init(b) < 0 || stos_if_addr(a, "eth0", "10.0.0.1/24") < 0 ||
	    stos_if_addr(b, "eth0", "10.0.0.2/24") < 0 || stos_tcp_ecn(a, 1) < 0)
		abort();
	if (getenv("FUZZ_TCP_PCAP"))
		wire_pcap(wr, getenv("FUZZ_TCP_PCAP"));
	struct wire_port *port = wire_raw_port(wr, learn, NULL);
	if (!port)
		abort();

	while (c.left > 0) {
		uint8_t op = u8(&c), arg = u8(&c);
		int k = arg % NSLOT, fd = slot[k];
		struct sockaddr_in sa = { .sin_family = AF_INET };
		switch (op % 12) {
		case 0: {
			int f = free_slot();
			if (f >= 0) {
				slot_ns[f] = (arg & 1) ? b : a;
				slot[f] = stos_socket(slot_ns[f], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
			}
			break;
		}
		case 1:
			sa.sin_port = htons(port_of(u8(&c)));
			stos_bind(fd, (struct sockaddr *)&sa, sizeof(sa));
			break;
		case 2:
			stos_listen(fd, u8(&c) % 8);
			break;
		case 3: {
			uint8_t x = u8(&c);
			static const uint32_t addrs[] = { 0x0a000001, 0x0a000002, 0x0a000003, 0x0a000001 };
			sa.sin_addr.s_addr = htonl(addrs[x & 3]);
			sa.sin_port = htons(port_of((uint8_t)(x >> 2)));
			stos_connect(fd, (struct sockaddr *)&sa, sizeof(sa));
			break;
		}
		case 4: {
			int f = free_slot();
			if (f >= 0 && fd >= 0) {
				slot[f] = stos_accept4(fd, NULL, NULL, SOCK_NONBLOCK);
				slot_ns[f] = slot_ns[k];
			}
			break;
		}
		case 5: {
			uint16_t n = u16(&c);
			uint8_t fl = u8(&c);
			size_t got = bytes(&c, buf, n > 64 ? 64 : n);
			if (n > got)
				memset(buf + got, 'x', n - got);
			stos_send(fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL | ((fl & 1) ? MSG_OOB : 0) |
			    ((fl & 2) ? MSG_MORE : 0));
			break;
		}
		case 6: {
			uint16_t n = u16(&c);
			uint8_t fl = u8(&c);
			stos_recv(fd, buf, n, MSG_DONTWAIT | ((fl & 1) ? MSG_PEEK : 0) |
			    ((fl & 2) ? MSG_OOB : 0) | ((fl & 4) ? MSG_WAITALL : 0));
			break;
		}
		case 7:
			if (fd >= 0) {
				stos_close(fd);
				slot[k] = -1;
			}
			break;
		case 8:
			stos_shutdown(fd, u8(&c) % 3);
			break;
		case 9:
			sockopt(&c, fd);
			break;
		case 10:
			inject(&c, port);
			break;
		case 11: {
			uint64_t n = u8(&c);
			world_run(w, n * n * 1000000ull);
			break;
		}
		}
		world_settle(w);
	}
	for (int i = 0; i < NSLOT; i++)
		if (slot[i] >= 0)
			stos_close(slot[i]);
	/* Past every timer a closed connection can hold (FIN-WAIT-2, TIME-WAIT, the retry
	 * limit): the pools must balance with the instances still alive, then after. */
	uint64_t frames_before = wire_frames(wr);
	world_run(w, 600 * SEC);
	/* With every socket closed, ten minutes hold at most retransmissions, probes and RSTs:
	 * a flood means two ends answer each other without end (an ACK war). */
	if (wire_frames(wr) - frames_before > 20000)
		abort();
	if (getenv("FUZZ_TCP_STATS")) {
		static const char *const names[] = { "connects", "accepts", "sndbyte", "rcvbyte",
		    "rcvbadsum", "persisttimeo", "timeoutdrop", "keepprobe", "rcvoopack", "sndtotal",
		    "rcvtotal", "sndacks", "sndprobe", "sndwinup", "challengeack", "rcvdupack", "rexmttimeo",
		    "sndrexmitpack", "rcvwinprobe", "sndctrl", "rcvpackafterwin",
		    "cookiessent", "closed", "ecn_shs", "ecn_ce", "ecn_ect0", "ecn_rcwnd", "md5missing",
		    "md5bad", "md5unexpected" };
		for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			fprintf(stderr, "# %s a=%llu b=%llu\n", names[i],
			    stos_stat(a, "tcp", names[i]), stos_stat(b, "tcp", names[i]));
	}
	stos_close_all(a);
	stos_close_all(b);
	world_free(w);

	mbuf_stats(&after);
	if (after.mbufs != before.mbufs || after.clusters != before.clusters ||
	    host_alloc_live() != mem_before)
		abort();   /* a leak is a bug the fuzzer must report */
	return 0;
}
