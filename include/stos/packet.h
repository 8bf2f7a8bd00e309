/* STOS user/kernel ABI: AF_PACKET sockets and classic BPF (Linux values and layouts). */
#ifndef STOS_PACKET_H
#define STOS_PACKET_H
#include <stos/types.h>

#define ETH_ALEN      6
#define ETH_HLEN     14
#define ETH_DATA_LEN 1500
#define ETH_P_ALL  0x0003
#define ETH_P_IP   0x0800
#define ETH_P_ARP  0x0806
#define ETH_P_IPV6 0x86DD
#define ARPHRD_ETHER    1
#define ARPHRD_LOOPBACK 772

struct sockaddr_ll {
	unsigned short sll_family;
	uint16_t sll_protocol;     /* network byte order */
	int sll_ifindex;
	unsigned short sll_hatype;
	unsigned char sll_pkttype;
	unsigned char sll_halen;
	unsigned char sll_addr[8];
};

#define PACKET_HOST      0
#define PACKET_BROADCAST 1
#define PACKET_MULTICAST 2
#define PACKET_OTHERHOST 3
#define PACKET_OUTGOING  4

#define PACKET_ADD_MEMBERSHIP  1
#define PACKET_DROP_MEMBERSHIP 2
#define PACKET_STATISTICS      6

struct packet_mreq {
	int mr_ifindex;
	unsigned short mr_type;
	unsigned short mr_alen;
	unsigned char mr_address[8];
};
#define PACKET_MR_MULTICAST 0
#define PACKET_MR_PROMISC   1
#define PACKET_MR_ALLMULTI  2

struct tpacket_stats {
	unsigned int tp_packets;
	unsigned int tp_drops;
};

/* Classic BPF (SO_ATTACH_FILTER). */
struct sock_filter {
	uint16_t code;
	uint8_t jt;
	uint8_t jf;
	uint32_t k;
};
struct sock_fprog {
	unsigned short len;
	struct sock_filter *filter;
};
#define BPF_MAXINSNS 4096
#endif
