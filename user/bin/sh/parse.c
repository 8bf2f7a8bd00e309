/* Parser: tokens to a list of and-or lists of pipelines (POSIX XCU 2.9).  Commands are
 * simple commands or the compound commands if/elif/else/fi, while/until ... do ... done,
 * for NAME [in WORD...] do ... done, { list; } and ( list ), with redirections after them.
 * Reserved words count only where a command may start.  Running out of tokens inside an
 * open compound command is PARSE_INCOMPLETE, so the reader fetches another line. */
#include <stdio.h>
#include <string.h>
#include "sh.h"

struct parser {
	struct token *t;
	int n, pos;
	int err;            /* PARSE_ERROR or PARSE_INCOMPLETE once something went wrong */
};

static const char *tok_name(const struct token *t)
{
	switch (t->type) {
	case T_WORD: return t->text;
	case T_SEMI: return ";";
	case T_AMP: return "&";
	case T_PIPE: return "|";
	case T_AND: return "&&";
	case T_OR: return "||";
	case T_LT: return "<";
	case T_GT: return ">";
	case T_GTGT: return ">>";
	case T_GTAMP: return ">&";
	case T_LTAMP: return "<&";
	case T_LPAREN: return "(";
	case T_RPAREN: return ")";
	case T_DSEMI: return ";;";
	default: return "end of file";
	}
}

static struct token *cur(struct parser *p) { return &p->t[p->pos]; }

static void fail(struct parser *p)
{
	if (p->err)
		return;
	if (cur(p)->type == T_END) {
		p->err = PARSE_INCOMPLETE;
		return;
	}
	fprintf(stderr, "sh: syntax error near '%s'\n", tok_name(cur(p)));
	p->err = PARSE_ERROR;
}

static int is_word(struct parser *p, const char *w)
{
	return cur(p)->type == T_WORD && strcmp(cur(p)->text, w) == 0;
}

static int expect_word(struct parser *p, const char *w)
{
	if (!is_word(p, w)) {
		fail(p);
		return -1;
	}
	p->pos++;
	return 0;
}

static int is_reserved_end(struct parser *p)
{
	static const char *const ends[] = {"then", "elif", "else", "fi", "do", "done", "}", "esac", NULL};
	if (cur(p)->type == T_RPAREN || cur(p)->type == T_DSEMI)
		return 1;
	if (cur(p)->type != T_WORD)
		return 0;
	for (int i = 0; ends[i]; i++)
		if (strcmp(cur(p)->text, ends[i]) == 0)
			return 1;
	return 0;
}

static void skip_separators(struct parser *p)
{
	while (cur(p)->type == T_SEMI)
		p->pos++;
}

static int is_redir(enum tok_type t)
{
	return t == T_LT || t == T_GT || t == T_GTGT || t == T_GTAMP || t == T_LTAMP;
}

static struct list *parse_list(struct parser *p, int top);

static int valid_name(const char *s)
{
	if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return 0;
	for (s++; *s; s++)
		if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return 0;
	return 1;
}

/* Redirections; store into c. */
static int parse_redirs(struct parser *p, struct command *c)
{
	while (is_redir(cur(p)->type)) {
		struct redir *r = &c->redirs[c->nredirs++];
		enum tok_type op = cur(p)->type;
		r->fd = cur(p)->io_fd;
		p->pos++;
		if (cur(p)->type != T_WORD) {
			fail(p);
			return -1;
		}
		switch (op) {
		case T_LT: r->type = R_IN; break;
		case T_GT: r->type = R_OUT; break;
		case T_GTGT: r->type = R_APPEND; break;
		case T_GTAMP: r->type = R_DUPOUT; break;
		default: r->type = R_DUPIN; break;
		}
		if (r->fd < 0)
			r->fd = r->type == R_IN || r->type == R_DUPIN ? 0 : 1;
		r->target = cur(p)->text;
		p->pos++;
	}
	return 0;
}

static int parse_simple(struct parser *p, struct command *c)
{
	for (;;) {
		if (cur(p)->type == T_WORD) {
			c->words[c->nwords++] = cur(p)->text;
			p->pos++;
		} else if (is_redir(cur(p)->type)) {
			if (parse_redirs(p, c) < 0)
				return -1;
		} else {
			break;
		}
	}
	if (c->nwords == 0 && c->nredirs == 0) {
		fail(p);
		return -1;
	}
	c->words[c->nwords] = NULL;
	return 0;
}

