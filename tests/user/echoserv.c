/* A classic BSD-sockets TCP echo server, written as for Linux with no STOS specifics: the
 * suite builds it against both our libc and glibc to show such programs port unchanged.
 * Usage: echoserv PORT (0 picks one); prints "listening on PORT", serves each client in a
 * child process. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void reap(int sig)
{
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof(addr);
	int lfd, one = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: %s port\n", argv[0]);
		return 2;
	}
	signal(SIGCHLD, reap);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0) {
		perror("socket");
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = htons((unsigned short)atoi(argv[1]));
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(lfd, 16) < 0) {
		perror("bind/listen");
		return 1;
	}
	getsockname(lfd, (struct sockaddr *)&addr, &len);
	printf("listening on %d\n", ntohs(addr.sin_port));
	fflush(stdout);
	for (;;) {
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		int c = accept(lfd, (struct sockaddr *)&peer, &plen);
		if (c < 0)
			continue;
		if (fork() == 0) {
			char buf[1024];
			ssize_t n;
			close(lfd);
			while ((n = read(c, buf, sizeof(buf))) > 0)
				if (write(c, buf, (size_t)n) != n)
					break;
			_exit(0);
		}
		close(c);
	}
}
