/* Word expansion (POSIX XCU 2.6, subset): parameters ($NAME ${NAME} $? $$ $! $# $0-$9 $@
 * $*), quote removal (single quotes, double quotes, backslash), field splitting of unquoted
 * expansion results on blanks, pathname expansion (* ? [...]) of unquoted pattern
 * characters, written or expanded, command substitution $(...) and `...`, arithmetic
 * $((...)), and the ${name-word} family.  No tilde expansion. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sh.h"

struct buf {
	char *s;
	size_t len, cap;
	int have;          /* a quoted empty string still makes a field */
	char *pat;         /* the same text as a pattern: inert special characters escaped */
	size_t plen, pcap;
	int wild;          /* an unquoted * ? or [ was written: expand pathnames */
};

static void grow(char **s, size_t *len, size_t *cap, char c)
{
	if (*len + 1 >= *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		char *ns = sh_alloc(nc);
		if (*len)
			memcpy(ns, *s, *len);
		*s = ns;
		*cap = nc;
	}
	(*s)[(*len)++] = c;
	(*s)[*len] = 0;
}

/* A character that only stands for itself. */
static void put(struct buf *b, char c)
{
	grow(&b->s, &b->len, &b->cap, c);
	if (c == '*' || c == '?' || c == '[' || c == '\\')
		grow(&b->pat, &b->plen, &b->pcap, '\\');
	grow(&b->pat, &b->plen, &b->pcap, c);
}

/* An unquoted character of the word itself: * ? [ are pattern characters. */
static void put_active(struct buf *b, char c)
{
	grow(&b->s, &b->len, &b->cap, c);
	grow(&b->pat, &b->plen, &b->pcap, c);
	if (c == '*' || c == '?' || c == '[')
		b->wild = 1;
}

/* fnmatch subset (POSIX XCU 2.13): * ? [set] [!set] [a-z], backslash quotes. */
static int pmatch(const char *p, const char *s)
{
	for (; *p; p++, s++) {
		if (*p == '*') {
			while (p[1] == '*')
				p++;
			for (const char *t = s;; t++) {
				if (pmatch(p + 1, t))
					return 1;
				if (!*t)
					return 0;
			}
		}
		if (!*s)
			return 0;
		if (*p == '?')
			continue;
		if (*p == '[') {
			const char *q = p + 1;
			int neg = *q == '!' || *q == '^', hit = 0;
			if (neg)
				q++;
			do {
				if (q[0] && q[1] == '-' && q[2] && q[2] != ']') {
					hit |= (unsigned char)*s >= (unsigned char)q[0] &&
					       (unsigned char)*s <= (unsigned char)q[2];
					q += 3;
				} else {
					hit |= *q == *s;
					q++;
				}
			} while (*q && *q != ']');
			if (!*q) {   /* no closing ']': a literal '[' */
				if (*s != '[')
					return 0;
				continue;
			}
			if (hit == neg)
				return 0;
			p = q;
			continue;
		}
		if (*p == '\\' && p[1])
			p++;
		if (*p != *s)
			return 0;
	}
	return !*s;
}

static int has_wild(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\' && i + 1 < n)
			i++;
		else if (p[i] == '*' || p[i] == '?' || p[i] == '[')
			return 1;
	}
	return 0;
}

static void unescape(char *dst, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\' && i + 1 < n)
			i++;
		*dst++ = p[i];
	}
	*dst = 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void add_field(struct fields *f, char *s)
{
	if (f->n + 1 >= f->cap) {
		int nc = f->cap ? f->cap * 2 : 8;
		char **nv = sh_alloc((size_t)nc * sizeof(char *));
		if (f->n)
			memcpy(nv, f->v, (size_t)f->n * sizeof(char *));
		f->v = nv;
		f->cap = nc;
	}
	f->v[f->n++] = s;
	f->v[f->n] = NULL;
}

/* Expand pattern `rest` below directory prefix `base` (a path ending in '/' or empty),
 * one component at a time. */
