/* Seeded fault injection (fault.h).  The schedule depends only on the seed and the sequence
 * of frames, so a failing run can be replayed exactly. */
#include <stdlib.h>
#include "host/fault.h"
#include "net/in_cksum.h"

struct fault {
	struct fault_conf c;
	uint64_t s;                 /* splitmix64 state */
	struct fault_stats st;
	uint64_t busy_until[FAULT_DIRS];   /* when each direction's bottleneck is next free */
};

static uint64_t next(struct fault *f)
{
	uint64_t z = (f->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int chance(struct fault *f, uint32_t ppm)
{
	return ppm && next(f) % 1000000u < ppm;
}

struct fault *fault_new(const struct fault_conf *c)
{
	struct fault *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->c = *c;
	f->s = c->seed;
	return f;
}

void fault_free(struct fault *f) { free(f); }

int fault_decide(struct fault *f, size_t len, struct fault_out out[2])
{
	f->st.frames++;
	if (chance(f, f->c.loss_ppm)) {
		f->st.lost++;
		return 0;
	}
	int n = chance(f, f->c.dup_ppm) ? 2 : 1;
	if (n == 2)
		f->st.duplicated++;
	for (int i = 0; i < n; i++) {
		out[i].delay_ns = f->c.delay_ns;
		out[i].corrupt = 0;
		out[i].at = 0;
		if (chance(f, f->c.reorder_ppm)) {
			out[i].delay_ns += f->c.reorder_delay_ns;
			f->st.reordered++;
		}
		out[i].ce = chance(f, f->c.ce_ppm);    /* (draws nothing when off) */
		if (len > 14 && chance(f, f->c.corrupt_ppm)) {
			out[i].corrupt = 1;
			out[i].at = 14 + (size_t)(next(f) % (len - 14));
			f->st.corrupted++;
		}
	}
	return n;
}

void fault_get_stats(const struct fault *f, struct fault_stats *st) { *st = f->st; }

int64_t fault_bottleneck(struct fault *f, unsigned dir, uint64_t now, size_t len)
{
	if (!f->c.rate_bps)
		return 0;
	uint64_t *busy = &f->busy_until[dir % FAULT_DIRS];
	uint64_t start = *busy > now ? *busy : now;
	/* bytes still queued ahead of this frame, at the link's rate */
	uint64_t queued = (uint64_t)((unsigned __int128)(start - now) * f->c.rate_bps / 8 /
	    1000000000ull);
	if (queued + len > f->c.queue_bytes) {
		f->st.qdropped++;
		return -1;
	}
	*busy = start + (uint64_t)len * 8 * 1000000000ull / f->c.rate_bps;
	return (int64_t)(*busy - now);
}

int fault_mark_ce(uint8_t *frame, size_t len)
{
	if (len < 14 + 20 || frame[12] != 0x08 || frame[13] != 0x00 || (frame[14] >> 4) != 4)
		return 0;
	uint8_t *ip = frame + 14;
	unsigned hlen = (ip[0] & 0x0fu) * 4u;
	if ((ip[1] & 3u) == 0 || (ip[1] & 3u) == 3 || hlen < 20 || 14 + (size_t)hlen > len)
		return 0;                   /* Not-ECT (never marked), or CE already */
	ip[1] |= 3u;
	ip[10] = ip[11] = 0;
	uint16_t sum = in_cksum(ip, hlen);
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
	return 1;
}
