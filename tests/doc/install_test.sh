#!/bin/bash
# meson install puts everything an operator needs in place (issue 13 item
# 2), and the systemd units pass `systemd-analyze verify` (item 3): the
# units of a DESTDIR install, ExecStart pointed at the installed binary,
# man pages looked up in the installed tree.  Any diagnostic fails.
set -euo pipefail
BUILD=$1
W=$(mktemp -d /tmp/fd-install-XXXXXX)
trap 'rm -rf "$W"' EXIT
n=0
fail() { echo "not ok $((n + 1)) - $*"; exit 1; }
ok() { n=$((n + 1)); echo "ok $n - $*"; }

meson install -C "$BUILD" --destdir "$W/root" --no-rebuild --quiet \
    >"$W/log" 2>&1 || fail "meson install: $(tail -3 "$W/log")"
ok "meson install --destdir"
find "$W/root" -type f | sed "s#^$W/root##" | sort >"$W/files"
for want in /bin/failover-drill /man1/failover-drill.1 \
    /man5/failover-drill.json.5 /failover-drill/drills/s2s-vpn-backup.json \
    /failover-drill/roles/azure-failover-drill.json \
    /failover-drill/result.schema.json \
    /bash-completion/completions/failover-drill \
    /failover-drill-dryrun@.service /failover-drill-dryrun@.timer \
    /failover-drill-recover.service /sysusers.d/failover-drill.conf; do
	grep -q -- "$want\$" "$W/files" || fail "not installed: *$want"
done
ok "binary, man pages, drills, role, completion, units, sysusers installed"

bin=$W/root$(grep '/bin/failover-drill$' "$W/files")
"$bin" validate "$W/root$(grep /drills/s2s-vpn-backup.json "$W/files")" \
    >/dev/null 2>"$W/err" || fail "installed example drill: $(cat "$W/err")"
ok "the installed binary validates the installed example drill"

command -v systemd-analyze >/dev/null || { ok "# SKIP no systemd-analyze"; exit 0; }
mkdir "$W/units"
for f in $(grep -E '/failover-drill-(dryrun@|recover)' "$W/files"); do
	b=$(basename "$f")
	b=${b/@./@sea.}		# verify an instance of the template
	grep -q "^ExecStart=$(grep '/bin/failover-drill$' "$W/files") " \
	    "$W/root$f" 2>/dev/null || [[ $b == *.timer ]] ||
	    fail "$b: ExecStart is not the installed binary"
	sed "s#^ExecStart=/[^ ]*/failover-drill #ExecStart=$bin #" \
	    "$W/root$f" >"$W/units/$b"
done
man=$(dirname "$(dirname "$(grep /man1/failover-drill.1 "$W/files")")")
MANPATH=$W/root$man systemd-analyze verify "$W/units"/* >"$W/verify" 2>&1 ||
    fail "systemd-analyze verify: $(cat "$W/verify")"
[ ! -s "$W/verify" ] || fail "systemd-analyze verify: $(cat "$W/verify")"
ok "systemd-analyze verify: dry-run service and timer, recover service"