static void glob_walk(const char *base, const char *rest, struct fields *f)
{
	const char *slash = strchr(rest, '/');
	size_t clen = slash ? (size_t)(slash - rest) : strlen(rest);
	char comp[512], path[4096];
	DIR *d;
	struct dirent *e;

	if (clen >= sizeof(comp))
		return;
	if (!has_wild(rest, clen)) {
		char lit[512];
		unescape(lit, rest, clen);
		if (snprintf(path, sizeof(path), "%s%s%s", base, lit, slash ? "/" : "") >= (int)sizeof(path))
			return;
		if (!slash) {
			if (access(path, F_OK) == 0)
				add_field(f, sh_strdup(path, strlen(path)));
			return;
		}
		glob_walk(path, slash + 1, f);
		return;
	}
	memcpy(comp, rest, clen);
	comp[clen] = 0;
	d = opendir(*base ? base : ".");
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		/* A leading '.' must be matched explicitly (XCU 2.13.3). */
		if (e->d_name[0] == '.' && comp[0] != '.')
			continue;
		if (!pmatch(comp, e->d_name))
			continue;
		if (snprintf(path, sizeof(path), "%s%s%s", base, e->d_name, slash ? "/" : "") >= (int)sizeof(path))
			continue;
		if (slash)
			glob_walk(path, slash + 1, f);
		else
			add_field(f, sh_strdup(path, strlen(path)));
	}
	closedir(d);
}

static void glob_field(struct buf *b, struct fields *f)
{
	int first = f->n;
	if (b->pat[0] == '/')
		glob_walk("/", b->pat + 1, f);
	else
		glob_walk("", b->pat, f);
	if (f->n == first)
		add_field(f, b->s);   /* no match: the word stays as written */
	else
		qsort(f->v + first, (size_t)(f->n - first), sizeof(char *), cmp_str);
}

static void field_end(struct buf *b, struct fields *f, int glob)
{
	if (!b->have && b->len == 0)
		return;
	if (glob && b->wild)
		glob_field(b, f);
	else
		add_field(f, b->len ? b->s : sh_strdup("", 0));
	b->s = b->pat = NULL;
	b->len = b->cap = b->plen = b->pcap = 0;
	b->have = b->wild = 0;
}

static const char *param(const char **pp, char *tmp, size_t tmplen);

int sh_subst_ran;

/* ---- command substitution (XCU 2.6.3) ---- */

/* Run text in a child shell and return its output without trailing newlines. */
static const char *command_subst(const char *text, size_t len)
{
	char *cmd = sh_strdup(text, len), *out = NULL;
	size_t n = 0, cap = 0;
	int fds[2], st = 0;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		fprintf(stderr, "sh: pipe: %s\n", strerror(errno));
		return "";
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct token *t;
		struct list *l;
		int nt;
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		nt = lex_line(cmd, &t);
		if (nt < 0 || parse_line(t, nt, &l) != 0)
			_exit(2);
		st = run_list(l);
		fflush(NULL);
		_exit(st);
	}
	close(fds[1]);
	for (;;) {
		char buf[4096];
		ssize_t k = read(fds[0], buf, sizeof(buf));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (n + (size_t)k + 1 > cap) {
			size_t nc = (n + (size_t)k + 1) * 2;
			char *no = sh_alloc(nc);
			if (n)
				memcpy(no, out, n);
			out = no;
			cap = nc;
		}
		memcpy(out + n, buf, (size_t)k);
		n += (size_t)k;
	}
	close(fds[0]);
	if (pid > 0) {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		sh_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		sh_subst_ran = 1;
	}
	while (n > 0 && out[n - 1] == '\n')
		n--;
	if (!out)
		return "";
	out[n] = 0;
	return out;
}

/* ---- arithmetic expansion (XCU 2.6.4): signed long, C precedence ---- */

struct arith_state {
	const char *p, *end;
	int err;
};

static long a_or(struct arith_state *a);

static void a_skip(struct arith_state *a)
{
	while (a->p < a->end && isspace((unsigned char)*a->p))
		a->p++;
}

static int a_take(struct arith_state *a, const char *op)
{
	size_t l = strlen(op);
	a_skip(a);
	if ((size_t)(a->end - a->p) >= l && strncmp(a->p, op, l) == 0) {
		/* "<" must not eat the first half of "<=", nor "&" of "&&". */
		if (l == 1 && a->p + 1 < a->end && (a->p[1] == '=' || a->p[1] == op[0]) &&
		    (op[0] == '<' || op[0] == '>' || op[0] == '&' || op[0] == '|' || op[0] == '!'))
			return 0;
		a->p += l;
		return 1;
	}
	return 0;
}

