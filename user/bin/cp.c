/* cp src dst, cp src... dir: copy regular files. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int copy(const char *src, const char *dst)
{
	static char buf[16384];
	struct stat st;
	int in = open(src, O_RDONLY), out, r = 0;
	ssize_t n;
	if (in < 0 || fstat(in, &st) < 0) {
		fprintf(stderr, "cp: %s: %s\n", src, strerror(errno));
		if (in >= 0)
			close(in);
		return 1;
	}
	if (S_ISDIR(st.st_mode)) {
		fprintf(stderr, "cp: %s: is a directory\n", src);
		close(in);
		return 1;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, st.st_mode & 0777);
	if (out < 0) {
		fprintf(stderr, "cp: %s: %s\n", dst, strerror(errno));
		close(in);
		return 1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0) {
				fprintf(stderr, "cp: %s: %s\n", dst, strerror(errno));
				r = 1;
				goto done;
			}
			off += w;
		}
	if (n < 0) {
		fprintf(stderr, "cp: %s: %s\n", src, strerror(errno));
		r = 1;
	}
done:
	close(in);
	if (close(out) < 0)
		r = 1;
	return r;
}

int main(int argc, char **argv)
{
	struct stat st;
	const char *dst;
	int r = 0;
	if (argc < 3) {
		fprintf(stderr, "usage: cp src dst | cp src... dir\n");
		return 1;
	}
	dst = argv[argc - 1];
	if (stat(dst, &st) == 0 && S_ISDIR(st.st_mode)) {
		for (int i = 1; i < argc - 1; i++) {
			char path[PATH_MAX];
			const char *base = strrchr(argv[i], '/');
			base = base ? base + 1 : argv[i];
			snprintf(path, sizeof(path), "%s/%s", dst, base);
			r |= copy(argv[i], path);
		}
		return r;
	}
	if (argc != 3) {
		fprintf(stderr, "cp: %s: not a directory\n", dst);
		return 1;
	}
	return copy(argv[1], dst);
}
