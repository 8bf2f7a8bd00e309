/* The socket layer: struct socket, its buffers, and the so_* entry points.
 *
 * A socket is protocol-independent state (buffers, options, connection state, listen queues)
 * plus a pointer to its protocol (so_proto, a struct protosw) and the protocol's control
 * block (so_pcb).  Callers above (the kernel's socket fileops, the hosted C API in
 * host/api.c) use only the so_* functions; protocols below use the sb* and so-state helpers.
 *
 * Locking.  One sleepable net lock per instance (ns->ns_lock, NET_LOCK in netstack.h)
 * protects every field here.
 *  - so_* entry points (so_create ... so_poll) are called WITHOUT the net lock; they take it,
 *    and drop it while sleeping (port_sleep) so the netisr can run.
 *  - everything else (sb*, soisconnected, sorwakeup, sonewconn, sofree ...) is called by
 *    protocols WITH the net lock held and never sleeps.
 *
 * Sleeping and waking.  Readers and accept sleep on &so->so_rcv, writers on &so->so_snd,
 * connect and linger on &so->so_state.  sorwakeup/sowwakeup/soisconnected... wake those
 * channels, call so->so_upcall if set, and wake the instance-wide poll channel when a
 * poller sleeps there (so_pollwait), so that
 *  - the kernel's poll uses the upcall (kernel/net/ksock.c) or registers &so->so_rcv and
 *    &so->so_snd, then re-checks so_poll, and
 *  - a host poll over many sockets sleeps in so_pollwait(ns) (host/api.c stos_poll).
 * Poll readiness follows Linux's datagram_poll/tcp_poll: POLLERR for a pending error,
 * POLLIN|POLLRDHUP once the read side is shut, POLLHUP when both are (or a stream socket is
 * not connected), no POLLIN/POLLOUT while a stream connect is in progress.
 *
 * Socket lifetime: so_close marks the socket SS_NOFDREF and detaches the protocol; the
 * memory goes (sofree) once the protocol has let go of it (so_pcb NULL) and it is on no
 * listen queue, so TCP can keep a closed socket's send buffer until the data is delivered.
 *
 * User data moves through struct uio with the caller's copy functions (copyin/copyout in the
 * kernel, memcpy in the hosted build), so net/ never touches user memory itself.  Addresses
 * (sockaddr) and option values are kernel memory: the syscall layer copies them.
 *
 * Errors are negative Linux errno values; byte counts are >= 0.
 */
#ifndef NET_SOCKETVAR_H
#define NET_SOCKETVAR_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stos/types.h>
#include <stos/socket.h>

struct netstack;
struct mbuf;
struct protosw;

/* A socket buffer: a chain of mbufs.  Stream sockets keep one byte stream linked by m_next.
 * Datagram sockets keep records linked by m_nextpkt; each record is [MT_SONAME mbuf with the
 * sender's sockaddr, when PR_ADDR] then MT_DATA mbufs (the first data mbuf has M_PKTHDR with
 * the record's length).  All fields: net lock. */
struct sockbuf {
	struct mbuf *sb_mb;         /* first mbuf (first record) */
	struct mbuf *sb_mbtail;     /* last mbuf of the stream / of the last record */
	struct mbuf *sb_lastrecord; /* first mbuf of the last record (datagram) */
	uint32_t sb_cc;             /* data bytes held (addresses not counted) */
	uint32_t sb_hiwat;          /* data bytes allowed (SO_RCVBUF / SO_SNDBUF) */
	uint32_t sb_lowat;          /* SO_RCVLOWAT / send low-water mark */
	uint32_t sb_mbcnt;          /* storage bytes held (mbufs + clusters) */
	uint32_t sb_mbmax;          /* storage bytes allowed (bounds memory for tiny records) */
	uint32_t sb_reccnt;         /* records held (datagram) */
	uint64_t sb_timeo_ns;       /* SO_RCVTIMEO / SO_SNDTIMEO; 0 = wait forever */
	uint64_t sb_drops;          /* records refused for lack of space (receive side) */
	uint32_t sb_sleepers;       /* threads in so_sleep on this buffer (net lock held to
	                             * change or read it), so a wakeup with none is skipped */
};

