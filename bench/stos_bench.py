#!/usr/bin/python3
"""`make bench`: STOS in QEMU (TCG) on a TAP, measured with Linux tools, next to a stock Linux
guest in the same QEMU machine (Debian 12's kernel and its e1000 driver, bench/linux_guest.py)
and a baseline against a Linux peer over a veth pair, all in the same run with the same tools.

Namespaces (created here, deleted by exact name on every exit path):
  stos-b-<pid>-h  the measuring host: tap0 10.78.0.1/24 (STOS's e1000 behind it, STOS is
                  10.78.0.2), tap1 10.78.1.1/24 (the Linux guest's, 10.78.1.2) and veth bh
                  10.79.0.1/24
  stos-b-<pid>-p  the Linux peer: veth bp 10.79.0.2/24, running bench/peer.py's servers
Figures (each guest; the two guests run side by side and take turns, run by run):
  TCP guest -> host  curl GET /bytes/N from the guest's httpd (median of RUNS)
  TCP host -> guest  peer.py upload into `nc -l PORT > /dev/null` in the guest (median of
                     RUNS); the clock stops when nc has read everything and closed
  ping RTT           host `ping -i 0.05` to the guest, min/avg/max
  UDP pps            host sends 18-byte UDP payloads (64-byte Ethernet frames with FCS) at
                     full speed for UDP_SECS into a UDP reader in the guest (STOS's `nc -u -l
                     PORT > /dev/null`, Linux's bench/linux_udpsink.c); delivered = the
                     guest's Udp InDatagrams delta (/proc/net/snmp) per second
The speed figures are printed, never judged: no pass/fail.  The table also goes to
build/bench/stos-bench.json.  A short tshark capture of one download records how many bytes
STOS keeps in flight (the send-window diagnosis).  BENCH_LINUX_GUEST=0 leaves the Linux guest
out (it needs `apt-get download` to reach Debian's archive once; the packages are kept in
build/bench/linux-guest/debs/).
"""
import atexit
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

import pexpect

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "tests", "system"))
import stosqemu as q  # noqa: E402
import linux_guest  # noqa: E402

PEER = os.path.join(HERE, "peer.py")
OUT = os.path.join(TOP, "build", "bench")
H = f"stos-b-{os.getpid()}-h"
P = f"stos-b-{os.getpid()}-p"
HOST_TAP, STOS_IP = "10.78.0.1", "10.78.0.2"
HOST_TAP1, LINUX_IP = "10.78.1.1", "10.78.1.2"   # tap1: the Linux guest
HOST_VETH, PEER_IP = "10.79.0.1", "10.79.0.2"
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
STOS_MIB = int(os.environ.get("BENCH_STOS_MIB", "16"))
BASE_MIB = int(os.environ.get("BENCH_BASE_MIB", "256"))
UDP_SECS = float(os.environ.get("BENCH_UDP_SECS", "3"))
# For experiments: more kernel command-line options (e.g. "e1000.itr=976") and more QEMU
# options (e.g. a monitor socket for tools/qemu-sample.py).
APPEND_EXTRA = os.environ.get("BENCH_APPEND", "")
QEMU_EXTRA = os.environ.get("BENCH_QEMU_EXTRA", "").split()
# Experiments with where the host does its side: QEMU pinned to these CPUs (taskset -c), and
# the TAP's received frames (what STOS sends) steered by RPS to this CPU mask.
QEMU_CPUS = os.environ.get("BENCH_QEMU_CPUS", "")
TAP_RPS = os.environ.get("BENCH_TAP_RPS", "")
if TAP_RPS and not re.fullmatch(r"[0-9a-fA-F,]+", TAP_RPS):
    sys.exit(f"bench: BENCH_TAP_RPS={TAP_RPS!r} is not a hexadecimal CPU mask")
UDP_LEN = 18   # 14 Ethernet + 20 IP + 8 UDP + 18 + 4 FCS = 64 bytes on the wire
HTTP_PORT, SINK_PORT, UDP_PORT = 8000, 5001, 5002
procs = []
consoles = []   # the guests' pexpect sessions, closed by cleanup() on any way out


def sh(*args, check=True, timeout=120):
    return subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=timeout, check=check).stdout.decode("utf-8", "replace")


def nsx(ns, *args, **kw):
    return sh("ip", "netns", "exec", ns, *args, **kw)


