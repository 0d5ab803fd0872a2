/* Parallel device queries: a pthread per distinct device context. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collect.h"

struct collect_worker {
	struct collect_job *jobs;
	size_t n;
	void *ctx;
	pthread_t tid;
	bool started;
};

static uint64_t
collect_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
collect_job_init(struct collect_job *j, const struct device_ops *ops,
    void *ctx, const char *device, enum collect_kind kind)
{
	memset(j, 0, sizeof(*j));
	j->ops = ops;
	j->ctx = ctx;
	snprintf(j->device, sizeof(j->device), "%s", device ? device : "");
	j->kind = kind;
	route_set_init(&j->routes);
	bgp_summary_init(&j->bgp);
}

void
collect_job_done(struct collect_job *j)
{
	if (j == NULL)
		return;
	route_set_done(&j->routes);
	bgp_summary_done(&j->bgp);
	hop_list_free(j->hops);
	j->hops = NULL;
}

const char *
collect_kind_str(enum collect_kind k)
{
	switch (k) {
	case COLLECT_INFO:
		return "show version";
	case COLLECT_ROUTES:
		return "show route";
	case COLLECT_ADVERTISED:
		return "show route advertising-protocol";
	case COLLECT_RECEIVED:
		return "show route receive-protocol";
	case COLLECT_BGP_SUMMARY:
		return "show bgp summary";
	case COLLECT_TRACEROUTE:
		return "traceroute";
	}
	return "?";
}

static int
collect_one(struct collect_job *j)
{
	const struct device_ops *o = j->ops;
	struct fd_error *e = &j->err;

	switch (j->kind) {
	case COLLECT_INFO:
		return o->info(j->ctx, &j->info, e);
	case COLLECT_ROUTES:
		return o->routes(j->ctx, j->table,
		    j->has_prefix ? &j->prefix : NULL, &j->routes, e);
	case COLLECT_ADVERTISED:
		return o->advertised(j->ctx, &j->addr, j->table, &j->routes,
		    e);
	case COLLECT_RECEIVED:
		return o->received(j->ctx, &j->addr, j->table, &j->routes, e);
	case COLLECT_BGP_SUMMARY:
		return o->bgp_summary(j->ctx, j->instance, &j->bgp, e);
	case COLLECT_TRACEROUTE:
		j->hops = hop_list_new();
		if (j->hops == NULL)
			return fd_error_set(e, -ENOMEM, "out of memory");
		return o->traceroute(j->ctx, &j->addr, j->instance, j->hops,
		    e);
	}
	return fd_error_set(e, -EINVAL, "unknown query kind %d", j->kind);
}

/*
 * Before job `from` runs: hand the provider (device_ops.prefetch) every
 * query of this device from there on that is ready to run: not a
 * traceroute (its own long timeout, and partial output), not yet handed
 * over, and not waiting on a job still to run (its login).  It may send
 * them at once (transport/ssh.h exec_many).  Marks them in sent and
 * their start in t0.
 */
/* May job k go into the batch sent before job `from`? */
static bool
prefetchable(const struct collect_worker *w, size_t from, size_t k,
    const bool *sent)
{
	const struct collect_job *j = &w->jobs[k];

	return j->ctx == w->ctx && !sent[k] && j->kind != COLLECT_TRACEROUTE &&
	    (j->after == NULL || (j->after < &w->jobs[from] &&
	    j->after->rc >= 0));
}

