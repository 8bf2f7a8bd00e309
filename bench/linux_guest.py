"""A stock Linux guest for `make bench`: the same QEMU machine and e1000 as STOS, running
Debian 12's own kernel (package linux-image-amd64, with its e1000 module) and busybox-static's
httpd and nc, so "faster than a stock Linux guest on the same emulated e1000" is measured in
the same run with the same clients instead of quoted.

Nothing is installed: `apt-get download` fetches the two packages into
build/bench/linux-guest/debs/ (kept for later runs), the kernel, the module and busybox are
unpacked from them with dpkg-deb, and the initramfs is written here (cpio "newc", gzip).
bench/linux_udpsink.c is built static here (busybox's nc cannot listen on UDP).
The guest's /init loads e1000.ko, puts the address given as `benchip=A.B.C.D/N` on the kernel
command line on eth0, prints "linux-guest: ready" and starts a shell on the serial console
with the prompt "$ ", as STOS's does.  Everything else (the httpd's file, nc) is typed at that
shell by bench/stos_bench.py.
"""
import glob
import gzip
import os
import subprocess

INIT = """#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
insmod /e1000.ko
ip link set lo up
ip link set eth0 up
for w in $(cat /proc/cmdline); do
	case "$w" in benchip=*) ip addr add "${w#benchip=}" dev eth0 ;; esac
done
echo "linux-guest: ready $(uname -r)"
export PS1='$ '
exec setsid cttyhack sh
"""


def _run(cmd, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {p.stdout.strip()[-300:]}")
    return p.stdout


def _kernel_package():
    """The kernel package linux-image-amd64 depends on (linux-image-6.1.0-N-amd64)."""
    for line in _run(["apt-cache", "depends", "linux-image-amd64"]).splitlines():
        w = line.split()
        if len(w) == 2 and w[0] == "Depends:" and w[1].startswith("linux-image-"):
            return w[1]
    raise RuntimeError("apt-cache names no kernel package for linux-image-amd64")


def _debs(debdir):
    """The two .deb files, downloaded once."""
    os.makedirs(debdir, exist_ok=True)
    kern = sorted(glob.glob(os.path.join(debdir, "linux-image-*.deb")))
    bb = sorted(glob.glob(os.path.join(debdir, "busybox-static_*.deb")))
    want = ([] if kern else [_kernel_package()]) + ([] if bb else ["busybox-static"])
    if want:
        _run(["apt-get", "download", "-q"] + want, cwd=debdir)
        kern = sorted(glob.glob(os.path.join(debdir, "linux-image-*.deb")))
        bb = sorted(glob.glob(os.path.join(debdir, "busybox-static_*.deb")))
    if not kern or not bb:
        raise RuntimeError(f"apt-get download left no packages in {debdir}")
    return kern[-1], bb[-1]


def _unpack(deb, dest, *patterns):
    os.makedirs(dest, exist_ok=True)
    tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE)
    p = subprocess.run(["tar", "-x", "-C", dest, "--wildcards"] + list(patterns),
                       stdin=tar.stdout, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    tar.stdout.close()
    if tar.wait() != 0 or p.returncode != 0:
        raise RuntimeError(f"unpacking {os.path.basename(deb)}: {p.stdout.strip()[-300:]}")


def _newc(entries):
    """A cpio archive in the "newc" format the kernel unpacks: entries of (name, mode, data),
    data None for a directory."""
    out = bytearray()
    for ino, (name, mode, data) in enumerate(entries + [("TRAILER!!!", 0, b"")], 1):
        body = data or b""
        nm = name.encode() + b"\0"
        fields = (ino, mode, 0, 0, 1, 0, len(body), 0, 0, 0, 0, len(nm), 0)
        hdr = b"070701" + b"".join(b"%08x" % f for f in fields)
        out += hdr + nm
        out += b"\0" * (-len(out) % 4)
        out += body
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def build(outdir):
    """Returns (kernel path, initramfs path, kernel package file name); RuntimeError with the
    reason when the packages cannot be had."""
    kdeb, bdeb = _debs(os.path.join(outdir, "debs"))
    x = os.path.join(outdir, "x")
    _unpack(kdeb, x, "./boot/vmlinuz-*", "*/e1000/e1000.ko")
    _unpack(bdeb, x, "./bin/busybox")
    kernels = sorted(glob.glob(os.path.join(x, "boot", "vmlinuz-*")))
    mods = sorted(glob.glob(os.path.join(x, "lib", "modules", "*", "kernel", "drivers", "net",
                                         "ethernet", "intel", "e1000", "e1000.ko")))
    if not kernels or not mods:
        raise RuntimeError(f"{os.path.basename(kdeb)} has no vmlinuz or e1000.ko")
    sink = os.path.join(outdir, "udpsink")
    _run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-static", "-o", sink,
          os.path.join(os.path.dirname(os.path.abspath(__file__)), "linux_udpsink.c")])
    with open(sink, "rb") as f:
        udpsink = f.read()
    with open(os.path.join(x, "bin", "busybox"), "rb") as f:
        busybox = f.read()
    with open(mods[-1], "rb") as f:
        e1000 = f.read()
    entries = [(d, 0o40755, None) for d in ("bin", "dev", "proc", "sys", "tmp", "www")]
    entries += [("bin/busybox", 0o100755, busybox), ("bin/udpsink", 0o100755, udpsink),
                ("e1000.ko", 0o100644, e1000),
                ("init", 0o100755, INIT.encode())]
    initrd = os.path.join(outdir, "initrd.gz")
    with gzip.open(initrd, "wb", compresslevel=1) as f:
        f.write(_newc(entries))
    return kernels[-1], initrd, os.path.basename(kdeb)
