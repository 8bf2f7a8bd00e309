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

int mbufq_refuse(struct mbufq *q, struct mbuf *m)
{
	q->mq_drops++;
	m_freem(m);
	return -ENOBUFS;
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
