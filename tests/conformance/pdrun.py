#!/usr/bin/python3
"""Run packetdrill-format scripts against the hosted STOS stack over an in-memory wire.

Usage:
    pdrun.py [--driver build/host/stosdrive] [--tap] [--parse-only] [-v] FILE_OR_DIR...

One driver process (build/host/stosdrive) per script holds a fresh stack instance on a virtual
clock; this runner speaks to it over a pipe (the protocol is described in host/stosdrive.c):
it advances time, injects IPv4 packets, collects the packets the stack sends, and performs
socket calls.  Scripts give sequence numbers, acknowledgments and timestamps relative to each
side's initial value; the runner maps them using the stack's own ISN and first TSval, which it
learns from the stack's first SYN (or SYN-ACK), and its own remote ISN.

Matching levels.  Every outbound packet and system call is compared, and each comparison yields
"exact", "loose" or a failure:
  strict fields (a mismatch fails the script): TCP flags except PSH, sequence number, ack, urgent pointer (`urg N`),
      payload length, the set of options and their values (MSS, window scale, SACK-permitted,
      timestamp echo, SACK blocks), system call return values and errno, timing within the
      script's tolerance;
  loose fields (a mismatch is recorded, the script still passes at level "loose"): the window
      field, the order and padding of options (nop/eol), the PSH flag, the TSval clock (RFC 7323
      leaves its rate to the sender), and SO_RCVBUF/SO_SNDBUF sizes (FreeBSD's accounting).
A script that has the option `--strict_window` (a STOS extension) makes the window field
strict.  A script passes "exact" when no loose difference was seen.  Anything the stack sends that no
line expects fails the script, checked before every event and at the end; only what a final
system call sends is not examined (packetdrill stops at the last event).

Backtick lines: `sysctl -w net.inet.tcp.X=V` goes to the driver's settings (unknown knobs are
listed and ignored); `sockstat ... | grep -c STATE | grep N` becomes a count of connections in
that state; `tcpdrop -s TIME_WAIT` drops them; everything else (host cache purge, kldload,
setkey) is listed and ignored.  `%{ assert tcpi_state == X }%`, `tcpi_options == X` and
`tcpi_snd_cwnd == N` (segments, as Linux's TCP_INFO counts them) query
TCP_INFO of the most recently created socket.

TCP-MD5 (RFC 2385): with `--tcp_md5_secret=S`, an injected `md5 valid` option carries the
digest of the segment under S (hashlib's MD5), `md5 invalid` a wrong one, and the digest of
every `md5 valid` the stack sends is checked.  `setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, [1], 4)`
(FreeBSD's form, whose keys come from its IPsec database) sets Linux's per-peer key: S for the
script's remote address (`[0]` deletes it).

Expected differences: tests/conformance/expected-differences.txt lists scripts (path relative
to the suite root or a glob) that are known to fail, each with a reviewed reason.  Such a
failure prints XFAIL; an unexpected pass prints XPASS so that the entry can be removed.
"""
import argparse
import fnmatch
import hashlib
import os
import re
import struct
import subprocess
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import pdparse  # noqa: E402

# The FreeBSD TCP test suite (BSD-2-Clause, unchanged copy with its LICENSE.md).
DEFAULT_SUITE = os.path.join(HERE, "freebsd-tcp-testsuite")
LOCAL_IP = "192.168.0.1"
REMOTE_IP = "192.0.2.1"
SERVER_PORT = 8080          # bind(..., ...) and connect(..., ...) use this port
REMOTE_PORT = 40000         # source port of the peer when it opens the connection
NO_CONN_ISN = 0x01000000    # sequence base for segments exchanged before any SYN

# ---------------------------------------------------------------------------------------------
# Symbol values come from the ABI headers (Linux values), so there is one source of truth.


def load_symbols():
    syms = {}
    incdir = os.path.join(TOP, "include", "stos")
    for fn in sorted(os.listdir(incdir)):
        with open(os.path.join(incdir, fn)) as f:
            for line in f:
                m = re.match(r"#define\s+([A-Z_][A-Z0-9_]*)\s+\(?\s*(-?(?:0x[0-9a-fA-F]+|\d+)|[A-Z_][A-Z0-9_]*)\s*\)?\s*(?:/\*.*)?$", line)
                if not m:
                    continue
                v = m.group(2)
                if v in syms:
                    syms[m.group(1)] = syms[v]
                elif re.match(r"^0[0-7]+$", v):
                    syms[m.group(1)] = int(v, 8)     # C octal
                elif re.match(r"-?\d|0x", v):
                    syms[m.group(1)] = int(v, 0)
    # FreeBSD names the scripts use that Linux spells differently.
    syms.setdefault("IPTOS_DSCP_CS1", 0x20)
    syms.setdefault("IPTOS_DSCP_CS7", 0xe0)
    syms.setdefault("IPTOS_DSCP_CSN", 0x20)
    return syms


