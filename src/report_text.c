/*
 * The human report: header, phases, checks, the hop lists before, during
 * and after side by side, convergence and the Azure operations.  Plain
 * ASCII of our own; fits 80 columns except for long names and ECMP hops.
 */
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define COL_MIN 20
#define COL_MAX 40
#define BAR_WIDTH 48
#define ROUTE_LINE_MAX 512

static const char *const col_titles[RP_TRACES] = { "BEFORE", "DURING",
	"AFTER" };

/* Display width of UTF-8 s (code points; no wide characters expected). */
static size_t
text_width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Print s in exactly width columns: padded, or cut with a '~'. */
static void
put_cell(FILE *out, const char *s, size_t width)
{
	size_t w = text_width(s), i = 0;

	if (w <= width) {
		fprintf(out, "%s%*s", s, (int)(width - w), "");
		return;
	}
	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80 && ++i == width)
			break;
		fputc(*s, out);
	}
	fputc('~', out);
}

/*
 * "  Identity  app 1b2c3d4e-..." and "  Object    5e1f0c3a-... (tenant
 * 72f988bf-...)": who the drill acted as in Azure.
 */
static void
text_identity(const json_t *id, FILE *out)
{
	if (id == NULL)
		return;
	if (json_object_get(id, "unknown") != NULL) {
		fprintf(out, "  Identity  unknown: %s\n", rp_str(id, "unknown"));
		return;
	}
	fprintf(out, "  Identity  %s %s\n", rp_null(id, "type") ?
	    "principal" : rp_str(id, "type"), !rp_null(id, "name") ?
	    rp_str(id, "name") : rp_str(id, "app_id"));
	fprintf(out, "  Object    %s (tenant %s)\n", rp_str(id, "object_id"),
	    rp_str(id, "tenant_id"));
}

static void
text_header(const json_t *doc, FILE *out)
{
	const json_t *drill = json_object_get(doc, "drill");
	const json_t *tool = json_object_get(doc, "tool");
	const char *outcome = rp_str(doc, "outcome");
	char up[32];
	size_t i;

	for (i = 0; outcome[i] != '\0' && i < sizeof(up) - 1; i++)
		up[i] = (char)(outcome[i] >= 'a' && outcome[i] <= 'z' ?
		    outcome[i] - 'a' + 'A' : outcome[i]);
	up[i] = '\0';
	fprintf(out, "failover-drill report: %s\n\n", rp_str(drill, "name"));
	fprintf(out, "  Outcome   %s (exit %d)\n", up,
	    (int)rp_num(doc, "exit_code"));
	if (!rp_null(doc, "error"))
		fprintf(out, "  Error     %s\n", rp_str(doc, "error"));
	if (strcmp(outcome, "restore-failed") == 0)
		fprintf(out, "\n  *** ACT NOW: peering %s of circuit %s may "
		    "still be DISABLED. ***\n  *** Enable it in Azure or run "
		    "failover-drill recover. ***\n\n", rp_str(drill, "peering"),
		    rp_str(drill, "circuit"));
	fprintf(out, "  Mode      %s\n", rp_str(doc, "mode"));
	fprintf(out, "  Backup    %s\n", rp_null(doc, "backup_healthy") ?
	    "not determined" : rp_bool(doc, "backup_healthy") ? "healthy" :
	    "NOT HEALTHY");
	fprintf(out, "  Circuit   %s, peering %s\n", rp_str(drill, "circuit"),
	    rp_str(drill, "peering"));
	fprintf(out, "  Group     %s\n", rp_str(drill, "resource_group"));
	fprintf(out, "  Subscr.   %s\n", rp_str(drill, "subscription"));
	fprintf(out, "  Spec      %s\n", rp_str(drill, "spec"));
	if (json_object_get(doc, "evidence") != NULL) {
		const json_t *ev = json_object_get(doc, "evidence");

		fprintf(out, "  SHA-256   %s\n", rp_str(ev, "spec_sha256"));
		fprintf(out, "  Operator  %s\n", rp_str(ev, "operator"));
		if (!rp_null(ev, "change_id"))
			fprintf(out, "  Change    %s\n",
			    rp_str(ev, "change_id"));
		if (!rp_null(ev, "window_until"))
			fprintf(out, "  Window    until %s\n",
			    rp_str(ev, "window_until"));
		text_identity(json_object_get(ev, "azure_identity"), out);
	}
	fprintf(out, "  Started   %s\n", rp_str(doc, "started"));
	fprintf(out, "  Finished  %s (%.1f s)\n", rp_str(doc, "finished"),
	    rp_num(doc, "duration_s"));
	if (!rp_null(doc, "journal"))
		fprintf(out, "  Journal   %s\n", rp_str(doc, "journal"));
	fprintf(out, "  Tool      %s %s\n", rp_str(tool, "name"),
	    rp_str(tool, "version"));
}

