/*
 * JUnit XML: one testsuite for the drill, one testcase per check
 * (classname = phase, time = how long reading its state took), plus one
 * testcase per phase that ended in an error, so an aborted drill fails the
 * CI job even when no check failed.  A check whose state was read and is
 * not as expected is a <failure>; one that could not be read (a device or
 * ARM unreachable) an <error>, as JUnit tells a failed assertion from a
 * broken test.  The testsuite carries the host that ran it and the text
 * report as <system-out>.  The element and attribute names are the ones
 * Jenkins and GitLab read (testsuites/testsuite/testcase/failure/error/
 * properties/system-out).
 */
#include <stdlib.h>
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
	size_t i, tests, failures = 0, errors = 0, phase_errors = 0;
	const char *op = rp_str(json_object_get(doc, "evidence"), "operator");
	char num[32], ts[32];

	json_array_foreach(checks, i, c) {
		if (rp_bool(c, "ok"))
			continue;
		if (rp_bool(c, "could_not_check"))
			errors++;
		else
			failures++;
	}
	json_array_foreach(phases, i, p)
		if (phase_error(p))
			phase_errors++;
	errors += phase_errors;
	tests = json_array_size(checks) + phase_errors;
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
	if (strchr(op, '@') != NULL)
		attr(out, "hostname", strchr(op, '@') + 1);
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

		const char *el = rp_bool(c, "could_not_check") ? "error" :
		    "failure";

		fputs("    <testcase", out);
		attr(out, "classname", rp_str(c, "phase"));
		attr(out, "name", rp_str(c, "name"));
		fprintf(out, " time=\"%.3f\"", rp_num(c, "duration_s"));
		if (rp_bool(c, "ok")) {
			fputs("/>\n", out);
			continue;
		}
		fprintf(out, ">\n      <%s", el);
		attr(out, "message", *msg ? msg : "check failed");
		attr(out, "type", *el == 'e' ? "could-not-check" :
		    "expectation");
		fputc('>', out);
		rp_xml_escape(out, *msg ? msg : "check failed");
		if (line > 0)
			fprintf(out, " (spec line %d)", line);
		fprintf(out, "</%s>\n    </testcase>\n", el);
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
	/* The report for people, as the CI job's output of this suite. */
	{
		char *text = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&text, &len);

		int rc = m != NULL ? report_render(doc, "text", m, err) : -1;

		if (m != NULL && fclose(m) == 0 && rc == 0 && text != NULL) {
			fputs("    <system-out>", out);
			rp_xml_escape(out, text);
			fputs("</system-out>\n", out);
		}
		free(text);
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
