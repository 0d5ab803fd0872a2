#include <string.h>

#include "conv.h"
#include "converge.h"

static const char *
state_name(enum converge_class c)
{
	switch (c) {
	case CONVERGE_PRIMARY:
		return "primary";
	case CONVERGE_OTHER:
		return "backup";
	default:
		return "lost";
	}
}

static json_t *
secs_or_null(bool set, uint64_t ms, uint64_t t0)
{
	if (!set)
		return json_null();
	return json_real((double)(ms >= t0 ? ms - t0 : 0) / 1000.0);
}

static void
watch_ref(const struct drill_watch *w, struct converge_ref *ref)
{
	ref->primary = &w->primary;
	ref->backup = w->backup.n > 0 ? &w->backup : NULL;
	ref->target = w->target.family != 0 ? &w->target : NULL;
}

/* The newest run of the samples since t0; -1: none. */
static int
watch_newest(const struct drill_watch *w, const struct watch_samples *s,
    uint64_t t0, bool returning, struct converge_run *r)
{
	struct converge_ref ref;
	size_t first = 0;

	watch_ref(w, &ref);
	while (first < s->n && s->v[first].t_ms < t0)
		first++;
	return converge_newest_run(s, first, &ref, returning ?
	    CONVERGE_RETURN : CONVERGE_LEAVE, r) < 0 ? -1 : 0;
}

bool
drill_watch_arrived(const struct drill_watch *w,
    const struct watch_samples *s, uint64_t t0, bool returning,
    uint64_t since_ms)
{
	struct converge_run r;

	return watch_newest(w, s, t0, returning, &r) == 0 &&
	    r.cls == (returning ? CONVERGE_PRIMARY : CONVERGE_OTHER) &&
	    r.n >= DRILL_WATCH_ARRIVED_RUN && r.start_ms >= since_ms;
}

bool
drill_watch_still(const struct drill_watch *w,
    const struct watch_samples *s, uint64_t t0, bool returning)
{
	struct converge_run r;

	return watch_newest(w, s, t0, returning, &r) == 0 &&
	    r.cls == (returning ? CONVERGE_OTHER : CONVERGE_PRIMARY) &&
	    r.n >= DRILL_WATCH_ARRIVED_RUN;
}

json_t *
drill_watch_json(const struct drill_watch *w, const struct watch_samples *s,
    uint64_t t0, unsigned stable_ms, bool returning,
    struct drill_watch_result *out)
{
	struct converge_ref ref;
	struct converge_result r;
	json_t *conv, *tl, *sig;
	unsigned i;

	watch_ref(w, &ref);
	memset(out, 0, sizeof(*out));
	out->left_ms = out->stable_ms = -1;
	if (converge_analyse_ref(s, t0, &ref, returning ?
	    CONVERGE_RETURN : CONVERGE_LEAVE, stable_ms, &r) < 0)
		return NULL;
	/* The switch is dated halfway between the last sample on the old
	 * path and the first one off it: the first one alone is late by up
	 * to a whole period (+5 ms on average at 100/s, bench/drill.sh). */
	out->left_ms = r.left ? (int64_t)(r.left_mid_ms >= t0 ?
	    r.left_mid_ms - t0 : 0) : -1;
	out->stable_ms = r.stable ? (int64_t)(r.stable_mid_ms >= t0 ?
	    r.stable_mid_ms - t0 : 0) : -1;
	out->sent = r.sent;
	out->lost = r.lost;
	out->longest_loss_ms = (int64_t)r.longest_loss_ms;
	tl = json_array();
	for (i = 0; i < r.n_runs; i++)
		json_array_append_new(tl, json_pack("{s:o, s:o, s:s}",
		    "from_s", secs_or_null(true, r.runs[i].start_ms, t0),
		    "to_s", secs_or_null(true, r.runs[i].end_ms, t0),
		    "state", state_name(r.runs[i].cls)));
	conv = json_pack("{s:s, s:i, s:i, s:i, s:o, s:o, s:f, s:b, s:o}",
	    "target", "", "rate_hz", (int)w->rate_hz, "sent", (int)r.sent,
	    "lost", (int)r.lost, "left_s", secs_or_null(r.left, r.left_mid_ms,
	    t0), "stable_s", secs_or_null(r.stable, r.stable_mid_ms, t0),
	    "longest_loss_s", (double)r.longest_loss_ms / 1000.0,
	    "converged", r.stable, "timeline", tl);
	/* Which signal classified how many samples (issue 9: a reader can
	 * tell a TTL-responder verdict from one carried over silence). */
	sig = json_object();
	for (i = 0; i < CONVERGE_N_SIGNALS; i++)
		json_object_set_new(sig, converge_signal_str(
		    (enum converge_signal)i), json_integer(r.by_signal[i]));
	json_object_set_new(conv, "signals", sig);
	return conv;
}
