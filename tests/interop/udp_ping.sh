#!/bin/sh
# Interop with Linux: stosnet on a TAP device inside a network namespace this script creates
# (stos-t-<pid>-x), Linux (10.77.0.1) as the peer of the stack (10.77.0.2).  Checks ping
# (including -s 4000 and -s 65000, which fragment both ways), ARP in both directions, UDP
# echo with socat (small and fragmented datagrams), ICMP port unreachable for a closed port
# (ECONNREFUSED at a Linux socket), stosnet's error messages, a clean stop on SIGTERM, and a
# pcap of the link that tshark dissects with no malformed packets or bad checksums; then the
# hosted C API on the same TAP (tests/interop/api_probe.c): blocking UDP with a Linux echo
# server, poll and SO_RCVTIMEO timeouts in real time, and ping through a raw ICMP socket.
# Prints TAP lines.  Needs root (netns, TAP); without it every test is skipped.
# The namespace is deleted by exact name and stosnet killed by exact PID, also on failure.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
STOSNET=$TOP/build/host/stosnet
LOGDIR=$TOP/build/test-logs
mkdir -p "$LOGDIR"
NS=stos-t-$$-x
PCAP=$LOGDIR/30-net-interop.pcap
SLOG=$LOGDIR/30-net-interop.stosnet.log
PID=
n=0
fails=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { desc=$1; shift; if "$@" >>"$LOGDIR/30-net-interop.cmd.log" 2>&1; then ok "$desc"; else nok "$desc"; fi; }
inns() { ip netns exec "$NS" "$@"; }

cleanup() {
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -KILL "$PID" 2>/dev/null
	fi
	if [ -n "$ECHOPID" ] && kill -0 "$ECHOPID" 2>/dev/null; then
		kill -KILL "$ECHOPID" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null
}
trap cleanup EXIT INT TERM

if [ "$(id -u)" != 0 ] || [ ! -c /dev/net/tun ] || ! command -v ip >/dev/null; then
	echo "ok 1 # SKIP needs root, /dev/net/tun and iproute2"
	exit 0
fi
if [ ! -x "$STOSNET" ]; then
	echo "not ok 1 - $STOSNET not built"
	exit 1
fi
: > "$LOGDIR/30-net-interop.cmd.log"

# --- argument and environment errors (no namespace needed) ---
"$STOSNET" --bogus >/dev/null 2>"$LOGDIR/30-err1.txt"; rc=$?
if [ $rc -eq 2 ] && grep -q "unknown option" "$LOGDIR/30-err1.txt"; then ok "stosnet: bad flag -> usage, status 2"; else nok "stosnet: bad flag (status $rc)"; fi
"$STOSNET" --tap x --addr 10.1.2.3 >/dev/null 2>"$LOGDIR/30-err2.txt"; rc=$?
if [ $rc -eq 2 ] && grep -q "bad --addr" "$LOGDIR/30-err2.txt"; then ok "stosnet: address without prefix -> status 2"; else nok "stosnet: bad --addr (status $rc)"; fi
# --md5: an address and a key of 1 to 80 bytes, at most 8 peers
long=$(printf '%081d' 0)
for bad in "10.1.2.3" "10.1.2.3=" "10.1.2.300=k" "10.1.2.3=$long"; do
	"$STOSNET" --tap x --addr 10.1.2.3/24 --md5 "$bad" >/dev/null 2>"$LOGDIR/30-err5.txt"; rc=$?
	what=$(printf '%.16s' "$bad")
	if [ $rc -eq 2 ] && grep -q "bad --md5" "$LOGDIR/30-err5.txt"; then ok "stosnet: --md5 '$what' refused, status 2"; else nok "stosnet: --md5 '$what' (status $rc)"; fi
done
set -- --md5 10.0.0.1=a --md5 10.0.0.2=a --md5 10.0.0.3=a --md5 10.0.0.4=a --md5 10.0.0.5=a \
    --md5 10.0.0.6=a --md5 10.0.0.7=a --md5 10.0.0.8=a --md5 10.0.0.9=a
