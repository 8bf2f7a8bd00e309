/* getaddrinfo/getnameinfo (RFC 3493 6.1, 6.2) for IPv4: numeric addresses, /etc/hosts,
 * then DNS; services by number or from a small built-in table. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "libc_internal.h"

int __hosts_reverse(unsigned int addr_be, char *name, size_t len);
int h_errno;

static const struct {
	const char *name;
	int port;
} services[] = {
	{"echo", 7}, {"discard", 9}, {"daytime", 13}, {"ftp", 21}, {"ssh", 22},
	{"telnet", 23}, {"smtp", 25}, {"domain", 53}, {"bootps", 67}, {"bootpc", 68},
	{"tftp", 69}, {"http", 80}, {"pop3", 110}, {"ntp", 123}, {"https", 443},
	{"http-alt", 8080},
};

static int service_port(const char *name)
{
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (strcmp(services[i].name, name) == 0)
			return services[i].port;
	return -1;
}

/* A number 0..65535 with nothing after it. */
static int numeric_port(const char *s)
{
	char *end;
	long v;
	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtol(s, &end, 10);
	return *end || v > 65535 ? -1 : (int)v;
}

const char *gai_strerror(int err)
{
	switch (err) {
	case 0: return "Success";
	case EAI_BADFLAGS: return "Bad value for ai_flags";
	case EAI_NONAME: return "Name or service not known";
	case EAI_AGAIN: return "Temporary failure in name resolution";
	case EAI_FAIL: return "Non-recoverable failure in name resolution";
	case EAI_FAMILY: return "ai_family not supported";
	case EAI_SOCKTYPE: return "ai_socktype not supported";
	case EAI_SERVICE: return "Servname not supported for ai_socktype";
	case EAI_MEMORY: return "Memory allocation failure";
	case EAI_SYSTEM: return "System error";
	case EAI_OVERFLOW: return "Argument buffer overflow";
	default: return "Unknown error";
	}
}

void freeaddrinfo(struct addrinfo *ai)
{
	while (ai) {
		struct addrinfo *next = ai->ai_next;
		free(ai->ai_canonname);
		free(ai);
		ai = next;
	}
}

/* One result: the addrinfo and its sockaddr_in in a single allocation. */
struct ai_block {
	struct addrinfo ai;
	struct sockaddr_in sin;
};

static struct addrinfo *ai_new(uint32_t addr_be, int port, int socktype, int proto)
{
	struct ai_block *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->sin.sin_family = AF_INET;
	b->sin.sin_port = htons((uint16_t)port);
	b->sin.sin_addr.s_addr = addr_be;
	b->ai.ai_family = AF_INET;
	b->ai.ai_socktype = socktype;
	b->ai.ai_protocol = proto;
	b->ai.ai_addrlen = sizeof(b->sin);
	b->ai.ai_addr = (struct sockaddr *)&b->sin;
	return &b->ai;
}

#define MAX_ADDRS 8

