/* The TAP link (tap.h): driver side (if_start writes to the device) and the netisr thread. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <stos/fcntl.h>
#include <poll.h>

#include "net/netstack.h"
#include "host/port_host.h"
#include "host/pcap.h"
#include "host/tap.h"
#include "host/fault.h"

#define TAP_FRAME_MAX 65550     /* jumbo MTU plus header, and more than any frame we send */

struct tap_link {
	struct netstack *ns;
	struct ifnet *ifp;
	int fd;
	int kick[2];
	pthread_t th;
	int running;
	volatile int stop;
	struct pcap_writer *pcap;
	pthread_mutex_t pcap_mu;
	uint64_t rx, tx, drops;
	/* Fault injection (tap_set_fault): frames of either direction, counted together from
	 * the start, are lost by f's seeded schedule, and every frame is lost for burst_ns from
	 * frame number burst_at on (an outage; counted in time, not frames, so that the sender's
	 * backed-off retransmissions are not what ends it).  Only loss and duplication apply: a
	 * real link has no queue to reorder in. */
	struct fault *fault;
	uint64_t fault_frames, burst_at, burst_ns, burst_start, fault_lost, fault_marked;
	uint8_t txbuf[TAP_FRAME_MAX];
};

static uint64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* How many copies of the next frame to deliver (0: lost); bit i of *ce set: copy i is to
 * be marked CE. */
static int tap_fault_copies(struct tap_link *t, size_t len, unsigned *ce)
{
	struct fault_out out[2];
	int k;
	*ce = 0;
	if (!t->fault && !t->burst_ns)
		return 1;
	uint64_t i = __atomic_fetch_add(&t->fault_frames, 1, __ATOMIC_RELAXED);
	if (t->burst_ns && i >= t->burst_at) {
		uint64_t now = port_now_ns(t->ns), start = 0;
		/* the first frame at or past burst_at starts the outage */
		__atomic_compare_exchange_n(&t->burst_start, &start, now, false, __ATOMIC_RELAXED,
		    __ATOMIC_RELAXED);
		if (!start)
			start = now;
		if (now - start < t->burst_ns) {
			__atomic_fetch_add(&t->fault_lost, 1, __ATOMIC_RELAXED);
			return 0;
		}
	}
	if (!t->fault)
		return 1;
	pthread_mutex_lock(&t->pcap_mu);   /* the schedule is shared by both directions */
	k = fault_decide(t->fault, len, out);
	pthread_mutex_unlock(&t->pcap_mu);
	if (!k)
		__atomic_fetch_add(&t->fault_lost, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < k; i++)
		*ce |= (unsigned)out[i].ce << i;
	return k;
}

void tap_set_fault(struct tap_link *t, struct fault *f, uint64_t burst_at, uint64_t burst_ns)
{
	t->fault = f;
	t->burst_at = burst_at;
	t->burst_ns = burst_ns;
}

uint64_t tap_fault_lost(struct tap_link *t)
{
	return __atomic_load_n(&t->fault_lost, __ATOMIC_RELAXED);
}

uint64_t tap_fault_marked(struct tap_link *t)
{
	return __atomic_load_n(&t->fault_marked, __ATOMIC_RELAXED);
}

static void tap_record(struct tap_link *t, const uint8_t *f, size_t len)
{
	if (!t->pcap)
		return;
	pthread_mutex_lock(&t->pcap_mu);
	pcap_write(t->pcap, realtime_ns(), f, len);
	pthread_mutex_unlock(&t->pcap_mu);
}

/* if_start: net lock held.  The TAP fd is non-blocking: a full device queue drops the frame
 * (counted), as a NIC with a full ring would. */
static void tap_if_start(struct ifnet *ifp)
{
	struct tap_link *t = ifp->if_softc;
	struct mbuf *m;
	if (!t) {
		/* the link was closed: the interface has no device any more */
		while ((m = if_dequeue(ifp)) != NULL)
			m_freem(m);
		return;
	}
	while ((m = if_dequeue(ifp)) != NULL) {
		uint32_t len = m->m_pkthdr.len;
		if (len > sizeof(t->txbuf) || m_copydata(m, 0, len, t->txbuf) != 0) {
			t->drops++;
			m_freem(m);
			continue;
		}
		m_freem(m);
		tap_record(t, t->txbuf, len);
		unsigned ce;
		for (int k = tap_fault_copies(t, len, &ce); k > 0; k--) {
			if ((ce & (1u << (k - 1))) && fault_mark_ce(t->txbuf, len))
				__atomic_fetch_add(&t->fault_marked, 1, __ATOMIC_RELAXED);
			if (write(t->fd, t->txbuf, len) != (ssize_t)len)
				t->drops++;
			else
				t->tx++;
		}
	}
}

static void tap_kick(struct netstack *ns, void *arg)
{
	struct tap_link *t = arg;
	char c = 1;
	(void)ns;
	if (write(t->kick[1], &c, 1) < 0) {
		/* the pipe is full: a wakeup is already pending */
	}
}

