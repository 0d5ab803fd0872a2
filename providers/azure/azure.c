/*
 * The Azure cloud provider: circuit and peering state, the peering toggle
 * as a begin + poll operation, and the Azure-side reads (gateway routes,
 * BGP peers, circuit route tables, Network Watcher connectivity check).
 * Facts: ../shared/reference/AZURE-REST.md (sections cited inline).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "azure.h"
#include "log.h"
#include "registry.h"

struct azure {
	struct azure_cfg cfg;
	struct fd_clock clock;
	struct http own_http;	/* opened here unless injected */
	struct http http;
	struct azure_cred *cred;
	struct arm arm;
	char peering_path[768];
	char circuit_path[512];
	char gateway_path[512];
	/* IPv6 peering state seen before our own disable, and the one the
	 * engine asked the next enable to put back (ipv6_restore). */
	char v6_seen[16];
	char v6_restore[16];
};

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

static const char *
want_str(bool enabled)
{
	return enabled ? "Enabled" : "Disabled";
}

static const char *
jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static void
log_line(struct azure *az, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
log_line(struct azure *az, enum log_level level, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (az->arm.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	az->arm.log(az->arm.log_arg, level, line);
}

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

/* ---------------------------------------------------------- conversions */

json_t *
azure_peering_writable(const json_t *peering)
{
	/* Read-only per the spec and the az CLI's AAZ serializer
	 * (AZURE-REST.md §1.3); everything else goes back unchanged. */
	static const char *const ro_props[] = {
		"provisioningState", "lastModifiedBy", "peeredConnections",
		NULL,
	};
	static const char *const ro_conn[] = {
		"provisioningState", "circuitConnectionStatus", NULL,
	};
	json_t *w, *props, *mpc, *v6, *conns, *c, *erc;
	size_t i, k;

	w = json_deep_copy(peering);
	if (w == NULL)
		return NULL;
	json_object_del(w, "etag");
	json_object_del(w, "type");
	props = json_object_get(w, "properties");
	for (i = 0; ro_props[i] != NULL; i++)
		json_object_del(props, ro_props[i]);
	mpc = json_object_get(props, "microsoftPeeringConfig");
	json_object_del(mpc, "advertisedPublicPrefixesState");
	v6 = json_object_get(props, "ipv6PeeringConfig");
	mpc = json_object_get(v6, "microsoftPeeringConfig");
	json_object_del(mpc, "advertisedPublicPrefixesState");
	/* expressRouteConnection is an ExpressRouteConnectionId whose only
	 * member, id, is readOnly (virtualWan.json); nothing of it is
	 * written back. */
	erc = json_object_get(props, "expressRouteConnection");
	json_object_del(erc, "id");
	if (json_is_object(erc) && json_object_size(erc) == 0)
		json_object_del(props, "expressRouteConnection");
	conns = json_object_get(props, "connections");
	json_array_foreach(conns, i, c) {
		json_t *cp = json_object_get(c, "properties");

		json_object_del(c, "etag");
		json_object_del(c, "type");
		for (k = 0; ro_conn[k] != NULL; k++)
			json_object_del(cp, ro_conn[k]);
		/* Ipv6CircuitConnectionConfig.circuitConnectionStatus is
		 * readOnly (expressRouteCircuit.json 2024-05-01). */
		json_object_del(json_object_get(cp,
		    "ipv6CircuitConnectionConfig"), "circuitConnectionStatus");
	}
	return w;
}

static void
addr_from(const json_t *o, const char *key, struct fd_addr *out)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (s != NULL && addr_parse(s, out, NULL) < 0)
		memset(out, 0, sizeof(*out));
}

int
azure_gateway_routes(const json_t *values, struct route_set *out,
    struct fd_error *err)
{
	struct route_set s;
	const json_t *v;
	size_t i;
	int rc;

	route_set_init(&s);
	json_array_foreach(values, i, v) {
		struct route r;
		const char *net = jstr(v, "network");

		route_init(&r);
		if ((rc = prefix_parse_host(net, &r.prefix, err)) < 0) {
			route_set_done(&s);
			return fd_error_prefix(err, "gateway route %zu", i);
		}
		/* origin: EBgp, IBgp, Igp, Network (AZURE-REST.md §5.1). */
		snprintf(r.protocol, sizeof(r.protocol), "%s", jstr(v,
		    "origin"));
		r.as_path_cut = !as_path_normalise(jstr(v, "asPath"),
		    r.as_path, sizeof(r.as_path));
		addr_from(v, "sourcePeer", &r.from);
		snprintf(r.table, sizeof(r.table), "%s", jstr(v,
		    "localAddress"));
		r.active = true;
		addr_from(v, "nextHop", &r.nh[0].addr);
		if (addr_is_set(&r.nh[0].addr)) {
			r.nh[0].selected = true;
			r.n_nh = 1;
		}
		if ((rc = route_set_add(&s, &r)) < 0) {
			route_set_done(&s);
			return fd_error_set(err, rc, "out of memory");
		}
	}
	*out = s;
	return 0;
}

int
azure_table_routes(const json_t *values, struct route_set *out,
    struct fd_error *err)
{
	struct route_set s;
	const json_t *v;
	size_t i;
	int rc;

	route_set_init(&s);
	json_array_foreach(values, i, v) {
		struct route r;
		const char *lp = jstr(v, "locPrf");

		route_init(&r);
		if ((rc = prefix_parse_host(jstr(v, "network"), &r.prefix,
		    err)) < 0) {
			route_set_done(&s);
			return fd_error_prefix(err, "route table entry %zu", i);
		}
		snprintf(r.protocol, sizeof(r.protocol), "BGP");
		r.as_path_cut = !as_path_normalise(jstr(v, "path"),
		    r.as_path, sizeof(r.as_path));
		if (lp[0] != '\0')
			r.local_pref = strtoll(lp, NULL, 10);
		r.active = true;
		addr_from(v, "nextHop", &r.nh[0].addr);
		if (addr_is_set(&r.nh[0].addr)) {
			r.nh[0].selected = true;
			r.n_nh = 1;
		}
		if ((rc = route_set_add(&s, &r)) < 0) {
			route_set_done(&s);
			return fd_error_set(err, rc, "out of memory");
		}
	}
	*out = s;
	return 0;
}

/* "00:09:13.9013469" or "1.02:03:04" (days.hh:mm:ss) to seconds. */
static long long
duration_s(const char *s)
{
	long long d = 0, h = 0, m = 0, sec = 0;

	if (sscanf(s, "%lld.%lld:%lld:%lld", &d, &h, &m, &sec) == 4)
		return ((d * 24 + h) * 60 + m) * 60 + sec;
	if (sscanf(s, "%lld:%lld:%lld", &h, &m, &sec) == 3)
		return (h * 60 + m) * 60 + sec;
	return -1;
}

int
azure_bgp_peers(const json_t *values, struct bgp_summary *out,
    struct fd_error *err)
{
	struct bgp_summary s;
	const json_t *v;
	size_t i;
	int rc;

	bgp_summary_init(&s);
	json_array_foreach(values, i, v) {
		struct bgp_peer p;
		json_t *n;

		bgp_peer_init(&p);
		if ((rc = addr_parse(jstr(v, "neighbor"), &p.addr, err)) < 0) {
			bgp_summary_done(&s);
			return fd_error_prefix(err, "BGP peer %zu", i);
		}
		if (json_is_integer(n = json_object_get(v, "asn")))
			p.peer_as = json_integer_value(n);
		/* BgpPeerState: Unknown, Stopped, Idle, Connecting,
		 * Connected. */
		snprintf(p.state, sizeof(p.state), "%s", jstr(v, "state"));
		if (json_is_integer(n = json_object_get(v, "routesReceived")))
			p.received = json_integer_value(n);
		p.uptime_s = duration_s(jstr(v, "connectedDuration"));
		if ((rc = bgp_summary_add(&s, &p)) < 0) {
			bgp_summary_done(&s);
			return fd_error_set(err, rc, "out of memory");
		}
	}
	*out = s;
	return 0;
}

int
azure_conncheck_hops(const json_t *result, const struct conncheck_req *req,
    struct hop_list *out, struct fd_error *err)
{
	const char *status = jstr(result, "connectionStatus");
	const json_t *hops = json_object_get(result, "hops"), *h;
	unsigned ttl = 0;
	size_t i;
	int rc;

	if (!json_is_array(hops) || json_array_size(hops) == 0)
		return fd_error_set(err, -ENODATA, "connectivity check: no "
		    "hops (status %s)", status[0] ? status : "none");
	hop_list_init(out);
	snprintf(out->source, sizeof(out->source), "azure-conncheck");
	out->target = req->dest;
	json_array_foreach(hops, i, h) {
		struct fd_addr a;
		const char *addr = jstr(h, "address");
		bool ok;

		/* A traceroute does not list its own source. */
		if (azure_status_is(jstr(h, "type"), "Source"))
			continue;
		ok = addr_parse(addr, &a, NULL) == 0;
		rc = hop_list_add_probe(out, ++ttl, ok ? &a : NULL,
		    ok ? NULL : addr, -1, "");
		if (rc < 0)
			return fd_error_set(err, rc, "connectivity check: "
			    "too many hops");
	}
	hop_list_finish(out);
	/* Spec enum Connected/Disconnected/Degraded/Unknown; older outputs
	 * say Reachable/Unreachable (AZURE-REST.md §6). */
	if (!azure_status_is(status, "Connected") &&
	    !azure_status_is(status, "Reachable"))
		out->reached = false;
	return 0;
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
	const char *prov = jstr(props, "provisioningState");
	json_t *n;

	c->peering = state_of(jstr(props, "state"));
	c->peering_ipv6 = state_of(jstr(v6, "state"));
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
	    jstr(props, "primaryPeerAddressPrefix"));
	snprintf(c->secondary_prefix, sizeof(c->secondary_prefix), "%s",
	    jstr(props, "secondaryPeerAddressPrefix"));
	snprintf(c->etag, sizeof(c->etag), "%s", jstr(p, "etag"));
}

