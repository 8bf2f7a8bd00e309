/* Word expansion (POSIX XCU 2.6, subset): parameters ($NAME ${NAME} $? $$ $! $# $0-$9 $@
 * $*), quote removal (single quotes, double quotes, backslash), field splitting of unquoted
 * expansion results on blanks, and pathname expansion (* ? [...]) of unquoted pattern
 * characters, written or expanded.  No tilde or command substitution. */
#include <ctype.h>
#include <dirent.h>
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
	if (*p == '{') {
		const char *end = strchr(p, '}');
		if (!end || end == p + 1 || (size_t)(end - p - 1) >= sizeof(name))
			return NULL;
		memcpy(name, p + 1, (size_t)(end - p - 1));
		name[end - p - 1] = 0;
		*pp = end + 1;
		if (isdigit((unsigned char)name[0]) && !name[1]) {
			const char *q = name;
			return param(&q, tmp, tmplen);
		}
		v = getenv(name);
		return v ? v : "";
	}
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

static void expand(const char *raw, struct fields *f, int split)
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
		} else if (c == '$') {
			const char *q = p, *v = param(&q, tmp, sizeof(tmp));
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
	field_end(&b, f, split);
}

void expand_word(const char *raw, struct fields *f) { expand(raw, f, 1); }

char *expand_single(const char *raw)
{
	struct fields f = {NULL, 0, 0};
	expand(raw, &f, 0);
	return f.n ? f.v[0] : sh_strdup("", 0);
}
