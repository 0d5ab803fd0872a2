#!/bin/bash
# Every metrics file the tool writes passes `promtool check metrics`
# (Debian's prometheus package; issue 13 item 6): the golden renderings
# of tests/golden/report, which the unit suite keeps equal to the tool's
# output.  promtool prints lint problems and may still exit 0: any output
# fails.
set -u
DIR=$1
command -v promtool >/dev/null || { echo "1..0 # SKIP no promtool"; exit 0; }
n=0 bad=0
for f in "$DIR"/*.prom.ok; do
	n=$((n + 1))
	out=$(promtool check metrics <"$f" 2>&1); rc=$?
	if [ "$rc" = 0 ] && [ -z "$out" ]; then
		echo "ok $n - $(basename "$f")"
	else
		echo "not ok $n - $(basename "$f"): $out"
		bad=$((bad + 1))
	fi
done
echo "1..$n"
[ "$n" -gt 0 ] && [ "$bad" = 0 ]
