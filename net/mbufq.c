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

uint32_t mbufq_enqueue_list(struct mbufq *q, struct mbuf *list, struct mbuf *tail, uint32_t n,
    struct mbuf **rest)
{
	uint32_t room = q->mq_len < q->mq_maxlen ? q->mq_maxlen - q->mq_len : 0;
	*rest = NULL;
	if (!list || n == 0)
		return 0;
	if (n > room) {
		if (room == 0) {
			*rest = list;
			return 0;
		}
		tail = list;
		for (uint32_t k = 1; k < room; k++)
			tail = tail->m_nextpkt;
		*rest = tail->m_nextpkt;
		tail->m_nextpkt = NULL;
		n = room;
	}
	if (q->mq_tail)
		q->mq_tail->m_nextpkt = list;
	else
		q->mq_head = list;
	q->mq_tail = tail;
	q->mq_len += n;
	return n;
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
