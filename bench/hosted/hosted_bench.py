#!/usr/bin/python3
"""The hosted TCP benchmark of issue 6 (`make bench-hosted`, and part of `make bench`).

Bulk TCP, MSS 1460, measured two ways:
  * the in-memory wire: two STOS instances in one process (build/host/bench/tcpbulk,
    virtual clock), the stack's own ceiling;
  * the socketpair harness (spair.py): two processes, one frame per message, each pinned to
    its own core, with STOS, Debian's lwIP 2.1.3 and a no-stack run of the same harness.
Reports goodput (median of BENCH_RUNS), marginal instructions per payload byte on each side
(callgrind, two transfer sizes so setup cost cancels), connection setup rate and heap per idle
connection, prints a table with the targets of issue 6 and saves build/bench/hosted.json.
Speed never fails it; a transfer that fails its byte check, or pools that do not balance, do
(exit 1), since then the figures mean nothing.

`hosted_bench.py --ipb` measures only STOS's instructions per byte (about a minute).

Knobs (environment): BENCH_RUNS (5), BENCH_HOSTED_MIB (256), BENCH_CG_MIB ("8,24"),
BENCH_SETUP_CONNS (500), BENCH_IDLE_CONNS (10000), BENCH_CROSS (1: also STOS<->lwIP runs),
BENCH_RT (1: run the measured processes at SCHED_FIFO priority 10 when allowed; see
spair.child_setup), BENCH_SCALE_CONNS ("10,1000,10000,100000": connection counts for the
per-segment cost, measured by the TCP scale work's tests/tcp/tcp_scale_bench when it is built;
"" skips it).
"""
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spair  # noqa: E402

ROOT = spair.ROOT
BUILD = os.path.join(ROOT, 'build')
TCPBULK = os.path.join(spair.BIN, 'tcpbulk')
OUT = os.path.join(BUILD, 'bench', 'hosted.json')
PROFILE = os.path.join(BUILD, 'bench', 'hosted-profile.txt')
CGDIR = os.path.join(BUILD, 'bench', 'callgrind')

RUNS = int(os.environ.get('BENCH_RUNS', '5'))
MIB = int(os.environ.get('BENCH_HOSTED_MIB', '256'))
CG_MIB = [int(x) for x in os.environ.get('BENCH_CG_MIB', '8,24').split(',')]
SETUP_CONNS = int(os.environ.get('BENCH_SETUP_CONNS', '500'))
IDLE_CONNS = int(os.environ.get('BENCH_IDLE_CONNS', '10000'))
CROSS = os.environ.get('BENCH_CROSS', '1') != '0'
SCALE_BENCH = os.path.join(BUILD, 'host', 'scale', 'tcp_scale_bench')
SCALE_CONNS = os.environ.get('BENCH_SCALE_CONNS', '10,1000,10000,100000')
RT = os.environ.get('BENCH_RT', '1') != '0' and spair.rt_available()
MSS = 1460

failures = []


def log(msg):
    print(msg, flush=True)


def cg_total(path):
    """Total Ir of a callgrind output file."""
    total = None
    with open(path) as f:
        for line in f:
            if line.startswith(('summary:', 'totals:')):
                total = int(line.split()[1])
    return total


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# ---- the in-memory wire (tcpbulk) ----
def tcpbulk(nbytes, cg_side=None):
    """Runs tcpbulk; with cg_side 'send'/'recv', under callgrind counting that side only
    (without the wire's copy), returning its Ir; else returns the goodput line's dict."""
    cmd = [TCPBULK, '--bytes', str(nbytes), '--mss', str(MSS)]
    if cg_side:
        fn, carry = (('bulk_sender_step', 'memlink_carry_a') if cg_side == 'send'
                     else ('bulk_receiver_step', 'memlink_carry_b'))
        out = os.path.join(CGDIR, 'tcpbulk.%s.%d.out' % (cg_side, nbytes))
        cmd = ['valgrind', '--tool=callgrind', '--quiet', '--callgrind-out-file=' + out,
               '--collect-atstart=no', '--toggle-collect=' + fn,
               '--toggle-collect=' + carry] + cmd
    pins = spair.cpus()
    pre = lambda: spair.child_setup(pins[0] if pins else None, RT)  # noqa: E731
    p = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=pre, timeout=900)
    res = {}
    for line in p.stdout.splitlines():
        if line.startswith('tcpbulk:'):
            spair.parse_line(line, res)
    if p.returncode != 0 or res.get('result') != 'ok':
        failures.append('tcpbulk --bytes %d%s: %s %s' % (nbytes, ' (callgrind)' if cg_side
                                                          else '', p.stdout.strip(),
                                                          p.stderr.strip()[-300:]))
        return None
    return cg_total(out) if cg_side else res


