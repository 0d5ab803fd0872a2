#!/usr/bin/env python3
"""A throwaway OpenSSH sshd on 127.0.0.1 for the transport and provider
tests (root needed, as in CI).  Python 3 standard library only.

  sshd_harness.py start DIR [--force-command CMD] [--fixtures-map TEMPLATE]
                  [--kbdint | --otp] [--client-alive SECONDS]
                  [--max-sessions N] [--netconf]
  sshd_harness.py stop DIR

start creates DIR and in it:
  host_ed25519{,.pub}      the server's host keys: it offers all three, as
  host_ecdsa{,.pub}        Junos and OpenSSH do (sshd_config HostKey x3)
  host_rsa{,.pub}
  other_host_ed25519.pub   a different host key (for "changed key" tests)
  id_ed25519               the authorised user key (no passphrase)
  id_wrong                 a key that is NOT authorised
  id_pass, id_pass.pass    an authorised ECDSA key with a passphrase, and
                           the passphrase file
  id_rsa                   an authorised RSA key (libssh2 < 1.11 signs it
                           with SHA-1, which this sshd refuses)
  password                 root's password in the sshd's private view
  known_hosts              "[127.0.0.1]:PORT" with the ed25519 host key
                           only, as ssh(1) records a first connection
  known_hosts_hashed       the same, hashed by "ssh-keygen -H"
  known_hosts_changed      the same name with other_host_ed25519
  host_fp                  SHA256 fingerprint of the ed25519 host key
  host_fp_ecdsa            ... and of the ECDSA one
  port, pid                where sshd listens and its PID
sshd listens on 127.0.0.1 to 127.0.0.6 (six names for one server), then
runs "/usr/sbin/sshd -D" in its own mount namespace in which a copy of
/etc/shadow (root's password replaced), of /etc/passwd (root's shell
/bin/sh) and, with --kbdint/--otp, of /etc/pam.d/sshd are bind-mounted, so
password and PAM logins can be tested without touching the host.
--kbdint: PasswordAuthentication and PubkeyAuthentication no,
KbdInteractiveAuthentication yes through PAM (pam_unix: one "Password:"
prompt), as a FreeBSD-derived Junos with RADIUS/TACACS+ logins offers.
--otp: the same with two prompting PAM modules (a second factor).
--client-alive N: ClientAliveInterval N with ClientAliveCountMax 1: a
client that sends nothing for about 2N seconds is disconnected.
--max-sessions N: MaxSessions N (default 50): with 1, a second channel on
one connection is refused ("administratively prohibited"), as on a
STIG-hardened SRX (max-sessions-per-connection 1, DISA STIG V-66549).
--netconf: NETCONF over SSH as a Junos router serves it ("set system
services netconf ssh"): sshd listens on a second port, written to
DIR/netconf_port (830 on a router, PyEZ's default), and offers the "netconf"
subsystem on both ports ("Subsystem netconf xml-mode netconf need-trailer":
under ForceCommand sshd runs the forced command with SSH_ORIGINAL_COMMAND
"xml-mode netconf need-trailer", which tests/emu/junos_cli.py serves as a
NETCONF session).  On the NETCONF port the forced command gets
" --netconf-only" appended, so it must be junos_cli.py: like Junos's
NETCONF port it refuses anything but the subsystem.  known_hosts (and
_hashed, _changed) get a "[127.0.0.1]:NETCONF_PORT" line too.  E.g.
  sshd_harness.py start DIR --netconf --fixtures-map MAP \
      --force-command "python3 -I -S SRC/tests/emu/junos_cli.py --fixtures
      DIR/fixtures.map"
then "ssh -s -p $(cat DIR/netconf_port) root@127.0.0.1 netconf" (or the
port in DIR/port, which serves the subsystem as well).
--fixtures-map copies TEMPLATE to DIR/fixtures.map with @REF@ replaced by
$FD_REFERENCE and @SRC@ by the source root (for junos_cli.py --fixtures).
stop kills that sshd by PID (and its session children) and waits.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time

PASSWORD = "fd-test-Secret-1"


def run(*cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)


ADDRS = ["127.0.0.%d" % i for i in range(1, 7)]


def free_port():
    """A port free on every address sshd listens on (bounded tries)."""
    for _ in range(50):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        try:
            for a in ADDRS[1:]:
                t = socket.socket()
                try:
                    t.bind((a, port))
                finally:
                    t.close()
        except OSError:
            continue
        return port
    sys.exit("no port free on " + ", ".join(ADDRS))


def keygen(path, kind="ed25519", passphrase=""):
    for p in (path, path + ".pub"):
        if os.path.exists(p):
            os.unlink(p)
    args = ["ssh-keygen", "-q", "-t", kind, "-N", passphrase, "-C", "fd-test",
            "-f", path]
    if kind == "ecdsa":
        # PEM: what every libssh2 backend reads for an encrypted key.
        args += ["-b", "256", "-m", "PEM"]
    if kind == "rsa":
        args += ["-b", "3072"]
    run(*args)


# PAM stacks for the keyboard-interactive sshd: pam_unix asks "Password:"
# (one echo-off prompt per round: auth-pam.c sshpam_query()).  For the
# second factor, pam_stress (Linux-PAM's test module) prompts once more in
# a second round: pam_unix would reuse the first answer (pam_get_authtok).
PAM_KBDINT = """auth required pam_unix.so
account required pam_permit.so
session required pam_permit.so
password required pam_deny.so
"""
PAM_OTP = """auth required pam_unix.so
auth required pam_stress.so
account required pam_permit.so
session required pam_permit.so
password required pam_deny.so
"""


def start(args):
    d = os.path.abspath(args.dir)
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o700)
    os.makedirs("/run/sshd", exist_ok=True)
    keygen(d + "/host_ed25519")
    keygen(d + "/host_ecdsa", "ecdsa")
    keygen(d + "/host_rsa", "rsa")
    keygen(d + "/other_host_ed25519")
    keygen(d + "/id_rsa", "rsa")
    keygen(d + "/id_ed25519")
    keygen(d + "/id_wrong")
    keygen(d + "/id_pass", "ecdsa", "fd-key-passphrase")
    with open(d + "/id_pass.pass", "w") as f:
        f.write("fd-key-passphrase\n")
    with open(d + "/password", "w") as f:
        f.write(PASSWORD + "\n")
    with open(d + "/authorized_keys", "w") as f:
        for k in ("id_ed25519", "id_pass", "id_rsa"):
            f.write(open(d + "/" + k + ".pub").read())
    port = free_port()
    ports = [port]
    if args.netconf:
        for _ in range(50):
            ncport = free_port()
            if ncport != port:
                break
        ports.append(ncport)

    def hostline(pub):
        kt, key = open(pub).read().split()[:2]
        return "".join("[127.0.0.1]:%d %s %s\n" % (p, kt, key)
                       for p in ports)
    with open(d + "/known_hosts", "w") as f:
        f.write(hostline(d + "/host_ed25519.pub"))
    with open(d + "/known_hosts_hashed", "w") as f:
        f.write(hostline(d + "/host_ed25519.pub"))
    run("ssh-keygen", "-q", "-H", "-f", d + "/known_hosts_hashed",
        stderr=subprocess.DEVNULL)
    os.unlink(d + "/known_hosts_hashed.old")
    with open(d + "/known_hosts_changed", "w") as f:
        f.write(hostline(d + "/other_host_ed25519.pub"))
    for kind, out in (("ed25519", "host_fp"), ("ecdsa", "host_fp_ecdsa")):
        fp = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f",
                             d + "/host_%s.pub" % kind], check=True,
                            capture_output=True,
                            text=True).stdout.split()[1]
        with open(d + "/" + out, "w") as f:
            f.write(fp + "\n")

    # Root's password only inside sshd's mount namespace.
    hashed = subprocess.run(["openssl", "passwd", "-6", PASSWORD],
                            check=True, capture_output=True,
                            text=True).stdout.strip()
    lines = []
    with open("/etc/shadow") as f:
        for line in f:
            parts = line.rstrip("\n").split(":")
            if parts[0] == "root":
                parts[1] = hashed
            lines.append(":".join(parts))
    with open(d + "/shadow", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(d + "/shadow", 0o600)
    # And root's shell is /bin/sh there: bash sources ~/.bashrc for
    # commands run by sshd, and a heavy one (pyenv, conda) adds seconds
    # to every command.
    lines = []
    with open("/etc/passwd") as f:
        for line in f:
            parts = line.rstrip("\n").split(":")
            if parts[0] == "root" and len(parts) == 7:
                parts[6] = "/bin/sh"
            lines.append(":".join(parts))
    with open(d + "/passwd", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(d + "/passwd", 0o644)

    if args.fixtures_map:
        ref = os.environ.get("FD_REFERENCE", "")
        src = os.environ.get("FD_SOURCE_ROOT", "")
        text = open(args.fixtures_map).read()
        with open(d + "/fixtures.map", "w") as f:
            f.write(text.replace("@REF@", ref).replace("@SRC@", src))

    kbd = args.kbdint or args.otp
    if kbd:
        with open(d + "/pam_sshd", "w") as f:
            f.write(PAM_OTP if args.otp else PAM_KBDINT)
    conf = ["ListenAddress %s" % a for a in ADDRS] + [
        "Port %d" % p for p in ports] + [
        # All three key types, ECDSA before ed25519 (what libssh2 1.10
        # proposes first wins unless the client says otherwise).
        "HostKey %s/host_ecdsa" % d,
        "HostKey %s/host_ed25519" % d,
        "HostKey %s/host_rsa" % d,
        "PidFile %s/sshd.pid" % d,
        "AuthorizedKeysFile %s/authorized_keys" % d,
        "PermitRootLogin yes",
        "PasswordAuthentication %s" % ("no" if kbd else "yes"),
        "KbdInteractiveAuthentication %s" % ("yes" if kbd else "no"),
        "PubkeyAuthentication %s" % ("no" if kbd else "yes"),
        "UsePAM %s" % ("yes" if kbd else "no"),
        "StrictModes no",
        "X11Forwarding no",
        "PermitTTY no",
        "PrintMotd no",
        "MaxStartups 200:30:400",
        "MaxSessions %d" % args.max_sessions,
        "LogLevel ERROR",
    ]
    if args.client_alive:
        conf += ["ClientAliveInterval %d" % args.client_alive,
                 "ClientAliveCountMax 1"]
    if args.netconf:
        # Junos's netconf command; sshd only logs (debug) that no such
        # program exists, then runs ForceCommand (OpenSSH session.c
        # session_subsystem_req(), do_exec()).
        conf.append("Subsystem netconf xml-mode netconf need-trailer")
    if args.force_command:
        conf.append("ForceCommand " + args.force_command)
    if args.netconf and args.force_command:
        # A Match block runs to the end of the file: keep it last.
        conf += ["Match LocalPort %d" % ports[1],
                 "\tForceCommand %s --netconf-only" % args.force_command]
    with open(d + "/sshd_config", "w") as f:
        f.write("\n".join(conf) + "\n")
    run("/usr/sbin/sshd", "-t", "-f", d + "/sshd_config")

    log = open(d + "/sshd.log", "w")
    p = subprocess.Popen(
        ["unshare", "-m", "sh", "-c",
         'mount --bind "$1/shadow" /etc/shadow && '
         'mount --bind "$1/passwd" /etc/passwd && '
         '{ [ ! -f "$1/pam_sshd" ] || '
         'mount --bind "$1/pam_sshd" /etc/pam.d/sshd; } && '
         'exec /usr/sbin/sshd -D -e -f "$1/sshd_config"', "sh", d],
        stdout=log, stderr=log, stdin=subprocess.DEVNULL,
        start_new_session=True)
    with open(d + "/pid", "w") as f:
        f.write("%d\n" % p.pid)
    with open(d + "/port", "w") as f:
        f.write("%d\n" % port)
    if args.netconf:
        with open(d + "/netconf_port", "w") as f:
            f.write("%d\n" % ports[1])
    # Bounded wait until it accepts connections.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if p.poll() is not None:
            sys.exit("sshd exited: " + open(d + "/sshd.log").read())
        try:
            for pt in ports:
                socket.create_connection(("127.0.0.1", pt), 0.2).close()
            return 0
        except OSError:
            time.sleep(0.05)
    stop(args)
    sys.exit("sshd did not listen on port %d" % port)


def stop(args):
    d = os.path.abspath(args.dir)
    try:
        pid = int(open(d + "/pid").read())
    except (OSError, ValueError):
        return 0
    # The sshd leads its own session (start_new_session): signal the
    # group so per-connection children go too.  By PID, never by name.
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            break
        for _ in range(50):
            try:
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    break
            except ChildProcessError:
                pass
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            continue
        break
    os.unlink(d + "/pid")
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("action", choices=["start", "stop"])
    ap.add_argument("dir")
    ap.add_argument("--force-command")
    ap.add_argument("--fixtures-map")
    ap.add_argument("--kbdint", action="store_true")
    ap.add_argument("--otp", action="store_true")
    ap.add_argument("--client-alive", type=int, default=0)
    ap.add_argument("--max-sessions", type=int, default=50)
    ap.add_argument("--netconf", action="store_true")
    args = ap.parse_args()
    return start(args) if args.action == "start" else stop(args)


if __name__ == "__main__":
    sys.exit(main())
