/*
 * Report renderers: golden outputs for every fixture and format in
 * tests/golden/report/ (FD_UPDATE_GOLDEN=1 rewrites the .ok files), the
 * hop alignment, escaping, well-formed markup and the Prometheus
 * carry-over.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report.h"
#include "result.h"
#include "../testutil.h"

static const char *const fixtures[] = { "passed", "failed",
	"restore-failed", "dry-run" };
#define N_FIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

static json_t *
load_fixture(const char *name)
{
	char rel[128], path[512];
	struct fd_error err;
	json_t *doc = NULL;

	snprintf(rel, sizeof(rel), "tests/golden/report/%s.json", name);
	assert_non_null(tu_source(rel, path, sizeof(path)));
	if (result_load(path, &doc, &err) < 0)
		fail_msg("%s", err.msg);
	return doc;
}

/* Render into a string; rc is returned through *rc. */
static char *
render(const json_t *doc, const char *format, int *rc, struct fd_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	assert_non_null(m);
	*rc = report_render(doc, format, m, err);
	fclose(m);
	return buf;
}

static char *
render_ok(const json_t *doc, const char *format)
{
	struct fd_error err;
	char *s;
	int rc;

	fd_error_clear(&err);
	s = render(doc, format, &rc, &err);
	if (rc != 0)
		fail_msg("%s: %s", format, err.msg);
	return s;
}

/* Compare with the .ok file; first differing line in the message. */
static void
golden(const char *fixture, const char *format, const char *got)
{
	char rel[128], path[512];
	const char *g, *w;
	char *want;
	unsigned line = 1;

	snprintf(rel, sizeof(rel), "tests/golden/report/%s.%s.ok", fixture,
	    format);
	assert_non_null(tu_source(rel, path, sizeof(path)));
	if (getenv("FD_UPDATE_GOLDEN") != NULL) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(got, f);
		assert_int_equal(fclose(f), 0);
		return;
	}
	want = tu_slurp(path, NULL);
	if (want == NULL)
		fail_msg("%s: missing (FD_UPDATE_GOLDEN=1 writes it)", path);
	for (g = got, w = want; *g != '\0' && *g == *w; g++, w++)
		if (*g == '\n')
			line++;
	if (*g != '\0' || *w != '\0') {
		const char *ge = strchr(g, '\n'), *we = strchr(w, '\n');

		fail_msg("%s: line %u differs:\n got: %.*s\nwant: %.*s", path,
		    line, ge ? (int)(ge - g) : (int)strlen(g), g,
		    we ? (int)(we - w) : (int)strlen(w), w);
	}
	free(want);
}

static void
test_golden(void **state)
{
	const char *const *fmt;
	size_t i;

	(void)state;
	for (i = 0; i < N_FIXTURES; i++) {
		json_t *doc = load_fixture(fixtures[i]);

		for (fmt = report_formats(); *fmt != NULL; fmt++) {
			char *s = render_ok(doc, *fmt);

			golden(fixtures[i], *fmt, s);
			free(s);
		}
		json_decref(doc);
	}
}

static void
test_formats(void **state)
{
	const char *const *fmt = report_formats();
	struct fd_error err;
	json_t *doc = load_fixture("passed");
	char *s;
	size_t n = 0;
	int rc;

	(void)state;
	for (; fmt[n] != NULL; n++) {
		assert_non_null(report_find(fmt[n]));
		assert_string_equal(report_find(fmt[n])->name, fmt[n]);
	}
	assert_int_equal(n, 5);
	assert_null(report_find("Text"));
	assert_null(report_find("tex"));
	assert_null(report_find(NULL));
	s = render(doc, "yaml", &rc, &err);
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(err.msg, "unknown report format 'yaml'"));
	assert_non_null(strstr(err.msg, "junit"));
	assert_string_equal(s, "");
	free(s);
	/* An invalid document is refused before anything is written. */
	json_object_del(doc, "checks");
	s = render(doc, "text", &rc, &err);
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(err.msg, "missing member \"checks\""));
	assert_string_equal(s, "");
	free(s);
	json_decref(doc);
}

static void
test_json_is_the_document(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_FIXTURES; i++) {
		json_t *doc = load_fixture(fixtures[i]), *back;
		char *s = render_ok(doc, "json");

		back = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
		assert_non_null(back);
		assert_true(json_equal(doc, back));
		/* Pretty-printed, members in document order. */
		assert_memory_equal(s, "{\n  \"schema\": ", 13);
		json_decref(back);
		json_decref(doc);
		free(s);
	}
}

