#!/bin/bash
# The HTML report as a browser shows it (issue 13 item 11): each golden
# report (tests/golden/report/*.html.ok, the renderer's exact output) in
# headless Chromium, inside a network namespace of its own with only
# loopback (the page must need nothing from outside, and Chromium's own
# background traffic goes nowhere).  Checks: the DOM has the three path
# rows and no external URL; a phone-width (412 px) and a desktop
# screenshot come out at the size asked, not blank; printing gives a PDF.
# TAP.  Root (unshare -n), else skipped.
set -u
DIR=$1
W=$(mktemp -d /tmp/fd-html-XXXXXX)
trap 'rm -rf "$W"' EXIT
n=0 bad=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); bad=$((bad + 1)); echo "not ok $n - $*"; }
if [ "$(id -u)" != 0 ] || ! command -v chromium >/dev/null ||
    ! command -v unshare >/dev/null; then
	echo "1..0 # SKIP needs root, unshare and chromium"
	exit 0
fi

browse() {	# args for chromium; runs offline, 60 s at most
	timeout 60 unshare -n sh -c 'ip link set lo up 2>/dev/null
	    exec chromium --headless --no-sandbox --disable-gpu \
	    --user-data-dir="$0" --no-first-run "$@"' "$W/profile" "$@" \
	    2>>"$W/chromium.log"
}

png_size() {	# "W H" of a PNG
	od -An -tu1 -j16 -N8 "$1" | awk '{print $1*16777216+$2*65536+$3*256+$4,
	    $5*16777216+$6*65536+$7*256+$8}'
}

for ok_file in "$DIR"/*.html.ok; do
	name=$(basename "$ok_file" .html.ok)
	cp "$ok_file" "$W/$name.html"
	url="file://$W/$name.html"
	browse --dump-dom "$url" >"$W/$name.dom"
	rows=$(grep -o '>before<\|>during<\|>after<' "$W/$name.dom" | sort -u | wc -l)
	if [ "$rows" = 3 ]; then
		ok "$name: the three path rows (before, during, after)"
	else
		notok "$name: $rows of the three path rows in the DOM"
	fi
	if grep -Eqi '(src|href)="?(https?:)?//' "$W/$name.dom"; then
		notok "$name: an external URL in the DOM"
	else
		ok "$name: no external URL"
	fi
	for size in 412,915 1280,900; do
		rm -f "$W/shot.png"
		browse --window-size="$size" --screenshot="$W/shot.png" "$url" >/dev/null
		got=$(png_size "$W/shot.png" 2>/dev/null)
		bytes=$(stat -c %s "$W/shot.png" 2>/dev/null || echo 0)
		if [ "$got" = "${size/,/ }" ] && [ "$bytes" -gt 20000 ]; then
			ok "$name: screenshot at $size ($bytes bytes)"
		else
			notok "$name: screenshot at $size: got '$got', $bytes bytes"
		fi
	done
	rm -f "$W/page.pdf"
	browse --print-to-pdf="$W/page.pdf" --no-pdf-header-footer "$url" >/dev/null
	if [ "$(head -c 4 "$W/page.pdf" 2>/dev/null)" = "%PDF" ] &&
	    [ "$(stat -c %s "$W/page.pdf")" -gt 10000 ]; then
		ok "$name: prints to PDF"
	else
		notok "$name: no PDF printed"
	fi
done
echo "1..$n"
[ "$bad" = 0 ] || { sed 's/^/# /' "$W/chromium.log" | tail -5; exit 1; }
