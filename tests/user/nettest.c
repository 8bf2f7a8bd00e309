/* Socket API checks over loopback: a forked TCP echo server and its client, UDP datagrams,
 * scatter/gather messages, poll/select readiness, non-blocking connect, error paths, and
 * the DNS stub resolver against a tiny forked DNS server.  Runs on Linux now and on STOS
 * once its network stack is in (only 127.0.0.0/8 is used). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tap.h"

static struct sockaddr_in loopback(uint16_t port)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sa;
}

static int listener(uint16_t *port)
{
	struct sockaddr_in sa = loopback(0);
	socklen_t len = sizeof(sa);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* The echo server: serves `conns` connections one after the other, echoing until EOF. */
static void echo_server(int lfd, int conns)
{
	char buf[4096];
	for (int i = 0; i < conns; i++) {
		int c = accept(lfd, NULL, NULL);
		ssize_t n;
		if (c < 0)
			_exit(2);
		while ((n = recv(c, buf, sizeof(buf), 0)) > 0)
			if (send(c, buf, (size_t)n, 0) != n)
				break;
		close(c);
	}
	_exit(0);
}

static int recv_all(int fd, char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = recv(fd, buf + got, n - got, 0);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static void test_tcp(void)
{
	uint16_t port;
	int lfd = listener(&port), fd, ok, v;
	pid_t srv;
	struct sockaddr_in sa, peer;
	socklen_t len;
	char big[100000], back[100000];

	CHECK(lfd >= 0, "socket/bind/listen on 127.0.0.1, port from getsockname");
	if (lfd < 0)
		return;
	srv = fork();
	if (srv == 0)
		echo_server(lfd, 2);
	close(lfd);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa = loopback(port);
	CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect to the echo server");
	len = sizeof(peer);
	CHECK(getpeername(fd, (struct sockaddr *)&peer, &len) == 0 && peer.sin_port == htons(port) &&
		      len == sizeof(peer),
	      "getpeername");
	CHECK(send(fd, "hello", 5, 0) == 5 && recv_all(fd, back, 5) == 0 && memcmp(back, "hello", 5) == 0,
	      "send/recv echo");
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 31 + 7);
	{
		/* Interleave sending and receiving so neither side's buffer fills. */
		size_t sent = 0, got = 0;
		ok = 1;
		while (got < sizeof(big) && ok) {
			struct pollfd p = {fd, POLLIN | (sent < sizeof(big) ? POLLOUT : 0), 0};
			if (poll(&p, 1, 5000) <= 0)
				ok = 0;
			if (ok && (p.revents & POLLOUT) && sent < sizeof(big)) {
				size_t chunk = sizeof(big) - sent > 8192 ? 8192 : sizeof(big) - sent;
				ssize_t w = send(fd, big + sent, chunk, 0);
				if (w > 0)
					sent += (size_t)w;
			}
			if (ok && (p.revents & POLLIN)) {
				ssize_t r = recv(fd, back + got, sizeof(back) - got, 0);
				if (r <= 0)
					ok = 0;
				else
					got += (size_t)r;
			}
		}
		CHECK(ok && memcmp(big, back, sizeof(big)) == 0, "100000 bytes echoed intact (poll-driven)");
	}
	{
		struct iovec iov[3] = {{"ab", 2}, {"cde", 3}, {"f", 1}};
		struct msghdr m;
		char r1[2], r2[4];
		struct iovec riov[2] = {{r1, 2}, {r2, 4}};
		memset(&m, 0, sizeof(m));
		m.msg_iov = iov;
		m.msg_iovlen = 3;
		ok = sendmsg(fd, &m, 0) == 6;
		memset(&m, 0, sizeof(m));
		m.msg_iov = riov;
		m.msg_iovlen = 2;
		/* TCP may deliver the six bytes in pieces; wait until all are there. */
		{
			struct pollfd p = {fd, POLLIN, 0};
			int avail = 0;
			for (int i = 0; i < 100 && avail < 6; i++) {
				poll(&p, 1, 50);
				avail = (int)recv(fd, back, sizeof(back), MSG_PEEK | MSG_DONTWAIT);
			}
		}
		ok = ok && recvmsg(fd, &m, 0) == 6 && memcmp(r1, "ab", 2) == 0 && memcmp(r2, "cdef", 4) == 0;
		CHECK(ok, "sendmsg/recvmsg scatter-gather");
	}
	v = 1;
	len = sizeof(v);
	CHECK(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)) == 0 &&
		      getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v != 0,
	      "TCP_NODELAY set and read back");
	len = sizeof(v);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM, "SO_TYPE");
	CHECK(shutdown(fd, SHUT_WR) == 0 && recv(fd, back, sizeof(back), 0) == 0,
	      "shutdown(SHUT_WR) -> server closes -> recv returns 0");
	close(fd);

	/* Second connection through non-blocking connect and select. */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	{
		int r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
		fd_set w;
		struct timeval tv = {5, 0};
		int err = -1;
		len = sizeof(err);
		FD_ZERO(&w);
		FD_SET(fd, &w);
		ok = (r == 0 || errno == EINPROGRESS) && select(fd + 1, NULL, &w, NULL, &tv) == 1 &&
		     FD_ISSET(fd, &w) && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
		CHECK(ok, "non-blocking connect completes; select says writable; SO_ERROR 0");
		CHECK(recv(fd, back, 1, 0) < 0 && errno == EAGAIN, "recv on empty non-blocking socket -> EAGAIN");
		CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0, "SOCK_NONBLOCK shows in F_GETFL");
	}
	close(fd);
	{
		int status = -1;
		CHECK(waitpid(srv, &status, 0) == srv && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "echo server served both connections and exited 0");
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == ECONNREFUSED,
	      "connect to a closed port -> ECONNREFUSED");
	close(fd);
}