/* ---- Alignment ---- */

static json_t *
trace_json(const char *hops)
{
	struct hop_list *l = hop_list_new();
	json_t *j;

	assert_int_equal(hop_list_parse(hops, l, NULL), 0);
	j = hop_list_to_json(l);
	hop_list_free(l);
	return j;
}

/* Rows as "b0,f0,r0 b1!,f1,r1 ..." with '!' after a differing cell. */
static void
align_case(const char *b, const char *f, const char *r, const char *want)
{
	json_t *path = json_pack("{s:s, s:s, s:{s:o, s:o, s:o}}", "probe",
	    "p", "target", "10.17.11.132", "traces",
	    "baseline", b ? trace_json(b) : json_null(),
	    "failover", f ? trace_json(f) : json_null(),
	    "restored", r ? trace_json(r) : json_null());
	struct rp_paths p;
	char got[512];
	size_t off = 0;
	unsigned i, t;

	assert_int_equal(rp_paths_load(path, &p, NULL), 0);
	got[0] = '\0';
	for (i = 0; i < p.n; i++) {
		for (t = 0; t < RP_TRACES; t++)
			off += (size_t)snprintf(got + off, sizeof(got) - off,
			    "%s%d%s", t ? "," : i ? " " : "", p.rows[i].idx[t],
			    p.rows[i].differs[t] ? "!" : "");
	}
	assert_string_equal(got, want);
	rp_paths_done(&p);
	json_decref(path);
}

#define BASELINE "10.1.11.1, 192.168.11.0, 192.168.11.18, *, 10.17.11.132"
#define FAILOVER "10.1.11.1, *, 10.17.11.132"

static void
test_align(void **state)
{
	(void)state;
	/* The seed: CE and MSEE gone during failover, back afterwards. */
	align_case(BASELINE, FAILOVER, BASELINE,
	    "0,0,0 1,-1!,1 2,-1!,2 3,1,3 4,2,4");
	/* A hop only in the later traces gets a row of its own, marked
	 * only where it exists. */
	align_case(FAILOVER, BASELINE, FAILOVER,
	    "0,0,0 -1,1!,-1 -1,2!,-1 1,3,1 2,4,2");
	/* Substitution (secondary MSEE) shown side by side. */
	align_case(BASELINE, FAILOVER,
	    "10.1.11.1, 192.168.11.2, 192.168.11.22, *, 10.17.11.132",
	    "0,0,0 1,-1!,1! 2,-1!,2! 3,1,3 4,2,4");
	/* No baseline: the failover trace is the reference. */
	align_case(NULL, FAILOVER, BASELINE,
	    "-1,0,0 -1,-1,1! -1,-1,2! -1,1,3 -1,2,4");
	/* Only one trace. */
	align_case(BASELINE, NULL, NULL,
	    "0,-1,-1 1,-1,-1 2,-1,-1 3,-1,-1 4,-1,-1");
	/* Extra hops in both other traces at the same place are zipped. */
	align_case("10.1.11.1, 10.17.11.132",
	    "10.1.11.1, 10.9.9.1, 10.17.11.132",
	    "10.1.11.1, 10.8.8.1, 10.8.8.2, 10.17.11.132",
	    "0,0,0 -1,1!,1! -1,-1,2! 1,2,3");
}