"$STOSNET" --tap x --addr 10.1.2.3/24 "$@" >/dev/null 2>"$LOGDIR/30-err5.txt"; rc=$?
if [ $rc -eq 2 ] && grep -q "at most 8 peers" "$LOGDIR/30-err5.txt"; then ok "stosnet: a ninth --md5 peer refused, status 2"; else nok "stosnet: nine --md5 peers (status $rc)"; fi
set --
"$STOSNET" --tap stosnope$$ --addr 10.1.2.3/24 >/dev/null 2>"$LOGDIR/30-err3.txt"; rc=$?
if [ $rc -eq 1 ] && grep -q "no network device named" "$LOGDIR/30-err3.txt"; then ok "stosnet: missing TAP device -> clear message, status 1"; else nok "stosnet: missing TAP (status $rc)"; fi

# --- the namespace and the TAP ---
ip netns add "$NS" || { nok "create netns $NS"; exit 1; }
inns ip link set lo up
inns ip tuntap add dev tap0 mode tap || { nok "create tap0"; exit 1; }
inns sysctl -qw net.ipv6.conf.tap0.disable_ipv6=1 2>/dev/null
inns ip addr add 10.77.0.1/24 dev tap0
inns ip link set tap0 up

# Permission: an unprivileged user cannot attach (the device belongs to root).
if command -v setpriv >/dev/null; then
	inns setpriv --reuid=65534 --regid=65534 --clear-groups "$STOSNET" --tap tap0 \
	    --addr 10.77.0.9/24 >/dev/null 2>"$LOGDIR/30-err4.txt"; rc=$?
	if [ $rc -eq 1 ] && grep -qi "permission denied" "$LOGDIR/30-err4.txt"; then ok "stosnet: no permission -> clear message, status 1"; else nok "stosnet: no permission (status $rc: $(cat "$LOGDIR/30-err4.txt"))"; fi
fi

# Linux knows the stack's MAC statically first, so the stack must ARP for Linux itself.
MAC=02:53:0a:4d:00:02
inns ip neigh add 10.77.0.2 lladdr $MAC dev tap0 nud permanent
rm -f "$PCAP"
# `ip netns exec` may fork: the shell inside records stosnet's own PID, then execs it.
PIDF=$LOGDIR/30-net-interop.pid
rm -f "$PIDF"
inns sh -c 'echo $$ > "$1"; shift; exec "$@"' sh "$PIDF" "$STOSNET" --tap tap0 \
    --addr 10.77.0.2/24 --gw 10.77.0.1 --pcap "$PCAP" >"$SLOG" 2>&1 &
IPPID=$!
i=0
while [ $i -lt 50 ] && ! grep -q "stosnet: up" "$SLOG" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
PID=$(cat "$PIDF" 2>/dev/null)
if grep -q "stosnet: up" "$SLOG"; then ok "stosnet starts on tap0"; else nok "stosnet starts ($(cat "$SLOG"))"; exit 1; fi

check "ping (stack ARPs for Linux)" inns ping -c 3 -i 0.2 -W 2 10.77.0.2
# Now Linux resolves the stack by ARP.
inns ip neigh del 10.77.0.2 dev tap0
check "ping after Linux forgets the stack's MAC" inns ping -c 2 -i 0.2 -W 2 10.77.0.2
if inns ip neigh show 10.77.0.2 dev tap0 | grep -q "$MAC"; then ok "Linux learned the stack's MAC by ARP"; else nok "Linux ARP entry for 10.77.0.2: $(inns ip neigh show 10.77.0.2)"; fi
check "ping -s 4000 (fragmented both ways)" inns ping -c 2 -i 0.2 -W 3 -s 4000 10.77.0.2
check "ping -s 65000 (45 fragments each way)" inns ping -c 2 -i 0.3 -W 5 -s 65000 10.77.0.2

out=$(echo "hello stos" | inns timeout 5 socat -t 2 - UDP:10.77.0.2:7 2>&1)
if [ "$out" = "hello stos" ]; then ok "UDP echo (socat)"; else nok "UDP echo: got '$out'"; fi
big=$(head -c 6000 /dev/zero | tr '\0' 'x')
out=$(printf '%s' "$big" | inns timeout 5 socat -t 2 -b 65536 - UDP:10.77.0.2:7 2>&1)
if [ "$out" = "$big" ]; then ok "UDP echo of a 6000-byte datagram (fragmented)"; else nok "UDP echo 6000: got ${#out} bytes"; fi
check "UDP discard accepts a datagram" sh -c "echo gone | ip netns exec $NS timeout 3 socat -u - UDP:10.77.0.2:9"

