#!/bin/bash
# The README demo: bring the lab up, run a full drill of drills/lab.json
# inside the test-server namespace, show the summary and where the reports
# are, tear the lab down (also on error or ^C).
#
#   tests/lab/demo.sh [OUT-DIR]
#
# FD_BIN names the failover-drill binary (default: the newest build*/ of
# this tree).  Needs root (network namespaces).  Exit status: the drill's.

set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_ROOT=$(cd "$LAB_DIR/../.." && pwd)
export LAB_PREFIX=fdlab-
export LAB_STATE=/run/fdlab
. "$LAB_DIR/tool.sh"

[ "$(id -u)" = 0 ] || { echo "demo: needs root (network namespaces)" >&2; exit 2; }
FD_BIN=$(fd_find_bin "$SRC_ROOT") ||
    { echo "demo: no failover-drill binary; build first (meson setup build && ninja -C build)" >&2; exit 2; }
FD_BIN=$(realpath "$FD_BIN")
OUT=${1:-/tmp/failover-drill-demo-$(date +%Y%m%d-%H%M%S)}

cleanup() {
	echo "== tearing the lab down"
	"$LAB_DIR/lab.sh" down || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== bringing the lab up (namespaces ${LAB_PREFIX}*, bird2, sshd, ARM mock)"
"$LAB_DIR/lab.sh" up
"$LAB_DIR/lab.sh" status
echo
echo "== traceroute from the test server before the drill"
"$LAB_DIR/lab.sh" trace
echo
echo "== failover-drill run --yes --out $OUT drills/lab.json  (inside ${LAB_PREFIX}srv)"
rc=0
fd run --yes --out "$OUT" "$SRC_ROOT/drills/lab.json" || rc=$?
echo
if [ -f "$OUT/result.json" ]; then
	# run prints the summary itself on a terminal or when the drill did
	# not pass; otherwise (cron style) it is quiet, so ask for it.
	if [ ! -t 1 ] && [ "$rc" = 0 ]; then
		echo "== summary"
		fd report --format text "$OUT/result.json" || true
		echo
	fi
	echo "== reports in $OUT:"
	ls -l "$OUT"
fi
echo
echo "== failover-drill exit status: $rc"
exit "$rc"
