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

#endif