SYMS = load_symbols()
ERRNAMES = {}
for _k, _v in SYMS.items():
    if _k.startswith("E") and _k.isupper() and _k not in ("EWOULDBLOCK", "EDEADLOCK"):
        ERRNAMES.setdefault(_v, _k)

# tcpi_state values (Linux numbering, which our TCP_INFO reports).
TCPI_STATES = {"TCPI_ESTABLISHED": 1, "TCPI_SYN_SENT": 2, "TCPI_SYN_RECEIVED": 3,
               "TCPI_FIN_WAIT_1": 4, "TCPI_FIN_WAIT_2": 5, "TCPI_TIME_WAIT": 6,
               "TCPI_CLOSED": 7, "TCPI_CLOSE_WAIT": 8, "TCPI_LAST_ACK": 9, "TCPI_LISTEN": 10,
               "TCPI_CLOSING": 11}
TCPI_OPTS = {"TCPI_OPT_TIMESTAMPS": 1, "TCPI_OPT_SACK": 2, "TCPI_OPT_WSCALE": 4,
             "TCPI_OPT_ECN": 8}
STATE_NAMES = {"ESTABLISHED": 1, "SYN_SENT": 2, "SYN_RCVD": 3, "FIN_WAIT_1": 4,
               "FIN_WAIT_2": 5, "TIME_WAIT": 6, "CLOSED": 7, "CLOSE_WAIT": 8, "LAST_ACK": 9,
               "LISTEN": 10, "CLOSING": 11}


class ScriptFail(Exception):
    def __init__(self, ev, msg):
        super().__init__(msg)
        self.line = ev.line if ev is not None else 0


# ---------------------------------------------------------------------------------------------
# Wire formats (IPv4 + TCP), built and read by hand: no third-party module on the hot path.

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ip_aton(a):
    return bytes(int(x) for x in a.split("."))


FLAG_BITS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, ".": 0x10, "U": 0x20, "E": 0x40,
             "W": 0x80}


def flags_to_bits(fl):
    b = 0
    for c in fl:
        b |= FLAG_BITS.get(c, 0)
    return b


def bits_to_flags(b):
    return "".join(c for c in "SFRPEWU." if b & FLAG_BITS[c])


def encode_options(opts):
    out = b""
    for o in opts:
        k, v = o.kind, o.value
        if k == "nop":
            out += b"\x01"
        elif k == "eol":
            out += b"\x00"
        elif k == "mss":
            out += struct.pack("!BBH", 2, 4, v)
        elif k == "wscale":
            out += struct.pack("!BBB", 3, 3, v)
        elif k == "sackOK":
            out += b"\x04\x02"
        elif k == "TS":
            out += struct.pack("!BBII", 8, 10, v[0] & 0xffffffff, v[1] & 0xffffffff)
        elif k == "sack":
            out += struct.pack("!BB", 5, 2 + 8 * len(v))
            for a, e in v:
                out += struct.pack("!II", a & 0xffffffff, e & 0xffffffff)
        elif k == "md5":
            out += b"\x13\x12" + b"\0" * 16
    while len(out) % 4:
        out += b"\x00"
    return out


def md5_digest(src, dst, tcp, key):
    """RFC 2385 2.0's digest of the TCP segment tcp (header, options, payload) from src to
    dst: the pseudo-header, the fixed header with its checksum as zero, the payload, the key
    (hashlib's MD5, independent of the stack's)."""
    hl = (tcp[12] >> 4) * 4
    h = hashlib.md5()
    h.update(ip_aton(src) + ip_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp)))
    h.update(tcp[:16] + b"\0\0" + tcp[18:20])
    h.update(tcp[hl:])
    h.update(key)
    return h.digest()


def md5_option_at(optb):
    """Offset of the TCP-MD5 option's digest in the option bytes, or None."""
    i = 0
    while i + 1 < len(optb):
        if optb[i] == 0:
            break
        if optb[i] == 1:
            i += 1
            continue
        if optb[i] == 19 and optb[i + 1] == 18:
            return i + 2
        i += max(optb[i + 1], 2)
    return None


