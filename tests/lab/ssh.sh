# Sourced by lab.sh: a real OpenSSH sshd in each Junos namespace (fw, ce1,
# ce2) whose ForceCommand is the Junos CLI emulator over that namespace's
# bird socket, so "show route" answers change during a failover.
#
# Each sshd offers ed25519, ECDSA and RSA host keys, as Junos does, and
# known_hosts holds only the ed25519 keys, hashed, as OpenSSH writes it
# ("ssh-keyscan -t ed25519" then "ssh-keygen -H"): the tool must ask for
# the key type it knows (issue 10).  ce2 logs in only with
# keyboard-interactive through PAM, as a RADIUS/TACACS+ Junos login does.
#
# NETCONF (RFC 6242): every sshd also listens on port 830 and offers the
# "netconf" subsystem on both ports, as Junos does with "set system services
# netconf ssh": 830 is the NETCONF port (PyEZ's default, Device port=830)
# and accepts only NETCONF sessions, while "the default SSH port (22)
# continues to accept NETCONF sessions" (Junos "Configuring NETCONF-Over-SSH
# Connections on a Specified TCP Port").  Under ForceCommand sshd runs the
# forced command for a subsystem too, with the subsystem's configured
# command in SSH_ORIGINAL_COMMAND (OpenSSH session.c do_exec(): original_
# command = command, then command = options.adm_forced_command; session_
# subsystem_req() passes subsystem_args, "prog args..."; a prog that does
# not exist is only a debug message): the emulator serves NETCONF when that
# is "xml-mode netconf need-trailer", Junos's netconf command.
#
# Files under $S/ssh/: <node>_host_{ed25519,ecdsa,rsa} (host keys),
# id_ed25519 (the tool's user key, no passphrase), authorized_keys,
# known_hosts, ce2.password (root's password on ce2, 0600), ce2_shadow and
# ce2_pam (the /etc/shadow and /etc/pam.d/sshd that ce2's sshd sees, bind-
# mounted in its own mount namespace: the host's are untouched), askpass
# (for ssh(1) to answer ce2's prompt in ssh_cmd).

# The NETCONF port of every Junos node (830, IANA's netconf-ssh and Junos's
# default for "set system services netconf ssh").
LAB_NETCONF_PORT=830

ssh_addr() {
	case $1 in
	fw) echo 10.1.11.1 ;;
	ce1) echo 192.168.11.0 ;;
	ce2) echo 192.168.11.2 ;;
	esac
}

# The command sshd forces for NODE; the emulator's CLI is documented at the
# top of tests/emu/junos_cli.py.
ssh_force_command() {
	local n=$1 emu="$SRC_ROOT/tests/emu/junos_cli.py" inst=" --ifmap $S/ifmap"
	# The firewall is an SRX chassis cluster (status line after every
	# reply, per-node show version) with a second instance Cust111 whose
	# peers reuse Cust11's addresses (issue 10).
	if [ "$n" = fw ]; then
		inst=" --instance Cust11 --srx-cluster --shadow-instance Cust111$inst"
	fi
	# ce2 prints JSON as some releases do (control characters, repeated
	# keys): the tool must fall back to XML.
	if [ "$n" = ce2 ]; then inst=" --json-quirks$inst"; fi
	# -I -S: the emulator is standard library only; without site's
	# imports an interpreter starts in about half the CPU time, and
	# every command of every drill starts one.
	if [ -f "$emu" ]; then
		printf '/usr/bin/python3 -I -S %s --bird %s --hostname %s%s' \
		    "$emu" "$(sock "$n")" "$n" "$inst"
	else
		printf '%s %s' "$LAB_DIR/junos_placeholder.sh" "$n"
	fi
}

# ce2's login: root's password (random, per lab) checked by pam_unix
# against a private copy of /etc/shadow.
ssh_kbd_files() {
	local d=$1 hash
	head -c 18 /dev/urandom | base64 | tr -d '\n/+=' >"$d/ce2.password"
	chmod 600 "$d/ce2.password"
	hash=$(openssl passwd -6 -stdin <"$d/ce2.password")
	awk -F: -v OFS=: -v h="$hash" '$1 == "root" { $2 = h } { print }' \
	    /etc/shadow >"$d/ce2_shadow"
	chmod 600 "$d/ce2_shadow"
	cat >"$d/ce2_pam" <<'EOF'
# ce2's sshd: keyboard-interactive answered by pam_unix (one "Password:"
# prompt per round, openssh auth-pam.c sshpam_query()).
auth required pam_unix.so
account required pam_permit.so
session required pam_permit.so
password required pam_deny.so
EOF
	printf '#!/bin/sh\ncat %s/ce2.password\n' "$d" >"$d/askpass"
	chmod 700 "$d/askpass"
}

# The authentication lines of NODE's sshd_config.
ssh_auth_conf() {
	if [ "$1" = ce2 ]; then
		# One channel per connection, as a STIG-hardened SRX allows
		# (DISA STIG V-66549 / SV-223180, JUSX-DM-000001: "set system
		# services ssh max-sessions-per-connection 1"): the tool's
		# parallel channels must fall back to one at a time here, in
		# every lab drill.  OpenSSH's default is 10 (sshd_config(5)).
		cat <<EOF
PermitRootLogin yes
PubkeyAuthentication no
PasswordAuthentication no
KbdInteractiveAuthentication yes
UsePAM yes
MaxSessions 1
EOF
	else
		cat <<EOF
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
EOF
	fi
}