static void
test_text_marks(void **state)
{
	json_t *doc = load_fixture("passed");
	char *s = render_ok(doc, "text"), *line;

	(void)state;
	/* The CE hop row: present before and after, missing (and marked)
	 * during the failover. */
	assert_non_null(strstr(s, "\n       2 192.168.11.0     !    -       "
	    "            2 192.168.11.0\n"));
	/* The silent hop and the target line up with the failover's. */
	assert_non_null(strstr(s, "\n       4 *                   2 *       "
	    "            4 *\n"));
	assert_non_null(strstr(s, "Outcome   PASSED (exit 0)"));
	assert_non_null(strstr(s, "192.168.11.18|192.168.11.22"));
	assert_non_null(strstr(s, "left ExpressRoute   0.84 s"));
	assert_non_null(strstr(s, "request id b1e4d0a2-7c55-4f0e-9a1d"));
	assert_null(strstr(s, "classified by"));
	assert_null(strstr(s, "rate-limited"));
	free(s);
	/* Issue 9: a hop the tracer marked rate-limited says so. */
	json_object_set_new(json_array_get(json_object_get(json_object_get(
	    json_object_get(json_array_get(json_object_get(doc, "paths"), 0),
	    "traces"), "failover"), "hops"), 0), "rate_limited",
	    json_true());
	s = render_ok(doc, "text");
	assert_non_null(strstr(s, "1 10.1.11.1 (rate-limited)"));
	free(s);
	/* Issue 9: which signal classified the samples. */
	json_object_set_new(json_object_get(json_object_get(doc,
	    "convergence"), "failover"), "signals", json_pack("{s:i, s:i, "
	    "s:i, s:i, s:i}", "none", 0, "ttl_responder", 3, "reply_ttl",
	    420, "rtt", 0, "carried", 1));
	s = render_ok(doc, "text");
	assert_non_null(strstr(s, "    classified by       ttl_responder 3 "
	    "reply_ttl 420 rtt 0 carried 1\n"));
	/* An 80+ column terminal: no line of the seed drill's report is
	 * wider than 100 (only long check names pass 80). */
	for (line = s; line != NULL && *line; ) {
		char *nl = strchr(line, '\n');

		assert_true((nl ? (size_t)(nl - line) : strlen(line)) <= 100);
		line = nl ? nl + 1 : NULL;
	}
	free(s);
	json_decref(doc);
}

/* ---- Markup ---- */

/* Every tag closed in order, '<' '>' '&' only as markup or entities. */
static void
assert_well_formed(const char *s, const char *what)
{
	static const char *const entities[] = { "&amp;", "&lt;", "&gt;",
		"&quot;", "&#39;", "&#8594;" };
	static const char *const voids[] = { "meta" };
	char stack[32][16];
	unsigned depth = 0, i;
	const char *p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '&') {
			for (i = 0; i < 6; i++)
				if (strncmp(p, entities[i],
				    strlen(entities[i])) == 0)
					break;
			if (i == 6)
				fail_msg("%s: bare '&' at %.20s", what, p);
		} else if (*p == '>') {
			fail_msg("%s: bare '>' at %.20s", what, p);
		} else if (*p == '<') {
			const char *e = strchr(p, '>'), *q;
			char name[16];
			size_t n;

			assert_non_null(e);
			for (q = p + 1; q < e; q++)
				if (*q == '<')
					fail_msg("%s: '<' inside a tag at %.30s",
					    what, p);
			if (p[1] == '?' || p[1] == '!') {
				p = e;
				continue;
			}
			q = p[1] == '/' ? p + 2 : p + 1;
			n = strcspn(q, " />");
			assert_true(n > 0 && n < sizeof(name));
			memcpy(name, q, n);
			name[n] = '\0';
			if (p[1] == '/') {
				if (depth == 0 || strcmp(stack[depth - 1],
				    name) != 0)
					fail_msg("%s: </%s> closes <%s>", what,
					    name, depth ? stack[depth - 1] :
					    "nothing");
				depth--;
			} else if (e[-1] != '/') {
				for (i = 0; i < 1; i++)
					if (strcmp(name, voids[i]) == 0)
						break;
				if (i == 1) {
					assert_true(depth < 32);
					memcpy(stack[depth++], name, n + 1);
				}
			}
			p = e;
		}
	}
	if (depth != 0)
		fail_msg("%s: <%s> never closed", what, stack[depth - 1]);
}

static size_t
count(const char *s, const char *needle)
{
	size_t n = 0;

	for (; (s = strstr(s, needle)) != NULL; s++)
		n++;
	return n;
}

static void
test_markup(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_FIXTURES; i++) {
		json_t *doc = load_fixture(fixtures[i]);
		char *x = render_ok(doc, "junit"), *h = render_ok(doc, "html");
		char what[64];

		snprintf(what, sizeof(what), "%s junit", fixtures[i]);
		assert_well_formed(x, what);
		snprintf(what, sizeof(what), "%s html", fixtures[i]);
		assert_well_formed(h, what);
		/* Self-contained: no URL, no script, no external resource. */
		assert_null(strstr(h, "http:"));
		assert_null(strstr(h, "https:"));
		assert_null(strstr(h, "url("));
		assert_null(strstr(h, "src="));
		assert_null(strstr(h, "<script"));
		assert_null(strstr(h, "<link"));
		/* Phone width and paper (issue 13). */
		assert_non_null(strstr(h, "<meta name=\"viewport\" content=\""
		    "width=device-width"));
		assert_non_null(strstr(h, "@media print{"));
		/* Every outcome has its badge colour. */
		assert_non_null(strstr(h, ".unchecked{background:"));
		/* One testcase per check plus one per phase in error. */
		assert_int_equal(count(x, "<testcase "),
		    json_array_size(json_object_get(doc, "checks")) +
		    (strcmp(fixtures[i], "restore-failed") == 0));
		free(x);
		free(h);
		json_decref(doc);
	}
}

