# TCP's hosted tests.  Included from host/host.mk's T block.
#   tcp_unit: the self-contained pieces (options, sequence numbers, SipHash, ISN, congestion
#   control), compiled straight from their net/ sources so it needs nothing else.
TCP_UNIT_SRCS := tests/tcp/tcp_unit.c net/tcp_options.c net/tcp_siphash.c net/tcp_isn.c \
	net/tcp_cc_newreno.c net/tcp_cc_cubic.c net/tcp_cc_hystart.c
TCP_UNIT_HDRS := net/tcp.h net/tcp_seq.h net/tcp_siphash.h net/tcp_isn.h net/tcp_cc.h net/netlib.h
TCP_UNIT_CFLAGS = $(HOST_CFLAGS) -I. -Iinclude -Inet

$(BUILD)/host/tests/tcp_unit: $(TCP_UNIT_SRCS) $(TCP_UNIT_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TCP_UNIT_CFLAGS) $(TCP_UNIT_SRCS) -o $@ -lcmocka
$(BUILD)/host/asan/tests/tcp_unit: $(TCP_UNIT_SRCS) $(TCP_UNIT_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TCP_UNIT_CFLAGS) $(SAN_FLAGS) $(TCP_UNIT_SRCS) -o $@ -lcmocka

ALL_TARGETS += $(BUILD)/host/tests/tcp_unit $(BUILD)/host/asan/tests/tcp_unit

# The impaired-link transfers at full size: 64 MiB each way under 1% and 10% loss and under
# duplication + reordering + corruption + delay (minutes, so not part of `make test`).
# SEEDS=a-b runs them once per fault seed offset a..b (TCP_SOAK_SEED, tests/tcp/tcp_wire.c),
# SOAK_MIB sets the size, SOAK_BIN=asan uses the AddressSanitizer build; the first failing
# seed stops the run and is named.
SEEDS ?= 0-0
SOAK_MIB ?= 64
SOAK_BIN ?= host
.PHONY: tcp-soak
tcp-soak: $(BUILD)/host/tests/tcp_wire $(BUILD)/host/asan/tests/tcp_wire
	@for s in $$(seq $(firstword $(subst -, ,$(SEEDS))) $(lastword $(subst -, ,$(SEEDS)))); do \
		TCP_SOAK_SEED=$$s TCP_SOAK_MIB=$(SOAK_MIB) \
		    $(BUILD)/$(if $(filter asan,$(SOAK_BIN)),host/asan,host)/tests/tcp_wire \
		    > $(BUILD)/tcp-soak.$$s.log 2>&1 || \
		    { echo "tcp-soak: seed $$s FAILED (log: $(BUILD)/tcp-soak.$$s.log)"; exit 1; }; \
		echo "tcp-soak: seed $$s ok ($$(grep -c '^ok' $(BUILD)/tcp-soak.$$s.log) tests)"; \
	done

# --- S: TCP segmentation offload over the wire with a fake TSO device (tests/tcp/tcp_tso.c) ---
H_T_TESTS += tests/tcp/tcp_tso.c
# TCP-MD5 signatures and MD5 itself (tests/tcp/tcp_md5.c).
H_T_TESTS += tests/tcp/tcp_md5.c
# Software TSO (net/tcp_gso.c) against tcp_tso.c's cutter (tests/tcp/tcp_gso.c).
H_T_TESTS += tests/tcp/tcp_gso.c

# --- R: header prediction (tests/tcp/tcp_fast.c): a cmocka program like tcp_wire, so suite
# 35-tcp-unit runs it (plain and with the sanitizers) through tests/tcp/run_tests.sh.
H_T_TESTS += tests/tcp/tcp_fast.c
# tcp_output's fast decision against the general one (tests/tcp/tcp_outfast.c).
H_T_TESTS += tests/tcp/tcp_outfast.c
# --- end R ---

