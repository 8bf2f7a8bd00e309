/* The network kernel thread ("netisr") and the kernel's stack instance (knet.h).
 *
 * The receive path is the seed's: a NIC interrupt reads ICR, masks the device and kicks this
 * thread; the thread runs each driver's poll (receive ring -> mbufs -> ether_input, ARP, IP
 * and the transports, which wake sleeping sockets; transmit reclaim), then netisr_run (the
 * interface input queues: loopback, and any driver that queues with if_input), then the
 * callout wheel with the kernel clock.
 * Nothing of the stack runs in interrupt context, so the stack's allocations (kmalloc, which
 * interrupt handlers may not call) and its sleepable net lock are always legal.
 * When idle the thread sleeps until a kick or the next timer, and at least once a second
 * (drivers' ticks: statistics registers, link state).
 */
#include "klib.h"
#include "sync.h"
#include "thread.h"
#include "knet.h"
#include <stos/errno.h>
#include "../../net/netstack.h"
#include "../../net/socketvar.h"
#include "../../net/netlib.h"
#include "../../net/tcp_var.h"

#define KNET_TICK_NS 1000000000ull
/* Passes over the input queues per turn of the thread (netisr_run_passes): a pass takes all
 * that waits, the next ones what the receive path sent itself on the loopback interface
 * (a connection to ourselves: a handful of passes per burst). */
#define NETISR_PASSES 64

/* Where the netisr thread's time goes (`netstat -s`, group "netisr"): wall-clock ns from the
 * kernel clock, so under QEMU's -icount they count guest instructions (shift 0: one ns per
 * instruction), a figure that does not move with the host's load. */
#define KNET_STAT_LIST(X) \
	X(loops, "passes of the netisr loop") \
	X(driver_ns, "nanoseconds in the drivers' poll (receive rings, and the stack on their frames)") \
	X(queue_ns, "nanoseconds in netisr_run (frames from the interface input queues)") \
	X(timer_ns, "nanoseconds in the callout wheel") \
	X(queue_frames, "frames netisr_run took from the input queues")
#define KNET_STAT_FIELD(name, desc) uint64_t name;
static struct { KNET_STAT_LIST(KNET_STAT_FIELD) } knet_st;
#define KNET_STAT_DESC(name, desc) { #name, desc },
static const struct net_statdesc knet_st_desc[] = { KNET_STAT_LIST(KNET_STAT_DESC) };

static struct spinlock knet_drv_lk = { 0, "knet-drivers" };
static struct knet_driver *knet_drivers;
static struct netstack *knet_ns;
static char knet_cmdline[256];

void knet_set_cmdline(const char *cmdline)
{
	strlcpy(knet_cmdline, cmdline ? cmdline : "", sizeof(knet_cmdline));
}

struct netstack *knet_stack(void)
{
	return __atomic_load_n(&knet_ns, __ATOMIC_ACQUIRE);
}

void knet_add_driver(struct knet_driver *d)
{
	spin_lock(&knet_drv_lk);
	d->next = knet_drivers;
	knet_drivers = d;
	spin_unlock(&knet_drv_lk);
}

void knet_drivers_stats(void)
{
	spin_lock(&knet_drv_lk);
	struct knet_driver *list = knet_drivers;
	spin_unlock(&knet_drv_lk);
	/* Drivers are only ever added at the head, so the list from here on is stable. */
	for (struct knet_driver *d = list; d; d = d->next)
		if (d->stats)
			d->stats(d->arg);
}

/* Finds "key=" in the saved command line; copies its value (up to a space) into out. */
bool knet_cmdline_get(const char *key, char *out, size_t n)
{
	size_t kl = strlen(key);
	const char *s = knet_cmdline;
	while (*s) {
		while (*s == ' ')
			s++;
		if (strncmp(s, key, kl) == 0 && s[kl] == '=') {
			s += kl + 1;
			size_t i = 0;
			while (s[i] && s[i] != ' ' && i + 1 < n) {
				out[i] = s[i];
				i++;
			}
			out[i] = 0;
			return true;
		}
		while (*s && *s != ' ')
			s++;
	}
	return false;
}