static void
test_hostile_strings(void **state)
{
	json_t *doc = load_fixture("failed");
	char *x = render_ok(doc, "junit"), *h = render_ok(doc, "html");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	(void)state;
	assert_non_null(strstr(x, "<testsuite name=\"cust11 &lt;b&gt;&quot;"
	    "lab&quot;&lt;/b&gt; &amp; &#39;test&#39; \\ x\""));
	assert_non_null(strstr(x, "name=\"&lt;script&gt;alert(&#39;x&#39;)"
	    "&lt;/script&gt; &amp; &quot;quoted&quot; path\""));
	assert_non_null(strstr(x, "<failure message=\"destination "
	    "10.17.11.132 not reached (trace ended at hop 6) &lt;&amp;&gt;\""));
	assert_non_null(strstr(h, "&lt;script&gt;alert(&#39;x&#39;)"));
	assert_non_null(strstr(h, "fw&lt;&amp;&gt;&quot;&#39;"));
	/* The failing hops of the broken backup are highlighted. */
	assert_true(count(h, "class=\"hop silent diff\"") >= 3);

	assert_non_null(m = open_memstream(&buf, &len));
	rp_xml_escape(m, "a<b>&\"'\x01\tz");
	rp_prom_escape(m, "|q\"b\\s\nn");
	fclose(m);
	assert_string_equal(buf, "a&lt;b&gt;&amp;&quot;&#39;\xef\xbf\xbd\tz"
	    "|q\\\"b\\\\s\\nn");
	free(buf);
	free(x);
	free(h);
	json_decref(doc);
}

/* The check of phase ph whose name starts with "fw: 10.17.11.0/25". */
static json_t *
fw_route_check(json_t *doc, const char *ph)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(doc, "checks"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "phase")),
		    ph) == 0 && strncmp(json_string_value(json_object_get(c,
		    "name")), "fw: 10.17.11.0/25", 17) == 0)
			return c;
	fail_msg("no fw route check in %s", ph);
	return NULL;
}

/*
 * Issue 13: route evidence before, during and after.  One row per device
 * and prefix, grouped by the checks' machine keys (never their names),
 * three phase columns, the active route marked: ExpressRoute (12076)
 * gives way to the VPN (65515) and comes back.
 */
