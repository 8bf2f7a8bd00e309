#!/usr/bin/python3
"""Writes the hand-made seeds of tests/fuzz/fuzz_frames.c (see its header for the format) into
tests/fuzz/corpus/ under readable names.  The files with SHA-1 names next to them are inputs
libFuzzer found (`make fuzz`, then `fuzz_frames -merge=1` into a fresh directory), kept
because each adds coverage; suite 26-net-fuzz-replay replays all of them under the
sanitizers.  Run this again after changing the format; the files are committed."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")
MAC_A = bytes([2, 0, 0, 0, 0, 1])
MAC_P = bytes([2, 0, 0, 0, 0, 2])
BCAST = b"\xff" * 6
A = bytes([10, 0, 0, 1])
P = bytes([10, 0, 0, 2])


def cksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip(src, dst, proto, payload, ident=1, frag=0, ttl=64):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, ttl, proto, 0,
                    src, dst)
    h = h[:10] + struct.pack("!H", cksum(h)) + h[12:]
    return h + payload


def eth(dst, src, typ, payload):
    f = dst + src + struct.pack("!H", typ) + payload
    return f + b"\0" * max(0, 60 - len(f))


def udp(src, dst, sport, dport, data, csum=True):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    if csum:
        c = cksum(src + dst + struct.pack("!BBH", 0, 17, len(u)) + u) or 0xFFFF
        u = u[:6] + struct.pack("!H", c) + u[8:]
    return u


def icmp(typ, code, rest, data):
    m = struct.pack("!BBH", typ, code, 0) + rest + data
    return m[:2] + struct.pack("!H", cksum(m)) + m[4:]


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + spa + tha + tpa


def rec_frame(f):
    return b"\x00" + struct.pack("!H", len(f)) + f


def rec_ip(proto, payload):
    return b"\x01" + bytes([proto]) + struct.pack("!H", len(payload)) + payload


def rec_time(n):
    return b"\x02" + bytes([n])


def rec_drain():
    return b"\x03"


def rec_send(sock, data, flags=0):
    return b"\x04" + bytes([sock | flags]) + struct.pack("!H", len(data)) + data


SEEDS = {
    "arp-request": rec_frame(eth(BCAST, MAC_P, 0x0806, arp(1, MAC_P, P, b"\0" * 6, A)))
    + rec_frame(eth(MAC_A, MAC_P, 0x0806, arp(2, MAC_P, P, MAC_A, A))),
    "ping": rec_ip(1, icmp(8, 0, struct.pack("!HH", 7, 1), b"abcdefgh" * 8)) + rec_drain()
    + rec_time(3),
    "udp-echo": rec_frame(eth(BCAST, MAC_P, 0x0806, arp(2, MAC_P, P, MAC_A, A)))
    + rec_ip(17, udp(P, A, 5000, 7, b"hello")) + rec_drain() + rec_time(1),
    "udp-nosum": rec_ip(17, udp(P, A, 5000, 7, b"zero", csum=False)) + rec_drain(),
    "udp-closed-port": rec_ip(17, udp(P, A, 5000, 4444, b"nobody")) + rec_time(200)
    + rec_time(200),
    "udp-bad-sum": rec_ip(17, udp(P, A, 5000, 53, b"x")[:6] + b"\x12\x34" + b"x"),
    "udp-bad-len": rec_ip(17, struct.pack("!HHHH", 1, 53, 200, 0) + b"short"),
    "udp-broadcast": rec_frame(eth(BCAST, MAC_P, 0x0800,
                                   ip(P, bytes([10, 0, 0, 255]), 17,
                                      udp(P, bytes([10, 0, 0, 255]), 9, 53, b"bc"))))
    + rec_frame(eth(BCAST, MAC_P, 0x0800, ip(P, b"\xff" * 4, 17, udp(P, b"\xff" * 4, 9, 53,
                                                                     b"all")))) + rec_drain(),
    "fragments": rec_frame(eth(MAC_A, MAC_P, 0x0800,
                               ip(P, A, 1, icmp(8, 0, b"\0\1\0\1", b"F" * 1472)[:1480],
                                  ident=99, frag=0x2000)))
    + rec_frame(eth(MAC_A, MAC_P, 0x0800,
                    ip(P, A, 1, icmp(8, 0, b"\0\1\0\1", b"F" * 1472)[1480:], ident=99,
                       frag=185))) + rec_time(5) + rec_drain(),
    "fragment-timeout": rec_frame(eth(MAC_A, MAC_P, 0x0800, ip(P, A, 17, b"Q" * 64, ident=5,
                                                               frag=0x2000)))
    + rec_time(255) + rec_time(255),
    "sends": rec_send(0, b"from echo") + rec_send(1, b"bcast", 0x80) + rec_send(2, b"conn", 0x40)
    + rec_send(3, icmp(8, 0, b"\0\2\0\1", b"raw ping")) + rec_send(5, ip(A, P, 17,
                                                                           udp(A, P, 1, 2, b"h")))
    + rec_time(10),
    "icmp-unreach-quote": rec_ip(1, icmp(3, 3, b"\0\0\0\0", ip(A, P, 17, udp(A, P, 40000, 9,
                                                                            b"q"))[:28])),
    "malformed-ip": rec_frame(eth(MAC_A, MAC_P, 0x0800, b"\x4f" + b"\0" * 30))
    + rec_frame(eth(MAC_A, MAC_P, 0x0800, b"\x45\0\xff\xff" + b"\0" * 16))
    + rec_frame(eth(MAC_A, MAC_P, 0x0800, b"\x46\0\0\x20" + b"\0" * 28))
    + rec_ip(17, b"\0\7"),
    "raw-protocol": rec_ip(253, b"experimental") + rec_drain() + rec_ip(6, b"\0" * 20),
    "options": rec_frame(eth(MAC_A, MAC_P, 0x0800,
                             bytes([0x47, 0, 0, 28 + 8, 0, 1, 0, 0, 64, 17, 0, 0]) + P + A
                             + bytes([7, 7, 4, 0, 0, 0, 0, 1]) + udp(P, A, 1, 7, b""))),
}

os.makedirs(OUT, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print("wrote %d seeds to %s" % (len(SEEDS), OUT))
