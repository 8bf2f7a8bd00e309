/* Many TCP connections over the in-memory wire (tcp_scale_world.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/tcp/tcp_scale_world.h"
#include "host/wire.h"
#include "host/port_host.h"
#include "host/stos_api.h"
#include "net/netstack.h"
#include "net/tcp_var.h"
#include <stos/socket.h>
#include <stos/in.h>
#include "host/sin.h"

#define BATCH 512       /* handshakes in flight at once (below the listen backlog) */

int scale_world_init(struct scale_world *sw)
{
	static const uint8_t ma[6] = { 2, 0, 0, 0, 0, 0xa }, mb[6] = { 2, 0, 0, 0, 0, 0xb };
	int on = 1;
	memset(sw, 0, sizeof *sw);
	host_random_seed(38);
	sw->w = world_new(1 * SEC);
	sw->a = world_stack(sw->w, "a");
	sw->b = world_stack(sw->w, "b");
	if (!sw->a || !sw->b || stos_stack_init(sw->a) || stos_stack_init(sw->b))
		return -1;
	sw->wr = world_wire(sw->w, 0);
	struct ifnet *ea = wire_attach(sw->wr, sw->a, "eth0", ma);
	struct ifnet *eb = wire_attach(sw->wr, sw->b, "eth0", mb);
	int e1, e2;
	NET_LOCK(sw->a);
	e1 = if_addr_add(ea, SCALE_A_ADDR, 24);
	NET_UNLOCK(sw->a);
	NET_LOCK(sw->b);
	e2 = if_addr_add(eb, SCALE_B_ADDR, 24);
	NET_UNLOCK(sw->b);
	if (e1 || e2)
		return -1;
	world_run(sw->w, 10 * MSEC);
	for (int p = 0; p < SCALE_PORTS; p++) {
		struct sockaddr_in sb = sin_h(SCALE_B_ADDR, (uint16_t)(SCALE_PORT0 + p));
		int l = stos_socket(sw->b, AF_INET, SOCK_STREAM, 0);
		if (l < 0 || stos_setsockopt(l, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) ||
		    stos_bind(l, (struct sockaddr *)&sb, sizeof sb) || stos_listen(l, 4096) ||
		    stos_set_nonblock(l, 1))
			return -1;
		sw->lfd[p] = l;
	}
	return 0;
}

static int grow(struct scale_world *sw, size_t n)
{
	if (n <= sw->cap)
		return 0;
	size_t cap = sw->cap ? sw->cap : 64;
	while (cap < n)
		cap *= 2;
	int *c = realloc(sw->cfd, cap * sizeof *c);
	if (!c)
		return -1;
	sw->cfd = c;
	int *s = realloc(sw->sfd, cap * sizeof *s);
	if (!s)
		return -1;
	sw->sfd = s;
	sw->cap = cap;
	return 0;
}

/* Accepts what is queued on every listener; the accepted descriptors are matched to their
 * client by port (getpeername) so connection i has both ends. */
static int accept_all(struct scale_world *sw, size_t first, size_t count, const uint16_t *cport)
{
	size_t got = 0;
	for (int p = 0; p < SCALE_PORTS; p++) {
		for (;;) {
			struct sockaddr_in peer;
			unsigned len = sizeof peer;
			int fd = stos_accept(sw->lfd[p], (struct sockaddr *)&peer, &len);
			if (fd < 0) {
				if (errno == EAGAIN)
					break;
				return -1;
			}
			stos_set_nonblock(fd, 1);
			uint16_t port = net_ntohs(peer.sin_port);
			size_t k;
			for (k = 0; k < count; k++)
				if (cport[k] == port && (first + k) % SCALE_PORTS == (size_t)p &&
				    sw->sfd[first + k] < 0)
					break;
			if (k == count)
				return -1;
			sw->sfd[first + k] = fd;
			got++;
		}
	}
	return got == count ? 0 : -1;
}

int scale_open(struct scale_world *sw, size_t n)
{
	int on = 1;
	uint16_t cport[BATCH];
	if (grow(sw, n))
		return -1;
	while (sw->n < n) {
		size_t first = sw->n, count = n - first < BATCH ? n - first : BATCH;
		if (first == 0)
			count = 1;      /* resolves ARP first: its queue holds one packet per entry */
		for (size_t k = 0; k < count; k++) {
			size_t i = first + k;
			struct sockaddr_in sb = sin_h(SCALE_B_ADDR, (uint16_t)(SCALE_PORT0 + i % SCALE_PORTS));
			struct sockaddr_in me;
			unsigned len = sizeof me;
			int fd = stos_socket(sw->a, AF_INET, SOCK_STREAM, 0);
			if (fd < 0 || stos_set_nonblock(fd, 1) ||
			    stos_setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on))
				return -1;
			if (stos_connect(fd, (struct sockaddr *)&sb, sizeof sb) == 0 || errno != EINPROGRESS)
				return -1;
			if (stos_getsockname(fd, (struct sockaddr *)&me, &len))
				return -1;
			cport[k] = net_ntohs(me.sin_port);
			sw->cfd[i] = fd;
			sw->sfd[i] = -1;
		}
		world_settle(sw->w);
		if (accept_all(sw, first, count, cport))
			return -1;
		sw->n = first + count;
	}
	return 0;
}

