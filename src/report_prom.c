/*
 * Prometheus textfile metrics (node_exporter textfile collector), in the
 * text exposition format: "# HELP", "# TYPE", then samples
 * name{label="value"} value.  Every series carries {drill="..."}; a
 * metric with no sample (e.g. failover_seconds of a dry run) is left out
 * entirely.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "result.h"

#define LAST_SUCCESS "failover_drill_last_success_timestamp_seconds"

struct prom {
	FILE *out;
	const char *drill;
};

static void
help(struct prom *p, const char *name, const char *text)
{
	fprintf(p->out, "# HELP failover_drill_%s %s\n", name, text);
	fprintf(p->out, "# TYPE failover_drill_%s gauge\n", name);
}

/* One sample; lname NULL for the drill label only. */
static void
sample(struct prom *p, const char *name, const char *lname,
    const char *lvalue, double v)
{
	fprintf(p->out, "failover_drill_%s{drill=\"", name);
	rp_prom_escape(p->out, p->drill);
	fputc('"', p->out);
	if (lname != NULL) {
		fprintf(p->out, ",%s=\"", lname);
		rp_prom_escape(p->out, lvalue);
		fputc('"', p->out);
	}
	/* %.15g prints what the JSON said (12.3, 1795919400.123) without
	 * binary noise. */
	fprintf(p->out, "} %.15g\n", v);
}

static void
metric(struct prom *p, const char *name, const char *text, double v)
{
	help(p, name, text);
	sample(p, name, NULL, NULL, v);
}

/*
 * The last success recorded in previous for this drill, or 0.  We wrote
 * that file, so the series is looked up in exactly the form sample()
 * writes it.
 */
static double
previous_success(const char *previous, const char *drill)
{
	char *want = NULL, *end;
	size_t wlen = 0;
	const char *line;
	double v = 0;
	FILE *m;

	if (previous == NULL || (m = open_memstream(&want, &wlen)) == NULL)
		return 0;
	fputs(LAST_SUCCESS "{drill=\"", m);
	rp_prom_escape(m, drill);
	fputs("\"} ", m);
	if (fclose(m) != 0) {
		free(want);
		return 0;
	}
	for (line = previous; line != NULL && *line != '\0';) {
		if (strncmp(line, want, wlen) == 0) {
			v = strtod(line + wlen, &end);
			if (end == line + wlen || (*end != '\n' &&
			    *end != '\0' && *end != ' ') || !isfinite(v) ||
			    v <= 0)
				v = 0;
			break;
		}
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	free(want);
	return v;
}

int
report_prom(const json_t *doc, const char *previous, FILE *out,
    struct fd_error *err)
{
	const json_t *checks = json_object_get(doc, "checks");
	const json_t *phases = json_object_get(doc, "phases");
	const json_t *conv = json_object_get(doc, "convergence");
	static const char *const dirs[] = { "failover", "failback" };
	struct prom p = { out, rp_str(json_object_get(doc, "drill"), "name") };
	const json_t *c, *ph;
	double finished = 0, last_ok;
	bool ok = strcmp(rp_str(doc, "outcome"), "passed") == 0, any;
	size_t i, failed = 0;
	int rc;

	if ((rc = result_check(doc, err)) < 0)
		return rc;
	if (result_time_parse(rp_str(doc, "finished"), &finished) < 0)
		return fd_error_set(err, -EINVAL, "finished: not a time");
	last_ok = ok ? finished : previous_success(previous, p.drill);

	metric(&p, "last_run_timestamp_seconds",
	    "Unix time the last drill run finished.", finished);
	if (last_ok > 0)
		metric(&p, "last_success_timestamp_seconds",
		    "Unix time of the last drill run that passed.", last_ok);
	metric(&p, "success", "1 if the last drill run passed, else 0.",
	    ok ? 1 : 0);
	metric(&p, "dry_run", "1 if the last run was a dry run (preflight "
	    "and baseline only).", strcmp(rp_str(doc, "mode"), "dry-run") == 0);
	if (!rp_null(doc, "backup_healthy"))
		metric(&p, "backup_healthy", "1 if the backup path was found "
		    "healthy, 0 if not.", rp_bool(doc, "backup_healthy"));
	metric(&p, "exit_code", "Exit status of the last run (0 passed, 1 "
	    "failed, 2 usage, 3 aborted, 4 restore failed).",
	    rp_num(doc, "exit_code"));
	metric(&p, "duration_seconds", "Wall time of the last run.",
	    rp_num(doc, "duration_s"));
	for (i = 0; i < 2; i++) {
		const json_t *cv = json_object_get(conv, dirs[i]);
		char name[32];

		if (cv == NULL || json_is_null(cv) || rp_null(cv, "stable_s"))
			continue;
		snprintf(name, sizeof(name), "%s_seconds", dirs[i]);
		metric(&p, name, i == 0 ? "Seconds from the ARM write until "
		    "the path was stable on the backup." : "Seconds from the "
		    "ARM write until the path was stable on ExpressRoute.",
		    rp_num(cv, "stable_s"));
	}
	for (any = false, i = 0; i < 2; i++) {
		const json_t *cv = json_object_get(conv, dirs[i]);

		if (cv == NULL || json_is_null(cv))
			continue;
		if (!any)
			help(&p, "probes_lost", "Probes lost while the path "
			    "moved.");
		any = true;
		sample(&p, "probes_lost", "direction", dirs[i],
		    rp_num(cv, "lost"));
	}
	for (any = false, i = 0; i < 2; i++) {
		const json_t *cv = json_object_get(conv, dirs[i]);

		if (cv == NULL || json_is_null(cv))
			continue;
		if (!any)
			help(&p, "longest_loss_seconds", "Longest run of lost "
			    "probes while the path moved.");
		any = true;
		sample(&p, "longest_loss_seconds", "direction", dirs[i],
		    rp_num(cv, "longest_loss_s"));
	}
	json_array_foreach(checks, i, c)
		if (!rp_bool(c, "ok"))
			failed++;
	metric(&p, "checks_total", "Checks evaluated in the last run.",
	    (double)json_array_size(checks));
	metric(&p, "checks_failed", "Checks that failed in the last run.",
	    (double)failed);
	json_array_foreach(phases, i, ph) {
		if (i == 0)
			help(&p, "phase_duration_seconds", "Wall time of each "
			    "phase of the last run.");
		sample(&p, "phase_duration_seconds", "phase",
		    rp_str(ph, "name"), rp_num(ph, "duration_s"));
	}
	if (ferror(out))
		return fd_error_set(err, -EIO, "writing metrics failed");
	return 0;
}

static int
prom_render(const json_t *doc, FILE *out, struct fd_error *err)
{
	return report_prom(doc, NULL, out, err);
}

const struct report_ops report_prom_ops = {
	.name = "prom",
	.render = prom_render,
};
