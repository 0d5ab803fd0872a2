/*
 * Convergence analysis on synthetic sample series: a prober at 20/s whose
 * TTL-limited probe is answered by the MSEE (192.168.11.18) while on
 * ExpressRoute, by the VPN path (10.17.11.132) after the failover, with a
 * loss window in between.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "probe/converge.h"

#define MSEE "192.168.11.18"
#define VPN "10.17.11.132"

static struct hop_set msee;

static int
setup(void **state)
{
	(void)state;
	memset(&msee, 0, sizeof(msee));
	snprintf(msee.name, sizeof(msee.name), "msee");
	msee.n = 2;
	assert_int_equal(prefix_parse("192.168.11.16/30", &msee.prefixes[0],
	    NULL), 0);
	assert_int_equal(prefix_parse("192.168.11.20/30", &msee.prefixes[1],
	    NULL), 0);
	return 0;
}

/*
 * Append samples every 50 ms from t to t_end (exclusive); from = NULL:
 * both probes lost; e2e: the end-to-end probe answered.
 */
static uint64_t
series(struct watch_samples *s, uint64_t t, uint64_t t_end, const char *from,
    bool e2e)
{
	for (; t < t_end; t += 50) {
		struct watch_sample w;

		memset(&w, 0, sizeof(w));
		w.t_ms = t;
		w.e2e_reply = e2e;
		w.rtt_ms = e2e ? 1.0 : -1;
		if (from != NULL) {
			w.ttl_reply = true;
			assert_int_equal(addr_parse(from, &w.ttl_from, NULL),
			    0);
		}
		assert_int_equal(watch_samples_add(s, &w), 0);
	}
	return t;
}

static void
test_failover(void **state)
{
	struct watch_samples s = { 0 };
	struct converge_result r;
	uint64_t t;

	(void)state;
	/* 10.000-12.000 on the MSEE, 12.000-13.500 lost, then the VPN. */
	t = series(&s, 10000, 12000, MSEE, true);
	t = series(&s, t, 13500, NULL, false);
	series(&s, t, 20000, VPN, true);

	assert_int_equal(converge_analyse(&s, 11000, &msee, 2000, &r), 0);
	assert_true(r.left);
	assert_int_equal(r.left_ms, 12000);
	assert_int_equal(r.left_mid_ms, 11975);
	assert_true(r.stable);
	assert_int_equal(r.stable_ms, 13500);
	assert_int_equal(r.sent, (20000 - 11000) / 50);
	assert_int_equal(r.lost, 30);
	/* From the first lost probe to the first answered one. */
	assert_int_equal(r.longest_loss_ms, 1500);
	assert_int_equal(r.longest_loss_start_ms, 12000);
	assert_int_equal(r.n_runs, 3);
	assert_int_equal(r.runs[0].cls, CONVERGE_PRIMARY);
	assert_int_equal(r.runs[0].start_ms, 11000);
	assert_int_equal(r.runs[0].end_ms, 11950);
	assert_int_equal(r.runs[1].cls, CONVERGE_LOST);
	assert_int_equal(r.runs[1].n, 30);
	assert_int_equal(r.runs[2].cls, CONVERGE_OTHER);
	assert_int_equal(r.runs[2].start_ms, 13500);
	assert_int_equal(r.runs[2].end_ms, 19950);
	watch_samples_done(&s);
}

static void
test_flapping_is_not_stable(void **state)
{
	struct watch_samples s = { 0 };
	struct converge_result r;
	uint64_t t;

	(void)state;
	/* The path flaps to the VPN for 500 ms, back to the MSEE, then
	 * settles on the VPN at 14.000 for good. */
	t = series(&s, 10000, 12000, MSEE, true);
	t = series(&s, t, 12500, VPN, true);
	t = series(&s, t, 14000, MSEE, true);
	series(&s, t, 17000, VPN, true);

	assert_int_equal(converge_analyse(&s, 10000, &msee, 1000, &r), 0);
	assert_int_equal(r.left_ms, 12000);
	assert_true(r.stable);
	assert_int_equal(r.stable_ms, 14000);
	assert_int_equal(r.lost, 0);
	assert_int_equal(r.longest_loss_ms, 0);
	assert_int_equal(r.n_runs, 4);

	/* Asking for 5 s of stability: never reached in this capture. */
	assert_int_equal(converge_analyse(&s, 10000, &msee, 5000, &r), 0);
	assert_true(r.left);
	assert_false(r.stable);
	watch_samples_done(&s);
}

