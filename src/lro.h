/*
 * Waiting for an Azure long-running operation: the provider polls once per
 * call; the core decides how long to wait between polls (the server's
 * Retry-After when given, else an interval), when to give up (deadline)
 * and whether to stop early (cancellation through the clock).
 */
#ifndef FD_LRO_H
#define FD_LRO_H

#include <stdint.h>

#include "clock.h"
#include "provider.h"

struct lro_policy {
	uint64_t default_ms;	/* between polls when no Retry-After: 5000 */
	uint64_t min_ms;	/* never poll faster than this: 1000 */
	uint64_t max_ms;	/* cap a server hint at this: 60000 */
	uint64_t deadline;	/* absolute clock_now(); 0 = none */
	/* When set, each poll of a running operation is logged at info
	 * level (shown on a terminal) as "WHAT: InProgress 45 s", a
	 * heartbeat for the operator; e.g. "disable (request id X)". */
	const char *what;
};

void lro_policy_default(struct lro_policy *p);

/* Poll op until done.  0 when Succeeded; the provider's error when it
 * failed; -ETIMEDOUT past the deadline; -ECANCELED when the clock's
 * cancel flag was raised.  *polls counts the polls made (may be NULL). */
int lro_wait(const struct cloud_ops *ops, void *ctx, struct cloud_op *op,
    const struct fd_clock *clock, const struct lro_policy *policy,
    struct cloud_poll *last, unsigned *polls, struct fd_error *err);

#endif
