/* rm [-r] [-f] path...: remove files; -r also directories and their contents; -f ignores
 * missing files. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int recursive, force;

static int remove_path(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (force && errno == ENOENT)
			return 0;
		fprintf(stderr, "rm: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d;
		struct dirent *e;
		int r = 0;
		if (!recursive) {
			fprintf(stderr, "rm: %s: is a directory\n", path);
			return 1;
		}
		d = opendir(path);
		if (!d) {
			fprintf(stderr, "rm: %s: %s\n", path, strerror(errno));
			return 1;
		}
		while ((e = readdir(d)) != NULL) {
			char sub[PATH_MAX];
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			if (snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) >= (int)sizeof(sub)) {
				fprintf(stderr, "rm: %s/%s: name too long\n", path, e->d_name);
				r = 1;
				continue;
			}
			r |= remove_path(sub);
		}
		closedir(d);
		if (rmdir(path) < 0) {
			fprintf(stderr, "rm: %s: %s\n", path, strerror(errno));
			return 1;
		}
		return r;
	}
	if (unlink(path) < 0) {
		fprintf(stderr, "rm: %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1, st = 0;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		for (const char *o = argv[i] + 1; *o; o++) {
			if (*o == 'r' || *o == 'R')
				recursive = 1;
			else if (*o == 'f')
				force = 1;
			else {
				fprintf(stderr, "usage: rm [-rf] path...\n");
				return 1;
			}
		}
	}
	if (i >= argc && !force) {
		fprintf(stderr, "usage: rm [-rf] path...\n");
		return 1;
	}
	for (; i < argc; i++)
		st |= remove_path(argv[i]);
	return st;
}
