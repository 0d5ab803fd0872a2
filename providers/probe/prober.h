/*
 * The continuous prober of the converge phase: a thread sends, rate_hz
 * times a second, an end-to-end UDP probe (answered by the target's port
 * unreachable: loss) and, when ttl > 0, a TTL-limited probe whose
 * responder tells which path is in use.  Both use the IP_RECVERR error
 * queue like the tracer, so no privilege is needed.
 */
#ifndef FD_PROBER_H
#define FD_PROBER_H

#include "provider.h"

struct prober;

/* Start the thread; returns at once.  port: destination port of the
 * probes (the TTL probe uses port + 1); source/iface as in probe_cfg. */
int prober_start(const struct watch_req *req, const struct probe_cfg *cfg,
    struct prober **out, struct fd_error *err);
/* Stop (or wait for max_ms to pass), join, and move the samples into out
 * (which must be empty); frees p. */
int prober_stop(struct prober *p, struct watch_samples *out,
    struct fd_error *err);
/* Append copies of the samples taken so far, from index from on, to out
 * (any thread but the prober's; its lock is held for the copy only). */
int prober_peek(struct prober *p, size_t from, struct watch_samples *out,
    struct fd_error *err);
/* End-to-end answers so far (any thread). */
unsigned prober_answered(struct prober *p);

/*
 * The adaptive pace of the TTL-limited probe at its default rate: a
 * router that answered and then leaves two TTL probes in a row
 * unanswered while the end-to-end probe still gets through is limiting
 * its ICMP (its bucket is shared with the re-traces): the probe goes half
 * as often, down to an eighth of the base pace.  Three answers in a row
 * step it back up.  A slot whose end-to-end probe was lost too says
 * nothing about the router (the path is down), and changes nothing.
 */
#define TTL_PACE_MAX_FACTOR 8

struct ttl_pace {
	unsigned base;		/* slots between TTL probes at the base pace */
	unsigned every;		/* now */
	unsigned silent;	/* unanswered in a row, e2e answered */
	unsigned answered;	/* answered in a row */
	bool seen;		/* the router has answered once */
};

void ttl_pace_init(struct ttl_pace *tp, unsigned base_every);
/* The outcome of the last TTL probe; returns the slots to the next. */
unsigned ttl_pace_update(struct ttl_pace *tp, bool ttl_answered,
    bool e2e_answered);

#endif
