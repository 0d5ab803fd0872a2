/*
 * The circuit and its peering as the engine judges them (ARM's words
 * mapped to provider.h's types here), and the peering toggle: GET, PUT
 * with If-Match, then one poll of its long-running operation per call.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "azure_priv.h"

enum op_kind { OP_ASYNC, OP_LOCATION, OP_RESOURCE };

struct cloud_op {
	enum op_kind kind;
	char *poll_url;
	bool want_enabled;
	bool ipv6;
	char v6_want[16];		/* IPv6 state to confirm when ipv6 */
	bool finished;
	/* The PUT's Retry-After, handed to the engine as the wait before
	 * the first poll, once (initial_done). */
	uint64_t retry_after_ms;
	bool initial_done;
	struct cloud_op_info info;
};

/* ARM's peering states (ExpressRouteCircuitPeeringState: "Enabled",
 * "Disabled"; azure-rest-api-specs Microsoft.Network expressRouteCircuit.
 * json) in the engine's terms; "" is an IPv6 configuration without
 * one. */
static enum cloud_state
state_of(const char *s)
{
	if (s[0] == '\0')
		return CLOUD_STATE_NONE;
	if (azure_status_is(s, "Enabled"))
		return CLOUD_STATE_ENABLED;
	if (azure_status_is(s, "Disabled"))
		return CLOUD_STATE_DISABLED;
	return CLOUD_STATE_UNKNOWN;
}

/* ------------------------------------------------------------- circuit */

static int
get_peering(struct azure *az, struct arm_resp *out, struct fd_error *err)
{
	int rc = arm_call(&az->arm, "GET", az->peering_path, NULL, NULL, out,
	    err);

	if (rc == 0 && !json_is_object(out->json)) {
		arm_resp_done(out);
		return fd_error_set(err, -EPROTO, "ARM GET peering %s: no "
		    "body", az->cfg.peering);
	}
	return rc;
}

static void
fill_peering(const json_t *p, struct cloud_circuit *c)
{
	const json_t *props = json_object_get(p, "properties");
	const json_t *v6 = json_object_get(props, "ipv6PeeringConfig");
	const char *prov = az_jstr(props, "provisioningState");
	json_t *n;

	c->peering = state_of(az_jstr(props, "state"));
	c->peering_ipv6 = state_of(az_jstr(v6, "state"));
	/* A peering still Updating (or Failed) takes no write
	 * (AZURE-REST.md §5.3). */
	c->peering_settled = azure_status_is(prov, "Succeeded");
	snprintf(c->peering_status, sizeof(c->peering_status), "%s",
	    prov[0] ? prov : "in an unknown state");
	if (json_is_integer(n = json_object_get(props, "peerASN")))
		c->peer_asn = json_integer_value(n);
	if (json_is_integer(n = json_object_get(props, "azureASN")))
		c->azure_asn = json_integer_value(n);
	snprintf(c->primary_prefix, sizeof(c->primary_prefix), "%s",
	    az_jstr(props, "primaryPeerAddressPrefix"));
	snprintf(c->secondary_prefix, sizeof(c->secondary_prefix), "%s",
	    az_jstr(props, "secondaryPeerAddressPrefix"));
	snprintf(c->etag, sizeof(c->etag), "%s", az_jstr(p, "etag"));
}

/* Ready for a peering write: the circuit Provisioned by its provider,
 * Succeeded (a circuit still Updating, or Failed, takes no peering
 * write) and, when it says, Enabled (AZURE-REST.md §5.3). */
static void
fill_ready(const json_t *props, struct cloud_circuit *c)
{
	const char *sp = az_jstr(props, "serviceProviderProvisioningState");
	const char *prov = az_jstr(props, "provisioningState");
	const char *cps = az_jstr(props, "circuitProvisioningState");

	c->ready = false;
	if (!azure_status_is(sp, "Provisioned"))
		snprintf(c->not_ready, sizeof(c->not_ready), "circuit provider "
		    "state is %s, not Provisioned", sp);
	else if (!azure_status_is(prov, "Succeeded"))
		snprintf(c->not_ready, sizeof(c->not_ready), "circuit "
		    "provisioning state is %s, not Succeeded", prov[0] ? prov :
		    "empty");
	else if (cps[0] != '\0' && !azure_status_is(cps, "Enabled"))
		snprintf(c->not_ready, sizeof(c->not_ready), "circuit is %s, "
		    "not Enabled", cps);
	else
		c->ready = true;
}

/* GET the circuit into *out; with peering, also the peering object it
 * was judged on (a new reference): the circuit's own entry, or the
 * peering's GET when the circuit's body omits its peerings. */
