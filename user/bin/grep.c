/* grep [-vicnqF] pattern [file...]: print lines matching a basic regular expression.
 * Supported: literal characters, '.', '*' after any atom, '^' and '$' anchors, bracket
 * expressions [abc] [a-z] [^...], and '\' to quote the next character.  -F: fixed string. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int opt_v, opt_i, opt_c, opt_n, opt_q, opt_F;

/* One atom at re: returns its length in the pattern and whether it matches c. */
static int atom(const char *re, int c, int *matches)
{
	int n;
	if (re[0] == '\\' && re[1]) {
		*matches = opt_i ? tolower((unsigned char)re[1]) == tolower(c) : re[1] == c;
		return 2;
	}
	if (re[0] == '.') {
		*matches = c != 0;
		return 1;
	}
	if (re[0] == '[') {
		int neg = re[1] == '^', hit = 0;
		n = 1 + neg;
		if (re[n] == ']')   /* a leading ']' is literal */
			hit |= c == ']', n++;
		for (; re[n] && re[n] != ']'; n++) {
			if (re[n + 1] == '-' && re[n + 2] && re[n + 2] != ']') {
				int lo = (unsigned char)re[n], hi = (unsigned char)re[n + 2];
				hit |= (c >= lo && c <= hi) ||
				       (opt_i && tolower(c) >= tolower(lo) && tolower(c) <= tolower(hi));
				n += 2;
			} else {
				hit |= opt_i ? tolower((unsigned char)re[n]) == tolower(c) : re[n] == c;
			}
		}
		*matches = c != 0 && (hit ^ neg);
		return re[n] == ']' ? n + 1 : n;
	}
	*matches = c != 0 && (opt_i ? tolower((unsigned char)re[0]) == tolower(c) : re[0] == c);
	return 1;
}

static int match_here(const char *re, const char *text)
{
	int len, m;
	if (!re[0])
		return 1;
	if (re[0] == '$' && !re[1])
		return !*text;
	len = atom(re, (unsigned char)*text, &m);
	if (re[len] == '*') {
		/* Longest first, then back off (greedy with backtracking). */
		const char *t = text;
		while (*t && (atom(re, (unsigned char)*t, &m), m))
			t++;
		for (;; t--) {
			if (match_here(re + len + 1, t))
				return 1;
			if (t == text)
				return 0;
		}
	}
	return m && match_here(re + len, text + 1);
}

static int match(const char *re, const char *text)
{
	if (opt_F) {
		size_t n = strlen(re);
		for (; *text; text++)
			if (opt_i ? strncasecmp(text, re, n) == 0 : strncmp(text, re, n) == 0)
				return 1;
		return n == 0;
	}
	if (re[0] == '^')
		return match_here(re + 1, text);
	do
		if (match_here(re, text))
			return 1;
	while (*text++);
	return 0;
}

static long grep_file(const char *re, FILE *f, const char *name, int show_name)
{
	char *line = NULL;
	size_t cap = 0;
	long count = 0, lineno = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (line[n - 1] == '\n')
			line[n - 1] = 0;
		if (match(re, line) == opt_v)
			continue;
		count++;
		if (opt_q)
			break;
		if (opt_c)
			continue;
		if (show_name)
			printf("%s:", name);
		if (opt_n)
			printf("%ld:", lineno);
		printf("%s\n", line);
	}
	free(line);
	if (opt_c && !opt_q) {
		if (show_name)
			printf("%s:", name);
		printf("%ld\n", count);
	}
	return count;
}

int main(int argc, char **argv)
{
	int c, err = 0;
	long total = 0;
	const char *re;
	while ((c = getopt(argc, argv, "vicnqF")) != -1) {
		switch (c) {
		case 'v': opt_v = 1; break;
		case 'i': opt_i = 1; break;
		case 'c': opt_c = 1; break;
		case 'n': opt_n = 1; break;
		case 'q': opt_q = 1; break;
		case 'F': opt_F = 1; break;
		default:
			fprintf(stderr, "usage: grep [-vicnqF] pattern [file...]\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: grep [-vicnqF] pattern [file...]\n");
		return 2;
	}
	re = argv[optind++];
	if (optind == argc)
		total = grep_file(re, stdin, "(standard input)", 0);
	for (int i = optind; i < argc; i++) {
		FILE *f = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "r");
		if (!f) {
			perror(argv[i]);
			err = 1;
			continue;
		}
		total += grep_file(re, f, argv[i], argc - optind > 1);
		if (f != stdin)
			fclose(f);
	}
	if (err)
		return 2;
	return total > 0 ? 0 : 1;
}
