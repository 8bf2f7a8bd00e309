/* cat [file...]: copy files (or stdin, also for "-") to stdout. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int copy(int fd, const char *name)
{
	static char buf[16384];
	ssize_t n;
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(1, buf + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				fprintf(stderr, "cat: write: %s\n", strerror(errno));
				return 1;
			}
			off += w;
		}
	}
	if (n < 0) {
		fprintf(stderr, "cat: %s: %s\n", name, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int st = 0;
	if (argc < 2)
		return copy(0, "stdin");
	for (int i = 1; i < argc; i++) {
		int fd;
		if (strcmp(argv[i], "-") == 0) {
			st |= copy(0, "stdin");
			continue;
		}
		fd = open(argv[i], O_RDONLY);
		if (fd < 0) {
			fprintf(stderr, "cat: %s: %s\n", argv[i], strerror(errno));
			st = 1;
			continue;
		}
		st |= copy(fd, argv[i]);
		close(fd);
	}
	return st;
}
