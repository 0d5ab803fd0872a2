#!/bin/bash
# README command 1: install what is needed, build, and run a complete drill
# against the bundled lab (network namespaces, real BGP, sshd "Junos"
# devices and a mock of Azure: no Azure account needed).  As root.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build
FD_BIN=$PWD/build/failover-drill exec bash tests/lab/demo.sh "$@"
