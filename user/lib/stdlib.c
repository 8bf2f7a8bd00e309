/* Process exit, atexit, abort, assert, integers, random numbers, sorting and searching. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "libc_internal.h"

#define ATEXIT_MAX 32
static void (*atexit_fns[ATEXIT_MAX])(void);
static int atexit_n;

int atexit(void (*fn)(void))
{
	if (atexit_n == ATEXIT_MAX)
		return -1;
	atexit_fns[atexit_n++] = fn;
	return 0;
}

/* C11 7.22.4.4: atexit functions in reverse order of registration, then flush streams. */
_Noreturn void exit(int status)
{
	while (atexit_n > 0)
		atexit_fns[--atexit_n]();
	__stdio_flush_all();
	_exit(status);
}

_Noreturn void _Exit(int status) { _exit(status); }

_Noreturn void abort(void)
{
	signal(SIGABRT, SIG_DFL);
	raise(SIGABRT);
	_exit(127);
}

_Noreturn void __assert_fail(const char *expr, const char *file, int line, const char *func)
{
	fprintf(stderr, "%s:%d: %s: assertion `%s' failed\n", file, line, func, expr);
	abort();
}

int abs(int x) { return x < 0 ? -x : x; }
long labs(long x) { return x < 0 ? -x : x; }
long long llabs(long long x) { return x < 0 ? -x : x; }

/* A 64-bit LCG (Knuth MMIX constants); the top bits are returned. */
static unsigned long long rand_state = 1;
void srand(unsigned int seed) { rand_state = seed; }
int rand(void)
{
	rand_state = rand_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (int)(rand_state >> 33);
}

static void swap_bytes(char *a, char *b, size_t n)
{
	while (n--) {
		char t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

/* Quicksort, median-of-three pivot, insertion sort below 8 elements; recursion only into
 * the smaller partition so the stack stays O(log n). */
void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	char *b = base;
	while (n > 7) {
		char *lo = b, *hi = b + (n - 1) * size, *mid = b + (n / 2) * size;
		size_t i, j, left;
		if (cmp(mid, lo) < 0)
			swap_bytes(mid, lo, size);
		if (cmp(hi, mid) < 0) {
			swap_bytes(hi, mid, size);
			if (cmp(mid, lo) < 0)
				swap_bytes(mid, lo, size);
		}
		/* Pivot moves to lo; partition (Hoare) the rest. */
		swap_bytes(lo, mid, size);
		i = 0;
		j = n;
		for (;;) {
			do
				i++;
			while (i < n && cmp(b + i * size, lo) < 0);
			do
				j--;
			while (cmp(b + j * size, lo) > 0);
			if (i >= j)
				break;
			swap_bytes(b + i * size, b + j * size, size);
		}
		swap_bytes(lo, b + j * size, size);
		left = j;
		if (left < n - left - 1) {
			qsort(b, left, size, cmp);
			b += (left + 1) * size;
			n -= left + 1;
		} else {
			qsort(b + (left + 1) * size, n - left - 1, size, cmp);
			n = left;
		}
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && cmp(b + (j - 1) * size, b + j * size) > 0; j--)
			swap_bytes(b + (j - 1) * size, b + j * size, size);
}

void *bsearch(const void *key, const void *base, size_t n, size_t size,
	      int (*cmp)(const void *, const void *))
{
	const char *b = base;
	while (n > 0) {
		const char *mid = b + (n / 2) * size;
		int c = cmp(key, mid);
		if (c == 0)
			return (void *)mid;
		if (c > 0) {
			b = mid + size;
			n -= n / 2 + 1;
		} else {
			n /= 2;
		}
	}
	return NULL;
}

/* Environment.  environ starts as the array on the initial stack; the first change copies
 * it into the heap so it can grow. */
static int env_owned;

static char **env_find(const char *name, size_t len)
{
	char **e;
	if (!environ)
		return NULL;
	for (e = environ; *e; e++)
		if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
			return e;
	return NULL;
}

char *getenv(const char *name)
{
	size_t len = strlen(name);
	char **e = env_find(name, len);
	return e ? *e + len + 1 : NULL;
}

/* Entries setenv allocated, so replacing or removing one frees it (a shell assigning a
 * variable in a loop must not leak).  Entries from the initial stack or putenv are not ours. */
static char **env_mine;
static size_t env_nmine, env_capmine;

static void env_release(char *entry)
{
	for (size_t i = 0; i < env_nmine; i++)
		if (env_mine[i] == entry) {
			env_mine[i] = env_mine[--env_nmine];
			free(entry);
			return;
		}
}

static int env_remember(char *entry)
{
	if (env_nmine == env_capmine) {
		size_t nc = env_capmine ? env_capmine * 2 : 16;
		char **nm = realloc(env_mine, nc * sizeof(char *));
		if (!nm)
			return -1;
		env_mine = nm;
		env_capmine = nc;
	}
	env_mine[env_nmine++] = entry;
	return 0;
}

static int env_add(char *entry, size_t namelen)
{
	char **e = env_find(entry, namelen), **ne;
	size_t n = 0;
	if (e) {
		char *old = *e;
		*e = entry;
		env_release(old);
		return 0;
	}
	while (environ && environ[n])
		n++;
	ne = malloc((n + 2) * sizeof(char *));
	if (!ne)
		return -1;
	if (n)
		memcpy(ne, environ, n * sizeof(char *));
	ne[n] = entry;
	ne[n + 1] = NULL;
	if (env_owned)
		free(environ);
	environ = ne;
	env_owned = 1;
	return 0;
}

int setenv(const char *name, const char *value, int overwrite)
{
	size_t nl = strlen(name), vl = strlen(value);
	char *entry;
	if (nl == 0 || strchr(name, '=')) {
		errno = EINVAL;
		return -1;
	}
	if (!overwrite && getenv(name))
		return 0;
	entry = malloc(nl + vl + 2);
	if (!entry)
		return -1;
	memcpy(entry, name, nl);
	entry[nl] = '=';
	memcpy(entry + nl + 1, value, vl + 1);
	if (env_remember(entry) < 0) {
		free(entry);
		return -1;
	}
	if (env_add(entry, nl) < 0) {
		env_release(entry);
		return -1;
	}
	return 0;
}

int putenv(char *string)
{
	char *eq = strchr(string, '=');
	if (!eq || eq == string) {
		errno = EINVAL;
		return -1;
	}
	return env_add(string, (size_t)(eq - string));
}

int unsetenv(const char *name)
{
	size_t len = strlen(name);
	char **e;
	if (len == 0 || strchr(name, '=')) {
		errno = EINVAL;
		return -1;
	}
	while ((e = env_find(name, len)) != NULL) {
		char *old = *e;
		do
			e[0] = e[1];
		while (*e++);
		env_release(old);
	}
	return 0;
}