ssh_up() {
	local d="$S/ssh" n t
	mkdir -p "$d" /run/sshd
	chmod 700 "$d"
	ssh-keygen -q -t ed25519 -N '' -C failover-drill-lab -f "$d/id_ed25519"
	cp "$d/id_ed25519.pub" "$d/authorized_keys"
	ssh_kbd_files "$d"
	for n in $SSH_NODES; do
		for t in ed25519 ecdsa rsa; do
			ssh-keygen -q -t "$t" -N '' -C "$n" \
			    -f "$d/${n}_host_$t"
		done
		cat >"$S/$n/sshd_config" <<EOF
# Generated by tests/lab/lab.sh for $n.
ListenAddress $(ssh_addr "$n"):22
ListenAddress $(ssh_addr "$n"):$LAB_NETCONF_PORT
# All three key types, as Junos offers them (ECDSA is what libssh2 1.10
# proposes first).
HostKey $d/${n}_host_ecdsa
HostKey $d/${n}_host_ed25519
HostKey $d/${n}_host_rsa
PidFile $S/$n/sshd.pid
AuthorizedKeysFile $d/authorized_keys
$(ssh_auth_conf "$n")
StrictModes no
X11Forwarding no
AllowTcpForwarding no
PermitTTY no
PrintMotd no
AcceptEnv none
ClientAliveInterval 15
# sshd runs ForceCommand through the user's login shell; Debian's bash
# then sources ~/.bashrc for ssh sessions unless it is a nested shell
# (SHLVL >= 1), and a developer's .bashrc (pyenv init) cost ~1 s a command.
SetEnv SHLVL=1
Subsystem netconf xml-mode netconf need-trailer
ForceCommand $(ssh_force_command "$n")
# Junos's NETCONF port refuses anything but the netconf subsystem.
Match LocalPort $LAB_NETCONF_PORT
	ForceCommand $(ssh_force_command "$n") --netconf-only
EOF
		if [ "$n" = ce2 ]; then
			# Its own mount namespace (unshare makes mounts
			# private): the PAM stack and shadow only it sees.
			nsx "$n" unshare -m sh -c 'mount --bind "$1" /etc/pam.d/sshd &&
			    mount --bind "$2" /etc/shadow &&
			    exec /usr/sbin/sshd -f "$3" -E "$4"' sh \
			    "$d/ce2_pam" "$d/ce2_shadow" "$S/$n/sshd_config" \
			    "$S/$n/sshd.log"
		else
			nsx "$n" /usr/sbin/sshd -f "$S/$n/sshd_config" \
			    -E "$S/$n/sshd.log"
		fi
	done
	# Bounded wait until each sshd listens.
	local end
	end=$(deadline "$UP_TIMEOUT")
	for n in $SSH_NODES; do
		for t in 22 "$LAB_NETCONF_PORT"; do
			until nsx "$n" ss -Hltn "sport = :$t" | grep -q .; do
				[ "$SECONDS" -lt "$end" ] ||
				    die "$n: sshd not listening on $t"
				sleep 0.1
			done
		done
	done
	# known_hosts as OpenSSH writes it: the ed25519 key only, fetched
	# from the test server as the operator's first ssh would, hashed.
	# The NETCONF port's entries are "[addr]:830" lines (ssh(1) and
	# libssh2's knownhost check name a non-22 port so).
	: >"$d/known_hosts"
	for n in $SSH_NODES; do
		for t in 22 "$LAB_NETCONF_PORT"; do
			nsx srv ssh-keyscan -T 5 -p "$t" -t ed25519 \
			    "$(ssh_addr "$n")" >>"$d/known_hosts" 2>/dev/null ||
			    true
		done
	done
	[ "$(grep -c ' ssh-ed25519 ' "$d/known_hosts")" = 6 ] ||
	    die "ssh-keyscan did not get the six ed25519 host keys (22, $LAB_NETCONF_PORT)"
	ssh-keygen -q -H -f "$d/known_hosts" >/dev/null 2>&1 ||
	    die "ssh-keygen -H failed"
	rm -f "$d/known_hosts.old"
	{
		echo "LAB_SSH_KEY=$d/id_ed25519"
		echo "LAB_KNOWN_HOSTS=$d/known_hosts"
		echo "LAB_SSH_USER=root"
		echo "LAB_CE2_PASSWORD_FILE=$d/ce2.password"
		echo "LAB_NETCONF_PORT=$LAB_NETCONF_PORT"
	} >>"$S/env.d"
}

# ssh_cmd NODE CMD: run a device command from the test server, as the tool
# would.
ssh_cmd() {
	local n=$1
	shift
	if [ "$n" = ce2 ]; then
		# keyboard-interactive only: ssh(1) answers the prompt
		# through SSH_ASKPASS (OpenSSH >= 8.4 SSH_ASKPASS_REQUIRE).
		nsx srv env SSH_ASKPASS="$S/ssh/askpass" \
		    SSH_ASKPASS_REQUIRE=force ssh -q -o BatchMode=no \
		    -o PreferredAuthentications=keyboard-interactive \
		    -o NumberOfPasswordPrompts=1 \
		    -o UserKnownHostsFile="$S/ssh/known_hosts" \
		    -o StrictHostKeyChecking=yes -o ConnectTimeout=5 \
		    "root@$(ssh_addr "$n")" "$*" </dev/null
		return
	fi
	nsx srv ssh -q -i "$S/ssh/id_ed25519" -o BatchMode=yes \
	    -o UserKnownHostsFile="$S/ssh/known_hosts" \
	    -o StrictHostKeyChecking=yes -o ConnectTimeout=5 \
	    "root@$(ssh_addr "$n")" "$*"
}
