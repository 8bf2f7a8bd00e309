/* IPv4 option parsing (ip_options.c), used by ip_input and the fragmenter. */
#ifndef NET_IP_OPTIONS_H
#define NET_IP_OPTIONS_H
#include <stdint.h>

#define IPOPT_RES_OK        0
#define IPOPT_RES_BAD       1   /* malformed: *errptr = offset of the bad byte (ICMP pointer) */
#define IPOPT_RES_SRCROUTE  2   /* LSRR/SSRR present: refused */

/* Checks the options of a header whose hlen bytes (20 < hlen <= 60) are readable. */
int ip_options_check(const uint8_t *hdr, unsigned hlen, unsigned *errptr);
/* Writes the options that must be copied into every fragment (padded to a multiple of 4)
 * to out (>= 40 bytes); returns their length. */
unsigned ip_options_copied(const uint8_t *hdr, unsigned hlen, uint8_t *out);

#endif
