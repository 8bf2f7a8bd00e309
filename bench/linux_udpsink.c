/* udpsink PORT: reads UDP datagrams sent to PORT on any address until it is killed, as
 * `nc -u -l PORT > /dev/null` does in STOS.  Built static by bench/linux_guest.py for the
 * bench's Linux guest, whose busybox nc cannot listen on UDP. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	char *end;
	long port = argc == 2 ? strtol(argv[1], &end, 10) : 0;
	if (argc != 2 || *end || port < 1 || port > 65535) {
		fprintf(stderr, "usage: udpsink PORT (1-65535)\n");
		return 2;
	}
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
	    .sin_addr.s_addr = htonl(INADDR_ANY) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		perror("udpsink");
		return 1;
	}
	static char buf[65536];
	for (;;) {
		if (recv(fd, buf, sizeof buf, 0) < 0) {
			perror("udpsink");
			return 1;
		}
	}
}
