#!/usr/bin/env python3
"""junos_cli.py - a small Junos CLI emulator, run as an OpenSSH ForceCommand.

It reads the command from $SSH_ORIGINAL_COMMAND (or from --command, for
tests) and answers the way a Junos router's CLI does over an SSH exec
channel.  Python 3 standard library only.

Usage (stable; the lab and the tests depend on it):

  junos_cli.py --fixtures MAPFILE [--no-json] [--command CMD]
  junos_cli.py --bird SOCKET --hostname NAME [--instance RI]
               [--ifmap FILE] [--bird-table T] [--birdc PATH]
               [--model M] [--no-json] [--command CMD]

Mode A, --fixtures MAPFILE: serve saved outputs.  MAPFILE lines are
    COMMAND => FILE
  with '#' comments.  COMMAND is compared after folding whitespace and
  dropping a trailing "| no-more" (it never changes the output), so map
  "show route table inet.0 | display json" and "show route table inet.0"
  separately.  FILE is relative to the map file's directory (or absolute).
  "FILE" may also be "@sleep SECONDS" (a hung command, for timeout tests),
  "@slow SECONDS FILE" (FILE after SECONDS, as a traceroute over silent
  hops prints its last lines late), "@hang SECONDS FILE" (FILE, then
  SECONDS of silence: a trace still waiting on a hop)
  or "@exit N TEXT" (print TEXT, exit N), or "@warning FILE TEXT" (FILE
  after a "warning: TEXT" line; over NETCONF a warning <rpc-error> beside
  FILE's data).

Mode B, --bird SOCKET: render bird2's live state through
  "birdc -s SOCKET": show route all, show protocols all,
  show route export P, show route protocol P.
    --hostname NAME   host name in "show version"
    --instance RI     routing instance: table "RI.inet.0" is the bird
                      table (--bird-table, default master4); without it
                      the table is "inet.0"
    --ifmap FILE      "linuxname junosname" per line (st0-0 st0.0);
                      unmapped interfaces print as NAME.0
  BGP neighbours are matched to bird protocols by "Neighbor address" in
  "show protocols all".  traceroute X no-resolve [routing-instance RI]
  runs the real "traceroute -n" in the namespace sshd runs in.

Commands understood in mode B (each optionally "| display json",
"| no-more"):
  show version
  show route table T [PREFIX [exact]]
  show route [PREFIX [exact]]
  show route advertising-protocol bgp NBR [table T]
  show route receive-protocol bgp NBR [table T]
  show bgp summary [instance X]
  show bgp neighbor [NBR]
  traceroute ADDR no-resolve [routing-instance RI]

Every JSON answer can also be asked for as "| display xml": the XML is
rendered from the JSON, which Junos itself derives from the XML
(FORMATS.md 4.1).

  --srx-cluster     an SRX chassis cluster answering from node0: "show
                    version" prints a node0 and a node1 section (text,
                    JSON and XML: multi-routing-engine-results, as in
                    py-junos-eznc tests/unit/facts/rpc-reply/
                    sw_info_srx_cluster_get-software-information.xml), and
                    every reply ends with the "{primary:node0}" status line
  --json-quirks     JSON as some releases print it: the status line before
                    the object too, a raw control character inside a string
                    (py-junos-eznc #1029) and, as 15.1X49 SRX JSON does, a
                    key repeated (here an empty copy after the real one, so
                    a parser keeping the last key loses the data)
  --shadow-instance NAME
                    a second instance NAME (say Cust111 next to Cust11)
                    whose BGP peers reuse the instance's peer addresses and
                    are always Established.  "show bgp summary instance X"
                    matches every instance whose name begins with X, as
                    Junos does ("show bgp group" reference: cust1 lists
                    cust11 and cust111); "exact-instance X" only X.
  traceroute ... [wait S] [ttl N]: Junos defaults are wait 5 s, 3 probes,
                    30 hops (Junos "traceroute" reference).

--no-json makes "| display json" a syntax error (an old release), to
exercise the caller's text fallback.  --delay SECONDS waits that long
before answering, as a real routing engine takes time to render a table
(bench/collect.sh uses it so the benchmark measures waiting, not the
emulator's own start-up).  Anything else answers like Junos:
a caret line and "unknown command." / "syntax error.", exit status 1.

NETCONF (RFC 6241 over SSH, RFC 6242 1.0 framing "]]>]]>"): when the
command is "xml-mode netconf need-trailer" -- what Junos runs for its
"netconf" SSH subsystem, and what ncclient execs when the subsystem is
refused -- one process serves the whole session on stdin/stdout: it sends
its <hello> at once, requires the client's <hello> (base:1.0) before any
<rpc>, answers <rpc message-id="N"><command format="xml|json|text">CMD
</command></rpc> for every command of mode A (the map's "CMD | display
FMT" line, plain CMD for text) or mode B (the same renderer as above: the
same data and renderer quirks; no status lines, they are CLI prompt
decoration), <close-session/> with <ok/> and exits; EOF ends it too.  A
command the CLI rejects is an <rpc-error> (see Netconf below); --no-json
makes format="json" one; --delay applies to each <command>.
  --netconf-only    refuse anything but the netconf subsystem (stderr,
                    exit 1): Junos's NETCONF port (830) rejects other
                    sessions; its SSH port (22) serves both.
"""

import os
import sys
import time

# Imported on first use in bird mode: fixtures mode starts faster without
# them, which matters when 20 fake devices share one small CI box.
ipaddress = json = re = subprocess = None


def _bird_imports():
    global ipaddress, json, re, subprocess
    import ipaddress as _i
    import json as _j
    import re as _r
    import subprocess as _s
    ipaddress, json, re, subprocess = _i, _j, _r, _s


class CliError(Exception):
    """A command the CLI rejects: (column of the caret, message)."""

    def __init__(self, col, msg):
        super().__init__(msg)
        self.col = col
        self.msg = msg


def split_pipes(cmd):
    """'show x | display json | no-more' -> ('show x', fmt, pipes)."""
    parts = [p.strip() for p in cmd.split("|")]
    base = " ".join(parts[0].split())
    fmt = "text"
    col = len(parts[0]) + 2
    for p in parts[1:]:
        words = p.split()
        if words == ["no-more"]:
            pass
        elif words == ["display", "json"]:
            fmt = "json"
        elif words == ["display", "xml"]:
            fmt = "xml"
        else:
            raise CliError(col, "syntax error.")
        col += len(p) + 3
    return base, fmt


SRX_CLUSTER = False


