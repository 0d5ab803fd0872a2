/*
 * Golden tests of the trace importers: every file of
 * $FD_REFERENCE/outputs/traceroute/ is detected, parsed and rendered with
 * trace_render_model(), and compared with tests/golden/traceroute/<name>.ok
 * (checked by hand against the raw file).  A few facts per file are also
 * asserted directly, and every prefix of every file must parse or fail
 * cleanly (truncated captures).
 *
 * FD_GOLDEN_UPDATE=1 rewrites the .ok files instead of comparing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "import.h"
#include "render.h"
#include "testutil.h"

static const struct {
	const char *prefix;
	const char *format;
} expect_format[] = {
	{ "windows-tracert", "tracert" },
	{ "winmtr", "winmtr" },
	{ "tracepath", "tracepath" },
	{ "mtr-json", "mtr-json" },
	{ "mtr-report", "mtr-report" },
	{ "mtr-curses", "mtr-report" },
	{ "scamper", "scamper-json" },
	{ "linux-", "traceroute" },
	{ "macos-", "traceroute" },
	{ "freebsd-", "traceroute" },
	{ "bsd-", "traceroute" },
	{ "traceroute", "traceroute" },
};

static const char *
format_for(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(expect_format) / sizeof(expect_format[0]); i++)
		if (strncmp(name, expect_format[i].prefix,
		    strlen(expect_format[i].prefix)) == 0)
			return expect_format[i].format;
	return NULL;
}

static struct hop_list *
import_file(const char *name, const char *format)
{
	char path[4096], rel[512];
	struct hop_list *l = hop_list_new();
	struct fd_error err = { 0 };
	size_t len;
	char *buf;
	int rc;

	snprintf(rel, sizeof(rel), "outputs/traceroute/%s", name);
	assert_non_null(tu_reference(rel, path, sizeof(path)));
	buf = tu_slurp(path, &len);
	assert_non_null(buf);
	assert_non_null(l);
	rc = trace_import(buf, len, format, l, &err);
	if (rc != 0)
		fail_msg("%s: %s", name, err.msg);
	free(buf);
	return l;
}

static void
test_golden_all(void **state)
{
	char dir[4096], okpath[4096], rel[512];
	struct dirent *de;
	unsigned files = 0, bad = 0;
	bool update = getenv("FD_GOLDEN_UPDATE") != NULL;
	DIR *d;

	(void)state;
	assert_non_null(tu_reference("outputs/traceroute", dir, sizeof(dir)));
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char path[4096], *buf, *got, *want;
		const struct trace_format *f;
		const char *expect;
		struct hop_list *l;
		size_t len;

		if (de->d_name[0] == '.')
			continue;
		files++;
		expect = format_for(de->d_name);
		if (expect == NULL)
			fail_msg("%s: no expected format in the test table",
			    de->d_name);
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		buf = tu_slurp(path, &len);
		assert_non_null(buf);
		f = trace_format_detect(buf, len);
		if (f == NULL || strcmp(f->name, expect) != 0) {
			print_error("%s: detected %s, expected %s\n",
			    de->d_name, f ? f->name : "nothing", expect);
			bad++;
		}
		free(buf);

		/* Auto-detection, as `trace --import FILE` does. */
		l = import_file(de->d_name, NULL);
		got = trace_render_model(l);
		assert_non_null(got);
		snprintf(rel, sizeof(rel), "tests/golden/traceroute/%s.ok",
		    de->d_name);
		assert_non_null(tu_source(rel, okpath, sizeof(okpath)));
		if (update) {
			FILE *o = fopen(okpath, "w");

			assert_non_null(o);
			fputs(got, o);
			fclose(o);
		} else {
			want = tu_slurp(okpath, &len);
			if (want == NULL) {
				print_error("%s: missing %s\n", de->d_name,
				    okpath);
				bad++;
			} else if (strcmp(got, want) != 0) {
				print_error("%s: differs from %s; got:\n%s",
				    de->d_name, okpath, got);
				bad++;
			}
			free(want);
		}
		free(got);
		hop_list_free(l);
	}
	closedir(d);
	/* 39 files at the time of writing: a vanished directory must not
	 * pass quietly. */
	assert_true(files >= 39);
	assert_int_equal(bad, 0);
}

