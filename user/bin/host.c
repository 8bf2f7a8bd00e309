/* host name: look a name up (numeric, /etc/hosts, then DNS through /etc/resolv.conf) and
 * print "name has address A.B.C.D" for each IPv4 address. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct addrinfo hints, *res, *ai;
	int err;
	if (argc != 2) {
		fprintf(stderr, "usage: host name\n");
		return 2;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;   /* one result per address */
	err = getaddrinfo(argv[1], NULL, &hints, &res);
	if (err) {
		fprintf(stderr, "Host %s not found: %s\n", argv[1], gai_strerror(err));
		return 1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr, a, sizeof(a));
		printf("%s has address %s\n", argv[1], a);
	}
	freeaddrinfo(res);
	return 0;
}
