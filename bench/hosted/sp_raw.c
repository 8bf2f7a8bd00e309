/* The socketpair harness's no-stack backend (sp.h): the same harness moving MSS-sized payload
 * frames with the same window and no protocol, so its goodput is the harness's own ceiling.
 *
 * Sender: frames of 14 + 40 + MSS bytes (an Ethernet header and 40 bytes standing for IP and
 * TCP headers, carrying the stream offset), the payload copied from the application's pattern,
 * keeping at most --window bytes unacknowledged.  Receiver: copies each payload into the
 * application's buffer and checks it (the same work an application does after recv), and
 * returns a 64-byte ack frame carrying the next expected offset for every second frame, and
 * whenever no more frames are waiting.  A frame out of order fails the run (the socketpair
 * never reorders).  The last frame is flagged; the receiver acknowledges it and finishes.
 */
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include "bench/hosted/sp.h"

#define HDR 54                          /* Ethernet 14 + "IP/TCP" 40 */
#define OFF_SEQ 14                      /* 8 bytes: stream offset of the payload */
#define OFF_FLAGS 22                    /* 1: last frame */
#define ACK_LEN 64

static uint8_t frame[SP_FRAME_MAX];
static uint8_t appbuf[SP_FRAME_MAX];
static uint64_t tx_frames;

static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static void eth_header(uint8_t *f, int send)
{
	sp_mac(!send, f);
	sp_mac(send, f + 6);
	f[12] = 0x88;                       /* IEEE 802 local experimental ethertype 88B5 */
	f[13] = 0xb5;
}

static int do_send(const struct sp_opts *o)
{
	uint64_t t0 = sp_now_ns(), sent = 0, acked = 0;
	int ok = 1, gone = 0;
	uint8_t ack[ACK_LEN];
	eth_header(frame, 1);
	memset(frame + 14, 0, HDR - 14);
	while (acked < o->bytes && ok) {
		int work = 0;
		long n;
		while ((n = sp_frame_recv(o->fd, ack, sizeof ack)) > 0) {
			uint64_t a = get64(ack + OFF_SEQ);
			if (n != ACK_LEN || a > sent || a < acked)
				ok = 0;
			acked = a;
			work = 1;
		}
		if (n < 0 && acked < o->bytes) {
			gone = 1;               /* (after the last ack the receiver may be gone) */
			break;
		}
		while (sent < o->bytes && sent - acked + o->mss <= o->window) {
			uint64_t left = o->bytes - sent;
			size_t len = left < o->mss ? (size_t)left : o->mss;
			put64(frame + OFF_SEQ, sent);
			frame[OFF_FLAGS] = sent + len == o->bytes;
			memcpy(frame + HDR, sp_pattern + sent % SP_PERIOD, len);
			if (o->corrupt && o->corrupt - 1 >= sent && o->corrupt - 1 < sent + len)
				frame[HDR + (o->corrupt - 1 - sent)] ^= 0x5a;
			struct iovec iov = { frame, HDR + len };
			int r = sp_frame_sendv(o->fd, &iov, 1);
			if (r < 0)
				ok = 0;
			if (r <= 0)
				break;
			tx_frames++;
			sent += len;
			work = 1;
		}
		if (!work)
			sp_wait(o->fd, sent < o->bytes && sent - acked + o->mss <= o->window,
			    1000000000ull);
		if (sp_now_ns() - t0 > (uint64_t)o->timeout_s * 1000000000ull)
			break;
	}
	ok = ok && !gone && acked == o->bytes;
	sp_result(o, ok, "bytes=%llu secs=%.6f tx_frames=%llu", (unsigned long long)acked,
	    (double)(sp_now_ns() - t0) / 1e9, (unsigned long long)tx_frames);
	return ok;
}

static int send_ack(const struct sp_opts *o, uint64_t next)
{
	uint8_t ack[ACK_LEN];
	memset(ack, 0, sizeof ack);
	eth_header(ack, 0);
	put64(ack + OFF_SEQ, next);
	struct iovec iov = { ack, sizeof ack };
	for (;;) {
		int r = sp_frame_sendv(o->fd, &iov, 1);
		if (r > 0)
			tx_frames++;
		if (r != 0)
			return r > 0;
		sp_wait(o->fd, 1, 1000000);
	}
}

static int do_recv(const struct sp_opts *o)
{
	struct sp_rx rx = { 0 };
	uint64_t t0 = sp_now_ns();
	unsigned unacked = 0;
	int ok = 1, last = 0;
	while (ok && !last) {
		long n = sp_frame_recv(o->fd, frame, sizeof frame);
		if (n < 0)
			break;
		if (n == 0) {
			if (unacked) {
				ok = send_ack(o, rx.rcvd);
				unacked = 0;
			}
			sp_wait(o->fd, 0, 1000000000ull);
			if (sp_now_ns() - t0 > (uint64_t)o->timeout_s * 1000000000ull)
				break;
			continue;
		}
		if (n < HDR || get64(frame + OFF_SEQ) != rx.rcvd) {
			ok = 0;
			break;
		}
		size_t len = (size_t)n - HDR;
		memcpy(appbuf, frame + HDR, len);
		sp_rx_bytes(&rx, o, appbuf, len);
		last = frame[OFF_FLAGS] & 1;
		if (++unacked == 2 || last) {
			ok = send_ack(o, rx.rcvd);
			unacked = 0;
		}
	}
	ok = ok && last && !rx.bad && rx.rcvd == o->bytes;
	char extra[64];
	snprintf(extra, sizeof extra, "tx_frames=%llu %s", (unsigned long long)tx_frames,
	    sp_rx_verdict(&rx, o));
	sp_bulk_result(o, &rx, ok, extra);
	return ok;
}

int main(int argc, char **argv)
{
	struct sp_opts o;
	sp_parse(argc, argv, &o);
	o.backend = "raw";
	if (o.mode != SP_BULK) {
		sp_result(&o, 0, "unsupported=1");
		return 1;
	}
	return (o.send ? do_send(&o) : do_recv(&o)) ? 0 : 1;
}
