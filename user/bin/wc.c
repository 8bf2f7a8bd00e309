/* wc [-lwc] [file...]: count lines, words and bytes. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int opt_l, opt_w, opt_c;

static void show(long l, long w, long c, const char *name)
{
	if (opt_l)
		printf("%7ld", l);
	if (opt_w)
		printf(" %7ld", w);
	if (opt_c)
		printf(" %7ld", c);
	if (name)
		printf(" %s", name);
	printf("\n");
}

static void count(FILE *f, long *l, long *w, long *c)
{
	int ch, inword = 0;
	*l = *w = *c = 0;
	while ((ch = getc(f)) != EOF) {
		(*c)++;
		if (ch == '\n')
			(*l)++;
		if (isspace(ch))
			inword = 0;
		else if (!inword)
			inword = 1, (*w)++;
	}
}

int main(int argc, char **argv)
{
	int c, err = 0, files;
	long tl = 0, tw = 0, tc = 0;
	while ((c = getopt(argc, argv, "lwc")) != -1) {
		if (c == 'l')
			opt_l = 1;
		else if (c == 'w')
			opt_w = 1;
		else if (c == 'c')
			opt_c = 1;
		else
			return 2;
	}
	if (!opt_l && !opt_w && !opt_c)
		opt_l = opt_w = opt_c = 1;
	files = argc - optind;
	if (files == 0) {
		long l, w, n;
		count(stdin, &l, &w, &n);
		show(l, w, n, NULL);
		return 0;
	}
	for (int i = optind; i < argc; i++) {
		long l, w, n;
		FILE *f = fopen(argv[i], "r");
		if (!f) {
			perror(argv[i]);
			err = 1;
			continue;
		}
		count(f, &l, &w, &n);
		fclose(f);
		show(l, w, n, argv[i]);
		tl += l, tw += w, tc += n;
	}
	if (files > 1)
		show(tl, tw, tc, "total");
	return err;
}
