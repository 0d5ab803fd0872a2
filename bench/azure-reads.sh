#!/bin/sh
# Parallel Azure reads benchmark (issue 11 item 13; not part of CI): the
# HTTPS mock of ARM on loopback at ARM's real timing (--realistic:
# Retry-After 10 on every read action), a dry run whose preflight reads
# both links' routeTablesSummary, the VPN connections and the gateway's
# learned routes, advertised routes and BGP peers, against a dry run
# whose preflight reads one read action alone.  Prints both preflight
# times (result.json) and the ratio; target <= 1.3.
#
#   bench/azure-reads.sh [BUILD_DIR]
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
[ -x "$build/failover-drill" ] || { echo "no $build/failover-drill" >&2; exit 2; }
FD_SOURCE_ROOT=$root FD_BIN=$build/failover-drill \
    exec python3 "$root/bench/azure_reads.py" "$build/tests/azure/azure_drive"
