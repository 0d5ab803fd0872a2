/* Hop model, pattern matcher and diff: table-driven over the seed traces. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hops.h"

static struct hop_sets sets;

static int
setup(void **state)
{
	(void)state;
	memset(&sets, 0, sizeof(sets));
	sets.n = 2;
	snprintf(sets.sets[0].name, HOPSET_NAME_MAX, "msee");
	sets.sets[0].n = 2;
	prefix_parse("192.168.11.16/30", &sets.sets[0].prefixes[0], NULL);
	prefix_parse("192.168.11.20/30", &sets.sets[0].prefixes[1], NULL);
	snprintf(sets.sets[1].name, HOPSET_NAME_MAX, "ce");
	sets.sets[1].n = 2;
	prefix_parse_host("192.168.11.0", &sets.sets[1].prefixes[0], NULL);
	prefix_parse_host("192.168.11.2", &sets.sets[1].prefixes[1], NULL);
	return 0;
}

/* Build an expectation from "p1 p2 ...", "!avoid1 !avoid2", reach. */
static void
mkexpect(struct path_expect *e, const char *pats, const char *avoid,
    bool reach)
{
	char buf[512], *t, *save = NULL;

	memset(e, 0, sizeof(*e));
	e->reach = reach;
	snprintf(buf, sizeof(buf), "%s", pats);
	for (t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		assert_int_equal(hop_pat_parse(t, &e->pats[e->n++], NULL), 0);
	if (avoid == NULL)
		return;
	snprintf(buf, sizeof(buf), "%s", avoid);
	for (t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		assert_int_equal(
		    hop_pat_parse(t, &e->avoid[e->n_avoid++], NULL), 0);
}

#define BASELINE "10.1.11.1, 192.168.11.0, 192.168.11.18, *, 10.17.11.132"
#define FAILOVER "10.1.11.1, *, 10.17.11.132"

struct match_case {
	const char *trace;
	const char *pats;
	const char *avoid;
	bool reach;
	int rc;
	const char *msg;	/* substring of the error, or NULL */
};

static const struct match_case cases[] = {
	/* The seed article's traces against the seed drill's patterns. */
	{ BASELINE, "10.1.11.1 @ce @msee * 10.17.11.132", NULL, true, 0, NULL },
	{ FAILOVER, "10.1.11.1 ... 10.17.11.132", "@msee", true, 0, NULL },
	{ BASELINE, "10.1.11.1 ... 10.17.11.132", "@msee", true, -EBADMSG,
	    "hop 3: 192.168.11.18 matches avoided @msee" },
	{ FAILOVER, "10.1.11.1 @ce @msee * 10.17.11.132", NULL, true,
	    -EBADMSG, "hop 2: got *, expected @ce" },
	/* Secondary MSEE path also matches @msee. */
	{ "10.1.11.1, 192.168.11.2, 192.168.11.22, *, 10.17.11.132",
	    "10.1.11.1 @ce @msee * 10.17.11.132", NULL, true, 0, NULL },
	/* "*" is one silent hop, not any hop. */
	{ "10.1.11.1, 192.168.11.0, 192.168.11.18, 10.17.11.4, 10.17.11.132",
	    "10.1.11.1 @ce @msee * 10.17.11.132", NULL, true, -EBADMSG,
	    "hop 4: got 10.17.11.4, expected *" },
	{ "10.1.11.1, 192.168.11.0, 192.168.11.18, 10.17.11.4, 10.17.11.132",
	    "10.1.11.1 @ce @msee ? 10.17.11.132", NULL, true, 0, NULL },
	/* ECMP: a hop answered from two addresses matches if either does. */
	{ "10.1.11.1, 10.9.9.9|192.168.11.2, 192.168.11.22, *, 10.17.11.132",
	    "10.1.11.1 @ce @msee * 10.17.11.132", NULL, true, 0, NULL },
	/* CIDR patterns. */
	{ FAILOVER, "10.1.11.0/25 * 10.17.11.128/26", NULL, true, 0, NULL },
	/* "..." may match nothing. */
	{ "10.1.11.1, 10.17.11.132", "10.1.11.1 ... 10.17.11.132", NULL, true,
	    0, NULL },
	/* Truncated trace: the target never answered. */
	{ "10.1.11.1, 192.168.11.0, *, *", "10.1.11.1 ...", NULL, true,
	    -EBADMSG, "not reached" },
	/* Unreachable as an expectation. */
	{ "10.1.11.1, *, *, *", "10.1.11.1 ...", NULL, false, 0, NULL },
	{ FAILOVER, "...", NULL, false, -EBADMSG, "expected to be unreachable" },
	/* Trace longer than the pattern. */
	{ BASELINE, "10.1.11.1 @ce @msee", NULL, true, -EBADMSG,
	    "hop 4: got * after the expected path had ended" },
	/* Trace shorter than the pattern. */
	{ FAILOVER, "10.1.11.1 * 10.17.11.132 10.17.11.133", NULL, true,
	    -EBADMSG, "trace ended after 3 hops" },
};

static void
test_match_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct match_case *c = &cases[i];
		struct hop_list *l = hop_list_new();
		struct path_expect e;
		struct fd_error err = { 0 };
		int rc;

		assert_int_equal(hop_list_parse(c->trace, l, NULL), 0);
		if (!c->reach || strstr(c->trace, "*, *") != NULL) {
			/* Traces that end silent did not reach 10.17.11.132. */
			addr_parse("10.17.11.132", &l->target, NULL);
			hop_list_finish(l);
		}
		mkexpect(&e, c->pats, c->avoid, c->reach);
		rc = hops_match(&e, &sets, l, &err);
		if (rc != c->rc || (c->msg && !strstr(err.msg, c->msg)))
			fail_msg("case %zu (%s vs %s): rc %d '%s'", i,
			    c->trace, c->pats, rc, err.msg);
		hop_list_free(l);
	}
}

