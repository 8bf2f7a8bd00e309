/* Host unit tests of the ELF64 validator the exec path trusts (proc/elf.c): a good image,
 * a real program from the user build, and every way a header can lie. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "elf.h"
#include <stos/errno.h>

#define USER_TOP 0x00007ffffffff000ULL

struct img {
	struct elf64_ehdr eh;
	struct elf64_phdr ph[2];
	unsigned char code[256];
};

static struct img good(void)
{
	struct img m;
	memset(&m, 0, sizeof m);
	memcpy(m.eh.e_ident, "\x7f" "ELF\x02\x01\x01", 7);
	m.eh.e_type = ET_EXEC;
	m.eh.e_machine = EM_X86_64;
	m.eh.e_version = 1;
	m.eh.e_entry = 0x401000;
	m.eh.e_phoff = offsetof(struct img, ph);
	m.eh.e_ehsize = sizeof m.eh;
	m.eh.e_phentsize = sizeof(struct elf64_phdr);
	m.eh.e_phnum = 2;
	m.ph[0] = (struct elf64_phdr){ PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x400000,
				       sizeof m, 0x1100, 0x1000 };
	m.ph[1] = (struct elf64_phdr){ PT_LOAD, PF_R | PF_W, 0, 0x600000, 0x600000, 16, 0x5000, 0x1000 };
	return m;
}

static int check(struct img *m, size_t len)
{
	uint64_t lo = 0, hi = 0;
	return elf_check(m, len, USER_TOP, &lo, &hi);
}

static void accepts_good(void **state)
{
	(void)state;
	struct img m = good();
	uint64_t lo, hi;
	assert_int_equal(elf_check(&m, sizeof m, USER_TOP, &lo, &hi), 0);
	assert_int_equal(lo, 0x400000);
	assert_int_equal(hi, 0x605000);
}

static void accepts_real_program(void **state)
{
	(void)state;
	FILE *f = fopen("build/user/bin/true", "rb");
	if (!f)
		skip();
	static unsigned char buf[4 << 20];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	uint64_t lo, hi;
	assert_int_equal(elf_check(buf, n, USER_TOP, &lo, &hi), 0);
	assert_true(lo >= 0x1000 && hi > lo);
	/* Every truncation of it is rejected or still self-consistent, never a crash. */
	for (size_t cut = 0; cut < n; cut += n / 97 + 1)
		(void)elf_check(buf, cut, USER_TOP, &lo, &hi);
}

static void rejects_bad_headers(void **state)
{
	(void)state;
	struct img m;
	m = good(); m.eh.e_ident[0] = 0;            assert_int_equal(check(&m, sizeof m), -ENOEXEC);
	m = good(); m.eh.e_ident[4] = 1;            assert_int_equal(check(&m, sizeof m), -ENOEXEC);
	m = good(); m.eh.e_ident[5] = 2;            assert_int_equal(check(&m, sizeof m), -ENOEXEC);
	m = good(); m.eh.e_machine = 3;             assert_int_equal(check(&m, sizeof m), -ENOEXEC);
	m = good(); m.eh.e_type = ET_DYN;           assert_int_equal(check(&m, sizeof m), -ENOEXEC);
	m = good(); m.eh.e_phnum = 0;               assert_int_equal(check(&m, sizeof m), -ENOEXEC);
	m = good(); m.eh.e_phnum = 1000;            assert_int_equal(check(&m, sizeof m), -ENOEXEC);
	m = good(); m.eh.e_phentsize = 32;          assert_int_equal(check(&m, sizeof m), -ENOEXEC);
	m = good(); m.eh.e_phoff = sizeof m;        assert_int_equal(check(&m, sizeof m), -ENOEXEC);
	m = good(); m.eh.e_phoff = ~0ULL - 8;       assert_int_equal(check(&m, sizeof m), -ENOEXEC);
	m = good();                                  assert_int_equal(check(&m, 20), -ENOEXEC);
	assert_int_equal(elf_check(NULL, 0, USER_TOP, NULL, NULL), -ENOEXEC);
}

static void rejects_bad_segments(void **state)
{
	(void)state;
	struct img m;
	m = good(); m.ph[1].p_filesz = 0x6000;             assert_int_equal(check(&m, sizeof m), -ENOEXEC);
	m = good(); m.ph[0].p_offset = sizeof m;           assert_int_equal(check(&m, sizeof m), -ENOEXEC);
	m = good(); m.ph[0].p_offset = ~0ULL;              assert_int_equal(check(&m, sizeof m), -ENOEXEC);
	m = good(); m.ph[1].p_vaddr = 0xffffffff80000000ULL; assert_int_equal(check(&m, sizeof m), -EINVAL);
	m = good(); m.ph[1].p_vaddr = USER_TOP - 0x1000;   assert_int_equal(check(&m, sizeof m), -EINVAL);
	m = good(); m.ph[1].p_memsz = ~0ULL - 0x1000;      assert_int_equal(check(&m, sizeof m), -EINVAL);
	m = good(); m.ph[1].p_vaddr = 0; m.ph[1].p_paddr = 0;
	assert_int_equal(check(&m, sizeof m), -EINVAL);        /* page 0 stays unmapped */
	m = good(); m.eh.e_entry = 0x600000;               assert_int_equal(check(&m, sizeof m), -ENOEXEC);
	m = good(); m.eh.e_entry = 0x300000;               assert_int_equal(check(&m, sizeof m), -ENOEXEC);
	m = good(); m.ph[1].p_type = PT_INTERP;            assert_int_equal(check(&m, sizeof m), -ENOEXEC);
	m = good(); m.ph[0].p_type = 6; m.ph[1].p_type = 6; assert_int_equal(check(&m, sizeof m), -ENOEXEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_good),
		cmocka_unit_test(accepts_real_program),
		cmocka_unit_test(rejects_bad_headers),
		cmocka_unit_test(rejects_bad_segments),
	};
	return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
