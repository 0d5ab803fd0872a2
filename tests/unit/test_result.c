/* Hop-list JSON round trip, result_check() and the result directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "result.h"
#include "result_write.h"
#include "../testutil.h"

static json_t *
load_fixture(const char *name)
{
	char rel[128], path[512];
	json_error_t jerr;
	json_t *doc;

	snprintf(rel, sizeof(rel), "tests/golden/report/%s.json", name);
	assert_non_null(tu_source(rel, path, sizeof(path)));
	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL)
		fail_msg("%s:%d: %s", path, jerr.line, jerr.text);
	return doc;
}

static void
add(struct hop_list *l, unsigned ttl, const char *addr, const char *name,
    double rtt, const char *flag)
{
	struct fd_addr a;

	memset(&a, 0, sizeof(a));
	if (addr != NULL)
		assert_int_equal(addr_parse(addr, &a, NULL), 0);
	assert_int_equal(hop_list_add_probe(l, ttl, addr ? &a : NULL, name,
	    rtt, flag), 0);
}

/* Every field the model has, including ECMP, names without addresses,
 * flags, silent hops, a gap in TTLs and an IPv6 answer. */
static struct hop_list *
rich_list(void)
{
	struct hop_list *l = hop_list_new();

	assert_non_null(l);
	snprintf(l->source, sizeof(l->source), "junos");
	assert_int_equal(addr_parse("10.17.11.132", &l->target, NULL), 0);
	add(l, 1, "10.1.11.1", "fw.cust11.example", 0.213, "");
	add(l, 1, "10.1.11.1", "fw.cust11.example", 0.187, "");
	add(l, 1, NULL, NULL, -1, NULL);
	l->hops[0].rate_limited = true;	/* issue 9: answered, then not */
	add(l, 2, "192.168.11.18", "", 1.9, "");
	add(l, 2, "192.168.11.22", "", 2.1000000000000001, "");
	add(l, 2, "192.168.11.18", "", 1.95, "!H");
	add(l, 3, NULL, NULL, -1, NULL);
	add(l, 5, NULL, "only-a-name", 7.5, "!N");
	add(l, 6, "2001:db8::1", NULL, 1e-3, "!<10>");
	add(l, 7, "10.17.11.132", NULL, 2.4, "");
	l->reached = true;
	l->truncated = true;
	return l;
}

static void
test_hops_round_trip(void **state)
{
	struct hop_list *l = rich_list(), *back = hop_list_new();
	json_t *j, *j2, *parsed;
	char *text;

	(void)state;
	assert_non_null(back);
	j = hop_list_to_json(l);
	assert_non_null(j);
	/* Through text, as it goes to disk. */
	text = json_dumps(j, JSON_COMPACT);
	assert_non_null(text);
	parsed = json_loads(text, 0, NULL);
	assert_non_null(parsed);
	assert_int_equal(hop_list_from_json(parsed, back, NULL), 0);
	/* Both lists start zeroed, so the bytes compare exactly. */
	assert_memory_equal(l, back, sizeof(*l));
	j2 = hop_list_to_json(back);
	assert_true(json_equal(j, j2));
	/* Spot-check the encoding the schema documents. */
	assert_string_equal(json_string_value(json_object_get(j, "target")),
	    "10.17.11.132");
	assert_true(json_is_null(json_object_get(json_array_get(
	    json_object_get(json_array_get(json_object_get(j, "hops"), 0),
	    "probes"), 2), "rtt_ms")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    json_object_get(json_array_get(json_object_get(j, "hops"), 0),
	    "probes"), 2), "answer")), -1);
	/* rate_limited is written where set, left out elsewhere. */
	assert_true(json_is_true(json_object_get(json_array_get(
	    json_object_get(j, "hops"), 0), "rate_limited")));
	assert_null(json_object_get(json_array_get(json_object_get(j,
	    "hops"), 1), "rate_limited"));
	free(text);
	json_decref(j);
	json_decref(j2);
	json_decref(parsed);
	hop_list_free(l);
	hop_list_free(back);
}

