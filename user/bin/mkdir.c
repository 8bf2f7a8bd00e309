/* mkdir [-p] dir...: create directories; -p also creates missing parents and accepts
 * existing directories. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int make_parents(const char *path)
{
	char buf[PATH_MAX];
	struct stat st;
	size_t n = strlen(path);
	if (n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || !*p) {
			char c = *p;
			*p = 0;
			if (mkdir(buf, 0777) < 0 && (errno != EEXIST || stat(buf, &st) < 0 || !S_ISDIR(st.st_mode))) {
				if (errno == EEXIST)
					errno = ENOTDIR;
				return -1;
			}
			*p = c;
			if (!c)
				return 0;
		}
	}
}

int main(int argc, char **argv)
{
	int i = 1, parents = 0, st = 0;
	if (i < argc && strcmp(argv[i], "-p") == 0)
		parents = 1, i++;
	if (i >= argc) {
		fprintf(stderr, "usage: mkdir [-p] dir...\n");
		return 1;
	}
	for (; i < argc; i++)
		if ((parents ? make_parents(argv[i]) : mkdir(argv[i], 0777)) < 0) {
			fprintf(stderr, "mkdir: %s: %s\n", argv[i], strerror(errno));
			st = 1;
		}
	return st;
}
