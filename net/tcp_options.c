/* TCP header view and option parsing/building (RFC 9293 3.1-3.2, RFC 7323, RFC 2018).
 *
 * Parsing is defensive: every length is checked against the bytes that remain before a byte
 * is read, so a hostile option list can only stop parsing early.  Building lays options out
 * the way most stacks do (MSS, NOP+window scale, SACK-permitted, NOP-aligned timestamps and
 * SACK blocks, EOL padding), which keeps the 32-bit fields aligned (RFC 7323 Appendix A).
 */
#include "tcp.h"

bool tcp_hdr_parse(const uint8_t *p, size_t len, struct tcp_hdr *th)
{
	if (len < TCP_HDR_LEN)
		return false;
	th->th_off = (uint8_t)((p[TCPH_OFF] >> 4) * 4);
	if (th->th_off < TCP_HDR_LEN || th->th_off > len)
		return false;
	th->th_sport = be16_get(p + TCPH_SPORT);
	th->th_dport = be16_get(p + TCPH_DPORT);
	th->th_seq = be32_get(p + TCPH_SEQ);
	th->th_ack = be32_get(p + TCPH_ACK);
	th->th_flags = p[TCPH_FLAGS];
	th->th_win = be16_get(p + TCPH_WIN);
	th->th_urp = be16_get(p + TCPH_URP);
	return true;
}

void tcp_opts_parse(const uint8_t *p, size_t len, bool syn, struct tcp_opts *to)
{
	size_t i = 0;

	to->to_flags = 0;
	to->to_nsacks = 0;
	while (i < len) {
		uint8_t kind = p[i];
		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		/* Every other kind has a length byte that counts kind and length themselves. */
		if (i + 1 >= len || p[i + 1] < 2 || p[i + 1] > len - i) {
			to->to_bad++;
			break;
		}
		uint8_t olen = p[i + 1];
		const uint8_t *v = p + i + 2;
		switch (kind) {
		case TCPOPT_MSS:
			if (olen != TCPOLEN_MSS)
				goto bad;
			if (syn) {
				to->to_flags |= TOF_MSS;
				to->to_mss = be16_get(v);
			}
			break;
		case TCPOPT_WSCALE:
			if (olen != TCPOLEN_WSCALE)
				goto bad;
			if (syn) {
				to->to_flags |= TOF_SCALE;
				/* RFC 7323 2.3: a shift above 14 is treated as 14. */
				to->to_wscale = v[0] > TCP_MAX_WINSHIFT ? TCP_MAX_WINSHIFT : v[0];
			}
			break;
		case TCPOPT_SACK_PERM:
			if (olen != TCPOLEN_SACK_PERM)
				goto bad;
			if (syn)
				to->to_flags |= TOF_SACKPERM;
			break;
		case TCPOPT_TIMESTAMP:
			if (olen != TCPOLEN_TIMESTAMP)
				goto bad;
			to->to_flags |= TOF_TS;
			to->to_tsval = be32_get(v);
			to->to_tsecr = be32_get(v + 4);
			break;
		case TCPOPT_SACK:
			if (olen < 2 + TCPOLEN_SACKBLK || (olen - 2) % TCPOLEN_SACKBLK != 0)
				goto bad;
			if (syn)
				break;     /* RFC 2018 3: SACK blocks only on non-SYN segments */
			to->to_flags |= TOF_SACK;
			for (unsigned b = 0; b < (unsigned)(olen - 2) / TCPOLEN_SACKBLK &&
			    to->to_nsacks < TCP_MAX_SACK; b++) {
				to->to_sacks[to->to_nsacks].start = be32_get(v + b * 8);
				to->to_sacks[to->to_nsacks].end = be32_get(v + b * 8 + 4);
				to->to_nsacks++;
			}
			break;
		case TCPOPT_MD5:
			if (olen != TCPOLEN_MD5)
				goto bad;
			to->to_flags |= TOF_MD5;
			to->to_md5off = (uint8_t)(i + 2);
			break;
		default:
			break;     /* unknown kinds are skipped by their length (RFC 9293 3.2) */
		}
		i += olen;
		continue;
bad:
		to->to_bad++;
		break;
	}
}

/* Pads with NOPs until the next 4-byte field starting after a 2-byte kind/length header is
 * aligned, i.e. until len % 4 == 2. */
static size_t align2(uint8_t *buf, size_t n)
{
	while (n % 4 != 2)
		buf[n++] = TCPOPT_NOP;
	return n;
}

size_t tcp_opts_build(uint8_t *buf, const struct tcp_opts *to)
{
	size_t n = 0;

	if (to->to_flags & TOF_MSS) {
		buf[n++] = TCPOPT_MSS;
		buf[n++] = TCPOLEN_MSS;
		be16_put(buf + n, to->to_mss);
		n += 2;
	}
	if (to->to_flags & TOF_SCALE) {
		buf[n++] = TCPOPT_NOP;
		buf[n++] = TCPOPT_WSCALE;
		buf[n++] = TCPOLEN_WSCALE;
		buf[n++] = to->to_wscale;
	}
	if (to->to_flags & TOF_SACKPERM) {
		buf[n++] = TCPOPT_SACK_PERM;
		buf[n++] = TCPOLEN_SACK_PERM;
	}
	if (to->to_flags & TOF_TS) {
		n = align2(buf, n);
		buf[n++] = TCPOPT_TIMESTAMP;
		buf[n++] = TCPOLEN_TIMESTAMP;
		be32_put(buf + n, to->to_tsval);
		be32_put(buf + n + 4, to->to_tsecr);
		n += 8;
	}
	if (to->to_flags & TOF_MD5) {
		/* RFC 2385 3.0: kind 19, length 18, the digest (zero until signed), after two
		 * NOPs as BSD and Linux place it. */
		n = align2(buf, n);
		buf[n++] = TCPOPT_MD5;
		buf[n++] = TCPOLEN_MD5;
		memset(buf + n, 0, TCPOLEN_MD5 - 2);
		n += TCPOLEN_MD5 - 2;
	}
	if ((to->to_flags & TOF_SACK) && to->to_nsacks > 0) {
		size_t hdr = n + (6 - n % 4) % 4;      /* where align2 would put the option */
		unsigned fit = hdr + 2 < TCP_MAXOLEN ?
		    (unsigned)((TCP_MAXOLEN - hdr - 2) / TCPOLEN_SACKBLK) : 0;
		unsigned nb = to->to_nsacks < fit ? to->to_nsacks : fit;
		if (nb > 0) {
			n = align2(buf, n);
			buf[n++] = TCPOPT_SACK;
			buf[n++] = (uint8_t)(2 + nb * TCPOLEN_SACKBLK);
			for (unsigned b = 0; b < nb; b++) {
				be32_put(buf + n, to->to_sacks[b].start);
				be32_put(buf + n + 4, to->to_sacks[b].end);
				n += 8;
			}
		}
	}
	while (n % 4)
		buf[n++] = TCPOPT_EOL;
	return n;
}
