/* nc: netcat over TCP or UDP.
 *   nc [-u] [-w secs] [-S key] host port   connect, then copy stdin to the peer and the peer
 *                                    to stdout; -S signs the TCP connection with that
 *                                    TCP-MD5 key (RFC 2385, TCP_MD5SIG) for the host
 *   nc -l [-u] [-w secs] [-p] port   listen (all addresses), serve one peer the same way
 * When stdin ends, TCP sends FIN (shutdown) and nc keeps printing until the peer closes;
 * UDP stops.  -w: give up connecting, or quit after that long without traffic. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/tcp.h>
#include <unistd.h>

static int udp, listen_mode, timeout_ms = -1;
static const char *md5key;

static void usage(void)
{
	fprintf(stderr, "usage: nc [-u] [-w secs] [-S key] host port | nc -l [-u] [-w secs] [-p] "
	    "port\n");
	exit(2);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copy stdin -> sock and sock -> stdout until the peer is done. */
static int relay(int sock)
{
	char buf[16384];
	struct pollfd p[2] = {{0, POLLIN, 0}, {sock, POLLIN, 0}};
	int stdin_open = 1;
	for (;;) {
		int r = poll(stdin_open ? p : p + 1, stdin_open ? 2 : 1, timeout_ms);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror("nc: poll");
			return 1;
		}
		if (r == 0)
			return 0;   /* idle for -w seconds */
		if (stdin_open && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t n = read(0, buf, sizeof(buf));
			if (n <= 0) {
				stdin_open = 0;
				if (udp)
					return 0;
				shutdown(sock, SHUT_WR);
			} else if (write_all(sock, buf, (size_t)n) < 0) {
				perror("nc: send");
				return 1;
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(sock, buf, sizeof(buf));
			if (n < 0) {
				if (errno == ECONNREFUSED && udp)
					continue;   /* ICMP port unreachable from an earlier datagram */
				perror("nc: recv");
				return 1;
			}
			if (n == 0)
				return 0;
			if (write_all(1, buf, (size_t)n) < 0)
				return 1;
		}
	}
}

static int do_connect(const char *host, const char *port)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, err;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = udp ? SOCK_DGRAM : SOCK_STREAM;
	err = getaddrinfo(host, port, &hints, &res);
	if (err) {
		fprintf(stderr, "nc: %s: %s\n", host, gai_strerror(err));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (md5key) {
			struct tcp_md5sig k;
			memset(&k, 0, sizeof(k));
			memcpy(&k.tcpm_addr, ai->ai_addr, ai->ai_addrlen);
			k.tcpm_keylen = (uint16_t)strlen(md5key);
			memcpy(k.tcpm_key, md5key, k.tcpm_keylen);
			if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &k, sizeof(k)) < 0) {
				perror("nc: TCP_MD5SIG");
				close(fd);
				fd = -1;
				break;
			}
		}
		if (timeout_ms >= 0 && !udp) {
			/* Bounded connect: non-blocking, wait for writability, read SO_ERROR. */
			struct pollfd p = {fd, POLLOUT, 0};
			int e = 0;
			socklen_t el = sizeof(e);
			int fl = fcntl(fd, F_GETFL);
			fcntl(fd, F_SETFL, fl | O_NONBLOCK);
			if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
			    (errno == EINPROGRESS && poll(&p, 1, timeout_ms) == 1 &&
			     getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && (errno = e) == 0)) {
				fcntl(fd, F_SETFL, fl);
				break;
			}
			if (errno == EINPROGRESS)
				errno = ETIMEDOUT;
		} else if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		fprintf(stderr, "nc: connect to %s port %s: %s\n", host, port, strerror(errno));
	return fd;
}

static int do_listen(const char *port)
{
	struct sockaddr_in sa, peer;
	socklen_t pl = sizeof(peer);
	int fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0), one = 1, c;
	if (fd < 0) {
		perror("nc: socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(port));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("nc: bind");
		return -1;
	}
	if (udp) {
		/* Serve whoever sends the first datagram. */
		char buf[65536];
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &pl);
		if (n < 0 || connect(fd, (struct sockaddr *)&peer, pl) < 0) {
			perror("nc: recvfrom");
			return -1;
		}
		write_all(1, buf, (size_t)n);
		return fd;
	}
	if (listen(fd, 1) < 0) {
		perror("nc: listen");
		return -1;
	}
	c = accept(fd, (struct sockaddr *)&peer, &pl);
	close(fd);
	if (c < 0)
		perror("nc: accept");
	return c;
}

int main(int argc, char **argv)
{
	const char *port = NULL;
	int c, fd;
	while ((c = getopt(argc, argv, "luw:p:S:")) != -1) {
		switch (c) {
		case 'l': listen_mode = 1; break;
		case 'u': udp = 1; break;
		case 'w': timeout_ms = atoi(optarg) * 1000; break;
		case 'p': port = optarg; break;
		case 'S': md5key = optarg; break;
		default: usage();
		}
	}
	if (md5key && (udp || listen_mode || !*md5key || strlen(md5key) > TCP_MD5SIG_MAXKEYLEN)) {
		fprintf(stderr, "nc: -S takes a key of 1 to %d bytes, for a TCP connection nc opens\n",
		    TCP_MD5SIG_MAXKEYLEN);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (listen_mode) {
		if (!port && optind < argc)
			port = argv[optind++];
		if (!port || optind != argc)
			usage();
		fd = do_listen(port);
	} else {
		if (optind + 2 != argc)
			usage();
		fd = do_connect(argv[optind], argv[optind + 1]);
	}
	if (fd < 0)
		return 1;
	c = relay(fd);
	close(fd);
	return c;
}