def memwire():
    log('# in-memory wire: tcpbulk, %d MiB x %d' % (MIB, RUNS))
    gb = [tcpbulk(MIB << 20) for _ in range(RUNS)]
    gbps = median([r['gbps'] for r in gb if r])
    ipb = {}
    s1, s2 = CG_MIB[0] << 20, CG_MIB[1] << 20
    for side in ('send', 'recv'):
        a, b = tcpbulk(s1, side), tcpbulk(s2, side)
        ipb[side] = (b - a) / (s2 - s1) if a is not None and b is not None else None
    return {'gbps': gbps, 'gbps_runs': [r['gbps'] if r else None for r in gb],
            'ipb_send': ipb['send'], 'ipb_recv': ipb['recv']}


# ---- the socketpair harness ----
def pair(send, recv, mode, **kw):
    kw.setdefault('rt', RT)
    r = spair.run_pair(send, recv, mode, mss=MSS, **kw)
    if not r['ok']:
        failures.append('%s->%s %s: send %s | recv %s' % (
            send, recv, mode,
            ' '.join('%s=%s' % kv for kv in sorted(r['send'].items())),
            ' '.join('%s=%s' % kv for kv in sorted(r['recv'].items()))))
    return r


def goodput(send, recv, runs):
    vals = []
    for _ in range(runs):
        r = pair(send, recv, 'bulk', nbytes=MIB << 20, timeout=600)
        vals.append(r['recv'].get('gbps') if r['ok'] else None)
    return median(vals), vals


def goodput_rounds(backends, runs):
    """Goodput of each backend (against itself), interleaved: round i runs every backend
    once, so a change in the machine's load (it is shared) hits all of them alike.  Returns
    {backend: [gbps per round]}."""
    vals = {be: [] for be in backends}
    frames = {}
    for i in range(runs):
        log('# goodput round %d/%d: %s, %d MiB each' % (i + 1, runs, ', '.join(backends), MIB))
        for be in backends:
            r = pair(be, be, 'bulk', nbytes=MIB << 20, timeout=600)
            vals[be].append(r['recv'].get('gbps') if r['ok'] else None)
            # Frames each way (the last round's): ACKs per data frame tell the ACK policy.
            frames[be] = {'data': r['send'].get('tx_frames'), 'acks': r['recv'].get('tx_frames')}
    return vals, frames


def instr_per_byte(backend):
    os.makedirs(CGDIR, exist_ok=True)
    irs = {}
    for mib in CG_MIB[:2]:
        prefix = os.path.join(CGDIR, 'sp_%s.%d' % (backend, mib))
        # One side at a time under callgrind, its peer running natively: the measured side,
        # some fifty times slower, is always the one that limits the pair, so it runs as it
        # does when it limits a real transfer (a sender finds a batch of ACKs waiting each
        # turn, a receiver a batch of segments), and its count repeats within about 0.03.
        # With both sides under callgrind, which of them waited for the other changed from
        # run to run, and with it how many ACKs a sender took per turn: STOS's sender
        # counted anywhere from 0.9 to 2.2 instructions per byte (bench/README.md, session
        # 13).
        irs[mib] = {}
        for role in ('send', 'recv'):
            r = pair(backend, backend, 'bulk', nbytes=mib << 20, timeout=900, rt=False,
                     callgrind={role}, cg_prefix=prefix)
            irs[mib][role] = cg_total('%s.%s.out' % (prefix, role)) if r['ok'] else None
        if None in irs[mib].values():
            irs[mib] = None
    a, b = irs[CG_MIB[0]], irs[CG_MIB[1]]
    d = (CG_MIB[1] - CG_MIB[0]) << 20
    if not a or not b:
        return None, None
    return (b['send'] - a['send']) / d, (b['recv'] - a['recv']) / d


