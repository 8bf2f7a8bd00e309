/* getopt (POSIX): short options, "x:" takes an argument, a leading ':' in optstring
 * reports a missing argument as ':' without a message; "--" ends the options. */
#include <getopt.h>
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

/* getopt_long: "--name", "--name=value" and "--name value" for required arguments, unique
 * prefixes accepted; short options fall through to getopt().  Like getopt (and unlike GNU
 * with permutation), scanning stops at the first operand. */
int getopt_long(int argc, char *const argv[], const char *optstring, const struct option *longopts,
		int *longindex)
{
	const char *arg, *eq;
	size_t len;
	int match = -1, exact = 0;

	if (optind == 0) {
		optind = 1;
		optpos = 0;
	}
	if (optpos != 0 || optind >= argc || !argv[optind] || strncmp(argv[optind], "--", 2) != 0 ||
	    argv[optind][2] == 0)
		return getopt(argc, argv, optstring);
	arg = argv[optind] + 2;
	eq = strchr(arg, '=');
	len = eq ? (size_t)(eq - arg) : strlen(arg);
	for (int i = 0; longopts[i].name; i++) {
		if (strncmp(longopts[i].name, arg, len) != 0)
			continue;
		if (strlen(longopts[i].name) == len) {
			match = i;
			exact = 1;
			break;
		}
		match = match == -1 ? i : -2;   /* -2: an ambiguous prefix */
	}
	optind++;
	optarg = NULL;
	if (match < 0) {
		if (opterr && optstring[0] != ':')
			fprintf(stderr, "%s: %s option '--%.*s'\n", argv[0],
				match == -2 && !exact ? "ambiguous" : "unrecognized", (int)len, arg);
		optopt = 0;
		return '?';
	}
	if (longindex)
		*longindex = match;
	if (eq) {
		if (longopts[match].has_arg == no_argument) {
			if (opterr && optstring[0] != ':')
				fprintf(stderr, "%s: option '--%s' doesn't allow an argument\n", argv[0],
					longopts[match].name);
			optopt = longopts[match].val;
			return '?';
		}
		optarg = (char *)eq + 1;
	} else if (longopts[match].has_arg == required_argument) {
		if (optind >= argc) {
			if (opterr && optstring[0] != ':')
				fprintf(stderr, "%s: option '--%s' requires an argument\n", argv[0],
					longopts[match].name);
			optopt = longopts[match].val;
			return optstring[0] == ':' ? ':' : '?';
		}
		optarg = argv[optind++];
	}
	if (longopts[match].flag) {
		*longopts[match].flag = longopts[match].val;
		return 0;
	}
	return longopts[match].val;
}
