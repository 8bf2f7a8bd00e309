# STOS front door.  `make run` boots STOS in QEMU; `make test` builds and runs every test.
# Each area of the tree has one fragment (kernel/kernel.mk, net/net.mk, host/host.mk,
# user/user.mk, tests/tests.mk, bench/bench.mk) that appends its products to ALL_TARGETS.
.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

include mk/config.mk

ALL_TARGETS :=
-include net/net.mk
-include host/host.mk
-include user/user.mk
-include kernel/kernel.mk
-include tests/tests.mk
-include bench/bench.mk

.PHONY: all deps run test bench fuzz host conformance clean
all: $(ALL_TARGETS)

deps:
	@sh mk/deps.sh

# NET=user (default) | tap TAP=<ifname> | none; HTTP_PORT=8080; APPEND='<kernel command line>'
run: deps
	@$(MAKE) --no-print-directory all
	@sh tools/run-qemu.sh

test: deps
	@$(MAKE) --no-print-directory all
	@/usr/bin/python3 tests/run_all.py $(if $(SUITES),--only '$(SUITES)')

clean:
	rm -rf $(BUILD)
