/* Small helpers shared by net/ (see netlib.h). */
#include "netlib.h"

char *net_ntoa(uint32_t a, char *buf)
{
	char *p = buf;
	for (int i = 3; i >= 0; i--) {
		unsigned v = (a >> (i * 8)) & 0xff;
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + (v / 10) % 10);
		*p++ = (char)('0' + v % 10);
		if (i)
			*p++ = '.';
	}
	*p = 0;
	return buf;
}
