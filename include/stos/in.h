/* STOS user/kernel ABI: IPv4 addresses and IP/TCP/UDP socket options (Linux values). */
#ifndef STOS_IN_H
#define STOS_IN_H
#include <stos/types.h>
#include <stos/socket.h>

typedef uint32_t in_addr_t;
typedef uint16_t in_port_t;

#define IPPROTO_IP     0
#define IPPROTO_ICMP   1
#define IPPROTO_IGMP   2
#define IPPROTO_TCP    6
#define IPPROTO_UDP   17
#define IPPROTO_RAW  255

/* Host-order values; compare after ntohl(). */
#define INADDR_ANY       ((in_addr_t)0x00000000)
#define INADDR_BROADCAST ((in_addr_t)0xffffffff)
#define INADDR_NONE      ((in_addr_t)0xffffffff)
#define INADDR_LOOPBACK  ((in_addr_t)0x7f000001)

struct in_addr {
	in_addr_t s_addr;          /* network byte order */
};

struct sockaddr_in {
	sa_family_t sin_family;
	in_port_t sin_port;        /* network byte order */
	struct in_addr sin_addr;
	unsigned char sin_zero[8];
};

#define INET_ADDRSTRLEN 16

/* level IPPROTO_IP */
#define IP_TOS          1
#define IP_TTL          2
#define IP_HDRINCL      3
#define IP_OPTIONS      4
#define IP_PKTINFO      8
#define IP_MTU_DISCOVER 10
#define IP_RECVERR      11
#define IP_MTU          14
#define IP_MULTICAST_TTL  33
#define IP_MULTICAST_LOOP 34
#define IP_PMTUDISC_DONT 0
#define IP_PMTUDISC_DO   2

/* level SOL_RAW, IPPROTO_ICMP raw sockets: drop ICMP types whose bit is set */
#define ICMP_FILTER 1
struct icmp_filter {
	uint32_t data;
};

/* level IPPROTO_TCP */
#define TCP_NODELAY      1
#define TCP_MAXSEG       2
#define TCP_CORK         3
#define TCP_KEEPIDLE     4
#define TCP_KEEPINTVL    5
#define TCP_KEEPCNT      6
#define TCP_SYNCNT       7
#define TCP_LINGER2      8
#define TCP_DEFER_ACCEPT 9
#define TCP_WINDOW_CLAMP 10
#define TCP_INFO         11
#define TCP_QUICKACK     12
#define TCP_CONGESTION   13
#define TCP_CA_NAME_MAX  16
#define TCP_MD5SIG       14
#define TCP_USER_TIMEOUT 18
#define TCP_MD5SIG_EXT   32
/* STOS extension (FreeBSD's name and number; Linux has no equivalent): seconds a connection
 * may take to establish before it fails with ETIMEDOUT. */
#define TCP_KEEPINIT     128
/* STOS extension (FreeBSD's name; its number there, 8, is Linux's TCP_LINGER2): send and
 * accept no TCP options on this connection (set before connect or listen; connections a
 * listener accepts inherit it). */
#define TCP_NOOPT        129

/* TCP_MD5SIG (RFC 2385 signatures, net/tcp_md5.c): Linux's layout.  A key for the peer
 * address in tcpm_addr (AF_INET; its port is ignored), tcpm_keylen bytes of tcpm_key; a
 * keylen of 0 deletes the key for that address.  TCP_MD5SIG ignores tcpm_flags,
 * tcpm_prefixlen and tcpm_ifindex; TCP_MD5SIG_EXT reads them: with TCP_MD5SIG_FLAG_PREFIX the
 * key covers the peers in tcpm_addr/tcpm_prefixlen (the longest prefix wins), and
 * TCP_MD5SIG_FLAG_IFINDEX with an interface index is refused (EINVAL), as Linux refuses any
 * interface but a VRF's, which STOS does not have. */
#define TCP_MD5SIG_FLAG_PREFIX  0x1
#define TCP_MD5SIG_FLAG_IFINDEX 0x2
#define TCP_MD5SIG_MAXKEYLEN 80
struct tcp_md5sig {
	struct sockaddr_storage tcpm_addr;
	uint8_t tcpm_flags;
	uint8_t tcpm_prefixlen;
	uint16_t tcpm_keylen;
	int tcpm_ifindex;
	uint8_t tcpm_key[TCP_MD5SIG_MAXKEYLEN];
};

/* TCP_INFO: the leading fields of Linux's struct tcp_info, same layout. */
struct tcp_info {
	uint8_t tcpi_state;
	uint8_t tcpi_ca_state;
	uint8_t tcpi_retransmits;
	uint8_t tcpi_probes;
	uint8_t tcpi_backoff;
	uint8_t tcpi_options;
	uint8_t tcpi_snd_wscale : 4, tcpi_rcv_wscale : 4;
	uint8_t tcpi_delivery_rate_app_limited : 1, tcpi_fastopen_client_fail : 2;
	uint32_t tcpi_rto;          /* microseconds */
	uint32_t tcpi_ato;
	uint32_t tcpi_snd_mss;
	uint32_t tcpi_rcv_mss;
	uint32_t tcpi_unacked;
	uint32_t tcpi_sacked;
	uint32_t tcpi_lost;
	uint32_t tcpi_retrans;
	uint32_t tcpi_fackets;
	uint32_t tcpi_last_data_sent;
	uint32_t tcpi_last_ack_sent;
	uint32_t tcpi_last_data_recv;
	uint32_t tcpi_last_ack_recv;
	uint32_t tcpi_pmtu;
	uint32_t tcpi_rcv_ssthresh;
	uint32_t tcpi_rtt;          /* smoothed RTT, microseconds */
	uint32_t tcpi_rttvar;
	uint32_t tcpi_snd_ssthresh;
	uint32_t tcpi_snd_cwnd;     /* segments */
	uint32_t tcpi_advmss;
	uint32_t tcpi_reordering;
	uint32_t tcpi_rcv_rtt;
	uint32_t tcpi_rcv_space;
	uint32_t tcpi_total_retrans;
};
#endif