/* Every .ok file belongs to a reference file (no stale expectations). */
static void
test_no_stale_ok(void **state)
{
	char dir[4096], ref[4096], rel[512];
	struct dirent *de;
	DIR *d;

	(void)state;
	assert_non_null(tu_source("tests/golden/traceroute", dir,
	    sizeof(dir)));
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		FILE *f;

		if (n < 4 || strcmp(de->d_name + n - 3, ".ok") != 0)
			continue;
		snprintf(rel, sizeof(rel), "outputs/traceroute/%.*s",
		    (int)(n - 3), de->d_name);
		assert_non_null(tu_reference(rel, ref, sizeof(ref)));
		f = fopen(ref, "rb");
		if (f == NULL)
			fail_msg("%s has no reference file", de->d_name);
		fclose(f);
	}
	closedir(d);
}

static const struct hop *
hop(struct hop_list *l, unsigned ttl)
{
	const struct hop *h = hop_list_get(l, ttl);

	if (h == NULL)
		fail_msg("no hop %u", ttl);
	return h;
}

static void
assert_addr(const struct hop_answer *a, const char *want)
{
	char buf[FD_ADDR_STRLEN];

	assert_string_equal(addr_str(&a->addr, buf, sizeof(buf)), want);
}

static void
test_facts_traceroute(void **state)
{
	struct hop_list *l;
	const struct hop *h;
	unsigned ttl;

	(void)state;
	/* Silent hops are kept positionally, 8 to 30. */
	l = import_file("linux-traceroute-centos-trailing-timeouts-07.txt",
	    NULL);
	assert_int_equal(l->n, 30);
	assert_false(l->reached);
	for (ttl = 8; ttl <= 30; ttl++) {
		h = hop(l, ttl);
		assert_int_equal(h->n_answers, 0);
		assert_int_equal(h->n_probes, 3);
	}
	assert_string_equal(hop(l, 1)->answers[0].name,
	    "dsldevice.attlocal.net");
	hop_list_free(l);

	/* Inline ECMP: three responders in hop 4. */
	l = import_file("linux-traceroute-numeric-ecmp-08.txt", "traceroute");
	h = hop(l, 4);
	assert_int_equal(h->n_answers, 3);
	assert_addr(&h->answers[1], "206.248.155.109");
	assert_int_equal(h->probes[1].answer, 1);
	assert_true(l->reached);
	assert_false(l->truncated);	/* no newline, but complete */
	hop_list_free(l);

	/* BSD continuation lines and a timeout before the address. */
	l = import_file("freebsd-traceroute-ecmp-partial-timeouts-01.txt",
	    NULL);
	h = hop(l, 8);
	assert_int_equal(h->n_probes, 3);
	assert_int_equal(h->probes[0].answer, -1);
	assert_int_equal(h->probes[1].answer, 0);
	assert_int_equal(h->probes[2].answer, -1);
	assert_int_equal(hop(l, 9)->n_answers, 3);
	assert_int_equal(hop(l, 7)->n_answers, 2);
	assert_true(l->reached);
	hop_list_free(l);

	/* Cut in mid-line; interrupted with ^C. */
	l = import_file("macos-traceroute-warning-truncated-04.txt", NULL);
	assert_true(l->truncated);
	assert_int_equal(hop(l, 3)->n_probes, 2);
	hop_list_free(l);
	l = import_file("linux-traceroute-interrupted-ctrl-c-02.txt", NULL);
	assert_true(l->truncated);
	assert_int_equal(l->n, 8);
	hop_list_free(l);

	/* Annotations: !P, a bare !, !<500>; [AS...] skipped. */
	l = import_file("traceroute-asn-annotations-edited-10.txt", NULL);
	h = hop(l, 1);
	assert_string_equal(h->probes[0].flag, "!P");
	assert_string_equal(h->probes[1].flag, "!");
	assert_string_equal(h->probes[2].flag, "!<500>");
	assert_int_equal(hop(l, 12)->n_answers, 2);
	hop_list_free(l);

	/* Hop 0 is skipped, a repeated hop 1 merged. */
	l = import_file("traceroute-unknown-variant-hop0-06.txt", NULL);
	assert_int_equal(l->hops[0].ttl, 1);
	assert_int_equal(hop(l, 1)->n_answers, 2);
	assert_true(l->reached);
	hop_list_free(l);

	/* IPv6 with a probe lost in the middle. */
	l = import_file("linux-traceroute-ipv6-numeric-04.txt", NULL);
	h = hop(l, 5);
	assert_int_equal(h->probes[1].answer, -1);
	assert_true(l->reached);
	hop_list_free(l);
}

