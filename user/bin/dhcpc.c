/* dhcpc [-b|-q] [-r resolv.conf] [-t secs] ifname: a DHCP client (RFC 2131, options RFC 2132).
 *
 * INIT -> DISCOVER (broadcast) -> OFFER -> REQUEST (broadcast) -> ACK -> BOUND: configures
 * the interface address and netmask (SIOCSIFADDR/SIOCSIFNETMASK, up), the default route
 * (SIOCADDRT, option 3), and writes the name servers (option 6) to resolv.conf.  Then it
 * renews at T1 by unicast REQUEST to the server (RENEWING), rebinds at T2 by broadcast
 * (REBINDING), and starts over when the lease expires (RFC 2131 4.4.5).  -b: once bound,
 * go on renewing in a background child and exit 0 (what /etc/rc uses).  -q: exit once
 * bound.  -t: give up after that many seconds without a lease (default: keep trying).
 * The client asks for broadcast replies (flags bit, RFC 2131 4.1), so it needs no address
 * to receive them; it sends from 0.0.0.0:68 bound to the interface (SO_BINDTODEVICE). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SERVER_PORT 67
#define CLIENT_PORT 68
#define MAGIC       0x63825363
#define BOOTREQUEST 1
#define BOOTREPLY   2

/* Message types, option 53 (RFC 2132 9.6). */
#define DISCOVER 1
#define OFFER    2
#define REQUEST  3
#define DECLINE  4
#define ACK      5
#define NAK      6

#define OPT_PAD        0
#define OPT_SUBNET     1
#define OPT_ROUTER     3
#define OPT_DNS        6
#define OPT_HOSTNAME   12
#define OPT_REQ_IP     50
#define OPT_LEASE      51
#define OPT_MSGTYPE    53
#define OPT_SERVER_ID  54
#define OPT_PARAMS     55
#define OPT_T1         58
#define OPT_T2         59
#define OPT_CLIENT_ID  61
#define OPT_END        255

/* RFC 2131 2: the fixed part is 236 bytes, then the magic cookie and options. */
struct dhcp_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[16];
	uint8_t sname[64];
	uint8_t file[128];
	uint32_t magic;
	uint8_t options[312];
};

struct lease {
	uint32_t addr, mask, router, server;   /* network order */
	uint32_t dns[3];
	int ndns;
	uint32_t lease_s, t1_s, t2_s;
};

static const char *ifname, *resolv_path = "/etc/resolv.conf";
static unsigned char mac[6];
static int sock;
static uint32_t xid;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int ifreq_op(unsigned long op, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;
	if (fd < 0)
		return -1;
	strncpy(ifr->ifr_name, ifname, IFNAMSIZ - 1);
	r = ioctl(fd, op, ifr);
	close(fd);
	return r;
}

static int set_inaddr(unsigned long op, uint32_t a)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&ifr.ifr_addr;
	memset(&ifr, 0, sizeof(ifr));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = a;
	return ifreq_op(op, &ifr);
}

static int open_socket(void)
{
	struct sockaddr_in sa;
	int one = 1, fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
	/* Without an address, the interface must be named for broadcasts to leave by it. */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0)
		fprintf(stderr, "dhcpc: SO_BINDTODEVICE: %s (continuing)\n", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(CLIENT_PORT);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("dhcpc: bind port 68");
		close(fd);
		return -1;
	}
	return fd;
}

static size_t opt_put(uint8_t *o, size_t n, int code, const void *data, size_t len)
{
	if (n + 2 + len > 311)
		return n;
	o[n] = (uint8_t)code;
	o[n + 1] = (uint8_t)len;
	memcpy(o + n + 2, data, len);
	return n + 2 + len;
}