static void
test_hops_round_trip_parsed(void **state)
{
	struct hop_list *l = hop_list_new(), *back = hop_list_new();
	json_t *j;

	(void)state;
	assert_int_equal(hop_list_parse("10.1.11.1, 192.168.11.0, "
	    "192.168.11.18, *, 10.17.11.132", l, NULL), 0);
	j = hop_list_to_json(l);
	assert_int_equal(hop_list_from_json(j, back, NULL), 0);
	assert_memory_equal(l, back, sizeof(*l));
	json_decref(j);
	hop_list_free(l);
	hop_list_free(back);
}

struct bad_case {
	const char *json;
	const char *msg;
};

#define H1 "{\"ttl\":1,\"answers\":[{\"addr\":\"10.1.11.1\",\"name\":\"\"}]," \
	"\"probes\":[{\"answer\":0,\"rtt_ms\":0.2,\"flag\":\"\"}]}"
#define TR(hops) "{\"source\":\"native\",\"target\":\"10.17.11.132\"," \
	"\"reached\":false,\"truncated\":false,\"hops\":[" hops "]}"

static const struct bad_case bad_traces[] = {
	{ "[]", "trace: expected an object, got an array" },
	{ "{\"source\":\"native\",\"target\":\"\",\"reached\":true,"
	    "\"truncated\":false}", "trace: missing member \"hops\"" },
	{ "{\"source\":\"native\",\"target\":\"\",\"reached\":true,"
	    "\"truncated\":false,\"hops\":[],\"extra\":1}",
	    "trace: unknown member \"extra\"" },
	{ "{\"source\":\"native\",\"target\":\"10.17.11.999\","
	    "\"reached\":true,\"truncated\":false,\"hops\":[]}",
	    "trace.target: \"10.17.11.999\" is not an IP address" },
	{ "{\"source\":\"native\",\"target\":\"\",\"reached\":1,"
	    "\"truncated\":false,\"hops\":[]}",
	    "trace.reached: expected a boolean, got a number" },
	{ "{\"source\":\"a-source-name-much-longer-than-32-bytes\","
	    "\"target\":\"\",\"reached\":true,\"truncated\":false,"
	    "\"hops\":[]}", "trace.source: longer than 31 bytes" },
	{ TR("{\"ttl\":0,\"answers\":[],\"probes\":[]}"),
	    "trace.hops[0].ttl: 0 not in 1..255" },
	{ TR(H1 "," H1), "trace.hops[1].ttl: 1 after 1 (TTLs must increase)" },
	{ TR("{\"ttl\":1,\"answers\":[],\"probes\":[{\"answer\":0,"
	    "\"rtt_ms\":1,\"flag\":\"\"}]}"),
	    "trace.hops[0].probes[0].answer: 0 is not -1 or an index" },
	{ TR("{\"ttl\":1,\"answers\":[],\"probes\":[{\"answer\":-1,"
	    "\"rtt_ms\":\"1\",\"flag\":\"\"}]}"),
	    "trace.hops[0].probes[0].rtt_ms: expected a number >= 0 or null" },
	{ TR("{\"ttl\":1,\"answers\":[{\"addr\":\"\",\"name\":\"\"}],"
	    "\"probes\":[]}"), "trace.hops[0].answers[0]: neither addr nor name" },
	{ TR("{\"ttl\":1,\"answers\":[{\"addr\":\"1.1.1.1\",\"name\":\"\"},"
	    "{\"addr\":\"1.1.1.2\",\"name\":\"\"},{\"addr\":\"1.1.1.3\","
	    "\"name\":\"\"},{\"addr\":\"1.1.1.4\",\"name\":\"\"},{\"addr\":"
	    "\"1.1.1.5\",\"name\":\"\"},{\"addr\":\"1.1.1.6\",\"name\":\"\"},"
	    "{\"addr\":\"1.1.1.7\",\"name\":\"\"},{\"addr\":\"1.1.1.8\","
	    "\"name\":\"\"},{\"addr\":\"1.1.1.9\",\"name\":\"\"}],"
	    "\"probes\":[]}"), "trace.hops[0].answers: more than 8" },
	{ TR("{\"ttl\":1,\"answers\":[],\"probes\":[],"
	    "\"rate_limited\":1}"),
	    "trace.hops[0].rate_limited: expected true or false, got a number" },
	{ TR("{\"ttl\":1,\"answers\":[],\"probes\":[{\"answer\":-1,"
	    "\"rtt_ms\":null,\"flag\":\"!toolongflag\"}]}"),
	    "trace.hops[0].probes[0].flag: longer than 7 bytes" },
};

