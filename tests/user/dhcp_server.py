#!/usr/bin/python3
"""A minimal DHCP server for testing dhcpc (RFC 2131/2132): answers DISCOVER with OFFER and
REQUEST with ACK (broadcast replies), one fixed address.  Runs inside a test network
namespace.  Usage: dhcp_server.py IFNAME SERVER_IP CLIENT_IP ROUTER DNS LEASE_SECONDS
Prints one line per message handled."""
import socket
import struct
import sys

ifname, server, client, router, dns, lease = sys.argv[1:7]
lease = int(lease)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode() + b"\0")
s.bind(("0.0.0.0", 67))
print("ready", flush=True)


def options(raw):
    out, i = {}, 0
    while i < len(raw):
        code = raw[i]
        if code == 0:
            i += 1
            continue
        if code == 255 or i + 1 >= len(raw):
            break
        ln = raw[i + 1]
        out[code] = raw[i + 2:i + 2 + ln]
        i += 2 + ln
    return out


while True:
    data, peer = s.recvfrom(2048)
    if len(data) < 240 or data[0] != 1 or data[236:240] != b"\x63\x82\x53\x63":
        continue
    opts = options(data[240:])
    mtype = opts.get(53, b"\0")[0]
    reply = {1: 2, 3: 5}.get(mtype)
    if reply is None:
        continue
    ciaddr = data[12:16]
    print({1: "DISCOVER", 3: "REQUEST"}[mtype] + (" renew" if ciaddr != b"\0\0\0\0" else ""), flush=True)
    hdr = bytearray(data[:236])
    hdr[0] = 2
    hdr[16:20] = socket.inet_aton(client)
    hdr[20:24] = socket.inet_aton(server)
    o = bytes([53, 1, reply, 54, 4]) + socket.inet_aton(server)
    o += bytes([51, 4]) + struct.pack("!I", lease)
    o += bytes([1, 4]) + socket.inet_aton("255.255.255.0")
    o += bytes([3, 4]) + socket.inet_aton(router)
    o += bytes([6, 4]) + socket.inet_aton(dns)
    o += bytes([255])
    pkt = bytes(hdr) + b"\x63\x82\x53\x63" + o
    if ciaddr != b"\0\0\0\0":
        s.sendto(pkt, (socket.inet_ntoa(ciaddr), 68))
    else:
        s.sendto(pkt, ("255.255.255.255", 68))
