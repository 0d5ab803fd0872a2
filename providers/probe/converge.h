/*
 * Convergence analysis: a pure function over the samples of the continuous
 * prober (struct watch_samples).  It tells when the path left the path it
 * was on, when it became stable on the other one, how many probes were lost
 * and how long the longest outage was, plus a compressed timeline.
 *
 * Path classes need the TTL-limited probe (watch_req.ttl > 0): its
 * responder says which path is in use.  Without it every answered sample is
 * "other" and only loss is meaningful.
 */
#ifndef FD_CONVERGE_H
#define FD_CONVERGE_H

#include <stdbool.h>
#include <stdint.h>

#include "hops.h"
#include "provider.h"

enum converge_class {
	CONVERGE_PRIMARY,	/* TTL probe answered from the primary set */
	CONVERGE_OTHER,		/* answered, but not from the primary set */
	CONVERGE_LOST,		/* neither probe answered */
};

/* Which way the path is expected to move. */
enum converge_dir {
	/* Failover: leave the set (the MSEE hops) and settle elsewhere. */
	CONVERGE_LEAVE,
	/* Failback: leave the other path and settle back on the set. */
	CONVERGE_RETURN,
};

struct converge_run {
	enum converge_class cls;
	uint64_t start_ms;	/* t_ms of the first sample of the run */
	uint64_t end_ms;	/* t_ms of the last sample of the run */
	unsigned n;		/* samples in the run */
};

#define CONVERGE_MAX_RUNS 64

/* All times are absolute, on the samples' clock (CLOCK_MONOTONIC ms);
 * subtract t0 for "time since the change". */
struct converge_result {
	bool left;		/* the path left where it was */
	uint64_t left_ms;	/* first sample after t0 not on the old path */
	/* Best estimate of the switch instant: halfway between the last
	 * sample on the old path and left_ms (error <= half a period,
	 * where left_ms alone is late by up to one period). */
	uint64_t left_mid_ms;
	bool stable;		/* settled on the expected path */
	uint64_t stable_ms;	/* start of the first settled run */
	unsigned sent;		/* samples at or after t0 */
	unsigned lost;		/* of which the end-to-end probe was lost */
	uint64_t longest_loss_ms;	/* longest end-to-end outage */
	uint64_t longest_loss_start_ms;
	unsigned n_runs;
	bool runs_truncated;	/* more than CONVERGE_MAX_RUNS changes */
	struct converge_run runs[CONVERGE_MAX_RUNS];
};

/* Classify one sample against the set. */
enum converge_class converge_classify(const struct watch_sample *w,
    const struct hop_set *set);

/*
 * Failover analysis (CONVERGE_LEAVE): "left" is the first sample at or after
 * t0_ms that is not CONVERGE_PRIMARY; "stable" is the start of the first run
 * of answered CONVERGE_OTHER samples spanning at least stable_ms.
 * Returns -EINVAL on bad arguments, -ENODATA when no sample is at or after
 * t0_ms.  Samples must be in time order (the prober records them so).
 */
int converge_analyse(const struct watch_samples *s, uint64_t t0_ms,
    const struct hop_set *primary, unsigned stable_ms,
    struct converge_result *out);

/* Either direction.  For CONVERGE_RETURN, "left" is the first sample that is
 * not CONVERGE_OTHER (back on the set, or lost), and "stable" the first run
 * of CONVERGE_PRIMARY samples spanning at least stable_ms. */
int converge_analyse_dir(const struct watch_samples *s, uint64_t t0_ms,
    const struct hop_set *primary, enum converge_dir dir, unsigned stable_ms,
    struct converge_result *out);

const char *converge_class_str(enum converge_class c);

#endif
