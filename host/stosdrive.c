/* stosdrive: one stack instance on a virtual clock, driven line by line over stdin/stdout by
 * the packetdrill-format runner (tests/conformance/pdrun.py).
 *
 * Usage: stosdrive [--mtu N] [--local A.B.C.D] [--remote A.B.C.D]
 *
 * Protocol: one command per line; the reply is zero or more
 *     pkt <t_ns> <hex>            an IPv4 packet the stack sent, and when
 *     done <fd> <ret> <errno> <t_ns>   a blocking call that was pending completed
 * lines, then one final line "ok [values]" or "err <message>".  Commands:
 *     advance <t_ns> <stop>       run the clock to t_ns (timers fire in order); with stop=1,
 *                                 stop early once a packet was sent
 *     inject <hex>                deliver an IPv4 packet from the peer now
 *     sys socket <domain> <type> <proto>   sys fcntl <fd> <cmd> <arg>
 *     sys bind|connect <fd> <a.b.c.d> <port>   sys listen <fd> <backlog>   sys accept <fd>
 *     sys close <fd>   sys shutdown <fd> <how>   sys recv|send <fd> <len> <flags>
 *     sys setsockopt <fd> <level> <name> <int>   sys getsockopt <fd> <level> <name>
 *     sys md5key <fd> <a.b.c.d> <hex key | ->   TCP_MD5SIG for that peer (- deletes it)
 *                                 -> "ok <ret> <errno> [<int value>]" or "ok pending"
 *     sysctl <name> <value>       -> "ok" or "ok ignored" / "ok unsupported"
 *     count <state> <lport>       -> "ok <n>" connections in that state (Linux numbering)
 *     drop <state>                -> "ok <n>"
 *     tcpinfo <fd>                -> "ok <tcpi_state> <tcpi_options> <tcpi_snd_cwnd>"
 *     quit                        closes everything; exit status 1 if mbufs or memory leaked
 *
 * Blocking: descriptors are always non-blocking inside the stack.  A call on a descriptor the
 * script left blocking that would block is "pending" and is retried after every step of the
 * clock or injected packet, which is how a blocking call behaves on a virtual clock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "host/stos_api.h"
#include "host/stosdrive.h"

#define MAXFD 64

struct pend {
	int active;
	char op[16];
	long a, b;              /* len, flags for recv/send */
};

static struct netstack *ns;
static int nonblock[MAXFD];
static int isopen[MAXFD];
static struct pend pend[MAXFD];
static char iobuf[1 << 20];

static int flush_pkts(void)
{
	struct drive_pkt p;
	int n = 0;
	while (drive_net_take(ns, &p)) {
		n++;
		printf("pkt %llu ", (unsigned long long)p.t_ns);
		for (size_t i = 0; i < p.len; i++)
			printf("%02x", p.data[i]);
		printf("\n");
		free(p.data);
	}
	return n;
}

/* Tries a call once; returns 1 when it completed (ret/err set), 0 when it would block. */
static int try_call(int fd, const char *op, long a, long b, long *ret, int *err)
{
	long r;
	*err = 0;
	if (!strcmp(op, "connect")) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		if (stos_poll(&pfd, 1, 0) <= 0)
			return 0;
		int e = 0;
		socklen_t l = sizeof e;
		stos_getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l);
		*ret = e ? -1 : 0;
		*err = e;
		return 1;
	}
	if (!strcmp(op, "accept"))
		r = stos_accept(fd, NULL, NULL);
	else if (!strcmp(op, "recv"))
		r = stos_recv(fd, iobuf, (size_t)a < sizeof iobuf ? (size_t)a : sizeof iobuf, (int)b | MSG_DONTWAIT);
	else if (!strcmp(op, "send")) {
		memset(iobuf, 'x', (size_t)a < sizeof iobuf ? (size_t)a : sizeof iobuf);
		r = stos_send(fd, iobuf, (size_t)a < sizeof iobuf ? (size_t)a : sizeof iobuf, (int)b | MSG_DONTWAIT | MSG_NOSIGNAL);
	} else
		return 1;
	if (r < 0 && (errno == EAGAIN || errno == EINPROGRESS || errno == EALREADY))
		return 0;
	*ret = r;
	*err = r < 0 ? errno : 0;
	if (!strcmp(op, "accept") && r >= 0 && r < MAXFD) {
		isopen[r] = 1;
		nonblock[r] = 0;
		stos_set_nonblock((int)r, 1);
	}
	return 1;
}

static void poll_pending(void)
{
	for (int fd = 0; fd < MAXFD; fd++) {
		if (!pend[fd].active)
			continue;
		long ret;
		int err;
		if (try_call(fd, pend[fd].op, pend[fd].a, pend[fd].b, &ret, &err)) {
			pend[fd].active = 0;
			printf("done %d %ld %d %llu\n", fd, ret, err,
			    (unsigned long long)drive_net_now(ns));
		}
	}
}

