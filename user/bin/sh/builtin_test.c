/* The test and [ builtins (POSIX XCU test), without -a/-o: unary file and string tests,
 * string = != and integer -eq -ne -lt -le -gt -ge comparisons, '!' negation; [ wants a
 * closing ].  Status 0 true, 1 false, 2 error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sh.h"

static int integer(const char *s, long *v)
{
	char *end;
	*v = strtol(s, &end, 10);
	if (!*s || *end) {
		fprintf(stderr, "sh: test: %s: integer expected\n", s);
		return -1;
	}
	return 0;
}

static int unary(const char *op, const char *arg)
{
	struct stat st;
	if (strcmp(op, "-z") == 0)
		return !*arg;
	if (strcmp(op, "-n") == 0)
		return *arg != 0;
	if (strcmp(op, "-t") == 0)
		return isatty(atoi(arg));
	if (strcmp(op, "-r") == 0)
		return access(arg, R_OK) == 0;
	if (strcmp(op, "-w") == 0)
		return access(arg, W_OK) == 0;
	if (strcmp(op, "-x") == 0)
		return access(arg, X_OK) == 0;
	if (stat(arg, &st) < 0)
		return strchr("efdsLhpSbc", op[1]) ? 0 : -1;
	switch (op[1]) {
	case 'e': return 1;
	case 'f': return S_ISREG(st.st_mode);
	case 'd': return S_ISDIR(st.st_mode);
	case 's': return st.st_size > 0;
	case 'p': return S_ISFIFO(st.st_mode);
	case 'S': return S_ISSOCK(st.st_mode);
	case 'c': return S_ISCHR(st.st_mode);
	case 'L':
	case 'h': return lstat(arg, &st) == 0 && S_ISLNK(st.st_mode);
	default: return -1;
	}
}

static int binary(const char *a, const char *op, const char *b)
{
	long x, y;
	if (strcmp(op, "=") == 0)
		return strcmp(a, b) == 0;
	if (strcmp(op, "!=") == 0)
		return strcmp(a, b) != 0;
	if (op[0] != '-' || integer(a, &x) < 0 || integer(b, &y) < 0)
		return -1;
	if (strcmp(op, "-eq") == 0)
		return x == y;
	if (strcmp(op, "-ne") == 0)
		return x != y;
	if (strcmp(op, "-lt") == 0)
		return x < y;
	if (strcmp(op, "-le") == 0)
		return x <= y;
	if (strcmp(op, "-gt") == 0)
		return x > y;
	if (strcmp(op, "-ge") == 0)
		return x >= y;
	return -1;
}

static int is_binop(const char *s)
{
	static const char *const ops[] = {"=", "!=", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", NULL};
	for (int i = 0; ops[i]; i++)
		if (strcmp(s, ops[i]) == 0)
			return 1;
	return 0;
}

/* POSIX's rules by argument count. */
static int eval(char **a, int n)
{
	int r;
	switch (n) {
	case 0:
		return 0;
	case 1:
		return a[0][0] != 0;
	case 2:
		if (strcmp(a[0], "!") == 0)
			return (r = eval(a + 1, 1)) < 0 ? r : !r;
		if (a[0][0] == '-' && a[0][1] && !a[0][2])
			return unary(a[0], a[1]);
		return -1;
	case 3:
		if (is_binop(a[1]))
			return binary(a[0], a[1], a[2]);
		if (strcmp(a[0], "!") == 0)
			return (r = eval(a + 1, 2)) < 0 ? r : !r;
		return -1;
	case 4:
		if (strcmp(a[0], "!") == 0)
			return (r = eval(a + 1, 3)) < 0 ? r : !r;
		return -1;
	default:
		return -1;
	}
}

int builtin_test(char **argv, int argc)
{
	int r;
	if (strcmp(argv[0], "[") == 0) {
		if (strcmp(argv[argc - 1], "]") != 0) {
			fprintf(stderr, "sh: [: missing ]\n");
			return 2;
		}
		argc--;
	}
	r = eval(argv + 1, argc - 1);
	if (r < 0) {
		fprintf(stderr, "sh: test: bad expression\n");
		return 2;
	}
	return !r;
}

/* read [-r] name...: one line from stdin, read byte by byte so nothing past the newline is
 * consumed; fields split on blanks, the last name gets the rest.  Without -r a backslash
 * quotes the next character.  Status 1 at end of input. */
int builtin_read(char **argv, int argc)
{
	char line[4096];
	size_t n = 0;
	int raw = 0, i = 1, got_eof = 0;
	char c;
	if (i < argc && strcmp(argv[i], "-r") == 0)
		raw = 1, i++;
	for (;;) {
		ssize_t k = read(0, &c, 1);
		if (k <= 0) {
			got_eof = 1;
			break;
		}
		if (c == '\n')
			break;
		if (!raw && c == '\\') {
			if (read(0, &c, 1) <= 0) {
				got_eof = 1;
				break;
			}
			if (c == '\n')
				continue;   /* line continuation */
		}
		if (n < sizeof(line) - 1)
			line[n++] = c;
	}
	line[n] = 0;
	{
		char *p = line;
		for (; i < argc; i++) {
			char *start, *end;
			while (*p == ' ' || *p == '\t')
				p++;
			start = p;
			if (i == argc - 1) {
				end = start + strlen(start);
				while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
					end--;
				p = end;
			} else {
				while (*p && *p != ' ' && *p != '\t')
					p++;
				end = p;
			}
			{
				char save = *end;
				*end = 0;
				setenv(argv[i], start, 1);
				*end = save;
				if (*p && p == end && i != argc - 1)
					p++;
			}
		}
	}
	return got_eof && n == 0 ? 1 : 0;
}