def reject(cmd, err):
    # Junos echoes nothing over exec; it prints the caret under the
    # offending word, then the reason (Junos CLI User Guide, "CLI error
    # messages").
    print(" " * max(err.col, 0) + "^")
    print(err.msg)
    if SRX_CLUSTER:
        print("\n{primary:node0}")
    sys.exit(1)


# ------------------------------------------------------------- fixtures

def load_map(path):
    """The fixtures map: its directory and {normalised command: target}."""
    table = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=>" not in line:
                continue
            k, v = line.split("=>", 1)
            table[norm(k)] = v.strip()
    return os.path.dirname(os.path.abspath(path)), table


def fixtures_mode(args, cmd):
    mapdir, table = load_map(args.fixtures)
    base, fmt = split_pipes(cmd)
    if fmt == "json" and args.no_json:
        raise CliError(len(base) + 11, "syntax error, expecting <command>.")
    key = base + (" | display json" if fmt == "json" else "") + \
        (" | display xml" if fmt == "xml" else "")
    target = table.get(key)
    if target is None:
        raise CliError(0, "unknown command.")
    if target.startswith("@slow"):
        _, secs, target = target.split(None, 2)
        time.sleep(float(secs))
    hang = 0.0
    if target.startswith("@hang"):
        _, secs, target = target.split(None, 2)
        hang = float(secs)
    if target.startswith("@sleep"):
        time.sleep(float(target.split()[1]))
        return 0
    if target.startswith("@exit"):
        _, code, *text = target.split(None, 2)
        if text:
            print(text[0])
        return int(code)
    if target.startswith("@warning"):
        # The CLI prints a warning as a "warning: " line before the output.
        _, target, text = target.split(None, 2)
        sys.stdout.write("warning: %s\n" % text)
    path = target if os.path.isabs(target) else os.path.join(mapdir, target)
    with open(path, "rb") as f:
        sys.stdout.buffer.write(f.read())
    sys.stdout.flush()
    # Hang until SECONDS pass or the session that started us is gone
    # (the client dropped the connection): no process left behind.
    parent, end = os.getppid(), time.monotonic() + hang
    while time.monotonic() < end and os.getppid() == parent:
        time.sleep(0.1)
    return 0


def norm(cmd):
    base, fmt = split_pipes(cmd)
    return base + (" | display json" if fmt == "json" else "") + \
        (" | display xml" if fmt == "xml" else "")


# ----------------------------------------------------------------- bird

class Bird:
    def __init__(self, args):
        self.args = args
        self.ifmap = {}
        if args.ifmap:
            with open(args.ifmap, encoding="utf-8") as f:
                for line in f:
                    w = line.split()
                    if len(w) == 2 and not w[0].startswith("#"):
                        self.ifmap[w[0]] = w[1]
        self._protocols = None

    def birdc(self, *words):
        out = subprocess.run(
            [self.args.birdc, "-s", self.args.bird] + list(words),
            capture_output=True, text=True, timeout=20)
        if out.returncode != 0 and not out.stdout:
            raise CliError(0, "error: routing daemon not responding")
        lines = out.stdout.splitlines()
        # "BIRD 2.0.12 ready." banner.
        if lines and lines[0].startswith("BIRD "):
            lines = lines[1:]
        return lines

    def iface(self, name):
        if name in self.ifmap:
            return self.ifmap[name]
        return name if "." in name else name + ".0"

    def table_name(self, v6=False):
        fam = "inet6.0" if v6 else "inet.0"
        if self.args.instance:
            return "%s.%s" % (self.args.instance, fam)
        return fam

    def check_table(self, t):
        if t not in (self.table_name(False), self.table_name(True)):
            # Junos answers an unknown table with a syntax error too.
            raise CliError(17, "syntax error.")

    # --- protocols

    def protocols(self):
        if self._protocols is not None:
            return self._protocols
        protos = []
        cur = None
        for line in self.birdc("show", "protocols", "all"):
            m = re.match(r"^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+(?: \S+)?)"
                         r"\s*(.*)$", line)
            if m and not line.startswith(" ") and m.group(1) != "Name":
                cur = {"name": m.group(1), "proto": m.group(2),
                       "state": m.group(4), "since": m.group(5),
                       "info": m.group(6).strip(), "neighbor": None,
                       "peer_as": None, "local_as": None,
                       "bgp_state": None, "imported": 0, "exported": 0,
                       "preferred": 0}
                protos.append(cur)
                continue
            if cur is None:
                continue
            s = line.strip()
            kv = re.match(r"^([A-Za-z ]+):\s+(.*)$", s)
            if not kv:
                continue
            k, v = kv.group(1), kv.group(2)
            if k == "BGP state":
                cur["bgp_state"] = v.split()[0]
            elif k == "Neighbor address":
                cur["neighbor"] = v.split()[0]
            elif k == "Neighbor AS":
                cur["peer_as"] = v.split()[0]
            elif k == "Local AS":
                cur["local_as"] = v.split()[0]
            elif k == "Routes":
                for n, what in re.findall(r"(\d+) (\w+)", v):
                    if what in ("imported", "exported", "preferred"):
                        cur[what] += int(n)
        self._protocols = protos
        return protos

    def bgp_protocols(self):
        return [p for p in self.protocols() if p["proto"] == "BGP"]

    def proto_by_neighbor(self, nbr):
        for p in self.bgp_protocols():
            if p["neighbor"] and ipaddress.ip_address(p["neighbor"]) == \
                    ipaddress.ip_address(nbr):
                return p
        return None

    def neighbor_of(self, proto_name):
        for p in self.protocols():
            if p["name"] == proto_name:
                return p["neighbor"]
        return None

    # --- routes

    def routes(self, words):
        """Parse 'birdc show route all ...' into a list of dicts."""
        routes = []
        dest = None
        cur = None
        for line in self.birdc("show", "route", "all", *words):
            if line.startswith("Table ") or not line.strip():
                continue
            m = re.match(r"^(\S+)?\s+(unicast|unreachable|blackhole|"
                         r"prohibit)\s+\[(\S+)\s+([^\]]*)\]\s*(\*)?\s*"
                         r"(?:\S+\s+)?\((\d+)(?:/\d+)*\)", line)
            if m and (m.group(1) or line[0] in " \t"):
                if m.group(1):
                    dest = m.group(1)
                cur = {"dest": dest, "kind": m.group(2),
                       "proto_name": m.group(3), "active": bool(m.group(5)),
                       "bird_pref": int(m.group(6)), "type": "",
                       "nh": [], "as_path": None, "origin": None,
                       "local_pref": None, "med": None}
                routes.append(cur)
                continue
            if cur is None:
                continue
            s = line.strip()
            m = re.match(r"^via (\S+) on (\S+)", s)
            if m:
                cur["nh"].append((m.group(1), self.iface(m.group(2))))
                continue
            m = re.match(r"^dev (\S+)", s)
            if m:
                cur["nh"].append((None, self.iface(m.group(1))))
                continue
            if s.startswith("Type: "):
                cur["type"] = s.split()[1]
            elif s.startswith("BGP.as_path:"):
                cur["as_path"] = s.split(":", 1)[1].strip()
            elif s.startswith("BGP.origin:"):
                cur["origin"] = s.split(":", 1)[1].strip()
            elif s.startswith("BGP.local_pref:"):
                cur["local_pref"] = s.split(":", 1)[1].strip()
            elif s.startswith("BGP.med:"):
                cur["med"] = s.split(":", 1)[1].strip()
        return routes


