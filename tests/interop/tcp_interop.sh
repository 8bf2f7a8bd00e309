#!/bin/sh
# TCP interop with Linux: stosnet on a TAP device in a network namespace this script creates
# (stos-t-<pid>-tcp), Linux 10.78.0.1, the stack 10.78.0.2.  Checks: HTTP GET / and
# /bytes/100000000 with curl (SHA-256 against a streamed computation of the pattern), two
# requests on one connection (keep-alive), 100 MB uploads from Linux to TCP discard and echo
# (echo: the bytes come back identical by SHA-256), chargen's RFC 864 lines, connections the
# stack opens to Linux servers (tests/interop/tcp_probe.c), a transfer through a burst of loss
# (stosnet --fault), ECN with Linux through a link that marks CE, TCP-MD5 signatures checked
# by Linux on connections it opens (stosnet --md5) and on ones the stack opens (tcp_probe),
# 10,000 concurrent
# connections (tests/interop/tcp_many.py), and HTTP's time limits (stosnet --http-idle).
# Throughput figures are printed as '#' lines; nothing asserts a rate.
# Prints TAP lines.  Needs root (netns, TAP); without it every test is skipped.
# The namespace is deleted by exact name and every process killed by exact PID, also on failure.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
STOSNET=$TOP/build/host/stosnet
PROBE=$TOP/build/host/tcp_probe
LOGDIR=$TOP/build/test-logs
mkdir -p "$LOGDIR"
L=$LOGDIR/31-tcp-interop
NS=stos-t-$$-tcp
PY=/usr/bin/python3
PID=
IPPID=
SRVPIDS=
n=0
fails=0
BIG=100000000

ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
inns() { ip netns exec "$NS" "$@"; }

cleanup() {
	for p in $PID $SRVPIDS; do
		if kill -0 "$p" 2>/dev/null; then kill -KILL "$p" 2>/dev/null; fi
	done
	ip netns del "$NS" 2>/dev/null
	rm -f "$L.upload"
}
trap cleanup EXIT INT TERM

if [ "$(id -u)" != 0 ] || [ ! -c /dev/net/tun ] || ! command -v ip >/dev/null; then
	echo "ok 1 # SKIP needs root, /dev/net/tun and iproute2"
	exit 0
fi
for tool in curl socat sha256sum; do
	if ! command -v $tool >/dev/null; then echo "ok 1 # SKIP needs $tool"; exit 0; fi
done
if [ ! -x "$STOSNET" ] || [ ! -x "$PROBE" ]; then
	echo "not ok 1 - $STOSNET or $PROBE not built"
	exit 1
fi

ip netns add "$NS" || { nok "create netns $NS"; exit 1; }
inns ip link set lo up
inns ip tuntap add dev tap0 mode tap || { nok "create tap0"; exit 1; }
inns sysctl -qw net.ipv6.conf.tap0.disable_ipv6=1 2>/dev/null
inns ip addr add 10.78.0.1/24 dev tap0
inns ip link set tap0 up