# --- X: TCP at scale (suite 38-tcp-scale) and the per-segment cost figure (make bench) ---
#   tcp_scale: 100,000 connections between two instances; deterministic structural counters
#   at 10 and 100,000 (tests/tcp/tcp_scale.c).  tcp_scale_tw: TIME-WAIT reuse by a new SYN
#   (RFC 6191), RFC 1337, and reclaiming the oldest TIME-WAIT connection under pressure.
#   tcp_scale_wheel: the hierarchical callout wheel against a reference model.
#   tcp_timers: a connection's six timers on its one callout (net/tcp_timer.c).
#   tcp_scale_bench: instructions per segment at 10 ... 100,000 connections under callgrind
#   (tests/tcp/tcp_scale_bench.c; bench/bench.mk's tcp-scale-bench target).  Kept out of
#   build/host/tests so suite 35 does not run them.
TCP_SCALE_DIR := $(BUILD)/host/scale
TCP_SCALE_WORLD := tests/tcp/tcp_scale_world.c
TCP_SCALE_DEPS = $(TCP_SCALE_WORLD) tests/tcp/tcp_scale_world.h $(BUILD)/host/libhost.a \
	$(BUILD)/net/host/libnet.a $(wildcard host/*.h net/*.h)
TCP_SCALE_ASAN_DEPS = $(TCP_SCALE_WORLD) tests/tcp/tcp_scale_world.h \
	$(BUILD)/host/asan/libhost.a $(BUILD)/net/asan/libnet.a $(wildcard host/*.h net/*.h)
TCP_SCALE_LINK = -Wl,--start-group $(BUILD)/host/libhost.a $(BUILD)/net/host/libnet.a -Wl,--end-group
TCP_SCALE_ASAN_LINK = -Wl,--start-group $(BUILD)/host/asan/libhost.a $(BUILD)/net/asan/libnet.a \
	-Wl,--end-group

$(TCP_SCALE_DIR)/tcp_scale: tests/tcp/tcp_scale.c $(TCP_SCALE_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(H_CFLAGS) tests/tcp/tcp_scale.c $(TCP_SCALE_WORLD) -o $@ $(TCP_SCALE_LINK) -lcmocka -pthread
$(TCP_SCALE_DIR)/tcp_scale_tw: tests/tcp/tcp_scale_tw.c tests/tcp/tcp_peer_fx.h $(TCP_SCALE_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(H_CFLAGS) tests/tcp/tcp_scale_tw.c -o $@ $(TCP_SCALE_LINK) -lcmocka -pthread
$(TCP_SCALE_DIR)/asan/tcp_scale_tw: tests/tcp/tcp_scale_tw.c tests/tcp/tcp_peer_fx.h $(TCP_SCALE_ASAN_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(H_ASAN_CFLAGS) tests/tcp/tcp_scale_tw.c -o $@ $(TCP_SCALE_ASAN_LINK) -lcmocka -pthread
$(TCP_SCALE_DIR)/tcp_scale_wheel: tests/tcp/tcp_scale_wheel.c $(TCP_SCALE_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(H_CFLAGS) tests/tcp/tcp_scale_wheel.c -o $@ $(TCP_SCALE_LINK) -lcmocka -pthread
$(TCP_SCALE_DIR)/tcp_timers: tests/tcp/tcp_timers.c $(TCP_SCALE_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(H_CFLAGS) tests/tcp/tcp_timers.c $(TCP_SCALE_WORLD) -o $@ $(TCP_SCALE_LINK) -lcmocka -pthread
$(TCP_SCALE_DIR)/tcp_scale_bench: tests/tcp/tcp_scale_bench.c $(TCP_SCALE_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(H_CFLAGS) tests/tcp/tcp_scale_bench.c $(TCP_SCALE_WORLD) -o $@ $(TCP_SCALE_LINK) -pthread

ALL_TARGETS += $(TCP_SCALE_DIR)/tcp_scale $(TCP_SCALE_DIR)/tcp_scale_tw $(TCP_SCALE_DIR)/tcp_scale_wheel \
	$(TCP_SCALE_DIR)/asan/tcp_scale_tw $(TCP_SCALE_DIR)/tcp_scale_bench $(TCP_SCALE_DIR)/tcp_timers
# --- end X ---

# bench/hosted/fdlink.c's transmit side (software TSO while the descriptor blocks) over a real
# socketpair (tests/tcp/tcp_fdlink.c): linked with fdlink.c and sp.c, so a rule of its own.
TCP_FDLINK_DEPS := tests/tcp/tcp_fdlink.c bench/hosted/fdlink.c bench/hosted/sp.c \
	tests/tcp/tso_ref.h $(wildcard bench/hosted/*.h host/*.h net/*.h)
$(BUILD)/host/tests/tcp_fdlink: $(TCP_FDLINK_DEPS) $(BUILD)/host/libhost.a $(BUILD)/net/host/libnet.a
	@mkdir -p $(dir $@)
	$(CC) $(H_CFLAGS) tests/tcp/tcp_fdlink.c bench/hosted/fdlink.c bench/hosted/sp.c -o $@ \
		-Wl,--start-group $(H_LIB) $(NET_HOST_LIB) -Wl,--end-group -lcmocka $(H_LIBS)
$(BUILD)/host/asan/tests/tcp_fdlink: $(TCP_FDLINK_DEPS) $(BUILD)/host/asan/libhost.a \
		$(BUILD)/net/asan/libnet.a
	@mkdir -p $(dir $@)
	$(CC) $(H_ASAN_CFLAGS) tests/tcp/tcp_fdlink.c bench/hosted/fdlink.c bench/hosted/sp.c -o $@ \
		-Wl,--start-group $(H_ASAN_LIB) $(NET_ASAN_LIB) -Wl,--end-group -lcmocka $(H_LIBS)
ALL_TARGETS += $(BUILD)/host/tests/tcp_fdlink $(BUILD)/host/asan/tests/tcp_fdlink
# ACK-clocked output at the end of a receive batch (net/tcp_output_defer.c) against a
# scripted peer (tests/tcp/tcp_defer.c).
H_T_TESTS += tests/tcp/tcp_defer.c
# RFC 6675's IsLost, SetPipe and NextSeg candidates on hand-made scoreboards.
H_T_TESTS += tests/tcp/tcp_sack_send.c
# SACK loss recovery and Limited Transmit against a scripted peer; it shares tcp_peer.c's
# helpers (tests/tcp/tcp_peer_fx.h, a prerequisite of both programs and of tcp_scale_tw).
H_T_TESTS += tests/tcp/tcp_sack_recovery.c
# ECN (RFC 3168) against a scripted peer: negotiation, the window cut, the CE echo, TOS bits.
H_T_TESTS += tests/tcp/tcp_ecn.c
# Tail loss probes (RFC 8985 7) against a scripted peer; it shares tcp_sack_recovery.c's
# helpers (tests/tcp/tcp_sack_fx.h).
H_T_TESTS += tests/tcp/tcp_tlp.c
$(foreach p,tcp_peer tcp_sack_recovery tcp_ecn tcp_tlp,$(BUILD)/host/tests/$(p) $(BUILD)/host/asan/tests/$(p)): \
	tests/tcp/tcp_peer_fx.h
$(foreach p,tcp_sack_recovery tcp_tlp,$(BUILD)/host/tests/$(p) $(BUILD)/host/asan/tests/$(p)): \
	tests/tcp/tcp_sack_fx.h
