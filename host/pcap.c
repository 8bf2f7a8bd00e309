/* The pcap writer (pcap.h).  Format: the classic libpcap file, magic 0xa1b23c4d
 * (nanosecond resolution), version 2.4, LINKTYPE_ETHERNET (1), in host byte order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net/netstack.h"
#include "host/pcap.h"

#define PCAP_SNAPLEN 65535u

struct pcap_writer {
	FILE *f;
	uint64_t frames;
	struct net_tap tap;
};

struct pcap_writer *pcap_open(const char *path)
{
	struct pcap_writer *pw = calloc(1, sizeof(*pw));
	if (!pw)
		return NULL;
	pw->f = fopen(path, "wb");
	if (!pw->f) {
		free(pw);
		return NULL;
	}
	uint32_t hdr[6] = { 0xa1b23c4d, 0x00040002, 0, 0, PCAP_SNAPLEN, 1 };
	fwrite(hdr, sizeof(hdr), 1, pw->f);
	fflush(pw->f);
	return pw;
}

void pcap_write(struct pcap_writer *pw, uint64_t ts_ns, const uint8_t *frame, size_t len)
{
	uint32_t cap = len > PCAP_SNAPLEN ? PCAP_SNAPLEN : (uint32_t)len;
	uint32_t rec[4] = { (uint32_t)(ts_ns / 1000000000u), (uint32_t)(ts_ns % 1000000000u), cap,
	    (uint32_t)len };
	fwrite(rec, sizeof(rec), 1, pw->f);
	fwrite(frame, 1, cap, pw->f);
	fflush(pw->f);
	pw->frames++;
}

uint64_t pcap_frames(const struct pcap_writer *pw) { return pw->frames; }

static void pcap_tap(struct net_tap *t, struct ifnet *ifp, const struct mbuf *m, unsigned dir,
    unsigned pkttype)
{
	struct pcap_writer *pw = t->nt_arg;
	(void)dir;
	(void)pkttype;
	uint32_t len = m->m_pkthdr.len;
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return;
	if (m_copydata(m, 0, len, buf) == 0)
		pcap_write(pw, port_now_ns(ifp->if_ns), buf, len);
	free(buf);
}

int pcap_attach(struct pcap_writer *pw, struct netstack *ns)
{
	pw->tap.nt_fn = pcap_tap;
	pw->tap.nt_arg = pw;
	net_tap_add(ns, &pw->tap);
	return 0;
}

void pcap_detach(struct pcap_writer *pw, struct netstack *ns)
{
	net_tap_remove(ns, &pw->tap);
}

void pcap_close(struct pcap_writer *pw)
{
	if (!pw)
		return;
	fclose(pw->f);
	free(pw);
}
