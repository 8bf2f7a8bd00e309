/* Broken-down time the other way (timegm/mktime), strftime, asctime and ctime.  STOS has
 * no time zones, so local time is UTC. */
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const wday_name[] = {"Sunday", "Monday", "Tuesday", "Wednesday",
					"Thursday", "Friday", "Saturday"};
static const char *const mon_name[] = {"January", "February", "March", "April", "May", "June",
				       "July", "August", "September", "October", "November",
				       "December"};

struct tm *localtime_r(const time_t *restrict t, struct tm *restrict tm) { return gmtime_r(t, tm); }

struct tm *localtime(const time_t *t)
{
	static struct tm tm;
	return gmtime_r(t, &tm);
}

/* Days from 1970-01-01 to y-m-d (m 1..12), proleptic Gregorian; valid for negative years. */
static long days_from_civil(long y, long m, long d)
{
	long era, yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Normalises out-of-range fields (C11 7.27.2.3) and fills tm_wday/tm_yday. */
time_t timegm(struct tm *tm)
{
	long mon = tm->tm_mon, year = tm->tm_year + 1900L, days;
	time_t t;
	year += mon / 12;
	mon %= 12;
	if (mon < 0)
		mon += 12, year--;
	days = days_from_civil(year, mon + 1, 1) + tm->tm_mday - 1;
	t = (time_t)days * 86400 + tm->tm_hour * 3600L + tm->tm_min * 60L + tm->tm_sec;
	gmtime_r(&t, tm);
	return t;
}

time_t mktime(struct tm *tm) { return timegm(tm); }
double difftime(time_t a, time_t b) { return (double)(a - b); }

/* strftime (C11 7.27.3.5), "C" locale: a A b B c d D e F H I j m M n p r R S t T u w y Y
 * z Z and %%.  Returns 0 if the result (with its NUL) does not fit. */
size_t strftime(char *restrict s, size_t max, const char *restrict fmt, const struct tm *restrict tm)
{
	size_t n = 0;
	char tmp[64];
	for (; *fmt; fmt++) {
		const char *add = tmp;
		if (*fmt != '%') {
			tmp[0] = *fmt;
			tmp[1] = 0;
		} else {
			switch (*++fmt) {
			case 'a': snprintf(tmp, sizeof(tmp), "%.3s", wday_name[tm->tm_wday % 7]); break;
			case 'A': add = wday_name[tm->tm_wday % 7]; break;
			case 'b':
			case 'h': snprintf(tmp, sizeof(tmp), "%.3s", mon_name[tm->tm_mon % 12]); break;
			case 'B': add = mon_name[tm->tm_mon % 12]; break;
			case 'c':
				snprintf(tmp, sizeof(tmp), "%.3s %.3s %2d %02d:%02d:%02d %d", wday_name[tm->tm_wday % 7],
					 mon_name[tm->tm_mon % 12], tm->tm_mday, tm->tm_hour, tm->tm_min, tm->tm_sec,
					 tm->tm_year + 1900);
				break;
			case 'd': snprintf(tmp, sizeof(tmp), "%02d", tm->tm_mday); break;
			case 'D':
				snprintf(tmp, sizeof(tmp), "%02d/%02d/%02d", tm->tm_mon + 1, tm->tm_mday,
					 (tm->tm_year + 1900) % 100);
				break;
			case 'e': snprintf(tmp, sizeof(tmp), "%2d", tm->tm_mday); break;
			case 'F':
				snprintf(tmp, sizeof(tmp), "%d-%02d-%02d", tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday);
				break;
			case 'H': snprintf(tmp, sizeof(tmp), "%02d", tm->tm_hour); break;
			case 'I': snprintf(tmp, sizeof(tmp), "%02d", tm->tm_hour % 12 ? tm->tm_hour % 12 : 12); break;
			case 'j': snprintf(tmp, sizeof(tmp), "%03d", tm->tm_yday + 1); break;
			case 'm': snprintf(tmp, sizeof(tmp), "%02d", tm->tm_mon + 1); break;
			case 'M': snprintf(tmp, sizeof(tmp), "%02d", tm->tm_min); break;
			case 'n': add = "\n"; break;
			case 'p': add = tm->tm_hour < 12 ? "AM" : "PM"; break;
			case 'r':
				snprintf(tmp, sizeof(tmp), "%02d:%02d:%02d %s", tm->tm_hour % 12 ? tm->tm_hour % 12 : 12,
					 tm->tm_min, tm->tm_sec, tm->tm_hour < 12 ? "AM" : "PM");
				break;
			case 'R': snprintf(tmp, sizeof(tmp), "%02d:%02d", tm->tm_hour, tm->tm_min); break;
			case 'S': snprintf(tmp, sizeof(tmp), "%02d", tm->tm_sec); break;
			case 't': add = "\t"; break;
			case 'T':
				snprintf(tmp, sizeof(tmp), "%02d:%02d:%02d", tm->tm_hour, tm->tm_min, tm->tm_sec);
				break;
			case 'u': snprintf(tmp, sizeof(tmp), "%d", tm->tm_wday ? tm->tm_wday : 7); break;
			case 'w': snprintf(tmp, sizeof(tmp), "%d", tm->tm_wday); break;
			case 'y': snprintf(tmp, sizeof(tmp), "%02d", (tm->tm_year + 1900) % 100); break;
			case 'Y': snprintf(tmp, sizeof(tmp), "%d", tm->tm_year + 1900); break;
			case 'z': add = "+0000"; break;
			case 'Z': add = "UTC"; break;
			case '%': add = "%"; break;
			case 0:
				fmt--;
				add = "";
				break;
			default:
				snprintf(tmp, sizeof(tmp), "%%%c", *fmt);
				break;
			}
		}
		for (; *add; add++) {
			if (n + 1 >= max)
				return 0;
			s[n++] = *add;
		}
	}
	if (n >= max)
		return 0;
	s[n] = 0;
	return n;
}

/* "Thu Jan  1 00:00:00 1970\n" (C11 7.27.3.1). */
char *asctime_r(const struct tm *restrict tm, char *restrict buf)
{
	snprintf(buf, 26, "%.3s %.3s%3d %02d:%02d:%02d %d\n", wday_name[tm->tm_wday % 7],
		 mon_name[tm->tm_mon % 12], tm->tm_mday, tm->tm_hour, tm->tm_min, tm->tm_sec,
		 tm->tm_year + 1900);
	return buf;
}

char *asctime(const struct tm *tm)
{
	static char buf[32];
	return asctime_r(tm, buf);
}

char *ctime_r(const time_t *t, char *buf)
{
	struct tm tm;
	return asctime_r(gmtime_r(t, &tm), buf);
}

char *ctime(const time_t *t)
{
	static char buf[32];
	return ctime_r(t, buf);
}
