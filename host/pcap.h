/* A pcap file writer (libpcap format, LINKTYPE_ETHERNET, nanosecond timestamps), usable as a
 * link wrapper (wire_pcap), as a tap on a whole stack instance (pcap_attach), or directly. */
#ifndef HOST_PCAP_H
#define HOST_PCAP_H
#include <stddef.h>
#include <stdint.h>

struct netstack;
struct pcap_writer;

/* Creates/truncates path and writes the file header.  NULL (errno set) on failure. */
struct pcap_writer *pcap_open(const char *path);
/* Appends one frame with a timestamp in ns (on whatever clock the caller uses). */
void pcap_write(struct pcap_writer *pw, uint64_t ts_ns, const uint8_t *frame, size_t len);
/* Records every frame through ns's tap points (in and out), timestamped by port_now_ns.
 * Call with the net lock held or before traffic starts; detach before pcap_close. */
int pcap_attach(struct pcap_writer *pw, struct netstack *ns);
void pcap_detach(struct pcap_writer *pw, struct netstack *ns);
uint64_t pcap_frames(const struct pcap_writer *pw);
void pcap_close(struct pcap_writer *pw);

#endif