def cleanup():
    for c in consoles:
        if c.isalive():
            c.close(force=True)
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    for ns in (H, P):
        subprocess.run(["ip", "netns", "delete", ns], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def setup():
    atexit.register(cleanup)
    for ns in (H, P):
        sh("ip", "netns", "add", ns)
        nsx(ns, "ip", "link", "set", "lo", "up")
        nsx(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", check=False)
    for tap, addr in (("tap0", HOST_TAP), ("tap1", HOST_TAP1)):
        nsx(H, "ip", "tuntap", "add", "dev", tap, "mode", "tap")
        nsx(H, "ip", "addr", "add", f"{addr}/24", "dev", tap)
        nsx(H, "ip", "link", "set", tap, "up")
        if TAP_RPS:
            nsx(H, "sh", "-c", f"echo {TAP_RPS} > /sys/class/net/{tap}/queues/rx-0/rps_cpus")
    nsx(H, "ip", "link", "add", "bh", "type", "veth", "peer", "name", "bp", "netns", P)
    nsx(H, "ip", "addr", "add", f"{HOST_VETH}/24", "dev", "bh")
    nsx(H, "ip", "link", "set", "bh", "up")
    nsx(P, "ip", "addr", "add", f"{PEER_IP}/24", "dev", "bp")
    nsx(P, "ip", "link", "set", "bp", "up")


def spawn_peer(*args):
    p = subprocess.Popen(["ip", "netns", "exec", P, *args], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    procs.append(p)
    return p


def wait_port(ns, ip, port):
    for _ in range(100):
        r = subprocess.run(["ip", "netns", "exec", ns, "/usr/bin/python3", "-c",
                            f"import socket; socket.create_connection(('{ip}', {port}), 1)"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if r.returncode == 0:
            return True
        time.sleep(0.05)
    return False


def curl_get(ip, port, nbytes):
    """Seconds for curl to fetch /bytes/N (None if the length is wrong)."""
    out = nsx(H, "curl", "-s", "-o", "/dev/null", "-m", "120", "-w",
              "%{size_download} %{time_total}", f"http://{ip}:{port}/bytes/{nbytes}",
              check=False, timeout=150)
    m = re.match(r"(\d+) ([\d.]+)", out)
    if not m or int(m.group(1)) != nbytes:
        print(f"# curl from {ip}: {out.strip()!r}")
        return None
    return float(m.group(2))


def upload(ip, nbytes):
    out = nsx(H, "/usr/bin/python3", PEER, "upload", ip, str(SINK_PORT), str(nbytes),
              check=False, timeout=150)
    m = re.match(r"(\d+) ([\d.]+)", out)
    if not m:
        print(f"# upload to {ip}: {out.strip()!r}")
        return None
    return float(m.group(2))


def udp_send(ip):
    out = nsx(H, "/usr/bin/python3", PEER, "udp", ip, str(UDP_PORT), str(UDP_SECS),
              str(UDP_LEN), timeout=60)
    sent, secs = out.split()
    return int(sent), float(secs)


def ping(ip, count=50):
    out = nsx(H, "ping", "-c", str(count), "-i", "0.05", "-W", "2", "-q", ip, check=False)
    m = re.search(r"= ([\d.]+)/([\d.]+)/([\d.]+)/", out)
    loss = re.search(r"([\d.]+)% packet loss", out)
    if not m:
        return None
    return {"min_ms": float(m.group(1)), "avg_ms": float(m.group(2)),
            "max_ms": float(m.group(3)), "loss_pct": float(loss.group(1)) if loss else None}


def mbit(nbytes, secs_list):
    good = [s for s in secs_list if s]
    if not good:
        return None, []
    rates = [nbytes * 8 / s / 1e6 for s in good]
    return statistics.median(rates), rates


def udp_counters(text):
    """(delivered, buffer-full drops) from /proc/net/snmp text: Linux's "Udp:" pair of lines
    (InDatagrams, RcvbufErrors) or STOS's BSD-named "udp:" pair (delivered, fullsock)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.lower().startswith("udp:")]
    for names, vals in zip(lines, lines[1:]):
        kv = dict(zip(names.split()[1:], vals.split()[1:]))
        try:
            if "InDatagrams" in kv:
                return int(kv["InDatagrams"]), int(kv["RcvbufErrors"])
            if "delivered" in kv:
                return int(kv["delivered"]), int(kv["fullsock"])
        except ValueError:
            continue
    return None


def tap_tx_packets(tap):
    out = nsx(H, "cat", f"/sys/class/net/{tap}/statistics/tx_packets")
    return int(out.strip())


# --- the baseline: same clients, a Linux peer over veth ------------------------------------

def baseline():
    res = {}
    spawn_peer("/usr/bin/python3", PEER, "http", str(HTTP_PORT))
    spawn_peer("/usr/bin/python3", PEER, "sink", str(SINK_PORT))
    if not (wait_port(H, PEER_IP, HTTP_PORT) and wait_port(H, PEER_IP, SINK_PORT)):
        print("# baseline peer did not start")
        return res
    n = BASE_MIB << 20
    res["tcp_rx_mbit"], res["tcp_rx_runs"] = mbit(n, [curl_get(PEER_IP, HTTP_PORT, n)
                                                      for _ in range(RUNS)])
    res["tcp_tx_mbit"], res["tcp_tx_runs"] = mbit(n, [upload(PEER_IP, n) for _ in range(RUNS)])
    res["tcp_bytes"] = n
    res["ping"] = ping(PEER_IP)
    sink = spawn_peer("/usr/bin/python3", PEER, "udpsink", str(UDP_PORT))
    time.sleep(0.5)   # a UDP receiver gives nothing to poll for; it binds at start
    before = udp_counters(nsx(P, "cat", "/proc/net/snmp"))
    sent, secs = udp_send(PEER_IP)
    time.sleep(0.2)
    after = udp_counters(nsx(P, "cat", "/proc/net/snmp"))
    sink.kill()
    got = after[0] - before[0]
    res["udp"] = {"sent": sent, "secs": secs, "sent_pps": sent / secs, "delivered": got,
                  "delivered_pps": got / secs, "rcvbuf_errors": after[1] - before[1]}
    return res


# --- the guests -----------------------------------------------------------------------------

class Guest:
    """A kernel in QEMU on a TAP of its own, with a shell on its serial console (prompt "$ ")
    and the commands the measurements type there: `tcp_listen` reads SINK_PORT to EOF and
    exits, `udp_listen` reads UDP_PORT until Ctrl-C."""
    name = tcp_listen = udp_listen = poweroff = None

    def __init__(self, kernel, initrd, append, tap, ip, log):
        self.tap, self.ip = tap, ip
        net = ["-netdev", f"tap,id=n0,ifname={tap},script=no,downscript=no",
               "-device", "e1000,netdev=n0"] + QEMU_EXTRA
        pin = ["taskset", "-c", QEMU_CPUS] if QEMU_CPUS else []
        self.cmd = pin + ["ip", "netns", "exec", H] + q.qemu_cmd(
            append, initrd, "custom", net, interactive=True, limit=600, kernel=kernel)
        os.makedirs(OUT, exist_ok=True)
        self.logname = os.path.relpath(os.path.join(OUT, log), TOP)
        self.log = open(os.path.join(OUT, log), "w")
        self.log.write(f"# {' '.join(self.cmd)}\n")
        self.con = pexpect.spawn(self.cmd[0], self.cmd[1:], cwd=TOP, timeout=30,
                                 encoding="utf-8", codec_errors="replace")
        self.con.logfile_read = self.log
        consoles.append(self.con)
        self.res = {"tcp_bytes": STOS_MIB << 20, "rx_secs": [], "tx_secs": []}

    def expect(self, pat, timeout=20):
        try:
            self.con.expect(pat, timeout=timeout)
            return True
        except (pexpect.TIMEOUT, pexpect.EOF):
            return False

    def run(self, line, timeout=20):
        """Send a command line and wait for the next prompt."""
        self.con.send(line + "\n")
        return self.expect(r"\$ ", timeout)

    def snmp(self):
        self.con.send("cat /proc/net/snmp\n")
        self.expect(r"snmp\r?\n")
        if not self.expect(r"\$ "):
            return None
        return udp_counters(self.con.before.replace("\r", ""))

    def close(self):
        self.con.send(self.poweroff + "\n")
        self.expect(pexpect.EOF, 20)
        self.con.close(force=True)
        self.log.close()


class Stos(Guest):
    name = "STOS"
    tcp_listen = f"nc -l {SINK_PORT} > /dev/null"
    udp_listen = f"nc -u -l {UDP_PORT} > /dev/null"
    poweroff = "poweroff"

    def __init__(self):
        super().__init__(q.KERNEL, q.INITRD, f"ip={STOS_IP}/24 {APPEND_EXTRA} init=/bin/sh",
                         "tap0", STOS_IP, "stos-bench.serial.log")

    def start(self):
        if not (self.expect(rf"net: eth0 {STOS_IP}/24", 60) and self.expect(r"\$ ")):
            return False
        wait_ping(self.ip)
        self.run("mkdir -p /www")
        self.con.send("httpd &\n")
        self.expect(r"serving /www on port 80", 10)
        return wait_port(H, self.ip, 80)

    def netstat(self):
        """STOS's netstat -s as {(group, name): value}."""
        self.con.send("netstat -s; echo @@done\n")
        if not self.expect(r"\n@@done"):
            return {}
        out, group = {}, None
        for line in self.con.before.replace("\r", "").splitlines():
            m = re.match(r"^(\S+):$", line)
            if m:
                group = m.group(1)
                continue
            m = re.match(r"^\s+(\S+): (\d+)$", line)
            if m and group:
                out[(group, m.group(1))] = int(m.group(2))
        self.expect(r"\$ ")
        return out


class LinuxGuest(Guest):
    """A stock Debian 12 Linux guest (bench/linux_guest.py): its e1000 driver with its
    defaults (offloads on), busybox's httpd and nc, and bench/linux_udpsink.c."""
    name = "Linux"
    tcp_listen = f"nc -l -p {SINK_PORT} > /dev/null"
    udp_listen = f"udpsink {UDP_PORT}"
    poweroff = "poweroff -f"

    def __init__(self, kernel, initrd, pkg):
        super().__init__(kernel, initrd, f"console=ttyS0 quiet benchip={LINUX_IP}/24",
                         "tap1", LINUX_IP, "linux-guest.serial.log")
        self.res["package"] = pkg

    def start(self):
        if not (self.expect(r"linux-guest: ready", 120) and self.expect(r"\$ ")):
            return False
        wait_ping(self.ip)
        n = STOS_MIB << 20
        self.run(f"mkdir -p /www/bytes && dd if=/dev/zero of=/www/bytes/{n} bs=1048576 "
                 f"count={STOS_MIB} 2>/dev/null", 60)
        self.run("httpd -p 80 -h /www")
        return wait_port(H, self.ip, 80)


def wait_ping(ip):
    for _ in range(20):   # an e1000 holds receive for a moment after RCTL is written
        if "1 received" in nsx(H, "ping", "-c", "1", "-W", "1", ip, check=False):
            return


def download(g):
    g.res["rx_secs"].append(curl_get(g.ip, 80, STOS_MIB << 20))


def upload_into(g):
    g.con.send(g.tcp_listen + "\n")
    g.res["tx_secs"].append(upload(g.ip, STOS_MIB << 20))   # retries until nc listens
    g.expect(r"\$ ", 30)


def udp_into(g):
    before = g.snmp()
    g.con.send(g.udp_listen + "\n")
    time.sleep(0.5)
    tap0 = tap_tx_packets(g.tap)
    sent, secs = udp_send(g.ip)
    time.sleep(0.5)
    tap1 = tap_tx_packets(g.tap)
    g.con.send("\x03")
    g.expect(r"\$ ", 10)
    after = g.snmp()
    if before and after:
        got = after[0] - before[0]
        g.res["udp"] = {"sent": sent, "secs": secs, "sent_pps": sent / secs,
                        "to_qemu": tap1 - tap0, "delivered": got, "delivered_pps": got / secs,
                        "rcvbuf_errors": after[1] - before[1]}


def linux_guest_or_none():
    if os.environ.get("BENCH_LINUX_GUEST", "1") == "0":
        return None
    try:
        return LinuxGuest(*linux_guest.build(os.path.join(OUT, "linux-guest")))
    except (RuntimeError, OSError) as e:
        print(f"# no Linux guest: {e}")
        return None


def guests_side():
    """Both guests booted side by side, each on its own TAP, and measured in turn: each
    round downloads from STOS then from Linux (then uploads likewise), so a change in the
    shared machine's speed hits both alike.  Returns (STOS's results, Linux's)."""
    gs = [g for g in (Stos(), linux_guest_or_none()) if g]
    up = []
    for g in gs:
        if g.start():
            up.append(g)
        else:
            print(f"# {g.name} did not come up; see {g.logname}")
            g.close()
    stos = next((g for g in up if isinstance(g, Stos)), None)
    counters = {}
    if stos:
        counters["start"] = stos.netstat()
    for _ in range(RUNS):
        for g in up:
            download(g)
    if stos:
        counters["rx"] = stos.netstat()
    for _ in range(RUNS):
        for g in up:
            upload_into(g)
    if stos:
        counters["tx"] = stos.netstat()
    for g in up:
        g.res["ping"] = ping(g.ip)
    for g in up:
        udp_into(g)
    for g in up:
        r = g.res
        rx, tx = r.pop("rx_secs"), r.pop("tx_secs")
        r["tcp_rx_mbit"], r["tcp_rx_runs"] = mbit(r["tcp_bytes"], rx)
        r["tcp_tx_mbit"], r["tcp_tx_runs"] = mbit(r["tcp_bytes"], tx)
        if g is stos:
            stos_counters(r, counters, rx, tx)
    if stos:
        stos.res["inflight"] = inflight_capture()
    for g in up:
        g.close()
    res = {g.name: g.res for g in up}
    return res.get("STOS", {}), res.get("Linux", {})


def stos_counters(res, c, rx, tx):
    c0, c1, c2 = c["start"], c["rx"], c["tx"]
    # TCP segmentation offload during the downloads: large segments the e1000 cut.
    res["tso"] = {k: c1.get(("tcp", k), 0) - c0.get(("tcp", k), 0)
                  for k in ("sndtso", "sndpack", "sndbyte")}
    # The time STOS's TDT writes took (QEMU transmitting, and the host's stack handling the
    # frames in the same system call), against the transfers' own time.
    res["tdt"] = {}
    for name, a, b, secs in (("download", c0, c1, rx), ("upload", c1, c2, tx)):
        ns_ = b.get(("eth0", "tx_commit_ns"), 0) - a.get(("eth0", "tx_commit_ns"), 0)
        frames = b.get(("eth0", "tx_frames"), 0) - a.get(("eth0", "tx_frames"), 0)
        total = sum(x for x in secs if x)
        res["tdt"][name] = {"ms": ns_ / 1e6, "frames": frames,
                            "share": ns_ / 1e9 / total if total else None}


def inflight_capture():
    """One 4 MiB download captured on tap0: the most data STOS had unacknowledged and the
    largest window the host advertised (the diagnosis of the send rate)."""
    if not shutil.which("tshark"):
        return None
    pcap = os.path.join(OUT, "stos-download.pcap")
    if os.path.exists(pcap):
        os.unlink(pcap)
    cap = subprocess.Popen(["ip", "netns", "exec", H, "tshark", "-q", "-i", "tap0", "-w", pcap,
                            "-f", "tcp port 80"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    procs.append(cap)
    for _ in range(200):   # tshark writes the file header once it is capturing
        if os.path.exists(pcap) and os.path.getsize(pcap) > 0:
            break
        time.sleep(0.05)
    else:
        return None
    time.sleep(0.2)
    curl_get(STOS_IP, 80, 4 << 20)
    time.sleep(0.5)
    cap.terminate()
    cap.wait(10)
    out = sh("tshark", "-r", pcap, "-T", "fields", "-e", "ip.src", "-e", "tcp.analysis.bytes_in_flight",
             "-e", "tcp.window_size", check=False)
    flight, win = [], []
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) < 3:
            continue
        if f[0] == STOS_IP and f[1]:
            flight.append(int(f[1]))
        elif f[0] == HOST_TAP and f[2]:
            win.append(int(f[2]))
    if not flight:
        return None
    return {"max_bytes_in_flight": max(flight), "median_bytes_in_flight":
            statistics.median(flight), "host_max_window": max(win) if win else None,
            "pcap": os.path.relpath(pcap, TOP)}


def fmt(v, unit=""):
    return "-" if v is None else f"{v:,.1f}{unit}"


def main():
    if os.geteuid() != 0:
        sys.exit("bench: needs root (network namespaces and a TAP)")
    for f in (q.KERNEL, q.INITRD):
        if not os.path.exists(f):
            sys.exit(f"bench: {f} is missing; run make first")
    t0 = time.monotonic()
    qv = sh("qemu-system-x86_64", "--version").splitlines()[0]
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo")
                if ln.startswith("model name")), "?")
    machine = "pc (i440FX), TCG (no KVM), 1 vCPU, 256 MiB, e1000 on a TAP"
    print(f"# {qv}\n# machine: {machine}\n# host: {cpu}, {os.cpu_count()} cores, "
          f"Linux {os.uname().release}")
    setup()
    base = baseline()
    stos, linux = guests_side()
    hosted = None   # the hosted TCP benchmark runs next, on its own (bench/hosted/)

    def row(name, unit, get):
        return (name, unit, get(stos), get(linux), get(base))

    rows = [
        row("TCP guest->host (curl httpd /bytes)", "Mbit/s", lambda r: r.get("tcp_rx_mbit")),
        row("TCP host->guest (upload to nc -l)", "Mbit/s", lambda r: r.get("tcp_tx_mbit")),
    ]
    for k in ("min_ms", "avg_ms", "max_ms"):
        rows.append(row(f"ping RTT {k[:3]}", "ms", lambda r, k=k: (r.get("ping") or {}).get(k)))
    rows.append(row("UDP 64-byte frames delivered", "pkt/s",
                    lambda r: (r.get("udp") or {}).get("delivered_pps")))
    rows.append(row("UDP 64-byte frames sent by host tool", "pkt/s",
                    lambda r: (r.get("udp") or {}).get("sent_pps")))
    print(f"\n{'figure':<38} {'unit':<7} {'STOS/QEMU':>12} {'Linux/QEMU':>12} {'Linux veth':>12} "
          f"{'STOS/Linux':>10}")
    for name, unit, sv, lv, bv in rows:
        ratio = f"{sv / lv:.3f}" if sv and lv else "-"
        print(f"{name:<38} {unit:<7} {fmt(sv):>12} {fmt(lv):>12} {fmt(bv):>12} {ratio:>10}")
    print("# STOS/QEMU and Linux/QEMU: the same QEMU machine and e1000, each on a TAP of its own, "
          "booted side by side and measured in alternate runs; Linux veth: a Linux peer over "
          "veth, the tools' own ceiling")
    if linux.get("package"):
        print(f"# Linux guest: {linux['package']} with busybox-static (bench/linux_guest.py); "
              f"runs rx {[round(x, 1) for x in linux.get('tcp_rx_runs', [])]} "
              f"tx {[round(x, 1) for x in linux.get('tcp_tx_runs', [])]} Mbit/s")
    print(f"\n# TCP sizes: STOS {STOS_MIB} MiB, baseline {BASE_MIB} MiB, median of {RUNS}; "
          f"runs STOS rx {[round(x, 1) for x in stos.get('tcp_rx_runs', [])]} "
          f"tx {[round(x, 1) for x in stos.get('tcp_tx_runs', [])]} Mbit/s")
    if stos.get("udp"):
        u = stos["udp"]
        print(f"# UDP into STOS: {u['sent']} sent in {u['secs']:.2f} s, {u['to_qemu']} left the "
              f"TAP towards QEMU, {u['delivered']} delivered to nc "
              f"(socket-buffer-full drops {u['rcvbuf_errors']})")
    if stos.get("tso"):
        t = stos["tso"]
        print(f"# STOS downloads: {t['sndpack']} wire segments ({t['sndbyte']} bytes) went to "
              f"the e1000 as {t['sndtso']} TSO segments (netstat -s: tcp sndtso)")
    if stos.get("tdt"):
        d, u = stos["tdt"]["download"], stos["tdt"]["upload"]
        if d["share"] is not None and u["share"] is not None:
            print(f"# STOS's TDT writes (QEMU transmitting; the host's stack takes each frame "
                  f"in the same call): {d['share'] * 100:.0f}% of the downloads' time "
                  f"({d['frames']} frames), {u['share'] * 100:.0f}% of the uploads' "
                  f"({u['frames']} frames, the ACKs)")
    if stos.get("inflight"):
        i = stos["inflight"]
        print(f"# 4 MiB download capture ({i['pcap']}): STOS kept at most "
              f"{i['max_bytes_in_flight']} bytes in flight (median "
              f"{i['median_bytes_in_flight']:.0f}); the host advertised up to "
              f"{i['host_max_window']} bytes")
    print("# hosted stack: the hosted TCP benchmark follows (bench/hosted/, make bench-hosted)")
    doc = {"qemu": qv, "machine": machine, "host_cpu": cpu, "host_cores": os.cpu_count(),
           "kernel_release": os.uname().release, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                       time.gmtime()),
           "stos": stos, "linux_guest": linux, "linux_veth_baseline": base, "hosted": hosted,
           "udp_payload_bytes": UDP_LEN, "seconds": round(time.monotonic() - t0, 1)}
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "stos-bench.json"), "w") as f:
        json.dump(doc, f, indent=2)
    print(f"# saved build/bench/stos-bench.json ({doc['seconds']} s)")


if __name__ == "__main__":
    main()
