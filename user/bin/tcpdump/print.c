/* One line per packet, in the format of tcpdump -n (tcpdump 4.99 with -S: absolute TCP
 * sequence numbers): Ethernet (-e), ARP (RFC 826), IPv4 (RFC 791) with ICMP (RFC 792),
 * UDP (RFC 768) and TCP (RFC 9293) summaries; -x adds a hex dump of the packet from the
 * network header on. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "tcpdump.h"

static unsigned be16(const uint8_t *p) { return (unsigned)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void ip4(char *b, size_t n, const uint8_t *p)
{
	snprintf(b, n, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
}

static void mac(char *b, size_t n, const uint8_t *p)
{
	snprintf(b, n, "%02x:%02x:%02x:%02x:%02x:%02x", p[0], p[1], p[2], p[3], p[4], p[5]);
}

static const char *ethertype_name(unsigned t)
{
	switch (t) {
	case 0x0800: return "IPv4";
	case 0x0806: return "ARP";
	case 0x86dd: return "IPv6";
	}
	return "Unknown";
}

static void print_arp(const uint8_t *p, size_t n, size_t len)
{
	char a[20], b[20], m[20];
	if (n < 28 || be16(p) != 1 || be16(p + 2) != 0x0800 || p[4] != 6 || p[5] != 4) {
		printf("ARP, truncated or unsupported, length %zu\n", len);
		return;
	}
	ip4(a, sizeof(a), p + 14);     /* sender */
	ip4(b, sizeof(b), p + 24);     /* target */
	mac(m, sizeof(m), p + 8);
	switch (be16(p + 6)) {
	case 1:
		printf("ARP, Request who-has %s tell %s, length %zu\n", b, a, len);
		break;
	case 2:
		printf("ARP, Reply %s is-at %s, length %zu\n", a, m, len);
		break;
	default:
		printf("ARP, op %u, length %zu\n", be16(p + 6), len);
	}
}

static void print_icmp(const uint8_t *p, size_t n, const char *src, const char *dst,
    size_t plen)
{
	printf("IP %s > %s: ICMP ", src, dst);
	if (n < 8) {
		printf("truncated, length %zu\n", plen);
		return;
	}
	switch (p[0]) {
	case 0:
	case 8:
		printf("echo %s, id %u, seq %u, length %zu\n", p[0] ? "request" : "reply",
		    be16(p + 4), be16(p + 6), plen);
		return;
	case 3:
		if (n >= 8 + 20 + 4 && p[1] == 3 && (p[8 + 9] == 17 || p[8 + 9] == 6)) {
			char q[20];
			size_t qh = (size_t)(p[8] & 0xf) * 4;
			ip4(q, sizeof(q), p + 8 + 16);
			if (n >= 8 + qh + 4) {
				printf("%s %s port %u unreachable, length %zu\n", q,
				    p[8 + 9] == 17 ? "udp" : "tcp", be16(p + 8 + qh + 2), plen);
				return;
			}
		}
		printf("%s unreachable (code %u), length %zu\n", dst, p[1], plen);
		return;
	case 11:
		printf("time exceeded in-transit, length %zu\n", plen);
		return;
	}
	printf("type-#%u, length %zu\n", p[0], plen);
}

static void print_tcp_options(const uint8_t *o, size_t n)
{
	size_t i = 0;
	int first = 1;
	if (!n)
		return;
	printf(", options [");
	while (i < n) {
		uint8_t kind = o[i];
		uint8_t l = kind <= 1 ? 1 : (i + 1 < n ? o[i + 1] : 0);
		if (!first)
			printf(",");
		first = 0;
		if (kind == 0) {
			printf("eol");
			break;
		}
		if (kind == 1) {
			printf("nop");
			i++;
			continue;
		}
		if (l < 2 || i + l > n) {
			printf("bad opt");
			break;
		}
		if (kind == 2 && l == 4)
			printf("mss %u", be16(o + i + 2));
		else if (kind == 3 && l == 3)
			printf("wscale %u", o[i + 2]);
		else if (kind == 4 && l == 2)
			printf("sackOK");
		else if (kind == 8 && l == 10)
			printf("TS val %u ecr %u", (unsigned)be32(o + i + 2), (unsigned)be32(o + i + 6));
		else if (kind == 5)
			printf("sack %u", (unsigned)(l - 2) / 8);
		else
			printf("opt-%u:len %u", kind, l);
		i += l;
	}
	printf("]");
}

