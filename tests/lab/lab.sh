#!/bin/bash
# The seed topology of DESIGN.md section 1 in network namespaces with real
# BGP (bird2), real sshd "Junos" devices and the Azure mock.
#
#   lab.sh up | down | status | trace [TARGET]
#   lab.sh exec NODE CMD...          run CMD inside NODE's namespace
#   lab.sh birdc NODE CMD...         birdc on NODE's control socket
#   lab.sh ssh NODE CMD...           CMD on device NODE over SSH from srv
#   lab.sh peering [NAME] Enabled|Disabled
#                                    what the ARM mock's --on-change hook
#                                    calls: the MSEEs shut/enable their BGP
#                                    sessions to the CEs
#   lab.sh break-vpn | fix-vpn       one VPN BGP session (fw tun1) down/up
#   lab.sh wait-routes ER|VPN        wait until fw and gw route via it
#
# Environment: LAB_PREFIX (namespace prefix, default "fdlab-"), LAB_STATE
# (state dir, default /run/<prefix without the dash>), LAB_NO_SSH=1 and
# LAB_NO_MOCK=1 to skip those parts.
#
# Nodes and addresses (DESIGN.md section 1):
#   srv   10.1.11.10/25                          test server, runs the tool
#   fw    10.1.11.1 | 192.168.11.1/31 (ce1) | 192.168.11.3/31 (ce2)
#         st0-0, st0-1: VPN tunnels, local 192.168.11.88, peers .76/.77
#   ce1   192.168.11.0/31 | 192.168.11.17/30     AS 65020
#   ce2   192.168.11.2/31 | 192.168.11.21/30     AS 65020
#   msee1 192.168.11.18/30 | 172.31.11.1/30      AS 12076 (primary)
#   msee2 192.168.11.22/30 | 172.31.11.5/30      AS 12076 (secondary)
#   gw    172.31.11.2, 172.31.11.6 (ExpressRoute gateway side),
#         10.17.11.76/.77 (VPN gateway instances), 10.17.11.129/26;
#         AS 65515; its own hop is silent (time-exceeded dropped)
#   vm    10.17.11.132/26                        spoke test VM
#   branch 10.17.12.4/25  a branch VNet behind the gateway that on-prem
#         must NOT reach (not advertised: no transit), for matrix drills
#
# Routing policy: the CEs set local-pref 150 on routes from the MSEEs, so
# fw prefers them to the VPN (100); gw sets local-pref 200 on routes from
# the MSEEs (Azure prefers ExpressRoute for equal prefixes), so the return
# path is symmetric.  The MSEEs strip the private AS 65515 towards the CEs
# as Microsoft does, so fw sees "12076 I" via ExpressRoute and "65515 I"
# via the VPN.
#
# Everything lives in namespaces named $LAB_PREFIX<node>; veth ends are
# created directly inside them, so nothing is added to the host namespace.
# Cleanup is by the PIDs inside those namespaces and by namespace name.

set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_ROOT=$(cd "$LAB_DIR/../.." && pwd)
P=${LAB_PREFIX:-fdlab-}
S=${LAB_STATE:-/run/${P%-}}
NODES="srv fw ce1 ce2 msee1 msee2 gw vm win branch"
BIRD_NODES="fw ce1 ce2 msee1 msee2 gw"
SSH_NODES="fw ce1 ce2"
UP_TIMEOUT=${LAB_UP_TIMEOUT:-45}
ARM_PORT=8443

log() { printf 'lab: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
ns() { printf '%s%s' "$P" "$1"; }
nsx() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }
sock() { printf '%s/%s/bird.ctl' "$S" "$1"; }
bc() { local n=$1; shift; birdc -s "$(sock "$n")" "$@"; }

# Monotonic-enough deadline helpers (bash SECONDS is per process).
deadline() { echo $((SECONDS + $1)); }

ns_exists() { ip netns list | awk '{print $1}' | grep -qx "$(ns "$1")"; }

# ---------------------------------------------------------------- topology

