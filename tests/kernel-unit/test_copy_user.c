/* Host unit tests of the kernel's copy routines (arch/x86_64/copy_user.S), assembled for the
 * host with its memcpy renamed kcopy_memcpy.
 *
 * copyin/copyout check a user range before copying (mm/uaccess.c), so in STOS a copy that
 * faults needs a mapping to vanish between the check and the copy, which no test can arrange.
 * Here the second line of defence is tested on its own: a buffer ends at a PROT_NONE page,
 * and this program's SIGSEGV handler does what the kernel's trap handler does (trap.c fixup):
 * it looks the faulting instruction up in the __ex_table section the assembler built and
 * resumes at its fixup, or fails the test when the instruction is not listed.  Every listed
 * instruction (the 64-byte loop's eight loads and eight stores, rep movsq, rep movsb) must
 * fault at least once, on the source or the destination side, and copy_user_raw must return
 * -EFAULT (-14) exactly when the range reaches the guard page, 0 otherwise.  memcpy and
 * copy_user_raw are also checked against the C library for every length to 300 and every
 * alignment to 7. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include <cmocka.h>

long copy_user_raw(void *dst, const void *src, size_t n);
void *kcopy_memcpy(void *dst, const void *src, size_t n);

struct extable_entry {
	uint64_t insn, fixup;
};
/* The linker's bounds of the section (its name is a C identifier). */
extern const struct extable_entry __start___ex_table[], __stop___ex_table[];

#define NENT ((size_t)(__stop___ex_table - __start___ex_table))
static unsigned hits[64];
static sigjmp_buf stray_env;            /* where a fault outside the table goes */
static volatile uint64_t stray_rip;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ctx;
	uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	for (size_t i = 0; i < NENT; i++) {
		if (__start___ex_table[i].insn == rip) {
			hits[i]++;
			uc->uc_mcontext.gregs[REG_RIP] = (greg_t)__start___ex_table[i].fixup;
			return;
		}
	}
	/* A fault outside the table: what the kernel would panic on. */
	stray_rip = rip;
	siglongjmp(stray_env, 1);
}

static uint8_t *area;       /* two pages: the first read-write, the second PROT_NONE */
static long pagesz;

static int setup(void **state)
{
	(void)state;
	pagesz = sysconf(_SC_PAGESIZE);
	area = mmap(NULL, (size_t)pagesz * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (area == MAP_FAILED || mprotect(area + pagesz, (size_t)pagesz, PROT_NONE) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	munmap(area, (size_t)pagesz * 2);
	return 0;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 31 + seed);
}

static void test_copies_match_libc(void **state)
{
	(void)state;
	static uint8_t src[512 + 8], dst[512 + 8 + 64], want[512 + 8 + 64];
	fill(src, sizeof src, 7);
	for (size_t n = 0; n <= 300; n++) {
		for (unsigned sa = 0; sa < 8; sa++) {
			for (unsigned da = 0; da < 8; da++) {
				memset(dst, 0xee, sizeof dst);
				memset(want, 0xee, sizeof want);
				memcpy(want + da, src + sa, n);
				assert_ptr_equal(kcopy_memcpy(dst + da, src + sa, n), dst + da);
				assert_memory_equal(dst, want, sizeof dst);
				memset(dst, 0xee, sizeof dst);
				assert_int_equal(copy_user_raw(dst + da, src + sa, n), 0);
				assert_memory_equal(dst, want, sizeof dst);
			}
		}
	}
	/* A few pages' worth, odd length. */
	size_t big = 3 * 4096 + 13;
	uint8_t *a = malloc(big), *b = malloc(big);
	assert_non_null(a);
	assert_non_null(b);
	fill(a, big, 3);
	assert_int_equal(copy_user_raw(b, a, big), 0);
	assert_memory_equal(a, b, big);
	free(a);
	free(b);
}

/* Copies n bytes with one side ending k bytes before the guard page: -EFAULT when it would
 * reach it (n > k), 0 (and the right bytes) otherwise. */
static void one(size_t k, size_t n, int src_side)
{
	static uint8_t other[512];
	uint8_t *edge = area + pagesz - k;
	fill(other, sizeof other, 5);
	fill(area + pagesz - 256, 256, 9);
	if (sigsetjmp(stray_env, 1))
		fail_msg("a fault at %#llx, which the exception table does not list (%s side, "
		    "%zu bytes, %zu before the guard)", (unsigned long long)stray_rip,
		    src_side ? "source" : "destination", n, k);
	long r = src_side ? copy_user_raw(other, edge, n) : copy_user_raw(edge, other, n);
	if (n > k) {
		assert_int_equal(r, -14);
	} else {
		assert_int_equal(r, 0);
		assert_memory_equal(src_side ? other : edge, src_side ? edge : other, n);
	}
}

static void test_faults_resume_at_the_fixup(void **state)
{
	(void)state;
	assert_true(NENT > 0 && NENT <= sizeof hits / sizeof hits[0]);
	memset(hits, 0, sizeof hits);
	/* Installed here: cmocka sets its own handlers around each test. */
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGSEGV, &sa, &old), 0);
	for (int side = 0; side < 2; side++) {
		/* The loop (n >= 64): each of its eight loads and stores reaches the guard in
		 * the first turn for some k, aligned or not. */
		for (size_t k = 0; k <= 64; k++)
			one(k, 200, side);
		/* rep movsq (8 <= n < 64) and rep movsb (n < 8), alone and after a turn. */
		for (size_t n = 1; n < 64; n++)
			for (size_t k = 0; k <= n; k++)
				one(k, n, side);
		for (size_t k = 64; k <= 128; k++)
			one(k, 127, side);
	}
	assert_int_equal(sigaction(SIGSEGV, &old, NULL), 0);
	/* Every instruction listed was the one that faulted at least once. */
	for (size_t i = 0; i < NENT; i++) {
		if (!hits[i])
			fail_msg("exception-table entry %zu (instruction %#llx) never faulted", i,
			    (unsigned long long)__start___ex_table[i].insn);
	}
	/* The loop's 16 moves, rep movsq and rep movsb. */
	assert_int_equal(NENT, 18);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copies_match_libc),
		cmocka_unit_test(test_faults_resume_at_the_fixup),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
