#!/bin/bash
# End-to-end scenarios (meson suite 'lab'): the real failover-drill binary
# against the netns lab, the Junos emulator over sshd and the ARM mock.
#
#   tests/lab/scenario.sh a|b|c|d|e|f|g|h
#
# Each run brings up its own lab instance (prefix fdt<pid>-, state
# /run/fdt<pid>) and tears it down on exit.  Every "fd ..." below runs the
# tool inside that lab's srv namespace (tests/lab/tool.sh: ip netns exec),
# so its traffic reaches only the lab's namespaces.  Exit 0 = pass, 77 = skip
# (not root), anything else = fail.  Contract (failover-drill(1)): exit 0
# passed, 1 expectations failed but restored, 2 usage/spec error, 3 aborted
# before any change, 4 restore failed, 5 could not check.
#
#  a  full drill passes, every report written
#  b  VPN broken before the drill: preflight refuses (device and Azure
#     side), exit 3, no PUT
#  c  429 then 500 injected on the disable PUT: drill still passes
#  d  LRO Failed on the enable PUT: exit 4, then `recover` restores
#  e  SIGTERM during converge: peering restored, exit 1, journal closed
#  f  kill -9 during converge: run refuses while the journal is open
#     (exit 5, metrics unfinished_journal 1), `recover` restores and keeps
#     the journal
#  g  --dry-run without a TTY: no write, metrics say backup healthy 1; the
#     secondary link down fails preflight naming it (exit 3); a refused
#     client secret is exit 5, could not check; metrics say healthy 0
#     once the VPN is broken
#  h  a matrix drill with an expected-unreachable pair
#  i  the firewall's host key changed: preflight refuses with exit 3 and
#     the new key's fingerprint, no PUT
#  j  ARM's real timing (mock --realistic): Retry-After 10 and peering
#     operations of 30 s (the lower end of ARM's 30-60 s, pinned to keep
#     the scenario near 90 s): the drill passes and polls as told
#  k  the Windows-like spoke VM (drops echo and UDP, answers TCP 3389):
#     watched with method icmp preflight refuses (exit 3, names probe and
#     method, no PUT); with method tcp the drill passes, 0 probes lost
#  p  the guardian (issue 14): kill -9 of the drill right after the mock
#     accepted the disable PUT: Enabled again within 30 s with nobody
#     running recover, the kept journal says the guardian restored it;
#     then kill -9 of the guardian alone: the drill finishes, exit 0, one
#     enable
#  l  the lease (issue 14): a second run from another state directory
#     (another "host") during a drill exits 5 naming the holder, sending
#     no write; after the drill the tag is gone (a PATCH Delete of its
#     value, then a dry run sees no lease); the lease a kill -9'd drill
#     left (the guardian restored the peering, recover leaves the lease)
#     refuses the next run with exit 5; an expired one put there as
#     another operator's is reported and the run proceeds, exit 0
#  w  outside the maintenance window (not_after past, a weekly range on
#     another day, --window-until past): exit 3 and no request at all in
#     the mock's log, no result directory; a dry run is not held to it;
#     inside a window closing in 5 minutes the drill passes with drill_s
#     cut to fit and result.json records the window's end
#
# Every lab namespace keeps the kernel's default ICMP rate limits and the
# MSEEs police time-exceeded (lab.sh): scenario a is the issue-9 proof.

set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_ROOT=${FD_SOURCE_ROOT:-$(cd "$LAB_DIR/../.." && pwd)}
SC=${1:?usage: scenario.sh a|b|c|d|e|f|g|h|i|j|k|l|p|w}

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }

export LAB_PREFIX=fdt$$-
export LAB_STATE=/run/fdt$$
. "$LAB_DIR/tool.sh"
FD_BIN=$(fd_find_bin "$SRC_ROOT") || { echo "FAIL: no failover-drill binary"; exit 1; }
export FD_BIN

BG=""
GUARDS=""	# guardian PIDs this scenario saw (issue 14)
cleanup() {
	local rc=$? g
	if [ -n "$BG" ]; then kill -9 "$BG" 2>/dev/null || true; fi
	for g in $GUARDS; do
		if grep -qs guardian "/proc/$g/cmdline"; then
			kill -9 "$g" 2>/dev/null || true
		fi
	done
	if [ "$rc" != 0 ] && [ -d "$LAB_STATE" ]; then
		echo "--- lab state at failure"
		"$LAB_DIR/lab.sh" status || true
		tail -n 30 "$LAB_STATE/arm/requests.jsonl" 2>/dev/null || true
	fi
	"$LAB_DIR/lab.sh" down || true
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "FAIL ($SC): $*" >&2; exit 1; }
ok() { echo "ok ($SC): $*"; }
lab() { "$LAB_DIR/lab.sh" "$@"; }
mocklog() { python3 "$LAB_DIR/mocklog.py" "$LAB_STATE/arm/requests.jsonl" "$@"; }

# fd_stderr FILE ARGS...: fd with its stderr in FILE (expect_rc's own
# message stays on the scenario's stderr).
fd_stderr() { local f=$1; shift; fd "$@" 2>"$f"; }

