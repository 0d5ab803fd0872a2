/*
 * Maintenance windows (issue 14 item 3): the window arithmetic with an
 * injected "now" — inside, outside, across midnight, across both DST
 * changes of Europe/Berlin in 2026 (zdump -v -c 2026,2027 Europe/Berlin:
 * 29 March 01:00 UT the clocks go 02:00 CET -> 03:00 CEST, 25 October
 * 01:00 UT 03:00 CEST -> 02:00 CET), not_before / not_after — and the
 * parsers of times, days and zone names.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "window.h"

static time_t
T(const char *rfc3339)
{
	time_t t;

	if (window_parse_time(rfc3339, &t) < 0)
		fail_msg("bad time in the test: %s", rfc3339);
	return t;
}

/* A window of one weekly range in Europe/Berlin. */
static void
berlin(struct window_spec *w, unsigned days, const char *from,
    const char *to)
{
	memset(w, 0, sizeof(*w));
	w->set = true;
	snprintf(w->tz, sizeof(w->tz), "Europe/Berlin");
	w->n_weekly = 1;
	w->weekly[0].days = days;
	assert_int_equal(window_parse_hhmm(from, false,
	    &w->weekly[0].from_min), 0);
	assert_int_equal(window_parse_hhmm(to, true, &w->weekly[0].to_min),
	    0);
}

#define MON (1u << 0)
#define FRI (1u << 4)
#define SAT (1u << 5)
#define SUN (1u << 6)

/* Evaluate at now; want_open, and until (open) or next (closed), UTC. */
static struct window_state
eval_at(const struct window_spec *w, const char *now, bool want_open,
    const char *want_edge)
{
	struct window_state st;
	struct fd_error err = { 0 };
	char a[32], b[32];
	time_t edge;

	if (window_eval(w, T(now), &st, &err) < 0)
		fail_msg("window_eval: %s", err.msg);
	if (st.open != want_open)
		fail_msg("at %s: %s, want %s (%s)", now, st.open ? "open" :
		    "closed", want_open ? "open" : "closed", st.why);
	edge = want_open ? st.until : st.next;
	if (want_edge == NULL) {
		if (edge != 0)
			fail_msg("at %s: edge %s, want none", now,
			    window_utc_str(edge, a, sizeof(a)));
	} else if (edge != T(want_edge)) {
		fail_msg("at %s: %s %s, want %s", now, want_open ? "until" :
		    "next", window_utc_str(edge, a, sizeof(a)),
		    window_utc_str(T(want_edge), b, sizeof(b)));
	}
	return st;
}

static void
test_inside_outside_midnight(void **state)
{
	struct window_spec w;
	struct window_state st;

	(void)state;
	/* Saturday 22:00 to Sunday 04:00, Berlin; December is CET (+1). */
	berlin(&w, SAT, "22:00", "04:00");
	eval_at(&w, "2026-12-05T21:00:00Z", true, "2026-12-06T03:00:00Z");
	eval_at(&w, "2026-12-05T22:00:00Z", true, "2026-12-06T03:00:00Z");
	/* Past midnight, Sunday 03:59 local: still the Saturday range. */
	eval_at(&w, "2026-12-06T02:59:00Z", true, "2026-12-06T03:00:00Z");
	/* Sunday 04:00 local: closed; next Saturday 22:00. */
	st = eval_at(&w, "2026-12-06T03:00:00Z", false,
	    "2026-12-12T21:00:00Z");
	assert_non_null(strstr(st.why, "Europe/Berlin"));
	assert_non_null(strstr(st.why, "Sat 2026-12-12 22:00 CET"));
	/* Saturday 21:59 local: a minute early. */
	eval_at(&w, "2026-12-05T20:59:00Z", false, "2026-12-05T21:00:00Z");
	/* A Wednesday. */
	eval_at(&w, "2026-12-09T12:00:00Z", false, "2026-12-12T21:00:00Z");
	/* Summer is CEST (+2): the same wall times, other instants. */
	eval_at(&w, "2026-07-04T20:30:00Z", true, "2026-07-05T02:00:00Z");
	eval_at(&w, "2026-07-04T19:59:00Z", false, "2026-07-04T20:00:00Z");

	/* Same-day range, and "to" 24:00. */
	berlin(&w, MON, "09:00", "24:00");
	eval_at(&w, "2026-12-07T08:00:00Z", true, "2026-12-07T23:00:00Z");
	eval_at(&w, "2026-12-07T07:59:59Z", false, "2026-12-07T08:00:00Z");
	eval_at(&w, "2026-12-07T23:00:00Z", false, "2026-12-14T08:00:00Z");
}