# start_stosnet NAME [ARGS...]: runs stosnet in the namespace, PID in $PID
start_stosnet() {
	name=$1; shift
	rm -f "$L.pid"
	inns sh -c 'echo $$ > "$1"; shift; exec "$@"' sh "$L.pid" "$STOSNET" --tap tap0 \
	    --addr 10.78.0.2/24 --gw 10.78.0.1 "$@" >"$L.$name.log" 2>&1 &
	IPPID=$!
	i=0
	while [ $i -lt 50 ] && ! grep -q "stosnet: up" "$L.$name.log" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	PID=$(cat "$L.pid" 2>/dev/null)
	if grep -q "stosnet: up" "$L.$name.log"; then ok "stosnet ($name) starts"; else nok "stosnet ($name) starts: $(cat "$L.$name.log")"; exit 1; fi
	# wait for ARP both ways to settle
	inns ping -c 1 -W 2 10.78.0.2 >/dev/null 2>&1
}
stop_stosnet() {
	kill -TERM "$PID"
	i=0
	while [ $i -lt 50 ] && kill -0 "$PID" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	if kill -0 "$PID" 2>/dev/null; then nok "stosnet stops on SIGTERM"; kill -KILL "$PID"; else wait "$IPPID"; ok "stosnet stops on SIGTERM (status $?)"; fi
	PID=
}
# rate BYTES SECONDS -> "X.Y MB/s"
rate() { awk -v b="$1" -v s="$2" 'BEGIN { if (s <= 0) s = 0.001; printf "%.1f MB/s", b / s / 1e6 }'; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

start_stosnet plain

# --- HTTP ---
out=$(inns curl -s -m 10 http://10.78.0.2/ 2>&1)
case "$out" in *"<h1>stosnet</h1>"*) ok "curl GET / returns the page" ;; *) nok "curl GET /: '$out'" ;; esac
code=$(inns curl -s -m 10 -o /dev/null -w '%{http_code}' http://10.78.0.2/nothing)
if [ "$code" = 404 ]; then ok "GET /nothing -> 404"; else nok "GET /nothing -> $code"; fi

# The pattern's SHA-256, computed streaming (never 100 MB in memory).
pattern_sha() {
	$PY -c '
import hashlib, sys
n = int(sys.argv[1]); blk = bytes(range(256)) * 256; h = hashlib.sha256()
while n > 0:
    k = min(n, len(blk)); h.update(blk[:k]); n -= k
print(h.hexdigest())' "$1"
}
want=$(pattern_sha $BIG)
t0=$(now)
got=$(inns curl -s -m 120 http://10.78.0.2/bytes/$BIG | sha256sum | cut -d' ' -f1)
dt=$(since "$t0")
if [ "$got" = "$want" ]; then ok "curl /bytes/$BIG: SHA-256 matches the i % 256 pattern"; else nok "curl /bytes/$BIG: sha $got, want $want"; fi
echo "# curl download of $BIG bytes: ${dt} s, $(rate $BIG "$dt")"

# keep-alive: two requests on one connection, pipelined and then one after the other
res=$(inns $PY - <<'PYEOF' 2>&1
import socket
s = socket.create_connection(("10.78.0.2", 80), timeout=5)
buf = b""
def more():
    global buf
    d = s.recv(4096)
    buf += d
    return d
def resp():
    global buf
    while b"\r\n\r\n" not in buf:
        if not more(): return None
    head, rest = buf.split(b"\r\n\r\n", 1)
    n = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
    buf = rest
    while len(buf) < n:
        if not more(): return None
    body, buf = buf[:n], buf[n:]
    return head, body
s.sendall(b"GET /bytes/1000 HTTP/1.1\r\nHost: x\r\n\r\n")
a = resp()
s.sendall(b"GET /bytes/300 HTTP/1.1\r\nHost: x\r\n\r\n")
b = resp()
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /bytes/5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
c = resp(); d = resp()
end = buf + s.recv(10)
ok = (a and a[1] == bytes(i % 256 for i in range(1000)) and b and b[1] == bytes(range(256)) + bytes(range(44))
      and c and b"stosnet" in c[1] and d and d[1] == bytes(range(5)) and end == b"")
print("ok" if ok else "bad %r %r %r %r %r" % (a and a[0], b and b[0], c and c[0], d and d[0], end))
PYEOF
)
if [ "$res" = ok ]; then ok "keep-alive: two requests on one connection, then two pipelined, Connection: close ends it"; else nok "keep-alive: $res"; fi
out=$(inns curl -s -m 10 http://10.78.0.2/bytes/10 http://10.78.0.2/bytes/20 -v 2>&1 >/dev/null)
case "$out" in *"Re-using existing connection"*|*"Reusing existing"*) ok "curl reuses the connection for a second URL" ;; *) nok "curl did not reuse the connection" ;; esac

# HTTP edge cases: HEAD, HTTP/1.0 closes, an unknown method, a malformed request line, an
# oversized head (431), and the server still answers afterwards
res=$(inns $PY - <<'PYEOF' 2>&1
import socket
def talk(req):
    s = socket.create_connection(("10.78.0.2", 80), timeout=5)
    s.sendall(req)
    buf = b""
    while True:
        try:
            d = s.recv(65536)
        except ConnectionResetError:
            return buf + b"<RST>"
        if not d: break
        buf += d
    s.close()
    return buf
bad = []
r = talk(b"HEAD /bytes/5000 HTTP/1.1\r\nConnection: close\r\n\r\n")
if not (r.startswith(b"HTTP/1.1 200") and b"Content-Length: 5000" in r and r.endswith(b"\r\n\r\n")): bad.append(("HEAD", r[:80]))
r = talk(b"GET /bytes/7 HTTP/1.0\r\n\r\n")
if not (r.startswith(b"HTTP/1.1 200") and r.endswith(b"\r\n\r\n" + bytes(range(7)))): bad.append(("1.0", r[:80]))
r = talk(b"POST / HTTP/1.1\r\nConnection: close\r\n\r\n")
if not r.startswith(b"HTTP/1.1 405"): bad.append(("405", r[:80]))
r = talk(b"\x00\xff garbage\r\n\r\n")
if not r.startswith(b"HTTP/1.1 400"): bad.append(("400", r[:80]))
r = talk(b"GET /bytes/99999999999999999999 HTTP/1.1\r\nConnection: close\r\n\r\n")
if not r.startswith(b"HTTP/1.1 404"): bad.append(("huge N", r[:80]))
r = talk(b"GET / HTTP/1.1\r\nX: " + b"a" * 9000 + b"\r\n\r\n")
if not r.startswith(b"HTTP/1.1 431"): bad.append(("431", r[:80]))
r = talk(b"GET /bytes/3 HTTP/1.1\r\nConnection: close\r\n\r\n")
if not r.endswith(bytes(range(3))): bad.append(("after", r[:80]))
print("ok" if not bad else "bad %r" % bad)
PYEOF
)
if [ "$res" = ok ]; then ok "HTTP: HEAD, HTTP/1.0 close, 405, 400 for garbage, 404 for an absurd N, 431 for a 9 KB head, then still serving"; else nok "HTTP edge cases: $res"; fi

# --- uploads from Linux: discard and echo ---
head -c $BIG /dev/urandom > "$L.upload"
usha=$(sha256sum < "$L.upload" | cut -d' ' -f1)
t0=$(now)
if inns timeout 120 socat -u -b 65536 OPEN:"$L.upload" TCP:10.78.0.2:9 2>"$L.socat9.err"; then
	dt=$(since "$t0"); ok "socat uploads $BIG bytes to TCP discard (9)"
	echo "# upload to discard: ${dt} s, $(rate $BIG "$dt")"
else nok "upload to discard: $(cat "$L.socat9.err")"; fi
t0=$(now)
esha=$(inns timeout 150 socat -t 30 -b 65536 - TCP:10.78.0.2:7 <"$L.upload" 2>"$L.socat7.err" | sha256sum | cut -d' ' -f1)
dt=$(since "$t0")
if [ "$esha" = "$usha" ]; then ok "socat sends $BIG bytes to TCP echo (7) and gets them back identical (SHA-256)"; else nok "echo: sha $esha want $usha ($(cat "$L.socat7.err"))"; fi
echo "# echo of $BIG bytes (both ways at once): ${dt} s, $(rate $BIG "$dt") each way"
rm -f "$L.upload"

# chargen: RFC 864 lines
res=$(inns $PY - <<'PYEOF' 2>&1
import socket
s = socket.create_connection(("10.78.0.2", 19), timeout=5)
buf = b""
while len(buf) < 74 * 100:
    d = s.recv(65536)
    if not d: break
    buf += d
s.close()
lines = buf[:74 * 100].split(b"\r\n")[:100]
ok = all(len(l) == 72 and all(l[j] == 32 + (k + j) % 95 for j in range(72)) for k, l in enumerate(lines))
print("ok" if ok else "bad %r" % buf[:200])
PYEOF
)
if [ "$res" = ok ]; then ok "chargen (19): 100 lines of RFC 864's rotating 72 characters"; else nok "chargen: $res"; fi

# --- 10,000 concurrent connections ---
res=$(inns $PY "$TOP/tests/interop/tcp_many.py" 10.78.0.2 10000 2>&1); rc=$?
if [ $rc -eq 0 ]; then ok "10000 concurrent connections all answered and held open ($res)"; else nok "10000 connections: $res"; fi
echo "# $res"
# The client has closed them all: stosnet must close its side of every one (asked with SIGUSR1).
i=0; open=
while [ $i -lt 100 ]; do
	kill -USR1 "$PID"
	sleep 0.2
	open=$(sed -n 's/^stosnet: tcp open \([0-9]*\) .*/\1/p' "$L.plain.log" | tail -1)
	[ "$open" = 0 ] && break
	i=$((i + 1))
done
if [ "$open" = 0 ]; then ok "stosnet closed all 10000 connections after the client did"; else nok "stosnet still has '$open' connections open"; fi
stop_stosnet
grep "stopping" "$L.plain.log" | sed 's/^/# /'

# --- connections the stack opens (C API, tcp_probe) to Linux servers (echo on 6007, a source
# on 6019, and echo on 6099 with a TCP-MD5 key for the probe) ---
rm -f "$L.srv.pid"
inns sh -c 'echo $$ >> "$1"; exec /usr/bin/python3 -c "
import socket, struct, threading
def echo(c):
    while True:
        d = c.recv(65536)
        if not d: break
        c.sendall(d)
    c.close()
def source(c):
    blk = bytes(range(256)) * 256; n = 32 << 20
    while n > 0:
        k = min(n, len(blk)); c.sendall(blk[:k]); n -= k
    c.close()
def serve(port, fn, key=None):
    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if key:
        # TCP_MD5SIG (14), struct tcp_md5sig as Linux has it: a key for the probe address
        sa = struct.pack(\"<HH\", socket.AF_INET, 0) + socket.inet_aton(\"10.78.0.3\")
        l.setsockopt(socket.IPPROTO_TCP, 14, sa.ljust(128, bytes(1)) +
                     struct.pack(\"<BBHi\", 0, 0, len(key), 0) + key.ljust(80, bytes(1)))
    l.bind((\"10.78.0.1\", port)); l.listen(8)
    while True:
        c, a = l.accept(); threading.Thread(target=fn, args=(c,), daemon=True).start()
threading.Thread(target=serve, args=(6007, echo), daemon=True).start()
threading.Thread(target=serve, args=(6099, echo, b\"stos-probe-secret\"), daemon=True).start()
serve(6019, source)
"' sh "$L.srv.pid" >"$L.srv.log" 2>&1 &
i=0
while [ $i -lt 30 ] && ! inns ss -tln 2>/dev/null | grep -q ":6019"; do sleep 0.1; i=$((i + 1)); done
SRVPIDS=$(cat "$L.srv.pid" 2>/dev/null)
inns timeout 150 "$PROBE" tap0 10.78.0.3/24 10.78.0.1 6007 6019 32 6099 stos-probe-secret \
    >"$L.probe.txt" 2>&1
while IFS= read -r line; do
	case "$line" in
	PASS*) ok "C API on TAP: ${line#PASS }" ;;
	FAIL*) nok "C API on TAP: ${line#FAIL }" ;;
	\#*) echo "$line" ;;
	esac
done < "$L.probe.txt"
grep -q "^PASS\|^FAIL" "$L.probe.txt" || nok "tcp_probe ran: $(tail -3 "$L.probe.txt")"

# --- a burst of loss on the link (seeded) ---
start_stosnet fault --fault loss=2000,seed=31,burst=3000:300
FB=20000000
want=$(pattern_sha $FB)
t0=$(now)
got=$(inns curl -s -m 120 http://10.78.0.2/bytes/$FB | sha256sum | cut -d' ' -f1)
dt=$(since "$t0")
if [ "$got" = "$want" ]; then ok "curl /bytes/$FB through a 300 ms outage (every frame lost) and 0.2% random loss: SHA-256 matches"; else nok "transfer through loss: sha $got, want $want"; fi
echo "# download of $FB bytes through loss: ${dt} s, $(rate $FB "$dt")"
stop_stosnet
lost=$(sed -n 's/.* \([0-9]*\) frames lost by --fault.*/\1/p' "$L.fault.log")
if [ -n "$lost" ] && [ "$lost" -gt 0 ]; then ok "the fault wrapper lost $lost frames"; else nok "frames lost: '$lost' ($(tail -2 "$L.fault.log"))"; fi

# --- ECN (RFC 3168) with Linux asking for it (net.ipv4.tcp_ecn=1 in the namespace) and the
# link marking 1% of ECN-capable packets CE each way (--fault ce=, as a congested router's
# queue would): a download and an echo complete intact, and both stacks saw and answered
# marks.  The capture (stosnet's, frames as they left or reached the TAP) shows the
# negotiation and who set which flag.
inns sysctl -qw net.ipv4.tcp_ecn=1
start_stosnet ecn --fault ce=10000,seed=7 --pcap "$L.ecn.pcap"
FE=20000000
want=$(pattern_sha $FE)
got=$(inns curl -s -m 120 http://10.78.0.2/bytes/$FE | sha256sum | cut -d' ' -f1)
if [ "$got" = "$want" ]; then ok "ECN: curl /bytes/$FE with CE marks: SHA-256 matches"; else nok "ECN download: sha $got, want $want"; fi
head -c $FE /dev/urandom > "$L.upload"
usha=$(sha256sum < "$L.upload" | cut -d' ' -f1)
esha=$(inns timeout 60 socat -t 10 -b 65536 - TCP:10.78.0.2:7 <"$L.upload" 2>"$L.socat7e.err" | sha256sum | cut -d' ' -f1)
if [ "$esha" = "$usha" ]; then ok "ECN: $FE bytes through TCP echo with CE marks both ways: SHA-256 matches"; else nok "ECN echo: sha $esha want $usha ($(cat "$L.socat7e.err"))"; fi
rm -f "$L.upload"
stop_stosnet
inns sysctl -qw net.ipv4.tcp_ecn=2
ecn=$(sed -n 's/^stosnet: ECN: \([0-9]*\) frames marked CE by --fault; TCP: \([0-9]*\) connections negotiated it, \([0-9]*\) CE marks received, \([0-9]*\) window cuts for ECE$/\1 \2 \3 \4/p' "$L.ecn.log")
set -- $ecn
if [ $# -eq 4 ] && [ "$1" -gt 0 ] && [ "$2" -ge 2 ] && [ "$3" -gt 0 ] && [ "$4" -gt 0 ]; then
	ok "ECN: $1 frames marked CE, $2 connections negotiated ECN, STOS received $3 CE marks and cut its window $4 times for Linux's ECE"
else nok "ECN counters: '$ecn' ($(tail -2 "$L.ecn.log"))"; fi
if command -v tshark >/dev/null; then
	# count FILTER: frames in the capture matching a display filter
	count() { tshark -r "$L.ecn.pcap" -Y "$1" 2>/dev/null | wc -l; }
	S=10.78.0.2
	synack=$(count "ip.src==$S && tcp.flags.syn==1 && tcp.flags.ack==1 && tcp.flags.ece==1 && tcp.flags.cwr==0 && ip.dsfield.ecn==0")
	ect=$(count "ip.src==$S && tcp.len>0 && ip.dsfield.ecn==2")
	ackect=$(count "ip.src==$S && tcp.len==0 && tcp.flags.syn==0 && ip.dsfield.ecn!=0")
	ece=$(count "ip.src==$S && tcp.flags.syn==0 && tcp.flags.ece==1")
	cwr=$(count "ip.src==$S && tcp.flags.syn==0 && tcp.flags.cwr==1")
	lcwr=$(count "ip.dst==$S && tcp.flags.syn==0 && tcp.flags.cwr==1")
	echo "# ECN capture: $synack ECN-setup SYN-ACKs, $ect ECT(0) data segments, $ece ECE and $cwr CWR from STOS, $lcwr CWR from Linux"
	if [ "$synack" -ge 2 ] && [ "$ect" -gt 0 ] && [ "$ackect" -eq 0 ] && [ "$ece" -gt 0 ] && [ "$cwr" -gt 0 ] && [ "$lcwr" -gt 0 ]; then
		ok "ECN capture: STOS's SYN-ACKs set up ECN, its data is ECT(0) and its pure ACKs are not, it echoed CE with ECE, and both sides sent CWR"
	else nok "ECN capture: synack $synack ect $ect ect-acks $ackect ece $ece cwr $cwr linux-cwr $lcwr"; fi
fi
rm -f "$L.ecn.pcap"

# --- HTTP time limits (--http-idle 3): an idle connection, a trickled head (slowloris), a
# connection idle after its answer and an answer nobody reads are all closed; a slow reader
# that keeps reading is not.
start_stosnet idle --http-idle 3
res=$(inns $PY - "$PID" "$L.idle.log" <<'PYEOF' 2>&1
import os, re, signal, socket, sys, time
H = ("10.78.0.2", 80)
def timedout():
    """stosnet's count of connections closed by the time limit (asked with SIGUSR1)."""
    os.kill(int(sys.argv[1]), signal.SIGUSR1)
    time.sleep(0.1)
    found = re.findall(r"timedout (\d+)", open(sys.argv[2]).read())
    return int(found[-1]) if found else -1
idle = socket.create_connection(H, timeout=30)
slow = socket.create_connection(H, timeout=30)
done = socket.create_connection(H, timeout=30)
stall = socket.create_connection(H, timeout=30)
done.sendall(b"GET /bytes/10 HTTP/1.1\r\nHost: s\r\n\r\n")
stall.sendall(b"GET /bytes/100000000 HTTP/1.1\r\nHost: s\r\n\r\n")
buf = b""
while not (b"\r\n\r\n" in buf and len(buf.split(b"\r\n\r\n", 1)[1]) >= 10):
    d = done.recv(4096)
    if not d:
        break
    buf += d
answered = buf.startswith(b"HTTP/1.1 200")
# One byte of a head that never ends every 0.25 s, for at most 30 s.
head = b"GET / HTTP/1.1\r\nX-Slow: " + b"a" * 200
slow_closed = False
for i in range(120):
    try:
        slow.send(head[i:i + 1])
        slow.settimeout(0.25)
        if slow.recv(1) == b"":
            slow_closed = True
            break
    except socket.timeout:
        continue
    except OSError:
        slow_closed = True
        break
def closed(s):
    s.settimeout(30)
    try:
        while s.recv(65536):
            pass
        return True
    except socket.timeout:
        return False
    except OSError:
        return True
# The unread answer is reset once it has made no progress for 3 s: wait until stosnet has
# closed all four (at most 30 s), then read what reached this side.
for i in range(300):
    if timedout() >= 4:
        break
got = 0
stall.settimeout(30)
try:
    while True:
        d = stall.recv(1 << 20)
        if not d:
            break
        got += len(d)
except socket.timeout:
    got = -1
except OSError:
    pass
print("answered=%s slow_closed=%s idle_closed=%s done_closed=%s stall_cut=%s" % (
    answered, slow_closed, closed(idle), closed(done), 0 <= got < 100000000))
PYEOF
)
case "$res" in
"answered=True slow_closed=True idle_closed=True done_closed=True stall_cut=True") ok "HTTP time limit closes an idle connection, a trickled head, an idle keep-alive connection and resets an unread answer" ;;
*) nok "HTTP time limits: $res" ;;
esac
# A reader slower than the limit's worth of data but never stalled for 3 s keeps its connection.
SB=6000000
want=$(pattern_sha $SB)
got=$(inns curl -s -m 120 --limit-rate 1M http://10.78.0.2/bytes/$SB | sha256sum | cut -d' ' -f1)
if [ "$got" = "$want" ]; then ok "a slow reader (curl --limit-rate 1M, 6 MB) is not cut off: SHA-256 matches"; else nok "slow reader: sha $got, want $want"; fi
kill -USR1 "$PID"
i=0; to=
while [ $i -lt 50 ]; do
	to=$(sed -n 's/^stosnet: tcp open [0-9]* accepted [0-9]* timedout \([0-9]*\)$/\1/p' "$L.idle.log" | tail -1)
	[ -n "$to" ] && break
	sleep 0.1; i=$((i + 1))
done
if [ "$to" = 4 ]; then ok "stosnet counts 4 connections closed by the time limit"; else nok "timed out: '$to' ($(tail -2 "$L.idle.log"))"; fi
stop_stosnet

# --- TCP-MD5 (RFC 2385) with Linux's own implementation ---
# stosnet holds a key for Linux's address; Linux clients set TCP_MD5SIG (Linux's struct
# tcp_md5sig).  With the key, 2 MB go through echo and come back identical: Linux verified
# every segment STOS signed and STOS every one Linux signed.  Without a key, or with another
# one, the connection never opens (STOS drops the SYNs, and counts them).
start_stosnet md5 --md5 10.78.0.1=stos-interop-secret
res=$(inns $PY - <<'PYEOF' 2>&1
import hashlib, os, socket, struct, threading
def md5sig(addr, key):
    sa = struct.pack("<H", socket.AF_INET) + struct.pack("!H", 0) + socket.inet_aton(addr)
    return sa.ljust(128, b"\0") + struct.pack("<BBHi", 0, 0, len(key), 0) + key.ljust(80, b"\0")
def conn(key):
    s = socket.socket()
    if key is not None:
        s.setsockopt(socket.IPPROTO_TCP, 14, md5sig("10.78.0.2", key))   # TCP_MD5SIG
    s.settimeout(3)
    try:
        s.connect(("10.78.0.2", 7))
    except OSError:
        s.close()
        return None
    return s
s = conn(b"stos-interop-secret")
ok = False
if s:
    s.settimeout(30)
    data = os.urandom(2000000)
    got = bytearray()
    sender = threading.Thread(target=s.sendall, args=(data,), daemon=True)
    sender.start()
    while len(got) < len(data):
        d = s.recv(1 << 20)
        if not d:
            break
        got += d
    sender.join(30)
    ok = hashlib.sha256(got).digest() == hashlib.sha256(data).digest()
    s.close()
print("keyed=%s unsigned=%s wrongkey=%s" % (ok, conn(None) is not None,
                                          conn(b"another-secret") is not None))
PYEOF
)
case "$res" in
"keyed=True unsigned=False wrongkey=False") ok "TCP-MD5 with Linux: a keyed connection echoes 2 MB intact; unsigned and wrongly signed SYNs get no answer" ;;
*) nok "TCP-MD5 with Linux: $res" ;;
esac
stop_stosnet
md5=$(sed -n 's/^stosnet: TCP-MD5: dropped \([0-9]*\) unsigned, \([0-9]*\) wrongly signed, \([0-9]*\) signed without a key$/\1 \2 \3/p' "$L.md5.log")
set -- $md5
if [ "${1:-0}" -ge 1 ] && [ "${2:-0}" -ge 1 ] && [ "${3:-x}" = 0 ]; then ok "stosnet counted the dropped SYNs: $1 unsigned, $2 wrongly signed"; else nok "TCP-MD5 drop counts: '$md5'"; fi

echo "1..$n"
[ $fails -eq 0 ]