# expect_rc WANT... -- CMD: run CMD, fail unless its exit status is one of
# WANT.
expect_rc() {
	local want=() rc=0 w
	while [ "$1" != -- ]; do want+=("$1"); shift; done
	shift
	"$@" || rc=$?
	for w in "${want[@]}"; do [ "$rc" = "$w" ] && return 0; done
	fail "'$*' exited $rc, want ${want[*]}"
}

# The peering as the lab sees it: both MSEE-CE sessions up (Enabled) and
# routes back on ExpressRoute, and the mock's own state says Enabled.
assert_restored() {
	lab wait-routes ER || fail "routes did not return to ExpressRoute"
	# The mock's --on-change hook logs every state change it makes.
	st=$(awk '{ print $3 }' "$LAB_STATE/peering.log" 2>/dev/null | tail -1)
	[ "${st:-Enabled}" = Enabled ] || fail "mock peering state is $st"
	ok "peering Enabled, fw and gw route via ExpressRoute"
}

# wait_disabled: until the mock has shut the MSEE sessions (its
# --on-change hook ran `lab.sh peering Disabled`), bounded.
wait_disabled() {
	local i
	for i in $(seq 1 300); do
		grep -q Disabled "$LAB_STATE/peering.log" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "the peering was never disabled"
}

faults() { printf '%s\n' "$1" >"$LAB_STATE/arm/faults.json"; }

# lease_tag VALUE | --delete: the lease tag on the lab circuit, put there
# or removed as an operator would (tests/lab/lease_tag.py), from inside
# the srv namespace.
lease_tag() {
	# shellcheck disable=SC1091
	. "$LAB_STATE/lab.env"
	ip netns exec "$LAB_SRV_NS" env AZURE_TENANT_ID="$LAB_AZURE_TENANT_ID" \
	    AZURE_CLIENT_ID="$LAB_AZURE_CLIENT_ID" \
	    AZURE_CLIENT_SECRET="$LAB_AZURE_CLIENT_SECRET" \
	    python3 "$LAB_DIR/lease_tag.py" "$SPEC" "$1" </dev/null
}

