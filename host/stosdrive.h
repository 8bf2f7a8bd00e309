/* The conformance driver's two halves (host/stosdrive.c speaks the pipe protocol and the
 * socket API with libc headers; host/stosdrive_net.c holds the stack instance with net/
 * headers).  Plain C types only, so both sides can include this. */
#ifndef HOST_STOSDRIVE_H
#define HOST_STOSDRIVE_H
#include <stdint.h>
#include <stddef.h>

struct netstack;

/* A frame the stack sent toward the peer: the IPv4 packet (Ethernet header stripped). */
struct drive_pkt {
	uint64_t t_ns;
	size_t len;
	uint8_t *data;          /* malloc'd; the consumer frees it */
};

/* Creates the instance: virtual clock at 0, one Ethernet interface with local_ip/24 and the
 * given MTU, a default route through a gateway whose MAC is static, TCP defaults.  Returns the
 * instance or NULL. */
struct netstack *drive_net_create(uint32_t local_ip, uint32_t remote_ip, unsigned mtu);
void drive_net_destroy(struct netstack *ns);
/* Delivers an IPv4 packet from the peer (wrapped in Ethernet) and runs the input path. */
void drive_net_inject(struct netstack *ns, const uint8_t *ip, size_t len);
/* Sets the virtual clock to t_ns and runs due timers and queued input. */
void drive_net_step(struct netstack *ns, uint64_t t_ns);
/* The next timer expiry (UINT64_MAX when none). */
uint64_t drive_net_next_timer(struct netstack *ns);
uint64_t drive_net_now(struct netstack *ns);
/* Takes the next frame the stack sent; returns 0 when none. */
int drive_net_take(struct netstack *ns, struct drive_pkt *out);
/* Applies a FreeBSD-named sysctl to the instance; returns 1 applied, 0 ignored (no such knob
 * here, or a value that is already our behaviour), -1 when the value asks for something we do
 * not do. */
int drive_net_sysctl(struct netstack *ns, const char *name, long long value);
/* TCP connections in `state` (Linux numbering) on local port lport (0 = any). */
unsigned drive_net_count(struct netstack *ns, int state, unsigned lport);
unsigned drive_net_drop(struct netstack *ns, int state);
/* State (Linux tcpi_state numbering; CLOSED when the connection is gone) of a socket. */
int drive_net_sock_state(void *so);
int drive_net_sock_options(void *so);
/* Its congestion window in segments (TCP_INFO's tcpi_snd_cwnd); 0 without a connection. */
int drive_net_sock_cwnd(void *so);
/* mbuf and memory balance at exit: 0 when back to the starting counts. */
int drive_net_leakcheck_begin(void);
int drive_net_leakcheck_end(void);

#endif
