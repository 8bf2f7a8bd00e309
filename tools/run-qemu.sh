#!/bin/sh
# Boot STOS in QEMU (what `make run` calls).  The serial console is this terminal: when
# stdin is a terminal, Ctrl-C goes to STOS (not to QEMU) and Ctrl-A x quits QEMU; when
# stdin is a pipe or a file, the shell reads its commands from it, so
#   printf 'echo one  two\npoweroff\n' | make run
# prints "one two" and exits with status 0.
#
# Environment:
#   NET=user (default)  e1000 on QEMU user networking, host 127.0.0.1:$HTTP_PORT -> guest :80
#   NET=tap TAP=ifname  e1000 on an existing tap interface
#   NET=none            no network card
#   HTTP_PORT=8080      host port forwarded to the guest's port 80 (NET=user)
#   APPEND='...'        kernel command line (init=/path -- args)
#   KERNEL, INITRD      images (default build/kernel/stos.elf32, build/user/initrd.cpio)
#   QEMU_EXTRA='...'    more QEMU options
set -eu
cd "$(dirname "$0")/.."
KERNEL=${KERNEL:-build/kernel/stos.elf32}
INITRD=${INITRD:-build/user/initrd.cpio}
NET=${NET:-user}
HTTP_PORT=${HTTP_PORT:-8080}
APPEND=${APPEND:-}
QEMU=${QEMU:-qemu-system-x86_64}

for f in "$KERNEL" "$INITRD"; do
	[ -f "$f" ] || { echo "run-qemu: $f is missing; run make first" >&2; exit 1; }
done

case "$NET" in
user)
	fwd=",hostfwd=tcp:127.0.0.1:${HTTP_PORT}-:80"
	# A busy port would make QEMU refuse to start; boot without the forward instead.
	if command -v ss >/dev/null 2>&1 && [ -n "$(ss -Hltn "sport = :${HTTP_PORT}" 2>/dev/null)" ]; then
		echo "run-qemu: 127.0.0.1:${HTTP_PORT} is in use: no forward to the guest's port 80 (set HTTP_PORT=)" >&2
		fwd=""
	fi
	netopts="-netdev user,id=n0${fwd} -device e1000,netdev=n0" ;;
tap)
	[ -n "${TAP:-}" ] || { echo "run-qemu: NET=tap needs TAP=<ifname>" >&2; exit 1; }
	netopts="-netdev tap,id=n0,ifname=${TAP},script=no,downscript=no -device e1000,netdev=n0" ;;
none) netopts="-nic none" ;;
*) echo "run-qemu: NET must be user, tap or none (got '$NET')" >&2; exit 1 ;;
esac

if [ -t 0 ]; then
	# signal=off: Ctrl-C is a character for STOS; mux with the monitor gives Ctrl-A x.
	serial="-chardev stdio,id=con0,mux=on,signal=off -serial chardev:con0 -mon chardev=con0"
else
	serial="-serial stdio"
fi

# shellcheck disable=SC2086
exec $QEMU -machine pc -m 256M -display none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	$serial $netopts \
	-kernel "$KERNEL" -initrd "$INITRD" -append "$APPEND" ${QEMU_EXTRA:-}