static void test_accept4(void)
{
	uint16_t port;
	int lfd = listener(&port), c, a;
	struct sockaddr_in sa = loopback(port), from;
	socklen_t len = sizeof(from);
	if (lfd < 0) {
		CHECK(0, "accept4 listener");
		return;
	}
	c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&sa, sizeof(sa));
	a = accept4(lfd, (struct sockaddr *)&from, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
	CHECK(a >= 0 && (fcntl(a, F_GETFD) & FD_CLOEXEC) && (fcntl(a, F_GETFL) & O_NONBLOCK) &&
		      from.sin_family == AF_INET && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	      "accept4 with SOCK_CLOEXEC|SOCK_NONBLOCK fills the peer address");
	close(a);
	close(c);
	close(lfd);
}

static void test_udp(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0), c = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = loopback(0), from;
	socklen_t len = sizeof(sa);
	char buf[64];
	ssize_t n;

	CHECK(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		      getsockname(s, (struct sockaddr *)&sa, &len) == 0 && sa.sin_port != 0,
	      "UDP bind to an ephemeral port");
	CHECK(sendto(c, "dgram", 5, 0, (struct sockaddr *)&sa, sizeof(sa)) == 5, "UDP sendto");
	len = sizeof(from);
	n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
	CHECK(n == 5 && memcmp(buf, "dgram", 5) == 0 && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	      "UDP recvfrom with source address");
	CHECK(sendto(s, "reply", 5, 0, (struct sockaddr *)&from, len) == 5 &&
		      recv(c, buf, sizeof(buf), 0) == 5 && memcmp(buf, "reply", 5) == 0,
	      "UDP reply to the source address");
	/* A datagram bigger than the buffer is truncated; MSG_TRUNC reports the real size. */
	sendto(c, "0123456789", 10, 0, (struct sockaddr *)&sa, sizeof(sa));
	n = recv(s, buf, 4, MSG_TRUNC);
	CHECK(n == 10 && memcmp(buf, "0123", 4) == 0, "UDP truncation with MSG_TRUNC");
	close(s);
	close(c);
}