int getaddrinfo(const char *restrict node, const char *restrict service,
		const struct addrinfo *restrict hints, struct addrinfo **restrict res)
{
	struct addrinfo h = {0}, *head = NULL, **tail = &head;
	unsigned int addrs[MAX_ADDRS];
	int naddr = 0, port = 0;
	static const int types[][2] = {{SOCK_STREAM, IPPROTO_TCP}, {SOCK_DGRAM, IPPROTO_UDP},
				       {SOCK_RAW, 0}};

	if (hints)
		h = *hints;
	*res = NULL;
	if (!node && !service)
		return EAI_NONAME;
	if (h.ai_flags & ~(AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_V4MAPPED | AI_ALL |
			   AI_ADDRCONFIG | AI_NUMERICSERV))
		return EAI_BADFLAGS;
	if (h.ai_family != AF_UNSPEC && h.ai_family != AF_INET)
		return EAI_FAMILY;
	if (h.ai_socktype != 0 && h.ai_socktype != SOCK_STREAM && h.ai_socktype != SOCK_DGRAM &&
	    h.ai_socktype != SOCK_RAW)
		return EAI_SOCKTYPE;

	if (service && *service) {
		port = numeric_port(service);
		if (port < 0) {
			if (h.ai_flags & AI_NUMERICSERV)
				return EAI_NONAME;
			port = service_port(service);
			if (port < 0)
				return EAI_SERVICE;
		}
		if (h.ai_socktype == SOCK_RAW)
			return EAI_SERVICE;
	}

	if (!node) {
		addrs[naddr++] = htonl((h.ai_flags & AI_PASSIVE) ? INADDR_ANY : INADDR_LOOPBACK);
	} else {
		struct in_addr a;
		if (inet_aton(node, &a)) {
			addrs[naddr++] = a.s_addr;
		} else if (h.ai_flags & AI_NUMERICHOST) {
			return EAI_NONAME;
		} else if (__hosts_lookup(node, &addrs[0])) {
			naddr = 1;
		} else if (strcasecmp(node, "localhost") == 0) {
			addrs[naddr++] = htonl(INADDR_LOOPBACK);
		} else {
			naddr = __dns_lookup(node, addrs, MAX_ADDRS);
			if (naddr < 0)
				return EAI_AGAIN;
			if (naddr == 0)
				return EAI_NONAME;
		}
	}

	for (int i = 0; i < naddr; i++)
		for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
			struct addrinfo *ai;
			if (h.ai_socktype ? types[t][0] != h.ai_socktype : types[t][0] == SOCK_RAW)
				continue;
			if (h.ai_protocol && types[t][1] && h.ai_protocol != types[t][1])
				continue;
			ai = ai_new(addrs[i], port, types[t][0], h.ai_protocol ? h.ai_protocol : types[t][1]);
			if (!ai) {
				freeaddrinfo(head);
				return EAI_MEMORY;
			}
			*tail = ai;
			tail = &ai->ai_next;
		}
	if (!head)
		return EAI_SERVICE;
	if ((h.ai_flags & AI_CANONNAME) && node) {
		head->ai_canonname = strdup(node);
		if (!head->ai_canonname) {
			freeaddrinfo(head);
			return EAI_MEMORY;
		}
	}
	*res = head;
	return 0;
}

int getnameinfo(const struct sockaddr *restrict sa, socklen_t salen, char *restrict host,
		socklen_t hostlen, char *restrict serv, socklen_t servlen, int flags)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;
	if (!sa || salen < sizeof(*sin) || sa->sa_family != AF_INET)
		return EAI_FAMILY;
	if (host && hostlen) {
		int named = 0;
		if (!(flags & NI_NUMERICHOST))
			named = __hosts_reverse(sin->sin_addr.s_addr, host, hostlen);
		if (!named) {
			if (flags & NI_NAMEREQD)
				return EAI_NONAME;
			if (!inet_ntop(AF_INET, &sin->sin_addr, host, hostlen))
				return EAI_OVERFLOW;
		}
	}
	if (serv && servlen) {
		int port = ntohs(sin->sin_port), n = -1;
		if (!(flags & NI_NUMERICSERV))
			for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
				if (services[i].port == port) {
					n = snprintf(serv, servlen, "%s", services[i].name);
					break;
				}
		if (n < 0)
			n = snprintf(serv, servlen, "%d", port);
		if ((socklen_t)n >= servlen)
			return EAI_OVERFLOW;
	}
	return 0;
}

struct hostent *gethostbyname(const char *name)
{
	static struct hostent he;
	static char namebuf[256];
	static struct in_addr addr;
	static char *addr_list[2], *aliases[1];
	struct addrinfo hints = {0}, *res;
	int r;

	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	r = getaddrinfo(name, NULL, &hints, &res);
	if (r != 0) {
		h_errno = r == EAI_AGAIN ? TRY_AGAIN : HOST_NOT_FOUND;
		return NULL;
	}
	addr = ((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	snprintf(namebuf, sizeof(namebuf), "%s", name);
	addr_list[0] = (char *)&addr;
	addr_list[1] = NULL;
	aliases[0] = NULL;
	he.h_name = namebuf;
	he.h_aliases = aliases;
	he.h_addrtype = AF_INET;
	he.h_length = 4;
	he.h_addr_list = addr_list;
	return &he;
}

struct servent *getservbyname(const char *name, const char *proto)
{
	static struct servent se;
	static char *aliases[1];
	static char protobuf[8];
	int port = service_port(name);
	if (port < 0)
		return NULL;
	snprintf(protobuf, sizeof(protobuf), "%s", proto ? proto : "tcp");
	se.s_name = (char *)name;
	se.s_aliases = aliases;
	se.s_port = htons((uint16_t)port);
	se.s_proto = protobuf;
	return &se;
}
