/* traceroute [-n] [-m max_ttl] [-q queries] [-w secs] host: UDP probes to ports 33434 and
 * up with growing TTL (RFC 1393 describes the classic method); ICMP Time Exceeded names
 * each hop, ICMP Port Unreachable means the destination answered.  Addresses are printed
 * numerically (-n is accepted for compatibility). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BASE_PORT      33434
#define ICMP_UNREACH   3
#define ICMP_PORTUNR   3
#define ICMP_TIMXCEED  11

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Wait for the ICMP error that quotes our probe (source port sport, destination port
 * dport).  Returns the ICMP type (setting *code and *from) or -1 on timeout. */
static int await(int icmp, uint16_t sport, uint16_t dport, double deadline, int *code,
		 struct in_addr *from)
{
	unsigned char buf[1500];
	for (;;) {
		double left = deadline - now_ms();
		struct pollfd p = {icmp, POLLIN, 0};
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);
		ssize_t n;
		size_t ihl, qihl;
		const unsigned char *ic, *qip, *udp;
		if (left <= 0 || poll(&p, 1, (int)left + 1) <= 0)
			return -1;
		n = recvfrom(icmp, buf, sizeof(buf), 0, (struct sockaddr *)&sa, &sl);
		if (n < 20)
			continue;
		ihl = (size_t)(buf[0] & 0x0f) * 4;
		if (ihl < 20 || (size_t)n < ihl + 8 + 20 + 8)
			continue;
		ic = buf + ihl;
		if (ic[0] != ICMP_TIMXCEED && ic[0] != ICMP_UNREACH)
			continue;
		qip = ic + 8;          /* RFC 792: the original IP header plus 64 bits of data */
		qihl = (size_t)(qip[0] & 0x0f) * 4;
		if (qihl < 20 || (size_t)n < ihl + 8 + qihl + 8 || qip[9] != IPPROTO_UDP)
			continue;
		udp = qip + qihl;
		if ((udp[0] << 8 | udp[1]) != sport || (udp[2] << 8 | udp[3]) != dport)
			continue;
		*code = ic[1];
		*from = sa.sin_addr;
		return ic[0];
	}
}

int main(int argc, char **argv)
{
	int max_ttl = 30, queries = 3, c, icmp, udp, done = 0;
	double wait_ms = 3000;
	struct addrinfo hints, *res;
	struct sockaddr_in dst, local;
	socklen_t ll = sizeof(local);
	char a[INET_ADDRSTRLEN];
	uint16_t sport, seq = 0;

	while ((c = getopt(argc, argv, "nm:q:w:")) != -1) {
		switch (c) {
		case 'n': break;
		case 'm': max_ttl = atoi(optarg); break;
		case 'q': queries = atoi(optarg); break;
		case 'w': wait_ms = atof(optarg) * 1000; break;
		default:
			fprintf(stderr, "usage: traceroute [-n] [-m max_ttl] [-q queries] [-w secs] host\n");
			return 2;
		}
	}
	if (optind != argc - 1 || max_ttl < 1 || max_ttl > 255 || queries < 1 || queries > 10) {
		fprintf(stderr, "usage: traceroute [-n] [-m max_ttl] [-q queries] [-w secs] host\n");
		return 2;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_DGRAM;
	if ((c = getaddrinfo(argv[optind], NULL, &hints, &res)) != 0) {
		fprintf(stderr, "traceroute: %s: %s\n", argv[optind], gai_strerror(c));
		return 2;
	}
	memcpy(&dst, res->ai_addr, sizeof(dst));
	freeaddrinfo(res);
	icmp = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	if (icmp < 0 || udp < 0) {
		perror("traceroute: socket");
		return 2;
	}
	memset(&local, 0, sizeof(local));
	local.sin_family = AF_INET;
	if (bind(udp, (struct sockaddr *)&local, sizeof(local)) < 0 ||
	    getsockname(udp, (struct sockaddr *)&local, &ll) < 0) {
		perror("traceroute: bind");
		return 2;
	}
	sport = ntohs(local.sin_port);
	printf("traceroute to %s (%s), %d hops max, 60 byte packets\n", argv[optind],
	       inet_ntop(AF_INET, &dst.sin_addr, a, sizeof(a)), max_ttl);
	fflush(stdout);
	for (int ttl = 1; ttl <= max_ttl && !done; ttl++) {
		struct in_addr last = {0};
		int shown = 0;
		printf("%2d ", ttl);
		setsockopt(udp, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
		for (int q = 0; q < queries; q++) {
			static const char payload[32] = "stos traceroute probe";
			uint16_t dport = (uint16_t)(BASE_PORT + seq++);
			struct sockaddr_in to = dst;
			struct in_addr from;
			double t0;
			int type, code = 0;
			to.sin_port = htons(dport);
			t0 = now_ms();
			if (sendto(udp, payload, sizeof(payload), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
				/* No route at all: no later hop can do better. */
				printf("  !(%s)\n", strerror(errno));
				return 1;
			}
			type = await(icmp, sport, dport, t0 + wait_ms, &code, &from);
			if (type < 0) {
				printf("  *");
				fflush(stdout);
				continue;
			}
			if (!shown || from.s_addr != last.s_addr)
				printf(" %s", inet_ntop(AF_INET, &from, a, sizeof(a)));
			shown = 1;
			last = from;
			printf("  %.3f ms", now_ms() - t0);
			if (type == ICMP_UNREACH) {
				if (code != ICMP_PORTUNR)
					printf(code == 0 ? " !N" : code == 1 ? " !H" : code == 2 ? " !P" : " !X");
				done = 1;
			}
			fflush(stdout);
		}
		printf("\n");
	}
	return done ? 0 : 1;
}
