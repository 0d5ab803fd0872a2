/*
 * The drill engine's run (drill.h): the phases of drill_phases[] in
 * order, the result document, the exit status; the helpers its files
 * share (drill_priv.h).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drill_priv.h"
#include "journal.h"
#include "log.h"
#include "result.h"

/* ------------------------------------------------------------ helpers */

/*
 * Device sessions idle while the drill waits (settle, converge, the ARM
 * operation, restore's backoff), and idle SSH sessions get dropped (sshd's
 * ClientAliveInterval, stateful firewalls).  Every wait of the drill goes
 * through this clock, which gives each device's idle() a turn about once
 * a second.  Only on the drill's own thread: collector threads use the
 * devices while the Azure checks run on another thread.  The drill's clock
 * and the restore clock share one schedule (*last): each on its own gave
 * the devices two turns within 200 ms when a phase on one followed a
 * phase on the other.
 */
struct idle_clock {
	struct fd_clock clock;
	const struct fd_clock *inner;
	const struct drill_providers *p;
	uint64_t *last;
	pthread_t owner;
};

static uint64_t
idle_now(void *ctx)
{
	struct idle_clock *ic = ctx;

	return clock_now(ic->inner);
}

static void
idle_sleep(void *ctx, uint64_t ms)
{
	struct idle_clock *ic = ctx;
	uint64_t now;
	unsigned i;

	ic->inner->sleep_ms(ic->inner->ctx, ms);
	now = clock_now(ic->inner);
	if (now - *ic->last < 1000 ||
	    !pthread_equal(pthread_self(), ic->owner))
		return;
	*ic->last = now;
	for (i = 0; i < SPEC_MAX_DEVICES; i++)
		if (ic->p->dev[i] != NULL && ic->p->dev[i]->idle != NULL)
			ic->p->dev[i]->idle(ic->p->dev_ctx[i]);
}

static void
idle_clock_init(struct idle_clock *ic, const struct fd_clock *inner,
    const struct drill_providers *p, uint64_t *last)
{
	ic->inner = inner;
	ic->p = p;
	ic->last = last;
	ic->owner = pthread_self();
	ic->clock.now_ms = idle_now;
	ic->clock.sleep_ms = idle_sleep;
	ic->clock.ctx = ic;
	ic->clock.cancel = inner->cancel;
}

