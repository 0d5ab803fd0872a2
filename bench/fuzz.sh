#!/bin/sh
# Run every libFuzzer harness for at least 60 s each (not part of CI).
#
#   bench/fuzz.sh [SECONDS]      default 60, minimum 60
#
# Builds build-fuzz (clang, ASan+UBSan) when needed, seeds the corpora from
# the shipped drills, the golden bad specs and the seed traces, and ends
# with one line per harness and a "N passed, N failed" summary.  Crashes
# are kept under build-fuzz/fuzz-out/<harness>/.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
[ "$secs" -ge 60 ] 2>/dev/null || secs=60
build="$root/build-fuzz"
out="$build/fuzz-out"

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$root" -Dfuzz=true \
	    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null ||
	    exit 2
fi
harnesses=$(sed -n "s/^  '\([a-z_0-9]*\)',$/\1/p" "$root/fuzz/meson.build")
# Only the harnesses: the rest of the tree has its own CI.
for h in $harnesses; do
	ninja -C "$build" "fuzz/fuzz_$h" >/dev/null || exit 2
done

seed() {
	dir="$out/$1/corpus"
	mkdir -p "$dir"
	case $1 in
	spec)
		cp "$root"/drills/*.json "$root"/tests/golden/spec/*.json \
		    "$dir"/ 2>/dev/null
		;;
	hop_pattern)
		i=0
		for p in '10.1.11.1' '192.168.11.16/30' '@msee' '*' '?' \
		    '...' '2001:db8::/64' \
		    '10.1.11.1, 192.168.11.0, 192.168.11.18, *, 10.17.11.132' \
		    '10.1.11.1, *, 10.17.11.132' '10.0.0.1|10.0.0.2, *'; do
			i=$((i + 1))
			printf '%s' "$p" >"$dir/seed$i"
		done
		;;
	esac
}

pass=0
fail=0
for h in $harnesses; do
	bin="$build/fuzz/fuzz_$h"
	[ -x "$bin" ] || { echo "fuzz_$h: not built"; fail=$((fail + 1)); continue; }
	seed "$h"
	mkdir -p "$out/$h/crashes"
	log="$out/$h/log"
	start=$(date +%s)
	if (cd "$out/$h/crashes" && UBSAN_OPTIONS=halt_on_error=1 \
	    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 "$out/$h/corpus" >"$log" 2>&1); then
		pass=$((pass + 1))
		res=ok
	else
		fail=$((fail + 1))
		res="FAILED (see $log)"
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	echo "fuzz_$h: $res, $(( $(date +%s) - start )) s, ${runs:-?} runs, ${cov:-cov: ?}"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