static long a_primary(struct arith_state *a)
{
	a_skip(a);
	if (a_take(a, "(")) {
		long v = a_or(a);
		if (!a_take(a, ")"))
			a->err = 1;
		return v;
	}
	if (a_take(a, "-"))
		return -a_primary(a);
	if (a_take(a, "+"))
		return a_primary(a);
	if (a_take(a, "!"))
		return !a_primary(a);
	if (a->p < a->end && isdigit((unsigned char)*a->p)) {
		char *e;
		long v = strtol(a->p, &e, 0);
		a->p = e;
		return v;
	}
	if (a->p < a->end && *a->p == '$')
		a->p++;
	if (a->p < a->end && (isalpha((unsigned char)*a->p) || *a->p == '_')) {
		char name[128];
		size_t n = 0;
		const char *v;
		while (a->p < a->end && (isalnum((unsigned char)*a->p) || *a->p == '_') && n < sizeof(name) - 1)
			name[n++] = *a->p++;
		name[n] = 0;
		v = getenv(name);
		return v && *v ? strtol(v, NULL, 0) : 0;
	}
	a->err = 1;
	return 0;
}

static long a_mul(struct arith_state *a)
{
	long v = a_primary(a);
	for (;;) {
		if (a_take(a, "*"))
			v *= a_primary(a);
		else if (a_take(a, "/") || a_take(a, "%")) {
			char op = a->p[-1];
			long r = a_primary(a);
			if (r == 0) {
				a->err = 2;
				return 0;
			}
			v = op == '/' ? v / r : v % r;
		} else
			return v;
	}
}

static long a_add(struct arith_state *a)
{
	long v = a_mul(a);
	for (;;) {
		if (a_take(a, "+"))
			v += a_mul(a);
		else if (a_take(a, "-"))
			v -= a_mul(a);
		else
			return v;
	}
}

static long a_rel(struct arith_state *a)
{
	long v = a_add(a);
	for (;;) {
		if (a_take(a, "<="))
			v = v <= a_add(a);
		else if (a_take(a, ">="))
			v = v >= a_add(a);
		else if (a_take(a, "<"))
			v = v < a_add(a);
		else if (a_take(a, ">"))
			v = v > a_add(a);
		else
			return v;
	}
}

static long a_eq(struct arith_state *a)
{
	long v = a_rel(a);
	for (;;) {
		if (a_take(a, "=="))
			v = v == a_rel(a);
		else if (a_take(a, "!="))
			v = v != a_rel(a);
		else
			return v;
	}
}

static long a_and(struct arith_state *a)
{
	long v = a_eq(a);
	while (a_take(a, "&&")) {
		long r = a_eq(a);
		v = v && r;
	}
	return v;
}

static long a_or(struct arith_state *a)
{
	long v = a_and(a);
	while (a_take(a, "||")) {
		long r = a_and(a);
		v = v || r;
	}
	return v;
}

static const char *arith(const char *text, size_t len, char *tmp, size_t tmplen)
{
	struct arith_state a = {text, text + len, 0};
	long v = a_or(&a);
	a_skip(&a);
	if (a.err || a.p != a.end) {
		fprintf(stderr, "sh: arithmetic: %s: %.*s\n", a.err == 2 ? "division by zero" : "syntax error",
			(int)len, text);
		sh_status = 1;
		v = 0;
	}
	snprintf(tmp, tmplen, "%ld", v);
	return tmp;
}

/* ---- ${...} (XCU 2.6.2): ${name} ${#name}, the - = + ? forms with or without ':', and the
 * # ## % %% prefix/suffix removals ---- */

