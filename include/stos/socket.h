/* STOS user/kernel ABI: sockets (Linux values and layouts). */
#ifndef STOS_SOCKET_H
#define STOS_SOCKET_H
#include <stos/types.h>

#define AF_UNSPEC  0
#define AF_UNIX    1
#define AF_LOCAL   AF_UNIX
#define AF_INET    2
#define AF_INET6  10
#define AF_PACKET 17
#define PF_UNSPEC AF_UNSPEC
#define PF_UNIX   AF_UNIX
#define PF_INET   AF_INET
#define PF_PACKET AF_PACKET

#define SOCK_STREAM    1
#define SOCK_DGRAM     2
#define SOCK_RAW       3
#define SOCK_SEQPACKET 5
#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK  04000
#define SOCK_CLOEXEC   02000000

#define SOL_SOCKET   1
#define SOL_IP       0
#define SOL_TCP      6
#define SOL_UDP     17
#define SOL_RAW    255
#define SOL_PACKET 263

#define SO_DEBUG         1
#define SO_REUSEADDR     2
#define SO_TYPE          3
#define SO_ERROR         4
#define SO_DONTROUTE     5
#define SO_BROADCAST     6
#define SO_SNDBUF        7
#define SO_RCVBUF        8
#define SO_KEEPALIVE     9
#define SO_OOBINLINE    10
#define SO_NO_CHECK     11
#define SO_PRIORITY     12
#define SO_LINGER       13
#define SO_REUSEPORT    15
#define SO_RCVLOWAT     18
#define SO_SNDLOWAT     19
#define SO_RCVTIMEO     20
#define SO_SNDTIMEO     21
#define SO_BINDTODEVICE 25
#define SO_ATTACH_FILTER 26
#define SO_DETACH_FILTER 27
#define SO_TIMESTAMP    29
#define SO_ACCEPTCONN   30
#define SO_PROTOCOL     38
#define SO_DOMAIN       39

#define MSG_OOB       0x01
#define MSG_PEEK      0x02
#define MSG_DONTROUTE 0x04
#define MSG_CTRUNC    0x08
#define MSG_TRUNC     0x20
#define MSG_DONTWAIT  0x40
#define MSG_EOR       0x80
#define MSG_WAITALL   0x100
#define MSG_NOSIGNAL  0x4000

#define SHUT_RD   0
#define SHUT_WR   1
#define SHUT_RDWR 2

#define SOMAXCONN 4096

struct sockaddr {
	sa_family_t sa_family;
	char sa_data[14];
};

/* Big enough and aligned enough for any address family. */
struct sockaddr_storage {
	sa_family_t ss_family;
	char __ss_pad[118];
	unsigned long __ss_align;
};

struct iovec {
	void *iov_base;
	size_t iov_len;
};

struct msghdr {
	void *msg_name;
	socklen_t msg_namelen;
	struct iovec *msg_iov;
	size_t msg_iovlen;
	void *msg_control;
	size_t msg_controllen;
	int msg_flags;
};

struct cmsghdr {
	size_t cmsg_len;
	int cmsg_level;
	int cmsg_type;
};

struct linger {
	int l_onoff;
	int l_linger;
};

#define IOV_MAX 1024
#endif
