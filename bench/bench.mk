# `make bench`: STOS in QEMU on a TAP against a Linux-over-veth baseline measured in the same
# run (bench/stos_bench.py; needs root for the namespaces).  Not part of `make test`: it
# prints figures and never fails on speed.  The table is saved as build/bench/stos-bench.json.
# It builds only what it boots (the kernel and the initrd).
bench: $(BUILD)/kernel/stos.elf32 $(BUILD)/user/initrd.cpio
	@/usr/bin/python3 bench/stos_bench.py