res=$(inns /usr/bin/python3 - <<'PY' 2>&1
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect(("10.77.0.2", 4444))
s.send(b"anyone?")
try:
    s.recv(100)
    print("answered")
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
PY
)
if [ "$res" = "refused" ]; then ok "closed UDP port -> ICMP port unreachable (ECONNREFUSED on Linux)"; else nok "closed UDP port: $res"; fi

# Stop cleanly so the pcap is complete.
kill -TERM "$PID"
i=0
while [ $i -lt 50 ] && kill -0 "$PID" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$PID" 2>/dev/null; then nok "stosnet stops on SIGTERM"; else wait "$IPPID"; rc=$?; if [ $rc -eq 0 ]; then ok "stosnet stops on SIGTERM with status 0"; else nok "stosnet exit status $rc"; fi; fi
PID=

# --- the C socket API on the TAP (blocking calls, a raw ICMP socket pinging Linux) ---
PROBE=$TOP/build/host/api_probe
ECHOPID=
if [ -x "$PROBE" ]; then
	EPF=$LOGDIR/30-net-interop.echo.pid
	rm -f "$EPF"
	inns sh -c 'echo $$ > "$1"; exec /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((\"10.77.0.1\", 5555))
while True:
    d, a = s.recvfrom(65535)
    s.sendto(d, a)
"' sh "$EPF" >/dev/null 2>&1 &
	i=0
	while [ $i -lt 30 ] && ! inns ss -uln 2>/dev/null | grep -q ":5555"; do sleep 0.1; i=$((i + 1)); done
	ECHOPID=$(cat "$EPF" 2>/dev/null)
	inns timeout 30 "$PROBE" tap0 10.77.0.3/24 10.77.0.1 > "$LOGDIR/30-net-interop.probe.txt" 2>&1
	prc=$?
	while IFS= read -r line; do
		case "$line" in
		PASS*) ok "C API on TAP: ${line#PASS }" ;;
		FAIL*) nok "C API on TAP: ${line#FAIL }" ;;
		esac
	done < "$LOGDIR/30-net-interop.probe.txt"
	[ $prc -eq 0 ] || nok "api_probe exit status $prc ($(tail -1 "$LOGDIR/30-net-interop.probe.txt"))"
	[ -n "$ECHOPID" ] && kill "$ECHOPID" 2>/dev/null
	ECHOPID=
else
	nok "$PROBE not built"
fi

# --- the capture ---
if command -v tshark >/dev/null && [ -s "$PCAP" ]; then
	TS="tshark -n -r $PCAP -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE"
	$TS > "$LOGDIR/30-net-interop.tshark.txt" 2>&1
	if grep -q "Who has 10.77.0.1? Tell 10.77.0.2" "$LOGDIR/30-net-interop.tshark.txt" && grep -q "10.77.0.1 is at" "$LOGDIR/30-net-interop.tshark.txt"; then ok "pcap: the stack's ARP request and Linux's reply"; else nok "pcap: no ARP exchange initiated by the stack"; fi
	if grep -q "Who has 10.77.0.2? Tell 10.77.0.1" "$LOGDIR/30-net-interop.tshark.txt" && grep -q "10.77.0.2 is at $MAC" "$LOGDIR/30-net-interop.tshark.txt"; then ok "pcap: Linux's ARP request and the stack's reply"; else nok "pcap: no ARP exchange initiated by Linux"; fi
	if grep -q "Destination unreachable (Port unreachable)" "$LOGDIR/30-net-interop.tshark.txt"; then ok "pcap: ICMP port unreachable"; else nok "pcap: no ICMP port unreachable"; fi
	$TS -q -z expert,note > "$LOGDIR/30-net-interop.expert.txt" 2>&1
	bad=$(grep -iE "malformed|bad checksum|checksum.*incorrect|\[bad|exception" "$LOGDIR/30-net-interop.expert.txt" | head -5)
	if [ -z "$bad" ]; then ok "tshark: no malformed packets or bad checksums ($(wc -l < "$LOGDIR/30-net-interop.tshark.txt") frames)"; else nok "tshark expert info: $bad"; fi
else
	nok "pcap written and tshark available"
fi

exit $((fails > 0))