static void
text_phases(const json_t *doc, FILE *out)
{
	const json_t *phases = json_object_get(doc, "phases"), *p;
	size_t i;

	fprintf(out, "\nPhases\n");
	if (json_array_size(phases) == 0)
		fprintf(out, "  (none ran)\n");
	json_array_foreach(phases, i, p) {
		fprintf(out, "  %-16s %-8s %7.2f s", rp_str(p, "name"),
		    rp_str(p, "status"), rp_num(p, "duration_s"));
		if (*rp_str(p, "message") != '\0')
			fprintf(out, "  %s", rp_str(p, "message"));
		fputc('\n', out);
	}
}

static void
text_checks(const json_t *doc, FILE *out)
{
	const json_t *checks = json_object_get(doc, "checks"), *c;
	size_t i, failed = 0;

	json_array_foreach(checks, i, c)
		if (!rp_bool(c, "ok"))
			failed++;
	fprintf(out, "\nChecks: %zu, %zu failed\n", json_array_size(checks),
	    failed);
	json_array_foreach(checks, i, c) {
		const char *msg = rp_str(c, "message");
		int line = (int)rp_num(c, "line");

		fprintf(out, "  %s  %-16s %s\n", rp_bool(c, "ok") ? "PASS" :
		    "FAIL", rp_str(c, "phase"), rp_str(c, "name"));
		if (*msg != '\0' && line > 0)
			fprintf(out, "        %s (spec line %d)\n", msg, line);
		else if (*msg != '\0')
			fprintf(out, "        %s\n", msg);
		else if (!rp_bool(c, "ok") && line > 0)
			fprintf(out, "        (spec line %d)\n", line);
	}
}

static void
cell_text(const struct rp_paths *p, unsigned t, int idx, char *buf,
    size_t len)
{
	char hop[HOP_MAX_ANSWERS * (FD_ADDR_STRLEN + 1)];
	const struct hop *h;

	if (p->l[t] == NULL) {
		buf[0] = '\0';
	} else if (idx < 0) {
		snprintf(buf, len, "    -");
	} else {
		h = &p->l[t]->hops[idx];
		snprintf(buf, len, "%3u %s%s", h->ttl,
		    rp_hop_str(h, hop, sizeof(hop)),
		    h->rate_limited ? " (rate-limited)" : "");
	}
}

static void
trace_state(const struct hop_list *l, char *buf, size_t len)
{
	if (l == NULL)
		snprintf(buf, len, "not traced");
	else
		snprintf(buf, len, "%s%s", l->reached ? "reached" :
		    "NOT reached", l->truncated ? ", truncated" : "");
}

enum { ROW_HEADER = -1, ROW_FOOTER = -2 };

/* One line of the side-by-side table: the column titles, hop row r, or
 * whether each trace reached the target; no trailing blanks. */
static void
path_line(FILE *out, const struct rp_paths *p, const size_t *width, int r)
{
	char buf[HOP_MAX_ANSWERS * (FD_ADDR_STRLEN + 1) + 8], *line = NULL;
	size_t len = 0;
	unsigned t;
	FILE *m = open_memstream(&line, &len);

	if (m == NULL)
		return;
	fputs("   ", m);
	for (t = 0; t < RP_TRACES; t++) {
		if (r >= 0) {
			cell_text(p, t, p->rows[r].idx[t], buf, sizeof(buf));
			fprintf(m, " %c", p->rows[r].differs[t] ? '!' : ' ');
		} else if (r == ROW_HEADER) {
			snprintf(buf, sizeof(buf), "%s (%s)", col_titles[t],
			    rp_trace_keys[t]);
			fputs("  ", m);
		} else {
			trace_state(p->l[t], buf, sizeof(buf));
			fputs("  ", m);
		}
		put_cell(m, buf, width[t]);
	}
	if (fclose(m) == 0) {
		while (len > 0 && line[len - 1] == ' ')
			line[--len] = '\0';
		fprintf(out, "%s\n", line);
	}
	free(line);
}

static void
text_path(const json_t *path, FILE *out)
{
	struct rp_paths p;
	struct fd_error err;
	char buf[HOP_MAX_ANSWERS * (FD_ADDR_STRLEN + 1) + 8];
	size_t width[RP_TRACES];
	unsigned t, r;

	fprintf(out, "\n  %s -> %s", rp_str(path, "probe"),
	    rp_str(path, "target"));
	if (*rp_str(path, "from") != '\0')
		fprintf(out, " (traced from %s)", rp_str(path, "from"));
	fputc('\n', out);
	if (rp_paths_load(path, &p, &err) < 0) {
		fprintf(out, "    (traces unreadable: %s)\n", err.msg);
		return;
	}
	if (p.ref < 0) {
		fprintf(out, "    (not traced)\n");
		return;
	}
	for (t = 0; t < RP_TRACES; t++) {
		width[t] = COL_MIN;
		for (r = 0; r < p.n; r++) {
			cell_text(&p, t, p.rows[r].idx[t], buf, sizeof(buf));
			if (text_width(buf) > width[t])
				width[t] = text_width(buf);
		}
		if (width[t] > COL_MAX)
			width[t] = COL_MAX;
	}
	path_line(out, &p, width, ROW_HEADER);
	for (r = 0; r < p.n; r++)
		path_line(out, &p, width, (int)r);
	path_line(out, &p, width, ROW_FOOTER);
	rp_paths_done(&p);
}

