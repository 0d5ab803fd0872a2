#!/bin/sh
# Stand-in ForceCommand used only while tests/emu/junos_cli.py is absent:
# answers "show version" so SSH wiring can be checked, refuses the rest
# the way Junos refuses an unknown command.
case "$SSH_ORIGINAL_COMMAND" in
"show version"*)
	printf 'Hostname: %s\nModel: lab-placeholder\nJunos: 0.0\n' "$1"
	;;
*)
	printf '%s\n^\nunknown command.\n' "$SSH_ORIGINAL_COMMAND"
	exit 1
	;;
esac
