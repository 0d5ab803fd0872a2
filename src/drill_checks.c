/*
 * The drill's checks: what the spec says to read (devices in parallel,
 * one thread per device, while the Azure reads run on their own
 * threads), read off the drill's thread and recorded on it afterwards,
 * in spec order; what the reads mean is drill_verdict.c's.
 */
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drill_priv.h"
#include "log.h"
#include "collect.h"

void
check_name(const struct spec_check *c, char *buf, size_t len)
{
	char a[FD_ADDR_STRLEN], p[FD_PREFIX_STRLEN];

	addr_str(&c->peer, a, sizeof(a));
	prefix_str(&c->route.prefix, p, sizeof(p));
	switch (c->kind) {
	case CHECK_DEV_ADVERTISED:
		snprintf(buf, len, "%s: routes advertised to %s", c->device,
		    a);
		break;
	case CHECK_DEV_RECEIVED:
		snprintf(buf, len, "%s: routes received from %s", c->device,
		    a);
		break;
	case CHECK_DEV_BGP:
		snprintf(buf, len, "%s: BGP sessions established", c->device);
		break;
	case CHECK_DEV_ROUTE:
		snprintf(buf, len, "%s: route %s", c->device, p);
		break;
	case CHECK_AZ_LEARNED:
		if (addr_is_set(&c->route.prefix.addr))
			snprintf(buf, len, "azure: gateway learned %s", p);
		else
			snprintf(buf, len, "azure: gateway learned routes");
		break;
	case CHECK_AZ_ADVERTISED:
		snprintf(buf, len, "azure: gateway advertises to %s", a);
		break;
	case CHECK_AZ_BGP:
		snprintf(buf, len, "azure: gateway BGP peers established");
		break;
	case CHECK_AZ_CIRCUIT:
		snprintf(buf, len, "azure: circuit and peering healthy");
		break;
	case CHECK_AZ_PERMISSIONS:
		snprintf(buf, len, "azure: principal may run the drill");
		break;
	case CHECK_AZ_LINKS:
		snprintf(buf, len, "azure: Primary and Secondary links up");
		break;
	case CHECK_AZ_VPN:
		snprintf(buf, len, "azure: VPN connections connected");
		break;
	case CHECK_AZ_LINK_TEST:
		snprintf(buf, len, "azure: no Microsoft link-failover test "
		    "running");
		break;
	}
}

static bool
is_device_check(const struct spec_check *c)
{
	return c->kind == CHECK_DEV_ADVERTISED || c->kind == CHECK_DEV_RECEIVED ||
	    c->kind == CHECK_DEV_BGP || c->kind == CHECK_DEV_ROUTE;
}

/* The device query a check needs, as a parallel collection job. */
static void
device_job(struct drill *d, const struct spec_check *c, int di,
    struct collect_job *j)
{
	static const enum collect_kind kinds[] = {
		[CHECK_DEV_ADVERTISED] = COLLECT_ADVERTISED,
		[CHECK_DEV_RECEIVED] = COLLECT_RECEIVED,
		[CHECK_DEV_BGP] = COLLECT_BGP_SUMMARY,
		[CHECK_DEV_ROUTE] = COLLECT_ROUTES,
	};

	collect_job_init(j, d->p->dev[di], d->p->dev_ctx[di], c->device,
	    kinds[c->kind]);
	snprintf(j->table, sizeof(j->table), "%s", c->table);
	snprintf(j->instance, sizeof(j->instance), "%s",
	    d->s->devices[di].routing_instance);
	j->addr = c->peer;
	if (c->kind == CHECK_DEV_ROUTE) {
		j->has_prefix = true;
		j->prefix = c->route.prefix;
	}
}

/* The Azure checks of one read (the spec's, and in preflight the implicit
 * ones before them and baseline's after them), made on their own thread
 * while the devices are collected. */
#define AZ_MAX (2 * SPEC_MAX_CHECKS + 2)

