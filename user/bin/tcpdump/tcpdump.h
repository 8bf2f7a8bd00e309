/* tcpdump: shared declarations of its parts (main.c: options, capture and pcap files;
 * print.c: one line per packet; filter.c: expressions compiled to classic BPF). */
#ifndef TCPDUMP_H
#define TCPDUMP_H
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>
#include <netpacket/packet.h>

#define TD_SNAPLEN 262144

/* Compiles the words of a filter expression to a classic BPF program for SOCK_RAW frames
 * (Ethernet header first) that returns TD_SNAPLEN to keep a frame and 0 to drop it.  Returns
 * the number of instructions (> 0) with *out malloc'ed, or -1 with a message in err. */
int td_compile(char **words, int nwords, struct sock_filter **out, char *err, size_t errlen);

struct td_opts {
	int ether;      /* -e */
	int hex;        /* -x */
};
/* Prints one packet (frame of caplen bytes captured, len on the wire) as tcpdump -n does. */
void td_print(const struct td_opts *o, const struct timeval *tv, const uint8_t *p,
    size_t caplen, size_t len);

#endif
