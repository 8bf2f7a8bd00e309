/* Word expansion (POSIX XCU 2.6, subset): parameters ($NAME ${NAME} $? $$ $! $# $0-$9 $@
 * $*), quote removal (single quotes, double quotes, backslash), and field splitting of
 * unquoted expansion results on blanks.  No globbing, tilde or command substitution. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sh.h"

struct buf {
	char *s;
	size_t len, cap;
	int have;          /* a quoted empty string still makes a field */
};

static void put(struct buf *b, char c)
{
	if (b->len + 1 >= b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 64;
		char *ns = sh_alloc(nc);
		if (b->len)
			memcpy(ns, b->s, b->len);
		b->s = ns;
		b->cap = nc;
	}
	b->s[b->len++] = c;
	b->s[b->len] = 0;
}

static void field_end(struct buf *b, struct fields *f)
{
	if (!b->have && b->len == 0)
		return;
	if (f->n + 1 >= f->cap) {
		int nc = f->cap ? f->cap * 2 : 8;
		char **nv = sh_alloc((size_t)nc * sizeof(char *));
		if (f->n)
			memcpy(nv, f->v, (size_t)f->n * sizeof(char *));
		f->v = nv;
		f->cap = nc;
	}
	f->v[f->n++] = b->len ? b->s : sh_strdup("", 0);
	f->v[f->n] = NULL;
	b->s = NULL;
	b->len = b->cap = 0;
	b->have = 0;
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
	struct buf b = {NULL, 0, 0, 0};
	const char *p = raw;
	char tmp[4096];

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
					field_end(&b, f);
				else
					put(&b, *v);
			}
		} else {
			put(&b, c);
		}
	}
	field_end(&b, f);
}

void expand_word(const char *raw, struct fields *f) { expand(raw, f, 1); }

char *expand_single(const char *raw)
{
	struct fields f = {NULL, 0, 0};
	expand(raw, &f, 0);
	return f.n ? f.v[0] : sh_strdup("", 0);
}