/* so_state */
#define SS_ISCONNECTED    0x0001u  /* associated with a peer */
#define SS_ISCONNECTING   0x0002u  /* connect in progress */
#define SS_ISDISCONNECTING 0x0004u /* disconnect in progress */
#define SS_ISDISCONNECTED 0x0008u  /* was connected (or tried), now closed */
#define SS_CANTSENDMORE   0x0010u  /* SHUT_WR or the connection is gone */
#define SS_CANTRCVMORE    0x0020u  /* SHUT_RD or the peer sent FIN */
#define SS_RCVATMARK      0x0040u  /* at the urgent mark */
#define SS_NBIO           0x0080u  /* O_NONBLOCK */
#define SS_NOFDREF        0x0100u  /* no descriptor refers to it (closed, or on a listen queue) */
#define SS_ISBOUND        0x0200u  /* has a local address (bind or implicit) */
#define SS_SHUTRD         0x0400u  /* the user called shutdown(SHUT_RD/SHUT_RDWR) */
#define SS_SHUTWR         0x0800u  /* the user called shutdown(SHUT_WR/SHUT_RDWR) */
#define SS_CONNWAIT       0x1000u  /* a connect returned before completing (EINPROGRESS...):
                                    * the next connect() reports the outcome, as Linux */
#define SS_SNDAUTO        0x2000u  /* the send buffer's size is the protocol's to grow (no
                                    * SO_SNDBUF yet): TCP's tcp_sndbuf_grow */

/* so_options: SOL_SOCKET boolean options, one bit each */
#define SO_F_REUSEADDR  0x0001u
#define SO_F_REUSEPORT  0x0002u
#define SO_F_BROADCAST  0x0004u
#define SO_F_KEEPALIVE  0x0008u
#define SO_F_LINGER     0x0010u
#define SO_F_ACCEPTCONN 0x0020u    /* listening */
#define SO_F_DONTROUTE  0x0040u
#define SO_F_OOBINLINE  0x0080u
#define SO_F_DEBUG      0x0100u
#define SO_F_TIMESTAMP  0x0200u
#define SO_F_NO_CHECK   0x0400u

struct socket {
	struct netstack *so_ns;         /* the instance (never changes) */
	const struct protosw *so_proto; /* never changes */
	void *so_pcb;                   /* protocol control block; NULL once detached */
	int so_type;                    /* SOCK_STREAM / SOCK_DGRAM / SOCK_RAW */
	int so_protocol;                /* socket()'s protocol argument, as matched */
	unsigned so_state;              /* SS_* */
	unsigned so_options;            /* SO_F_* */
	int so_error;                   /* pending error (positive errno), read by SO_ERROR */
	int so_linger;                  /* SO_LINGER l_linger, seconds */
	int so_priority;                /* SO_PRIORITY (stored) */
	int so_bound_ifindex;           /* SO_BINDTODEVICE (0 = none) */
	struct sockbuf so_rcv, so_snd;

	/* Listen queues (RFC 9293 3.10.1 backlog; Linux-style two queues).  A listener holds
	 * half-open connections on so_q0 (the SYN queue) and completed ones on so_q (the accept
	 * queue); each queued socket has so_head = the listener and SS_NOFDREF until accepted. */
	struct socket *so_head;         /* the listener, while on one of its queues */
	struct socket *so_qnext, *so_qprev; /* links on the listener's queue */
	bool so_onq0;                   /* which queue: q0 (incomplete) or q (complete) */
	struct socket *so_q0, *so_q;    /* (listener) heads of the two queues */
	struct socket *so_q0tail, *so_qtail;
	int so_q0len, so_qlen;          /* (listener) lengths */
	int so_qlimit;                  /* (listener) listen() backlog, 0..SOMAXCONN: as on Linux
	                                 * the accept queue is full when so_qlen > so_qlimit, the
	                                 * SYN queue when so_q0len >= max(so_qlimit, 1) */

	/* Readiness upcall: called (net lock held, must not sleep) whenever the socket may have
	 * become readable, writable or errored; events = POLL* bits that may have changed. */
	void (*so_upcall)(struct socket *so, void *arg, int events);
	void *so_upcallarg;

	uint64_t so_id;                 /* instance-unique number, for netstat and logs */
	struct socket *so_allnext, *so_allprev; /* the instance's list of all sockets */
};

/* Per-instance socket-layer state (protocol table, socket list, poll channel).  Created by
 * so_instance_init from netstack init and destroyed by so_instance_fini. */
