/* head [-n N] [file...]: print the first N lines (default 10). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void head(FILE *f, long n)
{
	int c;
	while (n > 0 && (c = getc(f)) != EOF) {
		putchar(c);
		if (c == '\n')
			n--;
	}
}

int main(int argc, char **argv)
{
	long n = 10;
	int c, err = 0;
	if (argc > 1 && argv[1][0] == '-' && argv[1][1] >= '0' && argv[1][1] <= '9') {
		/* The historical form "head -5". */
		n = strtol(argv[1] + 1, NULL, 10);
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c != 'n') {
			fprintf(stderr, "usage: head [-n lines] [file...]\n");
			return 2;
		}
		n = strtol(optarg, NULL, 10);
	}
	if (optind == argc)
		head(stdin, n);
	for (int i = optind; i < argc; i++) {
		FILE *f = fopen(argv[i], "r");
		if (!f) {
			perror(argv[i]);
			err = 1;
			continue;
		}
		if (argc - optind > 1)
			printf("%s==> %s <==\n", i > optind ? "\n" : "", argv[i]);
		head(f, n);
		fclose(f);
	}
	return err;
}
