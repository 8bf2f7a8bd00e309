/* Running parsed commands: and-or lists, pipelines (one process per command, joined by
 * pipes), redirections, builtins, background jobs, and the exit status rules of POSIX XCU
 * 2.8.2 (127 not found, 126 not executable, 128+n killed by signal n). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sh.h"

static int in_background;   /* this process runs a background list: keep SIGINT ignored */

int is_assignment(const char *w)
{
	const char *p = w;
	if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return 0;
	while (*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	       (*p >= '0' && *p <= '9'))
		p++;
	return *p == '=';
}

static int wait_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WTERMSIG(st) != SIGINT && WTERMSIG(st) != SIGPIPE)
		fprintf(stderr, "%s\n", strsignal(WTERMSIG(st)));
	return 128 + WTERMSIG(st);
}

/* Expanded form of one command. */
struct xcmd {
	char **argv;
	int argc;
	char **assign;      /* expanded NAME=value strings */
	int nassign;
	struct redir *redirs;
	char **targets;     /* expanded redirection targets */
	int nredirs;
};

static void expand_command(const struct command *c, struct xcmd *x)
{
	struct fields f = {NULL, 0, 0};
	int i = 0;
	x->assign = sh_alloc((size_t)(c->nwords + 1) * sizeof(char *));
	x->nassign = 0;
	for (; i < c->nwords && is_assignment(c->words[i]); i++)
		x->assign[x->nassign++] = expand_single(c->words[i]);
	for (; i < c->nwords; i++)
		expand_word(c->words[i], &f);
	x->argv = f.n ? f.v : sh_alloc(sizeof(char *));
	x->argc = f.n;
	x->redirs = c->redirs;
	x->nredirs = c->nredirs;
	x->targets = sh_alloc((size_t)(c->nredirs + 1) * sizeof(char *));
	for (i = 0; i < c->nredirs; i++)
		x->targets[i] = expand_single(c->redirs[i].target);
}

static void set_assignments(const struct xcmd *x)
{
	for (int i = 0; i < x->nassign; i++) {
		char *eq = strchr(x->assign[i], '=');
		*eq = 0;
		setenv(x->assign[i], eq + 1, 1);
		*eq = '=';
	}
}

/* Apply redirections in order; with save != NULL, first remember each target descriptor
 * (or -1 if it was closed) so the caller can undo them. */
static int apply_redirs(const struct xcmd *x, int *save)
{
	for (int i = 0; i < x->nredirs; i++) {
		const struct redir *r = &x->redirs[i];
		const char *t = x->targets[i];
		int fd;
		if (save)
			save[i] = fcntl(r->fd, F_DUPFD_CLOEXEC, 10);
		if (r->type == R_DUPOUT || r->type == R_DUPIN) {
			char *end;
			long n;
			if (strcmp(t, "-") == 0) {
				close(r->fd);
				continue;
			}
			n = strtol(t, &end, 10);
			if (!*t || *end || n < 0 || n > INT_MAX) {
				fprintf(stderr, "sh: %s: bad file descriptor\n", t);
				return -1;
			}
			if ((int)n != r->fd && dup2((int)n, r->fd) < 0) {
				fprintf(stderr, "sh: %ld: %s\n", n, strerror(errno));
				return -1;
			}
			continue;
		}
		if (r->type == R_IN)
			fd = open(t, O_RDONLY);
		else
			fd = open(t, O_WRONLY | O_CREAT | (r->type == R_APPEND ? O_APPEND : O_TRUNC), 0666);
		if (fd < 0) {
			fprintf(stderr, "sh: %s: %s\n", t, strerror(errno));
			return -1;
		}
		if (fd != r->fd) {
			if (dup2(fd, r->fd) < 0) {
				fprintf(stderr, "sh: %d: %s\n", r->fd, strerror(errno));
				close(fd);
				return -1;
			}
			close(fd);
		}
	}
	return 0;
}

static void undo_redirs(const struct xcmd *x, const int *save, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		if (save[i] >= 0) {
			dup2(save[i], x->redirs[i].fd);
			close(save[i]);
		} else {
			close(x->redirs[i].fd);
		}
	}
}