/* Parses a dotted quad at *sp, advancing it; host-order result. */
static bool parse_ipv4(const char **sp, uint32_t *out)
{
	const char *s = *sp;
	uint32_t a = 0;
	for (int i = 0; i < 4; i++) {
		if (*s < '0' || *s > '9')
			return false;
		uint32_t v = 0;
		int digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (uint32_t)(*s++ - '0');
			digits++;
		}
		if (v > 255)
			return false;
		a = a << 8 | v;
		if (i < 3 && *s++ != '.')
			return false;
	}
	*sp = s;
	*out = a;
	return true;
}

/* ip=A.B.C.D/P[,gw=A.B.C.D] on eth0.  Net lock held. */
static void knet_config_ip(struct netstack *ns, const char *v)
{
	struct ifnet *ifp = ifnet_byname(ns, "eth0");
	uint32_t addr, gw = 0;
	unsigned plen = 24;
	const char *s = v;
	if (!ifp) {
		kprintf("net: ip=%s ignored: no eth0\n", v);
		return;
	}
	if (!parse_ipv4(&s, &addr))
		goto bad;
	if (*s == '/') {
		s++;
		plen = 0;
		if (*s < '0' || *s > '9')
			goto bad;
		while (*s >= '0' && *s <= '9')
			plen = plen * 10 + (unsigned)(*s++ - '0');
		if (plen > 32)
			goto bad;
	}
	if (strncmp(s, ",gw=", 4) == 0) {
		s += 4;
		if (!parse_ipv4(&s, &gw))
			goto bad;
	}
	if (*s)
		goto bad;
	int rc = if_addr_add(ifp, addr, plen);
	char a[16], g[16];
	kprintf("net: eth0 %s/%u%s (%d)\n", net_ntoa(addr, a), plen, rc ? " failed" : "", rc);
	if (gw) {
		rc = rt_add(ns, 0, 0, gw, NULL, 0, RTF_STATIC);
		kprintf("net: default route via %s%s\n", net_ntoa(gw, g), rc ? " failed" : "");
	}
	return;
bad:
	kprintf("net: ip=%s not understood (want ip=A.B.C.D/P[,gw=A.B.C.D], ip=dhcp or ip=none)\n", v);
}

void knet_early(void)
{
	char v[16];
	if (!(knet_cmdline_get("e1000", v, sizeof(v)) && strcmp(v, "off") == 0))
		e1000_rctl_early();
}

/* A TCP feature switched by name=0 / name=1 on the command line (on unless 0 is given):
 * *off is the tcp_conf field that turns it off. */
static void knet_cmdline_off(const char *name, bool *off)
{
	char v[8];
	if (!knet_cmdline_get(name, v, sizeof(v)))
		return;
	if ((v[0] == '0' || v[0] == '1') && v[1] == 0) {
		*off = v[0] == '0';
		kprintf("net: %s=%s\n", name, v);
	} else {
		kprintf("net: %s=%s ignored (want 0 or 1)\n", name, v);
	}
}

