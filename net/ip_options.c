/* IPv4 options (RFC 791 3.1): safe parsing of received options and the copy rules used when
 * fragmenting.  Every read is bounded by the header length the caller validated. */
#include "netlib.h"
#include "ip.h"
#include "ip_options.h"

int ip_options_check(const uint8_t *hdr, unsigned hlen, unsigned *errptr)
{
	unsigned off = IP_HDR_MIN;
	while (off < hlen) {
		uint8_t opt = hdr[off];
		if (opt == IPOPT_EOL)
			break;
		if (opt == IPOPT_NOP) {
			off++;
			continue;
		}
		if (off + 1 >= hlen) {
			*errptr = off;
			return IPOPT_RES_BAD;
		}
		unsigned olen = hdr[off + 1];
		if (olen < 2 || off + olen > hlen) {
			*errptr = off + 1;
			return IPOPT_RES_BAD;
		}
		switch (opt) {
		case IPOPT_LSRR:
		case IPOPT_SSRR:
			/* RFC 1122 3.3.5 lets a host refuse source routes; we do (RFC 7126 4.3:
			 * source routing is a well-known attack vector). */
			return IPOPT_RES_SRCROUTE;
		case IPOPT_RR:
			if (olen < 3 || hdr[off + 2] < 4) {
				*errptr = off + 2;
				return IPOPT_RES_BAD;
			}
			break;
		case IPOPT_TS:
			if (olen < 4 || hdr[off + 2] < 5) {
				*errptr = off + 2;
				return IPOPT_RES_BAD;
			}
			break;
		default:
			/* Unknown options are ignored (RFC 1122 3.2.1.8). */
			break;
		}
		off += olen;
	}
	return IPOPT_RES_OK;
}

unsigned ip_options_copied(const uint8_t *hdr, unsigned hlen, uint8_t *out)
{
	unsigned off = IP_HDR_MIN, n = 0;
	while (off < hlen) {
		uint8_t opt = hdr[off];
		if (opt == IPOPT_EOL)
			break;
		if (opt == IPOPT_NOP) {
			off++;
			continue;
		}
		if (off + 1 >= hlen)
			break;
		unsigned olen = hdr[off + 1];
		if (olen < 2 || off + olen > hlen)
			break;
		/* RFC 791: options with the copied flag go into every fragment. */
		if (IPOPT_COPIED(opt)) {
			memcpy(out + n, hdr + off, olen);
			n += olen;
		}
		off += olen;
	}
	while (n & 3)
		out[n++] = IPOPT_EOL;
	return n;
}
