/* packet_send [iface]: sends one hand-built Ethernet frame on an AF_PACKET SOCK_RAW socket
 * (suite 48-kernel-packet checks it byte for byte in QEMU's capture).  The frame: to the
 * slirp gateway's MAC, from 52:54:00:12:34:56, ethertype 0x88b5 (IEEE 802 local experimental),
 * 100 bytes with a text marker then bytes 0x00, 0x01, ...  Also checks the size limits:
 * 1515 bytes fails with EMSGSIZE and 13 bytes with EINVAL; and SO_ATTACH_FILTER through the
 * system call: a program at a bad user address fails with EFAULT, a backward jump with
 * EINVAL. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	static const uint8_t hdr[14] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02,
	                                 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x88, 0xb5 };
	static const char mark[] = "STOS AF_PACKET raw frame";
	uint8_t f[1515];
	struct sockaddr_ll ll;
	const char *iface = argc > 1 ? argv[1] : "eth0";
	int fd = socket(AF_PACKET, SOCK_RAW, 0);
	ssize_t n;
	if (fd < 0) {
		printf("socket: %s\n", strerror(errno));
		return 1;
	}
	memset(&ll, 0, sizeof(ll));
	ll.sll_family = AF_PACKET;
	ll.sll_ifindex = (int)if_nametoindex(iface);
	if (!ll.sll_ifindex || bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0) {
		printf("bind %s: %s\n", iface, strerror(errno));
		return 1;
	}
	memset(f, 0, sizeof(f));
	memcpy(f, hdr, sizeof(hdr));
	memcpy(f + 14, mark, sizeof(mark) - 1);
	for (size_t i = 14 + sizeof(mark) - 1; i < 100; i++)
		f[i] = (uint8_t)(i - 14 - (sizeof(mark) - 1));
	{
		struct sock_filter back[2] = { { 0x15, 200, 0, 0 }, { 0x06, 0, 0, 0xffff } };
		struct sock_fprog bad = { 2, (struct sock_filter *)8 }, loop = { 2, back };
		int r1 = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &bad, sizeof(bad));
		int e1 = errno;
		int r2 = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &loop, sizeof(loop));
		int e2 = errno;
		printf("filter at bad address: %s\n", r1 < 0 ? strerror(e1) : "attached?!");
		printf("filter jumping out: %s\n", r2 < 0 ? strerror(e2) : "attached?!");
	}
	n = send(fd, f, 1515, 0);
	printf("1515 bytes: %s\n", n < 0 ? strerror(errno) : "sent?!");
	n = send(fd, f, 13, 0);
	printf("13 bytes: %s\n", n < 0 ? strerror(errno) : "sent?!");
	n = send(fd, f, 100, 0);
	if (n != 100) {
		printf("send: %s\n", n < 0 ? strerror(errno) : "short");
		return 1;
	}
	printf("sent %zd\n", n);
	return 0;
}
