/* Filter expressions compiled to classic BPF (the pcap-filter(7) subset STOS supports):
 *   expr   := term { ("or" | "||") term }
 *   term   := factor { ("and" | "&&") factor }
 *   factor := ("not" | "!") factor | "(" expr ")" | prim
 *   prim   := "ip" | "arp" | "icmp" | "tcp" | "udp"
 *           | [tcp|udp] [src|dst] "port" N
 *           | [src|dst] "host" A
 * Code is generated in one forward pass with symbolic labels for "true" and "false" (every
 * jump goes forward, as classic BPF requires), then the labels are resolved; the program
 * ends in "ret TD_SNAPLEN" (accept) and "ret 0" (reject). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tcpdump.h"

#define OP_LDH_ABS 0x28
#define OP_LDB_ABS 0x30
#define OP_LDW_ABS 0x20
#define OP_LDH_IND 0x48
#define OP_LDXB_MSH 0xb1
#define OP_JEQ_K   0x15
#define OP_JSET_K  0x45
#define OP_JA      0x05
#define OP_RET_K   0x06
#define MAXINSN    1024
#define MAXLABEL   1024
#define NEXT       (-1)        /* fall through to the next instruction */

struct cc {
	char **w;
	int nw, pos;
	struct sock_filter ins[MAXINSN];
	int jt[MAXINSN], jf[MAXINSN];   /* label ids or NEXT; jt for JA */
	int n;
	int labpos[MAXLABEL];
	int nlab;
	char *err;
	size_t errlen;
	int failed;
};

static void fail(struct cc *c, const char *msg, const char *word)
{
	if (!c->failed)
		snprintf(c->err, c->errlen, "%s%s%s", msg, word ? ": " : "", word ? word : "");
	c->failed = 1;
}

static int newlabel(struct cc *c)
{
	if (c->nlab >= MAXLABEL) {
		fail(c, "expression too complex", NULL);
		return 0;
	}
	c->labpos[c->nlab] = -1;
	return c->nlab++;
}

static void place(struct cc *c, int l)
{
	c->labpos[l] = c->n;
}

static void emit(struct cc *c, uint16_t code, uint32_t k, int jt, int jf)
{
	if (c->n >= MAXINSN) {
		fail(c, "expression too complex", NULL);
		return;
	}
	c->ins[c->n] = (struct sock_filter){ code, 0, 0, k };
	c->jt[c->n] = jt;
	c->jf[c->n] = jf;
	c->n++;
}

static const char *peek(struct cc *c)
{
	return c->pos < c->nw ? c->w[c->pos] : NULL;
}

static int accept_word(struct cc *c, const char *a, const char *b)
{
	const char *w = peek(c);
	if (w && (!strcmp(w, a) || (b && !strcmp(w, b)))) {
		c->pos++;
		return 1;
	}
	return 0;
}

/* ethertype test: true -> t, false -> f */
static void gen_ethertype(struct cc *c, uint16_t type, int t, int f)
{
	emit(c, OP_LDH_ABS, 12, 0, 0);
	emit(c, OP_JEQ_K, type, t, f);
}

static void gen_ipproto(struct cc *c, uint8_t proto, int t, int f)
{
	gen_ethertype(c, 0x0800, NEXT, f);
	emit(c, OP_LDB_ABS, 23, 0, 0);
	emit(c, OP_JEQ_K, proto, t, f);
}

/* dir: 0 either, 1 src, 2 dst */
static void gen_host(struct cc *c, int dir, uint32_t a, int t, int f)
{
	int larp = newlabel(c);
	gen_ethertype(c, 0x0800, NEXT, larp);
	if (dir != 2) {
		emit(c, OP_LDW_ABS, 26, 0, 0);
		emit(c, OP_JEQ_K, a, t, dir == 1 ? f : NEXT);
	}
	if (dir != 1) {
		emit(c, OP_LDW_ABS, 30, 0, 0);
		emit(c, OP_JEQ_K, a, t, f);
	}
	place(c, larp);
	emit(c, OP_JEQ_K, 0x0806, NEXT, f);     /* A still holds the ethertype */
	if (dir != 2) {
		emit(c, OP_LDW_ABS, 28, 0, 0);      /* ARP sender protocol address */
		emit(c, OP_JEQ_K, a, t, dir == 1 ? f : NEXT);
	}
	if (dir != 1) {
		emit(c, OP_LDW_ABS, 38, 0, 0);      /* ARP target protocol address */
		emit(c, OP_JEQ_K, a, t, f);
	}
}