/* The body of a compound command: a list that must not be empty (XCU 2.9.4). */
static struct list *parse_body(struct parser *p)
{
	struct list *l = parse_list(p, 0);
	if (!l)
		return NULL;
	if (l->n == 0) {
		fail(p);
		return NULL;
	}
	return l;
}

static int parse_if(struct parser *p, struct node *nd)
{
	/* "if" or "elif" has been consumed. */
	nd->type = N_IF;
	if (!(nd->cond = parse_body(p)) || expect_word(p, "then") < 0 || !(nd->body = parse_body(p)))
		return -1;
	if (is_word(p, "elif")) {
		struct node *inner;
		p->pos++;
		nd->alt = sh_alloc(sizeof(struct list));
		nd->alt->items = sh_alloc(sizeof(struct andor));
		nd->alt->n = 1;
		nd->alt->items[0].pipes = sh_alloc(sizeof(struct pipeline));
		nd->alt->items[0].npipes = 1;
		nd->alt->items[0].pipes[0].ncmds = 1;
		inner = nd->alt->items[0].pipes[0].cmds = sh_alloc(sizeof(struct node));
		inner->simple.words = sh_alloc(sizeof(char *));
		inner->simple.redirs = sh_alloc((size_t)p->n * sizeof(struct redir));
		return parse_if(p, inner);   /* the inner if consumes the final "fi" */
	}
	if (is_word(p, "else")) {
		p->pos++;
		if (!(nd->alt = parse_body(p)))
			return -1;
	}
	return expect_word(p, "fi");
}

static int parse_command(struct parser *p, struct node *nd)
{
	struct command *c = &nd->simple;
	c->words = sh_alloc((size_t)(p->n + 1) * sizeof(char *));
	c->redirs = sh_alloc((size_t)p->n * sizeof(struct redir));
	nd->type = N_SIMPLE;

	if (is_word(p, "if")) {
		p->pos++;
		if (parse_if(p, nd) < 0)
			return -1;
	} else if (is_word(p, "while") || is_word(p, "until")) {
		nd->type = is_word(p, "while") ? N_WHILE : N_UNTIL;
		p->pos++;
		if (!(nd->cond = parse_body(p)) || expect_word(p, "do") < 0 || !(nd->body = parse_body(p)) ||
		    expect_word(p, "done") < 0)
			return -1;
	} else if (is_word(p, "for")) {
		nd->type = N_FOR;
		p->pos++;
		if (cur(p)->type != T_WORD || !valid_name(cur(p)->text)) {
			fail(p);
			return -1;
		}
		nd->var = cur(p)->text;
		p->pos++;
		skip_separators(p);
		if (is_word(p, "in")) {
			p->pos++;
			nd->words = sh_alloc((size_t)(p->n + 1) * sizeof(char *));
			while (cur(p)->type == T_WORD)
				nd->words[nd->nwords++] = cur(p)->text, p->pos++;
			nd->words[nd->nwords] = NULL;
			if (cur(p)->type != T_SEMI) {   /* ";" or a newline must end the word list */
				fail(p);
				return -1;
			}
		}
		skip_separators(p);
		if (expect_word(p, "do") < 0 || !(nd->body = parse_body(p)) || expect_word(p, "done") < 0)
			return -1;
	} else if (is_word(p, "case")) {
		/* case WORD in [(]pat[|pat]...) list ;; ... esac (XCU 2.9.4.3) */
		nd->type = N_CASE;
		p->pos++;
		if (cur(p)->type != T_WORD) {
			fail(p);
			return -1;
		}
		nd->words = sh_alloc(2 * sizeof(char *));
		nd->words[0] = cur(p)->text;
		nd->nwords = 1;
		p->pos++;
		skip_separators(p);
		if (expect_word(p, "in") < 0)
			return -1;
		nd->items = sh_alloc((size_t)p->n * sizeof(struct case_item));
		for (;;) {
			struct case_item *it;
			skip_separators(p);
			if (is_word(p, "esac")) {
				p->pos++;
				break;
			}
			it = &nd->items[nd->nitems++];
			it->pats = sh_alloc((size_t)p->n * sizeof(char *));
			if (cur(p)->type == T_LPAREN)
				p->pos++;
			for (;;) {
				if (cur(p)->type != T_WORD) {
					fail(p);
					return -1;
				}
				it->pats[it->npats++] = cur(p)->text;
				p->pos++;
				if (cur(p)->type != T_PIPE)
					break;
				p->pos++;
			}
			if (cur(p)->type != T_RPAREN) {
				fail(p);
				return -1;
			}
			p->pos++;
			it->body = parse_list(p, 0);
			if (!it->body)
				return -1;
			if (cur(p)->type == T_DSEMI) {
				p->pos++;
			} else if (!is_word(p, "esac")) {
				fail(p);
				return -1;
			}
		}
	} else if (is_word(p, "{")) {
		nd->type = N_GROUP;
		p->pos++;
		if (!(nd->body = parse_body(p)) || expect_word(p, "}") < 0)
			return -1;
	} else if (cur(p)->type == T_LPAREN) {
		nd->type = N_SUBSHELL;
		p->pos++;
		if (!(nd->body = parse_body(p)))
			return -1;
		if (cur(p)->type != T_RPAREN) {
			fail(p);
			return -1;
		}
		p->pos++;
	} else {
		return parse_simple(p, c);
	}
	/* Redirections after a compound command apply to all of it. */
	return parse_redirs(p, c);
}

