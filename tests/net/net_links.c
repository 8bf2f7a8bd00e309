/* The link wrappers of the hosted build: the pcap writer (file format checked here, and
 * dissected by tshark when it is installed: no malformed packets, no bad checksums) and the
 * seeded fault injector (rates, determinism, and a stack exchange surviving loss), and the
 * wire's own frame handling: delivery order against a model, with and without faults, and
 * the recycling of frame records (no malloc per frame once warm). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host/testutil.h"
#include "host/wire.h"
#include "host/pcap.h"
#include "host/fault.h"
#include "host/port_host.h"
#include "net/netstack.h"

static uint64_t stat(struct netstack *ns, const char *g, const char *n)
{
	NET_LOCK(ns);
	uint64_t v = net_stat_get(ns, g, n);
	NET_UNLOCK(ns);
	return v;
}

static int ping(struct netstack *ns, uint32_t dst, size_t plen, uint16_t seq)
{
	static uint8_t pay[70000], b[70016];
	size_t l = tu_icmp(b, 8, 0, 1, seq, pay, plen);
	NET_LOCK(ns);
	struct mbuf *m = m_gethdr(MT_DATA);
	m_reserve(m, M_MAXHDR);
	m_append(m, (uint32_t)l, b);
	struct ip_out o = { .dst = dst, .proto = 1 };
	int rc = ip_output(ns, m, &o, NULL, 0);
	NET_UNLOCK(ns);
	return rc;
}

struct pair {
	struct world *w;
	struct netstack *a, *b;
	struct wire *wr;
};

static void pair_up(struct pair *p, const char *pcap_path)
{
	const uint8_t ma[6] = { 2, 0, 0, 0, 0, 0xa }, mb[6] = { 2, 0, 0, 0, 0, 0xb };
	p->w = world_new(0);
	p->a = world_stack(p->w, "a");
	p->b = world_stack(p->w, "b");
	p->wr = world_wire(p->w, 30 * USEC);
	if (pcap_path)
		assert_int_equal(wire_pcap(p->wr, pcap_path), 0);
	struct ifnet *ea = wire_attach(p->wr, p->a, "eth0", ma);
	struct ifnet *eb = wire_attach(p->wr, p->b, "eth0", mb);
	TU_LOCKED(p->a, if_addr_add(ea, 0x0a000001, 24));
	TU_LOCKED(p->b, if_addr_add(eb, 0x0a000002, 24));
}

static void test_pcap_file_and_tshark(void **st)
{
	(void)st;
	struct tu_leakcheck lc;
	tu_leakcheck_begin(&lc);
	char path[64], path2[64];
	snprintf(path, sizeof(path), "/tmp/stos-net-links-%d-wire.pcap", (int)getpid());
	snprintf(path2, sizeof(path2), "/tmp/stos-net-links-%d-tap.pcap", (int)getpid());
	struct pair p;
	pair_up(&p, path);
	/* a stack-level capture too, through the tap points */
	struct pcap_writer *pw = pcap_open(path2);
	assert_non_null(pw);
	TU_LOCKED(p.a, pcap_attach(pw, p.a));
	world_run(p.w, 1 * MSEC);
	assert_int_equal(ping(p.a, 0x0a000002, 56, 1), 0);
	assert_int_equal(ping(p.a, 0x0a000002, 4000, 2), 0);
	world_run(p.w, 10 * MSEC);
	assert_int_equal(stat(p.a, "icmp", "inechoreply"), 2);
	TU_LOCKED(p.a, pcap_detach(pw, p.a));
	uint64_t frames = wire_frames(p.wr);
	/* 2 announcements, ARP request + reply, 1+1 small echo, 3+3 fragments */
	assert_int_equal(frames, 12);
	/* a's tap was attached after both announcements were sent, before b's arrived */
	assert_int_equal(pcap_frames(pw), 11);
	pcap_close(pw);
	world_free(p.w);
	tu_leakcheck_end(&lc);

	/* the file: global header, then one record per frame */
	FILE *f = fopen(path, "rb");
	uint32_t gh[6];
	assert_int_equal(fread(gh, 4, 6, f), 6);
	assert_int_equal(gh[0], 0xa1b23c4d);
	assert_int_equal(gh[5], 1);
	uint64_t n = 0;
	uint32_t rec[4];
	uint8_t buf[2000];
	while (fread(rec, 4, 4, f) == 4) {
		assert_int_equal(rec[2], rec[3]);
		assert_true(rec[2] >= 60 && rec[2] <= 1514);
		assert_int_equal(fread(buf, 1, rec[2], f), rec[2]);
		n++;
	}
	fclose(f);
	assert_int_equal(n, frames);

	/* tshark, when present, must find nothing malformed and no bad checksum */
	if (access("/usr/bin/tshark", X_OK) == 0) {
		char cmd[512];
		snprintf(cmd, sizeof(cmd), "/usr/bin/tshark -n -r %s -o ip.check_checksum:TRUE "
		    "-o icmp.check_checksum:TRUE -z expert,warn -q 2>/dev/null "
		    "| grep -Eic 'malformed|bad checksum|incorrect' > %s.out", path, path);
		int rc = system(cmd);
		(void)rc;
		char outp[300];
		snprintf(outp, sizeof(outp), "%s.out", path);
		FILE *o = fopen(outp, "r");
		int bad = -1;
		assert_non_null(o);
		assert_int_equal(fscanf(o, "%d", &bad), 1);
		fclose(o);
		unlink(outp);
		assert_int_equal(bad, 0);
		/* and it dissects the reassembled echo */
		snprintf(cmd, sizeof(cmd), "/usr/bin/tshark -n -r %s -Y 'icmp.type==0' 2>/dev/null "
		    "| wc -l > %s.out", path, path);
		rc = system(cmd);
		o = fopen(outp, "r");
		int replies = 0;
		assert_int_equal(fscanf(o, "%d", &replies), 1);
		fclose(o);
		unlink(outp);
		assert_int_equal(replies, 2);
	} else {
		print_message("# tshark not installed: dissection check skipped\n");
	}
	unlink(path);
	unlink(path2);
}