static int
read_circuit(struct azure *az, struct cloud_circuit *out, json_t **peering,
    struct fd_error *err)
{
	struct cloud_circuit c;
	struct arm_resp r, p;
	const json_t *props, *pe;
	json_t *found = NULL;
	size_t i;
	int rc;

	memset(&c, 0, sizeof(c));
	c.peer_asn = c.azure_asn = -1;
	if ((rc = arm_call(&az->arm, "GET", az->circuit_path, NULL, NULL, &r,
	    err)) < 0)
		return rc;
	props = json_object_get(r.json, "properties");
	fill_ready(props, &c);
	az_lease_fill(r.json, &c);
	json_array_foreach(json_object_get(props, "peerings"), i, pe)
		if (strcmp(az_jstr(pe, "name"), az->cfg.peering) == 0) {
			fill_peering(pe, &c);
			json_decref(found);
			found = json_incref((json_t *)pe);
		}
	arm_resp_done(&r);
	if (found == NULL) {
		/* The circuit body may omit its peerings. */
		if ((rc = get_peering(az, &p, err)) < 0)
			return rc;
		fill_peering(p.json, &c);
		found = p.json;
		p.json = NULL;
		arm_resp_done(&p);
	}
	if (peering != NULL)
		*peering = found;
	else
		json_decref(found);
	*out = c;
	return 0;
}

/* How long the circuit read that confirmed an operation stands for the
 * engine's own read of it (az_circuit), when nothing else was sent. */
#define CONFIRMED_MS 1000

int
az_circuit(void *ctx, struct cloud_circuit *out, struct fd_error *err)
{
	struct azure *az = ctx;

	/* Right after an operation the engine reads the circuit to confirm
	 * it (drill_phases.c disable_confirm, restore.c confirm_enabled):
	 * the read op_confirm has just made and judged, after the
	 * operation's Succeeded, is that read; a second GET of the same
	 * resource was one more round trip on the drill's critical path.
	 * Only once, only if this context sent nothing since, and only
	 * within CONFIRMED_MS. */
	if (az->confirmed_valid) {
		az->confirmed_valid = false;
		if (az->arm.n_requests == az->confirmed_n &&
		    clock_now(&az->clock) <= az->confirmed_at + CONFIRMED_MS) {
			az_log_line(az, LOG_DEBUG, "azure: circuit %s as read "
			    "to confirm the operation (request id %s)",
			    az->cfg.circuit, az->arm.last_request_id);
			*out = az->confirmed;
			return 0;
		}
	}
	return read_circuit(az, out, NULL, err);
}

/* ------------------------------------------------------------- toggle */

static int
op_new(struct azure *az, const struct arm_resp *r, bool enabled,
    struct cloud_op **out, struct fd_error *err)
{
	struct cloud_op *op = calloc(1, sizeof(*op));
	const char *url;

	if (op == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	/* Prefer Azure-AsyncOperation, else Location, else the resource's
	 * own provisioningState (AZURE-REST.md §2.1). */
	if (r->async_op != NULL) {
		op->kind = OP_ASYNC;
		url = r->async_op;
	} else if (r->location != NULL) {
		op->kind = OP_LOCATION;
		url = r->location;
	} else {
		op->kind = OP_RESOURCE;
		url = az->peering_path;
	}
	op->poll_url = strdup(url);
	if (op->poll_url == NULL) {
		free(op);
		return fd_error_set(err, -ENOMEM, "out of memory");
	}
	op->want_enabled = enabled;
	op->ipv6 = az->cfg.ipv6;
	op->retry_after_ms = r->retry_after_ms;
	op->info.http_status = (int)r->status;
	snprintf(op->info.request_id, sizeof(op->info.request_id), "%s",
	    r->request_id);
	snprintf(op->info.client_request_id,
	    sizeof(op->info.client_request_id), "%s",
	    az->arm.last_client_request_id);
	snprintf(op->info.correlation_id, sizeof(op->info.correlation_id),
	    "%s", az->arm.correlation_id);
	*out = op;
	return 0;
}

int
az_peering_set_begin(void *ctx, bool enabled, bool force,
    struct cloud_op **out, struct cloud_op_info *info, struct fd_error *err)
{
	struct azure *az = ctx;
	const char *want = az_want_str(enabled);
	/* A PUT of this call whose outcome is unknown (see arm_call). */
	bool sent_unknown = false;
	unsigned attempt;
	int rc;

