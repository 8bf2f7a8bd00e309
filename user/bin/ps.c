/* ps: list processes as "PID PPID STATE COMMAND".
 *
 * The process list comes from /proc/<pid>/stat in Linux's format ("pid (comm) state ppid
 * ..."; only the first four fields are used), so the same binary works on Linux and on
 * STOS once the kernel provides those files.  Without /proc it prints only itself. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pinfo {
	int pid, ppid;
	char state;
	char comm[64];
};

/* Parse "pid (comm) S ppid": comm may hold spaces and ')' so take the last ')'. */
static int parse_stat(const char *s, struct pinfo *p)
{
	const char *open = strchr(s, '('), *close = strrchr(s, ')');
	size_t n;
	if (!open || !close || close < open || close[1] != ' ' || !close[2])
		return -1;
	p->pid = atoi(s);
	n = (size_t)(close - open - 1);
	if (n >= sizeof(p->comm))
		n = sizeof(p->comm) - 1;
	memcpy(p->comm, open + 1, n);
	p->comm[n] = 0;
	p->state = close[2];
	p->ppid = close[3] == ' ' ? atoi(close + 4) : 0;
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	return ((const struct pinfo *)a)->pid - ((const struct pinfo *)b)->pid;
}

int main(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	struct pinfo *list = NULL;
	size_t n = 0, cap = 0;

	printf("%5s %5s %s %s\n", "PID", "PPID", "S", "COMMAND");
	if (!d) {
		printf("%5d %5d %c %s\n", getpid(), getppid(), 'R', "ps");
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		char path[300], buf[512];
		struct pinfo p;
		int fd;
		ssize_t k;
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;   /* the process exited meanwhile */
		k = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (k <= 0)
			continue;
		buf[k] = 0;
		if (parse_stat(buf, &p) < 0)
			continue;
		if (n == cap) {
			struct pinfo *nl = realloc(list, (cap = cap ? cap * 2 : 64) * sizeof(*nl));
			if (!nl)
				break;
			list = nl;
		}
		list[n++] = p;
	}
	closedir(d);
	qsort(list, n, sizeof(*list), cmp_pid);
	for (size_t i = 0; i < n; i++)
		printf("%5d %5d %c %s\n", list[i].pid, list[i].ppid, list[i].state, list[i].comm);
	free(list);
	return 0;
}
