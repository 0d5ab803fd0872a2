#!/bin/bash
# The command line as an operator meets it: exact verbs, exit statuses,
# spec errors with positions, the confirmation rule, usage() == SYNOPSIS.
# TAP output.  Runs nothing that touches a network.
set -u
FD=${FD_BIN:?FD_BIN not set}
SRC=${FD_SOURCE_ROOT:?}
tmp=$(mktemp -d /tmp/fd-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0 bad=0

ok() {	# description, command... ; expects exit status $want
	n=$((n + 1))
	if "${@:2}" >"$tmp/out" 2>"$tmp/err"; then rc=0; else rc=$?; fi
	if [ "$2" = offline ] && [ "$rc" = 77 ]; then
		echo "ok $n - $1 # SKIP no unshare -n"
	elif [ "$rc" = "$want" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1 (exit $rc, want $want)"
		sed 's/^/# /' "$tmp/err" | head -5
		bad=$((bad + 1))
	fi
}

grep_ok() {	# description, pattern, file
	n=$((n + 1))
	if grep -q -- "$2" "$3"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1: no '$2' in $3"
		sed 's/^/# /' "$3" | head -5
		bad=$((bad + 1))
	fi
}

# Commands that must refuse before any I/O, or need none, still run
# without a network (unshare -n): were the refusal broken, the run would
# reach for the spec's devices and ARM, and those addresses exist in no
# namespace of ours.  Not root: those tests are skipped.
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
	offline() { unshare -n "$@"; }
else
	offline() { echo "skipped: needs root for unshare -n" >&2; return 77; }
fi

want=0 ok "--help exits 0" "$FD" --help
grep_ok "--help prints usage on stdout" "usage: failover-drill" "$tmp/out"
want=0 ok "--version exits 0" "$FD" --version
# Issue 13: libcurl and libxml2 are loaded at run time (ldd does not list
# them); --version names them, loaded or not, and fails when one is not.
grep_ok "--version: libcurl loaded" "^azure: libcurl/[0-9].* (libcurl.so.4)$" "$tmp/out"
grep_ok "--version: libxml2 loaded" "^junos: libxml2 (libxml2.so.2)$" "$tmp/out"
curl_so=$(ldconfig -p 2>/dev/null | awk '/libcurl.so.4 .*x86-64|libcurl.so.4 /{print $NF; exit}')
if [ "$(id -u)" = 0 ] && [ -n "$curl_so" ] && command -v unshare >/dev/null; then
	# A private mount namespace where libcurl.so.4 is an empty file: the
	# host's library is not touched.
	want=1 ok "--version exits 1 without libcurl" unshare -m sh -c \
	    'mount --bind /dev/null "$1" && exec "$2" --version' sh \
	    "$(readlink -f "$curl_so")" "$FD"
	grep_ok "--version says libcurl is missing and what to install" \
	    "^azure: libcurl.so.4 not .*apt-get install libcurl4" "$tmp/out"
else
	n=$((n + 1)); echo "ok $n - # SKIP not root or no unshare/libcurl path"
	n=$((n + 1)); echo "ok $n - # SKIP not root or no unshare/libcurl path"
fi
# Issue 13: every verb answers --help with its own usage, exit 0.
for v in validate plan run recover report trace; do
	want=0 ok "$v --help exits 0" "$FD" "$v" --help
	grep_ok "$v --help prints its usage on stdout" "^usage: failover-drill $v " "$tmp/out"
done
want=0 ok "--help after other options" "$FD" run --dry-run --help
grep_ok "run --dry-run --help is run's usage" "^usage: failover-drill run " "$tmp/out"
# Issue 13: a spec may require a change id for a real run; refused
# before anything is opened (no network).
sed 's/"description":/"change_required": true, "description":/' \
    "$SRC/drills/s2s-vpn-backup.json" >"$tmp/change.json"
want=0 ok "change_required validates" "$FD" validate "$tmp/change.json"
want=2 ok "run without --change refused" offline "$FD" run --yes "$tmp/change.json"
grep_ok "names the spec and the option" "change.json requires a change id.*--change ID" "$tmp/err"
want=2 ok "an empty change id is a usage error" offline "$FD" run --yes --change "" "$tmp/change.json"
# Issue 14 spells it require_change_id: the same setting.
sed 's/"description":/"require_change_id": true, "description":/' \
    "$SRC/drills/s2s-vpn-backup.json" >"$tmp/change14.json"
want=0 ok "require_change_id validates" "$FD" validate "$tmp/change14.json"
want=2 ok "run without --change refused (require_change_id)" offline "$FD" run --yes "$tmp/change14.json"
grep_ok "names the spec and the option" "change14.json requires a change id.*--change ID" "$tmp/err"
# Issue 14: a run outside its maintenance window is refused with exit 3
# before anything is opened: offline, a run that went on would reach for
# ARM and the devices and end 5 (could not check), not 3.
sed 's/"description":/"window": {"not_after": "2020-01-01T00:00:00Z"}, "description":/' \
    "$SRC/drills/s2s-vpn-backup.json" >"$tmp/closed.json"
want=0 ok "a window validates" "$FD" validate "$tmp/closed.json"
want=3 ok "run after the window's not_after refused, exit 3" offline "$FD" \
    --state-dir "$tmp/state" run --yes --out "$tmp/w1" "$tmp/closed.json"
grep_ok "says why and that nothing changed" "closed.json: outside the maintenance window: the window closed at not_after 2020-01-01T00:00:00Z (now .*); nothing changed" "$tmp/err"
n=$((n + 1))
if [ ! -e "$tmp/w1" ]; then echo "ok $n - refused before the result directory"; else
	echo "not ok $n - $tmp/w1 created by a refused run"; bad=$((bad + 1)); fi
# A weekly range three days from now (in its own zone) is closed now.
day=$(LC_ALL=C TZ=Europe/Berlin date -d '+3 days' +%a | tr 'A-Z' 'a-z')
sed "s|\"description\":|\"window\": {\"tz\": \"Europe/Berlin\", \"weekly\": [{\"days\": [\"$day\"], \"from\": \"00:00\", \"to\": \"00:01\"}]}, \"description\":|" \
    "$SRC/drills/s2s-vpn-backup.json" >"$tmp/weekly.json"
want=3 ok "run outside the weekly window refused, exit 3" offline "$FD" \
    --state-dir "$tmp/state" run --yes "$tmp/weekly.json"
grep_ok "names the zone and the next opening" "outside the weekly window (Europe/Berlin): it opens next ${day^} .* 00:00 CE" "$tmp/err"
want=3 ok "run --window-until in the past refused, exit 3" offline "$FD" \
    --state-dir "$tmp/state" run --yes --window-until 2020-01-01T00:00:00+01:00 \
    "$SRC/drills/s2s-vpn-backup.json"
grep_ok "--window-until is the window's end" "window closed at not_after 2019-12-31T23:00:00Z" "$tmp/err"
want=3 ok "a window closing within a minute refused, exit 3" offline "$FD" \
    --state-dir "$tmp/state" run --yes --window-until \
    "$(date -u -d '+30 seconds' +%Y-%m-%dT%H:%M:%SZ)" "$SRC/drills/s2s-vpn-backup.json"
grep_ok "says the window is too short" "too little for a drill (at least 60 s)" "$tmp/err"
# Inside the window the run goes on (offline it then cannot check: 5) with
# its time budget cut to what is left of the window.
want=5 ok "a run inside the window goes on (offline: exit 5)" offline "$FD" -v \
    --state-dir "$tmp/state" run --yes --out "$tmp/w5" --window-until \
    "$(date -u -d '+10 minutes' +%Y-%m-%dT%H:%M:%SZ)" "$SRC/drills/s2s-vpn-backup.json"
grep_ok "drill_s cut to the time left" "maintenance window closes at .*: drill_s cut from 3600 to [56][0-9][0-9] s" "$tmp/err"
grep_ok "result.json records the window's end" '"window_until": "20[0-9-]*T[0-9:]*Z"' "$tmp/w5/result.json"
want=2 ok "--window-until without an offset is a usage error" offline "$FD" run --yes \
    --window-until 2030-01-01T00:00:00 "$tmp/closed.json"
want=2 ok "--window-until with --dry-run is a usage error" offline "$FD" run --dry-run \
    --window-until 2030-01-01T00:00:00Z "$tmp/closed.json"
sed 's/"description":/"window": {"tz": "Europe\/Atlantis", "not_after": "2030-01-01T00:00:00Z"}, "description":/' \
    "$SRC/drills/s2s-vpn-backup.json" >"$tmp/atlantis.json"
want=2 ok "a time zone that is not installed is a spec error" "$FD" validate "$tmp/atlantis.json"
grep_ok "the error names file:line and the zone" "atlantis.json:[0-9]*:[0-9]*: window.tz: time zone 'Europe/Atlantis' is not installed" "$tmp/err"
want=2 ok "no verb is a usage error" "$FD"
want=2 ok "unknown verb" "$FD" frobnicate
want=2 ok "verbs are not prefix-matched" "$FD" val "$SRC/drills/s2s-vpn-backup.json"
grep_ok "usage error names the verb" "unknown verb 'val'" "$tmp/err"
want=2 ok "unknown global option" "$FD" --nope validate x

want=0 ok "every shipped drill validates" "$FD" validate "$SRC"/drills/*.json

# A spec with an unknown key on line 7.
cat > "$tmp/line7.json" <<'JSON'
{
  "name": "line7",
  "azure": { "subscription": "00000000-0000-0000-0000-000000000000",
             "resource_group": "rg", "circuit": "c",
             "peering": "AzurePrivatePeering" },
  "devices": {},
  "colour": "blue",
  "probes": [ { "name": "p", "to": "10.17.11.132" } ],
  "expect": {
    "baseline": { "p": { "path": ["..."] } },
    "failover": { "p": { "path": ["..."] } }
  }
}
JSON
want=2 ok "unknown key is a spec error" "$FD" validate "$tmp/line7.json"
grep_ok "the error names file and line 7" "line7.json:7:" "$tmp/err"
grep_ok "the error names the key" "colour" "$tmp/err"
printf '{ "name": "x",\n  "name": "y" }\n' > "$tmp/dup.json"
want=2 ok "duplicate key is a spec error" "$FD" validate "$tmp/dup.json"
grep_ok "duplicate key with its line" "dup.json:2:" "$tmp/err"
want=2 ok "missing file" "$FD" validate "$tmp/nope.json"
# validate --json: one object per spec, errors with line and column.
want=2 ok "validate --json with a bad spec exits 2" "$FD" validate --json \
    "$SRC/drills/lab.json" "$tmp/line7.json"
python3 - "$tmp/out" <<'PY' && { n=$((n + 1)); echo "ok $n - validate --json names file, line and message"; } || { n=$((n + 1)); bad=$((bad + 1)); echo "not ok $n - validate --json output"; }
import json, sys
v = json.load(open(sys.argv[1]))
assert [x["ok"] for x in v] == [True, False], v
assert v[0]["drill"] and v[0]["errors"] == [], v[0]
e = v[1]["errors"][0]
assert v[1]["drill"] is None and e["line"] == 7 and "colour" in e["message"], v[1]
PY

# An Azure-side probe needs the Network Watcher coordinates.
sed 's/"colour": "blue",/"_x": 0,/; s/"to": "10.17.11.132" }/"to": "10.1.11.10", "from": "azure" }/' \
    "$tmp/line7.json" | grep -v '"_x"' > "$tmp/azure.json"
want=2 ok "probe from azure without a source VM" "$FD" validate "$tmp/azure.json"
grep_ok "names what is missing" "source_vm_id" "$tmp/err"
sed 's/"peering": "AzurePrivatePeering" }/"peering": "AzurePrivatePeering", "network_watcher_rg": "NetworkWatcherRG", "network_watcher": "NetworkWatcher_westus2", "source_vm_id": "\/subscriptions\/0\/resourceGroups\/rg\/providers\/Microsoft.Compute\/virtualMachines\/vm1" }/' \
    "$tmp/azure.json" > "$tmp/azure2.json"
want=0 ok "probe from azure with a source VM" "$FD" validate "$tmp/azure2.json"

want=0 ok "plan of the seed drill" "$FD" plan "$SRC/drills/s2s-vpn-backup.json"
n=$((n + 1))
w=$(grep -c 'WRITE' "$tmp/out")
# The two peering writes and the lease tag's set and removal (issue 14).
if [ "$w" = 4 ] && grep -q 'state=Disabled' "$tmp/out" &&
    grep -q 'state=Enabled' "$tmp/out" &&
    grep -q 'WRITE  PATCH .*operation=Merge failover-drill-lease=' "$tmp/out" &&
    grep -q 'WRITE  PATCH .*operation=Delete failover-drill-lease=' "$tmp/out"; then
	echo "ok $n - plan lists exactly the four ARM writes"
else
	echo "not ok $n - plan lists $w writes"; bad=$((bad + 1))
fi
# Each device's login read says how it is reached: the lab drill has fw
# and ce2 over NETCONF, ce1 over the CLI.
want=0 ok "plan of the lab drill" "$FD" plan "$SRC/drills/lab.json"
n=$((n + 1))
if grep -q 'read   fw: netconf root@10.1.11.1:830 show version' "$tmp/out" &&
    grep -q 'read   ce1: ssh root@192.168.11.0:22 show version' "$tmp/out" &&
    grep -q 'read   ce2: netconf root@192.168.11.2:22 show version' "$tmp/out"; then
	echo "ok $n - plan names each device's transport"
else
	echo "not ok $n - plan names each device's transport"; bad=$((bad + 1))
fi
want=0 ok "plan SPEC --dry-run (options after SPEC)" "$FD" plan "$SRC/drills/s2s-vpn-backup.json" --dry-run
n=$((n + 1))
if grep -q WRITE "$tmp/out"; then
	echo "not ok $n - dry-run plan has a write"; bad=$((bad + 1))
else
	echo "ok $n - dry-run plan has no write"
fi
# plan --json: the same plan, walked from the phase list run uses; the
# text plan is printed from it, so the two agree step for step.
want=0 ok "plan --json" "$FD" plan --json "$SRC/drills/s2s-vpn-backup.json"
cp "$tmp/out" "$tmp/plan.json"
want=0 ok "plan (text, for comparison)" "$FD" plan "$SRC/drills/s2s-vpn-backup.json"
python3 - "$tmp/plan.json" "$tmp/out" <<'PY' && { n=$((n + 1)); echo "ok $n - plan --json lists the phases, steps and writes of the text plan"; } || { n=$((n + 1)); bad=$((bad + 1)); echo "not ok $n - plan --json"; }
import json, sys
p = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read().splitlines()
names = [ph["name"] for ph in p["phases"]]
assert names == ["preflight", "baseline", "failover", "converge", "verify",
                 "restore", "verify-restored"], names
# The peering's two writes and the lease tag's (issue 14) around them.
assert p["writes"] == 4 and p["dry_run"] is False, p
assert [ph["always"] for ph in p["phases"]] == [False] * 5 + [True] * 2
writes = [s["what"] for ph in p["phases"] for s in ph["steps"]
          if s["kind"] == "write"]
assert "operation=Merge failover-drill-lease=" in writes[0], writes
assert "state=Disabled" in writes[1] and "state=Enabled" in writes[2], writes
assert "operation=Delete failover-drill-lease=" in writes[3], writes
assert [ph["writes"] for ph in p["phases"]] == [0, 0, 2, 0, 0, 1, 1], p
steps = [s for ph in p["phases"] for s in ph["steps"]]
assert len([l for l in text if l.startswith("    ")]) == len(steps)
for ph in p["phases"]:
    assert "%d. %s" % (ph["number"], ph["title"]) in text, ph["title"]
PY
want=0 ok "plan --json --dry-run" "$FD" plan --json --dry-run "$SRC/drills/s2s-vpn-backup.json"
python3 - "$tmp/out" <<'PY' && { n=$((n + 1)); echo "ok $n - a dry-run plan stops before the first write"; } || { n=$((n + 1)); bad=$((bad + 1)); echo "not ok $n - plan --json --dry-run"; }
import json, sys
p = json.load(open(sys.argv[1]))
assert [ph["name"] for ph in p["phases"]] == ["preflight", "baseline"], p
assert p["writes"] == 0 and p["dry_run"] is True, p
PY

# Destructive run off a terminal needs --yes; nothing is contacted.
want=2 ok "run without --yes off a terminal refuses" \
    "$FD" --state-dir "$tmp/state" run --out "$tmp/o" \
    "$SRC/drills/s2s-vpn-backup.json" </dev/null
grep_ok "the refusal names the circuit" "SEA-Cust11-ER" "$tmp/err"

want=0 ok "recover with nothing to do" "$FD" recover --journal "$tmp/empty"
grep_ok "recover says so" "no unfinished drill" "$tmp/out"
# recover --json: a journal that never reached the disable needs no Azure
# call; it is closed and kept, and said so as JSON (issue 13).
mkdir -p "$tmp/rj"
printf '%s\n' '{"event": "begin", "pid": 1, "drill": "d1", "spec": "x.json", "azure": {"subscription": "s", "resource_group": "rg", "circuit": "c1", "peering": "AzurePrivatePeering"}}' \
    >"$tmp/rj/s_rg_c1_AzurePrivatePeering.journal"
want=0 ok "recover --json" offline "$FD" recover --json --journal "$tmp/rj"
python3 - "$tmp/out" <<'PY' && { n=$((n + 1)); echo "ok $n - recover --json says what it did"; } || { n=$((n + 1)); bad=$((bad + 1)); echo "not ok $n - recover --json output"; }
import json, sys
v = json.load(open(sys.argv[1]))
assert len(v) == 1, v
r = v[0]
assert r["circuit"] == "c1" and r["result"] == "nothing to restore", r
assert r["kept_as"].endswith(".recovered") and r["error"] is None, r
import os
assert os.path.exists(r["kept_as"]) and not os.path.exists(r["journal"]), r
PY

want=2 ok "report of a missing file" "$FD" report "$tmp/none.json"
want=2 ok "report with an unknown format" "$FD" report --format pdf "$tmp/none.json"

# usage() and the man page SYNOPSIS say the same (case and spacing aside).
if command -v mandoc >/dev/null; then
	syn=$(mandoc -Tascii -O width=200 "$SRC/man/failover-drill.1" | sed 's/.\x08//g' |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | tr -s ' \n' '  ' |
	    tr '[:upper:]' '[:lower:]')
	"$FD" --help | sed 's/^usage: //; s/^ *//' | while read -r line; do
		l=$(echo "$line" | tr -s ' ' | tr '[:upper:]' '[:lower:]')
		case "$syn" in
		*"$l"*) ;;
		*) echo "$line" ;;
		esac
	done > "$tmp/missing"
	n=$((n + 1))
	if [ -s "$tmp/missing" ]; then
		echo "not ok $n - usage lines missing from the SYNOPSIS"
		sed 's/^/# /' "$tmp/missing"; bad=$((bad + 1))
	else
		echo "ok $n - usage() matches the man page SYNOPSIS"
	fi
fi

echo "1..$n"
[ "$bad" = 0 ]
