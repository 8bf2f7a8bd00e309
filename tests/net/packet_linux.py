#!/usr/bin/python3
"""tcpdump and arping (user/bin) on Linux: they are Linux ABI binaries, so their packet-socket
and BPF use is checked first against Linux's own AF_PACKET (which validates every filter we
compile).  A network namespace with a veth pair is created for the test and removed after.

Usage: packet_linux.py [first-TAP-number]; prints TAP lines, exits 1 on any failure.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(TOP, "build", "user", "bin")
NS = f"stospkt{os.getpid()}"
A, B = f"spk{os.getpid() % 100000}a", f"spk{os.getpid() % 100000}b"
IP_A, IP_B = "10.199.0.1", "10.199.0.2"
n = int(sys.argv[1]) if len(sys.argv) > 1 else 0
failed = 0


def tap(ok, what, detail=""):
    global n, failed
    n += 1
    if not ok:
        failed += 1
        for line in str(detail).splitlines():
            print("# " + line)
    print(f"{'ok' if ok else 'not ok'} {n} - linux: {what}", flush=True)


def sh(*args, check=True):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=30, check=check)


def tcpdump(args):
    """Start tcpdump on A; wait for its 'listening on' line (stderr)."""
    p = subprocess.Popen([os.path.join(BIN, "tcpdump"), "-n", "-i", A] + args,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()
    return p, "listening on" in line


def finish(p, timeout=10):
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    return p.returncode, out, err


def udp_send(port, data):
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(data, (IP_B, port))
    s.close()


def setup():
    sh("ip", "netns", "add", NS)
    sh("ip", "link", "add", A, "type", "veth", "peer", "name", B)
    sh("ip", "link", "set", B, "netns", NS)
    sh("ip", "addr", "add", IP_A + "/24", "dev", A)
    sh("ip", "link", "set", A, "up")
    sh("ip", "-n", NS, "addr", "add", IP_B + "/24", "dev", B)
    sh("ip", "-n", NS, "link", "set", B, "up")
    # wait for the link (veth carrier) so the first ping is not lost
    for _ in range(50):
        if sh(os.path.join(BIN, "ping"), "-c", "1", "-W", "1", IP_B, check=False).returncode == 0:
            return
        time.sleep(0.1)


def cleanup():
    subprocess.run(["ip", "link", "del", A], capture_output=True)
    subprocess.run(["ip", "netns", "del", NS], capture_output=True)


def main():
    setup()
    ping = os.path.join(BIN, "ping")
    ts = r"\d\d:\d\d:\d\d\.\d{6} "

    # 1: icmp filter, two requests and two replies
    p, ready = tcpdump(["-c", "4", "icmp"])
    sh(ping, "-c", "2", "-i", "0.2", IP_B, check=False)
    rc, out, err = finish(p)
    lines = out.splitlines()
    want = [rf"{ts}IP {IP_A} > {IP_B}: ICMP echo request, id \d+, seq 1, length 64",
            rf"{ts}IP {IP_B} > {IP_A}: ICMP echo reply, id \d+, seq 1, length 64",
            rf"{ts}IP {IP_A} > {IP_B}: ICMP echo request, id \d+, seq 2, length 64",
            rf"{ts}IP {IP_B} > {IP_A}: ICMP echo reply, id \d+, seq 2, length 64"]
    ok = ready and rc == 0 and len(lines) == 4 and all(re.fullmatch(w, l) for w, l in zip(want, lines))
    tap(ok, "tcpdump -c 4 icmp shows 2 requests and 2 replies", out + err)
    tap("4 packets captured" in err, "tcpdump reports its count", err)

    # 2: -w pcap of arp, read back by tshark and by tcpdump -r; arping gets its reply
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "x.pcap")
        p, ready = tcpdump(["-c", "2", "-w", path, "arp"])
        r = sh(os.path.join(BIN, "arping"), "-c", "1", "-I", A, IP_B, check=False)
        tap(r.returncode == 0 and re.search(rf"Unicast reply from {IP_B} \[[0-9A-F:]{{17}}\]", r.stdout)
            and "Received 1 response(s)" in r.stdout, "arping -c 1 gets a reply", r.stdout + r.stderr)
        rc, out, err = finish(p)
        t = sh("tshark", "-r", path, "-T", "fields", "-e", "arp.opcode", "-e", "arp.dst.proto_ipv4",
               check=False)
        tap(rc == 0 and t.returncode == 0 and t.stdout.split() == ["1", IP_B, "2", IP_A],
            "tcpdump -w writes a pcap tshark reads (ARP request and reply)", t.stdout + t.stderr + err)
        r = sh(os.path.join(BIN, "tcpdump"), "-n", "-r", path, check=False)
        lines = r.stdout.splitlines()[1:]
        ok = (r.returncode == 0 and len(lines) == 2 and
              re.fullmatch(rf"{ts}ARP, Request who-has {IP_B} tell {IP_A}, length 28", lines[0]) and
              re.fullmatch(rf"{ts}ARP, Reply {IP_B} is-at [0-9a-f:]{{17}}, length 28", lines[1]))
        tap(ok, "tcpdump -r prints the capture", r.stdout + r.stderr)
    r = sh(os.path.join(BIN, "arping"), "-c", "1", "-I", A, "10.199.0.99", check=False)
    tap(r.returncode == 1 and "Received 0 response(s)" in r.stdout, "arping to nobody: exit 1", r.stdout)

    # 3: udp port filter with -e -x: only the datagram to port 5555
    p, ready = tcpdump(["-e", "-x", "-c", "1", "udp", "port", "5555"])
    udp_send(5556, b"nope!")
    udp_send(5555, b"hello")
    rc, out, err = finish(p)
    lines = out.splitlines()
    ok = (rc == 0 and len(lines) >= 3 and
          re.fullmatch(rf"{ts}[0-9a-f:]{{17}} > [0-9a-f:]{{17}}, ethertype IPv4 \(0x0800\), length 47: "
                       rf"IP {IP_A}\.\d+ > {IP_B}\.5555: UDP, length 5", lines[0]) and
          lines[1].startswith("\t0x0000:  4500 0021") and "6865 6c6c" in lines[2] and
          lines[3] == "\t0x0020:  6f")
    tap(ok, "tcpdump -e -x udp port 5555 (the 5556 datagram filtered out)", out + err)

    # 4: tcp: a SYN to a closed port and its RST
    p, ready = tcpdump(["-c", "2", "tcp", "and", "(dst", "port", "7777", "or", "src", "port", "7777)"])
    import socket
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect((IP_B, 7777))
    except OSError:
        pass
    s.close()
    rc, out, err = finish(p)
    lines = out.splitlines()
    ok = (rc == 0 and len(lines) == 2 and
          re.fullmatch(rf"{ts}IP {IP_A}\.\d+ > {IP_B}\.7777: Flags \[S\], seq \d+, win \d+, "
                       r"options \[mss 1460,sackOK,TS val \d+ ecr 0,nop,wscale \d+\], length 0", lines[0]) and
          re.fullmatch(rf"{ts}IP {IP_B}\.7777 > {IP_A}\.\d+: Flags \[R\.\], seq 0, ack \d+, win 0, length 0",
                       lines[1]))
    tap(ok, "tcpdump tcp port: SYN with options, RST+ACK", out + err)

    # 5: a compound expression compiles to a program Linux accepts, and selects right
    # (the datagram to port 9 is filtered out; the ICMP error about it is not)
    p, ready = tcpdump(["-c", "3", "not arp and host", IP_B, "and (icmp or udp) and not port 9"])
    udp_send(9, b"x")
    sh(ping, "-c", "1", IP_B, check=False)
    rc, out, err = finish(p)
    lines = out.splitlines()
    ok = (rc == 0 and len(lines) == 3 and
          re.fullmatch(rf"{ts}IP {IP_B} > {IP_A}: ICMP {IP_B} udp port 9 unreachable, length 37", lines[0])
          and "ICMP echo request" in lines[1] and "ICMP echo reply" in lines[2])
    tap(ok and ready, "compound filter (not, and, or, parentheses) attached by Linux", out + err)

    # 6: bad expressions are refused before any socket is opened
    r = sh(os.path.join(BIN, "tcpdump"), "-d", "port", "99999", check=False)
    r2 = sh(os.path.join(BIN, "tcpdump"), "-d", "(icmp", check=False)
    tap(r.returncode == 1 and r2.returncode == 1 and "bad port" in r.stderr and "missing )" in r2.stderr,
        "bad filter expressions are refused", r.stderr + r2.stderr)


if __name__ == "__main__":
    if os.geteuid() != 0 or not os.path.exists("/usr/sbin/ip"):
        n += 1
        print(f"ok {n} - linux: tcpdump/arping # SKIP needs root and iproute2")
        sys.exit(0)
    try:
        main()
    finally:
        cleanup()
    sys.exit(1 if failed else 0)
