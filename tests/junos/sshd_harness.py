#!/usr/bin/env python3
"""A throwaway OpenSSH sshd on 127.0.0.1 for the transport and provider
tests (root needed, as in CI).  Python 3 standard library only.

  sshd_harness.py start DIR [--force-command CMD] [--fixtures-map TEMPLATE]
  sshd_harness.py stop DIR

start creates DIR and in it:
  host_ed25519{,.pub}      the server's host key
  other_host_ed25519.pub   a different host key (for "changed key" tests)
  id_ed25519               the authorised user key (no passphrase)
  id_wrong                 a key that is NOT authorised
  id_pass, id_pass.pass    an authorised RSA key with a passphrase, and the
                           passphrase file
  password                 root's password in the sshd's private view
  known_hosts              "[127.0.0.1]:PORT" with the right host key
  known_hosts_changed      the same name with other_host_ed25519
  host_fp                  SHA256 fingerprint of the host key
  port, pid                where sshd listens and its PID
then runs "/usr/sbin/sshd -D" in its own mount namespace in which a copy
of /etc/shadow (root's password replaced) and of /etc/passwd (root's shell
/bin/sh) are bind-mounted, so password authentication can be tested
without touching the host's accounts.
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


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def keygen(path, kind="ed25519", passphrase=""):
    for p in (path, path + ".pub"):
        if os.path.exists(p):
            os.unlink(p)
    args = ["ssh-keygen", "-q", "-t", kind, "-N", passphrase, "-C", "fd-test",
            "-f", path]
    if kind == "ecdsa":
        # PEM: what every libssh2 backend reads for an encrypted key.
        args += ["-b", "256", "-m", "PEM"]
    run(*args)


def start(args):
    d = os.path.abspath(args.dir)
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o700)
    os.makedirs("/run/sshd", exist_ok=True)
    keygen(d + "/host_ed25519")
    keygen(d + "/other_host_ed25519")
    keygen(d + "/id_ed25519")
    keygen(d + "/id_wrong")
    keygen(d + "/id_pass", "ecdsa", "fd-key-passphrase")
    with open(d + "/id_pass.pass", "w") as f:
        f.write("fd-key-passphrase\n")
    with open(d + "/password", "w") as f:
        f.write(PASSWORD + "\n")
    with open(d + "/authorized_keys", "w") as f:
        for k in ("id_ed25519", "id_pass"):
            f.write(open(d + "/" + k + ".pub").read())
    port = free_port()

    def hostline(pub):
        kt, key = open(pub).read().split()[:2]
        return "[127.0.0.1]:%d %s %s\n" % (port, kt, key)
    with open(d + "/known_hosts", "w") as f:
        f.write(hostline(d + "/host_ed25519.pub"))
    with open(d + "/known_hosts_changed", "w") as f:
        f.write(hostline(d + "/other_host_ed25519.pub"))
    fp = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f",
                         d + "/host_ed25519.pub"], check=True,
                        capture_output=True, text=True).stdout.split()[1]
    with open(d + "/host_fp", "w") as f:
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

    conf = [
        "ListenAddress 127.0.0.1",
        "Port %d" % port,
        "HostKey %s/host_ed25519" % d,
        "PidFile %s/sshd.pid" % d,
        "AuthorizedKeysFile %s/authorized_keys" % d,
        "PermitRootLogin yes",
        "PasswordAuthentication yes",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "UsePAM no",
        "StrictModes no",
        "X11Forwarding no",
        "PermitTTY no",
        "PrintMotd no",
        "MaxStartups 200:30:400",
        "MaxSessions 50",
        "LogLevel ERROR",
    ]
    if args.force_command:
        conf.append("ForceCommand " + args.force_command)
    with open(d + "/sshd_config", "w") as f:
        f.write("\n".join(conf) + "\n")
    run("/usr/sbin/sshd", "-t", "-f", d + "/sshd_config")

    log = open(d + "/sshd.log", "w")
    p = subprocess.Popen(
        ["unshare", "-m", "sh", "-c",
         'mount --bind "$1/shadow" /etc/shadow && '
         'mount --bind "$1/passwd" /etc/passwd && '
         'exec /usr/sbin/sshd -D -e -f "$1/sshd_config"', "sh", d],
        stdout=log, stderr=log, stdin=subprocess.DEVNULL,
        start_new_session=True)
    with open(d + "/pid", "w") as f:
        f.write("%d\n" % p.pid)
    with open(d + "/port", "w") as f:
        f.write("%d\n" % port)
    # Bounded wait until it accepts connections.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if p.poll() is not None:
            sys.exit("sshd exited: " + open(d + "/sshd.log").read())
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            pass
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
    args = ap.parse_args()
    return start(args) if args.action == "start" else stop(args)


if __name__ == "__main__":
    sys.exit(main())
