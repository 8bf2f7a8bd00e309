/* getopt (POSIX): short options, "x:" takes an argument, a leading ':' in optstring
 * reports a missing argument as ':' without a message; "--" ends the options. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

char *optarg;
int optind = 1, opterr = 1, optopt;
static int optpos;   /* position inside a cluster like -abc */

int getopt(int argc, char *const argv[], const char *optstring)
{
	const char *arg, *spec;
	int quiet = optstring[0] == ':';

	optarg = NULL;
	if (optind == 0) {   /* glibc convention: optind = 0 restarts the scan */
		optind = 1;
		optpos = 0;
	}
	if (optind >= argc || !argv[optind])
		return -1;
	arg = argv[optind];
	if (optpos == 0) {
		if (arg[0] != '-' || arg[1] == 0)
			return -1;
		if (strcmp(arg, "--") == 0) {
			optind++;
			return -1;
		}
		optpos = 1;
	}
	optopt = (unsigned char)arg[optpos++];
	spec = optopt != ':' ? strchr(optstring + quiet, optopt) : NULL;
	if (!spec) {
		if (!arg[optpos])
			optind++, optpos = 0;
		if (opterr && !quiet)
			fprintf(stderr, "%s: invalid option -- '%c'\n", argv[0], optopt);
		return '?';
	}
	if (spec[1] == ':') {
		if (arg[optpos]) {
			optarg = (char *)arg + optpos;
			optind++;
		} else if (optind + 1 < argc) {
			optarg = argv[optind + 1];
			optind += 2;
		} else {
			optind++;
			optpos = 0;
			if (quiet)
				return ':';
			if (opterr)
				fprintf(stderr, "%s: option requires an argument -- '%c'\n", argv[0],
					optopt);
			return '?';
		}
		optpos = 0;
		return optopt;
	}
	if (!arg[optpos])
		optind++, optpos = 0;
	return optopt;
}
