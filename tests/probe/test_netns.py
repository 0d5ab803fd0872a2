#!/usr/bin/env python3
"""Namespace tests of the native tracer and prober (needs root; TAP).

Builds tests/probe/topo.sh's topology in namespaces named
fdt-probe-<pid>-*, runs `failover-drill trace` and the probe_watch and
probe_once helpers INSIDE the source namespace, and deletes every namespace
on every path.  Probes go only to addresses that exist in those namespaces.
Every namespace keeps the kernel's default ICMP rate limits; a test that
needs a deterministic count lifts them on the nodes it counts (lift()) and
says why.
"""
import atexit
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOPO = os.path.join(HERE, "topo.sh")
PFX = "fdt-probe-%d" % os.getpid()
FD_BIN = os.environ.get("FD_BIN", "")
WATCH = os.environ.get("PROBE_WATCH", "")
ONCE = os.environ.get("PROBE_ONCE", "")
HIST = os.environ.get("TRACE_HIST", "")
DST = "10.201.7.2"
R2A, R2B, R4 = "10.201.2.2", "10.201.3.2", "10.201.6.2"

results = []


def ok(cond, name, diag=""):
    results.append(bool(cond))
    n = len(results)
    print("%s %d - %s" % ("ok" if cond else "not ok", n, name))
    if diag and not cond:
        for line in str(diag).splitlines():
            print("# " + line)
    sys.stdout.flush()


def note(msg):
    print("# " + msg)
    sys.stdout.flush()


def topo(cmd):
    subprocess.run(["bash", TOPO, cmd, PFX], check=True, timeout=60)


def lift(*nodes):
    subprocess.run(["bash", TOPO, "lift", PFX] + list(nodes), check=True,
                   timeout=60)


def limit(*nodes):
    subprocess.run(["bash", TOPO, "limit", PFX] + list(nodes), check=True,
                   timeout=60)


def cleanup(*_):
    subprocess.run(["bash", TOPO, "down", PFX], timeout=60)


def in_ns(node, argv, timeout=60, **kw):
    return subprocess.run(["ip", "netns", "exec", "%s-%s" % (PFX, node)]
                          + argv, capture_output=True, text=True,
                          timeout=timeout, **kw)


def trace(*args, dst=DST):
    p = in_ns("s", [FD_BIN, "trace", "--json"] + list(args) + [dst])
    if p.returncode != 0:
        raise RuntimeError("trace failed: %s" % p.stderr)
    return json.loads(p.stdout)


def answers(hop):
    return sorted(a["addr"] for a in hop["answers"] if a["addr"])


def hop_by_ttl(t, ttl):
    for h in t["hops"]:
        if h["ttl"] == ttl:
            return h
    return None


def test_trace():
    t = trace("-q", "3")
    ok(t["reached"], "trace reaches the destination")
    ok([h["ttl"] for h in t["hops"]] == [1, 2, 3, 4, 5], "five hops",
       json.dumps(t["hops"]))
    ok(answers(hop_by_ttl(t, 1)) == ["10.201.1.1"], "hop 1 is r1")
    h2 = answers(hop_by_ttl(t, 2))
    ok(len(h2) == 1 and h2[0] in (R2A, R2B),
       "one flow sees one branch at hop 2", h2)
    h3 = hop_by_ttl(t, 3)
    ok(h3 is not None and h3["answers"] == [] and len(h3["probes"]) == 3,
       "the silent hop is kept at TTL 3", json.dumps(h3))
    ok(answers(hop_by_ttl(t, 4)) == [R4], "hop 4 is r4")
    ok(answers(hop_by_ttl(t, 5)) == [DST], "hop 5 is the destination")
    # The silent hop does not cost a full 3 s wait (-w MAX,HERE,NEAR).
    ok(t["stats"]["wall_ms"] < 1500,
       "adaptive wait: silent hop does not cost the full timeout",
       t["stats"])
    note("native trace wall time %d ms" % t["stats"]["wall_ms"])
    # One trace, as traceroute: the silent hop is not asked again...
    ok(t["stats"]["asked_again"] == 0, "trace verb: no second ask",
       t["stats"])
    # ... unless --reask (as the drill's traces do): r3 once, still '*'.
    t = trace("-q", "3", "--reask")
    ok(t["stats"]["asked_again"] == 1 and t["stats"]["reasked"] == 0 and
       hop_by_ttl(t, 3)["answers"] == [],
       "--reask asks the silent hop once more; it stays silent",
       t["stats"])


