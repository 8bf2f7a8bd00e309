/* Minimal TAP output for the user-space test programs (CONTRIBUTING.md: "ok N - what"). */
#ifndef TESTS_USER_TAP_H
#define TESTS_USER_TAP_H
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline void tap_result(int ok, const char *what)
{
	tap_n++;
	if (!ok)
		tap_failed++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", tap_n, what);
	fflush(stdout);
}

#define CHECK(cond, what) tap_result((cond) ? 1 : 0, (what))

/* Compare a produced string with the expected one; show both on failure. */
#define CHECK_STR(got, want, what)                                                         \
	do {                                                                               \
		const char *g_ = (got), *w_ = (want);                                      \
		int ok_ = g_ && strcmp(g_, w_) == 0;                                       \
		if (!ok_)                                                                  \
			printf("# got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)", w_);     \
		tap_result(ok_, (what));                                                   \
	} while (0)

static inline int tap_done(void)
{
	printf("# %d tests, %d failed\n", tap_n, tap_failed);
	return tap_failed ? 1 : 0;
}
#endif
