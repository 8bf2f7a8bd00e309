#!/usr/bin/python3
"""The Linux-side helpers `make bench` runs inside its namespaces (ip netns exec).

Servers (the baseline's Linux peer, standing in for STOS's httpd and nc):
  peer.py http PORT          HTTP/1.0 GET /bytes/N: N bytes, byte i = i % 256 (as STOS's httpd)
  peer.py sink PORT          TCP: accept one connection, read to EOF, close (as `nc -l > /dev/null`)
  peer.py udpsink PORT       UDP: read datagrams and drop them (as `nc -u -l > /dev/null`)
Clients (the same for STOS and for the baseline, so the two columns differ only in the peer):
  peer.py upload HOST PORT BYTES    connect, send BYTES, half-close, wait for the peer's close;
                                    prints "BYTES SECONDS" (the clock stops once the receiving
                                    program has read everything and closed)
  peer.py udp HOST PORT SECS LEN    send LEN-byte UDP payloads as fast as one socket can for
                                    SECS seconds; prints "SENT SECONDS"
"""
import socket
import sys
import time

CHUNK = 65536  # a whole number of 256-byte periods, so every chunk continues the pattern
PATTERN = bytes(i % 256 for i in range(CHUNK))


def serve_http(port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(8)
    while True:
        c, _ = ls.accept()
        req = b""
        while b"\r\n\r\n" not in req:
            d = c.recv(4096)
            if not d:
                break
            req += d
        parts = req.split(b" ")
        try:
            n = int(parts[1].decode().rsplit("/", 1)[1])
        except (IndexError, ValueError):
            c.sendall(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            c.close()
            continue
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n"
                  b"Content-Length: %d\r\n\r\n" % n)
        while n > 0:
            k = min(n, CHUNK)
            c.sendall(PATTERN[:k])
            n -= k
        c.close()


def serve_sink(port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(1)
    while True:
        c, _ = ls.accept()
        while c.recv(1 << 16):
            pass
        c.close()


def serve_udpsink(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    buf = bytearray(2048)
    while True:
        s.recv_into(buf)


def upload(host, port, nbytes):
    # The receiver (nc -l) serves one connection, so nobody may probe its port first:
    # retry a refused connect until the listener is there.
    deadline = time.monotonic() + 20
    while True:
        try:
            s = socket.create_connection((host, port), timeout=60)
            break
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    t0 = time.monotonic()
    left = nbytes
    while left > 0:
        k = min(left, CHUNK)
        s.sendall(PATTERN[:k])
        left -= k
    s.shutdown(socket.SHUT_WR)
    while True:
        try:
            if not s.recv(4096):
                break
        except ConnectionResetError:
            break
    secs = time.monotonic() - t0
    s.close()
    print(nbytes, f"{secs:.6f}")


def udp(host, port, secs, length):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, port))
    payload = b"\x55" * length
    sent = 0
    t0 = time.monotonic()
    end = t0 + secs
    while True:
        for _ in range(256):
            try:
                s.send(payload)
                sent += 1
            except (BlockingIOError, ConnectionRefusedError, OSError):
                pass
        if time.monotonic() >= end:
            break
    print(sent, f"{time.monotonic() - t0:.6f}")


def main(argv):
    if argv[1] == "http":
        serve_http(int(argv[2]))
    elif argv[1] == "sink":
        serve_sink(int(argv[2]))
    elif argv[1] == "udpsink":
        serve_udpsink(int(argv[2]))
    elif argv[1] == "upload":
        upload(argv[2], int(argv[3]), int(argv[4]))
    elif argv[1] == "udp":
        udp(argv[2], int(argv[3]), float(argv[4]), int(argv[5]))
    else:
        sys.exit("usage: see the comment at the top of peer.py")


if __name__ == "__main__":
    main(sys.argv)
