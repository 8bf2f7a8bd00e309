/* Replays fuzz inputs through LLVMFuzzerTestOneInput without libFuzzer (built with gcc and
 * ASan+UBSan for `make test`): one TAP line per file.  A crash, a sanitizer report or a leak
 * (the target aborts) ends the program with a non-zero status. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	int failed = 0;
	printf("1..%d\n", argc - 1);
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf = NULL;
		long n = 0;
		if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
		    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) &&
		    fread(buf, 1, (size_t)n, f) == (size_t)n) {
			LLVMFuzzerTestOneInput(buf, (size_t)n);
			printf("ok %d - %s (%ld bytes)\n", i, argv[i], n);
		} else {
			printf("not ok %d - %s: cannot read\n", i, argv[i]);
			failed = 1;
		}
		fflush(stdout);
		free(buf);
		if (f)
			fclose(f);
	}
	return failed;
}
