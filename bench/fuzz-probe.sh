#!/bin/sh
# Run the trace importer harnesses (fuzz/fuzz_import_*.c); not part of CI.
#
#   bench/fuzz-probe.sh [SECONDS]     per harness, default 30
#
# Builds build-fuzz-probe (clang, ASan+UBSan) when needed, seeds every
# corpus with the real outputs of $FD_REFERENCE/outputs/traceroute (default
# ../shared/reference), and prints one line per harness and a summary.
# Crashes stay under build-fuzz-probe/fuzz-out/<harness>/.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-30}
ref=${FD_REFERENCE:-$root/../shared/reference}
build="$root/build-fuzz-probe"
out="$build/fuzz-out"

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$root" -Dfuzz=true -Dtests=disabled \
	    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null ||
	    exit 2
fi
pass=0
fail=0
for h in import_traceroute import_tracert import_tracepath \
    import_mtr_json import_mtr_report import_winmtr import_scamper \
    import_auto; do
	ninja -C "$build" "fuzz/fuzz_$h" >/dev/null || exit 2
	mkdir -p "$out/$h/corpus"
	cp "$ref"/outputs/traceroute/* "$out/$h/corpus/" 2>/dev/null
	if (cd "$out/$h" && "$build/fuzz/fuzz_$h" -max_total_time="$secs" \
	    -max_len=16384 -timeout=10 corpus >log 2>&1); then
		echo "fuzz_$h: ok ($(grep -c . "$out/$h/log") log lines," \
		    "$(ls "$out/$h/corpus" | wc -l) corpus files)"
		pass=$((pass + 1))
	else
		echo "fuzz_$h: FAILED (see $out/$h/log)"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
