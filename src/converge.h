/*
 * Convergence analysis: a pure function over the samples of the continuous
 * prober (struct watch_samples).  It tells when the path left the path it
 * was on, when it became stable on the other one, how many probes were lost
 * and how long the longest outage was, plus a compressed timeline.
 *
 * A sample's path class comes from the signals a real network gives, in
 * this order (struct converge_point records which one decided):
 *  1. ttl_responder: the sparse, paced TTL-limited probe answered from an
 *     address of the primary (or backup) hop set;
 *  2. reply_ttl: the TTL of the end-to-end answer differs from the level of
 *     the first samples (the return path's hop count moves with the path);
 *     used only when a sustained new level appears, so an asymmetric return
 *     path that does not move cannot pin every sample to the old class;
 *  3. rtt: a sustained RTT level shift away from the first samples' level;
 *  4. carried: the class of the previous answered sample.
 * A sample is LOST only when its end-to-end probe got no answer; a silent
 * TTL-limited probe (rate-limited by the router) never loses a sample.
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

/* Which signal classified a sample. */
enum converge_signal {
	CONVERGE_SIG_NONE,		/* lost: no end-to-end answer */
	CONVERGE_SIG_TTL_RESPONDER,
	CONVERGE_SIG_REPLY_TTL,
	CONVERGE_SIG_RTT,
	CONVERGE_SIG_CARRIED,
};
#define CONVERGE_N_SIGNALS 5

struct converge_point {
	enum converge_class cls;
	enum converge_signal sig;
};

/* What tells the paths apart.  backup may be NULL (then a TTL answer from
 * outside primary means "other"). */
struct converge_ref {
	const struct hop_set *primary;
	const struct hop_set *backup;
	/* The watched target: its own answer to a TTL-limited probe means
	 * the path is shorter than the old one at that TTL (may be NULL). */
	const struct fd_addr *target;
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
	/* Its best estimate, as left_mid_ms: halfway between the sample
	 * before the run and its first one. */
	uint64_t stable_mid_ms;
	unsigned sent;		/* samples at or after t0 */
	unsigned lost;		/* of which the end-to-end probe was lost */
	uint64_t longest_loss_ms;	/* longest end-to-end outage */
	uint64_t longest_loss_start_ms;
	unsigned by_signal[CONVERGE_N_SIGNALS];	/* samples per signal */
	int from_reply_ttl;	/* reply TTL level of the old path, -1 */
	int to_reply_ttl;	/* sustained new level, -1 none seen */
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

/*
 * Classify samples v[first..n) (pure; out has n - first entries).  dir says
 * which class the stream starts in (the watch starts at the change).
 * from_ttl/to_ttl (may be NULL) receive the reply-TTL levels found, -1 none.
 */
int converge_classify_stream(const struct watch_samples *s, size_t first,
    const struct converge_ref *ref, enum converge_dir dir,
    struct converge_point *out, int *from_ttl, int *to_ttl);

/*
 * The newest run of the stream v[first..n), classified as
 * converge_classify_stream() does (the engine's early re-trace, issue 9):
 * out->cls is the class of the newest answered sample, start_ms and end_ms
 * the first and last answered samples of the run of that class it ends,
 * n how many answered samples the run has.  Lost samples (the newest may
 * still wait for their answers) neither end nor extend a run.  -ENODATA:
 * no answered sample; -EINVAL: bad arguments; -ENOMEM.
 */
int converge_newest_run(const struct watch_samples *s, size_t first,
    const struct converge_ref *ref, enum converge_dir dir,
    struct converge_run *out);

/* converge_analyse_dir() with every signal. */
int converge_analyse_ref(const struct watch_samples *s, uint64_t t0_ms,
    const struct converge_ref *ref, enum converge_dir dir, unsigned stable_ms,
    struct converge_result *out);

const char *converge_class_str(enum converge_class c);
const char *converge_signal_str(enum converge_signal g);

#endif