static void
test_hops_from_json_rejects(void **state)
{
	struct hop_list *l = hop_list_new();
	struct fd_error err;
	size_t i;

	(void)state;
	memset(l, 0x5a, sizeof(*l));
	for (i = 0; i < sizeof(bad_traces) / sizeof(bad_traces[0]); i++) {
		json_t *j = json_loads(bad_traces[i].json, 0, NULL);

		assert_non_null(j);
		fd_error_clear(&err);
		assert_true(hop_list_from_json(j, l, &err) < 0);
		if (strstr(err.msg, bad_traces[i].msg) == NULL)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i,
			    err.msg, bad_traces[i].msg);
		/* *out untouched on failure. */
		assert_int_equal(((unsigned char *)l)[0], 0x5a);
		assert_int_equal(l->n, 0x5a5a5a5a);
		json_decref(j);
	}
	hop_list_free(l);
}

static void
test_check_fixtures(void **state)
{
	static const char *const names[] = { "passed", "failed",
		"restore-failed", "dry-run" };
	struct fd_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		json_t *doc = load_fixture(names[i]);

		fd_error_clear(&err);
		if (result_check(doc, &err) != 0)
			fail_msg("%s: %s", names[i], err.msg);
		json_decref(doc);
	}
}

struct mutation {
	const char *path;	/* "a.b[1].c" into the passed fixture */
	const char *value;	/* JSON text, NULL = delete the member */
	int rc;
	const char *msg;
};

static const struct mutation mutations[] = {
	{ "outcome", NULL, -EINVAL, "result: missing member \"outcome\"" },
	{ "schema", "\"failover-drill/result/2\"", -EPROTO,
	    "version \"failover-drill/result/2\" is not supported" },
	{ "schema", "\"something/else\"", -EINVAL,
	    "\"something/else\" is not a failover-drill result" },
	{ "phases[1].duration_s", "\"4.05\"", -EINVAL,
	    "phases[1].duration_s: expected a number, got a string" },
	{ "exit_code", "7", -EINVAL, "exit_code: 7 not in 0..5" },
	{ "exit_code", "1.0", -EINVAL,
	    "exit_code: expected an integer, got a number" },
	{ "mode", "\"sometimes\"", -EINVAL,
	    "mode: \"sometimes\" is not a known value" },
	{ "started", "\"24.11.2026 02:30\"", -EINVAL,
	    "started: \"24.11.2026 02:30\" is not a UTC time" },
	{ "error", "false", -EINVAL,
	    "error: expected a string or null, got a boolean" },
	{ "drill.circuit", NULL, -EINVAL,
	    "drill: missing member \"circuit\"" },
	{ "checks[3].ok", "\"yes\"", -EINVAL,
	    "checks[3].ok: expected a boolean, got a string" },
	{ "paths[0].traces.failover.hops[1].ttl", "1", -EINVAL,
	    "paths[0].traces.failover: trace.hops[1].ttl: 1 after 1" },
	{ "paths[0].traces.restored", "[]", -EINVAL,
	    "paths[0].traces.restored: expected an object or null, got "
	    "an array" },
	{ "convergence.failover.timeline[1].state", "\"sideways\"", -EINVAL,
	    "convergence.failover.timeline[1].state: \"sideways\" is not" },
	{ "convergence.failback.stable_s", "-1", -EINVAL,
	    "convergence.failback.stable_s: negative" },
	{ "azure.operations[0].http_status", "null", -EINVAL,
	    "azure.operations[0].http_status: expected an integer, got null" },
	/* Readers ignore members they do not know (result.h). */
	{ "x_future_member", "{\"a\":1}", 0, NULL },
	{ "journal", NULL, 0, NULL },
	{ "convergence.failback", "null", 0, NULL },
};

