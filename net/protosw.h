/* The protocol switch: how the socket layer reaches a protocol without naming it.
 *
 * Each protocol (UDP, raw IP, TCP, AF_PACKET, ...) fills one const struct protosw and
 * registers it in the instance's protocol table at instance init (protosw_register).  The
 * socket layer finds a protocol by (domain, type, protocol) when a socket is created and from
 * then on calls it only through so->so_proto.  IP input and ICMP find the transport by IP
 * protocol number (protosw_find_ipproto) to deliver packets (pr_input) and ICMP errors
 * (pr_ctlinput).
 *
 * Locking: every pr_* user request below is called with the instance's net lock held and must
 * not sleep (it may queue, send and wake).  The socket layer does all sleeping.
 *
 * Errors are negative Linux errno values (include/stos/errno.h); 0 is success.
 */
#ifndef NET_PROTOSW_H
#define NET_PROTOSW_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stos/types.h>

struct netstack;
struct socket;
struct mbuf;
struct sockaddr;
struct sockaddr_storage;

/* pr_flags */
#define PR_ATOMIC      0x01u   /* each send is one record (datagram); never split */
#define PR_ADDR        0x02u   /* received records carry the sender's address */
#define PR_CONNREQUIRED 0x04u  /* must be connected to send (stream) */
#define PR_WANTRCVD    0x08u   /* call pr_rcvd after so_receive removes data */
#define PR_WILDPROTO   0x10u   /* matches any protocol number given to socket() (raw IP);
                                * protocol 0 is still refused, as on Linux */
#define PR_DEFAULT     0x20u   /* the protocol chosen when socket() passes protocol 0 */
#define PR_LISTEN      0x40u   /* supports listen/accept */

/* pr_ctloutput op */
#define PRCO_GETOPT 0
#define PRCO_SETOPT 1

struct protosw {
	int pr_domain;          /* AF_INET, AF_PACKET */
	int pr_type;            /* SOCK_STREAM, SOCK_DGRAM, SOCK_RAW */
	int pr_protocol;        /* IPPROTO_* (or ethertype for AF_PACKET); for PR_WILDPROTO the
	                         * number used by protosw_find_ipproto, or 0 */
	unsigned pr_flags;
	const char *pr_name;

	/* --- user requests (net lock held; NULL where noted means "not supported") --- */

	/* Creates the protocol control block for so (proto = socket()'s protocol argument,
	 * already matched) and sets so->so_pcb; reserves buffer space with sbreserve. */
	int (*pr_attach)(struct socket *so, int proto);
	/* The socket is being closed by its owner (after pr_disconnect): free the pcb now and set
	 * so->so_pcb = NULL, or keep it (TCP's graceful close) and later clear so_pcb and call
	 * sofree(so) once the protocol is done with the socket. */
	void (*pr_detach)(struct socket *so);
	/* nam was length-checked only by the caller's copyin: the protocol validates family and
	 * length (EINVAL / EAFNOSUPPORT as Linux). */
	int (*pr_bind)(struct socket *so, const struct sockaddr *nam, socklen_t len);
	/* Starts or makes the association.  A protocol that completes asynchronously calls
	 * soisconnecting(so) and returns 0; the socket layer then waits (or returns EINPROGRESS).
	 * AF_UNSPEC means "dissolve the association" (datagram sockets). */
	int (*pr_connect)(struct socket *so, const struct sockaddr *nam, socklen_t len);
	int (*pr_listen)(struct socket *so, int backlog);          /* NULL: EOPNOTSUPP */
	/* Called on a socket just taken from a listen queue by so_accept: fill in the peer's
	 * address (may be NULL when the caller does not want it). */
	int (*pr_accept)(struct socket *so, struct sockaddr_storage *nam, socklen_t *len);
	/* Sends m (a packet-header chain holding the data; for PR_ATOMIC one whole record),
	 * to nam if given (NULL/0 otherwise).  flags: MSG_*.  Consumes m and control on every
	 * path.  Stream protocols append to so->so_snd themselves and transmit. */
	int (*pr_send)(struct socket *so, struct mbuf *m, const struct sockaddr *nam,
	    socklen_t namlen, struct mbuf *control, int flags);
	/* The user took data from so_rcv (stream: window update).  Only with PR_WANTRCVD. */
	void (*pr_rcvd)(struct socket *so, int flags);
	/* Out-of-band receive (MSG_OOB).  NULL: EOPNOTSUPP.  Returns the byte or -errno. */
	int (*pr_rcvoob)(struct socket *so, int flags);
	/* The user shut down the sending side (socantsendmore already done): send FIN etc. */
	int (*pr_shutdown)(struct socket *so);
	/* Dissolves the association for close: graceful unless SO_LINGER with l_linger 0
	 * (TCP: RST).  NULL: nothing to do. */
	int (*pr_disconnect)(struct socket *so);
	/* Tear down at once: for a socket still on a listen queue, on close of a listener, or at
	 * instance teardown.  Frees the pcb and clears so->so_pcb; must NOT free the socket (the
	 * socket layer does, with sofree, right after). */
	void (*pr_abort)(struct socket *so);
	int (*pr_sockaddr)(struct socket *so, struct sockaddr_storage *nam, socklen_t *len);
	int (*pr_peeraddr)(struct socket *so, struct sockaddr_storage *nam, socklen_t *len);
	/* get/set options at the protocol's levels, and SOL_SOCKET options the socket layer does
	 * not know (AF_PACKET's SO_ATTACH_FILTER).  val/len are kernel memory; on GETOPT *len is
	 * the buffer size on entry and the bytes written on return.  Return -ENOPROTOOPT for an
	 * unknown option. */
	int (*pr_ctloutput)(struct socket *so, int op, int level, int name, void *val,
	    socklen_t *len);
	/* Extra poll bits the generic rules (so_poll) cannot know; ORed into the result.  May be
	 * NULL. */
	int (*pr_poll)(struct socket *so, int events);

