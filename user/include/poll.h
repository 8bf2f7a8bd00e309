/* poll(); struct pollfd and POLL* from the ABI header. */
#ifndef _POLL_H
#define _POLL_H
#include <stos/types.h>
#include <stos/time.h>
#include <stos/poll.h>
int poll(struct pollfd *fds, nfds_t n, int timeout_ms);
#endif
