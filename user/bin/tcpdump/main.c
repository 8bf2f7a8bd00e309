/* tcpdump [-dnepx] [-c count] [-i iface] [-r file] [-w file] [expression]
 * Captures on an AF_PACKET SOCK_RAW socket (ETH_P_ALL, promiscuous unless -p), with the
 * expression compiled to classic BPF (filter.c) and attached in the kernel (SO_ATTACH_FILTER),
 * and prints one line per packet (print.c) or writes a pcap file (-w: the libpcap format,
 * microsecond timestamps, LINKTYPE_ETHERNET).  -r prints a pcap file (without filtering).
 * -d prints the compiled filter program instead of capturing. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "tcpdump.h"

#define BUFSZ 65536

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static void usage(void)
{
	fprintf(stderr, "usage: tcpdump [-dnepx] [-c count] [-i iface] [-r file] [-w file] "
	    "[expression]\n");
	exit(1);
}

static void put32(uint8_t *b, uint32_t v) { memcpy(b, &v, 4); }   /* host order, as libpcap */
static void put16(uint8_t *b, uint16_t v) { memcpy(b, &v, 2); }

static int pcap_header(FILE *f)
{
	uint8_t h[24];
	put32(h, 0xa1b2c3d4u);
	put16(h + 4, 2);
	put16(h + 6, 4);
	put32(h + 8, 0);
	put32(h + 12, 0);
	put32(h + 16, TD_SNAPLEN);
	put32(h + 20, 1);               /* LINKTYPE_ETHERNET */
	return fwrite(h, 1, sizeof(h), f) == sizeof(h) ? 0 : -1;
}

static int pcap_record(FILE *f, const struct timeval *tv, const uint8_t *p, size_t caplen,
    size_t len)
{
	uint8_t h[16];
	put32(h, (uint32_t)tv->tv_sec);
	put32(h + 4, (uint32_t)tv->tv_usec);
	put32(h + 8, (uint32_t)caplen);
	put32(h + 12, (uint32_t)len);
	if (fwrite(h, 1, sizeof(h), f) != sizeof(h) || fwrite(p, 1, caplen, f) != caplen)
		return -1;
	return fflush(f);
}

