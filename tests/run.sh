#!/bin/bash
# README command 2: the whole test suite, as root on Debian 12.
#   1. warnings-as-errors build, every suite: unit, golden, drills, doc,
#      integration (real sshd, real TLS mock of ARM, namespaces) and lab
#      (the end-to-end drills in network namespaces with bird2);
#   2. the same code under AddressSanitizer + UBSan: unit, golden, drills,
#      integration;
#   3. the unit suite under valgrind (memcheck, leaks are errors).
# Ends with one line "N passed, N failed" over all three.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD

bash tests/deps.sh || exit 1

total_ok=0 total_fail=0 total_skip=0
declare -a failed_runs=()

count() {	# count results of the last meson test run in build dir $1
	# (meson names the log testlog-<wrapper>.json when --wrapper is used)
	python3 - "$1"/meson-logs/testlog*.json <<'PY'
import json, sys
ok = fail = skip = 0
try:
    if len(sys.argv) != 2:
        raise FileNotFoundError(sys.argv[1:])
    for line in open(sys.argv[1]):
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            ok += 1
        elif r == "SKIP":
            skip += 1
        else:
            fail += 1
except FileNotFoundError:
    fail += 1
print(ok, fail, skip)
PY
}

run_stage() {	# name builddir setup-args -- test-args
	local name=$1 dir=$2; shift 2
	local setup=() tests=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do setup+=("$1"); shift; done
	shift
	tests=("$@")
	echo "=== $name"
	if [ -d "$dir" ]; then
		meson setup --reconfigure "$dir" "${setup[@]}" >/dev/null || return 1
	else
		meson setup "$dir" "${setup[@]}" >/dev/null || return 1
	fi
	ninja -C "$dir" || { total_fail=$((total_fail + 1)); failed_runs+=("$name: build"); return 1; }
	rm -f "$dir"/meson-logs/testlog*.json
	meson test -C "$dir" --print-errorlogs "${tests[@]}"
	read -r ok fail skip < <(count "$dir")
	echo "=== $name: $ok passed, $fail failed, $skip skipped"
	total_ok=$((total_ok + ok)); total_fail=$((total_fail + fail))
	total_skip=$((total_skip + skip))
	[ "$fail" = 0 ] || failed_runs+=("$name")
}

run_stage "build (-Werror), all suites" build-test --werror -Dtests=enabled -- \
	--num-processes 2
run_stage "ASan+UBSan" build-asan --werror -Dtests=enabled -Db_sanitize=address,undefined \
	-Db_lundef=false -- --suite unit --suite golden --suite drills \
	--suite integration --num-processes 2
run_stage "valgrind" build-test -- --suite unit --num-processes 2 \
	--wrapper "valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --quiet" \
	--timeout-multiplier 10

echo
[ ${#failed_runs[@]} -eq 0 ] || echo "failed: ${failed_runs[*]}"
echo "$total_ok passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" = 0 ]