def setup_rate(backend):
    vals = []
    for _ in range(RUNS):
        r = pair(backend, backend, 'setup', conns=SETUP_CONNS, timeout=300)
        vals.append(r['send'].get('rate') if r['ok'] else None)
    return median(vals), vals


def idle_memory(backend):
    r = pair(backend, backend, 'idle', conns=IDLE_CONNS, timeout=300)
    if not r['ok']:
        return None
    return {'client': r['send'].get('heap_per_conn'), 'server': r['recv'].get('heap_per_conn')}


def write_profiles():
    """The top functions (self cost) of each side at the larger callgrind size, per byte of
    that size, for whoever works on the stack: build/bench/hosted-profile.txt."""
    mib = CG_MIB[1]
    files = [('in-memory wire, STOS %s' % side, 'tcpbulk.%s.%d.out' % (side, mib << 20))
             for side in ('send', 'recv')]
    files += [('socketpair %s %s' % (be, side), 'sp_%s.%d.%s.out' % (be, mib, side))
              for be in ('stos', 'lwip') for side in ('send', 'recv')]
    with open(PROFILE, 'w') as out:
        out.write('Self instructions per payload byte of the top functions, %d MiB transfers '
                  '(callgrind; setup included, so small functions may be per-connection).\n'
                  % mib)
        for title, name in files:
            path = os.path.join(CGDIR, name)
            if not os.path.exists(path):
                continue
            p = subprocess.run(['callgrind_annotate', '--threshold=95', path],
                               capture_output=True, text=True)
            out.write('\n== %s\n' % title)
            rows = 0
            for line in p.stdout.splitlines():
                parts = line.split()
                if len(parts) < 3 or not parts[0].replace(',', '').isdigit() or \
                        'PROGRAM' in line:
                    continue
                ir = int(parts[0].replace(',', ''))
                fn = line.split(')', 1)[1].strip() if ')' in line else parts[-1]
                out.write('%8.3f  %s\n' % (ir / (mib << 20), fn.split(' [')[0]))
                rows += 1
                if rows == 15:
                    break


def scale():
    """Instructions per segment at each connection count (tests/tcp/tcp_scale_bench.c:
    callgrind, deterministic), or None when that program is not built."""
    if not SCALE_CONNS or not os.access(SCALE_BENCH, os.X_OK):
        return None
    log('# per-segment cost at %s connections (tcp_scale_bench)' % SCALE_CONNS)
    out = os.path.join(BUILD, 'bench', 'tcp-scale.json')
    p = subprocess.run([SCALE_BENCH, '--conns', SCALE_CONNS, '--json', out],
                       capture_output=True, text=True, timeout=1800)
    if p.returncode != 0:
        failures.append('tcp_scale_bench: %s %s' % (p.stdout.strip()[-300:],
                                                    p.stderr.strip()[-300:]))
        return None
    with open(out) as f:
        return json.load(f).get('tcp_scale')


def provenance():
    """The commit measured, and whether net/ or host/ differed from it (shared tree)."""
    def git(*args):
        p = subprocess.run(['git', '-C', ROOT] + list(args), capture_output=True, text=True)
        return p.stdout.strip() if p.returncode == 0 else None
    dirty = git('status', '--porcelain', '--', 'net', 'host', 'bench/hosted')
    return {'commit': git('rev-parse', '--short', 'HEAD'),
            'modified': dirty.splitlines() if dirty else []}


def fmt(v, f='%.3f'):
    return '-' if v is None else f % v


def ratio(a, b):
    return a / b if a is not None and b else None


def ipb_only():
    """`hosted_bench.py --ipb`: only STOS's marginal instructions per payload byte, over the
    in-memory wire (exact) and the socketpair (STOS against itself), in about a minute: for
    checking a change to the stack."""
    os.makedirs(CGDIR, exist_ok=True)
    s1, s2 = CG_MIB[0] << 20, CG_MIB[1] << 20
    mw = {side: tcpbulk(s1, side) for side in ('send', 'recv')}
    mw2 = {side: tcpbulk(s2, side) for side in ('send', 'recv')}
    sp_send, sp_recv = instr_per_byte('stos')
    for side in ('send', 'recv'):
        if mw[side] is not None and mw2[side] is not None:
            log('in-memory wire %s: %.3f instructions/byte' % (
                side, (mw2[side] - mw[side]) / (s2 - s1)))
    log('socketpair     send: %s instructions/byte' % fmt(sp_send))
    log('socketpair     recv: %s instructions/byte' % fmt(sp_recv))
    for fl in failures:
        log('FAILED: ' + fl)
    return 1 if failures else 0


