/* Helpers shared by the hosted cmocka tests (tests/net/): leak checks and frame builders. */
#ifndef HOST_TESTUTIL_H
#define HOST_TESTUTIL_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "net/mbuf.h"

/* Snapshot of the pools and of port_alloc memory; tu_leakcheck_end asserts both are back. */
struct tu_leakcheck {
	struct mbuf_stats ms;
	uint64_t alloc_live;
};
void tu_leakcheck_begin(struct tu_leakcheck *lc);
void tu_leakcheck_end(const struct tu_leakcheck *lc);

/* Runs a cmocka group with TAP output (the tests/suites contract). */
#define TU_RUN(tests) (cmocka_set_message_output(CM_OUTPUT_TAP), \
	cmocka_run_group_tests(tests, NULL, NULL))

/* Builds a packet mbuf chain holding len bytes of buf, split into pieces of `piece` bytes
 * (0: one mbuf/cluster as m_devget makes it). */
struct mbuf *tu_chain(const void *buf, uint32_t len, uint32_t piece);

#endif