def build_ipv4_tcp(src, dst, sport, dport, seq, ack, flags, win, opts, payload, ttl=64, tos=0,
                   urp=0, md5key=None):
    optb = encode_options(opts)
    off = (20 + len(optb)) // 4
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                      off << 4, flags, win & 0xffff, 0, urp & 0xffff) + optb + payload
    at = md5_option_at(optb)
    if at is not None:
        # `md5 valid` is signed with the script's --tcp_md5_secret; `md5 invalid` (a STOS
        # extension) carries that digest with its first byte flipped.
        want = next(o.value for o in opts if o.kind == "md5")
        if md5key is None:
            raise ValueError("an md5 option needs --tcp_md5_secret")
        d = md5_digest(src, dst, tcp, md5key)
        if want == "invalid":
            d = bytes([d[0] ^ 0xff]) + d[1:]
        tcp = tcp[:20 + at] + d + tcp[20 + at + 16:]
    pseudo = ip_aton(src) + ip_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    c = csum(pseudo + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    total = 20 + len(tcp)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, tos, total, 0, 0x4000, ttl, 6, 0, ip_aton(src),
                     ip_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


class Seg:
    """A TCP segment read from an IPv4 packet the stack sent."""

    def __init__(self, raw):
        if len(raw) < 40 or raw[0] >> 4 != 4:
            raise ValueError("not an IPv4 packet")
        ihl = (raw[0] & 15) * 4
        self.tos, self.ttl, self.proto = raw[1], raw[8], raw[9]
        self.src = ".".join(str(b) for b in raw[12:16])
        self.dst = ".".join(str(b) for b in raw[16:20])
        total = struct.unpack("!H", raw[2:4])[0]
        t = raw[ihl:total]
        if self.proto != 6 or len(t) < 20:
            raise ValueError(f"not TCP (protocol {self.proto})")
        (self.sport, self.dport, self.seq, self.ack, off, self.flags, self.win, _, self.urp
         ) = struct.unpack("!HHIIBBHHH", t[:20])
        hl = (off >> 4) * 4
        self.tcp = t
        self.opt_raw = t[20:hl]
        self.payload = t[hl:]
        self.options = parse_wire_options(self.opt_raw)

    def describe(self):
        return f"{bits_to_flags(self.flags) or '-'} seq {self.seq} ack {self.ack} len {len(self.payload)} win {self.win} <{self.options}>"


def parse_wire_options(b):
    opts, i = [], 0
    while i < len(b):
        k = b[i]
        if k == 0:
            opts.append(pdparse.Option("eol"))
            i += 1
            continue
        if k == 1:
            opts.append(pdparse.Option("nop"))
            i += 1
            continue
        if i + 1 >= len(b) or b[i + 1] < 2 or i + b[i + 1] > len(b):
            opts.append(pdparse.Option("bad"))
            break
        ln = b[i + 1]
        body = b[i + 2:i + ln]
        if k == 2 and ln == 4:
            opts.append(pdparse.Option("mss", struct.unpack("!H", body)[0]))
        elif k == 3 and ln == 3:
            opts.append(pdparse.Option("wscale", body[0]))
        elif k == 4 and ln == 2:
            opts.append(pdparse.Option("sackOK"))
        elif k == 8 and ln == 10:
            opts.append(pdparse.Option("TS", struct.unpack("!II", body)))
        elif k == 19 and ln == 18:
            opts.append(pdparse.Option("md5", body))
        elif k == 5 and (ln - 2) % 8 == 0:
            opts.append(pdparse.Option("sack", [struct.unpack("!II", body[j:j + 8])
                                                for j in range(0, ln - 2, 8)]))
        else:
            opts.append(pdparse.Option(f"kind{k}", body.hex()))
        i += ln
    return opts


# ---------------------------------------------------------------------------------------------
# The driver process

class Driver:
    def __init__(self, path, mtu):
        args = [path, "--mtu", str(mtu), "--local", LOCAL_IP, "--remote", REMOTE_IP]
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, bufsize=1)

    def cmd(self, line):
        """Send one command; return (packets [(t_ns, bytes)], completions, result tokens)."""
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        pkts, dones = [], []
        while True:
            r = self.p.stdout.readline()
            if not r:
                raise RuntimeError(f"driver exited (status {self.p.wait()}) during '{line}'")
            tok = r.split()
            if not tok:
                continue
            if tok[0] == "pkt":
                pkts.append((int(tok[1]), bytes.fromhex(tok[2])))
            elif tok[0] == "done":
                dones.append((int(tok[1]), int(tok[2]), int(tok[3]), int(tok[4])))
            elif tok[0] == "ok":
                return pkts, dones, tok[1:]
            elif tok[0] == "err":
                raise RuntimeError(f"driver: {' '.join(tok[1:])} (command '{line}')")
            else:
                raise RuntimeError(f"driver said '{r.strip()}'")

    def close(self):
        try:
            self.p.stdin.write("quit\n")
            self.p.stdin.close()
        except (BrokenPipeError, ValueError):
            pass
        try:
            rc = self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        return rc


