/* kill [-SIGNAL | -s SIGNAL | -l] pid...: send a signal (default TERM); signals by
 * number or name (with or without "SIG"). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	int num;
} sigs[] = {
	{"HUP", SIGHUP}, {"INT", SIGINT}, {"QUIT", SIGQUIT}, {"ILL", SIGILL}, {"TRAP", SIGTRAP},
	{"ABRT", SIGABRT}, {"BUS", SIGBUS}, {"FPE", SIGFPE}, {"KILL", SIGKILL},
	{"USR1", SIGUSR1}, {"SEGV", SIGSEGV}, {"USR2", SIGUSR2}, {"PIPE", SIGPIPE},
	{"ALRM", SIGALRM}, {"TERM", SIGTERM}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},
	{"STOP", SIGSTOP}, {"TSTP", SIGTSTP},
};

static int parse_signal(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s && !*end)
		return v >= 0 && v < 65 ? (int)v : -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (strcasecmp(s, sigs[i].name) == 0)
			return sigs[i].num;
	return -1;
}

int main(int argc, char **argv)
{
	int sig = SIGTERM, i = 1, st = 0;
	if (i < argc && strcmp(argv[i], "-l") == 0) {
		for (size_t k = 0; k < sizeof(sigs) / sizeof(sigs[0]); k++)
			printf("%2d %s\n", sigs[k].num, sigs[k].name);
		return 0;
	}
	if (i < argc && strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
		sig = parse_signal(argv[i + 1]);
		i += 2;
	} else if (i < argc && argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "--") != 0 &&
		   !(argv[i][1] >= '0' && argv[i][1] <= '9' && argc == 2)) {
		sig = parse_signal(argv[i] + 1);
		i++;
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (sig < 0 || i >= argc) {
		fprintf(stderr, "usage: kill [-SIGNAL | -s SIGNAL | -l] pid...\n");
		return 1;
	}
	for (; i < argc; i++) {
		char *end;
		long pid = strtol(argv[i], &end, 10);
		if (!*argv[i] || *end) {
			fprintf(stderr, "kill: %s: not a process id\n", argv[i]);
			st = 1;
			continue;
		}
		if (kill((pid_t)pid, sig) < 0) {
			fprintf(stderr, "kill: (%ld): %s\n", pid, strerror(errno));
			st = 1;
		}
	}
	return st;
}