/* Builtins. */
static int bi_cd(char **argv, int argc)
{
	const char *dir = argc > 1 ? argv[1] : getenv("HOME");
	char cwd[PATH_MAX];
	if (!dir)
		dir = "/";
	if (strcmp(dir, "-") == 0) {
		dir = getenv("OLDPWD");
		if (!dir) {
			fprintf(stderr, "sh: cd: OLDPWD not set\n");
			return 1;
		}
		printf("%s\n", dir);
	}
	if (getcwd(cwd, sizeof(cwd)))
		setenv("OLDPWD", cwd, 1);
	if (chdir(dir) < 0) {
		fprintf(stderr, "sh: cd: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (getcwd(cwd, sizeof(cwd)))
		setenv("PWD", cwd, 1);
	return 0;
}

static int bi_exit(char **argv, int argc)
{
	int st = sh_status;
	if (argc > 1) {
		char *end;
		long v = strtol(argv[1], &end, 10);
		if (!*argv[1] || *end) {
			fprintf(stderr, "sh: exit: %s: numeric argument required\n", argv[1]);
			st = 2;
		} else {
			st = (int)(v & 255);
		}
	}
	fflush(NULL);
	exit(st);
}

static int bi_export(char **argv, int argc)
{
	int st = 0;
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (eq) {
			*eq = 0;
			if (setenv(argv[i], eq + 1, 1) < 0) {
				fprintf(stderr, "sh: export: %s: bad variable name\n", argv[i]);
				st = 1;
			}
			*eq = '=';
		} else if (!getenv(argv[i])) {
			setenv(argv[i], "", 1);
		}
	}
	if (argc == 1)
		for (char **e = environ; *e; e++)
			printf("export %s\n", *e);
	return st;
}

static int bi_unset(char **argv, int argc)
{
	for (int i = 1; i < argc; i++)
		unsetenv(argv[i]);
	return 0;
}

static int bi_pwd(char **argv, int argc)
{
	char cwd[PATH_MAX];
	(void)argv;
	(void)argc;
	if (!getcwd(cwd, sizeof(cwd))) {
		fprintf(stderr, "sh: pwd: %s\n", strerror(errno));
		return 1;
	}
	printf("%s\n", cwd);
	return 0;
}

static int bi_wait(char **argv, int argc)
{
	int st = 0, s;
	if (argc > 1) {
		pid_t pid = (pid_t)atoi(argv[1]);
		if (waitpid(pid, &s, 0) < 0)
			return 127;
		return wait_status(s);
	}
	while (waitpid(-1, &s, 0) > 0)
		st = 0;
	return st;
}

static int bi_shift(char **argv, int argc)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	if (n < 0 || n > sh_nargs)
		return 1;
	sh_args += n;
	sh_nargs -= n;
	return 0;
}

static int bi_colon(char **argv, int argc)
{
	(void)argv;
	(void)argc;
	return 0;
}

/* break/continue (XCU 2.14): the count of loops still to leave or to restart; run_list
 * stops running commands while either is set, and the loops consume them. */
static int loop_depth, breaking, continuing;

static int loop_count(char **argv, int argc, const char *name)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	if (n < 1) {
		fprintf(stderr, "sh: %s: bad count\n", name);
		return -1;
	}
	if (loop_depth == 0)
		return 0;   /* outside a loop: nothing to do (as in other shells) */
	return n > loop_depth ? loop_depth : n;
}

static int bi_break(char **argv, int argc)
{
	int n = loop_count(argv, argc, "break");
	if (n < 0)
		return 1;
	breaking = n;
	return 0;
}

static int bi_continue(char **argv, int argc)
{
	int n = loop_count(argv, argc, "continue");
	if (n < 0)
		return 1;
	continuing = n;
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(char **argv, int argc);
} builtins[] = {
	{"cd", bi_cd}, {"exit", bi_exit}, {"export", bi_export}, {"unset", bi_unset},
	{"pwd", bi_pwd}, {"wait", bi_wait}, {"shift", bi_shift}, {":", bi_colon},
	{"true", bi_colon}, {"break", bi_break}, {"continue", bi_continue},
	{"test", builtin_test}, {"[", builtin_test}, {"read", builtin_read},
};

