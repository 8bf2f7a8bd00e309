#!/usr/bin/python3
"""What receiving costs STOS, per frame, in guest instructions (a measurement, not a test).

  sudo /usr/bin/python3 tests/system/rxcost.py [--kernel K] [--udp N | --tcp-mib N] [--runs R]
                                               [--append "e1000.itr=N ..."]
  sudo /usr/bin/python3 tests/system/rxcost.py --first-ping [--runs R]

Boots STOS on a TAP in a namespace it creates (stos-t-<pid>-rxcost, deleted by exact name on
exit) under QEMU's -icount shift=0, so the kernel clock advances one nanosecond per guest
instruction and the netisr's time counters (netstat -s groups "netisr" and "eth0") count
instructions, whatever the host's load.  Then, from the namespace:
  --udp N      N 1472-byte UDP datagrams to a closed port (no process in STOS competes for
               the net lock, so the netisr's figures are the receive path alone), paced in
               bursts of 64; the default, N = 20000
  --tcp-mib N  N MiB over TCP into `nc -l` (the netisr figures then include waits for the
               net lock while nc holds it)
Prints, per received frame: instructions in the drivers' poll, in netisr_run (the interface
input queues), in the callout wheel, and the e1000's ring-walk and stack shares; interrupts,
netisr loops and ring walks.
--first-ping boots without -icount and prints the RTT of the first ping after the shell
prompt (QEMU holds reception off for a second after every RCTL write), one per boot.
"""
import argparse
import atexit
import os
import re
import statistics
import subprocess
import sys
import time

import pexpect

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stosqemu as q  # noqa: E402

NS = f"stos-t-{os.getpid()}-rxcost"
LINUX_IP, STOS_IP = "10.77.3.1", "10.77.3.2"


def sh(*a, **kw):
    return subprocess.run(list(a), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)


def nsx(*a, **kw):
    return sh("ip", "netns", "exec", NS, *a, **kw)


def boot(kernel, icount, append=""):
    extra = ["-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no",
             "-device", "e1000,netdev=n0"]
    if icount:
        extra += ["-icount", "shift=0,sleep=on"]
    cmd = ["ip", "netns", "exec", NS] + q.qemu_cmd(f"ip={STOS_IP}/24 {append} init=/bin/sh", q.INITRD,
                                                   "custom", extra, interactive=True, limit=300)
    cmd[cmd.index("-kernel") + 1] = kernel
    c = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace", timeout=60)
    c.expect(r"\$ ")
    return c


def snapshot(c):
    c.sendline("echo @@S; cat /proc/net/snmp; echo @@E")
    c.expect(r"\n@@S\r*\n")
    c.expect(r"\n@@E\r*\n")
    out, names = {}, {}
    for line in c.before.replace("\r", "").splitlines():
        m = re.match(r"^(\S+):((?:\s+\S+)+)$", line)
        if m:
            g, f = m.group(1), m.group(2).split()
            if g in names and all(x.isdigit() for x in f):
                out[g] = dict(zip(names[g], map(int, f)))
            else:
                names[g] = f
    return out


SENDER = """
import socket, sys, time
mode, n, ip = sys.argv[1], int(sys.argv[2]), sys.argv[3]
t = time.monotonic()
if mode == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    b = bytes(1472)
    for i in range(n):
        s.sendto(b, (ip, 9))
        if i % 64 == 63:
            time.sleep(0.002)
else:
    s = socket.create_connection((ip, 5001), timeout=60)
    b = bytes(1 << 20)
    for i in range(n):
        s.sendall(b)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
print(time.monotonic() - t)
"""


def measure(kernel, mode, n, append):
    c = boot(kernel, True, append)
    if mode == "tcp":
        c.sendline("nc -l 5001 > /dev/null &")
        c.expect(r"\$ ")
        c.sendline("until grep -q ':1389 00000000:0000 0A' /proc/net/tcp; do sleep 1; done")
        c.expect(r"\$ ")
    # Past the receive hold-off: a ping that is answered.
    for _ in range(10):
        if nsx("ping", "-c", "1", "-W", "1", STOS_IP).returncode == 0:
            break
    s0 = snapshot(c)
    r = nsx("/usr/bin/python3", "-c", SENDER, mode, str(n), STOS_IP, timeout=300)
    secs = float(r.stdout.decode().split()[-1])
    s1 = snapshot(c)
    c.sendline("poweroff")
    c.expect(pexpect.EOF, timeout=30)

    def d(g, k):
        return s1.get(g, {}).get(k, 0) - s0.get(g, {}).get(k, 0)
    fr = max(d("eth0", "rx_frames"), 1)
    ni = {k: d("netisr", k) for k in ("loops", "driver_ns", "queue_ns", "timer_ns")}
    total = ni["driver_ns"] + ni["queue_ns"] + ni["timer_ns"]
    print(f"{os.path.basename(kernel)} {mode} {n}: {fr} frames in, {d('eth0', 'tx_frames')} out, "
          f"{secs:.2f} s; interrupts {d('eth0', 'intr')}, netisr loops {ni['loops']}, "
          f"ring walks {d('eth0', 'rx_passes')}")
    print(f"  instructions per received frame: netisr {total / fr:.0f} = drivers' poll "
          f"{ni['driver_ns'] / fr:.0f} (ring walk {d('eth0', 'rx_ring_ns') / fr:.0f}, stack "
          f"{d('eth0', 'rx_stack_ns') / fr:.0f}) + netisr_run {ni['queue_ns'] / fr:.0f} + "
          f"timers {ni['timer_ns'] / fr:.0f}")
    return total / fr


def first_ping(kernel):
    c = boot(kernel, False)
    r = nsx("ping", "-c", "1", "-W", "3", STOS_IP).stdout.decode()
    c.sendline("poweroff")
    c.expect(pexpect.EOF, timeout=30)
    m = re.search(r"time=([\d.]+) ms", r)
    return float(m.group(1)) if m else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel", default=q.KERNEL)
    ap.add_argument("--udp", type=int, default=0)
    ap.add_argument("--tcp-mib", type=int, default=0)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--first-ping", action="store_true")
    ap.add_argument("--append", default="", help="more kernel command line (e1000.itr=N ...)")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("rxcost: needs root (network namespaces)")
    atexit.register(lambda: sh("ip", "netns", "delete", NS))
    sh("ip", "netns", "add", NS)
    for c in (["ip", "tuntap", "add", "dev", "tap0", "mode", "tap"],
              ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"],
              ["ip", "addr", "add", f"{LINUX_IP}/24", "dev", "tap0"],
              ["ip", "link", "set", "tap0", "up"]):
        nsx(*c)
    if a.first_ping:
        rtts = [first_ping(a.kernel) for _ in range(a.runs)]
        ok = [x for x in rtts if x is not None]
        print(f"first ping after boot (ms): {rtts}; median "
              f"{statistics.median(ok) if ok else 'none'}")
        return 0
    mode, n = ("tcp", a.tcp_mib) if a.tcp_mib else ("udp", a.udp or 20000)
    per = [measure(a.kernel, mode, n, a.append) for _ in range(a.runs)]
    if len(per) > 1:
        print(f"median netisr instructions per received frame: {statistics.median(per):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
