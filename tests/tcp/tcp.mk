# TCP's hosted tests.  Included from host/host.mk's T block.
#   tcp_unit: the self-contained pieces (options, sequence numbers, SipHash, ISN, congestion
#   control), compiled straight from their net/ sources so it needs nothing else.
TCP_UNIT_SRCS := tests/tcp/tcp_unit.c net/tcp_options.c net/tcp_siphash.c net/tcp_isn.c \
	net/tcp_cc_newreno.c net/tcp_cc_cubic.c
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
.PHONY: tcp-soak
tcp-soak: $(BUILD)/host/tests/tcp_wire
	TCP_SOAK_MIB=64 $(BUILD)/host/tests/tcp_wire

# --- S: TCP segmentation offload over the wire with a fake TSO device (tests/tcp/tcp_tso.c) ---
H_T_TESTS += tests/tcp/tcp_tso.c

# --- R: header prediction (tests/tcp/tcp_fast.c): a cmocka program like tcp_wire, so suite
# 35-tcp-unit runs it (plain and with the sanitizers) through tests/tcp/run_tests.sh.
H_T_TESTS += tests/tcp/tcp_fast.c
# --- end R ---
