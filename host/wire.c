/* The in-memory wire and its world (wire.h). */
#include <stdlib.h>
#include <string.h>
#include "net/netstack.h"
#include "host/port_host.h"
#include "host/pcap.h"
#include "host/wire.h"

#define WORLD_MAX_STACKS 16
#define WORLD_MAX_WIRES  16
#define WIRE_MAX_PORTS   16

/* Frames in flight are recycled through a free list in the world instead of one malloc and
 * free each: glibc serves a frame-sized block (above its 1 KiB per-thread cache) from its
 * bins, and once a test has built a large heap (100,000 connections' state) that search
 * costs several hundred instructions a frame, which the per-segment benchmark
 * (tests/tcp/tcp_scale_bench.c) then charged to the stack.  Every frame up to FRAME_CAP
 * bytes (any Ethernet frame the stacks send) gets a FRAME_CAP block; bigger ones (raw ports
 * may send anything) are allocated and freed one by one.  At most FRAME_SPARE_MAX spare
 * blocks are kept (4.3 MiB); world_free releases them.  Under AddressSanitizer nothing is
 * recycled, so a read past a frame's length or after its delivery is still caught. */
#define FRAME_CAP       2048u
#define FRAME_SPARE_MAX 2048u
#if defined(__SANITIZE_ADDRESS__)
#define FRAME_RECYCLE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FRAME_RECYCLE 0
#endif
#endif
#ifndef FRAME_RECYCLE
#define FRAME_RECYCLE 1
#endif

struct wire_port {
	struct wire *wr;
	struct ifnet *ifp;                  /* NULL for a raw port */
	void (*rx)(void *arg, const uint8_t *frame, size_t len);
	void *arg;
};

struct frame {
	struct frame *next;
	uint64_t at;                        /* delivery time */
	uint64_t seq;                       /* FIFO order among equal times */
	struct wire_port *from;
	size_t len;
	size_t cap;                         /* bytes of data[]: FRAME_CAP, or len when bigger */
	uint8_t data[];
};

struct wire {
	struct world *w;
	uint64_t latency;
	struct wire_port *ports[WIRE_MAX_PORTS];
	int nports;
	struct pcap_writer *pcap;
	struct fault *fault;
	uint64_t frames;
};

struct world {
	uint64_t now;
	uint64_t seq;
	struct netstack *stacks[WORLD_MAX_STACKS];
	int nstacks;
	struct wire *wires[WORLD_MAX_WIRES];
	int nwires;
	struct frame *inflight;             /* sorted by (at, seq) */
	struct frame *inflight_tail;        /* its last frame (where a new one usually goes) */
	struct frame *spare;                /* free FRAME_CAP frames, linked by next */
	unsigned nspare;
	uint64_t frame_allocs;              /* frame records taken from malloc */
};

struct world *world_new(uint64_t start_ns)
{
	struct world *w = calloc(1, sizeof(*w));
	if (w)
		w->now = start_ns;
	return w;
}

uint64_t world_now(const struct world *w) { return w->now; }

struct netstack *world_stack(struct world *w, const char *name)
{
	if (w->nstacks >= WORLD_MAX_STACKS)
		return NULL;
	struct netstack *ns = host_netstack_create(name, true, w->now);
	if (ns)
		w->stacks[w->nstacks++] = ns;
	return ns;
}

struct wire *world_wire(struct world *w, uint64_t latency_ns)
{
	if (w->nwires >= WORLD_MAX_WIRES)
		return NULL;
	struct wire *wr = calloc(1, sizeof(*wr));
	if (!wr)
		return NULL;
	wr->w = w;
	wr->latency = latency_ns;
	w->wires[w->nwires++] = wr;
	return wr;
}

uint64_t wire_frames(const struct wire *wr) { return wr->frames; }

void world_frame_stats(const struct world *w, uint64_t *allocs, unsigned *spare)
{
	*allocs = w->frame_allocs;
	*spare = w->nspare;
}

/* A frame record for len bytes (len and cap set), or NULL. */
static struct frame *frame_get(struct world *w, size_t len)
{
	struct frame *f;
	if (len <= FRAME_CAP && w->spare) {
		f = w->spare;
		w->spare = f->next;
		w->nspare--;
	} else {
		size_t cap = len <= FRAME_CAP ? FRAME_CAP : len;
		f = malloc(sizeof(*f) + cap);
		if (!f)
			return NULL;
		f->cap = cap;
		w->frame_allocs++;
	}
	f->len = len;
	return f;
}