	/* --- from below (net lock held) --- */

	/* Input from IP: m is the whole datagram starting at the IP header (first iphlen bytes
	 * contiguous), consumed on every path.  NULL for protocols fed otherwise. */
	void (*pr_input)(struct netstack *ns, struct mbuf *m, int iphlen);
	/* An ICMP error about a datagram this protocol sent.  quoted/qlen are the bytes the ICMP
	 * message quotes (the original IP header and what follows, at least 8 bytes past it when
	 * ICMP passes it on), borrowed.  info: next-hop MTU for fragmentation-needed, else 0. */
	void (*pr_ctlinput)(struct netstack *ns, int icmp_type, int icmp_code, uint32_t info,
	    const uint8_t *quoted, size_t qlen);

	/* Memory ran out for a new socket of this protocol (socket() or a connection arriving
	 * on a listener): free something that may be given up (TCP: its oldest TIME-WAIT
	 * connection) and return true, so the allocation is tried again; false when there is
	 * nothing.  May be NULL. */
	bool (*pr_reclaim)(struct netstack *ns);
};

/* The per-instance protocol table.  Returns 0, -EEXIST for a duplicate (domain, type,
 * protocol), -ENOSPC when full.  The protosw must outlive the instance (static const). */
int protosw_register(struct netstack *ns, const struct protosw *pr);
/* For socket(): the protosw for (domain, type, protocol), or NULL with *err set to the Linux
 * errno socket() returns: -EAFNOSUPPORT (no such domain), -ESOCKTNOSUPPORT (no such type in
 * the domain), -EPROTONOSUPPORT (type exists, protocol does not). */
const struct protosw *protosw_find(struct netstack *ns, int domain, int type, int protocol,
    int *err);
/* For IP input and ICMP: the AF_INET transport with this IP protocol number that has a
 * pr_input or pr_ctlinput, ignoring PR_WILDPROTO entries; NULL if none. */
const struct protosw *protosw_find_ipproto(struct netstack *ns, int ipproto);

/* Linux's mapping of an ICMP error (type, code) to an errno (positive), and whether it is
 * "hard" (RFC 1122 4.2.3.9: port/protocol unreachable, fragmentation needed... abort a
 * connection attempt; others are soft).  Returns 0 when the message is not an error. */
int icmp_errno(int icmp_type, int icmp_code, bool *hard);

#endif