struct azure_batch {
	struct drill *d;
	const struct spec_check *v[AZ_MAX];
	unsigned n;
	/* The first n_always run even after a signal (the implicit circuit
	 * check was always read, once). */
	unsigned n_always;
	/* The first n_keep are preflight's: its circuit read is what
	 * restore puts back (d->before). */
	unsigned n_keep;
	int rc[AZ_MAX];
	struct fd_error err[AZ_MAX];
	double secs[AZ_MAX];
	/* Preflight: who the drill acts as (identity()), on the main
	 * context after its check. */
	bool identity, id_read;
	int id_rc;
	struct cloud_identity id;
	struct fd_error id_err;
};

/* One Azure check on a context of its own (parallel_reads). */
struct azure_one {
	struct azure_batch *b;
	unsigned i;
	void *ctx;
	pthread_t th;
	bool threaded;
	bool serial;		/* still to run, on the main context */
};

static void *
azure_one_run(void *arg)
{
	struct azure_one *o = arg;
	struct azure_batch *b = o->b;
	double t0 = clock_wall();

	b->rc[o->i] = azure_verdict_on(b->d, o->ctx, b->v[o->i],
	    o->i < b->n_keep, &b->err[o->i]);
	b->secs[o->i] = clock_wall() - t0;
	return NULL;
}

/* A concurrent read on a context of its own, opened (or taken from the
 * pool) in this thread so the opens overlap too; none to be had: the
 * read waits for the main context. */
static void *
azure_one_thread(void *arg)
{
	struct azure_one *o = arg;

	if ((o->ctx = cloud_ctx_more(o->b->d)) == NULL) {
		o->serial = true;
		return NULL;
	}
	azure_one_run(o);
	cloud_ctx_done(o->b->d, o->ctx);
	return NULL;
}

/*
 * The Azure checks of a batch.  Each read action is an operation that
 * waits ARM's Retry-After (10 s), so with a provider that allows it
 * (parallel_reads) every check runs at once on a context of its own: a
 * preflight costs its slowest read, not the sum (issue 11).  Otherwise
 * one after the other.  Results land in spec order either way.
 */
static void *
azure_batch_run(void *arg)
{
	struct azure_batch *b = arg;
	struct drill *d = b->d;
	struct azure_one one[AZ_MAX];
	unsigned i, n = 0;

	for (i = 0; i < b->n && i < AZ_MAX; i++) {
		b->secs[i] = -1;
		if (is_device_check(b->v[i]) || (i >= b->n_always &&
		    !d->judging && clock_cancelled(d->o->clock)))
			continue;
		one[n].b = b;
		one[n].i = i;
		one[n].ctx = NULL;
		one[n].serial = false;
		/* The first check reads on the main context. */
		one[n].threaded = n > 0 && d->p->cloud->parallel_reads &&
		    pthread_create(&one[n].th, NULL, azure_one_thread,
		    &one[n]) == 0;
		n++;
	}
	for (i = 0; i < n; i++) {
		if (one[i].threaded)
			continue;
		one[i].ctx = d->p->cloud_ctx;
		azure_one_run(&one[i]);
	}
	/* The main context is free again while the others read. */
	if (b->identity && d->p->cloud->identity != NULL &&
	    !cancel_pending(d)) {
		b->id_rc = d->p->cloud->identity(d->p->cloud_ctx, &b->id,
		    &b->id_err);
		b->id_read = true;
	}
	for (i = 0; i < n; i++) {
		if (!one[i].threaded)
			continue;
		pthread_join(one[i].th, NULL);
		if (one[i].serial) {
			one[i].ctx = d->p->cloud_ctx;
			azure_one_run(&one[i]);
		}
	}
	return NULL;
}

/*
 * What a run of checks reads, collected off the drill's thread and
 * recorded on it afterwards (record_check() writes the result document
 * and is not thread-safe).  In preflight also the implicit Azure checks,
 * who the drill acts as, and every device's login, which its queries
 * follow on the device's own thread as soon as it succeeded.
 */
