#!/bin/bash
# The lab itself (suite 'lab'): up within 60 s, the seed's traces exactly
# (DESIGN.md section 1) before and with the peering disabled, the VPN
# break/fix hooks, SSH to the devices with strict host keys, idempotent up
# and down, and nothing left behind.  Exit 0 pass, 77 skip (not root).
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
export LAB_PREFIX=fdt$$-
export LAB_STATE=/run/fdt$$
lab() { "$LAB_DIR/lab.sh" "$@"; }
trap 'lab down || true' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# hops: the trace from srv as "a b * c", one probe per hop.
hops() {
	lab exec srv traceroute -n -q1 -w1 -m8 10.17.11.132 |
	    awk 'NR > 1 { printf "%s%s", (NR > 2 ? " " : ""), $2 }'
}

t0=$SECONDS
lab up
t=$((SECONDS - t0))
[ "$t" -lt 60 ] || fail "up took $t s"
ok "up in $t s"
lab up >/dev/null 2>&1 || fail "second up failed"
ok "up is idempotent"

BASE="10.1.11.1 192.168.11.0 192.168.11.18 * 10.17.11.132"
VPN="10.1.11.1 * 10.17.11.132"
h=$(hops); [ "$h" = "$BASE" ] || fail "baseline trace: '$h', want '$BASE'"
ok "baseline trace: $h"

lab peering AzurePrivatePeering Disabled
lab wait-routes VPN
h=$(hops); [ "$h" = "$VPN" ] || fail "peering-disabled trace: '$h', want '$VPN'"
ok "peering disabled trace: $h"
lab birdc fw show route 10.17.11.128/26 all | grep -q 'BGP.as_path: 65515$' ||
    fail "fw active route not via the VPN with AS path 65515"

lab peering Enabled
lab wait-routes ER
h=$(hops); [ "$h" = "$BASE" ] || fail "restored trace: '$h'"
ok "restored trace: $h"
lab birdc fw show route 10.17.11.128/26 all | grep -q 'BGP.as_path: 12076$' ||
    fail "fw active route not via ExpressRoute with AS path 12076"
lab birdc fw show route 10.17.11.128/26 all | grep -q 'BGP.local_pref: 150' ||
    fail "no local-pref 150 on the ExpressRoute route"

lab break-vpn
lab birdc fw show protocols tun1 | grep -q Established && fail "tun1 still up"
lab fix-vpn
ok "break-vpn / fix-vpn"

# The unreachable branch VNet: fw has no route for it.
lab exec srv traceroute -n -q1 -w1 -m4 10.17.12.4 | grep -q '!N' ||
    fail "branch VNet reachable from on-prem"
ok "branch VNet unreachable from on-prem"

# The Windows-like spoke VM: echo and UDP dropped, closed TCP ports dropped,
# RDP 3389 answered.
lab exec srv ping -c 2 -W 1 10.17.11.133 >/dev/null 2>&1 &&
    fail "10.17.11.133 answered ICMP echo"
lab exec srv traceroute -n -q1 -w1 -m5 10.17.11.133 | tail -1 |
    grep -q 10.17.11.133 && fail "10.17.11.133 answered UDP"
lab exec srv python3 -c 'import socket
socket.create_connection(("10.17.11.133", 3389), 2).close()' ||
    fail "10.17.11.133 did not answer TCP 3389"
lab exec srv python3 -c 'import socket
try:
    socket.create_connection(("10.17.11.133", 3390), 1)
except socket.timeout:
    raise SystemExit(0)
raise SystemExit(1)' || fail "10.17.11.133 answered a closed TCP port"
ok "Windows-like VM 10.17.11.133: drops echo, UDP, closed ports; answers TCP 3389"

if [ -f "$LAB_STATE/ssh/known_hosts" ]; then
	for n in fw ce1 ce2; do
		lab ssh "$n" show version >/dev/null || fail "ssh $n"
	done
	ok "ssh to fw, ce1, ce2 with strict host keys"
fi

lab down
left=$(ip netns list | grep -c "^$LAB_PREFIX" || true)
[ "$left" = 0 ] || fail "$left namespaces left behind"
[ ! -e "$LAB_STATE" ] || fail "state dir left behind"
lab down || fail "second down failed"
ok "down leaves nothing behind"
