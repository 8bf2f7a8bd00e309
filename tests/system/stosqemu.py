"""Boot STOS under QEMU for system tests.

Every boot runs under `timeout`, with the serial console captured and saved to
build/test-logs/<suite>.<name>.serial.log, so a failure can be read after the fact.

  run(name, append=..., stdin=b"...")   boot once, feed stdin through the serial port,
                                        return (exit status, console text, seconds)
  Session(name, append=...)             interactive (pexpect over a pty): expect/send,
                                        Ctrl-C reaches the guest
  Tap()                                 TAP output: ok(cond, what), done()
"""
import os
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOGS = os.path.join(TOP, "build", "test-logs")
KERNEL = os.environ.get("STOS_KERNEL") or os.path.join(TOP, "build", "kernel", "stos.elf32")
INITRD = os.path.join(TOP, "build", "user", "initrd.cpio")
TEST_INITRD = os.path.join(TOP, "build", "kernel", "test-initrd.cpio")
SUITE = os.path.basename(sys.argv[0])


# QEMU's e1000 writes the TCP/UDP checksums it inserts (checksum offload and TSO) through
# net_checksum_finish_nozero (hw/net/e1000.c, putsum), which turns a sum of 0x0000 into 0xFFFF.
# For TCP that is the other one's-complement zero, which every receiver accepts (RFC 1624 3),
# but tshark marks such a segment bad ("tcp.checksum.ffff"); about one offloaded segment in
# 65,536 carries it.  A filter for bad frames from STOS ANDs this in.
TSHARK_NOT_QEMU_FFFF = "!tcp.checksum.ffff"


def qemu_cmd(append="", initrd=None, net="none", extra=(), interactive=False, limit=60,
             kernel=None):
    """The machine every boot uses; `kernel` is STOS's unless another is given (the bench's
    Linux guest)."""
    cmd = ["timeout", "--signal=KILL", str(limit), "qemu-system-x86_64", "-machine", "pc",
           "-m", "256M", "-display", "none", "-no-reboot",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-kernel", kernel or KERNEL, "-initrd", initrd or TEST_INITRD, "-append", append]
    if interactive:
        cmd += ["-chardev", "stdio,id=con0,signal=off", "-serial", "chardev:con0"]
    else:
        cmd += ["-serial", "stdio"]
    if net == "none":
        cmd += ["-nic", "none"]
    elif net == "user":
        cmd += ["-netdev", "user,id=n0", "-device", "e1000,netdev=n0"]
    return cmd + list(extra)


def log_path(name):
    os.makedirs(LOGS, exist_ok=True)
    return os.path.join(LOGS, f"{SUITE}.{name}.serial.log")


def run(name, append="", stdin=b"", initrd=None, net="none", extra=(), limit=60):
    """Boot, feed stdin, wait for QEMU to exit. Returns (status, text, seconds)."""
    t0 = time.monotonic()
    p = subprocess.run(qemu_cmd(append, initrd, net, extra, limit=limit), input=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=TOP)
    secs = time.monotonic() - t0
    text = p.stdout.decode("utf-8", "replace").replace("\r\n", "\n")
    with open(log_path(name), "w") as f:
        f.write(f"# {' '.join(qemu_cmd(append, initrd, net, extra, limit=limit))}\n")
        f.write(text)
        f.write(f"\n# exit status {p.returncode}, {secs:.2f} s\n")
    return p.returncode, text, secs


class Session:
    """Interactive boot over a pty (pexpect); the log is written as the console runs."""

    def __init__(self, name, append="", initrd=None, net="none", limit=120):
        import pexpect
        self.pexpect = pexpect
        cmd = qemu_cmd(append, initrd, net, interactive=True, limit=limit)
        self.log = open(log_path(name), "w")
        self.log.write(f"# {' '.join(cmd)}\n")
        self.child = pexpect.spawn(cmd[0], cmd[1:], cwd=TOP, timeout=30, encoding="utf-8",
                                   codec_errors="replace")
        self.child.logfile_read = self.log

    def expect(self, pattern, timeout=30):
        """Wait for pattern (a regex); True if seen, False on timeout or exit."""
        try:
            self.child.expect(pattern, timeout=timeout)
            return True
        except (self.pexpect.TIMEOUT, self.pexpect.EOF):
            return False

    def send(self, s):
        self.child.send(s)

    def sendline(self, s):
        self.child.send(s + "\n")

    def before(self):
        return self.child.before or ""

    def close(self, timeout=20):
        """Wait for QEMU to exit (after poweroff); return its exit status."""
        try:
            self.child.expect(self.pexpect.EOF, timeout=timeout)
        except self.pexpect.TIMEOUT:
            pass
        self.child.close(force=True)
        self.log.close()
        return self.child.exitstatus if self.child.exitstatus is not None else -1


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what, detail=None):
        self.n += 1
        print(f"{'ok' if cond else 'not ok'} {self.n} - {what}", flush=True)
        if not cond:
            self.failed += 1
            if detail:
                for line in str(detail).splitlines()[-15:]:
                    print(f"# {line}")
        return cond

    def done(self):
        print(f"1..{self.n}")
        return 1 if self.failed else 0


def kstats(text):
    """Every 'kstats k=v ...' line printed by /ktest/kstat, as a list of dicts."""
    out = []
    for line in text.splitlines():
        if line.startswith("kstats "):
            out.append({k: int(v) for k, v in (f.split("=") for f in line.split()[1:])})
    return out


def balanced(before, after, keys=("pages_free", "kmalloc_objs", "kmalloc_bytes", "nprocs",
                                  "nthreads")):
    """Names of the counters that differ between two kstats dicts."""
    return [k for k in keys if before.get(k) != after.get(k)]


def shell_script(*lines):
    """Commands for init=/bin/sh on the serial port, ending with poweroff."""
    return ("\n".join(lines) + "\npoweroff\n").encode()
