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

static const struct {
	const char *name;
	int (*fn)(char **argv, int argc);
} builtins[] = {
	{"cd", bi_cd}, {"exit", bi_exit}, {"export", bi_export}, {"unset", bi_unset},
	{"pwd", bi_pwd}, {"wait", bi_wait}, {"shift", bi_shift}, {":", bi_colon},
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

static int run_pipeline(struct pipeline *p)
{
	struct xcmd *x = sh_alloc((size_t)p->ncmds * sizeof(*x));
	pid_t *pids = sh_alloc((size_t)p->ncmds * sizeof(pid_t));
	int in_fd = -1, st = 0;

	for (int i = 0; i < p->ncmds; i++)
		expand_command(&p->cmds[i], &x[i]);

	if (p->ncmds == 1 && x[0].argc > 0 && strcmp(x[0].argv[0], "exec") == 0) {
		/* exec: redirections stay in effect for the shell; with a command, the shell
		 * becomes it (XCU 2.14 exec). */
		set_assignments(&x[0]);
		if (apply_redirs(&x[0], NULL) < 0)
			return 1;
		if (x[0].argc == 1)
			return 0;
		x[0].argv++;
		x[0].argc--;
		x[0].nredirs = 0;
		fflush(NULL);
		exec_child(&x[0]);
	}
	if (p->ncmds == 1 && (x[0].argc == 0 || find_builtin(x[0].argv[0]))) {
		/* Builtins and bare assignments run in the shell itself, so cd and exit work. */
		int *save = sh_alloc((size_t)(x[0].nredirs + 1) * sizeof(int));
		set_assignments(&x[0]);
		if (apply_redirs(&x[0], save) < 0) {
			st = 1;
		} else if (x[0].argc > 0) {
			st = find_builtin(x[0].argv[0])(x[0].argv, x[0].argc);
		}
		fflush(NULL);
		undo_redirs(&x[0], save, x[0].nredirs);
		return p->negate ? !st : st;
	}

	fflush(NULL);
	for (int i = 0; i < p->ncmds; i++) {
		int fds[2] = {-1, -1};
		if (i + 1 < p->ncmds && pipe2(fds, O_CLOEXEC) < 0) {
			fprintf(stderr, "sh: pipe: %s\n", strerror(errno));
			st = 1;
			pids[i] = -1;
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
			exec_child(&x[i]);
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

static int run_list(struct andor *a)
{
	int st = run_pipeline(&a->pipes[0]);
	sh_status = st;
	for (int i = 1; i < a->npipes; i++) {
		if ((a->ops[i - 1] == T_AND && st == 0) || (a->ops[i - 1] == T_OR && st != 0)) {
			st = run_pipeline(&a->pipes[i]);
			sh_status = st;
		}
	}
	return st;
}

int run_andor(struct andor *a)
{
	pid_t pid;
	if (!a->background)
		return run_list(a);
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
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		if (fd >= 0 && fd != 0) {
			dup2(fd, 0);
			close(fd);
		}
		fflush(NULL);
		_exit(run_list(a));
	}
	sh_last_bg = pid;
	if (sh_interactive)
		fprintf(stderr, "[%d]\n", pid);
	return 0;
}

void reap_background(int report)
{
	int s;
	pid_t pid;
	while ((pid = waitpid(-1, &s, WNOHANG)) > 0)
		if (report)
			fprintf(stderr, "[%d] Done (%d)\n", pid, WIFEXITED(s) ? WEXITSTATUS(s) : 128 + WTERMSIG(s));
}