	for (attempt = 0;; attempt++) {
		struct arm_resp g, p;
		json_t *props, *v6, *body;
		const char *state, *v6state, *prov;
		bool v6_toggle;
		char etag[128], v6want[16];

		if ((rc = get_peering(az, &g, err)) < 0) {
			/* No PUT of this attempt was sent. */
			if (err != NULL)
				err->unchanged = !sent_unknown;
			return rc;
		}
		props = json_object_get(g.json, "properties");
		v6 = json_object_get(props, "ipv6PeeringConfig");
		state = az_jstr(props, "state");
		prov = az_jstr(props, "provisioningState");
		v6_toggle = az->cfg.ipv6 && json_is_object(v6);
		/* IPv6 goes back to exactly what it was: the disable
		 * remembers it, the engine may name it (ipv6_restore, from
		 * preflight or the journal); an IPv6 peering that was off
		 * is never enabled, and unknown means unchanged. */
		if (v6_toggle && !enabled && attempt == 0)
			snprintf(az->v6_seen, sizeof(az->v6_seen), "%s",
			    az_jstr(v6, "state"));
		snprintf(v6want, sizeof(v6want), "%s", !v6_toggle ? want :
		    !enabled ? "Disabled" : az->v6_restore[0] ?
		    az->v6_restore : az->v6_seen[0] ? az->v6_seen :
		    az_jstr(v6, "state"));
		v6state = v6_toggle ? az_jstr(v6, "state") : v6want;
		if (attempt > 0 && azure_status_is(state, want) &&
		    azure_status_is(v6state, v6want) &&
		    !azure_status_is(prov, "Failed")) {
			/* After a 412 the peering already shows what we
			 * asked for: our own PUT went through although its
			 * answer was lost (then retried with a stale etag).
			 * Follow the resource's provisioningState. */
			struct arm_resp none;

			az_log_line(az, LOG_DEBUG, "azure: peering %s already "
			    "%s (%s) after 412: following it",
			    az->cfg.peering, want, prov);
			memset(&none, 0, sizeof(none));
			none.status = 200;
			snprintf(none.request_id, sizeof(none.request_id), "%s",
			    g.request_id);
			arm_resp_done(&g);
			rc = op_new(az, &none, enabled, out, err);
			if (rc == 0)
				snprintf((*out)->v6_want,
				    sizeof((*out)->v6_want), "%s", v6want);
			if (rc == 0 && info != NULL)
				*info = (*out)->info;
			return rc;
		}
		/* A Failed resource is repaired by a new PUT: allowed when
		 * enabling (restore must be able to repair what a failed
		 * disable left) or when forced, never to start a drill. */
		if (!azure_status_is(prov, "Succeeded") &&
		    !((force || enabled) && azure_status_is(prov, "Failed"))) {
			rc = fd_error_set(err, -EBUSY, "peering %s of circuit "
			    "%s is %s, not Succeeded (request id %s)",
			    az->cfg.peering, az->cfg.circuit,
			    prov[0] ? prov : "in an unknown state",
			    g.request_id);
			fd_error_request_id(err, g.request_id);
			fd_error_kind_set(err, FD_ERR_TRANSIENT);
			if (err != NULL)
				err->unchanged = !sent_unknown;
			arm_resp_done(&g);
			return rc;
		}
		if (!force && azure_status_is(state, want) &&
		    azure_status_is(v6state, v6want) &&
		    azure_status_is(prov, "Succeeded")) {
			rc = fd_error_set(err, -EALREADY, "peering %s of "
			    "circuit %s is already %s", az->cfg.peering,
			    az->cfg.circuit, want);
			arm_resp_done(&g);
			return rc;
		}
		snprintf(etag, sizeof(etag), "%s", g.etag);
		body = azure_peering_writable(g.json);
		arm_resp_done(&g);
		if (body == NULL)
			return fd_error_set(err, -ENOMEM, "out of memory");
		props = json_object_get(body, "properties");
		json_object_set_new(props, "state", json_string(want));
		if (v6_toggle)
			json_object_set_new(json_object_get(props,
			    "ipv6PeeringConfig"), "state", json_string(v6want));
		/* The disable keeps If-Match: it must not undo another
		 * writer's change.  The enable (the recovery direction,
		 * idempotent) drops it after a 412 when a fresh GET still
		 * shows the peering off: the peering etag changes with any
		 * write to the circuit, the peering PUT declares no If-Match
		 * (azure-rest-api-specs Microsoft.Network/stable/2024-05-01/
		 * expressRouteCircuit.json, ExpressRouteCircuitPeerings_
		 * CreateOrUpdate: parameters api-version, subscriptionId,
		 * resourceGroupName, circuitName, peeringName and the body
		 * only), and Set-AzExpressRouteCircuit sends none. */
		if (enabled && attempt > 0 && etag[0] != '\0') {
			az_log_line(az, LOG_WARN, "azure: peering %s of "
			    "circuit %s still not %s after a 412: enabling it "
			    "without If-Match", az->cfg.peering,
			    az->cfg.circuit, want);
			etag[0] = '\0';
		}
		az_log_line(az, LOG_DEBUG, "azure: PUT peering %s of circuit "
		    "%s state %s%s%s (If-Match %s)", az->cfg.peering, az->cfg.circuit, want,
		    v6_toggle ? ", IPv6 " : "", v6_toggle ? v6want : "",
		    etag[0] ? etag : "none");
		rc = arm_call(&az->arm, "PUT", az->peering_path, body,
		    etag[0] ? etag : NULL, &p, err);
		json_decref(body);
		if (rc < 0 && err != NULL && !err->unchanged)
			sent_unknown = true;
		if (rc == -ESTALE && attempt == 0) {
			/* Someone changed the peering since our GET:
			 * re-read it and apply once more. */
			az_log_line(az, LOG_DEBUG, "azure: 412 Precondition "
			    "Failed, re-reading the peering");
			continue;
		}
		if (rc < 0) {
			if (err != NULL && sent_unknown)
				err->unchanged = false;
			return rc;
		}
		rc = op_new(az, &p, enabled, out, err);
		if (rc == 0) {
			snprintf((*out)->v6_want, sizeof((*out)->v6_want), "%s",
			    v6want);
			/* The accepted PUT's send (arm_call's last try). */
			(*out)->info.sent_ms = az->arm.last_sent_ms;
		}
		if (rc == 0 && info != NULL)
			*info = (*out)->info;
		arm_resp_done(&p);
		return rc;
	}
}

/* After a Succeeded operation, the peering must show the wanted state:
 * judged on a read of the circuit (and so of its peering), which the
 * engine's next circuit read then takes (az_circuit). */
static int
op_confirm(struct azure *az, struct cloud_op *op, struct fd_error *err)
{
	struct cloud_circuit cc;
	json_t *g = NULL;
	const json_t *props, *v6;
	const char *state, *prov, *want = az_want_str(op->want_enabled);
	int rc;

	az->confirmed_valid = false;
	if ((rc = read_circuit(az, &cc, &g, err)) < 0)
		return rc;
	props = json_object_get(g, "properties");
	v6 = json_object_get(props, "ipv6PeeringConfig");
	state = az_jstr(props, "state");
	prov = az_jstr(props, "provisioningState");
	if (!azure_status_is(state, want) ||
	    !azure_status_is(prov, "Succeeded"))
		rc = fd_error_set(err, -EIO, "peering %s of circuit %s is %s "
		    "(%s) after the operation, expected %s (request id %s)",
		    az->cfg.peering, az->cfg.circuit, state, prov, want,
		    op->info.request_id);
	else if (op->ipv6 && op->v6_want[0] && json_is_object(v6) &&
	    !azure_status_is(az_jstr(v6, "state"), op->v6_want))
		rc = fd_error_set(err, -EIO, "peering %s of circuit %s: IPv6 "
		    "is %s after the operation, expected %s (request id %s)",
		    az->cfg.peering, az->cfg.circuit, az_jstr(v6, "state"),
		    op->v6_want, op->info.request_id);
	if (rc < 0)
		fd_error_request_id(err, op->info.request_id);
	json_decref(g);
	if (rc == 0) {
		az->confirmed = cc;
		az->confirmed_valid = true;
		az->confirmed_n = az->arm.n_requests;
		az->confirmed_at = clock_now(&az->clock);
	}
	return rc;
}

static int
op_failed(struct azure *az, struct cloud_op *op, const char *status,
    const json_t *body, struct fd_error *err)
{
	const json_t *e = json_object_get(body, "error");
	char details[600];

	azure_error_details(e, details, sizeof(details));
	az_log_line(az, LOG_WARN, "azure: operation on peering %s failed: "
	    "%s: %s%s%s (request id %s, correlation id %s)", az->cfg.peering, status,
	    az_jstr(e, "code")[0] ? az_jstr(e, "code") : "no code",
	    details[0] ? "; details: " : "", details, op->info.request_id,
	    op->info.correlation_id);
	fd_error_set(err, -EIO, "ARM PUT expressRouteCircuits/%s/"
	    "peerings/%s: operation %s: %s: %s (request id %s)",
	    az->cfg.circuit, az->cfg.peering, status,
	    az_jstr(e, "code")[0] ? az_jstr(e, "code") : "no code",
	    az_jstr(e, "message")[0] ? az_jstr(e, "message") : "no message",
	    op->info.request_id);
	fd_error_request_id(err, op->info.request_id);
	/* NRP reports a conflict with another operation as an operation
	 * that ends Failed, not as a 409 on the PUT (Azure/bicep#5132:
	 * "AnotherOperationInProgress" in the async status); like the
	 * throttling and internal errors it passes.  A Canceled operation
	 * was cut short by another one. */
	return fd_error_kind_set(err, azure_status_is(status, "Canceled") ||
	    azure_transient_code(az_jstr(e, "code")) ? FD_ERR_TRANSIENT :
	    FD_ERR_FINAL);
}

int
az_op_poll(void *ctx, struct cloud_op *op, struct cloud_poll *out,
    struct fd_error *err)
{
	struct azure *az = ctx;
	struct cloud_poll poll;
	struct arm_resp r;
	const char *st;
	int rc;