static ssize_t read_exact(struct scale_world *sw, int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;
	for (int tries = 0; got < len && tries < 4; tries++) {
		ssize_t r = stos_recv(fd, buf + got, len - got, 0);
		if (r > 0)
			got += (size_t)r;
		else if (r == 0 || errno != EAGAIN)
			return -1;
		else
			world_settle(sw->w);
	}
	return (ssize_t)got;
}

int scale_echo(struct scale_world *sw, size_t i, size_t len, uint8_t seed)
{
	uint8_t out[4096], in[4096];
	if (len > sizeof out || i >= sw->n)
		return -1;
	for (size_t k = 0; k < len; k++)
		out[k] = (uint8_t)(seed + k * 7 + i);
	if (stos_send(sw->cfd[i], out, len, 0) != (ssize_t)len)
		return -1;
	world_settle(sw->w);
	if (read_exact(sw, sw->sfd[i], in, len) != (ssize_t)len || memcmp(in, out, len))
		return -1;
	if (stos_send(sw->sfd[i], in, len, 0) != (ssize_t)len)
		return -1;
	world_settle(sw->w);
	memset(in, 0, len);
	if (read_exact(sw, sw->cfd[i], in, len) != (ssize_t)len || memcmp(in, out, len))
		return -1;
	return 0;
}

int scale_echo_sample(struct scale_world *sw, size_t count, size_t len)
{
	for (size_t k = 0; k < count; k++) {
		/* Spread over the whole set: the first, the last and evenly between. */
		size_t i = count > 1 ? k * (sw->n - 1) / (count - 1) : 0;
		if (scale_echo(sw, i, len, (uint8_t)k))
			return -1;
	}
	return 0;
}

unsigned scale_world_close(struct scale_world *sw)
{
	unsigned left;
	/* In batches, as they were opened: a burst of 100,000 FINs would overflow the
	 * interface queue (and then retransmit in lockstep). */
	for (size_t i = 0; i < sw->n; i++) {
		stos_close(sw->cfd[i]);
		if (i % BATCH == BATCH - 1 || i == sw->n - 1)
			world_settle(sw->w);
	}
	for (size_t i = 0; i < sw->n; i++) {
		stos_close(sw->sfd[i]);
		if (i % BATCH == BATCH - 1 || i == sw->n - 1)
			world_settle(sw->w);
	}
	for (int p = 0; p < SCALE_PORTS; p++)
		stos_close(sw->lfd[p]);
	/* Past 2MSL (TIME-WAIT on the client) on the virtual clock. */
	world_run(sw->w, 3 * 60 * SEC);
	NET_LOCK(sw->a);
	left = tcp_count_state(sw->a, 0, 0);
	NET_UNLOCK(sw->a);
	NET_LOCK(sw->b);
	left += tcp_count_state(sw->b, 0, 0);
	NET_UNLOCK(sw->b);
	if (getenv("TCP_SCALE_DEBUG"))
		for (int st = 1; st < TCPS_NSTATES; st++)
			fprintf(stderr, "state %s: a %u b %u\n", tcp_state_name(st),
			    tcp_count_state(sw->a, st, 0), tcp_count_state(sw->b, st, 0));
	world_free(sw->w);
	free(sw->cfd);
	free(sw->sfd);
	memset(sw, 0, sizeof *sw);
	return left;
}

static void add_counters(struct netstack *ns, struct scale_counters *c)
{
	NET_LOCK(ns);
	struct tcp_instance *ti = tcp_instance(ns);
	struct callout_wheel *cw = &ns->ns_callouts;
	c->lookups += ti->ti_pcbinfo.ipi_lookups;
	c->visits += ti->ti_pcbinfo.ipi_visits;
	c->eph_tries += ti->ti_pcbinfo.ipi_eph_tries;
	c->eph_visits += ti->ti_pcbinfo.ipi_eph_visits;
	c->cw_fired += cw->cw_fired;
	c->cw_cascaded += cw->cw_cascaded;
	c->cw_skipped += cw->cw_skipped;
	c->cw_slotvisits += cw->cw_slotvisits;
	c->segs += ti->ti_stat.rcvtotal;
	NET_UNLOCK(ns);
}

void scale_counters(struct scale_world *sw, struct scale_counters *c)
{
	memset(c, 0, sizeof *c);
	add_counters(sw->a, c);
	add_counters(sw->b, c);
}
