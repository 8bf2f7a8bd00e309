#!/usr/bin/python3
"""Starts one run of the socketpair harness (bench/hosted/sp.h): makes the
socketpair(AF_UNIX, SOCK_SEQPACKET), starts one backend program per side, each pinned to its
own core, optionally under callgrind, and collects both result lines.

    spair.py --send stos --recv lwip --mode bulk --bytes 1048576 [--mss 1460] [--conns N]

prints the two parsed results and exits 0 when both sides reported ok.  As a module:
run_pair(...) returns {'send': {...}, 'recv': {...}, 'ok': bool}.
"""
import argparse
import os
import socket
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
BIN = os.path.join(ROOT, 'build', 'host', 'bench')
BACKENDS = ('stos', 'lwip', 'raw')


def cpus():
    """Two distinct cores to pin to (the two lowest this process may use), or None."""
    try:
        avail = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None
    return (avail[0], avail[1]) if len(avail) >= 2 else None


def rt_available():
    """True when this process may start SCHED_FIFO processes (root, or CAP_SYS_NICE)."""
    try:
        return subprocess.run(['chrt', '-f', '10', 'true'], capture_output=True).returncode == 0
    except OSError:
        return False


def child_setup(cpu, rt):
    """Runs in each child before exec: pin to one core and, with rt, SCHED_FIFO priority 10.
    Real-time priority is what makes goodput mean something on a shared machine: at normal
    priority a woken process waits behind whatever else runs on its core, and a transfer
    limited by a 64 KiB window then measures the scheduler's latency, not the stack."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    if rt:
        try:
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
        except OSError:
            pass


def parse_line(line, into):
    """Merges the key=value pairs of an 'sp: ...' line into a dict."""
    for tok in line.split()[1:]:
        if '=' in tok:
            k, v = tok.split('=', 1)
            try:
                v = int(v)
            except ValueError:
                try:
                    v = float(v)
                except ValueError:
                    pass
            into[k] = v


def run_pair(send, recv, mode='bulk', nbytes=0, mss=1460, conns=100, window=65535,
             timeout=120, callgrind=None, cg_prefix=None, pin=True, extra_env=None,
             send_bytes=None, send_extra=(), rt=False, bindir=BIN):
    """callgrind: a set of roles ('send', 'recv') to run under valgrind --tool=callgrind,
    writing <cg_prefix>.<role>.out.  send_bytes: what the sender sends when it is not
    nbytes (the receiver still expects nbytes); send_extra: more sender arguments."""
    callgrind = callgrind or set()
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pins = cpus() if pin else None
    procs = {}
    env = dict(os.environ)
    env.update(extra_env or {})
    for role, backend, sock in (('recv', recv, b), ('send', send, a)):
        cmd = [os.path.join(bindir, 'sp_' + backend), '--role', role, '--fd', str(sock.fileno()),
               '--mode', mode, '--mss', str(mss), '--conns', str(conns),
               '--window', str(window), '--timeout', str(timeout)]
        n = send_bytes if role == 'send' and send_bytes is not None else nbytes
        if n:
            cmd += ['--bytes', str(n)]
        if role == 'send':
            cmd += list(send_extra)
        if role in callgrind:
            cmd = ['valgrind', '--tool=callgrind', '--quiet',
                   '--callgrind-out-file=%s.%s.out' % (cg_prefix, role)] + cmd
        cpu = pins[0 if role == 'send' else 1] if pins else None
        pre = (lambda c=cpu: child_setup(c, rt)) if cpu is not None or rt else None
        procs[role] = subprocess.Popen(cmd, pass_fds=(sock.fileno(),), stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True, preexec_fn=pre,
                                       env=env)
    a.close()
    b.close()
    res = {'ok': True}
    for role in ('send', 'recv'):
        p = procs[role]
        try:
            out, err = p.communicate(timeout=timeout + 30)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            err += '\n(killed after %d s)' % (timeout + 30)
        r = {'rc': p.returncode, 'stderr': err.strip()}
        for line in out.splitlines():
            if line.startswith('sp: '):
                parse_line(line, r)
        r['ok'] = p.returncode == 0 and r.get('ok') == 1
        res[role] = r
        res['ok'] = res['ok'] and r['ok']
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--send', choices=BACKENDS, default='stos')
    ap.add_argument('--recv', choices=BACKENDS, default='stos')
    ap.add_argument('--mode', choices=('bulk', 'setup', 'idle'), default='bulk')
    ap.add_argument('--bytes', type=int, default=0)
    ap.add_argument('--send-bytes', type=int, default=0,
                    help='bytes the sender sends, when not --bytes (to test failure reports)')
    ap.add_argument('--corrupt', type=int, default=-1,
                    help='no-stack sender: flip this stream byte (to test failure reports)')
    ap.add_argument('--mss', type=int, default=1460)
    ap.add_argument('--conns', type=int, default=100)
    ap.add_argument('--window', type=int, default=65535)
    ap.add_argument('--timeout', type=int, default=120)
    args = ap.parse_args()
    res = run_pair(args.send, args.recv, args.mode, args.bytes, args.mss, args.conns,
                   args.window, args.timeout, send_bytes=args.send_bytes or None,
                   send_extra=['--corrupt', str(args.corrupt)] if args.corrupt >= 0 else ())
    for role in ('send', 'recv'):
        print(role, ' '.join('%s=%s' % kv for kv in sorted(res[role].items())
                             if kv[0] != 'stderr'))
        if res[role]['stderr']:
            print(role, 'stderr:', res[role]['stderr'].replace('\n', ' | '))
    print('ok' if res['ok'] else 'FAILED')
    return 0 if res['ok'] else 1


if __name__ == '__main__':
    sys.exit(main())
