/* The socketpair harness's common part (sp.h). */
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include "bench/hosted/sp.h"

uint8_t sp_pattern[SP_CHUNK + SP_PERIOD];
static FILE *capture;

/* libpcap's file format: a global header, then a record header per frame (LINKTYPE 1). */
static void capture_open(int send)
{
	const char *prefix = getenv("SP_PCAP");
	char path[512];
	if (!prefix || !*prefix)
		return;
	snprintf(path, sizeof path, "%s.%s.pcap", prefix, send ? "send" : "recv");
	capture = fopen(path, "wb");
	if (!capture)
		return;
	uint32_t gh[6] = { 0xa1b2c3d4u, 2 | (4u << 16), 0, 0, 65535, 1 };
	fwrite(gh, sizeof gh, 1, capture);
}

static void capture_frame(const struct iovec *iov, int iovcnt)
{
	uint64_t t = sp_now_ns();
	uint32_t len = 0;
	for (int i = 0; i < iovcnt; i++)
		len += (uint32_t)iov[i].iov_len;
	uint32_t rh[4] = { (uint32_t)(t / 1000000000u), (uint32_t)(t % 1000000000u / 1000u), len,
	    len };
	fwrite(rh, sizeof rh, 1, capture);
	for (int i = 0; i < iovcnt; i++)
		fwrite(iov[i].iov_base, 1, iov[i].iov_len, capture);
	fflush(capture);
}

static void usage(void)
{
	fprintf(stderr, "usage: sp_<backend> --role send|recv --fd N [--mode bulk|setup|idle]\n"
	    "    [--bytes N] [--mss 1460] [--conns N] [--window 65535] [--timeout S]\n"
	    "    [--sndbuf BYTES (STOS)] [--corrupt OFFSET (no-stack sender)]\n");
	exit(2);
}

void sp_parse(int argc, char **argv, struct sp_opts *o)
{
	int role = -1;
	memset(o, 0, sizeof *o);
	o->fd = -1;
	o->mss = 1460;
	o->conns = 100;
	o->window = 65535;
	o->timeout_s = 120;
	o->mode = SP_BULK;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--role"))
			role = !strcmp(v, "send") ? 1 : !strcmp(v, "recv") ? 0 : -1;
		else if (!strcmp(a, "--fd"))
			o->fd = atoi(v);
		else if (!strcmp(a, "--mode"))
			o->mode = !strcmp(v, "bulk") ? SP_BULK : !strcmp(v, "setup") ? SP_SETUP :
			    !strcmp(v, "idle") ? SP_IDLE : (usage(), SP_BULK);
		else if (!strcmp(a, "--bytes"))
			o->bytes = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--mss"))
			o->mss = (unsigned)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--conns"))
			o->conns = (unsigned)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--window"))
			o->window = (unsigned)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--sndbuf"))
			o->sndbuf = (unsigned)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--corrupt"))
			o->corrupt = strtoull(v, NULL, 0) + 1;
		else if (!strcmp(a, "--timeout"))
			o->timeout_s = (unsigned)strtoul(v, NULL, 0);
		else
			usage();
	}
	if (role < 0 || o->fd < 0 || o->mss < 88 || o->mss > SP_FRAME_MAX - 58 ||
	    (o->mode == SP_BULK && o->bytes == 0) || o->conns == 0)
		usage();
	o->send = role;
	capture_open(role);
	for (size_t i = 0; i < sizeof sp_pattern; i++)
		sp_pattern[i] = (uint8_t)(i % SP_PERIOD);
	/* A peer that exits closes its end: writes then fail with EPIPE, which we count. */
	signal(SIGPIPE, SIG_IGN);
}

uint64_t sp_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t sp_heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

void sp_mac(int send, uint8_t mac[6])
{
	static const uint8_t base[6] = { 2, 0, 0, 0, 0, 0 };
	memcpy(mac, base, 6);
	mac[5] = send ? 0x0a : 0x0b;
}

