/* stosnet's TCP services: echo (RFC 862, port 7), discard (RFC 863, port 9), chargen
 * (RFC 864, port 19) and a small HTTP/1.1 server (RFC 9112, port 80).
 *
 * Every socket is non-blocking and driven by stosnet's poll loop (svc_watch): no thread per
 * connection.  Memory per connection is one struct conn (about 4.5 KiB) whatever the peer
 * does: echo stops reading while its buffer waits to be sent back (the peer's window closes,
 * which is TCP's own back-pressure), HTTP reads no further request while it answers one, and a
 * request head larger than the buffer is answered 431 and the connection closed.
 *
 * HTTP: `GET /` returns a short HTML page; `GET /bytes/N` returns N bytes where byte i is
 * i % 256 (the pattern of STOS's httpd), N up to 2^40.  HEAD is answered like GET without the
 * body.  HTTP/1.1 keeps the connection open unless the request says `Connection: close`;
 * HTTP/1.0 closes it unless the request says `Connection: keep-alive` (RFC 9112 9.3).
 * Pipelined requests are answered in order.
 *
 * HTTP deadlines (svc_tcp_set_http_idle, stosnet --http-idle; 60 s by default): a request
 * head must arrive whole within that time of the connection's start or of the previous
 * response's end; bytes of an unfinished head do not extend it, so a client trickling a head
 * (slowloris) holds its connection no longer than an idle one.  While a response is sent,
 * each write that makes progress gives it that time again, so a slow reader keeps its
 * connection and one that reads nothing for that long loses it.  An idle connection is closed
 * (FIN); one whose response stalled is reset (its unsent data would otherwise keep it).
 * Deadlines are kept in one list in the order they were set, which is their order too (the
 * same duration is added to a later time), so expiry costs O(1) per connection closed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <poll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "host/stosnet.h"
#include "host/stos_api.h"

#define CONN_BUF 4096            /* request head / echo data per connection */
#define HTTP_BYTES_MAX (1ull << 40)

enum kind { K_ECHO, K_DISCARD, K_CHARGEN, K_HTTP };

struct conn {
	int fd;
	enum kind kind;
	uint32_t len, off;         /* echo: bytes in buf, bytes of them sent back; http: head bytes */
	/* HTTP response in progress: header (hdr), then a static page or the byte pattern. */
	char hdr[256];
	uint32_t hdrlen, hdroff;
	const char *page;          /* static body, or NULL for the pattern */
	uint64_t body_off, body_len;
	uint32_t reqlen;           /* bytes of buf the request being answered used */
	bool responding, close_after;
	uint32_t chargen_line;     /* chargen: line number, picks the first character */
	uint32_t chargen_col;      /* chargen: characters of the current line already sent */
	uint64_t deadline;         /* HTTP: closed at this time (ns, CLOCK_MONOTONIC) */
	TAILQ_ENTRY(conn) dl;      /* HTTP: in the deadline list when dl_on */
	bool dl_on;
	uint8_t buf[CONN_BUF];
};

static unsigned long long nconns, naccepted, ntimedout;
static uint64_t http_idle_ns = 60ull * 1000000000ull;
/* HTTP connections by deadline, earliest first */
static TAILQ_HEAD(, conn) dl_list = TAILQ_HEAD_INITIALIZER(dl_list);

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void dl_unlink(struct conn *c)
{
	if (c->dl_on)
		TAILQ_REMOVE(&dl_list, c, dl);
	c->dl_on = false;
}

/* c's deadline is now + the HTTP time limit: it goes last (no limit: it leaves the list). */
static void dl_restart(struct conn *c)
{
	dl_unlink(c);
	if (!http_idle_ns)
		return;
	c->deadline = now_ns() + http_idle_ns;
	TAILQ_INSERT_TAIL(&dl_list, c, dl);
	c->dl_on = true;
}
/* The pattern body: pat[i] = i % 256, long enough to send 64 KiB from any phase. */
static uint8_t pat[65536 + 256];
static uint8_t sink[65536];

static const char page_root[] =
    "<!DOCTYPE html>\n<html><head><title>stosnet</title></head><body>\n"
    "<h1>stosnet</h1>\n<p>The STOS network stack, running as a Linux process on a TAP "
    "device.</p>\n<p>GET /bytes/N returns N bytes; byte i is i % 256.</p>\n"
    "</body></html>\n";

static void conn_fn(int fd, short revents, void *arg);

static void conn_close(struct conn *c)
{
	dl_unlink(c);
	svc_unwatch(c->fd);
	stos_close(c->fd);
	nconns--;
	free(c);
}

static void watch(struct conn *c, short ev)
{
	if (svc_watch(c->fd, ev, conn_fn, c) < 0)
		conn_close(c);    /* cannot happen: the table had the entry */
}