# guardian_pid [FILE...]: the guardian's PID, from the "guardian" record
# of the open journal (or FILE; failover-drill(1), GUARDIAN), bounded.  The
# caller adds it to GUARDS (this runs in a subshell).
guardian_pid() {
	local i p f
	for i in $(seq 1 100); do
		f=("$@")
		[ $# -gt 0 ] || f=("$LAB_STATE"/fdstate/*.journal)
		p=$(python3 -c '
import json, re, sys
for path in sys.argv[1:]:
    for line in open(path):
        r = json.loads(line) if line.endswith("\n") else {}
        if r.get("event") == "guardian" and r.get("status") == "armed":
            print(re.match(r"pid=([0-9]+) ", r["detail"]).group(1))
' "${f[@]}" 2>/dev/null || true)
		if [ -n "$p" ]; then
			echo "$p"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# wait_puts N: until the mock has answered N peering PUTs, bounded.
wait_puts() {
	local i
	for i in $(seq 1 300); do
		[ "$(mocklog --count PUT peerings)" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "the mock never answered $1 peering PUTs ($(mocklog --statuses PUT peerings))"
}

if [ "$SC" = j ]; then
	export LAB_REALISTIC=true LAB_LRO_SECONDS=30
fi
lab up
SPEC=$LAB_STATE/lab.json
fd_spec_for_state "$SRC_ROOT/drills/lab.json" "$SPEC"
OUT=$LAB_STATE/out
T0=$SECONDS

case $SC in
a)
	d0=$(lab_drops)
	expect_rc 0 -- fd run --yes --change CHG0042 --out "$OUT" "$SPEC"
	drops=$(($(lab_drops) - d0))
	for f in result.json report.txt junit.xml metrics.prom report.html spec.json; do
		[ -s "$OUT/$f" ] || fail "report $f missing or empty (have: $(ls "$OUT"))"
	done
	python3 - "$OUT/result.json" "$drops" <<'EOF' || fail "result.json"
import hashlib, json, os, sys
r = json.load(open(sys.argv[1]))
drops = int(sys.argv[2])
assert r["outcome"] == "passed", r["outcome"]
# Issue 13: the evidence of who, where, which change and which spec.
ev = r["evidence"]
assert ev["operator"].startswith("root@"), ev
assert ev["change_id"] == "CHG0042", ev
copy = os.path.join(os.path.dirname(sys.argv[1]), ev["spec_copy"])
spec = open(copy, "rb").read()
assert open(r["drill"]["spec"], "rb").read() == spec
assert ev["spec_sha256"] == hashlib.sha256(spec).hexdigest(), ev
st = {p["name"]: p["status"] for p in r["phases"]}
for ph in ("preflight", "baseline", "failover", "converge", "verify",
           "restore", "verify-restored"):
    assert st.get(ph) == "ok", (ph, st.get(ph))
# Every sshd offers ed25519, ECDSA and RSA host keys with known_hosts
# holding ed25519 only, and ce2 takes keyboard-interactive only (issue 10).
ok = {c["name"]: c["ok"] for c in r["checks"]}
for dev in ("fw", "ce1", "ce2"):
    assert ok.get(dev + ": reachable over SSH") is True, (dev, ok)
# Issue 9, with production ICMP limits: no probe counted lost that the
# lab did not drop (its routers lose what is in flight while BGP withdraws
# the ER route, as real ones do: lab_drops counts it), both directions
# classified, and the article's three paths.
lost = 0
for d in ("failover", "failback"):
    c = r["convergence"][d]
    assert c is not None, d
    lost += c["lost"]
    assert c["left_s"] is not None and c["converged"], (d, c)
assert lost <= drops, ("lost", lost, "lab drops", drops,
                       [r["convergence"][d].get("signals")
                        for d in ("failover", "failback")])
def hops(t):
    return [h["answers"][0]["addr"] if h["answers"] else "*"
            for h in t["hops"]]
tr = r["paths"][0]["traces"]
ER = ["10.1.11.1", "192.168.11.0", "192.168.11.18", "*", "10.17.11.132"]
VPN = ["10.1.11.1", "*", "10.17.11.132"]
assert hops(tr["baseline"]) == ER, hops(tr["baseline"])
assert hops(tr["failover"]) == VPN, hops(tr["failover"])
assert hops(tr["restored"]) == ER, hops(tr["restored"])
for d in ("failover", "failback"):
    c = r["convergence"][d]
    print("ok (a): %s left %.3f s stable %.3f s, %d sent, %d lost "
          "(lab dropped %d in all), signals %s"
          % (d, c["left_s"], c["stable_s"], c["sent"], c["lost"], drops,
             c.get("signals")))
EOF
	# The real document against schema/result.schema.json (issue 13).
	/usr/bin/python3 "$SRC_ROOT/tests/doc/schema_test.py" "$SRC_ROOT" \
	    "$OUT/result.json" >"$LAB_STATE/schema.tap" ||
	    fail "result.json does not match the schema: $(grep 'not ok' "$LAB_STATE/schema.tap")"
	[ "$(mocklog --count PUT peerings)" = 2 ] || fail "want 2 peering PUTs, got $(mocklog --count PUT peerings)"
	# Issue 13: what each device said in each phase, as the tool parsed
	# it (out-dir/replies/PHASE/DEVICE__COMMAND.FORMAT, failover-drill(1)):
	# the firewall's route to the spoke via ExpressRoute in baseline, via
	# the VPN in verify, back in verify-restored; no password in any.
	python3 - "$OUT/replies" "$LAB_STATE/ssh/ce2.password" "$OUT/result.json" <<'EOF' || fail "replies"
import json, os, re, sys
root, pwfile, result = sys.argv[1], sys.argv[2], sys.argv[3]
secret = open(pwfile, "rb").read().strip()
assert secret
name = re.compile(r"^[A-Za-z0-9_-]+__[A-Za-z0-9._-]+\.(json|xml|txt)$")
have = {}
for ph in sorted(os.listdir(root)):
    have[ph] = sorted(os.listdir(os.path.join(root, ph)))
    for f in have[ph]:
        assert name.match(f), (ph, f)
        data = open(os.path.join(root, ph, f), "rb").read()
        assert data, (ph, f, "empty")
        assert secret not in data, (ph, f, "holds ce2's password")
for ph in ("preflight", "baseline", "verify", "verify-restored"):
    assert have.get(ph), (ph, "no replies", sorted(have))
# result.json's evidence lists exactly the files there.
assert json.load(open(result))["evidence"]["replies"] == have, have
for dev in ("fw", "ce1", "ce2"):
    assert any(f.startswith(dev + "__show_version.") for f in
               have["preflight"]), (dev, have["preflight"])
def active_as_path(ph):
    f = os.path.join(root, ph, "fw__show_route_table_Cust11.inet.0_"
                     "10.17.11.128_26_exact.json")
    raw = open(f).read()
    # The reply as sent: the object, then the CLI's "{master:0}" line.
    doc, _ = json.JSONDecoder().raw_decode(raw.lstrip())
    for rt in doc["route-information"][0]["route-table"][0]["rt"]:
        for e in rt["rt-entry"]:
            if e.get("active-tag", [{}])[0].get("data") == "*":
                return e["as-path"][0]["data"]
    raise AssertionError((ph, "no active route"))
want = {"preflight": "12076", "baseline": "12076", "verify": "65515",
        "verify-restored": "12076"}
got = {ph: active_as_path(ph) for ph in want}
for ph, asn in want.items():
    assert got[ph].split()[0] == asn, (ph, got[ph])
print("ok (a): replies %s; fw active AS path %s" % (
    ", ".join("%s %d" % (ph, len(v)) for ph, v in have.items()),
    ", ".join("%s %s" % (ph, got[ph]) for ph in want)))
EOF
	assert_restored
	;;
b)
	lab break-vpn
	expect_rc 3 -- fd run --yes --out "$OUT" "$SPEC"
	[ "$(mocklog --count PUT '')" = 0 ] || fail "a PUT reached the mock"
	# Azure's side sees it too: the second active-active instance has
	# no BGP peer left (vpn_connections).
	grep -q "instance 10.17.11.77 has no Connected BGP peer" "$OUT/report.txt" ||
	    fail "vpn_connections did not name the instance: $(grep -i vpn "$OUT/report.txt")"
	ok "preflight refused, no PUT"
	;;
c)
	faults '{"rules": [
	  {"match": {"method": "PUT", "path_re": "peerings"}, "times": 1, "action": "429", "retry_after": 2},
	  {"match": {"method": "PUT", "path_re": "peerings"}, "times": 1, "action": "500"}]}'
	expect_rc 0 -- fd run --yes --out "$OUT" "$SPEC"
	s=$(mocklog --statuses PUT peerings)
	case $s in
	"429 500 "2??" "2??) ;;
	*) fail "PUT statuses: $s (want 429 500 2xx 2xx)" ;;
	esac
	ok "PUT statuses $s"
	assert_restored
	;;