static void
text_paths(const json_t *doc, FILE *out)
{
	const json_t *paths = json_object_get(doc, "paths"), *path;
	size_t i;

	fprintf(out, "\nPaths ('!' marks a hop that differs from the first "
	    "trace)\n");
	if (json_array_size(paths) == 0)
		fprintf(out, "  (no probe)\n");
	json_array_foreach(paths, i, path)
		text_path(path, out);
}

/* What a route check saw, in one phrase: the active path and how many
 * others, or why there is none. */
static void
route_phrase(const json_t *c, char *buf, size_t len)
{
	const json_t *obs = json_object_get(c, "observed");
	const json_t *act = rp_route_active(c);
	size_t n = json_array_size(obs);

	if (c == NULL)
		snprintf(buf, len, "not checked");
	else if (!json_is_array(obs))
		snprintf(buf, len, "%s  routes not read", rp_bool(c, "ok") ?
		    "PASS" : "FAIL");
	else if (n == 0)
		snprintf(buf, len, "%s  no route", rp_bool(c, "ok") ? "PASS" :
		    "FAIL");
	else if (act == NULL)
		snprintf(buf, len, "%s  no active route of %zu", rp_bool(c,
		    "ok") ? "PASS" : "FAIL", n);
	else if (n > 1)
		snprintf(buf, len, "%s  %s, +%zu more", rp_bool(c, "ok") ?
		    "PASS" : "FAIL", rp_str(act, "route"), n - 1);
	else
		snprintf(buf, len, "%s  %s", rp_bool(c, "ok") ? "PASS" :
		    "FAIL", rp_str(act, "route"));
}

/*
 * Route evidence, one line per phase: the active route of each device's
 * checked prefix, '!' where it is not the baseline's.  Lines stay within
 * 100 columns (a long AS path is cut with '~').
 */
static void
text_routes(const json_t *doc, FILE *out)
{
	static const char *const label[RP_ROUTE_PHASES] = { "baseline",
		"verify", "restored" };
	struct rp_route_row *rows = NULL;
	struct fd_error err;
	char buf[ROUTE_LINE_MAX], base[ROUTE_LINE_MAX];
	size_t n = 0, i, w;
	unsigned t;

	if (rp_route_rows(doc, &rows, &n, &err) < 0) {
		fprintf(out, "\nRoutes\n  (%s)\n", err.msg);
		return;
	}
	if (n == 0)
		return;
	fprintf(out, "\nRoutes (the active one per phase; '!' where it is "
	    "not the baseline's)\n");
	for (i = 0; i < n; i++) {
		fprintf(out, "  %s%s%s %s\n", rows[i].device, rows[i].table ?
		    " table " : "", rows[i].table ? rows[i].table : "",
		    rows[i].prefix);
		base[0] = '\0';
		for (t = 0; t < RP_ROUTE_PHASES; t++) {
			const json_t *a = rp_route_active(rows[i].check[t]);

			route_phrase(rows[i].check[t], buf, sizeof(buf));
			if (t == 0 && a != NULL)
				snprintf(base, sizeof(base), "%s",
				    rp_str(a, "route"));
			fprintf(out, "  %c %-9s ", t > 0 && base[0] && a !=
			    NULL && strcmp(base, rp_str(a, "route")) != 0 ?
			    '!' : ' ', label[t]);
			/* 14 columns so far. */
			w = text_width(buf);
			if (w > 100 - 14)
				put_cell(out, buf, 100 - 14);
			else
				fputs(buf, out);
			fputc('\n', out);
		}
	}
	free(rows);
}

/* One character per time slice: lost wins when it touches the slice, so
 * a short gap still shows. */
