#!/bin/bash
# Namespace topology of the probe tests and benchmarks.
#
#   topo.sh up PREFIX     create PREFIX-{s,r1,r2a,r2b,r3,r4,d}
#   topo.sh down PREFIX   delete them (and nothing else)
#   topo.sh lift PREFIX NODE...     lift the ICMP rate limits of NODEs
#   topo.sh limit PREFIX NODE...    give NODEs the kernel defaults again
#
#   s 10.201.1.2 -- r1 =={ r2a 10.201.2.2 | r2b 10.201.3.2 }== r3 (silent)
#     -- r4 10.201.6.2 -- d 10.201.7.2
#
# IPv6 mirrors it: fd00:201:N::H for 10.201.N.H (d is fd00:201:7::2).
# From s, d is 5 hops away: r1, r2a or r2b (equal-cost multipath at r1,
# hashed on L4 with fib_multipath_hash_policy=1), r3 (drops the ICMP time
# exceeded it sends: a silent hop), r4, d.  Every address exists only in
# these namespaces.  Every namespace keeps the kernel's default ICMP
# rate limits (a burst of 6 errors per peer, then one a second: as real
# routers), unless a test lifts them with `topo.sh lift` where it needs
# a deterministic count, and says why next to it.
set -eu

cmd=${1:?usage: topo.sh up|down PREFIX}
pfx=${2:?usage: topo.sh up|down PREFIX}
nodes="s r1 r2a r2b r3 r4 d"

ns() { echo "$pfx-$1"; }
x() { ip netns exec "$(ns "$1")" "${@:2}"; }

# link NS_A IF_A ADDR_A NS_B IF_B ADDR_B  (IPv4 /24; the IPv6 /64 is
# fd00:201:N::/64 with the same host numbers, N the third octet)
link() {
	local n4 a6 b6
	n4=$(echo "$3" | cut -d. -f3)
	a6="fd00:201:$n4::$(echo "$3" | cut -d. -f4)"
	b6="fd00:201:$n4::$(echo "$6" | cut -d. -f4)"
	ip -n "$(ns "$1")" link add "$2" type veth peer name "$5" \
	    netns "$(ns "$4")"
	ip -n "$(ns "$1")" addr add "$3/24" dev "$2"
	ip -n "$(ns "$4")" addr add "$6/24" dev "$5"
	# nodad: usable at once, not after duplicate address detection.
	ip -n "$(ns "$1")" addr add "$a6/64" dev "$2" nodad
	ip -n "$(ns "$4")" addr add "$b6/64" dev "$5" nodad
	ip -n "$(ns "$1")" link set "$2" up
	ip -n "$(ns "$4")" link set "$5" up
}

down() {
	set +e
	local n
	for n in $nodes; do
		ip netns del "$(ns "$n")" 2>/dev/null || true
	done
}