/* proto: 0 tcp or udp, else that IP protocol */
static void gen_port(struct cc *c, int proto, int dir, uint16_t port, int t, int f)
{
	int lports = newlabel(c);
	gen_ethertype(c, 0x0800, NEXT, f);
	emit(c, OP_LDB_ABS, 23, 0, 0);
	if (proto) {
		emit(c, OP_JEQ_K, (uint32_t)proto, lports, f);
	} else {
		emit(c, OP_JEQ_K, 6, lports, NEXT);
		emit(c, OP_JEQ_K, 17, lports, f);
	}
	place(c, lports);
	emit(c, OP_LDH_ABS, 20, 0, 0);          /* fragments after the first have no ports */
	emit(c, OP_JSET_K, 0x1fff, f, NEXT);
	emit(c, OP_LDXB_MSH, 14, 0, 0);
	if (dir != 2) {
		emit(c, OP_LDH_IND, 14, 0, 0);
		emit(c, OP_JEQ_K, port, t, dir == 1 ? f : NEXT);
	}
	if (dir != 1) {
		emit(c, OP_LDH_IND, 16, 0, 0);
		emit(c, OP_JEQ_K, port, t, f);
	}
}

static void gen_expr(struct cc *c, int t, int f);

static void gen_prim(struct cc *c, int t, int f)
{
	const char *w = peek(c);
	int proto = 0, dir = 0;
	if (!w) {
		fail(c, "expression ends too early", NULL);
		return;
	}
	if (accept_word(c, "(", NULL)) {
		gen_expr(c, t, f);
		if (!accept_word(c, ")", NULL))
			fail(c, "missing )", NULL);
		return;
	}
	if (accept_word(c, "ip", NULL)) {
		gen_ethertype(c, 0x0800, t, f);
		return;
	}
	if (accept_word(c, "arp", NULL)) {
		gen_ethertype(c, 0x0806, t, f);
		return;
	}
	if (accept_word(c, "icmp", NULL)) {
		gen_ipproto(c, 1, t, f);
		return;
	}
	if (accept_word(c, "tcp", NULL))
		proto = 6;
	else if (accept_word(c, "udp", NULL))
		proto = 17;
	if (accept_word(c, "src", NULL))
		dir = 1;
	else if (accept_word(c, "dst", NULL))
		dir = 2;
	if (accept_word(c, "port", NULL)) {
		const char *v = peek(c);
		char *end;
		long port = v ? strtol(v, &end, 10) : -1;
		if (!v || *end || port < 0 || port > 65535) {
			fail(c, "bad port", v);
			return;
		}
		c->pos++;
		gen_port(c, proto, dir, (uint16_t)port, t, f);
		return;
	}
	if (!proto && accept_word(c, "host", NULL)) {
		const char *v = peek(c);
		struct in_addr a;
		if (!v || inet_pton(AF_INET, v, &a) != 1) {
			fail(c, "bad host address", v);
			return;
		}
		c->pos++;
		gen_host(c, dir, ntohl(a.s_addr), t, f);
		return;
	}
	if (proto && !dir) {
		gen_ipproto(c, (uint8_t)proto, t, f);
		return;
	}
	fail(c, "syntax error at", peek(c) ? peek(c) : "end");
}

static void gen_factor(struct cc *c, int t, int f)
{
	if (accept_word(c, "not", "!")) {
		gen_factor(c, f, t);
		return;
	}
	gen_prim(c, t, f);
}

