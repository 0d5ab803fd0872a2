/*
 * Parallel collection: run a batch of device queries with one thread per
 * device (jobs that share a ctx run in order on that device's thread,
 * because one SSH session is not thread-safe).  A slow device costs only
 * its own timeouts; every job gets its own result and error, which names
 * the device and the query.
 */
#ifndef FD_COLLECT_H
#define FD_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "provider.h"

enum collect_kind {
	COLLECT_INFO,		/* out: info */
	COLLECT_ROUTES,		/* args: table, prefix (if has_prefix) */
	COLLECT_ADVERTISED,	/* args: addr (neighbour), table */
	COLLECT_RECEIVED,	/* args: addr (neighbour), table */
	COLLECT_BGP_SUMMARY,	/* args: instance */
	COLLECT_TRACEROUTE,	/* args: addr (target), instance */
};

struct collect_job {
	/* in */
	const struct device_ops *ops;
	void *ctx;			/* from ops->open(); jobs may share */
	char device[32];		/* name for error messages */
	enum collect_kind kind;
	char table[64];
	bool has_prefix;
	struct fd_prefix prefix;
	struct fd_addr addr;
	char instance[64];
	/* Run only when this earlier job on the same ctx succeeded (a query
	 * after its device's login); otherwise skipped, rc -EHOSTUNREACH. */
	const struct collect_job *after;
	/* Not NULL: a query read ahead for a later phase, whose replies are
	 * saved there (device_ops.record(ctx, record_dir, record_budget)
	 * before it runs).  Such jobs come after the ctx's others. */
	const char *record_dir;
	struct device_replies *record_budget;
	/* out (owned by the job; release with collect_job_done()) */
	int rc;				/* 0 or negative errno */
	struct fd_error err;		/* "device: query: reason" */
	uint64_t elapsed_ms;
	bool skipped;			/* its after job failed: not run */
	struct device_info info;
	struct route_set routes;
	struct bgp_summary bgp;
	struct hop_list *hops;		/* COLLECT_TRACEROUTE */
};

/* Prepare a job (zeroes outputs, sets ops/ctx/device/kind). */
void collect_job_init(struct collect_job *j, const struct device_ops *ops,
    void *ctx, const char *device, enum collect_kind kind);
void collect_job_done(struct collect_job *j);

const char *collect_kind_str(enum collect_kind k);

/*
 * Run every job and wait for all of them.  Returns 0 when every job
 * succeeded, else the first failed job's code with err saying how many
 * failed and the first reason; each job's own rc and err are always set.
 */
int collect_run(struct collect_job *jobs, size_t n, struct fd_error *err);

#endif
