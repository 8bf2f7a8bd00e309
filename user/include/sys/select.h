/* select(); fd_set from the ABI header. */
#ifndef _SYS_SELECT_H
#define _SYS_SELECT_H
#include <stos/types.h>
#include <stos/time.h>
#include <stos/poll.h>
#define __FD_BITS (8 * (int)sizeof(unsigned long))
#define FD_ZERO(s) do { unsigned __i; for (__i = 0; __i < FD_SETSIZE / __FD_BITS; __i++) \
	(s)->fds_bits[__i] = 0; } while (0)
#define FD_SET(fd, s)   ((s)->fds_bits[(fd) / __FD_BITS] |= (1UL << ((fd) % __FD_BITS)))
#define FD_CLR(fd, s)   ((s)->fds_bits[(fd) / __FD_BITS] &= ~(1UL << ((fd) % __FD_BITS)))
#define FD_ISSET(fd, s) (((s)->fds_bits[(fd) / __FD_BITS] & (1UL << ((fd) % __FD_BITS))) != 0)
int select(int n, fd_set *restrict r, fd_set *restrict w, fd_set *restrict e,
	   struct timeval *restrict timeout);
#endif