static const char *param_braced(const char **pp, char *tmp, size_t tmplen)
{
	const char *p = *pp, *inner = p + 1, *v = NULL;
	int k = sh_subst_len(p - 1), length = 0, colon = 0, set;
	char name[128], op = 0;
	size_t n = 0, ilen;
	char *word = NULL;

	if (k < 0)
		return NULL;
	*pp = p - 1 + k;
	ilen = (size_t)k - 3;     /* between the braces */
	if (ilen > 1 && inner[0] == '#')
		length = 1, inner++, ilen--;
	if (ilen > 0 && strchr("?$!#@*0123456789", inner[0]) && (ilen == 1 || !isalnum((unsigned char)inner[0]) ||
								   isdigit((unsigned char)inner[0]))) {
		name[n++] = inner[0];
		if (isdigit((unsigned char)inner[0]))
			while (n < ilen && n < sizeof(name) - 1 && isdigit((unsigned char)inner[n]))
				name[n] = inner[n], n++;
	} else {
		while (n < ilen && n < sizeof(name) - 1 && (isalnum((unsigned char)inner[n]) || inner[n] == '_'))
			name[n] = inner[n], n++;
	}
	name[n] = 0;
	if (n == 0)
		return NULL;
	if (n < ilen && (inner[n] == '#' || inner[n] == '%') && !length) {
		/* ${v#p} ${v##p} ${v%p} ${v%%p}: remove the shortest/longest matching prefix or
		 * suffix (XCU 2.6.2). */
		int suffix = inner[n] == '%', longest = n + 1 < ilen && inner[n + 1] == inner[n];
		size_t start = n + 1 + (size_t)longest, vl;
		char *pat = expand_pattern(sh_strdup(inner + start, ilen - start)), *copy;
		v = isalpha((unsigned char)name[0]) || name[0] == '_' ? getenv(name) : NULL;
		if (!v)
			return "";
		vl = strlen(v);
		copy = sh_strdup(v, vl);
		for (size_t k = 0; k <= vl; k++) {
			size_t i = longest ? vl - k : k;   /* candidate length of the removed part */
			if (suffix) {
				if (sh_pmatch(pat, copy + vl - i)) {
					copy[vl - i] = 0;
					return copy;
				}
			} else {
				char save = copy[i];
				int m;
				copy[i] = 0;
				m = sh_pmatch(pat, copy);
				copy[i] = save;
				if (m)
					return copy + i;
			}
		}
		return copy;
	}
	if (n < ilen) {
		if (inner[n] == ':' && n + 1 < ilen)
			colon = 1, n++;
		op = inner[n];
		if (!strchr("-=+?", op) || length)
			return NULL;
		word = expand_single(sh_strdup(inner + n + 1, ilen - n - 1));
	}
	/* The value, through the plain $name path so specials work the same way. */
	if (isalpha((unsigned char)name[0]) || name[0] == '_') {
		v = getenv(name);
	} else {
		const char *q = name;
		v = param(&q, tmp, tmplen);
		if (isdigit((unsigned char)name[0]) && atoi(name) > sh_nargs)
			v = NULL;
	}
	set = v && (!colon || *v);
	if (length) {
		snprintf(tmp, tmplen, "%zu", v ? strlen(v) : (size_t)0);
		return tmp;
	}
	switch (op) {
	case '-':
		return set ? v : word;
	case '=':
		if (!set) {
			if (isalpha((unsigned char)name[0]) || name[0] == '_')
				setenv(name, word, 1);
			return word;
		}
		return v;
	case '+':
		return set ? word : "";
	case '?':
		if (!set) {
			fprintf(stderr, "sh: %s: %s\n", name, *word ? word : "parameter not set");
			sh_status = 1;
			return "";
		}
		return v;
	default:
		return v ? v : "";
	}
}

/* The value of the parameter starting at *pp (just after '$'); advances *pp.  Returns NULL
 * when '$' is not followed by a parameter (it is then literal). */
