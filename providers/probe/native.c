/* The native probe provider: tracer.c and prober.c behind probe_ops. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "prober.h"
#include "registry.h"
#include "tracer.h"

struct native_ctx {
	struct probe_cfg cfg;
	/* What the drill's traces took from the routers' buckets, from one
	 * trace to the next: only a hop they may have drained is asked
	 * again (a second's wait per trace otherwise, for a hop such as
	 * the lab's silent gateway that never answers). */
	struct tracer_hist hist;
};

static int
native_open(const struct probe_cfg *cfg, void **ctx, struct fd_error *err)
{
	struct native_ctx *c;
	int rc;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	if (cfg != NULL)
		c->cfg = *cfg;
	/* The drill's traces ask a hop that went silent below an answered
	 * one again after a refill: its back-to-back traces (the converge
	 * loop re-traces every second or so) drain a router's ICMP bucket,
	 * and only the judged checks re-trace a whole path.  Without it the
	 * converge loop of a two-probe drill never saw the first hop (lab
	 * scenario h).  The trace verb, one trace as traceroute, does not. */
	c->cfg.reask = true;
	tracer_cfg_defaults(&c->cfg);
	rc = tracer_cfg_check(&c->cfg, err);
	if (rc < 0) {
		free(c);
		return rc;
	}
	*ctx = c;
	return 0;
}

static int
native_trace(void *ctx, const struct fd_addr *to, struct hop_list *out,
    struct fd_error *err)
{
	struct native_ctx *c = ctx;

	return tracer_run_hist(&c->cfg, to, out, NULL, NULL, &c->hist, err);
}

static int
native_watch_begin(void *ctx, const struct watch_req *req,
    struct probe_watch **out, struct fd_error *err)
{
	struct native_ctx *c = ctx;
	struct prober *p;
	int rc;

	rc = prober_start(req, &c->cfg, &p, err);
	if (rc == 0) {
		*out = (struct probe_watch *)p;
		c->hist.watch_ttl = req->ttl;
	}
	return rc;
}

static int
native_watch_end(void *ctx, struct probe_watch *w, struct watch_samples *out,
    struct fd_error *err)
{
	struct native_ctx *c = ctx;

	c->hist.watch_ttl = 0;
	return prober_stop((struct prober *)w, out, err);
}

static int
native_watch_peek(void *ctx, struct probe_watch *w, size_t from,
    struct watch_samples *out, struct fd_error *err)
{
	(void)ctx;
	return prober_peek((struct prober *)w, from, out, err);
}

/* From the history of the drill's traces: an early re-trace (the engine's,
 * when the watch sees the path move) right after a trace finds the routers
 * it shares with the last one silent, the destination first, whose bucket
 * every probe beyond it draws on (bench/drill.sh: a trace 40 ms after
 * another got no answer from the on-prem edge nor the target and took
 * 3 s).  The model sees only the answers read during a trace, so it errs
 * on the early side: the engine also keeps to one early trace a beat. */
static unsigned
native_trace_ready_ms(void *ctx)
{
	struct native_ctx *c = ctx;
	struct timespec ts;
	uint64_t now;
	double need = 0;
	unsigned i;

	/* A history that lost routers cannot tell: a whole refill. */
	if (c->hist.full)
		return TRACER_PEER_MS;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	for (i = 0; i < c->hist.n; i++) {
		double tok = tracer_hist_tokens(&c->hist.r[i],
		    c->cfg.hop_burst, now);

		if (tok < 1.0 && (1.0 - tok) * TRACER_PEER_MS > need)
			need = (1.0 - tok) * TRACER_PEER_MS;
	}
	return (unsigned)need + (need > 0);
}

/* Preflight: does the target answer this method at all?  Up to count
 * probes at 10 a second, each given the prober's reply window; over at the
 * first answer (*answered is then 1: the drill asks "any?", and waiting out
 * count probes to a target that answers cost 0.7 s of every drill). */
static int
native_reach(void *ctx, const struct watch_req *req, unsigned count,
    unsigned *answered, struct fd_error *err)
{
	struct native_ctx *c = ctx;
	struct watch_req r = *req;
	struct watch_samples s = { 0 };
	struct prober *p;
	struct timespec ts, t0;
	uint64_t waited = 0;
	unsigned n = 0;
	size_t i;
	int rc;

	if (count == 0 || count > 100)
		return fd_error_set(err, -EINVAL, "reach: bad count");
	r.rate_hz = 10;
	r.ttl = 0;
	r.max_ms = (uint64_t)count * 100;
	if ((rc = prober_start(&r, &c->cfg, &p, err)) < 0)
		return rc;
	/* Look every 2 ms: an answer ends the wait. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (waited < r.max_ms && prober_answered(p) == 0) {
		ts.tv_sec = 0;
		ts.tv_nsec = 2000000L;
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		waited = (uint64_t)(ts.tv_sec - t0.tv_sec) * 1000 +
		    (uint64_t)((ts.tv_nsec - t0.tv_nsec) / 1000000L);
	}
	if ((rc = prober_stop(p, &s, err)) < 0)
		return rc;
	for (i = 0; i < s.n && i < count; i++)
		n += s.v[i].e2e_reply;
	watch_samples_done(&s);
	*answered = n;
	return 0;
}

/* The trace verb's limits are tracer.h's. */
_Static_assert(PROBE_MAX_PROBES == TRACER_MAX_PROBES, "probes per hop");
_Static_assert(PROBE_MAX_FLOWS == TRACER_MAX_FLOWS, "flows");
_Static_assert(PROBE_MAX_HOP_BURST == TRACER_MAX_HOP_BURST, "hop burst");

static int
native_cfg_check(struct probe_cfg *cfg, struct fd_error *err)
{
	tracer_cfg_defaults(cfg);
	return tracer_cfg_check(cfg, err);
}

static int
native_trace_once(const struct probe_cfg *cfg, const struct fd_addr *to,
    struct hop_list *out, struct hop_list *per_flow,
    struct probe_trace_stats *stats, struct fd_error *err)
{
	return tracer_run(cfg, to, out, per_flow, stats, err);
}

static void
native_close(void *ctx)
{
	free(ctx);
}

const struct probe_ops native_probe_ops = {
	.name = "native",
	.open = native_open,
	.trace = native_trace,
	.cfg_check = native_cfg_check,
	.trace_once = native_trace_once,
	.watch_begin = native_watch_begin,
	.watch_end = native_watch_end,
	.watch_peek = native_watch_peek,
	.trace_ready_ms = native_trace_ready_ms,
	.reach = native_reach,
	.close = native_close,
};