# Junos protocol names and default preferences (Junos "Route
# Preferences Overview").
PROTO = {"BGP": ("BGP", 170), "static": ("Static", 5),
         "device": ("Direct", 0), "inherit": ("Direct", 0),
         "OSPF": ("OSPF", 10), "RIP": ("RIP", 100)}
ORIGIN = {"IGP": "I", "EGP": "E", "Incomplete": "?"}


def junos_route(bird, r):
    proto, pref = PROTO.get(r["type"], ("Static", 5))
    e = {"proto": proto, "pref": pref, "active": r["active"],
         "nh": r["nh"], "kind": r["kind"], "from": None, "as_path": None,
         "local_pref": r["local_pref"], "med": r["med"]}
    if proto == "BGP":
        path = r["as_path"] or ""
        e["as_path"] = (path + " " if path else "") + \
            ORIGIN.get(r["origin"] or "IGP", "I")
        e["from"] = bird.neighbor_of(r["proto_name"])
    return e


def d(v):
    return [{"data": str(v)}]


def route_json(table, dests):
    rts = []
    for dest, entries in dests:
        rt_entries = []
        for e in entries:
            x = {"active-tag": d("*") if e["active"] else [{}]}
            if e["active"]:
                x["current-active"] = [{"data": [None]}]
            x["protocol-name"] = d(e["proto"])
            x["preference"] = d(e["pref"])
            x["age"] = [{"data": "00:00:10",
                         "attributes": {"junos:seconds": "10"}}]
            if e["med"] is not None:
                x["med"] = d(e["med"])
            if e["local_pref"] is not None:
                x["local-preference"] = d(e["local_pref"])
            if e["from"]:
                x["learned-from"] = d(e["from"])
            if e["as_path"] is not None:
                x["as-path"] = d(e["as_path"])
            nhs = []
            for i, (to, via) in enumerate(e["nh"]):
                nh = {}
                if i == 0:
                    nh["selected-next-hop"] = [{"data": [None]}]
                if to:
                    nh["to"] = d(to)
                nh["via"] = d(via)
                nhs.append(nh)
            if nhs:
                x["nh"] = nhs
            rt_entries.append(x)
        rts.append({"attributes": {"junos:style": "brief"},
                    "rt-destination": d(dest), "rt-entry": rt_entries})
    n_routes = sum(len(e) for _, e in dests)
    n_active = sum(1 for _, es in dests for e in es if e["active"])
    tbl = {"table-name": d(table),
           "destination-count": d(len(dests)),
           "total-route-count": d(n_routes),
           "active-route-count": d(n_active),
           "holddown-route-count": d(0), "hidden-route-count": d(0)}
    if rts:
        tbl["rt"] = rts
    doc = {"route-information": [{
        "attributes": {"xmlns":
                       "http://xml.juniper.net/junos/21.4R0/junos-routing"},
        "route-table": [tbl]}]}
    return json.dumps(doc, indent=4) + "\n\n{master:0}\n"


def route_text(table, dests):
    n_routes = sum(len(e) for _, e in dests)
    n_active = sum(1 for _, es in dests for e in es if e["active"])
    out = ["", "%s: %d destinations, %d routes (%d active, 0 holddown, "
           "0 hidden)" % (table, len(dests), n_routes, n_active),
           "+ = Active Route, - = Last Active, * = Both", ""]
    for dest, entries in dests:
        first = True
        for e in entries:
            head = "%s[%s/%d] 00:00:10" % ("*" if e["active"] else " ",
                                          e["proto"], e["pref"])
            attrs = []
            if e["med"] is not None:
                attrs.append("MED %s" % e["med"])
            if e["local_pref"] is not None:
                attrs.append("localpref %s" % e["local_pref"])
            if e["from"]:
                attrs.append("from %s" % e["from"])
            if attrs:
                head += ", " + ", ".join(attrs)
            if first:
                if len(dest) > 18:
                    # The wrap rule (FORMATS.md 1.2).
                    out.append(dest)
                    out.append(" " * 19 + head)
                else:
                    out.append("%-19s%s" % (dest, head))
            else:
                out.append(" " * 19 + head)
            first = False
            if e["as_path"] is not None:
                out.append(" " * 22 + "AS path: %s, validation-state: "
                           "unverified" % e["as_path"])
            if not e["nh"]:
                # bird's blackhole is Junos' discard; unreachable and
                # prohibit are reject.
                out.append(" " * 22 + ("Discard" if e.get("kind") ==
                                       "blackhole" else "Reject"))
            for i, (to, via) in enumerate(e["nh"]):
                sel = ">" if i == 0 else " "
                if to:
                    out.append(" " * 20 + "%s  to %s via %s" % (sel, to, via))
                else:
                    out.append(" " * 20 + "%s  via %s" % (sel, via))
    return "\n".join(out) + "\n"


def group_dests(routes):
    dests = []
    for r in routes:
        if dests and dests[-1][0] == r["dest"]:
            dests[-1][1].append(r)
        else:
            dests.append((r["dest"], [r]))
    return dests


def bgp_rows_text(table, rows, advertised):
    out = ["", "%s: %d destinations, %d routes (%d active, 0 holddown, "
           "0 hidden)" % (table, len(rows), len(rows), len(rows)),
           "  Prefix                  Nexthop              MED     "
           "Lclpref    AS path"]
    for dest, e in rows:
        nh = "Self" if advertised else (e["nh"][0][0] if e["nh"] and
                                        e["nh"][0][0] else "Self")
        med = e["med"] or ""
        lp = e["local_pref"] or ""
        flag = "*" if e["active"] or advertised else " "
        if len(dest) > 22:
            out.append("  " + dest)
            out.append("%s %-23s %-20s %-7s %-10s %s" % (
                flag, "", nh, med, lp, e["as_path"] or "I"))
        else:
            out.append("%s %-23s %-20s %-7s %-10s %s" % (
                flag, dest, nh, med, lp, e["as_path"] or "I"))
    return "\n".join(out) + "\n"


