/*
 * ARM's JSON to the engine's types, and ARM's RBAC matching: pure
 * functions, tested on their own (tests/azure).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "azure_priv.h"

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
		const char *net = az_jstr(v, "network");

		route_init(&r);
		if ((rc = prefix_parse_host(net, &r.prefix, err)) < 0) {
			route_set_done(&s);
			return fd_error_prefix(err, "gateway route %zu", i);
		}
		/* origin: EBgp, IBgp, Igp, Network (AZURE-REST.md §5.1). */
		snprintf(r.protocol, sizeof(r.protocol), "%s", az_jstr(v,
		    "origin"));
		r.as_path_cut = !as_path_normalise(az_jstr(v, "asPath"),
		    r.as_path, sizeof(r.as_path));
		addr_from(v, "sourcePeer", &r.from);
		snprintf(r.table, sizeof(r.table), "%s", az_jstr(v,
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
		if ((rc = addr_parse(az_jstr(v, "neighbor"), &p.addr, err)) < 0) {
			bgp_summary_done(&s);
			return fd_error_prefix(err, "BGP peer %zu", i);
		}
		if (json_is_integer(n = json_object_get(v, "asn")))
			p.peer_as = json_integer_value(n);
		/* BgpPeerState: Unknown, Stopped, Idle, Connecting,
		 * Connected (azure-rest-api-specs network
		 * virtualNetworkGateway.json); Connected is the BGP FSM's
		 * Established, the core's word for a session that is up. */
		snprintf(p.state, sizeof(p.state), "%s",
		    strcmp(az_jstr(v, "state"), "Connected") == 0 ?
		    "Established" : az_jstr(v, "state"));
		if (json_is_integer(n = json_object_get(v, "routesReceived")))
			p.received = json_integer_value(n);
		p.uptime_s = duration_s(az_jstr(v, "connectedDuration"));
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
	const char *status = az_jstr(result, "connectionStatus");
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
		const char *addr = az_jstr(h, "address");
		bool ok;

		/* A traceroute does not list its own source. */
		if (azure_status_is(az_jstr(h, "type"), "Source"))
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

/* ---------------------------------------------------------- permissions */

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
		/* The lease tag on the circuit (azure_lease.c): a PATCH of
		 * the tags API (MicrosoftDocs resource-provider-operations.md,
		 * Microsoft.Resources: "tags/write"); it is read from the
		 * circuit's GET, so tags/read is not needed. */
		{ "Microsoft.Resources/tags/write", false },
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
		const char *st = az_jstr(v, "statePfxRcd");
		json_t *n;
		char *end;
		long long cnt;

		bgp_peer_init(&p);
		if ((rc = addr_parse(az_jstr(v, "neighbor"), &p.addr, err)) < 0) {
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