up() {
	local n
	down
	for n in $nodes; do
		ip netns add "$(ns "$n")"
		ip -n "$(ns "$n")" link set lo up
		x "$n" sysctl -qw net.ipv4.ip_forward=1
		# As systemd's sysctl.d/50-default.conf does on a real host:
		# unprivileged ping sockets for everyone.
		x "$n" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
		x "$n" sysctl -qw net.ipv6.conf.all.forwarding=1
	done
	link s e0 10.201.1.2 r1 e0 10.201.1.1
	link r1 e1 10.201.2.1 r2a e0 10.201.2.2
	link r1 e2 10.201.3.1 r2b e0 10.201.3.2
	link r2a e1 10.201.4.1 r3 e0 10.201.4.2
	link r2b e1 10.201.5.1 r3 e1 10.201.5.2
	link r3 e2 10.201.6.1 r4 e0 10.201.6.2
	link r4 e1 10.201.7.1 d e0 10.201.7.2

	ip -n "$(ns s)" route add default via 10.201.1.1
	x r1 sysctl -qw net.ipv4.fib_multipath_hash_policy=1
	ip -n "$(ns r1)" route add default \
	    nexthop via 10.201.2.2 nexthop via 10.201.3.2
	ip -n "$(ns r2a)" route add default via 10.201.4.2
	ip -n "$(ns r2a)" route add 10.201.1.0/24 via 10.201.2.1
	ip -n "$(ns r2b)" route add default via 10.201.5.2
	ip -n "$(ns r2b)" route add 10.201.1.0/24 via 10.201.3.1
	ip -n "$(ns r3)" route add default via 10.201.6.2
	ip -n "$(ns r3)" route add 10.201.1.0/24 via 10.201.4.1
	ip -n "$(ns r4)" route add default via 10.201.6.1
	ip -n "$(ns d)" route add default via 10.201.7.1
	ip -n "$(ns s)" -6 route add default via fd00:201:1::1
	x r1 sysctl -qw net.ipv6.fib_multipath_hash_policy=1
	ip -n "$(ns r1)" -6 route add default \
	    nexthop via fd00:201:2::2 nexthop via fd00:201:3::2
	ip -n "$(ns r2a)" -6 route add default via fd00:201:4::2
	ip -n "$(ns r2a)" -6 route add fd00:201:1::/64 via fd00:201:2::1
	ip -n "$(ns r2b)" -6 route add default via fd00:201:5::2
	ip -n "$(ns r2b)" -6 route add fd00:201:1::/64 via fd00:201:3::1
	ip -n "$(ns r3)" -6 route add default via fd00:201:6::2
	ip -n "$(ns r3)" -6 route add fd00:201:1::/64 via fd00:201:4::1
	ip -n "$(ns r4)" -6 route add default via fd00:201:6::1
	ip -n "$(ns d)" -6 route add default via fd00:201:7::1
	# Unreachables from r4 (hop 4): 10.201.9.0/24 and fd00:201:9::/64
	# administratively prohibited (!X), 10.201.8.0/24 host unreachable
	# (!H), fd00:201:8::/64 no route (!N).  IPv4 uses REJECT rules: the
	# unreachables of IPv4 route types have a per-source token bucket
	# (net.ipv4.route.error_cost) that only the host namespace can tune.
	x r4 iptables -w -A FORWARD -d 10.201.9.0/24 -j REJECT \
	    --reject-with icmp-admin-prohibited
	x r4 iptables -w -A FORWARD -d 10.201.8.0/24 -j REJECT \
	    --reject-with icmp-host-unreachable
	ip -n "$(ns r4)" -6 route add prohibit fd00:201:9::/64
	ip -n "$(ns r4)" -6 route add unreachable fd00:201:8::/64
	# The silent hop: r3 forwards, but its time-exceeded never leaves.
	# (Except packets marked 0x5: quote8.py plays a router that answers.)
	x r3 iptables -w -A OUTPUT -p icmp --icmp-type time-exceeded \
	    -m mark ! --mark 0x5 -j DROP
	x r3 ip6tables -w -A OUTPUT -p icmpv6 --icmpv6-type time-exceeded \
	    -j DROP
}

# The ICMP error limits: per peer (icmp_ratelimit, IPv6 icmp.ratelimit)
# and per host (icmp_msgs_per_sec, icmp_msgs_burst).
limit_keys="net.ipv4.icmp_ratelimit net.ipv4.icmp_msgs_per_sec
    net.ipv4.icmp_msgs_burst net.ipv6.icmp.ratelimit"

lift() {
	local n
	for n in "$@"; do
		x "$n" sysctl -qw net.ipv4.icmp_ratelimit=0 \
		    net.ipv4.icmp_msgs_per_sec=100000 \
		    net.ipv4.icmp_msgs_burst=100000 net.ipv6.icmp.ratelimit=0
	done
}

limit() {	# back to the values of s, which is never lifted
	local n k
	for n in "$@"; do
		for k in $limit_keys; do
			x "$n" sysctl -qw "$k=$(x s sysctl -n "$k")"
		done
	done
}

case $cmd in
up) up ;;
down) down ;;
lift) shift 2; lift "$@" ;;
limit) shift 2; limit "$@" ;;
*) echo "usage: topo.sh up|down|lift|limit PREFIX [NODE...]" >&2; exit 2 ;;
esac
