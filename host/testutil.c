/* Helpers shared by the hosted cmocka tests (testutil.h). */
#include <string.h>
#include "host/testutil.h"
#include "host/port_host.h"

void tu_leakcheck_begin(struct tu_leakcheck *lc)
{
	mbuf_stats(&lc->ms);
	lc->alloc_live = host_alloc_live();
}

void tu_leakcheck_end(const struct tu_leakcheck *lc)
{
	struct mbuf_stats now;
	mbuf_stats(&now);
	assert_int_equal(now.mbufs, lc->ms.mbufs);
	assert_int_equal(now.clusters, lc->ms.clusters);
	assert_int_equal(host_alloc_live(), lc->alloc_live);
}

struct mbuf *tu_chain(const void *buf, uint32_t len, uint32_t piece)
{
	const uint8_t *p = buf;
	if (piece == 0)
		return m_devget(buf, len, 0, NULL);
	struct mbuf *top = m_gethdr(MT_DATA), *m = top;
	if (!top)
		return NULL;
	uint32_t off = 0;
	while (off < len) {
		uint32_t c = len - off < piece ? len - off : piece;
		if (m != top || m->m_len) {
			struct mbuf *n = c > MLEN ? m_getcl(MT_DATA, 0) : m_get(MT_DATA);
			if (!n) {
				m_freem(top);
				return NULL;
			}
			m->m_next = n;
			m = n;
		} else if (c > MLEN) {
			struct mbuf *n = m_getcl(MT_DATA, M_PKTHDR);
			m_free(top);
			if (!n)
				return NULL;
			top = m = n;
		}
		memcpy(m->m_data, p + off, c);
		m->m_len = c;
		off += c;
	}
	top->m_pkthdr.len = len;
	return top;
}
