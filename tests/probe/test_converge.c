/*
 * Convergence analysis on synthetic sample series: a prober at 20/s whose
 * TTL-limited probe is answered by the MSEE (192.168.11.18) while on
 * ExpressRoute, by the VPN path (10.17.11.132) after the failover, with a
 * loss window in between.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conv.h"
#include "converge.h"

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

/*
 * Streams as a 100/s prober records them on a network with production ICMP
 * limits.  The FIB changes at SWITCH_MS; before it the answer's reply TTL
 * is 61 (return path over ExpressRoute), after it 60 (over the VPN).  The
 * paced TTL-limited probe goes with every sample but its router answers
 * one per second (Linux icmp_ratelimit 1000 ms after the burst; the MSEE
 * polices time-exceeded), so 99 of 100 samples carry no responder.
 */
#define SWITCH_MS 3005
#define PERIOD 10

struct rec {
	bool ttl_probes;	/* TTL-limited probe sent at all */
	int ttl_before, ttl_after;	/* reply TTL; -1 unknown */
	double rtt_before, rtt_after;
	uint64_t loss_from, loss_to;	/* e2e lost in [from, to) */
	uint64_t switch_ms;		/* 0: SWITCH_MS */
	bool burst;			/* first 3 TTL probes answered (full
					 * token bucket) */
};

static void
record(struct watch_samples *s, const struct rec *r, uint64_t end,
    bool returning)
{
	uint64_t t, sw = r->switch_ms ? r->switch_ms : SWITCH_MS;

	for (t = 0; t < end; t += PERIOD) {
		struct watch_sample w;
		bool after = t >= sw;
		bool on_msee = returning ? after : !after;

		memset(&w, 0, sizeof(w));
		w.t_ms = t;
		w.e2e_reply = !(t >= r->loss_from && t < r->loss_to);
		w.rtt_ms = w.e2e_reply ? (after ? r->rtt_after :
		    r->rtt_before) + (double)(t % 30) / 100.0 : -1;
		w.reply_ttl = w.e2e_reply ? (after ? r->ttl_after :
		    r->ttl_before) : -1;
		w.ttl_sent = r->ttl_probes;
		/* One TTL-exceeded a second, at t = 500, 1500, ... */
		if (r->ttl_probes && (t % 1000 == 500 || (r->burst &&
		    t < 3 * PERIOD)) && w.e2e_reply) {
			w.ttl_reply = true;
			assert_int_equal(addr_parse(on_msee ? MSEE : VPN,
			    &w.ttl_from, NULL), 0);
		}
		assert_int_equal(watch_samples_add(s, &w), 0);
	}
}

static void
assert_near_switch(uint64_t t)
{
	assert_true(t + 10 >= SWITCH_MS);
	assert_true(t <= SWITCH_MS + 10);
}

static void
test_rate_limited_ttl_exceeded(void **state)
{
	struct rec rc = { true, 61, 60, 1.0, 1.0, 0, 0 };
	struct watch_samples s = { 0 };
	struct converge_result r;

	(void)state;
	record(&s, &rc, 8000, false);
	assert_int_equal(converge_analyse(&s, 0, &msee, 2000, &r), 0);
	assert_int_equal(r.lost, 0);
	assert_true(r.left);
	assert_near_switch(r.left_mid_ms);
	assert_true(r.stable);
	assert_near_switch(r.stable_ms);
	assert_int_equal(r.from_reply_ttl, 61);
	assert_int_equal(r.to_reply_ttl, 60);
	assert_int_equal(r.by_signal[CONVERGE_SIG_TTL_RESPONDER], 8);
	assert_int_equal(r.by_signal[CONVERGE_SIG_REPLY_TTL], 800 - 8);
	assert_int_equal(r.by_signal[CONVERGE_SIG_NONE], 0);
	watch_samples_done(&s);
}

