/* IPv4 (and IPv6) address text conversion: inet_pton/inet_ntop (POSIX), and the classic
 * inet_aton/inet_addr/inet_ntoa, which also accept the historic short forms
 * (a, a.b, a.b.c; each part decimal, octal with 0 or hex with 0x). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int inet_aton(const char *s, struct in_addr *a)
{
	unsigned long part[4];
	int n = 0;
	uint32_t v;

	for (;;) {
		unsigned long x = 0;
		int base = 10, any = 0;
		if (!isdigit((unsigned char)*s))
			return 0;
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			base = 16, s += 2;
		else if (s[0] == '0')
			base = 8;
		for (;; s++, any = 1) {
			int c = (unsigned char)*s, d;
			if (isdigit(c))
				d = c - '0';
			else if (base == 16 && isxdigit(c))
				d = (c | 32) - 'a' + 10;
			else
				break;
			if (d >= base)
				return 0;
			x = x * (unsigned)base + (unsigned)d;
			if (x > 0xffffffffUL)
				return 0;
		}
		if (!any && base == 16)
			return 0;
		part[n++] = x;
		if (*s == '.' && n < 4) {
			s++;
			continue;
		}
		break;
	}
	if (*s && !isspace((unsigned char)*s))
		return 0;
	switch (n) {
	case 1:
		v = (uint32_t)part[0];
		break;
	case 2:
		if (part[0] > 255 || part[1] > 0xffffff)
			return 0;
		v = (uint32_t)(part[0] << 24 | part[1]);
		break;
	case 3:
		if (part[0] > 255 || part[1] > 255 || part[2] > 0xffff)
			return 0;
		v = (uint32_t)(part[0] << 24 | part[1] << 16 | part[2]);
		break;
	default:
		if (part[0] > 255 || part[1] > 255 || part[2] > 255 || part[3] > 255)
			return 0;
		v = (uint32_t)(part[0] << 24 | part[1] << 16 | part[2] << 8 | part[3]);
		break;
	}
	if (a)
		a->s_addr = htonl(v);
	return 1;
}

in_addr_t inet_addr(const char *s)
{
	struct in_addr a;
	return inet_aton(s, &a) ? a.s_addr : INADDR_NONE;
}

char *inet_ntoa(struct in_addr a)
{
	static char buf[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &a, buf, sizeof(buf));
	return buf;
}

/* POSIX inet_pton for AF_INET: exactly four decimal parts 0..255, no leading zeros
 * beyond a lone 0 (glibc rejects "01.2.3.4" too). */
static int pton4(const char *s, unsigned char *out)
{
	int parts = 0;
	while (parts < 4) {
		int v = 0, digits = 0;
		while (isdigit((unsigned char)*s)) {
			if (digits && v == 0)
				return 0;
			v = v * 10 + (*s++ - '0');
			if (v > 255)
				return 0;
			digits++;
		}
		if (!digits)
			return 0;
		out[parts++] = (unsigned char)v;
		if (parts < 4 && *s++ != '.')
			return 0;
	}
	return *s == 0;
}

static int hexval(int c)
{
	if (isdigit(c))
		return c - '0';
	if (isxdigit(c))
		return (c | 32) - 'a' + 10;
	return -1;
}

/* RFC 4291 2.2 text forms: eight groups, one "::" run of zeros, optional dotted IPv4 tail. */
static int pton6(const char *s, unsigned char *out)
{
	uint16_t g[8] = {0};
	int n = 0, gap = -1;

	if (s[0] == ':' && s[1] == ':') {
		gap = 0;
		s += 2;
		if (!*s)
			goto done;
	} else if (*s == ':') {
		return 0;
	}
	for (;;) {
		const char *start = s;
		unsigned v = 0;
		int d, k = 0;
		while ((d = hexval((unsigned char)*s)) >= 0 && k < 5) {
			v = v * 16 + (unsigned)d;
			s++;
			k++;
		}
		if (*s == '.' && n <= 6) {
			unsigned char v4[4];
			if (!pton4(start, v4))
				return 0;
			g[n++] = (uint16_t)(v4[0] << 8 | v4[1]);
			g[n++] = (uint16_t)(v4[2] << 8 | v4[3]);
			break;
		}
		if (k == 0 || k > 4 || n == 8)
			return 0;
		g[n++] = (uint16_t)v;
		if (!*s)
			break;
		if (*s++ != ':')
			return 0;
		if (*s == ':') {
			if (gap >= 0)
				return 0;
			gap = n;
			s++;
			if (!*s)
				break;
		}
	}
done:
	if (gap >= 0) {
		int tail = n - gap;
		if (n == 8)
			return 0;
		memmove(g + 8 - tail, g + gap, (size_t)tail * sizeof(g[0]));
		for (int i = gap; i < 8 - tail; i++)
			g[i] = 0;
	} else if (n != 8) {
		return 0;
	}
	for (int i = 0; i < 8; i++) {
		out[2 * i] = (unsigned char)(g[i] >> 8);
		out[2 * i + 1] = (unsigned char)g[i];
	}
	return 1;
}

int inet_pton(int af, const char *restrict src, void *restrict dst)
{
	if (af == AF_INET)
		return pton4(src, dst);
	if (af == AF_INET6)
		return pton6(src, dst);
	errno = EAFNOSUPPORT;
	return -1;
}

const char *inet_ntop(int af, const void *restrict src, char *restrict dst, socklen_t size)
{
	char buf[INET6_ADDRSTRLEN];
	const unsigned char *a = src;

	if (af == AF_INET) {
		snprintf(buf, sizeof(buf), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	} else if (af == AF_INET6) {
		/* RFC 5952 4.2: compress the longest run (length >= 2) of zero groups. */
		int best = -1, bestlen = 0, i, n = 0;
		for (i = 0; i < 8;) {
			int j = i;
			while (j < 8 && a[2 * j] == 0 && a[2 * j + 1] == 0)
				j++;
			if (j - i > bestlen && j - i >= 2)
				best = i, bestlen = j - i;
			i = j > i ? j : i + 1;
		}
		for (i = 0; i < 8; i++) {
			if (i == best) {
				n += snprintf(buf + n, sizeof(buf) - (size_t)n, "::");
				i += bestlen - 1;
				continue;
			}
			if (i > 0 && i != best + bestlen)
				buf[n++] = ':';
			n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%x", a[2 * i] << 8 | a[2 * i + 1]);
		}
		buf[n] = 0;
	} else {
		errno = EAFNOSUPPORT;
		return NULL;
	}
	if (strlen(buf) + 1 > size) {
		errno = ENOSPC;
		return NULL;
	}
	strcpy(dst, buf);
	return dst;
}