static void test_fault_schedule(void **st)
{
	(void)st;
	struct fault_conf c = { .loss_ppm = 100000, .dup_ppm = 50000, .reorder_ppm = 200000,
	    .corrupt_ppm = 10000, .delay_ns = 5, .reorder_delay_ns = 1000, .seed = 99 };
	struct fault *f1 = fault_new(&c), *f2 = fault_new(&c);
	struct fault_out o1[2], o2[2];
	for (int i = 0; i < 100000; i++) {
		int n1 = fault_decide(f1, 100, o1), n2 = fault_decide(f2, 100, o2);
		assert_int_equal(n1, n2);                 /* same seed, same schedule */
		for (int k = 0; k < n1; k++) {
			assert_int_equal(o1[k].delay_ns, o2[k].delay_ns);
			assert_int_equal(o1[k].corrupt, o2[k].corrupt);
			if (o1[k].corrupt)
				assert_true(o1[k].at >= 14 && o1[k].at < 100);
		}
	}
	struct fault_stats s;
	fault_get_stats(f1, &s);
	assert_int_equal(s.frames, 100000);
	assert_true(s.lost > 9000 && s.lost < 11000);
	assert_true(s.duplicated > 4000 && s.duplicated < 5000);
	assert_true(s.corrupted > 700 && s.corrupted < 1300);
	fault_free(f1);
	fault_free(f2);
}