struct checks_read {
	struct drill *d;
	const struct spec_check *v;	/* the spec's checks */
	unsigned n;
	struct spec_check implicit[2];
	unsigned n_implicit;		/* az.v[0 .. n_implicit) */
	unsigned n_logins;		/* jobs[0 .. n_logins): devices */
	struct collect_job *jobs;
	unsigned nj;
	int ji[SPEC_MAX_CHECKS];	/* v[i]'s job, or -1 */
	struct azure_batch az;		/* az.v[n_implicit + i] = &v[i] */
	bool az_read;			/* read already (baseline's, in
					 * preflight) */
	bool dev_read;			/* its device queries too, their
					 * replies saved in rec_dir */
	char rec_dir[PATH_MAX];
	bool preflight;
	/* Preflight: baseline's checks, whose Azure ones are read in this
	 * batch too, at az.v[n_implicit + n + i]. */
	struct checks_read *next;
};

/* The implicit checks of preflight: the circuit always, first, once,
 * whether or not the spec lists it; so are the principal's permissions,
 * when the provider can tell: the nightly dry run then reports a removed
 * role long before the window. */
static void
implicit_checks(struct drill *d, struct checks_read *r)
{
	static const enum check_kind kinds[] = { CHECK_AZ_CIRCUIT,
		CHECK_AZ_PERMISSIONS };
	unsigned i, k;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < d->s->n_preflight; i++)
			if (d->s->preflight[i].kind == kinds[k])
				break;
		if (i < d->s->n_preflight || (kinds[k] ==
		    CHECK_AZ_PERMISSIONS && d->p->cloud->permissions == NULL))
			continue;
		memset(&r->implicit[r->n_implicit], 0,
		    sizeof(r->implicit[0]));
		r->implicit[r->n_implicit].kind = kinds[k];
		r->az.v[r->n_implicit] = &r->implicit[r->n_implicit];
		r->n_implicit++;
	}
	/* The circuit check is made even after a signal, as before. */
	r->az.n_always = r->n_implicit > 0 &&
	    r->implicit[0].kind == CHECK_AZ_CIRCUIT ? 1 : 0;
}

void
checks_read_free(struct checks_read *r)
{
	unsigned i;

	if (r == NULL)
		return;
	checks_read_free(r->next);
	for (i = 0; i < r->nj; i++)
		collect_job_done(&r->jobs[i]);
	free(r->jobs);
	free(r);
}

/* The device queries of the checks, on the devices that are up (in
 * preflight each after its device's login, on the same thread). */
static void
checks_read_devices(struct checks_read *r)
{
	struct drill *d = r->d;
	const struct spec_check *v = r->v;
	unsigned i;

	for (i = 0; i < r->n; i++) {
		int di = is_device_check(&v[i]) ? dev_index(d->s,
		    v[i].device) : -1;

		r->ji[i] = -1;
		if (di < 0 || d->p->dev[di] == NULL || d->dev_down[di])
			continue;
		device_job(d, &v[i], di, &r->jobs[r->nj]);
		/* A device that did not log in is not queried. */
		if (r->preflight)
			r->jobs[r->nj].after = &r->jobs[di];
		r->ji[i] = (int)r->nj++;
	}
}

/* What to read for checks v[0 .. n); preflight: with the implicit checks,
 * the identity and the logins.  devices: the device queries too (else
 * checks_read_devices() later).  NULL: out of memory. */
