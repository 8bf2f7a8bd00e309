/* Parser: tokens to and-or lists of pipelines of simple commands (POSIX XCU 2.9.1-2.9.3,
 * without compound commands).  Arrays are sized by the token count, an upper bound. */
#include <stdio.h>
#include "sh.h"

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
	case T_BANG: return "!";
	default: return "end of line";
	}
}

static int syntax_error(const struct token *t)
{
	fprintf(stderr, "sh: syntax error near '%s'\n", tok_name(t));
	return -1;
}

static int is_redir(enum tok_type t)
{
	return t == T_LT || t == T_GT || t == T_GTGT || t == T_GTAMP || t == T_LTAMP;
}

static int parse_command(struct token *t, int ntoks, int *pos, struct command *c)
{
	int i = *pos;
	c->words = sh_alloc((size_t)(ntoks + 1) * sizeof(char *));
	c->redirs = sh_alloc((size_t)ntoks * sizeof(struct redir));
	for (;;) {
		if (t[i].type == T_WORD) {
			c->words[c->nwords++] = t[i++].text;
		} else if (is_redir(t[i].type)) {
			struct redir *r = &c->redirs[c->nredirs++];
			enum tok_type op = t[i].type;
			r->fd = t[i].io_fd;
			if (t[i + 1].type != T_WORD)
				return syntax_error(&t[i + 1]);
			switch (op) {
			case T_LT: r->type = R_IN; break;
			case T_GT: r->type = R_OUT; break;
			case T_GTGT: r->type = R_APPEND; break;
			case T_GTAMP: r->type = R_DUPOUT; break;
			default: r->type = R_DUPIN; break;
			}
			if (r->fd < 0)
				r->fd = r->type == R_IN || r->type == R_DUPIN ? 0 : 1;
			r->target = t[i + 1].text;
			i += 2;
		} else {
			break;
		}
	}
	if (c->nwords == 0 && c->nredirs == 0)
		return syntax_error(&t[i]);
	c->words[c->nwords] = NULL;
	*pos = i;
	return 0;
}

static int parse_pipeline(struct token *t, int ntoks, int *pos, struct pipeline *p)
{
	p->cmds = sh_alloc((size_t)ntoks * sizeof(struct command));
	if (t[*pos].type == T_BANG) {
		p->negate = 1;
		(*pos)++;
	}
	for (;;) {
		if (parse_command(t, ntoks, pos, &p->cmds[p->ncmds]) < 0)
			return -1;
		p->ncmds++;
		if (t[*pos].type != T_PIPE)
			return 0;
		(*pos)++;
	}
}

int parse_line(struct token *t, int ntoks, struct andor **out)
{
	struct andor *lists = sh_alloc((size_t)ntoks * sizeof(struct andor));
	int n = 0, pos = 0;

	for (;;) {
		struct andor *a;
		while (t[pos].type == T_SEMI)
			pos++;
		if (t[pos].type == T_END)
			break;
		a = &lists[n++];
		a->pipes = sh_alloc((size_t)ntoks * sizeof(struct pipeline));
		a->ops = sh_alloc((size_t)ntoks * sizeof(int));
		for (;;) {
			if (parse_pipeline(t, ntoks, &pos, &a->pipes[a->npipes]) < 0)
				return -1;
			a->npipes++;
			if (t[pos].type != T_AND && t[pos].type != T_OR)
				break;
			a->ops[a->npipes - 1] = t[pos++].type;
			while (t[pos].type == T_SEMI && t[pos - 1].type != T_SEMI)
				pos++;   /* a newline may follow && or || */
		}
		if (t[pos].type == T_AMP) {
			a->background = 1;
			pos++;
		} else if (t[pos].type == T_SEMI) {
			pos++;
		} else if (t[pos].type != T_END) {
			return syntax_error(&t[pos]);
		}
	}
	*out = lists;
	return n;
}
