#!/bin/sh
# Installs the Debian packages STOS needs to build, run and test, when run as root;
# otherwise prints the exact command and fails.  Quiet when everything is present.
set -e
PKGS="make gcc clang lld binutils qemu-system-x86 python3 python3-pytest python3-scapy
python3-pexpect tshark iperf3 socat netcat-openbsd iproute2 iputils-ping curl libcmocka-dev
libclang-rt-14-dev liblwip-dev valgrind hping3 cpio traceroute"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "STOS needs these Debian packages; install them with:" >&2
	echo "  sudo apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends $missing >/dev/null
