#!/usr/bin/env python3
"""The `trace` verb of failover-drill: exit codes, text/JSON/model output,
--import with and without --format.  Loopback only.  TAP."""
import json
import os
import subprocess
import sys

FD_BIN = os.environ.get("FD_BIN", "")
REF = os.environ.get("FD_REFERENCE", "")
SRC = os.environ.get("FD_SOURCE_ROOT", "")
results = []


def ok(cond, name, diag=""):
    results.append(bool(cond))
    print("%s %d - %s" % ("ok" if cond else "not ok", len(results), name))
    if diag and not cond:
        for line in str(diag).splitlines():
            print("# " + line)


def run(*args):
    return subprocess.run([FD_BIN, "trace"] + list(args), capture_output=True,
                          text=True, timeout=60)


def main():
    if not FD_BIN or not os.path.exists(FD_BIN):
        print("1..0 # SKIP FD_BIN not built")
        return 0
    ref = os.path.join(REF, "outputs", "traceroute")
    f = os.path.join(ref, "linux-traceroute-numeric-ecmp-08.txt")

    for args, why in (((), "no TARGET"), (("--bogus",), "unknown option"),
                      (("example.com",), "TARGET not an address"),
                      (("-q", "11", "127.0.0.1"), "-q out of range"),
                      (("-w", "x", "127.0.0.1"), "bad -w"),
                      (("--flows", "0", "127.0.0.1"), "--flows 0"),
                      (("--import", f, "--format", "nope"), "unknown format"),
                      (("--import", f, "127.0.0.1"), "--import with TARGET"),
                      (("--import", f, "-q", "2"), "--import with -q"),
                      (("--format", "tracert", "127.0.0.1"),
                       "--format without --import"),
                      (("127.0.0.1", "::1"), "two TARGETs")):
        p = run(*args)
        ok(p.returncode == 2 and "usage:" in p.stderr,
           "exit 2 and usage on stderr: %s" % why, p.stderr)

    p = run("-h")
    ok(p.returncode == 0 and p.stdout.startswith("usage:"), "-h: usage, 0")
    p = run("--format", "help")
    names = [l.split()[0] for l in p.stdout.splitlines()]
    ok(p.returncode == 0 and names == ["traceroute", "tracert", "tracepath",
                                       "mtr-json", "mtr-report", "winmtr",
                                       "scamper-json"],
       "--format help lists every importer", p.stdout)

    p = run("--import", "/nonexistent/trace.txt")
    ok(p.returncode == 1 and "/nonexistent" in p.stderr,
       "missing file: exit 1", p.stderr)
    p = run("--import", os.path.join(SRC, "meson.build"))
    ok(p.returncode == 1, "unrecognisable file: exit 1", p.stderr)

    p = run("--model", "--import", f)
    want = open(os.path.join(SRC, "tests", "golden", "traceroute",
                             os.path.basename(f) + ".ok")).read()
    ok(p.returncode == 0 and p.stdout == want, "--model matches the golden",
       p.stdout)
    p = run("--json", "--import", f, "--format", "traceroute")
    j = json.loads(p.stdout)
    ok(p.returncode == 0 and j["source"] == "traceroute" and
       len(j["hops"]) == 8 and len(j["hops"][3]["answers"]) == 3 and
       j["reached"] is True and j["target"] == "199.58.80.40",
       "--json import", p.stdout)
    p = run("--import", f)
    ok(p.returncode == 0 and p.stdout.splitlines()[4].split()[:2] ==
       ["4", "192.171.61.61"], "text import", p.stdout)
    p = run("--import", f, "--format", "tracert")
    ok(p.returncode == 1, "wrong --format: no hops, exit 1", p.stderr)

    p = run("--json", "127.0.0.1")
    j = json.loads(p.stdout)
    ok(p.returncode == 0 and j["reached"] and j["hops"][0]["ttl"] == 1 and
       j["hops"][0]["answers"][0]["addr"] == "127.0.0.1" and
       j["stats"]["sent"] >= 3, "--json trace of 127.0.0.1", p.stdout)
    p = run("--flows", "2", "--per-flow", "--json", "-q", "1", "::1")
    if p.returncode == 0:
        j = json.loads(p.stdout)
        ok(j["reached"] and len(j["flows"]) == 2, "per-flow JSON over ::1",
           p.stdout)
    else:
        ok(True, "# SKIP no IPv6 loopback")
    p = run("-i", "lo", "-s", "127.0.0.1", "-q", "1", "--json", "127.0.0.1")
    ok(p.returncode == 0 and json.loads(p.stdout)["reached"],
       "-i lo -s 127.0.0.1", p.stderr)
    p = run("-i", "fdt-no-such-if", "-q", "1", "127.0.0.1")
    ok(p.returncode == 1 and "fdt-no-such-if" in p.stderr,
       "unknown interface: exit 1", p.stderr)
    p = run("-s", "::1", "-q", "1", "127.0.0.1")
    ok(p.returncode == 1, "source of the wrong family: exit 1", p.stderr)
    p = run("-p", "65535", "--flows", "2", "127.0.0.1")
    ok(p.returncode == 2, "port range past 65535: exit 2", p.stderr)
    p = run("127.0.0.1")
    ok(p.returncode == 0 and "reached" in p.stdout.splitlines()[0] and
       p.stdout.splitlines()[1].split()[:2] == ["1", "127.0.0.1"],
       "text trace of 127.0.0.1", p.stdout)
    print("1..%d" % len(results))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
