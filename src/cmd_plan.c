/* The "plan" verb; see failover-drill(1). */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

int
cmd_plan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	struct spec *s = NULL;
	bool dry = false, as_json = false;
	int c;

	optind = 0;	/* 0: re-read the optstring (the global parse used "+") */
	while ((c = getopt_long(argc, argv, "n", opts, NULL)) != -1) {
		if (c == 'J')
			as_json = true;
		else if (c == 'n')
			dry = true;
		else
			return usage_error("plan: %s", "bad option");
	}
	if (optind != argc - 1)
		return usage_error("plan: %s", "exactly one SPEC");
	if (load_spec(argv[optind], &s) < 0)
		return DRILL_USAGE;
	if (as_json) {
		json_t *plan = drill_plan_json(s, provider_cloud("azure"),
		    dry);

		json_dumpf(plan, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(plan);
	} else {
		drill_plan(s, provider_cloud("azure"), dry, stdout);
	}
	spec_free(s);
	return 0;
}
