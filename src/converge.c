/* Convergence analysis over prober samples; see converge.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "converge.h"

static bool
set_contains(const struct hop_set *set, const struct fd_addr *a)
{
	unsigned i;

	if (set == NULL || !addr_is_set(a))
		return false;
	for (i = 0; i < set->n; i++)
		if (prefix_contains(&set->prefixes[i], a))
			return true;
	return false;
}

enum converge_class
converge_classify(const struct watch_sample *w, const struct hop_set *set)
{
	if (w->ttl_reply && set_contains(set, &w->ttl_from))
		return CONVERGE_PRIMARY;
	if (w->ttl_reply || w->e2e_reply)
		return CONVERGE_OTHER;
	return CONVERGE_LOST;
}

/* A level (reply TTL, RTT) counts once it holds for this many consecutive
 * answered samples: one odd answer is noise, not a path. */
#define LEVEL_RUN 3
#define RTT_RUN 5
/* Samples whose median RTT is the old path's level. */
#define RTT_BASE_N 10

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

static int
double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The first two sustained reply-TTL levels of the stream (-1: none). */
static void
reply_ttl_levels(const struct watch_samples *s, size_t first, int *lv_a,
    int *lv_b)
{
	int cur = -1;
	unsigned run = 0;
	size_t i;

	*lv_a = *lv_b = -1;
	for (i = first; i < s->n; i++) {
		const struct watch_sample *w = &s->v[i];

		if (!w->e2e_reply)
			continue;
		if (w->reply_ttl <= 0) {
			run = 0;
			cur = -1;
			continue;
		}
		if (w->reply_ttl != cur) {
			cur = w->reply_ttl;
			run = 0;
		}
		if (++run < LEVEL_RUN)
			continue;
		if (*lv_a < 0)
			*lv_a = cur;
		else if (cur != *lv_a) {
			*lv_b = cur;
			return;
		}
	}
}

/* The class of a TTL-limited answer, or CONVERGE_LOST when it tells
 * nothing (no answer, or from neither set when a backup set is known). */
static enum converge_class
responder_class(const struct watch_sample *w, const struct converge_ref *ref)
{
	if (!w->ttl_reply)
		return CONVERGE_LOST;
	if (set_contains(ref->primary, &w->ttl_from))
		return CONVERGE_PRIMARY;
	/* The probe's TTL is the one at which a primary hop answered in the
	 * baseline, before the target: the target answering it is a shorter
	 * path, not the primary. */
	if (ref->target != NULL && addr_equal(ref->target, &w->ttl_from))
		return CONVERGE_OTHER;
	if (ref->backup == NULL || set_contains(ref->backup, &w->ttl_from))
		return CONVERGE_OTHER;
	return CONVERGE_LOST;
}

/*
 * Which class each reply-TTL level means.  A level is anchored by the TTL
 * responders of samples that carry it (majority); an unanchored level is
 * the opposite of an anchored one.  With no anchor at all, the first level
 * is the old path's (the watch starts before the change).  The change can
 * come within a sample or two of the write (the lab's ARM mock answers at
 * once), so the anchor matters: the first TTL probes find a full token
 * bucket and are answered.
 */
static void
level_classes(const struct watch_samples *s, size_t first,
    const struct converge_ref *ref, enum converge_class from,
    enum converge_class to, int lv_a, int lv_b, enum converge_class *ca,
    enum converge_class *cb, bool *mixed)
{
	unsigned fa = 0, ta = 0, fb = 0, tb = 0;
	int va, vb;	/* > 0: votes for from, < 0: for to */
	size_t i;

	for (i = first; i < s->n; i++) {
		const struct watch_sample *w = &s->v[i];
		enum converge_class c = responder_class(w, ref);
		int v;

		if (!w->e2e_reply || c == CONVERGE_LOST)
			continue;
		v = c == from;
		if (w->reply_ttl == lv_a)
			*(v ? &fa : &ta) += 1;
		else if (lv_b >= 0 && w->reply_ttl == lv_b)
			*(v ? &fb : &tb) += 1;
	}
	/* A level the responders put on both paths in earnest (not one odd
	 * answer at the switch) does not follow the path: a return path
	 * that stays put while the forward path moves. */
	*mixed = MIN(fa, ta) * 3 >= MAX(fa, ta) && MIN(fa, ta) > 0;
	*mixed = *mixed || (MIN(fb, tb) * 3 >= MAX(fb, tb) && MIN(fb, tb) > 0);
	va = (int)fa - (int)ta;
	vb = (int)fb - (int)tb;
	*ca = *cb = CONVERGE_LOST;
	if (va != 0)
		*ca = va > 0 ? from : to;
	if (vb != 0)
		*cb = vb > 0 ? from : to;
	if (*ca == CONVERGE_LOST && *cb != CONVERGE_LOST)
		*ca = *cb == from ? to : from;
	if (*cb == CONVERGE_LOST && lv_b >= 0)
		*cb = *ca == CONVERGE_LOST ? to : (*ca == from ? to : from);
	if (*ca == CONVERGE_LOST && lv_b >= 0)
		*ca = from;
}