static void
test_adjacent_ranges_merge(void **state)
{
	struct window_spec w;

	(void)state;
	/* Friday 22:00-24:00 and Saturday 00:00-06:00 are one window. */
	berlin(&w, FRI, "22:00", "24:00");
	w.n_weekly = 2;
	w.weekly[1].days = SAT;
	w.weekly[1].from_min = 0;
	w.weekly[1].to_min = 6 * 60;
	eval_at(&w, "2026-12-04T22:00:00Z", true, "2026-12-05T05:00:00Z");
}

static void
test_dst_spring(void **state)
{
	struct window_spec w;

	(void)state;
	/* Saturday 28 March 22:00 CET (21:00 UT) to Sunday 29 March 04:00
	 * CEST (02:00 UT): five hours, not six.  A fixed +1 offset would
	 * say 03:00 UT. */
	berlin(&w, SAT, "22:00", "04:00");
	eval_at(&w, "2026-03-28T21:00:00Z", true, "2026-03-29T02:00:00Z");
	eval_at(&w, "2026-03-29T01:30:00Z", true, "2026-03-29T02:00:00Z");
	eval_at(&w, "2026-03-29T02:00:00Z", false, "2026-04-04T20:00:00Z");
	/* 02:30 does not exist that Sunday: the range opens when the
	 * clocks jump, 03:00 CEST = 01:00 UT. */
	berlin(&w, SUN, "02:30", "05:00");
	eval_at(&w, "2026-03-29T00:59:59Z", false, "2026-03-29T01:00:00Z");
	eval_at(&w, "2026-03-29T01:00:00Z", true, "2026-03-29T03:00:00Z");
}

static void
test_dst_autumn(void **state)
{
	struct window_spec w;

	(void)state;
	/* Saturday 24 October 22:00 CEST (20:00 UT) to Sunday 25 October
	 * 04:00 CET (03:00 UT): seven hours.  A fixed +2 offset would close
	 * it at 02:00 UT. */
	berlin(&w, SAT, "22:00", "04:00");
	eval_at(&w, "2026-10-24T20:00:00Z", true, "2026-10-25T03:00:00Z");
	eval_at(&w, "2026-10-25T02:30:00Z", true, "2026-10-25T03:00:00Z");
	eval_at(&w, "2026-10-24T19:59:00Z", false, "2026-10-24T20:00:00Z");
	/* 02:30 happens twice that Sunday (00:30 UT CEST, 01:30 UT CET):
	 * the first. */
	berlin(&w, SUN, "02:30", "03:30");
	eval_at(&w, "2026-10-25T00:30:00Z", true, "2026-10-25T02:30:00Z");
	eval_at(&w, "2026-10-25T00:29:00Z", false, "2026-10-25T00:30:00Z");
}

static void
test_other_zone(void **state)
{
	struct window_spec w;

	(void)state;
	/* New York changes on other dates (8 March 2026 02:00 EST -> 03:00
	 * EDT): Saturday 7 March 23:00 EST to Sunday 03:00 EDT is three
	 * hours, 04:00 to 07:00 UT. */
	berlin(&w, SAT, "23:00", "03:00");
	snprintf(w.tz, sizeof(w.tz), "America/New_York");
	eval_at(&w, "2026-03-08T04:00:00Z", true, "2026-03-08T07:00:00Z");
	eval_at(&w, "2026-03-08T06:59:00Z", true, "2026-03-08T07:00:00Z");
	eval_at(&w, "2026-03-08T07:00:00Z", false, "2026-03-15T03:00:00Z");
}