static void print_tcp(const uint8_t *p, size_t n, const char *src, const char *dst, size_t plen)
{
	static const char fl[] = "FSRP.UEW";
	char flags[12];
	size_t hl, dlen, k = 0;
	uint8_t f;
	if (n < 20) {
		printf("IP %s > %s: tcp, truncated\n", src, dst);
		return;
	}
	hl = (size_t)(p[12] >> 4) * 4;
	f = p[13];
	for (int i = 0; i < 8; i++)
		if (f & (1u << i) && i != 4)
			flags[k++] = fl[i];
	if (f & 0x10)
		flags[k++] = '.';
	flags[k] = 0;
	dlen = plen >= hl ? plen - hl : 0;
	printf("IP %s.%u > %s.%u: Flags [%s]", src, be16(p), dst, be16(p + 2), flags);
	if (dlen)
		printf(", seq %u:%u", (unsigned)be32(p + 4), (unsigned)(be32(p + 4) + dlen));
	else if (f & 0x07)
		printf(", seq %u", (unsigned)be32(p + 4));
	if (f & 0x10)
		printf(", ack %u", (unsigned)be32(p + 8));
	printf(", win %u", be16(p + 14));
	if (hl > 20 && hl <= n)
		print_tcp_options(p + 20, hl - 20);
	printf(", length %zu\n", dlen);
}

static void print_ip(const uint8_t *p, size_t n, size_t len)
{
	char src[20], dst[20];
	size_t hl, tot;
	unsigned off;
	if (n < 20 || (p[0] >> 4) != 4 || (hl = (size_t)(p[0] & 0xf) * 4) < 20 || hl > n) {
		printf("IP truncated-ip, length %zu\n", len);
		return;
	}
	tot = be16(p + 2);
	ip4(src, sizeof(src), p + 12);
	ip4(dst, sizeof(dst), p + 16);
	off = be16(p + 6);
	if (tot > len)
		tot = len;
	if (tot < hl) {
		printf("IP %s > %s: bad-hlen\n", src, dst);
		return;
	}
	if (off & 0x1fff) {
		printf("IP %s > %s: ip-proto-%u\n", src, dst, p[9]);
		return;
	}
	n = n < tot ? n : tot;
	switch (p[9]) {
	case 1:
		print_icmp(p + hl, n - hl, src, dst, tot - hl);
		return;
	case 6:
		print_tcp(p + hl, n - hl, src, dst, tot - hl);
		return;
	case 17:
		if (n - hl >= 8) {
			printf("IP %s.%u > %s.%u: UDP, length %u\n", src, be16(p + hl), dst,
			    be16(p + hl + 2), be16(p + hl + 4) >= 8 ? be16(p + hl + 4) - 8 : 0);
			return;
		}
		break;
	}
	printf("IP %s > %s: ip-proto-%u %zu\n", src, dst, p[9], tot - hl);
}

static void hexdump(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 16) {
		printf("\t0x%04zx: ", i);
		for (size_t j = i; j < i + 16 && j < n; j += 2) {
			if (j + 1 < n)
				printf(" %02x%02x", p[j], p[j + 1]);
			else
				printf(" %02x", p[j]);
		}
		printf("\n");
	}
}

void td_print(const struct td_opts *o, const struct timeval *tv, const uint8_t *p,
    size_t caplen, size_t len)
{
	time_t t = tv->tv_sec;
	struct tm tm;
	unsigned type;
	char s[20], d[20];
	size_t nl;
	localtime_r(&t, &tm);
	printf("%02d:%02d:%02d.%06ld ", tm.tm_hour, tm.tm_min, tm.tm_sec, (long)tv->tv_usec);
	if (caplen < 14) {
		printf("[|ether]\n");
		return;
	}
	type = be16(p + 12);
	mac(s, sizeof(s), p + 6);
	mac(d, sizeof(d), p);
	if (o->ether || (type != 0x0800 && type != 0x0806))
		printf("%s > %s, ethertype %s (0x%04x), length %zu: ", s, d, ethertype_name(type),
		    type, len);
	if (type == 0x0800)
		print_ip(p + 14, caplen - 14, len - 14);
	else if (type == 0x0806)
		print_arp(p + 14, caplen - 14, len - 14);
	else
		printf("\n");
	if (o->hex) {
		nl = caplen - 14;
		if (type == 0x0800 && nl >= 4 && (size_t)be16(p + 16) < nl)
			nl = be16(p + 16);
		hexdump(p + 14, nl);
	}
	fflush(stdout);
}