static void
test_rate_limited_failback(void **state)
{
	struct rec rc = { true, 60, 61, 1.0, 1.0, 0, 0 };
	struct watch_samples s = { 0 };
	struct converge_result r;

	(void)state;
	record(&s, &rc, 8000, true);
	assert_int_equal(converge_analyse_dir(&s, 0, &msee, CONVERGE_RETURN,
	    2000, &r), 0);
	assert_int_equal(r.lost, 0);
	assert_near_switch(r.left_mid_ms);
	assert_true(r.stable);
	assert_near_switch(r.stable_ms);
	watch_samples_done(&s);
}

/* The return path does not move (reply TTL 61 on both paths) and RTT is
 * the same: only the once-a-second responder tells, so the change is seen
 * at the first responder after it (t = 3500), never at the start. */
static void
test_asymmetric_return_path(void **state)
{
	struct rec rc = { true, 61, 61, 1.0, 1.0, 0, 0 };
	struct watch_samples s = { 0 };
	struct converge_result r;
	struct converge_ref ref = { &msee, NULL };
	struct converge_point pts[800];

	(void)state;
	record(&s, &rc, 8000, false);
	assert_int_equal(converge_analyse(&s, 0, &msee, 2000, &r), 0);
	assert_int_equal(r.lost, 0);
	assert_true(r.left);
	assert_int_equal(r.left_ms, 3500);
	assert_true(r.stable);
	assert_int_equal(r.to_reply_ttl, -1);
	assert_int_equal(r.by_signal[CONVERGE_SIG_REPLY_TTL], 0);
	assert_int_equal(converge_classify_stream(&s, 0, &ref,
	    CONVERGE_LEAVE, pts, NULL, NULL), 0);
	assert_int_equal(pts[350].sig, CONVERGE_SIG_TTL_RESPONDER);
	assert_int_equal(pts[351].sig, CONVERGE_SIG_CARRIED);
	assert_int_equal(pts[351].cls, CONVERGE_OTHER);
	assert_int_equal(pts[349].cls, CONVERGE_PRIMARY);
	watch_samples_done(&s);
}

/* 200 ms of real loss across the switch: exactly those 20 probes lost. */
static void
test_real_loss_in_the_middle(void **state)
{
	struct rec rc = { true, 61, 60, 1.0, 1.0, 2900, 3100 };
	struct watch_samples s = { 0 };
	struct converge_result r;

	(void)state;
	record(&s, &rc, 8000, false);
	assert_int_equal(converge_analyse(&s, 0, &msee, 2000, &r), 0);
	assert_int_equal(r.lost, 20);
	assert_int_equal(r.by_signal[CONVERGE_SIG_NONE], 20);
	assert_int_equal(r.longest_loss_start_ms, 2900);
	assert_int_equal(r.longest_loss_ms, 200);
	assert_int_equal(r.left_ms, 2900);
	assert_true(r.stable);
	assert_int_equal(r.stable_ms, 3100);
	watch_samples_done(&s);
}

/* The change 15 ms after the write (the lab's ARM mock acts at once): only
 * two samples on the old path, too few for a level of its own; the TTL
 * probes of the first samples (answered from a full token bucket) anchor
 * the old level, so the switch is still placed within 10 ms. */
static void
test_switch_right_after_write(void **state)
{
	struct rec rc = { true, 61, 60, 1.0, 1.0, 0, 0, 15, true };
	struct watch_samples s = { 0 };
	struct converge_result r;

	(void)state;
	record(&s, &rc, 5000, false);
	assert_int_equal(converge_analyse(&s, 0, &msee, 2000, &r), 0);
	assert_int_equal(r.lost, 0);
	assert_true(r.left);
	assert_true(r.left_mid_ms >= 5 && r.left_mid_ms <= 25);
	assert_true(r.stable);
	assert_int_equal(r.stable_ms, 20);
	assert_int_equal(r.from_reply_ttl, 61);
	assert_int_equal(r.to_reply_ttl, 60);
	watch_samples_done(&s);
}

