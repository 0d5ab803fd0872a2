/*
 * Paths and convergence: traces compared with the spec's hop
 * expectations, and the continuous watch of converge and failback.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drill_priv.h"
#include "log.h"
#include "result.h"

static json_t *
path_obj(struct drill *d, int pi)
{
	return json_array_get(d->paths, (size_t)pi);
}

/* Trace probe pi into *out (the caller's). */
static int
trace_probe(struct drill *d, int pi, struct hop_list **out,
    struct fd_error *err)
{
	const struct spec_probe *sp = &d->s->probes[pi];
	struct hop_list *l = hop_list_new();
	int rc, di;

	if (l == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	if (sp->from[0] == '\0') {
		rc = d->p->probe->trace(d->p->probe_ctx, &sp->to, l, err);
	} else if (strcmp(sp->from, "azure") == 0) {
		/* Azure-side hop list: Network Watcher connectivity check
		 * from the spec's source VM. */
		struct conncheck_req req;

		memset(&req, 0, sizeof(req));
		req.dest = sp->to;
		snprintf(req.protocol, sizeof(req.protocol), "Icmp");
		rc = d->p->cloud->connectivity == NULL ?
		    fd_error_set(err, -ENOSYS, "no connectivity check") :
		    d->p->cloud->connectivity(d->p->cloud_ctx, &req, l, err);
	} else {
		di = dev_index(d->s, sp->from);
		if (di < 0 || d->p->dev[di] == NULL)
			rc = fd_error_set(err, -ENOENT, "no device %s",
			    sp->from);
		else
			rc = d->p->dev[di]->traceroute(d->p->dev_ctx[di],
			    &sp->to, d->s->devices[di].routing_instance, l,
			    err);
	}
	if (rc < 0) {
		fd_error_prefix(err, "trace %s", sp->name);
		hop_list_free(l);
		return rc;
	}
	if (!addr_is_set(&l->target)) {
		l->target = sp->to;
		hop_list_finish(l);
	}
	hop_list_free(*out);
	*out = l;
	return 0;
}

static void
store_trace(struct drill *d, int pi, const char *key)
{
	json_t *tr = json_object_get(path_obj(d, pi), "traces");

	if (d->traces[pi] != NULL)
		json_object_set_new(tr, key, hop_list_to_json(d->traces[pi]));
}

/* Re-traces of a recorded check whose trace shows a silent or
 * rate-limited hop (see may_be_limited()). */
#define CHECK_RETRACES 2

/* Can a router's ICMP limit explain a mismatch?  Only when a hop of the
 * trace is silent or was marked rate-limited by the tracer. */
static bool
may_be_limited(const struct hop_list *l)
{
	unsigned i;

	for (i = 0; l != NULL && i < l->n; i++)
		if (l->hops[i].n_answers == 0 || l->hops[i].rate_limited)
			return true;
	return false;
}

/* One path of an expectation, traced and compared. */
struct path_read {
	bool done;		/* traced (or tried) */
	bool traced;
	int rc;
	struct fd_error err;
	struct hop_list *l;	/* the last trace that succeeded */
};

/* The paths of e, read off the drill's thread, then kept and recorded on
 * it: record_check() and d->traces are the drill thread's. */
struct paths_read {
	struct drill *d;
	const struct spec_expect *e;
	bool record;
	struct path_read r[SPEC_MAX_PROBES];
};

/* Only the probe provider's traces: device-sourced ones share the devices'
 * sessions, Azure-sourced ones the main ARM context, with the checks'
 * reads. */
static bool
native_path(const struct drill *d, const struct spec_path *sp)
{
	int pi = probe_index(d->s, sp->probe);

	return pi >= 0 && d->s->probes[pi].from[0] == '\0';
}

/* Trace the paths of e (native ones, or the others) and compare.  Uses
 * cancel_pending(), never cancelled(): it may run on another thread. */
static void
paths_read(struct paths_read *pr, bool native)
{
	struct drill *d = pr->d;
	const struct spec_expect *e = pr->e;
	bool record = pr->record;
	unsigned i;

	for (i = 0; i < e->n_paths && i < SPEC_MAX_PROBES &&
	    !(cancel_pending(d) && !d->judging); i++) {
		const struct spec_path *sp = &e->paths[i];
		struct path_read *r = &pr->r[i];
		int pi = probe_index(d->s, sp->probe);
		unsigned tries;

		if (pi < 0 || native_path(d, sp) != native)
			continue;	/* the spec loader rejects pi < 0 */
		r->done = true;
		r->rc = trace_probe(d, pi, &r->l, &r->err);
		r->traced = r->rc == 0;
		if (r->rc == 0)
			r->rc = hops_match(&sp->path, &d->s->sets, r->l,
			    &r->err);
		if (!record && r->rc < 0 && r->l != NULL) {
			char hops[512];

			hop_list_str(r->l, hops, sizeof(hops));
			log_debug("path %s: not yet: %s [%s]", sp->probe,
			    r->err.msg, hops);
		}
		/* A judged path must not fail because a router limited its
		 * ICMP (every trace of the drill and the prober's TTL probe
		 * drain the same buckets): trace again after a refill.  It
		 * still passes only on a trace whose hops all matched. */
		for (tries = 0; record && r->rc == -EBADMSG &&
		    tries < CHECK_RETRACES && may_be_limited(r->l) &&
		    !cancel_pending(d); tries++) {
			log_info("path %s: %s; a silent hop may be a router's "
			    "ICMP rate limit, tracing again", sp->probe,
			    r->err.msg);
			if (clock_sleep(d->o->clock, retrace_wait_ms(d)) < 0)
				break;
			fd_error_clear(&r->err);
			r->rc = trace_probe(d, pi, &r->l, &r->err);
			r->traced = r->rc == 0;
			if (r->rc == 0)
				r->rc = hops_match(&sp->path, &d->s->sets,
				    r->l, &r->err);
		}
	}
}

void *
paths_read_native(void *arg)
{
	paths_read(arg, true);
	return NULL;
}

/* Keep each path's trace as its probe's latest and, with record, record
 * the paths in spec order; frees what was read.  -1: a path did not
 * match. */
static int
paths_end(struct paths_read *pr, const char *key)
{
	struct drill *d = pr->d;
	const struct spec_expect *e = pr->e;
	char name[128], hops[512];
	unsigned i;
	int bad = 0;

	for (i = 0; i < e->n_paths && i < SPEC_MAX_PROBES; i++) {
		const struct spec_path *sp = &e->paths[i];
		struct path_read *r = &pr->r[i];
		int pi = probe_index(d->s, sp->probe);

		if (!r->done || stopped(d))
			continue;
		if (r->l != NULL) {
			hop_list_free(d->traces[pi]);
			d->traces[pi] = r->l;
			r->l = NULL;
		}
		if (r->traced && r->rc < 0 && pr->record) {
			hop_list_str(d->traces[pi], hops, sizeof(hops));
			fd_error_prefix(&r->err, "[%s]", hops);
		}
		if (pr->record) {
			snprintf(name, sizeof(name), "path %s", sp->probe);
			store_trace(d, pi, key);
			record_check(d, name, r->rc, r->err.msg, sp->line);
		}
		if (r->rc < 0)
			bad++;
	}
	for (i = 0; i < SPEC_MAX_PROBES; i++)
		hop_list_free(pr->r[i].l);
	return bad ? -1 : 0;
}

static void
paths_init(struct paths_read *pr, struct drill *d,
    const struct spec_expect *e, bool record)
{
	memset(pr, 0, sizeof(*pr));
	pr->d = d;
	pr->e = e;
	pr->record = record;
}

void
paths_read_free(struct paths_read *pr)
{
	unsigned i;

	if (pr == NULL)
		return;
	for (i = 0; i < SPEC_MAX_PROBES; i++)
		hop_list_free(pr->r[i].l);
	free(pr);
}

struct paths_read *
paths_prefetch(struct drill *d, const struct spec_expect *e)
{
	struct paths_read *pr;
	unsigned i;

	for (i = 0; i < e->n_paths; i++)
		if (native_path(d, &e->paths[i]))
			break;
	if (i == e->n_paths || (pr = malloc(sizeof(*pr))) == NULL)
		return NULL;
	paths_init(pr, d, e, true);
	return pr;
}

/* Trace every path of e and compare; record=false: only report whether
 * all matched (used while converging). */
int
check_paths(struct drill *d, const struct spec_expect *e, const char *key,
    bool record)
{
	struct paths_read *pr = malloc(sizeof(*pr));
	int rc;

	if (pr == NULL)
		return -1;
	paths_init(pr, d, e, record);
	paths_read(pr, true);
	paths_read(pr, false);
	rc = paths_end(pr, key);
	free(pr);
	return rc;
}

/*
 * Judge a phase's expectation: its paths and its checks.  The probe
 * provider's traces run on a thread of their own while the checks are
 * read (devices and Azure, each on theirs); the drill's own thread only
 * waits meanwhile, so no device idle() crosses a device query.  Traces
 * from a device or from Azure follow once the checks are read, as they
 * share those sessions.  Recorded as before: the paths, then the checks,
 * in spec order.
 */
void
judge_expect(struct drill *d, const struct spec_expect *e, const char *key)
{
	struct paths_read *pr = NULL;
	struct checks_read *cr;
	pthread_t th;
	bool threaded = false, native_read = false;

	if (stopped(d))
		return;
	/* Baseline's: what preflight read ahead for it. */
	if (strcmp(key, "baseline") == 0 && e == &d->s->baseline) {
		pr = d->pre_paths;
		d->pre_paths = NULL;
		native_read = pr != NULL;
	}
	if (pr == NULL && (pr = malloc(sizeof(*pr))) == NULL) {
		struct fd_error err;

		fd_error_set(&err, -ENOMEM, "out of memory");
		phase_error(d, &err);
		return;
	}
	if (!native_read)
		paths_init(pr, d, e, true);
	if (strcmp(key, "baseline") == 0 && d->pre_checks != NULL) {
		cr = checks_read_resume(d, d->pre_checks);
		d->pre_checks = NULL;
	} else {
		cr = checks_read_begin(d, e->checks, e->n_checks);
	}
	if (!native_read)
		threaded = pthread_create(&th, NULL, paths_read_native,
		    pr) == 0;
	checks_read(cr);
	if (threaded)
		pthread_join(th, NULL);
	else if (!native_read)
		paths_read(pr, true);
	paths_read(pr, false);
	paths_end(pr, key);
	free(pr);
	checks_read_end(d, cr);
}

/* verify-restored's wait for BGP on both links, beside its wait for the
 * paths. */
struct links_wait {
	struct drill *d;
	const struct fd_clock *clk;
	uint64_t deadline;
	bool after_signal;
	void *ctx;
};

static void *
links_wait(void *arg)
{
	struct links_wait *lw = arg;
	struct drill *d = lw->d;

	while ((lw->after_signal || !cancel_pending(d)) &&
	    clock_now(lw->clk) < lw->deadline) {
		struct fd_error err = { 0 };

		if (links_up(d, lw->ctx, &err) == 0)
			break;
		log_info("verify-restored: waiting for the links: %s",
		    err.msg);
		if (clock_sleep(lw->clk, retrace_wait_ms(d)) < 0)
			break;
	}
	return NULL;
}

/*
 * Wait (bounded by deadline on clk) for the paths of e to come back and,
 * when e judges them, for BGP on both links, which comes back some time
 * after the enable (the MSEE's routeTablesSummary).  The two waits run at
 * once: the links on a thread of their own (Azure only), the paths on
 * the drill's thread, whose sleeps keep the device sessions alive.  An
 * Azure-sourced trace reads on the main ARM context, so the links then
 * need a context of their own, or wait after the paths as before.
 */
void
wait_restored(struct drill *d, const struct spec_expect *e,
    const struct fd_clock *clk, uint64_t deadline, bool after_signal)
{
	struct links_wait lw;
	struct retrace_wait rw;
	pthread_t th;
	bool links = false, azure_paths = false, threaded = false;
	unsigned i;

	for (i = 0; i < e->n_checks; i++)
		if (e->checks[i].kind == CHECK_AZ_LINKS)
			links = true;
	for (i = 0; i < e->n_paths; i++) {
		int pi = probe_index(d->s, e->paths[i].probe);

		if (pi >= 0 && strcmp(d->s->probes[pi].from, "azure") == 0)
			azure_paths = true;
	}
	memset(&lw, 0, sizeof(lw));
	lw.d = d;
	lw.clk = clk;
	lw.deadline = deadline;
	lw.after_signal = after_signal;
	lw.ctx = !links ? NULL : azure_paths ? cloud_ctx_more(d) :
	    d->p->cloud_ctx;
	if (links && lw.ctx != NULL)
		threaded = pthread_create(&th, NULL, links_wait, &lw) == 0;
	/* The failback watch cuts a wait short once it sees the primary
	 * path (retrace_wait()). */
	retrace_wait_init(&rw, &d->watch.failback, true);
	/* Cut short by a signal: the loop's cancelled() says so. */
	(void)retrace_wait_first(d, &rw, clk);
	while (after_signal || !cancelled(d)) {
		rw.traced_ms = clock_now(clk);
		if (check_paths(d, e, "restored", false) == 0 ||
		    clock_now(clk) >= deadline)
			break;
		if (retrace_wait(d, &rw, clk) < 0)
			break;
	}
	retrace_wait_done(&rw);
	if (threaded) {
		pthread_join(th, NULL);
	} else if (links) {
		void *more = lw.ctx;

		lw.ctx = d->p->cloud_ctx;
		links_wait(&lw);
		lw.ctx = more;
	}
	if (azure_paths)
		cloud_ctx_done(d, lw.ctx);
}

/* ------------------------------------------------------------ watch */

/* The probe watched during converge: the first native probe marked watch,
 * with the path classes the spec gives it (spec_watch_classes(): avoid,
 * and the hops only one of the baseline and failover paths names) and the
 * TTL at which the baseline trace crossed the primary class. */
void
watch_setup(struct drill *d)
{
	const struct spec *s = d->s;
	unsigned i, j, x;

	memset(&d->watch, 0, sizeof(d->watch));
	d->watch.probe = -1;
	for (i = 0; i < s->n_probes; i++) {
		if (s->probes[i].watch && s->probes[i].from[0] == '\0') {
			d->watch.probe = (int)i;
			break;
		}
	}
	if (d->watch.probe < 0)
		return;
	(void)spec_watch_classes(s, s->probes[d->watch.probe].name,
	    &d->watch.primary, &d->watch.backup);
	/* The TTL of the last baseline hop inside the primary set: the
	 * deepest one is the likeliest to reach the target, or a hop that
	 * answers, on a shorter backup path (the first hop after the
	 * on-prem edge is often a silent VPN gateway). */
	if (d->traces[d->watch.probe] != NULL) {
		const struct hop_list *l = d->traces[d->watch.probe];

		for (i = 0; i < l->n; i++)
			for (x = 0; x < l->hops[i].n_answers; x++)
				for (j = 0; j < d->watch.primary.n; j++)
					if (prefix_contains(
					    &d->watch.primary.prefixes[j],
					    &l->hops[i].answers[x].addr))
						d->watch.ttl = l->hops[i].ttl;
	}
}

/*
 * Count a watch's switch times from when the write went out (the
 * provider's sent_ms, on the same monotonic clock as the samples), not
 * from before the GET that precedes the PUT or the PUT's retries.  A time
 * outside [t0, now] (unknown, another clock) leaves t0 as it was.
 */
void
watch_t0_at(struct drill *d, struct drill_watch_run *run, uint64_t sent_ms)
{
	uint64_t now = clock_now(d->o->restore_clock);

	if (run->w == NULL || sent_ms < run->t0 || sent_ms > now)
		return;
	run->t0_wall += (double)(sent_ms - run->t0) / 1000.0;
	run->t0 = sent_ms;
}

int
watch_start(struct drill *d, struct drill_watch_run *run,
    struct fd_error *err)
{
	struct watch_req req;

