/* stosnet's service registry: each network service (UDP echo and discard here; TCP services
 * in their own file) registers the descriptors it wants polled and a handler.  The main loop
 * polls them all with stos_poll while the TAP link's netisr thread runs the stack. */
#ifndef HOST_STOSNET_H
#define HOST_STOSNET_H
#include <stdint.h>

struct netstack;

typedef void (*svc_fn)(int fd, short revents, void *arg);
/* Adds or updates fd's entry (events: POLLIN/POLLOUT).  0 or -1 when the table is full. */
int svc_watch(int fd, short events, svc_fn fn, void *arg);
/* Removes fd (call before closing it). */
void svc_unwatch(int fd);

/* UDP echo (RFC 862) on port 7 and discard (RFC 863) on port 9.  0 or -1 (message printed). */
int svc_udp_init(struct netstack *ns);

/* TCP echo (RFC 862, 7), discard (RFC 863, 9), chargen (RFC 864, 19) and HTTP/1.1 (80)
 * (stosnet_tcp.c).  0 or -1 (message printed).  svc_tcp_counts: connections open now,
 * accepted since the start, and HTTP connections closed by their deadline. */
int svc_tcp_init(struct netstack *ns);
void svc_tcp_counts(unsigned long long *open, unsigned long long *accepted,
    unsigned long long *timedout);
/* HTTP's time limit (stosnet_tcp.c): for a whole request head, and for each write's progress
 * while answering.  0: none.  Set before svc_tcp_init. */
void svc_tcp_set_http_idle(unsigned seconds);
/* A TCP-MD5 key (RFC 2385) the TCP services' listeners hold for peer (host order), key a
 * string of 1 to 80 bytes; at most 8 peers.  0 or -1.  Call before svc_tcp_init. */
int svc_tcp_add_md5(uint32_t peer, const char *key);
/* Closes the HTTP connections whose deadline has passed (the main loop calls it after each
 * poll). */
void svc_tcp_expire(void);

#endif