# link A IFA ADDR_A B IFB ADDR_B: a veth pair created inside both namespaces.
link() {
	ip link add "$2" netns "$(ns "$1")" type veth \
	    peer name "$5" netns "$(ns "$4")"
	if [ -n "$3" ]; then ip -n "$(ns "$1")" addr add "$3" dev "$2"; fi
	if [ -n "$6" ]; then ip -n "$(ns "$4")" addr add "$6" dev "$5"; fi
	ip -n "$(ns "$1")" link set "$2" up
	ip -n "$(ns "$4")" link set "$5" up
}

make_namespaces() {
	local n
	for n in $NODES; do
		ip netns add "$(ns "$n")"
		ip -n "$(ns "$n")" link set lo up
		# Strict as production (issue 9): the kernel's default ICMP
		# limits stay (icmp_ratelimit 1000 ms per peer after a burst of
		# 6 for unreachable and time-exceeded, icmp_msgs_per_sec 1000
		# per namespace); the tool must cope, the lab never lifts them.
		nsx "$n" sysctl -qw net.ipv4.ip_forward=1 \
		    net.ipv4.conf.all.rp_filter=0 \
		    net.ipv4.conf.default.rp_filter=0 \
		    net.ipv6.conf.all.disable_ipv6=1 \
		    net.ipv6.conf.default.disable_ipv6=1
	done
	nsx srv sysctl -qw net.ipv4.ip_forward=0 net.ipv4.ping_group_range="0 2147483647"
	nsx vm sysctl -qw net.ipv4.ip_forward=0
	nsx win sysctl -qw net.ipv4.ip_forward=0
	nsx branch sysctl -qw net.ipv4.ip_forward=0
}

make_links() {
	link srv eth0 10.1.11.10/25        fw ge-0-0-0 10.1.11.1/25
	link fw ge-0-0-1 192.168.11.1/31   ce1 ge-0-0-0 192.168.11.0/31
	link fw ge-0-0-2 192.168.11.3/31   ce2 ge-0-0-0 192.168.11.2/31
	link ce1 ge-0-0-1 192.168.11.17/30 msee1 ce1 192.168.11.18/30
	link ce2 ge-0-0-1 192.168.11.21/30 msee2 ce2 192.168.11.22/30
	link msee1 azgw 172.31.11.1/30     gw ergw0 172.31.11.2/30
	link msee2 azgw 172.31.11.5/30     gw ergw1 172.31.11.6/30
	link gw vm0 10.17.11.129/26        vm eth0 10.17.11.132/26
	link gw branch0 10.17.12.1/25      branch eth0 10.17.12.4/25
	# The two active-active VPN tunnels: point-to-point veths, the
	# on-prem BGP address 192.168.11.88 on both fw ends.  The emulator
	# shows st0-N as st0.N.
	link fw st0-0 "" gw vti0 ""
	link fw st0-1 "" gw vti1 ""
	ip -n "$(ns fw)" addr add 192.168.11.88/32 peer 10.17.11.76/32 dev st0-0
	ip -n "$(ns fw)" addr add 192.168.11.88/32 peer 10.17.11.77/32 dev st0-1
	ip -n "$(ns gw)" addr add 10.17.11.76/32 peer 192.168.11.88/32 dev vti0
	ip -n "$(ns gw)" addr add 10.17.11.77/32 peer 192.168.11.88/32 dev vti1
	# Both gw instances reach 192.168.11.88; the one sourced from .77
	# must leave by its own tunnel.
	ip -n "$(ns gw)" route add 192.168.11.88/32 dev vti1 table 77
	ip -n "$(ns gw)" rule add from 10.17.11.77 table 77 pref 100

	ip -n "$(ns srv)" route add default via 10.1.11.1
	ip -n "$(ns vm)" route add default via 10.17.11.129
	ip -n "$(ns branch)" route add default via 10.17.12.1

	# The Azure gateway's own hop is silent, as in the seed trace.
	nsx gw iptables -w 5 -A OUTPUT -p icmp --icmp-type time-exceeded -j DROP

	# Edge routers police the time-exceeded they generate (Junos
	# ddos-protection / MX loopback policers; Azure MSEEs): about 2/s
	# with a small burst per destination, dropped above that.
	local m
	for m in msee1 msee2; do
		nsx "$m" iptables -w 5 -A OUTPUT -p icmp \
		    --icmp-type time-exceeded -m hashlimit \
		    --hashlimit-above 2/second --hashlimit-burst 2 \
		    --hashlimit-mode dstip --hashlimit-name te-police -j DROP
	done

	make_win

	# On-prem must not reach the branch VNet: the firewall rejects it by
	# policy, as an SRX would.  A "no route" unreachable would come from
	# ip_error(), rate-limited by a host-global token bucket
	# (net.ipv4.route.error_cost, not per namespace) that silences it after
	# a few traces; a REJECT goes through icmp_send() and the
	# per-namespace default limits.
	ip -n "$(ns fw)" link add blk0 type veth peer name blk1
	ip -n "$(ns fw)" link set blk0 up
	ip -n "$(ns fw)" link set blk1 up
	ip -n "$(ns fw)" route add 10.17.12.0/24 dev blk0
	nsx fw iptables -w 5 -A FORWARD -d 10.17.12.0/24 \
	    -j REJECT --reject-with icmp-net-unreachable

	mkdir -p "$S"
	printf '%s\n' 'st0-0 st0.0' 'st0-1 st0.1' 'ge-0-0-0 ge-0/0/0.0' \
	    'ge-0-0-1 ge-0/0/1.0' 'ge-0-0-2 ge-0/0/2.0' >"$S/ifmap"
}