def test_flows():
    # 16 flows x 10 probes per hop: every probe of one flow takes the same
    # branch (Paris), and the flows together reveal both branches.
    # Counts every answer of hop 2 and needs d to answer every flow: 160
    # probes a hop, so r2a, r2b and d answer at any rate here (lifted),
    # and the tracer is told so (--hop-burst).
    lift("r2a", "r2b", "d")
    try:
        t = trace("--flows", "16", "--per-flow", "-q", "10",
                  "--hop-burst", "160")
    finally:
        limit("r2a", "r2b", "d")
    stable = True
    seen = set()
    for f in t["flows"]:
        h2 = hop_by_ttl(f, 2)
        got = answers(h2)
        replies = [p for p in h2["probes"] if p["answer"] is not None]
        if len(got) != 1 or len(replies) < 8:
            stable = False
            note("unstable flow: %s" % json.dumps(h2))
        seen.update(got)
        ok_f = f["reached"] and hop_by_ttl(f, 3)["answers"] == []
        if not ok_f:
            stable = False
    ok(stable, "each of 16 flows keeps one path for all 10 probes")
    ok(seen == {R2A, R2B}, "16 flows reveal both ECMP branches", seen)
    merged = answers(hop_by_ttl(t, 2))
    ok(merged == sorted([R2A, R2B]), "merged hop 2 lists both branches",
       merged)
    # Contrast: classic traceroute changes the port per probe, so one
    # "trace" usually shows both branches at hop 2.
    p = in_ns("s", ["traceroute", "-n", "-q", "10", "-w", "1", DST])
    if p.returncode == 0:
        line = [l for l in p.stdout.splitlines() if l.strip().startswith("2 ")]
        note("classic traceroute hop 2: %s" % (line[0].strip() if line
                                              else "?"))


def test_ipv6():
    dst6 = "fd00:201:7::2"
    trace("-q", "1", dst=dst6)  # neighbour discovery on the way
    # 48 probes a hop, both branches and d counted: lifted as in
    # test_flows.
    lift("r2a", "r2b", "d")
    try:
        t = trace("--flows", "16", "--per-flow", "-q", "3",
                  "--hop-burst", "48", dst=dst6)
    finally:
        limit("r2a", "r2b", "d")
    ok(t["reached"], "IPv6: trace reaches the destination")
    ok([h["ttl"] for h in t["hops"]] == [1, 2, 3, 4, 5], "IPv6: five hops",
       json.dumps(t["hops"]))
    ok(hop_by_ttl(t, 3)["answers"] == [],
       "IPv6: the silent hop is kept at TTL 3")
    ok(answers(hop_by_ttl(t, 2)) == ["fd00:201:2::2", "fd00:201:3::2"],
       "IPv6: flows reveal both ECMP branches",
       answers(hop_by_ttl(t, 2)))
    ok(all(len(answers(hop_by_ttl(f, 2))) == 1 for f in t["flows"]),
       "IPv6: each flow keeps one path")
    ok(answers(hop_by_ttl(t, 5)) == [dst6], "IPv6: hop 5 is the target")


