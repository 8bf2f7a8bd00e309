/* sh: a small POSIX-flavoured shell.
 *
 * Pipeline: input is split into tokens (lex.c) and parsed into lists of pipelines of simple
 * and compound commands (if, while, until, for, { }, ( ); parse.c); lines are read until
 * every compound command is closed.  Each command's words are expanded ($VAR, $?, quotes,
 * backslashes, globs; expand.c) only when it runs (exec.c), so `X=1; echo $X` sees the new
 * value.  All memory for one complete command comes from an arena freed after it runs. */
#ifndef SH_H
#define SH_H
#include <stddef.h>

/* Arena: every allocation made while handling one input line. */
void *sh_alloc(size_t n);
char *sh_strdup(const char *s, size_t n);
void sh_arena_reset(void);
struct arena_mark {
	void *block;
	size_t used;
};
struct arena_mark sh_arena_mark(void);
void sh_arena_release(struct arena_mark m);

enum tok_type { T_WORD, T_SEMI, T_AMP, T_PIPE, T_AND, T_OR, T_LT, T_GT, T_GTGT, T_GTAMP,
		T_LTAMP, T_LPAREN, T_RPAREN, T_DSEMI, T_END };

struct token {
	enum tok_type type;
	char *text;         /* T_WORD: raw text with quotes kept */
	int io_fd;          /* redirections: the explicit fd ("2>"), or -1 */
};

/* Tokenize a complete line.  Returns the token count, -1 when the line is incomplete (an
 * open quote or a trailing backslash: read more and retry). */
int lex_line(const char *line, struct token **out);
int sh_subst_len(const char *s);

enum redir_type { R_IN, R_OUT, R_APPEND, R_DUPOUT, R_DUPIN };

struct redir {
	enum redir_type type;
	int fd;             /* the descriptor being redirected */
	char *target;       /* raw word: a file name or, for dups, a descriptor number */
};

struct command {
	char **words;       /* raw words; leading NAME=value words are assignments */
	int nwords;
	struct redir *redirs;
	int nredirs;
};

enum node_type { N_SIMPLE, N_IF, N_WHILE, N_UNTIL, N_FOR, N_GROUP, N_SUBSHELL, N_CASE };

struct list;

/* One "pattern|pattern) list ;;" of a case command. */
struct case_item {
	char **pats;                /* raw pattern words */
	int npats;
	struct list *body;          /* may be empty */
};

/* One command of a pipeline: a simple command or a compound one (XCU 2.9.4). */
struct node {
	enum node_type type;
	struct command simple;      /* N_SIMPLE; for compounds only its redirections are used */
	struct list *cond;          /* if, while, until: the condition */
	struct list *body;          /* then-part, loop body, group or subshell contents */
	struct list *alt;           /* if: the else part (an elif is an if inside it), or NULL */
	char *var;                  /* for: the variable */
	char **words;               /* for: the raw words after "in" (NULL: "$@"); case: [0] */
	int nwords;
	struct case_item *items;    /* case */
	int nitems;
};

struct pipeline {
	struct node *cmds;
	int ncmds;
	int negate;         /* leading '!' */
};

/* An and-or list: pipelines joined by && or ||; runs in the background with '&'. */
struct andor {
	struct pipeline *pipes;
	int *ops;           /* ops[i] joins pipes[i] and pipes[i+1]: T_AND or T_OR */
	int npipes;
	int background;
};

struct list {
	struct andor *items;
	int n;
};

#define PARSE_ERROR      (-1)
#define PARSE_INCOMPLETE (-3)   /* a compound command is still open: read more input */

/* Parse tokens into a list; returns 0, PARSE_ERROR (message printed) or PARSE_INCOMPLETE. */
int parse_line(struct token *toks, int ntoks, struct list **out);

/* Expansion of raw words into fields. */
struct fields {
	char **v;
	int n, cap;
};
void expand_word(const char *raw, struct fields *f);
char *expand_single(const char *raw);   /* one field, no splitting (redirection targets) */
char *expand_pattern(const char *raw);  /* one field as a pattern: quoted * ? [ escaped */
int sh_pmatch(const char *pattern, const char *s);

/* Shell state. */
extern int sh_status;          /* $? */
extern int sh_subst_ran;       /* a command substitution ran since this was cleared */
extern int sh_last_bg;         /* $! */
extern int sh_interactive;
extern char *sh_arg0;          /* $0 */
extern char **sh_args;         /* $1.. */
extern int sh_nargs;

int run_list(struct list *l);
int builtin_test(char **argv, int argc);
int builtin_read(char **argv, int argc);
void reap_background(int report);
int is_assignment(const char *w);
#endif