uint32_t sp_addr(int send) { return send ? SP_ADDR_SEND : SP_ADDR_RECV; }

void sp_rx_bytes(struct sp_rx *r, const struct sp_opts *o, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	if (r->rcvd == 0)
		r->t_first = sp_now_ns();
	r->t_last = sp_now_ns();
	if (r->rcvd + n > o->bytes) {
		r->bad = 1;
	} else {
		/* In pieces no longer than the pattern buffer's usable length. */
		uint64_t off = r->rcvd;
		size_t done = 0;
		while (done < n) {
			size_t k = n - done < SP_CHUNK ? n - done : SP_CHUNK;
			if (memcmp(p + done, sp_pattern + (off + done) % SP_PERIOD, k) != 0)
				r->bad = 1;
			done += k;
		}
	}
	r->rcvd += n;
}

const char *sp_rx_verdict(const struct sp_rx *r, const struct sp_opts *o)
{
	if (r->rcvd < o->bytes)
		return "truncated=1";
	if (r->rcvd > o->bytes)
		return "excess=1";
	return r->bad ? "corrupt=1" : "";
}

long sp_frame_recv(int fd, void *buf, size_t cap)
{
	ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT);
	if (n > 0)
		return (long)n;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	return -1;                          /* 0: the peer closed its end */
}

/* The errno of a failed send as sp_frame_send's answer (-2: EINTR, try again). */
static int send_failed(void)
{
	if (errno == EINTR)
		return -2;
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ? 0 : -1;
}

int sp_frame_send(int fd, const void *buf, size_t len)
{
	for (;;) {
		ssize_t n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n >= 0) {
			if (capture) {
				struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
				capture_frame(&iov, 1);
			}
			return 1;
		}
		int r = send_failed();
		if (r != -2)
			return r;
	}
}

/* A frame in several buffers is gathered into one and written with send(), as the no-stack
 * backend writes its frames, so every backend's frames reach the kernel the same way.  On
 * this harness's kernel (PTI without PCID) sendmsg with an iovec cost STOS's sender about 1%
 * of its goodput against the copy and send() (30 paired rounds, bench/README.md). */
int sp_frame_sendv(int fd, const struct iovec *iov, int iovcnt)
{
	static uint8_t flat[SP_FRAME_MAX];
	if (iovcnt == 1)
		return sp_frame_send(fd, iov[0].iov_base, iov[0].iov_len);
	size_t len = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > sizeof flat - len) {
			errno = EMSGSIZE;
			return -1;          /* longer than any frame of the harness: a hard error */
		}
		memcpy(flat + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	return sp_frame_send(fd, flat, len);
}

void sp_wait(int fd, int want_out, uint64_t timeout_ns)
{
	struct pollfd pfd = { .fd = fd, .events = (short)(POLLIN | (want_out ? POLLOUT : 0)) };
	int ms = (int)((timeout_ns + 999999) / 1000000);
	if (timeout_ns > 1000000000ull)
		ms = 1000;
	poll(&pfd, 1, ms);
}

static const char *mode_name(enum sp_mode m)
{
	return m == SP_BULK ? "bulk" : m == SP_SETUP ? "setup" : "idle";
}

void sp_result(const struct sp_opts *o, int ok, const char *fmt, ...)
{
	va_list ap;
	printf("sp: backend=%s role=%s mode=%s ok=%d ", o->backend, o->send ? "send" : "recv",
	    mode_name(o->mode), ok);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void sp_bulk_result(const struct sp_opts *o, const struct sp_rx *r, int ok, const char *extra)
{
	double secs = (double)(r->t_last - r->t_first) / 1e9;
	sp_result(o, ok, "bytes=%llu secs=%.6f gbps=%.4f %s", (unsigned long long)r->rcvd, secs,
	    secs > 0 ? (double)r->rcvd * 8 / secs / 1e9 : 0.0, extra ? extra : "");
}
