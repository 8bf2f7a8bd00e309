/* The socketpair harness's lwIP backend (sp.h): Debian's lwIP 2.1.3 (liblwip-dev, built with
 * its own lwipopts.h: see bench/README.md) through its raw API, one instance per process
 * (lwIP keeps global state), driven by one loop like sp_stos.c: read the waiting frames into
 * pbufs and hand them to ethernet_input, run due timeouts (sys_check_timeouts), let the
 * application work, then poll until a frame arrives or the next timeout.
 *
 * This program is lwIP's "tcpip thread": lwip_init() without tcpip_init(), so nothing else
 * runs and the core-locking check of Debian's build has no thread to compare against.
 * The application does what a socket application does: the sender's data is copied into lwIP
 * (TCP_WRITE_FLAG_COPY, as send() copies), the receiver copies each pbuf's bytes into its own
 * buffer (pbuf_copy_partial, as recv() copies) before checking them.
 *
 * Frames go out with sp_frame_sendv (a pbuf chain gathered into one buffer and written with
 * one send(), as every backend's frames are) and come in read
 * straight into a PBUF_RAM pbuf of the largest frame size, then trimmed (pbuf_realloc).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "bench/hosted/sp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/etharp.h"
#include "netif/ethernet.h"

#define RX_BATCH 256
#define MAX_IOV 64

static struct sp_opts o;
static struct netif nif;
static uint8_t appbuf[SP_CHUNK];
static uint64_t tx_frames, rx_frames, tx_errors;
static int peer_gone;

/* ---- the link ---- */
static err_t link_output(struct netif *n, struct pbuf *p)
{
	struct iovec iov[MAX_IOV];
	int cnt = 0;
	(void)n;
	for (struct pbuf *q = p; q && cnt < MAX_IOV; q = q->next) {
		iov[cnt].iov_base = q->payload;
		iov[cnt].iov_len = q->len;
		cnt++;
	}
	/* The descriptor refuses only when the peer is far behind: wait for room (the window
	 * bounds what is in flight, so the peer is never waiting on us at the same time). */
	for (int tries = 0; tries < 1000; tries++) {
		int r = sp_frame_sendv(o.fd, iov, cnt);
		if (r > 0) {
			tx_frames++;
			return ERR_OK;
		}
		if (r < 0)
			break;
		sp_wait(o.fd, 1, 1000000);
	}
	tx_errors++;
	return ERR_IF;
}

static err_t link_init(struct netif *n)
{
	n->name[0] = 'e';
	n->name[1] = '0';
	n->output = etharp_output;
	n->linkoutput = link_output;
	n->mtu = (u16_t)(o.mss + 40);
	n->hwaddr_len = 6;
	sp_mac(o.send, n->hwaddr);
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
	    NETIF_FLAG_LINK_UP;
	return ERR_OK;
}

/* Reads up to RX_BATCH frames into lwIP; returns the number read. */
static unsigned link_rx(void)
{
	unsigned n = 0;
	u16_t cap = (u16_t)(o.mss + 40 + 14);
	while (n < RX_BATCH) {
		/* PBUF_RAM, not PBUF_POOL: Debian's liblwip 2.1.3+dfsg1-2 allocates pool pbufs
		 * with 592 bytes of payload (a pool sized for TCP_MSS 536) yet fills them as if
		 * PBUF_POOL_BUFSIZE were the 1520 its lwipopts.h implies, so a full frame read
		 * into one overruns the heap (seen with valgrind; bench/README.md). */
		struct pbuf *p = pbuf_alloc(PBUF_RAW, cap, PBUF_RAM);
		if (!p)
			break;
		struct iovec iov[MAX_IOV];
		int cnt = 0;
		for (struct pbuf *q = p; q && cnt < MAX_IOV; q = q->next) {
			iov[cnt].iov_base = q->payload;
			iov[cnt].iov_len = q->len;
			cnt++;
		}
		struct msghdr mh;
		memset(&mh, 0, sizeof mh);
		mh.msg_iov = iov;
		mh.msg_iovlen = (size_t)cnt;
		ssize_t len = recvmsg(o.fd, &mh, MSG_DONTWAIT);
		if (len <= 0) {
			pbuf_free(p);
			if (len == 0 || (errno != EAGAIN && errno != EINTR))
				peer_gone = 1;
			break;
		}
		pbuf_realloc(p, (u16_t)len);
		if (nif.input(p, &nif) != ERR_OK)
			pbuf_free(p);
		rx_frames++;
		n++;
	}
	return n;
}

static unsigned stack_turn(void)
{
	unsigned n = link_rx();
	sys_check_timeouts();
	return n;
}

static void stack_wait(void)
{
	u32_t ms = sys_timeouts_sleeptime();
	sp_wait(o.fd, 0, ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? 1000000000ull :
	    (uint64_t)ms * 1000000ull);
}

static int expired(uint64_t t0)
{
	return sp_now_ns() - t0 > (uint64_t)o.timeout_s * 1000000000ull;
}

