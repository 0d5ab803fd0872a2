#!/usr/bin/env python3
"""Live Azure-side routes for the ARM mock (its --routes-cmd), read from the
lab gateway's bird (Python 3 standard library only).

  azure_routes.py BIRD_SOCKET learned | advertised PEER | bgp-peers
                  | route-table PEERING Primary|Secondary
                  | route-table-summary PEERING Primary|Secondary

Prints {"value": [...]} in the shapes of ../shared/reference/AZURE-REST.md
section 5 (GatewayRoute: localAddress, network, nextHop, sourcePeer, origin
"EBgp"/"Network", asPath hyphen-separated, weight; BgpPeerStatus:
localAddress, neighbor, asn, state Connected/Connecting/Idle/Stopped, ...).
The lab's gw namespace plays both gateways: protocols msee1/msee2 are the
ExpressRoute side, tun0/tun1 the two active-active VPN instances
10.17.11.76/.77 with the on-prem peer 192.168.11.88 (tests/lab/lab.sh).
Route tables (ExpressRoute circuit, primary = msee1, secondary = msee2)
are read from the MSEE's bird next to the gateway's socket.
"""
import json
import os
import re
import subprocess
import sys

# protocol -> (local address, neighbor, neighbor ASN)
PEERS = {
    "msee1": ("172.31.11.2", "172.31.11.1", 12076),
    "msee2": ("172.31.11.6", "172.31.11.5", 12076),
    "tun0": ("10.17.11.76", "192.168.11.88", 65020),
    "tun1": ("10.17.11.77", "192.168.11.88", 65020),
}
VPN = ("tun0", "tun1")
HEAD = re.compile(r"^(\S+)?\s+(unicast|unreachable|blackhole|prohibited)"
                  r" \[(\S+) [^\]]*\]")


def birdc(sock, *cmd):
    r = subprocess.run(["birdc", "-s", sock] + list(cmd), timeout=20,
                       capture_output=True, text=True, check=True)
    return r.stdout


def routes(sock, *cmd):
    """Parse `show route ... all`: list of {net, proto, as_path, nh}."""
    out, net, cur = [], None, None
    try:
        text = birdc(sock, "show", "route", *cmd, "all")
    except subprocess.CalledProcessError:
        # "No valid tables": the protocol is down, so nothing to show.
        return []
    for line in text.splitlines():
        m = HEAD.match(line)
        if m:
            net = m.group(1) or net
            cur = {"net": net, "proto": m.group(3), "as_path": "",
                   "nh": "", "static": m.group(2) != "unicast"}
            out.append(cur)
            continue
        if cur is None:
            continue
        s = line.strip()
        if s.startswith("BGP.as_path:"):
            cur["as_path"] = s.split(":", 1)[1].strip()
        elif s.startswith("BGP.next_hop:"):
            cur["nh"] = s.split(":", 1)[1].strip()
        elif s.startswith("Type: static"):
            cur["static"] = True
    return out


def learned(sock):
    v = []
    for r in routes(sock):
        if r["proto"] in PEERS:
            local, nbr, _ = PEERS[r["proto"]]
            v.append({"localAddress": local, "network": r["net"],
                      "nextHop": r["nh"] or nbr, "sourcePeer": nbr,
                      "origin": "EBgp",
                      "asPath": "-".join(r["as_path"].split()),
                      "weight": 32768})
        elif r["static"]:
            for local in ("10.17.11.76", "10.17.11.77"):
                v.append({"localAddress": local, "network": r["net"],
                          "nextHop": "", "sourcePeer": local,
                          "origin": "Network", "asPath": "",
                          "weight": 32768})
    return v


def advertised(sock, peer):
    v = []
    for p, (local, nbr, _) in PEERS.items():
        if nbr != peer:
            continue
        for r in routes(sock, "export", p):
            path = ["65515"] + r["as_path"].split()
            v.append({"localAddress": local, "network": r["net"],
                      "nextHop": local, "sourcePeer": "", "origin": "Igp",
                      "asPath": "-".join(path), "weight": 0})
    return v


def bgp_peers(sock):
    v = []
    for line in birdc(sock, "show", "protocols").splitlines():
        f = line.split()
        if len(f) < 4 or f[1] != "BGP" or f[0] not in VPN:
            continue
        local, nbr, asn = PEERS[f[0]]
        if "Established" in line:
            st = "Connected"
        elif f[3] == "down":
            st = "Stopped"
        elif "Idle" in line:
            st = "Idle"
        else:
            st = "Connecting"
        n = sum(1 for r in routes(sock, "protocol", f[0]))
        v.append({"localAddress": local, "neighbor": nbr, "asn": asn,
                  "state": st, "connectedDuration": "",
                  "routesReceived": n if st == "Connected" else 0,
                  "messagesSent": 0, "messagesReceived": 0})
    return v


def route_table(sock, device):
    """The circuit's route table on one MSEE (AZURE-REST.md: network,
    nextHop, locPrf, weight, path)."""
    node = "msee1" if device.lower() == "primary" else "msee2"
    msock = os.path.join(os.path.dirname(os.path.dirname(sock)), node,
                         "bird.ctl")
    v = []
    for r in routes(msock):
        v.append({"network": r["net"], "nextHop": r["nh"], "locPrf": "",
                  "weight": 0, "path": r["as_path"]})
    return v


# MSEE node -> its BGP neighbours as routeTablesSummary lists them: the
# customer's CE (AS 65020) and the gateway (AS 65515).
MSEE_NBRS = {
    "msee1": (("ce1", "192.168.11.17", 65020), ("azgw", "172.31.11.2", 65515)),
    "msee2": (("ce2", "192.168.11.21", 65020), ("azgw", "172.31.11.6", 65515)),
}


def route_table_summary(sock, device):
    """routeTablesSummary of one link, from its MSEE's bird: neighbor, v,
    as, upDown, statePfxRcd (a prefix count when Established, else the
    BGP state, AZURE-REST.md 5.2)."""
    node = "msee1" if device.lower() == "primary" else "msee2"
    msock = os.path.join(os.path.dirname(os.path.dirname(sock)), node,
                         "bird.ctl")
    protos = {}
    for line in birdc(msock, "show", "protocols").splitlines():
        f = line.split()
        if len(f) >= 4 and f[1] == "BGP":
            protos[f[0]] = line
    v = []
    for proto, nbr, asn in MSEE_NBRS[node]:
        line = protos.get(proto, "")
        if "Established" in line:
            st = str(sum(1 for _ in routes(msock, "protocol", proto)))
            up = line.split()[4] if len(line.split()) > 4 else ""
        else:
            st = "Active" if "Active" in line or "Connect" in line \
                else "Idle"
            up = "never"
        v.append({"neighbor": nbr, "v": 4, "as": asn, "upDown": up,
                  "statePfxRcd": st})
    return v


def query(sock, what, *args):
    """The value list for one request (the arguments of the command line
    after BIRD_SOCKET); ValueError for one it does not know.  The ARM
    mock calls this in its own process (--routes-py)."""
    if what == "learned" and not args:
        return learned(sock)
    if what == "advertised" and len(args) == 1:
        return advertised(sock, args[0])
    if what == "bgp-peers" and not args:
        return bgp_peers(sock)
    if what == "route-table" and len(args) == 2:
        return route_table(sock, args[1])
    if what == "route-table-summary" and len(args) == 2:
        return route_table_summary(sock, args[1])
    raise ValueError("unknown request: %s" % " ".join((what,) + args))


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        v = query(argv[1], argv[2], *argv[3:])
    except ValueError:
        print(__doc__, file=sys.stderr)
        return 2
    json.dump({"value": v}, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