	memset(&poll, 0, sizeof(poll));
	if (op->finished) {
		poll.done = true;
		snprintf(poll.status, sizeof(poll.status), "Succeeded");
		*out = poll;
		return 0;
	}
	if (!op->initial_done && op->retry_after_ms > 0) {
		/* The PUT's own Retry-After comes before the first poll, as
		 * azcore's PollUntilDone waits it out ("initial Retry-After
		 * delay", sdk/azcore/runtime/poller.go).  The engine sleeps
		 * it: this poll sends nothing. */
		op->initial_done = true;
		poll.retry_after_ms = op->retry_after_ms;
		snprintf(poll.status, sizeof(poll.status), "InProgress");
		az_log_line(az, LOG_DEBUG, "azure: operation on peering %s: "
		    "waiting the PUT's Retry-After of %llu ms before the "
		    "first poll",
		    az->cfg.peering, (unsigned long long)op->retry_after_ms);
		*out = poll;
		return 0;
	}
	op->initial_done = true;
	if ((rc = arm_call(&az->arm, "GET", op->poll_url, NULL, NULL, &r,
	    err)) < 0) {
		/* A status URL that fails (5xx, or 404 before it replicated)
		 * says nothing about the operation: a fresh GET of the
		 * peering decides, so it is never final. */
		fd_error_prefix(err, "peering %s of circuit %s",
		    az->cfg.peering, az->cfg.circuit);
		return fd_error_kind_set(err, FD_ERR_TRANSIENT);
	}
	poll.retry_after_ms = r.retry_after_ms;
	switch (op->kind) {
	case OP_ASYNC:
		st = az_jstr(r.json, "status");
		break;
	case OP_LOCATION:
		if (r.location != NULL) {
			free(op->poll_url);
			op->poll_url = r.location;
			r.location = NULL;
		}
		/* Go azcore loc poller: provisioningState if present, else
		 * 202 running, other 2xx done. */
		st = az_jstr(json_object_get(r.json, "properties"),
		    "provisioningState");
		if (st[0] == '\0')
			st = r.status == 202 ? "InProgress" : "Succeeded";
		break;
	default:
		st = az_jstr(json_object_get(r.json, "properties"),
		    "provisioningState");
		if (st[0] == '\0')
			st = "Succeeded";
		break;
	}
	snprintf(poll.status, sizeof(poll.status), "%s",
	    st[0] ? st : "InProgress");
	az_log_line(az, LOG_DEBUG, "azure: operation on peering %s: %s",
	    az->cfg.peering, poll.status);
	if (azure_status_is(st, "Failed") || azure_status_is(st, "Canceled")) {
		rc = op_failed(az, op, poll.status, r.json, err);
		arm_resp_done(&r);
		return rc;
	}
	arm_resp_done(&r);
	/* st pointed into the response just freed. */
	if (azure_status_is(poll.status, "Succeeded")) {
		/* PUT: the final state is the resource itself (Go azcore
		 * FinalGetURL, AZURE-REST.md §2.4). */
		if ((rc = op_confirm(az, op, err)) < 0)
			return rc;
		op->finished = true;
		poll.done = true;
	}
	*out = poll;
	return 0;
}

void
az_op_free(struct cloud_op *op)
{
	if (op == NULL)
		return;
	free(op->poll_url);
	free(op);
}

void
az_ipv6_restore(void *ctx, enum cloud_state state)
{
	struct azure *az = ctx;

	snprintf(az->v6_restore, sizeof(az->v6_restore), "%s",
	    state == CLOUD_STATE_ENABLED ? az_want_str(true) :
	    state == CLOUD_STATE_DISABLED ? az_want_str(false) : "");
}