/* ---- connection state shared by the callbacks ---- */
struct conn {
	struct tcp_pcb *pcb;
	int connected, eof, err;
	uint64_t sent;
	struct sp_rx rx;
};

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct conn *c = arg;
	(void)err;
	if (!p) {
		c->eof = 1;
		return ERR_OK;
	}
	if (o.mode == SP_BULK && !o.send) {
		u16_t off = 0;
		while (off < p->tot_len) {
			u16_t k = (u16_t)(p->tot_len - off < SP_CHUNK ? p->tot_len - off : SP_CHUNK);
			pbuf_copy_partial(p, appbuf, k, off);
			sp_rx_bytes(&c->rx, &o, appbuf, k);
			off = (u16_t)(off + k);
		}
	} else {
		c->err = 1;                     /* nobody sends to the client */
	}
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
	struct conn *c = arg;
	(void)err;
	c->err = 1;
	c->pcb = NULL;                      /* lwIP has freed it */
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct conn *c = arg;
	(void)pcb;
	c->connected = err == ERR_OK;
	return ERR_OK;
}

static struct conn *conn_new(struct tcp_pcb *pcb)
{
	struct conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->pcb = pcb;
	tcp_arg(pcb, c);
	tcp_recv(pcb, on_recv);
	tcp_err(pcb, on_err);
	return c;
}

static struct conn *do_connect(void)
{
	ip_addr_t dst;
	IP_ADDR4(&dst, 10, 0, 0, 2);
	struct tcp_pcb *pcb = tcp_new();
	if (!pcb)
		return NULL;
	struct conn *c = conn_new(pcb);
	if (!c || tcp_connect(pcb, &dst, SP_PORT, on_connected) != ERR_OK) {
		tcp_abort(pcb);
		free(c);
		return NULL;
	}
	return c;
}

/* Accepted connections wait here until the application takes them. */
#define ACCEPTQ 4096
static struct conn *acceptq[ACCEPTQ];
static unsigned acc_head, acc_tail;

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK || !pcb || acc_tail - acc_head == ACCEPTQ)
		return ERR_VAL;
	struct conn *c = conn_new(pcb);
	if (!c)
		return ERR_MEM;
	acceptq[acc_tail++ % ACCEPTQ] = c;
	return ERR_OK;
}

static struct conn *do_accept(void)
{
	return acc_head == acc_tail ? NULL : acceptq[acc_head++ % ACCEPTQ];
}

static struct tcp_pcb *do_listen(void)
{
	struct tcp_pcb *pcb = tcp_new();
	if (!pcb)
		return NULL;
	if (tcp_bind(pcb, IP4_ADDR_ANY, SP_PORT) != ERR_OK) {
		tcp_abort(pcb);
		return NULL;
	}
	struct tcp_pcb *l = tcp_listen_with_backlog(pcb, 255);
	if (l)
		tcp_accept(l, on_accept);
	return l;
}

static void conn_close(struct conn *c)
{
	if (c->pcb) {
		tcp_arg(c->pcb, NULL);
		tcp_recv(c->pcb, NULL);
		tcp_err(c->pcb, NULL);
		if (tcp_close(c->pcb) != ERR_OK)
			tcp_abort(c->pcb);
	}
	free(c);
}

/* ---- bulk ---- */
static int bulk_send(void)
{
	uint64_t t0 = sp_now_ns();
	struct conn *c = do_connect();
	int shut = 0, ok = c != NULL;
	while (ok && !c->eof && !c->err && !peer_gone && !expired(t0)) {
		unsigned work = stack_turn();
		if (c->connected && c->sent < o.bytes) {
			while (c->sent < o.bytes) {
				uint64_t left = o.bytes - c->sent;
				u16_t room = tcp_sndbuf(c->pcb);
				u16_t n = (u16_t)(left < room ? left : room);
				if (n == 0)
					break;
				err_t e = tcp_write(c->pcb, sp_pattern + c->sent % SP_PERIOD, n,
				    TCP_WRITE_FLAG_COPY);
				if (e == ERR_MEM)
					break;
				if (e != ERR_OK) {
					ok = 0;
					break;
				}
				c->sent += n;
				work++;
			}
			tcp_output(c->pcb);
		}
		if (c->sent == o.bytes && !shut) {
			shut = 1;
			ok = tcp_shutdown(c->pcb, 0, 1) == ERR_OK;
		}
		if (!work && !c->eof)
			stack_wait();
	}
	int done = ok && c->eof && !c->err;
	sp_result(&o, done, "bytes=%llu secs=%.6f", (unsigned long long)(c ? c->sent : 0),
	    (double)(sp_now_ns() - t0) / 1e9);
	if (c)
		conn_close(c);
	return done;
}

