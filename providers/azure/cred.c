/*
 * The credential chain, in the order of the Azure SDKs' DefaultAzureCredential
 * (AZURE-REST.md §4.5): environment (client secret, else client
 * certificate), workload identity, managed identity (IDENTITY_ENDPOINT, else
 * IMDS), Azure CLI.  A configured credential that fails is final; only an
 * unreachable IMDS falls through to the CLI.  The first that works is kept.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cred_priv.h"

const char *const cred_kind_names[] = {
	"", "client-secret", "client-certificate", "workload-identity",
	"managed-identity", "managed-identity", "azure-cli",
	"service-fabric", "azure-arc",
};

/* azure-identity DEFAULT_REFRESH_OFFSET. */
#define REFRESH_OFFSET_MS (300 * 1000ULL)
/* A failed refresh is retried no sooner than this while the cached token
 * is still valid (azure-identity _internal/get_token_mixin.py
 * _should_refresh: DEFAULT_TOKEN_REFRESH_RETRY_DELAY, 30 s). */
#define REFRESH_RETRY_MS (30 * 1000ULL)

/* ------------------------------------------------------------- tokens */

void
cred_logl(const struct azure_cred *c, enum log_level level, const char *fmt,
    ...)
{
	char line[512];
	va_list ap;

	if (c->deps.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->deps.log(c->deps.log_arg, level, line);
}

/* expires_in / expires_on arrive as numbers (Entra v2) or strings (IMDS,
 * App Service); 0 when absent. */
long long
json_num_or_string(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (long long)json_real_value(v);
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return 0;
}

/* Keep the token of a token response; lifetime from expires_in, else
 * expires_on (epoch seconds). */
int
cred_take(struct azure_cred *c, const char *body, const char *tok_key,
    struct fd_error *err)
{
	json_t *j;
	const char *tok;
	long long in, on;
	uint64_t now = clock_now(c->clock);

	j = json_loads(body, 0, NULL);
	tok = json_string_value(json_object_get(j, tok_key));
	if (tok == NULL || tok[0] == '\0' || strlen(tok) > TOKEN_MAX) {
		json_decref(j);
		return fd_error_set(err, -EPROTO,
		    "token response without %s", tok_key);
	}
	in = json_num_or_string(j, "expires_in");
	on = json_num_or_string(j, "expires_on");
	if (in <= 0 && on > 0)
		in = on - (long long)time(NULL);
	if (in <= 0)
		in = 300;
	azure_free_secret(c->token);
	c->token = strdup(tok);
	/* The parsed copy of the token dies with the json_t; wipe it. */
	explicit_bzero((char *)tok, strlen(tok));
	json_decref(j);
	if (c->token == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	c->expires_at = now + (uint64_t)in * 1000;
	cred_log(c, "azure: %s token acquired, valid %lld s",
	    cred_kind_names[c->kind], in);
	return 0;
}

/* The identity provider's error, without anything secret: OAuth error
 * code and the first line of the description (AADSTS code). */
int
cred_http_error(const struct azure_cred *c, const char *what,
    const struct http_response *r, struct fd_error *err)
{
	json_t *j = json_loads(r->body ? r->body : "", 0, NULL);
	const char *e = json_string_value(json_object_get(j, "error"));
	const char *d = json_string_value(json_object_get(j,
	    "error_description"));
	char desc[160] = "";
	int code = r->status == 400 || r->status == 401 ||
	    r->status == 403 ? -EACCES : -EIO;

	(void)c;
	if (d != NULL)
		snprintf(desc, sizeof(desc), ": %.*s", (int)strcspn(d, "\r\n"),
		    d);
	fd_error_set(err, code, "%s: HTTP %ld: %s%s", what, r->status,
	    e ? e : "no OAuth error body", desc);
	json_decref(j);
	return code;
}

/* Send a token request, retrying 408/429/5xx and transient transport
 * errors like the ARM client. */
int
cred_send(struct azure_cred *c, const struct http_request *req,
    bool retry_transport, struct http_response *out, struct fd_error *err)
{
	unsigned attempt;
	int rc;

	for (attempt = 1;; attempt++) {
		struct http_response r;
		int64_t hint = -1, d;

		http_response_init(&r);
		rc = http_request(c->http, req, &r, err);
		if (rc == 0 && !(r.status == 408 || r.status == 429 ||
		    r.status >= 500)) {
			*out = r;
			return 0;
		}
		if (rc == 0)
			hint = azure_retry_after_ms(&r);
		else if (!retry_transport ||
		    (rc != -ECONNRESET && rc != -ETIMEDOUT))
			return rc;
		d = retry_delay(&c->deps.retry, c->clock, attempt, hint);
		if (d < 0) {
			if (rc == 0)
				*out = r;
			return rc;
		}
		http_response_done(&r);
		cred_log(c, "azure: token request failed, retry in %lld ms",
		    (long long)d);
		if ((rc = clock_sleep(c->clock, (uint64_t)d)) < 0)
			return fd_error_set(err, rc, "cancelled");
	}
}

/* Does metadata document m describe the cloud whose ARM endpoint is arm
 * (both compared without trailing '/')? */
static bool
meta_is_arm(const json_t *m, const char *arm)
{
	const char *rm = json_string_value(json_object_get(m,
	    "resourceManager"));
	size_t n;

	if (rm == NULL)
		return false;
	n = strlen(rm);
	while (n > 0 && rm[n - 1] == '/')
		n--;
	return strlen(arm) == n && strncasecmp(rm, arm, n) == 0;
}

/* A custom cloud without azure.audience: ask ARM for its token audience,
 * GET {arm}/metadata/endpoints?api-version=2022-09-01, no token, and take
 * authentication.audiences[0], as hashicorp/go-azure-sdk
 * sdk/internal/metadata/client.go (getMetaDataFrom2022API) and Azure CLI
 * (azure/cli/core/cloud.py _arm_to_cli_mapper: active_directory_resource_id
 * = audiences[0]) do.  Azure Stack Hub answers one object; the public
 * ARM answers an array of every cloud, of which the one whose
 * resourceManager is our endpoint counts. */
static int
cred_discover_audience(struct azure_cred *c, struct fd_error *err)
{
	char url[400];
	const char *hdrs[] = { "Accept: application/json", NULL };
	struct http_request req = { "GET", url, hdrs, NULL, 0, 0 };
	struct http_response r;
	json_t *j = NULL, *m = NULL, *aud;
	const char *a;
	size_t i, n;
	int rc;

	snprintf(url, sizeof(url), "%s/metadata/endpoints?api-version="
	    "2022-09-01", c->ep.arm);
	http_response_init(&r);
	if ((rc = cred_send(c, &req, true, &r, err)) < 0)
		return fd_error_prefix(err, "azure audience discovery (%s; "
		    "set azure.audience)", url);
	if (r.status != 200) {
		rc = fd_error_set(err, -EPROTO, "azure audience discovery: "
		    "GET %s: HTTP %ld; set azure.audience", url, r.status);
		goto out;
	}
	j = json_loads(r.body ? r.body : "", 0, NULL);
	if (json_is_array(j)) {
		json_array_foreach(j, i, aud)
			if (meta_is_arm(aud, c->ep.arm))
				m = aud;
	} else if (json_is_object(j)) {
		m = j;
	}
	aud = json_object_get(json_object_get(m, "authentication"),
	    "audiences");
	a = json_string_value(json_array_get(aud, 0));
	if (a == NULL || strncmp(a, "https://", 8) != 0 ||
	    strlen(a) >= sizeof(c->ep.audience)) {
		rc = fd_error_set(err, -EPROTO, "azure audience discovery: "
		    "%s has no authentication.audiences for %s; set "
		    "azure.audience", url, c->ep.arm);
		goto out;
	}
	n = strlen(a);
	while (n > 8 && a[n - 1] == '/')
		n--;
	snprintf(c->ep.audience, sizeof(c->ep.audience), "%.*s", (int)n, a);
	cred_log(c, "azure: token audience %s (from %s)", c->ep.audience,
	    url);
	rc = 0;
out:
	json_decref(j);
	http_response_done(&r);
	return rc;
}

static int
cred_fetch(struct azure_cred *c, struct fd_error *err)
{
	int rc;

	if (c->ep.audience[0] == '\0' &&
	    (rc = cred_discover_audience(c, err)) < 0)
		return rc;
	switch (c->kind) {
	case CRED_SECRET:
	case CRED_CERT:
	case CRED_WORKLOAD:
		return cred_client(c, err);
	case CRED_MI_ENDPOINT:
	case CRED_ARC:
	case CRED_IMDS:
		return cred_managed(c, err);
	case CRED_CLI:
		return cred_cli(c, err);
	case CRED_SERVICE_FABRIC:
		return fd_error_set(err, -ENOTSUP, "managed identity: Service "
		    "Fabric (IDENTITY_SERVER_THUMBPRINT set) is not supported; "
		    "use a client secret or certificate");
	default:
		return fd_error_set(err, -EINVAL, "no credential");
	}
}

/* The first configured credential of the chain. */
static enum cred_kind
cred_pick(const struct azure_cred *c)
{
	bool app = env(c, "AZURE_TENANT_ID") && env(c, "AZURE_CLIENT_ID");

	if (app && env(c, "AZURE_CLIENT_SECRET"))
		return CRED_SECRET;
	if (app && env(c, "AZURE_CLIENT_CERTIFICATE_PATH"))
		return CRED_CERT;
	if (app && env(c, "AZURE_FEDERATED_TOKEN_FILE"))
		return CRED_WORKLOAD;
	/* Service Fabric sets IDENTITY_SERVER_THUMBPRINT too and speaks its
	 * own protocol (azure-identity _credentials/service_fabric.py); it
	 * must not be sent the App Service request. */
	if (env(c, "IDENTITY_ENDPOINT") && env(c, "IDENTITY_HEADER") &&
	    env(c, "IDENTITY_SERVER_THUMBPRINT"))
		return CRED_SERVICE_FABRIC;
	if (env(c, "IDENTITY_ENDPOINT") && env(c, "IDENTITY_HEADER"))
		return CRED_MI_ENDPOINT;
	/* Azure Arc: IDENTITY_ENDPOINT and IMDS_ENDPOINT without
	 * IDENTITY_HEADER (azure-identity managed_identity.py picks
	 * AzureArcCredential so). */
	if (env(c, "IDENTITY_ENDPOINT") && env(c, "IMDS_ENDPOINT"))
		return CRED_ARC;
	return CRED_IMDS;
}

int
azure_cred_token(struct azure_cred *c, const char **token,
    struct fd_error *err)
{
	uint64_t now = clock_now(c->clock);
	int rc;

	if (c->token != NULL && now + REFRESH_OFFSET_MS < c->expires_at) {
		*token = c->token;
		return 0;
	}
	/* Within 30 s of a failed refresh the valid cached token is used
	 * without asking again (get_token_mixin.py _should_refresh). */
	if (c->token != NULL && now < c->expires_at && c->refresh_tried != 0 &&
	    now < c->refresh_tried + REFRESH_RETRY_MS) {
		*token = c->token;
		return 0;
	}
	if (c->token != NULL) {
		cred_log(c, "azure: token expires in < 5 min, refreshing");
		c->refresh_tried = now;
	}
	if (c->kind == CRED_UNSET) {
		c->kind = cred_pick(c);
		rc = cred_fetch(c, err);
		/* Only an unreachable IMDS (not on an Azure VM) moves on. */
		if (rc < 0 && c->kind == CRED_IMDS &&
		    (rc == -ECONNREFUSED || rc == -ETIMEDOUT ||
		    rc == -EHOSTUNREACH || rc == -ECONNRESET ||
		    rc == -ENODEV)) {
			cred_log(c, "azure: IMDS unavailable, trying Azure CLI");
			c->kind = CRED_CLI;
			rc = cred_fetch(c, err);
		}
		if (rc < 0)
			c->kind = CRED_UNSET;
	} else {
		rc = cred_fetch(c, err);
	}
	if (rc < 0 && c->token != NULL && now < c->expires_at) {
		/* get_token_mixin.py get_token: a refresh that fails while
		 * the cached token is valid is ignored and the cached token
		 * returned. */
		cred_log(c, "azure: token refresh failed (%s); using the "
		    "cached token, valid %llu s more, retrying in 30 s",
		    err != NULL ? err->msg : "error",
		    (unsigned long long)((c->expires_at - now) / 1000));
		fd_error_clear(err);
		*token = c->token;
		return 0;
	}
	if (rc < 0)
		return rc;
	c->refresh_tried = 0;
	*token = c->token;
	return 0;
}

void
azure_cred_invalidate(struct azure_cred *c)
{
	azure_free_secret(c->token);
	c->token = NULL;
	c->expires_at = 0;
}

const char *
azure_cred_kind(const struct azure_cred *c)
{
	return cred_kind_names[c->kind];
}

int
azure_cred_new(const struct azure_endpoints *ep, const struct http *http,
    const struct fd_clock *clock, const struct azure_deps *deps,
    struct azure_cred **out, struct fd_error *err)
{
	struct azure_cred *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	c->ep = *ep;
	c->http = http;
	c->clock = clock;
	c->deps = *deps;
	*out = c;
	return 0;
}

void
azure_cred_free(struct azure_cred *c)
{
	if (c == NULL)
		return;
	azure_free_secret(c->token);
	free(c);
}