# ---------------------------------------------------------------------------------------------
# Running one script

NS = 1_000_000_000


class Run:
    def __init__(self, script, driver):
        self.sc = script
        self.d = driver
        self.tol = int(script.options.get("tolerance_usecs", "4000")) * 1000
        self.now = 0                  # virtual ns of the driver
        self.last = 0                 # actual time of the previous event
        self.queue = []               # packets sent by the stack and not yet matched
        self.pending = {}             # fd -> (event, expected end ns) of blocking calls
        self.level = "exact"
        self.loose_notes = []
        self.ignored = []
        self.local_isn = None
        self.remote_isn = (zlib.crc32(os.path.basename(script.name).encode()) | 0x1000) & 0x7fffffff
        self.ts_script = None         # (script TSval, actual TSval) of the stack's first TS
        self.lport = SERVER_PORT
        self.rport = REMOTE_PORT
        self.last_sock = None

    def md5_key(self):
        sec = self.sc.options.get("tcp_md5_secret")
        return sec.encode() if sec is not None else None

    # -- time --
    def absorb(self, pkts, dones):
        self.queue.extend(pkts)
        for fd, ret, err, t in dones:
            self.complete(fd, ret, err, t)

    def advance(self, t_ns, stop_on_packet=False):
        if t_ns <= self.now and not stop_on_packet:
            return
        pkts, dones, res = self.d.cmd(f"advance {max(t_ns, self.now)} {1 if stop_on_packet else 0}")
        self.now = int(res[0])
        self.absorb(pkts, dones)

    def complete(self, fd, ret, err, t):
        if fd not in self.pending:
            raise ScriptFail(None, f"driver completed a call on fd {fd} that was not pending")
        ev, end = self.pending.pop(fd)
        if abs(t - end) > self.tol:
            raise ScriptFail(ev, f"blocking {ev.payload.name} returned at {t / NS:.3f}s, expected {end / NS:.3f}s")
        self.check_return(ev, ev.payload, ret, err)

    def loose(self, ev, what):
        self.level = "loose"
        if len(self.loose_notes) < 5:
            self.loose_notes.append(f"line {ev.line}: {what}")

    # -- events --
    def event_time(self, ev):
        tm = ev.timing
        if tm.kind == "abs" or tm.kind == "range":
            return int(round(tm.t * NS))
        if tm.kind == "rel":
            return self.last + int(round(tm.t * NS))
        return None   # "*": whenever

    def run(self):
        for ev in self.sc.events:
            t = self.event_time(ev)
            p = ev.payload
            if isinstance(p, pdparse.Packet) and p.direction == ">":
                self.expect_packet(ev, p, t)
                continue
            if t is not None:
                self.advance(t)
            self.check_no_unexpected(ev)
            self.check_pending_due(ev, self.now)
            if t is not None:
                self.last = t
            if isinstance(p, pdparse.Packet):
                self.inject(ev, p)
            elif isinstance(p, pdparse.Syscall):
                self.syscall(ev, p)
            elif isinstance(p, pdparse.Shell):
                self.shell(ev, p)
            elif isinstance(p, pdparse.Python):
                self.python(ev, p)
        # Let blocking calls that are due finish, then nothing may be left unmatched - except
        # what a final system call sends (a close()'s FIN): packetdrill ends with the last
        # event and never looks at those.  A script ending with an injected packet still
        # proves that nothing answered it.
        for fd, (ev, end) in list(self.pending.items()):
            self.advance(end + self.tol)
            if fd in self.pending:
                raise ScriptFail(ev, f"blocking {ev.payload.name} did not return by {end / NS:.3f}s")
        if self.sc.events and isinstance(self.sc.events[-1].payload, pdparse.Syscall):
            self.queue = [(t, raw) for t, raw in self.queue if t < self.last]
        self.check_no_unexpected(None)

    def check_no_unexpected(self, ev):
        if self.queue:
            t, raw = self.queue[0]
            try:
                what = Seg(raw).describe()
            except ValueError as e:
                what = str(e)
            raise ScriptFail(ev, f"unexpected packet at {t / NS:.3f}s: {what}")

    def check_pending_due(self, ev, t):
        for fd, (pev, end) in self.pending.items():
            if t > end + self.tol:
                raise ScriptFail(ev, f"blocking {pev.payload.name} (line {pev.line}) still pending at {t / NS:.3f}s")

    # -- packets --
    def inject(self, ev, p):
        if p.udp_encap:
            raise ScriptFail(ev, "UDP encapsulation of TCP is not supported")
        seq = self.remote_isn + (p.seq or 0)
        ack = 0
        if "." in p.flags:
            if self.local_isn is None:
                # No connection yet (an ACK to a listener or a closed port): any base will
                # do, as long as the reply is read with the same one.
                self.local_isn = NO_CONN_ISN
            ack = self.local_isn + p.ack
        opts = []
        if p.options not in (None, "any"):
            for o in p.options:
                if o.kind == "TS":
                    ecr = o.value[1]
                    if ecr and self.ts_script:
                        ecr = (ecr - self.ts_script[0] + self.ts_script[1]) & 0xffffffff
                    opts.append(pdparse.Option("TS", (o.value[0], ecr)))
                elif o.kind == "sack":
                    if self.local_isn is None:
                        raise ScriptFail(ev, "SACK before the stack's ISN is known")
                    opts.append(pdparse.Option("sack", [(self.local_isn + a, self.local_isn + e)
                                                        for a, e in o.value]))
                else:
                    opts.append(o)
        payload = bytes((i & 0xff) for i in range(p.length))
        try:
            raw = build_ipv4_tcp(REMOTE_IP, LOCAL_IP, self.rport, self.lport, seq, ack,
                                 flags_to_bits(p.flags), p.win if p.win is not None else 65535,
                                 opts, payload, ttl=p.ttl or 64, tos=p.tos or 0,
                                 urp=p.urg or 0, md5key=self.md5_key())
        except ValueError as e:
            raise ScriptFail(ev, str(e))
        pkts, dones, _ = self.d.cmd("inject " + raw.hex())
        self.absorb(pkts, dones)

    def expect_packet(self, ev, p, t):
        if t is None:
            t = self.now
        if not self.queue:
            self.advance(t + self.tol, stop_on_packet=True)
        if not self.queue:
            raise ScriptFail(ev, f"expected packet {ev.text.split(None, 1)[-1]} by {(t + self.tol) / NS:.3f}s, none sent")
        at, raw = self.queue.pop(0)
        if ev.timing.kind != "any" and at < t - self.tol:
            raise ScriptFail(ev, f"packet sent at {at / NS:.3f}s, expected at {t / NS:.3f}s")
        self.last = at if ev.timing.kind != "any" else max(self.last, at)
        try:
            s = Seg(raw)
        except ValueError as e:
            raise ScriptFail(ev, f"stack sent {e}")
        self.match(ev, p, s)
        self.check_pending_due(ev, at)

    def match(self, ev, p, s):
        if p.udp_encap:
            raise ScriptFail(ev, "UDP encapsulation of TCP is not supported")
        got = bits_to_flags(s.flags)
        want = p.flags
        if set(got.replace("P", "")) != set(want.replace("P", "")):
            raise ScriptFail(ev, f"flags {got or '-'} instead of {want}: {s.describe()}")
        if set(got) != set(want):
            self.loose(ev, f"PSH differs ({got} vs {want})")
        if "S" in got:
            # Every SYN starts a sequence space: learn the stack's ISN from it.
            self.local_isn = (s.seq - (p.seq or 0)) & 0xffffffff
            if "." not in got:
                self.lport, self.rport = s.sport, s.dport
        if self.local_isn is None:
            # A reply (RST) before any connection: its numbers are relative to what the
            # script sent, with the same arbitrary base the script's ACKs used.
            self.local_isn = NO_CONN_ISN
        if (s.sport, s.dport) != (self.lport, self.rport):
            raise ScriptFail(ev, f"ports {s.sport}->{s.dport}, expected {self.lport}->{self.rport}")
        if "R" in got and "S" not in got and p.seq == 0 and s.seq == 0:
            pass    # RFC 9293 3.10.7.1: a RST answering a segment without ACK has SEQ 0
        elif p.seq is not None and (s.seq - self.local_isn) & 0xffffffff != p.seq & 0xffffffff:
            raise ScriptFail(ev, f"seq {(s.seq - self.local_isn) & 0xffffffff} instead of {p.seq}: {s.describe()}")
        if len(s.payload) != p.length:
            raise ScriptFail(ev, f"payload length {len(s.payload)} instead of {p.length}")
        if "." in got and p.ack is not None:
            rel = (s.ack - self.remote_isn) & 0xffffffff
            if rel != p.ack & 0xffffffff:
                raise ScriptFail(ev, f"ack {rel} instead of {p.ack}: {s.describe()}")
        if p.win is not None and s.win != p.win:
            if "strict_window" in self.sc.options:
                raise ScriptFail(ev, f"window {s.win} instead of {p.win}: {s.describe()}")
            self.loose(ev, f"window {s.win} instead of {p.win}")
        if p.urg is not None and s.urp != p.urg:
            raise ScriptFail(ev, f"urgent pointer {s.urp} instead of {p.urg}")
        if p.ttl is not None and s.ttl != p.ttl:
            raise ScriptFail(ev, f"TTL {s.ttl} instead of {p.ttl}")
        if p.tos is not None and s.tos != p.tos:
            raise ScriptFail(ev, f"TOS {s.tos:#x} instead of {p.tos:#x}")
        self.match_options(ev, p, s)

    def match_options(self, ev, p, s):
        if p.options == "any":
            return
        want = p.options or []
        gotn = {}
        for o in s.options:
            if o.kind in ("nop", "eol"):
                continue
            gotn[o.kind] = o.value
        wantn = {}
        for o in want:
            if o.kind in ("nop", "eol"):
                continue
            wantn[o.kind] = o.value
        if set(gotn) != set(wantn):
            raise ScriptFail(ev, f"options <{','.join(map(str, s.options))}> instead of <{','.join(map(str, want))}>")
        for k, v in wantn.items():
            g = gotn[k]
            if k == "TS":
                if self.ts_script is None:
                    self.ts_script = (v[0], g[0])
                else:
                    exp = (v[0] - self.ts_script[0] + self.ts_script[1]) & 0xffffffff
                    if abs(((g[0] - exp + (1 << 31)) & 0xffffffff) - (1 << 31)) > self.tol // 1_000_000 + 2:
                        self.loose(ev, f"TSval {g[0]} (expected about {exp})")
                if g[1] != v[1] & 0xffffffff:
                    raise ScriptFail(ev, f"TS ecr {g[1]} instead of {v[1]}")
            elif k == "sack":
                rel = [((a - self.remote_isn) & 0xffffffff, (e - self.remote_isn) & 0xffffffff) for a, e in g]
                if rel != [(a, e) for a, e in v]:
                    raise ScriptFail(ev, f"SACK blocks {rel} instead of {v}")
            elif k == "md5":
                key = self.md5_key()
                if key is None:
                    raise ScriptFail(ev, "an md5 option needs --tcp_md5_secret")
                good = g == md5_digest(s.src, s.dst, s.tcp, key)
                if good != (v == "valid"):
                    raise ScriptFail(ev, f"TCP-MD5 digest {g.hex()} is {'' if good else 'not '}the one the secret gives")
            elif g != v:
                raise ScriptFail(ev, f"option {k} {g} instead of {v}")
        if [(o.kind) for o in s.options] != [o.kind for o in want]:
            self.loose(ev, f"option layout <{','.join(map(str, s.options))}> vs <{','.join(map(str, want))}>")

    # -- system calls --
    def value(self, ev, tok):
        tok = tok.strip()
        if tok.startswith("[") and tok.endswith("]"):
            tok = tok[1:-1].strip()
        total = 0
        for part in tok.split("|"):
            part = part.strip()
            if re.match(r"^-?(0x[0-9a-fA-F]+|\d+)$", part):
                total |= int(part, 0)
            elif part in SYMS:
                total |= SYMS[part]
            else:
                raise ScriptFail(ev, f"unknown symbol {part}")
        return total

    def syscall(self, ev, c):
        a = c.args
        v = lambda i: self.value(ev, a[i])  # noqa: E731
        n = c.name
        if n == "socket":
            cmd = f"socket {SYMS['AF_INET']} {v(1)} {v(2)}"
        elif n == "fcntl":
            cmd = f"fcntl {v(0)} {v(1)} {v(2) if len(a) > 2 else 0}"
        elif n in ("bind", "connect"):
            ip = LOCAL_IP if n == "bind" else REMOTE_IP
            cmd = f"{n} {v(0)} {ip} {SERVER_PORT}"
        elif n == "listen":
            cmd = f"listen {v(0)} {v(1)}"
        elif n == "accept":
            cmd = f"accept {v(0)}"
        elif n in ("close",):
            cmd = f"close {v(0)}"
        elif n == "shutdown":
            cmd = f"shutdown {v(0)} {v(1)}"
        elif n in ("recv", "send"):
            cmd = f"{n} {v(0)} {v(2)} {v(3)}"
        elif n in ("read", "write"):
            cmd = f"{'recv' if n == 'read' else 'send'} {v(0)} {v(2)} 0"
        elif n == "setsockopt" and a[2].strip() == "TCP_MD5SIG":
            # FreeBSD's TCP_MD5SIG turns signing on and takes the keys from the IPsec
            # database (the script's `setkey` line, ignored here); STOS has Linux's per-peer
            # keys: the runner sets the script's --tcp_md5_secret for the peer, or deletes it.
            key = self.md5_key() if v(3) else None
            cmd = f"md5key {v(0)} {REMOTE_IP} {key.hex() if key else '-'}"
        elif n == "setsockopt":
            if a[2] not in SYMS:
                cmd = f"setsockopt {v(0)} {v(1)} -1 0"
            else:
                cmd = f"setsockopt {v(0)} {v(1)} {v(2)} {v(3)}"
        elif n == "getsockopt":
            cmd = f"getsockopt {v(0)} {v(1)} {v(2) if a[2] in SYMS else -1}"
        else:
            raise ScriptFail(ev, f"system call {n} is not supported by the runner")
        pkts, dones, res = self.d.cmd("sys " + cmd)
        self.absorb(pkts, dones)
        if res[0] == "pending":
            fd = v(0)
            end = int(round(ev.timing.end * NS)) if ev.timing.kind == "range" else self.now
            self.pending[fd] = (ev, end)
            return
        ret, err = int(res[0]), int(res[1])
        if n in ("socket", "accept") and ret >= 0:
            self.last_sock = ret
        self.check_return(ev, c, ret, err, res[2:])

    def check_return(self, ev, c, ret, err, extra=()):
        if self.sc.options.get("non_fatal") == "syscall" and (ret != c.ret or (
                c.errno and SYMS.get(c.errno) != err)):
            # --non_fatal=syscall: the script's author let calls fail (FreeBSD-only options).
            self.loose(ev, f"{c.name} returned {ret} {ERRNAMES.get(err, '')} (non-fatal)")
            return
        if ret != c.ret:
            en = ERRNAMES.get(err, str(err)) if ret < 0 else ""
            raise ScriptFail(ev, f"{c.name} returned {ret} {en} instead of {c.ret} {c.errno or ''}".rstrip())
        if c.errno:
            want = SYMS.get(c.errno)
            if want != err:
                raise ScriptFail(ev, f"{c.name} errno {ERRNAMES.get(err, err)} instead of {c.errno}")
        if c.name == "getsockopt" and extra:
            got = int(extra[0])
            wtok = c.args[3].strip()[1:-1].strip()
            want = self.value(ev, wtok)
            if got != want:
                opt = c.args[2].strip()
                if opt in ("SO_RCVBUF", "SO_SNDBUF"):
                    self.loose(ev, f"{opt} {got} instead of {want}")
                else:
                    gname = ERRNAMES.get(got, str(got)) if opt == "SO_ERROR" else str(got)
                    raise ScriptFail(ev, f"getsockopt {opt} gave {gname} instead of {wtok}")

    # -- shell and python lines --
    def shell(self, ev, sh):
        cmd = sh.cmd
        m = re.match(r"^sysctl -w ([\w.]+)=(-?\d+)$", cmd)
        if m:
            _, _, res = self.d.cmd(f"sysctl {m.group(1)} {m.group(2)}")
            if res and res[0] == "ignored":
                self.ignored.append(m.group(1))
            return
        m = re.match(r"^sockstat .*?(?:-p (\d+))?.*\| grep -c (\w+) \| grep (\d+)$", cmd)
        if m:
            state = m.group(2)
            if state not in STATE_NAMES:
                raise ScriptFail(ev, f"unknown state {state}")
            port = m.group(1) or "0"
            pkts, dones, res = self.d.cmd(f"count {STATE_NAMES[state]} {port}")
            self.absorb(pkts, dones)
            if int(res[0]) != int(m.group(3)):
                raise ScriptFail(ev, f"{res[0]} connections in {state}, expected {m.group(3)}")
            return
        m = re.match(r"^tcpdrop -s (\w+)$", cmd)
        if m:
            pkts, dones, res = self.d.cmd(f"drop {STATE_NAMES[m.group(1)]}")
            self.absorb(pkts, dones)
            return
        self.ignored.append(cmd.split()[0])

    def python(self, ev, py):
        m = re.match(r"^assert\s+(tcpi_state|tcpi_options|tcpi_snd_cwnd)\s*==\s*(.+?)\s*$",
                     py.code)
        if not m:
            raise ScriptFail(ev, f"python block not understood: {py.code}")
        if self.last_sock is None:
            raise ScriptFail(ev, "tcp_info query with no socket")
        _, _, res = self.d.cmd(f"tcpinfo {self.last_sock}")
        if m.group(1) == "tcpi_state":
            want = TCPI_STATES.get(m.group(2))
            got = int(res[0])
        elif m.group(1) == "tcpi_snd_cwnd":
            want = int(m.group(2), 0)
            got = int(res[2])
        else:
            want = 0
            for part in m.group(2).strip("() ").split("|"):
                part = part.strip()
                want |= TCPI_OPTS[part] if part in TCPI_OPTS else int(part, 0)
            got = int(res[1])
        if got != want:
            raise ScriptFail(ev, f"{m.group(1)} is {got}, expected {m.group(2)}")


