/* The instance-wide poll channel (net/socket.c so_pollwait, so_notify): a host poll without
 * a deadline sleeps there, counted (si_pollers) under the net lock; a socket event wakes the
 * channel while a poller is counted, and the count returns to zero when it leaves.  Clock
 * steps never end a sleep without a deadline, so the poller returning at all shows that the
 * socket event woke it.  Over loopback UDP on the usual fixture's instance. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host/testutil.h"
#include "host/port_host.h"
#include "host/stos_api.h"
#include "net/netlib.h"
#include "net/netstack.h"
#include "net/socket_private.h"
#include <stos/socket.h>
#include <stos/in.h>
#include <poll.h>

struct pollarg {
	int fd;
	int rc;
	short revents;
	int done;
};

static void *poll_waiter(void *p)
{
	struct pollarg *pa = p;
	struct pollfd pf = { .fd = pa->fd, .events = POLLIN };
	pa->rc = stos_poll(&pf, 1, -1);
	pa->revents = pf.revents;
	__atomic_store_n(&pa->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static unsigned pollers(struct netstack *ns)
{
	unsigned n;
	TU_LOCKED(ns, n = so_inst(ns)->si_pollers);
	return n;
}

static int udp_bound(struct netstack *ns, uint16_t port)
{
	int s = stos_socket(ns, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(s >= 0);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = net_htons(port);
	sa.sin_addr.s_addr = net_htonl(0x7f000001u);
	assert_int_equal(stos_bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
	return s;
}

static void test_poll_sleeper_woken_by_data(void **st)
{
	struct tu_fx *fx = *st;
	int r = udp_bound(fx->a, 9000), s = udp_bound(fx->a, 9001);
	struct pollarg pa = { .fd = r };
	pthread_t th;
	assert_int_equal(pollers(fx->a), 0);
	assert_int_equal(pthread_create(&th, NULL, poll_waiter, &pa), 0);
	while (pollers(fx->a) == 0)             /* it found nothing and sleeps on the channel */
		usleep(100);
	host_clock_advance(fx->a, 1000000000ull);   /* wakes timed sleepers only: not this one */
	struct sockaddr_in to;
	memset(&to, 0, sizeof to);
	to.sin_family = AF_INET;
	to.sin_port = net_htons(9000);
	to.sin_addr.s_addr = net_htonl(0x7f000001u);
	assert_int_equal(stos_sendto(s, "ping", 4, 0, (struct sockaddr *)&to, sizeof to), 4);
	for (int i = 0; i < 100000 && !__atomic_load_n(&pa.done, __ATOMIC_ACQUIRE); i++) {
		stos_run(fx->a);
		usleep(50);
	}
	assert_int_equal(__atomic_load_n(&pa.done, __ATOMIC_ACQUIRE), 1);
	pthread_join(th, NULL);
	assert_int_equal(pa.rc, 1);
	assert_true(pa.revents & POLLIN);
	assert_int_equal(pollers(fx->a), 0);
	char buf[8];
	assert_int_equal(stos_recvfrom(r, buf, sizeof buf, 0, NULL, NULL), 4);
	assert_memory_equal(buf, "ping", 4);
	stos_close(r);
	stos_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_poll_sleeper_woken_by_data, tu_fx_setup_sockets,
		    tu_fx_teardown_sockets),
	};
	return TU_RUN(tests);
}
