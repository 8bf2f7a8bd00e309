#!/usr/bin/python3
"""Run every test suite in tests/suites/ and print one summary line.

A suite is any executable file in tests/suites/, run from the top of the tree in name order.
It reports results as TAP lines ("ok N - what", "not ok N - what"); every other line is log.
Its whole output is saved to build/test-logs/<suite>.log.  A suite that exits non-zero with no
failing test, reports no test at all, or runs past its time limit counts as one more failure.

The last line printed is "N passed, N failed", which CI reads.
"""
import argparse
import os
import re
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUITES = os.path.join(TOP, "tests", "suites")
LOGS = os.path.join(TOP, "build", "test-logs")
TAP = re.compile(r"^(not ok|ok)\b\s*(\d+)?\s*-?\s*(.*)$")
DEFAULT_LIMIT = 900  # seconds per suite; a suite may ask for more with "# timeout: N" in its head


def suite_limit(path):
    try:
        with open(path, "r", errors="replace") as f:
            head = f.read(2000)
    except OSError:
        return DEFAULT_LIMIT
    m = re.search(r"#\s*timeout:\s*(\d+)", head)
    return int(m.group(1)) if m else DEFAULT_LIMIT


def run_suite(path, name):
    """Run one suite; return (passed, failed, seconds)."""
    log_path = os.path.join(LOGS, name + ".log")
    passed = failed = 0
    start = time.monotonic()
    limit = suite_limit(path)
    with open(log_path, "w") as log:
        proc = subprocess.Popen([path], cwd=TOP, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                text=True, errors="replace", start_new_session=True)
        timed_out = False
        try:
            for line in proc.stdout:
                log.write(line)
                log.flush()
                m = TAP.match(line.rstrip("\n"))
                if m:
                    if m.group(1) == "ok":
                        passed += 1
                    else:
                        failed += 1
                        print(f"  FAIL {name}: {m.group(3)}", flush=True)
                if time.monotonic() - start > limit:
                    timed_out = True
                    break
            if timed_out:
                raise subprocess.TimeoutExpired(path, limit)
            proc.wait(timeout=max(1, limit - (time.monotonic() - start)))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
            log.write(f"\n# run_all: suite killed after {limit} s\n")
            print(f"  FAIL {name}: timed out after {limit} s", flush=True)
            failed += 1
            return passed, failed, time.monotonic() - start
    if proc.returncode != 0 and failed == 0:
        print(f"  FAIL {name}: exited with status {proc.returncode}", flush=True)
        failed += 1
    if passed + failed == 0:
        print(f"  FAIL {name}: reported no test", flush=True)
        failed += 1
    return passed, failed, time.monotonic() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="run only suites whose name contains one of these "
                    "space-separated words")
    args = ap.parse_args()
    os.makedirs(LOGS, exist_ok=True)
    names = sorted(n for n in os.listdir(SUITES)
                   if os.access(os.path.join(SUITES, n), os.X_OK)
                   and not os.path.isdir(os.path.join(SUITES, n)))
    if args.only:
        words = args.only.split()
        names = [n for n in names if any(w in n for w in words)]
        if not names:
            print(f"no suite matches {args.only!r}", file=sys.stderr)
            return 2
    total_p = total_f = 0
    t0 = time.monotonic()
    for name in names:
        print(f"suite {name} ...", flush=True)
        p, f, secs = run_suite(os.path.join(SUITES, name), name)
        print(f"suite {name}: {p} passed, {f} failed ({secs:.1f} s)", flush=True)
        total_p += p
        total_f += f
    print(f"# all suites in {time.monotonic() - t0:.1f} s; logs in build/test-logs/")
    print(f"{total_p} passed, {total_f} failed")
    return 1 if total_f or not names else 0


if __name__ == "__main__":
    sys.exit(main())