# ------------------------------------------------------ Windows-like spoke VM

# A second spoke target 10.17.11.133 that behaves like a Windows VM with its
# default firewall: inbound ICMP echo and UDP dropped, closed TCP ports
# dropped (no RST), RDP 3389 answered by a listener.  It hangs off gw on its
# own veth with a host route (gw answers ARP for 10.17.11.129 on any
# interface, Linux arp_ignore=0).
make_win() {
	link gw win0 "" win eth0 10.17.11.133/26
	ip -n "$(ns gw)" route add 10.17.11.133/32 dev win0
	ip -n "$(ns win)" route add default via 10.17.11.129 dev eth0 onlink
	nsx win iptables -w 5 -A INPUT -p icmp --icmp-type echo-request -j DROP
	nsx win iptables -w 5 -A INPUT -p udp -j DROP
	nsx win iptables -w 5 -A INPUT -p tcp --dport 3389 -j ACCEPT
	nsx win iptables -w 5 -A INPUT -p tcp --syn -j DROP
	mkdir -p "$S/win"
	# Accept and close at once; killed by PID (kill_ns_pids, win.pid).
	nsx win python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.17.11.133", 3389))
s.listen(128)
while True:
    c, _ = s.accept()
    c.close()
' >/dev/null 2>&1 &
	echo $! >"$S/win/listener.pid"
}

# ------------------------------------------------------------------- bird

bird_common() {
	# $1 node, $2 router id
	cat <<EOF
# Generated by tests/lab/lab.sh for $1.
log "$S/$1/bird.log" all;
timeformat log "%F %T.%3f";
router id $2;
define ONPREM = [ 10.1.11.0/25+ ];
define AZURE = [ 10.17.11.0/25+, 10.17.11.128/26+ ];
protocol device { scan time 10; }
# Only BGP routes go to the kernel; connected routes are the kernel's own.
# debug routes: every FIB change is logged with a ms timestamp; bench/
# reads these lines as the ground truth of failover time.
protocol kernel {
	ipv4 { import none; export where source = RTS_BGP; };
	debug { routes };
}
template bgp lab_bgp {
	debug { states, routes };
	connect delay time 1;
	connect retry time 2;
	error wait time 1, 5;
	hold time 30;
	keepalive time 10;
}
EOF
}

