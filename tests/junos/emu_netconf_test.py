#!/usr/bin/env python3
"""The Junos emulator's NETCONF mode (tests/emu/junos_cli.py, see its
"NETCONF" section) driven over stdin/stdout as sshd would run it for the
"netconf" subsystem: no network, no root.  Mode B answers from a scripted
birdc (--birdc), mode A from a fixtures map.  TAP output.

Every check here fails on an emulator without NETCONF: it would print
"unknown command" and exit instead of sending a <hello>.
Python 3 standard library only.
"""

import json
import os
import select
import subprocess
import sys
import tempfile
import time
from xml.etree import ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
EMU = os.path.join(HERE, "..", "emu", "junos_cli.py")
NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
EOM = b"]]>]]>"
SUBSYSTEM = "xml-mode netconf need-trailer"
CLIENT_HELLO = ('<?xml version="1.0" encoding="UTF-8"?><hello xmlns="%s">'
                '<capabilities><capability>urn:ietf:params:netconf:base:1.0'
                '</capability></capabilities></hello>' % NC)
READ_TIMEOUT = 20.0

# birdc's answers (bird 2.0 "show protocols all" / "show route all").
BIRDC = r'''#!/bin/sh
shift 2
case "$*" in
"show protocols all") cat <<'X'
BIRD 2.0.12 ready.
Name       Proto      Table      State  Since         Info
device1    Device     ---        up     12:00:00.000
ebgp1      BGP        ---        up     12:00:00.000  Established
  BGP state:          Established
    Neighbor address: 10.255.11.2
    Neighbor AS:      65002
    Local AS:         65001
  Channel ipv4
    Routes:         1 imported, 2 exported, 1 preferred
X
;;
"show route all"*) cat <<'X'
BIRD 2.0.12 ready.
Table master4:
10.0.0.0/24          unicast [ebgp1 12:00:00.000] * (100) [AS65002i]
	via 10.255.11.2 on st0-0
	Type: BGP univ
	BGP.origin: IGP
	BGP.as_path: 65002 & <x>
	BGP.next_hop: 10.255.11.2
	BGP.local_pref: 100
X
;;
*) echo "BIRD 2.0.12 ready."; echo "syntax error"; exit 1;;
esac
'''

N = 0
FAILS = 0


def ok(cond, name, diag=""):
    global N, FAILS
    N += 1
    if cond:
        print("ok %d - %s" % (N, name))
    else:
        FAILS += 1
        print("not ok %d - %s" % (N, name))
        for line in str(diag).splitlines()[:40]:
            print("# " + line)
    sys.stdout.flush()


