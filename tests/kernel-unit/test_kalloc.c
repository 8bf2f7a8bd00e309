/* Host unit tests of the kernel's physical page allocator (mm/pmm.c) and kmalloc
 * (mm/kmalloc.c) over a 4 MiB arena: alignment, no overlap, contiguous runs, exhaustion,
 * counters back to zero, and double/invalid frees caught. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kalloc.h"
#include "mm/pmm.h"
#include "host_stubs.h"

#define NFRAMES 1024
static void *arena;
static uint64_t bitmap[NFRAMES / 64];

static int setup(void **state)
{
	(void)state;
	if (!arena)
		arena = aligned_alloc(PAGE_SIZE, NFRAMES * PAGE_SIZE);
	pmm_init_region(bitmap, NFRAMES, (uintptr_t)arena);
	pmm_release_range(0, NFRAMES);
	return 0;
}

static void pages_basic(void **state)
{
	(void)state;
	assert_int_equal(pmm_free_pages(), NFRAMES);
	void *a = page_alloc(), *b = page_alloc();
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_int_equal((uintptr_t)a % PAGE_SIZE, 0);
	assert_int_equal(pmm_free_pages(), NFRAMES - 2);
	memset(a, 1, PAGE_SIZE);
	memset(b, 2, PAGE_SIZE);
	page_free(a);
	page_free(b);
	assert_int_equal(pmm_free_pages(), NFRAMES);
}

static void pages_runs_and_exhaustion(void **state)
{
	(void)state;
	char *run = pages_alloc(16);
	assert_non_null(run);
	memset(run, 0x5a, 16 * PAGE_SIZE);   /* contiguous: all 16 pages are ours */
	void *all[NFRAMES];
	int n = 0;
	while ((all[n] = page_alloc()) != NULL)
		n++;
	assert_int_equal(n, NFRAMES - 16);
	assert_null(pages_alloc(2));
	assert_int_equal(pmm_free_pages(), 0);
	for (int i = 0; i < n; i += 2)
		page_free(all[i]);
	assert_null(pages_alloc(2));          /* every other page free: no run of two */
	for (int i = 1; i < n; i += 2)
		page_free(all[i]);
	pages_free(run, 16);
	assert_int_equal(pmm_free_pages(), NFRAMES);
	assert_null(pages_alloc(0));
	assert_null(pages_alloc(NFRAMES + 1));
}

static void pages_double_free_panics(void **state)
{
	(void)state;
	void *a = page_alloc();
	page_free(a);
	assert_true(expect_panic(page_free(a)));
	assert_non_null(strstr(panic_msg, "double free"));
	assert_true(expect_panic(page_free((char *)arena + 12)));
	assert_int_equal(pmm_free_pages(), NFRAMES);
}

static void kmalloc_sizes_no_overlap(void **state)
{
	(void)state;
	struct kalloc_stats st0, st;
	kalloc_stats(&st0);
	enum { N = 300 };
	unsigned char *p[N];
	size_t sz[N];
	for (int i = 0; i < N; i++) {
		sz[i] = (size_t)(i * 37 % 5000) + 1;
		p[i] = kmalloc(sz[i]);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % 16, 0);
		memset(p[i], i & 0xff, sz[i]);
	}
	for (int i = 0; i < N; i++)
		for (size_t k = 0; k < sz[i]; k++)
			assert_int_equal(p[i][k], i & 0xff);
	kalloc_stats(&st);
	assert_int_equal(st.kmalloc_objs, st0.kmalloc_objs + N);
	for (int i = 0; i < N; i++)
		kfree(p[i]);
	kalloc_stats(&st);
	assert_int_equal(st.kmalloc_objs, st0.kmalloc_objs);
	assert_int_equal(st.kmalloc_bytes, st0.kmalloc_bytes);
	assert_int_equal(pmm_free_pages(), NFRAMES);   /* empty slabs went back */
}

static void kzalloc_zeroes(void **state)
{
	(void)state;
	unsigned char *a = kmalloc(100);
	memset(a, 0xee, 100);
	kfree(a);
	unsigned char *b = kzalloc(100);
	for (int i = 0; i < 100; i++)
		assert_int_equal(b[i], 0);
	kfree(b);
	kfree(NULL);
}

static void kmalloc_failure_counted(void **state)
{
	(void)state;
	struct kalloc_stats st0, st;
	kalloc_stats(&st0);
	assert_null(kmalloc((size_t)NFRAMES * PAGE_SIZE));
	assert_null(kmalloc((size_t)1 << 40));
	kalloc_stats(&st);
	assert_int_equal(st.kmalloc_fails, st0.kmalloc_fails + 2);
	assert_int_equal(st.kmalloc_objs, st0.kmalloc_objs);
}

static void kfree_double_and_invalid(void **state)
{
	(void)state;
	struct kalloc_stats st0, st;
	kalloc_stats(&st0);
	char *keep = kmalloc(64);          /* keeps the slab alive so the second free sees it */
	char *a = kmalloc(64);
	kfree(a);
	assert_true(expect_panic(kfree(a)));
	assert_non_null(strstr(panic_msg, "double free"));
	assert_true(expect_panic(kfree(keep + 8)));
	assert_non_null(strstr(panic_msg, "inside an object"));
	char *big = kmalloc(10000);
	kfree(big);
	assert_true(expect_panic(kfree(big)));
	kalloc_stats(&st);
	assert_int_equal(st.double_frees, st0.double_frees + 3);
	kfree(keep);
	assert_int_equal(pmm_free_pages(), NFRAMES);
}

static void kmalloc_random_stress(void **state)
{
	(void)state;
	enum { SLOTS = 64 };
	unsigned char *p[SLOTS] = { 0 };
	size_t sz[SLOTS] = { 0 };
	unsigned seed = 12345;
	for (int op = 0; op < 20000; op++) {
		seed = seed * 1103515245 + 12345;
		int i = (seed >> 8) % SLOTS;
		if (p[i]) {
			for (size_t k = 0; k < sz[i]; k++)
				assert_int_equal(p[i][k], (unsigned char)(i + sz[i]));
			kfree(p[i]);
			p[i] = NULL;
		} else {
			sz[i] = (seed >> 16) % 3000 + 1;
			p[i] = kmalloc(sz[i]);
			assert_non_null(p[i]);
			memset(p[i], (unsigned char)(i + sz[i]), sz[i]);
		}
	}
	for (int i = 0; i < SLOTS; i++)
		kfree(p[i]);
	assert_int_equal(pmm_free_pages(), NFRAMES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(pages_basic, setup),
		cmocka_unit_test_setup(pages_runs_and_exhaustion, setup),
		cmocka_unit_test_setup(pages_double_free_panics, setup),
		cmocka_unit_test_setup(kmalloc_sizes_no_overlap, setup),
		cmocka_unit_test_setup(kzalloc_zeroes, setup),
		cmocka_unit_test_setup(kmalloc_failure_counted, setup),
		cmocka_unit_test_setup(kfree_double_and_invalid, setup),
		cmocka_unit_test_setup(kmalloc_random_stress, setup),
	};
	return cmocka_run_group_tests_name("kalloc", tests, NULL, NULL);
}
