# ---- the hosted TCP benchmark (bench/hosted/, issue 6) ----
# build/host/bench/tcpbulk: two instances in one process over an in-memory link (memlink.c)
# on a virtual clock; the stack's own ceiling and a deterministic callgrind target.
B_HOSTED_DIR := $(BUILD)/host/bench
B_HOSTED_HDRS := $(wildcard bench/hosted/*.h host/*.h net/*.h)

$(B_HOSTED_DIR)/tcpbulk: bench/hosted/tcpbulk.c bench/hosted/memlink.c $(B_HOSTED_HDRS) \
		$(BUILD)/host/libhost.a $(BUILD)/net/host/libnet.a
	@mkdir -p $(dir $@)
	$(CC) $(H_CFLAGS) bench/hosted/tcpbulk.c bench/hosted/memlink.c -o $@ \
		-Wl,--start-group $(H_LIB) $(NET_HOST_LIB) -Wl,--end-group $(H_LIBS)

B_HOSTED_PROGS := $(B_HOSTED_DIR)/tcpbulk
ALL_TARGETS += $(B_HOSTED_PROGS)

# The socketpair harness (bench/hosted/sp.h): one program per backend, started in pairs by
# bench/hosted/spair.py.  lwIP is Debian's liblwip-dev 2.1.3 (its own lwipopts.h).
B_SP_COMMON := bench/hosted/sp.c
$(B_HOSTED_DIR)/sp_stos: bench/hosted/sp_stos.c bench/hosted/fdlink.c $(B_SP_COMMON) \
		$(B_HOSTED_HDRS) $(BUILD)/host/libhost.a $(BUILD)/net/host/libnet.a
	@mkdir -p $(dir $@)
	$(CC) $(H_CFLAGS) bench/hosted/sp_stos.c bench/hosted/fdlink.c $(B_SP_COMMON) -o $@ \
		-Wl,--start-group $(H_LIB) $(NET_HOST_LIB) -Wl,--end-group $(H_LIBS)
B_HOSTED_PROGS += $(B_HOSTED_DIR)/sp_stos
ALL_TARGETS += $(B_HOSTED_DIR)/sp_stos
B_LWIP_CFLAGS := $(shell pkg-config --cflags lwip 2>/dev/null | sed 's/-I/-isystem /g')
B_LWIP_LIBS := $(shell pkg-config --libs lwip 2>/dev/null)
$(B_HOSTED_DIR)/sp_lwip: bench/hosted/sp_lwip.c $(B_SP_COMMON) bench/hosted/sp.h
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -I. $(B_LWIP_CFLAGS) bench/hosted/sp_lwip.c $(B_SP_COMMON) -o $@ \
		$(B_LWIP_LIBS) -pthread
$(B_HOSTED_DIR)/sp_raw: bench/hosted/sp_raw.c $(B_SP_COMMON) bench/hosted/sp.h
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -I. bench/hosted/sp_raw.c $(B_SP_COMMON) -o $@
B_HOSTED_PROGS += $(B_HOSTED_DIR)/sp_lwip $(B_HOSTED_DIR)/sp_raw
ALL_TARGETS += $(B_HOSTED_DIR)/sp_lwip $(B_HOSTED_DIR)/sp_raw

# The same programs with AddressSanitizer + UndefinedBehaviorSanitizer, for suite
# 37-tcp-harness (the STOS ones on the sanitized libraries; lwIP itself is not instrumented,
# but ASan checks what the kernel writes into our buffers on its behalf).
B_ASAN_DIR := $(BUILD)/host/asan/bench
$(B_ASAN_DIR)/tcpbulk: bench/hosted/tcpbulk.c bench/hosted/memlink.c $(B_HOSTED_HDRS) \
		$(BUILD)/host/asan/libhost.a $(BUILD)/net/asan/libnet.a
	@mkdir -p $(dir $@)
	$(CC) $(H_ASAN_CFLAGS) bench/hosted/tcpbulk.c bench/hosted/memlink.c -o $@ \
		-Wl,--start-group $(H_ASAN_LIB) $(NET_ASAN_LIB) -Wl,--end-group $(H_LIBS)
$(B_ASAN_DIR)/sp_stos: bench/hosted/sp_stos.c bench/hosted/fdlink.c $(B_SP_COMMON) \
		$(B_HOSTED_HDRS) $(BUILD)/host/asan/libhost.a $(BUILD)/net/asan/libnet.a
	@mkdir -p $(dir $@)
	$(CC) $(H_ASAN_CFLAGS) bench/hosted/sp_stos.c bench/hosted/fdlink.c $(B_SP_COMMON) -o $@ \
		-Wl,--start-group $(H_ASAN_LIB) $(NET_ASAN_LIB) -Wl,--end-group $(H_LIBS)
$(B_ASAN_DIR)/sp_lwip: bench/hosted/sp_lwip.c $(B_SP_COMMON) bench/hosted/sp.h
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN_FLAGS) -I. $(B_LWIP_CFLAGS) bench/hosted/sp_lwip.c \
		$(B_SP_COMMON) -o $@ $(B_LWIP_LIBS) -pthread
$(B_ASAN_DIR)/sp_raw: bench/hosted/sp_raw.c $(B_SP_COMMON) bench/hosted/sp.h
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN_FLAGS) -I. bench/hosted/sp_raw.c $(B_SP_COMMON) -o $@
B_ASAN_PROGS := $(addprefix $(B_ASAN_DIR)/,tcpbulk sp_stos sp_lwip sp_raw)
ALL_TARGETS += $(B_ASAN_PROGS)

# `make bench`: STOS in QEMU on a TAP against a Linux-over-veth baseline measured in the same
# run (bench/stos_bench.py; needs root for the namespaces), then the hosted TCP benchmark
# (bench/hosted/hosted_bench.py; no root).  Not part of `make test`: they print figures and
# never fail on speed.  Tables: build/bench/stos-bench.json and build/bench/hosted.json.
# It builds only what it runs.  Both parts run even when the first fails.
.PHONY: bench-hosted
# The scale work's per-segment program, when its make block (tests/tcp/tcp.mk) is there.
B_SCALE_BENCH := $(if $(TCP_SCALE_DIR),$(TCP_SCALE_DIR)/tcp_scale_bench)
bench: $(BUILD)/kernel/stos.elf32 $(BUILD)/user/initrd.cpio $(B_HOSTED_PROGS) $(B_SCALE_BENCH)
	@/usr/bin/python3 bench/stos_bench.py; a=$$?; \
	/usr/bin/python3 bench/hosted/hosted_bench.py; b=$$?; [ $$a -eq 0 ] && [ $$b -eq 0 ]
# Only the hosted benchmark (no root needed).
bench-hosted: $(B_HOSTED_PROGS) $(B_SCALE_BENCH)
	@/usr/bin/python3 bench/hosted/hosted_bench.py

# The per-segment cost at 10 ... 100,000 connections alone (the TCP scale work's program,
# tests/tcp/tcp_scale_bench.c; hosted_bench.py runs it too when it is built).
.PHONY: tcp-scale-bench
tcp-scale-bench: $(BUILD)/host/scale/tcp_scale_bench
	@mkdir -p $(BUILD)/bench
	$(BUILD)/host/scale/tcp_scale_bench --json $(BUILD)/bench/tcp-scale.json
