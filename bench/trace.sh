#!/bin/bash
# Wall time of one trace over a 5-hop namespace path with one silent hop:
# the native tracer (failover-drill trace, 3 probes per hop, 2 flows)
# against Linux traceroute -n with 3 probes per hop, with mtr -r -c1 -n and
# scamper udp-paris beside them.  Prints medians and ratios in one run.
# Needs root; not a test.  Every router keeps the kernel's default ICMP
# limits (issue 9): runs are spaced 6.5 s apart, untimed, so that every
# run of every tool meets full buckets, as one trace on a quiet network.
#
#   bench/trace.sh [RUNS] [FD_BIN]      default 5 runs, build-probe's binary
#
# Every tool runs INSIDE the source namespace and probes only addresses
# of the namespaces this script creates (tests/probe/topo.sh); they are
# deleted on exit, whatever happens.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
fd=${2:-${FD_BIN:-$root/build-probe/failover-drill}}
pfx="fdt-probe-bench-$$"
dst=10.201.7.2
q=3
flows=2
gap=${GAP:-6.5}	# s between runs: a Linux router's burst of 6 refilled

[ "$(id -u)" -eq 0 ] || { echo "bench/trace.sh: needs root" >&2; exit 2; }
[ -x "$fd" ] || { echo "bench/trace.sh: no $fd (build first)" >&2; exit 2; }

cleanup() { set +e; bash "$root/tests/probe/topo.sh" down "$pfx"; }
trap cleanup EXIT
trap "exit 1" INT TERM HUP
bash "$root/tests/probe/topo.sh" up "$pfx"

# Median ms of wall time of one command over $runs runs, all run from one
# shell INSIDE the source namespace (so `ip netns exec` itself is not
# counted, nor its noise).  Medians, since other work on the host adds
# outliers.
bench() {	# name, command...
	local name=$1 all
	shift
	all=$(timeout 900 ip netns exec "$pfx-s" bash -c '
		n=$1; g=$2; shift 2
		for i in $(seq "$n"); do
			sleep "$g"
			s=$(date +%s%N)
			"$@" >/dev/null 2>&1
			e=$(date +%s%N)
			echo $(((e - s) / 1000))
		done' bench "$runs" "$gap" "$@" | tr '\n' ' ')
	printf '%-40s median %8.1f ms  (min %.1f) over %d runs\n' "$name" \
	    "$(echo "$all" | median | awk '{print $1 / 1000}')" \
	    "$(echo "$all" | tr ' ' '\n' | grep . | sort -n | head -1 | awk '{print $1 / 1000}')" \
	    "$runs" >&2
	echo "$all" | median | awk '{printf "%d", $1 / 1000}'
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

echo "path: s -> r1 -> r2a|r2b (ECMP) -> r3 (silent) -> r4 -> d ($dst)," \
    "$q probes per hop, native $flows flows, kernel ICMP limits," \
    "$runs runs each, $gap s apart" >&2
# Warm the neighbour caches so the first tool does not pay for ARP.
ip netns exec "$pfx-s" "$fd" trace -q 1 "$dst" >/dev/null

native=$(bench "failover-drill trace -q $q --flows $flows" "$fd" trace \
    -q "$q" --flows "$flows" "$dst")
tmin=$(dirname "$fd")/tests/probe/trace_min
if [ -x "$tmin" ]; then
	mini=$(bench "trace_min trace -q $q --flows $flows (same code, jansson only)" \
	    "$tmin" trace -q "$q" --flows "$flows" "$dst")
else
	mini=0
fi
trt=$(bench "traceroute -n -q $q (2.1.2)" traceroute -n -q "$q" "$dst")
mtr=$(bench "mtr -r -c1 -n" mtr -r -c1 -n "$dst")
if command -v scamper >/dev/null; then
	scamper=$(bench "scamper trace -P udp-paris" scamper -O text \
	    -c "trace -P udp-paris" -i "$dst")
else
	scamper=0
fi

# Process start-up alone (exec, dynamic linking: failover-drill links
# libcurl, libssh2, jansson ...), measured the same way, so the time spent
# tracing can be told apart from the time spent starting.
fd_start=$(gap=0 bench "failover-drill --version (start-up)" "$fd" --version)
trt_start=$(gap=0 bench "traceroute --version (start-up)" traceroute --version)
internal=""
for i in $(seq "$runs"); do
	sleep "$gap"
	internal="$internal $(ip netns exec "$pfx-s" "$fd" trace --json -q "$q" \
	    --flows "$flows" "$dst" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"]["wall_ms"])')"
done
internal=$(echo "$internal" | median)
printf '%-40s median %6d ms\n' "native tracer, inside the process" \
    "$internal" >&2

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }
echo "ratios (native / other; <= 1.0 means native is as fast or faster):"
echo "  native / traceroute -n : $(ratio "$native" "$trt")  ($native ms vs $trt ms)"
echo "  native / mtr -r -c1    : $(ratio "$native" "$mtr")  ($native ms vs $mtr ms)"
echo "  native / scamper       : $(ratio "$native" "$scamper")  ($native ms vs $scamper ms)"
nnet=$((native - fd_start)); tnet=$((trt - trt_start))
[ "$nnet" -gt 0 ] || nnet=0
[ "$tnet" -gt 0 ] || tnet=1
echo "  trace_min / traceroute: $(ratio "$mini" "$trt")  ($mini ms vs $trt ms; the same tracer without the drill's libraries)"
echo "  net of start-up        : $(ratio "$nnet" "$tnet")  ($nnet ms vs $tnet ms)"
echo "  tracer (in-process) / traceroute net: $(ratio "$internal" "$tnet")  ($internal ms vs $tnet ms)"
ok=$(awk -v a="$native" -v b="$trt" 'BEGIN { print (a <= b) ? "yes" : "no" }')
echo "native <= 1.0 x traceroute (whole command): $ok"
ok=$(awk -v a="$mini" -v b="$trt" 'BEGIN { print (a > 0 && a <= b) ? "yes" : "no" }')
echo "native tracer binary (trace_min) <= 1.0 x traceroute (whole command): $ok"
ok=$(awk -v a="$nnet" -v b="$tnet" 'BEGIN { print (a <= b) ? "yes" : "no" }')
echo "native <= 1.0 x traceroute (net of start-up): $ok"
echo "sample native trace:"
sleep "$gap"
ip netns exec "$pfx-s" "$fd" trace -q "$q" --flows "$flows" "$dst"