static void
test_facts_others(void **state)
{
	struct hop_list *l;
	const struct hop *h;

	(void)state;
	/* French tracert in cp1252: the message is free text. */
	l = import_file("windows-tracert-french-cp1252-05.txt", NULL);
	assert_int_equal(l->n, 28);
	assert_int_equal(hop(l, 18)->n_answers, 0);
	assert_int_equal(hop(l, 18)->n_probes, 3);
	assert_true(l->reached);
	assert_addr(&hop(l, 27)->answers[0], "68.178.254.85");
	hop_list_free(l);
	l = import_file("windows-tracert-french-incomplete-cp1252-06.txt",
	    "tracert");
	assert_false(l->reached);
	hop_list_free(l);
	l = import_file("windows-tracert-first-probe-timeout-04.txt", NULL);
	h = hop(l, 1);
	assert_int_equal(h->probes[0].answer, -1);
	assert_true(h->probes[1].rtt_ms == 1.0);
	hop_list_free(l);

	/* tracepath: TTL 3 answered late, after "no reply". */
	l = import_file("tracepath-ttl-resend-01.txt", NULL);
	h = hop(l, 3);
	assert_int_equal(h->n_probes, 4);
	assert_int_equal(h->probes[0].answer, -1);
	assert_true(h->probes[1].rtt_ms > 12000);
	hop_list_free(l);
	l = import_file("tracepath6-asymm-reached-02.txt", NULL);
	assert_true(l->reached);
	hop_list_free(l);

	/* scamper: TTLs 8 and 9 are missing from hops[]: silent hops. */
	l = import_file("scamper-trace-jsonl-ipv4-gaps-01.jsonl", NULL);
	assert_int_equal(l->n, 14);
	assert_int_equal(hop(l, 8)->n_answers, 0);
	assert_int_equal(hop(l, 9)->n_answers, 0);
	assert_true(l->reached);
	hop_list_free(l);

	/* mtr: ??? is a silent hop; both JSON schemas. */
	l = import_file("mtr-report-unknown-hop-02.txt", NULL);
	assert_int_equal(hop(l, 10)->n_answers, 0);
	assert_int_equal(l->n, 11);
	hop_list_free(l);
	l = import_file("mtr-json-alt-schema-03.json", NULL);
	assert_int_equal(l->n, 12);
	assert_true(l->reached);
	hop_list_free(l);
	l = import_file("mtr-json-01.json", NULL);
	assert_true(hop(l, 1)->probes[0].rtt_ms == 5.48);
	hop_list_free(l);
	l = import_file("winmtr-report-01.txt", NULL);
	assert_int_equal(l->n, 11);
	assert_int_equal(hop(l, 2)->n_answers, 0);
	hop_list_free(l);
}

/*
 * Facts per reference file, read off the raw files: TTLs listed, target
 * reached, output cut short, silent hops, most responders on one hop,
 * the target address ("" when the output names none).
 */