static void
text_bar(const json_t *timeline, double end, FILE *out)
{
	const json_t *seg;
	char bar[BAR_WIDTH + 1];
	size_t i, k;

	for (k = 0; k < BAR_WIDTH; k++) {
		double c0 = end * (double)k / BAR_WIDTH;
		double c1 = end * (double)(k + 1) / BAR_WIDTH;
		double mid = (c0 + c1) / 2;
		char ch = ' ';

		json_array_foreach(timeline, i, seg) {
			const char *st = rp_str(seg, "state");
			double f = rp_num(seg, "from_s"), to = rp_num(seg, "to_s");

			if (strcmp(st, "lost") == 0 && f < c1 && to > c0) {
				ch = '.';
				break;
			}
			if (f <= mid && mid < to)
				ch = strcmp(st, "primary") == 0 ? 'P' : 'B';
		}
		bar[k] = ch;
	}
	bar[BAR_WIDTH] = '\0';
	fprintf(out, "    timeline            |%s| %.1f s\n", bar, end);
	fprintf(out, "%24sP primary (ExpressRoute), B backup (VPN), . lost\n",
	    "");
}

static void
text_conv(const json_t *c, const char *title, bool failover, FILE *out)
{
	const json_t *timeline = json_object_get(c, "timeline"), *seg;
	double end = 0;
	size_t i;

	if (c == NULL || json_is_null(c)) {
		fprintf(out, "  %s: not measured\n", title);
		return;
	}
	fprintf(out, "  %s (%s -> %s, %g probes/s)\n", title,
	    rp_str(c, "probe"), rp_str(c, "target"), rp_num(c, "rate_hz"));
	fprintf(out, "    %-19s ", failover ? "left ExpressRoute" :
	    "left the backup");
	if (rp_null(c, "left_s"))
		fprintf(out, "never\n");
	else
		fprintf(out, "%.2f s after the ARM write\n",
		    rp_num(c, "left_s"));
	fprintf(out, "    %-19s ", failover ? "stable on backup" :
	    "stable on primary");
	if (rp_null(c, "stable_s"))
		fprintf(out, "never\n");
	else
		fprintf(out, "%.2f s after the ARM write\n",
		    rp_num(c, "stable_s"));
	fprintf(out, "    %-19s %d of %d\n", "probes lost",
	    (int)rp_num(c, "lost"), (int)rp_num(c, "sent"));
	fprintf(out, "    %-19s %.2f s\n", "longest loss",
	    rp_num(c, "longest_loss_s"));
	fprintf(out, "    %-19s %s\n", "converged", rp_bool(c, "converged") ?
	    "yes" : "NO");
	/* Which signal told the path of how many samples (absent in results
	 * written before issue 9). */
	if (json_is_object(json_object_get(c, "signals"))) {
		static const char *const sig[] = { "ttl_responder",
		    "reply_ttl", "rtt", "carried" };
		json_t *g = json_object_get(c, "signals");
		unsigned k;

		fprintf(out, "    %-19s", "classified by");
		for (k = 0; k < sizeof(sig) / sizeof(sig[0]); k++)
			fprintf(out, " %s %d", sig[k],
			    (int)rp_num(g, sig[k]));
		fprintf(out, "\n");
	}
	json_array_foreach(timeline, i, seg)
		if (rp_num(seg, "to_s") > end)
			end = rp_num(seg, "to_s");
	if (end > 0)
		text_bar(timeline, end, out);
}

static void
text_convergence(const json_t *doc, FILE *out)
{
	const json_t *conv = json_object_get(doc, "convergence");

	fprintf(out, "\nConvergence (times since the ARM write was sent)\n");
	text_conv(json_object_get(conv, "failover"), "Failover", true, out);
	text_conv(json_object_get(conv, "failback"), "Failback", false, out);
}

static void
text_azure(const json_t *doc, FILE *out)
{
	const json_t *az = json_object_get(doc, "azure");
	const json_t *ops = json_object_get(az, "operations"), *op;
	size_t i;

	fprintf(out, "\nAzure operations");
	if (*rp_str(az, "correlation_id") != '\0')
		fprintf(out, " (correlation id %s)",
		    rp_str(az, "correlation_id"));
	fputc('\n', out);
	if (json_array_size(ops) == 0)
		fprintf(out, "  (none: nothing was changed)\n");
	json_array_foreach(ops, i, op) {
		int attempts = (int)rp_num(op, "attempts");

		fprintf(out, "  %-8s HTTP %3d  %-10s %6.1f s  %d attempt%s\n"
		    "           request id %s\n", rp_str(op, "action"),
		    (int)rp_num(op, "http_status"), rp_str(op, "status"),
		    rp_num(op, "duration_s"), attempts,
		    attempts == 1 ? "" : "s", rp_str(op, "request_id"));
	}
}

static int
text_render(const json_t *doc, FILE *out, struct fd_error *err)
{
	text_header(doc, out);
	text_phases(doc, out);
	text_checks(doc, out);
	text_paths(doc, out);
	text_routes(doc, out);
	text_convergence(doc, out);
	text_azure(doc, out);
	if (ferror(out))
		return fd_error_set(err, -EIO, "writing the report failed");
	return 0;
}

const struct report_ops report_text_ops = {
	.name = "text",
	.render = text_render,
};