def test_unreachable():
    # IPv4: r4's REJECT rules sit in FORWARD, after the TTL check, so the
    # refusal comes with TTL 5; IPv6: route types refuse at TTL 4.
    # r4 keeps the default limits: one probe a trace, at the TTL of the
    # refusal (-q 1 -f TTL -m TTL), after test_rate_limited_hop took 3.
    for dst, flag, ttl in (("10.201.9.9", "!X", 5), ("10.201.8.8", "!H", 5),
                           ("fd00:201:9::9", "!X", 4),
                           ("fd00:201:8::8", "!N", 4)):
        t = trace("-w", "1", "-q", "1", "-f", str(ttl), "-m", str(ttl),
                  dst=dst)
        h = hop_by_ttl(t, ttl)
        flags = set(p["flag"] for p in h["probes"]
                    if p["answer"] is not None) if h else set()
        ok(h is not None and not t["reached"] and
           t["hops"][-1]["ttl"] == ttl and
           answers(h) in (["10.201.6.2"], ["fd00:201:6::2"]) and
           flags == {flag},
           "%s: %s from r4 ends the trace at hop %d" % (dst, flag, ttl),
           json.dumps(t["hops"]))


def test_prober():
    if not WATCH or not os.path.exists(WATCH):
        ok(True, "# SKIP prober: probe_watch not built")
        return
    # probe_watch times the swap by the TTL-2 answer of every slot at
    # 50/s and counts d's answers: lifted there.
    lift("r2a", "r2b", "d")
    subprocess.run(["ip", "-n", PFX + "-r1", "route", "replace", "default",
                    "via", R2A], check=True)
    with tempfile.NamedTemporaryFile("w", delete=False) as tf:
        t0file = tf.name
    proc = None
    try:
        rate = 50
        proc = subprocess.Popen(
            ["ip", "netns", "exec", PFX + "-s", WATCH, DST, "2", str(rate),
             "5000", t0file, R2A, "500"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        sw = subprocess.run(
            [sys.executable, os.path.join(HERE, "route_swap.py"),
             PFX + "-r1", "1.0", t0file, DST, "route", "replace",
             "default", "via", R2B],
            capture_output=True, text=True, timeout=30)
        ok(sw.returncode == 0, "route swapped", sw.stderr)
        before, after = (float(x) for x in sw.stdout.split())
        out, err = proc.communicate(timeout=30)
        ok(proc.returncode == 0, "prober ran", err)
        r = json.loads(out)
        note("route swapped within [0, %.1f] ms of t0; prober saw the "
             "path leave at %+d ms, stable at %+d ms (rate %d/s), "
             "%d lost of %d"
             % (after - before, r["left_delta_ms"], r["stable_delta_ms"],
                rate, r["lost"], r["sent"]))
        ok(r["left"], "prober saw the path leave r2a", out)
        ok(r["stable"], "prober saw the path settle on r2b", out)
        # Loose bound only: timing precision is the benchmark's job.
        ok(-50 <= r["left_delta_ms"] <= 1000,
           "switch time is near the swap", out)
        ok(r["samples"] >= rate * 2, "about %d samples a second" % rate,
           out)
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        os.unlink(t0file)
        subprocess.run(["ip", "-n", PFX + "-r1", "route", "replace",
                        "default", "nexthop", "via", R2A, "nexthop", "via",
                        R2B])
        limit("r2a", "r2b", "d")


def test_short_quote():
    # r3 plays a router that quotes only IP header + 8 bytes: the probe id
    # in the payload is not quoted, so the tracer must fall back to
    # sending those probes again one at a time.  The long NEAR factor
    # gives the Python responder time to answer.
    q = subprocess.Popen(["ip", "netns", "exec", PFX + "-r3", sys.executable,
                          os.path.join(HERE, "quote8.py"), "20"],
                         stdout=subprocess.PIPE, text=True)
    try:
        ok(q.stdout.readline().strip() == "ready", "short-quote responder up")
        t = trace("-q", "3", "-w", "2,3,100000")
        h3 = hop_by_ttl(t, 3)
        note("short quotes: %s" % json.dumps(t["stats"]))
        ok(t["stats"]["unmatched"] >= 1, "short quotes seen as unmatched",
           t["stats"])
        ok(answers(h3) == ["10.201.4.2"] and
           all(p["answer"] == 0 for p in h3["probes"]),
           "short-quote hop matched by serial re-probing", json.dumps(h3))
        ok(t["reached"] and len(t["hops"]) == 5, "trace still complete")
    finally:
        q.kill()
        q.wait()


def refill():
    # Every router here answers 6 errors at once, then one a second (the
    # kernel's defaults): let the earlier tests' traces be forgotten.
    time.sleep(6.5)


def test_rate_limited_hop():
    # r4 polices the time-exceeded it sends as an edge router does
    # (hashlimit 2/s, burst 2; its kernel bucket is full after refill()):
    # of 3 probes to hop 4 two are answered, the third is not.  The hop is
    # seen (r4 answered) and marked rate-limited, not reported absent.
    # -m 4: d's bucket is left for the tests after this one.
    rule = ["OUTPUT", "-p", "icmp", "--icmp-type", "time-exceeded", "-m",
            "hashlimit", "--hashlimit-above", "2/second",
            "--hashlimit-burst", "2", "--hashlimit-mode", "dstip",
            "--hashlimit-name", "fdt-te", "-j", "DROP"]
    p = in_ns("r4", ["iptables", "-w", "-A"] + rule)
    ok(p.returncode == 0, "r4 polices time-exceeded (hashlimit)", p.stderr)
    try:
        t = trace("-q", "3", "-m", "4")
        h4 = hop_by_ttl(t, 4)
        got = [p["answer"] for p in h4["probes"]] if h4 else []
        ok(h4 is not None and answers(h4) == [R4] and
           got.count(None) >= 1 and got.count(0) >= 1,
           "hop 4 answered, then went silent", json.dumps(h4))
        ok(h4 is not None and h4.get("rate_limited") is True,
           "hop 4 marked rate-limited", json.dumps(h4))
        h3 = hop_by_ttl(t, 3)
        ok(h3 is not None and h3["answers"] == [] and
           "rate_limited" not in h3,
           "the silent hop stays silent, not marked", json.dumps(h3))
    finally:
        in_ns("r4", ["iptables", "-w", "-D"] + rule)


def trace_hist(*dsts, q=3, m=5):
    p = in_ns("s", [HIST, str(q), str(m)] + list(dsts))
    if p.returncode != 0:
        raise RuntimeError("trace_hist failed: %s" % p.stderr)
    return [json.loads(l) for l in p.stdout.splitlines()]


def test_trace_history():
    # The drill's traces ask a silent hop again after a refill only when
    # a router that answered at its TTL may have been emptied by their own
    # probes (struct tracer_hist: a router spends a token per answer).
    # d's limits are lifted so that every trace reaches it (the re-ask is
    # only for hops below the last answer) whatever the traces before
    # left in its bucket.
    lift("d")
    try:
        # Four traces back to back in one context, the buckets refilled.
        t = trace_hist(DST, DST, DST, DST)
        ok(len(t) == 4, "four traces", t)
        # The first: r3 never answered at TTL 3 and nothing there is
        # drained: silent for good, not asked again (the drill asked it
        # again, a second per trace, before).
        ok(t[0]["reached"] and 3 in t[0]["silent"] and
           t[0]["asked_again"] == 0,
           "a hop that nothing drained is not asked again", t[0])
        # The first two take r1's burst of 6 and the third finds it
        # empty: the model knows it was us, so the silent hops whose
        # routers answered are asked again after a refill and answer.
        ok(t[2]["reached"] and t[2]["asked_again"] >= 1 and
           t[2]["reasked"] >= 1 and 1 not in t[2]["silent"],
           "a hop our own traces drained is asked again and answers",
           t[2])
        # A router spends its tokens on whatever it answers: r4 answers
        # the trace to a refused address at TTL 4 and refuses it (!X) at
        # TTL 5 and 6, which empties it for the next trace's TTL 4.
        time.sleep(6.5)
        t = trace_hist("10.201.9.9", DST, m=6)
        ok(len(t) == 2 and t[1]["reached"] and
           t[1]["asked_again"] >= 1 and t[1]["reasked"] >= 1 and
           4 not in t[1]["silent"],
           "a router drained at other TTLs is asked again at its own", t)
    finally:
        limit("d")


def probe_once(dst, method, port, rate=20, ms=1000):
    return in_ns("s", [ONCE, dst, method, str(port), str(rate), str(ms)])


def test_icmp_reply_ttl():
    # Echo replies are not rate limited (icmp_ratemask): every echo is
    # answered; d sends with TTL 64 and 4 routers forward the reply.
    for dst in (DST, "fd00:201:7::2"):
        p = probe_once(dst, "icmp", 0)
        r = json.loads(p.stdout) if p.returncode == 0 else {}
        ok(p.returncode == 0 and r["samples"] >= 10 and r["lost"] == 0,
           "icmp %s: every echo answered" % dst, p.stdout + p.stderr)
        ok(r.get("reply_ttl") == [60],
           "icmp %s: reply TTL 60 (64 less 4 hops)" % dst, p.stdout)


def test_tcp_drop():
    # A port that DROPs (a firewall) gets no answer: every probe is lost;
    # a closed port's RST is an answer.
    rule = ["INPUT", "-p", "tcp", "--dport", "3389", "-j", "DROP"]
    p = in_ns("d", ["iptables", "-w", "-A"] + rule)
    ok(p.returncode == 0, "d drops TCP 3389", p.stderr)
    try:
        p = probe_once(DST, "tcp", 3389)
        r = json.loads(p.stdout) if p.returncode == 0 else {}
        ok(p.returncode == 0 and r["samples"] >= 10 and r["answered"] == 0
           and r["lost"] == r["samples"],
           "tcp to a DROPping port: every probe lost", p.stdout + p.stderr)
        p = probe_once(DST, "tcp", 3390)
        r = json.loads(p.stdout) if p.returncode == 0 else {}
        ok(p.returncode == 0 and r["samples"] >= 10 and r["lost"] == 0,
           "tcp to a closed port: every RST an answer", p.stdout + p.stderr)
    finally:
        in_ns("d", ["iptables", "-w", "-D"] + rule)


def test_ping_refused():
    # A host whose ping_group_range excludes us (the kernel's own default
    # "1 0"): the icmp method fails with the sysctl named, no fall-back.
    key = "net.ipv4.ping_group_range"
    in_ns("s", ["sysctl", "-qw", key + "=1 0"])
    try:
        p = probe_once(DST, "icmp", 0, ms=300)
        ok(p.returncode == 1 and key in p.stderr and not p.stdout,
           "icmp refused by ping_group_range names the sysctl",
           p.stdout + p.stderr)
        note("refusal: " + p.stderr.strip())
    finally:
        in_ns("s", ["sysctl", "-qw", key + "=0 2147483647"])


def main():
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root (network namespaces)")
        return 0
    if not FD_BIN or not os.path.exists(FD_BIN):
        print("1..0 # SKIP FD_BIN not built")
        return 0
    atexit.register(cleanup)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    topo("up")
    try:
        test_trace()
        test_flows()
        test_ipv6()
        refill()
        test_rate_limited_hop()
        test_unreachable()
        test_short_quote()
        if ONCE and os.path.exists(ONCE):
            test_icmp_reply_ttl()
            test_tcp_drop()
            test_ping_refused()
        else:
            ok(True, "# SKIP probe_once not built")
        test_prober()
        if HIST and os.path.exists(HIST):
            refill()
            test_trace_history()
        else:
            ok(True, "# SKIP trace_hist not built")
    except Exception as e:  # report, then clean up
        ok(False, "exception: %s" % e)
    finally:
        cleanup()
    print("1..%d" % len(results))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
