/* TCP inside the stack: the connection block (struct tcpcb), per-instance state and
 * tunables, statistics, and the entry points shared by the tcp_*.c files.
 *
 * Files: tcp_input.c (segment arrival, RFC 9293 3.10.7 as named steps), tcp_output.c
 * (what to send and building segments), tcp_timer.c (retransmission, persist, keepalive,
 * delayed ACK, 2MSL), tcp_usrreq.c (the protosw user requests and socket options),
 * tcp_subr.c (instance init, connection create/close, RST/ACK replies, ICMP), tcp_reass.c
 * (out-of-order queue), tcp_sack.c (SACK blocks we send, scoreboard of those we receive),
 * tcp_syncookie.c, tcp_options.c (wire options), tcp_cc_*.c (congestion control).
 *
 * Locking: everything here is protected by the instance's net lock.
 */
#ifndef NET_TCP_VAR_H
#define NET_TCP_VAR_H
#include <stdint.h>
#include <stdbool.h>
#include "tcp.h"
#include "tcp_seq.h"
#include "tcp_cc.h"
#include "callout.h"
#include "in_pcb.h"
#include "net_stats.h"
#include "tcp_siphash.h"
#include "netstack.h"

struct netstack;
struct mbuf;
struct socket;
struct tcp_md5_keys;

/* States (RFC 9293 3.3.2), numbered as Linux's TCP_INFO reports them (tcpi_state). */
#define TCPS_ESTABLISHED  1
#define TCPS_SYN_SENT     2
#define TCPS_SYN_RECEIVED 3
#define TCPS_FIN_WAIT_1   4
#define TCPS_FIN_WAIT_2   5
#define TCPS_TIME_WAIT    6
#define TCPS_CLOSED       7
#define TCPS_CLOSE_WAIT   8
#define TCPS_LAST_ACK     9
#define TCPS_LISTEN       10
#define TCPS_CLOSING      11
#define TCPS_NSTATES      12
/* States in which we have received a SYN (the connection is synchronized or about to be). */
static inline bool tcps_have_rcvd_syn(int s)
{
	return s != TCPS_CLOSED && s != TCPS_LISTEN && s != TCPS_SYN_SENT;
}
/* States after we sent FIN: no more data may be queued. */
static inline bool tcps_have_sent_fin(int s)
{
	return s == TCPS_FIN_WAIT_1 || s == TCPS_FIN_WAIT_2 || s == TCPS_CLOSING ||
	    s == TCPS_LAST_ACK || s == TCPS_TIME_WAIT;
}
/* States in which the peer has sent FIN: no more data will arrive. */
static inline bool tcps_have_rcvd_fin(int s)
{
	return s == TCPS_CLOSE_WAIT || s == TCPS_CLOSING || s == TCPS_LAST_ACK ||
	    s == TCPS_TIME_WAIT;
}
const char *tcp_state_name(int state);

/* t_flags */
#define TF_ACKNOW      0x00000001u   /* send an ACK at the next tcp_output */
#define TF_DELACK      0x00000002u   /* an ACK is owed and the delayed-ACK timer runs */
#define TF_NODELAY     0x00000004u   /* TCP_NODELAY: no Nagle */
#define TF_NOOPT       0x00000008u   /* send no options */
#define TF_SENTFIN     0x00000010u   /* FIN has been sent (snd_max covers it) */
#define TF_REQ_SCALE   0x00000020u   /* we offer window scaling */
#define TF_RCVD_SCALE  0x00000040u   /* the peer offered window scaling */
#define TF_REQ_TSTMP   0x00000080u   /* we offer timestamps */
#define TF_RCVD_TSTMP  0x00000100u   /* the peer offered timestamps */
#define TF_SACK_PERMIT 0x00000200u   /* both sides allow SACK (RFC 2018) */
#define TF_REQ_SACK    0x00000400u   /* we offer SACK */
#define TF_NEEDFIN     0x00000800u   /* close() before the connection was established */
#define TF_FASTRECOVERY 0x00001000u  /* in loss recovery (RFC 6582 / RFC 6675) */
#define TF_WASFRECOVERY 0x00002000u
#define TF_PERSIST     0x00004000u   /* the persist timer is probing a zero window */
#define TF_COOKIE      0x00008000u   /* born from a SYN cookie */
#define TF_RXWIN0SENT  0x00010000u   /* we advertised a zero window */
#define TF_KEEPALIVE_SENT 0x00020000u
#define TF_NOPUSH      0x00040000u
#define TF_FORCEDATA   0x00080000u   /* persist probe: send one byte despite the window */
#define TF_CLOSED_BY_USER 0x00100000u /* the socket is gone: pcb lives on alone */
#define TF_SACK_FIRST  0x00200000u   /* SACK recovery just began: its first segment is
                                      * retransmitted lost or not (RFC 6675 5 (4.3)) */
