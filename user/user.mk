# Userland: the libc (user/lib, user/include) and the programs (user/bin), built as static
# freestanding Linux x86-64 ELF executables that run both on Linux and on STOS.
#
# Products:
#   build/user/lib/libc.a          the libc (crt0 is linked separately: build/user/lib/crt0.o)
#   build/user/bin/<prog>          one per user/bin/<prog>.c or user/bin/<prog>/ directory
#   build/user/test/<prog>         test programs from tests/user/<prog>.c
#   build/user/initrd.cpio         cpio newc archive: bin/, etc/, test/ for the kernel's -initrd
#
# `make user-clang` rebuilds all of it with clang into build/user-clang (a warnings check).

U_CC     ?= $(CC)
U_OUT    ?= $(BUILD)/user
U_IS_CLANG := $(shell $(U_CC) --version 2>/dev/null | grep -q clang && echo 1)
ifeq ($(U_IS_CLANG),1)
U_CCINC  := $(shell $(U_CC) -print-resource-dir)/include
U_CCOPT  :=
else
U_CCINC  := $(shell $(U_CC) -print-file-name=include)
# GCC recognises byte loops as memset/memcpy/strlen and calls them; inside the libc that
# would be the function calling itself.
U_CCOPT  := -fno-tree-loop-distribute-patterns
endif
U_CFLAGS := $(CSTD) $(CWARN) -ffreestanding -fno-builtin -nostdinc -isystem $(U_CCINC) \
	-Iuser/include -Iinclude -fno-stack-protector -fno-pie -fno-omit-frame-pointer \
	-O2 -g -ffunction-sections -fdata-sections -MMD -MP $(U_CCOPT)
# clang's driver ignores (and warns about) -no-pie with -static; gcc needs it.  -Werror and
# --fatal-warnings make any driver or linker warning fail the link like a compiler warning.
U_LDFLAGS := -Werror -static -nostdlib $(if $(U_IS_CLANG),,-no-pie) -Wl,--gc-sections \
	-Wl,-z,noexecstack -Wl,--fatal-warnings

U_LIB_SRCS := $(sort $(wildcard user/lib/*.c))
U_LIB_ASRCS := $(filter-out user/lib/crt0.S,$(sort $(wildcard user/lib/*.S)))
U_LIB_OBJS := $(U_LIB_SRCS:user/lib/%.c=$(U_OUT)/lib/%.o) $(U_LIB_ASRCS:user/lib/%.S=$(U_OUT)/lib/%.o)
U_CRT0     := $(U_OUT)/lib/crt0.o
U_LIBC     := $(U_OUT)/lib/libc.a

# Programs: user/bin/foo.c or user/bin/foo/*.c.
U_PROG_ONE := $(patsubst user/bin/%.c,%,$(wildcard user/bin/*.c))
U_PROG_DIR := $(patsubst user/bin/%/,%,$(sort $(dir $(wildcard user/bin/*/*.c))))
U_PROGS    := $(sort $(U_PROG_ONE) $(U_PROG_DIR))
U_BINS     := $(addprefix $(U_OUT)/bin/,$(U_PROGS))
U_TESTS    := $(patsubst tests/user/%.c,%,$(wildcard tests/user/*.c))
U_TEST_BINS := $(addprefix $(U_OUT)/test/,$(U_TESTS))
# Keep test objects (make would delete them as intermediates of the pattern rule).
.SECONDARY: $(addprefix $(U_OUT)/testobj/,$(addsuffix .o,$(U_TESTS)))
U_ETC      := $(wildcard user/etc/*)
U_INITRD   := $(U_OUT)/initrd.cpio

ALL_TARGETS += $(U_BINS) $(U_TEST_BINS) $(U_INITRD)

.PHONY: user user-clang
user: $(U_BINS) $(U_TEST_BINS) $(U_INITRD)

user-clang:
	@$(MAKE) --no-print-directory U_CC=$(CLANG) U_OUT=$(BUILD)/user-clang user

# Objects also depend on this file: a flag change here rebuilds them.
$(U_OUT)/lib/%.o: user/lib/%.c user/user.mk
	@mkdir -p $(dir $@)
	$(U_CC) $(U_CFLAGS) -c -o $@ $<

$(U_OUT)/lib/%.o: user/lib/%.S user/user.mk
	@mkdir -p $(dir $@)
	$(U_CC) $(U_CFLAGS) -c -o $@ $<

$(U_LIBC): $(U_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(U_OUT)/obj/%.o: user/bin/%.c user/user.mk
	@mkdir -p $(dir $@)
	$(U_CC) $(U_CFLAGS) -c -o $@ $<

$(U_OUT)/testobj/%.o: tests/user/%.c user/user.mk
	@mkdir -p $(dir $@)
	$(U_CC) $(U_CFLAGS) -Itests/user -c -o $@ $<

# One program: its objects (a single file or a directory of them), crt0 first, libc last.
define U_PROG_RULE
$(U_OUT)/bin/$(1): $(U_CRT0) $(patsubst user/bin/%.c,$(U_OUT)/obj/%.o,$(wildcard user/bin/$(1).c user/bin/$(1)/*.c)) $(U_LIBC)
	@mkdir -p $$(dir $$@)
	$(U_CC) $(U_LDFLAGS) -o $$@ $$^
endef
$(foreach p,$(U_PROGS),$(eval $(call U_PROG_RULE,$(p))))

$(U_OUT)/test/%: $(U_CRT0) $(U_OUT)/testobj/%.o $(U_LIBC)
	@mkdir -p $(dir $@)
	$(U_CC) $(U_LDFLAGS) -o $@ $^

# The initrd: built in a staging tree so the archive holds exactly bin/, etc/ and test/.
$(U_INITRD): $(U_BINS) $(U_TEST_BINS) $(U_ETC) user/user.mk
	@rm -rf $(U_OUT)/root
	@mkdir -p $(U_OUT)/root/bin $(U_OUT)/root/etc $(U_OUT)/root/test
	@cp $(U_BINS) $(U_OUT)/root/bin/
	@$(if $(U_TEST_BINS),cp $(U_TEST_BINS) $(U_OUT)/root/test/)
	@$(if $(U_ETC),cp $(U_ETC) $(U_OUT)/root/etc/)
	@strip --strip-debug $(U_OUT)/root/bin/* $(if $(U_TEST_BINS),$(U_OUT)/root/test/*)
	cd $(U_OUT)/root && find bin etc test | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet > ../initrd.cpio.tmp
	@mv $(U_OUT)/initrd.cpio.tmp $@

-include $(U_LIB_OBJS:.o=.d) $(U_CRT0:.o=.d) $(wildcard $(U_OUT)/obj/*.d $(U_OUT)/obj/*/*.d $(U_OUT)/testobj/*.d)