static void
iso_time(double t, char *buf, size_t len)
{
	time_t s = (time_t)t;
	struct tm tm;
	char base[32];

	gmtime_r(&s, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", base, (int)((t - (double)s) * 1000));
}

json_t *
json_time(double t)
{
	char buf[40];

	iso_time(t, buf, sizeof(buf));
	return json_string(buf);
}

/* Only the first error becomes the headline. */
void
set_error(struct drill *d, const char *fmt, ...)
{
	va_list ap;

	if (d->error[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(d->error, sizeof(d->error), fmt, ap);
	va_end(ap);
}
bool
cancelled(struct drill *d)
{
	if (!d->interrupted && !d->restoring && d->deadline != 0 &&
	    clock_now(d->o->clock) > d->deadline) {
		d->interrupted = true;
		log_warn("the drill deadline (%u s) passed during %s",
		    d->s->timeouts.drill_s, d->phase);
		set_error(d, "the drill deadline (%u s) passed during %s",
		    d->s->timeouts.drill_s, d->phase);
	}
	if (!d->interrupted && clock_cancelled(d->o->clock)) {
		d->interrupted = true;
		log_warn("interrupted by a signal during %s", d->phase);
		set_error(d, "interrupted by a signal during %s", d->phase);
	}
	return d->interrupted;
}

/*
 * Whether cancelled() would say so, without noting it: for the threads
 * that read while the drill's own thread waits for them (cancelled()
 * writes the run's state and headline; the drill's thread notes it when
 * it records).
 */
bool
cancel_pending(const struct drill *d)
{
	return d->interrupted || clock_cancelled(d->o->clock) ||
	    (!d->restoring && d->deadline != 0 &&
	    clock_now(d->o->clock) > d->deadline);
}

int
dev_index(const struct spec *s, const char *name)
{
	unsigned i;

	for (i = 0; i < s->n_devices; i++)
		if (strcmp(s->devices[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
probe_index(const struct spec *s, const char *name)
{
	unsigned i;

	for (i = 0; i < s->n_probes; i++)
		if (strcmp(s->probes[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Stop reading and judging: cancelled, unless verify-restored runs on
 * after a signal to show whether traffic came back. */
bool
stopped(struct drill *d)
{
	return cancelled(d) && !d->judging;
}

/* The clock the cloud provider's own waits run on from now. */
void
cloud_clock(struct drill *d, const struct fd_clock *clock)
{
	d->cloud_clk = clock;
	if (d->p->cloud->set_clock != NULL)
		d->p->cloud->set_clock(d->p->cloud_ctx, clock);
}

/*
 * One more provider context for a concurrent read (cloud_ops
 * parallel_reads), on the provider's current clock; NULL when the
 * provider has none to give or it cannot be opened: the caller reads on
 * the main context, one read after the other.
 */
void *
cloud_ctx_more(struct drill *d)
{
	const struct fd_clock *clk;
	struct fd_error err = { 0 };
	void *ctx = NULL;

	if (!d->p->cloud->parallel_reads)
		return NULL;
	pthread_mutex_lock(&d->pool_mu);
	if (d->n_pool > 0)
		ctx = d->pool[--d->n_pool];
	clk = d->cloud_clk ? d->cloud_clk : d->o->restore_clock;
	pthread_mutex_unlock(&d->pool_mu);
	if (ctx != NULL) {
		/* A later phase may run on another clock (restore's). */
		if (d->p->cloud->set_clock != NULL)
			d->p->cloud->set_clock(ctx, clk);
		return ctx;
	}
	if (d->p->cloud->open(&d->s->azure, clk, d->o->correlation_id, &ctx,
	    &err) < 0) {
		log_debug("azure: reading serially: %s", err.msg);
		return NULL;
	}
	return ctx;
}

void
cloud_ctx_done(struct drill *d, void *ctx)
{
	if (ctx == NULL)
		return;
	pthread_mutex_lock(&d->pool_mu);
	if (d->n_pool < SPEC_MAX_CHECKS) {
		d->pool[d->n_pool++] = ctx;
		ctx = NULL;
	}
	pthread_mutex_unlock(&d->pool_mu);
	if (ctx != NULL)
		d->p->cloud->close(ctx);
}

void
cloud_ctx_pool_close(struct drill *d)
{
	while (d->n_pool > 0)
		d->p->cloud->close(d->pool[--d->n_pool]);
}

/* ------------------------------------------------------------ phases */

void
phase_begin(struct drill *d, const char *name)
{
	log_transition(d->phase ? d->phase : "start", name);
	d->phase = name;
	replies_phase(d->p->dev, d->p->dev_ctx, SPEC_MAX_DEVICES,
	    d->o->out_dir, name, &d->replies);
	d->phase_t0 = clock_wall();
	d->phase_failed = 0;
	d->phase_error[0] = '\0';
	d->phase_obj = json_pack("{s:s, s:o}", "name", name, "started",
	    json_time(d->phase_t0));
	json_array_append_new(d->phases, d->phase_obj);
}

/* A provider or infrastructure error in the current phase. */
void
phase_error(struct drill *d, const struct fd_error *err)
{
	log_error("%s: %s", d->phase, err->msg);
	d->infra_error = true;
	if (d->phase_error[0] == '\0')
		snprintf(d->phase_error, sizeof(d->phase_error), "%s",
		    err->msg);
	set_error(d, "%s", err->msg);
}

/* Close the phase; 0 when it passed. */
int
phase_end(struct drill *d)
{
	const char *status = "ok";
	char msg[FD_ERROR_MSG] = "";

	if (d->phase_error[0]) {
		status = "error";
		snprintf(msg, sizeof(msg), "%s", d->phase_error);
	} else if (d->phase_failed > 0) {
		status = "failed";
		snprintf(msg, sizeof(msg), "%u check(s) failed",
		    d->phase_failed);
	} else if (d->interrupted && !d->restoring) {
		/* Restore and verify-restored run on after a signal and are
		 * judged on what they did. */
		status = "error";
		snprintf(msg, sizeof(msg), "interrupted");
	}
	json_object_set_new(d->phase_obj, "duration_s",
	    json_real(clock_wall() - d->phase_t0));
	json_object_set_new(d->phase_obj, "status", json_string(status));
	if (msg[0])
		json_object_set_new(d->phase_obj, "message", json_string(msg));
	return strcmp(status, "ok") == 0 ? 0 : -1;
}

static void
phase_skip(struct drill *d, const char *name, const char *why)
{
	json_array_append_new(d->phases, json_pack("{s:s, s:o, s:f, s:s, s:s}",
	    "name", name, "started", json_time(clock_wall()), "duration_s",
	    0.0, "status", "skipped", "message", why));
}

/*
 * A check that failed because its state could not be read (a device or
 * ARM unreachable, a login or token refused, an unknown host key, a
 * timeout) rather than because the state read differs from the spec
 * (-EBADMSG, -ENODATA) or the device is not who it should be (a changed
 * or revoked host key: transport/ssh.h): exit 5, not 3, when nothing else
 * failed.
 */
static bool
rc_unchecked(int rc)
{
	return rc < 0 && rc != -EBADMSG && rc != -ENODATA &&
	    rc != -EKEYREJECTED && rc != -EKEYREVOKED;
}

/* rc: 0 passed; <0 failed, rc_unchecked() telling why.  Returns the
 * record (owned by the document) for the caller to add its timing. */
json_t *
record_check(struct drill *d, const char *name, int rc, const char *msg,
    unsigned line)
{
	bool ok = rc == 0;
	json_t *c = json_pack("{s:s, s:s, s:b, s:i}", "phase", d->phase,
	    "name", name, "ok", ok, "line", (int)line), *prev;
	char same[FD_ERROR_MSG];
	size_t i;

	if (!ok) {
		/* A cause shared with an earlier check (the token refused,
		 * a device down) is said in full once; later checks point
		 * to it. */
		json_array_foreach(d->checks, i, prev) {
			const char *pm = json_string_value(
			    json_object_get(prev, "message"));

			if (pm != NULL && strcmp(pm, msg) == 0 &&
			    json_object_get(prev, "same_as") == NULL) {
				snprintf(same, sizeof(same), "same cause as "
				    "'%s'", json_string_value(
				    json_object_get(prev, "name")));
				json_object_set_new(c, "same_as", json_string(
				    json_string_value(json_object_get(prev,
				    "name"))));
				msg = same;
				break;
			}
		}
		json_object_set_new(c, "message", json_string(msg));
		if (rc_unchecked(rc)) {
			json_object_set_new(c, "could_not_check", json_true());
			d->unchecked++;
		}
		d->phase_failed++;
		d->failed++;
		log_warn("%s: FAIL %s: %s", d->phase, name, msg);
		if (d->error[0] == '\0')
			snprintf(d->error, sizeof(d->error), "%s: %s: %s",
			    d->phase, name, msg);
	} else {
		log_info("%s: ok   %s", d->phase, name);
	}
	json_array_append_new(d->checks, c);
	return c;
}

/* How long reading a check's state took (JUnit testcase time). */
void
check_time(json_t *c, double secs)
{
	if (c != NULL && secs >= 0)
		json_object_set_new(c, "duration_s", json_real(secs));
}

static json_t *
doc_new(struct drill *d)
{
	const struct spec *s = d->s;
	json_t *paths = json_array(), *sets = json_object(), *doc;
	unsigned i;
	char a[FD_ADDR_STRLEN];

	for (i = 0; i < s->n_probes; i++)
		json_array_append_new(paths, json_pack(
		    "{s:s, s:s, s:s, s:{s:n, s:n, s:n}}", "probe",
		    s->probes[i].name, "target", addr_str(&s->probes[i].to, a,
		    sizeof(a)), "from", s->probes[i].from, "traces",
		    "baseline", "failover", "restored"));
	/* The spec's hop sets, so a report can name a hop's role. */
	for (i = 0; i < s->sets.n; i++) {
		json_t *pfx = json_array();
		char p[FD_PREFIX_STRLEN];
		unsigned k;

		for (k = 0; k < s->sets.sets[i].n; k++)
			json_array_append_new(pfx, json_string(prefix_str(
			    &s->sets.sets[i].prefixes[k], p, sizeof(p))));
		json_object_set_new(sets, s->sets.sets[i].name, pfx);
	}
	doc = json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s, s:s, "
	    "s:s}, s:s, s:o, s:[], s:[], s:o, s:{s:n, s:n}, "
	    "s:{s:s, s:[]}, s:n}",
	    "schema", RESULT_SCHEMA,
	    "tool", "name", "failover-drill", "version", FD_VERSION,
	    "drill", "name", s->name, "spec", s->file, "subscription",
	    s->azure.subscription, "resource_group", s->azure.resource_group,
	    "circuit", s->azure.circuit, "peering", s->azure.peering,
	    "mode", d->o->dry_run ? "dry-run" : "run",
	    "started", json_time(clock_wall()),
	    "phases", "checks",
	    "paths", paths,
	    "convergence", "failover", "failback",
	    "azure", "correlation_id", d->o->correlation_id ?
	    d->o->correlation_id : "", "operations",
	    "journal");
	json_object_set_new(json_object_get(doc, "drill"), "hop_sets", sets);
	return doc;
}

/* result.json "outcome" (and the journal's end record) per exit status. */
static const char *const outcomes[] = {
	[DRILL_PASSED] = "passed",
	[DRILL_FAILED] = "failed",
	[DRILL_USAGE] = "failed",
	[DRILL_ABORTED] = "aborted",
	[DRILL_RESTORE_FAILED] = "restore-failed",
	[DRILL_UNCHECKED] = "unchecked",
};

static int
finish(struct drill *d, int code, double t_start)
{
	bool healthy;
	json_t *phases;
	size_t i;
	json_t *ph;

	json_object_set_new(d->doc, "finished", json_time(clock_wall()));
	json_object_set_new(d->doc, "duration_s",
	    json_real(clock_wall() - t_start));
	json_object_set_new(d->doc, "outcome", json_string(outcomes[code]));
	json_object_set_new(d->doc, "exit_code", json_integer(code));
	json_object_set_new(d->doc, "unfinished_journal",
	    json_boolean(d->unfinished_journal));
	json_object_set_new(d->doc, "error", d->error[0] ?
	    json_string(d->error) : json_null());
	/* The backup is healthy when preflight (the backup's own checks)
	 * passed; a real run also needs verify to have passed. */
	phases = json_object_get(d->doc, "phases");
	healthy = true;
	json_array_foreach(phases, i, ph) {
		const char *n = json_string_value(json_object_get(ph, "name"));
		const char *st = json_string_value(json_object_get(ph,
		    "status"));

		if (n == NULL || st == NULL)
			continue;
		if ((strcmp(n, "preflight") == 0 || strcmp(n, "verify") == 0 ||
		    strcmp(n, "converge") == 0) && strcmp(st, "ok") != 0)
			healthy = false;
	}
	if (json_array_size(phases) == 0 || (d->interrupted && !d->attempted) ||
	    code == DRILL_UNCHECKED)
		json_object_set_new(d->doc, "backup_healthy", json_null());
	else
		json_object_set_new(d->doc, "backup_healthy",
		    json_boolean(healthy));
	return code;
}

int
drill_run(const struct spec *s, struct drill_providers *p,
    const struct drill_opts *o, json_t **result, struct fd_error *err)
{
	struct drill d;
	struct drill_opts oo = *o;
	struct idle_clock ic, ric;
	uint64_t idle_last = clock_now(o->clock);
	struct fd_error e = { 0 };
	char jpath[PATH_MAX];
	double t_start = clock_wall();
	int lockfd = -1, code = DRILL_PASSED, rc;
	bool checking_only = true;	/* preflight and baseline only */
	bool chain_ok = true;		/* every change phase so far passed */
	size_t i;

	memset(&d, 0, sizeof(d));
	pthread_mutex_init(&d.pool_mu, NULL);
	d.s = s;
	d.p = p;
	/* Every wait keeps the device sessions alive. */
	idle_clock_init(&ic, o->clock, p, &idle_last);
	idle_clock_init(&ric, o->restore_clock, p, &idle_last);
	oo.clock = &ic.clock;
	oo.restore_clock = &ric.clock;
	d.o = &oo;
	d.doc = doc_new(&d);
	d.phases = json_object_get(d.doc, "phases");
	d.checks = json_object_get(d.doc, "checks");
	d.paths = json_object_get(d.doc, "paths");
	d.ops = json_object_get(json_object_get(d.doc, "azure"),
	    "operations");
	d.watch.probe = -1;
	if (s->timeouts.drill_s > 0)
		d.deadline = clock_now(o->clock) +
		    (uint64_t)s->timeouts.drill_s * 1000;

	rc = journal_lock(o->state_dir, &s->azure, &lockfd, &e);
	if (rc == 0) {
		journal_path(o->state_dir, &s->azure, jpath, sizeof(jpath));
		if (access(jpath, F_OK) == 0)
			rc = fd_error_set(&e, -EEXIST, "an unfinished drill "
			    "journal exists for circuit %s peering %s: %s; "
			    "finish it with 'failover-drill recover "
			    "--journal %s'", s->azure.circuit,
			    s->azure.peering, jpath, o->state_dir);
	}
	if (rc < 0) {
		snprintf(d.error, sizeof(d.error), "%s", e.msg);
		/* Another drill holds the lock, or one was interrupted and
		 * its peering may be disabled right now: could not check. */
		d.unfinished_journal = rc == -EEXIST;
		code = DRILL_UNCHECKED;
		goto out;
	}

	/* The reads before any change stop at once on a signal. */
	cloud_clock(&d, o->clock);
	for (i = 0; i < drill_n_phases; i++) {
		const struct drill_phase *ph = &drill_phases[i];

		switch (ph->kind) {
		case PHASE_READ:
			if (ph->run(&d) < 0 || cancelled(&d)) {
				code = DRILL_ABORTED;
				goto out;
			}
			break;
		case PHASE_CHANGE:
			if (o->dry_run) {
				phase_skip(&d, ph->name, "dry run");
				goto out;
			}
			if (checking_only) {
				checking_only = false;
				watch_setup(&d);
			}
			/* Each runs while the ones before it passed. */
			if (chain_ok)
				chain_ok = ph->run(&d) == 0 && !cancelled(&d);
			break;
		case PHASE_RESTORE:
			if (!d.attempted) {
				code = DRILL_ABORTED;
				goto out;
			}
			/* Every path after the disable attempt arrives
			 * here. */
			watch_stop(&d, &d.watch.failover, "failover", false);
			if (ph->run(&d) < 0) {
				code = DRILL_RESTORE_FAILED;
				goto out;
			}
			break;
		case PHASE_AFTER:
			/* Also after a signal: bounded, so the report proves
			 * (or not) that traffic is back. */
			ph->run(&d);
			break;
		}
	}
	watch_stop(&d, &d.watch.failback, "failback", true);
	/* A signal during the last step still makes the run unfinished:
	 * never exit 0 after one. */
	(void)cancelled(&d);
	if (!checking_only && (d.failed > 0 || d.infra_error ||
	    d.interrupted))
		code = DRILL_FAILED;
out:
	/* No prober thread outlives the drill, whatever path got here. */
	watch_stop(&d, &d.watch.failover, "failover", false);
	watch_stop(&d, &d.watch.failback, "failback", true);
	if (code == DRILL_PASSED && (d.failed > 0 || d.infra_error ||
	    d.interrupted))
		code = DRILL_ABORTED;	/* dry run that did not pass */
	/* Nothing changed and nothing was found wrong, but something could
	 * not be read: exit 5, "could not check", not 3. */
	if (code == DRILL_ABORTED && checking_only && !d.interrupted &&
	    d.failed == d.unchecked && (d.unchecked > 0 || d.infra_error))
		code = DRILL_UNCHECKED;
	/* Issue 14: another drill's lease, or ours not written: nothing
	 * changed, exit 5 as for a lock held on this host. */
	if (d.lease.refused && code == DRILL_ABORTED)
		code = DRILL_UNCHECKED;
	lease_record(&d);
	log_transition(d.phase ? d.phase : "start", "report");
	finish(&d, code, t_start);
	if (d.journal != NULL) {
		if (code == DRILL_RESTORE_FAILED) {
			/* Leave it for recover. */
			journal_free(d.journal);
		} else {
			char jp[PATH_MAX];

			snprintf(jp, sizeof(jp), "%s/journal.jsonl",
			    o->out_dir ? o->out_dir : ".");
			if (journal_finish(d.journal, outcomes[code],
			    o->out_dir ? jp : NULL, &e) < 0)
				log_warn("%s", e.msg);
			else if (o->out_dir != NULL)
				json_object_set_new(d.doc, "journal",
				    json_string(jp));
		}
	}
	journal_unlock(lockfd);
	/* Read ahead for a baseline that never ran. */
	checks_read_free(d.pre_checks);
	paths_read_free(d.pre_paths);
	cloud_ctx_pool_close(&d);
	pthread_mutex_destroy(&d.pool_mu);
	for (i = 0; i < SPEC_MAX_PROBES; i++)
		hop_list_free(d.traces[i]);
	if (code != DRILL_PASSED)
		fd_error_set(err, -EBADMSG, "%s", d.error[0] ? d.error :
		    "drill did not pass");
	*result = d.doc;
	return code;
}

