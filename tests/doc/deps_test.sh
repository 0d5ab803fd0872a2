#!/bin/bash
# tests/deps.sh leaves the host's services as they were (issue 13 item 1):
# run its install branch against stub apt-get, dpkg-query, id and
# systemctl (PATH first, a private directory; nothing on the host is
# installed or changed) and check
#   - no service is started, and none that existed is touched: ssh was
#     enabled and stays enabled, with no systemctl call but is-enabled;
#   - a unit that came with a package (bird) does not start during the
#     install (policy-rc.d answers 101) and is left disabled;
#   - policy-rc.d is gone afterwards, or restored when one was there.
set -euo pipefail
DEPS=$1
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/bin" "$W/state"

cat >"$W/bin/dpkg-query" <<'X'
#!/bin/sh
exit 1
X
cat >"$W/bin/id" <<'X'
#!/bin/sh
echo 0
X
cat >"$W/bin/apt-get" <<'X'
#!/bin/sh
echo "apt-get $*" >>"$W/calls"
case "$1" in install) ;; *) exit 0 ;; esac
# A package's maintainer scripts: start through invoke-rc.d only when
# policy-rc.d allows it, and enable the new unit (deb-systemd-helper
# enables regardless of the policy).
if [ -x "$FD_POLICY_RC_D" ] && ! "$FD_POLICY_RC_D" bird start; then
	echo "bird start forbidden" >>"$W/calls"
else
	echo "bird STARTED" >>"$W/calls"
fi
echo enabled >"$W/state/bird.service"
X
cat >"$W/bin/systemctl" <<'X'
#!/bin/sh
verb=$1; shift
[ "$1" = --now ] && { verb="$verb --now"; shift; }
unit=$1
case "$unit" in *.service) ;; *) unit=$unit.service ;; esac
case "$verb" in
is-enabled)
	[ -f "$W/state/$unit" ] || exit 1
	cat "$W/state/$unit"
	[ "$(cat "$W/state/$unit")" = enabled ]
	exit ;;
esac
echo "systemctl $verb $unit" >>"$W/calls"
case "$verb" in disable*) echo disabled >"$W/state/$unit" ;; esac
X
chmod 755 "$W/bin/"*
export W PATH="$W/bin:$PATH" FD_POLICY_RC_D="$W/policy-rc.d"

fail() { echo "FAIL: $*"; sed 's/^/  calls: /' "$W/calls" 2>/dev/null; exit 1; }

echo enabled >"$W/state/ssh.service"
bash "$DEPS" >"$W/out" 2>&1 || fail "deps.sh exited $?: $(cat "$W/out")"
grep -qx "bird start forbidden" "$W/calls" || fail "bird was allowed to start"
[ "$(cat "$W/state/ssh.service")" = enabled ] || fail "ssh state changed"
[ "$(cat "$W/state/bird.service")" = disabled ] ||
    fail "bird, new with the package, left $(cat "$W/state/bird.service")"
! grep -q "systemctl .*ssh" "$W/calls" || fail "ssh was touched"
[ "$(grep -c '^systemctl' "$W/calls")" = 1 ] || fail "want one systemctl call"
[ ! -e "$FD_POLICY_RC_D" ] || fail "policy-rc.d left behind"
echo "ok 1 - install starts nothing, leaves ssh alone, bird disabled"

# An operator's own policy-rc.d is put back as it was.
rm -f "$W/calls" "$W/state/bird.service"
printf '#!/bin/sh\nexit 0 # mine\n' >"$FD_POLICY_RC_D"
chmod 755 "$FD_POLICY_RC_D"
bash "$DEPS" >"$W/out" 2>&1 || fail "deps.sh exited $?: $(cat "$W/out")"
grep -qx "bird start forbidden" "$W/calls" || fail "bird was allowed to start"
grep -q "exit 0 # mine" "$FD_POLICY_RC_D" || fail "own policy-rc.d not restored"
echo "ok 2 - an existing policy-rc.d is restored"
