#!/bin/sh
# Parallel collection benchmark (not part of CI): N fake Junos devices
# (default 20), each a real sshd on 127.0.0.1 whose ForceCommand is the
# Junos CLI emulator serving reference outputs, collected at once through
# collect_run() vs one device alone.  Prints the ratio; target <= 1.5.
#
#   bench/collect.sh [BUILD_DIR] [N] [DELAY]
#
# DELAY (default 2.0 s) is the emulator's --delay: the time a routing
# engine takes to answer, which is what parallel collection overlaps.
# Needs root (sshd).  Every sshd is stopped by PID on exit.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
n=${2:-20}
delay=${3:-2.0}
export FD_SOURCE_ROOT="$root"
export FD_REFERENCE="${FD_REFERENCE:-$root/../shared/reference}"
harness="$root/tests/junos/sshd_harness.py"
base=$(mktemp -d /tmp/fdt-junos-collect.XXXXXX)

cleanup() {
	for d in "$base"/dev*; do
		[ -d "$d" ] && python3 "$harness" stop "$d"
	done
	rm -rf "$base"
}
trap cleanup EXIT INT TERM

ninja -C "$build" tests/junos/junos_collect_bench >/dev/null || exit 2
dirs=""
i=0
while [ "$i" -lt "$n" ]; do
	d=$(printf '%s/dev%02d' "$base" "$i")
	dirs="$dirs $d"
	python3 "$harness" start "$d" \
	    --fixtures-map "$root/tests/junos/bench.map.in" \
	    --force-command "/usr/bin/python3 $root/tests/emu/junos_cli.py --fixtures $d/fixtures.map --delay $delay" \
	    >/dev/null || exit 2 &
	i=$((i + 1))
done
wait
# shellcheck disable=SC2086
"$build/tests/junos/junos_collect_bench" $dirs
