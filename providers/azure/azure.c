/*
 * The Azure cloud provider: circuit and peering state, the peering toggle
 * as a begin + poll operation, and the Azure-side reads (gateway routes,
 * BGP peers, Network Watcher connectivity check).  This file opens and
 * closes it and holds its ops table; azure_priv.h names the rest.
 * Facts: ../shared/reference/AZURE-REST.md (sections cited inline).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "azure_priv.h"
#include "registry.h"

const char *
az_want_str(bool enabled)
{
	return enabled ? "Enabled" : "Disabled";
}

const char *
az_jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

void
az_log_line(struct azure *az, enum log_level level, const char *fmt, ...)
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

/* Every wait of the provider runs on az->clock (arm and cred hold a
 * pointer to it): switching it is one copy. */
static void
az_set_clock(void *ctx, const struct fd_clock *clock)
{
	struct azure *az = ctx;

	if (az != NULL && clock != NULL)
		az->clock = *clock;
}

/* ---------------------------------------------------------------- jobs */

static void *
az_job_thread(void *arg)
{
	struct az_job *j = arg;

	j->run(j);
	return NULL;
}

void
az_job_start(struct azure *az, struct az_job *j)
{
	struct fd_error err = { 0 };

	j->sib = NULL;
	j->threaded = false;
	if (az->deps.http != NULL)
		return;
	if (azure_open_with(&az->cfg, &az->clock, az->arm.correlation_id,
	    &az->deps, &j->sib, &err) < 0) {
		az_log_line(az, LOG_DEBUG, "azure: one request after the "
		    "other: %s", err.msg);
		return;
	}
	j->az = j->sib;
	if (pthread_create(&j->th, NULL, az_job_thread, j) == 0) {
		j->threaded = true;
		return;
	}
	azure_cloud_ops.close(j->sib);
	j->sib = NULL;
}

void
az_job_finish(struct azure *az, struct az_job *j, bool run_here)
{
	if (j->threaded) {
		pthread_join(j->th, NULL);
	} else if (run_here) {
		j->az = az;
		j->run(j);
	}
	if (j->sib != NULL)
		azure_cloud_ops.close(j->sib);
	j->sib = NULL;
	j->threaded = false;
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
	az->deps = d;
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

/* What plan shows of each ARM request a drill makes: the resource,
 * the method, and for the peering PUT the states it writes
 * (ExpressRouteCircuitPeerings_CreateOrUpdate; IPv6 only with
 * azure.ipv6, never turned on when it was off). */
static int
az_describe(const struct azure_cfg *cfg, enum cloud_step step, char *buf,
    size_t len)
{
	char ckt[512], peering[768];

	snprintf(ckt, sizeof(ckt), "/subscriptions/%s/resourceGroups/%s/"
	    "providers/Microsoft.Network/expressRouteCircuits/%s",
	    cfg->subscription, cfg->resource_group, cfg->circuit);
	snprintf(peering, sizeof(peering), "%s/peerings/%s", ckt,
	    cfg->peering);
	switch (step) {
	case CLOUD_STEP_CIRCUIT:
		snprintf(buf, len, "GET %s (circuit and peering state; the "
		    "circuit's tag %s, the lease of a running drill)", peering,
		    CLOUD_LEASE_TAG);
		return 0;
	case CLOUD_STEP_PERMISSIONS:
		snprintf(buf, len, "GET %s/providers/Microsoft.Authorization/"
		    "permissions (the principal may run the drill)", ckt);
		return 0;
	case CLOUD_STEP_GATEWAY_PERMISSIONS:
		if (cfg->vpn_gateway[0] == '\0')
			return -ENOENT;
		snprintf(buf, len, "GET /subscriptions/%s/resourceGroups/%s/"
		    "providers/Microsoft.Network/virtualNetworkGateways/%s/"
		    "providers/Microsoft.Authorization/permissions",
		    cfg->subscription, cfg->resource_group,
		    cfg->vpn_gateway);
		return 0;
	case CLOUD_STEP_DISABLE:
		snprintf(buf, len, "PUT %s state=Disabled%s (If-Match: etag), "
		    "then follow the operation", peering, cfg->ipv6 ?
		    " ipv6PeeringConfig.state=Disabled" : "");
		return 0;
	case CLOUD_STEP_ENABLE:
		snprintf(buf, len, "PUT %s state=Enabled%s (If-Match: etag), "
		    "then follow the operation", peering, cfg->ipv6 ?
		    " ipv6PeeringConfig.state=<as before the drill, never "
		    "Enabled if it was Disabled>" : "");
		return 0;
	/* The lease (azure_lease.c): PATCH, never the PUT that would
	 * replace the customer's other tags. */
	case CLOUD_STEP_LEASE_SET:
		snprintf(buf, len, "PATCH %s/providers/Microsoft.Resources/"
		    "tags/default operation=Merge %s=<drill, by, since, until, "
		    "change> (the lease), then read it back", ckt,
		    CLOUD_LEASE_TAG);
		return 0;
	case CLOUD_STEP_LEASE_CLEAR:
		snprintf(buf, len, "PATCH %s/providers/Microsoft.Resources/"
		    "tags/default operation=Delete %s=<the value written> "
		    "(removes our lease only)", ckt, CLOUD_LEASE_TAG);
		return 0;
	}
	return -ENOENT;
}

const struct cloud_ops azure_cloud_ops = {
	.name = "azure",
	.describe = az_describe,
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
	.connectivity = az_connectivity,
	.permissions = az_permissions,
	.identity = az_identity,
	.link_summary = az_link_summary,
	.vpn_connections = az_vpn_connections,
	.link_test_idle = az_link_test_idle,
	.lease_set = az_lease_set,
	.lease_clear = az_lease_clear,
	.ipv6_restore = az_ipv6_restore,
	.set_clock = az_set_clock,
	.close = az_close,
};