/* Echo: send back what is buffered, then read more (c may be freed on return). */
static void do_echo(struct conn *c)
{
	for (int rounds = 0; rounds < 64; rounds++) {
		if (c->off < c->len) {
			ssize_t n = stos_send(c->fd, c->buf + c->off, c->len - c->off, 0);
			if (n < 0) {
				if (errno == EAGAIN) {
					watch(c, POLLOUT);
					return;
				}
				conn_close(c);
				return;
			}
			c->off += (uint32_t)n;
			continue;
		}
		ssize_t n = stos_recv(c->fd, c->buf, sizeof(c->buf), 0);
		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			conn_close(c);      /* everything read was sent back: close in turn */
			return;
		}
		if (n < 0) {
			watch(c, POLLIN);
			return;
		}
		c->len = (uint32_t)n;
		c->off = 0;
	}
	watch(c, c->off < c->len ? POLLOUT : POLLIN);
}

/* Reads and drops what is there; false when the connection ended (c closed). */
static bool drain(struct conn *c)
{
	for (int rounds = 0; rounds < 64; rounds++) {
		ssize_t n = stos_recv(c->fd, sink, sizeof(sink), 0);
		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			conn_close(c);
			return false;
		}
		if (n < 0)
			return true;
	}
	return true;
}

/* RFC 864: lines of 72 printable characters (codes 32..126) and CR LF; line k starts with the
 * k-th character of the 95 and runs on cyclically. */
static void do_chargen(struct conn *c, short revents)
{
	if ((revents & (POLLIN | POLLHUP | POLLERR)) && !drain(c))
		return;
	for (int rounds = 0; rounds < 16; rounds++) {
		char out[74 * 64];
		size_t n = 0;
		uint32_t line = c->chargen_line, col = c->chargen_col;
		while (n < sizeof(out)) {
			out[n++] = col < 72 ? (char)(32 + (line + col) % 95) : col == 72 ? '\r' : '\n';
			if (++col == 74) {
				col = 0;
				line++;
			}
		}
		ssize_t s = stos_send(c->fd, out, n, 0);
		if (s < 0) {
			if (errno == EAGAIN)
				break;
			conn_close(c);
			return;
		}
		/* advance by what was accepted */
		for (ssize_t i = 0; i < s; i++)
			if (++c->chargen_col == 74) {
				c->chargen_col = 0;
				c->chargen_line++;
			}
		if ((size_t)s < n)
			break;
	}
	watch(c, POLLIN | POLLOUT);
}

/* Finds the value of header `name` in the head (lines after the request line); NULL if absent.
 * *vlen gets the value's length (surrounding blanks removed). */
static const char *header_value(const char *head, size_t len, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);
	const char *p = memchr(head, '\n', len), *end = head + len;
	while (p && p + 1 < end) {
		const char *line = p + 1;
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			break;
		if ((size_t)(eol - line) > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *v = line + nl + 1, *ve = eol;
			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			*vlen = (size_t)(ve - v);
			return v;
		}
		p = eol;
	}
	return NULL;
}

static bool token_in(const char *v, size_t vlen, const char *tok)
{
	size_t tl = strlen(tok);
	for (size_t i = 0; i + tl <= vlen; i++)
		if (strncasecmp(v + i, tok, tl) == 0 && (i == 0 || v[i - 1] == ' ' || v[i - 1] == ',') &&
		    (i + tl == vlen || v[i + tl] == ' ' || v[i + tl] == ','))
			return true;
	return false;
}

static void respond(struct conn *c, int status, const char *reason, const char *ctype,
    const char *page, uint64_t blen, bool head_only)
{
	c->page = page;
	c->body_off = 0;
	c->body_len = head_only ? 0 : blen;
	int n = snprintf(c->hdr, sizeof(c->hdr),
	    "HTTP/1.1 %d %s\r\nServer: stosnet\r\nContent-Type: %s\r\nContent-Length: %llu\r\n"
	    "%s\r\n", status, reason, ctype, (unsigned long long)blen,
	    c->close_after ? "Connection: close\r\n" : "");
	c->hdrlen = n > 0 && (size_t)n < sizeof(c->hdr) ? (uint32_t)n : 0;
	c->hdroff = 0;
	c->responding = true;
}

static const char msg_404[] = "not found\n";
static const char msg_400[] = "bad request\n";
static const char msg_405[] = "method not allowed\n";
static const char msg_431[] = "request header fields too large\n";

/* Parses one complete request head of hlen bytes (ending in an empty line) and sets up the
 * response. */
