/*
 * The phases of a drill and their list (drill_phases[]): what each does
 * when run, and what it says it will do when planned, side by side so
 * the two cannot drift apart.
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
#include "restore.h"


static int
preflight(struct drill *d)
{
	phase_begin(d, "preflight");
	/* The circuit and the principal's permissions (always), who the
	 * drill acts as, every device's login, the watched targets and the
	 * spec's checks: read at once, recorded in that order. */
	preflight_checks(d);
	lease_preflight(d);	/* issue 14: lease.h */
	if (d->have_before) {
		const struct cloud_circuit *b = &d->before;

		json_object_set_new(json_object_get(d->doc, "azure"),
		    "peering_before", json_pack("{s:s, s:s}", "state",
		    cloud_state_str(b->peering), "ipv6_state",
		    cloud_state_str(b->peering_ipv6)));
		log_info("peering %s: IPv4 %s, IPv6 %s", d->s->azure.peering,
		    cloud_state_str(b->peering), b->peering_ipv6 !=
		    CLOUD_STATE_NONE ? cloud_state_str(b->peering_ipv6) :
		    "not configured");
		if (b->peering_ipv6 == CLOUD_STATE_ENABLED &&
		    !d->s->azure.ipv6)
			log_warn("peering %s is dual-stack and azure.ipv6 is "
			    "false: only IPv4 is drilled, IPv6 traffic stays "
			    "on ExpressRoute", d->s->azure.peering);
	}
	return phase_end(d);
}

static int
baseline(struct drill *d)
{
	phase_begin(d, "baseline");
	judge_expect(d, &d->s->baseline, "baseline");
	return phase_end(d);
}

static void
record_op(struct drill *d, const char *action,
    const struct cloud_op_info *info, const char *status, double t0,
    unsigned attempts)
{
	json_array_append_new(d->ops, json_pack(
	    "{s:s, s:i, s:s, s:s, s:f, s:i}", "action", action,
	    "http_status", info->http_status, "request_id", info->request_id,
	    "status", status, "duration_s", clock_wall() - t0,
	    "attempts", (int)attempts));
}

/* The IPv6 state the peering must show after an operation: with
 * azure.ipv6 a disable turns it off; otherwise, and after every enable,
 * exactly what preflight saw (NONE = not checked). */
static enum cloud_state
ipv6_expected(struct drill *d, enum cloud_state want)
{
	if (!d->have_before || d->before.peering_ipv6 == CLOUD_STATE_NONE)
		return CLOUD_STATE_NONE;
	if (d->s->azure.ipv6 && want == CLOUD_STATE_DISABLED)
		return CLOUD_STATE_DISABLED;
	return d->before.peering_ipv6;
}

/* After the disable: does the provider show the peering Disabled? */
static int
disable_confirm(struct drill *d, struct fd_error *err)
{
	struct cloud_circuit cc;
	enum cloud_state v6 = ipv6_expected(d, CLOUD_STATE_DISABLED);
	int rc = d->p->cloud->circuit(d->p->cloud_ctx, &cc, err);

	if (rc < 0)
		return rc;
	if (v6 != CLOUD_STATE_NONE && cc.peering_ipv6 != v6)
		return fd_error_set(err, -EPROTO, "peering %s: IPv6 is %s "
		    "after the operation, expected %s", d->s->azure.peering,
		    cc.peering_ipv6 != CLOUD_STATE_NONE ?
		    cloud_state_str(cc.peering_ipv6) : "not configured",
		    cloud_state_str(v6));
	if (cc.peering != CLOUD_STATE_DISABLED)
		return fd_error_set(err, -EPROTO,
		    "peering %s is %s after the operation, expected %s",
		    d->s->azure.peering, cloud_state_str(cc.peering),
		    cloud_state_str(CLOUD_STATE_DISABLED));
	if (!cc.peering_settled)
		return fd_error_set(err, -EPROTO,
		    "peering %s provisioning state %s after the operation",
		    d->s->azure.peering, cc.peering_status);
	return 0;
}

