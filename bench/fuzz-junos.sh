#!/bin/sh
# Fuzz every Junos parser (fuzz/fuzz_junos_*.c) for at least 5 minutes each
# (not part of CI).
#
#   bench/fuzz-junos.sh [SECONDS] [JOBS]   default 300 s (minimum 300),
#                                          JOBS harnesses at a time
#                                          (default: number of CPUs)
#
# Builds build-fuzz-junos (clang, ASan+UBSan) when needed, seeds each
# corpus from the real outputs in $FD_REFERENCE/outputs/junos (default
# ../shared/reference) and past crashes (tests/junos/fuzz-regress), and
# prints one line per harness and a summary.
# Crashes stay in build-fuzz-junos/fuzz-out/<harness>/.  FUZZ_MIN=0 lifts
# the 5-minute floor for a quick smoke run.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-300}
min=${FUZZ_MIN:-300}
[ "$secs" -ge "$min" ] 2>/dev/null || secs=$min
jobs=${2:-$(nproc)}
ref=${FD_REFERENCE:-$root/../shared/reference}
build="$root/build-fuzz-junos"
out="$build/fuzz-out"

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$root" -Dfuzz=true -Dtests=disabled \
	    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null ||
	    exit 2
fi
harnesses=$(ls "$root"/fuzz/fuzz_junos_*.c | sed 's|.*/fuzz_||; s|\.c$||')
for h in $harnesses; do
	ninja -C "$build" "fuzz/fuzz_$h" >/dev/null || exit 2
done

# Every harness gets every reference file: cross-format inputs are good
# seeds too (a JSON parser fed text must fail cleanly).
seed() {
	mkdir -p "$out/$1/corpus"
	cp "$ref"/outputs/junos/* "$root"/tests/junos/fuzz-regress/* \
	    "$out/$1/corpus/" 2>/dev/null
	chmod u+w "$out/$1/corpus"/* 2>/dev/null
}

run() {
	h=$1
	seed "$h"
	mkdir -p "$out/$h/crashes"
	# -timeout=120: a unit takes milliseconds, but on a loaded shared
	# box a starved process trips libFuzzer's default alarm spuriously.
	if "$build/fuzz/fuzz_$h" -max_total_time="$secs" -timeout=120 \
	    -rss_limit_mb=2048 -max_len=262144 \
	    -artifact_prefix="$out/$h/crashes/" "$out/$h/corpus" \
	    >"$out/$h/log" 2>&1; then
		echo "PASS $h ($(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' \
		    "$out/$h/log") runs in ${secs}s)"
	else
		echo "FAIL $h (see $out/$h/log)"
	fi
}

rm -rf "$out"
mkdir -p "$out"
: >"$out/summary"
running=0
for h in $harnesses; do
	(run "$h" >>"$out/summary") &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait
sort "$out/summary"
p=$(grep -c '^PASS' "$out/summary")
f=$(grep -c '^FAIL' "$out/summary")
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