static const struct fact {
	const char *name;
	unsigned hops;
	bool reached, truncated;
	unsigned silent, max_answers;
	const char *target;
} facts[] = {
	{ "bsd-traceroute-manpage-no-header-bang-02.txt",
	    13, false, false, 6, 1, "" },
	{ "freebsd-traceroute-ecmp-partial-timeouts-01.txt",
	    9, true, false, 1, 3, "8.8.8.8" },
	{ "freebsd-traceroute6-warning-from-02.txt",
	    31, false, false, 29, 1, "2a04:4e42::323" },
	{ "linux-traceroute-centos-trailing-timeouts-07.txt",
	    30, false, false, 24, 1, "151.101.197.67" },
	{ "linux-traceroute-ecmp-inline-01.txt",
	    6, true, false, 0, 2, "185.235.236.197" },
	{ "linux-traceroute-interrupted-ctrl-c-02.txt",
	    8, false, true, 4, 1, "217.29.77.53" },
	{ "linux-traceroute-ipv6-names-single-space-11.txt",
	    9, false, false, 0, 2, "2606:4700:3030::6812:3e4e" },
	{ "linux-traceroute-ipv6-numeric-04.txt",
	    7, true, false, 0, 1, "2a00:1450:4016:804::200e" },
	{ "linux-traceroute-numeric-ecmp-08.txt",
	    8, true, false, 0, 3, "199.58.80.40" },
	{ "linux-traceroute-numeric-ipv6-ecmp-09.txt",
	    12, true, false, 0, 3, "2607:f8b0:4020:806::2004" },
	{ "linux-traceroute6-from-single-space-03.txt",
	    6, true, false, 0, 1, "3ffe:b00:c18:1::10" },
	{ "macos-bsd-traceroute-ecmp-multiline-01.txt",
	    10, false, false, 2, 3, "91.198.174.192" },
	{ "macos-traceroute-asn-multiline-03.txt",
	    12, false, false, 5, 2, "181.40.91.83" },
	{ "macos-traceroute-q5-05.txt",
	    3, false, false, 1, 1, "8.8.8.8" },
	{ "macos-traceroute-warning-truncated-04.txt",
	    3, false, true, 1, 1, "151.101.129.67" },
	{ "macos-traceroute6-06.txt",
	    5, false, false, 3, 1, "2a04:4e42:200::323" },
	{ "mtr-curses-multi-host-03.txt",
	    9, false, false, 5, 3, "" },
	{ "mtr-json-01.json",
	    10, false, false, 0, 1, "8.8.8.8" },
	{ "mtr-json-095-jansson-04.json",
	    7, false, false, 0, 1, "1.1.1.1" },
	{ "mtr-json-alt-schema-03.json",
	    12, true, false, 0, 1, "8.8.8.8" },
	{ "mtr-json-int-loss-02.json",
	    8, false, false, 0, 1, "" },
	{ "mtr-report-unknown-hop-02.txt",
	    11, false, false, 1, 1, "" },
	{ "mtr-report-wide-01.txt",
	    10, false, false, 0, 1, "" },
	{ "scamper-trace-jsonl-ipv4-gaps-01.jsonl",
	    14, true, false, 2, 1, "91.189.88.142" },
	{ "scamper-trace-jsonl-ipv6-02.jsonl",
	    5, true, false, 0, 1, "2001:668:1f:22::73" },
	{ "scamper-tracelb-jsonl-03.jsonl",
	    9, true, false, 0, 1, "172.24.129.124" },
	{ "tracepath-gateway-asymm-03.txt",
	    10, false, false, 0, 1, "" },
	{ "tracepath-ttl-resend-01.txt",
	    27, false, false, 23, 1, "" },
	{ "tracepath6-asymm-reached-02.txt",
	    2, true, false, 0, 2, "3ffe:2400:0:109::2" },
	{ "traceroute-asn-annotations-edited-10.txt",
	    15, false, false, 0, 2, "173.207.22.152" },
	{ "traceroute-unknown-variant-hop0-06.txt",
	    6, true, false, 0, 2, "10.10.10.10" },
	{ "traceroute6-unindented-ecmp-05.txt",
	    5, false, false, 1, 2, "2001:db8:100::1" },
	{ "windows-tracert-collapsed-spaces-01.txt",
	    6, true, false, 0, 1, "209.85.225.104" },
	{ "windows-tracert-first-probe-timeout-04.txt",
	    7, true, false, 0, 1, "1.1.1.1" },
	{ "windows-tracert-french-cp1252-05.txt",
	    28, true, false, 1, 1, "68.178.254.85" },
	{ "windows-tracert-french-incomplete-cp1252-06.txt",
	    27, false, false, 2, 1, "68.178.254.85" },
	{ "windows-tracert-no-name-timeout-02.txt",
	    8, false, false, 1, 1, "22.110.0.1" },
	{ "windows-tracert-with-prompt-03.txt",
	    14, true, false, 1, 1, "216.58.200.99" },
	{ "winmtr-report-01.txt",
	    11, false, false, 1, 1, "" },
};