/* Walk "a.b[1].c" and set or delete the last member. */
static void
mutate(json_t *doc, const char *path, const char *value)
{
	char buf[256], *tok, *save = NULL;
	json_t *cur = doc, *parent = NULL;
	char last[64] = "";

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok != NULL;
	    tok = strtok_r(NULL, ".", &save)) {
		char *br = strchr(tok, '[');

		if (br != NULL)
			*br = '\0';
		parent = cur;
		snprintf(last, sizeof(last), "%s", tok);
		cur = json_object_get(cur, tok);
		while (br != NULL) {
			parent = NULL;
			cur = json_array_get(cur, strtoul(br + 1, NULL, 10));
			br = strchr(br + 1, '[');
		}
	}
	if (parent == NULL) {
		fail_msg("mutation path %s ends in an array index", path);
		return;
	}
	if (value == NULL)
		assert_int_equal(json_object_del(parent, last), 0);
	else
		assert_int_equal(json_object_set_new(parent, last,
		    json_loads(value, JSON_DECODE_ANY, NULL)), 0);
}

static void
test_check_rejects(void **state)
{
	struct fd_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
		const struct mutation *m = &mutations[i];
		json_t *doc = load_fixture("passed");
		int rc;

		mutate(doc, m->path, m->value);
		fd_error_clear(&err);
		rc = result_check(doc, &err);
		if (rc != m->rc || (m->msg && strstr(err.msg, m->msg) == NULL))
			fail_msg("%s: rc %d \"%s\", want %d \"%s\"", m->path,
			    rc, err.msg, m->rc, m->msg ? m->msg : "");
		json_decref(doc);
	}
	assert_true(result_check(NULL, &err) < 0);
	{
		json_t *arr = json_array();

		assert_int_equal(result_check(arr, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "expected an object"));
		json_decref(arr);
	}
}

static void
test_time_parse(void **state)
{
	double t;

	(void)state;
	assert_int_equal(result_time_parse("2026-11-24T02:30:00.123Z", &t), 0);
	assert_float_equal(t, 1795487400.123, 1e-6);
	assert_int_equal(result_time_parse("1970-01-01T00:00:00Z", &t), 0);
	assert_float_equal(t, 0, 0);
	assert_int_equal(result_time_parse("2026-11-24T03:30:00+01:00", &t), 0);
	assert_float_equal(t, 1795487400, 1e-6);
	assert_int_equal(result_time_parse("2026-11-24T02:30:00", &t),
	    -EINVAL);
	assert_int_equal(result_time_parse("2026-11-24T02:30:00.Z", &t),
	    -EINVAL);
	assert_int_equal(result_time_parse("2026-11-24T02:30:00Zjunk", &t),
	    -EINVAL);
	assert_int_equal(result_time_parse("2026-11-24 02:30:00Z", &t),
	    -EINVAL);
	assert_int_equal(result_time_parse("", &t), -EINVAL);
}

static char *
read_in(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return tu_slurp(path, NULL);
}