def bird_show_route(bird, words, fmt):
    table = None
    prefix = None
    exact = False
    i = 0
    while i < len(words):
        w = words[i]
        if w == "table" and i + 1 < len(words):
            table = words[i + 1]
            i += 2
            continue
        if w == "exact":
            exact = True
        elif prefix is None:
            try:
                prefix = str(ipaddress.ip_network(w, strict=False))
            except ValueError:
                raise CliError(11, "syntax error.")
        else:
            raise CliError(11, "syntax error.")
        i += 1
    v6 = prefix is not None and ":" in prefix
    if table is None:
        table = bird.table_name(v6)
    bird.check_table(table)
    q = ["table", bird.args.bird_table]
    if prefix:
        q = ([prefix] if exact else ["for", prefix]) + q
    routes = bird.routes(q)
    dests = [(dest, [junos_route(bird, r) for r in rs])
             for dest, rs in group_dests(routes)]
    if fmt == "json":
        return route_json(table, dests)
    return route_text(table, dests)


def bird_bgp_routes(bird, words, fmt, advertised):
    # words: bgp NBR [table T]
    if len(words) < 2 or words[0] != "bgp":
        raise CliError(30, "syntax error.")
    try:
        nbr = str(ipaddress.ip_address(words[1]))
    except ValueError:
        raise CliError(34, "syntax error.")
    table = bird.table_name(":" in nbr)
    if len(words) == 4 and words[2] == "table":
        table = words[3]
        bird.check_table(table)
    elif len(words) != 2:
        raise CliError(34, "syntax error.")
    p = bird.proto_by_neighbor(nbr)
    rows = []
    if p is not None:
        q = ["table", bird.args.bird_table,
             "export" if advertised else "protocol", p["name"]]
        for r in bird.routes(q):
            e = junos_route(bird, r)
            if advertised:
                e["local_pref"] = None
            rows.append((r["dest"], e))
    if fmt == "json":
        dests = []
        for dest, e in rows:
            if advertised:
                e = dict(e, nh=[], active=True)
            dests.append((dest, [e]))
        return route_json(table, dests)
    return bgp_rows_text(table, rows, advertised)


def bird_peer_rows(bird, instance=None):
    peers = []
    for p in bird.bgp_protocols():
        if not p["neighbor"]:
            continue
        state = p["bgp_state"] or ("Idle" if p["state"] != "up"
                                   else "Established")
        if state == "Down" or p["state"] == "down":
            state = "Idle"
        peers.append({"addr": p["neighbor"], "as": p["peer_as"] or "0",
                      "state": state, "proto": p,
                      "rib": bird.table_name(":" in p["neighbor"])})
    return peers


def bgp_summary(bird, words, fmt):
    if words and (len(words) != 2 or
                  words[0] not in ("instance", "exact-instance")):
        raise CliError(17, "syntax error.")
    own = bird.args.instance or "master"
    names = [own] + ([bird.args.shadow_instance]
                     if bird.args.shadow_instance else [])
    if words and words[0] == "instance":
        # Junos: every instance whose name begins with the argument.
        names = [n for n in names if n.startswith(words[1])]
    elif words:
        names = [n for n in names if n == words[1]]
    if not names:
        return "" if fmt == "text" else json.dumps(
            {"bgp-information": [{"bgp-peer": []}]}) + "\n"
    peers = []
    # The shadow instance's peers are listed first: a reader matching by
    # address alone takes them.
    for n in sorted(names, key=lambda n: n == own):
        for p in bird_peer_rows(bird):
            if n != own:
                p = dict(p, state="Established",
                         rib="%s.inet.0" % n)
            peers.append(dict(p, rti=n))
    if fmt == "json":
        ps = []
        for p in peers:
            pr = p["proto"]
            x = {"attributes": {"junos:style": "terse"},
                 "peer-address": d(p["addr"]), "peer-as": d(p["as"]),
                 "flap-count": d(0),
                 "elapsed-time": [{"data": "10", "attributes":
                                   {"junos:seconds": "10"}}],
                 "peer-state": [{"data": p["state"], "attributes":
                                 {"junos:format": p["state"][:6]}}],
                 "peer-cfg-rti": d(p["rti"])}
            if p["state"] == "Established":
                x["bgp-rib"] = [{
                    "name": d(p["rib"]),
                    "active-prefix-count": d(pr["preferred"]),
                    "received-prefix-count": d(pr["imported"]),
                    "accepted-prefix-count": d(pr["imported"]),
                    "suppressed-prefix-count": d(0)}]
            ps.append(x)
        doc = {"bgp-information": [{
            "group-count": d(1), "peer-count": d(len(peers)),
            "down-peer-count": d(sum(1 for p in peers
                                     if p["state"] != "Established")),
            "bgp-peer": ps}]}
        return json.dumps(doc, indent=4) + "\n\n{master:0}\n"
    out = ["Threading mode: BGP I/O",
           "Groups: 1 Peers: %d Down peers: %d" % (
               len(peers), sum(1 for p in peers
                               if p["state"] != "Established")),
           "Peer                     AS      InPkt     OutPkt    OutQ   "
           "Flaps Last Up/Dwn State|#Active/Received/Accepted/Damped..."]
    for p in peers:
        pr = p["proto"]
        st = "Establ" if p["state"] == "Established" else p["state"]
        out.append("%-20s %7s %10d %10d %7d %7d %11s %s" % (
            p["addr"], p["as"], 10, 10, 0, 0, "10", st))
        if p["state"] == "Established":
            out.append("  %s: %d/%d/%d/0" % (
                p["rib"], pr["preferred"], pr["imported"], pr["imported"]))
    return "\n".join(out) + "\n"


