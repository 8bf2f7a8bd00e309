/* stosnet: the STOS network stack as a Linux process on a TAP device.
 *
 *   stosnet --tap IFNAME --addr A.B.C.D/P [--gw A.B.C.D] [--mac XX:XX:XX:XX:XX:XX]
 *           [--pcap FILE] [--fault loss=PPM,dup=PPM,ce=PPM,seed=N,burst=AT:MS] [--http-idle S]
 *           [--md5 A.B.C.D=KEY]...
 *
 * It answers ARP and ping like any host and runs UDP echo (port 7) and discard (port 9), and
 * TCP echo (7), discard (9), chargen (19) and HTTP (80) (stosnet_tcp.c).  --fault makes the
 * link lose (or duplicate) frames on a seeded schedule, mark ECN-capable IPv4 packets CE as a
 * congested router would (ce=PPM), and lose every frame for MS milliseconds from frame number
 * AT on (both directions counted together): an outage (tap.h).
 * --http-idle S (default 60, 0: none) is HTTP's time limit for a request head and for each
 * write's progress while answering (stosnet_tcp.c).
 * --md5 A.B.C.D=KEY (up to 8 times) gives the TCP services a TCP-MD5 key for that peer (RFC
 * 2385, TCP_MD5SIG): its connections are signed, and its unsigned segments are dropped.
 * The TAP link's thread runs the stack (netisr and timers); this thread runs the services
 * through the C socket API.  SIGINT/SIGTERM stop it cleanly (the pcap file is complete);
 * SIGUSR1 prints the TCP connection counts (tests wait on them).
 * Exit status: 0 after a signal, 1 on a runtime error, 2 on a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/netstack.h"
#include "net/route.h"
#include "host/port_host.h"
#include "host/stos_api.h"
#include "host/tap.h"
#include "host/stosnet.h"
#include "host/fault.h"
#include <poll.h>

#define SVC_MAX 65536

static struct svc { int fd; short events; svc_fn fn; void *arg; } svcs[SVC_MAX];
static unsigned nsvcs;
/* slot[fd - STOS_FD_BASE] = index in svcs + 1 (0: not watched), so watching, unwatching and
 * dispatching cost O(1) with tens of thousands of connections */
static unsigned *slot;
static unsigned slotcap;
static volatile sig_atomic_t stopping, report;

static unsigned *slot_of(int fd)
{
	unsigned k = (unsigned)(fd - STOS_FD_BASE);
	if (fd < STOS_FD_BASE || k >= STOS_FD_MAX)
		return NULL;
	if (k >= slotcap) {
		unsigned ncap = slotcap ? slotcap : 1024;
		while (ncap <= k)
			ncap *= 2;
		unsigned *n = realloc(slot, ncap * sizeof(*n));
		if (!n)
			return NULL;
		memset(n + slotcap, 0, (ncap - slotcap) * sizeof(*n));
		slot = n;
		slotcap = ncap;
	}
	return &slot[k];
}

int svc_watch(int fd, short events, svc_fn fn, void *arg)
{
	unsigned *sl = slot_of(fd);
	if (!sl)
		return -1;
	if (*sl) {
		svcs[*sl - 1] = (struct svc){ fd, events, fn, arg };
		return 0;
	}
	if (nsvcs >= SVC_MAX)
		return -1;
	svcs[nsvcs++] = (struct svc){ fd, events, fn, arg };
	*sl = nsvcs;
	return 0;
}

void svc_unwatch(int fd)
{
	unsigned *sl = slot_of(fd);
	if (!sl || !*sl)
		return;
	unsigned i = *sl - 1;
	*sl = 0;
	if (i != --nsvcs) {
		svcs[i] = svcs[nsvcs];
		*slot_of(svcs[i].fd) = i + 1;
	}
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		report = 1;
	else
		stopping = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: stosnet --tap IFNAME --addr A.B.C.D/P [--gw A.B.C.D] "
	    "[--mac XX:XX:XX:XX:XX:XX] [--pcap FILE]\n"
	    "               [--fault loss=PPM,dup=PPM,ce=PPM,seed=N,burst=AT:MS]\n"
	    "               [--http-idle SECONDS] [--md5 A.B.C.D=KEY]...\n"
	    "Runs the STOS network stack on an existing TAP device: ARP, ping,\n"
	    "UDP echo (port 7) and discard (port 9), TCP echo (7), discard (9),\n"
	    "chargen (19) and HTTP (80: GET / and GET /bytes/N).  --http-idle: seconds\n"
	    "an HTTP client has to send a request head, or to read more of an answer\n"
	    "(default 60, 0: no limit).  --md5: a TCP-MD5 key (1 to 80 bytes) the TCP\n"
	    "services use with that peer (up to 8 peers).\n");
}

static int parse_ip(const char *s, uint32_t *out)
{
	unsigned a, b, c, d;
	char extra;
	if (sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &extra) != 4 || a > 255 || b > 255 ||
	    c > 255 || d > 255)
		return -1;
	*out = (a << 24) | (b << 16) | (c << 8) | d;
	return 0;
}