static void test_exchange_survives_faults(void **st)
{
	(void)st;
	struct tu_leakcheck lc;
	tu_leakcheck_begin(&lc);
	struct pair p;
	pair_up(&p, NULL);
	world_run(p.w, 1 * MSEC);
	ping(p.a, 0x0a000002, 10, 999);      /* resolve ARP on a clean wire first */
	world_run(p.w, 1 * MSEC);
	assert_int_equal(stat(p.a, "icmp", "inechoreply"), 1);
	struct fault_conf c = { .loss_ppm = 200000, .corrupt_ppm = 100000, .dup_ppm = 100000,
	    .reorder_ppm = 100000, .reorder_delay_ns = 200 * USEC, .seed = 3 };
	wire_fault(p.wr, &c);
	for (uint16_t i = 0; i < 200; i++) {
		ping(p.a, 0x0a000002, 1000, i);
		world_run(p.w, 5 * MSEC);
	}
	world_run(p.w, 60 * SEC);
	struct fault_stats s;
	wire_fault_stats(p.wr, &s);
	assert_true(s.lost > 0 && s.corrupted > 0);
	uint64_t got = stat(p.a, "icmp", "inechoreply");
	print_message("# %lu of 200 echoes answered; lost %lu, corrupted %lu\n", (unsigned long)got,
	    (unsigned long)s.lost, (unsigned long)s.corrupted);
	/* about (0.8 * 0.9)^2 of 200 survive both ways; corrupted ones are caught by checksums */
	assert_true(got > 1 + 70 && got < 1 + 150);
	assert_true(stat(p.b, "ip", "badsum") + stat(p.b, "icmp", "badsum") +
	    stat(p.a, "ip", "badsum") + stat(p.a, "icmp", "badsum") > 0);
	world_free(p.w);
	tu_leakcheck_end(&lc);
}

/* ---- the wire's frames: order, bytes, recycling (host/wire.c) ---- */

#define WT_FRAMES 1000
#define WT_BIG_EVERY 100        /* every 100th frame is bigger than a recycled block */

struct rx_log {
	size_t n, cap;
	size_t *len;
	uint64_t *sum;
};

static uint64_t fnv(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static void rx_record(void *arg, const uint8_t *frame, size_t len)
{
	struct rx_log *l = arg;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->len = realloc(l->len, l->cap * sizeof(*l->len));
		l->sum = realloc(l->sum, l->cap * sizeof(*l->sum));
		assert_non_null(l->len);
		assert_non_null(l->sum);
	}
	l->len[l->n] = len;
	l->sum[l->n++] = fnv(frame, len);
}

static void rx_log_free(struct rx_log *l)
{
	free(l->len);
	free(l->sum);
	memset(l, 0, sizeof(*l));
}

/* Frame i of a round: 60 to 1514 bytes, or 3000 for every WT_BIG_EVERY-th; bytes from i. */
static size_t wt_frame(size_t i, uint8_t *buf)
{
	size_t len = i % WT_BIG_EVERY == WT_BIG_EVERY - 1 ? 3000 : 60 + (i * 37) % 1455;
	for (size_t j = 0; j < len; j++)
		buf[j] = (uint8_t)(i * 7 + j * 13 + (j >> 8));
	return len;
}

static void test_wire_frames_recycled(void **st)
{
	(void)st;
	static uint8_t buf[3000];
	struct world *w = world_new(0);
	struct wire *wr = world_wire(w, 10 * USEC);
	struct rx_log la = { 0 }, lb = { 0 };
	struct wire_port *a = wire_raw_port(wr, rx_record, &la);
	struct wire_port *b = wire_raw_port(wr, rx_record, &lb);
	assert_non_null(a);
	assert_non_null(b);
	uint64_t allocs, before;
	unsigned spare;
	for (int round = 0; round < 2; round++) {
		/* every frame of the round in flight at once */
		world_frame_stats(w, &before, &spare);
		for (size_t i = 0; i < WT_FRAMES; i++)
			wire_port_send(a, buf, wt_frame(i, buf));
		world_run(w, 1 * MSEC);
		assert_int_equal(la.n, 0);                  /* a hub: not back to the sender */
		assert_int_equal(lb.n, (size_t)(round + 1) * WT_FRAMES);
		for (size_t i = 0; i < WT_FRAMES; i++) {
			size_t len = wt_frame(i, buf);
			assert_int_equal(lb.len[round * WT_FRAMES + i], len);
			assert_true(lb.sum[round * WT_FRAMES + i] == fnv(buf, len));
		}
		world_frame_stats(w, &allocs, &spare);
		if (spare == 0) {
			/* AddressSanitizer build: one block per frame, none kept */
			assert_int_equal(allocs - before, WT_FRAMES);
		} else {
			/* the first round allocates a block per frame; the second reuses the
			 * small ones (all back in the spare list) and allocates only the big */
			assert_int_equal(spare, WT_FRAMES - WT_FRAMES / WT_BIG_EVERY);
			assert_int_equal(allocs - before,
			    round == 0 ? WT_FRAMES : WT_FRAMES / WT_BIG_EVERY);
		}
	}
	/* one frame at a time, as a request-and-reply exchange does: nothing new at all */
	world_frame_stats(w, &before, &spare);
	for (size_t i = 0; i < 50; i++) {
		wire_port_send(i & 1 ? b : a, buf, wt_frame(i * WT_BIG_EVERY, buf));
		world_run(w, 20 * USEC);
	}
	assert_int_equal(la.n + lb.n, 2 * WT_FRAMES + 50);
	world_frame_stats(w, &allocs, &spare);
	if (spare)
		assert_int_equal(allocs, before);
	world_free(w);
	rx_log_free(&la);
	rx_log_free(&lb);
}

