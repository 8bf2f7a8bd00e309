/* Clocks and sleeping. */
#ifndef _TIME_H
#define _TIME_H
#include <stddef.h>
#include <stos/types.h>
#include <stos/time.h>
#define CLOCKS_PER_SEC 1000000L
typedef long clock_t;
struct tm {
	int tm_sec, tm_min, tm_hour, tm_mday, tm_mon, tm_year, tm_wday, tm_yday, tm_isdst;
};
time_t time(time_t *t);
int clock_gettime(clockid_t clk, struct timespec *ts);
int clock_getres(clockid_t clk, struct timespec *ts);
int nanosleep(const struct timespec *req, struct timespec *rem);
clock_t clock(void);
struct tm *gmtime_r(const time_t *restrict t, struct tm *restrict tm);
struct tm *gmtime(const time_t *t);
/* STOS keeps UTC: local time is UTC (no time zones). */
struct tm *localtime_r(const time_t *restrict t, struct tm *restrict tm);
struct tm *localtime(const time_t *t);
time_t timegm(struct tm *tm);
time_t mktime(struct tm *tm);
double difftime(time_t a, time_t b);
size_t strftime(char *restrict s, size_t max, const char *restrict fmt, const struct tm *restrict tm);
char *asctime_r(const struct tm *restrict tm, char *restrict buf);
char *asctime(const struct tm *tm);
char *ctime_r(const time_t *t, char *buf);
char *ctime(const time_t *t);
#endif