bird_conf_fw() {
	bird_common fw 10.1.11.1
	cat <<'EOF'
protocol static onprem {
	ipv4;
	route 10.1.11.0/25 via "ge-0-0-0";
}
# iBGP to the CEs over direct links ("direct;" or bird wants an IGP).
template bgp ibgp_ce from lab_bgp {
	local as 65020;
	direct;
	ipv4 { import all; export where net ~ ONPREM; next hop self; };
}
protocol bgp ce1 from ibgp_ce { neighbor 192.168.11.0 as 65020; }
protocol bgp ce2 from ibgp_ce { neighbor 192.168.11.2 as 65020; }
# The VPN: fw only listens, so the gateway's two sessions to the same
# neighbour 192.168.11.88 are told apart by their source addresses.
template bgp tun_t from lab_bgp {
	local 192.168.11.88 as 65020;
	passive;
	ipv4 { import all; export where net ~ ONPREM; };
}
protocol bgp tun0 from tun_t { neighbor 10.17.11.76 as 65515; }
protocol bgp tun1 from tun_t { neighbor 10.17.11.77 as 65515; }
EOF
}

bird_conf_ce() {
	# $1 node, $2 own fw-side address, $3 fw address, $4 own MSEE-side
	# address, $5 MSEE address, $6 msee node name
	bird_common "$1" "$2"
	cat <<EOF
protocol bgp fw from lab_bgp {
	local $2 as 65020;
	neighbor $3 as 65020;
	direct;
	ipv4 { import all; export where source = RTS_BGP; next hop self; };
}
# ExpressRoute: local-pref 150 so fw prefers it over the VPN (100).
protocol bgp $6 from lab_bgp {
	local $4 as 65020;
	neighbor $5 as 12076;
	ipv4 {
		import filter { bgp_local_pref = 150; accept; };
		export where net ~ ONPREM;
	};
}
EOF
}

bird_conf_msee() {
	# $1 node, $2 own CE-side address, $3 CE address, $4 CE node,
	# $5 own gw-side address, $6 gw address
	bird_common "$1" "$2"
	cat <<EOF
protocol bgp $4 from lab_bgp {
	local $2 as 12076;
	neighbor $3 as 65020;
	ipv4 {
		import where net ~ ONPREM;
		# Microsoft removes the gateway's private AS towards the CE.
		export filter { bgp_path = delete(bgp_path, 65515); accept; };
	};
}
protocol bgp azgw from lab_bgp {
	local $5 as 12076;
	neighbor $6 as 65515;
	ipv4 { import where net ~ AZURE; export where net ~ ONPREM; };
}
EOF
}

bird_conf_gw() {
	bird_common gw 10.17.11.76
	cat <<'EOF'
protocol static azure {
	ipv4;
	route 10.17.11.0/25 unreachable;
	route 10.17.11.128/26 unreachable;
}
# Azure prefers ExpressRoute for equal prefixes.
template bgp msee_t from lab_bgp {
	local as 65515;
	ipv4 {
		import filter { bgp_local_pref = 200; accept; };
		export where source = RTS_STATIC;
	};
}
protocol bgp msee1 from msee_t { local 172.31.11.2; neighbor 172.31.11.1 as 12076; }
protocol bgp msee2 from msee_t { local 172.31.11.6; neighbor 172.31.11.5 as 12076; }
template bgp tun_t from lab_bgp {
	local as 65515;
	ipv4 { import all; export where source = RTS_STATIC; };
}
protocol bgp tun0 from tun_t { local 10.17.11.76; neighbor 192.168.11.88 as 65020; interface "vti0"; }
protocol bgp tun1 from tun_t { local 10.17.11.77; neighbor 192.168.11.88 as 65020; interface "vti1"; }
EOF
}