static void http_request(struct conn *c, uint32_t hlen)
{
	char *h = (char *)c->buf;
	char *eol = memchr(h, '\n', hlen);
	char method[8], target[128], version[16];
	size_t vlen;
	const char *v;
	c->reqlen = hlen;
	c->close_after = false;
	size_t ll = eol ? (size_t)(eol - h) : hlen;
	char line[200];
	if (ll < sizeof(line)) {
		memcpy(line, h, ll);
		line[ll] = 0;
	}
	if (ll >= sizeof(line) || sscanf(line, "%7s %127s %15s", method, target, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7) != 0) {
		c->close_after = true;
		respond(c, 400, "Bad Request", "text/plain", msg_400, sizeof(msg_400) - 1, false);
		return;
	}
	v = header_value(h, hlen, "Connection", &vlen);
	if (strcmp(version, "HTTP/1.0") == 0)
		c->close_after = !(v && token_in(v, vlen, "keep-alive"));
	else
		c->close_after = v && token_in(v, vlen, "close");
	bool head_only = strcmp(method, "HEAD") == 0;
	if (!head_only && strcmp(method, "GET") != 0) {
		respond(c, 405, "Method Not Allowed", "text/plain", msg_405, sizeof(msg_405) - 1,
		    false);
		return;
	}
	if (strcmp(target, "/") == 0) {
		respond(c, 200, "OK", "text/html", page_root, sizeof(page_root) - 1, head_only);
		return;
	}
	if (strncmp(target, "/bytes/", 7) == 0) {
		const char *d = target + 7;
		uint64_t n = 0;
		bool ok = *d != 0;
		for (; *d && ok; d++) {
			if (*d < '0' || *d > '9')
				ok = false;
			else {
				n = n * 10 + (uint64_t)(*d - '0');
				if (n > HTTP_BYTES_MAX)
					ok = false;
			}
		}
		if (ok) {
			respond(c, 200, "OK", "application/octet-stream", NULL, n, head_only);
			return;
		}
	}
	respond(c, 404, "Not Found", "text/plain", msg_404, sizeof(msg_404) - 1, head_only);
}

/* Offset of the end of the request head (just past CR LF CR LF or LF LF), 0 if incomplete. */
static uint32_t head_end(const uint8_t *b, uint32_t len)
{
	for (uint32_t i = 0; i + 1 < len; i++) {
		if (b[i] == '\n' && b[i + 1] == '\n')
			return i + 2;
		if (i + 3 < len && b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' &&
		    b[i + 3] == '\n')
			return i + 4;
	}
	return 0;
}

static void do_http(struct conn *c)
{
	for (int rounds = 0; rounds < 64; rounds++) {
		if (c->responding) {
			const void *p;
			size_t n;
			if (c->hdroff < c->hdrlen) {
				p = c->hdr + c->hdroff;
				n = c->hdrlen - c->hdroff;
			} else if (c->body_off < c->body_len) {
				uint64_t left = c->body_len - c->body_off;
				if (c->page) {
					p = c->page + c->body_off;
					n = (size_t)left;
				} else {
					p = pat + (c->body_off % 256);
					n = left < 65536 ? (size_t)left : 65536;
				}
			} else {
				/* response complete: drop its request from the buffer; the next
				 * head (or the peer's close) has the time limit from now */
				c->responding = false;
				dl_restart(c);
				if (c->close_after) {
					/* RFC 9112 9.6: half-close, then close once the peer is done;
					 * closing at once could reset the connection over unread data. */
					stos_shutdown(c->fd, SHUT_WR);
					c->len = 0;
					watch(c, POLLIN);
					c->reqlen = UINT32_MAX;     /* marks "draining" */
					return;
				}
				memmove(c->buf, c->buf + c->reqlen, c->len - c->reqlen);
				c->len -= c->reqlen;
				continue;
			}
			ssize_t s = stos_send(c->fd, p, n, 0);
			if (s < 0) {
				if (errno == EAGAIN) {
					watch(c, POLLOUT);
					return;
				}
				conn_close(c);
				return;
			}
			if (c->hdroff < c->hdrlen)
				c->hdroff += (uint32_t)s;
			else
				c->body_off += (uint64_t)s;
			if (s > 0)
				dl_restart(c);          /* progress: the reader is alive */
			continue;
		}
		if (c->reqlen == UINT32_MAX) {
			if (drain(c))
				watch(c, POLLIN);
			return;
		}
		uint32_t he = head_end(c->buf, c->len);
		if (he) {
			dl_restart(c);                  /* the answer's time limit starts */
			http_request(c, he);
			continue;
		}
		if (c->len == sizeof(c->buf)) {
			c->close_after = true;
			c->reqlen = c->len;
			respond(c, 431, "Request Header Fields Too Large", "text/plain", msg_431,
			    sizeof(msg_431) - 1, false);
			continue;
		}
		ssize_t n = stos_recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			conn_close(c);
			return;
		}
		if (n < 0) {
			watch(c, POLLIN);
			return;
		}
		c->len += (uint32_t)n;
	}
	watch(c, c->responding ? POLLOUT : POLLIN);
}