static int
failover(struct drill *d)
{
	struct cloud_op_info info;
	struct fd_error err = { 0 };
	double t0;
	int rc;

	phase_begin(d, "failover");
	/* Probing starts before the write so the switch is measured from
	 * the moment the PUT is sent; if it cannot start, nothing is
	 * changed. */
	rc = watch_start(d, &d->watch.failover, &err);
	if (rc == 0)
		rc = journal_open(d->o->state_dir, &d->s->azure, d->s->name,
	    d->s->file, &d->journal, &err);
	if (rc == 0)
		rc = journal_before(d->journal, d->before.peering,
		    d->before.peering_ipv6, &err);
	if (rc == 0)
		rc = journal_intent(d->journal, JOURNAL_DISABLE, &err);
	if (rc == 0 && d->o->guard_arm != NULL)	/* issue 14: guardian.h */
		rc = d->o->guard_arm(d->o->guard_ctx, d->journal, &err);
	if (rc == 0)	/* issue 14: lease.h */
		rc = lease_take(d, &err);
	if (rc == 0 && cancelled(d))
		rc = fd_error_set(&err, -ECANCELED, "interrupted before the "
		    "peering was written");
	if (rc < 0) {
		/* Nothing was written to Azure: still an abort. */
		if (rc != -ECANCELED)
			phase_error(d, &err);
		watch_stop(d, &d->watch.failover, "failover", false);
		lease_release(d);
		if (d->journal != NULL) {
			/* Nothing to recover: close it as aborted. */
			if (journal_finish(d->journal, "aborted", NULL,
			    &err) < 0)
				log_warn("%s", err.msg);
			d->journal = NULL;
		}
		phase_end(d);
		return -1;
	}
	json_object_set_new(d->doc, "journal",
	    json_string(journal_file(d->journal)));
	d->attempted = true;
	t0 = clock_wall();
	/* Switch times count from the write, not from the journal's fsyncs
	 * above (2-13 ms late in bench/drill.sh). */
	d->watch.failover.t0 = clock_now(d->o->restore_clock);
	d->watch.failover.t0_wall = t0;
	log_info("disabling peering %s of circuit %s", d->s->azure.peering,
	    d->s->azure.circuit);
	rc = peering_write(d->p->cloud, d->p->cloud_ctx, false, d->o->clock,
	    clock_now(d->o->clock) + (uint64_t)d->s->timeouts.operation_s *
	    1000, &info, &err);
	watch_t0_at(d, &d->watch.failover, info.sent_ms);
	if (rc == 0 && (rc = disable_confirm(d, &err)) < 0)
		err.unchanged = false;
	if (rc < 0 && rc != -ECANCELED && err.unchanged) {
		/* ARM refused the PUT (403 AuthorizationFailed, 400, ...)
		 * on every attempt, or it was never sent: nothing changed,
		 * so this is an abort (exit 3), not a drill to restore.  A
		 * timeout, a 5xx or a dropped connection leave the outcome
		 * unknown and go through restore. */
		char msg[FD_ERROR_MSG];

		snprintf(msg, sizeof(msg), "aborted before any change: the "
		    "disable was refused: %s", err.msg);
		fd_error_set(&err, rc, "%s", msg);
		record_op(d, "disable", &info, "Refused", t0, 1);
		if (journal_done(d->journal, JOURNAL_DISABLE, JOURNAL_REFUSED,
		    err.msg, NULL) < 0)
			log_warn("journal: could not record the disable "
			    "outcome");
		d->attempted = false;
		phase_error(d, &err);
		lease_release(d);
		return phase_end(d);
	}
	record_op(d, "disable", &info, rc == 0 ? "Succeeded" :
	    rc == -ECANCELED ? "Interrupted" : "Failed", t0, 1);
	if (journal_done(d->journal, JOURNAL_DISABLE, rc == 0 ? JOURNAL_OK :
	    JOURNAL_ERROR, rc == 0 ? info.request_id : err.msg, NULL) < 0)
		log_warn("journal: could not record the disable outcome");
	if (rc < 0) {
		if (rc == -ECANCELED)
			cancelled(d);
		else
			phase_error(d, &err);
	}
	return phase_end(d);
}

