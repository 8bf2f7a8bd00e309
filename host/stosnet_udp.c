/* stosnet's UDP services: echo (RFC 862: send back each datagram) and discard (RFC 863). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "host/stosnet.h"
#include "host/stos_api.h"
#include "net/netlib.h"
#include <stos/socket.h>
#include <stos/in.h>
#include <poll.h>

static uint8_t buf[65536];

static void udp_echo(int fd, short revents, void *arg)
{
	(void)revents;
	(void)arg;
	for (int i = 0; i < 256; i++) {
		struct sockaddr_in from;
		unsigned int fl = sizeof(from);
		ssize_t n = stos_recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		/* a full transmit queue loses the answer, as any UDP service may */
		(void)stos_sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
	}
}

static void udp_discard(int fd, short revents, void *arg)
{
	(void)revents;
	(void)arg;
	for (int i = 0; i < 256; i++)
		if (stos_recv(fd, buf, sizeof(buf), 0) < 0)
			return;
}

static int udp_service(struct netstack *ns, uint16_t port, svc_fn fn)
{
	struct sockaddr_in a;
	int fd = stos_socket(ns, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		fprintf(stderr, "stosnet: udp socket: %s\n", strerror(errno));
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = net_htons(port);
	if (stos_bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "stosnet: udp bind port %u: %s\n", port, strerror(errno));
		stos_close(fd);
		return -1;
	}
	return svc_watch(fd, POLLIN, fn, NULL);
}

int svc_udp_init(struct netstack *ns)
{
	if (udp_service(ns, 7, udp_echo) < 0 || udp_service(ns, 9, udp_discard) < 0)
		return -1;
	return 0;
}
