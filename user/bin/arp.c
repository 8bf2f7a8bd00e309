/* arp: show or change the ARP table.
 *   arp [-a] [-n]               show (from /proc/net/arp, Linux's format, which STOS provides)
 *   arp -s ADDR MAC [dev IF]    add a permanent entry (SIOCSARP)
 *   arp -d ADDR [dev IF]        delete an entry (SIOCDARP) */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <net/if_arp.h>

static int show(void)
{
	FILE *f = fopen("/proc/net/arp", "r");
	char line[512];
	if (!f) {
		perror("arp: /proc/net/arp");
		return 1;
	}
	printf("%-16s %-8s %-18s %-6s %s\n", "Address", "HWtype", "HWaddress", "Flags", "Iface");
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		char addr[32], hw[32], mask[32], dev[32];
		unsigned type, flags;
		if (sscanf(line, "%31s %x %x %31s %31s %31s", addr, &type, &flags, hw, mask, dev) != 6)
			continue;
		printf("%-16s %-8s %-18s %c%c%-4s %s\n", addr, type == ARPHRD_ETHER ? "ether" : "other",
		       (flags & ATF_COM) ? hw : "(incomplete)", (flags & ATF_COM) ? 'C' : ' ',
		       (flags & ATF_PERM) ? 'M' : ' ', "", dev);
	}
	fclose(f);
	return 0;
}

static int parse_mac(const char *s, unsigned char *mac)
{
	unsigned v[6];
	char tail;
	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -1;
		mac[i] = (unsigned char)v[i];
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct arpreq r;
	struct sockaddr_in *pa = (struct sockaddr_in *)(void *)&r.arp_pa;
	int i = 1, set, fd;
	while (i < argc && (strcmp(argv[i], "-a") == 0 || strcmp(argv[i], "-n") == 0))
		i++;
	if (i == argc)
		return show();
	if ((strcmp(argv[i], "-s") != 0 && strcmp(argv[i], "-d") != 0) || i + 1 >= argc)
		goto usage;
	set = strcmp(argv[i], "-s") == 0;
	memset(&r, 0, sizeof(r));
	pa->sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[i + 1], &pa->sin_addr) != 1) {
		fprintf(stderr, "arp: %s: bad address\n", argv[i + 1]);
		return 1;
	}
	i += 2;
	if (set) {
		if (i >= argc || parse_mac(argv[i], (unsigned char *)r.arp_ha.sa_data) < 0) {
			fprintf(stderr, "arp: bad or missing hardware address\n");
			return 1;
		}
		r.arp_ha.sa_family = ARPHRD_ETHER;
		r.arp_flags = ATF_PERM | ATF_COM;
		i++;
	}
	if (i + 1 < argc && strcmp(argv[i], "dev") == 0) {
		strncpy(r.arp_dev, argv[i + 1], sizeof(r.arp_dev) - 1);
		i += 2;
	}
	if (i != argc)
		goto usage;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || ioctl(fd, set ? SIOCSARP : SIOCDARP, &r) < 0) {
		fprintf(stderr, "arp: %s: %s\n", set ? "SIOCSARP" : "SIOCDARP", strerror(errno));
		return 1;
	}
	return 0;
usage:
	fprintf(stderr, "usage: arp [-a] | arp -s ADDR MAC [dev IF] | arp -d ADDR [dev IF]\n");
	return 2;
}
