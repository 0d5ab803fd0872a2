#include <stdio.h>
#include <string.h>

#include "log.h"
#include "lro.h"
#include "restore.h"

int
peering_write(const struct cloud_ops *cloud, void *ctx, bool enable,
    const struct fd_clock *clock, uint64_t deadline,
    struct cloud_op_info *info, struct fd_error *err)
{
	struct lro_policy pol;
	struct cloud_poll last;
	struct cloud_op *op = NULL;
	char what[128];
	int rc;

	memset(info, 0, sizeof(*info));
	rc = cloud->peering_set_begin(ctx, enable, false, &op, info, err);
	if (rc < 0)
		return rc;
	lro_policy_default(&pol);
	pol.deadline = deadline;
	snprintf(what, sizeof(what), "%s (request id %s)", enable ? "enable" :
	    "disable", info->request_id[0] ? info->request_id : "none");
	pol.what = what;
	memset(&last, 0, sizeof(last));
	rc = lro_wait(cloud, ctx, op, clock, &pol, &last, NULL, err);
	cloud->op_free(op);
	/* The write was accepted: whatever failed since, it may have
	 * changed the peering. */
	if (rc < 0 && err != NULL)
		err->unchanged = false;
	return rc;
}

/* After the operation: does the provider show the peering Enabled, no
 * operation pending, and IPv6 as expected? */
static int
confirm_enabled(const struct restore_req *r, struct cloud_circuit *cc,
    struct fd_error *err)
{
	int rc = r->cloud->circuit(r->ctx, cc, err);

	if (rc < 0)
		return rc;
	if (r->ipv6_expect != CLOUD_STATE_NONE &&
	    cc->peering_ipv6 != r->ipv6_expect)
		return fd_error_set(err, -EPROTO, "peering %s: IPv6 is %s "
		    "after the operation, expected %s", r->peering,
		    cc->peering_ipv6 != CLOUD_STATE_NONE ?
		    cloud_state_str(cc->peering_ipv6) : "not configured",
		    cloud_state_str(r->ipv6_expect));
	if (cc->peering != CLOUD_STATE_ENABLED)
		return fd_error_set(err, -EPROTO,
		    "peering %s is %s after the operation, expected %s",
		    r->peering, cloud_state_str(cc->peering),
		    cloud_state_str(CLOUD_STATE_ENABLED));
	if (!cc->peering_settled)
		return fd_error_set(err, -EPROTO,
		    "peering %s provisioning state %s after the operation",
		    r->peering, cc->peering_status);
	return 0;
}

static const char *
err_kind_str(const struct fd_error *err)
{
	switch (err->kind) {
	case FD_ERR_TRANSIENT:
		return "transient, retrying";
	case FD_ERR_FINAL:
		return "final";
	default:
		return "retrying";
	}
}

/* Backoff before the next attempt: retry's exponential delay, cut to
 * what is left of the deadline so the last attempt is made at the
 * deadline rather than a backoff step before it; -1 when less than a
 * second is left. */
static int64_t
restore_delay(const struct fd_retry *retry, const struct fd_clock *clk,
    unsigned attempt)
{
	struct fd_retry r = *retry;
	uint64_t now = clock_now(clk);
	int64_t d;

	r.deadline = 0;
	if ((d = retry_delay(&r, clk, attempt, 0)) < 0)
		return -1;
	if (retry->deadline != 0) {
		if (now + 1000 > retry->deadline)
			return -1;
		if (now + (uint64_t)d > retry->deadline)
			d = (int64_t)(retry->deadline - now);
	}
	return d;
}

int
peering_restore(const struct restore_req *r, struct restore_out *out,
    struct fd_error *err)
{
	struct fd_retry retry = { 1000, 2000, 60000, 0 };
	struct restore_out o;
	struct fd_error e = { 0 }, jerr = { 0 };
	unsigned final_errs = 0;
	char rid[64], msg[FD_ERROR_MSG];
	int rc = -1;

