#!/bin/bash
# The Junos CLI emulator in bird mode (tests/emu/junos_cli.py --bird) over
# LIVE bird2 state: two network namespaces joined by a veth, one bird in
# each with eBGP between them.  The emulator's JSON and text answers are
# parsed by the provider's own parsers (junos_parse_tool) and must change
# when the session goes down, as they do in the lab during a failover.
#
# Root needed.  Everything stays inside the two namespaces; they, the
# bird processes (by PID) and the work directory are removed on exit.
#
# usage: emu_bird_test.sh PARSE_TOOL
set -u

TOOL=${1:?usage: emu_bird_test.sh PARSE_TOOL}
SRC=${FD_SOURCE_ROOT:?}
EMU="$SRC/tests/emu/junos_cli.py"
TAG="fdt-emu-$$"
NSA="$TAG-a"
NSB="$TAG-b"
W=$(mktemp -d "/tmp/$TAG.XXXXXX")
PIDS=()
FAILS=0
N=0

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	ip netns del "$NSA" 2>/dev/null
	ip netns del "$NSB" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

ok() { N=$((N + 1)); echo "ok $N - $1"; }
notok() {
	N=$((N + 1)); FAILS=$((FAILS + 1)); echo "not ok $N - $1"
	[ -n "${2:-}" ] && sed 's/^/# /' <<<"$2"
}
check() {	# check NAME HAYSTACK NEEDLE...
	local name=$1 hay=$2 n
	shift 2
	for n in "$@"; do
		if ! grep -qF -- "$n" <<<"$hay"; then
			notok "$name (missing: $n)" "$hay"
			return
		fi
	done
	ok "$name"
}
emu() {		# emu CMD: the emulator as sshd would run it, in namespace A
	ip netns exec "$NSA" env SSH_ORIGINAL_COMMAND="$1" python3 "$EMU" \
	    --bird "$W/a.ctl" --hostname fw --instance Cust11 \
	    --ifmap "$W/ifmap"
}
parse() { "$TOOL" "$1"; }
emux() {	# emux CMD OPTION...: the emulator with extra options
	local c=$1
	shift
	ip netns exec "$NSA" env SSH_ORIGINAL_COMMAND="$c" python3 "$EMU" \
	    --bird "$W/a.ctl" --hostname fw --instance Cust11 \
	    --ifmap "$W/ifmap" "$@"
}

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 77
fi

ip netns add "$NSA" && ip netns add "$NSB" || exit 1
ip -n "$NSA" link add st0-0 type veth peer name eth0 netns "$NSB"
ip -n "$NSA" addr add 10.255.11.1/30 dev st0-0
ip -n "$NSB" addr add 10.255.11.2/30 dev eth0
for ns in "$NSA" "$NSB"; do
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv4.icmp_ratelimit=0
done
ip -n "$NSA" link set st0-0 up
ip -n "$NSB" link set eth0 up
echo "st0-0 st0.0" >"$W/ifmap"

# A plays the firewall (AS 65020), B the Azure VPN gateway (AS 65515).
cat >"$W/a.conf" <<EOF
router id 10.255.11.1;
protocol device { }
protocol static onprem { ipv4; route 10.1.11.0/25 blackhole; }
protocol bgp tun0 {
	local 10.255.11.1 as 65020;
	neighbor 10.255.11.2 as 65515;
	direct; hold time 6; connect retry time 1; error wait time 1, 2;
	ipv4 { import all; export where proto = "onprem"; };
}
EOF
cat >"$W/b.conf" <<EOF
router id 10.255.11.2;
protocol device { }
protocol static azure {
	ipv4;
	route 10.17.11.0/25 blackhole;
	route 10.17.11.128/26 blackhole;
}
protocol bgp onprem {
	local 10.255.11.2 as 65515;
	neighbor 10.255.11.1 as 65020;
	direct; hold time 6; connect retry time 1; error wait time 1, 2;
	ipv4 { import all; export where proto = "azure"; };
}
EOF
ip netns exec "$NSA" bird -f -c "$W/a.conf" -s "$W/a.ctl" &
PIDS+=($!)
ip netns exec "$NSB" bird -f -c "$W/b.conf" -s "$W/b.ctl" &
PIDS+=($!)

echo "1..22"
# Bounded wait for the session (30 s).
for _ in $(seq 1 150); do
	birdc -s "$W/a.ctl" show protocols tun0 2>/dev/null |
	    grep -q Established && break
	sleep 0.2
done
# and for both routes to arrive.
for _ in $(seq 1 50); do
	[ "$(birdc -s "$W/a.ctl" show route count 2>/dev/null |
	    grep -o '^[0-9]* of')" = "3 of" ] && break
	sleep 0.2
done

out=$(emu "show version | display json | no-more" | parse json-version)
check "show version (json)" "$out" "hostname=fw"

out=$(emu "show bgp summary | display json | no-more" | parse json-bgp)
check "bgp summary json: established, 2 received" "$out" \
    "10.255.11.2 as=65515 state=Established instance=Cust11 active=2 received=2"
out=$(emu "show bgp summary | no-more" | parse text-summary)
check "bgp summary text: established" "$out" \
    "10.255.11.2 as=65515 state=Established instance=Cust11 active=2"
out=$(emu "show bgp neighbor 10.255.11.2 | no-more" | parse text-neighbor)
check "bgp neighbor text" "$out" "state=Established instance=Cust11" \
    "advertised=1"

out=$(emu "show route table Cust11.inet.0 | display json | no-more" |
    parse json-routes)