/* ECN (RFC 3168, tcp_ecn.c). */
#define TF_ECN_SYN     0x00400000u   /* our first SYN is an ECN-setup SYN (ECE+CWR) */
#define TF_ECN_PERMIT  0x00800000u   /* ECN negotiated: data goes out ECT(0) */
#define TF_ECN_SND_ECE 0x01000000u   /* a CE mark arrived: ACKs carry ECE until a CWR */
#define TF_ECN_SND_CWR 0x02000000u   /* cwnd was reduced: the next new data carries CWR */
/* Tail loss probe (RFC 8985 7, tcp_tlp.c). */
#define TF_TLP         0x04000000u   /* a probe is out: t_tlp_seq..t_tlp_end (TLP.end_seq) */
#define TF_TLP_RXT     0x08000000u   /* ... and it was a retransmission (TLP.is_retrans) */
#define TF_LOSTBELOW   0x10000000u   /* the probe was SACKed: un-SACKed data below
                                      * t_lost_below is lost (RACK's verdict, tcp_sack.c) */
#define TF_QUICKACK    0x20000000u   /* TCP_QUICKACK: every data segment is ACKed at once */
#define TF_SIGNATURE   0x80000000u   /* TCP-MD5: tp holds keys, t_md5 (tcp_md5.h) */
#define TF_DEFERRED    0x40000000u   /* established but kept from accept() until data comes
                                      * (TCP_DEFER_ACCEPT, tcp_defer_release) */

/* Timer indices (each a callout in the tcpcb). */
/* Timer indices, in the order timers due together run (tcp_timer.c). */
#define TT_TLP     0    /* the loss probe timeout, PTO (RFC 8985 7.2): due with the RTO, the
                         * probe goes instead (it restarts the retransmission timer) */
#define TT_REXMT   1
#define TT_PERSIST 2
#define TT_KEEP    3
#define TT_2MSL    4
#define TT_DELACK  5
#define TT_NTIMERS 6

/* A run of out-of-order data waiting in the reassembly queue (tcp_reass.c): one or more
 * segments that arrived back to back in sequence space, their payloads chained. */
struct tseg_qent {
	struct tseg_qent *tq_next;
	tcp_seq tq_seq;
	uint32_t tq_len;            /* payload bytes (FIN not counted) */
	bool tq_fin;
	struct mbuf *tq_m;          /* the payload only, tq_len bytes */
	struct mbuf *tq_mtail;      /* the chain's last mbuf, where the next segment joins */
	uint32_t tq_mbcnt;          /* the chain's storage (m_storage of each mbuf) */
};

/* DupThresh (RFC 5681 3.2, RFC 6675 2): duplicate ACKs that start fast retransmit, and SACKed
 * ranges above a byte that make it lost (IsLost). */
#define TCP_DUPTHRESH 3

/* Sender's SACK scoreboard: ranges above snd_una the peer reported holding (RFC 6675),
 * sorted and disjoint.  The first TCP_SACK_HOLES live in the tcpcb; a loss that leaves more
 * holes than that (a queue overflowing in slow start drops every third segment for a whole
 * window) moves them to an array of TCP_SACK_MAX taken for the recovery and given back when
 * the scoreboard empties (tcp_sack.c).  Beyond that, or without the memory, the highest
 * ranges are forgotten: they are only hints, and the data is resent or acknowledged later. */
#define TCP_SACK_HOLES 8
#define TCP_SACK_MAX 256
struct sack_scoreboard {
	unsigned n;
	struct tcp_sack_block *ext;                  /* NULL, or the TCP_SACK_MAX array */
	struct tcp_sack_block blk[TCP_SACK_HOLES];   /* the ranges while ext is NULL */
};

/* The retransmissions of one loss recovery, oldest first (tcp_sack.c): [start, end) went
 * again when everything below `after` (SND.MAX then) had been sent.  Taken when the recovery
 * retransmits, given back when it ends; at most TCP_RXLOG_MAX, the oldest forgotten. */
#define TCP_RXLOG_MAX 64
struct tcp_rxlog {
	unsigned head, n;
	struct { tcp_seq start, end, after; } e[TCP_RXLOG_MAX];
};

/* The scoreboard's ranges (n of them). */
static inline struct tcp_sack_block *tcp_sack_blocks(struct sack_scoreboard *sb)
{
	return sb->ext ? sb->ext : sb->blk;
}

static inline const struct tcp_sack_block *tcp_sack_cblocks(const struct sack_scoreboard *sb)
{
	return sb->ext ? sb->ext : sb->blk;
}

/* A connection's pure ACK as tcp_ack_direct last built it whole (tcp_output.c), kept as a
 * template: the frame with the fields each ACK changes zero (IP ID and checksum; TCP
 * sequence and acknowledgment numbers, window, timestamps and, when done here, checksum)
 * and the one's complement sums of the words that stay.  The next ACK through the same path
 * is then a copy, a few stores and two short sums instead of the headers written and summed
 * field by field.  It holds while what it was built from holds: the route's path cache at
 * ns_rtgen/ns_llgen at_rtgen/at_llgen (which every change of a route, an interface or a
 * neighbour bumps), the IP fields the socket chooses (TOS, TTL, DF) and the timestamp option
 * (at_key), and the interface's checksum offload (at_hwassist).  at_len 0: none yet. */
#define TCP_ACKTPL_MAX 66           /* Ethernet 14, IP 20, TCP 20, timestamps 12 */
#define TCP_ACKTPL_SWIP 1u          /* at_sw: the IP header checksum is done here */
#define TCP_ACKTPL_SWTCP 2u         /* ... the TCP checksum */
#define TCP_ACKTPL_HW 4u            /* ... and the interface does some (ipstat ocsumhw) */
struct tcp_acktpl {
	uint32_t at_rtgen, at_llgen;
	uint32_t at_key;            /* tcp_acktpl_key */
	uint32_t at_hwassist;       /* the interface's if_hwassist */
	uint32_t at_csum;           /* the frame's csum_flags: what the interface completes */
	uint16_t at_ipsum;          /* folded native-order sum of the IP header but its 2nd word */
	uint16_t at_thsum;          /* ... of TCP words 0, 4 and 5 (ports; sum field, urgent
	                             * pointer; the options' kinds) */
	uint8_t at_len;             /* the frame's length, padded to the Ethernet minimum */
	uint8_t at_sw;              /* TCP_ACKTPL_* */
	uint8_t at_frame[TCP_ACKTPL_MAX] __attribute__((aligned(8)));
};

struct tcpcb {
	struct inpcb *t_inpcb;
	struct netstack *t_ns;
	int t_state;
	unsigned t_flags;
	struct callout t_callout;   /* the connection's one timer callout (tcp_timer.c) */

	/* Send sequence space (RFC 9293 3.3.1). */
	tcp_seq iss;
	tcp_seq snd_una;            /* oldest unacknowledged */
	tcp_seq snd_nxt;            /* next to send */
	tcp_seq snd_max;            /* highest sent + 1 (snd_nxt goes back on retransmission) */
	tcp_seq snd_up;             /* urgent pointer */
	tcp_seq snd_up_sent;        /* the urgent pointer the last URG segment carried */
	tcp_seq snd_wl1, snd_wl2;   /* segment seq / ack of the last window update */
	uint32_t snd_wnd;           /* peer's window, scaled to bytes */
	uint32_t max_sndwnd;        /* largest window the peer offered (SWS, RFC 9293 3.8.6.2.1) */

	/* Receive sequence space. */
	tcp_seq irs;
	tcp_seq rcv_nxt;
	tcp_seq rcv_adv;            /* right edge of the window we advertised */
	tcp_seq rcv_up;
	uint32_t rcv_wnd;           /* window to advertise */
	tcp_seq last_ack_sent;      /* RFC 7323 4.3 */

	/* Options. */
	uint8_t snd_scale;          /* shift to apply to the peer's window field */
	uint8_t rcv_scale;          /* shift we apply to ours */
	uint8_t request_r_scale;    /* the shift we offer */
	uint8_t t_syncnt;           /* TCP_SYNCNT: SYN retransmissions; 0 = the instance's */
	uint32_t t_maxseg;          /* SMSS: payload bytes per segment we send */
	uint32_t t_advmss;          /* MSS we advertise */
	uint32_t t_usermss;         /* TCP_MAXSEG: the most MSS to offer and to send; 0 = none */
	uint32_t ts_recent;         /* RFC 7323 4.3 */
	uint32_t t_user_timeout;    /* TCP_USER_TIMEOUT (RFC 5482), ms; 0 = none */
	uint64_t ts_recent_age;     /* when ts_recent was set (ns) */
	uint32_t ts_offset;         /* random per-connection TSval offset (RFC 7323 7.1) */
	uint32_t t_rcv_clamp;       /* TCP_WINDOW_CLAMP: the most window to offer; 0 = what
	                             * the receive buffer holds */

	/* Round-trip time (RFC 6298), ns. */
	uint64_t t_srtt, t_rttvar, t_rto;
	uint64_t t_rtttime;         /* when the timed segment was sent; 0 = none timed */
	tcp_seq t_rtseq;            /* the timed segment */
	int t_rxtshift;             /* retransmissions of the current segment (backoff) */
	uint32_t t_rexmits_total;
	uint64_t t_starttime;       /* connection start (SYN sent or received) */
	uint64_t t_rcvtime;         /* last segment received (keepalive idle) */
	uint64_t t_stall_start;     /* when the retransmission or zero-window probe timeouts
	                             * since data last advanced began (tcp_user_time_left) */
	uint64_t t_due[TT_NTIMERS]; /* each timer's due time (ns), 0 = stopped */

	/* Congestion control and loss recovery. */
	struct tcp_cc t_cc;
	tcp_seq snd_recover;        /* RFC 6582 "recover" */
	tcp_seq t_ecn_recover;      /* RFC 3168 6.1.2: no new ECE response until SND.UNA
	                             * reaches this (SND.MAX at the last one) */
	uint32_t t_dupacks;
	struct sack_scoreboard t_sack;
	tcp_seq sack_hint;          /* RFC 6675 HighRxt: highest retransmitted in recovery
	                             * (one past it: snd_una when nothing is) */
	tcp_seq sack_rescue;        /* RFC 6675 RescueRxt, one past it: a rescue retransmission
	                             * may go once snd_una is beyond it */
	struct tcp_rxlog *t_rxlog;  /* this recovery's retransmissions, or NULL */
	tcp_seq t_tlp_seq;          /* the loss probe's first byte (with TF_TLP) */
	tcp_seq t_tlp_end;          /* TLP.end_seq: SND.NXT after the probe (with TF_TLP) */
	tcp_seq t_lost_below;       /* with TF_LOSTBELOW: holes below this are lost */
	uint64_t t_tlp_from;        /* the probe timeout's last restart (tcp_tlp_arm) */
	/* Where tcp_output last found its data in so_snd: an mbuf of the buffer and the sequence
	 * number of its first byte (valid while that is not below snd_una), so a segment does not
	 * walk the buffer from its start. */
	struct mbuf *t_sndhint;
	tcp_seq t_sndhint_seq;

	/* Receiver SACK blocks to report (RFC 2018 4), most recent first. */
	uint8_t rcv_numsacks;
	int16_t t_linger2;          /* TCP_LINGER2: orphaned FIN-WAIT-2 seconds; 0 = 2 MSL,
	                             * negative = reset at once */
	struct tcp_sack_block rcv_sacks[TCP_MAX_SACK];
	bool rcv_have_dsack;        /* RFC 2883: report this duplicate once, first */
	struct tcp_sack_block rcv_dsack;

	/* Reassembly queue (bounded, tcp_reass.c). */
	struct tseg_qent *t_segq;
	uint32_t t_segqlen;         /* entries */
	uint32_t t_segqbytes;
	uint32_t t_segqmbcnt;       /* storage of the queued mbufs */

	/* Delayed ACK accounting: full-size segments received since the last ACK. */
	uint32_t t_unacked_segs;

	/* Keepalive and connection-establishment limits (ns). */
	uint64_t t_keepidle, t_keepintvl, t_keepinit;
	uint16_t t_keepcnt;
	uint16_t t_defer_accept;    /* TCP_DEFER_ACCEPT (listener), s: how long an accepted
	                             * connection may wait for data before accept() sees it */

	/* Errors noted but not yet fatal (RFC 5927 / RFC 1122 4.2.3.9 soft errors). */
	int t_softerror;

	/* ACKs sent for refused segments in the current one-second window (tcp_oow_ack_allowed
	 * in tcp_input.c): a per connection limit, so two desynchronized ends cannot ACK each
	 * other forever. */
	uint64_t t_chack_start;
	uint32_t t_chack_count;

	/* Urgent data (RFC 9293 3.8.5, RFC 6093): the out-of-band byte if one arrived. */
	int t_oobbyte;              /* -1 = none */
	tcp_seq t_oobseq;

	/* TIME-WAIT list (tcp_subr.c), oldest first: what memory pressure reclaims. */
	struct tcpcb *t_twnext, **t_twpprev;
	/* Output put off to the end of the receive batch (tcp_output_defer); t_outpprev is
	 * NULL when none is pending. */
	struct tcpcb *t_outnext, **t_outpprev;
	bool t_outwant;             /* ... and tcp_output is to run then */
	bool t_rexmt_defer;         /* the retransmission timer restarts then */
	uint32_t t_sbdrop_defer;    /* acknowledged bytes still in so_snd until then */
	struct tcp_acktpl t_acktpl;  /* the pure ACK's template (tcp_ack_direct) */
	struct tcp_md5_keys *t_md5; /* TCP_MD5SIG keys (tcp_md5.h), or NULL */
};

static inline struct tcpcb *intotcpcb(const struct inpcb *inp)
{
	return (struct tcpcb *)inp->inp_ppcb;
}
static inline struct socket *tp_socket(const struct tcpcb *tp)
{
	return tp->t_inpcb ? tp->t_inpcb->inp_socket : NULL;
}

/* Statistics group "tcp": one counter per event and per drop reason. */
#define TCPSTAT_LIST(X) \
	X(connattempt, "connections initiated") \
	X(accepts, "connections accepted") \
	X(connects, "connections established") \
	X(drops, "connections dropped") \
	X(conndrops, "embryonic connections dropped") \
	X(closed, "connections closed") \
	X(timeoutdrop, "connections dropped by retransmit timeout") \
	X(keepdrops, "connections dropped by keepalive") \
	X(lingerdrops, "orphaned FIN-WAIT-2 connections reset (TCP_LINGER2 < 0)") \
	X(synlossiw, "connections starting with one segment after a lost SYN or SYN-ACK") \
	X(initdrops, "connections not established within the keepinit time") \
	X(rexmttimeo, "retransmit timeouts") \
	X(persisttimeo, "persist timeouts") \
	X(keeptimeo, "keepalive timeouts") \
	X(keepprobe, "keepalive probes sent") \
	X(delack, "delayed ACKs sent") \
	X(segstimed, "segments timed for RTT") \
	X(rttupdated, "RTT estimates updated") \
	X(sndtotal, "segments sent") \
	X(sndpack, "data segments sent") \
	X(sndbyte, "data bytes sent") \
	X(sndrexmitpack, "data segments retransmitted") \
	X(sndrexmitbyte, "data bytes retransmitted") \
	X(sndacks, "ACK-only segments sent") \
	X(sndfast, "segments decided by tcp_output's fast path") \
	X(sndackdirect, "pure ACKs sent whole through the route's path cache") \
	X(sndacktpl, "... of them from the connection's ACK template") \
	X(snddeferred, "ACKs whose output waited for the end of the receive batch") \
	X(sndprobe, "window probes sent") \
	X(sndwinup, "window updates sent") \
	X(sndbufgrow, "times the send buffer grew (autotuning, tcp_sndbuf_grow)") \
	X(sndctrl, "control segments sent (SYN, FIN, RST)") \
	X(sndrst, "RSTs sent") \
	X(sndfail, "segments ip_output refused") \
	X(sndtso, "large segments the interface cut (TSO)") \
	X(rcvtotal, "segments received") \
	X(rcvpack, "in-order data segments received") \
	X(rcvbyte, "in-order data bytes received") \
	X(rcvbadsum, "segments with a bad checksum") \
	X(rcvbadoff, "segments with a bad data offset") \
	X(rcvshort, "segments shorter than a TCP header") \
	X(rcvbadopt, "segments with malformed options") \
	X(rcvbadaddr, "segments to or from a broadcast/multicast address") \
	X(rcvduppack, "completely duplicate segments") \
	X(rcvdupbyte, "completely duplicate bytes") \
	X(rcvpartduppack, "partly duplicate segments") \
	X(rcvoopack, "out-of-order segments queued") \
	X(rcvoobyte, "out-of-order bytes queued") \
	X(rcvreassfull, "out-of-order segments dropped: queue full") \
	X(rcvreassjoin, "out-of-order runs joined by a segment that filled the gap between them") \
	X(rcvpackafterwin, "segments beyond the window") \
	X(rcvafterclose, "segments after the socket was closed") \
	X(rcvwinprobe, "window probes received") \
	X(rcvdupack, "duplicate ACKs") \
	X(rcvacktoomuch, "ACKs for unsent data") \
	X(rcvackpack, "ACKs advancing SND.UNA") \
	X(rcvackbyte, "bytes acknowledged") \
	X(rcvwinupd, "window updates received") \
	X(pawsdrop, "segments dropped by PAWS") \
	X(noport, "segments for no connection (RST sent or dropped)") \
	X(md5missing, "segments dropped: no TCP-MD5 signature where a key is set") \
	X(md5bad, "segments dropped: wrong TCP-MD5 signature") \
	X(md5unexpected, "segments dropped: TCP-MD5 signature where no key is set") \
	X(listendrop, "SYNs dropped: listen queues full") \
	X(badsyn, "bad SYNs (in a synchronized state or with bad flags)") \
	X(synfindrop, "SYN+FIN segments dropped") \
	X(badrst, "RSTs ignored (out of window)") \
	X(challengeack, "challenge ACKs sent (RFC 5961)") \
	X(challengeack_limited, "challenge ACKs suppressed by the rate limit") \
	X(badack, "segments with an unacceptable ACK") \
	X(rstin, "connections reset by the peer") \
	X(predack, "header prediction: pure ACKs") \
	X(preddat, "header prediction: in-order data") \
	X(predmiss, "header prediction: ESTABLISHED segments taking the slow path") \
	X(fastrexmit, "fast retransmits") \
	X(recoveries, "loss recoveries entered") \
	X(sackrexmit, "segments retransmitted from the SACK scoreboard") \
	X(sackrescue, "of those, rescue retransmissions (RFC 6675 NextSeg rule 4)") \
	X(sndlimited, "segments of new data sent on a first or second duplicate ACK (RFC 3042)") \
	X(hystart_css, "entries into Conservative Slow Start: HyStart++ saw the RTT rise") \
	X(hystart_resume, "... of them resumed: the RTT fell back (RFC 9406 4.2)") \
	X(hystart_exit, "slow starts HyStart++ ended before any loss") \
	X(sackblocks, "SACK blocks received") \
	X(sackboardgrow, "SACK scoreboards that outgrew the tcpcb's ranges") \
	X(sackboardnomem, "... and found no memory for more (the highest range forgotten)") \
	X(sackrelost, "retransmissions found lost (data sent after them SACKed) and sent again") \
	X(tlpprobes, "tail loss probes sent (RFC 8985 7)") \
	X(tlpprobesnew, "... of them new data") \
	X(tlprepaired, "single losses a probe repaired (cwnd reduced)") \
	X(tlpspurious, "probes the peer reported as duplicates (D-SACK)") \
	X(tlpsacked, "probes SACKed above holes, which were then taken as lost") \
	X(tlpholes, "probe timeouts that found SACKed data above holes, taken as lost") \
	X(cookiessent, "SYN cookies sent") \
	X(cookiesok, "connections made from valid SYN cookies") \
	X(cookiesbad, "ACKs with an invalid SYN cookie") \
	X(twreuse, "TIME-WAIT connections reused by a new SYN") \
	X(twissbump, "reopened connections whose ISS was moved past the old one's") \
	X(twrst, "RSTs in TIME-WAIT ignored (RFC 1337)") \
	X(twrecycled, "TIME-WAIT connections reclaimed for new ones (connection limit or memory)") \
	X(icmpsoft, "ICMP errors noted as soft") \
	X(icmphard, "connections aborted by ICMP") \
	X(icmpbadseq, "ICMP errors for sequence numbers not in flight") \
	X(pmtuupdate, "path MTU decreases from ICMP") \
	X(mssclamp, "peer MSS values clamped") \
	X(ecn_shs, "connections that negotiated ECN") \
	X(ecn_ce, "segments received with the CE mark") \
	X(ecn_ect0, "segments sent with ECT(0)") \
	X(ecn_rcwnd, "congestion window reductions for ECE")

struct tcpstat { TCPSTAT_LIST(NET_STAT_FIELD) };
#define TCPSTAT_INC(ti, f) ((ti)->ti_stat.f++)
#define TCPSTAT_ADD(ti, f, n) ((ti)->ti_stat.f += (n))

/* tcp_conf.ecn */
#define TCP_ECN_OFF     0
#define TCP_ECN_ON      1       /* ask for ECN in our SYNs, accept it in the peer's */
#define TCP_ECN_PASSIVE 2       /* accept it in the peer's SYN only */

/* Tunables (the sysctl knobs of the hosted tools and of the conformance runner). */
#define TCP_INITCWND_MAX 100           /* the largest initcwnd_segs a setting takes */

struct tcp_conf {
	bool rfc1323;               /* offer window scaling and timestamps */
	bool sack;                  /* offer/accept SACK */
	bool insecure_rst;          /* accept any in-window RST (RFC 5961 off) */
	bool insecure_syn;          /* RFC 793 behaviour for SYN in a synchronized state */
	bool drop_synfin;           /* drop SYN+FIN segments */
	bool syncookies;            /* answer with SYN cookies when the SYN queue is full */
	uint8_t ecn;                /* RFC 3168: 0 off, 1 ask for it and accept it, 2 accept
	                             * it when asked (the default, as Linux and FreeBSD) */
	bool no_hystart;            /* CUBIC's first slow start without HyStart++ (RFC 9406) */
	uint8_t initcwnd_segs;      /* the initial window in segments, RFC 6928 2's rule (10,
	                             * as Linux and FreeBSD; at most TCP_INITCWND_MAX); 0: RFC
	                             * 5681 3.1's 2 to 4 */
	bool no_tlp;                /* no tail loss probes (RFC 8985 7, tcp_tlp.c) */
	bool no_sndbuf_auto;        /* send buffers keep sendspace (tcp_sndbuf_grow) */
	bool no_hdrpred;            /* tests: every segment takes the slow path (tcp_input.c) */
	bool no_outfast;            /* tests: tcp_output decides every segment the general way */
	uint32_t recvspace;         /* default receive buffer */
	uint32_t sendspace;         /* default send buffer */
	uint32_t maxsockbuf;        /* largest buffer a socket may get: sizes our window scale */
	uint32_t mssdflt;           /* RFC 9293 3.7.1: 536 when the peer gives no MSS */
	uint64_t rexmit_initial_ns; /* RFC 6298 2.1: 1 s */
	uint64_t rexmit_min_ns;     /* lower bound for RTO: 200 ms */
	uint64_t rexmit_max_ns;     /* upper bound: 60 s (RFC 6298 2.5) */
	uint32_t rexmit_limit;      /* retransmissions before ETIMEDOUT */
	uint32_t syn_rexmit_limit;  /* SYN retransmissions */
	uint64_t keepidle_ns, keepintvl_ns, keepinit_ns;
	uint32_t keepcnt;
	uint64_t msl_ns;            /* TIME-WAIT = 2 * msl */
	uint64_t delack_ns;         /* at most 40 ms */
	uint32_t challenge_ack_limit; /* per second, instance-wide (RFC 5961 7) */
	uint32_t reass_maxseg;      /* out-of-order runs queued per connection */
	char cc_default[TCP_CC_NAME_MAX];
};

struct tcp_instance {
	struct netstack *ti_ns;
	struct inpcbinfo ti_pcbinfo;
	struct tcpstat ti_stat;
	struct tcp_conf ti_conf;
	uint8_t ti_isn_key[SIPHASH_KEY_LEN];      /* RFC 6528 secret */
	uint8_t ti_cookie_key[SIPHASH_KEY_LEN];   /* SYN cookie secret */
	uint64_t ti_chack_second;                 /* RFC 5961 7 rate limit window */
	uint32_t ti_chack_count;
	uint32_t ti_ntcpcb;                       /* live connection blocks */
	/* Connections in TIME-WAIT, oldest first (t_twnext): under memory pressure, or at the
	 * connection limit (ti_pcbinfo.ipi_limit, 0 = none), a new connection takes the place
	 * of the oldest one instead of being refused. */
	struct tcpcb *ti_tw_head, **ti_tw_tailp;
	uint32_t ti_ntw;
	/* Connections whose output waits for the end of the receive batch, in the order
	 * their first ACK arrived (tcp_output_defer, tcp_output_batch). */
	struct tcpcb *ti_out_head, **ti_out_tailp;
};

/* Instance init/teardown (called from so_instance_init / its destroy hook). */
int tcp_init(struct netstack *ns);
void tcp_fini(struct netstack *ns);
/* The instance's TCP state (ns_tcp): inline, as every segment asks for it several times. */
static inline struct tcp_instance *tcp_instance(struct netstack *ns)
{
	return (struct tcp_instance *)ns->ns_tcp;
}

/* IP input and ICMP (the protosw's pr_input / pr_ctlinput). */
void tcp_input(struct netstack *ns, struct mbuf *m, int iphlen);
void tcp_ctlinput(struct netstack *ns, int icmp_type, int icmp_code, uint32_t info,
    const uint8_t *quoted, size_t qlen);

/* tcp_subr.c */
struct tcpcb *tcp_newtcpcb(struct inpcb *inp);
/* Ends the connection: stops timers, frees queues, the tcpcb and the inpcb, detaches the
 * socket (which the socket layer frees once its descriptor is gone).  Returns NULL. */
struct tcpcb *tcp_close(struct tcpcb *tp);
/* Drops the connection with error `err` (positive errno), sending RST if synchronized. */
struct tcpcb *tcp_drop(struct tcpcb *tp, int err);
/* Sends a control segment not tied to the send queue (RST for a closed port, challenge and
 * TIME-WAIT ACKs): flags TH_RST and/or TH_ACK with the given seq/ack.  tp may be NULL (then
 * the addresses come from the arguments).  Counts sndctrl/sndrst. */
void tcp_respond(struct netstack *ns, struct tcpcb *tp, uint32_t laddr, uint16_t lport,
    uint32_t faddr, uint16_t fport, tcp_seq seq, tcp_seq ack, unsigned flags);
/* The TSval for now on this connection (RFC 7323: 1 ms clock plus a random offset). */
uint32_t tcp_ts_now(const struct tcpcb *tp);
/* The MSS toward faddr from the route MTU (RFC 9293 3.7.1, RFC 6691). */
uint32_t tcp_mss_for(struct netstack *ns, uint32_t faddr);
/* The MSS this connection offers toward faddr: the route's, at most its TCP_MAXSEG. */
uint32_t tcp_mss_mine(const struct tcpcb *tp, uint32_t faddr);
/* Applies the peer's MSS option (or its absence) to t_maxseg and resets congestion state. */
void tcp_mss_update(struct tcpcb *tp, bool have, uint16_t peer_mss);
/* TCP_MAXSEG set on an open connection: no larger segments from now on. */
void tcp_mss_usercap(struct tcpcb *tp);
/* TCP_WINDOW_CLAMP rounded down to whole segments, once the MSS is known. */
void tcp_clamp_round(struct tcpcb *tp);
/* (Re)starts the connection's congestion control module for t_maxseg, HyStart++ as the
 * instance's configuration says. */
void tcp_cc_start(struct tcpcb *tp);
/* The connection's initial window in bytes (tcp_cc_initial_window with ti_conf.initcwnd_segs). */
uint32_t tcp_initial_window(const struct tcpcb *tp);
/* Moves to TIME-WAIT: 2MSL timer, socket released if the user has closed; the connection
 * joins the tail of the TIME-WAIT list. */
void tcp_twstart(struct tcpcb *tp);
/* The state-changing helper: records the state; wakes the socket where the change matters. */
void tcp_set_state(struct tcpcb *tp, int state);
/* RFC 5961 7: may a challenge ACK go out now (instance-wide rate limit)? */
bool tcp_challenge_ack_allowed(struct netstack *ns);
/* Connections in `state` (0 = all) whose local port is lport (0 = any). */
unsigned tcp_count_state(struct netstack *ns, int state, uint16_t lport);
/* Drops every connection in `state` (tcpdrop); returns how many. */
unsigned tcp_drop_state(struct netstack *ns, int state);
/* Closes the oldest TIME-WAIT connection to make room for a new one (counted in
 * twrecycled); false when none is in TIME-WAIT.  Never touches another state. */
bool tcp_tw_reclaim(struct netstack *ns);

/* tcp_output.c */
/* A SYN-ACK carrying only an MSS option (and the signature of the listener ltp's key for
 * faddr, if it has one), sent without a connection block (SYN cookies). */
void tcp_respond_synack(struct netstack *ns, const struct tcpcb *ltp, uint32_t laddr,
    uint16_t lport, uint32_t faddr, uint16_t fport, tcp_seq seq, tcp_seq ack, uint16_t mss);
int tcp_output(struct tcpcb *tp);
/* ECN on output (tcp_ecn.c): the flags a SYN or SYN-ACK adds; a segment's flags with ECE
 * and CWR as due, *ecn set to ECT(0) for new data (len bytes, rexmt false). */
unsigned tcp_ecn_syn_flags(struct tcpcb *tp);
unsigned tcp_ecn_output(struct tcpcb *tp, unsigned flags, uint32_t len, bool rexmt,
    uint8_t *ecn);
/* ACK-clocked output put off to the end of the receive batch (netisr_run_locked): a pure
 * ACK taken by header prediction in the middle of a batch queues its connection (once,
 * tcp_output_queue: false outside a batch), leaving the release of the acknowledged data and
 * the timer restart to the batch's end (tcp_ack_advance's defer), and asks for output there
 * (tcp_output_defer, which outside a batch is tcp_output) instead of calling tcp_output.
 * tcp_output_batch (the instance's ns_batch_done) does each queued connection's pending work
 * when the batch's frames were all processed.  tcp_output_flush does it now (a segment other
 * than such a pure ACK is processed only after it, so only runs of pure ACKs are merged);
 * tcp_output, tcp_close and tcp_output_unqueue take a connection off the queue, releasing its
 * acknowledged data. */
bool tcp_output_queue(struct tcpcb *tp);
void tcp_output_defer(struct tcpcb *tp);
void tcp_output_flush_queued(struct tcpcb *tp);
/* Inline: every data segment asks, and a queued connection (t_outpprev set) is the rare case. */
static inline void tcp_output_flush(struct tcpcb *tp)
{
	if (tp->t_outpprev)
		tcp_output_flush_queued(tp);
}
void tcp_output_batch(struct netstack *ns, void *arg);
void tcp_output_unqueue(struct tcpcb *tp);
/* The receive window to advertise now (bytes, before scaling). */
uint32_t tcp_rcv_window(const struct tcpcb *tp);
/* The window scale to offer (tcp_input_open.c); clamp: the connection's TCP_WINDOW_CLAMP. */
uint8_t tcp_pick_wscale(struct netstack *ns, uint32_t clamp);

/* tcp_timer.c */
void tcp_timer_arm(struct tcpcb *tp, int which, uint64_t delay_ns);
/* The same with the time already read (port_now_ns): the input path reads the clock once per
 * segment and arms its timers from that reading. */
void tcp_timer_arm_at(struct tcpcb *tp, int which, uint64_t now, uint64_t delay_ns);
/* ... due at an absolute time (ns on the instance clock). */
void tcp_timer_arm_due(struct tcpcb *tp, int which, uint64_t due);
void tcp_timer_stop(struct tcpcb *tp, int which);
/* Whether a timer is armed.  Inline: tcp_output asks it several times for every segment. */
static inline bool tcp_timer_active(const struct tcpcb *tp, int which)
{
	return tp->t_due[which] != 0;
}
/* tcp_timer_stop(tp, TT_DELACK), inline: every ACK sent stops the delayed-ACK timer, and
 * that stop only clears its due time (a callout left pending for it fires once and finds
 * nothing due, tcp_timer.c). */
static inline void tcp_delack_stop(struct tcpcb *tp)
{
	tp->t_due[TT_DELACK] = 0;
}
void tcp_timers_init(struct tcpcb *tp);
void tcp_timers_stop_all(struct tcpcb *tp);
/* RFC 6298 RTT sample (ns) and the current RTO with backoff. */
void tcp_rtt_update(struct tcpcb *tp, uint64_t rtt_ns);
uint64_t tcp_rexmt_timeout(const struct tcpcb *tp);
void tcp_setpersist(struct tcpcb *tp);
#define TCP_MAX_SYNCNT 127      /* TCP_SYNCNT's largest (Linux's MAX_TCP_SYNCNT) */
#define TCP_MAX_LINGER2 120     /* TCP_LINGER2's largest, s (Linux's TCP_FIN_TIMEOUT_MAX) */
/* The socket of a connection in FIN-WAIT-2 is gone: wait for the peer's FIN for TCP_LINGER2
 * seconds (else 2 MSL), or reset the connection at once when TCP_LINGER2 is negative. */
void tcp_finwait2_orphan(struct tcpcb *tp);
/* TCP_DEFER_ACCEPT: a connection held from the accept queue (TF_DEFERRED) goes there now. */
void tcp_defer_release(struct tcpcb *tp);

/* tcp_input.c: SACK loss recovery begins (RFC 6675 5 (4)): the congestion response, then the
 * first segment at once and what NextSeg allows. */
void tcp_sack_recovery_start(struct tcpcb *tp);

/* tcp_tlp.c: tail loss probes (RFC 8985 7). */
/* (Re)starts the probe timeout after new data went out or an ACK moved SND.UNA (now: the
 * instance clock), when a probe may go.  A timer pending earlier than the new due time stays:
 * when it fires it finds the restart and waits the rest (tcp_tlp_timeout). */
void tcp_tlp_restart(struct tcpcb *tp, uint64_t now);
static inline void tcp_tlp_arm(struct tcpcb *tp, uint64_t now)
{
	if (tp->t_flags & TF_SACK_PERMIT)   /* (probes need SACK) */
		tcp_tlp_restart(tp, now);
}
/* The TT_TLP timer's handler: sends the probe.  Returns true (the connection stays). */
bool tcp_tlp_timeout(struct tcpcb *tp);
/* An ACK (ack, its options to) while a probe is out (TF_TLP), before SND.UNA moves: ends
 * the episode and reacts as RFC 8985 7.4 says. */
void tcp_tlp_ack(struct tcpcb *tp, tcp_seq ack, const struct tcp_opts *to);
/* Forgets the probe episode and RACK's lost mark (an RTO, the end of a recovery). */
static inline void tcp_tlp_reset(struct tcpcb *tp)
{
	tp->t_flags &= ~(TF_TLP | TF_TLP_RXT | TF_LOSTBELOW);
}

/* tcp_reass.c: queues an out-of-order segment (m = payload only); or with m NULL and tp
 * in order, delivers what became contiguous.  Returns the TH_FIN flag if a FIN was
 * delivered in order.  Consumes m.  *held (when held is not NULL): the segment's data is
 * now in the queue or the receive buffer (false when it was dropped for want of room), so
 * a SACK block may report it (RFC 2018 4). */
unsigned tcp_reass(struct tcpcb *tp, tcp_seq seq, uint32_t len, bool fin, struct mbuf *m,
    bool *held);
void tcp_reass_flush(struct tcpcb *tp);

/* tcp_sack.c */
/* Receiver: records the block [start, end) just received out of order (RFC 2018 4). */
void tcp_sack_rcv_update(struct tcpcb *tp, tcp_seq start, tcp_seq end);
/* Receiver (RFC 2883 D-SACK): notes the first duplicated part of the segment [seq, seq+len)
 * (below rcv_nxt or already queued), to be reported once in the next ACK.  Call before the
 * segment is queued. */
void tcp_sack_note_dsack(struct tcpcb *tp, tcp_seq seq, uint32_t len);
/* Receiver: removes blocks at or below rcv_nxt. */
void tcp_sack_rcv_trim(struct tcpcb *tp);
/* Sender: merges the peer's blocks into the scoreboard; drops what snd_una covers. */
void tcp_sack_scoreboard_update(struct tcpcb *tp, const struct tcp_opts *to);
void tcp_sack_scoreboard_clear(struct tcpcb *tp);
/* Sender: is [seq, seq+1) reported received? */
bool tcp_sack_is_sacked(const struct tcpcb *tp, tcp_seq seq);
/* Sender: bytes SACKed above snd_una. */
uint32_t tcp_sack_bytes(const struct tcpcb *tp);
/* SACKed bytes at or above from (RFC 6675 2: what a duplicate ACK must add to). */
uint32_t tcp_sack_bytes_above(const struct tcpcb *tp, tcp_seq from);
/* Sender: a retransmission of this recovery went [s, e) (tcp_rxlog_note), a lost one went
 * again (tcp_rxlog_resent); the oldest retransmission found lost, its first un-SACKed
 * *len bytes at *seq (tcp_rxlog_lost: false when none); the recovery ended (tcp_rxlog_clear,
 * which tcp_sack_scoreboard_clear also does). */
void tcp_rxlog_note(struct tcpcb *tp, tcp_seq s, tcp_seq e);
void tcp_rxlog_resent(struct tcpcb *tp, tcp_seq s, tcp_seq e);
bool tcp_rxlog_lost(struct tcpcb *tp, tcp_seq *seq, uint32_t *len);
void tcp_rxlog_clear(struct tcpcb *tp);
/* Sender (RFC 6675 NextSeg rule 3): the first un-SACKed sequence at or above `from` and
 * below the highest SACKed byte; *len bytes of it are not SACKed.  False when none. */
bool tcp_sack_next_hole(const struct tcpcb *tp, tcp_seq from, tcp_seq *seq, uint32_t *len);
/* Sender (RFC 6675 NextSeg rule 1): the same, but only bytes IsLost() holds lost. */
bool tcp_sack_next_lost(const struct tcpcb *tp, tcp_seq from, tcp_seq *seq, uint32_t *len);
/* Sender (RFC 6675 5 (2)): IsLost(HighACK + 1), the first unacknowledged byte. */
bool tcp_sack_una_lost(const struct tcpcb *tp);
/* Sender (RFC 6675 SetPipe): the bytes the network is estimated to hold during SACK loss
 * recovery, with HighRxt at sack_hint. */
uint32_t tcp_sack_pipe(const struct tcpcb *tp);
/* Sender (RFC 6675 NextSeg rule 4): the segment of at most t_maxseg bytes that ends at the
 * highest un-SACKed byte below snd_max.  False when every byte is SACKed. */
bool tcp_sack_rescue_seg(const struct tcpcb *tp, tcp_seq *seq, uint32_t *len);

/* tcp_syncookie.c */
tcp_seq tcp_cookie_make(struct netstack *ns, uint32_t laddr, uint16_t lport, uint32_t faddr,
    uint16_t fport, tcp_seq irs, uint16_t mss);
/* Checks the cookie echoed in ack - 1; returns the MSS it encodes, or 0 if invalid. */
uint16_t tcp_cookie_check(struct netstack *ns, uint32_t laddr, uint16_t lport, uint32_t faddr,
    uint16_t fport, tcp_seq irs, tcp_seq cookie);

/* tcp_usrreq.c */
extern const struct protosw tcp_protosw;
/* The user's side is done with the connection (close or shutdown): RFC 9293 3.10.4. */
struct tcpcb *tcp_usrclosed(struct tcpcb *tp);

#define TCP_NS_PER_MS 1000000ull
#define TCP_NS_PER_S  1000000000ull

/* tcp_ts_now's value at time `now` (port_now_ns), for a caller that has read the clock. */
static inline uint32_t tcp_ts_at(const struct tcpcb *tp, uint64_t now)
{
	/* now / TCP_NS_PER_MS as the compiler's own reciprocal multiply (exact for every 64-bit
	 * now), written out: in some inlined places gcc emitted a 64-bit div instead (tens of
	 * cycles on the pure-ACK path). */
	uint64_t ms = (uint64_t)(((unsigned __int128)now * 0x431BDE82D7B634DBull) >> 82);
	return (uint32_t)ms + tp->ts_offset;
}

#endif
