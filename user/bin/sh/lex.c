/* Tokenizer (after POSIX XCU 2.3 "Token Recognition", simplified): operators ; & | && ||
 * < > >> >& <& ( ), words with their quoting kept for expansion later, IO numbers ("2>"),
 * and # comments at the start of a word. */
#include <ctype.h>
#include <string.h>
#include "sh.h"

static int is_op_char(int c)
{
	return c == ';' || c == '&' || c == '|' || c == '<' || c == '>' || c == '(' || c == ')';
}

/* Scan one raw word from s; returns its length, or -1 if a quote is left open or the line
 * ends with a backslash. */
/* Length of the substitution starting at s ("$(...)", "$((...))", "${...}" or "`...`"),
 * skipping quotes and nested substitutions inside; -1 if it is not closed. */
int sh_subst_len(const char *s)
{
	int i, depth = 1;
	char open, close;
	if (s[0] == '`') {
		for (i = 1; s[i] && s[i] != '`'; i++)
			if (s[i] == '\\' && s[i + 1])
				i++;
		return s[i] ? i + 1 : -1;
	}
	open = s[1];
	close = open == '(' ? ')' : '}';
	for (i = 2; s[i]; i++) {
		if (s[i] == '\\' && s[i + 1]) {
			i++;
		} else if (s[i] == '\'') {
			const char *q = strchr(s + i + 1, '\'');
			if (!q)
				return -1;
			i = (int)(q - s);
		} else if (s[i] == '"') {
			for (i++; s[i] && s[i] != '"'; i++)
				if (s[i] == '\\' && s[i + 1])
					i++;
			if (!s[i])
				return -1;
		} else if (s[i] == '$' && (s[i + 1] == '(' || s[i + 1] == '{')) {
			int k = sh_subst_len(s + i);
			if (k < 0)
				return -1;
			i += k - 1;
		} else if (s[i] == '`') {
			int k = sh_subst_len(s + i);
			if (k < 0)
				return -1;
			i += k - 1;
		} else if (s[i] == open) {
			depth++;
		} else if (s[i] == close && --depth == 0) {
			return i + 1;
		}
	}
	return -1;
}

/* Scan one raw word from s; returns its length, or -1 if a quote or substitution is left
 * open or the line ends with a backslash. */
static int scan_word(const char *s)
{
	int i = 0;
	while (s[i] && !isspace((unsigned char)s[i]) && !is_op_char(s[i])) {
		if (s[i] == '\\') {
			if (!s[i + 1] || (s[i + 1] == '\n' && !s[i + 2]))
				return -1;
			i += 2;
		} else if (s[i] == '\'') {
			const char *q = strchr(s + i + 1, '\'');
			if (!q)
				return -1;
			i = (int)(q - s) + 1;
		} else if (s[i] == '"') {
			i++;
			while (s[i] && s[i] != '"') {
				if (s[i] == '\\' && s[i + 1]) {
					i += 2;
					continue;
				}
				if ((s[i] == '$' && (s[i + 1] == '(' || s[i + 1] == '{')) || s[i] == '`') {
					int k = sh_subst_len(s + i);
					if (k < 0)
						return -1;
					i += k;
					continue;
				}
				i++;
			}
			if (!s[i])
				return -1;
			i++;
		} else if ((s[i] == '$' && (s[i + 1] == '(' || s[i + 1] == '{')) || s[i] == '`') {
			int k = sh_subst_len(s + i);
			if (k < 0)
				return -1;
			i += k;
		} else {
			i++;
		}
	}
	return i;
}

int lex_line(const char *line, struct token **out)
{
	int cap = 16, n = 0;
	struct token *t = sh_alloc((size_t)cap * sizeof(*t));
	const char *s = line;

	for (;;) {
		struct token tok = {T_END, NULL, -1};
		/* Backslash-newline is a line continuation: skip it like blank space. */
		while (*s == ' ' || *s == '\t' || *s == '\r' || (s[0] == '\\' && s[1] == '\n')) {
			if (s[0] == '\\' && s[2] == 0)
				return -1;   /* continuation: the command goes on in the next line */
			s += *s == '\\' ? 2 : 1;
		}
		if (s[0] == '\\' && s[1] == 0)
			return -1;
		if (*s == '#') {
			while (*s && *s != '\n')
				s++;
		}
		if (*s == '\n') {
			tok.type = T_SEMI;
			s++;
		} else if (!*s) {
			tok.type = T_END;
		} else if (isdigit((unsigned char)*s) && (s[strspn(s, "0123456789")] == '<' ||
							 s[strspn(s, "0123456789")] == '>')) {
			size_t k = strspn(s, "0123456789");
			tok.io_fd = k > 4 ? 10000 : 0;
			for (size_t j = 0; j < k && k <= 4; j++)
				tok.io_fd = tok.io_fd * 10 + (s[j] - '0');
			s += k;
			goto redirect;
		} else if (*s == '<' || *s == '>') {
redirect:
			if (s[0] == '>' && s[1] == '>')
				tok.type = T_GTGT, s += 2;
			else if (s[0] == '>' && s[1] == '&')
				tok.type = T_GTAMP, s += 2;
			else if (s[0] == '<' && s[1] == '&')
				tok.type = T_LTAMP, s += 2;
			else if (s[0] == '>')
				tok.type = T_GT, s++;
			else
				tok.type = T_LT, s++;
		} else if (s[0] == '&' && s[1] == '&') {
			tok.type = T_AND;
			s += 2;
		} else if (s[0] == '|' && s[1] == '|') {
			tok.type = T_OR;
			s += 2;
		} else if (*s == '&') {
			tok.type = T_AMP;
			s++;
		} else if (*s == '|') {
			tok.type = T_PIPE;
			s++;
		} else if (*s == ';') {
			if (s[1] == ';') {
				tok.type = T_DSEMI;   /* ends a case item */
				s += 2;
			} else {
				tok.type = T_SEMI;
				s++;
			}
		} else if (*s == '(') {
			tok.type = T_LPAREN;
			s++;
		} else if (*s == ')') {
			tok.type = T_RPAREN;
			s++;
		} else {
			int len = scan_word(s);
			if (len < 0)
				return -1;
			tok.type = T_WORD;
			tok.text = sh_strdup(s, (size_t)len);
			s += len;
		}
		if (n == cap) {
			struct token *nt = sh_alloc((size_t)cap * 2 * sizeof(*nt));
			memcpy(nt, t, (size_t)cap * sizeof(*t));
			t = nt;
			cap *= 2;
		}
		t[n++] = tok;
		if (tok.type == T_END)
			break;
	}
	*out = t;
	return n;
}