def bgp_neighbor(bird, words, fmt):
    peers = bird_peer_rows(bird)
    if words:
        try:
            want = ipaddress.ip_address(words[0])
        except ValueError:
            raise CliError(18, "syntax error.")
        peers = [p for p in peers if ipaddress.ip_address(p["addr"]) == want]
    if fmt == "json":
        ps = []
        for p in peers:
            pr = p["proto"]
            ps.append({"peer-address": d(p["addr"]), "peer-as": d(p["as"]),
                       "peer-state": d(p["state"]),
                       "peer-cfg-rti": d(bird.args.instance or "master"),
                       "flap-count": d(0),
                       "bgp-rib": [{"name": d(p["rib"]),
                                    "active-prefix-count": d(pr["preferred"]),
                                    "received-prefix-count":
                                        d(pr["imported"]),
                                    "accepted-prefix-count":
                                        d(pr["imported"]),
                                    "advertised-prefix-count":
                                        d(pr["exported"])}]})
        return json.dumps({"bgp-information": [{"bgp-peer": ps}]},
                          indent=4) + "\n\n{master:0}\n"
    out = []
    for p in peers:
        pr = p["proto"]
        out += ["Peer: %s AS %s Local: 0.0.0.0 AS %s" % (
                    p["addr"], p["as"], pr["local_as"] or "0"),
                "Group: %s        Routing-Instance: %s" % (
                    pr["name"], bird.args.instance or "master"),
                "Type: External    State: %s    Flags: <>" % p["state"],
                "Number of flaps: 0",
                "Table %s Bit: 20000" % p["rib"],
                "    Active prefixes:              %d" % pr["preferred"],
                "    Received prefixes:            %d" % pr["imported"],
                "    Accepted prefixes:            %d" % pr["imported"],
                "    Advertised prefixes:          %d" % pr["exported"],
                ""]
    return "\n".join(out) + "\n"


def show_version(args, fmt):
    def si(host, version):
        return {"host-name": d(host), "product-model": d(args.model),
                "product-name": d(args.model),
                "junos-version": d(version)}

    def txt(host, version):
        return ("Hostname: %s\nModel: %s\nJunos: %s\n"
                % (host, args.model, version))
    if args.srx_cluster:
        # node1 runs another release during an in-service upgrade.
        nodes = [("node0", args.hostname, "21.4R3-emu"),
                 ("node1", args.hostname + "-n1", "21.4R2-emu")]
        if fmt == "json":
            return json.dumps({"multi-routing-engine-results": [{
                "multi-routing-engine-item": [
                    {"re-name": d(n), "software-information": [si(h, v)]}
                    for n, h, v in nodes]}]}, indent=4) + "\n"
        return "".join("%s:\n%s\n%s\n" % (n, "-" * 74, txt(h, v))
                       for n, h, v in nodes)
    if fmt == "json":
        return json.dumps({"software-information": [si(
            args.hostname, "21.4R3-emu")]}, indent=4) + "\n\n{master:0}\n"
    return txt(args.hostname, "21.4R3-emu")


STATUS_RE = None   # compiled on first use (re is imported lazily)


def status_re():
    global STATUS_RE
    if STATUS_RE is None:
        STATUS_RE = re.compile(r"^[ \t]*\{[A-Za-z][\w:-]*\}[ \t]*$\n?",
                               re.M)
    return STATUS_RE


def json_to_xml(text):
    """Junos JSON (FORMATS.md 4.1) back to the XML it transcribes."""
    from xml.sax.saxutils import escape, quoteattr
    text = STATUS_RE.sub("", text).strip()

    def el(name, v, out, ind):
        attrs = "".join(" %s=%s" % (k, quoteattr(str(a)))
                        for k, a in v.get("attributes", {}).items())
        kids = [(k, x) for k, x in v.items()
                if k not in ("data", "attributes")]
        data = v.get("data")
        if isinstance(data, list):
            data = None
        if not kids:
            out.append("%s<%s%s>%s</%s>" % (ind, name, attrs,
                                             escape(str(data or "")), name))
            return
        out.append("%s<%s%s>" % (ind, name, attrs))
        for k, arr in kids:
            for x in (arr if isinstance(arr, list) else [arr]):
                el(k, x, out, ind + "    ")
        out.append("%s</%s>" % (ind, name))
    doc = json.loads(text)
    out = ['<rpc-reply xmlns:junos="http://xml.juniper.net/junos/21.4R0/'
           'junos">']
    for k, arr in doc.items():
        for x in arr:
            el(k, x, out, "    ")
    out.append("</rpc-reply>")
    return "\n".join(out) + "\n"


def json_quirks(text, ctl="\x01"):
    """The JSON of a release that prints it badly (see --json-quirks).
    CTL is the raw control character put inside a string: over NETCONF it
    is a tab, as Junos sent over NETCONF in py-junos-eznc #1029 / PR #1048
    (XML 1.0 cannot carry \\x01 at all, not even as a reference)."""
    status = STATUS_RE.findall(text)
    doc = json.loads(STATUS_RE.sub("", text))
    key = next(iter(doc))
    raw = json.dumps(doc, indent=4)
    # A raw (unescaped) control character inside a string value.
    raw = raw.replace('"data" : "', '"data" : "' + ctl, 1)
    raw = raw.replace('"data": "', '"data": "' + ctl, 1)
    # The top element again, empty: a parser keeping the last key loses
    # the answer.
    raw = raw.rstrip()[:-1].rstrip() + ',\n    "%s" : [{}]\n}' % key
    return "{primary:node0}\n" + raw + "\n" + \
        ("\n" + status[-1].strip() + "\n" if status else "")


def traceroute(words, sink=None):
    # traceroute ADDR no-resolve [routing-instance RI] [wait S] [ttl N]
    if len(words) < 2 or words[1] != "no-resolve":
        raise CliError(11, "syntax error.")
    try:
        addr = str(ipaddress.ip_address(words[0]))
    except ValueError:
        raise CliError(11, "syntax error.")
    # Junos defaults: wait 5 s per probe, 3 probes, ttl 30 (Junos
    # "traceroute" command reference).
    opt = {"wait": "5", "ttl": "30"}
    i = 2
    while i < len(words):
        if i + 1 >= len(words) or words[i] not in ("routing-instance",
                                                   "wait", "ttl"):
            raise CliError(11, "syntax error.")
        if words[i] != "routing-instance":
            if not words[i + 1].isdigit() or int(words[i + 1]) < 1 or \
                    int(words[i + 1]) > (86400 if words[i] == "wait"
                                         else 255):
                raise CliError(11, "syntax error.")
            opt[words[i]] = words[i + 1]
        i += 2
    # The routing instance is the namespace sshd runs in.  The output
    # goes out as it comes, hop by hop, as Junos prints it; Junos
    # traceroute (FreeBSD's) says "52 byte packets".
    p = subprocess.Popen(["traceroute", "-n", "-q", "3", "-w", opt["wait"],
                          "-m", opt["ttl"], addr], stdout=subprocess.PIPE,
                         text=True)
    for line in p.stdout:
        (sink or sys.stdout).write(re.sub(r"\d+ byte packets",
                                          "52 byte packets", line))
        (sink or sys.stdout).flush()
    p.wait()
    # Every line went out above (to SINK or stdout): nothing is left
    # to print.
    return ""


