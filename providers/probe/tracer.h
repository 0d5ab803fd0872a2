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

/*
 * What the earlier traces of one context (the drill's native provider) took
 * from the routers' ICMP buckets.  A Linux router spends a token only on an
 * error it sends (inet_peer_xrlim_allow), and every error it sends us is an
 * answer we read: so each router that answered is modelled by address
 * (TRACER_PEER_BURST, one token a second), with the TTLs it answered at.  A
 * hop silent in a trace is asked again after a refill only when a router
 * that answered at its TTL may have been emptied by our own traces; one
 * that never answered there, or had tokens to spare, is silent for good
 * (the lab's far gateway) and a refill changes nothing: asking it again
 * cost a second a trace.  Zero-initialise it.
 */
#define TRACER_HIST_ROUTERS 64

struct tracer_hist {
	struct tracer_router {
		struct fd_addr addr;
		double tokens;
		uint64_t t_ns;
		bool at_ttl[HOPS_MAX + 1];
	} r[TRACER_HIST_ROUTERS];
	unsigned n;
	bool full;		/* a router did not fit: ask again always */
	/* A prober's TTL-limited probe drains the router at this TTL too,
	 * unseen by the traces (0: none): a silent hop there is always
	 * asked again. */
	unsigned watch_ttl;
};

/* A router's modelled bucket refills a token every TRACER_PEER_MS (see
 * tracer.c); its tokens at now (CLOCK_MONOTONIC ns), at most burst. */
#define TRACER_PEER_MS 1000
double tracer_hist_tokens(const struct tracer_router *r, double burst,
    uint64_t now);

/*
 * Trace to `to`.  out gets the probes of every flow merged (ECMP branches
 * as several answers of one hop).  When per_flow is not NULL it must hold
 * cfg->flows hop lists; each gets the probes of its flow only.  stats may
 * be NULL.
 */
int tracer_run(const struct probe_cfg *cfg, const struct fd_addr *to,
    struct hop_list *out, struct hop_list *per_flow,
    struct probe_trace_stats *stats, struct fd_error *err);
/* The same, with the context's history (see struct tracer_hist; NULL: as
 * tracer_run()); it is updated with this trace's probes. */
int tracer_run_hist(const struct probe_cfg *cfg, const struct fd_addr *to,
    struct hop_list *out, struct hop_list *per_flow,
    struct probe_trace_stats *stats, struct tracer_hist *hist,
    struct fd_error *err);

#endif