static void cmd_advance(uint64_t t, int stop)
{
	uint64_t now = drive_net_now(ns);
	drive_net_step(ns, now);
	poll_pending();
	int any = flush_pkts();
	while (now < t && !(stop && any)) {
		uint64_t next = drive_net_next_timer(ns);
		if (next <= now)
			next = now + 1000000;   /* the wheel's tick: what is due fires by then */
		if (next > t)
			next = t;
		drive_net_step(ns, next);
		now = drive_net_now(ns);
		poll_pending();
		any = flush_pkts();
	}
	printf("ok %llu\n", (unsigned long long)drive_net_now(ns));
}

static int parse_addr(const char *ip, const char *port, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(port));
	return inet_pton(AF_INET, ip, &sin->sin_addr) == 1 ? 0 : -1;
}

static void reply(long ret, int err)
{
	printf("ok %ld %d\n", ret, ret < 0 ? err : 0);
}

static void cmd_sys(char **tok, int n)
{
	const char *op = tok[1];
	int fd = n > 2 ? atoi(tok[2]) : -1;
	long ret = 0;
	int err = 0;

	if (!strcmp(op, "socket") && n >= 5) {
		int s = stos_socket(ns, atoi(tok[2]), atoi(tok[3]), atoi(tok[4]));
		if (s >= 0 && s < MAXFD) {
			isopen[s] = 1;
			nonblock[s] = 0;
			stos_set_nonblock(s, 1);
		}
		reply(s, errno);
		return;
	}
	if (fd < 0 || fd >= MAXFD || !isopen[fd]) {
		printf("ok -1 %d\n", EBADF);
		return;
	}
	if (!strcmp(op, "fcntl") && n >= 5) {
		int cmd = atoi(tok[3]);
		long arg = atol(tok[4]);
		if (cmd == F_GETFL)
			reply(O_RDWR | (nonblock[fd] ? O_NONBLOCK : 0), 0);
		else if (cmd == F_SETFL) {
			nonblock[fd] = (arg & O_NONBLOCK) != 0;
			reply(0, 0);
		} else
			reply(-1, EINVAL);
		return;
	}
	if ((!strcmp(op, "bind") || !strcmp(op, "connect")) && n >= 5) {
		struct sockaddr_in sin;
		if (parse_addr(tok[3], tok[4], &sin)) {
			reply(-1, EINVAL);
			return;
		}
		if (!strcmp(op, "bind")) {
			ret = stos_bind(fd, (struct sockaddr *)&sin, sizeof sin);
			reply(ret, errno);
			return;
		}
		ret = stos_connect(fd, (struct sockaddr *)&sin, sizeof sin);
		err = errno;
		if (ret < 0 && err == EINPROGRESS && !nonblock[fd]) {
			flush_pkts();
			pend[fd] = (struct pend){ .active = 1 };
			strcpy(pend[fd].op, "connect");
			printf("ok pending\n");
			return;
		}
		flush_pkts();
		reply(ret, err);
		return;
	}
	if (!strcmp(op, "listen") && n >= 4) {
		ret = stos_listen(fd, atoi(tok[3]));
		reply(ret, errno);
		return;
	}
	if (!strcmp(op, "close")) {
		pend[fd].active = 0;
		ret = stos_close(fd);
		err = errno;
		isopen[fd] = 0;
		flush_pkts();
		reply(ret, err);
		return;
	}
	if (!strcmp(op, "shutdown") && n >= 4) {
		ret = stos_shutdown(fd, atoi(tok[3]));
		err = errno;
		flush_pkts();
		reply(ret, err);
		return;
	}
	if ((!strcmp(op, "accept") || !strcmp(op, "recv") || !strcmp(op, "send"))) {
		long a = n > 3 ? atol(tok[3]) : 0, b = n > 4 ? atol(tok[4]) : 0;
		if (try_call(fd, op, a, b, &ret, &err)) {
			flush_pkts();
			reply(ret, err);
			return;
		}
		if (nonblock[fd]) {
			flush_pkts();
			reply(-1, EAGAIN);
			return;
		}
		pend[fd] = (struct pend){ .active = 1, .a = a, .b = b };
		snprintf(pend[fd].op, sizeof pend[fd].op, "%s", op);
		flush_pkts();
		printf("ok pending\n");
		return;
	}
	if (!strcmp(op, "setsockopt") && n >= 6) {
		int v = atoi(tok[5]);
		int name = atoi(tok[4]);
		if (name < 0) {
			reply(-1, ENOPROTOOPT);
			return;
		}
		ret = stos_setsockopt(fd, atoi(tok[3]), name, &v, sizeof v);
		err = errno;
		flush_pkts();
		reply(ret, err);
		return;
	}
	if (!strcmp(op, "md5key") && n >= 5) {
		/* Linux's struct tcp_md5sig, as an application builds it. */
		struct tcp_md5sig k;
		memset(&k, 0, sizeof k);
		struct sockaddr_in *sin = (struct sockaddr_in *)&k.tcpm_addr;
		sin->sin_family = AF_INET;
		const char *hex = tok[4];
		size_t hl = strcmp(hex, "-") ? strlen(hex) : 0;
		if (inet_pton(AF_INET, tok[3], &sin->sin_addr) != 1 || hl % 2 ||
		    hl / 2 > sizeof k.tcpm_key) {
			printf("err bad md5key\n");
			return;
		}
		for (size_t i = 0; i < hl / 2; i++) {
			unsigned b;
			if (sscanf(hex + 2 * i, "%2x", &b) != 1) {
				printf("err bad md5key\n");
				return;
			}
			k.tcpm_key[i] = (uint8_t)b;
		}
		k.tcpm_keylen = (uint16_t)(hl / 2);
		ret = stos_setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &k, sizeof k);
		err = errno;
		flush_pkts();
		reply(ret, err);
		return;
	}
	if (!strcmp(op, "getsockopt") && n >= 5) {
		int name = atoi(tok[4]);
		int v = 0;
		socklen_t l = sizeof v;
		if (name < 0) {
			reply(-1, ENOPROTOOPT);
			return;
		}
		ret = stos_getsockopt(fd, atoi(tok[3]), name, &v, &l);
		err = errno;
		printf("ok %ld %d %d\n", ret, ret < 0 ? err : 0, v);
		return;
	}
	printf("err unknown call %s\n", op);
}