def bird_render(args, base, fmt, ctl="\x01", sink=None):
    """The answer to BASE in FMT as the renderer makes it, status lines
    included; shared by the exec path and NETCONF.  CTL is the control
    character --json-quirks puts in a string; SINK, when given, collects a
    traceroute's lines instead of stdout (NETCONF sends them in one reply).
    """
    _bird_imports()
    if fmt == "json" and args.no_json:
        raise CliError(len(base) + 11, "syntax error, expecting <command>.")
    xml = fmt == "xml"
    if xml:
        fmt = "json"
    w = base.split()
    bird = Bird(args)
    if xml and w[:1] == ["traceroute"]:
        raise CliError(len(base) + 11, "syntax error.")
    if w == ["show", "version"]:
        out = show_version(args, fmt)
    elif w[:2] == ["show", "route"] and len(w) > 2 and \
            w[2] == "advertising-protocol":
        out = bird_bgp_routes(bird, w[3:], fmt, True)
    elif w[:2] == ["show", "route"] and len(w) > 2 and \
            w[2] == "receive-protocol":
        out = bird_bgp_routes(bird, w[3:], fmt, False)
    elif w[:2] == ["show", "route"]:
        out = bird_show_route(bird, w[2:], fmt)
    elif w[:3] == ["show", "bgp", "summary"]:
        out = bgp_summary(bird, w[3:], fmt)
    elif w[:3] == ["show", "bgp", "neighbor"]:
        out = bgp_neighbor(bird, w[3:], fmt)
    elif w[:1] == ["traceroute"] and fmt == "text":
        out = traceroute(w[1:], sink)
    else:
        raise CliError(len(w[0]) + 1 if len(w) > 1 else 0,
                       "unknown command.")
    status_re()
    if xml:
        out = json_to_xml(out)
    elif fmt == "json" and args.json_quirks:
        out = json_quirks(out, ctl)
    return out


def bird_mode(args, cmd):
    base, fmt = split_pipes(cmd)
    out = bird_render(args, base, fmt)
    if args.srx_cluster:
        # The cluster status line ends every reply (node0 is primary).
        out = STATUS_RE.sub("", out).rstrip("\n")
        out = (out + "\n\n" if out else "") + "{primary:node0}\n"
    sys.stdout.write(out)
    sys.stdout.flush()
    return 0


# -------------------------------------------------------------- netconf
#
# NETCONF over SSH (RFC 6241, RFC 6242 with 1.0 end-of-message framing), as
# a Junos router's netconf subsystem serves it.  One process serves the
# whole session: no per-command start-up.  Sources:
#  - the subsystem runs "xml-mode netconf need-trailer" (ncclient
#    devices/junos.py handle_connection_exceptions() execs exactly that
#    when the subsystem is refused; Juniper net-netconf lib/net/netconf/
#    jnpr.rb NETCONF_SHELL "exec xml-mode netconf need-trailer");
#  - the server's hello: comment lines, then <hello> with the capabilities
#    a Junos 18.2 vMX lists and the session id (the mgd process id), then
#    "]]>]]>" (session captured in ncclient-based Junos tutorials, e.g.
#    ksator/junos-automation-with-ncclient README);
#  - <command format="text|xml|json">: text answers <output>, json the
#    JSON as the rpc-reply's text (py-junos-eznc lib/jnpr/junos/device.py
#    execute(): json.loads(rpc_rsp_e.text, strict=False), since 14.2), xml
#    the result element (py-junos-eznc Device.cli());
#  - a command the CLI does not know: <rpc-error> protocol /
#    operation-failed / error / "syntax error, expecting <command>" with
#    <error-info><bad-element>WORD</bad-element> (py-junos-eznc
#    tests/unit/facts/test_ethernet_mac_table.py), "syntax error" for a bad
#    argument or unknown RPC (tests/unit/test_decorators.py).
# Stricter than Junos where Junos is lenient (allowed: never kinder): an
# <rpc> before the client's <hello> and an <rpc> without message-id are
# refused (RFC 6241 sections 8.1 and 4.1), a hello without base:1.0 or a
# message that does not parse ends the session after an <rpc-error>.

NC_BASE = "urn:ietf:params:xml:ns:netconf:base:1.0"
NC_EOM = b"]]>]]>"
NC_COMMAND = "xml-mode netconf need-trailer"
NC_MAX_MESSAGE = 1 << 20
NC_CAPS = (
    "urn:ietf:params:netconf:base:1.0",
    "urn:ietf:params:netconf:capability:candidate:1.0",
    "urn:ietf:params:netconf:capability:confirmed-commit:1.0",
    "urn:ietf:params:netconf:capability:validate:1.0",
    "urn:ietf:params:netconf:capability:url:1.0?scheme=http,ftp,file",
    "urn:ietf:params:xml:ns:netconf:base:1.0",
    "urn:ietf:params:xml:ns:netconf:capability:candidate:1.0",
    "urn:ietf:params:xml:ns:netconf:capability:confirmed-commit:1.0",
    "urn:ietf:params:xml:ns:netconf:capability:validate:1.0",
    "urn:ietf:params:xml:ns:netconf:capability:url:1.0?protocol=http,ftp,"
    "file",
    "urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring",
    "http://xml.juniper.net/netconf/junos/1.0",
    "http://xml.juniper.net/dmi/system/1.0",
)
NC_JUNOS_NS = "http://xml.juniper.net/junos/21.4R3/junos"


class NcError(Exception):
    """An <rpc-error>: (type, tag, message, bad element or None)."""

    def __init__(self, etype, tag, msg, bad=None):
        super().__init__(msg)
        self.etype, self.tag, self.msg, self.bad = etype, tag, msg, bad