/* No TTL-limited probe at all (watch_req.ttl 0): the reply TTL alone. */
static void
test_no_ttl_probes(void **state)
{
	struct rec rc = { false, 61, 60, 1.0, 1.0, 0, 0 };
	struct watch_samples s = { 0 };
	struct converge_result r;

	(void)state;
	record(&s, &rc, 8000, false);
	assert_int_equal(converge_analyse(&s, 0, &msee, 2000, &r), 0);
	assert_int_equal(r.lost, 0);
	assert_near_switch(r.left_mid_ms);
	assert_int_equal(r.by_signal[CONVERGE_SIG_TTL_RESPONDER], 0);
	assert_int_equal(r.by_signal[CONVERGE_SIG_REPLY_TTL], 800);
	watch_samples_done(&s);
}

/* Neither TTL probe nor reply TTL (unknown): an RTT level shift of 1 ms ->
 * 9 ms still places the switch. */
static void
test_rtt_level_shift(void **state)
{
	struct rec rc = { false, -1, -1, 1.0, 9.0, 0, 0 };
	struct watch_samples s = { 0 };
	struct converge_result r;

	(void)state;
	record(&s, &rc, 8000, false);
	assert_int_equal(converge_analyse(&s, 0, &msee, 2000, &r), 0);
	assert_near_switch(r.left_mid_ms);
	assert_true(r.stable);
	assert_int_equal(r.by_signal[CONVERGE_SIG_RTT], 800);
	assert_string_equal(converge_signal_str(CONVERGE_SIG_RTT), "rtt");
	watch_samples_done(&s);
}

/*
 * The reported switch instant at 100/s: halfway between the last sample on
 * the old path and the first one off it, for "left" and for the start of
 * the stable run alike (bench/drill.sh: dating it at the first sample off
 * the old path put every failover a half period late on average).
 */
static void
test_switch_dated_between_samples(void **state)
{
	struct drill_watch dw;
	struct drill_watch_result wr;
	struct watch_samples s = { 0 };
	struct converge_result r;
	json_t *conv;
	uint64_t t;

	(void)state;
	/* 10 ms apart; the path moves between 1100 and 1110. */
	for (t = 1000; t < 4000; t += 10) {
		struct watch_sample w;

		memset(&w, 0, sizeof(w));
		w.t_ms = t;
		w.e2e_reply = true;
		w.rtt_ms = 1.0;
		w.ttl_reply = true;
		assert_int_equal(addr_parse(t <= 1100 ? MSEE : VPN,
		    &w.ttl_from, NULL), 0);
		assert_int_equal(watch_samples_add(&s, &w), 0);
	}
	assert_int_equal(converge_analyse(&s, 1000, &msee, 2000, &r), 0);
	assert_int_equal(r.left_ms, 1110);
	assert_int_equal(r.left_mid_ms, 1105);
	assert_int_equal(r.stable_ms, 1110);
	assert_int_equal(r.stable_mid_ms, 1105);

	memset(&dw, 0, sizeof(dw));
	dw.primary = msee;
	dw.rate_hz = 100;
	conv = drill_watch_json(&dw, &s, 1000, 2000, false, &wr);
	assert_non_null(conv);
	assert_int_equal(wr.left_ms, 105);
	assert_int_equal(wr.stable_ms, 105);
	assert_true(json_real_value(json_object_get(conv, "left_s")) > 0.1049);
	assert_true(json_real_value(json_object_get(conv, "left_s")) < 0.1051);
	assert_true(json_real_value(json_object_get(conv, "stable_s")) >
	    0.1049);
	assert_true(json_real_value(json_object_get(conv, "stable_s")) <
	    0.1051);
	json_decref(conv);
	watch_samples_done(&s);
}

/* A lost (or still unanswered) sample appended at t. */
static void
add_lost(struct watch_samples *s, uint64_t t)
{
	struct watch_sample w;

	memset(&w, 0, sizeof(w));
	w.t_ms = t;
	w.rtt_ms = -1;
	w.reply_ttl = -1;
	assert_int_equal(watch_samples_add(s, &w), 0);
}

/*
 * The newest run of a stream as the engine peeks it while the watch runs
 * (issue 9: the early re-trace): the same classifier, so a new reply-TTL
 * level shows the other class only once it is sustained (three answers),
 * and the newest samples still waiting for their answers change nothing.
 */
