/*
 * Prometheus textfile metrics (node_exporter textfile collector), in the
 * text exposition format: "# HELP", "# TYPE", then samples
 * name{label="value"} value; every metric a gauge (promtool check metrics
 * clean).  Every series carries {drill="..."}, those of one run also
 * {mode="run"|"dry-run"}; a metric with no sample is left out entirely.
 * One file per drill: the previous file's series of this drill that a run
 * does not produce (the last real drill's times during dry runs) are
 * carried over.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "result.h"

struct prom {
	FILE *out;
	const char *drill;
	const char *mode;	/* "run" or "dry-run" */
	const char *previous;	/* the file this one replaces, or NULL */
};

static void
help(struct prom *p, const char *name, const char *text)
{
	fprintf(p->out, "# HELP failover_drill_%s %s\n", name, text);
	fprintf(p->out, "# TYPE failover_drill_%s gauge\n", name);
}

/* The label set of a series as sample() writes it: {drill="D"[,mode="M"]
 * [,lname="lvalue"]}. */
static void
labels(FILE *out, const struct prom *p, const char *mode, const char *lname,
    const char *lvalue)
{
	fputs("{drill=\"", out);
	rp_prom_escape(out, p->drill);
	fputc('"', out);
	if (mode != NULL) {
		fputs(",mode=\"", out);
		rp_prom_escape(out, mode);
		fputc('"', out);
	}
	if (lname != NULL) {
		fprintf(out, ",%s=\"", lname);
		rp_prom_escape(out, lvalue);
		fputc('"', out);
	}
	fputc('}', out);
}

/* One sample; mode and lname may be NULL. */
static void
sample(struct prom *p, const char *name, const char *mode, const char *lname,
    const char *lvalue, double v)
{
	fprintf(p->out, "failover_drill_%s", name);
	labels(p->out, p, mode, lname, lvalue);
	/* %.15g prints what the JSON said (12.3, 1795919400.123) without
	 * binary noise. */
	fprintf(p->out, " %.15g\n", v);
}

/* A series of this run's mode. */
static void
metric(struct prom *p, const char *name, const char *text, double v)
{
	help(p, name, text);
	sample(p, name, p->mode, NULL, NULL, v);
}

/*
 * The value of one series in the previous file, or 0 when it is not there
 * (or not a finite number > 0).  We wrote that file, so the series is
 * looked up in exactly the form sample() writes it.
 */