d)
	# Every enable PUT's operation fails, so restore gives up at its own
	# (shortened) deadline.  The mock matches faults by method and path
	# only, so the rule is written once the disable PUT has been served.
	sed -i 's/"restore_s": [0-9]*/"restore_s": 60/' "$SPEC"
	fd_exec run --yes --out "$OUT" "$SPEC" &
	BG=$!
	wait_disabled
	faults '{"rules": [
	  {"match": {"method": "PUT", "path_re": "peerings"}, "times": 0, "action": "lro_failed"}]}'
	rc=0; wait "$BG" || rc=$?; BG=""
	[ "$rc" = 4 ] || fail "run exited $rc while every enable LRO failed, want 4"
	ok "exit 4 while every enable LRO failed"
	lab wait-routes VPN || fail "the peering should still be disabled"
	faults '{"rules": []}'
	expect_rc 0 -- fd recover
	assert_restored
	;;
e)
	fd_exec run --yes --out "$OUT" "$SPEC" &
	BG=$!
	wait_disabled
	sleep 1
	kill -TERM "$BG"
	rc=0; wait "$BG" || rc=$?; BG=""
	# failover-drill(1): interrupted by a signal after the change, restored:
	# exit 1.
	[ "$rc" = 1 ] || fail "exit $rc after SIGTERM during converge, want 1"
	ok "exit 1 after SIGTERM"
	assert_restored
	# The journal is closed: nothing to recover, and a new run may start.
	fd recover | grep -q 'no unfinished drill journal' ||
	    fail "recover found an unfinished journal after SIGTERM"
	n=$(mocklog --count PUT peerings)
	expect_rc 0 -- fd run --dry-run --out "$OUT.dry" "$SPEC"
	[ "$(mocklog --count PUT peerings)" = "$n" ] || fail "recover or dry-run wrote"
	;;