/* The old path's RTT (median of the first answers), and whether a sustained
 * shift away from it shows; 0 when RTT tells nothing. */
static double
rtt_base(const struct watch_samples *s, size_t first, double *band)
{
	double v[RTT_BASE_N], base, thr;
	unsigned n = 0, run = 0;
	size_t i;

	for (i = first; i < s->n && n < RTT_BASE_N; i++)
		if (s->v[i].e2e_reply && s->v[i].rtt_ms > 0)
			v[n++] = s->v[i].rtt_ms;
	if (n < RTT_BASE_N)
		return 0;
	qsort(v, n, sizeof(v[0]), double_cmp);
	base = v[n / 2];
	/* A shift is at least 2 ms and half the level: queueing jitter on a
	 * loaded host stays under that, a different path rarely does. */
	thr = base * 0.5 > 2.0 ? base * 0.5 : 2.0;
	for (i = first; i < s->n; i++) {
		const struct watch_sample *w = &s->v[i];

		if (!w->e2e_reply)
			continue;
		if (w->rtt_ms > 0 && (w->rtt_ms > base + thr ||
		    w->rtt_ms < base - thr)) {
			if (++run >= RTT_RUN) {
				*band = thr;
				return base;
			}
		} else {
			run = 0;
		}
	}
	return 0;
}

int
converge_classify_stream(const struct watch_samples *s, size_t first,
    const struct converge_ref *ref, enum converge_dir dir,
    struct converge_point *out, int *from_ttl, int *to_ttl)
{
	enum converge_class from, to, prev, ca, cb;
	int lv_a, lv_b, lv_from = -1, lv_to = -1;
	bool use_ttl, mixed;
	double base, band = 0;
	size_t i;

