#!/usr/bin/env python3
"""Change a route at a known instant (CLOCK_MONOTONIC), for the prober tests
and bench/prober.sh.

    route_swap.py NETNS DELAY_S T0_FILE PROBE_DST IP-ARGS...

Starts `ip -n NETNS -batch -` beforehand (so no fork/exec sits between the
timestamp and the change), sleeps DELAY_S, notes the time, sends
"IP-ARGS" and then "route get PROBE_DST", and takes the reply to the second
command as proof that the first one is done.  Writes the start instant
(integer ms) to T0_FILE and prints "before_ms after_ms" on stdout.
"""
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 6:
        print(__doc__, file=sys.stderr)
        return 2
    ns, delay, t0file, dst = sys.argv[1], float(sys.argv[2]), sys.argv[3], \
        sys.argv[4]
    cmd = " ".join(sys.argv[5:])
    # -force: a failing command must not end the batch silently.
    p = subprocess.Popen(["stdbuf", "-oL", "ip", "-n", ns, "-force",
                          "-batch", "-"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True, bufsize=1)
    try:
        # Warm up: the batch process is running and answering.
        p.stdin.write("route get %s\n" % dst)
        p.stdin.flush()
        p.stdout.readline()
        time.sleep(delay)
        before = time.monotonic() * 1000
        p.stdin.write("%s\nroute get %s\n" % (cmd, dst))
        p.stdin.flush()
        reply = p.stdout.readline()
        after = time.monotonic() * 1000
        if not reply:
            print("route_swap: ip -batch failed on: %s" % cmd,
                  file=sys.stderr)
            return 1
    finally:
        p.stdin.close()
        p.wait(timeout=10)
    with open(t0file, "w") as f:
        f.write("%d\n" % int(before))
    print("%.3f %.3f" % (before, after))
    return 0 if p.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
