#!/usr/bin/env python3
"""The netconf SSH subsystem end to end through a real sshd
(sshd_harness.py --netconf) and ssh(1) on 127.0.0.1: the subsystem reaches
the emulator's NETCONF mode on the NETCONF port and on the SSH port, the
NETCONF port refuses an exec, the SSH port still runs CLI commands.
Root needed (the harness); TAP output; standard library only.
"""

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
HARNESS = os.path.join(HERE, "sshd_harness.py")
EMU = os.path.join(SRC, "tests", "emu", "junos_cli.py")
NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
SESSION = ('<hello xmlns="%s"><capabilities><capability>'
           'urn:ietf:params:netconf:base:1.0</capability></capabilities>'
           '</hello>]]>]]>\n'
           '<rpc message-id="7"><command format="text">show version'
           '</command></rpc>]]>]]>\n'
           '<rpc message-id="8"><close-session/></rpc>]]>]]>\n' % NC)

N = 0
FAILS = 0


def ok(cond, name, diag=""):
    global N, FAILS
    N += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", N, name))
    if not cond:
        FAILS += 1
        for line in str(diag).splitlines()[-30:]:
            print("# " + line)
    sys.stdout.flush()


def ssh(d, port, *args, stdin=""):
    argv = ["ssh", "-i", d + "/id_ed25519", "-o", "BatchMode=yes",
            "-o", "UserKnownHostsFile=" + d + "/known_hosts",
            "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=5",
            "-p", str(port)] + list(args)
    try:
        return subprocess.run(argv, input=stdin, capture_output=True,
                              text=True, timeout=30)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(argv, -1, e.stdout or "",
                                           "timed out")


def main():
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root")
        return 77
    d = tempfile.mkdtemp(prefix="fdt-emu-ncssh-")
    tmpl = os.path.join(d, "map.in")
    with open(tmpl, "w") as f:
        f.write("show version => @SRC@/tests/junos/fixtures/"
                "show-version.txt\n")
    env = dict(os.environ, FD_SOURCE_ROOT=SRC)
    hd = os.path.join(d, "sshd")
    start = subprocess.run(
        [sys.executable, HARNESS, "start", hd, "--netconf",
         "--fixtures-map", tmpl, "--force-command",
         "/usr/bin/python3 -I -S %s --fixtures %s/fixtures.map" % (EMU, hd)],
        env=env, capture_output=True, text=True, timeout=60)
    try:
        ok(start.returncode == 0 and os.path.exists(hd + "/netconf_port"),
           "sshd_harness.py start --netconf", start.stderr + start.stdout)
        if start.returncode != 0:
            print("1..%d" % N)
            return 1
        port = int(open(hd + "/port").read())
        ncport = int(open(hd + "/netconf_port").read())
        for p, what in ((ncport, "NETCONF port"), (port, "SSH port")):
            r = ssh(hd, p, "-s", "root@127.0.0.1", "netconf",
                    stdin=SESSION)
            out = r.stdout
            ok(r.returncode == 0 and out.count("]]>]]>") == 3 and
               "<hello" in out and 'message-id="7"' in out and
               "Hostname: fw-emu" in out and "<ok/>" in out,
               "ssh -s netconf on the %s: hello, <output>, <ok/>" % what,
               out + r.stderr)
        r = ssh(hd, ncport, "root@127.0.0.1", "show version")
        ok(r.returncode == 1 and r.stdout == "" and
           "only the netconf subsystem" in r.stderr,
           "an exec on the NETCONF port is refused", r.stdout + r.stderr)
        r = ssh(hd, port, "root@127.0.0.1", "show version")
        ok(r.returncode == 0 and "Hostname: fw-emu" in r.stdout,
           "an exec on the SSH port runs the CLI command",
           r.stdout + r.stderr)
    finally:
        subprocess.run([sys.executable, HARNESS, "stop", hd], env=env,
                       capture_output=True, timeout=60)
        subprocess.run(["rm", "-rf", d], check=False)
    print("1..%d" % N)
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