static void
test_write_all(void **state)
{
	static const char *const files[] = { RESULT_JSON, RESULT_TEXT,
		RESULT_JUNIT, RESULT_PROM, RESULT_HTML };
	char tmpl[] = "/tmp/fdt-result-XXXXXX", dir[64], path[512], *s;
	json_t *doc = load_fixture("passed"), *failed, *back = NULL;
	struct fd_error err;
	struct dirent *de;
	unsigned n = 0;
	struct stat st;
	DIR *d;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	/* The result directory itself is created. */
	snprintf(dir, sizeof(dir), "%s/run", tmpl);
	fd_error_clear(&err);
	if (result_write_all(doc, dir, &err) != 0)
		fail_msg("%s", err.msg);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_true(st.st_size > 100);
		assert_int_equal(st.st_mode & 0777, 0644);
	}
	/* Nothing but the five files: no temporary file is left. */
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	assert_int_equal(n, 5);
	snprintf(path, sizeof(path), "%s/%s", dir, RESULT_JSON);
	assert_int_equal(result_load(path, &back, &err), 0);
	assert_true(json_equal(doc, back));
	json_decref(back);

	/* A failed run of the same drill into the same directory keeps the
	 * last success of the passed one. */
	failed = load_fixture("failed");
	json_object_set(failed, "drill", json_object_get(doc, "drill"));
	assert_int_equal(result_write_all(failed, dir, &err), 0);
	assert_non_null(s = read_in(dir, RESULT_PROM));
	assert_non_null(strstr(s, "failover_drill_last_success_timestamp_"
	    "seconds{drill=\"sea-cust11-s2s-backup\",mode=\"run\"} "
	    "1795487512.456\n"));
	assert_non_null(strstr(s, "failover_drill_success{drill="
	    "\"sea-cust11-s2s-backup\",mode=\"run\"} 0\n"));
	free(s);

	/* result_write_metrics() does the same for a fixed path. */
	snprintf(path, sizeof(path), "%s/textfile.prom", tmpl);
	assert_int_equal(result_write_metrics(doc, path, &err), 0);
	assert_int_equal(result_write_metrics(failed, path, &err), 0);
	assert_non_null(s = tu_slurp(path, NULL));
	assert_non_null(strstr(s, "last_success_timestamp_seconds{drill="
	    "\"sea-cust11-s2s-backup\",mode=\"run\"} 1795487512.456\n"));
	free(s);

	/* An invalid document writes nothing. */
	json_object_del(failed, "phases");
	snprintf(path, sizeof(path), "%s/none", tmpl);
	assert_int_equal(result_write_all(failed, path, &err), -EINVAL);
	assert_int_equal(stat(path, &st), -1);

	/* A directory that cannot be created. */
	assert_true(result_write_all(doc, "/proc/fdt-no/such", &err) < 0);

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/textfile.prom", tmpl);
	unlink(path);
	rmdir(dir);
	rmdir(tmpl);
	json_decref(doc);
	json_decref(failed);
}

static void
test_load_errors(void **state)
{
	char tmpl[] = "/tmp/fdt-result-XXXXXX", path[128];
	struct fd_error err;
	json_t *doc = NULL;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	snprintf(path, sizeof(path), "%s/dup.json", tmpl);
	assert_non_null(f = fopen(path, "w"));
	fputs("{\"schema\": \"failover-drill/result/1\",\n"
	    " \"schema\": \"x\"}\n", f);
	fclose(f);
	assert_int_equal(result_load(path, &doc, &err), -EINVAL);
	assert_null(doc);
	assert_non_null(strstr(err.msg, "dup.json:2:"));
	assert_non_null(strstr(err.msg, "duplicate"));
	unlink(path);
	snprintf(path, sizeof(path), "%s/missing.json", tmpl);
	assert_int_equal(result_load(path, &doc, &err), -EINVAL);
	rmdir(tmpl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hops_round_trip),
		cmocka_unit_test(test_hops_round_trip_parsed),
		cmocka_unit_test(test_hops_from_json_rejects),
		cmocka_unit_test(test_check_fixtures),
		cmocka_unit_test(test_check_rejects),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_write_all),
		cmocka_unit_test(test_load_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
