#!/usr/bin/python3
"""`make bench`: STOS in QEMU (TCG) on a TAP, measured with Linux tools, next to a baseline
measured in the same run with the same tools against a Linux peer over a veth pair.

Namespaces (created here, deleted by exact name on every exit path):
  stos-b-<pid>-h  the measuring host: tap0 10.78.0.1/24 (QEMU's e1000 behind it, STOS is
                  10.78.0.2) and veth bh 10.79.0.1/24
  stos-b-<pid>-p  the Linux peer: veth bp 10.79.0.2/24, running bench/peer.py's servers
Figures:
  TCP STOS -> host   curl GET /bytes/N from STOS's httpd (median of RUNS)
  TCP host -> STOS   peer.py upload into `nc -l PORT > /dev/null` in STOS (median of RUNS);
                     the clock stops when nc has read everything and closed
  ping RTT           host `ping -i 0.05` to STOS, min/avg/max
  UDP pps            host sends 18-byte UDP payloads (64-byte Ethernet frames with FCS) at
                     full speed for UDP_SECS into `nc -u -l PORT > /dev/null` in STOS;
                     delivered = STOS's Udp InDatagrams delta (/proc/net/snmp) per second
The speed figures are printed, never judged: no pass/fail.  The table also goes to
build/bench/stos-bench.json.  A short tshark capture of one download records how many bytes
STOS keeps in flight (the send-window diagnosis).
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

PEER = os.path.join(HERE, "peer.py")
OUT = os.path.join(TOP, "build", "bench")
H = f"stos-b-{os.getpid()}-h"
P = f"stos-b-{os.getpid()}-p"
HOST_TAP, STOS_IP = "10.78.0.1", "10.78.0.2"
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


def sh(*args, check=True, timeout=120):
    return subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=timeout, check=check).stdout.decode("utf-8", "replace")


def nsx(ns, *args, **kw):
    return sh("ip", "netns", "exec", ns, *args, **kw)


def cleanup():
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
    nsx(H, "ip", "tuntap", "add", "dev", "tap0", "mode", "tap")
    nsx(H, "ip", "addr", "add", f"{HOST_TAP}/24", "dev", "tap0")
    nsx(H, "ip", "link", "set", "tap0", "up")
    if TAP_RPS:
        nsx(H, "sh", "-c", f"echo {TAP_RPS} > /sys/class/net/tap0/queues/rx-0/rps_cpus")
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


def tap_tx_packets():
    out = nsx(H, "cat", "/sys/class/net/tap0/statistics/tx_packets")
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


# --- STOS -----------------------------------------------------------------------------------

class Stos:
    def __init__(self):
        net = ["-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no",
               "-device", "e1000,netdev=n0"] + QEMU_EXTRA
        pin = ["taskset", "-c", QEMU_CPUS] if QEMU_CPUS else []
        self.cmd = pin + ["ip", "netns", "exec", H] + q.qemu_cmd(
            f"ip={STOS_IP}/24 {APPEND_EXTRA} init=/bin/sh", q.INITRD, "custom", net,
            interactive=True,
            limit=280)
        os.makedirs(OUT, exist_ok=True)
        self.log = open(os.path.join(OUT, "stos-bench.serial.log"), "w")
        self.log.write(f"# {' '.join(self.cmd)}\n")
        self.con = pexpect.spawn(self.cmd[0], self.cmd[1:], cwd=TOP, timeout=30,
                                 encoding="utf-8", codec_errors="replace")
        self.con.logfile_read = self.log

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

    def close(self):
        self.con.send("poweroff\n")
        self.expect(pexpect.EOF, 20)
        self.con.close(force=True)
        self.log.close()


def stos_side():
    res = {}
    s = Stos()
    if not (s.expect(rf"net: eth0 {STOS_IP}/24", 60) and s.expect(r"\$ ")):
        print("# STOS did not come up; see build/bench/stos-bench.serial.log")
        s.close()
        return res
    for _ in range(20):   # the e1000 holds receive for a moment after RCTL is written
        if "1 received" in nsx(H, "ping", "-c", "1", "-W", "1", STOS_IP, check=False):
            break
    s.run("mkdir -p /www")
    s.con.send("httpd &\n")
    s.expect(r"serving /www on port 80", 10)
    wait_port(H, STOS_IP, 80)

    n = STOS_MIB << 20
    res["tcp_bytes"] = n
    c0 = s.netstat()
    rx = [curl_get(STOS_IP, 80, n) for _ in range(RUNS)]
    res["tcp_rx_mbit"], res["tcp_rx_runs"] = mbit(n, rx)
    c1 = s.netstat()
    # TCP segmentation offload during the downloads: large segments the e1000 cut.
    res["tso"] = {k: c1.get(("tcp", k), 0) - c0.get(("tcp", k), 0)
                  for k in ("sndtso", "sndpack", "sndbyte")}
    tx = []
    for _ in range(RUNS):
        s.con.send(f"nc -l {SINK_PORT} > /dev/null\n")
        secs = upload(STOS_IP, n)   # retries until nc listens (a probe would be its one peer)
        tx.append(secs)
        s.expect(r"\$ ", 30)
    res["tcp_tx_mbit"], res["tcp_tx_runs"] = mbit(n, tx)
    c2 = s.netstat()
    # The time STOS's TDT writes took (QEMU transmitting, and the host's stack handling the
    # frames in the same system call), against the transfers' own time.
    res["tdt"] = {}
    for name, a, b, secs in (("download", c0, c1, rx), ("upload", c1, c2, tx)):
        ns_ = b.get(("eth0", "tx_commit_ns"), 0) - a.get(("eth0", "tx_commit_ns"), 0)
        frames = b.get(("eth0", "tx_frames"), 0) - a.get(("eth0", "tx_frames"), 0)
        total = sum(x for x in secs if x)
        res["tdt"][name] = {"ms": ns_ / 1e6, "frames": frames,
                            "share": ns_ / 1e9 / total if total else None}
    res["ping"] = ping(STOS_IP)

    before = s.snmp()
    s.con.send(f"nc -u -l {UDP_PORT} > /dev/null\n")
    time.sleep(0.5)
    tap0 = tap_tx_packets()
    sent, secs = udp_send(STOS_IP)
    time.sleep(0.5)
    tap1 = tap_tx_packets()
    s.con.send("\x03")
    s.expect(r"\$ ", 10)
    after = s.snmp()
    if before and after:
        got = after[0] - before[0]
        res["udp"] = {"sent": sent, "secs": secs, "sent_pps": sent / secs,
                      "to_qemu": tap1 - tap0, "delivered": got, "delivered_pps": got / secs,
                      "rcvbuf_errors": after[1] - before[1]}

    res["inflight"] = inflight_capture()
    s.close()
    return res


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
    stos = stos_side()
    hosted = None   # no hosted-stack bench harness exists yet (issue 6's is T's later work)
    rows = [
        ("TCP STOS->host (curl httpd /bytes)", "Mbit/s", stos.get("tcp_rx_mbit"),
         base.get("tcp_rx_mbit")),
        ("TCP host->STOS (upload to nc -l)", "Mbit/s", stos.get("tcp_tx_mbit"),
         base.get("tcp_tx_mbit")),
    ]
    for k in ("min_ms", "avg_ms", "max_ms"):
        rows.append((f"ping RTT {k[:3]}", "ms", (stos.get("ping") or {}).get(k),
                     (base.get("ping") or {}).get(k)))
    rows.append(("UDP 64-byte frames delivered", "pkt/s",
                 (stos.get("udp") or {}).get("delivered_pps"),
                 (base.get("udp") or {}).get("delivered_pps")))
    rows.append(("UDP 64-byte frames sent by host tool", "pkt/s", (stos.get("udp") or {}).get("sent_pps"),
                 (base.get("udp") or {}).get("sent_pps")))
    print(f"\n{'figure':<38} {'unit':<7} {'STOS/QEMU':>12} {'Linux veth':>12} {'ratio':>7}")
    for name, unit, sv, bv in rows:
        ratio = f"{sv / bv:.3f}" if sv and bv else "-"
        print(f"{name:<38} {unit:<7} {fmt(sv):>12} {fmt(bv):>12} {ratio:>7}")
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
           "stos": stos, "linux_veth_baseline": base, "hosted": hosted,
           "udp_payload_bytes": UDP_LEN, "seconds": round(time.monotonic() - t0, 1)}
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "stos-bench.json"), "w") as f:
        json.dump(doc, f, indent=2)
    print(f"# saved build/bench/stos-bench.json ({doc['seconds']} s)")


if __name__ == "__main__":
    main()