int main(int argc, char **argv)
{
	unsigned mtu = 1500;
	const char *local = "192.168.0.1", *remote = "192.0.2.1";
	char *line = NULL;
	size_t cap = 0;
	int leak = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--mtu"))
			mtu = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--local"))
			local = argv[i + 1];
		else if (!strcmp(argv[i], "--remote"))
			remote = argv[i + 1];
		else {
			fprintf(stderr, "stosdrive: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	struct in_addr la, ra;
	if (inet_pton(AF_INET, local, &la) != 1 || inet_pton(AF_INET, remote, &ra) != 1) {
		fprintf(stderr, "stosdrive: bad address\n");
		return 2;
	}
	drive_net_leakcheck_begin();
	ns = drive_net_create(ntohl(la.s_addr), ntohl(ra.s_addr), mtu);
	if (!ns) {
		fprintf(stderr, "stosdrive: cannot create the stack\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	while (getline(&line, &cap, stdin) > 0) {
		char *tok[16];
		int n = 0;
		for (char *s = strtok(line, " \t\r\n"); s && n < 16; s = strtok(NULL, " \t\r\n"))
			tok[n++] = s;
		if (n == 0)
			continue;
		if (!strcmp(tok[0], "quit"))
			break;
		if (!strcmp(tok[0], "advance") && n >= 3) {
			cmd_advance(strtoull(tok[1], NULL, 10), atoi(tok[2]));
		} else if (!strcmp(tok[0], "inject") && n >= 2) {
			size_t hl = strlen(tok[1]) / 2;
			uint8_t *b = malloc(hl ? hl : 1);
			for (size_t i = 0; i < hl; i++)
				sscanf(tok[1] + 2 * i, "%2hhx", &b[i]);
			drive_net_inject(ns, b, hl);
			free(b);
			poll_pending();
			flush_pkts();
			printf("ok\n");
		} else if (!strcmp(tok[0], "sys") && n >= 2) {
			cmd_sys(tok, n);
		} else if (!strcmp(tok[0], "sysctl") && n >= 3) {
			int rc = drive_net_sysctl(ns, tok[1], atoll(tok[2]));
			printf(rc > 0 ? "ok\n" : rc == 0 ? "ok ignored\n" : "ok unsupported\n");
		} else if (!strcmp(tok[0], "count") && n >= 3) {
			int st = atoi(tok[1]);
			unsigned c = drive_net_count(ns, st, (unsigned)atoi(tok[2]));
			if (st == 7) {          /* CLOSED: sockets still open whose connection is gone */
				for (int fd = 0; fd < MAXFD; fd++)
					if (isopen[fd] && drive_net_sock_state(stos_sock(fd)) == 7)
						c++;
			}
			printf("ok %u\n", c);
		} else if (!strcmp(tok[0], "drop") && n >= 2) {
			unsigned c = drive_net_drop(ns, atoi(tok[1]));
			flush_pkts();
			printf("ok %u\n", c);
		} else if (!strcmp(tok[0], "tcpinfo") && n >= 2) {
			int fd = atoi(tok[1]);
			void *so = fd >= 0 && fd < MAXFD && isopen[fd] ? (void *)stos_sock(fd) : NULL;
			printf("ok %d %d %d\n", drive_net_sock_state(so), drive_net_sock_options(so),
			    drive_net_sock_cwnd(so));
		} else {
			printf("err bad command %s\n", tok[0]);
		}
		fflush(stdout);
	}
	free(line);
	for (int fd = 0; fd < MAXFD; fd++)
		if (isopen[fd])
			stos_close(fd);
	drive_net_destroy(ns);
	if (drive_net_leakcheck_end() != 0) {
		fprintf(stderr, "stosdrive: mbufs or memory not returned\n");
		leak = 1;
	}
	return leak;
}