static struct checks_read *
checks_read_new(struct drill *d, const struct spec_check *v, unsigned n,
    bool preflight, bool devices)
{
	struct checks_read *r;
	unsigned i, nd = preflight ? (unsigned)d->s->n_devices : 0;
	/* Preflight: room for baseline's device queries too
	 * (checks_read_append()). */
	unsigned extra = preflight ? d->s->baseline.n_checks : 0;

	if (n > SPEC_MAX_CHECKS)
		n = SPEC_MAX_CHECKS;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->jobs = calloc(nd + n + extra + 1, sizeof(*r->jobs));
	if (r->jobs == NULL) {
		free(r);
		return NULL;
	}
	r->d = d;
	r->v = v;
	r->n = n;
	r->preflight = preflight;
	r->az.d = d;
	for (i = 0; i < n; i++)
		r->ji[i] = -1;
	if (preflight) {
		implicit_checks(d, r);
		r->az.identity = true;
	}
	for (i = 0; i < r->n_implicit + n; i++) {
		r->az.rc[i] = -ECANCELED;
		fd_error_set(&r->az.err[i], -ECANCELED,
		    "not run: interrupted");
	}
	/* Every device answers over SSH and says who it is ("show
	 * version"), all at once. */
	for (i = 0; i < nd; i++)
		collect_job_init(&r->jobs[r->nj++], d->p->dev[i],
		    d->p->dev_ctx[i], d->s->devices[i].name, COLLECT_INFO);
	r->n_logins = nd;
	for (i = 0; i < n; i++)
		r->az.v[r->n_implicit + i] = &v[i];
	r->az.n = r->n_implicit + n;
	r->az.n_keep = preflight ? r->az.n : 0;
	if (devices)
		checks_read_devices(r);
	return r;
}

/* Baseline's checks (next, made without its device queries) read in
 * preflight's batch: its Azure checks appended to the Azure batch, its
 * device queries to the jobs, each after its device's login on that
 * device's thread (a device that did not log in fails preflight, and
 * baseline never runs); taken back by checks_next_results() once read. */
static void
checks_read_append(struct checks_read *r, struct checks_read *next)
{
	struct drill *d = r->d;
	const char *dir;
	unsigned i;

	next->dev_read = true;
	/* Their replies go where baseline's own would (replies.h). */
	dir = replies_dir(d->o->out_dir, "baseline", next->rec_dir,
	    sizeof(next->rec_dir));
	for (i = 0; i < next->n; i++) {
		const struct spec_check *c = &next->v[i];
		int di = is_device_check(c) ? dev_index(d->s, c->device) : -1;

		next->ji[i] = -1;
		if (di < 0 || d->p->dev[di] == NULL ||
		    di >= (int)r->n_logins)
			continue;
		device_job(d, c, di, &r->jobs[r->nj]);
		r->jobs[r->nj].after = &r->jobs[di];
		r->jobs[r->nj].record_dir = dir;
		r->jobs[r->nj].record_budget = &d->replies;
		next->ji[i] = (int)r->nj++;
	}
	r->next = next;
	for (i = 0; i < next->n && r->az.n < AZ_MAX; i++) {
		r->az.v[r->az.n] = &next->v[i];
		r->az.rc[r->az.n] = -ECANCELED;
		fd_error_set(&r->az.err[r->az.n], -ECANCELED,
		    "not run: interrupted");
		r->az.n++;
	}
}

static struct checks_read *
checks_next_results(struct checks_read *r)
{
	struct checks_read *next = r->next;
	unsigned i, k = r->n_implicit + r->n;

	if (next == NULL)
		return NULL;
	r->next = NULL;
	for (i = 0; i < next->n && k + i < r->az.n; i++) {
		next->az.rc[i] = r->az.rc[k + i];
		next->az.err[i] = r->az.err[k + i];
		next->az.secs[i] = r->az.secs[k + i];
	}
	next->az_read = true;
	if (!next->dev_read)
		return next;
	/* Its device queries ran among preflight's jobs: move them over
	 * (their results are theirs now; the login they followed stays). */
	for (i = 0; i < next->n; i++) {
		struct collect_job *j;

		if (next->ji[i] < 0)
			continue;
		j = &next->jobs[next->nj];
		*j = r->jobs[next->ji[i]];
		j->after = NULL;
		memset(&r->jobs[next->ji[i]], 0, sizeof(*j));
		next->ji[i] = (int)next->nj++;
	}
	return next;
}

