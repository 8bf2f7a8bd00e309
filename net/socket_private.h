/* Socket-layer internals shared by net/socket*.c, net/protosw.c, UDP and raw IP; not for
 * other layers (they use socketvar.h). */
#ifndef NET_SOCKET_PRIVATE_H
#define NET_SOCKET_PRIVATE_H
#include "netstack.h"
#include "socketvar.h"
#include "protosw.h"

#define SO_MAXPROTOS 16

/* Linux defaults (net.core.rmem_max / wmem_max / rmem_default / wmem_default) and the
 * floors SOCK_MIN_RCVBUF / SOCK_MIN_SNDBUF (rounded), for SO_RCVBUF / SO_SNDBUF. */
#define SO_BUF_MAX      212992u
#define SO_BUF_DEFAULT  212992u
#define SO_MIN_RCVBUF   2304u
#define SO_MIN_SNDBUF   4608u

/* The largest record any PR_ATOMIC protocol accepts (an IPv4 datagram, a jumbo frame). */
#define SO_MAXDGRAM     65535u

/* ns->ns_sock */
struct so_instance {
	const struct protosw *si_protos[SO_MAXPROTOS];
	unsigned si_nprotos;
	struct socket *si_all;          /* every socket of the instance */
	uint64_t si_nextid;
	uint64_t si_count;              /* sockets alive */
	int si_pollchan;                /* its address is the poll channel */
	unsigned si_pollers;            /* threads asleep on it (so_pollwait), net lock held */
	void *si_udp;                   /* struct udp_instance */
	void *si_raw;                   /* struct raw_instance */
	void *si_packet;                /* struct pkt_instance (af_packet.c) */
};

static inline struct so_instance *so_inst(struct netstack *ns)
{
	return (struct so_instance *)ns->ns_sock;
}

/* Protocol families' instance init/fini, called in order by so_instance_init (protosw.c). */
struct so_proto_init {
	const char *name;
	int (*init)(struct netstack *ns);
	void (*fini)(struct netstack *ns);
};

/* Wakes every sleeper and poller of so (state changed). */
void so_wakeall(struct socket *so);
/* so_poll with the net lock held. */
int so_poll_locked(struct socket *so, int events);
/* Sets SO_RCVBUF/SO_SNDBUF limits (sockbuf.c). */
void sb_sethiwat(struct sockbuf *sb, uint32_t hiwat);
/* Sleeps on chan until woken or the deadline (0 = none): 0, -EINTR, -ETIMEDOUT. */
int so_sleep(struct socket *so, void *chan, uint64_t deadline_ns);
/* Deadline for a buffer's timeout from now, 0 when none. */
uint64_t so_deadline(struct socket *so, const struct sockbuf *sb);

#endif