static void conn_fn(int fd, short revents, void *arg)
{
	struct conn *c = arg;
	(void)fd;
	switch (c->kind) {
	case K_ECHO: do_echo(c); break;
	case K_DISCARD:
		if (drain(c))
			watch(c, POLLIN);
		break;
	case K_CHARGEN: do_chargen(c, revents); break;
	case K_HTTP: do_http(c); break;
	}
}

static void listener_fn(int fd, short revents, void *arg)
{
	enum kind kind = (enum kind)(long)arg;
	(void)revents;
	for (int i = 0; i < 256; i++) {
		int nfd = stos_accept4(fd, NULL, NULL, SOCK_NONBLOCK);
		if (nfd < 0)
			return;
		struct conn *c = calloc(1, sizeof(*c));
		if (!c) {
			stos_close(nfd);
			continue;
		}
		c->fd = nfd;
		c->kind = kind;
		if (kind == K_HTTP)
			dl_restart(c);                  /* the first head's time limit */
		nconns++;
		naccepted++;
		if (svc_watch(nfd, kind == K_CHARGEN ? POLLIN | POLLOUT : POLLIN, conn_fn, c) < 0) {
			nconns--;
			stos_close(nfd);
			free(c);
		}
	}
}

/* --md5 peers and keys (svc_tcp_add_md5), set on every listener (TCP_MD5SIG, Linux's
 * struct); accepted connections take the key for their peer. */
#define MD5_PEERS 8
static struct tcp_md5sig md5keys[MD5_PEERS];
static unsigned nmd5;

int svc_tcp_add_md5(uint32_t peer, const char *key)
{
	size_t n = strlen(key);
	if (nmd5 == MD5_PEERS || n == 0 || n > sizeof md5keys[0].tcpm_key)
		return -1;
	struct tcp_md5sig *k = &md5keys[nmd5++];
	memset(k, 0, sizeof *k);
	struct sockaddr_in *sin = (struct sockaddr_in *)&k->tcpm_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(peer);
	k->tcpm_keylen = (uint16_t)n;
	memcpy(k->tcpm_key, key, n);
	return 0;
}

static int tcp_service(struct netstack *ns, uint16_t port, enum kind kind, int sndbuf)
{
	struct sockaddr_in a;
	int one = 1;
	int fd = stos_socket(ns, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		fprintf(stderr, "stosnet: tcp socket: %s\n", strerror(errno));
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	(void)stos_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* accepted sockets inherit the buffer sizes (as on Linux) */
	if (sndbuf)
		(void)stos_setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	for (unsigned i = 0; i < nmd5; i++)
		if (stos_setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &md5keys[i], sizeof md5keys[i]) < 0) {
			fprintf(stderr, "stosnet: TCP_MD5SIG: %s\n", strerror(errno));
			stos_close(fd);
			return -1;
		}
	if (stos_bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || stos_listen(fd, SOMAXCONN) < 0) {
		fprintf(stderr, "stosnet: tcp port %u: %s\n", port, strerror(errno));
		stos_close(fd);
		return -1;
	}
	return svc_watch(fd, POLLIN, listener_fn, (void *)(long)kind);
}

int svc_tcp_init(struct netstack *ns)
{
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)i;
	if (tcp_service(ns, 7, K_ECHO, 0) < 0 || tcp_service(ns, 9, K_DISCARD, 0) < 0 ||
	    tcp_service(ns, 19, K_CHARGEN, 0) < 0 || tcp_service(ns, 80, K_HTTP, 262144) < 0)
		return -1;
	return 0;
}

void svc_tcp_counts(unsigned long long *open, unsigned long long *accepted,
    unsigned long long *timedout)
{
	*open = nconns;
	*accepted = naccepted;
	*timedout = ntimedout;
}

void svc_tcp_set_http_idle(unsigned seconds)
{
	http_idle_ns = (uint64_t)seconds * 1000000000ull;
}

void svc_tcp_expire(void)
{
	uint64_t now = now_ns();
	struct conn *c;
	while ((c = TAILQ_FIRST(&dl_list)) && c->deadline <= now) {
		if (c->responding) {
			/* Reset: a graceful close would keep the unsent response (and its
			 * buffers) queued for a reader that does not read. */
			struct linger lg = { .l_onoff = 1, .l_linger = 0 };
			(void)stos_setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		}
		ntimedout++;
		conn_close(c);
	}
}