static void
test_facts_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		const struct fact *f = &facts[i];
		struct hop_list *l = import_file(f->name, NULL);
		char buf[FD_ADDR_STRLEN];
		unsigned k, silent = 0, max_answers = 0;

		for (k = 0; k < l->n; k++) {
			silent += l->hops[k].n_answers == 0;
			if (l->hops[k].n_answers > max_answers)
				max_answers = l->hops[k].n_answers;
		}
		if (l->n != f->hops || l->reached != f->reached ||
		    l->truncated != f->truncated || silent != f->silent ||
		    max_answers != f->max_answers ||
		    strcmp(addr_str(&l->target, buf, sizeof(buf)),
		    f->target) != 0)
			fail_msg("%s: hops %u reached %d truncated %d silent %u "
			    "answers %u target '%s'", f->name, l->n, l->reached,
			    l->truncated, silent, max_answers, buf);
		hop_list_free(l);
	}
	/* One row per reference file. */
	assert_int_equal(i, 39);
}

/* Every prefix of every file: a parse error is fine, a crash or a hop
 * list that breaks the model's invariants is not. */
static void
test_prefixes(void **state)
{
	char dir[4096];
	struct dirent *de;
	struct hop_list *l = hop_list_new();
	DIR *d;

	(void)state;
	assert_non_null(tu_reference("outputs/traceroute", dir, sizeof(dir)));
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char path[4096], *buf;
		size_t len, n, step;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		buf = tu_slurp(path, &len);
		assert_non_null(buf);
		step = len > 4000 ? 97 : 7;
		for (n = 0; n <= len; n += step) {
			struct fd_error err = { 0 };
			unsigned i;

			if (trace_import(buf, n, NULL, l, &err) < 0) {
				assert_true(err.code < 0 || err.msg[0]);
				continue;
			}
			for (i = 0; i < l->n; i++) {
				const struct hop *h = &l->hops[i];
				unsigned k;

				assert_true(i == 0 || h->ttl > l->hops[i - 1].ttl);
				for (k = 0; k < h->n_probes; k++)
					assert_true(h->probes[k].answer <
					    (int)h->n_answers);
			}
		}
		free(buf);
	}
	closedir(d);
	hop_list_free(l);
}

static void
test_errors(void **state)
{
	struct hop_list *l = hop_list_new();
	struct fd_error err = { 0 };

	(void)state;
	assert_int_equal(trace_import("", 0, NULL, l, &err), -ENOMSG);
	assert_int_equal(trace_import("hello\n", 6, "nope", l, &err),
	    -EINVAL);
	assert_int_equal(trace_import("hello\n", 6, "traceroute", l, &err),
	    -ENODATA);
	assert_int_equal(trace_import("{\"report\": 1", 12, "mtr-json", l,
	    &err), -EBADMSG);
	/* A silent-only trace is still a trace of silent hops. */
	assert_int_equal(trace_import(" 1  * * *\n 2  * * *\n", 20, NULL, l,
	    &err), 0);
	assert_int_equal(l->n, 2);
	assert_int_equal(l->hops[1].n_answers, 0);
	/* CRLF and a UTF-16LE capture of a tracert. */
	{
		const char *t = "Tracing route to 10.0.0.9 over a maximum of "
		    "30 hops\r\n\r\n  1    <1 ms    <1 ms    <1 ms  10.0.0.1\r\n"
		    "  2     *        *        *     Request timed out.\r\n"
		    "  3     1 ms     1 ms     1 ms  10.0.0.9\r\n";
		char u16[1024];
		size_t n = strlen(t), i;

		u16[0] = (char)0xff;
		u16[1] = (char)0xfe;
		for (i = 0; i < n; i++) {
			u16[2 + 2 * i] = t[i];
			u16[3 + 2 * i] = 0;
		}
		assert_int_equal(trace_import(u16, 2 + 2 * n, NULL, l, &err),
		    0);
		assert_string_equal(l->source, "windows-tracert");
		assert_int_equal(l->n, 3);
		assert_true(l->reached);
		assert_int_equal(l->hops[1].n_answers, 0);
	}
	hop_list_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_all),
		cmocka_unit_test(test_no_stale_ok),
		cmocka_unit_test(test_facts_traceroute),
		cmocka_unit_test(test_facts_others),
		cmocka_unit_test(test_facts_table),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