static void
test_absolute(void **state)
{
	struct window_spec w;
	struct window_state st;

	(void)state;
	memset(&w, 0, sizeof(w));
	w.set = true;
	w.has_not_before = true;
	w.not_before = T("2026-12-05T22:00:00+01:00");
	st = eval_at(&w, "2026-12-05T20:59:59Z", false,
	    "2026-12-05T21:00:00Z");
	assert_non_null(strstr(st.why, "not_before 2026-12-05T21:00:00Z"));
	/* Only not_before: open without end. */
	eval_at(&w, "2026-12-05T21:00:00Z", true, NULL);
	w.has_not_after = true;
	w.not_after = T("2026-12-06T04:00:00+01:00");
	eval_at(&w, "2026-12-05T21:00:00Z", true, "2026-12-06T03:00:00Z");
	st = eval_at(&w, "2026-12-06T03:00:00Z", false, NULL);
	assert_non_null(strstr(st.why, "closed at not_after "
	    "2026-12-06T03:00:00Z"));

	/* Weekly and absolute together: the earlier end counts. */
	berlin(&w, SAT, "22:00", "04:00");
	w.has_not_after = true;
	w.not_after = T("2026-12-06T01:30:00Z");
	eval_at(&w, "2026-12-05T22:00:00Z", true, "2026-12-06T01:30:00Z");
	/* Before not_before, the next opening is the first weekly range
	 * from then on (Saturday 12 December), not not_before itself. */
	w.has_not_after = false;
	w.has_not_before = true;
	w.not_before = T("2026-12-07T00:00:00Z");
	st = eval_at(&w, "2026-12-05T22:00:00Z", false,
	    "2026-12-12T21:00:00Z");
	assert_non_null(strstr(st.why, "before not_before 2026-12-07T00:00:00Z"
	    "; the first weekly range after it opens 2026-12-12T21:00:00Z"));
	/* ... and a not_before inside a range opens at not_before. */
	w.not_before = T("2026-12-05T23:30:00Z");
	eval_at(&w, "2026-12-05T22:00:00Z", false, "2026-12-05T23:30:00Z");
	eval_at(&w, "2026-12-05T23:30:00Z", true, "2026-12-06T03:00:00Z");
	/* ... and inside not_before/not_after but outside the weekly
	 * range is closed. */
	w.has_not_after = false;
	w.has_not_before = true;
	w.not_before = T("2026-12-01T00:00:00Z");
	eval_at(&w, "2026-12-09T12:00:00Z", false, "2026-12-12T21:00:00Z");

	/* run --window-until: an end brought forward, never put back. */
	berlin(&w, SAT, "22:00", "04:00");
	window_limit(&w, T("2026-12-06T00:00:00Z"));
	eval_at(&w, "2026-12-05T22:00:00Z", true, "2026-12-06T00:00:00Z");
	eval_at(&w, "2026-12-06T00:00:00Z", false, NULL);
	window_limit(&w, T("2026-12-07T00:00:00Z"));
	eval_at(&w, "2026-12-05T22:00:00Z", true, "2026-12-06T00:00:00Z");
	memset(&w, 0, sizeof(w));
	window_limit(&w, T("2026-12-06T00:00:00Z"));
	assert_true(w.set);
	eval_at(&w, "2026-12-05T22:00:00Z", true, "2026-12-06T00:00:00Z");
}

