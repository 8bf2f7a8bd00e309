/* ping [-c count] [-s size] [-i interval] [-t ttl] [-W timeout] host: ICMP echo (RFC 792)
 * over a raw socket, reporting like iputils: one line per reply, then loss and
 * rtt min/avg/max/mdev. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ICMP_ECHOREPLY  0
#define ICMP_UNREACH    3
#define ICMP_ECHO       8
#define ICMP_TIMXCEED   11
#define ICMP_HDR        8
#define MAX_PAYLOAD     65507

static volatile sig_atomic_t interrupted;
static void on_int(int sig) { (void)sig; interrupted = 1; }

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* RFC 1071 Internet checksum. */
static uint16_t cksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	for (; len > 1; len -= 2, p += 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)(p[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static double dsqrt(double x)
{
	double r = x > 1 ? x : 1;
	if (x <= 0)
		return 0;
	for (int i = 0; i < 60; i++)
		r = (r + x / r) / 2;
	return r;
}

int main(int argc, char **argv)
{
	long count = -1, size = 56, sent = 0, received = 0, errors = 0;
	double interval = 1.0, wait_s = 10, start, tmin = 1e18, tmax = 0, tsum = 0, tsum2 = 0;
	int ttl = 0, c, fd;
	uint16_t ident = (uint16_t)getpid();
	struct addrinfo hints, *res;
	struct sockaddr_in dst;
	char addr[INET_ADDRSTRLEN];
	static unsigned char pkt[ICMP_HDR + MAX_PAYLOAD], in[65536];

	while ((c = getopt(argc, argv, "c:s:i:t:W:")) != -1) {
		switch (c) {
		case 'c': count = atol(optarg); break;
		case 's': size = atol(optarg); break;
		case 'i': interval = atof(optarg); break;
		case 't': ttl = atoi(optarg); break;
		case 'W': wait_s = atof(optarg); break;
		default:
			fprintf(stderr, "usage: ping [-c count] [-s size] [-i interval] [-t ttl] [-W timeout] host\n");
			return 2;
		}
	}
	if (optind != argc - 1 || size < 0 || size > MAX_PAYLOAD || interval < 0.001 || count == 0) {
		fprintf(stderr, "usage: ping [-c count] [-s size] [-i interval] [-t ttl] [-W timeout] host\n");
		return 2;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_RAW;
	if ((c = getaddrinfo(argv[optind], NULL, &hints, &res)) != 0) {
		fprintf(stderr, "ping: %s: %s\n", argv[optind], gai_strerror(c));
		return 2;
	}
	memcpy(&dst, res->ai_addr, sizeof(dst));
	freeaddrinfo(res);
	inet_ntop(AF_INET, &dst.sin_addr, addr, sizeof(addr));
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (fd < 0) {
		perror("ping: socket");
		return 2;
	}
	if (ttl > 0 && setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) < 0)
		perror("ping: IP_TTL");
	signal(SIGINT, on_int);
	printf("PING %s (%s) %ld(%ld) bytes of data.\n", argv[optind], addr, size, size + 28);
	fflush(stdout);
	start = now_ms();

	while (!interrupted && (count < 0 || sent < count)) {
		double t_send = now_ms(), deadline;
		uint16_t seq = (uint16_t)(sent + 1);
		memset(pkt, 0, ICMP_HDR + (size_t)size);
		pkt[0] = ICMP_ECHO;
		pkt[4] = (uint8_t)(ident >> 8);
		pkt[5] = (uint8_t)ident;
		pkt[6] = (uint8_t)(seq >> 8);
		pkt[7] = (uint8_t)seq;
		if (size >= (long)sizeof(double))
			memcpy(pkt + ICMP_HDR, &t_send, sizeof(double));
		for (long i = sizeof(double); i < size; i++)
			pkt[ICMP_HDR + i] = (uint8_t)i;
		{
			uint16_t ck = cksum(pkt, ICMP_HDR + (size_t)size);
			memcpy(pkt + 2, &ck, 2);
		}
		int send_failed = 0;
		if (sendto(fd, pkt, ICMP_HDR + (size_t)size, 0, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
			printf("ping: sendto: %s\n", strerror(errno));
			errors++;
			send_failed = 1;
		}
		sent++;
		/* Wait for replies until the next send is due (or -W after the last one, unless
		 * nothing could be sent at all). */
		deadline = t_send + ((count >= 0 && sent >= count) ?
					     (send_failed && received == 0 && sent == errors ? 0 : wait_s * 1000) :
					     interval * 1000);
		while (!interrupted) {
			struct pollfd p = {fd, POLLIN, 0};
			double left = deadline - now_ms();
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			ssize_t n;
			size_t ihl;
			const unsigned char *icmp;
			if (left <= 0 || poll(&p, 1, (int)left + 1) <= 0)
				break;
			n = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&from, &fl);
			if (n < 20)
				continue;
			ihl = (size_t)(in[0] & 0x0f) * 4;   /* raw IPv4 sockets deliver the IP header */
			if (ihl < 20 || (size_t)n < ihl + ICMP_HDR)
				continue;
			icmp = in + ihl;
			if (icmp[0] == ICMP_ECHOREPLY && (icmp[4] << 8 | icmp[5]) == ident) {
				double rtt = now_ms() - t_send;
				int rseq = icmp[6] << 8 | icmp[7];
				if ((size_t)n >= ihl + ICMP_HDR + sizeof(double)) {
					double ts;
					memcpy(&ts, icmp + ICMP_HDR, sizeof(ts));
					if (ts > 0 && ts <= now_ms())
						rtt = now_ms() - ts;
				}
				received++;
				tsum += rtt;
				tsum2 += rtt * rtt;
				if (rtt < tmin)
					tmin = rtt;
				if (rtt > tmax)
					tmax = rtt;
				inet_ntop(AF_INET, &from.sin_addr, addr, sizeof(addr));
				printf("%ld bytes from %s: icmp_seq=%d ttl=%d time=%.3f ms\n", (long)((size_t)n - ihl),
				       addr, rseq, in[8], rtt);
				fflush(stdout);
				if (rseq == seq && count >= 0 && sent >= count)
					break;
			} else if ((icmp[0] == ICMP_UNREACH || icmp[0] == ICMP_TIMXCEED) &&
				   (size_t)n >= ihl + ICMP_HDR + 20 + ICMP_HDR) {
				/* The error quotes our IP header and the first 8 bytes of our echo. */
				const unsigned char *qip = icmp + ICMP_HDR;
				const unsigned char *q = qip + (qip[0] & 0x0f) * 4;
				if ((size_t)(q + ICMP_HDR - in) > (size_t)n || q[0] != ICMP_ECHO ||
				    (q[4] << 8 | q[5]) != ident)
					continue;
				errors++;
				inet_ntop(AF_INET, &from.sin_addr, addr, sizeof(addr));
				printf("From %s icmp_seq=%d %s\n", addr, q[6] << 8 | q[7],
				       icmp[0] == ICMP_TIMXCEED ? "Time to live exceeded" : "Destination Unreachable");
				fflush(stdout);
			}
		}
		if (count < 0 || sent < count)
			while (!interrupted && now_ms() < t_send + interval * 1000) {
				struct timespec ts = {0, 1000000};
				nanosleep(&ts, NULL);
			}
	}
	inet_ntop(AF_INET, &dst.sin_addr, addr, sizeof(addr));
	printf("\n--- %s ping statistics ---\n", argv[optind]);
	printf("%ld packets transmitted, %ld received, ", sent, received);
	if (errors)
		printf("+%ld errors, ", errors);
	printf("%ld%% packet loss, time %.0fms\n", sent ? (sent - received) * 100 / sent : 0, now_ms() - start);
	if (received) {
		double avg = tsum / (double)received;
		printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", tmin, avg, tmax,
		       dsqrt(tsum2 / (double)received - avg * avg));
	}
	return received ? 0 : 1;
}
