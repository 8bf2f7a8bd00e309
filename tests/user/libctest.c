/* Unit checks of the STOS libc, run as an ordinary Linux process (and in STOS from the
 * initrd as /test/libctest).  Argument: a scratch directory for the file checks. */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <strings.h>
#include <sys/wait.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <stddef.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include "tap.h"

static char buf[512];
static const char *volatile nullstr;   /* hidden from the compiler's format checks */

#define FMT(want, ...)                                                                     \
	do {                                                                               \
		int r_ = snprintf(buf, sizeof(buf), __VA_ARGS__);                          \
		int ok_ = strcmp(buf, want) == 0 && r_ == (int)strlen(want);               \
		if (!ok_)                                                                  \
			printf("# got \"%s\" (%d), want \"%s\"\n", buf, r_, want);         \
		tap_result(ok_, "printf " #__VA_ARGS__);                                   \
	} while (0)

static void test_printf(void)
{
	FMT("42", "%d", 42);
	FMT("-42", "%i", -42);
	FMT("4294967295", "%u", 4294967295U);
	FMT("ff FF 377", "%x %X %o", 255, 255, 255);
	FMT("0xff 0XFF 0377 0", "%#x %#X %#o %#x", 255, 255, 255, 0);
	FMT("[   42][42   ][00042]", "[%5d][%-5d][%05d]", 42, 42, 42);
	FMT("[+42][ 42][-42]", "[%+d][% d][%+d]", 42, 42, -42);
	FMT("[  00042][00042]", "[%7.5d][%.5d]", 42, 42);
	FMT("[][    ]", "[%.0d][%4.0d]", 0, 0);
	FMT("[-0042]", "[%05d]", -42);
	FMT("[   -42]", "[%*d]", 6, -42);
	FMT("[-42   ]", "[%*d]", -6, -42);
	FMT("[  042]", "[%5.*d]", 3, 42);
	FMT("-9223372036854775808", "%ld", LONG_MIN);
	FMT("18446744073709551615", "%lu", ULONG_MAX);
	FMT("-9223372036854775807", "%lld", -LLONG_MAX);
	FMT("123456789012", "%zu", (size_t)123456789012ULL);
	FMT("-5", "%zd", (ssize_t)-5);
	FMT("-1 255", "%hhd %hhu", (signed char)-1, (unsigned char)255);
	FMT("-1 65535", "%hd %hu", (short)-1, (unsigned short)65535);
	FMT("deadbeefcafe", "%lx", 0xdeadbeefcafeUL);
	FMT("0x1000", "%p", (void *)0x1000);
	FMT("(nil)", "%p", (void *)0);
	FMT("hello", "%s", "hello");
	FMT("[  hi][hi  ][hel]", "[%4s][%-4s][%.3s]", "hi", "hi", "hello");
	FMT("(null)", "%s", nullstr);
	FMT("[  x][x  ]", "[%3c][%-3c]", 'x', 'x');
	FMT("100%", "%d%%", 100);
	FMT("3.141593", "%f", 3.14159265);
	FMT("3.14", "%.2f", 3.14159);
	FMT("-0.50", "%.2f", -0.5);
	FMT("  2.5", "%5.1f", 2.5);
	FMT("1", "%.0f", 0.9);
	FMT("0.001", "%.3f", 0.0012);
	FMT("123456789.000", "%.3f", 123456789.0);
	FMT("1.500000e+00", "%e", 1.5);
	FMT("1.23e+05", "%.2e", 123456.0);
	FMT("0.25", "%g", 0.25);
	FMT("1e+06", "%g", 1000000.0);
	FMT("123457", "%g", 123456.7);
	FMT("0.0001", "%g", 0.0001);
	FMT("inf -inf", "%f %f", 1.0 / 0.0, -1.0 / 0.0);
	FMT("a1b2c", "a%db%dc", 1, 2);

	/* Truncation: returns the full length, stores n-1 chars and a NUL. */
	{
		char small[6];
		int r = snprintf(small, sizeof(small), "%s", "abcdefghij");
		CHECK(r == 10 && strcmp(small, "abcde") == 0, "snprintf truncates and counts");
		r = snprintf(NULL, 0, "%d", 12345);
		CHECK(r == 5, "snprintf(NULL, 0) measures");
	}
	{
		char s[64];
		sprintf(s, "%s-%d", "x", 7);
		CHECK_STR(s, "x-7", "sprintf");
	}
}

static void test_string(void)
{
	char a[64];
	const char *s = "hello, world";

	CHECK(strlen("") == 0 && strlen(s) == 12, "strlen");
	CHECK(strnlen(s, 5) == 5 && strnlen("ab", 5) == 2, "strnlen");
	CHECK(strcmp("abc", "abd") < 0 && strcmp("b", "a") > 0 && strcmp("x", "x") == 0, "strcmp");
	CHECK(strcmp("\x80", "a") > 0, "strcmp compares unsigned");
	CHECK(strncmp("abcdef", "abcxyz", 3) == 0 && strncmp("abc", "abd", 3) < 0, "strncmp");
	CHECK(strcasecmp("HeLLo", "hello") == 0 && strncasecmp("ABx", "aby", 2) == 0, "strcasecmp");
	CHECK(strchr(s, 'o') == s + 4 && strchr(s, 0) == s + 12 && !strchr(s, 'z'), "strchr");
	CHECK(strrchr(s, 'o') == s + 8 && !strrchr(s, 'q'), "strrchr");
	CHECK(strstr(s, "world") == s + 7 && strstr(s, "") == s && !strstr(s, "worlds"), "strstr");
	CHECK(strspn("aabbc", "ab") == 4 && strcspn("abc,d", ",") == 3, "strspn/strcspn");
	CHECK(strpbrk(s, ", ") == s + 5, "strpbrk");
	strcpy(a, "foo");
	strcat(a, "bar");
	CHECK_STR(a, "foobar", "strcpy/strcat");
	strncat(a, "bazqux", 3);
	CHECK_STR(a, "foobarbaz", "strncat");
	memset(a, 'x', sizeof(a));
	strncpy(a, "ab", 5);
	CHECK(a[0] == 'a' && a[2] == 0 && a[4] == 0 && a[5] == 'x', "strncpy pads with NULs");
	CHECK(strlcpy(a, "abcdef", 4) == 6 && strcmp(a, "abc") == 0, "strlcpy");
	{
		char *d = strdup("dup"), *n = strndup("abcdef", 3);
		CHECK(d && strcmp(d, "dup") == 0 && n && strcmp(n, "abc") == 0, "strdup/strndup");
		free(d);
		free(n);
	}
	{
		char t[] = "a,b,,c", *save, *tok;
		int n = 0;
		for (tok = strtok_r(t, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			n++;
		CHECK(n == 3, "strtok_r skips empty fields");
	}
	{
		char m[16] = "0123456789";
		memmove(m + 2, m, 8);
		CHECK(memcmp(m, "0101234567", 10) == 0, "memmove overlapping forward");
		memmove(m, m + 2, 8);
		CHECK(memcmp(m, "0123456767", 10) == 0, "memmove overlapping backward");
		CHECK(memchr(m, '5', 10) == m + 5 && !memchr(m, 'z', 10), "memchr");
	}
	{
		/* Unaligned copies of every small size and offset. */
		unsigned char src[80], dst[80];
		int ok = 1;
		for (int i = 0; i < 80; i++)
			src[i] = (unsigned char)(i * 7 + 1);
		for (int off = 0; off < 8; off++)
			for (int n = 0; n < 64; n++) {
				memset(dst, 0, sizeof(dst));
				memcpy(dst + off, src + (7 - off), (size_t)n);
				if (memcmp(dst + off, src + (7 - off), (size_t)n) || dst[off + n] != 0)
					ok = 0;
			}
		CHECK(ok, "memcpy all sizes and alignments");
	}
	CHECK_STR(strerror(ENOENT), "No such file or directory", "strerror(ENOENT)");
	CHECK_STR(strerror(ECONNREFUSED), "Connection refused", "strerror(ECONNREFUSED)");
	CHECK(strncmp(strerror(9999), "Unknown error", 13) == 0, "strerror unknown");
	CHECK(isdigit('7') && !isdigit('a') && isspace('\t') && !isspace('x') && isxdigit('F') &&
		      toupper('q') == 'Q' && tolower('Q') == 'q' && ispunct('!') && !isalpha(-1),
	      "ctype");
}

static void test_strtol(void)
{
	char *end;
	errno = 0;
	CHECK(strtol("  -123xyz", &end, 10) == -123 && *end == 'x', "strtol decimal with tail");
	CHECK(strtol("0x1F", &end, 0) == 31 && *end == 0, "strtol base 0 hex");
	CHECK(strtol("017", &end, 0) == 15, "strtol base 0 octal");
	CHECK(strtol("0xg", &end, 16) == 0 && *end == 'x', "strtol 0x without digits");
	CHECK(strtol("zz", &end, 36) == 1295, "strtol base 36");
	errno = 0;
	CHECK(strtol("abc", &end, 10) == 0 && strcmp(end, "abc") == 0, "strtol no digits");
	errno = 0;
	CHECK(strtol("9223372036854775807", &end, 10) == LONG_MAX && errno == 0, "strtol LONG_MAX");
	errno = 0;
	CHECK(strtol("9223372036854775808", &end, 10) == LONG_MAX && errno == ERANGE,
	      "strtol overflow -> ERANGE");
	errno = 0;
	CHECK(strtol("-9223372036854775808", &end, 10) == LONG_MIN && errno == 0, "strtol LONG_MIN");
	errno = 0;
	CHECK(strtol("-9223372036854775809", &end, 10) == LONG_MIN && errno == ERANGE,
	      "strtol underflow -> ERANGE");
	errno = 0;
	CHECK(strtoul("18446744073709551615", &end, 10) == ULONG_MAX && errno == 0, "strtoul max");
	errno = 0;
	CHECK(strtoul("18446744073709551616", &end, 10) == ULONG_MAX && errno == ERANGE,
	      "strtoul overflow");
	CHECK(strtoul("-1", &end, 10) == ULONG_MAX, "strtoul negates");
	errno = 0;
	CHECK(strtol("10", &end, 1) == 0 && errno == EINVAL, "strtol bad base");
	CHECK(atoi("  42abc") == 42 && atoi("-7") == -7 && atoi("x") == 0, "atoi");
	CHECK(strtod("2.5", &end) == 2.5 && *end == 0 && atof("-0.25") == -0.25 &&
		      atof("1e3") == 1000.0,
	      "strtod");
	{
		unsigned a = 0, b = 0, c = 0, d = 0;
		char w[16];
		int n = sscanf("10.0.2.15", "%u.%u.%u.%u", &a, &b, &c, &d);
		CHECK(n == 4 && a == 10 && b == 0 && c == 2 && d == 15, "sscanf dotted quad");
		n = sscanf("key 0x1f word", "%s %x", w, &a);
		CHECK(n == 2 && strcmp(w, "key") == 0 && a == 31, "sscanf %s %x");
		CHECK(sscanf("", "%d", &a) == EOF, "sscanf empty input -> EOF");
	}
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void test_stdlib(void)
{
	int v[1000], ok = 1;
	unsigned seed = 12345;
	for (int i = 0; i < 1000; i++) {
		seed = seed * 1103515245 + 12345;
		v[i] = (int)(seed >> 16) % 500 - 250;
	}
	qsort(v, 1000, sizeof(int), cmp_int);
	for (int i = 1; i < 1000; i++)
		if (v[i - 1] > v[i])
			ok = 0;
	CHECK(ok, "qsort 1000 ints with duplicates");
	{
		int sorted[] = {1, 3, 5, 7, 9}, key = 7, miss = 4;
		CHECK(bsearch(&key, sorted, 5, sizeof(int), cmp_int) == &sorted[3] &&
			      !bsearch(&miss, sorted, 5, sizeof(int), cmp_int),
		      "bsearch");
	}
	CHECK(setenv("STOS_T", "one", 1) == 0 && strcmp(getenv("STOS_T"), "one") == 0, "setenv/getenv");
	CHECK(setenv("STOS_T", "two", 0) == 0 && strcmp(getenv("STOS_T"), "one") == 0,
	      "setenv without overwrite");
	CHECK(unsetenv("STOS_T") == 0 && getenv("STOS_T") == NULL, "unsetenv");
	CHECK(getenv("PATH") != NULL, "getenv sees the initial environment");
	CHECK(abs(-3) == 3 && labs(-4L) == 4, "abs");
}

/* Allocate, fill, free and resize many blocks at random, checking every byte pattern. */
static void test_malloc(void)
{
	enum { SLOTS = 512, ROUNDS = 20000 };
	static unsigned char *p[SLOTS];
	static size_t len[SLOTS];
	unsigned seed = 1;
	int ok = 1, aligned = 1;

	for (int r = 0; r < ROUNDS && ok; r++) {
		int i;
		size_t n;
		seed = seed * 1103515245 + 12345;
		i = (int)(seed >> 8) % SLOTS;
		seed = seed * 1103515245 + 12345;
		n = (seed >> 8) % (r % 97 == 0 ? 300000 : 2000);
		if (p[i]) {
			for (size_t k = 0; k < len[i]; k++)
				if (p[i][k] != (unsigned char)(i + k)) {
					ok = 0;
					break;
				}
			if (r % 3 == 0) {
				unsigned char *q = realloc(p[i], n + 1);
				if (!q) {
					ok = 0;
					break;
				}
				for (size_t k = len[i]; k < n + 1; k++)
					q[k] = (unsigned char)(i + k);
				p[i] = q;
				len[i] = n + 1;
				continue;
			}
			free(p[i]);
			p[i] = NULL;
			continue;
		}
		p[i] = malloc(n);
		if (!p[i] && n) {
			ok = 0;
			break;
		}
		if ((uintptr_t)p[i] % 16)
			aligned = 0;
		for (size_t k = 0; k < n; k++)
			p[i][k] = (unsigned char)(i + k);
		len[i] = n;
	}
	for (int i = 0; i < SLOTS; i++)
		free(p[i]);
	CHECK(ok, "malloc/realloc/free stress keeps every byte");
	CHECK(aligned, "malloc returns 16-byte aligned blocks");
	{
		int *z = calloc(1000, sizeof(int)), zero = 1;
		for (int i = 0; z && i < 1000; i++)
			if (z[i])
				zero = 0;
		CHECK(z && zero, "calloc zeroes");
		free(z);
		errno = 0;
		CHECK(calloc(SIZE_MAX / 2, 4) == NULL && errno == ENOMEM, "calloc overflow -> ENOMEM");
		CHECK(malloc(SIZE_MAX) == NULL, "malloc(SIZE_MAX) fails");
	}
	{
		/* Freed memory is reused: a steady alloc/free loop must not grow the heap. */
		void *first = malloc(100);
		int reused = 1;
		free(first);
		for (int i = 0; i < 1000; i++) {
			void *q = malloc(100);
			if (q != first)
				reused = 0;
			free(q);
		}
		CHECK(reused, "malloc reuses freed blocks");
	}
}

static void test_getopt(void)
{
	char *argv1[] = {"prog", "-a", "-bval", "-c", "cval", "-de", "file", NULL};
	int c, a = 0, d = 0, e = 0;
	const char *b = NULL, *cv = NULL;
	optind = 1;
	opterr = 0;
	while ((c = getopt(7, argv1, "ab:c:de")) != -1) {
		if (c == 'a')
			a++;
		else if (c == 'b')
			b = optarg;
		else if (c == 'c')
			cv = optarg;
		else if (c == 'd')
			d++;
		else if (c == 'e')
			e++;
	}
	CHECK(a == 1 && d == 1 && e == 1 && b && strcmp(b, "val") == 0 && cv &&
		      strcmp(cv, "cval") == 0 && optind == 6,
	      "getopt clusters and arguments");
	{
		char *argv2[] = {"prog", "-x", "--", "-a", NULL};
		optind = 1;
		c = getopt(4, argv2, "a");
		CHECK(c == '?' && optopt == 'x', "getopt unknown option");
		c = getopt(4, argv2, "a");
		CHECK(c == -1 && optind == 3, "getopt stops at --");
	}
	{
		char *argv3[] = {"prog", "-b", NULL};
		optind = 1;
		CHECK(getopt(2, argv3, ":b:") == ':', "getopt missing argument with ':'");
	}
	{
		char *argv4[] = {"prog", "arg", "-a", NULL};
		optind = 1;
		CHECK(getopt(3, argv4, "a") == -1 && optind == 1, "getopt stops at first operand");
	}
	{
		static int flag;
		static const struct option lo[] = {
			{"verbose", no_argument, &flag, 7}, {"port", required_argument, NULL, 'p'},
			{"count", required_argument, NULL, 'c'}, {"compress", no_argument, NULL, 'z'}, {0, 0, 0, 0}};
		char *argv5[] = {"prog", "--verbose", "--port=80", "--count", "3", "-z", "--comp", "--co", "file", NULL};
		int idx = -1, got[8], k = 0;
		optind = 1;
		while ((c = getopt_long(9, argv5, "zp:", lo, &idx)) != -1 && k < 8)
			got[k++] = c == 'p' ? (strcmp(optarg, "80") == 0 ? 'P' : 'x') :
				   c == 'c' ? (strcmp(optarg, "3") == 0 ? 'C' : 'x') : c;
		CHECK(k == 6 && got[0] == 0 && flag == 7 && got[1] == 'P' && got[2] == 'C' && got[3] == 'z' &&
			      got[4] == 'z' && got[5] == '?' && optind == 8,
		      "getopt_long: flag, =value, separate value, short, unique and ambiguous prefixes");
	}
	opterr = 1;
}

static void test_inet(void)
{
	struct in_addr a;
	unsigned char b6[16];
	char s[64];

	CHECK(inet_pton(AF_INET, "10.0.2.15", &a) == 1 && ntohl(a.s_addr) == 0x0a00020f, "inet_pton");
	CHECK(inet_pton(AF_INET, "256.1.1.1", &a) == 0 && inet_pton(AF_INET, "1.2.3", &a) == 0 &&
		      inet_pton(AF_INET, "1.2.3.4 ", &a) == 0 && inet_pton(AF_INET, "01.2.3.4", &a) == 0,
	      "inet_pton rejects bad forms");
	a.s_addr = htonl(0xc0a80001);
	CHECK_STR(inet_ntop(AF_INET, &a, s, sizeof(s)), "192.168.0.1", "inet_ntop");
	CHECK(inet_ntop(AF_INET, &a, s, 8) == NULL && errno == ENOSPC, "inet_ntop short buffer");
	CHECK_STR(inet_ntoa(a), "192.168.0.1", "inet_ntoa");
	CHECK(inet_addr("127.0.0.1") == htonl(0x7f000001) && inet_addr("x") == INADDR_NONE,
	      "inet_addr");
	CHECK(inet_aton("127.1", &a) && a.s_addr == htonl(0x7f000001) && inet_aton("0x0a.0.0.1", &a) &&
		      a.s_addr == htonl(0x0a000001),
	      "inet_aton short and hex forms");
	CHECK(htons(0x1234) == 0x3412 && ntohl(htonl(0xdeadbeef)) == 0xdeadbeef, "byte order");
	CHECK(inet_pton(AF_INET6, "2001:db8::1", b6) == 1 && b6[0] == 0x20 && b6[1] == 0x01 &&
		      b6[15] == 1 && b6[14] == 0,
	      "inet_pton IPv6");
	CHECK_STR(inet_ntop(AF_INET6, b6, s, sizeof(s)), "2001:db8::1", "inet_ntop IPv6");
	CHECK(inet_pton(AF_INET6, "::ffff:10.0.0.1", b6) == 1 && b6[10] == 0xff && b6[12] == 10,
	      "inet_pton IPv6 with IPv4 tail");
	CHECK(inet_pton(AF_INET6, "1::2::3", b6) == 0, "inet_pton IPv6 rejects two ::");
}

static void test_netdb(const char *dir)
{
	struct addrinfo hints = {0}, *res = NULL, *ai;
	char path[256], host[64], serv[32];
	int n = 0, r;
	FILE *f;

	hints.ai_socktype = SOCK_STREAM;
	r = getaddrinfo("10.1.2.3", "80", &hints, &res);
	CHECK(r == 0 && res && res->ai_family == AF_INET && res->ai_socktype == SOCK_STREAM &&
		      res->ai_protocol == IPPROTO_TCP &&
		      ((struct sockaddr_in *)(void *)res->ai_addr)->sin_port == htons(80) &&
		      ((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr.s_addr ==
			      htonl(0x0a010203) &&
		      !res->ai_next,
	      "getaddrinfo numeric host and port");
	freeaddrinfo(res);
	r = getaddrinfo(NULL, "http", NULL, &res);
	for (ai = r == 0 ? res : NULL; ai; ai = ai->ai_next)
		n++;
	CHECK(r == 0 && n == 2 &&
		      ((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	      "getaddrinfo NULL host, service name, both socket types");
	freeaddrinfo(res);
	hints.ai_flags = AI_PASSIVE;
	r = getaddrinfo(NULL, "8080", &hints, &res);
	CHECK(r == 0 && ((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr.s_addr == 0,
	      "getaddrinfo AI_PASSIVE -> INADDR_ANY");
	freeaddrinfo(res);
	hints.ai_flags = AI_NUMERICHOST;
	CHECK(getaddrinfo("example", "1", &hints, &res) == EAI_NONAME, "AI_NUMERICHOST rejects names");
	hints.ai_flags = 0;
	CHECK(getaddrinfo("1.2.3.4", "nosuchservice", &hints, &res) == EAI_SERVICE,
	      "unknown service -> EAI_SERVICE");
	hints.ai_family = AF_INET6;
	CHECK(getaddrinfo("1.2.3.4", "1", &hints, &res) == EAI_FAMILY, "AF_INET6 -> EAI_FAMILY");
	hints.ai_family = AF_UNSPEC;
	CHECK(strcmp(gai_strerror(EAI_NONAME), "Name or service not known") == 0, "gai_strerror");

	snprintf(path, sizeof(path), "%s/hosts", dir);
	f = fopen(path, "w");
	if (f) {
		fputs("# test hosts\n127.0.0.1 localhost\n10.9.8.7\tstos-peer peer # comment\n", f);
		fclose(f);
	}
	setenv("HOSTS_FILE", path, 1);
	r = getaddrinfo("peer", "7", &hints, &res);
	CHECK(r == 0 && ((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr.s_addr ==
				htonl(0x0a090807),
	      "getaddrinfo from hosts file alias");
	if (r == 0) {
		r = getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof(host), serv,
				sizeof(serv), 0);
		CHECK(r == 0 && strcmp(host, "stos-peer") == 0 && strcmp(serv, "echo") == 0,
		      "getnameinfo reverse from hosts file");
		r = getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof(host), serv,
				sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV);
		CHECK(r == 0 && strcmp(host, "10.9.8.7") == 0 && strcmp(serv, "7") == 0,
		      "getnameinfo numeric");
		freeaddrinfo(res);
	} else {
		CHECK(0, "getnameinfo reverse from hosts file");
		CHECK(0, "getnameinfo numeric");
	}
	{
		struct hostent *he = gethostbyname("stos-peer");
		CHECK(he && he->h_length == 4 && memcmp(he->h_addr, "\x0a\x09\x08\x07", 4) == 0,
		      "gethostbyname");
	}
	unsetenv("HOSTS_FILE");
}

static void test_stdio(const char *dir)
{
	char path[256], line[64];
	FILE *f;
	int ok = 1;

	snprintf(path, sizeof(path), "%s/stdio.txt", dir);
	f = fopen(path, "w");
	CHECK(f != NULL, "fopen w");
	if (!f)
		return;
	for (int i = 0; i < 2000; i++)
		fprintf(f, "line %d\n", i);
	CHECK(fclose(f) == 0, "fclose flushes");
	f = fopen(path, "r");
	for (int i = 0; f && i < 2000; i++) {
		char want[32];
		snprintf(want, sizeof(want), "line %d\n", i);
		if (!fgets(line, sizeof(line), f) || strcmp(line, want) != 0)
			ok = 0;
	}
	CHECK(f && ok && fgets(line, sizeof(line), f) == NULL && feof(f), "fgets reads back, then EOF");
	if (f) {
		CHECK(fseek(f, 5, SEEK_SET) == 0 && fgetc(f) == '0' && ftell(f) == 6, "fseek/ftell");
		CHECK(ungetc('Z', f) == 'Z' && fgetc(f) == 'Z' && fgetc(f) == '\n', "ungetc");
		fclose(f);
	}
	f = fopen(path, "a+");
	if (f) {
		char big[10000];
		size_t n;
		fputs("tail\n", f);
		fseek(f, 0, SEEK_SET);
		n = fread(big, 1, sizeof(big), f);
		CHECK(n == sizeof(big), "fread large");
		fseek(f, -5, SEEK_END);
		n = fread(big, 1, 100, f);
		CHECK(n == 5 && memcmp(big, "tail\n", 5) == 0, "append mode writes at the end");
		fclose(f);
	}
	CHECK(fopen("/nonexistent/x", "r") == NULL && errno == ENOENT, "fopen missing -> ENOENT");
	{
		char *l = NULL;
		size_t cap = 0;
		ssize_t n;
		f = fopen(path, "r");
		n = f ? getline(&l, &cap, f) : -1;
		CHECK(n == 7 && strcmp(l, "line 0\n") == 0, "getline");
		free(l);
		if (f)
			fclose(f);
	}
	CHECK(remove(path) == 0 && access(path, F_OK) < 0, "remove");
}

static void test_files(const char *dir)
{
	char sub[256], path[300];
	struct stat st;
	DIR *d;
	struct dirent *e;
	int seen = 0, fd;

	snprintf(sub, sizeof(sub), "%s/dir", dir);
	CHECK(mkdir(sub, 0755) == 0, "mkdir");
	CHECK(mkdir(sub, 0755) < 0 && errno == EEXIST, "mkdir existing -> EEXIST");
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/f%d", sub, i);
		fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
		if (fd >= 0) {
			write(fd, "abc", 3);
			close(fd);
		}
	}
	d = opendir(sub);
	while (d && (e = readdir(d)) != NULL)
		if (e->d_name[0] == 'f' && e->d_name[2] == 0)
			seen |= 1 << (e->d_name[1] - '0');
	if (d)
		closedir(d);
	CHECK(seen == 7, "opendir/readdir lists the files");
	snprintf(path, sizeof(path), "%s/f1", sub);
	CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 3, "stat");
	CHECK(stat(sub, &st) == 0 && S_ISDIR(st.st_mode), "stat directory");
	CHECK(rmdir(sub) < 0 && errno == ENOTEMPTY, "rmdir non-empty -> ENOTEMPTY");
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/f%d", sub, i);
		unlink(path);
	}
	CHECK(rmdir(sub) == 0, "rmdir");
	{
		char cwd[256], back[256];
		CHECK(getcwd(back, sizeof(back)) != NULL, "getcwd");
		CHECK(chdir(dir) == 0 && getcwd(cwd, sizeof(cwd)), "chdir");
		/* The scratch directory's path is longer than "/", so two bytes cannot hold it. */
		CHECK(getcwd(cwd, 2) == NULL && errno == ERANGE, "getcwd short buffer -> ERANGE");
		CHECK(chdir(back) == 0, "chdir back");
	}
}

static void test_time(void)
{
	struct timespec a, b, req = {0, 20 * 1000 * 1000};
	struct tm tm;
	time_t t = 951782400;   /* 2000-02-29 00:00:00 UTC */
	long ns;
	CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0, "clock_gettime");
	CHECK(nanosleep(&req, NULL) == 0, "nanosleep");
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
	CHECK(ns >= 20 * 1000 * 1000, "nanosleep sleeps at least as long as asked");
	CHECK(time(NULL) > 1600000000, "time");
	gmtime_r(&t, &tm);
	CHECK(tm.tm_year == 100 && tm.tm_mon == 1 && tm.tm_mday == 29 && tm.tm_wday == 2 &&
		      tm.tm_yday == 59,
	      "gmtime leap day");
}

/* The ABI structures must have Linux's sizes and offsets (checked against glibc's). */
static void test_abi_layout(void)
{
	CHECK(sizeof(struct ifreq) == 40, "sizeof(struct ifreq) == 40");
	CHECK(sizeof(struct ifconf) == 16, "sizeof(struct ifconf) == 16");
	CHECK(sizeof(struct stat) == 144 && offsetof(struct stat, st_mtim) == 88, "struct stat layout");
	CHECK(sizeof(struct sockaddr_in) == 16 && sizeof(struct sockaddr_storage) == 128,
	      "sockaddr_in and sockaddr_storage sizes");
	CHECK(sizeof(struct msghdr) == 56 && sizeof(struct cmsghdr) == 16, "msghdr and cmsghdr sizes");
	CHECK(sizeof(struct rtentry) == 120 && offsetof(struct rtentry, rt_dev) == 88, "struct rtentry layout");
	CHECK(sizeof(struct arpreq) == 68 && offsetof(struct arpreq, arp_dev) == 52, "struct arpreq layout");
	CHECK(sizeof(struct termios) == 36, "kernel termios size");
	CHECK(sizeof(struct pollfd) == 8 && sizeof(struct sockaddr_ll) == 20, "pollfd and sockaddr_ll sizes");
	CHECK(sizeof(struct utsname) == 390, "struct utsname size");
	CHECK(offsetof(struct linux_dirent64, d_name) == 19, "linux_dirent64 name offset");
	CHECK(sizeof(struct sigaction) == 32, "kernel sigaction size");
}

static jmp_buf jb;
static int depth_reached;
static void jump_deep(int n);
static void (*volatile jump_next)(int) = jump_deep;   /* an indirect call: a real stack */
static void jump_deep(int n)
{
	depth_reached = n;
	if (n == 5)
		longjmp(jb, 42);
	jump_next(n + 1);
}

/* Portability extras: setjmp, math, BSD string names, time formatting, system/popen. */
static void test_extras(void)
{
	volatile int survived = 7;
	int r = setjmp(jb);
	if (r == 0)
		jump_deep(0);
	CHECK(r == 42 && depth_reached == 5 && survived == 7, "setjmp/longjmp across frames");
	r = setjmp(jb);
	if (r == 0)
		longjmp(jb, 0);
	CHECK(r == 1, "longjmp(env, 0) returns 1");
	CHECK(sqrt(2.0) > 1.41421356 && sqrt(2.0) < 1.41421357 && sqrt(144.0) == 12.0, "sqrt");
	CHECK(floor(-1.5) == -2.0 && ceil(-1.5) == -1.0 && round(2.5) == 3.0 && fabs(-3.0) == 3.0 &&
		      fmod(7.5, 2.0) == 1.5 && trunc(-2.7) == -2.0,
	      "floor ceil round fabs fmod trunc");
	{
		char b[8] = "abcdefg";
		bzero(b, 3);
		bcopy("XY", b + 3, 2);
		CHECK(b[0] == 0 && b[2] == 0 && b[3] == 'X' && b[5] == 'f' && bcmp("ab", "ab", 2) == 0 &&
			      index("hello", 'l') == rindex("hello", 'l') - 1 && ffs(8) == 4,
		      "bzero bcopy bcmp index rindex ffs");
	}
	{
		struct tm tm;
		char buf[128];
		time_t t = 1700000000;   /* 2023-11-14 22:13:20 UTC, a Tuesday */
		gmtime_r(&t, &tm);
		CHECK(strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %a %b %j %Z", &tm) > 0 &&
			      strcmp(buf, "2023-11-14 22:13:20 Tue Nov 318 UTC") == 0,
		      "strftime");
		CHECK(strftime(buf, 5, "%Y-%m-%d", &tm) == 0, "strftime reports overflow");
		CHECK(strcmp(asctime(&tm), "Tue Nov 14 22:13:20 2023\n") == 0 &&
			      strcmp(ctime(&t), "Tue Nov 14 22:13:20 2023\n") == 0,
		      "asctime/ctime");
		tm.tm_mday += 20;   /* normalisation carries into December */
		CHECK(timegm(&tm) == t + 20 * 86400 && tm.tm_mon == 11 && tm.tm_mday == 4, "timegm normalises");
	}
	{
		int st = system("exit 3");
		char line[32] = "";
		FILE *f = popen("echo from-popen", "r");
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3, "system returns the wait status");
		CHECK(f && fgets(line, sizeof(line), f) && strcmp(line, "from-popen\n") == 0 && pclose(f) == 0,
		      "popen/pclose");
	}
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	test_abi_layout();
	test_printf();
	test_string();
	test_strtol();
	test_stdlib();
	test_malloc();
	test_getopt();
	test_inet();
	test_netdb(dir);
	test_stdio(dir);
	test_files(dir);
	test_time();
	test_extras();
	return tap_done();
}