struct so_instance;
int so_instance_init(struct netstack *ns);
void so_instance_fini(struct netstack *ns);
/* Sleeps on the channel a host-side poll over many sockets of ns waits on (every socket
 * event of ns wakes it), as port_sleep does (net lock held, released while asleep, taken
 * again), counted so that socket events wake the channel only while someone sleeps there.
 * Returns port_sleep's answer. */
int so_pollwait(struct netstack *ns, uint64_t deadline_ns);

/* User data in motion.  The copy functions have the kernel's copyin/copyout signature and
 * return 0 or -EFAULT. */
#define UIO_TO_USER   0    /* receive: kernel -> user */
#define UIO_FROM_USER 1    /* send: user -> kernel */
struct uio {
	struct iovec *uio_iov;          /* advanced as data moves (the caller's copy of the array) */
	int uio_iovcnt;
	size_t uio_resid;               /* bytes still to move */
	int uio_rw;                     /* UIO_TO_USER / UIO_FROM_USER */
	/* NULL (uio_init's default): the iovec's buffers are in the stack's own address space
	 * (a hosted application, an in-kernel caller; BSD's UIO_SYSSPACE), copied with memcpy
	 * and no call per piece. */
	int (*uio_copyin)(void *kdst, const void *usrc, size_t n);
	int (*uio_copyout)(void *udst, const void *ksrc, size_t n);
};
/* Moves up to n bytes between buf and the uio, advancing it; returns 0 or -EFAULT. */
int uiomove(void *buf, size_t n, struct uio *uio);
/* Sums iovec lengths into uio_resid; -EINVAL if the total overflows ssize_t.  Leaves
 * uio_copyin and uio_copyout NULL (plain copies): set them for another address space. */
int uio_init(struct uio *uio, struct iovec *iov, int iovcnt, int rw);

/* ------------------------------------------------------------------------------------------
 * Entry points from above.  Called without the net lock.  Return 0 / a count, or -errno.
 * ---------------------------------------------------------------------------------------- */

/* type may carry SOCK_NONBLOCK (SOCK_CLOEXEC is the file layer's and is ignored here). */
int so_create(struct netstack *ns, int domain, int type, int protocol, struct socket **out);
int so_bind(struct socket *so, const struct sockaddr *nam, socklen_t len);
/* Blocks (unless non-blocking) until connected; -EINPROGRESS when non-blocking or when
 * SO_SNDTIMEO expires, -EALREADY / -EISCONN as Linux. */
int so_connect(struct socket *so, const struct sockaddr *nam, socklen_t len);
int so_listen(struct socket *so, int backlog);
/* Waits for a completed connection; *out is the new socket (owned by the caller).  flags:
 * SOCK_NONBLOCK (accept4) makes the new socket non-blocking. */
int so_accept(struct socket *head, struct socket **out, struct sockaddr_storage *nam,
    socklen_t *namlen, int flags);
/* Sends the uio's bytes (to nam if given).  Returns bytes sent (a stream send may be short
 * only when interrupted after some progress or non-blocking); -EPIPE after SHUT_WR (the
 * caller raises SIGPIPE unless MSG_NOSIGNAL). */
ssize_t so_send(struct socket *so, struct uio *uio, const struct sockaddr *nam,
    socklen_t namlen, int flags);
/* Receives into the uio.  *flagsp: MSG_* in, msg_flags out (MSG_TRUNC when a datagram was
 * cut).  nam (may be NULL) receives the sender's address and *namlen its real length.
 * Returns bytes copied, or with MSG_TRUNC on a datagram socket its real length. */
ssize_t so_receive(struct socket *so, struct uio *uio, struct sockaddr_storage *nam,
    socklen_t *namlen, int *flagsp);
int so_shutdown(struct socket *so, int how);
/* Releases the caller's reference: disconnects (lingering if asked), detaches, frees when
 * the protocol is done.  Always succeeds from the caller's view (returns 0 or an error to
 * report, the socket is gone either way). */
int so_close(struct socket *so);
int so_setopt(struct socket *so, int level, int name, const void *val, socklen_t len);
/* *len: buffer size in, bytes written out (Linux truncation rules). */
int so_getopt(struct socket *so, int level, int name, void *val, socklen_t *len);
/* Current readiness for events (POLLIN, POLLOUT, ...); never sleeps. */
int so_poll(struct socket *so, int events);
int so_getsockname(struct socket *so, struct sockaddr_storage *nam, socklen_t *len);
int so_getpeername(struct socket *so, struct sockaddr_storage *nam, socklen_t *len);
/* O_NONBLOCK from fcntl(F_SETFL) / ioctl(FIONBIO). */
void so_setnbio(struct socket *so, bool on);
/* FIONREAD: bytes readable (stream), size of the next datagram (datagram). */
int so_nread(struct socket *so);
/* Sets the readiness upcall (NULL to clear). */
void so_setupcall(struct socket *so, void (*fn)(struct socket *, void *, int), void *arg);