static void test_errors(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = loopback(1);
	int p[2];
	CHECK(socket(AF_INET, 99, 0) < 0 && (errno == EINVAL || errno == ESOCKTNOSUPPORT),
	      "socket with a bad type fails");
	CHECK(socket(12345, SOCK_STREAM, 0) < 0 && errno == EAFNOSUPPORT, "socket with a bad family fails");
	CHECK(send(fd, "x", 1, MSG_NOSIGNAL) < 0 && (errno == ENOTCONN || errno == EPIPE),
	      "send on unconnected TCP socket fails");
	CHECK(bind(fd, (struct sockaddr *)&sa, 3) < 0 && errno == EINVAL, "bind with short length -> EINVAL");
	pipe(p);
	CHECK(connect(p[0], (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == ENOTSOCK,
	      "connect on a pipe -> ENOTSOCK");
	CHECK(listen(999, 1) < 0 && errno == EBADF, "listen on a closed fd -> EBADF");
	close(p[0]);
	close(p[1]);
	close(fd);
}

/* A one-shot DNS server on 127.0.0.2:53 answering with two A records, the second name a
 * compression pointer (RFC 1035 4.1.4) back to the question. */
static void test_dns(const char *dir)
{
	struct sockaddr_in sa = loopback(53);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	char path[256];
	FILE *f;
	pid_t pid;
	struct addrinfo hints = {0}, *res = NULL, *ai;
	int r, n = 0, found1 = 0, found2 = 0;

	sa.sin_addr.s_addr = htonl(0x7f000002);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("ok %d - DNS resolver # SKIP cannot bind 127.0.0.2:53 (%s)\n", ++tap_n,
		       strerror(errno));
		if (s >= 0)
			close(s);
		return;
	}
	pid = fork();
	if (pid == 0) {
		unsigned char q[512], a[600];
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t k = recvfrom(s, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		size_t n2;
		if (k < 17)
			_exit(1);
		memcpy(a, q, (size_t)k);
		a[2] = 0x81;
		a[3] = 0x80;             /* response, RD, RA, NOERROR */
		a[7] = 2;                /* ANCOUNT */
		n2 = (size_t)k;
		for (int i = 0; i < 2; i++) {
			static const unsigned char rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
			memcpy(a + n2, rr, sizeof(rr));
			n2 += sizeof(rr);
			a[n2++] = 192;
			a[n2++] = 0;
			a[n2++] = 2;
			a[n2++] = (unsigned char)(10 + i);
		}
		sendto(s, a, n2, 0, (struct sockaddr *)&from, fl);
		_exit(0);
	}
	close(s);
	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	f = fopen(path, "w");
	if (f) {
		fputs("# test\nsearch example\nnameserver 127.0.0.2\n", f);
		fclose(f);
	}
	setenv("RESOLV_CONF", path, 1);
	setenv("HOSTS_FILE", "/nonexistent", 1);
	hints.ai_socktype = SOCK_STREAM;
	r = getaddrinfo("www.stos.test", "80", &hints, &res);
	for (ai = r == 0 ? res : NULL; ai; ai = ai->ai_next) {
		uint32_t ad = ntohl(((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr.s_addr);
		n++;
		found1 |= ad == 0xc000020a;
		found2 |= ad == 0xc000020b;
	}
	CHECK(r == 0 && n == 2 && found1 && found2, "DNS A lookup through /etc/resolv.conf nameserver");
	if (r == 0)
		freeaddrinfo(res);
	waitpid(pid, NULL, 0);
	unsetenv("RESOLV_CONF");
	unsetenv("HOSTS_FILE");
}

static void test_socketpair(void)
{
	int sv[2];
	char b[4];
	/* AF_UNIX is optional in STOS (issue 4); when present it must behave. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		printf("ok %d - socketpair # SKIP %s\n", ++tap_n, strerror(errno));
		return;
	}
	CHECK(write(sv[0], "pq", 2) == 2 && read(sv[1], b, 2) == 2 && memcmp(b, "pq", 2) == 0,
	      "socketpair carries data");
	close(sv[0]);
	close(sv[1]);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	signal(SIGPIPE, SIG_IGN);
	test_tcp();
	test_accept4();
	test_udp();
	test_errors();
	test_socketpair();
	test_dns(dir);
	return tap_done();
}
