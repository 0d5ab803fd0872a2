/*
 * src/replies.c: the core's side of saving device replies (issue 13):
 * which directory each device is pointed at as a phase begins, and the
 * index of what was saved that result.json's evidence carries.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "replies.h"

static char got[2][PATH_MAX + 8];
static struct device_replies *got_budget;

static void
rec(void *ctx, const char *dir, struct device_replies *b)
{
	snprintf(got[(intptr_t)ctx], sizeof(got[0]), "%s", dir ? dir : "-");
	got_budget = b;
}

static const struct device_ops recording = { .kind = "junos",
	.record = rec };
static const struct device_ops silent = { .kind = "other" };

static void
test_phase_dirs(void **state)
{
	const struct device_ops *ops[4] = { &recording, NULL, &silent,
		&recording };
	void *ctx[4] = { (void *)0, NULL, NULL, (void *)1 };
	struct device_replies b;
	char longdir[PATH_MAX];

	(void)state;
	memset(&b, 0, sizeof(b));
	replies_phase(ops, ctx, 4, "/out", "verify-restored", &b);
	assert_string_equal(got[0], "/out/replies/verify-restored");
	assert_string_equal(got[1], "/out/replies/verify-restored");
	assert_ptr_equal(got_budget, &b);
	assert_int_equal(b.max_bytes, REPLIES_MAX_BYTES);
	/* No result directory, or one too long for a path: stop. */
	replies_phase(ops, ctx, 4, NULL, "verify", &b);
	assert_string_equal(got[0], "-");
	assert_string_equal(got[1], "-");
	memset(longdir, 'x', sizeof(longdir) - 1);
	longdir[sizeof(longdir) - 1] = '\0';
	longdir[0] = '/';
	replies_phase(ops, ctx, 4, "/out", "baseline", &b);
	replies_phase(ops, ctx, 4, longdir, "baseline", &b);
	assert_string_equal(got[0], "-");
}

static void
touch(const char *root, const char *rel)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_non_null(f = fopen(p, "w"));
	fclose(f);
}

static void
mkd(const char *root, const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void
test_index(void **state)
{
	char root[64], cmd[128], *s;
	json_t *o;

	(void)state;
	snprintf(root, sizeof(root), "/tmp/fdt-replies-index-XXXXXX");
	assert_non_null(mkdtemp(root));
	assert_null(replies_index(NULL));
	assert_null(replies_index(root));	/* no replies/ */
	mkd(root, "replies");
	mkd(root, "replies/verify");		/* empty: left out */
	mkd(root, "replies/baseline");
	touch(root, "replies/baseline/fw__show_version.txt");
	touch(root, "replies/baseline/ce1__show_bgp_summary.json");
	touch(root, "replies/baseline/ce1_a__show_version.json");
	/* A failed save's temporary file is not a reply. */
	touch(root, "replies/baseline/.fw__show_version.txt.Ab12Cd");
	mkd(root, "replies/preflight");
	touch(root, "replies/preflight/fw__show_version.json");
	o = replies_index(root);
	assert_non_null(o);
	s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
	/* Byte order: "ce1_a" after "ce1__" ('_' 0x5f < 'a' 0x61). */
	assert_string_equal(s, "{\"baseline\":[\"ce1__show_bgp_summary.json\","
	    "\"ce1_a__show_version.json\",\"fw__show_version.txt\"],"
	    "\"preflight\":[\"fw__show_version.json\"]}");
	free(s);
	json_decref(o);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phase_dirs),
		cmocka_unit_test(test_index),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
