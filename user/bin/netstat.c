/* netstat: network status, from the Linux-format files under /proc/net (which STOS
 * provides too).  Addresses are printed numerically (-n is accepted).
 *   netstat [-a] [-t] [-u] [-w]   sockets (TCP, UDP, raw); -a adds listening/unbound ones
 *   netstat -r                    routing table
 *   netstat -i                    interfaces and their packet counters
 *   netstat -s                    per-protocol statistics (/proc/net/snmp) */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *const tcp_states[] = {
	"", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
	"CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
};

static void addr_port(unsigned a, unsigned port, char *out, size_t n)
{
	struct in_addr in = {a};
	char s[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &in, s, sizeof(s));
	if (port)
		snprintf(out, n, "%s:%u", s, port);
	else
		snprintf(out, n, "%s:*", s);
}

static void sockets(const char *proto, const char *path, int all)
{
	FILE *f = fopen(path, "r");
	char line[512];
	if (!f)
		return;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned la, lp, ra, rp, st;
		unsigned long tx, rx;
		char l[40], r[40];
		const char *state = "";
		int tcp = strcmp(proto, "tcp") == 0;
		if (sscanf(line, " %*d: %x:%x %x:%x %x %lx:%lx", &la, &lp, &ra, &rp, &st, &tx, &rx) != 7)
			continue;
		if (tcp) {
			if (st == 10 && !all)
				continue;
			state = st < sizeof(tcp_states) / sizeof(tcp_states[0]) ? tcp_states[st] : "UNKNOWN";
		} else {
			if (st != 1 && !all)
				continue;   /* only connected datagram sockets without -a */
			state = st == 1 ? "ESTABLISHED" : "";
		}
		addr_port(la, lp, l, sizeof(l));
		addr_port(ra, rp, r, sizeof(r));
		printf("%-5s %6lu %6lu %-23s %-23s %s\n", proto, rx, tx, l, r, state);
	}
	fclose(f);
}

static int routes(void)
{
	FILE *f = fopen("/proc/net/route", "r");
	char line[512];
	if (!f) {
		perror("netstat: /proc/net/route");
		return 1;
	}
	printf("Kernel IP routing table\n%-15s %-15s %-15s %-5s %5s %s\n", "Destination", "Gateway",
	       "Genmask", "Flags", "MSS", "Iface");
	if (fgets(line, sizeof(line), f))
		while (fgets(line, sizeof(line), f)) {
			char ifname[32], d[16], g[16], m[16], fl[4];
			unsigned dst, gw, flags, mask, mtu;
			struct in_addr a;
			int k = 0;
			if (sscanf(line, "%31s %x %x %x %*u %*u %*u %x %u", ifname, &dst, &gw, &flags, &mask, &mtu) != 6)
				continue;
			a.s_addr = dst;
			inet_ntop(AF_INET, &a, d, sizeof(d));
			a.s_addr = gw;
			inet_ntop(AF_INET, &a, g, sizeof(g));
			a.s_addr = mask;
			inet_ntop(AF_INET, &a, m, sizeof(m));
			if (flags & 1)
				fl[k++] = 'U';
			if (flags & 2)
				fl[k++] = 'G';
			if (flags & 4)
				fl[k++] = 'H';
			fl[k] = 0;
			printf("%-15s %-15s %-15s %-5s %5u %s\n", d, g, m, fl, mtu, ifname);
		}
	fclose(f);
	return 0;
}

static int interfaces(void)
{
	FILE *f = fopen("/proc/net/dev", "r");
	char line[512];
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!f) {
		perror("netstat: /proc/net/dev");
		return 1;
	}
	printf("%-10s %6s %10s %7s %7s %10s %7s %7s\n", "Iface", "MTU", "RX-OK", "RX-ERR", "RX-DRP", "TX-OK",
	       "TX-ERR", "TX-DRP");
	for (int skip = 0; skip < 2 && fgets(line, sizeof(line), f); skip++)
		;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *name = line;
		unsigned long v[16];
		struct ifreq ifr;
		int mtu = 0;
		if (!colon)
			continue;
		*colon = 0;
		while (*name == ' ')
			name++;
		if (sscanf(colon + 1, "%lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3],
			   &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10], &v[11]) != 12)
			continue;
		memset(&ifr, 0, sizeof(ifr));
		strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
		if (s >= 0 && ioctl(s, SIOCGIFMTU, &ifr) == 0)
			mtu = ifr.ifr_mtu;
		printf("%-10s %6d %10lu %7lu %7lu %10lu %7lu %7lu\n", name, mtu, v[1], v[2], v[3], v[9], v[10], v[11]);
	}
	fclose(f);
	if (s >= 0)
		close(s);
	return 0;
}

/* /proc/net/snmp comes in pairs of lines: "Proto: Name Name ..." then "Proto: 1 2 ...". */
static int statistics(void)
{
	FILE *f = fopen("/proc/net/snmp", "r");
	char names[4096], values[4096];
	if (!f) {
		perror("netstat: /proc/net/snmp");
		return 1;
	}
	while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
		char *sn, *sv, *n = strtok_r(names, " \n", &sn), *v = strtok_r(values, " \n", &sv);
		if (!n || !v || strcmp(n, v) != 0)
			continue;
		printf("%s\n", n);
		while ((n = strtok_r(NULL, " \n", &sn)) != NULL && (v = strtok_r(NULL, " \n", &sv)) != NULL)
			printf("    %s: %s\n", n, v);
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	int c, all = 0, tcp = 0, udp = 0, raw = 0;
	while ((c = getopt(argc, argv, "atuwnris")) != -1) {
		switch (c) {
		case 'a': all = 1; break;
		case 't': tcp = 1; break;
		case 'u': udp = 1; break;
		case 'w': raw = 1; break;
		case 'n': break;
		case 'r': return routes();
		case 'i': return interfaces();
		case 's': return statistics();
		default:
			fprintf(stderr, "usage: netstat [-atuwn] | -r | -i | -s\n");
			return 2;
		}
	}
	if (!tcp && !udp && !raw)
		tcp = udp = raw = 1;
	printf("Active Internet connections%s\n", all ? " (servers and established)" : " (w/o servers)");
	printf("%-5s %6s %6s %-23s %-23s %s\n", "Proto", "Recv-Q", "Send-Q", "Local Address", "Foreign Address",
	       "State");
	if (tcp)
		sockets("tcp", "/proc/net/tcp", all);
	if (udp)
		sockets("udp", "/proc/net/udp", all);
	if (raw)
		sockets("raw", "/proc/net/raw", all);
	return 0;
}