def nc_esc(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;")


def nc_attr(text):
    return nc_esc(text).replace('"', "&quot;")


class Netconf:
    def __init__(self, args, rfd=0, wfd=1):
        self.args = args
        self.rfd, self.wfd = rfd, wfd
        self.buf = b""
        self.hello_seen = False

    def send(self, text):
        data = text.encode("utf-8")
        while data:
            n = os.write(self.wfd, data)
            data = data[n:]

    def read_message(self):
        """The next message (bytes) before "]]>]]>", or None at EOF."""
        while NC_EOM not in self.buf:
            if len(self.buf) > NC_MAX_MESSAGE:
                raise NcError("rpc", "operation-failed",
                              "message too long or not framed with ]]>]]>")
            chunk = os.read(self.rfd, 65536)
            if not chunk:
                # EOF, possibly mid-message: the session is over.
                return None
            self.buf += chunk
        msg, self.buf = self.buf.split(NC_EOM, 1)
        return msg

    def reply(self, mid, body):
        attr = ' message-id="%s"' % nc_attr(mid) if mid is not None else ""
        self.send('<rpc-reply xmlns="%s" xmlns:junos="%s"%s>\n%s'
                  '</rpc-reply>\n]]>]]>\n' % (NC_BASE, NC_JUNOS_NS, attr,
                                             body))

    def error(self, mid, e, severity="error"):
        info = ("<error-info>\n<bad-element>%s</bad-element>\n"
                "</error-info>\n" % nc_esc(e.bad)) if e.bad else ""
        self.reply(mid, "<rpc-error>\n<error-type>%s</error-type>\n"
                   "<error-tag>%s</error-tag>\n<error-severity>%s"
                   "</error-severity>\n<error-message>%s</error-message>\n"
                   "%s</rpc-error>\n" % (e.etype, e.tag, severity,
                                         nc_esc(e.msg), info))

    def hello(self):
        caps = "".join("    <capability>%s</capability>\n" % nc_esc(c)
                       for c in NC_CAPS)
        self.send("<!-- No zombies were killed during the creation of this "
                  "user interface -->\n<!-- user root, class super-user -->"
                  "\n<hello xmlns=\"%s\">\n  <capabilities>\n%s"
                  "  </capabilities>\n  <session-id>%d</session-id>\n"
                  "</hello>\n]]>]]>\n" % (NC_BASE, caps, os.getpid()))

    def serve(self):
        from xml.etree import ElementTree as ET
        self.hello()
        while True:
            try:
                msg = self.read_message()
            except NcError as e:
                self.error(None, e)
                return 1
            if msg is None:
                return 0
            text = msg.decode("utf-8", "replace").strip()
            if not text:
                # Whitespace between messages (ncclient sends a newline
                # after each "]]>]]>").
                continue
            try:
                root = ET.fromstring(text)
            except ET.ParseError as e:
                # Not well-formed: say so and end the session, the framing
                # cannot be trusted any more (RFC 6241 4.3 malformed-message
                # is base:1.1 only; a 1.0 session gets operation-failed).
                self.error(None, NcError("rpc", "operation-failed",
                                         "xml parse error: %s" % e))
                return 1
            tag = root.tag.split("}", 1)[-1]
            ns = root.tag[1:].split("}", 1)[0] if root.tag[0] == "{" else ""
            if ns not in ("", NC_BASE):
                self.error(None, NcError("protocol", "unknown-namespace",
                                         "unknown namespace %s" % ns, tag))
                return 1
            if tag == "hello":
                if self.hello_seen:
                    self.error(None, NcError("protocol", "operation-failed",
                                             "<hello> after the session "
                                             "started", "hello"))
                    return 1
                caps = [(c.text or "").strip() for c in root.iter()
                        if c.tag.split("}", 1)[-1] == "capability"]
                if "urn:ietf:params:netconf:base:1.0" not in caps:
                    # RFC 6241 8.1: no common base version, no session.
                    self.error(None, NcError(
                        "protocol", "operation-failed", "client <hello> "
                        "lacks urn:ietf:params:netconf:base:1.0"))
                    return 1
                self.hello_seen = True
                continue
            mid = root.get("message-id")
            if tag != "rpc":
                self.error(mid, NcError("protocol", "operation-failed",
                                        "syntax error", tag))
                return 1
            if not self.hello_seen:
                self.error(mid, NcError("protocol", "operation-failed",
                                        "<rpc> before the client's <hello>"
                                        " (RFC 6241 section 8.1)", "rpc"))
                return 1
            if mid is None:
                self.error(None, NcError("rpc", "missing-attribute",
                                         "missing message-id attribute",
                                         "rpc"))
                continue
            ops = list(root)
            if len(ops) != 1:
                self.error(mid, NcError("protocol", "operation-failed",
                                        "syntax error, expecting one "
                                        "operation", "rpc"))
                continue
            op = ops[0]
            name = op.tag.split("}", 1)[-1]
            if name == "close-session":
                self.reply(mid, "<ok/>\n")
                return 0
            if name != "command":
                self.error(mid, NcError("protocol", "operation-failed",
                                        "syntax error", name))
                continue
            try:
                self.reply(mid, self.command(op))
            except NcError as e:
                self.error(mid, e)

    def command(self, op):
        fmt = op.get("format", "xml").lower()
        # Junos takes "ascii" as a synonym of "text" (Junos XML API
        # <command> reference).
        fmt = {"ascii": "text"}.get(fmt, fmt)
        if fmt not in ("xml", "json", "text"):
            raise NcError("protocol", "operation-failed",
                          "syntax error, expecting <command>", fmt)
        cmd = " ".join((op.text or "").split())
        if not cmd:
            raise NcError("protocol", "operation-failed",
                          "syntax error, expecting <command>", "command")
        if fmt == "json" and self.args.no_json:
            # A release before 14.2 has no JSON: the attribute's value is
            # a syntax error, as "| display json" is over the CLI.
            raise NcError("protocol", "operation-failed",
                          "syntax error, expecting <command>", "json")
        if self.args.delay > 0:
            time.sleep(min(self.args.delay, 60.0))
        try:
            base, pfmt = split_pipes(cmd)
            if pfmt != "text":
                # The output format is the attribute's business here.
                raise CliError(cmd.index("|") + 2, "syntax error.")
            warning = None
            if self.args.fixtures:
                out, warning = nc_fixture(self.args, base, fmt)
            else:
                sink = None
                if base.split()[:1] == ["traceroute"]:
                    import io
                    sink = io.StringIO()
                out = bird_render(self.args, base, fmt, "\t", sink)
                if sink is not None:
                    out = sink.getvalue()
        except CliError as e:
            raise nc_cli_error(cmd, e)
        except Exception as e:  # noqa: BLE001 - as the CLI path says it
            if subprocess is not None and isinstance(
                    e, subprocess.TimeoutExpired):
                raise NcError("protocol", "operation-failed",
                              "command timed out")
            raise
        if warning:
            # A warning beside the data: the reply is still a success
            # (RFC 6241 4.3 error-severity; Junos sends warnings so, e.g.
            # py-junos-eznc tests/unit/test_decorators.py).
            return ("<rpc-error>\n<error-type>protocol</error-type>\n"
                    "<error-tag>operation-failed</error-tag>\n"
                    "<error-severity>warning</error-severity>\n"
                    "<error-message>%s</error-message>\n</rpc-error>\n"
                    % nc_esc(warning)) + nc_payload(out, fmt)
        return nc_payload(out, fmt)


def nc_cli_error(cmd, e):
    """The CLI's caret error as the <rpc-error> Junos sends instead."""
    # The word under the caret is the bad element.
    words, pos, bad = [], 0, None
    for w in cmd.split():
        pos = cmd.index(w, pos)
        words.append((pos, w))
        pos += len(w)
    for start, w in words:
        if start + len(w) > e.col:
            bad = w
            break
    if bad is None and words:
        bad = words[-1][1]
    msg = "syntax error, expecting <command>" if \
        e.msg.startswith("unknown command") or \
        e.msg.startswith("syntax error, expecting") else \
        e.msg.rstrip(".")
    return NcError("protocol", "operation-failed", msg, bad)


def nc_payload(out, fmt):
    """The CLI rendering of an answer as the rpc-reply's content."""
    # The "{master:0}" / "{primary:node0}" status lines are the CLI's
    # prompt decoration, not part of the answer: NETCONF has none.
    out = status_re().sub("", out)
    # XML 1.0 cannot carry C0 controls other than tab, LF and CR (not even
    # as &#1;): a control character in a fixture goes out as a raw tab, the
    # control character Junos was seen sending inside NETCONF JSON strings
    # (py-junos-eznc #1029), so the JSON stays invalid for a strict parser.
    out = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "\t", out)
    if fmt == "text":
        return "<output>\n%s</output>\n" % nc_esc(out)
    if fmt == "json":
        return nc_esc(out.strip()) + "\n"
    # "| display xml" wraps the element in <rpc-reply>: NETCONF's own
    # rpc-reply carries the element itself.
    m = re.search(r"<rpc-reply\b[^>]*>(.*)</rpc-reply>", out, re.S)
    body = (m.group(1) if m else out).strip("\n")
    return body + "\n" if body else ""


