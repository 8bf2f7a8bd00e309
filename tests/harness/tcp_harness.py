#!/usr/bin/python3
"""Quick correctness checks of the hosted TCP benchmark's harnesses (suite 37-tcp-harness):
small transfers through the socketpair harness (bench/hosted/spair.py) between STOS, lwIP and
the no-stack backend, byte-exact and with balanced mbuf pools; the in-memory wire program
(tcpbulk); and the harness's own failure reports (a truncated, overlong or corrupted transfer
must fail the run).  No timing is asserted.  Prints TAP.
"""
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'bench', 'hosted'))
import spair  # noqa: E402

N = 1 << 20                 # bytes per transfer: enough for slow start, window-limited flow
ASAN_BIN = os.path.join(ROOT, 'build', 'host', 'asan', 'bench')
ASAN_ENV = {'ASAN_OPTIONS': 'detect_leaks=1:abort_on_error=0',
            'UBSAN_OPTIONS': 'print_stacktrace=1:halt_on_error=1'}
results = []


def check(ok, what, detail=''):
    results.append(ok)
    print('%s %d - %s' % ('ok' if ok else 'not ok', len(results), what), flush=True)
    if not ok and detail:
        for line in str(detail).splitlines():
            print('#   ' + line)


def describe(r):
    return '\n'.join('%s: %s' % (role, ' '.join('%s=%s' % kv for kv in sorted(r[role].items())))
                     for role in ('send', 'recv'))


def pair(send, recv, **kw):
    kw.setdefault('timeout', 30)
    return spair.run_pair(send, recv, pin=False, **kw)


def bulk_ok(send, recv):
    r = pair(send, recv, mode='bulk', nbytes=N)
    good = r['ok'] and r['recv'].get('bytes') == N
    for role, be in (('send', send), ('recv', recv)):
        if be == 'stos':
            good = good and r[role].get('pools') == 'balanced'
    check(good, 'bulk %d bytes %s -> %s: byte-exact%s' % (
        N, send, recv, ', STOS pools balanced' if 'stos' in (send, recv) else ''), describe(r))


def main():
    print('1..24')
    missing = [os.path.join(d, b) for b in ('tcpbulk', 'sp_stos', 'sp_lwip', 'sp_raw')
               for d in (spair.BIN, ASAN_BIN) if not os.access(os.path.join(d, b), os.X_OK)]
    if missing:
        print('not ok 1 - programs built (missing %s; run make all)' % ', '.join(missing))
        return 1

    # The in-memory wire program: byte check and pools (it exits non-zero otherwise).
    p = subprocess.run([os.path.join(spair.BIN, 'tcpbulk'), '--bytes', str(3 * N)],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 0 and 'result=ok' in p.stdout and 'pools=balanced' in p.stdout,
          'tcpbulk: 3 MiB between two instances in one process, pools balanced',
          p.stdout + p.stderr)
    # Its virtual clock makes a run repeat exactly (what callgrind counting relies on): the
    # same frames, in the same number, every time.
    again = subprocess.run([os.path.join(spair.BIN, 'tcpbulk'), '--bytes', str(3 * N)],
                           capture_output=True, text=True, timeout=60)
    frames = lambda out: [t for t in out.split() if t.startswith('frames=')]  # noqa: E731
    check(again.returncode == 0 and frames(p.stdout) == frames(again.stdout) != [],
          'tcpbulk repeats exactly (same frame count twice)', p.stdout + again.stdout)
    p = subprocess.run([os.path.join(spair.BIN, 'tcpbulk'), '--bytes', '100000', '--mss', '536'],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 0 and 'result=ok' in p.stdout, 'tcpbulk with MSS 536',
          p.stdout + p.stderr)

    # Transfers through the socketpair harness, every pairing that interoperates.
    for send, recv in (('stos', 'stos'), ('stos', 'lwip'), ('lwip', 'stos'), ('lwip', 'lwip'),
                       ('raw', 'raw')):
        bulk_ok(send, recv)

    # Short transfers (less than one segment, exactly one, one more).
    for n in (1, 1460, 1461):
        r = pair('stos', 'stos', mode='bulk', nbytes=n)
        check(r['ok'] and r['recv'].get('bytes') == n, 'bulk %d bytes stos -> stos' % n,
              describe(r))

    # The harness reports failures.
    r = pair('stos', 'stos', mode='bulk', nbytes=N, send_bytes=N - 1000)
    check(not r['ok'] and r['recv'].get('truncated') == 1 and r['recv']['rc'] != 0,
          'a truncated transfer fails the receiver (stos)', describe(r))
    r = pair('stos', 'lwip', mode='bulk', nbytes=N, send_bytes=N - 1)
    check(not r['ok'] and r['recv'].get('truncated') == 1 and r['recv']['rc'] != 0,
          'a truncated transfer fails the receiver (lwip)', describe(r))
    r = pair('lwip', 'stos', mode='bulk', nbytes=N, send_bytes=N + 100)
    check(not r['ok'] and r['recv'].get('excess') == 1, 'an overlong transfer fails the receiver',
          describe(r))
    r = pair('raw', 'raw', mode='bulk', nbytes=N, send_extra=('--corrupt', '300000'))
    check(not r['ok'] and r['recv'].get('corrupt') == 1, 'a corrupted byte fails the receiver',
          describe(r))

    # The same programs built with ASan + UBSan (their leak check runs at exit).
    env = dict(os.environ, **ASAN_ENV)
    p = subprocess.run([os.path.join(ASAN_BIN, 'tcpbulk'), '--bytes', str(N)],
                       capture_output=True, text=True, timeout=60, env=env)
    check(p.returncode == 0 and 'result=ok' in p.stdout, 'asan: tcpbulk 1 MiB',
          p.stdout + p.stderr[-2000:])
    for send, recv in (('stos', 'stos'), ('stos', 'lwip'), ('lwip', 'stos'), ('raw', 'raw')):
        r = pair(send, recv, mode='bulk', nbytes=N, bindir=ASAN_BIN, extra_env=ASAN_ENV)
        check(r['ok'] and r['recv'].get('bytes') == N,
              'asan: bulk %d bytes %s -> %s' % (N, send, recv), describe(r) + '\n' +
              r['send']['stderr'][-1500:] + '\n' + r['recv']['stderr'][-1500:])
    r = pair('stos', 'stos', mode='setup', conns=20, bindir=ASAN_BIN, extra_env=ASAN_ENV)
    check(r['ok'], 'asan: setup 20 cycles stos', describe(r))

    # Connection setup and idle connections (the benchmark's other modes).
    for be in ('stos', 'lwip'):
        r = pair(be, be, mode='setup', conns=20)
        check(r['ok'] and r['send'].get('conns') == 20 and r['recv'].get('conns') == 20,
              'setup: 20 connect/accept/close cycles (%s)' % be, describe(r))
    r = pair('stos', 'stos', mode='idle', conns=50)
    check(r['ok'] and r['send'].get('conns') == 50 and r['recv'].get('heap_per_conn', 0) > 0 and
          r['send'].get('pools') == 'balanced' and r['recv'].get('pools') == 'balanced',
          'idle: 50 established connections held and measured, pools balanced (stos)',
          describe(r))
    return 0 if all(results) else 1


if __name__ == '__main__':
    sys.exit(main())
