#!/usr/bin/env python3
"""The guardian verb as run starts it (failover-drill(1), GUARDIAN), with a
stand-in drill (a child holding the pipe's write end) and a state directory
holding one journal that never reached the disable, so the recover it runs
needs no Azure call (and runs without a network where unshare -n works):

  disarm byte      -> exit 0, the journal untouched (no recover ran)
  stand-in killed  -> recover --by guardian: the journal kept, with its
                      record "recover" "by guardian"
  past --deadline  -> the stand-in gets SIGTERM, then recover as above
  bad options      -> exit 2

Every wait is bounded; children are reaped by PID.  TAP output.
"""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

FD = os.environ["FD_BIN"]
n = 0
bad = 0


def tap(ok, name, why=""):
    global n, bad
    n += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, name))
    if not ok:
        bad += 1
        for line in str(why).splitlines()[:5]:
            print("# " + line)


def offline_prefix():
    try:
        if subprocess.run(["unshare", "-n", "true"], timeout=10,
                          capture_output=True).returncode == 0:
            return ["unshare", "-n"]
    except (OSError, subprocess.TimeoutExpired):
        pass
    return []


JOURNAL = {"event": "begin", "pid": 1, "drill": "d1", "spec": "x.json",
           "azure": {"subscription": "s", "resource_group": "rg",
                     "circuit": "c1", "peering": "AzurePrivatePeering"}}


def state_dir(tmp, name):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    with open(os.path.join(d, "s_rg_c1_AzurePrivatePeering.journal"),
              "w") as f:
        f.write(json.dumps(JOURNAL) + "\n")
    return d


def guardian(state, how, deadline=None):
    """Start a stand-in drill and its guardian; how: 'disarm', 'kill' or
    'overdue'.  Returns (guardian rc, stand-in returncode)."""
    r, w = os.pipe()
    # The stand-in holds the write end; nothing else does.
    drill = subprocess.Popen(["sleep", "30"], pass_fds=(w,))
    argv = offline_prefix() + [FD, "--state-dir", state, "guardian",
                               "--fd", str(r), "--pid", str(drill.pid),
                               "--grace", "1"]
    if deadline is not None:
        argv += ["--deadline", str(deadline)]
    g = subprocess.Popen(argv, pass_fds=(r,), stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    os.close(r)
    try:
        if how == "disarm":
            os.write(w, b"D")
        os.close(w)
        w = -1
        if how == "kill":
            time.sleep(0.3)
            drill.send_signal(signal.SIGKILL)
        rc = g.wait(20)
        drc = None
        if how != "disarm":
            drc = drill.wait(5)
        return rc, drc
    finally:
        if w >= 0:
            os.close(w)
        for p in (g, drill):
            if p.poll() is None:
                p.kill()
                p.wait()


def by_guardian(path):
    """The journal's record of who ran the recover."""
    for line in open(path):
        r = json.loads(line)
        if r.get("event") == "recover" and r.get("detail") == "by guardian":
            return True
    return False


def kept(state):
    return glob.glob(os.path.join(state, "*.journal.*.recovered"))


def main():
    tmp = tempfile.mkdtemp(prefix="fd-guardian-")
    try:
        s = state_dir(tmp, "disarm")
        rc, _ = guardian(s, "disarm")
        tap(rc == 0, "disarmed: exit 0", rc)
        tap(not kept(s) and os.path.exists(
            os.path.join(s, "s_rg_c1_AzurePrivatePeering.journal")),
            "disarmed: no recover ran, the journal is untouched",
            os.listdir(s))

        s = state_dir(tmp, "kill")
        rc, drc = guardian(s, "kill")
        k = kept(s)
        tap(rc == 0 and drc == -signal.SIGKILL,
            "stand-in killed: the guardian ran recover, exit 0",
            "rc %s stand-in %s" % (rc, drc))
        tap(len(k) == 1 and by_guardian(k[0]),
            "stand-in killed: the kept journal says the guardian "
            "recovered it", k and open(k[0]).read())

        s = state_dir(tmp, "overdue")
        t0 = time.monotonic()
        rc, drc = guardian(s, "overdue", deadline=1)
        tap(rc == 0 and drc == -signal.SIGTERM,
            "past its deadline: the stand-in got SIGTERM, then recover",
            "rc %s stand-in %s after %.1f s" % (rc, drc,
                                                time.monotonic() - t0))
        tap(len(kept(s)) == 1, "past its deadline: the journal is kept",
            os.listdir(s))

        p = subprocess.run([FD, "guardian"], capture_output=True, timeout=10)
        tap(p.returncode == 2, "guardian without --fd/--pid: exit 2",
            p.stderr)
        p = subprocess.run([FD, "guardian", "--fd", "3", "--pid", "-5"],
                           capture_output=True, timeout=10)
        tap(p.returncode == 2, "guardian --pid -5: exit 2", p.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % n)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