def nc_fixture(args, base, fmt):
    """Mode A over NETCONF: the map's "CMD | display FMT" (or plain CMD
    for text) answers; @sleep/@slow delay the reply, @exit N TEXT answers
    TEXT; @hang is a stream cut short and answers its file at once;
    @warning FILE TEXT answers FILE with a warning rpc-error TEXT.
    Returns (answer, warning or None)."""
    mapdir, table = load_map(args.fixtures)
    key = base + ("" if fmt == "text" else " | display " + fmt)
    target = table.get(key)
    if target is None:
        raise CliError(0, "unknown command.")
    if target.startswith("@slow"):
        _, secs, target = target.split(None, 2)
        time.sleep(float(secs))
    if target.startswith("@hang"):
        _, secs, target = target.split(None, 2)
    warning = None
    if target.startswith("@warning"):
        _, target, warning = target.split(None, 2)
    if target.startswith("@sleep"):
        time.sleep(float(target.split()[1]))
        return "", None
    if target.startswith("@exit"):
        _, code, *text = target.split(None, 2)
        return (text[0] + "\n" if text else ""), None
    path = target if os.path.isabs(target) else os.path.join(mapdir, target)
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace"), warning


def netconf_mode(args):
    global re
    import re as _r
    re = _r
    return Netconf(args).serve()


class Args:
    """The options (argparse costs ~30 ms of start-up per command)."""

    fixtures = bird = ifmap = command = None
    hostname = "junos-emu"
    instance = ""
    bird_table = "master4"
    birdc = "birdc"
    model = "srx-emu"
    no_json = False
    srx_cluster = False
    json_quirks = False
    shadow_instance = ""
    delay = 0.0
    netconf_only = False


VALUED = {"--fixtures": "fixtures", "--bird": "bird", "--ifmap": "ifmap",
          "--command": "command", "--hostname": "hostname",
          "--instance": "instance", "--bird-table": "bird_table",
          "--birdc": "birdc", "--model": "model", "--delay": "delay",
          "--shadow-instance": "shadow_instance"}


def parse_args(argv):
    args = Args()
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--no-json":
            args.no_json = True
        elif a == "--srx-cluster":
            args.srx_cluster = True
        elif a == "--json-quirks":
            args.json_quirks = True
        elif a == "--netconf-only":
            args.netconf_only = True
        elif a in ("-h", "--help"):
            print(__doc__)
            sys.exit(0)
        elif a.split("=", 1)[0] in VALUED:
            if "=" in a:
                a, v = a.split("=", 1)
            elif i + 1 < len(argv):
                i += 1
                v = argv[i]
            else:
                sys.exit("junos_cli.py: %s needs a value" % a)
            setattr(args, VALUED[a], float(v) if a == "--delay" else v)
        else:
            sys.exit("junos_cli.py: unknown option %s (see --help)" % a)
        i += 1
    return args


def main():
    global SRX_CLUSTER
    args = parse_args(sys.argv[1:])
    SRX_CLUSTER = args.srx_cluster
    cmd = args.command
    if cmd is None:
        cmd = os.environ.get("SSH_ORIGINAL_COMMAND", "")
    if " ".join(cmd.split()) == NC_COMMAND:
        # The netconf subsystem (sshd puts the subsystem's command in
        # SSH_ORIGINAL_COMMAND under ForceCommand) or ncclient's exec of
        # the same command: one process for the session, --delay per RPC.
        return netconf_mode(args)
    if args.netconf_only:
        # Junos: "The configured port accepts only NETCONF-over-SSH
        # sessions. Regular SSH session requests for this port are
        # rejected." (Junos "Configuring NETCONF-Over-SSH Connections on a
        # Specified TCP Port").
        print("error: this port serves only the netconf subsystem "
              "(ssh -s HOST netconf)", file=sys.stderr)
        return 1
    if args.delay > 0:
        time.sleep(min(args.delay, 60.0))
    if not cmd.strip():
        # An interactive shell is not offered.
        print("error: this emulator only runs commands (ssh HOST CMD)")
        return 1
    try:
        if args.fixtures:
            return fixtures_mode(args, cmd)
        if args.bird:
            return bird_mode(args, cmd)
        print("error: give --fixtures or --bird", file=sys.stderr)
        return 2
    except CliError as e:
        reject(cmd, e)
    except Exception as e:  # noqa: BLE001 - a CLI never dumps a trace
        if subprocess is not None and isinstance(e,
                                                 subprocess.TimeoutExpired):
            print("error: command timed out")
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