def main():
    if '--ipb' in sys.argv[1:]:
        return ipb_only()
    if not os.path.exists(TCPBULK):
        log('hosted bench: build first (make all)')
        return 2
    os.makedirs(CGDIR, exist_ok=True)
    t0 = time.time()
    res = {'mss': MSS, 'mib': MIB, 'runs': RUNS, 'cg_mib': CG_MIB[:2],
           'setup_conns': SETUP_CONNS, 'idle_conns': IDLE_CONNS, 'cpus': spair.cpus(),
           'sched_fifo': RT, 'time': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}
    res.update(provenance())
    res['memwire'] = memwire()
    rows = {}
    rounds, frames = goodput_rounds(('raw', 'stos', 'lwip'), RUNS)
    for be in ('raw', 'stos', 'lwip'):
        rows[be] = {'gbps': median(rounds[be]), 'gbps_runs': rounds[be], 'frames': frames[be]}
        # The ratio to the no-stack run of the same round, median over the rounds.
        rows[be]['x_nostack'] = median([ratio(a, b) for a, b in zip(rounds[be], rounds['raw'])])
    for be in ('raw', 'stos', 'lwip'):
        log('# socketpair %s: callgrind %s MiB' % (be, ' and '.join(map(str, CG_MIB[:2]))))
        rows[be]['ipb_send'], rows[be]['ipb_recv'] = instr_per_byte(be)
        if be != 'raw':
            log('# socketpair %s: setup rate (%d conns x %d), memory per idle connection (%d)'
                % (be, SETUP_CONNS, RUNS, IDLE_CONNS))
            rows[be]['setup_rate'], rows[be]['setup_runs'] = setup_rate(be)
            rows[be]['idle_bytes'] = idle_memory(be)
    res['socketpair'] = rows
    if CROSS:
        log('# interop: STOS->lwIP and lwIP->STOS, %d MiB' % MIB)
        res['cross'] = {}
        for s, r in (('stos', 'lwip'), ('lwip', 'stos')):
            g, runs = goodput(s, r, 1)
            res['cross']['%s->%s' % (s, r)] = {'ok': g is not None, 'gbps': g}
    st, lw = rows['stos'], rows['lwip']
    res['targets'] = {
        'goodput_x_nostack_min': 0.95, 'ipb_x_lwip_max': 1 / 3,
        'goodput_x_nostack': st['x_nostack'],
        'ipb_send_x_lwip': ratio(st['ipb_send'], lw['ipb_send']),
        'ipb_recv_x_lwip': ratio(st['ipb_recv'], lw['ipb_recv']),
    }
    t = res['targets']
    t['met'] = {
        'goodput': t['goodput_x_nostack'] is not None and t['goodput_x_nostack'] >= 0.95,
        'ipb_send': t['ipb_send_x_lwip'] is not None and t['ipb_send_x_lwip'] <= 1 / 3,
        'ipb_recv': t['ipb_recv_x_lwip'] is not None and t['ipb_recv_x_lwip'] <= 1 / 3,
    }
    res['scale'] = scale()
    write_profiles()
    res['secs'] = round(time.time() - t0, 1)
    res['failures'] = failures
    report(res)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(res, f, indent=2)
    log('# measured at commit %s%s' % (res['commit'], ' with uncommitted changes in %s' % ', '.join(
        sorted({m.split()[-1].split('/')[0] for m in res['modified']})) if res['modified'] else ''))
    log('saved %s and %s (%.0f s)' % (os.path.relpath(OUT, ROOT),
                                      os.path.relpath(PROFILE, ROOT), res['secs']))
    for fl in failures:
        log('FAILED: ' + fl)
    return 1 if failures else 0