static int
converge(struct drill *d)
{
	uint64_t t0 = clock_now(d->o->clock), last_beat = t0,
	    deadline = t0 + (uint64_t)d->s->timeouts.converge_s * 1000;
	unsigned tries = 0;
	struct retrace_wait rw;
	int rc;

	phase_begin(d, "converge");
	/* Re-trace on the beat, or as soon as the failover watch sees the
	 * backup path (retrace_wait()). */
	retrace_wait_init(&rw, &d->watch.failover, false);
	if (retrace_wait_first(d, &rw, d->o->clock) < 0)
		cancelled(d);
	for (;;) {
		tries++;
		rw.traced_ms = clock_now(d->o->clock);
		rc = check_paths(d, &d->s->failover, "failover", false);
		if (rc == 0 || cancelled(d))
			break;
		/* A heartbeat for the operator, every 5 s (info: shown on
		 * a terminal). */
		if (clock_now(d->o->clock) - last_beat >= 5000) {
			last_beat = clock_now(d->o->clock);
			log_info("converge: waiting for the failover path: "
			    "%llu s of %u s, %u traces",
			    (unsigned long long)((last_beat - t0) / 1000),
			    d->s->timeouts.converge_s, tries);
		}
		if (clock_now(d->o->clock) >= deadline) {
			struct fd_error err;

			fd_error_set(&err, -ETIMEDOUT, "paths did not reach "
			    "the failover expectation within %u s (%u traces)",
			    d->s->timeouts.converge_s, tries);
			phase_error(d, &err);
			break;
		}
		if (retrace_wait(d, &rw, d->o->clock) < 0)
			cancelled(d);
	}
	retrace_wait_done(&rw);
	if (rc == 0 && !d->interrupted) {
		log_info("paths match the failover expectation; settling "
		    "%u s", d->s->timeouts.settle_s);
		if (clock_sleep(d->o->clock,
		    (uint64_t)d->s->timeouts.settle_s * 1000) < 0)
			cancelled(d);
	}
	return phase_end(d);
}

static void
convergence_checks(struct drill *d)
{
	const struct drill_watch_result *r = &d->watch.failover.result;
	char msg[160];

	if (!d->watch.failover.analysed) {
		if (d->s->failover.converge_within_s > 0 ||
		    d->s->failover.max_loss > 0)
			record_check(d, "convergence measured", -EBADMSG,
			    d->watch.probe < 0 ? "no probe is watched" :
			    "the continuous prober produced no samples", 0);
		return;
	}
	if (d->s->failover.converge_within_s > 0) {
		bool ok = r->stable_ms >= 0 && r->stable_ms <=
		    (int64_t)d->s->failover.converge_within_s * 1000;

		if (r->stable_ms < 0)
			snprintf(msg, sizeof(msg), "the path never became "
			    "stable on the backup");
		else
			snprintf(msg, sizeof(msg), "stable on the backup "
			    "after %.2f s, limit %u s",
			    (double)r->stable_ms / 1000,
			    d->s->failover.converge_within_s);
		record_check(d, "converged within limit", ok ? 0 : -EBADMSG,
		    msg, 0);
	}
	if (d->s->failover.max_loss > 0) {
		snprintf(msg, sizeof(msg), "%u probes lost, limit %u",
		    r->lost, d->s->failover.max_loss);
		record_check(d, "packet loss within limit",
		    r->lost <= d->s->failover.max_loss ? 0 : -EBADMSG, msg, 0);
	}
}

static int
verify(struct drill *d)
{
	phase_begin(d, "verify");
	judge_expect(d, &d->s->failover, "failover");
	watch_stop(d, &d->watch.failover, "failover", false);
	convergence_checks(d);
	return phase_end(d);
}

/*
 * Enable the peering again: peering_restore() (restore.c, shared with
 * recover) on the restore clock, which no signal cancels, retrying until
 * timeouts.restore_s.  Returns 0 when the peering is enabled.
 */
