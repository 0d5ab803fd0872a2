/* The "report" verb; see failover-drill(1). */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "report.h"
#include "result.h"

int
cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct fd_error err = { 0 };
	const char *format = "text";
	json_t *doc = NULL;
	int c, rc;

	optind = 0;	/* 0: re-read the optstring (the global parse used "+") */
	while ((c = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		if (c != 'f')
			return usage_error("report: %s", "bad option");
		format = optarg;
	}
	if (optind != argc - 1)
		return usage_error("report: %s", "exactly one RESULT.json");
	if (report_find(format) == NULL)
		return usage_error("report: unknown format '%s' (text, json, "
		    "junit, prom, html)", format);
	if (result_load(argv[optind], &doc, &err) < 0) {
		/* result_load() names the file itself. */
		fprintf(stderr, "failover-drill: %s\n", err.msg);
		return DRILL_USAGE;
	}
	rc = report_render(doc, format, stdout, &err);
	json_decref(doc);
	if (rc < 0) {
		fprintf(stderr, "failover-drill: report: %s\n", err.msg);
		return DRILL_USAGE;
	}
	return 0;
}