static void *tap_thread(void *arg)
{
	struct tap_link *t = arg;
	struct netstack *ns = t->ns;
	uint8_t *buf = malloc(TAP_FRAME_MAX);
	if (!buf)
		return NULL;
	while (!t->stop) {
		struct pollfd p[2] = { { t->fd, POLLIN, 0 }, { t->kick[0], POLLIN, 0 } };
		uint64_t now = port_now_ns(ns), next;
		int timeout;
		NET_LOCK(ns);
		next = net_timers_next(ns);
		NET_UNLOCK(ns);
		timeout = next == UINT64_MAX ? 100 : next <= now ? 0 :
		    (int)((next - now + 999999) / 1000000);
		if (timeout > 100)
			timeout = 100;     /* so `stop` is noticed promptly */
		if (poll(p, 2, timeout) < 0 && errno != EINTR)
			break;
		if (p[1].revents & POLLIN) {
			char junk[64];
			while (read(t->kick[0], junk, sizeof(junk)) > 0)
				;
		}
		if (p[0].revents & POLLIN) {
			for (int i = 0; i < 64; i++) {
				ssize_t n = read(t->fd, buf, TAP_FRAME_MAX);
				struct mbuf *m;
				if (n <= 0)
					break;
				tap_record(t, buf, (size_t)n);
				t->rx++;
				unsigned ce;
				if (!tap_fault_copies(t, (size_t)n, &ce))
					continue;
				if (ce && fault_mark_ce(buf, (size_t)n))
					__atomic_fetch_add(&t->fault_marked, 1, __ATOMIC_RELAXED);
				m = m_devget(buf, (uint32_t)n, 2, t->ifp);
				if (!m) {
					t->drops++;
					continue;
				}
				if_input(t->ifp, m);
			}
		}
		netisr_run(ns);
		net_timers_run(ns, port_now_ns(ns));
	}
	free(buf);
	return NULL;
}

struct tap_link *tap_open(struct netstack *ns, const char *tapname, const char *ifname,
    const uint8_t mac[6], const char *pcap_path, char *err, size_t errlen)
{
	struct tap_link *t = calloc(1, sizeof(*t));
	struct host_ns *h = ns->ns_host;
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->ns = ns;
	t->kick[0] = t->kick[1] = -1;
	pthread_mutex_init(&t->pcap_mu, NULL);
	t->fd = tap_dev_open(tapname, err, errlen);
	if (t->fd < 0)
		goto fail;
	if (pipe2(t->kick, O_NONBLOCK | O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	if (pcap_path) {
		t->pcap = pcap_open(pcap_path);
		if (!t->pcap) {
			snprintf(err, errlen, "cannot write pcap file '%s': %s", pcap_path,
			    strerror(errno));
			goto fail;
		}
	}
	NET_LOCK(ns);
	t->ifp = ether_ifattach(ns, ifname, mac, tap_if_start, t);
	if (t->ifp)
		if_setflags(t->ifp, t->ifp->if_flags | IFF_UP);
	NET_UNLOCK(ns);
	if (!t->ifp) {
		snprintf(err, errlen, "cannot create interface %s in the stack", ifname);
		goto fail;
	}
	if (h) {
		h->kick_arg = t;
		h->kick = tap_kick;
	}
	return t;
fail:
	if (t->pcap)
		pcap_close(t->pcap);
	if (t->fd >= 0)
		close(t->fd);
	if (t->kick[0] >= 0) {
		close(t->kick[0]);
		close(t->kick[1]);
	}
	pthread_mutex_destroy(&t->pcap_mu);
	free(t);
	return NULL;
}

struct ifnet *tap_ifnet(struct tap_link *t) { return t->ifp; }

int tap_start(struct tap_link *t)
{
	if (pthread_create(&t->th, NULL, tap_thread, t) != 0)
		return -1;
	t->running = 1;
	return 0;
}

void tap_counters(struct tap_link *t, uint64_t *rx, uint64_t *tx, uint64_t *drops)
{
	*rx = t->rx;
	*tx = t->tx;
	*drops = t->drops;
}

void tap_close(struct tap_link *t)
{
	struct host_ns *h = t->ns->ns_host;
	if (t->running) {
		t->stop = 1;
		tap_kick(t->ns, t);
		pthread_join(t->th, NULL);
	}
	if (h) {
		h->kick = NULL;
		h->kick_arg = NULL;
	}
	/* The interface stays attached (the instance owns it) but must not write any more. */
	NET_LOCK(t->ns);
	if (t->ifp) {
		t->ifp->if_softc = NULL;
		if_setflags(t->ifp, t->ifp->if_flags & ~IFF_UP);
	}
	NET_UNLOCK(t->ns);
	if (t->pcap)
		pcap_close(t->pcap);
	close(t->fd);
	close(t->kick[0]);
	close(t->kick[1]);
	pthread_mutex_destroy(&t->pcap_mu);
	free(t);
}
