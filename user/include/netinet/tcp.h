/* TCP socket options (values in include/stos/in.h) and the TCP states of tcp_info. */
#ifndef _NETINET_TCP_H
#define _NETINET_TCP_H
#include <stos/in.h>
/* tcpi_state values, Linux's numbering. */
enum {
	TCP_ESTABLISHED = 1, TCP_SYN_SENT, TCP_SYN_RECV, TCP_FIN_WAIT1, TCP_FIN_WAIT2,
	TCP_TIME_WAIT, TCP_CLOSE, TCP_CLOSE_WAIT, TCP_LAST_ACK, TCP_LISTEN, TCP_CLOSING
};
#endif