static double
previous_value(const struct prom *p, const char *name, const char *mode,
    const char *lname, const char *lvalue)
{
	char *want = NULL, *end;
	size_t wlen = 0;
	const char *line;
	double v = 0;
	FILE *m;

	if (p->previous == NULL ||
	    (m = open_memstream(&want, &wlen)) == NULL)
		return 0;
	fprintf(m, "failover_drill_%s", name);
	labels(m, p, mode, lname, lvalue);
	fputc(' ', m);
	if (fclose(m) != 0) {
		free(want);
		return 0;
	}
	for (line = p->previous; line != NULL && *line != '\0';) {
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

/*
 * One drill per file: a sample of another drill in the previous file
 * would be dropped by this rewrite (node_exporter reads each file whole).
 * Names the other drill.
 */
static int
other_drill(const struct prom *p, struct fd_error *err)
{
	char *mine = NULL;
	size_t mlen = 0;
	const char *line, *q;
	FILE *m;
	int rc = 0;

	if (p->previous == NULL || (m = open_memstream(&mine, &mlen)) == NULL)
		return 0;
	labels(m, p, NULL, NULL, NULL);
	if (fclose(m) != 0) {
		free(mine);
		return 0;
	}
	mine[mlen - 1] = '\0';		/* {drill="D"  without the brace */
	mlen--;
	for (line = p->previous; line != NULL && *line != '\0';) {
		if (strncmp(line, "failover_drill_", 15) == 0 &&
		    (q = strchr(line, '{')) != NULL &&
		    strncmp(q, "{drill=\"", 8) == 0 &&
		    (strncmp(q, mine, mlen) != 0 ||
		    (q[mlen] != ',' && q[mlen] != '}'))) {
			rc = fd_error_set(err, -EEXIST, "the metrics file "
			    "holds another drill's series (%.80s); give each "
			    "drill its own file", q);
			break;
		}
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	free(mine);
	return rc;
}

int
report_prom(const json_t *doc, const char *previous, FILE *out,
    struct fd_error *err)
{
	const json_t *checks = json_object_get(doc, "checks");
	const json_t *phases = json_object_get(doc, "phases");
	const json_t *conv = json_object_get(doc, "convergence");
	static const char *const dirs[] = { "failover", "failback" };
	static const char *const modes[] = { "run", "dry-run" };
	struct prom p = { out, rp_str(json_object_get(doc, "drill"), "name"),
		"run", previous };
	const json_t *c, *ph;
	double finished = 0, v;
	bool ok = strcmp(rp_str(doc, "outcome"), "passed") == 0, any, dry;
	size_t i, failed = 0;
	int rc, code;

	if ((rc = result_check(doc, err)) < 0)
		return rc;
	if (result_time_parse(rp_str(doc, "finished"), &finished) < 0)
		return fd_error_set(err, -EINVAL, "finished: not a time");
	if ((rc = other_drill(&p, err)) < 0)
		return rc;
	dry = strcmp(rp_str(doc, "mode"), "dry-run") == 0;
	p.mode = dry ? "dry-run" : "run";
	code = (int)rp_num(doc, "exit_code");

	metric(&p, "last_run_timestamp_seconds",
	    "Unix time the last run of this mode finished.", finished);
	/* The last success of each mode, carried over from the previous file
	 * when this run is of the other mode or did not pass: the nightly
	 * dry run never hides the last real drill. */
	for (any = false, i = 0; i < 2; i++) {
		v = strcmp(modes[i], p.mode) == 0 && ok ? finished :
		    previous_value(&p, "last_success_timestamp_seconds",
		    modes[i], NULL, NULL);
		if (v <= 0)
			continue;
		if (!any)
			help(&p, "last_success_timestamp_seconds", "Unix time "
			    "of the last run of this mode that passed.");
		any = true;
		sample(&p, "last_success_timestamp_seconds", modes[i], NULL,
		    NULL, v);
	}
	metric(&p, "success", "1 if the last run of this mode passed, else 0.",
	    ok ? 1 : 0);
	metric(&p, "could_check", "0 if the last run could not check (exit "
	    "5: a provider unreachable, a login refused, the lock held, an "
	    "unfinished journal), else 1.", code == 5 ? 0 : 1);
	help(&p, "unfinished_journal", "1 if a drill's journal was left "
	    "unfinished: its peering may be disabled now; run "
	    "'failover-drill recover'.");
	sample(&p, "unfinished_journal", NULL, NULL, NULL,
	    rp_bool(doc, "unfinished_journal") || code == 4 ? 1 : 0);
	if (!rp_null(doc, "backup_healthy"))
		metric(&p, "backup_healthy", "1 if the backup path was found "
		    "healthy, 0 if not.", rp_bool(doc, "backup_healthy"));
	metric(&p, "exit_code", "Exit status of the last run (0 passed, 1 "
	    "failed, 2 usage, 3 aborted, 4 restore failed, 5 could not "
	    "check).", code);
	metric(&p, "duration_seconds", "Wall time of the last run.",
	    rp_num(doc, "duration_s"));
	/* Failover and failback times come from real drills only; a dry
	 * run carries the last drill's over. */
	for (i = 0; i < 2; i++) {
		const json_t *cv = json_object_get(conv, dirs[i]);
		char name[32];

		snprintf(name, sizeof(name), "%s_seconds", dirs[i]);
		if (dry)
			v = previous_value(&p, name, NULL, NULL, NULL);
		else if (cv == NULL || json_is_null(cv) ||
		    rp_null(cv, "stable_s"))
			continue;
		else
			v = rp_num(cv, "stable_s");
		if (dry && v <= 0)
			continue;
		help(&p, name, i == 0 ? "Seconds from the ARM write until "
		    "the path was stable on the backup, last drill." :
		    "Seconds from the ARM write until the path was stable on "
		    "ExpressRoute, last drill.");
		sample(&p, name, NULL, NULL, NULL, v);
	}
	for (any = false, i = 0; i < 2; i++) {
		const json_t *cv = json_object_get(conv, dirs[i]);

		if (cv == NULL || json_is_null(cv))
			continue;
		if (!any)
			help(&p, "probes_lost", "Probes lost while the path "
			    "moved, last drill.");
		any = true;
		sample(&p, "probes_lost", NULL, "direction", dirs[i],
		    rp_num(cv, "lost"));
	}
	for (any = false, i = 0; i < 2; i++) {
		const json_t *cv = json_object_get(conv, dirs[i]);

		if (cv == NULL || json_is_null(cv))
			continue;
		if (!any)
			help(&p, "longest_loss_seconds", "Longest run of lost "
			    "probes while the path moved, last drill.");
		any = true;
		sample(&p, "longest_loss_seconds", NULL, "direction", dirs[i],
		    rp_num(cv, "longest_loss_s"));
	}
	json_array_foreach(checks, i, c)
		if (!rp_bool(c, "ok"))
			failed++;
	metric(&p, "checks", "Checks evaluated in the last run.",
	    (double)json_array_size(checks));
	metric(&p, "checks_failed", "Checks that failed in the last run.",
	    (double)failed);
	json_array_foreach(phases, i, ph) {
		if (i == 0)
			help(&p, "phase_duration_seconds", "Wall time of each "
			    "phase of the last run.");
		sample(&p, "phase_duration_seconds", p.mode, "phase",
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
