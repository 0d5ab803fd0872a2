#!/bin/bash
# Switch-time accuracy of the continuous prober: swap a route at a known
# instant in a namespace topology and compare the instant the prober saw
# the path leave the old branch with the truth.  Needs root; not a test.
#
#   bench/prober.sh [RUNS] [RATE_HZ] [BUILD_DIR]   default 5, 20, build-probe
#
# Topology: tests/probe/topo.sh.  The prober runs in the source namespace
# with a TTL-2 probe (answered by r2a or r2b) and an end-to-end probe to d.
# r1's default route is flipped between r2a and r2b by route_swap.py, which
# timestamps the change with CLOCK_MONOTONIC (the prober's clock).
# Target: |measured - truth| <= 50 ms.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
rate=${2:-20}
build=${3:-$root/build-probe}
watch="$build/tests/probe/probe_watch"
pfx="fdt-probe-pbench-$$"
dst=10.201.7.2
r2a=10.201.2.2
r2b=10.201.3.2
tmp=$(mktemp -d)

[ "$(id -u)" -eq 0 ] || { echo "bench/prober.sh: needs root" >&2; exit 2; }
[ -x "$watch" ] || { echo "bench/prober.sh: no $watch (build first)" >&2; exit 2; }

cleanup() {
	set +e
	if [ -n "${wpid:-}" ]; then kill "$wpid" 2>/dev/null; fi
	bash "$root/tests/probe/topo.sh" down "$pfx"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap "exit 1" INT TERM HUP
bash "$root/tests/probe/topo.sh" up "$pfx"
# This bench times the switch by the TTL responder's answer in every slot
# (probe_watch's pre-issue-9 prober): hop 2 and d answer at any rate here.
bash "$root/tests/probe/topo.sh" lift "$pfx" r2a r2b d
ip -n "$pfx-r1" route replace default via "$r2a"

echo "prober at $rate/s, TTL-2 probe; route r1 -> r2a swapped to r2b" \
    "(and back) at a known instant; $runs runs each way"
worst=0
for i in $(seq "$runs"); do
	for dir in leave return; do
		if [ $dir = leave ]; then from=$r2a; to=$r2b; else from=$r2b; to=$r2a; fi
		# The set passed is always r2a: failover leaves it, failback
		# returns to it.
		ip netns exec "$pfx-s" "$watch" "$dst" 2 "$rate" 5000 \
		    "$tmp/t0" "$r2a" 300 $([ $dir = return ] && echo return) \
		    >"$tmp/out" 2>"$tmp/err" &
		wpid=$!
		sw=$(python3 "$root/tests/probe/route_swap.py" "$pfx-r1" 1.0 \
		    "$tmp/t0" "$dst" route replace default via "$to")
		wait "$wpid" || { cat "$tmp/err" >&2; exit 1; }
		wpid=
		set -- $sw
		swap_ms=$(awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }')
		first=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["left_delta_ms"])' "$tmp/out")
		delta=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["left_mid_delta_ms"])' "$tmp/out")
		ok=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("yes" if d["left"] and d["stable"] else "NO")' "$tmp/out")
		lost=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%d/%d" % (d["lost"], d["sent"]))' "$tmp/out")
		abs=${delta#-}
		[ "$abs" -gt "$worst" ] && worst=$abs
		[ "$ok" = yes ] || worst=99999
		printf 'run %d %-6s: swap took %5s ms; switch estimated at %+4d ms (first new-path sample %+4d ms); left+stable %s; lost %s\n' \
		    "$i" "$dir" "$swap_ms" "$delta" "$first" "$ok" "$lost"
	done
done
echo "worst |estimated - truth| = $worst ms (target <= 50 ms):" \
    "$([ "$worst" -le 50 ] && echo ok || echo MISSED)"
