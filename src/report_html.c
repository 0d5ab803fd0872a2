/*
 * One self-contained HTML file: inline CSS and inline SVG, no script and
 * no external URL, so it can be mailed or attached to a change ticket.
 * Every string from the document goes through rp_xml_escape().
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"
#include "result.h"

#define HOP_W 132	/* column pitch of a hop box */
#define BOX_W 122
#define BOX_H 34
#define ROW_H 46
#define LABEL_W 96
#define BAR_W 640	/* convergence bar */
#define BAR_X 20

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;"
    "max-width:72em}\n"
    "h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.2em;margin-top:"
    "1.6em;border-bottom:1px solid #ccc}h3{font-size:1em}\n"
    "table{border-collapse:collapse}td,th{padding:.2em .7em;text-align:"
    "left;border-bottom:1px solid #eee;vertical-align:top}\n"
    ".badge{display:inline-block;padding:.2em .7em;border-radius:.3em;"
    "color:#fff;font-weight:bold}\n"
    ".passed{background:#2e7d32}.failed{background:#c62828}"
    ".aborted{background:#ef6c00}.restore-failed{background:#6a1b9a}"
    ".unchecked{background:#546e7a}\n"
    ".ok{color:#2e7d32;font-weight:bold}.fail{color:#c62828;"
    "font-weight:bold}.muted{color:#777}\n"
    "svg text{font:11px monospace;fill:#222}svg .lbl{font:bold 11px "
    "system-ui,sans-serif}svg text.rtt{fill:#555}svg text.role{"
    "fill:#1565c0;font-weight:bold}\n"
    "svg .hop rect{fill:#e3f2fd;stroke:#1565c0}svg .hop.silent rect{"
    "fill:#fafafa;stroke:#999;stroke-dasharray:3 2}\n"
    "svg .hop.diff rect{fill:#ffebee;stroke:#c62828;stroke-width:2}"
    "svg .link{stroke:#999}\n"
    "svg .gap rect{fill:#fff;stroke:#c62828;stroke-dasharray:4 3}"
    "svg .gap text{fill:#c62828}\n"
    "svg .primary{fill:#1565c0}svg .backup{fill:#2e7d32}svg .lost{"
    "fill:#c62828}svg .mark{stroke:#222;stroke-dasharray:2 2}"
    "svg line.limit{stroke:#ef6c00;stroke-width:2;stroke-dasharray:5 3}"
    "svg text.limit{fill:#ef6c00;font-weight:bold}\n"
    ".route{padding:.1em .3em;font-family:monospace}.route.active{"
    "background:#e8f5e9;border-left:3px solid #2e7d32;font-weight:bold}"
    ".tag{font:bold 11px system-ui,sans-serif;color:#2e7d32;"
    "margin-right:.4em}\n"
    ".scroll{overflow-x:auto}.legend span{display:inline-block;width:1em;height:1em;"
    "vertical-align:middle;margin:0 .3em 0 1em}\n"
    /* Phones: no page margin to waste; the path diagrams scroll. */
    "@media (max-width:40em){body{margin:.5em}td,th{padding:.2em .3em;"
    "overflow-wrap:break-word;word-break:break-word}}\n"
    /* Paper for the change record: black on white, nothing cut by a
     * scroll box, a section never split from its heading. */
    "@media print{body{margin:0;max-width:none;color:#000}.scroll{"
    "overflow:visible}.badge{border:1px solid #000;color:#000;"
    "background:none}h2,h3{break-after:avoid}svg{break-inside:avoid}}\n";

static void
esc(FILE *out, const char *s)
{
	rp_xml_escape(out, s);
}

