# host/: the hosted port of net/ (pthreads, clocks), the test links (in-memory wire, pcap,
# fault injection, TAP) and the hosted unit tests.
#   build/host/libhost.a, build/host/asan/libhost.a     host port + links
#   build/host/tests/<name>, build/host/asan/tests/<name>  cmocka test programs (tests/net/*.c)
# Host code is ordinary hosted C (libc headers allowed); it includes net/ headers as "net/x.h".
#
# S and T list their host sources and test programs in their marked blocks only:
#   H_S_SRCS / H_T_SRCS: files linked into libhost (and the asan variant)
#   H_S_TESTS / H_T_TESTS: test sources, each tests/<dir>/<name>.c one program <name>
#   H_S_PROGS / H_T_PROGS: other programs (stosnet...) as make targets they define themselves

# --- S sources ---
H_S_SRCS := host/api.c host/tap.c host/tap_dev.c
H_S_TESTS := tests/net/socket_udp.c tests/net/udp_wire.c tests/net/socket_stream.c
H_S_PROGS := $(BUILD)/host/stosnet $(BUILD)/host/asan/fuzz_replay $(BUILD)/host/api_probe \
	$(BUILD)/host/tcp_probe $(BUILD)/host/asan/tcp_fuzz_replay
# stosnet: the stack on a TAP device (host/stosnet*.c).  Prerequisites name the libraries by
# path because this block is read before the variables below are set.
H_S_STOSNET := host/stosnet.c host/stosnet_udp.c host/stosnet_tcp.c
$(BUILD)/host/stosnet: $(H_S_STOSNET) $(BUILD)/host/libhost.a $(BUILD)/net/host/libnet.a \
		$(wildcard host/*.h net/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(H_CFLAGS) $(H_S_STOSNET) -o $@ $(H_LIB) $(NET_HOST_LIB) $(H_LIBS)
# The C API on a real TAP, for the interop suite (tests/interop/api_probe.c).
$(BUILD)/host/api_probe: tests/interop/api_probe.c $(BUILD)/host/libhost.a \
		$(BUILD)/net/host/libnet.a $(wildcard host/*.h net/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(H_CFLAGS) tests/interop/api_probe.c -o $@ $(H_LIB) $(NET_HOST_LIB) $(H_LIBS)
# TCP connections the stack opens to Linux servers (tests/interop/tcp_probe.c, suite 31).
$(BUILD)/host/tcp_probe: tests/interop/tcp_probe.c $(BUILD)/host/libhost.a \
		$(BUILD)/net/host/libnet.a $(wildcard host/*.h net/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(H_CFLAGS) tests/interop/tcp_probe.c -o $@ $(H_LIB) $(NET_HOST_LIB) $(H_LIBS)
# Fuzzing (tests/fuzz/): `make fuzz` builds the libFuzzer target with clang and runs it for
# FUZZ_TIME seconds on a copy of the seed corpus; the replay program (gcc, ASan+UBSan, no
# libFuzzer) runs every corpus file in `make test` (suite 26-net-fuzz-replay).
FUZZ_TIME ?= 60
H_S_FUZZ_SRC := tests/fuzz/fuzz_frames.c
H_S_FUZZ_CFLAGS = $(CSTD) $(CWARN) -D_GNU_SOURCE -O1 -g -I. -Iinclude -pthread
H_S_FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
H_S_FUZZ_NET_OBJS = $(NET_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)
H_S_FUZZ_HOST_OBJS = $(addprefix $(BUILD)/fuzz/obj/,host/port_host.o host/host_stack.o \
	host/wire.o host/pcap.o host/fault.o host/api.o)
$(BUILD)/fuzz/obj/net/%.o: net/%.c $(wildcard net/*.h include/stos/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) $(CSTD) $(CWARN) -O1 -g $(H_S_FUZZ_SAN) -DNET_CORE -ffreestanding -nostdinc \
		-isystem $(shell $(CLANG) -print-file-name=include) -Iinclude -Inet -c $< -o $@
$(BUILD)/fuzz/obj/host/%.o: host/%.c $(wildcard host/*.h net/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) $(H_S_FUZZ_CFLAGS) $(H_S_FUZZ_SAN) -c $< -o $@
$(BUILD)/fuzz/fuzz_frames: $(H_S_FUZZ_SRC) $(H_S_FUZZ_NET_OBJS) $(H_S_FUZZ_HOST_OBJS)
	$(CLANG) $(H_S_FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined $^ -o $@
$(BUILD)/host/asan/fuzz_replay: $(H_S_FUZZ_SRC) tests/fuzz/replay_main.c \
		$(BUILD)/host/asan/libhost.a $(BUILD)/net/asan/libnet.a
	@mkdir -p $(dir $@)
	$(CC) $(H_ASAN_CFLAGS) $(H_S_FUZZ_SRC) tests/fuzz/replay_main.c -o $@ $(H_ASAN_LIB) \
		$(NET_ASAN_LIB) $(H_LIBS)
# The TCP target (tests/fuzz/fuzz_tcp.c: segments and socket calls on two instances), its
# corpus tests/fuzz/tcp_corpus and its replay program (suite 28-tcp-fuzz-replay).
$(BUILD)/fuzz/fuzz_tcp: tests/fuzz/fuzz_tcp.c $(H_S_FUZZ_NET_OBJS) $(H_S_FUZZ_HOST_OBJS)
	$(CLANG) $(H_S_FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined $^ -o $@
$(BUILD)/host/asan/tcp_fuzz_replay: tests/fuzz/fuzz_tcp.c tests/fuzz/replay_main.c \
		$(BUILD)/host/asan/libhost.a $(BUILD)/net/asan/libnet.a
	@mkdir -p $(dir $@)
	$(CC) $(H_ASAN_CFLAGS) tests/fuzz/fuzz_tcp.c tests/fuzz/replay_main.c -o $@ $(H_ASAN_LIB) \
		$(NET_ASAN_LIB) $(H_LIBS)
.PHONY: fuzz
fuzz: $(BUILD)/fuzz/fuzz_frames $(BUILD)/fuzz/fuzz_tcp
	@rm -rf $(BUILD)/fuzz/corpus && mkdir -p $(BUILD)/fuzz/corpus
	cp tests/fuzz/corpus/* $(BUILD)/fuzz/corpus/
	$(BUILD)/fuzz/fuzz_frames -max_total_time=$(FUZZ_TIME) -timeout=10 -max_len=8192 \
		-print_final_stats=1 $(BUILD)/fuzz/corpus tests/fuzz/corpus
	@rm -rf $(BUILD)/fuzz/tcp_corpus && mkdir -p $(BUILD)/fuzz/tcp_corpus
	cp tests/fuzz/tcp_corpus/* $(BUILD)/fuzz/tcp_corpus/
	$(BUILD)/fuzz/fuzz_tcp -max_total_time=$(FUZZ_TIME) -timeout=10 -max_len=4096 \
		-print_final_stats=1 $(BUILD)/fuzz/tcp_corpus tests/fuzz/tcp_corpus
# --- end S sources ---

# --- P sources ---
H_P_TESTS := $(wildcard tests/net/packet*.c)
# --- end P sources ---

# --- T sources ---
H_T_SRCS :=
H_T_TESTS := tests/tcp/tcp_wire.c tests/tcp/tcp_peer.c
H_T_PROGS := $(BUILD)/host/stosdrive $(BUILD)/host/asan/stosdrive
-include tests/tcp/tcp.mk
-include tests/conformance/conformance.mk
# --- end T sources ---

H_N_SRCS := host/port_host.c host/host_stack.c host/wire.c host/pcap.c host/fault.c host/testutil.c
H_N_TESTS := $(wildcard tests/net/net_*.c)

H_SRCS := $(H_N_SRCS) $(H_S_SRCS) $(H_T_SRCS)
H_TESTS := $(H_N_TESTS) $(H_S_TESTS) $(H_T_TESTS) $(H_P_TESTS)
H_HDRS := $(wildcard host/*.h) $(NET_HDRS)

H_CFLAGS = $(HOST_CFLAGS) -I. -Iinclude -pthread
H_ASAN_CFLAGS = $(H_CFLAGS) $(SAN_FLAGS)
H_LIBS := -pthread
H_TEST_LIBS := -lcmocka

H_OBJS := $(H_SRCS:%.c=$(BUILD)/host/obj/%.o)
H_ASAN_OBJS := $(H_SRCS:%.c=$(BUILD)/host/asan/obj/%.o)
H_LIB := $(BUILD)/host/libhost.a
H_ASAN_LIB := $(BUILD)/host/asan/libhost.a
H_TEST_BINS := $(foreach t,$(H_TESTS),$(BUILD)/host/tests/$(basename $(notdir $(t))))
H_ASAN_TEST_BINS := $(foreach t,$(H_TESTS),$(BUILD)/host/asan/tests/$(basename $(notdir $(t))))

ALL_TARGETS += $(H_LIB) $(H_ASAN_LIB) $(H_TEST_BINS) $(H_ASAN_TEST_BINS) $(H_S_PROGS) $(H_T_PROGS)

.PHONY: host
host: $(H_LIB) $(H_S_PROGS) $(H_T_PROGS)

$(BUILD)/host/obj/%.o: %.c $(H_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(H_CFLAGS) -c $< -o $@
$(BUILD)/host/asan/obj/%.o: %.c $(H_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(H_ASAN_CFLAGS) -c $< -o $@

$(H_LIB): $(H_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(H_ASAN_LIB): $(H_ASAN_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# One program per test source, linked against libhost and libnet (they call each other).
define H_TEST_RULE
$(BUILD)/host/tests/$(basename $(notdir $(1))): $(1) $(H_LIB) $(NET_HOST_LIB) $(H_HDRS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(H_CFLAGS) $(1) -o $$@ -Wl,--start-group $(H_LIB) $(NET_HOST_LIB) -Wl,--end-group $$(H_TEST_LIBS) $$(H_LIBS)
$(BUILD)/host/asan/tests/$(basename $(notdir $(1))): $(1) $(H_ASAN_LIB) $(NET_ASAN_LIB) $(H_HDRS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(H_ASAN_CFLAGS) $(1) -o $$@ -Wl,--start-group $(H_ASAN_LIB) $(NET_ASAN_LIB) -Wl,--end-group $$(H_TEST_LIBS) $$(H_LIBS)
endef
$(foreach t,$(H_TESTS),$(eval $(call H_TEST_RULE,$(t))))