static void
collect_prefetch(struct collect_worker *w, size_t from, bool *sent,
    uint64_t *t0)
{
	struct device_query *q;
	size_t k, n = 0;
	uint64_t now;

	if (w->jobs[from].ops->prefetch == NULL || sent[from])
		return;
	q = calloc(w->n, sizeof(*q));
	if (q == NULL)
		return;
	for (k = from; k < w->n; k++) {
		struct collect_job *j = &w->jobs[k];

		if (!prefetchable(w, from, k, sent))
			continue;
		switch (j->kind) {
		case COLLECT_INFO:
			q[n].kind = DEVQ_INFO;
			break;
		case COLLECT_ROUTES:
			q[n].kind = DEVQ_ROUTES;
			break;
		case COLLECT_ADVERTISED:
			q[n].kind = DEVQ_ADVERTISED;
			break;
		case COLLECT_RECEIVED:
			q[n].kind = DEVQ_RECEIVED;
			break;
		case COLLECT_BGP_SUMMARY:
			q[n].kind = DEVQ_BGP_SUMMARY;
			break;
		case COLLECT_TRACEROUTE:
			continue;
		}
		q[n].table = j->table;
		q[n].prefix = j->has_prefix ? &j->prefix : NULL;
		q[n].addr = &j->addr;
		q[n].instance = j->instance;
		n++;
	}
	now = collect_now_ms();
	if (n >= 2) {
		for (k = from; k < w->n; k++) {
			if (!prefetchable(w, from, k, sent))
				continue;
			sent[k] = true;
			t0[k] = now;
		}
		w->jobs[from].ops->prefetch(w->ctx, q, n);
	}
	free(q);
}

static void *
collect_worker_main(void *arg)
{
	struct collect_worker *w = arg;
	bool *sent = calloc(w->n ? w->n : 1, sizeof(*sent));
	uint64_t *start = calloc(w->n ? w->n : 1, sizeof(*start));
	size_t i;

	for (i = 0; i < w->n; i++) {
		struct collect_job *j = &w->jobs[i];
		uint64_t t0;
		size_t dl;

		if (j->ctx != w->ctx)
			continue;
		/* Its login failed (run before it on this same thread): do
		 * not spend the device's timeouts again. */
		if (j->after != NULL && j->after->rc < 0) {
			j->skipped = true;
			j->rc = fd_error_set(&j->err, -EHOSTUNREACH, "%s: "
			    "device unreachable", j->device);
			continue;
		}
		if (sent != NULL && start != NULL)
			collect_prefetch(w, i, sent, start);
		/* A prefetched query's time runs from when it was sent. */
		t0 = sent != NULL && sent[i] ? start[i] : collect_now_ms();
		fd_error_clear(&j->err);
		if (j->record_dir != NULL && j->ops->record != NULL)
			j->ops->record(j->ctx, j->record_dir,
			    j->record_budget);
		j->rc = collect_one(j);
		j->elapsed_ms = collect_now_ms() - t0;
		if (j->rc >= 0) {
			j->rc = 0;
			continue;
		}
		/* Every error names its device (the Junos provider already
		 * starts its messages with the device and command). */
		dl = strlen(j->device);
		if (dl == 0 || strncmp(j->err.msg, j->device, dl) != 0 ||
		    j->err.msg[dl] != ':')
			fd_error_prefix(&j->err, "%s: %s", j->device,
			    collect_kind_str(j->kind));
	}
	free(sent);
	free(start);
	return NULL;
}

int
collect_run(struct collect_job *jobs, size_t n, struct fd_error *err)
{
	struct collect_worker *w;
	size_t i, k, nw = 0, failed = 0;
	int first = 0;
	const char *why = "";

	w = calloc(n ? n : 1, sizeof(*w));
	if (w == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	/* One worker per distinct ctx, in order of first appearance. */
	for (i = 0; i < n; i++) {
		for (k = 0; k < nw; k++)
			if (w[k].ctx == jobs[i].ctx)
				break;
		if (k == nw) {
			w[nw].jobs = jobs;
			w[nw].n = n;
			w[nw].ctx = jobs[i].ctx;
			nw++;
		}
	}
	for (k = 0; k < nw; k++)
		w[k].started = pthread_create(&w[k].tid, NULL,
		    collect_worker_main, &w[k]) == 0;
	for (k = 0; k < nw; k++) {
		if (w[k].started)
			pthread_join(w[k].tid, NULL);
		else
			/* No thread left: run it here, still correct. */
			collect_worker_main(&w[k]);
	}
	free(w);
	for (i = 0; i < n; i++) {
		if (jobs[i].rc == 0)
			continue;
		if (failed++ == 0) {
			first = jobs[i].rc;
			why = jobs[i].err.msg;
		}
	}
	if (failed == 0)
		return 0;
	return fd_error_set(err, first, "%zu of %zu device queries failed; "
	    "first: %s", failed, n, why);
}
