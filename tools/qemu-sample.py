#!/usr/bin/python3
"""A sampling profiler for STOS running in QEMU: reads the vCPU's instruction pointer through
QEMU's monitor many times a second and counts the kernel functions it lands in.

Boot STOS with a monitor socket, e.g.
    QEMU_EXTRA='-monitor unix:/tmp/stos-mon.sock,server,nowait' make run
    BENCH_QEMU_EXTRA='-monitor unix:/tmp/stos-mon.sock,server,nowait' make bench
and while the work to measure runs:
    tools/qemu-sample.py --monitor /tmp/stos-mon.sock --seconds 5
    tools/qemu-sample.py ... --arg k_wr     # also which registers the e1000's MMIO writes hit

Under TCG the vCPU stops to answer the monitor between translated blocks and at device
accesses, so an instruction that traps to QEMU (an MMIO register access, a LAPIC EOI) is
where a sample usually lands when the guest spends time there, which is what this is for:
the time QEMU's device emulation takes (a TDT write transmits, an RDT write may deliver
queued frames) is time the vCPU waits in that instruction.  Samples inside user programs are
counted as one line.  Each sample takes a monitor round trip (about a millisecond).
"""
import argparse
import bisect
import collections
import os
import re
import socket
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def kernel_symbols(elf):
    out = subprocess.run(["nm", "-n", elf], capture_output=True, text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in "tTwW":
            syms.append((int(p[0], 16), p[2]))
    return syms


class Monitor:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(5)
        self.s.connect(path)
        self.cmd("")                    # the banner and the first prompt

    def cmd(self, line):
        self.s.sendall(line.encode() + b"\n")
        buf = b""
        while not buf.rstrip().endswith(b"(qemu)") or len(buf) <= len(line) + 8:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("the monitor closed")
            buf += chunk
        return buf.decode("utf-8", "replace")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--monitor", required=True, help="QEMU monitor unix socket")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--elf", default=os.path.join(TOP, "build", "kernel", "stos.elf"))
    ap.add_argument("--arg", action="append", default=[], metavar="FUNC",
                    help="for samples in FUNC, also count its second argument (RSI)")
    ap.add_argument("--top", type=int, default=25)
    a = ap.parse_args()
    if a.seconds <= 0:
        sys.exit("qemu-sample: --seconds must be positive")
    try:
        syms = kernel_symbols(a.elf)
        mon = Monitor(a.monitor)
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"qemu-sample: {e}")
    if not syms:
        sys.exit(f"qemu-sample: no function symbols in {a.elf}")
    addrs = [x for x, _ in syms]
    funcs, args = collections.Counter(), collections.Counter()
    n = 0
    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        regs = mon.cmd("info registers")
        rip, rsi = re.search(r"RIP=([0-9a-f]+)", regs), re.search(r"RSI=([0-9a-f]+)", regs)
        if not rip:
            continue
        pc = int(rip.group(1), 16)
        n += 1
        if pc < addrs[0] or pc >> 63 == 0:
            name = "(user space)"
        else:
            name = syms[bisect.bisect_right(addrs, pc) - 1][1]
        funcs[name] += 1
        if name in a.arg and rsi:
            args[(name, rsi.group(1).lstrip("0") or "0")] += 1
    if not n:
        sys.exit("qemu-sample: no samples")
    print(f"{n} samples in {a.seconds:g} s")
    for name, c in funcs.most_common(a.top):
        print(f"{c:7d} {100 * c / n:5.1f}%  {name}")
    for (name, v), c in args.most_common(a.top):
        print(f"{c:7d} {100 * c / n:5.1f}%  {name}  rsi=0x{v}")


if __name__ == "__main__":
    main()
