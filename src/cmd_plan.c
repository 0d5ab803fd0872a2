/* The "plan" verb; see failover-drill(1). */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

int
cmd_plan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct spec *s = NULL;
	bool dry = false;
	int c;

	optind = 0;	/* 0: re-read the optstring (the global parse used "+") */
	while ((c = getopt_long(argc, argv, "n", opts, NULL)) != -1) {
		if (c != 'n')
			return usage_error("plan: %s", "bad option");
		dry = true;
	}
	if (optind != argc - 1)
		return usage_error("plan: %s", "exactly one SPEC");
	if (load_spec(argv[optind], &s) < 0)
		return DRILL_USAGE;
	drill_plan(s, dry, stdout);
	spec_free(s);
	return 0;
}
