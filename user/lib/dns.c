/* A stub DNS resolver (RFC 1035): one A query over UDP to each nameserver listed in
 * /etc/resolv.conf, with retries; answers are parsed with every length checked. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "libc_internal.h"

#define DNS_PORT     53
#define DNS_MAXNS    3
#define DNS_TRIES    2
#define DNS_WAIT_MS  2000
#define DNS_TYPE_A   1
#define DNS_CLASS_IN 1

static int read_nameservers(struct in_addr *ns, int max)
{
	const char *path = getenv("RESOLV_CONF");   /* tests point this at a temporary file */
	FILE *f = fopen(path ? path : "/etc/resolv.conf", "re");
	char line[256];
	int n = 0;
	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		char *save, *key = strtok_r(line, " \t\n", &save), *val;
		if (!key || strcmp(key, "nameserver") != 0)
			continue;
		val = strtok_r(NULL, " \t\n", &save);
		if (val && inet_pton(AF_INET, val, &ns[n]) == 1)
			n++;
	}
	fclose(f);
	return n;
}

/* RFC 1035 4.1.2: QNAME as length-prefixed labels (each 1..63), then QTYPE, QCLASS. */
static int build_query(unsigned char *q, size_t cap, uint16_t id, const char *name)
{
	size_t n = 12;
	const char *p = name;
	if (strlen(name) > 253 || cap < 12 + 255 + 4)
		return -1;
	memset(q, 0, 12);
	q[0] = (unsigned char)(id >> 8);
	q[1] = (unsigned char)id;
	q[2] = 0x01;            /* RD: recursion desired */
	q[5] = 1;               /* QDCOUNT = 1 */
	while (*p) {
		size_t l = strcspn(p, ".");
		if (l == 0 || l > 63)
			return -1;
		q[n++] = (unsigned char)l;
		memcpy(q + n, p, l);
		n += l;
		p += l;
		if (*p == '.')
			p++;
	}
	q[n++] = 0;
	q[n++] = 0;
	q[n++] = DNS_TYPE_A;
	q[n++] = 0;
	q[n++] = DNS_CLASS_IN;
	return (int)n;
}

/* Skip a (possibly compressed, RFC 1035 4.1.4) name; returns the offset after it or -1. */
static int skip_name(const unsigned char *m, int len, int off)
{
	int labels = 0;
	while (off < len) {
		unsigned l = m[off];
		if (l == 0)
			return off + 1;
		if ((l & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : -1;
		if ((l & 0xc0) || ++labels > 127)
			return -1;
		off += 1 + (int)l;
	}
	return -1;
}

static int parse_answer(const unsigned char *m, int len, uint16_t id, unsigned int *out, int max)
{
	int qd, an, off = 12, n = 0;
	if (len < 12 || (m[0] << 8 | m[1]) != id || !(m[2] & 0x80))
		return -1;
	if ((m[3] & 0x0f) != 0)         /* RCODE: NXDOMAIN and friends */
		return 0;
	qd = m[4] << 8 | m[5];
	an = m[6] << 8 | m[7];
	while (qd-- > 0) {
		off = skip_name(m, len, off);
		if (off < 0 || off + 4 > len)
			return -1;
		off += 4;
	}
	while (an-- > 0 && n < max) {
		int type, cls, rdlen;
		off = skip_name(m, len, off);
		if (off < 0 || off + 10 > len)
			return -1;
		type = m[off] << 8 | m[off + 1];
		cls = m[off + 2] << 8 | m[off + 3];
		rdlen = m[off + 8] << 8 | m[off + 9];
		off += 10;
		if (off + rdlen > len)
			return -1;
		if (type == DNS_TYPE_A && cls == DNS_CLASS_IN && rdlen == 4)
			memcpy(&out[n++], m + off, 4);
		off += rdlen;
	}
	return n;
}

/* Returns the number of addresses found (network order), 0 if the name does not exist or
 * has no A record, -1 if no server answered. */
int __dns_lookup(const char *name, unsigned int *addrs_be, int max)
{
	struct in_addr ns[DNS_MAXNS];
	unsigned char q[300], r[1500];
	int nns = read_nameservers(ns, DNS_MAXNS), qlen, fd, result = -1;
	struct timespec t;
	uint16_t id;

	if (nns == 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t);
	id = (uint16_t)(t.tv_nsec ^ getpid());
	qlen = build_query(q, sizeof(q), id, name);
	if (qlen < 0)
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	for (int tries = 0; tries < DNS_TRIES && result < 0; tries++) {
		for (int i = 0; i < nns && result < 0; i++) {
			struct sockaddr_in sa = {0};
			struct pollfd p = {fd, POLLIN, 0};
			sa.sin_family = AF_INET;
			sa.sin_port = htons(DNS_PORT);
			sa.sin_addr = ns[i];
			if (sendto(fd, q, (size_t)qlen, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
				continue;
			while (result < 0 && poll(&p, 1, DNS_WAIT_MS) > 0) {
				struct sockaddr_in from;
				socklen_t fl = sizeof(from);
				ssize_t k = recvfrom(fd, r, sizeof(r), 0, (struct sockaddr *)&from, &fl);
				/* Only the server we asked may answer (RFC 5452 3: source check). */
				if (k <= 0 || from.sin_addr.s_addr != sa.sin_addr.s_addr ||
				    from.sin_port != sa.sin_port)
					continue;
				result = parse_answer(r, (int)k, id, addrs_be, max);
			}
		}
	}
	close(fd);
	return result;
}
