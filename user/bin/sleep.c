/* sleep seconds: seconds may have a fraction ("0.25"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec ts;
	char *end;
	double s;
	if (argc != 2) {
		fprintf(stderr, "usage: sleep seconds\n");
		return 1;
	}
	s = strtod(argv[1], &end);
	if (end == argv[1] || *end || s < 0 || s > 1e9) {
		fprintf(stderr, "sleep: invalid time interval '%s'\n", argv[1]);
		return 1;
	}
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0)
		if (errno != EINTR)
			return 1;
	return 0;
}
