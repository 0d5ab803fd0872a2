/* Convergence analysis over prober samples; see converge.h. */
#include <errno.h>
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
converge_analyse_dir(const struct watch_samples *s, uint64_t t0_ms,
    const struct hop_set *primary, enum converge_dir dir, unsigned stable_ms,
    struct converge_result *out)
{
	struct converge_result r;
	enum converge_class from, to;
	bool in_target = false, in_loss = false, have_loss = false;
	uint64_t target_start = 0, loss_start = 0;
	size_t i, first = 0;

	if (s == NULL || out == NULL || (s->n > 0 && s->v == NULL))
		return -EINVAL;
	from = dir == CONVERGE_LEAVE ? CONVERGE_PRIMARY : CONVERGE_OTHER;
	to = dir == CONVERGE_LEAVE ? CONVERGE_OTHER : CONVERGE_PRIMARY;
	while (first < s->n && s->v[first].t_ms < t0_ms)
		first++;
	if (first == s->n)
		return -ENODATA;

	memset(&r, 0, sizeof(r));
	for (i = first; i < s->n; i++) {
		const struct watch_sample *w = &s->v[i];
		enum converge_class c = converge_classify(w, primary);

		r.sent++;
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
				}
				if (w->t_ms - target_start >= stable_ms) {
					r.stable = true;
					r.stable_ms = target_start;
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
	*out = r;
	return 0;
}

int
converge_analyse(const struct watch_samples *s, uint64_t t0_ms,
    const struct hop_set *primary, unsigned stable_ms,
    struct converge_result *out)
{
	return converge_analyse_dir(s, t0_ms, primary, CONVERGE_LEAVE,
	    stable_ms, out);
}
