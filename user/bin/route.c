/* route: show or change the IPv4 routing table.
 *   route [-n]                                      show (from /proc/net/route)
 *   route add|del default gw GW [dev IF]
 *   route add|del -net NET netmask MASK [gw GW] [dev IF]
 *   route add|del -host ADDR [gw GW] [dev IF]
 * Changes go through SIOCADDRT/SIOCDELRT with struct rtentry.  The table is read in
 * Linux's /proc/net/route format (addresses as %08X of the network-order value), which
 * STOS provides too.  Addresses are always printed numerically. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *ip(uint32_t be, char *buf)
{
	struct in_addr a = {be};
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static int show(void)
{
	FILE *f = fopen("/proc/net/route", "r");
	char line[512];
	if (!f) {
		perror("route: /proc/net/route");
		return 1;
	}
	printf("Kernel IP routing table\n");
	printf("%-15s %-15s %-15s %-5s %-6s %-6s %3s %s\n", "Destination", "Gateway", "Genmask", "Flags",
	       "Metric", "Ref", "Use", "Iface");
	if (!fgets(line, sizeof(line), f)) {   /* header */
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		char ifname[32], d[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN], m[INET_ADDRSTRLEN], fl[8];
		unsigned dst, gw, flags, ref, use, metric, mask;
		int k = 0;
		if (sscanf(line, "%31s %x %x %x %u %u %u %x", ifname, &dst, &gw, &flags, &ref, &use, &metric,
			   &mask) != 8)
			continue;
		if (flags & 0x1)
			fl[k++] = 'U';
		if (flags & 0x2)
			fl[k++] = 'G';
		if (flags & 0x4)
			fl[k++] = 'H';
		fl[k] = 0;
		printf("%-15s %-15s %-15s %-5s %-6u %-6u %3u %s\n", ip(dst, d), ip(gw, g), ip(mask, m), fl, metric,
		       ref, use, ifname);
	}
	fclose(f);
	return 0;
}

static int parse_ip(const char *s, struct sockaddr *sa)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)sa;
	memset(sa, 0, sizeof(*sa));
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, s, &sin->sin_addr) != 1) {
		fprintf(stderr, "route: %s: bad address\n", s);
		return -1;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: route [-n] | route add|del default gw GW [dev IF]\n"
			"       route add|del -net NET netmask MASK [gw GW] [dev IF]\n"
			"       route add|del -host ADDR [gw GW] [dev IF]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct rtentry rt;
	char dev[32];
	int i = 1, add, fd, host = 0, have_mask = 0;
	if (i < argc && strcmp(argv[i], "-n") == 0)
		i++;
	if (i == argc)
		return show();
	if (strcmp(argv[i], "add") != 0 && strcmp(argv[i], "del") != 0)
		usage();
	add = strcmp(argv[i++], "add") == 0;
	memset(&rt, 0, sizeof(rt));
	parse_ip("0.0.0.0", &rt.rt_dst);
	parse_ip("0.0.0.0", &rt.rt_genmask);
	parse_ip("0.0.0.0", &rt.rt_gateway);
	rt.rt_flags = RTF_UP;
	if (i < argc && strcmp(argv[i], "default") == 0) {
		i++;
		have_mask = 1;
	} else if (i + 1 < argc && (strcmp(argv[i], "-net") == 0 || strcmp(argv[i], "-host") == 0)) {
		host = strcmp(argv[i], "-host") == 0;
		if (parse_ip(argv[i + 1], &rt.rt_dst) < 0)
			return 1;
		i += 2;
		if (host) {
			parse_ip("255.255.255.255", &rt.rt_genmask);
			rt.rt_flags |= RTF_HOST;
			have_mask = 1;
		}
	} else {
		usage();
	}
	for (; i < argc; i += 2) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "netmask") == 0) {
			if (parse_ip(argv[i + 1], &rt.rt_genmask) < 0)
				return 1;
			have_mask = 1;
		} else if (strcmp(argv[i], "gw") == 0) {
			if (parse_ip(argv[i + 1], &rt.rt_gateway) < 0)
				return 1;
			rt.rt_flags |= RTF_GATEWAY;
		} else if (strcmp(argv[i], "dev") == 0) {
			snprintf(dev, sizeof(dev), "%s", argv[i + 1]);
			rt.rt_dev = dev;
		} else if (strcmp(argv[i], "metric") == 0) {
			rt.rt_metric = (short)(atoi(argv[i + 1]) + 1);   /* the ioctl's metric is one more */
		} else {
			usage();
		}
	}
	if (!have_mask) {
		fprintf(stderr, "route: -net needs a netmask\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || ioctl(fd, add ? SIOCADDRT : SIOCDELRT, &rt) < 0) {
		fprintf(stderr, "route: %s: %s\n", add ? "SIOCADDRT" : "SIOCDELRT", strerror(errno));
		return 1;
	}
	return 0;
}
