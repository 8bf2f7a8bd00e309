# The STOS kernel: build/kernel/stos.elf (ELF64, for gdb and addr2line) and
# build/kernel/stos.elf32 (the same image as ELF32, which QEMU's multiboot -kernel loader
# needs).  Sources: every .c/.S under kernel/ (kernel/fs/ included; F owns it), minus
# K_EXCLUDE (patterns, for building around someone's unfinished file:
# `make K_EXCLUDE=kernel/dev/foo%`).  Also: the system-test initrd and the host unit tests
# (below).  `make CC=clang K_OUT=build/kernel-clang build/kernel-clang/stos.elf32` builds
# the kernel with clang.
K_DIR   := kernel
K_OUT   := $(BUILD)/kernel
K_SRCS  := $(shell find $(K_DIR) \( -name '*.c' -o -name '*.S' \) -print | sort)
K_SRCS  := $(filter-out $(K_EXCLUDE),$(K_SRCS))
K_OBJS  := $(patsubst $(K_DIR)/%,$(K_OUT)/%.o,$(K_SRCS))
K_CFLAGS := $(FREESTANDING_CFLAGS) -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
	-fno-pic -fno-asynchronous-unwind-tables -fno-common \
	-I$(K_DIR)/include -Iinclude -MMD -MP
K_LDFLAGS := -Wl,--no-warn-rwx-segments -Wl,--build-id=none -nostdlib -static -z max-page-size=4096 -z noexecstack -T $(K_DIR)/arch/x86_64/kernel.ld

K_ELF   := $(K_OUT)/stos.elf
K_ELF32 := $(K_OUT)/stos.elf32
ALL_TARGETS += $(K_ELF32)

$(K_OUT)/%.c.o: $(K_DIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(K_CFLAGS) -c $< -o $@

$(K_OUT)/%.S.o: $(K_DIR)/%.S
	@mkdir -p $(dir $@)
	$(CC) $(K_CFLAGS) -D__ASSEMBLER__ -c $< -o $@

$(K_ELF): $(K_OBJS) $(K_DIR)/arch/x86_64/kernel.ld
	$(CC) $(K_LDFLAGS) -o $@ $(K_OBJS) -lgcc

$(K_ELF32): $(K_ELF)
	objcopy -O elf32-i386 $< $@

-include $(K_OBJS:.o=.d)

# --- E (e1000 and kernel network glue): link the portable stack's kernel build after the
# kernel objects (net/net.mk builds $(NET_KERN_LIB); kernel/net/port_kern.c is its port). ---
$(K_ELF): $(NET_KERN_LIB)
K_OBJS += $(NET_KERN_LIB)

# System-test programs (tests/system/prog/*.c), linked with U's libc, and the test initrd:
# U's initrd plus /ktest/<prog>.  The QEMU suites (tests/suites/4*-kernel-*) boot with it.
K_TPROG_SRCS := $(wildcard tests/system/prog/*.c)
K_TPROGS     := $(patsubst tests/system/prog/%.c,$(K_OUT)/ktest/%,$(K_TPROG_SRCS))
K_TEST_INITRD := $(K_OUT)/test-initrd.cpio
ALL_TARGETS  += $(K_TEST_INITRD)

$(K_OUT)/ktest/%: tests/system/prog/%.c $(U_CRT0) $(U_LIBC)
	@mkdir -p $(dir $@)
	$(U_CC) $(U_CFLAGS) $(U_LDFLAGS) -o $@ $(U_CRT0) $< $(U_LIBC)

$(K_TEST_INITRD): $(U_INITRD) $(K_TPROGS)
	@rm -rf $(K_OUT)/initrd-root
	@mkdir -p $(K_OUT)/initrd-root/ktest
	@cd $(K_OUT)/initrd-root && cpio -i -d --quiet < $(abspath $(U_INITRD))
	@cp $(K_TPROGS) $(K_OUT)/initrd-root/ktest/
	cd $(K_OUT)/initrd-root && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet > ../test-initrd.cpio.tmp
	@mv $(K_OUT)/test-initrd.cpio.tmp $@

# Host unit tests of kernel code that runs unchanged on the host (allocator, ELF checks),
# with cmocka and the sanitizers; run by tests/suites/40-kernel-unit.
K_UNIT_OUT    := $(K_OUT)/unit
K_UNIT_CFLAGS := $(HOST_CFLAGS) $(SAN_FLAGS) -I$(K_DIR)/include -Iinclude -Itests/kernel-unit
K_UNIT_TESTS  := $(K_UNIT_OUT)/test_kalloc $(K_UNIT_OUT)/test_elf
ALL_TARGETS   += $(K_UNIT_TESTS)

$(K_UNIT_OUT)/test_kalloc: tests/kernel-unit/test_kalloc.c tests/kernel-unit/host_stubs.c \
		$(K_DIR)/mm/kmalloc.c $(K_DIR)/mm/pmm.c
$(K_UNIT_OUT)/test_elf: tests/kernel-unit/test_elf.c tests/kernel-unit/host_stubs.c $(K_DIR)/proc/elf.c
$(K_UNIT_TESTS): tests/kernel-unit/host_stubs.h $(U_INITRD)
	@mkdir -p $(dir $@)
	$(CC) $(K_UNIT_CFLAGS) -o $@ $(filter %.c,$^) -lcmocka

# The copy routines (arch/x86_64/copy_user.S) assembled for the host, memcpy renamed so the C
# library keeps its own; not position-independent, since the exception table holds absolute
# addresses in a read-only section, as in the kernel.
K_UNIT_COPY := $(K_UNIT_OUT)/test_copy_user
ALL_TARGETS += $(K_UNIT_COPY)
$(K_UNIT_COPY): tests/kernel-unit/test_copy_user.c $(K_DIR)/arch/x86_64/copy_user.S
	@mkdir -p $(dir $@)
	$(CC) -c -Wa,--noexecstack -Dmemcpy=kcopy_memcpy $(K_DIR)/arch/x86_64/copy_user.S \
		-o $@.copy_user.o
	$(CC) $(K_UNIT_CFLAGS) -no-pie -o $@ tests/kernel-unit/test_copy_user.c $@.copy_user.o \
		-lcmocka