static void
test_tz_restored(void **state)
{
	struct window_spec w;
	struct window_state st;
	struct fd_error err = { 0 };

	(void)state;
	/* The caller's TZ is put back (set or unset). */
	setenv("TZ", "UTC", 1);
	berlin(&w, SAT, "22:00", "04:00");
	assert_int_equal(window_eval(&w, T("2026-12-05T22:00:00Z"), &st,
	    &err), 0);
	assert_string_equal(getenv("TZ"), "UTC");
	unsetenv("TZ");
	assert_int_equal(window_eval(&w, T("2026-12-05T22:00:00Z"), &st,
	    &err), 0);
	assert_null(getenv("TZ"));
	/* A zone that is not installed is an error, never UTC. */
	snprintf(w.tz, sizeof(w.tz), "Europe/Atlantis");
	assert_int_equal(window_eval(&w, T("2026-12-05T22:00:00Z"), &st,
	    &err), -ENOENT);
	assert_non_null(strstr(err.msg, "Europe/Atlantis"));
}

static void
test_parsers(void **state)
{
	time_t t;
	unsigned m;

	(void)state;
	assert_int_equal(window_parse_time("2026-12-05T22:00:00Z", &t), 0);
	assert_int_equal(t, 1796508000);
	assert_int_equal(window_parse_time("2026-12-05t23:00:00.250+01:00",
	    &t), 0);
	assert_int_equal(t, 1796508000);
	assert_int_equal(window_parse_time("2026-12-05T17:00:00-05:00", &t),
	    0);
	assert_int_equal(t, 1796508000);
	assert_int_equal(window_parse_time("2028-02-29T00:00:00Z", &t), 0);
	/* No offset is no instant; nor a space, a bad date, a leap
	 * second or trailing text. */
	assert_int_equal(window_parse_time("2026-12-05T22:00:00", &t),
	    -EINVAL);
	assert_int_equal(window_parse_time("2026-12-05 22:00:00Z", &t),
	    -EINVAL);
	assert_int_equal(window_parse_time("2026-02-29T00:00:00Z", &t),
	    -EINVAL);
	assert_int_equal(window_parse_time("2026-12-05T24:00:00Z", &t),
	    -EINVAL);
	assert_int_equal(window_parse_time("2026-12-31T23:59:60Z", &t),
	    -EINVAL);
	assert_int_equal(window_parse_time("2026-12-05T22:00:00Zx", &t),
	    -EINVAL);
	assert_int_equal(window_parse_time("2026-12-05T22:00:00+0100", &t),
	    -EINVAL);
	assert_int_equal(window_parse_time("", &t), -EINVAL);

	assert_int_equal(window_parse_hhmm("00:00", false, &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(window_parse_hhmm("23:59", false, &m), 0);
	assert_int_equal(m, 1439);
	assert_int_equal(window_parse_hhmm("24:00", true, &m), 0);
	assert_int_equal(m, 1440);
	assert_int_equal(window_parse_hhmm("24:00", false, &m), -EINVAL);
	assert_int_equal(window_parse_hhmm("24:01", true, &m), -EINVAL);
	assert_int_equal(window_parse_hhmm("9:00", false, &m), -EINVAL);
	assert_int_equal(window_parse_hhmm("09:60", false, &m), -EINVAL);

	assert_int_equal(window_day("mon"), 0);
	assert_int_equal(window_day("sun"), 6);
	assert_int_equal(window_day("Sat"), -EINVAL);
	assert_int_equal(window_day("saturday"), -EINVAL);

	assert_int_equal(window_tz_check("Europe/Berlin"), 0);
	assert_int_equal(window_tz_check("UTC"), 0);
	assert_int_equal(window_tz_check("Europe/Atlantis"), -ENOENT);
	assert_int_equal(window_tz_check("../../etc/passwd"), -EINVAL);
	assert_int_equal(window_tz_check("/etc/localtime"), -EINVAL);
	assert_int_equal(window_tz_check("CET+1"), -ENOENT);
	assert_int_equal(window_tz_check("Europe/Berlin x"), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inside_outside_midnight),
		cmocka_unit_test(test_adjacent_ranges_merge),
		cmocka_unit_test(test_dst_spring),
		cmocka_unit_test(test_dst_autumn),
		cmocka_unit_test(test_other_zone),
		cmocka_unit_test(test_absolute),
		cmocka_unit_test(test_tz_restored),
		cmocka_unit_test(test_parsers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