static void knet_bringup(struct netstack *ns)
{
	char v[64];
	int n = 0;
	if (knet_cmdline_get("e1000", v, sizeof(v)) && strcmp(v, "off") == 0)
		kprintf("net: e1000=off: NICs left alone\n");
	else
		n = e1000_attach_all(ns);
	NET_LOCK(ns);
	if (knet_cmdline_get("forwarding", v, sizeof(v)) && strcmp(v, "1") == 0) {
		ns->ns_conf.ip_forwarding = true;
		kprintf("net: IPv4 forwarding on\n");
	}
	/* offload=off: every checksum in software (the drivers' if_hwassist cleared), for
	 * comparisons and for devices whose offload is suspect. */
	if (knet_cmdline_get("offload", v, sizeof(v)) && strcmp(v, "off") == 0) {
		for (struct ifnet *ifp = ns->ns_ifnet; ifp; ifp = ifp->if_next)
			ifp->if_hwassist = 0;
		kprintf("net: offload=off: checksums in software\n");
	}
	/* tcp_ecn=0|1|2: TCP's ECN choice (net/tcp_ecn.c; 2, answer only, unless given). */
	if (knet_cmdline_get("tcp_ecn", v, sizeof(v))) {
		struct tcp_instance *ti = tcp_instance(ns);
		if (ti && v[0] >= '0' && v[0] <= '2' && v[1] == 0) {
			ti->ti_conf.ecn = (uint8_t)(v[0] - '0');
			kprintf("net: tcp_ecn=%s\n", v);
		} else {
			kprintf("net: tcp_ecn=%s ignored (want 0, 1 or 2)\n", v);
		}
	}
	struct tcp_instance *ti = tcp_instance(ns);
	if (ti) {
		/* tcp_hystart=0: CUBIC's first slow start without HyStart++ (tcp_cc_hystart.c). */
		knet_cmdline_off("tcp_hystart", &ti->ti_conf.no_hystart);
		/* tcp_tlp=0: no tail loss probes (net/tcp_tlp.c). */
		knet_cmdline_off("tcp_tlp", &ti->ti_conf.no_tlp);
		/* tcp_initcwnd=N: the initial window in segments (RFC 6928's rule; 0: RFC
		 * 5681's 2 to 4). */
		if (knet_cmdline_get("tcp_initcwnd", v, sizeof(v))) {
			unsigned n;
			if (kparse_uint(v, TCP_INITCWND_MAX, &n)) {
				ti->ti_conf.initcwnd_segs = (uint8_t)n;
				kprintf("net: tcp_initcwnd=%u\n", n);
			} else {
				kprintf("net: tcp_initcwnd=%s ignored (want 0 to %d)\n", v,
				    TCP_INITCWND_MAX);
			}
		}
	}
	/* Every NIC comes up (a DHCP client needs eth0 up before it has an address). */
	for (struct ifnet *ifp = ns->ns_ifnet; ifp; ifp = ifp->if_next)
		if (ifp->if_type == IFT_ETHER)
			if_setflags(ifp, ifp->if_flags | IFF_UP);
	if (knet_cmdline_get("ip", v, sizeof(v)) && strcmp(v, "none") != 0 && strcmp(v, "dhcp") != 0)
		knet_config_ip(ns, v);
	NET_UNLOCK(ns);
	kprintf("net: %d e1000 interface%s\n", n, n == 1 ? "" : "s");
}

static void netisr_main(void *arg)
{
	struct netstack *ns = arg;
	uint64_t next_tick = clock_ns() + KNET_TICK_NS;
	for (;;) {
		bool more = false;
		uint64_t t0 = clock_ns();
		for (struct knet_driver *d = knet_drivers; d; d = d->next)
			more |= d->poll(d->arg);
		uint64_t t1 = clock_ns();
		knet_st.queue_frames += netisr_run_passes(ns, NETISR_PASSES);
		uint64_t now = clock_ns();
		net_timers_run(ns, now);
		uint64_t t3 = clock_ns();
		knet_st.loops++;
		knet_st.driver_ns += t1 - t0;
		knet_st.queue_ns += now - t1;
		knet_st.timer_ns += t3 - now;
		if (now >= next_tick) {
			for (struct knet_driver *d = knet_drivers; d; d = d->next)
				if (d->tick)
					d->tick(d->arg);
			next_tick = now + KNET_TICK_NS;
		}
		if (more || netisr_pending(ns)) {
			/* A driver stopped at its budget, or netisr_run_passes at its passes: the
			 * timers have run, let others run too before the rest. */
			yield();
			continue;
		}
		NET_LOCK(ns);
		uint64_t deadline = net_timers_next(ns);
		NET_UNLOCK(ns);
		if (deadline > next_tick)
			deadline = next_tick;
		knet_wait(deadline);
	}
}

/* Called by kmain before the first process: the stack and the NICs are ready (and ip=
 * applied) before init runs, so /etc/rc finds the network configured.  Nothing here sleeps
 * (the locks are uncontended), which is what makes it legal before the scheduler starts. */
void knet_start(void)
{
	struct netstack *ns = netstack_create("stos", NULL);
	if (!ns) {
		kprintf("net: no memory for the network stack; networking off\n");
		return;
	}
	int rc = so_instance_init(ns);
	if (rc)
		kprintf("net: socket layer init failed (%d)\n", rc);
	__atomic_store_n(&knet_ns, ns, __ATOMIC_RELEASE);
	NET_LOCK(ns);
	net_stats_register(ns, "netisr", knet_st_desc, sizeof(knet_st_desc) / sizeof(knet_st_desc[0]),
	    &knet_st);
	NET_UNLOCK(ns);
	knet_bringup(ns);
	if (!kthread_create("netisr", netisr_main, ns))
		kprintf("net: cannot start the netisr thread; networking off\n");
}