static int
restore(struct drill *d)
{
	const struct fd_clock *clk = d->o->restore_clock;
	struct restore_req req;
	struct restore_out out;
	struct fd_error err = { 0 };
	double t0 = clock_wall();
	int rc;

	phase_begin(d, "restore");
	d->restoring = true;
	/* From here on no signal cuts a wait of the provider short. */
	cloud_clock(d, clk);
	if (watch_start(d, &d->watch.failback, &err) < 0)
		log_warn("failback timing not measured: %s", err.msg);
	memset(&req, 0, sizeof(req));
	req.cloud = d->p->cloud;
	req.ctx = d->p->cloud_ctx;
	req.clock = clk;
	req.deadline = clock_now(clk) +
	    (uint64_t)d->s->timeouts.restore_s * 1000;
	req.final_retries = d->o->restore_failed_retries;
	req.circuit = d->s->azure.circuit;
	req.peering = d->s->azure.peering;
	/* IPv6 goes back to what preflight saw, never on if it was off. */
	if (d->s->azure.ipv6 && d->have_before)
		req.ipv6_restore = d->before.peering_ipv6;
	req.ipv6_expect = ipv6_expected(d, CLOUD_STATE_ENABLED);
	req.journal = d->journal;
	req.what = "restore";
	fd_error_clear(&err);
	rc = peering_restore(&req, &out, &err);
	/* Restore returned: this process reports from here on. */
	if (d->o->guard_disarm != NULL)	/* issue 14: guardian.h */
		d->o->guard_disarm(d->o->guard_ctx);
	watch_t0_at(d, &d->watch.failback, out.info.sent_ms);
	record_op(d, "enable", &out.info, rc == 0 ? "Succeeded" : "Failed",
	    t0, out.attempts);
	if (rc < 0) {
		lease_leave(d);	/* the drill is not over */
		/* This headline wins over any earlier error. */
		snprintf(d->error, sizeof(d->error), "%s", err.msg);
		phase_error(d, &err);
	}
	phase_end(d);
	return rc;
}

static int
verify_restored(struct drill *d)
{
	const struct spec_expect *e = d->s->restored.set ? &d->s->restored :
	    &d->s->baseline;
	/* After a signal the report must still show whether traffic came
	 * back: wait on the restore clock (signals do not cut it short),
	 * at most a minute. */
	bool after_signal = d->interrupted;
	const struct fd_clock *clk = after_signal ? d->o->restore_clock :
	    d->o->clock;
	uint64_t wait_ms = (uint64_t)d->s->timeouts.converge_s * 1000, deadline,
	    settle;
	int rc;

	if (after_signal && wait_ms > 60000)
		wait_ms = 60000;
	d->judging = after_signal;
	deadline = clock_now(clk) + wait_ms;
	phase_begin(d, "verify-restored");
	/* Wait (bounded) for the paths to come back and for BGP on both
	 * links, at once, before judging. */
	wait_restored(d, e, clk, deadline, after_signal);
	/* Settle; with the failback watch running, long enough for it to
	 * see the primary path stable: stable_ms, plus one period of the
	 * paced TTL probe when that is the only path signal (tcp, udp);
	 * an icmp echo's every answer carries its reply TTL. */
	settle = (uint64_t)d->s->timeouts.settle_s * 1000;
	if (d->watch.failback.w != NULL) {
		uint64_t need = (uint64_t)d->s->converge.stable_ms;

		if (d->s->probes[d->watch.probe].method != PROBE_METHOD_ICMP)
			need += 2000;
		if (settle < need)
			settle = need;
	}
	if (after_signal) {
		if (settle > wait_ms)
			settle = wait_ms;
		clock_sleep(clk, settle);
	} else if (!cancelled(d) && clock_sleep(clk, settle) < 0) {
		cancelled(d);
	}
	judge_expect(d, e, "restored");
	watch_stop(d, &d->watch.failback, "failback", true);
	lease_release(d);	/* the peering is back: issue 14 */
	rc = phase_end(d);
	return rc;
}

/* ------------------------------------------------------------ plan */

/* A cloud step as its provider describes it; nothing when it makes
 * none. */
static void
plan_cloud(const struct drill_plan_ctx *pc, json_t *ph, const char *kind,
    enum cloud_step step, const char *fallback)
{
	char buf[1024];

	if (pc->cloud == NULL || pc->cloud->describe == NULL)
		plan_step(ph, kind, "%s", fallback);
	else if (pc->cloud->describe(&pc->s->azure, step, buf,
	    sizeof(buf)) == 0)
		plan_step(ph, kind, "%s", buf);
}

