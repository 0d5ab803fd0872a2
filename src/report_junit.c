/*
 * JUnit XML: one testsuite for the drill, one testcase per check
 * (classname = phase), plus one testcase per phase that ended in an error,
 * so an aborted drill fails the CI job even when no check failed.  The
 * element and attribute names are the ones Jenkins and GitLab read
 * (testsuites/testsuite/testcase/failure/error/properties).
 */
#include <string.h>

#include "report.h"

static void
attr(FILE *out, const char *name, const char *value)
{
	fprintf(out, " %s=\"", name);
	rp_xml_escape(out, value);
	fputc('"', out);
}

static void
property(FILE *out, const char *name, const char *value)
{
	fputs("      <property", out);
	attr(out, "name", name);
	attr(out, "value", value);
	fputs("/>\n", out);
}

static bool
phase_error(const json_t *p)
{
	return strcmp(rp_str(p, "status"), "error") == 0;
}

static int
junit_render(const json_t *doc, FILE *out, struct fd_error *err)
{
	const json_t *drill = json_object_get(doc, "drill");
	const json_t *checks = json_object_get(doc, "checks");
	const json_t *phases = json_object_get(doc, "phases"), *c, *p;
	size_t i, tests, failures = 0, errors = 0;
	char num[32], ts[32];

	json_array_foreach(checks, i, c)
		if (!rp_bool(c, "ok"))
			failures++;
	json_array_foreach(phases, i, p)
		if (phase_error(p))
			errors++;
	tests = json_array_size(checks) + errors;
	/* The timestamp attribute is ISO 8601 without a zone in the JUnit
	 * XSD; started is UTC with milliseconds. */
	snprintf(ts, sizeof(ts), "%.19s", rp_str(doc, "started"));

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<testsuites tests=\"%zu\" failures=\"%zu\" "
	    "errors=\"%zu\" time=\"%.3f\">\n", tests, failures, errors,
	    rp_num(doc, "duration_s"));
	fputs("  <testsuite", out);
	attr(out, "name", rp_str(drill, "name"));
	fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
	    "skipped=\"0\" time=\"%.3f\"", tests, failures, errors,
	    rp_num(doc, "duration_s"));
	attr(out, "timestamp", ts);
	fputs(">\n    <properties>\n", out);
	property(out, "mode", rp_str(doc, "mode"));
	property(out, "outcome", rp_str(doc, "outcome"));
	snprintf(num, sizeof(num), "%d", (int)rp_num(doc, "exit_code"));
	property(out, "exit_code", num);
	property(out, "circuit", rp_str(drill, "circuit"));
	property(out, "peering", rp_str(drill, "peering"));
	property(out, "spec", rp_str(drill, "spec"));
	if (!rp_null(doc, "error"))
		property(out, "error", rp_str(doc, "error"));
	fputs("    </properties>\n", out);

	json_array_foreach(checks, i, c) {
		const char *msg = rp_str(c, "message");
		int line = (int)rp_num(c, "line");

		fputs("    <testcase", out);
		attr(out, "classname", rp_str(c, "phase"));
		attr(out, "name", rp_str(c, "name"));
		fputs(" time=\"0\"", out);
		if (rp_bool(c, "ok")) {
			fputs("/>\n", out);
			continue;
		}
		fputs(">\n      <failure", out);
		attr(out, "message", *msg ? msg : "check failed");
		attr(out, "type", "expectation");
		fputc('>', out);
		rp_xml_escape(out, *msg ? msg : "check failed");
		if (line > 0)
			fprintf(out, " (spec line %d)", line);
		fputs("</failure>\n    </testcase>\n", out);
	}
	json_array_foreach(phases, i, p) {
		const char *msg = rp_str(p, "message");

		if (!phase_error(p))
			continue;
		if (*msg == '\0')
			msg = rp_null(doc, "error") ? "error" :
			    rp_str(doc, "error");
		fputs("    <testcase", out);
		attr(out, "classname", rp_str(p, "name"));
		attr(out, "name", "phase completed");
		fprintf(out, " time=\"%.3f\">\n      <error",
		    rp_num(p, "duration_s"));
		attr(out, "message", msg);
		attr(out, "type", rp_str(doc, "outcome"));
		fputc('>', out);
		rp_xml_escape(out, msg);
		fputs("</error>\n    </testcase>\n", out);
	}
	fputs("  </testsuite>\n</testsuites>\n", out);
	if (ferror(out))
		return fd_error_set(err, -EIO, "writing JUnit XML failed");
	return 0;
}

const struct report_ops report_junit_ops = {
	.name = "junit",
	.render = junit_render,
};