static const char *param(const char **pp, char *tmp, size_t tmplen)
{
	const char *p = *pp, *v;
	char name[128];
	size_t n = 0;

	if (*p == '?' || *p == '$' || *p == '!' || *p == '#') {
		int val = *p == '?' ? sh_status : *p == '$' ? getpid() : *p == '!' ? sh_last_bg : sh_nargs;
		*pp = p + 1;
		if (*p == '!' && sh_last_bg == 0)
			return "";
		snprintf(tmp, tmplen, "%d", val);
		return tmp;
	}
	if (isdigit((unsigned char)*p)) {
		int i = *p - '0';
		*pp = p + 1;
		if (i == 0)
			return sh_arg0 ? sh_arg0 : "sh";
		return i <= sh_nargs ? sh_args[i - 1] : "";
	}
	if (*p == '@' || *p == '*') {
		size_t len = 0;
		*pp = p + 1;
		tmp[0] = 0;
		for (int i = 0; i < sh_nargs; i++) {
			size_t l = strlen(sh_args[i]);
			if (len + l + 2 > tmplen)
				break;
			if (i)
				tmp[len++] = ' ';
			memcpy(tmp + len, sh_args[i], l + 1);
			len += l;
		}
		return tmp;
	}
	if (*p == '(') {
		int k = sh_subst_len(p - 1);
		if (k < 0)
			return NULL;
		*pp = p - 1 + k;
		/* $((expr)) is arithmetic; anything else in $( ) is a command. */
		if (p[1] == '(' && k >= 5 && p[k - 3] == ')')
			return arith(p + 2, (size_t)k - 5, tmp, tmplen);
		return command_subst(p + 1, (size_t)k - 3);
	}
	if (*p == '{')
		return param_braced(pp, tmp, tmplen);
	while ((isalnum((unsigned char)p[n]) || p[n] == '_') && n < sizeof(name) - 1) {
		if (n == 0 && isdigit((unsigned char)p[n]))
			break;
		name[n] = p[n];
		n++;
	}
	if (n == 0)
		return NULL;
	name[n] = 0;
	*pp = p + n;
	v = getenv(name);
	return v ? v : "";
}

static void expand(const char *raw, struct fields *f, int split, char **pattern)
{
	struct buf b;
	const char *p = raw;
	char tmp[4096];

	memset(&b, 0, sizeof(b));
	while (*p) {
		char c = *p++;
		if (c == '\'') {
			b.have = 1;
			while (*p && *p != '\'')
				put(&b, *p++);
			if (*p)
				p++;
		} else if (c == '"') {
			b.have = 1;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1] && strchr("$`\"\\\n", p[1])) {
					if (p[1] != '\n')
						put(&b, p[1]);
					p += 2;
				} else if (*p == '`') {
					int k = sh_subst_len(p);
					const char *v;
					if (k < 0) {
						put(&b, *p++);
						continue;
					}
					v = command_subst(p + 1, (size_t)k - 2);
					while (*v)
						put(&b, *v++);
					p += k;
				} else if (*p == '$') {
					const char *q = p + 1, *v = param(&q, tmp, sizeof(tmp));
					if (!v) {
						put(&b, *p++);
						continue;
					}
					while (*v)
						put(&b, *v++);
					p = q;
				} else {
					put(&b, *p++);
				}
			}
			if (*p)
				p++;
		} else if (c == '\\') {
			if (*p == '\n') {
				p++;
			} else if (*p) {
				b.have = 1;
				put(&b, *p++);
			}
		} else if (c == '$' || c == '`') {
			const char *q = p, *v;
			if (c == '`') {
				int k = sh_subst_len(p - 1);
				v = k < 0 ? NULL : command_subst(p, (size_t)k - 2);
				q = k < 0 ? p : p - 1 + k;
			} else {
				v = param(&q, tmp, sizeof(tmp));
			}
			if (!v) {
				put(&b, c);
				continue;
			}
			p = q;
			for (; *v; v++) {
				if (split && (*v == ' ' || *v == '\t' || *v == '\n'))
					field_end(&b, f, split);
				else
					put_active(&b, *v);   /* XCU 2.6.6: results are patterns too */
			}
		} else {
			put_active(&b, c);
		}
	}
	if (pattern) {
		*pattern = b.pat ? b.pat : sh_strdup("", 0);
		return;
	}
	field_end(&b, f, split);
}

void expand_word(const char *raw, struct fields *f) { expand(raw, f, 1, NULL); }

char *expand_single(const char *raw)
{
	struct fields f = {NULL, 0, 0};
	expand(raw, &f, 0, NULL);
	return f.n ? f.v[0] : sh_strdup("", 0);
}

char *expand_pattern(const char *raw)
{
	struct fields f = {NULL, 0, 0};
	char *pat;
	expand(raw, &f, 0, &pat);
	return pat;
}

int sh_pmatch(const char *pattern, const char *s) { return pmatch(pattern, s); }
