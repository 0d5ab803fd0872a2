/*
 * The Azure-side reads of a drill: the VPN gateway's routes and BGP
 * peers, Network Watcher's connectivity check, and the preflight
 * verdicts (permissions, the links' route table summaries, the VPN
 * connections, Microsoft's link-failover tests).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "azure_priv.h"

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

int
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

int
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

int
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

int
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

/* The gateway scope's permissions, beside the circuit's. */
struct perm_job {
	struct az_job job;
	json_t *out;
	int rc;
	struct fd_error err;
};

static void
perm_run(struct az_job *j)
{
	struct perm_job *p = (struct perm_job *)j;

	p->rc = permissions_of(j->az, j->az->gateway_path, &p->out, &p->err);
}

/* Both scopes' permissions.  There is no call for two resources at once
 * (azure-rest-api-specs Microsoft.Authorization stable/2022-04-01
 * authorization-RoleDefinitionsCalls.json: Permissions_ListForResource-
 * Group and Permissions_ListForResource, one scope each, and the resource
 * group's answer leaves out roles assigned on the resource alone), so the
 * gateway's GET goes out at the same time as the circuit's (az_job). */
static int
permissions_both(struct azure *az, json_t **ckt, json_t **gw,
    struct fd_error *err)
{
	struct perm_job p = { .job.run = perm_run };
	int rc;

	az_job_start(az, &p.job);
	rc = permissions_of(az, az->circuit_path, ckt, err);
	az_job_finish(az, &p.job, rc == 0);
	if (rc < 0) {
		json_decref(p.out);
		return fd_error_prefix(err, "permissions on circuit %s",
		    az->cfg.circuit);
	}
	if (p.rc < 0) {
		json_decref(*ckt);
		*ckt = NULL;
		if (err != NULL)
			*err = p.err;
		return fd_error_prefix(err, "permissions on VPN gateway %s",
		    az->cfg.vpn_gateway);
	}
	*gw = p.out;
	return 0;
}

int
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
	if (az->cfg.vpn_gateway[0] != '\0')
		rc = permissions_both(az, &ckt, &gw, err);
	else if ((rc = permissions_of(az, az->circuit_path, &ckt, err)) < 0)
		fd_error_prefix(err, "permissions on circuit %s",
		    az->cfg.circuit);
	if (rc < 0)
		return rc;
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
	const char *id = az_jstr(entry, "id"), *name = az_jstr(entry, "name");
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
	st = az_jstr(props, "connectionStatus");
	if (!azure_status_is(st, "Connected")) {
		rc = fd_error_set(err, -EBADMSG, "VPN connection %s is %s, "
		    "not Connected", name, st[0] ? st : "in no state");
		goto out;
	}
	tun = json_object_get(props, "tunnelConnectionStatus");
	json_array_foreach(tun, i, t) {
		st = az_jstr(t, "connectionStatus");
		if (!azure_status_is(st, "Connected")) {
			rc = fd_error_set(err, -EBADMSG, "VPN connection %s: "
			    "tunnel %s is %s, not Connected", name,
			    az_jstr(t, "tunnel"), st[0] ? st : "in no state");
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
			if (strcmp(az_jstr(pe, "localAddress"), inst) == 0 &&
			    json_integer_value(json_object_get(pe, "asn")) !=
			    own && azure_status_is(az_jstr(pe, "state"),
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

/* The gateway's own GET and, when it is active-active, its instances'
 * BGP peers: independent of the connections' reads, run beside them. */
struct gw_job {
	struct az_job job;
	int rc;
	struct fd_error err;
};

static void
gw_run(struct az_job *j)
{
	struct gw_job *w = (struct gw_job *)j;
	struct azure *az = j->az;
	struct arm_resp g;

	if ((w->rc = arm_call(&az->arm, "GET", az->gateway_path, NULL, NULL,
	    &g, &w->err)) < 0)
		return;
	if (json_is_true(json_object_get(json_object_get(g.json,
	    "properties"), "activeActive")))
		w->rc = instances_peered(az, g.json, &w->err);
	arm_resp_done(&g);
}

int
az_vpn_connections(void *ctx, struct fd_error *err)
{
	struct azure *az = ctx;
	struct gw_job w = { .job.run = gw_run };
	char path[600];
	json_t *list = NULL;
	const json_t *c;
	size_t i;
	int rc;

	if (az->cfg.vpn_gateway[0] == '\0')
		return fd_error_set(err, -EINVAL, "azure: no vpn_gateway "
		    "configured");
	az_job_start(az, &w.job);
	/* VirtualNetworkGateways_ListConnections (pageable). */
	snprintf(path, sizeof(path), "%s/connections", az->gateway_path);
	if ((rc = arm_get_all(&az->arm, path, &list, err)) == 0 &&
	    json_array_size(json_object_get(list, "value")) == 0)
		rc = fd_error_set(err, -ENODATA, "VPN gateway %s has no "
		    "connections", az->cfg.vpn_gateway);
	json_array_foreach(json_object_get(list, "value"), i, c)
		if (rc == 0)
			rc = connection_up(az, c, err);
	json_decref(list);
	/* The connections' verdict first, then the gateway's, as when they
	 * ran one after the other. */
	az_job_finish(az, &w.job, rc == 0);
	if (rc < 0)
		return rc;
	if (w.rc < 0 && err != NULL)
		*err = w.err;
	return w.rc;
}

int
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
		const char *st = az_jstr(t, "status");

		if (azure_status_is(st, "Starting") ||
		    azure_status_is(st, "Running") ||
		    azure_status_is(st, "Stopping")) {
			rc = fd_error_set(err, -EBUSY, "a Microsoft link-"
			    "failover test is %s on circuit %s (%s link, %s, "
			    "test %s, started %s)", st, az->cfg.circuit,
			    az_jstr(t, "linkType"), az_jstr(t, "circuitTestCategory"),
			    az_jstr(t, "testGuid"), az_jstr(t, "startTime"));
			break;
		}
	}
	json_decref(res);
	return rc;
}
