/* mv SOURCE DEST, or mv SOURCE... DIRECTORY: rename(2) only (no copying across file
 * systems: STOS has one). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int move(const char *src, const char *dst)
{
	if (rename(src, dst) == 0)
		return 0;
	fprintf(stderr, "mv: cannot move '%s' to '%s': %s\n", src, dst, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct stat st;
	if (argc < 3) {
		fprintf(stderr, "usage: mv SOURCE DEST | mv SOURCE... DIRECTORY\n");
		return 2;
	}
	const char *last = argv[argc - 1];
	int isdir = stat(last, &st) == 0 && S_ISDIR(st.st_mode);
	if (argc == 3 && !isdir)
		return move(argv[1], last);
	if (!isdir) {
		fprintf(stderr, "mv: target '%s' is not a directory\n", last);
		return 1;
	}
	int r = 0;
	for (int i = 1; i < argc - 1; i++) {
		const char *base = strrchr(argv[i], '/');
		base = base ? base + 1 : argv[i];
		char path[1024];
		if (snprintf(path, sizeof(path), "%s/%s", last, base) >= (int)sizeof(path)) {
			fprintf(stderr, "mv: %s/%s: name too long\n", last, base);
			r = 1;
			continue;
		}
		r |= move(argv[i], path);
	}
	return r;
}
