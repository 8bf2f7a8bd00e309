/* Differential printf check: prints snprintf results for thousands of generated
 * (format, value) pairs.  15-user-libc builds this file with glibc too and compares the two
 * outputs line by line, so our formatter matches glibc's for integers, strings, characters,
 * pointers and floating point (random values, exact ties, extremes). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t seed = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static void flags_width_prec(char *spec, size_t n, int allow_prec, const char *conv)
{
	static const char *const fl[] = {"", "-", "+", " ", "#", "0", "-+", "0+", "# ", "-#0"};
	char w[8] = "", p[8] = "";
	int r = (int)(rnd() % 4);
	if (r)
		snprintf(w, sizeof(w), "%d", (int)(rnd() % 25));
	if (allow_prec && rnd() % 2)
		snprintf(p, sizeof(p), ".%d", (int)(rnd() % 12));
	snprintf(spec, n, "[%%%s%s%s%s]", fl[rnd() % 10], w, p, conv);
}

int main(void)
{
	char spec[64], out[512];
	static const char *const iconv[] = {"d", "i", "u", "x", "X", "o"};
	static const char *const lconv[] = {"ld", "lu", "lx", "lld", "llX", "lo", "zu", "zd"};
	static const char *const hconv[] = {"hd", "hu", "hx", "hhd", "hhu", "hhx"};
	static const char *const fconv[] = {"f", "e", "E", "g", "G"};
	static const char *const strs[] = {"", "a", "hello", "hello, world", "tab\there"};

	for (int i = 0; i < 3000; i++) {
		int v = (int)rnd();
		if (i % 3 == 0)
			v %= 1000;
		flags_width_prec(spec, sizeof(spec), 1, iconv[rnd() % 6]);
		snprintf(out, sizeof(out), spec, v);
		printf("%s %d -> %s\n", spec, v, out);
	}
	for (int i = 0; i < 2000; i++) {
		long v = (long)rnd();
		if (i % 4 == 0)
			v >>= (rnd() % 60);
		flags_width_prec(spec, sizeof(spec), 1, lconv[rnd() % 8]);
		snprintf(out, sizeof(out), spec, v);
		printf("%s %ld -> %s\n", spec, v, out);
	}
	for (int i = 0; i < 1000; i++) {
		int v = (int)(rnd() % 200000) - 100000;
		flags_width_prec(spec, sizeof(spec), 1, hconv[rnd() % 6]);
		snprintf(out, sizeof(out), spec, v);
		printf("%s %d -> %s\n", spec, v, out);
	}
	for (int i = 0; i < 1000; i++) {
		const char *s = strs[rnd() % 5];
		int w = (int)(rnd() % 20), p = (int)(rnd() % 15);
		snprintf(out, sizeof(out), "[%*.*s|%-*s|%.*s|%c|%5c|%-3c]", w, p, s, w, s, p, s,
			 (int)('A' + rnd() % 26), 'x', 'y');
		printf("s %d %d %s -> %s\n", w, p, s, out);
	}
	for (int i = 0; i < 500; i++) {
		/* One rnd() per statement: argument evaluation order differs between compilers. */
		uint64_t bitsv = rnd();
		int shift = (int)(rnd() % 48);
		void *ptr = (void *)(uintptr_t)(bitsv >> shift);
		snprintf(out, sizeof(out), "[%p|%20p|%-20p]", ptr, ptr, ptr);
		printf("p -> %s\n", out);
	}
	/* Floating point: k/7 * 10^j has no exact decimal ties, so rounding cannot differ. */
	for (int i = 0; i < 3000; i++) {
		double v = (double)(int64_t)(rnd() % 2000001 - 1000000) / 7.0;
		int j = (int)(rnd() % 14) - 6;
		char w[8] = "", p[8] = "";
		static const char *const fl[] = {"", "-", "+", " ", "0", "#"};
		for (; j > 0; j--)
			v *= 10;
		for (; j < 0; j++)
			v /= 10;
		if (rnd() % 2)
			snprintf(w, sizeof(w), "%d", (int)(rnd() % 20));
		if (rnd() % 2)
			snprintf(p, sizeof(p), ".%d", (int)(rnd() % 7));
		{
			const char *f1 = fl[rnd() % 6];
			const char *f2 = fconv[rnd() % 5];
			snprintf(spec, sizeof(spec), "[%%%s%s%s%s]", f1, w, p, f2);
		}
		snprintf(out, sizeof(out), spec, v);
		printf("%s %.17g -> %s\n", spec, v, out);
	}
	{
		/* Exact ties (round half to even), extremes and signed zero. */
		static const double special[] = {0.5, 1.5, 2.5, -2.5, 0.125, 0.375, 1e300, 1.7976931348623157e308,
						 5e-324, 2.2250738585072014e-308, -0.0, 0.0, 100000, 1e-5, 0.0001,
						 123456789012345678.0, 9.5, 99.5, 0.05, 1e22, 1e23};
		static const char *const sf[] = {"%f", "%.0f", "%.1f", "%.2f", "%e", "%.0e", "%.3e", "%g",
						  "%.0g", "%.3g", "%#g", "%#.0f", "%.17g", "%.20e", "%+.3f"};
		for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
			for (size_t k = 0; k < sizeof(sf) / sizeof(sf[0]); k++) {
				snprintf(out, sizeof(out), sf[k], special[i]);
				printf("%s %.17g -> %s\n", sf[k], special[i], out);
			}
	}
	return 0;
}