static void
test_failback(void **state)
{
	struct watch_samples s = { 0 };
	struct converge_result r;
	uint64_t t;

	(void)state;
	/* On the VPN; restore at 5.000; two losses; back on the MSEE. */
	t = series(&s, 0, 5200, VPN, true);
	t = series(&s, t, 5300, NULL, false);
	series(&s, t, 9000, MSEE, true);

	assert_int_equal(converge_analyse_dir(&s, 5000, &msee,
	    CONVERGE_RETURN, 1000, &r), 0);
	assert_true(r.left);
	assert_int_equal(r.left_ms, 5200);
	assert_true(r.stable);
	assert_int_equal(r.stable_ms, 5300);
	assert_int_equal(r.lost, 2);
	assert_int_equal(r.longest_loss_ms, 100);

	/* In the failover direction the same series starts off the set,
	 * so it has "left" at the first sample. */
	assert_int_equal(converge_analyse(&s, 5000, &msee, 1000, &r), 0);
	assert_int_equal(r.left_ms, 5000);
	watch_samples_done(&s);
}

static void
test_no_change_and_edges(void **state)
{
	struct watch_samples s = { 0 };
	struct converge_result r;

	(void)state;
	series(&s, 0, 3000, MSEE, true);
	assert_int_equal(converge_analyse(&s, 0, &msee, 500, &r), 0);
	assert_false(r.left);
	assert_false(r.stable);
	assert_int_equal(r.n_runs, 1);
	assert_int_equal(r.sent, 60);
	/* Nothing after t0: not a pass, an error. */
	assert_int_equal(converge_analyse(&s, 3000, &msee, 500, &r),
	    -ENODATA);
	assert_int_equal(converge_analyse(NULL, 0, &msee, 500, &r), -EINVAL);
	watch_samples_done(&s);

	/* Loss until the very end: the window runs to the last sample. */
	series(&s, 0, 1000, MSEE, true);
	series(&s, 1000, 2000, NULL, false);
	assert_int_equal(converge_analyse(&s, 0, &msee, 500, &r), 0);
	assert_int_equal(r.longest_loss_ms, 950);
	assert_false(r.stable);
	watch_samples_done(&s);
}

static void
test_run_limit(void **state)
{
	struct watch_samples s = { 0 };
	struct converge_result r;
	uint64_t t = 0;
	int i;

	(void)state;
	/* 100 alternations: runs are capped, the last one still ends at
	 * the last sample. */
	for (i = 0; i < 100; i++)
		t = series(&s, t, t + 100, i % 2 ? VPN : MSEE, true);
	assert_int_equal(converge_analyse(&s, 0, &msee, 60000, &r), 0);
	assert_int_equal(r.n_runs, CONVERGE_MAX_RUNS);
	assert_true(r.runs_truncated);
	assert_int_equal(r.runs[CONVERGE_MAX_RUNS - 1].end_ms, t - 50);
	watch_samples_done(&s);
}

static void
test_classify(void **state)
{
	struct watch_sample w;

	(void)state;
	memset(&w, 0, sizeof(w));
	assert_int_equal(converge_classify(&w, &msee), CONVERGE_LOST);
	w.e2e_reply = true;
	assert_int_equal(converge_classify(&w, &msee), CONVERGE_OTHER);
	w.ttl_reply = true;
	addr_parse("192.168.11.22", &w.ttl_from, NULL);
	assert_int_equal(converge_classify(&w, &msee), CONVERGE_PRIMARY);
	addr_parse("192.168.11.24", &w.ttl_from, NULL);
	assert_int_equal(converge_classify(&w, &msee), CONVERGE_OTHER);
	assert_string_equal(converge_class_str(CONVERGE_LOST), "lost");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failover),
		cmocka_unit_test(test_flapping_is_not_stable),
		cmocka_unit_test(test_failback),
		cmocka_unit_test(test_no_change_and_edges),
		cmocka_unit_test(test_run_limit),
		cmocka_unit_test(test_classify),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