check "route table json: BGP route via st0.0, AS path 65515 I" "$out" \
    "Cust11.inet.0 10.17.11.0/25 active BGP pref=170 lp=100 med=- age=10 from=10.255.11.2 as=\"65515 I\" nh=[>10.255.11.2%st0.0]" \
    "Cust11.inet.0 10.1.11.0/25 active Static"
out=$(emu "show route table Cust11.inet.0 10.17.11.128/26 exact | no-more" |
    parse text-routes)
check "route exact text" "$out" "routes 1" \
    "10.17.11.128/26 active BGP pref=170 lp=100" "as=\"65515 I\""

out=$(emu "show route advertising-protocol bgp 10.255.11.2 | no-more" |
    parse text-bgp-routes)
check "advertised text" "$out" "routes 1" "Cust11.inet.0 10.1.11.0/25 active BGP" \
    "as=\"I\""
out=$(emu "show route receive-protocol bgp 10.255.11.2 | display json | no-more" |
    parse json-routes)
check "received json" "$out" "routes 2" "10.17.11.0/25" "10.17.11.128/26"

out=$(emu "traceroute 10.255.11.2 no-resolve routing-instance Cust11" |
    parse text-trace)
check "traceroute (real, in the namespace)" "$out" "reached=yes" \
    "1: 10.255.11.2/"

# SRX chassis cluster: per-node show version in each format, the status
# line after every reply (parsers strip it).
for f in json xml; do
	out=$(emux "show version | display $f | no-more" --srx-cluster |
	    parse $f-version)
	check "srx cluster version ($f): node0's, both listed" "$out" \
	    "hostname=fw " "version=21.4R3-emu" \
	    "nodes=node0 21.4R3-emu, node1 21.4R2-emu"
done
out=$(emux "show version | no-more" --srx-cluster | parse text-version)
check "srx cluster version (text)" "$out" "hostname=fw " \
    "version=21.4R3-emu nodes=node0 21.4R3-emu, node1 21.4R2-emu"
out=$(emux "show bgp summary | no-more" --srx-cluster)
check "srx cluster: status line after a reply" "$(tail -n1 <<<"$out")" \
    "{primary:node0}"
out=$(emux "show route table Cust11.inet.0 | display xml" --srx-cluster |
    parse xml-routes)
check "route table xml (with status line)" "$out" \
    "Cust11.inet.0 10.17.11.0/25 active BGP pref=170 lp=100"
# JSON quirks: the JSON parser must refuse it (duplicate key, control
# character), the XML answer of the same command must parse.
out=$(emux "show bgp summary | display json" --json-quirks | parse json-bgp)
check "json quirks refused" "$out" "error -74"
out=$(emux "show bgp summary | display xml" --json-quirks | parse xml-bgp)
check "xml of a quirks device" "$out" "10.255.11.2 as=65515 state=Established"
# Prefix-matched instances: "instance Cust11" lists Cust111 (shadow) too,
# "exact-instance Cust11" only Cust11.
out=$(emux "show bgp summary instance Cust11 | display json" \
    --shadow-instance Cust111 | parse json-bgp)
check "instance prefix-matches" "$out" "instance=Cust111" "instance=Cust11 "
out=$(emux "show bgp summary exact-instance Cust11 | display json" \
    --shadow-instance Cust111 | parse json-bgp)
if grep -q "instance=Cust111" <<<"$out"; then
	notok "exact-instance" "$out"
else
	check "exact-instance" "$out" "instance=Cust11 "
fi

# Junos traceroute options: wait/ttl; B forwards 10.255.99.0/24 into a
# silent firewall drop (TTL expiry is still answered: hop 1 is B), so
# hops 2 and 3 stay "* * *" and the trace ends after its ttl with hop 1
# kept.  (A blackhole route would drop before the TTL check.)
ip -n "$NSA" route add 10.255.99.0/24 via 10.255.11.2
ip netns exec "$NSB" sysctl -qw net.ipv4.ip_forward=1
ip -n "$NSB" route add 10.255.99.0/24 dev lo
ip netns exec "$NSB" iptables -w 5 -A FORWARD -d 10.255.99.0/24 -j DROP
out=$(timeout 30 ip netns exec "$NSA" env \
    SSH_ORIGINAL_COMMAND="traceroute 10.255.99.1 no-resolve wait 1 ttl 3" \
    python3 "$EMU" --bird "$W/a.ctl" --hostname fw --srx-cluster |
    parse text-trace)
check "traceroute wait/ttl over silent hops" "$out" "reached=no hops=3" \
    "1: 10.255.11.2/" "3: * * *"

out=$(emu "show bgp sumary" 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -q '^ *^$' <<<"$out" &&
    grep -q '^unknown command\.$' <<<"$out"; then
	ok "unknown command: caret line, exit $rc"
else
	notok "unknown command" "$out"
fi

# "Failover": the peer shuts the session; the answers must follow.
birdc -s "$W/b.ctl" disable onprem >/dev/null
for _ in $(seq 1 50); do
	birdc -s "$W/a.ctl" show protocols tun0 | grep -q Established ||
	    break
	sleep 0.2
done
out=$(emu "show bgp summary | display json | no-more" | parse json-bgp)
if grep -q "state=Established" <<<"$out"; then
	notok "bgp summary after shutdown" "$out"
else
	check "bgp summary after shutdown: not established" "$out" \
	    "10.255.11.2 as=65515"
fi
out=$(emu "show route table Cust11.inet.0 | no-more" | parse text-routes)
if grep -q "10.17.11.0/25" <<<"$out"; then
	notok "route gone after shutdown" "$out"
else
	check "route gone after shutdown" "$out" "routes 1" "10.1.11.0/25"
fi

[ $FAILS -eq 0 ]