static void frame_put(struct world *w, struct frame *f)
{
	if (FRAME_RECYCLE && f->cap == FRAME_CAP && w->nspare < FRAME_SPARE_MAX) {
		f->next = w->spare;
		w->spare = f;
		w->nspare++;
	} else {
		free(f);
	}
}

/* Queues f (its data and len filled) for delivery at time `at`, after every frame due
 * earlier or at the same time (FIFO among equal times).  The wire's latency is fixed, so a
 * new frame almost always goes last: the tail is checked first. */
static void schedule(struct world *w, struct wire_port *from, struct frame *f, uint64_t at)
{
	f->at = at;
	f->seq = w->seq++;
	f->from = from;
	f->next = NULL;
	if (!w->inflight) {
		w->inflight = w->inflight_tail = f;
		return;
	}
	if (w->inflight_tail->at <= at) {     /* its seq is lower: f goes after it */
		w->inflight_tail->next = f;
		w->inflight_tail = f;
		return;
	}
	struct frame **pp = &w->inflight;
	while (*pp && (*pp)->at <= at)
		pp = &(*pp)->next;
	f->next = *pp;                       /* not NULL: the tail is due later than f */
	*pp = f;
}

/* A frame leaves port `from` (f holds it; consumed): capture it, decide its faults,
 * schedule its delivery, once or twice (a duplicate), or drop it. */
static void wire_carry(struct wire_port *from, struct frame *f)
{
	struct wire *wr = from->wr;
	struct world *w = wr->w;
	wr->frames++;
	if (wr->pcap)
		pcap_write(wr->pcap, w->now, f->data, f->len);
	if (!wr->fault) {
		schedule(w, from, f, w->now + wr->latency);
		return;
	}
	unsigned dir = 0;
	while (dir < (unsigned)wr->nports && wr->ports[dir] != from)
		dir++;
	int64_t queued = fault_bottleneck(wr->fault, dir, w->now, f->len);
	if (queued < 0) {
		frame_put(w, f);
		return;
	}
	struct fault_out out[2];
	int n = fault_decide(wr->fault, f->len, out);
	for (int i = 0; i < n; i++) {
		/* The last output takes f itself; earlier ones a copy made before any
		 * corruption of f. */
		struct frame *g = f;
		if (i < n - 1) {
			g = frame_get(w, f->len);
			if (!g)
				continue;
			memcpy(g->data, f->data, f->len);
		}
		if (out[i].ce)
			fault_mark_ce(g->data, g->len);
		if (out[i].corrupt && out[i].at < g->len)
			g->data[out[i].at] ^= 0xff;
		schedule(w, from, g, w->now + wr->latency + (uint64_t)queued + out[i].delay_ns);
	}
	if (n == 0)
		frame_put(w, f);
}

/* if_start of a wire interface (net lock held): copy each queued frame onto the wire. */
static void wire_start(struct ifnet *ifp)
{
	struct wire_port *p = ifp->if_softc;
	struct world *w = p->wr->w;
	struct mbuf *m;
	while ((m = if_dequeue(ifp)) != NULL) {
		uint32_t len = m->m_pkthdr.len;
		struct frame *f = frame_get(w, len);
		if (f && m_copydata(m, 0, len, f->data) == 0) {
			wire_carry(p, f);
		} else {
			if (f)
				frame_put(w, f);
			ifp->if_c.oerrors++;
		}
		m_freem(m);
	}
}

static void wire_ifp_free(struct ifnet *ifp)
{
	struct wire_port *p = ifp->if_softc;
	if (p)
		p->ifp = NULL;
}

static struct wire_port *add_port(struct wire *wr)
{
	if (wr->nports >= WIRE_MAX_PORTS)
		return NULL;
	struct wire_port *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->wr = wr;
	wr->ports[wr->nports++] = p;
	return p;
}

struct ifnet *wire_attach(struct wire *wr, struct netstack *ns, const char *ifname,
    const uint8_t mac[6])
{
	struct wire_port *p = add_port(wr);
	if (!p)
		return NULL;
	NET_LOCK(ns);
	struct ifnet *ifp = ether_ifattach(ns, ifname, mac, wire_start, p);
	if (ifp) {
		ifp->if_free = wire_ifp_free;
		if_setflags(ifp, IFF_UP);
	}
	NET_UNLOCK(ns);
	p->ifp = ifp;
	return ifp;
}

