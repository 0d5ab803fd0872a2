/*
 * The engine's side of convergence timing: which probe is watched, what
 * "still on ExpressRoute" means, and the analysis (converge.h)
 * turned into the result document's CONV object.
 */
#ifndef FD_CONV_H
#define FD_CONV_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "hops.h"
#include "provider.h"

struct drill_watch_result {
	int64_t left_ms;	/* since t0; -1: never left */
	int64_t stable_ms;	/* since t0; -1: never stable */
	unsigned sent, lost;
	int64_t longest_loss_ms;
};

struct drill_watch_run {
	struct probe_watch *w;	/* NULL when not running */
	uint64_t t0;		/* clock_now() when the write was sent */
	double t0_wall;		/* clock_wall() then, for UTC times */
	bool analysed;
	struct drill_watch_result result;
};

struct drill_watch {
	int probe;		/* index into spec probes, -1: none */
	struct hop_set primary;	/* responders that mean ExpressRoute */
	struct hop_set backup;	/* responders that mean the VPN; n 0: any
				 * responder outside primary */
	unsigned ttl;		/* TTL at which they answered in baseline */
	unsigned rate_hz;
	struct fd_addr target;	/* the watched probe's destination */
	struct drill_watch_run failover, failback;
};

/* Analyse samples taken since t0 and build the CONV object (NULL when
 * there is nothing to analyse).  returning: failback direction. */
json_t *drill_watch_json(const struct drill_watch *w,
    const struct watch_samples *s, uint64_t t0, unsigned stable_ms,
    bool returning, struct drill_watch_result *out);

/* Answered samples in a row that make an arrival (one odd answer at the
 * switch is noise; three is what sustains a reply-TTL level). */
#define DRILL_WATCH_ARRIVED_RUN 3

/* Do the samples taken since t0 show the path where it is moving (the
 * backup; returning: the primary) in a run that began at or after
 * since_ms, on the samples' clock: the newest run (converge_newest_run())
 * of that class, of at least DRILL_WATCH_ARRIVED_RUN answered samples. */
bool drill_watch_arrived(const struct drill_watch *w,
    const struct watch_samples *s, uint64_t t0, bool returning,
    uint64_t since_ms);
/* Do they show it still where it was: the newest run of the old class,
 * of at least DRILL_WATCH_ARRIVED_RUN answered samples? */
bool drill_watch_still(const struct drill_watch *w,
    const struct watch_samples *s, uint64_t t0, bool returning);

#endif