	if (s == NULL || ref == NULL || out == NULL || first > s->n ||
	    (s->n > 0 && s->v == NULL))
		return -EINVAL;
	from = dir == CONVERGE_LEAVE ? CONVERGE_PRIMARY : CONVERGE_OTHER;
	to = dir == CONVERGE_LEAVE ? CONVERGE_OTHER : CONVERGE_PRIMARY;
	reply_ttl_levels(s, first, &lv_a, &lv_b);
	level_classes(s, first, ref, from, to, lv_a, lv_b, &ca, &cb, &mixed);
	/* One sustained, unanchored level, and an answer at another level
	 * whose responder is on the old path (the change came a sample or
	 * two after the write, too soon for the old level to sustain): the
	 * sustained level is the new path's. */
	for (i = first; lv_a >= 0 && lv_b < 0 && ca == CONVERGE_LOST &&
	    i < s->n; i++)
		if (s->v[i].e2e_reply && s->v[i].reply_ttl > 0 &&
		    s->v[i].reply_ttl != lv_a &&
		    responder_class(&s->v[i], ref) == from)
			ca = to;
	/* The reply TTL classifies when it moved between two levels, or when
	 * its one level is anchored on the new path (the change came before
	 * the first samples).  One level that is the old path's tells
	 * nothing: the return path may simply not move (asymmetric). */
	use_ttl = !mixed && (lv_b >= 0 || (lv_a >= 0 && ca == to));
	if (lv_a >= 0 && ca == from)
		lv_from = lv_a;
	else if (lv_a >= 0 && ca == to)
		lv_to = lv_a;
	if (lv_b >= 0 && cb == from)
		lv_from = lv_b;
	else if (lv_b >= 0 && cb == to)
		lv_to = lv_b;
	/* The old level held for fewer than LEVEL_RUN samples (the change
	 * came at once): take it from a sample its responder puts there. */
	for (i = first; use_ttl && lv_from < 0 && i < s->n; i++)
		if (s->v[i].e2e_reply && s->v[i].reply_ttl > 0 &&
		    s->v[i].reply_ttl != lv_to &&
		    responder_class(&s->v[i], ref) == from)
			lv_from = s->v[i].reply_ttl;
	if (!use_ttl)
		lv_to = -1;
	/* RTT only where the reply TTL does not classify (no TTL in the
	 * answer, or an asymmetric return path that stays put). */
	base = !use_ttl ? rtt_base(s, first, &band) : 0;
	prev = from;
	for (i = first; i < s->n; i++) {
		const struct watch_sample *w = &s->v[i];
		struct converge_point *p = &out[i - first];

		if (!w->e2e_reply) {
			/* Lost means the end-to-end probe got no answer; a
			 * silent TTL probe is a rate limit, not a loss. */
			p->cls = CONVERGE_LOST;
			p->sig = CONVERGE_SIG_NONE;
			continue;
		}
		if (responder_class(w, ref) != CONVERGE_LOST) {
			p->cls = responder_class(w, ref);
			p->sig = CONVERGE_SIG_TTL_RESPONDER;
		} else if (use_ttl && w->reply_ttl > 0 &&
		    (w->reply_ttl == lv_from || w->reply_ttl == lv_to)) {
			p->cls = w->reply_ttl == lv_from ? from : to;
			p->sig = CONVERGE_SIG_REPLY_TTL;
		} else if (base > 0 && w->rtt_ms > 0 &&
		    (w->rtt_ms > base + band || w->rtt_ms < base - band)) {
			p->cls = to;
			p->sig = CONVERGE_SIG_RTT;
		} else if (base > 0 && w->rtt_ms > 0 &&
		    w->rtt_ms < base + band / 4 &&
		    w->rtt_ms > base - band / 4) {
			p->cls = from;
			p->sig = CONVERGE_SIG_RTT;
		} else {
			p->cls = prev;
			p->sig = CONVERGE_SIG_CARRIED;
		}
		prev = p->cls;
	}
	if (from_ttl != NULL)
		*from_ttl = lv_from;
	if (to_ttl != NULL)
		*to_ttl = lv_to;
	return 0;
}

int
converge_newest_run(const struct watch_samples *s, size_t first,
    const struct converge_ref *ref, enum converge_dir dir,
    struct converge_run *out)
{
	struct converge_point *pts;
	struct converge_run r;
	size_t i;
	int rc;

	if (s == NULL || ref == NULL || out == NULL || first > s->n)
		return -EINVAL;
	if (first == s->n)
		return -ENODATA;
	pts = calloc(s->n - first, sizeof(*pts));
	if (pts == NULL)
		return -ENOMEM;
	rc = converge_classify_stream(s, first, ref, dir, pts, NULL, NULL);
	memset(&r, 0, sizeof(r));
	r.cls = CONVERGE_LOST;
	for (i = s->n; rc == 0 && i-- > first;) {
		enum converge_class c = pts[i - first].cls;

		if (c == CONVERGE_LOST)
			continue;
		if (r.n > 0 && c != r.cls)
			break;
		if (r.n++ == 0) {
			r.cls = c;
			r.end_ms = s->v[i].t_ms;
		}
		r.start_ms = s->v[i].t_ms;
	}
	free(pts);
	if (rc < 0)
		return rc;
	if (r.n == 0)
		return -ENODATA;
	*out = r;
	return 0;
}

const char *
converge_signal_str(enum converge_signal g)
{
	switch (g) {
	case CONVERGE_SIG_NONE:
		return "none";
	case CONVERGE_SIG_TTL_RESPONDER:
		return "ttl_responder";
	case CONVERGE_SIG_REPLY_TTL:
		return "reply_ttl";
	case CONVERGE_SIG_RTT:
		return "rtt";
	case CONVERGE_SIG_CARRIED:
		return "carried";
	}
	return "?";
}

const char *
converge_class_str(enum converge_class c)
{
	switch (c) {
	case CONVERGE_PRIMARY:
		return "primary";
	case CONVERGE_OTHER:
		return "other";
	case CONVERGE_LOST:
		return "lost";
	}
	return "?";
}

