/* ifconfig [-a] [ifname [address] [netmask M] [broadcast B] [mtu N] [up|down]]
 * Shows interfaces (all with an IPv4 address, or the one named) or configures one, through
 * the SIOC[GS]IF* ioctls on a datagram socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int sock;

static const struct {
	int bit;
	const char *name;
} flag_names[] = {
	{IFF_UP, "UP"}, {IFF_BROADCAST, "BROADCAST"}, {IFF_DEBUG, "DEBUG"},
	{IFF_LOOPBACK, "LOOPBACK"}, {IFF_POINTOPOINT, "POINTOPOINT"}, {IFF_RUNNING, "RUNNING"},
	{IFF_NOARP, "NOARP"}, {IFF_PROMISC, "PROMISC"}, {IFF_ALLMULTI, "ALLMULTI"},
	{IFF_MULTICAST, "MULTICAST"},
};

static int req(unsigned long op, const char *name, struct ifreq *ifr)
{
	memset(ifr, 0, sizeof(*ifr));
	strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
	return ioctl(sock, op, ifr);
}

static const char *in_str(const struct sockaddr *sa, char *buf)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;
	return inet_ntop(AF_INET, &sin->sin_addr, buf, INET_ADDRSTRLEN);
}

static int show(const char *name)
{
	struct ifreq ifr;
	char a[INET_ADDRSTRLEN];
	int flags, first = 1;
	if (req(SIOCGIFFLAGS, name, &ifr) < 0) {
		fprintf(stderr, "ifconfig: %s: %s\n", name, strerror(errno));
		return 1;
	}
	flags = (unsigned short)ifr.ifr_flags;
	printf("%s: flags=%d<", name, flags);
	for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (flags & flag_names[i].bit) {
			printf("%s%s", first ? "" : ",", flag_names[i].name);
			first = 0;
		}
	printf(">");
	if (req(SIOCGIFMTU, name, &ifr) == 0)
		printf("  mtu %d", ifr.ifr_mtu);
	printf("\n");
	if (req(SIOCGIFADDR, name, &ifr) == 0) {
		printf("        inet %s", in_str(&ifr.ifr_addr, a));
		if (req(SIOCGIFNETMASK, name, &ifr) == 0)
			printf("  netmask %s", in_str(&ifr.ifr_netmask, a));
		if ((flags & IFF_BROADCAST) && req(SIOCGIFBRDADDR, name, &ifr) == 0)
			printf("  broadcast %s", in_str(&ifr.ifr_broadaddr, a));
		printf("\n");
	}
	if (req(SIOCGIFHWADDR, name, &ifr) == 0 && !(flags & IFF_LOOPBACK)) {
		const unsigned char *m = (const unsigned char *)ifr.ifr_hwaddr.sa_data;
		printf("        ether %02x:%02x:%02x:%02x:%02x:%02x\n", m[0], m[1], m[2], m[3], m[4], m[5]);
	}
	printf("\n");
	return 0;
}

static int show_all(void)
{
	struct ifreq ifs[64];
	struct ifconf ifc;
	int r = 0;
	ifc.ifc_len = sizeof(ifs);
	ifc.ifc_req = ifs;
	if (ioctl(sock, SIOCGIFCONF, &ifc) < 0) {
		perror("ifconfig: SIOCGIFCONF");
		return 1;
	}
	for (int i = 0; i < ifc.ifc_len / (int)sizeof(struct ifreq); i++) {
		char name[IFNAMSIZ + 1];
		memcpy(name, ifs[i].ifr_name, IFNAMSIZ);
		name[IFNAMSIZ] = 0;
		r |= show(name);
	}
	return r;
}

static int set_addr(unsigned long op, const char *name, const char *text)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&ifr.ifr_addr;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, text, &sin->sin_addr) != 1) {
		fprintf(stderr, "ifconfig: %s: bad address\n", text);
		return 1;
	}
	if (ioctl(sock, op, &ifr) < 0) {
		fprintf(stderr, "ifconfig: %s: %s\n", name, strerror(errno));
		return 1;
	}
	return 0;
}

static int set_flags(const char *name, int on, int off)
{
	struct ifreq ifr;
	if (req(SIOCGIFFLAGS, name, &ifr) < 0) {
		fprintf(stderr, "ifconfig: %s: %s\n", name, strerror(errno));
		return 1;
	}
	ifr.ifr_flags = (short)((ifr.ifr_flags | on) & ~off);
	if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0) {
		fprintf(stderr, "ifconfig: %s: %s\n", name, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *name;
	int i = 1, r = 0;
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		perror("ifconfig: socket");
		return 1;
	}
	if (i < argc && strcmp(argv[i], "-a") == 0)
		i++;
	if (i == argc)
		return show_all();
	name = argv[i++];
	if (i == argc)
		return show(name);
	for (; i < argc && !r; i++) {
		const char *a = argv[i];
		if (strcmp(a, "up") == 0) {
			r = set_flags(name, IFF_UP, 0);
		} else if (strcmp(a, "down") == 0) {
			r = set_flags(name, 0, IFF_UP);
		} else if (strcmp(a, "netmask") == 0 && i + 1 < argc) {
			r = set_addr(SIOCSIFNETMASK, name, argv[++i]);
		} else if (strcmp(a, "broadcast") == 0 && i + 1 < argc) {
			r = set_addr(SIOCSIFBRDADDR, name, argv[++i]);
		} else if (strcmp(a, "mtu") == 0 && i + 1 < argc) {
			struct ifreq ifr;
			memset(&ifr, 0, sizeof(ifr));
			strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
			ifr.ifr_mtu = atoi(argv[++i]);
			if (ioctl(sock, SIOCSIFMTU, &ifr) < 0) {
				fprintf(stderr, "ifconfig: %s: mtu: %s\n", name, strerror(errno));
				r = 1;
			}
		} else if (strchr(a, '.')) {
			/* An address, optionally with /prefix. */
			char buf[32];
			char *slash;
			snprintf(buf, sizeof(buf), "%s", a);
			slash = strchr(buf, '/');
			if (slash)
				*slash++ = 0;
			r = set_addr(SIOCSIFADDR, name, buf);
			if (!r && slash) {
				int p = atoi(slash);
				uint32_t m = p <= 0 ? 0 : p >= 32 ? 0xffffffffu : ~((1u << (32 - p)) - 1);
				struct in_addr ma = {htonl(m)};
				char mt[INET_ADDRSTRLEN];
				r = set_addr(SIOCSIFNETMASK, name, inet_ntop(AF_INET, &ma, mt, sizeof(mt)));
			}
		} else {
			fprintf(stderr, "ifconfig: unknown argument '%s'\n", a);
			r = 1;
		}
	}
	return r;
}
