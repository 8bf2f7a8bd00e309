#!/usr/bin/python3
"""Opens N TCP connections to HOST:80 at once (non-blocking sockets, one selector), sends
`GET /bytes/100` on each and keeps every connection open until all N have been answered in
full, so the server holds N connections at the same time.  Prints one line:
  answered=A of=N max_open=M seconds=S
Exit status 0 when every connection was answered."""
import resource, selectors, socket, sys, time

host, n = sys.argv[1], int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = n + 100
if soft < want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(want, soft), max(want, hard)))
REQ = b"GET /bytes/100 HTTP/1.1\r\nHost: stos\r\n\r\n"
BODY = bytes(range(100))
sel = selectors.DefaultSelector()
state = {}
t0 = time.time()
opened = 0
answered = 0
deadline = t0 + 90
pending = list(range(n))


def open_some(k):
    global opened
    for _ in range(k):
        if not pending:
            return
        pending.pop()
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((host, 80))
        state[s] = [b"", False]
        sel.register(s, selectors.EVENT_WRITE)
        opened += 1


open_some(n)
while answered < n and time.time() < deadline:
    for key, ev in sel.select(timeout=1):
        s = key.fileobj
        st = state[s]
        if ev & selectors.EVENT_WRITE:
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                sel.unregister(s)
                s.close()
                del state[s]
                pending.append(0)     # retry this one
                open_some(1)
                continue
            s.send(REQ)
            sel.modify(s, selectors.EVENT_READ)
            continue
        try:
            d = s.recv(4096)
        except BlockingIOError:
            continue
        except OSError:
            d = b""
        if not d:
            sel.unregister(s)
            s.close()
            del state[s]
            continue
        st[0] += d
        if st[0].endswith(b"\r\n\r\n" + BODY) and not st[1]:
            st[1] = True
            answered += 1
            sel.unregister(s)      # keep it open, stop watching
still_open = len(state)
print("answered=%d of=%d still_open=%d seconds=%.1f" % (answered, n, still_open, time.time() - t0))
for s in list(state):
    s.close()
sys.exit(0 if answered == n and still_open == n else 1)