static int parse_cidr(const char *s, uint32_t *addr, unsigned *plen)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	char *end;
	long p;
	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = 0;
	if (parse_ip(buf, addr) < 0)
		return -1;
	errno = 0;
	p = strtol(slash + 1, &end, 10);
	if (errno || *end || end == slash + 1 || p < 1 || p > 32)
		return -1;
	*plen = (unsigned)p;
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char extra;
	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
	    &extra) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	if (mac[0] & 1)
		return -1;   /* a multicast address cannot be a station's */
	return 0;
}

/* --fault loss=PPM,dup=PPM,ce=PPM,seed=N,burst=AT:MS (any subset, any order). */
static int parse_fault(const char *s, struct fault_conf *fc, unsigned long long *at,
    unsigned long long *len)
{
	char buf[256], *save = NULL, *tok;
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned long long v, w;
		char extra;
		if (sscanf(tok, "loss=%llu%c", &v, &extra) == 1 && v <= 1000000)
			fc->loss_ppm = (uint32_t)v;
		else if (sscanf(tok, "dup=%llu%c", &v, &extra) == 1 && v <= 1000000)
			fc->dup_ppm = (uint32_t)v;
		else if (sscanf(tok, "ce=%llu%c", &v, &extra) == 1 && v <= 1000000)
			fc->ce_ppm = (uint32_t)v;
		else if (sscanf(tok, "seed=%llu%c", &v, &extra) == 1)
			fc->seed = v;
		else if (sscanf(tok, "burst=%llu:%llu%c", &v, &w, &extra) == 2 && w <= 3600000) {
			*at = v;
			*len = w;
		} else
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tap", required_argument, NULL, 't' },
		{ "addr", required_argument, NULL, 'a' },
		{ "gw", required_argument, NULL, 'g' },
		{ "mac", required_argument, NULL, 'm' },
		{ "pcap", required_argument, NULL, 'p' },
		{ "fault", required_argument, NULL, 'f' },
		{ "http-idle", required_argument, NULL, 'i' },
		{ "md5", required_argument, NULL, '5' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tapname = NULL, *pcap = NULL;
	uint32_t addr = 0, gw = 0;
	unsigned plen = 0;
	uint8_t mac[6];
	int have_addr = 0, have_gw = 0, have_mac = 0, c, rc = 0;
	char err[512];
	struct fault_conf fc = { .seed = 1 };
	unsigned long long burst_at = 0, burst_ms = 0;
	int have_fault = 0;
	struct fault *fault = NULL;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't': tapname = optarg; break;
		case 'a':
			if (parse_cidr(optarg, &addr, &plen) < 0) {
				fprintf(stderr, "stosnet: bad --addr '%s' (want A.B.C.D/P, P 1..32)\n",
				    optarg);
				return 2;
			}
			have_addr = 1;
			break;
		case 'g':
			if (parse_ip(optarg, &gw) < 0) {
				fprintf(stderr, "stosnet: bad --gw '%s' (want A.B.C.D)\n", optarg);
				return 2;
			}
			have_gw = 1;
			break;
		case 'm':
			if (parse_mac(optarg, mac) < 0) {
				fprintf(stderr, "stosnet: bad --mac '%s' (want a unicast "
				    "XX:XX:XX:XX:XX:XX)\n", optarg);
				return 2;
			}
			have_mac = 1;
			break;
		case 'p': pcap = optarg; break;
		case 'f':
			if (parse_fault(optarg, &fc, &burst_at, &burst_ms) < 0) {
				fprintf(stderr, "stosnet: bad --fault '%s' (want loss=PPM,dup=PPM,"
				    "ce=PPM,seed=N,burst=AT:MS)\n", optarg);
				return 2;
			}
			have_fault = 1;
			break;
		case 'i': {
			char *end;
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || optarg[0] == '-' || v > 86400) {
				fprintf(stderr, "stosnet: bad --http-idle '%s' (want seconds, 0..86400; "
				    "0: no limit)\n", optarg);
				return 2;
			}
			svc_tcp_set_http_idle((unsigned)v);
			break;
		}
		case '5': {
			char ip[16];
			const char *eq = strchr(optarg, '=');
			uint32_t peer;
			size_t il = eq ? (size_t)(eq - optarg) : 0;
			if (!eq || il >= sizeof ip || (memcpy(ip, optarg, il), ip[il] = 0,
			    parse_ip(ip, &peer) < 0) || svc_tcp_add_md5(peer, eq + 1) < 0) {
				fprintf(stderr, "stosnet: bad --md5 '%s' (want A.B.C.D=KEY, a key of 1 "
				    "to 80 bytes, at most 8 peers)\n", optarg);
				return 2;
			}
			break;
		}
		case 'h': usage(stdout); return 0;
		default:
			if (optopt)
				fprintf(stderr, "stosnet: option needs a value or is unknown: %s\n",
				    argv[optind - 1]);
			else
				fprintf(stderr, "stosnet: unknown option %s\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "stosnet: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!tapname || !have_addr) {
		fprintf(stderr, "stosnet: --tap and --addr are required\n");
		usage(stderr);
		return 2;
	}
	if (!have_mac) {
		/* locally administered, derived from the address: stable across runs */
		mac[0] = 0x02; mac[1] = 0x53;
		mac[2] = (uint8_t)(addr >> 24); mac[3] = (uint8_t)(addr >> 16);
		mac[4] = (uint8_t)(addr >> 8); mac[5] = (uint8_t)addr;
	}

	struct netstack *ns = host_netstack_create("stosnet", false, 0);
	if (!ns || stos_stack_init(ns) < 0) {
		fprintf(stderr, "stosnet: cannot create the stack instance\n");
		return 1;
	}
	struct tap_link *t = tap_open(ns, tapname, "eth0", mac, pcap, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "stosnet: %s\n", err);
		host_netstack_destroy(ns);
		return 1;
	}
	if (have_fault) {
		if (fc.loss_ppm || fc.dup_ppm || fc.ce_ppm) {
			fault = fault_new(&fc);
			if (!fault) {
				fprintf(stderr, "stosnet: out of memory\n");
				rc = 1;
				goto out;
			}
		}
		tap_set_fault(t, fault, burst_at, burst_ms * 1000000ull);
	}
	NET_LOCK(ns);
	int e = if_addr_add(tap_ifnet(t), addr, plen);
	if (!e && have_gw)
		e = rt_add(ns, 0, 0, gw, NULL, 0, RTF_STATIC);
	NET_UNLOCK(ns);
	if (e) {
		fprintf(stderr, "stosnet: cannot configure %s: %s\n",
		    have_gw ? "the address or the gateway (is it on the subnet?)" : "the address",
		    strerror(-e));
		rc = 1;
		goto out;
	}
	if (svc_udp_init(ns) < 0 || svc_tcp_init(ns) < 0) {
		rc = 1;
		goto out;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (tap_start(t) < 0) {
		fprintf(stderr, "stosnet: cannot start the netisr thread\n");
		rc = 1;
		goto out;
	}
	printf("stosnet: up on %s, %u.%u.%u.%u/%u, mac %02x:%02x:%02x:%02x:%02x:%02x\n", tapname,
	    addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255, addr & 255, plen, mac[0], mac[1],
	    mac[2], mac[3], mac[4], mac[5]);
	fflush(stdout);

	struct pollfd *pf = calloc(SVC_MAX, sizeof(*pf));
	while (!stopping && pf) {
		if (report) {
			unsigned long long open, accepted, timedout;
			report = 0;
			svc_tcp_counts(&open, &accepted, &timedout);
			printf("stosnet: tcp open %llu accepted %llu timedout %llu\n", open, accepted,
			    timedout);
			fflush(stdout);
		}
		unsigned n = nsvcs;
		for (unsigned i = 0; i < n; i++)
			pf[i] = (struct pollfd){ svcs[i].fd, svcs[i].events, 0 };
		/* 200 ms of real time at most, so a signal is noticed promptly */
		int k = stos_poll(pf, n, 200);
		if (k < 0 && errno != EINTR)
			break;
		for (unsigned i = 0; k > 0 && i < n; i++) {
			unsigned *sl;
			if (!pf[i].revents || !(sl = slot_of(pf[i].fd)) || !*sl)
				continue;
			struct svc *sv = &svcs[*sl - 1];
			sv->fn(pf[i].fd, pf[i].revents, sv->arg);
		}
		svc_tcp_expire();
	}
	free(pf);
	{
		unsigned long long open, accepted, timedout;
		svc_tcp_counts(&open, &accepted, &timedout);
		printf("stosnet: stopping: %llu TCP connections accepted, %llu open, %llu closed by "
		    "the HTTP time limit, %llu frames lost by --fault\n", accepted, open, timedout,
		    (unsigned long long)tap_fault_lost(t));
		printf("stosnet: ECN: %llu frames marked CE by --fault; TCP: %llu connections "
		    "negotiated it, %llu CE marks received, %llu window cuts for ECE\n",
		    (unsigned long long)tap_fault_marked(t), stos_stat(ns, "tcp", "ecn_shs"),
		    stos_stat(ns, "tcp", "ecn_ce"), stos_stat(ns, "tcp", "ecn_rcwnd"));
		printf("stosnet: TCP-MD5: dropped %llu unsigned, %llu wrongly signed, %llu signed "
		    "without a key\n", stos_stat(ns, "tcp", "md5missing"),
		    stos_stat(ns, "tcp", "md5bad"), stos_stat(ns, "tcp", "md5unexpected"));
		fflush(stdout);
	}
out:
	tap_close(t);
	if (fault)
		fault_free(fault);
	stos_close_all(ns);
	host_netstack_destroy(ns);
	return rc;
}
