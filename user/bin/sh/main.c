/* sh entry: sh [-i] [-c command [name [arg...]]] [file [arg...]]
 * Reads commands from the file, from -c, or from stdin; prompts "$ " on stderr only when
 * interactive (stdin a terminal and no file or -c, or -i).  stdin is read one byte at a
 * time so commands run by the shell see exactly the input that follows their line. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sh.h"

int sh_status;
int sh_last_bg;
int sh_interactive;
char *sh_arg0;
char **sh_args;
int sh_nargs;

struct input {
	int fd;
	const char *str;    /* -c: the command string */
	char buf[4096];
	size_t pos, len;
	int buffered;       /* script files are read in blocks; stdin byte by byte */
};

static int in_getc(struct input *in)
{
	if (in->str)
		return *in->str ? (unsigned char)*in->str++ : EOF;
	if (in->pos == in->len) {
		ssize_t n;
		do
			n = read(in->fd, in->buf, in->buffered ? sizeof(in->buf) : 1);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			return EOF;
		in->pos = 0;
		in->len = (size_t)n;
	}
	return (unsigned char)in->buf[in->pos++];
}

/* Append one line (with its newline) to *line; returns 0 at EOF with nothing read. */
static int read_line(struct input *in, char **line, size_t *len, size_t *cap)
{
	int c, any = 0;
	while ((c = in_getc(in)) != EOF) {
		any = 1;
		if (*len + 2 > *cap) {
			*cap = *cap ? *cap * 2 : 256;
			*line = realloc(*line, *cap);
			if (!*line) {
				fprintf(stderr, "sh: out of memory\n");
				exit(2);
			}
		}
		(*line)[(*len)++] = (char)c;
		(*line)[*len] = 0;
		if (c == '\n')
			break;
	}
	return any;
}

static int run_input(struct input *in)
{
	char *line = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		struct token *toks;
		int nt;
		reap_background(sh_interactive);
		if (sh_interactive)
			fputs(len ? "> " : "$ ", stderr);
		if (!read_line(in, &line, &len, &cap)) {
			if (len) {
				fprintf(stderr, "sh: syntax error: unexpected end of file\n");
				sh_status = 2;
			}
			break;
		}
		nt = lex_line(line, &toks);
		if (nt == -1) {
			sh_arena_reset();
			continue;     /* open quote or continuation: read the next line too */
		}
		{
			struct list *l;
			int r = parse_line(toks, nt, &l);
			if (r == PARSE_INCOMPLETE) {
				sh_arena_reset();
				continue;   /* an open if/while/for/{/(: read more */
			}
			if (r == PARSE_ERROR)
				sh_status = 2;
			else
				sh_status = run_list(l);
		}
		sh_arena_reset();
		len = 0;
	}
	free(line);
	if (sh_interactive)
		fputc('\n', stderr);
	return sh_status;
}

int main(int argc, char **argv)
{
	struct input in;
	int i = 1, force_interactive = 0;
	const char *cmd = NULL;

	memset(&in, 0, sizeof(in));
	sh_arg0 = argv[0];
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			cmd = argv[++i];
			i++;
			break;
		} else if (strcmp(argv[i], "-i") == 0) {
			force_interactive = 1;
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			fprintf(stderr, "usage: sh [-i] [-c command [arg...]] [file [arg...]]\n");
			return 2;
		}
	}
	if (cmd) {
		/* sh -c cmd name args: name becomes $0 */
		if (i < argc)
			sh_arg0 = argv[i++];
		in.str = cmd;
	} else if (i < argc) {
		in.fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		if (in.fd < 0) {
			fprintf(stderr, "sh: %s: %s\n", argv[i], strerror(errno));
			return 127;
		}
		in.buffered = 1;
		sh_arg0 = argv[i++];
	} else {
		in.fd = 0;
		sh_interactive = force_interactive || isatty(0);
	}
	sh_args = argv + i;
	sh_nargs = argc - i;
	if (!getenv("PATH"))
		setenv("PATH", "/bin", 1);
	if (sh_interactive) {
		/* Ctrl-C interrupts the foreground command, not the shell. */
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
	}
	return run_input(&in);
}
