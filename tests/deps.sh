#!/bin/bash
# Install everything failover-drill needs to build, test and run its lab on
# Debian 12 (as root).  Idempotent: does nothing when all is installed.
set -euo pipefail

pkgs=(
	# build
	gcc meson ninja-build pkg-config
	libcurl4-openssl-dev libssl-dev libjansson-dev libssh2-1-dev libxml2-dev
	# tests
	libcmocka-dev mandoc python3 openssl valgrind procps systemd
	prometheus	# promtool check metrics; its service is never started
	python3-jsonschema	# schema/result.schema.json checked in the doc suite
	chromium	# the HTML report rendered headless, in an offline netns
	# the lab: namespaces, BGP, sshd "Junos" devices, tracing
	iproute2 iptables bird2 openssh-server openssh-client
	traceroute mtr-tiny scamper iputils-tracepath iputils-ping
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run as root" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive

# The quick start must leave the host's services as they were (issue 13):
# the lab runs its own sshd and bird in namespaces on their own addresses
# and sockets, so the packaged ssh and bird services are never needed, and
# on a jump host stopping ssh would cut the operator off.  A package
# installed here may neither start its service (policy-rc.d answering 101,
# "action forbidden": invoke-rc.d(8), Debian policy-rc.d.README) nor leave
# it enabled when it did not exist before; a service that existed is not
# touched at all.
policy=${FD_POLICY_RC_D:-/usr/sbin/policy-rc.d}
svcs=(ssh bird prometheus)
declare -A before
for svc in "${svcs[@]}"; do
	before[$svc]=$(systemctl is-enabled "$svc.service" 2>/dev/null) || true
done
saved=
if [ -e "$policy" ]; then
	saved=$(mktemp)
	cp -p "$policy" "$saved"
fi
restore_policy() {
	if [ -n "$saved" ]; then
		cp -p "$saved" "$policy"
		rm -f "$saved"
	else
		rm -f "$policy"
	fi
}
trap restore_policy EXIT
printf '#!/bin/sh\n# failover-drill tests/deps.sh: start no service\nexit 101\n' \
    >"$policy"
chmod 755 "$policy"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for svc in "${svcs[@]}"; do
	[ -z "${before[$svc]}" ] || continue	# it existed: not ours
	now=$(systemctl is-enabled "$svc.service" 2>/dev/null) || true
	[ "$now" = enabled ] || continue
	echo "deps: $svc.service came with the package; left disabled, not started"
	systemctl disable "$svc.service" >/dev/null 2>&1 || true
done
