# net/: the portable stack, built three ways from the same sources:
#   build/net/host/libnet.a   hosted (Linux process): unit tests, stosnet, interop
#   build/net/asan/libnet.a   hosted with AddressSanitizer + UndefinedBehaviorSanitizer
#   build/net/kern/libnet.a   freestanding, for the kernel (kernel/kernel.mk links it)
# Every build uses -nostdinc: net/ sees only net/, include/stos/ and the compiler's own
# freestanding headers, never a libc or kernel header.
#
# S and T list their sources in their marked blocks only.

# --- S sources ---
NET_S_SRCS := net/socket.c net/socket_io.c net/socket_opt.c net/sockbuf.c net/protosw.c \
	net/in_pcb.c net/in_pcb_opt.c net/udp_usrreq.c net/udp_input.c net/raw_ip.c
# --- end S sources ---

# --- P sources ---
NET_P_SRCS := net/bpf.c net/af_packet.c
# --- end P sources ---

# --- T sources ---
NET_T_SRCS := net/tcp_options.c net/tcp_siphash.c net/tcp_isn.c net/tcp_cc_newreno.c \
	net/tcp_cc_cubic.c net/tcp_cc_hystart.c net/tcp_subr.c net/tcp_output.c net/tcp_output_defer.c net/tcp_input.c net/tcp_input_fast.c \
	net/tcp_input_open.c net/tcp_ecn.c net/tcp_tlp.c net/tcp_md5.c net/md5.c \
	net/tcp_timer.c net/tcp_reass.c net/tcp_sack.c net/tcp_syncookie.c net/tcp_usrreq.c \
	net/tcp_gso.c
# --- end T sources ---

NET_N_SRCS := net/mbuf.c net/mbufq.c net/in_cksum.c net/netlib.c net/net_stats.c net/callout.c \
	net/netstack.c net/if.c net/if_loop.c net/if_ether.c net/if_arp.c net/route.c \
	net/ip_input.c net/ip_options.c net/ip_output.c net/ip_csum.c net/ip_reass.c net/ip_id.c net/ip_icmp.c

NET_SRCS := $(NET_N_SRCS) $(NET_S_SRCS) $(NET_T_SRCS) $(NET_P_SRCS)
NET_HDRS := $(wildcard net/*.h) $(wildcard include/stos/*.h)

NET_GCC_INC := $(shell $(CC) -print-file-name=include)
NET_INC := -DNET_CORE -ffreestanding -nostdinc -isystem $(NET_GCC_INC) -Iinclude -Inet
NET_HOST_CFLAGS = $(HOST_CFLAGS) $(NET_INC)
NET_ASAN_CFLAGS = $(HOST_CFLAGS) $(SAN_FLAGS) $(NET_INC)
# kernel/kernel.mk may override NET_KERN_MODEL (code model, red zone, no SSE) for its layout.
NET_KERN_MODEL ?= -mno-red-zone -mgeneral-regs-only -mcmodel=kernel
NET_KERN_CFLAGS = $(FREESTANDING_CFLAGS) $(NET_KERN_MODEL) -DNET_CORE -Iinclude -Inet

NET_HOST_OBJS := $(NET_SRCS:%.c=$(BUILD)/net/host/%.o)
NET_ASAN_OBJS := $(NET_SRCS:%.c=$(BUILD)/net/asan/%.o)
NET_KERN_OBJS := $(NET_SRCS:%.c=$(BUILD)/net/kern/%.o)
NET_HOST_LIB := $(BUILD)/net/host/libnet.a
NET_ASAN_LIB := $(BUILD)/net/asan/libnet.a
NET_KERN_LIB := $(BUILD)/net/kern/libnet.a

ALL_TARGETS += $(NET_HOST_LIB) $(NET_ASAN_LIB) $(NET_KERN_LIB)

$(BUILD)/net/host/%.o: %.c $(NET_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(NET_HOST_CFLAGS) -c $< -o $@
$(BUILD)/net/asan/%.o: %.c $(NET_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(NET_ASAN_CFLAGS) -c $< -o $@
$(BUILD)/net/kern/%.o: %.c $(NET_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(NET_KERN_CFLAGS) -c $< -o $@

$(NET_HOST_LIB): $(NET_HOST_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(NET_ASAN_LIB): $(NET_ASAN_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(NET_KERN_LIB): $(NET_KERN_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# Compile net/ with clang too (warnings differ); not part of `all`, run by hand or CI.
.PHONY: net-clang
net-clang:
	@for f in $(NET_SRCS); do $(CLANG) $(CSTD) $(CWARN) -nostdinc -isystem \
		$$($(CLANG) -print-file-name=include) -Iinclude -Inet -fsyntax-only $$f || exit 1; done