static int parse_pipeline(struct parser *p, struct pipeline *pl)
{
	pl->cmds = sh_alloc((size_t)p->n * sizeof(struct node));
	/* "!" is a reserved word only where a pipeline starts (XCU 2.9.2). */
	if (is_word(p, "!")) {
		pl->negate = 1;
		p->pos++;
	}
	for (;;) {
		if (parse_command(p, &pl->cmds[pl->ncmds]) < 0)
			return -1;
		pl->ncmds++;
		if (cur(p)->type != T_PIPE)
			return 0;
		p->pos++;
		skip_separators(p);   /* a newline may follow '|' */
	}
}

static int parse_andor(struct parser *p, struct andor *a)
{
	a->pipes = sh_alloc((size_t)p->n * sizeof(struct pipeline));
	a->ops = sh_alloc((size_t)p->n * sizeof(int));
	for (;;) {
		if (parse_pipeline(p, &a->pipes[a->npipes]) < 0)
			return -1;
		a->npipes++;
		if (cur(p)->type != T_AND && cur(p)->type != T_OR)
			return 0;
		a->ops[a->npipes - 1] = cur(p)->type;
		p->pos++;
		skip_separators(p);   /* a newline may follow && or || */
	}
}

/* A list of and-or lists separated by ; & or newlines.  Inside a compound command it ends
 * at the reserved word (or ')') that closes it; at the top it ends with the input. */
static struct list *parse_list(struct parser *p, int top)
{
	struct list *l = sh_alloc(sizeof(*l));
	l->items = sh_alloc((size_t)p->n * sizeof(struct andor));
	for (;;) {
		struct andor *a;
		skip_separators(p);
		if (cur(p)->type == T_END) {
			if (!top) {
				fail(p);
				return NULL;
			}
			break;
		}
		if (is_reserved_end(p)) {
			if (top) {
				fail(p);
				return NULL;
			}
			break;
		}
		a = &l->items[l->n++];
		if (parse_andor(p, a) < 0)
			return NULL;
		if (cur(p)->type == T_AMP) {
			a->background = 1;
			p->pos++;
		} else if (cur(p)->type == T_SEMI) {
			p->pos++;
		} else if (cur(p)->type != T_END && !(is_reserved_end(p) && !top)) {
			fail(p);
			return NULL;
		}
	}
	return l;
}

int parse_line(struct token *toks, int ntoks, struct list **out)
{
	struct parser p = {toks, ntoks, 0, 0};
	struct list *l = parse_list(&p, 1);
	if (!l)
		return p.err ? p.err : PARSE_ERROR;
	*out = l;
	return 0;
}