/* Read: the devices (a thread each) while the Azure checks run on a
 * thread of their own; returns when all are read.  Writes nothing of the
 * drill's but what the checks read (d->before). */
static void
checks_read_run(struct checks_read *r)
{
	struct fd_error err = { 0 };
	pthread_t th;
	bool threaded;

	threaded = !r->az_read && pthread_create(&th, NULL, azure_batch_run,
	    &r->az) == 0;
	if (r->nj > 0 && !r->dev_read)
		collect_run(r->jobs, r->nj, &err);	/* verdicts are per job */
	if (threaded)
		pthread_join(th, NULL);
	else if (!r->az_read)
		azure_batch_run(&r->az);
	r->az_read = true;
}

static void *
checks_read_thread(void *arg)
{
	checks_read_run(arg);
	return NULL;
}

/* Record the spec's checks in spec order. */
static void
checks_record(struct drill *d, struct checks_read *r)
{
	const struct spec_check *v = r->v;
	struct fd_error err = { 0 };
	char name[160];
	unsigned i;

	for (i = 0; i < r->n && !stopped(d); i++) {
		const struct collect_job *j = r->ji[i] >= 0 &&
		    !r->jobs[r->ji[i]].skipped ? &r->jobs[r->ji[i]] : NULL;
		unsigned k = r->n_implicit + i;
		json_t *rec, *obs;
		int rc, di;

		fd_error_clear(&err);
		check_name(&v[i], name, sizeof(name));
		if (!is_device_check(&v[i])) {
			rc = r->az.rc[k];
			err = r->az.err[k];
		} else if (j != NULL) {
			rc = device_verdict(&v[i], &r->jobs[r->ji[i]], &err);
		} else {
			di = dev_index(d->s, v[i].device);
			rc = fd_error_set(&err, -EHOSTUNREACH, "%s",
			    di < 0 ? "no such device" : "device unreachable");
		}
		rec = record_check(d, name, rc, err.msg, v[i].line);
		check_time(rec, !is_device_check(&v[i]) ? r->az.secs[k] :
		    j != NULL ? (double)j->elapsed_ms / 1000 : -1);
		if (j != NULL && (obs = device_observed(&v[i], j)) != NULL)
			json_object_set_new(rec, "observed", obs);
		/* Machine keys for the reports' route evidence (issue 13),
		 * so rows group by device, table and prefix, never by the
		 * check's name. */
		if (v[i].kind == CHECK_DEV_ROUTE) {
			json_object_set_new(rec, "device",
			    json_string(v[i].device));
			json_object_set_new(rec, "prefix", json_string(
			    prefix_str(&v[i].route.prefix, name,
			    sizeof(name))));
			if (v[i].table[0] != '\0')
				json_object_set_new(rec, "table",
				    json_string(v[i].table));
		}
	}
}

struct checks_read *
checks_read_begin(struct drill *d, const struct spec_check *v, unsigned n)
{
	struct checks_read *r;
	struct fd_error err = { 0 };

	if (n == 0 || stopped(d))
		return NULL;
	if ((r = checks_read_new(d, v, n, false, true)) == NULL) {
		fd_error_set(&err, -ENOMEM, "out of memory");
		phase_error(d, &err);
	}
	return r;
}

/* Baseline's checks as preflight read them (their Azure checks), with
 * the device queries still to make; NULL when there is nothing. */
struct checks_read *
checks_read_resume(struct drill *d, struct checks_read *r)
{
	if (r != NULL && (r->n == 0 || stopped(d))) {
		checks_read_free(r);
		r = NULL;
	}
	if (r != NULL && !r->dev_read)
		checks_read_devices(r);
	return r;
}

void
checks_read(struct checks_read *r)
{
	if (r != NULL)
		checks_read_run(r);
}

