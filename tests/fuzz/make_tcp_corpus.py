#!/usr/bin/python3
"""Writes the hand-made seeds of tests/fuzz/fuzz_tcp.c (see its header for the format) into
tests/fuzz/tcp_corpus/ under readable names.  Files with SHA-1 names next to them are inputs
libFuzzer found (`make fuzz`, then `fuzz_tcp -merge=1` into a fresh directory), kept because
each adds coverage; files named regress-* are inputs that found a bug (regress-ack-war*: two
desynchronized ends trading ACKs for ever, regress-paws-ack-loop and regress-old-ack-loop the
same through a PAWS failure and through a FIN answered with an old ACK;
regress-wire-teardown-leak: frames sent while the world was torn down; regress-fin-ack-loop:
two ends on one instance, each with data the other lost to a TCP-MD5 key set on one side only,
whose ACKs repeated their FINs out of order at the other, answered at once, in no time).  Suite 28-tcp-fuzz-replay replays all of them under the sanitizers.  Run
this again after changing the format; the files are committed."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "tcp_corpus")


def rec(op, arg, *rest):
    return bytes([op, arg]) + b"".join(rest)


def u8(v): return bytes([v & 255])
def u16(v): return struct.pack("!H", v & 0xFFFF)
def u32(v): return struct.pack("!I", v & 0xFFFFFFFF)


def socket(stack): return rec(0, stack)
def bind(slot, pidx): return rec(1, slot, u8(pidx))
def listen(slot, backlog): return rec(2, slot, u8(backlog))
def connect(slot, addr, pidx): return rec(3, slot, u8(addr | (pidx << 2)))
def accept(slot): return rec(4, slot)
def send(slot, n, flags=0, data=b""):
    k = min(n, 64)   # the target takes min(n, 64) bytes of input as the data's start
    return rec(5, slot, u16(n), u8(flags), (data + b"x" * k)[:k])
def recv(slot, n, flags=0): return rec(6, slot, u16(n), u8(flags))
def close(slot): return rec(7, slot)
def shutdown(slot, how): return rec(8, slot, u8(how))
def sockopt(slot, which, val): return rec(9, slot, u8(which), u32(val)[::-1])


def inject(flow, flags, mode=0, dseq=0, dack=0, win=65535, opts=b"", plen=0, abs_=None, up=None):
    body = u8(flow) + u8(flags) + u8(mode) + u16(dseq) + u16(dack) + u16(win)
    body += u8(len(opts)) + u16(plen)
    if mode & 4:
        body += u32(abs_[0]) + u32(abs_[1])
    body += opts
    if mode & 16:
        body += u16(up)
    return rec(10, 0, body)


def step(n): return rec(11, 0, u8(n))


# slots: socket() fills the first free slot, so the order below fixes them.
# 0 = A listener on :80, 1 = B client, 2 = accepted on A
handshake = (socket(0) + bind(0, 0) + listen(0, 4) + socket(1) + connect(1, 0, 0) +
             step(2) + accept(0))
seeds = {
    "transfer-close": handshake + send(1, 3000, 0, b"hello") + step(2) + recv(2, 4000) +
        send(2, 20000) + step(3) + recv(1, 30000) + close(1) + step(2) + recv(2, 10) +
        close(2) + step(5) + step(60),
    "half-close": handshake + shutdown(1, 1) + step(2) + recv(2, 10) + send(2, 5000) +
        step(2) + recv(1, 6000) + close(2) + step(2) + close(1) + step(100),
    "linger-rst": handshake + sockopt(1, 1, 1) + send(1, 100) + close(1) + step(2) +
        recv(2, 100) + step(5),
    "urgent": handshake + send(1, 10, 1) + step(2) + sockopt(2, 9, 1) + recv(2, 5, 2) +
        recv(2, 50) + step(2),
    "injected-rst-syn": handshake + inject(0, 0x04, 0, 0, 0) + inject(1, 0x02, 1, 5, 0) +
        inject(2, 0x14, 3, 0xFFFF, 0xFFFE) + step(2) + send(1, 100) + step(10),
    "injected-data-sack": handshake + inject(0, 0x18, 0, 0, 0, 8000, b"", 500) +
        inject(0, 0x18, 0, 1000, 0, 8000, b"\x01\x01\x05\x0a" + u32(1) + u32(2), 400) +
        step(1) + recv(2, 2000) + recv(1, 2000) + step(20),
    "bad-options": handshake + inject(0, 0x10, 0, 0, 0, 100, b"\x02\x00\x03\x00\x08\x01\x05\x01", 0) +
        inject(1, 0x12, 4, 0, 0, 0, b"\x02\x04\x00\x00", 10, (1, 2)) +
        inject(2, 0x30, 16, 0, 0, 100, b"", 20, None, 0xFFFF) + inject(3, 0x10, 32) + step(3),
    "zero-window-persist": handshake + sockopt(2, 6, 1) + send(1, 60000) + step(3) +
        step(30) + step(60) + recv(2, 60000) + step(5),
    "retry-limit": socket(0) + connect(0, 1, 0) + step(200) + step(250) + step(255) +
        step(255) + sockopt(0, 15, 0),
    "syn-flood-backlog": socket(0) + bind(0, 0) + listen(0, 0) + socket(1) + socket(1) +
        socket(1) + connect(1, 0, 0) + connect(2, 0, 0) + connect(3, 0, 0) +
        b"".join(inject(f, 0x02, 8, f, 0) for f in range(8)) + step(4) + accept(0) +
        accept(0) + step(40),
    "keepalive-options": handshake + sockopt(1, 2, 1) + sockopt(1, 3, 1) + sockopt(1, 4, 1) +
        sockopt(1, 5, 2) + sockopt(1, 10, 1) + sockopt(1, 0, 1) + sockopt(1, 14, 200) +
        sockopt(1, 13, 0x0701) + step(50) + step(50) + recv(1, 10),
    "simultaneous-open": socket(0) + bind(0, 3) + socket(1) + bind(1, 3) + connect(0, 1, 3) +
        connect(1, 0, 3) + step(3) + send(0, 100) + send(1, 100) + step(3) + close(0) +
        close(1) + step(100),
    # ECN (net/tcp_ecn.c): A asks for it, so A connects to B's listener (slots: 0 = B
    # listener, 1 = A client, 2 = accepted on B); data both ways, then injected segments with
    # ECE, CE (mode bits 6-7: the IP ECN field) and CWR.
    "ecn": socket(1) + bind(0, 0) + listen(0, 4) + socket(0) + connect(1, 1, 0) + step(2) +
        accept(0) + send(1, 20000) + send(2, 5000) + step(1) +
        inject(0, 0x50) + inject(0, 0x18, mode=0xC0, plen=100) + inject(0, 0x98, mode=0x80,
        plen=100) + step(2) + recv(2, 30000) + recv(1, 30000) + close(1) + close(2) +
        step(5) + step(60),
    # TCP-MD5 (net/tcp_md5.c; sockopt 20 with bit 16 set: key "fuzz-key" cut to byte 1's
    # length for peer byte 0): a signed connection both ways, an unsigned injected segment,
    # the key deleted mid-connection; then keys that differ, so the handshake never completes.
    "md5-signed": socket(0) + sockopt(0, 20, 1 | 8 << 8 | 1 << 16) + bind(0, 0) + listen(0, 4) +
        socket(1) + sockopt(1, 20, 0 | 8 << 8 | 1 << 16) + connect(1, 0, 0) + step(2) +
        accept(0) + send(1, 3000) + step(2) + recv(2, 4000) + send(2, 2000) + step(2) +
        recv(1, 3000) + inject(0, 0x18, plen=100) + sockopt(1, 20, 0 | 1 << 16) +
        send(1, 100) + step(3) + close(1) + close(2) + step(60),
    "md5-mismatch": socket(0) + sockopt(0, 20, 1 | 8 << 8 | 1 << 16) + bind(0, 0) + listen(0, 4) +
        socket(1) + sockopt(1, 20, 0 | 4 << 8 | 1 << 16) + connect(1, 0, 0) + step(2) +
        step(20) + accept(0) + close(1) + step(60),
}
os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, "seed-" + name), "wb") as f:
        f.write(data)
print("wrote %d seeds to %s" % (len(seeds), OUT))