static void
plan_title(json_t *phase, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
plan_title(json_t *phase, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_object_set_new(phase, "title", json_string(buf));
}

static void
preflight_plan(const struct drill_plan_ctx *pc, json_t *ph)
{
	const struct spec *s = pc->s;
	unsigned i;

	plan_title(ph, "preflight (read-only)");
	plan_cloud(pc, ph, "read", CLOUD_STEP_CIRCUIT,
	    "circuit and peering state");
	plan_cloud(pc, ph, "read", CLOUD_STEP_PERMISSIONS,
	    "the principal may run the drill");
	plan_cloud(pc, ph, "read", CLOUD_STEP_GATEWAY_PERMISSIONS,
	    "the principal's actions on the VPN gateway");
	for (i = 0; i < s->n_devices; i++)
		plan_step(ph, "read", "%s: %s %s@%s:%u show version",
		    s->devices[i].name, strcmp(s->devices[i].transport,
		    "netconf") == 0 ? "netconf" : "ssh", s->devices[i].user,
		    s->devices[i].host, s->devices[i].port);
	plan_checks(ph, s->preflight, s->n_preflight);
}

static void
baseline_plan(const struct drill_plan_ctx *pc, json_t *ph)
{
	const struct spec *s = pc->s;

	plan_title(ph, "baseline (read-only)");
	plan_paths(ph, s, &s->baseline);
	plan_checks(ph, s->baseline.checks, s->baseline.n_checks);
}

static void
failover_plan(const struct drill_plan_ctx *pc, json_t *ph)
{
	if (pc->cloud == NULL || pc->cloud->lease_set != NULL)
		plan_cloud(pc, ph, "write", CLOUD_STEP_LEASE_SET,
		    "write the lease tag");
	plan_cloud(pc, ph, "write", CLOUD_STEP_DISABLE, "disable the peering");
}

static void
converge_plan(const struct drill_plan_ctx *pc, json_t *ph)
{
	const struct spec *s = pc->s;

	plan_title(ph, "converge: probe continuously at %u/s, re-trace until "
	    "the failover expectation holds (at most %u s), settle %u s",
	    s->converge.rate_hz, s->timeouts.converge_s,
	    s->timeouts.settle_s);
}

static void
verify_plan(const struct drill_plan_ctx *pc, json_t *ph)
{
	const struct spec *s = pc->s;

	plan_paths(ph, s, &s->failover);
	plan_checks(ph, s->failover.checks, s->failover.n_checks);
}

static void
restore_plan(const struct drill_plan_ctx *pc, json_t *ph)
{
	plan_title(ph, "restore (always, also after a failure or signal; "
	    "retried for up to %u s)", pc->s->timeouts.restore_s);
	plan_cloud(pc, ph, "write", CLOUD_STEP_ENABLE, "enable the peering");
}

static void
verify_restored_plan(const struct drill_plan_ctx *pc, json_t *ph)
{
	const struct spec *s = pc->s;
	const struct spec_expect *e = s->restored.set ? &s->restored :
	    &s->baseline;

	plan_paths(ph, s, e);
	plan_checks(ph, e->checks, e->n_checks);
	if (pc->cloud == NULL || pc->cloud->lease_clear != NULL)
		plan_cloud(pc, ph, "write", CLOUD_STEP_LEASE_CLEAR,
		    "remove the lease tag");
}

const struct drill_phase drill_phases[] = {
	{ "preflight", PHASE_READ, preflight, preflight_plan },
	{ "baseline", PHASE_READ, baseline, baseline_plan },
	{ "failover", PHASE_CHANGE, failover, failover_plan },
	{ "converge", PHASE_CHANGE, converge, converge_plan },
	{ "verify", PHASE_CHANGE, verify, verify_plan },
	{ "restore", PHASE_RESTORE, restore, restore_plan },
	{ "verify-restored", PHASE_AFTER, verify_restored,
	    verify_restored_plan },
};

const size_t drill_n_phases = sizeof(drill_phases) / sizeof(drill_phases[0]);