	memset(run, 0, sizeof(*run));
	if (d->watch.probe < 0 || d->p->probe->watch_begin == NULL)
		return 0;
	d->watch.rate_hz = d->s->converge.rate_hz;
	memset(&req, 0, sizeof(req));
	req.target = d->s->probes[d->watch.probe].to;
	d->watch.target = req.target;
	req.method = d->s->probes[d->watch.probe].method;
	req.port = d->s->probes[d->watch.probe].port;
	req.rate_hz = d->s->converge.rate_hz;
	req.ttl = d->watch.ttl;
	req.max_ms = (uint64_t)(d->s->timeouts.operation_s +
	    d->s->timeouts.converge_s + d->s->timeouts.settle_s + 60) * 1000;
	run->t0 = clock_now(d->o->restore_clock);
	run->t0_wall = clock_wall();
	if (d->p->probe->watch_begin(d->p->probe_ctx, &req, &run->w,
	    err) < 0) {
		run->w = NULL;
		return fd_error_prefix(err, "convergence probing of %s",
		    d->s->probes[d->watch.probe].name);
	}
	return 0;
}

/* Stop the watch and store its analysis under convergence.<key>. */
void
watch_stop(struct drill *d, struct drill_watch_run *run, const char *key,
    bool returning)
{
	struct watch_samples samples = { 0 };
	struct fd_error err = { 0 };
	json_t *conv;

	if (run->w == NULL)
		return;
	if (d->p->probe->watch_end(d->p->probe_ctx, run->w, &samples,
	    &err) < 0) {
		log_warn("convergence probing failed: %s", err.msg);
		run->w = NULL;
		return;
	}
	run->w = NULL;
	conv = drill_watch_json(&d->watch, &samples, run->t0,
	    d->s->converge.stable_ms, returning, &run->result);
	run->analysed = conv != NULL;
	if (conv != NULL) {
		char a[FD_ADDR_STRLEN];

		json_object_set_new(conv, "target", json_string(addr_str(
		    &d->s->probes[d->watch.probe].to, a, sizeof(a))));
		const struct spec_expect *e = !returning ? &d->s->failover :
		    d->s->restored.set ? &d->s->restored : &d->s->baseline;

		json_object_set_new(conv, "probe",
		    json_string(d->s->probes[d->watch.probe].name));
		/* When the ARM write was sent (the timeline's 0) and the
		 * spec's limit, for the report to draw. */
		json_object_set_new(conv, "t0", json_time(run->t0_wall));
		json_object_set_new(conv, "limit_s", e->converge_within_s ?
		    json_integer(e->converge_within_s) : json_null());
		json_object_set_new(json_object_get(d->doc, "convergence"),
		    key, conv);
	}
	watch_samples_done(&samples);
}

/*
 * How long to wait between re-traces while a path is expected to change.
 * Routers answer time-exceeded from a token bucket: Linux refills one a
 * second per destination after a burst of six (net/ipv4/icmp.c,
 * icmpv4_xrlim_allow), edge routers police harder.  Every traced probe
 * asks each router on its path, so re-tracing faster than one probe's
 * worth a second starves the routers' buckets and the traces fill with
 * stars that are rate limits, not path changes.
 */
unsigned
retrace_wait_ms(const struct drill *d)
{
	unsigned n = d->s->n_probes > 0 ? (unsigned)d->s->n_probes : 1;
	unsigned ms = 1000 * (n < 5 ? n : 5);

	return d->o->retrace_ms > ms ? d->o->retrace_ms : ms;
}

/* How often a wait between re-traces looks at the watch: a path change the
 * prober sees is re-traced within this (bench/drill.sh: on the beat alone,
 * verify-restored's second trace came up to a whole second after the
 * failback). */
#define RETRACE_LOOK_MS 20
/* An early re-trace comes no sooner than this after the last trace began:
 * one refill of a Linux router's ICMP bucket (net.ipv4.icmp_ratelimit,
 * 1000 ms; net/ipv4/icmp.c icmpv4_xrlim_allow), so the destination, whose
 * bucket every probe past it drew on, has a token to answer with.  The
 * provider's model (trace_ready_ms) sees only the answers a trace read. */
#define RETRACE_REFILL_MS 1000

/*
 * Why the watch-prompted traces do not starve the routers' ICMP buckets
 * (Linux: a burst of 6, then one a second; the lab's MSEEs police
 * time-exceeded at 2/s).  Every trace asks the hops all paths share (the
 * on-prem edge) and, with each probe beyond it, the destination, so a
 * trace right after another finds them silent (bench/drill.sh: 40 ms after
 * the first, the early one saw neither and took 3 s).  Hence: no first
 * trace while the watch still sees the old path (it would only show that
 * path, and empty the buckets for the one that follows), an early trace
 * not before the routers can answer again (probe_ops trace_ready_ms) nor
 * sooner than a refill after the last (RETRACE_REFILL_MS), and at most
 * one early trace a beat (woke_early).  A hop a trace still finds
 * silent is what the tracer handles: asked again after a refill when our
 * own traces may have drained it (tracer.h, struct tracer_hist).
 */

void
retrace_wait_init(struct retrace_wait *rw, struct drill_watch_run *run,
    bool returning)
{
	memset(rw, 0, sizeof(*rw));
	rw->run = run;
	rw->returning = returning;
}

void
retrace_wait_done(struct retrace_wait *rw)
{
	if (rw != NULL)
		watch_samples_done(&rw->seen);
}

/* Bring rw->seen up to date.  A sample may get its answers up to
 * WATCH_REPLY_MS after it is taken: the newest ones are peeked again (twice
 * that, so a late prober's clock loses none). */
static int
retrace_peek(struct drill *d, struct retrace_wait *rw, struct fd_error *err)
{
	size_t from = rw->seen.n;

	if (from > 0) {
		uint64_t newest = rw->seen.v[from - 1].t_ms;

		while (from > 0 && rw->seen.v[from - 1].t_ms +
		    2 * WATCH_REPLY_MS > newest)
			from--;
	}
	rw->seen.n = from;
	return d->p->probe->watch_peek(d->p->probe_ctx, rw->run->w, from,
	    &rw->seen, err);
}

/* May the waits look at the watch at all? */
static bool
retrace_can_look(const struct drill *d, const struct retrace_wait *rw)
{
	const struct probe_ops *ops = d->p->probe;

	return rw->run != NULL && rw->run->w != NULL && d->watch.probe >= 0 &&
	    ops->watch_peek != NULL && ops->trace_ready_ms != NULL;
}

/*
 * Sleep until end on clk, looking at the watch every RETRACE_LOOK_MS: once
 * it shows the path arrived (in a run begun at or after since_ms), end
 * there instead, or once the routers can answer a trace again
 * (trace_ready_ms) and not before floor, if that is before end.  *early:
 * it ended early.
 */
static int
look_until(struct drill *d, struct retrace_wait *rw,
    const struct fd_clock *clk, uint64_t end, uint64_t since_ms,
    uint64_t floor, bool *early)
{
	uint64_t now = clock_now(clk), wake;

	*early = false;
	while (now < end) {
		struct fd_error err = { 0 };

		if (clock_sleep(clk, end - now < RETRACE_LOOK_MS ? end - now :
		    RETRACE_LOOK_MS) < 0)
			return -ECANCELED;
		now = clock_now(clk);
		if (retrace_peek(d, rw, &err) < 0) {
			log_debug("watch peek: %s; tracing on the beat",
			    err.msg);
			break;
		}
		if (!drill_watch_arrived(&d->watch, &rw->seen, rw->run->t0,
		    rw->returning, since_ms))
			continue;
		/* Not before the routers can answer again. */
		wake = now + d->p->probe->trace_ready_ms(d->p->probe_ctx);
		if (wake < floor)
			wake = floor;
		if (wake >= end) {
			log_debug("the watched probe sees the %s path; the "
			    "routers' ICMP limits allow a trace only on the "
			    "beat", rw->returning ? "primary" : "backup");
			break;
		}
		log_debug("the watched probe sees the %s path: tracing in "
		    "%llu ms", rw->returning ? "primary" : "backup",
		    (unsigned long long)(wake - now));
		*early = true;
		end = wake;
		break;
	}
	return now < end ? clock_sleep(clk, end - now) : 0;
}

int
retrace_wait(struct drill *d, struct retrace_wait *rw,
    const struct fd_clock *clk)
{
	uint64_t end = clock_now(clk) + retrace_wait_ms(d);
	bool early = false;
	int rc;

	if (!retrace_can_look(d, rw) || rw->woke_early) {
		rw->woke_early = false;
		return clock_sleep(clk, end - clock_now(clk));
	}
	rc = look_until(d, rw, clk, end, rw->traced_ms, rw->traced_ms +
	    RETRACE_REFILL_MS, &early);
	rw->woke_early = early;
	return rc;
}

int
retrace_wait_first(struct drill *d, struct retrace_wait *rw,
    const struct fd_clock *clk)
{
	struct fd_error err = { 0 };
	bool early;

	if (!retrace_can_look(d, rw))
		return 0;
	if (retrace_peek(d, rw, &err) < 0 || !drill_watch_still(&d->watch,
	    &rw->seen, rw->run->t0, rw->returning))
		return 0;
	log_debug("the watched probe still sees the %s path: waiting for it "
	    "to move, at most %u ms", rw->returning ? "backup" : "primary",
	    retrace_wait_ms(d));
	return look_until(d, rw, clk, clock_now(clk) + retrace_wait_ms(d), 0,
	    0, &early);
}