class Session:
    """One emulator process speaking NETCONF on its stdin/stdout."""

    def __init__(self, *opts, command=SUBSYSTEM, env=None):
        e = dict(os.environ)
        e.pop("SSH_ORIGINAL_COMMAND", None)
        e.update(env or {})
        argv = [sys.executable, "-I", "-S", EMU] + list(opts)
        if command is not None:
            e["SSH_ORIGINAL_COMMAND"] = command
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=e)
        self.buf = b""

    def send(self, text):
        self.p.stdin.write(text.encode() + EOM + b"\n")
        self.p.stdin.flush()

    def read(self):
        """The next message's text, or None at EOF (bounded wait)."""
        end = time.monotonic() + READ_TIMEOUT
        fd = self.p.stdout.fileno()
        while EOM not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("no message within %.0f s; got %r" %
                                   (READ_TIMEOUT, self.buf[-300:]))
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            self.buf += chunk
        msg, self.buf = self.buf.split(EOM, 1)
        return msg.decode()

    def rpc(self, mid, body):
        self.send('<rpc message-id="%s" xmlns="%s">%s</rpc>' % (mid, NC, body))
        return self.read()

    def close(self):
        try:
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        try:
            return self.p.wait(timeout=READ_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None
        finally:
            self.p.stdout.close()
            self.p.stderr.close()


def parse(msg):
    """The message as XML; EOF or text that does not parse is an empty
    <eof/> or <unparsed/> element, so the check fails and says why."""
    if msg is None:
        return ET.Element("eof")
    try:
        return ET.fromstring(msg.strip())
    except ET.ParseError:
        return ET.Element("unparsed")


def q(tag):
    return "{%s}%s" % (NC, tag)


def rpc_error(reply):
    e = reply.find(q("rpc-error"))
    if e is None:
        return None
    return {c.tag.split("}")[-1]: (c.text or "").strip() for c in e.iter()}


def main():
    tmp = tempfile.mkdtemp(prefix="fdt-emu-nc-")
    try:
        checks(tmp)
    except Exception:  # noqa: BLE001 - a crash is a failed check
        import traceback
        ok(False, "the NETCONF session went on as expected",
           traceback.format_exc())
    finally:
        subprocess.run(["rm", "-rf", tmp], check=False)
    print("1..%d" % N)
    return 1 if FAILS else 0


def checks(tmp):
    birdc = os.path.join(tmp, "birdc")
    with open(birdc, "w") as f:
        f.write(BIRDC)
    os.chmod(birdc, 0o755)
    bird = ["--bird", os.path.join(tmp, "none.ctl"), "--birdc", birdc,
            "--hostname", "fw", "--instance", "Cust11"]

    # 1. Hello first, before the client says anything.
    s = Session(*bird)
    hello = s.read()
    h = parse(hello)
    caps = [c.text for c in h.iter(q("capability"))]
    sid = h.findtext(q("session-id"))
    ok(h.tag == q("hello") and
       "urn:ietf:params:netconf:base:1.0" in caps and
       "http://xml.juniper.net/netconf/junos/1.0" in caps and
       sid and sid.isdigit(),
       "the server's <hello> comes at once with base:1.0, junos:1.0 and a "
       "session-id", hello)
    s.send(CLIENT_HELLO)

    # 2. One command in each format, message-id echoed.
    msg = s.rpc("101", '<command format="text">show route table '
                       'Cust11.inet.0</command>')
    r = parse(msg)
    out = r.findtext(q("output")) or ""
    ok(r.get("message-id") == "101" and
       "10.0.0.0/24        *[BGP/170]" in out and
       "AS path: 65002 & <x> I" in out and "{master" not in msg,
       "format text: <output> with the CLI text, XML-escaped, no status "
       "line", msg)
    msg = s.rpc("102", '<command format="json">show bgp summary</command>')
    r = parse(msg)
    try:
        doc = json.loads(r.text)
        peer = doc["bgp-information"][0]["bgp-peer"][0]
        good = peer["peer-address"][0]["data"] == "10.255.11.2"
    except (ValueError, KeyError, IndexError, TypeError) as e:
        good = False
        msg += "\n%s" % e
    ok(r.get("message-id") == "102" and good and len(r) == 0,
       "format json: the JSON object is the rpc-reply's text", msg)
    msg = s.rpc("103", '<command format="xml">show route</command>')
    r = parse(msg)
    ri = r.find("{http://xml.juniper.net/junos/21.4R0/junos-routing}"
                "route-information")
    ok(r.get("message-id") == "103" and ri is not None and
       ri.findtext(".//{*}rt-destination") == "10.0.0.0/24" and
       ri.findtext(".//{*}as-path") == "65002 & <x> I",
       "format xml: <route-information> itself inside the rpc-reply", msg)
    # 3. A command the CLI does not know: Junos's rpc-error shape.
    msg = s.rpc("104", '<command format="text">show foo bar</command>')
    e = rpc_error(parse(msg))
    ok(e is not None and e.get("error-type") == "protocol" and
       e.get("error-tag") == "operation-failed" and
       e.get("error-severity") == "error" and
       e.get("error-message") == "syntax error, expecting <command>" and
       e.get("bad-element") == "foo" and
       parse(msg).get("message-id") == "104",
       "unknown command: rpc-error operation-failed, bad-element foo", msg)
    msg = s.rpc("105", '<command format="json">show route | display json'
                       '</command>')
    e = rpc_error(parse(msg))
    ok(e is not None and e.get("bad-element") == "display",
       "a '| display' pipe in the command is refused (the format attribute"
       " says it)", msg)
    # The session is still usable after an rpc-error.
    msg = s.rpc("106", '<command format="text">show version</command>')
    ok("Hostname: fw" in (parse(msg).findtext(q("output")) or ""),
       "the session goes on after an rpc-error", msg)
    # 4. close-session: <ok/>, then the process ends.
    msg = s.rpc("107", "<close-session/>")
    r = parse(msg)
    rc = s.close()
    ok(r.get("message-id") == "107" and r.find(q("ok")) is not None and
       rc == 0, "close-session answers <ok/> and ends the session "
       "(exit %s)" % rc, msg)

    # 5. An <rpc> before the client's hello is refused and ends it.
    s = Session(*bird)
    s.read()
    msg = s.rpc("1", '<command format="text">show version</command>')
    e = rpc_error(parse(msg)) if msg else None
    more = s.read()
    rc = s.close()
    ok(e is not None and "hello" in e.get("error-message", "") and
       more is None and rc != 0,
       "an <rpc> before the client's <hello>: rpc-error, session closed",
       msg)

    # 6. EOF without close-session ends the session, exit 0.
    s = Session(*bird)
    s.read()
    s.send(CLIENT_HELLO)
    rc = s.close()
    ok(rc == 0, "EOF ends the session (exit %s)" % rc)

    # 7. A client hello without base:1.0, and garbage: error, closed.
    s = Session(*bird)
    s.read()
    s.send('<hello xmlns="%s"><capabilities><capability>'
           'urn:ietf:params:netconf:base:1.1</capability></capabilities>'
           '</hello>' % NC)
    msg = s.read()
    rc = s.close()
    ok(msg is not None and rpc_error(parse(msg)) is not None and rc != 0,
       "a client hello without base:1.0 ends the session", msg)
    s = Session(*bird)
    s.read()
    s.send(CLIENT_HELLO)
    s.send("<rpc message-id='1'><command>show version</rpc>")
    msg = s.read()
    rc = s.close()
    ok(msg is not None and rpc_error(parse(msg)) is not None and rc != 0,
       "XML that does not parse: rpc-error, session closed", msg)
    s = Session(*bird)
    s.read()
    s.send(CLIENT_HELLO)
    s.send('<rpc xmlns="%s"><command format="text">show version</command>'
           '</rpc>' % NC)
    msg = s.read()
    e = rpc_error(parse(msg))
    s.close()
    ok(e is not None and e.get("error-tag") == "missing-attribute",
       "an rpc without message-id: missing-attribute (RFC 6241 4.1)", msg)

    # 8. Renderer quirks carry over: SRX cluster show version, quirky JSON.
    s = Session(*bird, "--srx-cluster", "--json-quirks")
    s.read()
    s.send(CLIENT_HELLO)
    msg = s.rpc("1", '<command format="json">show version</command>')
    r = parse(msg)
    txt = r.text or ""
    try:
        json.loads(txt)
        strict_fails = False
    except ValueError:
        strict_fails = True
    loose = json.loads(txt, strict=False)
    ok(strict_fails and "\t" in txt and
       txt.count('"multi-routing-engine-results"') == 2 and
       loose == {"multi-routing-engine-results": [{}]} and
       "{primary:node0}" not in msg,
       "--json-quirks --srx-cluster: control character and repeated key "
       "over NETCONF too, no status line", msg)
    msg = s.rpc("2", '<command format="xml">show version</command>')
    r = parse(msg)
    # Elements without their own xmlns inherit the rpc-reply's default
    # namespace, as on Junos (PyEZ strips namespaces for that reason).
    names = [x.text for x in r.iter(q("re-name"))]
    ok(names == ["node0", "node1"] and "{primary" not in msg,
       "--srx-cluster: multi-routing-engine-results in XML", msg)
    s.close()

    # 9. --no-json: format json is an rpc-error; xml still answers.
    s = Session(*bird, "--no-json")
    s.read()
    s.send(CLIENT_HELLO)
    msg = s.rpc("1", '<command format="json">show version</command>')
    e = rpc_error(parse(msg))
    msg2 = s.rpc("2", '<command format="xml">show version</command>')
    s.close()
    ok(e is not None and e.get("bad-element") == "json" and
       parse(msg2).find(".//" + q("software-information")) is not None,
       "--no-json: format json is an rpc-error, xml answers", msg + msg2)

    # 10. Mode A: the map's "CMD | display FMT" answers.
    ver = os.path.join(tmp, "show-version.txt")
    with open(ver, "w") as f:
        f.write("Hostname: mapped\nModel: vsrx\n\n{master:0}\n")
    with open(os.path.join(tmp, "map"), "w") as f:
        f.write("show version => show-version.txt\n"
                "show route | display json => @exit 0 this is not json\n"
                "show bgp summary => @warning show-version.txt "
                "statement & <x> not found\n"
                "show bgp neighbor | display json => ctl.json\n")
    with open(os.path.join(tmp, "ctl.json"), "w") as f:
        f.write('{"bgp-information": [{"data": "\x01x"}]}\n')
    s = Session("--fixtures", os.path.join(tmp, "map"))
    s.read()
    s.send(CLIENT_HELLO)
    msg = s.rpc("1", '<command format="text">show version</command>')
    out = parse(msg).findtext(q("output")) or ""
    msg2 = s.rpc("2", '<command format="json">show route</command>')
    msg3 = s.rpc("3", '<command format="json">show version</command>')
    msg5 = s.rpc("5", '<command format="json">show bgp neighbor</command>')
    r5 = parse(msg5)
    try:
        json.loads(r5.text or "")
        strict_fails = False
    except ValueError:
        strict_fails = True
    ok(r5.tag == q("rpc-reply") and strict_fails and
       json.loads(r5.text or "{}", strict=False) ==
       {"bgp-information": [{"data": "\tx"}]},
       "--fixtures: a control character XML cannot carry goes out as a "
       "raw tab (well-formed XML, JSON still not strict)", msg5)
    msg4 = s.rpc("4", '<command format="text">show bgp summary</command>')
    r4 = parse(msg4)
    e4 = rpc_error(r4)
    s.close()
    ok(e4 is not None and e4.get("error-severity") == "warning" and
       e4.get("error-message") == "statement & <x> not found" and
       "Hostname: mapped" in (r4.findtext(q("output")) or ""),
       "--fixtures @warning: a warning rpc-error beside the data", msg4)
    ok("Hostname: mapped" in out and "{master:0}" not in out and
       (parse(msg2).text or "").strip() == "this is not json" and
       rpc_error(parse(msg3)) is not None,
       "--fixtures: text and json from the map, unmapped is an rpc-error",
       msg + msg2 + msg3)

    # 11. --netconf-only (port 830): an exec is refused.
    s = Session(*bird, "--netconf-only", command="show version")
    out = s.p.stdout.read()
    err = s.p.stderr.read()
    rc = s.close()
    ok(rc == 1 and out == b"" and b"netconf" in err,
       "--netconf-only refuses an exec (exit %s)" % rc, err)


if __name__ == "__main__":
    sys.exit(main())