f)
	fd_exec run --yes --out "$OUT" "$SPEC" &
	BG=$!
	wait_disabled
	sleep 1
	# The guardian goes first (as with the host rebooted): this is the
	# journal left behind for `recover`.
	g=$(guardian_pid) || fail "no guardian record in the journal"
	GUARDS="$GUARDS $g"
	kill -9 "$g"
	kill -9 "$BG"
	wait "$BG" 2>/dev/null || true
	BG=""
	rc=0
	fd run --yes --out "$OUT.again" --metrics "$LAB_STATE/f.prom" "$SPEC" \
	    2>"$LAB_STATE/refused.err" || rc=$?
	# Issue 13: could not check (5), and the metrics say the peering
	# may be disabled now.
	[ "$rc" = 5 ] || fail "run with an open journal exited $rc, want 5: $(cat "$LAB_STATE/refused.err")"
	grep -Eq '^failover_drill_unfinished_journal\{[^}]*\} 1$' "$LAB_STATE/f.prom" ||
	    fail "metrics do not say unfinished_journal 1: $(cat "$LAB_STATE/f.prom")"
	grep -q 'failover-drill recover' "$LAB_STATE/refused.err" ||
	    fail "the refusal does not say how to recover: $(cat "$LAB_STATE/refused.err")"
	n=$(mocklog --count PUT peerings)
	[ "$n" = 1 ] || fail "run wrote while the journal was open ($n PUTs)"
	ok "run refused while the journal is open"
	expect_rc 0 -- fd recover
	assert_restored
	expect_rc 0 -- fd recover
	ls "$LAB_STATE"/fdstate/*.journal.*.recovered >/dev/null 2>&1 ||
	    fail "the recovered journal was not kept: $(ls "$LAB_STATE/fdstate")"
	;;
g)
	M=$LAB_STATE/metrics.prom
	expect_rc 0 -- fd run --dry-run --metrics "$M" --out "$OUT" "$SPEC"
	grep -Eq '^failover_drill_backup_healthy(\{[^}]*\})? 1$' "$M" ||
	    fail "metrics do not say backup healthy 1: $(grep -i healthy "$M")"
	# Issue 13: the client secret expired: Entra refuses the token
	# (AADSTS7000215), nothing could be read from Azure and nothing was
	# found wrong: exit 5, could not check, not 3; the metrics say so
	# and keep the last success.
	FD_AZURE_CLIENT_SECRET=expired-secret expect_rc 5 -- fd_stderr \
	    "$LAB_STATE/five.err" run --dry-run --metrics "$M" --out "$OUT.5" \
	    "$SPEC"
	grep -q "AADSTS7000215" "$LAB_STATE/five.err" ||
	    fail "exit 5 without the token error: $(cat "$LAB_STATE/five.err")"
	grep -Eq '^failover_drill_could_check\{[^}]*\} 0$' "$M" ||
	    fail "metrics do not say could_check 0: $(grep could_check "$M")"
	grep -Eq '^failover_drill_last_success_timestamp_seconds\{[^}]*mode="dry-run"\} [0-9]' "$M" ||
	    fail "the last dry-run success was not kept"
	! grep -q '^failover_drill_backup_healthy' "$M" ||
	    fail "backup health claimed although nothing could be checked"
	/usr/bin/python3 "$SRC_ROOT/tests/doc/schema_test.py" "$SRC_ROOT" \
	    "$OUT/result.json" "$OUT.5/result.json" >"$LAB_STATE/schema.tap" ||
	    fail "a dry run's result.json does not match the schema: $(grep 'not ok' "$LAB_STATE/schema.tap")"
	ok "credentials refused: exit 5, could_check 0, last success kept"
	# The secondary link down (its MSEE's session to ce2): the links
	# check (routeTablesSummary, read live from the MSEE) names it.
	lab birdc msee2 disable ce2 >/dev/null
	expect_rc 3 -- fd run --dry-run --out "$OUT.link" "$SPEC" 2>"$LAB_STATE/link.err"
	grep -q "Secondary link: CE neighbour 192.168.11.21 (AS 65020) is" \
	    "$LAB_STATE/link.err" ||
	    fail "the links check did not name the Secondary link: $(cat "$LAB_STATE/link.err")"
	lab birdc msee2 enable ce2 >/dev/null
	lab break-vpn
	expect_rc 3 -- fd run --dry-run --metrics "$M" --out "$OUT.2" "$SPEC"
	grep -Eq '^failover_drill_backup_healthy(\{[^}]*\})? 0$' "$M" ||
	    fail "metrics do not say backup healthy 0: $(grep -i healthy "$M")"
	[ "$(mocklog --count PUT '')" = 0 ] || fail "dry run wrote to ARM"
	ok "dry run: healthy 1, then 0 with the VPN broken; no write"
	;;
h)
	fd_spec_for_state "$SRC_ROOT/drills/lab-matrix.json" "$SPEC"
	expect_rc 0 -- fd run --yes --out "$OUT" "$SPEC"
	python3 - "$OUT/result.json" <<'EOF' || fail "result.json lacks the unreachable pair"
import json, sys
s = json.dumps(json.load(open(sys.argv[1])))
assert "onprem-to-branch" in s, "probe missing"
EOF
	assert_restored
	;;
i)
	# The firewall was rebuilt (or someone is in the middle): its sshd
	# now presents an ed25519 key that known_hosts does not have for
	# 10.1.11.1 (its ECDSA and RSA keys are new too, and known_hosts
	# never had those: only the ed25519 change may be reported).
	for t in ed25519 ecdsa rsa; do
		k=$LAB_STATE/ssh/fw_host_$t
		ssh-keygen -q -t "$t" -N '' -C fw-new -f "$k.new"
		mv -f "$k.new" "$k"; mv -f "$k.new.pub" "$k.pub"
	done
	kill -HUP "$(cat "$LAB_STATE/fw/sshd.pid")"	# sshd re-execs, new key
	sleep 1
	kh_sum=$(sha256sum <"$LAB_STATE/ssh/known_hosts")
	fp=$(ssh-keygen -l -f "$LAB_STATE/ssh/fw_host_ed25519.pub" |
	    awk '{ print $2 }')
	expect_rc 3 -- fd run --yes --out "$OUT" "$SPEC" 2>"$LAB_STATE/err"
	grep -q "$fp" "$OUT/report.txt" "$LAB_STATE/err" ||
	    fail "fingerprint $fp not shown"
	grep -q "CHANGED (now ssh-ed25519 $fp)" "$LAB_STATE/err" ||
	    fail "the ed25519 key change is not what was reported"
	[ "$(sha256sum <"$LAB_STATE/ssh/known_hosts")" = "$kh_sum" ] ||
	    fail "known_hosts was written"
	[ "$(mocklog --count PUT '')" = 0 ] || fail "a PUT reached the mock"
	ok "changed host key refused in preflight (fingerprint $fp), no PUT"
	;;
j)
	expect_rc 0 -- fd run --yes --out "$OUT" "$SPEC"
	[ "$(mocklog --count PUT peerings)" = 2 ] || fail "want 2 peering PUTs, got $(mocklog --count PUT peerings)"
	python3 - "$OUT/result.json" "$LAB_STATE/arm/requests.jsonl" <<'EOF' || fail "realistic timing"
import json, sys
r = json.load(open(sys.argv[1]))
ops = {o["action"]: o for o in r["azure"]["operations"]}
for a in ("disable", "enable"):
    assert ops[a]["status"] == "Succeeded", ops[a]
    assert ops[a]["duration_s"] >= 29.5, (a, ops[a]["duration_s"])
reqs = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
polls = [q for q in reqs if "/operations/" in q["path"]]
gaps = [b["ts"] - a["ts"] for a, b in zip(polls, polls[1:])
        if a["path"] == b["path"]]
assert gaps and min(gaps) >= 9.9, gaps
print("ok (j): operations %.0f s and %.0f s, polls every >= %.1f s" % (
    ops["disable"]["duration_s"], ops["enable"]["duration_s"], min(gaps)))
EOF
	assert_restored
	;;
k)
	fd_spec_for_state "$SRC_ROOT/drills/lab-win.json" "$SPEC"
	# Echo to a target whose firewall drops it: refused before any change.
	sed 's/"method": "tcp", "port": 3389/"method": "icmp"/' "$SPEC" >"$SPEC.icmp"
	expect_rc 3 -- fd run --yes --out "$OUT.icmp" "$SPEC.icmp" 2>"$LAB_STATE/err"
	grep -q "probe onprem-to-win: 10.17.11.133 answers icmp" \
	    "$OUT.icmp/report.txt" "$LAB_STATE/err" ||
	    fail "preflight did not name the probe and method: $(cat "$LAB_STATE/err")"
	[ "$(mocklog --count PUT '')" = 0 ] || fail "a PUT reached the mock"
	ok "icmp to the Windows-like VM refused in preflight, no PUT"
	d0=$(lab_drops)
	expect_rc 0 -- fd run --yes --out "$OUT" "$SPEC"
	drops=$(($(lab_drops) - d0))
	python3 - "$OUT/result.json" "$drops" <<'EOF' || fail "result.json"
import json, sys
r = json.load(open(sys.argv[1]))
drops = int(sys.argv[2])
assert r["outcome"] == "passed", r["outcome"]
lost = 0
for d in ("failover", "failback"):
    c = r["convergence"][d]
    assert c is not None and c["converged"], (d, c)
    lost += c["lost"]
    print("ok (k): tcp %s left %.3f s, %d sent, %d lost, signals %s"
          % (d, c["left_s"], c["sent"], c["lost"], c.get("signals")))
# Only what the lab really dropped (lab_drops) may count as lost.
assert lost <= drops, ("lost", lost, "lab drops", drops)
EOF
	assert_restored
	;;
p)
	# 1. kill -9 of the drill right after the mock accepted the disable.
	fd_exec run --yes --out "$OUT" "$SPEC" &
	BG=$!
	wait_puts 1
	kill -9 "$BG"
	wait "$BG" 2>/dev/null || true
	BG=""
	t=$SECONDS
	kept=""
	for i in $(seq 1 300); do
		kept=$(ls "$LAB_STATE"/fdstate/*.journal.*.recovered 2>/dev/null || true)
		[ -n "$kept" ] && break
		sleep 0.1
	done
	[ -n "$kept" ] || fail "no recovered journal 30 s after kill -9 (state: $(ls "$LAB_STATE/fdstate"))"
	[ "$(mocklog --count PUT peerings)" -ge 2 ] || fail "no enable PUT reached the mock"
	st=$(awk '{ print $3 }' "$LAB_STATE/peering.log" | tail -1)
	[ "$st" = Enabled ] || fail "mock peering state is $st after the guardian"
	[ $((SECONDS - t)) -le 30 ] || fail "restored only after $((SECONDS - t)) s"
	python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert any(r.get("event") == "recover" and r.get("detail") == "by guardian"
           for r in recs)
assert recs[-1].get("outcome") == "recovered", recs[-1]
' "$kept" ||
	    fail "the kept journal does not say the guardian restored it: $(tail -n 3 "$kept")"
	g=$(guardian_pid "$kept") || fail "no guardian record in the journal"
	GUARDS="$GUARDS $g"
	for i in $(seq 1 100); do [ -d "/proc/$g" ] || break; sleep 0.1; done
	[ ! -d "/proc/$g" ] || fail "guardian pid $g still running after the restore"
	ok "kill -9 of the drill: the guardian (pid $g) restored the peering in $((SECONDS - t)) s"
	assert_restored
	# Issue 14: the killed drill's lease stays until its until; the
	# operator removes it by hand (failover-drill(1), LEASE).
	lease_tag --delete || fail "could not remove the killed drill's lease"
	# 2. kill -9 of the guardian alone changes nothing for the drill.
	n=$(mocklog --count PUT peerings)
	fd_exec run --yes --out "$OUT.2" "$SPEC" &
	BG=$!
	wait_puts $((n + 1))
	g=$(guardian_pid) || fail "no guardian record in the second journal"
	GUARDS="$GUARDS $g"
	kill -9 "$g"
	rc=0; wait "$BG" || rc=$?; BG=""
	[ "$rc" = 0 ] || fail "the drill exited $rc after its guardian was killed, want 0"
	[ "$(mocklog --count PUT peerings)" = $((n + 2)) ] ||
	    fail "want one disable and one enable, got PUTs $(mocklog --statuses PUT peerings)"
	ok "kill -9 of the guardian: the drill passed, one enable"
	assert_restored
	;;
l)
	# Issue 14: the lease tag on the circuit.  The tag's requests in the
	# mock's log: "METHOD:tags_operation:status" each.
	tagops() {
		python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l) if l.endswith("\n") else {}
    if r.get("path", "").endswith("/providers/Microsoft.Resources/tags/default"):
        print("%s:%s:%s" % (r["method"], r.get("tags_operation"), r["status"]))
' "$LAB_STATE/arm/requests.jsonl"
	}
	LEASE_DRILL=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["name"])' "$SPEC")
	# (a) A drill runs; a second run from another state directory (no
	# shared lock) is refused by the lease alone.
	fd_exec run --yes --change CHG-L1 --out "$OUT" "$SPEC" &
	BG=$!
	wait_puts 1
	[ "$(tagops)" = "PATCH:Merge:200" ] || fail "the lease was not written before the disable: $(tagops)"
	n=$(wc -l <"$LAB_STATE/arm/requests.jsonl")
	expect_rc 5 -- fd_stderr "$LAB_STATE/l1.err" --state-dir "$LAB_STATE/host2" \
	    run --yes --out "$OUT.2" "$SPEC"
	grep -q "is leased by [^ ]*@[^ ]* (drill $LEASE_DRILL, change CHG-L1) until 20[0-9-]*T[0-9:]*Z: another drill runs; nothing changed" \
	    "$LAB_STATE/l1.err" || fail "the refusal does not name the holder: $(cat "$LAB_STATE/l1.err")"
	python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["error"]
assert e.startswith("preflight: circuit ") and " is leased by " in e, e
' "$OUT.2/result.json" || fail "the headline is not the lease"
	# The first drill goes on writing meanwhile (its enable may fall in
	# the refused run's preflight on a loaded machine): the refused
	# run's own requests are those with its correlation id.
	python3 -c '
import json, sys
corr = json.load(open(sys.argv[3]))["azure"]["correlation_id"]
new = [json.loads(l) for l in open(sys.argv[1]) if l.endswith("\n")][int(sys.argv[2]):]
mine = [r for r in new
        if r.get("headers", {}).get("x-ms-correlation-request-id") == corr]
assert mine, "no request of the refused run in the log"
w = [(r["method"], r["path"]) for r in mine if r["method"] in ("PUT", "PATCH")]
assert not w, w
' "$LAB_STATE/arm/requests.jsonl" "$n" "$OUT.2/result.json" || fail "the refused run wrote"
	ok "a run from another state directory during the drill: exit 5 naming the holder, no write"
	rc=0; wait "$BG" || rc=$?; BG=""
	[ "$rc" = 0 ] || fail "the drill exited $rc, want 0"
	# (b) After the drill the tag is gone.
	[ "$(tagops | tr '\n' ' ')" = "PATCH:Merge:200 PATCH:Delete:200 " ] ||
	    fail "want the lease written and removed, got $(tagops)"
	python3 -c '
import json, sys
l = json.load(open(sys.argv[1]))["evidence"]["lease"]
assert l["written"] and l["removed"] and "change=CHG-L1" in l["value"], l
' "$OUT/result.json" || fail "evidence.lease"
	expect_rc 0 -- fd run --dry-run --out "$OUT.dry" "$SPEC"
	python3 -c '
import json, sys
assert "lease" not in json.load(open(sys.argv[1]))["evidence"]
' "$OUT.dry/result.json" || fail "a dry run after the drill still sees a lease"
	ok "after the drill the lease is removed (PATCH Delete) and a dry run sees none"
	assert_restored
	# (c) kill -9 of the drill: the guardian restores the peering and
	# leaves the lease, which refuses the next run until it expires.
	n=$(mocklog --count PUT peerings)
	fd_exec run --yes --out "$OUT.3" "$SPEC" &
	BG=$!
	wait_puts $((n + 1))
	kill -9 "$BG"
	wait "$BG" 2>/dev/null || true
	BG=""
	kept=""
	for i in $(seq 1 300); do
		kept=$(ls "$LAB_STATE"/fdstate/*.journal.*.recovered 2>/dev/null || true)
		[ -n "$kept" ] && break
		sleep 0.1
	done
	[ -n "$kept" ] || fail "the guardian did not restore the peering in 30 s"
	g=$(guardian_pid "$kept") && GUARDS="$GUARDS $g"
	assert_restored
	expect_rc 5 -- fd_stderr "$LAB_STATE/l3.err" run --yes --out "$OUT.4" "$SPEC"
	grep -q "is leased by [^ ]*@[^ ]* (drill $LEASE_DRILL, change -) until" "$LAB_STATE/l3.err" ||
	    fail "the left lease did not refuse the run: $(cat "$LAB_STATE/l3.err")"
	ok "the lease a killed drill left refuses the next run (exit 5)"
	# Another operator's lease that has expired: reported, replaced,
	# the run proceeds.
	stale="drill=other; by=bob@host9; since=2020-01-01T00:00:00Z; until=2020-01-01T01:00:00Z; change=CHG9"
	lease_tag "$stale" || fail "could not put the stale lease on the circuit"
	expect_rc 0 -- fd_stderr "$LAB_STATE/l5.err" run --yes --out "$OUT.5" "$SPEC"
	grep -q "a stale lease on circuit [^ ]*, by bob@host9 (drill other, change CHG9) until 2020-01-01T01:00:00Z, has expired" \
	    "$LAB_STATE/l5.err" || fail "the stale lease was not reported: $(grep -i lease "$LAB_STATE/l5.err")"
	python3 -c '
import json, sys
l = json.load(open(sys.argv[1]))["evidence"]["lease"]
assert l["stale"] == sys.argv[2] and l["removed"], l
' "$OUT.5/result.json" "$stale" || fail "evidence.lease.stale"
	ok "an expired lease is reported and the run proceeds (exit 0)"
	assert_restored
	;;
w)
	# Issue 14: a run outside its maintenance window is refused before
	# anything is opened: not one request reaches the mock, no journal,
	# no result directory.  The closed weekly range is three days from
	# now in its own zone, so it is closed whenever this runs.
	day=$(LC_ALL=C TZ=Europe/Berlin date -d '+3 days' +%a | tr 'A-Z' 'a-z')
	python3 - "$SPEC" "$LAB_STATE" "$day" <<'EOF' || fail "window specs"
import json, sys
s = json.load(open(sys.argv[1]))
s["window"] = {"not_before": "2020-01-01T00:00:00+01:00",
               "not_after": "2020-01-02T00:00:00+01:00"}
json.dump(s, open(sys.argv[2] + "/closed.json", "w"), indent=2)
s["window"] = {"tz": "Europe/Berlin",
               "weekly": [{"days": [sys.argv[3]], "from": "00:00",
                           "to": "00:01"}]}
json.dump(s, open(sys.argv[2] + "/weekly.json", "w"), indent=2)
s["window"] = {"not_before": "2020-01-01T00:00:00Z"}
json.dump(s, open(sys.argv[2] + "/open.json", "w"), indent=2)
EOF
	reqs() { wc -l <"$LAB_STATE/arm/requests.jsonl" 2>/dev/null || echo 0; }
	before=$(reqs)
	expect_rc 3 -- fd_stderr "$LAB_STATE/w1.err" run --yes --out "$OUT" \
	    "$LAB_STATE/closed.json"
	grep -q "outside the maintenance window: the window closed at not_after 2020-01-01T23:00:00Z" \
	    "$LAB_STATE/w1.err" || fail "not_after refusal: $(cat "$LAB_STATE/w1.err")"
	expect_rc 3 -- fd_stderr "$LAB_STATE/w2.err" run --yes --out "$OUT" \
	    "$LAB_STATE/weekly.json"
	grep -q "outside the weekly window (Europe/Berlin): it opens next" \
	    "$LAB_STATE/w2.err" || fail "weekly refusal: $(cat "$LAB_STATE/w2.err")"
	expect_rc 3 -- fd_stderr "$LAB_STATE/w3.err" run --yes --window-until \
	    2020-01-01T00:00:00Z --out "$OUT" "$SPEC"
	grep -q "the window closed at not_after 2020-01-01T00:00:00Z" \
	    "$LAB_STATE/w3.err" || fail "--window-until refusal: $(cat "$LAB_STATE/w3.err")"
	[ "$(reqs)" = "$before" ] ||
	    fail "$(( $(reqs) - before )) request(s) reached the mock outside the window"
	[ ! -e "$OUT" ] || fail "a refused run created $OUT"
	ok "outside the window: exit 3 three times, no request in the mock's log"
	# The same spec's dry run is not held to the window: it reads (so
	# the count above would have moved) and writes nothing.
	expect_rc 0 -- fd run --dry-run --out "$OUT.dry" "$LAB_STATE/closed.json"
	[ "$(reqs)" -gt "$before" ] || fail "the dry run read nothing from the mock"
	[ "$(mocklog --count PUT '')" = 0 ] || fail "a PUT reached the mock"
	ok "a dry run outside the window runs, reads, writes nothing"
	# Inside a window that closes in 5 minutes: the drill runs with
	# drill_s cut from the spec's 600 s to what is left, passes, and the
	# result records the window's end.
	end=$(date -u -d '+5 minutes' +%Y-%m-%dT%H:%M:%SZ)
	expect_rc 0 -- fd_stderr "$LAB_STATE/w4.err" -v run --yes --window-until \
	    "$end" --out "$OUT.in" "$LAB_STATE/open.json"
	grep -q "maintenance window closes at $end: drill_s cut from 600 to [23][0-9][0-9] s" \
	    "$LAB_STATE/w4.err" || fail "no drill_s cut: $(grep -i window "$LAB_STATE/w4.err")"
	python3 - "$OUT.in/result.json" "$end" <<'EOF' || fail "result.json"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["outcome"] == "passed", r["outcome"]
assert r["evidence"]["window_until"] == sys.argv[2], r["evidence"]
# Issue 13: the HTML's route evidence from the live devices: fw's route
# via ExpressRoute (12076), then the VPN (65515), then ExpressRoute again.
import os, re
h = open(os.path.join(os.path.dirname(sys.argv[1]), "report.html")).read()
row = re.search(r'<tr><td>fw</td><td>10\.17\.11\.128/26</td>(.*?)</tr>', h)
assert row, "no route evidence row for fw 10.17.11.128/26"
act = re.findall(r'active</span>BGP AS path &#39;(\d+)', row.group(1))
assert act == ["12076", "65515", "12076"], act
EOF
	[ "$(mocklog --count PUT peerings)" = 2 ] || fail "want 2 peering PUTs, got $(mocklog --count PUT peerings)"
	ok "inside the window: drill_s cut, passed, window_until recorded"
	assert_restored
	;;
*) fail "unknown scenario $SC" ;;
esac
echo "PASS ($SC) in $((SECONDS - T0)) s"
