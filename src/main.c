/*
 * failover-drill: the front end's dispatch and global options.  The verbs
 * are cmd_VERB.c (cli.h); only they and this file print errors and pick
 * exit codes (failover-drill(1), EXIT STATUS).  Verbs are matched exactly:
 * no prefix matching for a tool that takes production paths down.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_trace.h"
#include "log.h"
#include "provider.h"

char state_dir[PATH_MAX];

static const char usage_text[] =
"usage: failover-drill [-hqv] [--version] [--state-dir DIR] VERB [ARGS]\n"
"       failover-drill validate [--json] SPEC ...\n"
"       failover-drill plan [--dry-run] [--json] SPEC\n"
"       failover-drill run [--dry-run] [--yes] [--out DIR] [--metrics FILE] "
"[--change ID] [--window-until TIME] SPEC\n"
"       failover-drill recover [--json] [--journal DIR] [--by NAME]\n"
"       failover-drill report [--format FORMAT] RESULT.json\n"
"       failover-drill trace [--json | --model] [TRACE-OPTIONS] TARGET\n"
"       failover-drill trace [--json | --model] --import FILE "
"[--format NAME]\n"
"       failover-drill guardian --fd N --pid PID [--pidfd N] [--deadline S] "
"[--grace S]\n";

static void
usage(FILE *f)
{
	fputs(usage_text, f);
}

/*
 * "failover-drill VERB --help": that verb's lines of the usage, on
 * stdout, exit 0 (as git and systemctl answer VERB --help).
 */
static bool
verb_help(int argc, char **argv)
{
	char want[64];
	const char *p, *nl, *cmd;
	bool first = true;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			break;
	if (i >= argc || strcmp(argv[i], "--") == 0)
		return false;
	snprintf(want, sizeof(want), "failover-drill %s ", argv[0]);
	for (p = usage_text; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		cmd = strstr(p, want);
		if (cmd == NULL || cmd > nl)
			continue;
		printf("%s%.*s\n", first ? "usage: " : "       ",
		    (int)(nl - cmd), cmd);
		first = false;
	}
	printf("See failover-drill(1).\n");
	return true;
}

int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "failover-drill: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr);
	return DRILL_USAGE;
}

static void
default_state_dir(void)
{
	const char *e = getenv("FAILOVER_DRILL_STATE_DIR");
	const char *home = getenv("HOME");
	const char *xdg = getenv("XDG_STATE_HOME");

	if (state_dir[0])
		return;
	if (e != NULL && *e)
		snprintf(state_dir, sizeof(state_dir), "%s", e);
	else if (geteuid() == 0)
		snprintf(state_dir, sizeof(state_dir),
		    "/var/lib/failover-drill");
	else if (xdg != NULL && *xdg)
		snprintf(state_dir, sizeof(state_dir), "%s/failover-drill",
		    xdg);
	else
		snprintf(state_dir, sizeof(state_dir),
		    "%s/.local/state/failover-drill", home ? home : ".");
}

/* ------------------------------------------------------------ main */

static const struct {
	const char *name;
	int (*fn)(int, char **);
} verbs[] = {
	{ "validate", cmd_validate },
	{ "plan", cmd_plan },
	{ "run", cmd_run },
	{ "recover", cmd_recover },
	{ "report", cmd_report },
	{ "trace", cmd_trace },
	{ "guardian", cmd_guardian },	/* started by run only */
};

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "version", no_argument, NULL, 'V' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	bool tty = isatty(STDERR_FILENO);
	int level = tty ? LOG_INFO : LOG_WARN;
	size_t i;
	int c;

	/* "+": stop at the verb; its options are its own. */
	while ((c = getopt_long(argc, argv, "+hvq", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'v':
			if (level < LOG_DEBUG)
				level++;
			break;
		case 'q':
			level = LOG_ERROR;
			break;
		case 'V':
			printf("failover-drill %s\n", FD_VERSION);
			/* The run-time libraries (dlopen): exit 1 when one
			 * cannot be loaded, an install check. */
			return provider_libraries(stdout) ? 1 : 0;
		case 'S':
			snprintf(state_dir, sizeof(state_dir), "%s", optarg);
			break;
		default:
			usage(stderr);
			return DRILL_USAGE;
		}
	}
	if (optind >= argc)
		return usage_error("%s", "no verb given");
	log_init((enum log_level)level, tty);
	default_state_dir();
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(argv[optind], verbs[i].name) != 0)
			continue;
		/* trace has its own, longer --help. */
		if (verbs[i].fn != cmd_trace &&
		    verb_help(argc - optind, argv + optind))
			return 0;
		return verbs[i].fn(argc - optind, argv + optind);
	}
	return usage_error("unknown verb '%s' (verbs are matched exactly)",
	    argv[optind]);
}
