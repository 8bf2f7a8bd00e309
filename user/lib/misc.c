/* Interface name/index conversion (over SIOCGIFINDEX/SIOCGIFNAME), gmtime, sscanf. */
#include <ctype.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

unsigned int if_nametoindex(const char *name)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;
	if (fd < 0)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	r = ioctl(fd, SIOCGIFINDEX, &ifr);
	close(fd);
	return r < 0 ? 0 : (unsigned int)ifr.ifr_ifindex;
}

char *if_indextoname(unsigned int index, char *name)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;
	if (fd < 0)
		return NULL;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = (int)index;
	r = ioctl(fd, SIOCGIFNAME, &ifr);
	close(fd);
	if (r < 0)
		return NULL;
	memcpy(name, ifr.ifr_name, IFNAMSIZ);
	name[IFNAMSIZ - 1] = 0;
	return name;
}

/* Civil date from days since 1970-01-01 (proleptic Gregorian calendar). */
struct tm *gmtime_r(const time_t *restrict t, struct tm *restrict tm)
{
	long days = *t / 86400, secs = *t % 86400, y, doy, mp, era, yoe;
	if (secs < 0)
		secs += 86400, days--;
	tm->tm_hour = (int)(secs / 3600);
	tm->tm_min = (int)(secs / 60 % 60);
	tm->tm_sec = (int)(secs % 60);
	tm->tm_wday = (int)((days % 7 + 11) % 7);   /* 1970-01-01 was a Thursday */
	/* Shift to an era starting 0000-03-01 so leap days fall at the end of a year. */
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	{
		long doe = days - era * 146097;
		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
		y = yoe + era * 400;
		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	}
	mp = (5 * doy + 2) / 153;
	tm->tm_mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->tm_mon = (int)(mp < 10 ? mp + 2 : mp - 10);
	if (tm->tm_mon <= 1)
		y++;
	tm->tm_year = (int)(y - 1900);
	{
		static const int cum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
		int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		tm->tm_yday = cum[tm->tm_mon] + tm->tm_mday - 1 + (leap && tm->tm_mon > 1);
	}
	tm->tm_isdst = 0;
	return tm;
}

struct tm *gmtime(const time_t *t)
{
	static struct tm tm;
	return gmtime_r(t, &tm);
}

/* sscanf: %d %i %u %x %o %s %c %% with h/hh/l/ll, field widths and '*' suppression.
 * Returns the number of assignments, or EOF if input ended before the first one. */
int sscanf(const char *restrict s, const char *restrict fmt, ...)
{
	va_list ap;
	int assigned = 0;

	va_start(ap, fmt);
	while (*fmt) {
		int width = 0, len = 0, suppress = 0, base;
		char conv;
		if (isspace((unsigned char)*fmt)) {
			while (isspace((unsigned char)*s))
				s++;
			fmt++;
			continue;
		}
		if (*fmt != '%' || fmt[1] == '%') {
			if (*fmt == '%')
				fmt++;
			if (*s != *fmt)
				break;
			s++, fmt++;
			continue;
		}
		fmt++;
		if (*fmt == '*')
			suppress = 1, fmt++;
		while (isdigit((unsigned char)*fmt))
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'h' || *fmt == 'l')
			len += *fmt++ == 'h' ? -1 : 1;
		conv = *fmt++;
		if (conv != 'c')
			while (isspace((unsigned char)*s))
				s++;
		if (!*s) {
			/* Input ran out before this conversion: EOF if nothing was converted. */
			if (assigned == 0)
				assigned = EOF;
			break;
		}
		if (conv == 's' || conv == 'c') {
			char *out = suppress ? NULL : va_arg(ap, char *);
			int n = 0, max = width ? width : conv == 'c' ? 1 : 1 << 30;
			while (*s && n < max && (conv == 'c' || !isspace((unsigned char)*s))) {
				if (out)
					out[n] = *s;
				n++, s++;
			}
			if (out && conv == 's')
				out[n] = 0;
			if (!suppress)
				assigned++;
			continue;
		}
		base = conv == 'x' || conv == 'X' ? 16 : conv == 'o' ? 8 : conv == 'i' ? 0 : 10;
		if (conv != 'd' && conv != 'i' && conv != 'u' && base == 10)
			break;
		{
			char buf[64], *end;
			size_t n = strlen(s);
			unsigned long long v;
			if (width && (size_t)width < n)
				n = (size_t)width;
			if (n >= sizeof(buf))
				n = sizeof(buf) - 1;
			memcpy(buf, s, n);
			buf[n] = 0;
			v = strtoull(buf, &end, base);
			if (*buf == '-' && conv != 'u')
				v = (unsigned long long)strtoll(buf, &end, base);
			if (end == buf)
				break;
			s += end - buf;
			if (suppress)
				continue;
			if (len <= -2)
				*va_arg(ap, unsigned char *) = (unsigned char)v;
			else if (len == -1)
				*va_arg(ap, unsigned short *) = (unsigned short)v;
			else if (len == 0)
				*va_arg(ap, unsigned int *) = (unsigned int)v;
			else
				*va_arg(ap, unsigned long long *) = v;
			assigned++;
		}
	}
	va_end(ap);
	return assigned;
}