static void gen_term(struct cc *c, int t, int f)
{
	for (;;) {
		int next = newlabel(c);
		gen_factor(c, next, f);
		place(c, next);
		if (!accept_word(c, "and", "&&"))
			break;
	}
	/* the last factor's "true" label is here: jump on to t */
	emit(c, OP_JA, 0, t, NEXT);
}

static void gen_expr(struct cc *c, int t, int f)
{
	for (;;) {
		int next = newlabel(c);
		gen_term(c, t, next);
		place(c, next);
		if (!accept_word(c, "or", "||"))
			break;
	}
	emit(c, OP_JA, 0, f, NEXT);
}

/* Splits "(icmp" / "!tcp" / "a&&b" style words so the parser sees one token per word. */
static int tokenize(char **words, int nwords, char ***out, char **bufp)
{
	size_t total = 0;
	for (int i = 0; i < nwords; i++)
		total += strlen(words[i]) + 1;
	char **tok = malloc((total * 2 + 1) * sizeof(*tok));
	char *buf = malloc(total * 3 + 1), *b = buf;
	int n = 0;
	*out = tok;
	*bufp = buf;
	if (!tok || !buf)
		return -1;
	for (int i = 0; i < nwords; i++) {
		const char *s = words[i];
		while (*s) {
			if (*s == ' ' || *s == '\t') {
				s++;
				continue;
			}
			tok[n++] = b;
			if (*s == '(' || *s == ')' || (*s == '!' && s[1] != '=')) {
				*b++ = *s++;
			} else if ((s[0] == '&' && s[1] == '&') || (s[0] == '|' && s[1] == '|')) {
				*b++ = *s++;
				*b++ = *s++;
			} else {
				while (*s && *s != ' ' && *s != '\t' && *s != '(' && *s != ')' &&
				    *s != '!' && !(s[0] == '&' && s[1] == '&') && !(s[0] == '|' && s[1] == '|'))
					*b++ = *s++;
			}
			*b++ = 0;
		}
	}
	*out = tok;
	return n;
}

int td_compile(char **words, int nwords, struct sock_filter **out, char *err, size_t errlen)
{
	struct cc *c = calloc(1, sizeof(*c));
	char **tok = NULL, *tokbuf = NULL;
	int t, f, n;
	if (!c)
		return -1;
	c->err = err;
	c->errlen = errlen;
	c->nw = tokenize(words, nwords, &tok, &tokbuf);
	c->w = tok;
	if (c->nw < 0) {
		fail(c, "out of memory", NULL);
		goto out;
	}
	t = newlabel(c);
	f = newlabel(c);
	gen_expr(c, t, f);
	if (c->pos != c->nw)
		fail(c, "syntax error at", c->w[c->pos]);
	place(c, t);
	emit(c, OP_RET_K, TD_SNAPLEN, 0, 0);
	place(c, f);
	emit(c, OP_RET_K, 0, 0, 0);
	if (c->failed)
		goto out;
	for (int i = 0; i < c->n; i++) {
		uint16_t cls = c->ins[i].code & 7;
		if (cls != 5)
			continue;
		for (int side = 0; side < 2; side++) {
			int l = side ? c->jf[i] : c->jt[i];
			int off = l == NEXT ? 0 : c->labpos[l] - (i + 1);
			if (c->ins[i].code == OP_JA && side)
				continue;
			if (off < 0 || (c->ins[i].code != OP_JA && off > 255)) {
				fail(c, "expression too complex", NULL);
				goto out;
			}
			if (c->ins[i].code == OP_JA)
				c->ins[i].k = (uint32_t)off;
			else if (side)
				c->ins[i].jf = (uint8_t)off;
			else
				c->ins[i].jt = (uint8_t)off;
		}
	}
	*out = malloc((size_t)c->n * sizeof(struct sock_filter));
	if (!*out) {
		fail(c, "out of memory", NULL);
		goto out;
	}
	memcpy(*out, c->ins, (size_t)c->n * sizeof(struct sock_filter));
out:
	n = c->failed ? -1 : c->n;
	free(tokbuf);
	free(tok);
	free(c);
	return n;
}