struct wt_expect { uint64_t at, seq, sum; size_t len; };

static int wt_expect_cmp(const void *x, const void *y)
{
	const struct wt_expect *p = x, *q = y;
	if (p->at != q->at)
		return p->at < q->at ? -1 : 1;
	return p->seq < q->seq ? -1 : p->seq > q->seq;
}

/* With loss, duplication, reordering and corruption, what arrives is exactly what a model
 * of the wire predicts from the same seeded schedule: each delivery at send time + latency
 * + its delay, in (time, order of scheduling) order, and a corrupted copy of a duplicated
 * frame never corrupts the other copy. */
static void test_wire_fault_order_model(void **st)
{
	(void)st;
	static uint8_t buf[3000];
	const uint64_t lat = 10 * USEC;
	struct fault_conf c = { .loss_ppm = 100000, .dup_ppm = 200000, .reorder_ppm = 200000,
	    .corrupt_ppm = 100000, .delay_ns = 1000, .reorder_delay_ns = 3 * USEC, .seed = 42 };
	struct world *w = world_new(0);
	struct wire *wr = world_wire(w, lat);
	struct rx_log lb = { 0 };
	struct wire_port *a = wire_raw_port(wr, NULL, NULL);
	assert_non_null(wire_raw_port(wr, rx_record, &lb));
	assert_int_equal(wire_fault(wr, &c), 0);
	struct fault *model = fault_new(&c);
	struct wt_expect *exp = calloc(2 * WT_FRAMES, sizeof(*exp));
	assert_non_null(exp);
	size_t nexp = 0;
	uint64_t seq = 0;
	unsigned dups = 0, corrupted = 0;
	/* sent in bursts of 10 frames, 1 us apart: reordered frames overtake and are overtaken */
	for (size_t i = 0; i < WT_FRAMES; i++) {
		size_t len = wt_frame(i, buf);
		uint64_t now = world_now(w);
		struct fault_out out[2];
		int n = fault_decide(model, len, out);
		dups += n == 2;
		for (int k = 0; k < n; k++) {
			static uint8_t copy[3000];
			memcpy(copy, buf, len);
			if (out[k].corrupt && out[k].at < len) {
				copy[out[k].at] ^= 0xff;
				corrupted++;
			}
			exp[nexp++] = (struct wt_expect){ .at = now + lat + out[k].delay_ns,
			    .seq = seq++, .sum = fnv(copy, len), .len = len };
		}
		wire_port_send(a, buf, len);
		if (i % 10 == 9)
			world_run(w, 1 * USEC);
	}
	world_run(w, 1 * MSEC);
	assert_true(dups > 0 && corrupted > 0);
	qsort(exp, nexp, sizeof(*exp), wt_expect_cmp);
	assert_int_equal(lb.n, nexp);
	for (size_t i = 0; i < nexp; i++) {
		assert_int_equal(lb.len[i], exp[i].len);
		assert_true(lb.sum[i] == exp[i].sum);
	}
	fault_free(model);
	free(exp);
	world_free(w);
	rx_log_free(&lb);
}

int main(void)
{
	host_log_level(-10);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_file_and_tshark),
		cmocka_unit_test(test_fault_schedule),
		cmocka_unit_test(test_exchange_survives_faults),
		cmocka_unit_test(test_wire_frames_recycled),
		cmocka_unit_test(test_wire_fault_order_model),
	};
	return TU_RUN(tests);
}
