#!/usr/bin/python3
"""Send a burst of raw Ethernet frames out of one Linux interface as fast as Python can.

Run inside the test's network namespace (ip netns exec NS /usr/bin/python3 frameburst.py ...):
an AF_PACKET socket bound to the interface writes each frame straight to the device, with
PACKET_QDISC_BYPASS so no queueing discipline in between can drop or reorder frames (a
refused frame would then show up as a send error here, not as a silent qdisc drop).

The mix, chosen by the frame's index so the same arguments always send the same frames:
  udp    64-byte UDP datagrams to the guest's port (the bulk of the burst)
  otherhost  the same to another station's MAC address (a NIC not in promiscuous mode drops them)
  bcast_udp  UDP to the subnet's broadcast address
  arp    ARP requests (broadcast) for addresses nobody has
  junk_* frames the guest's stack must count and drop: unknown ethertype, IPv4 with a bad
         header checksum, IPv4 shorter than its header, a runt ARP
  jumbo  UDP datagrams in --jumbo-byte frames, larger than one 2048-byte receive buffer, so
         the NIC needs several free descriptors at once: when the ring is nearly full, QEMU's
         e1000 refuses such a frame with a receiver overrun (RXO) instead of waiting
Prints one JSON object: frames per kind, frames per kind the device took (a refused send,
ENOBUFS when tun's queue is full, is counted in errors), send errors, seconds.
"""
import argparse
import json
import socket
import struct
import sys
import time

SOL_PACKET = 263
PACKET_QDISC_BYPASS = 20


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(src, dst, proto, payload, ident, bad_csum=False):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xffff, 0, 64, proto,
                    0, src, dst)
    c = csum(h) ^ (0x5555 if bad_csum else 0)
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def udp(src, dst, sport, dport, data):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    pseudo = src + dst + struct.pack("!BBH", 0, 17, len(u))
    c = csum(pseudo + u) or 0xffff
    return u[:6] + struct.pack("!H", c) + u[8:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ifname", required=True)
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--src-ip", required=True)
    ap.add_argument("--dst-ip", required=True)
    ap.add_argument("--bcast-ip", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--jumbo-bytes", type=int, default=9000)
    a = ap.parse_args()

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.setsockopt(SOL_PACKET, PACKET_QDISC_BYPASS, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    s.bind((a.ifname, 0))
    src_mac = s.getsockname()[4]
    dst_mac = bytes.fromhex(a.dst_mac.replace(":", ""))
    bcast = b"\xff" * 6
    other_mac = b"\x52\x54\x00\x99\x99\x99"    # a station that is not there
    sip, dip, bip = (socket.inet_aton(x) for x in (a.src_ip, a.dst_ip, a.bcast_ip))
    sport = 40000

    def eth(dst, etype, payload):
        return dst + src_mac + struct.pack("!H", etype) + payload

    jumbo_data = bytes(i % 251 for i in range(a.jumbo_bytes - 14 - 20 - 8))
    arp_who = [struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, src_mac, sip, b"\0" * 6,
                           socket.inet_aton(f"{a.bcast_ip.rsplit('.', 1)[0]}.{200 + k}"))
               for k in range(4)]
    junk = [
        ("junk_ethertype", eth(dst_mac, 0x88b5, b"\0" * 46)),           # unknown ethertype
        ("junk_ipcsum", eth(dst_mac, 0x0800, ipv4(sip, dip, 17, udp(sip, dip, sport, a.port, b"x" * 18),
                                                  1, bad_csum=True))),  # bad IP header checksum
        ("junk_iplen", eth(dst_mac, 0x0800, b"\x45\x00\x00\x10" + b"\0" * 42)),  # length < header
        ("junk_arp", eth(bcast, 0x0806, b"\0\x01\x08\x00")),         # runt ARP (padded to 60)
    ]

    frames = []
    for i in range(a.count):
        r = i % 20
        if r == 13:
            d = (b"other %08d" % i).ljust(18, b".")
            frames.append(("otherhost", eth(other_mac, 0x0800, ipv4(sip, dip, 17, udp(sip, dip, sport, a.port, d), i))))
        elif r < 14:
            d = (b"burst %08d" % i).ljust(18, b".")
            frames.append(("udp", eth(dst_mac, 0x0800, ipv4(sip, dip, 17, udp(sip, dip, sport, a.port, d), i))))
        elif r == 14:
            d = (b"bcast %08d" % i).ljust(18, b".")
            frames.append(("bcast_udp", eth(bcast, 0x0800, ipv4(sip, bip, 17, udp(sip, bip, sport, a.port, d), i))))
        elif r == 15:
            frames.append(("arp", eth(bcast, 0x0806, arp_who[i % 4])))
        elif r < 18:
            frames.append(junk[(i // 20 * 2 + r - 16) % 4])
        else:
            frames.append(("jumbo", eth(dst_mac, 0x0800, ipv4(sip, dip, 17, udp(sip, dip, sport, a.port, jumbo_data), i))))

    # Per kind: frames built, and frames the TAP took (the rest it refused, queue full).
    kinds, taken, errors = {}, {}, {}
    t0 = time.monotonic()
    for kind, f in frames:
        kinds[kind] = kinds.get(kind, 0) + 1
        try:
            s.send(f)
            taken[kind] = taken.get(kind, 0) + 1
        except OSError as e:
            errors[e.strerror] = errors.get(e.strerror, 0) + 1
    secs = time.monotonic() - t0
    written = sum(taken.values())
    json.dump({"kinds": kinds, "taken": taken, "frames": len(frames), "written": written,
               "errors": errors,
               "secs": round(secs, 3)}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
