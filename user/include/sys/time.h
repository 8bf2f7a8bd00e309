/* gettimeofday() and struct timeval. */
#ifndef _SYS_TIME_H
#define _SYS_TIME_H
#include <stos/types.h>
#include <stos/time.h>
struct timezone;
int gettimeofday(struct timeval *restrict tv, void *restrict tz);
#endif