void
checks_read_end(struct drill *d, struct checks_read *r)
{
	if (r == NULL)
		return;
	checks_record(d, r);
	checks_read_free(r);
}

/*
 * Run checks and record them in spec order.  The device queries are
 * collected in parallel (one thread per device) while the Azure checks run
 * on a thread of their own: a phase costs its slowest source, not the sum.
 */
void
run_checks(struct drill *d, const struct spec_check *v, unsigned n)
{
	struct checks_read *r = checks_read_begin(d, v, n);

	checks_read(r);
	checks_read_end(d, r);
}

/* Every watched target must answer its end-to-end probe before anything
 * changes: a target that drops the method (a Windows VM drops echo and UDP)
 * would read as "all lost" during converge. */
#define REACH_PROBES 5

struct reach_one {
	unsigned probe;
	int rc;
	unsigned answered;
	struct fd_error err;
	char name[160];
};

struct reach_read {
	unsigned n;
	struct reach_one r[SPEC_MAX_PROBES];
};

/* The probes' answers; reads only (the probe provider keeps its own
 * time, not the drill's clock). */
static void
reach_read(struct drill *d, struct reach_read *rr)
{
	unsigned i;

	rr->n = 0;
	if (d->p->probe == NULL || d->p->probe->reach == NULL)
		return;
	for (i = 0; i < d->s->n_probes && !cancel_pending(d); i++) {
		const struct spec_probe *sp = &d->s->probes[i];
		struct reach_one *o = &rr->r[rr->n];
		struct watch_req req;
		char a[FD_ADDR_STRLEN];

		if (!sp->watch || sp->from[0] != '\0')
			continue;
		memset(o, 0, sizeof(*o));
		o->probe = i;
		memset(&req, 0, sizeof(req));
		req.target = sp->to;
		req.method = sp->method;
		req.port = sp->port;
		req.rate_hz = d->s->converge.rate_hz;
		if (sp->method == PROBE_METHOD_TCP)
			snprintf(o->name, sizeof(o->name), "probe %s: %s "
			    "answers tcp port %u", sp->name, addr_str(&sp->to,
			    a, sizeof(a)), sp->port);
		else
			snprintf(o->name, sizeof(o->name), "probe %s: %s "
			    "answers %s", sp->name, addr_str(&sp->to, a,
			    sizeof(a)), probe_method_str(sp->method));
		o->rc = d->p->probe->reach(d->p->probe_ctx, &req, REACH_PROBES,
		    &o->answered, &o->err);
		if (o->rc == 0 && o->answered == 0)
			snprintf(o->err.msg, sizeof(o->err.msg), "none of %u "
			    "%s probes answered: the watched target must "
			    "answer method %s (see failover-drill.json(5))",
			    REACH_PROBES, probe_method_str(sp->method),
			    probe_method_str(sp->method));
		rr->n++;
	}
}

static void
reach_record(struct drill *d, const struct reach_read *rr)
{
	unsigned i;

	for (i = 0; i < rr->n && !cancelled(d); i++) {
		const struct reach_one *o = &rr->r[i];

		record_check(d, o->name, o->rc < 0 ? o->rc : o->answered > 0 ?
		    0 : -EBADMSG, o->err.msg, 0);
	}
}

/*
 * Who the drill acts as in Azure, for the change record: noted as
 * azure.identity, which `run` moves to evidence.azure_identity.  The
 * provider's answer, or why it has none; never the credential itself.
 */
static void
identity_record(struct drill *d, const struct azure_batch *b)
{
	const struct cloud_identity *id = &b->id;
	json_t *o;

	if (!b->id_read)
		return;
	if (b->id_rc < 0) {
		log_info("azure: identity unknown: %s", b->id_err.msg);
		o = json_pack("{s:s}", "unknown", b->id_err.msg);
	} else {
		o = json_pack("{s:s*, s:s*, s:s*, s:s*, s:s*}",
		    "app_id", id->app_id[0] ? id->app_id : NULL,
		    "object_id", id->object_id[0] ? id->object_id : NULL,
		    "tenant_id", id->tenant_id[0] ? id->tenant_id : NULL,
		    "type", id->type[0] ? id->type : NULL,
		    "name", id->name[0] ? id->name : NULL);
	}
	json_object_set_new(json_object_get(d->doc, "azure"), "identity", o);
}