static int send_msg(int type, uint32_t req_ip, uint32_t server, uint32_t ciaddr, uint32_t dst)
{
	struct dhcp_msg m;
	struct sockaddr_in to;
	size_t n = 0;
	uint8_t t = (uint8_t)type, cid[7], params[] = {OPT_SUBNET, OPT_ROUTER, OPT_DNS, OPT_LEASE, OPT_T1, OPT_T2};
	memset(&m, 0, sizeof(m));
	m.op = BOOTREQUEST;
	m.htype = 1;               /* Ethernet */
	m.hlen = 6;
	m.xid = xid;
	m.flags = ciaddr ? 0 : htons(0x8000);   /* broadcast replies until we have an address */
	m.ciaddr = ciaddr;
	memcpy(m.chaddr, mac, 6);
	m.magic = htonl(MAGIC);
	n = opt_put(m.options, n, OPT_MSGTYPE, &t, 1);
	cid[0] = 1;
	memcpy(cid + 1, mac, 6);
	n = opt_put(m.options, n, OPT_CLIENT_ID, cid, sizeof(cid));
	if (req_ip)
		n = opt_put(m.options, n, OPT_REQ_IP, &req_ip, 4);
	if (server)
		n = opt_put(m.options, n, OPT_SERVER_ID, &server, 4);
	n = opt_put(m.options, n, OPT_PARAMS, params, sizeof(params));
	m.options[n++] = OPT_END;
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons(SERVER_PORT);
	to.sin_addr.s_addr = dst;
	if (sendto(sock, &m, offsetof(struct dhcp_msg, options) + n, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		fprintf(stderr, "dhcpc: sendto: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* Parse a reply for our xid; returns its message type (or -1) and fills *l. */
static int parse_reply(const uint8_t *buf, size_t len, struct lease *l)
{
	const struct dhcp_msg *m = (const void *)buf;
	size_t i = 0, olen;
	int type = -1;
	if (len < offsetof(struct dhcp_msg, options) || m->op != BOOTREPLY || m->xid != xid ||
	    memcmp(m->chaddr, mac, 6) != 0 || ntohl(m->magic) != MAGIC)
		return -1;
	memset(l, 0, sizeof(*l));
	l->addr = m->yiaddr;
	olen = len - offsetof(struct dhcp_msg, options);
	while (i < olen) {
		int code = m->options[i], ol;
		const uint8_t *v;
		if (code == OPT_PAD) {
			i++;
			continue;
		}
		if (code == OPT_END || i + 1 >= olen)
			break;
		ol = m->options[i + 1];
		if (i + 2 + (size_t)ol > olen)
			break;     /* an option running past the packet ends parsing */
		v = m->options + i + 2;
		switch (code) {
		case OPT_MSGTYPE: if (ol == 1) type = v[0]; break;
		case OPT_SUBNET: if (ol == 4) memcpy(&l->mask, v, 4); break;
		case OPT_ROUTER: if (ol >= 4) memcpy(&l->router, v, 4); break;
		case OPT_SERVER_ID: if (ol == 4) memcpy(&l->server, v, 4); break;
		case OPT_DNS:
			for (int k = 0; k + 4 <= ol && l->ndns < 3; k += 4)
				memcpy(&l->dns[l->ndns++], v + k, 4);
			break;
		case OPT_LEASE: if (ol == 4) l->lease_s = (uint32_t)(v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3]); break;
		case OPT_T1: if (ol == 4) l->t1_s = (uint32_t)(v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3]); break;
		case OPT_T2: if (ol == 4) l->t2_s = (uint32_t)(v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3]); break;
		default: break;
		}
		i += 2 + (size_t)ol;
	}
	if (!l->lease_s)
		l->lease_s = 3600;
	/* RFC 2131 4.4.5: T1 defaults to half the lease, T2 to 7/8 of it. */
	if (!l->t1_s || l->t1_s >= l->lease_s)
		l->t1_s = l->lease_s / 2;
	if (!l->t2_s || l->t2_s >= l->lease_s || l->t2_s <= l->t1_s)
		l->t2_s = l->lease_s / 8 * 7;
	return type;
}

/* Wait up to `secs` for a reply of one of the wanted types. */
static int await(double secs, int want1, int want2, struct lease *l)
{
	double end = now_s() + secs;
	uint8_t buf[1500];
	for (;;) {
		double left = end - now_s();
		struct pollfd p = {sock, POLLIN, 0};
		ssize_t n;
		int t;
		if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			return -1;
		n = recv(sock, buf, sizeof(buf), 0);
		if (n <= 0)
			continue;
		t = parse_reply(buf, (size_t)n, l);
		if (t == want1 || t == want2)
			return t;
	}
}

static void configure(const struct lease *l)
{
	char a[16], m[16], g[16];
	struct in_addr ia;
	FILE *f;
	set_inaddr(SIOCSIFADDR, l->addr);
	if (l->mask)
		set_inaddr(SIOCSIFNETMASK, l->mask);
	{
		struct ifreq ifr;
		memset(&ifr, 0, sizeof(ifr));
		if (ifreq_op(SIOCGIFFLAGS, &ifr) == 0) {
			ifr.ifr_flags |= IFF_UP;
			ifreq_op(SIOCSIFFLAGS, &ifr);
		}
	}
	if (l->router) {
		struct rtentry rt;
		char dev[IFNAMSIZ];
		struct sockaddr_in *s;
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		memset(&rt, 0, sizeof(rt));
		s = (struct sockaddr_in *)(void *)&rt.rt_dst;
		s->sin_family = AF_INET;
		s = (struct sockaddr_in *)(void *)&rt.rt_genmask;
		s->sin_family = AF_INET;
		s = (struct sockaddr_in *)(void *)&rt.rt_gateway;
		s->sin_family = AF_INET;
		s->sin_addr.s_addr = l->router;
		rt.rt_flags = RTF_UP | RTF_GATEWAY;
		snprintf(dev, sizeof(dev), "%s", ifname);
		rt.rt_dev = dev;
		/* Replace any previous default route (EEXIST otherwise). */
		if (fd >= 0) {
			ioctl(fd, SIOCDELRT, &rt);
			if (ioctl(fd, SIOCADDRT, &rt) < 0)
				fprintf(stderr, "dhcpc: default route: %s\n", strerror(errno));
			close(fd);
		}
	}
	if (l->ndns && (f = fopen(resolv_path, "w")) != NULL) {
		fprintf(f, "# written by dhcpc for %s\n", ifname);
		for (int i = 0; i < l->ndns; i++) {
			ia.s_addr = l->dns[i];
			fprintf(f, "nameserver %s\n", inet_ntop(AF_INET, &ia, a, sizeof(a)));
		}
		fclose(f);
	}
	ia.s_addr = l->addr;
	inet_ntop(AF_INET, &ia, a, sizeof(a));
	ia.s_addr = l->mask;
	inet_ntop(AF_INET, &ia, m, sizeof(m));
	ia.s_addr = l->router;
	inet_ntop(AF_INET, &ia, g, sizeof(g));
	printf("dhcpc: %s bound to %s netmask %s router %s, lease %u s\n", ifname, a, m, g, l->lease_s);
	fflush(stdout);
}

/* DISCOVER/OFFER/REQUEST/ACK with exponential backoff (RFC 2131 4.1: 4 s, 8 s, ... 64 s,
 * randomised; here 1 s doubling to 16 s so a lost packet costs little). */
static int obtain(struct lease *l, double give_up)
{
	double wait = 1;
	for (;;) {
		struct lease offer;
		if (give_up > 0 && now_s() > give_up)
			return -1;
		xid = (uint32_t)rand() ^ (uint32_t)getpid();
		send_msg(DISCOVER, 0, 0, 0, INADDR_BROADCAST);
		if (await(wait, OFFER, OFFER, &offer) == OFFER) {
			send_msg(REQUEST, offer.addr, offer.server, 0, INADDR_BROADCAST);
			if (await(wait * 2, ACK, NAK, l) == ACK && l->addr)
				return 0;
		}
		if (wait < 16)
			wait *= 2;
	}
}

int main(int argc, char **argv)
{
	struct lease l;
	struct ifreq ifr;
	int c, quit = 0, background = 0;
	double give_up = 0;

	while ((c = getopt(argc, argv, "bqr:t:")) != -1) {
		if (c == 'b')
			background = 1;
		else if (c == 'q')
			quit = 1;
		else if (c == 'r')
			resolv_path = optarg;
		else if (c == 't')
			give_up = atof(optarg);
		else
			goto usage;
	}
	if (optind != argc - 1)
		goto usage;
	ifname = argv[optind];
	memset(&ifr, 0, sizeof(ifr));
	if (ifreq_op(SIOCGIFHWADDR, &ifr) < 0) {
		fprintf(stderr, "dhcpc: %s: %s\n", ifname, strerror(errno));
		return 1;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	{
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		srand((unsigned)(ts.tv_nsec ^ mac[5] << 8 ^ mac[4]));
	}
	memset(&ifr, 0, sizeof(ifr));
	if (ifreq_op(SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		ifreq_op(SIOCSIFFLAGS, &ifr);
	}
	sock = open_socket();
	if (sock < 0)
		return 1;
	if (give_up > 0)
		give_up += now_s();
	for (;;) {
		double bound_at;
		if (obtain(&l, give_up) < 0) {
			fprintf(stderr, "dhcpc: %s: no lease\n", ifname);
			return 1;
		}
		configure(&l);
		if (quit)
			return 0;
		if (background) {
			pid_t pid = fork();
			if (pid < 0)
				fprintf(stderr, "dhcpc: fork: %s (staying in the foreground)\n", strerror(errno));
			else if (pid > 0)
				return 0;
			background = 0;
		}
		give_up = 0;
		bound_at = now_s();
		/* BOUND until T1, RENEWING (unicast to the server) until T2, REBINDING (broadcast)
		 * until the lease ends. */
		for (;;) {
			double t = now_s() - bound_at;
			struct lease nl;
			int renewing = t < l.t2_s, r;
			if (t >= l.lease_s)
				break;
			if (t < l.t1_s) {
				struct timespec ts = {(time_t)(l.t1_s - t) + 1, 0};
				nanosleep(&ts, NULL);
				continue;
			}
			xid = (uint32_t)rand();
			send_msg(REQUEST, 0, 0, l.addr, renewing ? l.server : INADDR_BROADCAST);
			r = await(renewing ? (l.t2_s - t) / 2 + 1 : (l.lease_s - t) / 2 + 1, ACK, NAK, &nl);
			if (r == ACK) {
				if (nl.addr != l.addr)
					break;
				l = nl;
				bound_at = now_s();
				printf("dhcpc: %s lease renewed, %u s\n", ifname, l.lease_s);
				fflush(stdout);
			} else if (r == NAK) {
				break;
			}
		}
		printf("dhcpc: %s lease lost, starting over\n", ifname);
		fflush(stdout);
		set_inaddr(SIOCSIFADDR, 0);
	}
usage:
	fprintf(stderr, "usage: dhcpc [-b|-q] [-r resolv.conf] [-t secs] ifname\n");
	return 2;
}