start_bird() {
	local n
	for n in $BIRD_NODES; do
		mkdir -p "$S/$n"
		case $n in
		fw) bird_conf_fw ;;
		ce1) bird_conf_ce ce1 192.168.11.0 192.168.11.1 \
		    192.168.11.17 192.168.11.18 msee1 ;;
		ce2) bird_conf_ce ce2 192.168.11.2 192.168.11.3 \
		    192.168.11.21 192.168.11.22 msee2 ;;
		msee1) bird_conf_msee msee1 192.168.11.18 192.168.11.17 ce1 \
		    172.31.11.1 172.31.11.2 ;;
		msee2) bird_conf_msee msee2 192.168.11.22 192.168.11.21 ce2 \
		    172.31.11.5 172.31.11.6 ;;
		gw) bird_conf_gw ;;
		esac >"$S/$n/bird.conf"
		nsx "$n" bird -c "$S/$n/bird.conf" -s "$(sock "$n")" \
		    -P "$S/$n/bird.pid"
	done
}

# bgp_states NODE: "proto state" per BGP protocol.
bgp_states() {
	bc "$1" show protocols 2>/dev/null |
	    awk '$2 == "BGP" { print $1, $4, ($6 == "" ? "-" : $6) }'
}

# wait_established NODE PROTO... within $UP_TIMEOUT.
wait_established() {
	local n=$1 p end
	shift
	end=$(deadline "$UP_TIMEOUT")
	for p in "$@"; do
		until bc "$n" show protocols "$p" 2>/dev/null |
		    grep -q Established; do
			[ "$SECONDS" -lt "$end" ] ||
			    die "$n: BGP $p not Established after ${UP_TIMEOUT}s"
			sleep 0.2
		done
	done
}

wait_all_established() {
	wait_established fw ce1 ce2 tun0 tun1
	wait_established ce1 fw msee1
	wait_established ce2 fw msee2
	wait_established msee1 ce1 azgw
	wait_established msee2 ce2 azgw
	wait_established gw msee1 msee2 tun0 tun1
}

# route_dev NODE PREFIX: the kernel's outgoing device for PREFIX.
route_dev() {
	ip -n "$(ns "$1")" -4 route show exact "$2" 2>/dev/null |
	    sed -n 's/.* dev \([^ ]*\).*/\1/p' | head -1
}

# wait_routes ER|VPN: both ends route the seed's prefixes over that path.
wait_routes() {
	local want=$1 end f g
	end=$(deadline "$UP_TIMEOUT")
	while :; do
		f=$(route_dev fw 10.17.11.128/26)
		g=$(route_dev gw 10.1.11.0/25)
		case $want in
		ER) [ "$f" = ge-0-0-1 ] && [ "$g" = ergw0 ] && return 0 ;;
		VPN) [[ $f == st0-* ]] && [[ $g == vti* ]] && return 0 ;;
		*) die "wait-routes ER|VPN" ;;
		esac
		[ "$SECONDS" -lt "$end" ] ||
		    die "routes not via $want after ${UP_TIMEOUT}s (fw: $f, gw: $g)"
		sleep 0.1
	done
}

# ----------------------------------------------------------- processes

# kill_ns_pids NS: every process inside one of our namespaces, by PID.
kill_ns_pids() {
	local nsname=$1 pids i
	pids=$(ip netns pids "$nsname" 2>/dev/null || true)
	[ -n "$pids" ] || return 0
	kill $pids 2>/dev/null || true
	for i in $(seq 1 30); do
		pids=$(ip netns pids "$nsname" 2>/dev/null || true)
		[ -n "$pids" ] || return 0
		sleep 0.1
	done
	kill -9 $pids 2>/dev/null || true
	sleep 0.1
}

