/* The link wrappers of the hosted build: the pcap writer (file format checked here, and
 * dissected by tshark when it is installed: no malformed packets, no bad checksums) and the
 * seeded fault injector (rates, determinism, and a stack exchange surviving loss). */
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

int main(void)
{
	host_log_level(-10);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_file_and_tshark),
		cmocka_unit_test(test_fault_schedule),
		cmocka_unit_test(test_exchange_survives_faults),
	};
	return TU_RUN(tests);
}