/* Every device's login, recorded; a device that did not log in is left
 * out of later queries. */
static void
logins_record(struct drill *d, const struct checks_read *r)
{
	char name[96];
	unsigned i;

	for (i = 0; i < r->n_logins; i++) {
		const struct collect_job *j = &r->jobs[i];

		snprintf(name, sizeof(name), "%s: reachable over SSH",
		    d->s->devices[i].name);
		d->dev_down[i] = j->rc < 0;
		check_time(record_check(d, name, j->rc, j->err.msg, 0),
		    (double)j->elapsed_ms / 1000);
		if (j->rc == 0)
			log_info("%s: %s %s%s%s%s", d->s->devices[i].name,
			    j->info.model, j->info.version,
			    j->info.nodes[0] ? " (cluster: " : "",
			    j->info.nodes, j->info.nodes[0] ? ")" : "");
	}
}

/*
 * Preflight's reads, all at once: the Azure checks (the implicit ones and
 * the spec's) and who the drill acts as on one thread, the devices'
 * logins each followed by that device's queries on another, the watched
 * targets' answers on the drill's own.  Recorded afterwards in the order
 * they always had: the implicit checks, the identity, the logins, the
 * targets, the spec's checks.
 */
void
preflight_checks(struct drill *d)
{
	const struct spec_expect *b = &d->s->baseline;
	struct checks_read *r, *next;
	struct paths_read *bp;
	struct reach_read rr;
	struct fd_error err = { 0 };
	char name[160];
	pthread_t th, bth;
	bool threaded, bthreaded = false;
	unsigned i;

	r = checks_read_new(d, d->s->preflight, d->s->n_preflight, true,
	    true);
	if (r == NULL) {
		fd_error_set(&err, -ENOMEM, "out of memory");
		phase_error(d, &err);
		return;
	}
	/* Baseline's reads that need nothing preflight finds: its Azure
	 * checks, in this batch; its device queries, each after its
	 * device's login; its probe provider's traces, on a thread of
	 * their own.  Only read: baseline records them once preflight
	 * passed (drill_run aborts before it otherwise). */
	if ((next = checks_read_new(d, b->checks, b->n_checks, false,
	    false)) != NULL)
		checks_read_append(r, next);
	if ((bp = paths_prefetch(d, b)) != NULL &&
	    !(bthreaded = pthread_create(&bth, NULL, paths_read_native,
	    bp) == 0)) {
		paths_read_free(bp);
		bp = NULL;
	}
	threaded = pthread_create(&th, NULL, checks_read_thread, r) == 0;
	reach_read(d, &rr);
	if (threaded)
		pthread_join(th, NULL);
	else
		checks_read_run(r);
	if (bthreaded)
		pthread_join(bth, NULL);
	checks_read_free(d->pre_checks);
	d->pre_checks = checks_next_results(r);
	paths_read_free(d->pre_paths);
	d->pre_paths = bp;
	for (i = 0; i < r->n_implicit; i++) {
		if (r->implicit[i].kind == CHECK_AZ_PERMISSIONS &&
		    cancelled(d))
			continue;
		check_name(&r->implicit[i], name, sizeof(name));
		record_check(d, name, r->az.rc[i], r->az.err[i].msg, 0);
	}
	if (!cancelled(d))
		identity_record(d, &r->az);
	if (r->n_logins > 0 && !cancelled(d))
		logins_record(d, r);
	reach_record(d, &rr);
	if (r->n > 0 && !stopped(d))
		checks_record(d, r);
	checks_read_free(r);
}
