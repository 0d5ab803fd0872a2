/*
 * Native traceroute without privileges: UDP datagrams on an ordinary socket,
 * the TTL set per probe, ICMP errors read back from the socket's error queue
 * (IP_RECVERR / IPV6_RECVERR, MSG_ERRQUEUE, SO_EE_OFFENDER) as iputils
 * tracepath does.  Paris-style: every probe of a flow has the same 5-tuple
 * (one socket per flow, one fixed destination port per flow), and probes
 * are matched by an id in their payload, which the ICMP error quotes.
 */
#ifndef FD_TRACER_H
#define FD_TRACER_H

#include "provider.h"

#define TRACER_MAX_FLOWS 16
#define TRACER_MAX_PROBES 10
/* TRACER_MAX_FLOWS * TRACER_MAX_PROBES: every probe to a hop at once */
#define TRACER_MAX_HOP_BURST 160

/* Fill zero fields of cfg with the documented defaults. */
void tracer_cfg_defaults(struct probe_cfg *cfg);
/* -EINVAL with a message when cfg is out of range. */
int tracer_cfg_check(const struct probe_cfg *cfg, struct fd_error *err);

struct tracer_stats {
	unsigned sent;		/* probes sent */
	unsigned answered;	/* matched to a probe */
	unsigned unmatched;	/* errors whose quote did not carry our id */
	unsigned asked_again;	/* silent hops asked again after a refill */
	unsigned reasked;	/* silent hops answered when asked again */
	unsigned paced;		/* probes held back for a hop's bucket */
	unsigned rate_limited;	/* hops marked rate-limited */
	uint64_t wall_ms;
};

/*
 * What the earlier traces of one context (the drill's native provider) took
 * from the routers' buckets, per TTL: the model of TRACER_PEER_BURST carried
 * from one trace to the next.  A hop that stays silent although the model
 * left it a token is silent for good (or limited by others), not drained by
 * us: it is not asked again after a refill, which costs a second a trace.
 * A hop our own traces may have drained is.  Zero-initialise it.
 */
struct tracer_hist {
	double tokens[HOPS_MAX + 1];
	uint64_t tokens_ns[HOPS_MAX + 1];	/* 0: never asked */
	/* A prober's TTL-limited probe drains this TTL as well (0: none):
	 * a silent hop there is always asked again. */
	unsigned watch_ttl;
};

/*
 * Trace to `to`.  out gets the probes of every flow merged (ECMP branches
 * as several answers of one hop).  When per_flow is not NULL it must hold
 * cfg->flows hop lists; each gets the probes of its flow only.  stats may
 * be NULL.
 */
int tracer_run(const struct probe_cfg *cfg, const struct fd_addr *to,
    struct hop_list *out, struct hop_list *per_flow,
    struct tracer_stats *stats, struct fd_error *err);
/* The same, with the context's history (see struct tracer_hist; NULL: as
 * tracer_run()); it is updated with this trace's probes. */
int tracer_run_hist(const struct probe_cfg *cfg, const struct fd_addr *to,
    struct hop_list *out, struct hop_list *per_flow,
    struct tracer_stats *stats, struct tracer_hist *hist,
    struct fd_error *err);

#endif
