/* A classic BSD-sockets TCP echo client, portable as written (see echoserv.c).
 * Usage: echocli HOST PORT; sends each stdin line and prints what comes back. */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct addrinfo hints, *res, *ai;
	char line[1024];
	int fd = -1, err;

	if (argc != 3) {
		fprintf(stderr, "usage: %s host port\n", argv[0]);
		return 2;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	err = getaddrinfo(argv[1], argv[2], &hints, &res);
	if (err) {
		fprintf(stderr, "%s: %s\n", argv[1], gai_strerror(err));
		return 1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		perror("connect");
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		size_t len = strlen(line), got = 0;
		if (write(fd, line, len) != (ssize_t)len) {
			perror("write");
			return 1;
		}
		while (got < len) {
			ssize_t n = read(fd, line + got, len - got);
			if (n <= 0) {
				fprintf(stderr, "server closed\n");
				return 1;
			}
			got += (size_t)n;
		}
		fwrite(line, 1, len, stdout);
	}
	close(fd);
	return 0;
}
