/*
 * The lease tag's value (lease.h, issue 14): what a drill writes parses
 * back to the same fields, fits Azure's 256-character tag value whatever
 * the fields, and anything else on the tag is refused with a reason.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lease.h"

/* 2026-11-29T06:00:00Z */
#define T0 ((time_t)1795932000)

static void
test_round_trip(void **st)
{
	struct lease l, back;
	struct fd_error err = { 0 };
	char v[CLOUD_LEASE_MAX + 1];

	(void)st;
	lease_init(&l, "s2s-vpn-backup", "ops@jump1", "CHG0042", T0,
	    T0 + 3900);
	assert_int_equal(lease_format(&l, v, sizeof(v), &err), 0);
	assert_string_equal(v, "drill=s2s-vpn-backup; by=ops@jump1; "
	    "since=2026-11-29T06:00:00Z; until=2026-11-29T07:05:00Z; "
	    "change=CHG0042");
	assert_int_equal(lease_parse(v, &back, &err), 0);
	assert_string_equal(back.drill, "s2s-vpn-backup");
	assert_string_equal(back.by, "ops@jump1");
	assert_string_equal(back.change, "CHG0042");
	assert_true(back.since == T0);
	assert_true(back.until == T0 + 3900);
	/* No change id: "-". */
	lease_init(&l, "d", "u@h", NULL, T0, T0 + 60);
	assert_int_equal(lease_format(&l, v, sizeof(v), &err), 0);
	assert_non_null(strstr(v, "; change=-"));
	/* Too small a buffer is an error, never a cut value. */
	assert_int_equal(lease_format(&l, v, 40, &err), -ENOSPC);
}

/* Long or hostile fields are cut and cleaned: the value stays within
 * 256 characters and parses back to the same fields. */
static void
test_fields_cut_and_cleaned(void **st)
{
	struct lease l, back;
	struct fd_error err = { 0 };
	char v[CLOUD_LEASE_MAX + 1], big[1000];

	(void)st;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	lease_init(&l, big, big, big, T0, T0 + 1);
	assert_int_equal(lease_format(&l, v, sizeof(v), &err), 0);
	assert_true(strlen(v) <= CLOUD_LEASE_MAX);
	assert_int_equal(lease_parse(v, &back, &err), 0);
	assert_int_equal(strlen(back.drill), LEASE_DRILL_MAX);
	assert_int_equal(strlen(back.change), LEASE_CHANGE_MAX);
	/* Separators and non-ASCII (a cut never halves UTF-8) become '_'. */
	lease_init(&l, "a; until=2099-01-01T00:00:00Z", "r\xc3\xa9my@h",
	    "x=y", T0, T0 + 1);
	assert_int_equal(lease_format(&l, v, sizeof(v), &err), 0);
	assert_int_equal(lease_parse(v, &back, &err), 0);
	assert_string_equal(back.drill, "a_ until_2099-01-01T00:00:00Z");
	assert_string_equal(back.by, "r__my@h");
	assert_string_equal(back.change, "x_y");
	assert_true(back.until == T0 + 1);
}

static void
test_garbage_refused(void **st)
{
	static const struct {
		const char *v, *why;
	} bad[] = {
		{ "", "empty" },
		{ "locked by bob", "not key=value" },
		{ "drill=d; by=u@h; since=2026-11-29T06:00:00Z", "no until" },
		{ "by=u@h; since=2026-11-29T06:00:00Z; "
		  "until=2026-11-29T07:00:00Z", "no drill" },
		{ "drill=d; by=u@h; since=2026-11-29T06:00:00Z; "
		  "until=tomorrow", "until 'tomorrow'" },
		{ "drill=d; by=u@h; since=2026-11-29T06:00:00Z; "
		  "until=2026-02-30T07:00:00Z", "until '2026-02-30" },
		{ "drill=d; by=u@h; since=2026-11-29T06:00:00Z; "
		  "until=2026-11-29T07:00:00+01:00", "until too long" },
		{ "drill=d; by=u@h; since=2026-11-29T06:00:00Z; "
		  "until=2026-11-29 07:00:00Z", "until '2026-11-29 07" },
		{ "drill=d; by=u@h; since=2026-11-29T06:00:00Z; "
		  "until=2026-+1-29T07:00:00Z", "until '2026-+1-29" },
		{ "drill=d; by=u@h; since= 026-11-29T06:00:00Z; "
		  "until=2026-11-29T07:00:00Z", "since ' 026" },
		{ "drill=d; by=u@h; since=2026-11-29T06:00:00Z; "
		  "until=2026-11-29T07:00:00Z; until=2099-11-29T07:00:00Z",
		  "until twice" },
		{ "drill=; by=u@h; since=2026-11-29T06:00:00Z; "
		  "until=2026-11-29T07:00:00Z", "drill empty" },
	};
	struct lease l;
	struct fd_error err = { 0 };
	char big[400];
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (lease_parse(bad[i].v, &l, &err) != -EBADMSG)
			fail_msg("'%s' accepted", bad[i].v);
		if (strstr(err.msg, bad[i].why) == NULL)
			fail_msg("'%s': '%s' does not say '%s'", bad[i].v,
			    err.msg, bad[i].why);
	}
	/* Longer than a tag value can be. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "drill=", 6);
	assert_int_equal(lease_parse(big, &l, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "longer than 256"));
	/* A field over its length. */
	snprintf(big, sizeof(big), "drill=%0100d; by=u@h; since=2026-11-29T"
	    "06:00:00Z; until=2026-11-29T07:00:00Z", 0);
	assert_int_equal(lease_parse(big, &l, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "drill too long"));
	/* A later version's field is ignored; change is optional. */
	assert_int_equal(lease_parse("drill=d; by=u@h; since=2026-11-29T06:00:"
	    "00Z; until=2026-11-29T07:00:00Z; host=x", &l, &err), 0);
	assert_string_equal(l.change, "-");
}

static void
test_expiry(void **st)
{
	struct lease l;
	char buf[256];

	(void)st;
	lease_init(&l, "d", "u@h", "C1", T0, T0 + 100);
	assert_false(lease_expired(&l, T0));
	assert_false(lease_expired(&l, T0 + 99));
	assert_true(lease_expired(&l, T0 + 100));
	assert_true(lease_expired(&l, T0 + 10000));
	lease_holder_str(&l, buf, sizeof(buf));
	assert_string_equal(buf, "by u@h (drill d, change C1) until "
	    "2026-11-29T06:01:40Z");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_fields_cut_and_cleaned),
		cmocka_unit_test(test_garbage_refused),
		cmocka_unit_test(test_expiry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