static void
test_route_evidence(void **state)
{
	json_t *doc = load_fixture("passed");
	char *h = render_ok(doc, "html"), *t, *row, *line;
	const char *a1, *a2, *a3;

	(void)state;
	assert_non_null(strstr(h, "<h2>Route evidence</h2>"));
	assert_non_null(strstr(h, "<tr><th>Device</th><th>Prefix</th><th>"
	    "baseline</th><th>failover (verify)</th><th>restored</th></tr>"));
	row = strstr(h, "<tr><td>fw</td><td>10.17.11.0/25</td>");
	assert_non_null(row);
	*strstr(row, "</tr>") = '\0';
	/* Three cells after device and prefix, one active route each, in
	 * the order baseline, verify, restored. */
	assert_int_equal(count(row, "<td"), 5);
	assert_int_equal(count(row, "class=\"route active\""), 3);
	assert_int_equal(count(row, "<span class=\"tag\">active</span>"),
	    3);
	assert_non_null(a1 = strstr(row, "active</span>BGP AS path &#39;"
	    "12076 I"));
	assert_non_null(a2 = strstr(a1 + 1, "active</span>BGP AS path &#39;"
	    "65515 I"));
	assert_non_null(a3 = strstr(a2 + 1, "active</span>BGP AS path &#39;"
	    "12076 I"));
	/* The inactive paths are listed too, unmarked. */
	assert_int_equal(count(row, "<div class=\"route\">"), 3 + 1 + 3);
	free(h);

	/* The text report: one line per phase, the change marked. */
	t = render_ok(doc, "text");
	assert_non_null(strstr(t, "\n  fw 10.17.11.0/25\n    baseline  PASS  "
	    "BGP AS path '12076 I' localpref 150 via 192.168.11.0 ge-0/0/1.0, "
	    "+3 more\n  ! verify    PASS  BGP AS path '65515 I' localpref 100 "
	    "via 10.17.11.76 st0.0, +1 more\n    restored  PASS  BGP AS path "
	    "'12076 I'"));
	free(t);

	/* A failed verify that found no route says so in its cell; a check
	 * in another table is a row of its own. */
	json_object_set_new(fw_route_check(doc, "verify"), "ok", json_false());
	json_object_set_new(fw_route_check(doc, "verify"), "message",
	    json_string("10.17.11.0/25: no route"));
	json_object_set_new(fw_route_check(doc, "verify"), "observed",
	    json_array());
	json_object_set_new(fw_route_check(doc, "verify-restored"), "table",
	    json_string("Cust11.inet.0"));
	/* A long AS path stays within 100 columns in the text. */
	json_object_set_new(json_array_get(json_object_get(fw_route_check(doc,
	    "baseline"), "observed"), 0), "route", json_string("BGP AS path "
	    "'12076 64512 64513 64514 64515 64516 64517 64518 64519 64520 "
	    "64521 64522 I' localpref 150 via 192.168.11.0 ge-0/0/1.0"));
	h = render_ok(doc, "html");
	assert_non_null(strstr(h, "<td><div class=\"fail\">FAIL 10.17.11.0/25"
	    ": no route</div><span class=\"muted\">no route</span></td>"));
	assert_non_null(strstr(h, "<tr><td>fw <span class=\"muted\">"
	    "Cust11.inet.0</span></td><td>10.17.11.0/25</td><td class=\""
	    "muted\">not checked</td><td class=\"muted\">not checked</td>"
	    "<td><div class=\"route active\">"));
	free(h);
	t = render_ok(doc, "text");
	assert_non_null(strstr(t, "    verify    FAIL  no route\n"));
	assert_non_null(strstr(t, "  fw table Cust11.inet.0 10.17.11.0/25\n"));
	for (line = t; line != NULL && *line; ) {
		char *nl = strchr(line, '\n');

		assert_true((nl ? (size_t)(nl - line) : strlen(line)) <= 100);
		line = nl ? nl + 1 : NULL;
	}
	assert_non_null(strstr(t, "64521 ~\n"));
	free(t);

	/* Without the machine keys there is no evidence table: names are
	 * not parsed. */
	json_object_del(fw_route_check(doc, "baseline"), "device");
	json_object_del(fw_route_check(doc, "verify"), "device");
	json_object_del(fw_route_check(doc, "verify-restored"), "device");
	h = render_ok(doc, "html");
	assert_null(strstr(h, "Route evidence"));
	free(h);
	json_decref(doc);
}

static char *
prom(const json_t *doc, const char *previous)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	struct fd_error err;

	assert_non_null(m);
	if (report_prom(doc, previous, m, &err) != 0)
		fail_msg("%s", err.msg);
	fclose(m);
	return buf;
}

static char *
prom_err(const json_t *doc, const char *previous, struct fd_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	assert_non_null(m);
	assert_true(report_prom(doc, previous, m, err) < 0);
	fclose(m);
	free(buf);
	return err->msg;
}

#define D "{drill=\"sea-cust11-s2s-backup\""
#define X "{drill=\"cust11 <b>\\\"lab\\\"</b> & 'test' \\\\ x\""