/* Ready for a peering write: the circuit Provisioned by its provider,
 * Succeeded (a circuit still Updating, or Failed, takes no peering
 * write) and, when it says, Enabled (AZURE-REST.md §5.3). */
static void
fill_ready(const json_t *props, struct cloud_circuit *c)
{
	const char *sp = jstr(props, "serviceProviderProvisioningState");
	const char *prov = jstr(props, "provisioningState");
	const char *cps = jstr(props, "circuitProvisioningState");

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

static int
az_circuit(void *ctx, struct cloud_circuit *out, struct fd_error *err)
{
	struct azure *az = ctx;
	struct cloud_circuit c;
	struct arm_resp r, p;
	const json_t *props, *pe;
	bool found = false;
	size_t i;
	int rc;

	memset(&c, 0, sizeof(c));
	c.peer_asn = c.azure_asn = -1;
	if ((rc = arm_call(&az->arm, "GET", az->circuit_path, NULL, NULL, &r,
	    err)) < 0)
		return rc;
	props = json_object_get(r.json, "properties");
	fill_ready(props, &c);
	json_array_foreach(json_object_get(props, "peerings"), i, pe)
		if (strcmp(jstr(pe, "name"), az->cfg.peering) == 0) {
			fill_peering(pe, &c);
			found = true;
		}
	arm_resp_done(&r);
	if (!found) {
		/* The circuit body may omit its peerings. */
		if ((rc = get_peering(az, &p, err)) < 0)
			return rc;
		fill_peering(p.json, &c);
		arm_resp_done(&p);
	}
	*out = c;
	return 0;
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

static int
az_peering_set_begin(void *ctx, bool enabled, bool force,
    struct cloud_op **out, struct cloud_op_info *info, struct fd_error *err)
{
	struct azure *az = ctx;
	const char *want = want_str(enabled);
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
		state = jstr(props, "state");
		prov = jstr(props, "provisioningState");
		v6_toggle = az->cfg.ipv6 && json_is_object(v6);
		/* IPv6 goes back to exactly what it was: the disable
		 * remembers it, the engine may name it (ipv6_restore, from
		 * preflight or the journal); an IPv6 peering that was off
		 * is never enabled, and unknown means unchanged. */
		if (v6_toggle && !enabled && attempt == 0)
			snprintf(az->v6_seen, sizeof(az->v6_seen), "%s",
			    jstr(v6, "state"));
		snprintf(v6want, sizeof(v6want), "%s", !v6_toggle ? want :
		    !enabled ? "Disabled" : az->v6_restore[0] ?
		    az->v6_restore : az->v6_seen[0] ? az->v6_seen :
		    jstr(v6, "state"));
		v6state = v6_toggle ? jstr(v6, "state") : v6want;
		if (attempt > 0 && azure_status_is(state, want) &&
		    azure_status_is(v6state, v6want) &&
		    !azure_status_is(prov, "Failed")) {
			/* After a 412 the peering already shows what we
			 * asked for: our own PUT went through although its
			 * answer was lost (then retried with a stale etag).
			 * Follow the resource's provisioningState. */
			struct arm_resp none;

			log_line(az, LOG_DEBUG, "azure: peering %s already %s (%s) after "
			    "412: following it", az->cfg.peering, want, prov);
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
			log_line(az, LOG_WARN, "azure: peering %s of circuit %s still "
			    "not %s after a 412: enabling it without "
			    "If-Match", az->cfg.peering, az->cfg.circuit,
			    want);
			etag[0] = '\0';
		}
		log_line(az, LOG_DEBUG, "azure: PUT peering %s of circuit %s state %s%s%s "
		    "(If-Match %s)", az->cfg.peering, az->cfg.circuit, want,
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
			log_line(az, LOG_DEBUG, "azure: 412 Precondition Failed, "
			    "re-reading the peering");
			continue;
		}
		if (rc < 0) {
			if (err != NULL && sent_unknown)
				err->unchanged = false;
			return rc;
		}
		rc = op_new(az, &p, enabled, out, err);
		if (rc == 0)
			snprintf((*out)->v6_want, sizeof((*out)->v6_want), "%s",
			    v6want);
		if (rc == 0 && info != NULL)
			*info = (*out)->info;
		arm_resp_done(&p);
		return rc;
	}
}

/* After a Succeeded operation, the peering must show the wanted state. */
static int
op_confirm(struct azure *az, struct cloud_op *op, struct fd_error *err)
{
	struct arm_resp g;
	const json_t *props, *v6;
	const char *state, *prov, *want = want_str(op->want_enabled);
	int rc;

	if ((rc = get_peering(az, &g, err)) < 0)
		return rc;
	props = json_object_get(g.json, "properties");
	v6 = json_object_get(props, "ipv6PeeringConfig");
	state = jstr(props, "state");
	prov = jstr(props, "provisioningState");
	if (!azure_status_is(state, want) ||
	    !azure_status_is(prov, "Succeeded"))
		rc = fd_error_set(err, -EIO, "peering %s of circuit %s is %s "
		    "(%s) after the operation, expected %s (request id %s)",
		    az->cfg.peering, az->cfg.circuit, state, prov, want,
		    op->info.request_id);
	else if (op->ipv6 && op->v6_want[0] && json_is_object(v6) &&
	    !azure_status_is(jstr(v6, "state"), op->v6_want))
		rc = fd_error_set(err, -EIO, "peering %s of circuit %s: IPv6 "
		    "is %s after the operation, expected %s (request id %s)",
		    az->cfg.peering, az->cfg.circuit, jstr(v6, "state"),
		    op->v6_want, op->info.request_id);
	if (rc < 0)
		fd_error_request_id(err, op->info.request_id);
	arm_resp_done(&g);
	return rc;
}

static int
op_failed(struct azure *az, struct cloud_op *op, const char *status,
    const json_t *body, struct fd_error *err)
{
	const json_t *e = json_object_get(body, "error");
	char details[600];

	azure_error_details(e, details, sizeof(details));
	log_line(az, LOG_WARN, "azure: operation on peering %s failed: %s: %s%s%s "
	    "(request id %s, correlation id %s)", az->cfg.peering, status,
	    jstr(e, "code")[0] ? jstr(e, "code") : "no code",
	    details[0] ? "; details: " : "", details, op->info.request_id,
	    op->info.correlation_id);
	fd_error_set(err, -EIO, "ARM PUT expressRouteCircuits/%s/"
	    "peerings/%s: operation %s: %s: %s (request id %s)",
	    az->cfg.circuit, az->cfg.peering, status,
	    jstr(e, "code")[0] ? jstr(e, "code") : "no code",
	    jstr(e, "message")[0] ? jstr(e, "message") : "no message",
	    op->info.request_id);
	fd_error_request_id(err, op->info.request_id);
	/* NRP reports a conflict with another operation as an operation
	 * that ends Failed, not as a 409 on the PUT (Azure/bicep#5132:
	 * "AnotherOperationInProgress" in the async status); like the
	 * throttling and internal errors it passes.  A Canceled operation
	 * was cut short by another one. */
	return fd_error_kind_set(err, azure_status_is(status, "Canceled") ||
	    azure_transient_code(jstr(e, "code")) ? FD_ERR_TRANSIENT :
	    FD_ERR_FINAL);
}

static int
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
		log_line(az, LOG_DEBUG, "azure: operation on peering %s: waiting the "
		    "PUT's Retry-After of %llu ms before the first poll",
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
		st = jstr(r.json, "status");
		break;
	case OP_LOCATION:
		if (r.location != NULL) {
			free(op->poll_url);
			op->poll_url = r.location;
			r.location = NULL;
		}
		/* Go azcore loc poller: provisioningState if present, else
		 * 202 running, other 2xx done. */
		st = jstr(json_object_get(r.json, "properties"),
		    "provisioningState");
		if (st[0] == '\0')
			st = r.status == 202 ? "InProgress" : "Succeeded";
		break;
	default:
		st = jstr(json_object_get(r.json, "properties"),
		    "provisioningState");
		if (st[0] == '\0')
			st = "Succeeded";
		break;
	}
	snprintf(poll.status, sizeof(poll.status), "%s",
	    st[0] ? st : "InProgress");
	log_line(az, LOG_DEBUG, "azure: operation on peering %s: %s", az->cfg.peering,
	    poll.status);
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

static void
az_op_free(struct cloud_op *op)
{
	if (op == NULL)
		return;
	free(op->poll_url);
	free(op);
}

/* -------------------------------------------------------------- reads */

/* POST one of the VPN gateway's read actions (getLearnedRoutes,
 * getAdvertisedRoutes, getBgpPeerStatus) and hand back its "value". */
static int
gateway_action(struct azure *az, const char *action, const char *query,
    json_t **res, struct fd_error *err)
{
	char path[600];

	if (az->cfg.vpn_gateway[0] == '\0')
		return fd_error_set(err, -EINVAL, "azure: no vpn_gateway "
		    "configured");
	snprintf(path, sizeof(path), "%s/%s", az->gateway_path, action);
	return arm_action(&az->arm, path, query, NULL, res, err);
}

static int
az_learned_routes(void *ctx, struct route_set *out, struct fd_error *err)
{
	json_t *res;
	int rc;

	if ((rc = gateway_action(ctx, "getLearnedRoutes", NULL, &res,
	    err)) < 0)
		return rc;
	rc = azure_gateway_routes(json_object_get(res, "value"), out, err);
	json_decref(res);
	return rc;
}

static int
az_advertised_routes(void *ctx, const struct fd_addr *peer,
    struct route_set *out, struct fd_error *err)
{
	char q[80], a[FD_ADDR_STRLEN];
	json_t *res;
	int rc;

	/* An address needs no escaping except IPv6 colons, which are
	 * allowed in a query. */
	snprintf(q, sizeof(q), "peer=%s", addr_str(peer, a, sizeof(a)));
	if ((rc = gateway_action(ctx, "getAdvertisedRoutes", q, &res,
	    err)) < 0)
		return rc;
	rc = azure_gateway_routes(json_object_get(res, "value"), out, err);
	json_decref(res);
	return rc;
}

static int
az_bgp_peers(void *ctx, struct bgp_summary *out, struct fd_error *err)
{
	json_t *res;
	int rc;

	if ((rc = gateway_action(ctx, "getBgpPeerStatus", NULL, &res,
	    err)) < 0)
		return rc;
	rc = azure_bgp_peers(json_object_get(res, "value"), out, err);
	json_decref(res);
	return rc;
}

static int
az_circuit_routes(void *ctx, const char *which, struct route_set *out,
    struct fd_error *err)
{
	struct azure *az = ctx;
	char path[900];
	const char *dev;
	json_t *res;
	int rc;

	/* devicePath is "Primary" or "Secondary" (PowerShell's
	 * DevicePathEnum, AZURE-REST.md §5.2). */
	if (strcasecmp(which, "primary") == 0)
		dev = "Primary";
	else if (strcasecmp(which, "secondary") == 0)
		dev = "Secondary";
	else
		return fd_error_set(err, -EINVAL, "circuit route table '%s': "
		    "primary or secondary", which);
	snprintf(path, sizeof(path), "%s/routeTables/%s", az->peering_path,
	    dev);
	if ((rc = arm_action(&az->arm, path, NULL, NULL, &res, err)) < 0)
		return rc;
	rc = azure_table_routes(json_object_get(res, "value"), out, err);
	json_decref(res);
	return rc;
}

static int
az_connectivity(void *ctx, const struct conncheck_req *req,
    struct hop_list *out, struct fd_error *err)
{
	struct azure *az = ctx;
	char path[800], a[FD_ADDR_STRLEN];
	json_t *body, *res;
	int rc;

	if (az->cfg.network_watcher[0] == '\0' ||
	    az->cfg.network_watcher_rg[0] == '\0' ||
	    az->cfg.source_vm_id[0] == '\0')
		return fd_error_set(err, -EINVAL, "azure: connectivity check "
		    "needs network_watcher, network_watcher_rg and "
		    "source_vm_id");
	snprintf(path, sizeof(path), "/subscriptions/%s/resourceGroups/%s/"
	    "providers/Microsoft.Network/networkWatchers/%s/"
	    "connectivityCheck", az->cfg.subscription,
	    az->cfg.network_watcher_rg, az->cfg.network_watcher);
	body = json_pack("{s:{s:s}, s:{s:s, s:i}, s:s, s:s}",
	    "source", "resourceId", az->cfg.source_vm_id,
	    "destination", "address", addr_str(&req->dest, a, sizeof(a)),
	    "port", (int)req->port,
	    "protocol", req->protocol[0] ? req->protocol : "Icmp",
	    "preferredIPVersion",
	    req->dest.family == AF_INET6 ? "IPv6" : "IPv4");
	if (body == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	rc = arm_action(&az->arm, path, NULL, body, &res, err);
	json_decref(body);
	if (rc < 0)
		return rc;
	rc = azure_conncheck_hops(res, req, out, err);
	json_decref(res);
	return rc;
}

/* -------------------------------------------------------- preflight */

bool
azure_action_match(const char *pat, const char *act)
{
	/* ARM's matching: case-insensitive, '*' any run of characters,
	 * '/' included (Microsoft.Network/ * /read), no other
	 * metacharacters (MicrosoftDocs role-based-access-control/
	 * role-definitions.md, "Actions").  Backtracking on the last star
	 * suffices for a single-class wildcard. */
	const char *star = NULL, *resume = NULL;

	while (*act != '\0') {
		if (*pat == '*') {
			star = ++pat;
			resume = act;
		} else if (*pat != '\0' && strncasecmp(pat, act, 1) == 0) {
			pat++;
			act++;
		} else if (star != NULL) {
			pat = star;
			act = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

static bool
any_match(const json_t *patterns, const char *action)
{
	const json_t *p;
	size_t i;

	json_array_foreach(patterns, i, p)
		if (json_is_string(p) &&
		    azure_action_match(json_string_value(p), action))
			return true;
	return false;
}

bool
azure_perm_allows(const json_t *perms, const char *action)
{
	const json_t *p;
	size_t i;

	/* PermissionGetResult.value: one Permission per role assignment
	 * (azure-rest-api-specs specification/authorization/resource-manager/
	 * Microsoft.Authorization/stable/2022-04-01/
	 * authorization-RoleDefinitionsCalls.json).  A role's notActions
	 * take actions away from that role only; roles add up. */
	json_array_foreach(perms, i, p)
		if (any_match(json_object_get(p, "actions"), action) &&
		    !any_match(json_object_get(p, "notActions"), action))
			return true;
	return false;
}

size_t
azure_needed_actions(const struct azure_cfg *cfg, const char **out,
    size_t max)
{
	/* Operation names: MicrosoftDocs role-based-access-control/
	 * resource-provider-operations.md (Microsoft.Network).  The same
	 * list is drills/roles/azure-failover-drill.json (a unit test keeps
	 * them equal). */
	static const struct {
		const char *action;
		bool gateway;
	} needs[] = {
		{ "Microsoft.Network/expressRouteCircuits/read", false },
		{ "Microsoft.Network/expressRouteCircuits/peerings/read",
		    false },
		{ "Microsoft.Network/expressRouteCircuits/peerings/"
		    "routeTablesSummary/read", false },
		{ "Microsoft.Network/locations/operations/read", false },
		{ "Microsoft.Network/locations/operationResults/read", false },
		{ "Microsoft.Network/virtualNetworkGateways/read", true },
		{ "Microsoft.Network/virtualNetworkGateways/getLearnedRoutes/"
		    "action", true },
		{ "Microsoft.Network/virtualNetworkGateways/"
		    "getAdvertisedRoutes/action", true },
		{ "Microsoft.Network/virtualNetworkGateways/getBgpPeerStatus/"
		    "action", true },
		{ "Microsoft.Network/virtualNetworkGateways/connections/read",
		    true },
		{ "Microsoft.Network/connections/read", true },
		/* The one write: disable and restore of the peering. */
		{ "Microsoft.Network/expressRouteCircuits/peerings/write",
		    false },
	};
	size_t i, n = 0;

	for (i = 0; i < sizeof(needs) / sizeof(needs[0]) && n < max; i++)
		if (!needs[i].gateway || cfg->vpn_gateway[0] != '\0')
			out[n++] = needs[i].action;
	if (cfg->network_watcher[0] != '\0' && n < max)
		out[n++] = "Microsoft.Network/networkWatchers/"
		    "connectivityCheck/action";
	return n;
}

/* Permissions_ListForResource of one resource (every page), api-version
 * 2022-04-01: its own api-version, so the URL is absolute (arm_call
 * appends the Microsoft.Network one to paths). */
static int
permissions_of(struct azure *az, const char *resource, json_t **out,
    struct fd_error *err)
{
	char url[AZURE_URL_MAX];

	snprintf(url, sizeof(url), "%s%s/providers/Microsoft.Authorization/"
	    "permissions?api-version=2022-04-01", az->arm.endpoint, resource);
	return arm_get_all(&az->arm, url, out, err);
}

static bool
gateway_scoped(const char *action)
{
	return strncmp(action, "Microsoft.Network/virtualNetworkGateways/",
	    strlen("Microsoft.Network/virtualNetworkGateways/")) == 0 ||
	    strncmp(action, "Microsoft.Network/connections/",
	    strlen("Microsoft.Network/connections/")) == 0;
}

static int
az_permissions(void *ctx, struct fd_error *err)
{
	struct azure *az = ctx;
	const char *need[16];
	char missing[FD_ERROR_MSG] = "";
	size_t i, n, n_missing = 0, off = 0;
	json_t *ckt = NULL, *gw = NULL;
	int rc;

	/* Each action is judged at the scope it acts on: the circuit's
	 * (which inherits the resource group's and subscription's
	 * assignments) or the gateway's, where a role may be assigned on
	 * the gateway alone. */
	if ((rc = permissions_of(az, az->circuit_path, &ckt, err)) < 0)
		return fd_error_prefix(err, "permissions on circuit %s",
		    az->cfg.circuit);
	if (az->cfg.vpn_gateway[0] != '\0' &&
	    (rc = permissions_of(az, az->gateway_path, &gw, err)) < 0) {
		json_decref(ckt);
		return fd_error_prefix(err, "permissions on VPN gateway %s",
		    az->cfg.vpn_gateway);
	}
	n = azure_needed_actions(&az->cfg, need, 16);
	for (i = 0; i < n; i++) {
		const json_t *perms = json_object_get(gw != NULL &&
		    gateway_scoped(need[i]) ? gw : ckt, "value");

		if (azure_perm_allows(perms, need[i]))
			continue;
		n_missing++;
		if (off < sizeof(missing))
			off += (size_t)snprintf(missing + off,
			    sizeof(missing) - off, "%s%s", off ? ", " : "",
			    need[i]);
	}
	json_decref(ckt);
	json_decref(gw);
	if (n_missing > 0)
		return fd_error_set(err, -EPERM, "the principal (%s) lacks "
		    "%zu action(s) on circuit %s%s%s: %s",
		    azure_cred_kind(az->cred), n_missing, az->cfg.circuit,
		    gw != NULL ? " and VPN gateway " : "",
		    gw != NULL ? az->cfg.vpn_gateway : "", missing);
	return 0;
}

int
azure_link_summary(const json_t *values, struct bgp_summary *out,
    struct fd_error *err)
{
	struct bgp_summary s;
	const json_t *v;
	size_t i;
	int rc;

	bgp_summary_init(&s);
	json_array_foreach(values, i, v) {
		struct bgp_peer p;
		const char *st = jstr(v, "statePfxRcd");
		json_t *n;
		char *end;
		long long cnt;

		bgp_peer_init(&p);
		if ((rc = addr_parse(jstr(v, "neighbor"), &p.addr, err)) < 0) {
			bgp_summary_done(&s);
			return fd_error_prefix(err, "route table summary "
			    "neighbor %zu", i);
		}
		if (json_is_integer(n = json_object_get(v, "as")))
			p.peer_as = json_integer_value(n);
		/* statePfxRcd: the prefix count when the session is up, else
		 * a BGP state ("Idle", "Active"; AZURE-REST.md §5.2). */
		cnt = strtoll(st, &end, 10);
		if (st[0] != '\0' && *end == '\0' && cnt >= 0) {
			snprintf(p.state, sizeof(p.state), "Established");
			p.received = cnt;
		} else {
			snprintf(p.state, sizeof(p.state), "%s",
			    st[0] ? st : "unknown");
		}
		if ((rc = bgp_summary_add(&s, &p)) < 0) {
			bgp_summary_done(&s);
			return fd_error_set(err, rc, "out of memory");
		}
	}
	*out = s;
	return 0;
}

static int
az_link_summary(void *ctx, const char *link, struct bgp_summary *out,
    struct fd_error *err)
{
	struct azure *az = ctx;
	char path[900];
	const char *dev;
	json_t *res;
	int rc;

	if (strcasecmp(link, "primary") == 0)
		dev = "Primary";
	else if (strcasecmp(link, "secondary") == 0)
		dev = "Secondary";
	else
		return fd_error_set(err, -EINVAL, "link '%s': Primary or "
		    "Secondary", link);
	/* ExpressRouteCircuits_ListRoutesTableSummary: POST, LRO
	 * final-state-via location (AZURE-REST.md §5.2). */
	snprintf(path, sizeof(path), "%s/routeTablesSummary/%s",
	    az->peering_path, dev);
	if ((rc = arm_action(&az->arm, path, NULL, NULL, &res, err)) < 0)
		return rc;
	rc = azure_link_summary(json_object_get(res, "value"), out, err);
	json_decref(res);
	return rc;
}

/* One connection's own GET: connectionStatus (Unknown, Connecting,
 * Connected, NotConnected) and tunnelConnectionStatus[] {tunnel,
 * connectionStatus, ...} (azure-rest-api-specs Microsoft.Network
 * virtualNetworkGateway.json VirtualNetworkGatewayConnection-
 * PropertiesFormat, TunnelConnectionHealth).  The gateway's list of
 * connections is not relied on for status. */
static int
connection_up(struct azure *az, const json_t *entry, struct fd_error *err)
{
	const char *id = jstr(entry, "id"), *name = jstr(entry, "name");
	const json_t *props, *tun, *t;
	struct arm_resp r;
	const char *st;
	size_t i;
	int rc;

	if (id[0] != '/')
		return fd_error_set(err, -EPROTO, "VPN connection %s: no id",
		    name);
	if ((rc = arm_call(&az->arm, "GET", id, NULL, NULL, &r, err)) < 0)
		return rc;
	props = json_object_get(r.json, "properties");
	st = jstr(props, "connectionStatus");
	if (!azure_status_is(st, "Connected")) {
		rc = fd_error_set(err, -EBADMSG, "VPN connection %s is %s, "
		    "not Connected", name, st[0] ? st : "in no state");
		goto out;
	}
	tun = json_object_get(props, "tunnelConnectionStatus");
	json_array_foreach(tun, i, t) {
		st = jstr(t, "connectionStatus");
		if (!azure_status_is(st, "Connected")) {
			rc = fd_error_set(err, -EBADMSG, "VPN connection %s: "
			    "tunnel %s is %s, not Connected", name,
			    jstr(t, "tunnel"), st[0] ? st : "in no state");
			goto out;
		}
	}
out:
	arm_resp_done(&r);
	return rc;
}

/* An active-active gateway: each instance (bgpSettings.
 * bgpPeeringAddresses[].defaultBgpIpAddresses) has a Connected BGP peer
 * outside the gateway's own ASN. */
static int
instances_peered(struct azure *az, const json_t *gw, struct fd_error *err)
{
	const json_t *bgp = json_object_get(json_object_get(gw, "properties"),
	    "bgpSettings"), *pa, *addrs, *peers, *pe;
	json_t *res = NULL;
	json_int_t own = json_integer_value(json_object_get(bgp, "asn"));
	size_t i, k;
	int rc;

	if ((rc = gateway_action(az, "getBgpPeerStatus", NULL, &res,
	    err)) < 0)
		return rc;
	peers = json_object_get(res, "value");
	json_array_foreach(json_object_get(bgp, "bgpPeeringAddresses"), i,
	    pa) {
		const char *inst;
		bool up = false;

		addrs = json_object_get(pa, "customBgpIpAddresses");
		if (json_array_size(addrs) == 0)
			addrs = json_object_get(pa, "defaultBgpIpAddresses");
		inst = json_string_value(json_array_get(addrs, 0));
		if (inst == NULL)
			continue;
		json_array_foreach(peers, k, pe)
			if (strcmp(jstr(pe, "localAddress"), inst) == 0 &&
			    json_integer_value(json_object_get(pe, "asn")) !=
			    own && azure_status_is(jstr(pe, "state"),
			    "Connected"))
				up = true;
		if (!up) {
			rc = fd_error_set(err, -EBADMSG, "active-active VPN "
			    "gateway %s: instance %s has no Connected BGP "
			    "peer", az->cfg.vpn_gateway, inst);
			break;
		}
	}
	json_decref(res);
	return rc;
}

static int
az_vpn_connections(void *ctx, struct fd_error *err)
{
	struct azure *az = ctx;
	char path[600];
	struct arm_resp g;
	json_t *list = NULL;
	const json_t *c;
	size_t i;
	int rc;

	if (az->cfg.vpn_gateway[0] == '\0')
		return fd_error_set(err, -EINVAL, "azure: no vpn_gateway "
		    "configured");
	/* VirtualNetworkGateways_ListConnections (pageable). */
	snprintf(path, sizeof(path), "%s/connections", az->gateway_path);
	if ((rc = arm_get_all(&az->arm, path, &list, err)) < 0)
		return rc;
	if (json_array_size(json_object_get(list, "value")) == 0)
		rc = fd_error_set(err, -ENODATA, "VPN gateway %s has no "
		    "connections", az->cfg.vpn_gateway);
	json_array_foreach(json_object_get(list, "value"), i, c)
		if (rc == 0)
			rc = connection_up(az, c, err);
	json_decref(list);
	if (rc < 0)
		return rc;
	if ((rc = arm_call(&az->arm, "GET", az->gateway_path, NULL, NULL, &g,
	    err)) < 0)
		return rc;
	if (json_is_true(json_object_get(json_object_get(g.json,
	    "properties"), "activeActive")))
		rc = instances_peered(az, g.json, err);
	arm_resp_done(&g);
	return rc;
}

static int
az_link_test_idle(void *ctx, struct fd_error *err)
{
	struct azure *az = ctx;
	char url[AZURE_URL_MAX];
	const json_t *tests, *t;
	json_t *res;
	size_t i;
	int rc;

	/* getCircuitLinkFailoverAllTestsDetails (expressRouteCircuit.json
	 * 2025-07-01, AZURE-REST.md §5.5): POST, LRO final-state-via
	 * location, an array of test details whose status is one of
	 * NotStarted, Starting, Running, StartFailed, Stopping, Completed,
	 * StopFailed, Invalid, Expired.  Its own api-version, so an
	 * absolute URL. */
	snprintf(url, sizeof(url), "%s%s/getCircuitLinkFailoverAllTestsDetails",
	    az->arm.endpoint, az->circuit_path);
	if ((rc = arm_action(&az->arm, url, "failoverTestType=All&"
	    "fetchLatest=true&api-version=2025-07-01", NULL, &res, err)) < 0)
		return fd_error_prefix(err, "link-failover tests of circuit %s",
		    az->cfg.circuit);
	tests = json_is_array(res) ? res : json_object_get(res, "value");
	json_array_foreach(tests, i, t) {
		const char *st = jstr(t, "status");

		if (azure_status_is(st, "Starting") ||
		    azure_status_is(st, "Running") ||
		    azure_status_is(st, "Stopping")) {
			rc = fd_error_set(err, -EBUSY, "a Microsoft link-"
			    "failover test is %s on circuit %s (%s link, %s, "
			    "test %s, started %s)", st, az->cfg.circuit,
			    jstr(t, "linkType"), jstr(t, "circuitTestCategory"),
			    jstr(t, "testGuid"), jstr(t, "startTime"));
			break;
		}
	}
	json_decref(res);
	return rc;
}

/* Every wait of the provider runs on az->clock (arm and cred hold a
 * pointer to it): switching it is one copy. */
static void
az_set_clock(void *ctx, const struct fd_clock *clock)
{
	struct azure *az = ctx;

	if (az != NULL && clock != NULL)
		az->clock = *clock;
}

static void
az_ipv6_restore(void *ctx, enum cloud_state state)
{
	struct azure *az = ctx;

	snprintf(az->v6_restore, sizeof(az->v6_restore), "%s",
	    state == CLOUD_STATE_ENABLED ? want_str(true) :
	    state == CLOUD_STATE_DISABLED ? want_str(false) : "");
}

/* --------------------------------------------------------- open/close */

static const char *
deps_env(const struct azure_deps *d, const char *name)
{
	return d->getenv ? d->getenv(d->env_arg, name) : secure_getenv(name);
}

int
azure_open_with(const struct azure_cfg *cfg, const struct fd_clock *clock,
    const char *correlation_id, const struct azure_deps *deps, void **ctx,
    struct fd_error *err)
{
	struct azure *az;
	struct azure_endpoints ep;
	struct azure_deps d = *deps;
	char auth_env[300] = "";
	const char *ae = deps_env(deps, "AZURE_AUTHORITY_HOST");
	int rc;

	if (cfg->subscription[0] == '\0' || cfg->resource_group[0] == '\0' ||
	    cfg->circuit[0] == '\0')
		return fd_error_set(err, -EINVAL, "azure: subscription, "
		    "resource_group and circuit are required");
	/* AZURE_AUTHORITY_HOST may be a bare host name. */
	if (ae != NULL && ae[0] != '\0')
		snprintf(auth_env, sizeof(auth_env), "%s%s",
		    strstr(ae, "://") ? "" : "https://", ae);
	if ((rc = azure_endpoints(cfg, auth_env, &ep, err)) < 0)
		return rc;
	az = calloc(1, sizeof(*az));
	if (az == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	az->cfg = *cfg;
	if (az->cfg.peering[0] == '\0')
		snprintf(az->cfg.peering, sizeof(az->cfg.peering),
		    "AzurePrivatePeering");
	if (az->cfg.api_version[0] == '\0')
		snprintf(az->cfg.api_version, sizeof(az->cfg.api_version),
		    "2024-05-01");
	az->clock = *clock;
	if (d.retry.max_attempts == 0) {
		d.retry.max_attempts = 6;
		d.retry.base_ms = 1000;
		d.retry.max_ms = 30000;
		d.retry.deadline = 0;
	}
	if (d.poll_default_ms == 0)
		d.poll_default_ms = 10000;
	if (d.poll_limit_ms == 0)
		d.poll_limit_ms = 600000;
	if (deps->http != NULL) {
		az->http = *deps->http;
	} else {
		struct http_cfg hc = {
			.ca_bundle = cfg->ca_bundle,
			.connect_timeout_ms = 10000,
			.timeout_ms = cfg->request_timeout_ms,
			.log = deps->log,
			.log_arg = deps->log_arg,
		};

		if ((rc = http_curl_open(&hc, &az->own_http, err)) < 0) {
			free(az);
			return rc;
		}
		az->http = az->own_http;
	}
	if ((rc = azure_cred_new(&ep, &az->http, &az->clock, &d, &az->cred,
	    err)) < 0) {
		http_close(&az->own_http);
		free(az);
		return rc;
	}
	az->arm.http = &az->http;
	az->arm.clock = &az->clock;
	az->arm.cred = az->cred;
	az->arm.retry = d.retry;
	az->arm.poll_default_ms = d.poll_default_ms;
	az->arm.poll_limit_ms = d.poll_limit_ms;
	az->arm.log = deps->log;
	az->arm.log_arg = deps->log_arg;
	snprintf(az->arm.endpoint, sizeof(az->arm.endpoint), "%s", ep.arm);
	snprintf(az->arm.api_version, sizeof(az->arm.api_version), "%s",
	    az->cfg.api_version);
	if (correlation_id != NULL && correlation_id[0] != '\0')
		snprintf(az->arm.correlation_id,
		    sizeof(az->arm.correlation_id), "%s", correlation_id);
	else
		azure_uuid(az->arm.correlation_id);
	snprintf(az->circuit_path, sizeof(az->circuit_path),
	    "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/"
	    "expressRouteCircuits/%s", cfg->subscription, cfg->resource_group,
	    cfg->circuit);
	snprintf(az->peering_path, sizeof(az->peering_path), "%s/peerings/%s",
	    az->circuit_path, az->cfg.peering);
	snprintf(az->gateway_path, sizeof(az->gateway_path),
	    "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/"
	    "virtualNetworkGateways/%s", cfg->subscription,
	    cfg->resource_group, cfg->vpn_gateway);
	*ctx = az;
	return 0;
}

/* The engine's log, at the level each line was made with: retries, an
 * enable sent without If-Match and a failed request's details and ids
 * are warnings (shown by default); every ARM call with its request ids
 * and the transport's redacted trace are debug. */
static void
az_log(void *arg, enum log_level level, const char *line)
{
	(void)arg;
	log_msg(level, "%s", line);
}

static int
az_open(const struct azure_cfg *cfg, const struct fd_clock *clock,
    const char *correlation_id, void **ctx, struct fd_error *err)
{
	struct azure_deps d;

	memset(&d, 0, sizeof(d));
	d.log = az_log;
	return azure_open_with(cfg, clock, correlation_id, &d, ctx, err);
}

static int
az_identity(void *ctx, struct cloud_identity *out, struct fd_error *err)
{
	struct azure *az = ctx;
	const char *tok;
	int rc;

	if ((rc = azure_cred_token(az->cred, &tok, err)) < 0)
		return rc;
	return azure_token_identity(tok, out, err);
}

static void
az_close(void *ctx)
{
	struct azure *az = ctx;

	if (az == NULL)
		return;
	azure_cred_free(az->cred);
	http_close(&az->own_http);
	free(az);
}

const char *
azure_last_request_id(void *ctx)
{
	return ((struct azure *)ctx)->arm.last_request_id;
}

const char *
azure_credential_kind(void *ctx)
{
	return azure_cred_kind(((struct azure *)ctx)->cred);
}

const struct cloud_ops azure_cloud_ops = {
	.name = "azure",
	.parallel_reads = true,
	.library = http_library,
	.open = az_open,
	.circuit = az_circuit,
	.peering_set_begin = az_peering_set_begin,
	.op_poll = az_op_poll,
	.op_free = az_op_free,
	.learned_routes = az_learned_routes,
	.advertised_routes = az_advertised_routes,
	.bgp_peers = az_bgp_peers,
	.circuit_routes = az_circuit_routes,
	.connectivity = az_connectivity,
	.permissions = az_permissions,
	.identity = az_identity,
	.link_summary = az_link_summary,
	.vpn_connections = az_vpn_connections,
	.link_test_idle = az_link_test_idle,
	.ipv6_restore = az_ipv6_restore,
	.set_clock = az_set_clock,
	.close = az_close,
};