static int (*find_builtin(const char *name))(char **, int)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return builtins[i].fn;
	return NULL;
}

/* PATH search (POSIX XCU 2.9.1.1): the first regular executable file. */
static const char *find_command(const char *name, char *buf, size_t len)
{
	const char *path = getenv("PATH"), *p;
	if (strchr(name, '/'))
		return name;
	if (!path)
		path = "/bin";
	for (p = path;; p++) {
		const char *end = strchr(p, ':');
		size_t dl = end ? (size_t)(end - p) : strlen(p);
		struct stat st;
		if (snprintf(buf, len, "%.*s%s%s", (int)dl, p, dl ? "/" : "", name) < (int)len &&
		    stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
			return buf;
		if (!end)
			return NULL;
		p = end;
	}
}

/* In a child: exec the command (or run the builtin) and never return. */
static _Noreturn void exec_child(struct xcmd *x)
{
	char buf[PATH_MAX];
	const char *path;
	int (*bi)(char **, int);

	if (!in_background) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
	}
	set_assignments(x);
	if (apply_redirs(x, NULL) < 0)
		_exit(1);
	if (x->argc > 0 && strcmp(x->argv[0], "exec") == 0) {
		x->argv++;
		x->argc--;
	}
	if (x->argc == 0)
		_exit(0);
	bi = find_builtin(x->argv[0]);
	if (bi) {
		int st = bi(x->argv, x->argc);
		fflush(NULL);
		_exit(st);
	}
	path = find_command(x->argv[0], buf, sizeof(buf));
	if (!path) {
		fprintf(stderr, "sh: %s: not found\n", x->argv[0]);
		_exit(127);
	}
	execve(path, x->argv, environ);
	if (errno == ENOEXEC) {
		/* POSIX XCU 2.9.1.1: a file the kernel cannot run is a shell script. */
		char **av = sh_alloc((size_t)(x->argc + 2) * sizeof(char *));
		const char *self = sh_arg0 && strchr(sh_arg0, '/') ? sh_arg0 : "/bin/sh";
		av[0] = (char *)"sh";
		av[1] = (char *)path;
		for (int i = 1; i < x->argc; i++)
			av[i + 1] = x->argv[i];
		execve(self, av, environ);
	}
	fprintf(stderr, "sh: %s: %s\n", x->argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static int run_node(struct node *nd);

/* Expansion-only view of a compound command's redirections. */
static void expand_redirs(const struct command *c, struct xcmd *x)
{
	memset(x, 0, sizeof(*x));
	x->redirs = c->redirs;
	x->nredirs = c->nredirs;
	x->targets = sh_alloc((size_t)(c->nredirs + 1) * sizeof(char *));
	for (int i = 0; i < c->nredirs; i++)
		x->targets[i] = expand_single(c->redirs[i].target);
}

static int run_loop(struct node *nd)
{
	int st = 0;
	loop_depth++;
	for (;;) {
		struct arena_mark m = sh_arena_mark();
		int c = run_list(nd->cond);
		if (breaking || continuing) {
			/* break/continue inside the condition act on this loop too. */
		} else if ((nd->type == N_WHILE) != (c == 0)) {
			break;
		} else {
			st = run_list(nd->body);
		}
		sh_arena_release(m);
		if (breaking) {
			breaking--;
			break;
		}
		if (continuing) {
			if (--continuing > 0)
				break;   /* an outer loop is to continue */
		}
	}
	loop_depth--;
	return st;
}

static int run_for(struct node *nd)
{
	struct fields f = {NULL, 0, 0};
	int st = 0;
	if (nd->words) {
		for (int i = 0; i < nd->nwords; i++)
			expand_word(nd->words[i], &f);
	} else {
		for (int i = 0; i < sh_nargs; i++) {
			if (f.n + 1 >= f.cap) {
				int nc = f.cap ? f.cap * 2 : 8;
				char **nv = sh_alloc((size_t)nc * sizeof(char *));
				if (f.n)
					memcpy(nv, f.v, (size_t)f.n * sizeof(char *));
				f.v = nv;
				f.cap = nc;
			}
			f.v[f.n++] = sh_args[i];
		}
	}
	loop_depth++;
	for (int i = 0; i < f.n; i++) {
		struct arena_mark m = sh_arena_mark();
		setenv(nd->var, f.v[i], 1);
		st = run_list(nd->body);
		sh_arena_release(m);
		if (breaking) {
			breaking--;
			break;
		}
		if (continuing && --continuing > 0)
			break;
	}
	loop_depth--;
	return st;
}

/* A compound command in this process, with its redirections around it. */
static int run_compound(struct node *nd)
{
	struct xcmd x;
	int *save, st = 0;
	expand_redirs(&nd->simple, &x);
	save = sh_alloc((size_t)(x.nredirs + 1) * sizeof(int));
	if (apply_redirs(&x, save) < 0) {
		undo_redirs(&x, save, x.nredirs);
		return 1;
	}
	switch (nd->type) {
	case N_IF:
		if (run_list(nd->cond) == 0)
			st = run_list(nd->body);
		else if (nd->alt)
			st = run_list(nd->alt);
		else
			st = 0;
		break;
	case N_WHILE:
	case N_UNTIL:
		st = run_loop(nd);
		break;
	case N_FOR:
		st = run_for(nd);
		break;
	case N_GROUP:
		st = run_list(nd->body);
		break;
	case N_CASE: {
		char *word = expand_single(nd->words[0]);
		st = 0;
		for (int i = 0; i < nd->nitems; i++) {
			int hit = 0;
			for (int k = 0; k < nd->items[i].npats && !hit; k++)
				hit = sh_pmatch(expand_pattern(nd->items[i].pats[k]), word);
			if (hit) {
				st = run_list(nd->items[i].body);
				break;
			}
		}
		break;
	}
	case N_SUBSHELL: {
		pid_t pid;
		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			loop_depth = 0;
			st = run_list(nd->body);
			fflush(NULL);
			_exit(st);
		}
		if (pid < 0) {
			fprintf(stderr, "sh: fork: %s\n", strerror(errno));
			st = 1;
		} else {
			int s;
			while (waitpid(pid, &s, 0) < 0 && errno == EINTR)
				;
			st = wait_status(s);
		}
		break;
	}
	default:
		break;
	}
	fflush(NULL);
	undo_redirs(&x, save, x.nredirs);
	return st;
}

/* One simple command in the shell: builtins and assignments run here, anything else in a
 * child we wait for. */
static int run_simple(struct command *c)
{
	struct xcmd x;
	pid_t pid;
	int s;
	sh_subst_ran = 0;
	expand_command(c, &x);
	if (x.argc > 0 && strcmp(x.argv[0], "exec") == 0) {
		/* exec: redirections stay in effect for the shell; with a command, the shell
		 * becomes it (XCU 2.14 exec). */
		set_assignments(&x);
		if (apply_redirs(&x, NULL) < 0)
			return 1;
		if (x.argc == 1)
			return 0;
		x.argv++;
		x.argc--;
		x.nredirs = 0;
		fflush(NULL);
		exec_child(&x);
	}
	if (x.argc == 0 || find_builtin(x.argv[0])) {
		int *save = sh_alloc((size_t)(x.nredirs + 1) * sizeof(int)), st = 0;
		set_assignments(&x);
		if (apply_redirs(&x, save) == 0 && x.argc > 0)
			st = find_builtin(x.argv[0])(x.argv, x.argc);
		else if (x.argc > 0)
			st = 1;
		else if (sh_subst_ran)
			st = sh_status;   /* XCU 2.9.1: the status of the last command substitution */
		fflush(NULL);
		undo_redirs(&x, save, x.nredirs);
		return st;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		exec_child(&x);
	if (pid < 0) {
		fprintf(stderr, "sh: fork: %s\n", strerror(errno));
		return 1;
	}
	while (waitpid(pid, &s, 0) < 0 && errno == EINTR)
		;
	return wait_status(s);
}

static int run_node(struct node *nd)
{
	return nd->type == N_SIMPLE ? run_simple(&nd->simple) : run_compound(nd);
}

static int run_pipeline(struct pipeline *p)
{
	pid_t *pids;
	int in_fd = -1, st = 0;

	if (p->ncmds == 1) {
		st = run_node(&p->cmds[0]);
		return p->negate ? !st : st;
	}
	pids = sh_alloc((size_t)p->ncmds * sizeof(pid_t));
	fflush(NULL);
	for (int i = 0; i < p->ncmds; i++) {
		int fds[2] = {-1, -1};
		if (i + 1 < p->ncmds && pipe2(fds, O_CLOEXEC) < 0) {
			fprintf(stderr, "sh: pipe: %s\n", strerror(errno));
			st = 1;
			for (int k = i; k < p->ncmds; k++)
				pids[k] = -1;
			break;
		}
		pids[i] = fork();
		if (pids[i] == 0) {
			if (in_fd >= 0) {
				dup2(in_fd, 0);
				close(in_fd);
			}
			if (fds[1] >= 0) {
				dup2(fds[1], 1);
				close(fds[1]);
				close(fds[0]);
			}
			/* Every element of a pipeline runs in its own process (XCU 2.9.2). */
			loop_depth = 0;
			if (p->cmds[i].type == N_SIMPLE) {
				struct xcmd x;
				expand_command(&p->cmds[i].simple, &x);
				exec_child(&x);
			}
			if (!in_background) {
				signal(SIGINT, SIG_DFL);
				signal(SIGQUIT, SIG_DFL);
			}
			st = run_node(&p->cmds[i]);
			fflush(NULL);
			_exit(st);
		}
		if (pids[i] < 0)
			fprintf(stderr, "sh: fork: %s\n", strerror(errno));
		if (in_fd >= 0)
			close(in_fd);
		if (fds[1] >= 0)
			close(fds[1]);
		in_fd = fds[0];
	}
	if (in_fd >= 0)
		close(in_fd);
	for (int i = 0; i < p->ncmds; i++) {
		int s;
		if (pids[i] <= 0) {
			st = 1;
			continue;
		}
		while (waitpid(pids[i], &s, 0) < 0 && errno == EINTR)
			;
		if (i == p->ncmds - 1)
			st = wait_status(s);
	}
	return p->negate ? !st : st;
}

static int run_andor_fg(struct andor *a)
{
	int st = run_pipeline(&a->pipes[0]);
	sh_status = st;
	for (int i = 1; i < a->npipes && !breaking && !continuing; i++) {
		if ((a->ops[i - 1] == T_AND && st == 0) || (a->ops[i - 1] == T_OR && st != 0)) {
			st = run_pipeline(&a->pipes[i]);
			sh_status = st;
		}
	}
	return st;
}

static int run_andor(struct andor *a)
{
	pid_t pid;
	if (!a->background)
		return run_andor_fg(a);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "sh: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		/* POSIX XCU 2.9.3: without job control, a background list ignores SIGINT and
		 * SIGQUIT and reads /dev/null instead of the terminal. */
		int fd = open("/dev/null", O_RDONLY);
		in_background = 1;
		sh_interactive = 0;
		loop_depth = 0;
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		if (fd >= 0 && fd != 0) {
			dup2(fd, 0);
			close(fd);
		}
		fflush(NULL);
		if (a->npipes == 1 && a->pipes[0].ncmds == 1 && !a->pipes[0].negate &&
		    a->pipes[0].cmds[0].type == N_SIMPLE) {
			/* A lone simple command becomes this process, so $! is its pid and
			 * "kill $!" reaches it. */
			struct xcmd x;
			expand_command(&a->pipes[0].cmds[0].simple, &x);
			exec_child(&x);
		}
		_exit(run_andor_fg(a));
	}
	sh_last_bg = pid;
	if (sh_interactive)
		fprintf(stderr, "[%d]\n", pid);
	return 0;
}

int run_list(struct list *l)
{
	int st = 0;
	for (int i = 0; i < l->n && !breaking && !continuing; i++) {
		struct arena_mark m = sh_arena_mark();
		st = run_andor(&l->items[i]);
		sh_status = st;
		sh_arena_release(m);
	}
	return st;
}

void reap_background(int report)
{
	int s;
	pid_t pid;
	while ((pid = waitpid(-1, &s, WNOHANG)) > 0)
		if (report)
			fprintf(stderr, "[%d] Done (%d)\n", pid, WIFEXITED(s) ? WEXITSTATUS(s) : 128 + WTERMSIG(s));
}
