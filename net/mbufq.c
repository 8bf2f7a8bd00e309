/* Packet queues (struct mbufq): FIFO of m_nextpkt-linked packets with a cap. */
#include <stos/errno.h>
#include "netlib.h"
#include "mbuf.h"

void mbufq_init(struct mbufq *q, uint32_t maxlen)
{
	q->mq_head = q->mq_tail = NULL;
	q->mq_len = 0;
	q->mq_maxlen = maxlen;
	q->mq_drops = 0;
}

int mbufq_enqueue(struct mbufq *q, struct mbuf *m)
{
	if (q->mq_len >= q->mq_maxlen) {
		q->mq_drops++;
		m_freem(m);
		return -ENOBUFS;
	}
	m->m_nextpkt = NULL;
	if (q->mq_tail)
		q->mq_tail->m_nextpkt = m;
	else
		q->mq_head = m;
	q->mq_tail = m;
	q->mq_len++;
	return 0;
}

struct mbuf *mbufq_dequeue(struct mbufq *q)
{
	struct mbuf *m = q->mq_head;
	if (!m)
		return NULL;
	q->mq_head = m->m_nextpkt;
	if (!q->mq_head)
		q->mq_tail = NULL;
	m->m_nextpkt = NULL;
	q->mq_len--;
	return m;
}

struct mbuf *mbufq_flush(struct mbufq *q)
{
	struct mbuf *m = q->mq_head;
	q->mq_head = q->mq_tail = NULL;
	q->mq_len = 0;
	return m;
}

void mbufq_drain(struct mbufq *q)
{
	m_freem_list(mbufq_flush(q));
}
