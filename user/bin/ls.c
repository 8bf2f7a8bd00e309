/* ls [-l] [-a] [-1] [path...]: list directories (sorted by name) and files: in columns on a
 * terminal, one per line otherwise or with -1.  -l: mode, links, owner, group, size,
 * modification time (UTC); -a: include names starting with '.'. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static int opt_long, opt_all, opt_one, status;

/* On a terminal, short listings go in columns, filled down then across (like ls -C). */
static void print_columns(char **names, size_t n)
{
	struct winsize ws;
	size_t w = 0, width = 80, cols, rows;
	if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		width = ws.ws_col;
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i]) > w)
			w = strlen(names[i]);
	w += 2;
	cols = width / w ? width / w : 1;
	rows = (n + cols - 1) / cols;
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < cols; c++) {
			size_t i = c * rows + r;
			if (i >= n)
				break;
			if (c + 1 < cols && i + rows < n)
				printf("%-*s", (int)w, names[i]);
			else
				printf("%s", names[i]);
		}
		printf("\n");
	}
}

static void mode_string(mode_t m, char *s)
{
	static const char *rwx = "rwxrwxrwx";
	s[0] = S_ISDIR(m) ? 'd' : S_ISCHR(m) ? 'c' : S_ISFIFO(m) ? 'p' : S_ISSOCK(m) ? 's' :
	       S_ISLNK(m) ? 'l' : '-';
	for (int i = 0; i < 9; i++)
		s[i + 1] = (m & (0400 >> i)) ? rwx[i] : '-';
	s[10] = 0;
}

static void print_entry(const char *path, const char *name)
{
	static const char *mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct stat st;
	struct tm tm;
	char ms[11];
	if (!opt_long) {
		printf("%s\n", name);
		return;
	}
	if (lstat(path, &st) < 0) {
		fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
		status = 1;
		return;
	}
	mode_string(st.st_mode, ms);
	gmtime_r(&st.st_mtim.tv_sec, &tm);
	printf("%s %3lu %4u %4u %8ld %s %2d %02d:%02d %s\n", ms, (unsigned long)st.st_nlink,
	       st.st_uid, st.st_gid, (long)st.st_size, mon[tm.tm_mon % 12], tm.tm_mday,
	       tm.tm_hour, tm.tm_min, name);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!d) {
		fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
		status = 1;
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && !opt_all)
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(char *));
			if (!nn)
				break;
			names = nn;
		}
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(char *), cmp_names);
	if (!opt_long && !opt_one && isatty(1)) {
		print_columns(names, n);
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char full[PATH_MAX];
		snprintf(full, sizeof(full), "%s/%s", path, names[i]);
		print_entry(full, names[i]);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	int c, nargs;
	while ((c = getopt(argc, argv, "la1")) != -1) {
		if (c == 'l')
			opt_long = 1;
		else if (c == 'a')
			opt_all = 1;
		else if (c == '1')
			opt_one = 1;
		else {
			fprintf(stderr, "usage: ls [-la] [path...]\n");
			return 2;
		}
	}
	nargs = argc - optind;
	if (nargs == 0)
		list_dir(".");
	for (int i = optind; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "ls: %s: %s\n", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (nargs > 1)
				printf("%s%s:\n", i > optind ? "\n" : "", argv[i]);
			list_dir(argv[i]);
		} else {
			print_entry(argv[i], argv[i]);
		}
	}
	return status;
}
