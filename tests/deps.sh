#!/bin/bash
# Install everything failover-drill needs to build, test and run its lab on
# Debian 12 (as root).  Idempotent: does nothing when all is installed.
set -euo pipefail

pkgs=(
	# build
	gcc meson ninja-build pkg-config
	libcurl4-openssl-dev libssl-dev libjansson-dev libssh2-1-dev libxml2-dev
	# tests
	libcmocka-dev mandoc python3 openssl valgrind procps
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
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The lab starts its own bird and sshd instances; the packaged services
# are not needed (and must not hold the ports).
for svc in bird ssh; do
	systemctl disable --now "$svc" >/dev/null 2>&1 || true
done