static void
add_run(struct converge_result *r, enum converge_class c, uint64_t t)
{
	struct converge_run *last = r->n_runs ? &r->runs[r->n_runs - 1] : NULL;

	if (last != NULL && last->cls == c && !r->runs_truncated) {
		last->end_ms = t;
		last->n++;
		return;
	}
	if (r->n_runs == CONVERGE_MAX_RUNS) {
		/* Keep the last run growing so its end stays truthful. */
		r->runs_truncated = true;
		last->end_ms = t;
		last->n++;
		return;
	}
	r->runs[r->n_runs].cls = c;
	r->runs[r->n_runs].start_ms = t;
	r->runs[r->n_runs].end_ms = t;
	r->runs[r->n_runs].n = 1;
	r->n_runs++;
}

int
converge_analyse_ref(const struct watch_samples *s, uint64_t t0_ms,
    const struct converge_ref *ref, enum converge_dir dir, unsigned stable_ms,
    struct converge_result *out)
{
	struct converge_result r;
	struct converge_point *pts;
	enum converge_class from, to;
	bool in_target = false, in_loss = false, have_loss = false;
	uint64_t target_start = 0, target_mid = 0, loss_start = 0;
	size_t i, first = 0;

	if (s == NULL || ref == NULL || out == NULL ||
	    (s->n > 0 && s->v == NULL))
		return -EINVAL;
	from = dir == CONVERGE_LEAVE ? CONVERGE_PRIMARY : CONVERGE_OTHER;
	to = dir == CONVERGE_LEAVE ? CONVERGE_OTHER : CONVERGE_PRIMARY;
	while (first < s->n && s->v[first].t_ms < t0_ms)
		first++;
	if (first == s->n)
		return -ENODATA;

	pts = calloc(s->n - first, sizeof(*pts));
	if (pts == NULL)
		return -ENOMEM;
	memset(&r, 0, sizeof(r));
	(void)converge_classify_stream(s, first, ref, dir, pts,
	    &r.from_reply_ttl, &r.to_reply_ttl);
	for (i = first; i < s->n; i++) {
		const struct watch_sample *w = &s->v[i];
		enum converge_class c = pts[i - first].cls;

		r.sent++;
		r.by_signal[pts[i - first].sig]++;
		add_run(&r, c, w->t_ms);
		if (!r.left && c != from) {
			r.left = true;
			r.left_ms = w->t_ms;
			r.left_mid_ms = i > 0 ? s->v[i - 1].t_ms +
			    (w->t_ms - s->v[i - 1].t_ms) / 2 : w->t_ms;
		}

		/* The stable run: consecutive samples of the target class. */
		if (!r.stable) {
			if (c == to) {
				if (!in_target) {
					in_target = true;
					target_start = w->t_ms;
					target_mid = i > 0 ? s->v[i - 1].t_ms +
					    (w->t_ms - s->v[i - 1].t_ms) / 2 :
					    w->t_ms;
				}
				if (w->t_ms - target_start >= stable_ms) {
					r.stable = true;
					r.stable_ms = target_start;
					r.stable_mid_ms = target_mid;
				}
			} else {
				in_target = false;
			}
		}

		/* An outage runs from the first lost end-to-end probe to the
		 * next answered one (or the last sample when none came). */
		if (!w->e2e_reply) {
			r.lost++;
			if (!in_loss) {
				in_loss = true;
				loss_start = w->t_ms;
			}
		}
		if (in_loss && (w->e2e_reply || i + 1 == s->n)) {
			uint64_t len = w->t_ms - loss_start;

			if (!have_loss || len > r.longest_loss_ms) {
				have_loss = true;
				r.longest_loss_ms = len;
				r.longest_loss_start_ms = loss_start;
			}
			if (w->e2e_reply)
				in_loss = false;
		}
	}
	free(pts);
	*out = r;
	return 0;
}

int
converge_analyse_dir(const struct watch_samples *s, uint64_t t0_ms,
    const struct hop_set *primary, enum converge_dir dir, unsigned stable_ms,
    struct converge_result *out)
{
	struct converge_ref ref = { primary, NULL };

	return converge_analyse_ref(s, t0_ms, &ref, dir, stable_ms, out);
}

int
converge_analyse(const struct watch_samples *s, uint64_t t0_ms,
    const struct hop_set *primary, unsigned stable_ms,
    struct converge_result *out)
{
	return converge_analyse_dir(s, t0_ms, primary, CONVERGE_LEAVE,
	    stable_ms, out);
}