	memset(&o, 0, sizeof(o));
	retry.deadline = r->deadline;
	/* Intent before the first write (journal.h): a restore killed
	 * half-way is found by recover. */
	if (r->journal != NULL &&
	    journal_intent(r->journal, JOURNAL_ENABLE, &jerr) < 0)
		log_warn("journal: %s", jerr.msg);
	/* IPv6 goes back to what it was, never on if it was off. */
	if (r->ipv6_restore != CLOUD_STATE_NONE &&
	    r->cloud->ipv6_restore != NULL)
		r->cloud->ipv6_restore(r->ctx, r->ipv6_restore);
	for (;;) {
		int64_t delay;

		o.attempts++;
		fd_error_clear(&e);
		log_info("enabling peering %s of circuit %s (attempt %u)",
		    r->peering, r->circuit, o.attempts);
		rc = peering_write(r->cloud, r->ctx, true, r->clock,
		    r->deadline, &o.info, &e);
		if (rc == -EALREADY)
			rc = 0;	/* confirmed below */
		if (rc == 0)
			rc = confirm_enabled(r, &o.circuit, &e);
		if (rc == 0)
			break;
		log_warn("%s attempt %u: %s (%s)", r->what, o.attempts, e.msg,
		    err_kind_str(&e));
		/* Only an error the provider calls final (a 400, 403, an
		 * operation that failed with a code that does not pass) is
		 * given up on, after a few tries; 5xx, throttling, another
		 * operation in progress, token endpoint trouble and unknown
		 * states are retried until the deadline. */
		if (e.kind == FD_ERR_FINAL && ++final_errs > r->final_retries)
			break;
		delay = restore_delay(&retry, r->clock, o.attempts);
		if (delay < 0)
			break;
		clock_sleep(r->clock, (uint64_t)delay);
	}
	if (r->journal != NULL && journal_done(r->journal, JOURNAL_ENABLE,
	    rc == 0 ? JOURNAL_OK : JOURNAL_ERROR, rc == 0 ? o.info.request_id :
	    e.msg, &jerr) < 0)
		log_warn("journal: could not record the enable outcome: %s",
		    jerr.msg);
	if (out != NULL)
		*out = o;
	if (rc == 0)
		return 0;
	/* The request id goes first, from the failed request itself (typed,
	 * never read from the text), else the last PUT's. */
	snprintf(rid, sizeof(rid), "%s", e.request_id[0] ? e.request_id :
	    o.info.request_id[0] ? o.info.request_id : "unknown");
	snprintf(msg, sizeof(msg), "RESTORE FAILED: circuit %s peering %s may "
	    "still be Disabled (request id %s): %s", r->circuit, r->peering,
	    rid, e.msg);
	rc = fd_error_set(err, rc, "%s", msg);
	fd_error_kind_set(err, e.kind);
	fd_error_request_id(err, rid);
	return rc;
}

/* ------------------------------------------------------------ recover */

int
drill_recover(const struct journal_state *js, const struct cloud_ops *cloud,
    void *cloud_ctx, const struct fd_clock *clock, unsigned deadline_s,
    const char *keep_as, struct fd_error *err)
{
	struct restore_req req;
	struct restore_out out;
	struct journal *j = NULL;
	struct fd_error e = { 0 };
	int rc = 0;

	if ((rc = journal_reopen(js->path, &j, err)) < 0)
		return rc;
	if (js->disable_intent && !js->enable_done) {
		memset(&req, 0, sizeof(req));
		req.cloud = cloud;
		req.ctx = cloud_ctx;
		req.clock = clock;
		req.deadline = clock_now(clock) + (uint64_t)deadline_s * 1000;
		req.final_retries = 2;
		req.circuit = js->azure.circuit;
		req.peering = js->azure.peering;
		/* IPv6 back to what the journal recorded before the drill
		 * (never on if it was off); only a drill with azure.ipv6
		 * changed it. */
		if (js->azure.ipv6)
			req.ipv6_restore = req.ipv6_expect = js->ipv6_before;
		req.journal = j;
		req.what = "recover";
		if (js->azure.ipv6 && !js->have_before)
			log_warn("journal %s records no IPv6 state (an older "
			    "version wrote it): IPv6 of peering %s is left as "
			    "it is; check the peering's IPv6 state",
			    js->path, js->azure.peering);
		rc = peering_restore(&req, &out, err);
		if (rc == 0 && js->ipv6_before != CLOUD_STATE_NONE &&
		    out.circuit.peering_ipv6 != js->ipv6_before)
			log_warn("peering %s of circuit %s: IPv6 is %s, it was "
			    "%s before the drill", js->azure.peering,
			    js->azure.circuit,
			    cloud_state_str(out.circuit.peering_ipv6),
			    cloud_state_str(js->ipv6_before));
	}
	if (rc < 0) {
		/* Left where the next recover finds it. */
		journal_free(j);
		return rc;
	}
	if (journal_finish(j, "recovered", keep_as, &e) < 0)
		log_warn("%s", e.msg);
	return 0;
}