# ---------------------------------------------------------------------------------------------

def load_expected(path):
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            pat, _, reason = line.partition(" ")
            out.append((pat, reason.strip()))
    return out


def expected_reason(path, expected):
    """Entries name paths relative to a suite root; match them as a suffix of the script's
    absolute path, so they apply whatever directory the runner was pointed at."""
    ap = os.path.abspath(path)
    for pat, reason in expected:
        if fnmatch.fnmatch(ap, "*/" + pat):
            return reason
    return None


def collect(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            for root, _, files in os.walk(p):
                for f in files:
                    if f.endswith(".pkt"):
                        out.append(os.path.join(root, f))
        else:
            out.append(p)
    return sorted(out)


def category(path, roots):
    for r in roots:
        r = os.path.abspath(r)
        ap = os.path.abspath(path)
        if os.path.isdir(r) and ap.startswith(r + os.sep):
            rel = os.path.relpath(ap, r)
            return (rel.split(os.sep)[0] if os.sep in rel else os.path.basename(r)), rel
    return os.path.basename(os.path.dirname(path)), os.path.basename(path)


def run_one(path, args):
    try:
        sc = pdparse.parse_file(path)
    except pdparse.ParseError as e:
        return "FAIL", f"parse error: {e}", None
    if args.parse_only:
        return "PASS", "parsed", "exact"
    mtu = int(sc.options.get("mtu", "1500"))
    try:
        d = Driver(args.driver, mtu)
    except OSError as e:
        return "FAIL", f"cannot start driver: {e}", None
    r = Run(sc, d)
    try:
        r.run()
        verdict, why = "PASS", "; ".join(r.loose_notes)
    except ScriptFail as e:
        verdict, why = "FAIL", f"line {e.line}: {e}"
    except RuntimeError as e:
        verdict, why = "FAIL", str(e)
    rc = d.close()
    if rc != 0 and verdict == "PASS":
        verdict, why = "FAIL", f"driver exit status {rc} (leak or sanitizer report?)"
    if args.verbose and r.ignored:
        why += f" [ignored: {', '.join(sorted(set(r.ignored)))}]"
    return verdict, why, r.level


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--driver", default=os.path.join(TOP, "build", "host", "stosdrive"))
    ap.add_argument("--expected", default=os.path.join(HERE, "expected-differences.txt"))
    ap.add_argument("--tap", action="store_true", help="print TAP lines for tests/run_all.py")
    ap.add_argument("--parse-only", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    roots = args.paths or [DEFAULT_SUITE]
    files = collect(roots)
    expected = load_expected(args.expected)
    counts = {}
    n = 0
    for f in files:
        cat, rel = category(f, roots)
        verdict, why, level = run_one(f, args)
        reason = expected_reason(f, expected)
        if verdict == "FAIL" and reason:
            verdict, why = "XFAIL", f"{reason} ({why})"
        elif verdict == "PASS" and reason:
            verdict = "XPASS"
        c = counts.setdefault(cat, {"PASS-exact": 0, "PASS-loose": 0, "XPASS": 0, "XFAIL": 0, "FAIL": 0})
        key = f"PASS-{level}" if verdict == "PASS" else verdict
        c[key] += 1
        n += 1
        shown = f"{verdict}{'(' + level + ')' if verdict in ('PASS', 'XPASS') else ''} {rel}"
        if args.tap:
            ok = "ok" if verdict != "FAIL" else "not ok"
            print(f"{ok} {n} - {shown}{' # ' + why if why and (verdict != 'PASS' or args.verbose) else ''}", flush=True)
        else:
            print(f"{shown}{': ' + why if why and (verdict != 'PASS' or args.verbose) else ''}", flush=True)
    tot = {}
    pre = "# " if args.tap else ""
    print(f"{pre}{'category':<22} {'exact':>6} {'loose':>6} {'xpass':>6} {'xfail':>6} {'fail':>6}")
    for cat in sorted(counts):
        c = counts[cat]
        for k, v in c.items():
            tot[k] = tot.get(k, 0) + v
        print(f"{pre}{cat:<22} {c['PASS-exact']:>6} {c['PASS-loose']:>6} {c['XPASS']:>6} {c['XFAIL']:>6} {c['FAIL']:>6}")
    if tot:
        passed = tot["PASS-exact"] + tot["PASS-loose"] + tot["XPASS"]
        print(f"{pre}{'total':<22} {tot['PASS-exact']:>6} {tot['PASS-loose']:>6} {tot['XPASS']:>6} {tot['XFAIL']:>6} {tot['FAIL']:>6}"
              f"   passed {passed}/{n}")
    if args.tap and n == 0:
        print("not ok 1 - no scripts found")
    return 1 if any(c["FAIL"] for c in counts.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