static void
test_empty_is_error(void **state)
{
	struct hop_list *l = hop_list_new();
	struct path_expect e;
	struct fd_error err = { 0 };

	(void)state;
	mkexpect(&e, "...", NULL, false);
	assert_int_equal(hops_match(&e, &sets, l, &err), -ENODATA);
	assert_int_equal(hop_list_parse("", l, &err), -ENODATA);
	assert_int_equal(hop_list_parse("10.1.11.1, bogus", l, &err),
	    -EINVAL);
	assert_non_null(strstr(err.msg, "hop 2"));
	/* An empty hop is an error, not a silent TTL gap. */
	assert_int_equal(hop_list_parse("10.1.11.1, , 10.17.11.132", l, &err),
	    -EINVAL);
	assert_non_null(strstr(err.msg, "hop 2: empty"));
	assert_int_equal(hop_list_parse("*, |", l, &err), -EINVAL);
	assert_int_equal(hop_list_parse("|", l, &err), -EINVAL);
	hop_list_free(l);
}

static void
test_patterns(void **state)
{
	struct hop_pat p;
	struct fd_error err = { 0 };
	char buf[64];

	(void)state;
	assert_int_equal(hop_pat_parse("@msee", &p, &err), 0);
	assert_int_equal(hop_pat_check(&p, &sets, &err), 0);
	assert_int_equal(hop_pat_parse("@nope", &p, &err), 0);
	assert_int_equal(hop_pat_check(&p, &sets, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "@nope"));
	assert_int_equal(hop_pat_parse("@", &p, &err), -EINVAL);
	assert_int_equal(hop_pat_parse("@a;b", &p, &err), -EINVAL);
	assert_int_equal(hop_pat_parse("**", &p, &err), -EINVAL);
	assert_int_equal(hop_pat_parse("....", &p, &err), -EINVAL);
	assert_int_equal(hop_pat_parse("192.168.11.18/30", &p, &err), -EINVAL);
	assert_int_equal(hop_pat_parse("192.168.11.16/30", &p, &err), 0);
	assert_string_equal(hop_pat_str(&p, buf, sizeof(buf)),
	    "192.168.11.16/30");
	assert_int_equal(hop_pat_parse("10.1.11.1", &p, &err), 0);
	assert_string_equal(hop_pat_str(&p, buf, sizeof(buf)), "10.1.11.1");
}

static void
test_builder(void **state)
{
	struct hop_list *l = hop_list_new();
	struct fd_addr a, b;
	char buf[256];

	(void)state;
	addr_parse("10.1.11.1", &a, NULL);
	addr_parse("10.17.11.132", &b, NULL);
	/* Out-of-order TTLs are kept sorted; repeated answers collapse. */
	assert_int_equal(hop_list_add_probe(l, 3, &b, NULL, 1.5, NULL), 0);
	assert_int_equal(hop_list_add_probe(l, 1, &a, NULL, 0.2, NULL), 0);
	assert_int_equal(hop_list_add_probe(l, 1, &a, NULL, 0.3, NULL), 0);
	assert_int_equal(hop_list_add_probe(l, 2, NULL, NULL, -1, NULL), 0);
	assert_int_equal(hop_list_add_probe(l, 0, &a, NULL, 0, NULL), -EINVAL);
	l->target = b;
	hop_list_finish(l);
	assert_true(l->reached);
	assert_int_equal(l->n, 3);
	assert_int_equal(l->hops[0].n_answers, 1);
	assert_int_equal(l->hops[0].n_probes, 2);
	assert_string_equal(hop_list_str(l, buf, sizeof(buf)),
	    "10.1.11.1, *, 10.17.11.132");
	hop_list_free(l);
}

static void
diff_case(const char *a, const char *b, const char *want)
{
	struct hop_list *la = hop_list_new(), *lb = hop_list_new();
	struct hop_diff d;
	char got[256] = "";
	size_t off = 0;
	unsigned i;

	assert_int_equal(hop_list_parse(a, la, NULL), 0);
	assert_int_equal(hop_list_parse(b, lb, NULL), 0);
	hops_diff(la, lb, &d);
	for (i = 0; i < d.n; i++)
		off += (size_t)snprintf(got + off, sizeof(got) - off, "%s%d:%d%s",
		    i ? " " : "", d.rows[i].a, d.rows[i].b,
		    d.rows[i].differs ? "!" : "");
	assert_string_equal(got, want);
	hop_list_free(la);
	hop_list_free(lb);
}

static void
test_diff(void **state)
{
	(void)state;
	/* Before/after of the seed: CE and MSEE hops disappear. */
	diff_case(BASELINE, FAILOVER, "0:0 1:-1! 2:-1! 3:1 4:2");
	diff_case(FAILOVER, BASELINE, "0:0 -1:1! -1:2! 1:3 2:4");
	diff_case(BASELINE, BASELINE, "0:0 1:1 2:2 3:3 4:4");
	/* A substituted hop is shown side by side. */
	diff_case("10.1.11.1, 192.168.11.18, 10.17.11.132",
	    "10.1.11.1, 192.168.11.22, 10.17.11.132", "0:0 1:1! 2:2");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_empty_is_error),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_builder),
		cmocka_unit_test(test_diff),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
