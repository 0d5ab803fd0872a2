# Sourced by demo.sh, the scenarios and bench/drill.sh: how to run the real
# failover-drill binary inside the lab's test-server namespace.
#
# Needs LAB_DIR, and the lab's env file ($LAB_STATE/lab.env, written by
# lab.sh up).  FD_BIN may name the binary; otherwise the newest build dir
# of the source tree that has one is used.

fd_find_bin() {
	local root=$1 b best=""
	if [ -n "${FD_BIN:-}" ]; then
		printf '%s' "$FD_BIN"
		return 0
	fi
	for b in "$root"/build*/failover-drill; do
		[ -x "$b" ] || continue
		if [ -z "$best" ] || [ "$b" -nt "$best" ]; then best=$b; fi
	done
	[ -n "$best" ] || return 1
	printf '%s' "$best"
}

# lab_drops: packets the lab's namespaces dropped in forwarding (no route,
# input discards) since they were made.  A real network loses the packets in flight
# while BGP withdraws a route (no make-before-break); a probe the tool
# counts lost must be one of these.
lab_drops() {
	local n sum=0 v
	for n in $(ip netns list | awk -v p="$LAB_PREFIX" 'index($1, p) == 1 {print $1}'); do
		v=$(ip netns exec "$n" nstat -asz IpExtInNoRoutes IpOutNoRoutes \
		    IpInDiscards 2>/dev/null |
		    awk '/^Ip/ {s += $2} END {print s + 0}')
		sum=$((sum + v))
	done
	echo "$sum"
}

# fd_spec_for_state OUT: drills/lab.json with the lab's state paths (the
# shipped file names the default /run/fdlab).
fd_spec_for_state() {
	local src=$1 out=$2
	sed "s|/run/fdlab/|$LAB_STATE/|g" "$src" >"$out"
}

# fd ARGS...: failover-drill in the srv namespace, stdin not a terminal,
# with the mock's credentials (FD_AZURE_CLIENT_SECRET replaces the secret:
# a refused one) and a per-lab state dir (journal, lock).
fd() {
	( fd_exec "$@" )
}

# fd_exec ARGS...: the same, replacing the calling (sub)shell, so that
# `fd_exec ... &` gives the tool's own PID in $! (ip netns exec and env
# exec, they do not fork) for the signal scenarios.
fd_exec() {
	# shellcheck disable=SC1091
	. "$LAB_STATE/lab.env"
	exec ip netns exec "$LAB_SRV_NS" env \
	    AZURE_TENANT_ID="${LAB_AZURE_TENANT_ID:-}" \
	    AZURE_CLIENT_ID="${LAB_AZURE_CLIENT_ID:-}" \
	    AZURE_CLIENT_SECRET="${FD_AZURE_CLIENT_SECRET:-${LAB_AZURE_CLIENT_SECRET:-}}" \
	    AZURE_AUTHORITY_HOST="${LAB_AZURE_AUTHORITY_HOST:-}" \
	    FAILOVER_DRILL_STATE_DIR="$LAB_STATE/fdstate" \
	    "$FD_BIN" "$@" </dev/null
}
