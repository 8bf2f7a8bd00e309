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

static void schedule(struct world *w, struct wire_port *from, const uint8_t *data, size_t len,
    uint64_t at, const struct fault_out *fo)
{
	struct frame *f = malloc(sizeof(*f) + len);
	if (!f)
		return;
	f->at = at;
	f->seq = w->seq++;
	f->from = from;
	f->len = len;
	memcpy(f->data, data, len);
	if (fo && fo->corrupt && fo->at < len)
		f->data[fo->at] ^= 0xff;
	struct frame **pp = &w->inflight;
	while (*pp && ((*pp)->at < at || ((*pp)->at == at && (*pp)->seq < f->seq)))
		pp = &(*pp)->next;
	f->next = *pp;
	*pp = f;
}

/* A frame leaves port `from`: capture it, decide its faults, schedule its delivery. */
static void wire_carry(struct wire_port *from, const uint8_t *data, size_t len)
{
	struct wire *wr = from->wr;
	struct world *w = wr->w;
	wr->frames++;
	if (wr->pcap)
		pcap_write(wr->pcap, w->now, data, len);
	if (!wr->fault) {
		schedule(w, from, data, len, w->now + wr->latency, NULL);
		return;
	}
	struct fault_out out[2];
	int n = fault_decide(wr->fault, len, out);
	for (int i = 0; i < n; i++)
		schedule(w, from, data, len, w->now + wr->latency + out[i].delay_ns, &out[i]);
}

/* if_start of a wire interface (net lock held): copy each queued frame onto the wire. */
static void wire_start(struct ifnet *ifp)
{
	struct wire_port *p = ifp->if_softc;
	struct mbuf *m;
	while ((m = if_dequeue(ifp)) != NULL) {
		uint32_t len = m->m_pkthdr.len;
		uint8_t *buf = malloc(len ? len : 1);
		if (buf && m_copydata(m, 0, len, buf) == 0)
			wire_carry(p, buf, len);
		else
			ifp->if_c.oerrors++;
		free(buf);
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
	wire_carry(p, frame, len);
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
			deliver(f);
			free(f);
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
