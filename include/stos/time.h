/* STOS user/kernel ABI: time structures and clocks. */
#ifndef STOS_TIME_H
#define STOS_TIME_H
#include <stos/types.h>
struct timespec { time_t tv_sec; long tv_nsec; };
struct timeval { time_t tv_sec; suseconds_t tv_usec; };
#define CLOCK_REALTIME  0
#define CLOCK_MONOTONIC 1
#endif
