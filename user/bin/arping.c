/* arping [-c count] [-w seconds] [-I iface] address: ARP requests (RFC 826) for an IPv4
 * address, sent and received on an AF_PACKET SOCK_DGRAM socket (the kernel builds the
 * Ethernet header from the sockaddr_ll), reporting like iputils arping.  Exit status 0 when
 * at least one reply came, 1 otherwise. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;
static void on_int(int sig) { (void)sig; interrupted = 1; }

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void usage(void)
{
	fprintf(stderr, "usage: arping [-c count] [-w seconds] [-I iface] address\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *iface = "eth0";
	long count = -1, sent = 0, received = 0, deadline_s = 0;
	struct in_addr target, self;
	uint8_t mymac[6], pkt[28], in[1500];
	struct sockaddr_ll ll;
	struct ifreq ifr;
	int c, fd, ufd, ifindex;
	double start;

	while ((c = getopt(argc, argv, "c:w:I:")) != -1) {
		switch (c) {
		case 'c': count = strtol(optarg, NULL, 10); if (count <= 0) usage(); break;
		case 'w': deadline_s = strtol(optarg, NULL, 10); break;
		case 'I': iface = optarg; break;
		default: usage();
		}
	}
	if (optind != argc - 1 || inet_pton(AF_INET, argv[optind], &target) != 1)
		usage();
	ifindex = (int)if_nametoindex(iface);
	if (!ifindex) {
		fprintf(stderr, "arping: %s: No such device\n", iface);
		return 2;
	}
	/* Our hardware and IPv4 addresses, as any program asks for them. */
	ufd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, iface, IFNAMSIZ - 1);
	if (ufd < 0 || ioctl(ufd, SIOCGIFHWADDR, &ifr) < 0) {
		fprintf(stderr, "arping: %s: %s\n", iface, strerror(errno));
		return 2;
	}
	memcpy(mymac, ifr.ifr_hwaddr.sa_data, 6);
	self.s_addr = 0;
	if (ioctl(ufd, SIOCGIFADDR, &ifr) == 0)
		self = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr;
	close(ufd);

	fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ARP));
	if (fd < 0) {
		fprintf(stderr, "arping: socket: %s\n", strerror(errno));
		return 2;
	}
	memset(&ll, 0, sizeof(ll));
	ll.sll_family = AF_PACKET;
	ll.sll_protocol = htons(ETH_P_ARP);
	ll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0) {
		fprintf(stderr, "arping: bind: %s\n", strerror(errno));
		return 2;
	}
	/* RFC 826 request: Ethernet/IPv4, who has target, tell self. */
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0, pkt[1] = 1;
	pkt[2] = 0x08, pkt[3] = 0x00;
	pkt[4] = 6, pkt[5] = 4;
	pkt[6] = 0, pkt[7] = 1;
	memcpy(pkt + 8, mymac, 6);
	memcpy(pkt + 14, &self, 4);
	memcpy(pkt + 24, &target, 4);
	ll.sll_halen = 6;
	memset(ll.sll_addr, 0xff, 6);

	printf("ARPING %s ", inet_ntoa(target));
	printf("from %s %s\n", inet_ntoa(self), iface);
	fflush(stdout);
	signal(SIGINT, on_int);
	start = now_ms();
	while (!interrupted && (count < 0 || sent < count)) {
		double t0 = now_ms(), until = t0 + 1000;
		if (deadline_s && t0 - start >= deadline_s * 1000.0)
			break;
		if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&ll, sizeof(ll)) < 0) {
			fprintf(stderr, "arping: sendto: %s\n", strerror(errno));
			return 2;
		}
		sent++;
		while (!interrupted) {
			double left = until - now_ms();
			struct pollfd pfd = { fd, POLLIN, 0 };
			struct sockaddr_ll from;
			socklen_t fl = sizeof(from);
			ssize_t n;
			if (left <= 0 || poll(&pfd, 1, (int)left + 1) <= 0)
				break;
			n = recvfrom(fd, in, sizeof(in), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
			if (n < 28 || in[6] != 0 || in[7] != 2 || memcmp(in + 14, &target, 4) != 0)
				continue;
			received++;
			printf("%s reply from %s [%02X:%02X:%02X:%02X:%02X:%02X]  %.3fms\n",
			    from.sll_pkttype == PACKET_BROADCAST ? "Broadcast" : "Unicast",
			    inet_ntoa(target), in[8], in[9], in[10], in[11], in[12], in[13],
			    now_ms() - t0);
			fflush(stdout);
			/* iputils waits out the second between probes */
			left = until - now_ms();
			if (count >= 0 && sent >= count)
				break;
			if (left > 0)
				poll(NULL, 0, (int)left);
			break;
		}
	}
	printf("Sent %ld probes (%ld broadcast(s))\nReceived %ld response(s)\n", sent, sent, received);
	return received ? 0 : 1;
}