static void
html_summary(const json_t *doc, FILE *out)
{
	const json_t *drill = json_object_get(doc, "drill");
	const char *outcome = rp_str(doc, "outcome");
	static const struct {
		const char *label;
		const char *key;
	} rows[] = {
		{ "Circuit", "circuit" }, { "Peering", "peering" },
		{ "Resource group", "resource_group" },
		{ "Subscription", "subscription" }, { "Spec", "spec" },
	};
	size_t i;

	fputs("<h1>failover-drill: ", out);
	esc(out, rp_str(drill, "name"));
	fputs("</h1>\n<p><span class=\"badge ", out);
	esc(out, outcome);
	fputs("\">", out);
	esc(out, outcome);
	fprintf(out, "</span> exit %d, mode ", (int)rp_num(doc, "exit_code"));
	esc(out, rp_str(doc, "mode"));
	fputs("</p>\n", out);
	if (strcmp(outcome, "restore-failed") == 0) {
		fputs("<p class=\"badge restore-failed\">ACT NOW: peering ",
		    out);
		esc(out, rp_str(drill, "peering"));
		fputs(" of circuit ", out);
		esc(out, rp_str(drill, "circuit"));
		fputs(" may still be disabled. Enable it in Azure or run "
		    "failover-drill recover.</p>\n", out);
	}
	if (!rp_null(doc, "error")) {
		fputs("<p class=\"fail\">", out);
		esc(out, rp_str(doc, "error"));
		fputs("</p>\n", out);
	}
	fputs("<table>\n", out);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		fprintf(out, "<tr><th>%s</th><td>", rows[i].label);
		esc(out, rp_str(drill, rows[i].key));
		fputs("</td></tr>\n", out);
	}
	fputs("<tr><th>Started</th><td>", out);
	esc(out, rp_str(doc, "started"));
	fputs("</td></tr>\n<tr><th>Finished</th><td>", out);
	esc(out, rp_str(doc, "finished"));
	fprintf(out, " (%.1f s)</td></tr>\n", rp_num(doc, "duration_s"));
	fprintf(out, "<tr><th>Backup</th><td>%s</td></tr>\n",
	    rp_null(doc, "backup_healthy") ? "not determined" :
	    rp_bool(doc, "backup_healthy") ? "<span class=\"ok\">healthy"
	    "</span>" : "<span class=\"fail\">not healthy</span>");
	if (json_object_get(doc, "evidence") != NULL) {
		const json_t *ev = json_object_get(doc, "evidence"), *id;

		fputs("<tr><th>Operator</th><td>", out);
		esc(out, rp_str(ev, "operator"));
		fputs("</td></tr>\n", out);
		if (!rp_null(ev, "change_id")) {
			fputs("<tr><th>Change</th><td>", out);
			esc(out, rp_str(ev, "change_id"));
			fputs("</td></tr>\n", out);
		}
		if (!rp_null(ev, "window_until")) {
			fputs("<tr><th>Window</th><td>until ", out);
			esc(out, rp_str(ev, "window_until"));
			fputs("</td></tr>\n", out);
		}
		if ((id = json_object_get(ev, "azure_identity")) != NULL) {
			fputs("<tr><th>Azure identity</th><td>", out);
			if (json_object_get(id, "unknown") != NULL) {
				fputs("unknown: ", out);
				esc(out, rp_str(id, "unknown"));
			} else {
				esc(out, rp_null(id, "type") ? "principal" :
				    rp_str(id, "type"));
				fputs(" <code>", out);
				esc(out, !rp_null(id, "name") ? rp_str(id,
				    "name") : rp_str(id, "app_id"));
				fputs("</code>, object <code>", out);
				esc(out, rp_str(id, "object_id"));
				fputs("</code>", out);
			}
			fputs("</td></tr>\n", out);
		}
		fputs("<tr><th>Spec SHA-256</th><td><code>", out);
		esc(out, rp_str(ev, "spec_sha256"));
		fputs("</code></td></tr>\n", out);
	}
	if (!rp_null(doc, "journal")) {
		fputs("<tr><th>Journal</th><td>", out);
		esc(out, rp_str(doc, "journal"));
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void
html_phases(const json_t *doc, FILE *out)
{
	const json_t *phases = json_object_get(doc, "phases"), *p;
	size_t i;

	fputs("<h2>Phases</h2>\n<table>\n<tr><th>Phase</th><th>Status</th>"
	    "<th>Duration</th><th>Message</th></tr>\n", out);
	json_array_foreach(phases, i, p) {
		const char *st = rp_str(p, "status");

		fputs("<tr><td>", out);
		esc(out, rp_str(p, "name"));
		fprintf(out, "</td><td class=\"%s\">", strcmp(st, "ok") == 0 ?
		    "ok" : strcmp(st, "skipped") == 0 ? "muted" : "fail");
		esc(out, st);
		fprintf(out, "</td><td>%.2f s</td><td>",
		    rp_num(p, "duration_s"));
		esc(out, rp_str(p, "message"));
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void
html_checks(const json_t *doc, FILE *out)
{
	const json_t *checks = json_object_get(doc, "checks"), *c;
	size_t i;

	fputs("<h2>Checks</h2>\n<table>\n<tr><th></th><th>Phase</th>"
	    "<th>Check</th><th>Message</th><th>Line</th></tr>\n", out);
	json_array_foreach(checks, i, c) {
		bool ok = rp_bool(c, "ok");
		int line = (int)rp_num(c, "line");

		fprintf(out, "<tr><td class=\"%s\">%s</td><td>",
		    ok ? "ok" : "fail", ok ? "PASS" :
		    rp_bool(c, "could_not_check") ? "NOT CHECKED" :
		    "FAIL");
		esc(out, rp_str(c, "phase"));
		fputs("</td><td>", out);
		esc(out, rp_str(c, "name"));
		fputs("</td><td>", out);
		esc(out, rp_str(c, "message"));
		fputs("</td><td>", out);
		if (line > 0)
			fprintf(out, "%d", line);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

/* A hop's RTTs for the tooltip: "0.21 0.25 * ms". */
static void
hop_tooltip(FILE *out, const struct hop *h)
{
	char a[HOP_MAX_ANSWERS * (FD_ADDR_STRLEN + HOP_NAME_MAX + 4)];
	unsigned i;

	fprintf(out, "<title>TTL %u: ", h->ttl);
	if (h->n_answers == 0)
		fputs("no reply", out);
	for (i = 0; i < h->n_answers; i++) {
		const struct hop_answer *an = &h->answers[i];

		fputs(i ? ", " : "", out);
		esc(out, addr_str(&an->addr, a, sizeof(a)));
		if (an->name[0] != '\0') {
			fputs(addr_is_set(&an->addr) ? " (" : "(", out);
			esc(out, an->name);
			fputc(')', out);
		}
	}
	fputs(";", out);
	for (i = 0; i < h->n_probes; i++) {
		if (h->probes[i].rtt_ms < 0)
			fputs(" *", out);
		else
			fprintf(out, " %.3f", h->probes[i].rtt_ms);
		esc(out, h->probes[i].flag);
	}
	fputs(" ms</title>", out);
}

/*
 * The role of a hop: the name of the spec's hop set (drill.hop_sets:
 * "msee", "ce", ...) that holds one of its addresses, or NULL.
 */
static const char *
hop_role(const json_t *sets, const struct hop *h)
{
	const char *name;
	const json_t *pfxs, *v;
	struct fd_prefix p;
	unsigned a;
	size_t i;

	json_object_foreach((json_t *)sets, name, pfxs)
		json_array_foreach(pfxs, i, v)
			for (a = 0; a < h->n_answers; a++)
				if (addr_is_set(&h->answers[a].addr) &&
				    prefix_parse(json_string_value(v), &p,
				    NULL) == 0 && prefix_contains(&p,
				    &h->answers[a].addr))
					return name;
	return NULL;
}

static void
hop_box(FILE *out, const struct hop *h, const char *role, bool differs,
    double x, double y)
{
	char s[HOP_MAX_ANSWERS * (FD_ADDR_STRLEN + 1)];
	double best = -1;
	size_t len;
	unsigned i;

	rp_hop_str(h, s, sizeof(s));
	for (i = 0; i < h->n_probes; i++)
		if (h->probes[i].rtt_ms >= 0 &&
		    (best < 0 || h->probes[i].rtt_ms < best))
			best = h->probes[i].rtt_ms;
	/* A box holds about 17 monospace characters; the tooltip has it
	 * all. */
	len = strlen(s);
	if (len > 17)
		memcpy(s + 14, "...", 4);
	fprintf(out, "<g class=\"hop%s%s\">", h->n_answers == 0 ?
	    " silent" : "", differs ? " diff" : "");
	hop_tooltip(out, h);
	fprintf(out, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%d\" height=\"%d\" "
	    "rx=\"4\"/><text x=\"%.0f\" y=\"%.0f\">%u</text>", x, y, BOX_W,
	    BOX_H, x + 5, y + 13, h->ttl);
	/* Its role in the spec (@msee, @ce), on the box. */
	if (role != NULL) {
		fprintf(out, "<text class=\"role\" x=\"%.0f\" y=\"%.0f\">@",
		    x + 24, y + 13);
		esc(out, role);
		fputs("</text>", out);
	}
	/* The best RTT on the box itself, no hovering needed. */
	if (best >= 0)
		fprintf(out, "<text class=\"rtt\" x=\"%.0f\" y=\"%.0f\" "
		    "text-anchor=\"end\">%.*f ms</text>", x + BOX_W - 5,
		    y + 13, best < 10 ? 2 : 1, best);
	fprintf(out, "<text x=\"%.0f\" y=\"%.0f\">", x + 5, y + 27);
	esc(out, s);
	fputs("</text></g>\n", out);
}

static void
html_path(const json_t *path, const json_t *sets, FILE *out)
{
	static const char *const titles[RP_TRACES] = { "before", "during",
		"after" };
	struct rp_paths p;
	struct fd_error err;
	unsigned t, r;
	int width, height;

	fputs("<h3>", out);
	esc(out, rp_str(path, "probe"));
	fputs(" &#8594; ", out);
	esc(out, rp_str(path, "target"));
	if (*rp_str(path, "from") != '\0') {
		fputs(" <span class=\"muted\">(from ", out);
		esc(out, rp_str(path, "from"));
		fputs(")</span>", out);
	}
	fputs("</h3>\n", out);
	if (rp_paths_load(path, &p, &err) < 0) {
		fputs("<p class=\"fail\">traces unreadable: ", out);
		esc(out, err.msg);
		fputs("</p>\n", out);
		return;
	}
	if (p.ref < 0) {
		fputs("<p class=\"muted\">not traced</p>\n", out);
		return;
	}
	width = LABEL_W + (int)p.n * HOP_W + 8;
	height = RP_TRACES * ROW_H + 6;
	fprintf(out, "<div class=\"scroll\"><svg role=\"img\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\">\n", width, height, width,
	    height);
	for (t = 0; t < RP_TRACES; t++) {
		double y = 4 + t * ROW_H;
		int last = -1;

		fprintf(out, "<text class=\"lbl\" x=\"4\" y=\"%.0f\">%s</text>\n",
		    y + 15, titles[t]);
		fprintf(out, "<text x=\"4\" y=\"%.0f\">%s</text>\n", y + 29,
		    p.l[t] == NULL ? "not traced" : p.l[t]->reached ?
		    "reached" : "NOT reached");
		if (p.l[t] == NULL)
			continue;
		for (r = 0; r < p.n; r++) {
			if (p.rows[r].idx[t] < 0)
				continue;
			if (last >= 0)
				fprintf(out, "<line class=\"link\" x1=\"%d\" "
				    "y1=\"%.0f\" x2=\"%d\" y2=\"%.0f\"/>\n",
				    LABEL_W + last * HOP_W + BOX_W, y +
				    BOX_H / 2, LABEL_W + (int)r * HOP_W, y +
				    BOX_H / 2);
			last = (int)r;
		}
		for (r = 0; r < p.n; r++) {
			double x = LABEL_W + (double)r * HOP_W;

			if (p.rows[r].idx[t] >= 0)
				hop_box(out, &p.l[t]->hops[p.rows[r].idx[t]],
				    hop_role(sets, &p.l[t]->hops[
				    p.rows[r].idx[t]]), p.rows[r].differs[t],
				    x, y);
			else if (p.rows[r].differs[t])
				/* The reference has a hop here, this trace
				 * none: show the hole. */
				fprintf(out, "<g class=\"gap\"><title>no "
				    "such hop in this trace</title><rect "
				    "x=\"%.0f\" y=\"%.0f\" width=\"%d\" "
				    "height=\"%d\" rx=\"4\"/><text x=\"%.0f\" "
				    "y=\"%.0f\">missing</text></g>\n", x + 30,
				    y + 6, BOX_W - 60, BOX_H - 12, x + 38,
				    y + 21);
		}
	}
	fputs("</svg></div>\n", out);
	rp_paths_done(&p);
}

static void
html_paths(const json_t *doc, FILE *out)
{
	const json_t *paths = json_object_get(doc, "paths"), *path;
	size_t i;

	fputs("<h2>Paths</h2>\n<p class=\"muted\">Hops in red differ from the "
	    "first trace; hover a hop for its addresses and RTTs.</p>\n", out);
	json_array_foreach(paths, i, path)
		html_path(path, json_object_get(json_object_get(doc, "drill"),
		    "hop_sets"), out);
}

/* One phase's cell of the route evidence: every path of the prefix, the
 * active one marked in words as well as colour (paper, screen readers). */
static void
route_cell(const json_t *c, FILE *out)
{
	const json_t *obs = json_object_get(c, "observed"), *o;
	size_t i;

	if (c == NULL) {
		fputs("<td class=\"muted\">not checked</td>", out);
		return;
	}
	fputs("<td>", out);
	if (!rp_bool(c, "ok")) {
		fputs("<div class=\"fail\">FAIL ", out);
		esc(out, rp_str(c, "message"));
		fputs("</div>", out);
	}
	if (!json_is_array(obs))
		fputs("<span class=\"muted\">routes not read</span>", out);
	else if (json_array_size(obs) == 0)
		fputs("<span class=\"muted\">no route</span>", out);
	json_array_foreach(obs, i, o) {
		bool act = json_is_true(json_object_get(o, "active"));

		fprintf(out, "<div class=\"route%s\">%s", act ? " active" : "",
		    act ? "<span class=\"tag\">active</span>" : "");
		esc(out, rp_str(o, "route"));
		fputs("</div>", out);
	}
	fputs("</td>", out);
}

/*
 * Route evidence: per device and prefix the routes before, during and
 * after the failover, so a reviewer sees the ExpressRoute route (AS path
 * 12076) give way to the VPN's (65515) and come back.
 */
static void
html_routes(const json_t *doc, FILE *out)
{
	struct rp_route_row *rows = NULL;
	struct fd_error err;
	size_t n = 0, i;
	unsigned t;

	if (rp_route_rows(doc, &rows, &n, &err) < 0) {
		fputs("<h2>Route evidence</h2>\n<p class=\"fail\">", out);
		esc(out, err.msg);
		fputs("</p>\n", out);
		return;
	}
	if (n == 0)
		return;
	fputs("<h2>Route evidence</h2>\n<p class=\"muted\">Each device's "
	    "routes to a checked prefix in each phase; the active route is "
	    "highlighted.</p>\n<div class=\"scroll\"><table class=\"routes"
	    "\">\n<tr><th>Device</th><th>Prefix</th><th>baseline</th>"
	    "<th>failover (verify)</th><th>restored</th></tr>\n", out);
	for (i = 0; i < n; i++) {
		fputs("<tr><td>", out);
		esc(out, rows[i].device);
		if (rows[i].table != NULL) {
			fputs(" <span class=\"muted\">", out);
			esc(out, rows[i].table);
			fputs("</span>", out);
		}
		fputs("</td><td>", out);
		esc(out, rows[i].prefix);
		fputs("</td>", out);
		for (t = 0; t < RP_ROUTE_PHASES; t++)
			route_cell(rows[i].check[t], out);
		fputs("</tr>\n", out);
	}
	fputs("</table></div>\n", out);
	free(rows);
}

/* 1, 2 or 5 times a power of ten, giving at most 10 ticks. */
static double
tick_step(double end)
{
	static const double m[] = { 1, 2, 5 };
	double base = pow(10, floor(log10(end / 10)));
	unsigned i;

	for (;; base *= 10)
		for (i = 0; i < 3; i++)
			if (end / (m[i] * base) <= 10)
				return m[i] * base;
}

static void
marker(FILE *out, double x, const char *label, double v)
{
	fprintf(out, "<line class=\"mark\" x1=\"%.1f\" y1=\"22\" x2=\"%.1f\" "
	    "y2=\"62\"/><text x=\"%.1f\" y=\"18\">%s %.2f s</text>\n", x, x,
	    x + 2, label, v);
}

static void
html_conv(const json_t *c, const char *title, bool failover, FILE *out)
{
	const json_t *timeline = json_object_get(c, "timeline"), *seg;
	double end = 0, step, v, scale, t0 = 0, limit = -1;
	size_t i;

	fprintf(out, "<h3>%s</h3>\n", title);
	if (c == NULL || json_is_null(c)) {
		fputs("<p class=\"muted\">not measured</p>\n", out);
		return;
	}
	fputs("<table>\n<tr><th>Probe</th><td>", out);
	esc(out, rp_str(c, "probe"));
	fputs(" &#8594; ", out);
	esc(out, rp_str(c, "target"));
	fprintf(out, " at %g probes/s</td></tr>\n", rp_num(c, "rate_hz"));
	if (result_time_parse(rp_str(c, "t0"), &t0) == 0) {
		fputs("<tr><th>ARM write sent</th><td>", out);
		esc(out, rp_str(c, "t0"));
		fputs(" (the timeline's 0)</td></tr>\n", out);
	} else {
		t0 = 0;
	}
	if (json_is_number(json_object_get(c, "limit_s"))) {
		limit = rp_num(c, "limit_s");
		fprintf(out, "<tr><th>Limit</th><td>%g s (converge_within_s)"
		    "</td></tr>\n", limit);
	}
	fprintf(out, "<tr><th>%s</th><td>", failover ? "Left ExpressRoute" :
	    "Left the backup");
	if (rp_null(c, "left_s"))
		fputs("never", out);
	else
		fprintf(out, "%.2f s", rp_num(c, "left_s"));
	fprintf(out, "</td></tr>\n<tr><th>%s</th><td>", failover ?
	    "Stable on backup" : "Stable on primary");
	if (rp_null(c, "stable_s"))
		fputs("never", out);
	else
		fprintf(out, "%.2f s", rp_num(c, "stable_s"));
	fprintf(out, "</td></tr>\n<tr><th>Probes lost</th><td>%d of %d</td>"
	    "</tr>\n<tr><th>Longest loss</th><td>%.2f s</td></tr>\n"
	    "<tr><th>Converged</th><td class=\"%s\">%s</td></tr>\n</table>\n",
	    (int)rp_num(c, "lost"), (int)rp_num(c, "sent"),
	    rp_num(c, "longest_loss_s"), rp_bool(c, "converged") ? "ok" :
	    "fail", rp_bool(c, "converged") ? "yes" : "no");
	json_array_foreach(timeline, i, seg)
		if (rp_num(seg, "to_s") > end)
			end = rp_num(seg, "to_s");
	if (end <= 0)
		return;
	if (limit > end)
		end = limit;
	scale = BAR_W / end;
	fprintf(out, "<div class=\"scroll\"><svg role=\"img\" width=\"%d\" "
	    "height=\"112\" viewBox=\"0 0 %d 112\">\n", BAR_X * 2 + BAR_W + 60,
	    BAR_X * 2 + BAR_W + 60);
	json_array_foreach(timeline, i, seg) {
		double f = rp_num(seg, "from_s"), to = rp_num(seg, "to_s");

		fputs("<rect class=\"", out);
		esc(out, rp_str(seg, "state"));
		fprintf(out, "\" x=\"%.1f\" y=\"30\" width=\"%.1f\" "
		    "height=\"24\"><title>", BAR_X + f * scale,
		    (to - f) * scale);
		esc(out, rp_str(seg, "state"));
		fprintf(out, " %.2f-%.2f s</title></rect>\n", f, to);
	}
	step = tick_step(end);
	for (v = 0; v <= end + step / 1000; v += step)
		fprintf(out, "<line class=\"link\" x1=\"%.1f\" y1=\"56\" "
		    "x2=\"%.1f\" y2=\"62\"/><text x=\"%.1f\" y=\"76\">%g s"
		    "</text>\n", BAR_X + v * scale, BAR_X + v * scale,
		    BAR_X + v * scale - 6, v);
	/* The UTC clock at both ends, to line up with logs and ARM. */
	if (t0 > 0) {
		char a[16], b[16];
		time_t s0 = (time_t)t0, s1 = (time_t)(t0 + end);
		struct tm tm;

		gmtime_r(&s0, &tm);
		strftime(a, sizeof(a), "%H:%M:%S", &tm);
		gmtime_r(&s1, &tm);
		strftime(b, sizeof(b), "%H:%M:%S", &tm);
		fprintf(out, "<text x=\"%d\" y=\"108\">%s UTC</text>"
		    "<text x=\"%.1f\" y=\"108\" text-anchor=\"end\">%s UTC"
		    "</text>\n", BAR_X, a, BAR_X + end * scale, b);
	}
	if (limit >= 0)
		fprintf(out, "<line class=\"limit\" x1=\"%.1f\" y1=\"12\" "
		    "x2=\"%.1f\" y2=\"60\"/><text class=\"limit\" "
		    "x=\"%.1f\" y=\"9\" text-anchor=\"middle\">limit %g s"
		    "</text>\n", BAR_X + limit * scale, BAR_X + limit * scale,
		    BAR_X + limit * scale, limit);
	if (!rp_null(c, "left_s"))
		marker(out, BAR_X + rp_num(c, "left_s") * scale, "left",
		    rp_num(c, "left_s"));
	if (!rp_null(c, "stable_s"))
		fprintf(out, "<line class=\"mark\" x1=\"%.1f\" y1=\"30\" "
		    "x2=\"%.1f\" y2=\"90\"/><text x=\"%.1f\" y=\"92\">stable "
		    "%.2f s</text>\n", BAR_X + rp_num(c, "stable_s") * scale,
		    BAR_X + rp_num(c, "stable_s") * scale,
		    BAR_X + rp_num(c, "stable_s") * scale + 2,
		    rp_num(c, "stable_s"));
	fputs("</svg></div>\n<p class=\"legend\"><span "
	    "style=\"background:#1565c0\"></span>primary (ExpressRoute)"
	    "<span style=\"background:#2e7d32\"></span>backup (VPN)"
	    "<span style=\"background:#c62828\"></span>lost</p>\n", out);
}

static void
html_azure(const json_t *doc, FILE *out)
{
	const json_t *az = json_object_get(doc, "azure");
	const json_t *ops = json_object_get(az, "operations"), *op;
	size_t i;

	fputs("<h2>Azure operations</h2>\n", out);
	if (*rp_str(az, "correlation_id") != '\0') {
		fputs("<p>Correlation id <code>", out);
		esc(out, rp_str(az, "correlation_id"));
		fputs("</code></p>\n", out);
	}
	if (json_array_size(ops) == 0) {
		fputs("<p class=\"muted\">none: nothing was changed</p>\n",
		    out);
		return;
	}
	fputs("<table>\n<tr><th>Action</th><th>HTTP</th><th>Status</th>"
	    "<th>Duration</th><th>Attempts</th><th>Request id</th></tr>\n",
	    out);
	json_array_foreach(ops, i, op) {
		fputs("<tr><td>", out);
		esc(out, rp_str(op, "action"));
		fprintf(out, "</td><td>%d</td><td>",
		    (int)rp_num(op, "http_status"));
		esc(out, rp_str(op, "status"));
		fprintf(out, "</td><td>%.1f s</td><td>%d</td><td><code>",
		    rp_num(op, "duration_s"), (int)rp_num(op, "attempts"));
		esc(out, rp_str(op, "request_id"));
		fputs("</code></td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

static int
html_render(const json_t *doc, FILE *out, struct fd_error *err)
{
	const json_t *conv = json_object_get(doc, "convergence");

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n"
	    "<title>failover-drill: ", out);
	esc(out, rp_str(json_object_get(doc, "drill"), "name"));
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
	html_summary(doc, out);
	html_phases(doc, out);
	html_checks(doc, out);
	html_paths(doc, out);
	html_routes(doc, out);
	fputs("<h2>Convergence</h2>\n<p class=\"muted\">Times since the ARM "
	    "write was sent.</p>\n", out);
	html_conv(json_object_get(conv, "failover"), "Failover", true, out);
	html_conv(json_object_get(conv, "failback"), "Failback", false, out);
	html_azure(doc, out);
	fputs("<p class=\"muted\">", out);
	esc(out, rp_str(json_object_get(doc, "tool"), "name"));
	fputc(' ', out);
	esc(out, rp_str(json_object_get(doc, "tool"), "version"));
	fputs("</p>\n</body>\n</html>\n", out);
	if (ferror(out))
		return fd_error_set(err, -EIO, "writing HTML failed");
	return 0;
}

const struct report_ops report_html_ops = {
	.name = "html",
	.render = html_render,
};