static void
test_newest_run(void **state)
{
	struct rec fo = { true, 61, 60, 1.0, 1.0, 0, 0 };
	struct rec fb = { false, 60, 61, 1.0, 1.0, 0, 0 };
	struct converge_ref ref = { &msee, NULL, NULL };
	struct watch_samples s = { 0 };
	struct converge_run r;

	(void)state;
	/* Failover, up to the switch: on the primary since the start. */
	record(&s, &fo, SWITCH_MS, false);
	assert_int_equal(converge_newest_run(&s, 0, &ref, CONVERGE_LEAVE,
	    &r), 0);
	assert_int_equal(r.cls, CONVERGE_PRIMARY);
	assert_int_equal(r.start_ms, 0);
	assert_int_equal(r.end_ms, 3000);
	assert_int_equal(r.n, 301);
	/* From sample 100 on: the run starts there. */
	assert_int_equal(converge_newest_run(&s, 100, &ref, CONVERGE_LEAVE,
	    &r), 0);
	assert_int_equal(r.start_ms, 1000);
	assert_int_equal(r.n, 201);
	watch_samples_done(&s);

	/* Two answers at the new level: not a path yet. */
	record(&s, &fo, SWITCH_MS + 2 * PERIOD, false);
	assert_int_equal(converge_newest_run(&s, 0, &ref, CONVERGE_LEAVE,
	    &r), 0);
	assert_int_equal(r.cls, CONVERGE_PRIMARY);
	assert_int_equal(r.end_ms, 3020);
	watch_samples_done(&s);

	/* Three: the backup, from the first of them; unanswered samples
	 * after them neither end nor extend the run. */
	record(&s, &fo, SWITCH_MS + 3 * PERIOD, false);
	add_lost(&s, 3040);
	add_lost(&s, 3050);
	assert_int_equal(converge_newest_run(&s, 0, &ref, CONVERGE_LEAVE,
	    &r), 0);
	assert_int_equal(r.cls, CONVERGE_OTHER);
	assert_int_equal(r.start_ms, 3010);
	assert_int_equal(r.end_ms, 3030);
	assert_int_equal(r.n, 3);
	watch_samples_done(&s);

	/* Failback on the reply TTL alone (no TTL probe): back on the
	 * primary from the first sample at the sustained new level. */
	record(&s, &fb, SWITCH_MS + 5 * PERIOD, true);
	assert_int_equal(converge_newest_run(&s, 0, &ref, CONVERGE_RETURN,
	    &r), 0);
	assert_int_equal(r.cls, CONVERGE_PRIMARY);
	assert_int_equal(r.start_ms, 3010);
	assert_int_equal(r.n, 5);
	watch_samples_done(&s);

	/* Nothing answered, nothing at all, bad arguments. */
	add_lost(&s, 10);
	assert_int_equal(converge_newest_run(&s, 0, &ref, CONVERGE_LEAVE,
	    &r), -ENODATA);
	assert_int_equal(converge_newest_run(&s, 1, &ref, CONVERGE_LEAVE,
	    &r), -ENODATA);
	assert_int_equal(converge_newest_run(&s, 2, &ref, CONVERGE_LEAVE,
	    &r), -EINVAL);
	assert_int_equal(converge_newest_run(&s, 0, NULL, CONVERGE_LEAVE,
	    &r), -EINVAL);
	watch_samples_done(&s);
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
		cmocka_unit_test(test_rate_limited_ttl_exceeded),
		cmocka_unit_test(test_rate_limited_failback),
		cmocka_unit_test(test_asymmetric_return_path),
		cmocka_unit_test(test_real_loss_in_the_middle),
		cmocka_unit_test(test_switch_right_after_write),
		cmocka_unit_test(test_no_ttl_probes),
		cmocka_unit_test(test_rtt_level_shift),
		cmocka_unit_test(test_switch_dated_between_samples),
		cmocka_unit_test(test_newest_run),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