/* ------------------------------------------------------------------------------------------
 * For protocols.  Net lock held.  Never sleep.
 * ---------------------------------------------------------------------------------------- */

/* Sets both buffers' limits (bytes).  -ENOBUFS if absurd. */
int soreserve(struct socket *so, uint32_t sndcc, uint32_t rcvcc);
/* Data bytes that may still be added (0 when full; counts storage too).  Inline: TCP asks
 * for it a few times per segment (its window). */
static inline uint32_t sbspace(const struct sockbuf *sb)
{
	if (sb->sb_cc >= sb->sb_hiwat || sb->sb_mbcnt >= sb->sb_mbmax)
		return 0;
	uint32_t data = sb->sb_hiwat - sb->sb_cc, storage = sb->sb_mbmax - sb->sb_mbcnt;
	return data < storage ? data : storage;
}
/* Stream: appends chain m (pkthdr dropped) to the byte stream.  Consumes m. */
void sbappendstream(struct sockbuf *sb, struct mbuf *m);
/* Datagram: appends one record (data chain m with a pkthdr) with the sender's address asa
 * (may be NULL).  Consumes m on every path; returns true when queued, false when there was
 * no space (or no memory): the caller counts the drop. */
bool sbappendaddr(struct sockbuf *sb, const struct sockaddr *asa, socklen_t alen,
    struct mbuf *m);
/* Datagram without address (PR_ADDR not set).  Same contract as sbappendaddr. */
bool sbappendrecord(struct sockbuf *sb, struct mbuf *m);
/* Stream: removes len bytes from the front (acknowledged data, or data read). */
void sbdrop(struct sockbuf *sb, uint32_t len);
/* Stream: unlinks up to len bytes from the front as a chain the caller owns, so a reader can
 * copy them out without the net lock; a partly taken mbuf is shared with m_copym.  *got = the
 * chain's length: len, or less when no mbuf could be had for the partial piece (NULL, 0 when
 * not even one byte could be taken). */
struct mbuf *sbtakestream(struct sockbuf *sb, uint32_t len, uint32_t *got);
/* Stream: puts a chain from sbtakestream back at the front (its copy-out failed).  Consumes
 * it. */
void sbunreadstream(struct sockbuf *sb, struct mbuf *chain);
/* Datagram: removes the first record. */
void sbdroprecord(struct sockbuf *sb);
/* Frees everything in the buffer. */
void sbflush(struct sockbuf *sb);

/* State changes; each wakes whoever waits on the socket. */
void soisconnecting(struct socket *so);
void soisconnected(struct socket *so);      /* on q0: moves to the accept queue, wakes head */
void soisdisconnecting(struct socket *so);
void soisdisconnected(struct socket *so);
void socantsendmore(struct socket *so);
void socantrcvmore(struct socket *so);
/* Records a pending error (positive errno) and wakes everyone. */
void so_seterror(struct socket *so, int err);
void sorwakeup(struct socket *so);
void sowwakeup(struct socket *so);

/* A listener got a connection request: returns a new socket on head's q0 (connstatus 0) or
 * directly on its accept queue (connstatus SS_ISCONNECTED), attached to the same protocol
 * through pr_attach and inheriting options, buffer sizes, timeouts and linger; NULL when that
 * queue is full or on no memory (the protocol counts the drop; RFC 9293 3.10.7.2 / SYN
 * cookies are the protocol's business).  so_q0len/so_qlen/so_qlimit are readable to decide. */
struct socket *sonewconn(struct socket *head, unsigned connstatus);
/* Frees the socket when no descriptor refers to it (SS_NOFDREF), the protocol has detached
 * (so_pcb NULL) and it is on no listen queue; otherwise does nothing. */
void sofree(struct socket *so);
/* Removes so from its listener's queue (protocol aborts a half-open connection). */
void soqremove(struct socket *so);

/* Iteration for statistics tools (netstat): calls fn for each socket; net lock held. */
void so_foreach(struct netstack *ns, void (*fn)(struct socket *, void *), void *arg);

#endif