struct wire_port *wire_raw_port(struct wire *wr,
    void (*rx)(void *arg, const uint8_t *frame, size_t len), void *arg)
{
	struct wire_port *p = add_port(wr);
	if (p) {
		p->rx = rx;
		p->arg = arg;
	}
	return p;
}

void wire_port_send(struct wire_port *p, const uint8_t *frame, size_t len)
{
	struct frame *f = frame_get(p->wr->w, len);
	if (!f)
		return;
	memcpy(f->data, frame, len);
	wire_carry(p, f);
}

int wire_pcap(struct wire *wr, const char *path)
{
	wr->pcap = pcap_open(path);
	return wr->pcap ? 0 : -1;
}

int wire_fault(struct wire *wr, const struct fault_conf *fc)
{
	fault_free(wr->fault);
	wr->fault = fc ? fault_new(fc) : NULL;
	return fc && !wr->fault ? -1 : 0;
}

void wire_fault_stats(struct wire *wr, struct fault_stats *st)
{
	if (wr->fault)
		fault_get_stats(wr->fault, st);
	else
		memset(st, 0, sizeof(*st));
}

static void deliver(struct frame *f)
{
	struct wire *wr = f->from->wr;
	for (int i = 0; i < wr->nports; i++) {
		struct wire_port *p = wr->ports[i];
		if (p == f->from)
			continue;
		if (p->rx) {
			p->rx(p->arg, f->data, f->len);
		} else if (p->ifp) {
			struct mbuf *m = m_devget(f->data, (uint32_t)f->len, 2, p->ifp);
			if (m)
				if_input(p->ifp, m);
			else
				p->ifp->if_c.iqdrops++;
		}
	}
}

static void set_clocks(struct world *w)
{
	for (int i = 0; i < w->nstacks; i++)
		host_clock_set(w->stacks[i], w->now);
}

void world_settle(struct world *w)
{
	for (int rounds = 0; rounds < 1000000; rounds++) {
		int progress = 0;
		while (w->inflight && w->inflight->at <= w->now) {
			struct frame *f = w->inflight;
			w->inflight = f->next;
			if (!w->inflight)
				w->inflight_tail = NULL;
			deliver(f);
			frame_put(w, f);
			progress = 1;
		}
		for (int i = 0; i < w->nstacks; i++) {
			struct netstack *ns = w->stacks[i];
			if (netisr_run(ns))
				progress = 1;
			NET_LOCK(ns);
			uint64_t next = net_timers_next(ns);
			NET_UNLOCK(ns);
			if (next <= w->now) {
				net_timers_run(ns, w->now);
				progress = 1;
			}
		}
		if (!progress)
			return;
	}
}

void world_run(struct world *w, uint64_t duration_ns)
{
	uint64_t end = w->now + duration_ns;
	world_settle(w);
	for (;;) {
		uint64_t next = w->inflight ? w->inflight->at : UINT64_MAX;
		for (int i = 0; i < w->nstacks; i++) {
			NET_LOCK(w->stacks[i]);
			uint64_t t = net_timers_next(w->stacks[i]);
			NET_UNLOCK(w->stacks[i]);
			if (t < next)
				next = t;
		}
		if (next > end)
			break;
		if (next > w->now) {
			w->now = next;
			set_clocks(w);
		}
		world_settle(w);
	}
	w->now = end;
	set_clocks(w);
	world_settle(w);
}

void world_free(struct world *w)
{
	if (!w)
		return;
	/* Stacks first: destroying one may still transmit (TCP resets the connections it
	 * aborts), and those frames join the in-flight list freed below. */
	for (int i = 0; i < w->nstacks; i++)
		host_netstack_destroy(w->stacks[i]);
	while (w->inflight) {
		struct frame *f = w->inflight;
		w->inflight = f->next;
		free(f);
	}
	while (w->spare) {
		struct frame *f = w->spare;
		w->spare = f->next;
		free(f);
	}
	for (int i = 0; i < w->nwires; i++) {
		struct wire *wr = w->wires[i];
		for (int j = 0; j < wr->nports; j++)
			free(wr->ports[j]);
		pcap_close(wr->pcap);
		fault_free(wr->fault);
		free(wr);
	}
	free(w);
}
