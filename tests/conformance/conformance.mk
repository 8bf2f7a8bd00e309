# The packetdrill-format conformance runner (tests/conformance/pdrun.py) and its driver
# (build/host/stosdrive).  Included from host/host.mk's T block.
#   make conformance                     every script in /work/shared/conformance
#   make conformance SCRIPTS='a.pkt dir' the scripts given (files or directories)

STOSDRIVE_SRCS := host/stosdrive.c host/stosdrive_net.c

# This file is read before host.mk defines H_LIB, so prerequisites name the paths directly.
STOSDRIVE_DEPS := $(STOSDRIVE_SRCS) $(wildcard host/*.h) $(NET_HDRS)
$(BUILD)/host/stosdrive: $(STOSDRIVE_DEPS) $(BUILD)/host/libhost.a $(NET_HOST_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(H_CFLAGS) host/stosdrive.c host/stosdrive_net.c -o $@ -Wl,--start-group \
		$(BUILD)/host/libhost.a $(NET_HOST_LIB) -Wl,--end-group $(H_LIBS)
$(BUILD)/host/asan/stosdrive: $(STOSDRIVE_DEPS) $(BUILD)/host/asan/libhost.a $(NET_ASAN_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(H_ASAN_CFLAGS) host/stosdrive.c host/stosdrive_net.c -o $@ -Wl,--start-group \
		$(BUILD)/host/asan/libhost.a $(NET_ASAN_LIB) -Wl,--end-group $(H_LIBS)

.PHONY: conformance
conformance: $(BUILD)/host/stosdrive
	@/usr/bin/python3 tests/conformance/pdrun.py --driver $(BUILD)/host/stosdrive $(SCRIPTS)