static int bulk_recv(void)
{
	uint64_t t0 = sp_now_ns();
	struct tcp_pcb *l = do_listen();
	struct conn *c = NULL;
	int ok = l != NULL;
	while (ok && !(c && (c->eof || c->err)) && !peer_gone && !expired(t0)) {
		unsigned work = stack_turn();
		if (!c && (c = do_accept()) != NULL)
			work++;
		if (!work)
			stack_wait();
	}
	struct sp_rx rx = c ? c->rx : (struct sp_rx){ 0 };
	ok = ok && c && c->eof && !c->err && !rx.bad && rx.rcvd == o.bytes;
	sp_bulk_result(&o, &rx, ok, sp_rx_verdict(&rx, &o));
	if (c)
		conn_close(c);
	if (l)
		tcp_close(l);
	return ok;
}

/* ---- setup ---- */
static int setup_send(void)
{
	uint64_t t0 = sp_now_ns();
	unsigned done = 0;
	int ok = 1;
	while (ok && done < o.conns && !peer_gone && !expired(t0)) {
		struct conn *c = do_connect();
		ok = c != NULL;
		while (ok && !c->eof && !c->err && !peer_gone && !expired(t0))
			if (!stack_turn())
				stack_wait();
		if (c) {
			ok = c->eof && !c->err;
			done += (unsigned)ok;
			conn_close(c);
		}
	}
	double secs = (double)(sp_now_ns() - t0) / 1e9;
	ok = ok && done == o.conns;
	sp_result(&o, ok, "conns=%u secs=%.6f rate=%.1f", done, secs, done / secs);
	return ok;
}

static int setup_recv(void)
{
	uint64_t t0 = sp_now_ns();
	unsigned done = 0;
	struct tcp_pcb *l = do_listen();
	int ok = l != NULL;
	while (ok && done < o.conns && !peer_gone && !expired(t0)) {
		unsigned work = stack_turn();
		struct conn *c;
		while ((c = do_accept()) != NULL) {
			conn_close(c);
			done++;
			work++;
		}
		if (!work)
			stack_wait();
	}
	/* Let the last close finish before leaving. */
	uint64_t t1 = sp_now_ns();
	while (!peer_gone && sp_now_ns() - t1 < 100000000ull)
		if (!stack_turn())
			stack_wait();
	ok = ok && done == o.conns;
	sp_result(&o, ok, "conns=%u", done);
	if (l)
		tcp_close(l);
	return ok;
}

/* ---- idle ---- */
static int idle_run(void)
{
	uint64_t t0 = sp_now_ns();
	struct conn **cs = calloc(o.conns, sizeof *cs);
	unsigned opened = 0, est = 0;
	struct tcp_pcb *l = NULL;
	int ok = cs != NULL;
	if (ok && !o.send)
		ok = (l = do_listen()) != NULL;
	uint64_t heap0 = sp_heap_used();
	while (ok && est < o.conns && !expired(t0)) {
		unsigned work = stack_turn();
		if (o.send) {
			while (opened < o.conns && opened - est < 64) {
				if (!(cs[opened] = do_connect())) {
					ok = 0;
					break;
				}
				opened++;
				work++;
			}
			while (est < opened && cs[est]->connected) {
				est++;
				work++;
			}
		} else {
			struct conn *c;
			while (est < o.conns && (c = do_accept()) != NULL) {
				cs[est++] = c;
				work++;
			}
		}
		if (!work) {
			if (peer_gone)
				break;
			stack_wait();
		}
	}
	for (int i = 0; i < 20; i++)
		if (!stack_turn())
			break;
	uint64_t heap = sp_heap_used() - heap0;
	ok = ok && est == o.conns;
	sp_result(&o, ok, "conns=%u heap_per_conn=%.1f", est, est ? (double)heap / est : 0.0);
	while (ok && o.send && !peer_gone && !expired(t0))
		if (!stack_turn())
			stack_wait();
	for (unsigned i = 0; cs && i < opened; i++)
		if (cs[i])
			conn_close(cs[i]);
	free(cs);
	if (l)
		tcp_close(l);
	return ok;
}

int main(int argc, char **argv)
{
	sp_parse(argc, argv, &o);
	o.backend = "lwip";
	if (o.mss + 40 + 14 > 0xffff) {
		fprintf(stderr, "sp_lwip: MSS too large\n");
		return 2;
	}
	lwip_init();
	ip4_addr_t addr, mask, gw;
	uint32_t a = sp_addr(o.send);
	IP4_ADDR(&addr, a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	IP4_ADDR(&mask, 255, 255, 255, 0);
	ip4_addr_set_zero(&gw);
	if (!netif_add(&nif, &addr, &mask, &gw, NULL, link_init, ethernet_input)) {
		fprintf(stderr, "sp_lwip: netif_add failed\n");
		return 1;
	}
	netif_set_default(&nif);
	netif_set_up(&nif);
	netif_set_link_up(&nif);
	int ok = o.mode == SP_BULK ? (o.send ? bulk_send() : bulk_recv()) :
	    o.mode == SP_SETUP ? (o.send ? setup_send() : setup_recv()) : idle_run();
	printf("sp: backend=lwip role=%s tx_frames=%llu rx_frames=%llu tx_errors=%llu\n",
	    o.send ? "send" : "recv", (unsigned long long)tx_frames,
	    (unsigned long long)rx_frames, (unsigned long long)tx_errors);
	return ok ? 0 : 1;
}