static void
test_prom(void **state)
{
	json_t *passed = load_fixture("passed"), *failed = load_fixture("failed");
	json_t *dry = load_fixture("dry-run");
	struct fd_error err;
	char *s, *s2;

	(void)state;
	/* A passed run records its own finish time, per mode. */
	s = prom(passed, "failover_drill_last_success_timestamp_seconds"
	    D ",mode=\"run\"} 1000\n");
	assert_non_null(strstr(s, "\nfailover_drill_last_success_timestamp_"
	    "seconds" D ",mode=\"run\"} 1795487512.456\n"));
	assert_non_null(strstr(s, "# TYPE failover_drill_success gauge\n"));
	assert_non_null(strstr(s, "failover_drill_success" D ",mode=\"run\"} "
	    "1\n"));
	assert_non_null(strstr(s, "failover_drill_could_check" D
	    ",mode=\"run\"} 1\n"));
	assert_non_null(strstr(s, "failover_drill_probes_lost" D
	    ",direction=\"failback\"} 4\n"));
	assert_non_null(strstr(s, "failover_drill_phase_duration_seconds" D
	    ",mode=\"run\",phase=\"verify-restored\"} 7.97\n"));
	assert_non_null(strstr(s, "failover_drill_failover_seconds" D
	    "} 4.1\n"));
	/* promtool: a gauge is never named _total. */
	assert_null(strstr(s, "_total"));

	/* Issue 13: the nightly dry run keeps the last drill's success and
	 * its failover/failback times; its own success is per mode. */
	json_object_set_new(json_object_get(dry, "drill"), "name",
	    json_string("sea-cust11-s2s-backup"));
	s2 = prom(dry, s);
	assert_non_null(strstr(s2, "failover_drill_last_success_timestamp_"
	    "seconds" D ",mode=\"run\"} 1795487512.456\n"));
	assert_non_null(strstr(s2, "failover_drill_last_success_timestamp_"
	    "seconds" D ",mode=\"dry-run\"} "));
	assert_non_null(strstr(s2, "failover_drill_failover_seconds" D
	    "} 4.1\n"));
	assert_non_null(strstr(s2, "failover_drill_success" D
	    ",mode=\"dry-run\"} 1\n"));
	assert_null(strstr(s2, "mode=\"run\"} 1\n"));
	/* ... and a later drill that fails keeps the dry run's success. */
	free(s);
	s = s2;

	/* A failed run carries the previous success of the same drill over;
	 * the label is matched escaped. */
	free(s);
	s = prom(failed, "# HELP x\n"
	    "failover_drill_last_success_timestamp_seconds" X
	    ",mode=\"run\"} 1790000000.5\n");
	assert_non_null(strstr(s, "failover_drill_last_success_timestamp_"
	    "seconds" X ",mode=\"run\"} 1790000000.5\n"));
	assert_non_null(strstr(s, "failover_drill_success" X ",mode=\"run\"} "
	    "0\n"));
	assert_non_null(strstr(s, "failover_drill_backup_healthy" X
	    ",mode=\"run\"} 0\n"));
	/* Never stable: no failover_seconds sample, but the loss is. */
	assert_null(strstr(s, "failover_drill_failover_seconds"));
	assert_non_null(strstr(s, "direction=\"failover\"} 583\n"));
	free(s);

	/* Another drill's series: one file per drill, said by name. */
	assert_non_null(strstr(prom_err(failed, "failover_drill_success"
	    "{drill=\"other\",mode=\"run\"} 1\n", &err), "another drill"));
	assert_int_equal(err.code, -EEXIST);
	assert_non_null(strstr(prom_err(failed, "failover_drill_success"
	    X "x\"} 1\n", &err), "another drill"));
	/* Garbage is not carried. */
	s = prom(failed, "failover_drill_last_success_timestamp_seconds" X
	    ",mode=\"run\"} NaN\n");
	assert_null(strstr(s, "last_success_timestamp_seconds{"));
	free(s);
	s = prom(failed, NULL);
	assert_null(strstr(s, "last_success_timestamp_seconds{"));
	free(s);

	/* Exit 5: could not check, and an unfinished journal said so. */
	json_object_set_new(failed, "exit_code", json_integer(5));
	json_object_set_new(failed, "outcome", json_string("unchecked"));
	json_object_set_new(failed, "unfinished_journal", json_true());
	s = prom(failed, NULL);
	assert_non_null(strstr(s, "failover_drill_could_check" X
	    ",mode=\"run\"} 0\n"));
	assert_non_null(strstr(s, "failover_drill_unfinished_journal" X
	    "} 1\n"));
	free(s);

	/* A newline in a label value is escaped, never a line break. */
	json_object_set_new(json_object_get(passed, "drill"), "name",
	    json_string("two\nlines"));
	s = prom(passed, NULL);
	assert_non_null(strstr(s, "failover_drill_success{drill="
	    "\"two\\nlines\",mode=\"run\"} 1\n"));
	free(s);

	/* backup_healthy null: no sample and no HELP line. */
	json_object_set_new(passed, "backup_healthy", json_null());
	s = prom(passed, NULL);
	assert_null(strstr(s, "backup_healthy"));
	free(s);
	json_decref(passed);
	json_decref(failed);
	json_decref(dry);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_json_is_the_document),
		cmocka_unit_test(test_align),
		cmocka_unit_test(test_text_marks),
		cmocka_unit_test(test_markup),
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_route_evidence),
		cmocka_unit_test(test_prom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