def report(res):
    sp = res['socketpair']
    st, lw, raw, mw = sp['stos'], sp['lwip'], sp['raw'], res['memwire']
    idle = lambda r, k: (r.get('idle_bytes') or {}).get(k)  # noqa: E731
    log('')
    log('Hosted TCP benchmark (issue 6): bulk %d MiB, MSS %d, median of %d, pinned to cores %s%s;'
        ' instructions per payload byte = (Ir(%d MiB) - Ir(%d MiB)) / %d MiB' % (
            res['mib'], res['mss'], res['runs'], res['cpus'],
            ', SCHED_FIFO' if res['sched_fifo'] else ' (normal priority: noisy)',
            res['cg_mib'][1], res['cg_mib'][0], res['cg_mib'][1] - res['cg_mib'][0]))
    w = '%-30s %10s %10s %10s %12s   %s'
    log(w % ('', 'STOS', 'lwIP', 'no-stack', 'in-mem wire', 'target (issue 6)'))
    met = res['targets']['met']
    yn = lambda k: 'met' if met[k] else 'not met'  # noqa: E731
    log(w % ('goodput, Gbit/s', fmt(st['gbps']), fmt(lw['gbps']), fmt(raw['gbps']),
             fmt(mw['gbps']), 'STOS >= 0.95x no-stack: %s' % yn('goodput')))
    log(w % ('  x no-stack (same round)', fmt(st['x_nostack'], '%.2f'),
             fmt(lw['x_nostack'], '%.2f'), '1.00', '', 'lwIP reached ~0.75x'))
    apf = lambda r: ratio((r.get('frames') or {}).get('acks'),  # noqa: E731
                          (r.get('frames') or {}).get('data'))
    log(w % ('  ACK frames per data frame', fmt(apf(st), '%.2f'), fmt(apf(lw), '%.2f'),
             fmt(apf(raw), '%.2f'), '', ''))
    log(w % ('instructions/byte, sender', fmt(st['ipb_send']), fmt(lw['ipb_send']),
             fmt(raw['ipb_send']), fmt(mw['ipb_send']),
             'STOS <= lwIP/3 = %s: %s' % (fmt(lw['ipb_send'] and lw['ipb_send'] / 3, '%.2f'),
                                          yn('ipb_send'))))
    log(w % ('instructions/byte, receiver', fmt(st['ipb_recv']), fmt(lw['ipb_recv']),
             fmt(raw['ipb_recv']), fmt(mw['ipb_recv']),
             'STOS <= lwIP/3 = %s: %s' % (fmt(lw['ipb_recv'] and lw['ipb_recv'] / 3, '%.2f'),
                                          yn('ipb_recv'))))
    log(w % ('  STOS / lwIP (send, recv)', '%s, %s' % (
        fmt(ratio(st['ipb_send'], lw['ipb_send']), '%.2f'),
        fmt(ratio(st['ipb_recv'], lw['ipb_recv']), '%.2f')), '', '', '', '<= 0.33 each'))
    log(w % ('setups/s (connect+accept+close)', fmt(st.get('setup_rate'), '%.0f'),
             fmt(lw.get('setup_rate'), '%.0f'), '', '', ''))
    log(w % ('heap bytes/idle conn, client', fmt(idle(st, 'client'), '%.0f'),
             fmt(idle(lw, 'client'), '%.0f'), '', '', '%d connections' % res['idle_conns']))
    log(w % ('heap bytes/idle conn, server', fmt(idle(st, 'server'), '%.0f'),
             fmt(idle(lw, 'server'), '%.0f'), '', '', ''))
    sc = res.get('scale')
    if sc:
        per = ', '.join('%d: %.0f' % (r['conns'], r['instr_per_segment']) for r in sc)
        flat = sc[-1]['instr_per_segment'] / sc[0]['instr_per_segment']
        log('instructions per segment by connections (STOS, in-memory wire): %s; %d/%d = %.3f '
            '(target: flat)' % (per, sc[-1]['conns'], sc[0]['conns'], flat))
    for k, v in (res.get('cross') or {}).items():
        log('interop %-22s %s' % (k.replace('stos', 'STOS').replace('lwip', 'lwIP') + ':',
                                  'ok, %s Gbit/s' % fmt(v['gbps']) if v['ok'] else 'FAILED'))


if __name__ == '__main__':
    sys.exit(main())
