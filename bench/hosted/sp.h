/* The socketpair harness shared by its three backends (sp_stos.c, sp_lwip.c, sp_raw.c).
 *
 * Two processes are joined by one socketpair(AF_UNIX, SOCK_SEQPACKET) descriptor each, and
 * every message on it is one Ethernet frame (no preamble, no FCS).  The launcher
 * (bench/hosted/spair.py) makes the pair, pins each process to its own core and starts one
 * backend program per side; each program prints one result line
 *   sp: backend=stos role=recv mode=bulk ok=1 bytes=... secs=... gbps=... ...
 * (key=value pairs) and exits 0 only when its part went right.
 *
 * Roles: "send" is the client (10.0.0.1, MAC 02:00:00:00:00:0a) that connects to port 5001
 * of "recv", the server (10.0.0.2, MAC 02:00:00:00:00:0b).  Modes:
 *   bulk   send writes --bytes of the pattern (byte i is i % 251) and shuts down; recv reads
 *          until EOF, compares every byte with the pattern (memcmp) and fails unless it got
 *          exactly --bytes.  Goodput is recv's: payload bytes over first-to-last byte time.
 *   setup  --conns times in turn: send connects; recv accepts and closes; send sees EOF and
 *          closes.  Rate = conns over send's elapsed time.
 *   idle   send opens --conns connections and keeps them; when all are established on both
 *          sides, each side reports the heap bytes they hold (mallinfo2 delta) per connection.
 * Both programs of a run must be given the same mode, --bytes and --conns.
 */
#ifndef BENCH_SP_H
#define BENCH_SP_H
#include <stddef.h>
#include <stdint.h>

#define SP_PERIOD 251                   /* pattern period: prime, never lines up with MSS */
#define SP_CHUNK  65536                 /* application read/write size */
#define SP_PORT   5001
#define SP_ADDR_SEND 0x0a000001u        /* 10.0.0.1 */
#define SP_ADDR_RECV 0x0a000002u        /* 10.0.0.2 */
#define SP_FRAME_MAX 9018

enum sp_mode { SP_BULK, SP_SETUP, SP_IDLE };

struct sp_opts {
	const char *backend;
	enum sp_mode mode;
	int send;                           /* 1: role send (client), 0: recv (server) */
	int fd;                             /* the socketpair end */
	uint64_t bytes;
	unsigned mss;
	unsigned conns;
	unsigned window;                    /* receive window of the run (bytes): the no-stack
	                                       sender's limit, STOS's receive buffer (lwIP's is
	                                       fixed by its build at 65,535) */
	unsigned timeout_s;                 /* give up (and fail) after this long */
	unsigned sndbuf;                    /* STOS: SO_SNDBUF of the sending socket (0: default) */
	uint64_t corrupt;                   /* no-stack sender: flip stream byte corrupt - 1 (0: none),
	                                       so tests see the receiver's check catch it */
};

/* Parses the command line (exits 2 on a usage error). */
void sp_parse(int argc, char **argv, struct sp_opts *o);
/* The pattern: sp_pattern[i] = i % SP_PERIOD for SP_CHUNK + SP_PERIOD bytes; bytes from
 * offset `off` of the stream start at sp_pattern + off % SP_PERIOD. */
extern uint8_t sp_pattern[SP_CHUNK + SP_PERIOD];
uint64_t sp_now_ns(void);
/* Heap bytes in use (mallinfo2). */
uint64_t sp_heap_used(void);
/* The role's MAC address and IPv4 address (host order). */
void sp_mac(int send, uint8_t mac[6]);
uint32_t sp_addr(int send);

/* The receiving application's check: counts bytes, compares them with the pattern. */
struct sp_rx {
	uint64_t rcvd;
	int bad;                            /* a byte differed, or more than expected arrived */
	uint64_t t_first, t_last;
};
void sp_rx_bytes(struct sp_rx *r, const struct sp_opts *o, const uint8_t *p, size_t n);
/* What went wrong with a finished receive, as a result pair ("truncated=1", "excess=1",
 * "corrupt=1"), or "" when every expected byte arrived intact. */
const char *sp_rx_verdict(const struct sp_rx *r, const struct sp_opts *o);

/* Nonblocking frame I/O on the socketpair.  sp_frame_recv: frame length, 0 when none is
 * waiting, -1 when the peer is gone or on error.  sp_frame_sendv: 1 sent, 0 would block, -1
 * error (the peer is gone); a frame in several buffers is copied into one and written with
 * send(), as the no-stack backend writes its frames. */
struct iovec;
long sp_frame_recv(int fd, void *buf, size_t cap);
int sp_frame_sendv(int fd, const struct iovec *iov, int iovcnt);
/* sp_frame_sendv for a frame in one buffer (send: the kernel has no iovec to copy in);
 * sp_frame_sendv of one iovec entry is this. */
int sp_frame_send(int fd, const void *buf, size_t len);
/* Waits until fd is readable (or writable too when want_out) or timeout_ns passes. */
void sp_wait(int fd, int want_out, uint64_t timeout_ns);

/* With SP_PCAP=<prefix> in the environment, every frame this side sends is also written to
 * <prefix>.<role>.pcap (sp_frame_sendv does it): for looking at what a backend puts on the
 * wire (tshark -r ...).  Opened by sp_parse. */

/* Prints the result line: "sp: backend=.. role=.. mode=.. ok=.." then `fmt` (more pairs). */
void sp_result(const struct sp_opts *o, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Goodput pairs for a finished bulk receive ("bytes=.. secs=.. gbps=.."). */
void sp_bulk_result(const struct sp_opts *o, const struct sp_rx *r, int ok, const char *extra);

#endif
