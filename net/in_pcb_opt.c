/* IPPROTO_IP-level socket options shared by UDP, raw IP and TCP (Linux do_ip_setsockopt /
 * do_ip_getsockopt semantics for the options we support). */
#include "netlib.h"
#include "in_pcb.h"
#include "protosw.h"
#include "ip_var.h"
#include "netstack.h"
#include <stos/errno.h>
#include <stos/in.h>
#include <stos/socket.h>

/* Linux reads an int when optlen >= sizeof(int), else a single byte when optlen >= 1. */
static int ipopt_getval(const void *val, socklen_t len, int *out)
{
	if (len >= sizeof(int)) {
		memcpy(out, val, sizeof(int));
		return 0;
	}
	if (len >= 1) {
		*out = *(const unsigned char *)val;
		return 0;
	}
	return -EINVAL;
}

static int ipopt_putint(void *val, socklen_t *len, int v)
{
	/* Linux: a buffer smaller than an int but not empty gets one byte (if v < 256). */
	if (*len < sizeof(int) && *len > 0 && v >= 0 && v < 256) {
		*(unsigned char *)val = (unsigned char)v;
		*len = 1;
		return 0;
	}
	if (*len < sizeof(int)) {
		*len = 0;
		return 0;
	}
	memcpy(val, &v, sizeof(int));
	*len = sizeof(int);
	return 0;
}

int in_pcb_ctloutput(struct socket *so, int op, int name, void *val, socklen_t *len)
{
	struct inpcb *inp = sotoinpcb(so);
	int v = 0, err;

	if (!inp)
		return -EINVAL;
	if (op == PRCO_SETOPT) {
		switch (name) {
		case IP_TTL:
			if ((err = ipopt_getval(val, *len, &v)))
				return err;
			if (v != -1 && (v < 1 || v > 255))
				return -EINVAL;
			inp->inp_ip_ttl = v;
			return 0;
		case IP_TOS:
			if ((err = ipopt_getval(val, *len, &v)))
				return err;
			/* TCP owns a stream's ECN field, per segment (net/tcp_ecn.c), as
			 * Linux's ip_setsockopt keeps it. */
			inp->inp_ip_tos = so->so_type == SOCK_STREAM ? v & 0xfc : v & 0xff;
			return 0;
		case IP_HDRINCL:
			if (so->so_type != SOCK_RAW)
				return -ENOPROTOOPT;
			if ((err = ipopt_getval(val, *len, &v)))
				return err;
			if (v)
				inp->inp_flags |= INP_HDRINCL;
			else
				inp->inp_flags &= ~INP_HDRINCL;
			return 0;
		case IP_MTU_DISCOVER:
			if ((err = ipopt_getval(val, *len, &v)))
				return err;
			if (v < 0 || v > 5)
				return -EINVAL;
			inp->inp_pmtudisc = v;
			return 0;
		default:
			return -ENOPROTOOPT;
		}
	}
	switch (name) {
	case IP_TTL:
		return ipopt_putint(val, len, in_pcb_ttl(inp));
	case IP_TOS:
		return ipopt_putint(val, len, inp->inp_ip_tos);
	case IP_HDRINCL:
		if (so->so_type != SOCK_RAW)
			return -ENOPROTOOPT;
		return ipopt_putint(val, len, (inp->inp_flags & INP_HDRINCL) ? 1 : 0);
	case IP_MTU_DISCOVER:
		return ipopt_putint(val, len, inp->inp_pmtudisc);
	case IP_MTU: {
		uint32_t mtu;
		if (!(so->so_state & SS_ISCONNECTED))
			return -ENOTCONN;
		mtu = ip_path_mtu(inp->inp_pcbinfo->ipi_ns, inp->inp_faddr);
		if (!mtu)
			return -ENOTCONN;
		return ipopt_putint(val, len, (int)mtu);
	}
	default:
		return -ENOPROTOOPT;
	}
}