lab_down() {
	local n
	for n in $NODES; do
		ns_exists "$n" || continue
		kill_ns_pids "$(ns "$n")"
	done
	# Processes started by the lab that left the namespaces' pid lists
	# (none expected) are killed by their PID files.
	if [ -d "$S" ]; then
		local f pid
		for f in "$S"/*/*.pid "$S"/*.pid; do
			[ -f "$f" ] || continue
			pid=$(cat "$f" 2>/dev/null || true)
			if [[ $pid =~ ^[0-9]+$ ]]; then kill "$pid" 2>/dev/null || true; fi
		done
	fi
	for n in $NODES; do
		if ns_exists "$n"; then ip netns del "$(ns "$n")"; fi
	done
	rm -rf "$S"
}

lab_is_up() {
	[ -f "$S/up" ] || return 1
	local n
	for n in $NODES; do ns_exists "$n" || return 1; done
	for n in $BIRD_NODES; do bc "$n" show status >/dev/null 2>&1 || return 1; done
	return 0
}

lab_up() {
	if lab_is_up; then
		log "already up (prefix $P, state $S)"
		return 0
	fi
	lab_down
	local t0=$SECONDS
	mkdir -p "$S"
	make_namespaces
	make_links
	start_bird
	wait_all_established
	wait_routes ER
	if [ "${LAB_NO_SSH:-0}" != 1 ]; then
		. "$LAB_DIR/ssh.sh"
		ssh_up
	fi
	if [ "${LAB_NO_MOCK:-0}" != 1 ] && [ -f "$SRC_ROOT/tests/mock/arm_mock.py" ]; then
		. "$LAB_DIR/arm.sh"
		arm_up
	fi
	write_env
	touch "$S/up"
	log "up in $((SECONDS - t0)) s (prefix $P, state $S)"
}

write_env() {
	{
		echo "# Generated by tests/lab/lab.sh: source it."
		echo "LAB_PREFIX=$P"
		echo "LAB_STATE=$S"
		echo "LAB_SRV_NS=$(ns srv)"
		echo "LAB_ARM_PORT=$ARM_PORT"
		if [ -f "$S/env.d" ]; then cat "$S/env.d"; fi
	} >"$S/lab.env"
	chmod 600 "$S/lab.env"
}

lab_status() {
	local n
	if ! lab_is_up; then
		echo "lab $P: down"
		return 1
	fi
	echo "lab $P: up (state $S)"
	for n in $BIRD_NODES; do
		printf '%-6s' "$n"
		bgp_states "$n" | awk '{ printf " %s:%s", $1, $3 } END { print "" }'
	done
	printf 'fw  10.17.11.128/26 via %s; gw 10.1.11.0/25 via %s\n' \
	    "$(route_dev fw 10.17.11.128/26)" "$(route_dev gw 10.1.11.0/25)"
}

# peering [NAME] Enabled|Disabled: what disabling the private peering does
# to the data plane: the MSEEs' BGP sessions to the CEs go down.
lab_peering() {
	local state=${!#} act
	case $state in
	Enabled|enabled) act=enable ;;
	Disabled|disabled) act=disable ;;
	*) die "peering [NAME] Enabled|Disabled" ;;
	esac
	# Both MSEEs at once, as one ARM operation takes both links down.
	bc msee1 "$act" ce1 >/dev/null &
	bc msee2 "$act" ce2 >/dev/null &
	wait
	echo "$(date +%s.%N) peering $state" >>"$S/peering.log"
	log "peering $state: MSEE-CE sessions ${act}d"
}

case ${1:-} in
up) lab_up ;;
down) lab_down ;;
status) lab_status ;;
exec) shift; [ $# -ge 2 ] || die "exec NODE CMD..."; nsx "$@" ;;
birdc) shift; [ $# -ge 1 ] || die "birdc NODE CMD..."; bc "$@" ;;
ssh) shift; [ $# -ge 2 ] || die "ssh NODE CMD..."; . "$LAB_DIR/ssh.sh"; ssh_cmd "$@" ;;
trace) nsx srv traceroute -n -q1 -w1 -m8 "${2:-10.17.11.132}" ;;
peering) shift; [ $# -ge 1 ] || die "peering [NAME] Enabled|Disabled"; lab_peering "$@" ;;
break-vpn) bc fw disable tun1 >/dev/null; log "VPN: fw tun1 disabled" ;;
fix-vpn) bc fw enable tun1 >/dev/null; wait_established fw tun1; log "VPN: fw tun1 up" ;;
wait-routes) wait_routes "${2:-ER}" ;;
*) echo "usage: lab.sh up|down|status|trace|exec NODE CMD...|birdc NODE CMD...|" \
    "peering [NAME] Enabled|Disabled|break-vpn|fix-vpn|wait-routes ER|VPN" >&2
   exit 2 ;;
esac
