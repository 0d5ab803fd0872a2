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
	# Route evidence (issue 13 item 11), as the browser parsed it: the
	# header's three phase columns, five cells a row, and the active
	# route marked in each phase a device was checked.  The passed drill
	# has its fw route checked in all three phases.
	if grep -q '<table class="routes">' "$ok_file" || [ "$name" = passed ]; then
		if why=$(python3 - "$W/$name.dom" "$name" 2>&1 <<'PY'
import sys
from html.parser import HTMLParser

class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.depth = 0      # inside table.routes
        self.rows, self.cell, self.text = [], None, ""

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        if tag == "table" and "routes" in cls.split():
            self.depth = 1
        elif self.depth and tag == "table":
            self.depth += 1
        elif self.depth == 1 and tag == "tr":
            self.rows.append([])
        elif self.depth == 1 and tag in ("td", "th"):
            self.cell = {"tag": tag, "text": "", "active": 0}
            self.rows[-1].append(self.cell)
        elif self.depth == 1 and tag == "div" and self.cell is not None \
                and "active" in cls.split() and "route" in cls.split():
            self.cell["active"] += 1

    def handle_endtag(self, tag):
        if self.depth and tag == "table":
            self.depth -= 1
        elif tag in ("td", "th"):
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell["text"] += data

p = P()
p.feed(open(sys.argv[1]).read())
if not p.rows:
    sys.exit("no route evidence table")
head = [c["text"] for c in p.rows[0]]
if head != ["Device", "Prefix", "baseline", "failover (verify)", "restored"]:
    sys.exit("header %r" % head)
for r in p.rows[1:]:
    if len(r) != 5:
        sys.exit("a row of %d cells" % len(r))
    for c in r[2:]:
        if c["active"] > 1:
            sys.exit("a phase cell with %d active routes" % c["active"])
full = [r for r in p.rows[1:] if all(c["active"] == 1 for c in r[2:])]
if sys.argv[2] == "passed" and not full:
    sys.exit("no row with the active route marked in all three phases")
print("%d rows" % (len(p.rows) - 1))
PY
		); then
			ok "$name: route evidence table, three phases, active marked ($why)"
		else
			notok "$name: route evidence: $why"
		fi
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