static int read_file(const char *path, const struct td_opts *o, long count)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	uint8_t h[24], *buf = malloc(BUFSZ);
	long n = 0;
	int swap;
	if (!f || !buf) {
		fprintf(stderr, "tcpdump: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (fread(h, 1, 24, f) != 24) {
		fprintf(stderr, "tcpdump: %s: not a pcap file\n", path);
		return 1;
	}
	uint32_t magic;
	memcpy(&magic, h, 4);
	swap = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
	int nsec = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;
	if (!swap && magic != 0xa1b2c3d4u && !nsec) {
		fprintf(stderr, "tcpdump: %s: not a pcap file\n", path);
		return 1;
	}
	printf("reading from file %s, link-type EN10MB (Ethernet)\n", path);
	while (count < 0 || n < count) {
		uint32_t v[4];
		struct timeval tv;
		if (fread(v, 1, 16, f) != 16)
			break;
		if (swap)
			for (int i = 0; i < 4; i++)
				v[i] = __builtin_bswap32(v[i]);
		if (v[2] > BUFSZ || fread(buf, 1, v[2], f) != v[2]) {
			fprintf(stderr, "tcpdump: %s: truncated record\n", path);
			return 1;
		}
		tv.tv_sec = v[0];
		tv.tv_usec = nsec ? v[1] / 1000 : v[1];
		td_print(o, &tv, buf, v[2], v[3]);
		n++;
	}
	if (f != stdin)
		fclose(f);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	struct td_opts o = { 0, 0 };
	const char *iface = NULL, *wfile = NULL, *rfile = NULL;
	long count = -1, captured = 0;
	int c, dump = 0, promisc = 1, fd, prog_len = 0;
	struct sock_filter *prog = NULL;
	struct sockaddr_ll ll;
	char err[128];
	FILE *wf = NULL;
	uint8_t *buf;

	while ((c = getopt(argc, argv, "c:dei:npr:w:x")) != -1) {
		switch (c) {
		case 'c': count = strtol(optarg, NULL, 10); if (count <= 0) usage(); break;
		case 'd': dump = 1; break;
		case 'e': o.ether = 1; break;
		case 'i': iface = optarg; break;
		case 'n': break;           /* names are never resolved */
		case 'p': promisc = 0; break;
		case 'r': rfile = optarg; break;
		case 'w': wfile = optarg; break;
		case 'x': o.hex = 1; break;
		default: usage();
		}
	}
	if (optind < argc) {
		prog_len = td_compile(argv + optind, argc - optind, &prog, err, sizeof(err));
		if (prog_len < 0) {
			fprintf(stderr, "tcpdump: %s\n", err);
			return 1;
		}
	}
	if (dump) {
		for (int i = 0; i < prog_len; i++)
			printf("{ 0x%02x, %u, %u, 0x%08x },\n", prog[i].code, prog[i].jt, prog[i].jf,
			    prog[i].k);
		return 0;
	}
	if (rfile)
		return read_file(rfile, &o, count);

	/* Protocol 0: the socket takes no frames until bind names ETH_P_ALL, after the filter
	 * is attached; opened with ETH_P_ALL it would queue every frame that arrives before
	 * SO_ATTACH_FILTER, unfiltered (libpcap drains them for the same reason). */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		fprintf(stderr, "tcpdump: socket: %s\n", strerror(errno));
		return 1;
	}
	memset(&ll, 0, sizeof(ll));
	ll.sll_family = AF_PACKET;
	ll.sll_protocol = htons(ETH_P_ALL);
	if (!iface && if_nametoindex("eth0"))
		iface = "eth0";
	if (iface) {
		ll.sll_ifindex = (int)if_nametoindex(iface);
		if (!ll.sll_ifindex) {
			fprintf(stderr, "tcpdump: %s: No such device exists\n", iface);
			return 1;
		}
	}
	if (prog) {
		struct sock_fprog fp = { (unsigned short)prog_len, prog };
		if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) < 0) {
			fprintf(stderr, "tcpdump: SO_ATTACH_FILTER: %s\n", strerror(errno));
			return 1;
		}
	}
	if (bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0) {
		fprintf(stderr, "tcpdump: bind: %s\n", strerror(errno));
		return 1;
	}
	if (promisc && ll.sll_ifindex) {
		struct packet_mreq mr;
		memset(&mr, 0, sizeof(mr));
		mr.mr_ifindex = ll.sll_ifindex;
		mr.mr_type = PACKET_MR_PROMISC;
		if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
			fprintf(stderr, "tcpdump: promiscuous mode: %s\n", strerror(errno));
	}
	if (wfile) {
		wf = strcmp(wfile, "-") ? fopen(wfile, "w") : stdout;
		if (!wf || pcap_header(wf) < 0) {
			fprintf(stderr, "tcpdump: %s: %s\n", wfile, strerror(errno));
			return 1;
		}
		fflush(wf);
	}
	fprintf(stderr, "tcpdump: listening on %s, link-type EN10MB (Ethernet), snapshot length "
	    "%d bytes\n", iface ? iface : "any", TD_SNAPLEN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	buf = malloc(BUFSZ);
	if (!buf)
		return 1;
	while (!stop && (count < 0 || captured < count)) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		struct timeval tv;
		ssize_t len;
		size_t cap;
		if (poll(&pfd, 1, 250) <= 0)
			continue;
		len = recvfrom(fd, buf, BUFSZ, MSG_TRUNC | MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			fprintf(stderr, "tcpdump: recvfrom: %s\n", strerror(errno));
			return 1;
		}
		gettimeofday(&tv, NULL);
		cap = (size_t)len < BUFSZ ? (size_t)len : BUFSZ;
		/* libpcap hides the second copy of a loopback frame (its outgoing one). */
		if (from.sll_pkttype == PACKET_OUTGOING && from.sll_hatype == ARPHRD_LOOPBACK)
			continue;
		captured++;
		if (wf) {
			if (pcap_record(wf, &tv, buf, cap, (size_t)len) < 0) {
				fprintf(stderr, "tcpdump: %s: write failed\n", wfile);
				return 1;
			}
		} else {
			td_print(&o, &tv, buf, cap, (size_t)len);
		}
	}
	{
		struct tpacket_stats st = { 0, 0 };
		socklen_t sl = sizeof(st);
		(void)getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl);
		fflush(stdout);
		fprintf(stderr, "%ld packets captured\n%u packets received by filter\n"
		    "%u packets dropped by kernel\n", captured, st.tp_packets, st.tp_drops);
	}
	if (wf && wf != stdout)
		fclose(wf);
	close(fd);
	return 0;
}
