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

#include <openssl/evp.h>

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

/* The metadata document of c's ARM endpoint (the cache's key for it). */
static void
cred_meta_url(const struct azure_cred *c, char *url, size_t len)
{
	snprintf(url, len, "%s/metadata/endpoints?api-version=2022-09-01",
	    c->ep.arm);
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

	cred_meta_url(c, url, sizeof(url));
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

/* The audience of a custom cloud, discovered once per metadata URL for
 * every context (cred_cache.c): a context that finds a discovery in
 * flight waits for it rather than sending its own GET. */
static int
cred_audience(struct azure_cred *c, struct fd_error *err)
{
	struct cred_meta *m = c->meta;
	int rc;

	if (m == NULL)
		return cred_discover_audience(c, err);
	cred_cache_lock();
	while (m->audience[0] == '\0' && m->fetching)
		cred_cache_wait(&m->cond);
	if (m->audience[0] != '\0') {
		memcpy(c->ep.audience, m->audience, sizeof(c->ep.audience));
		cred_cache_unlock();
		return 0;
	}
	m->fetching = true;
	cred_cache_unlock();
	rc = cred_discover_audience(c, err);
	cred_cache_lock();
	m->fetching = false;
	if (rc == 0)
		memcpy(m->audience, c->ep.audience, sizeof(m->audience));
	pthread_cond_broadcast(&m->cond);
	cred_cache_unlock();
	return rc;
}

static int
cred_fetch(struct azure_cred *c, struct fd_error *err)
{
	int rc;

	if (c->ep.audience[0] == '\0' && (rc = cred_audience(c, err)) < 0)
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

/* One token from the chain into c->token: the kind the shared entry
 * found before, or the first configured one (an unreachable IMDS, not
 * on an Azure VM, moving on to the Azure CLI). */
static int
cred_fetch_chain(struct azure_cred *c, struct fd_error *err)
{
	int rc;

	if (c->kind != CRED_UNSET)
		return cred_fetch(c, err);
	c->kind = cred_pick(c);
	rc = cred_fetch(c, err);
	if (rc < 0 && c->kind == CRED_IMDS &&
	    (rc == -ECONNREFUSED || rc == -ETIMEDOUT ||
	    rc == -EHOSTUNREACH || rc == -ECONNRESET || rc == -ENODEV)) {
		cred_log(c, "azure: IMDS unavailable, trying Azure CLI");
		c->kind = CRED_CLI;
		rc = cred_fetch(c, err);
	}
	if (rc < 0)
		c->kind = CRED_UNSET;
	return rc;
}

/* With the cache locked: hand this context the shared token (its own
 * copy, so another context's refresh cannot free it under the caller),
 * then unlock. */
static int
cred_use(struct azure_cred *c, const char **token, struct fd_error *err)
{
	struct cred_share *s = c->share;

	if (c->token == NULL || c->gen != s->gen) {
		azure_free_secret(c->token);
		c->token = strdup(s->token);
		c->expires_at = s->expires_at;
		c->gen = s->gen;
		c->kind = s->kind;
	}
	cred_cache_unlock();
	if (c->token == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	*token = c->token;
	return 0;
}

/*
 * The token is shared by every context of the same credential
 * configuration (cred_cache.c) and fetched by one of them at a time, as
 * azcore's BearerTokenPolicy shares one temporal.Resource among all the
 * requests of a client (azure-sdk-for-go sdk/azcore/runtime/
 * policy_bearer_token.go, sdk/internal/temporal/resource.go Get): a
 * token valid for more than 5 min is used as is; a context that finds
 * it expired (or absent) while another fetches waits for that fetch;
 * within 5 min of expiry (azcore's default when the token names no
 * RefreshOn; our token responses give expires_in/expires_on only) one
 * context refreshes while the others go on with the still valid token,
 * and a failed refresh is retried no sooner than 30 s later
 * (azure-identity get_token_mixin.py _should_refresh, Resource's
 * backoff).
 */
int
azure_cred_token(struct azure_cred *c, const char **token,
    struct fd_error *err)
{
	struct cred_share *s = c->share;
	uint64_t now = clock_now(c->clock);
	bool refresh;
	int rc;

	cred_cache_lock();
	for (;;) {
		bool valid = s->token != NULL && now < s->expires_at;

		if (s->token != NULL && now + REFRESH_OFFSET_MS < s->expires_at)
			return cred_use(c, token, err);
		/* Within 30 s of a failed refresh, or while another
		 * context refreshes, the valid cached token is used without
		 * asking again (get_token_mixin.py _should_refresh). */
		if (valid && (s->fetching || (s->refresh_tried != 0 &&
		    now < s->refresh_tried + REFRESH_RETRY_MS)))
			return cred_use(c, token, err);
		if (!s->fetching)
			break;
		cred_cache_wait(&s->cond);
		now = clock_now(c->clock);
	}
	s->fetching = true;
	refresh = s->token != NULL;
	if (refresh)
		s->refresh_tried = now;
	c->kind = s->kind;
	cred_cache_unlock();
	if (refresh)
		cred_log(c, "azure: token expires in < 5 min, refreshing");
	rc = cred_fetch_chain(c, err);
	cred_cache_lock();
	s->fetching = false;
	pthread_cond_broadcast(&s->cond);
	if (rc == 0) {
		char *t = strdup(c->token);

		if (t == NULL) {
			cred_cache_unlock();
			return fd_error_set(err, -ENOMEM, "out of memory");
		}
		azure_free_secret(s->token);
		s->token = t;
		s->expires_at = c->expires_at;
		s->kind = c->kind;
		s->refresh_tried = 0;
		c->gen = ++s->gen;
		cred_cache_unlock();
		*token = c->token;
		return 0;
	}
	if (s->token != NULL && now < s->expires_at) {
		/* get_token_mixin.py get_token: a refresh that fails while
		 * the cached token is valid is ignored and the cached token
		 * returned. */
		uint64_t left = (s->expires_at - now) / 1000;

		cred_log(c, "azure: token refresh failed (%s); using the "
		    "cached token, valid %llu s more, retrying in 30 s",
		    err != NULL ? err->msg : "error",
		    (unsigned long long)left);
		fd_error_clear(err);
		return cred_use(c, token, err);
	}
	cred_cache_unlock();
	return rc;
}

/* ARM refused the token this context sent (401): forget it for every
 * context, unless another one has already replaced it, so that N
 * contexts refused at once cause one new fetch, not N (azcore
 * BearerTokenPolicy: a 401 Expire()s the shared resource). */
void
azure_cred_invalidate(struct azure_cred *c)
{
	struct cred_share *s = c->share;

	cred_cache_lock();
	if (s->token != NULL && s->gen == c->gen) {
		azure_free_secret(s->token);
		s->token = NULL;
		s->expires_at = 0;
		s->refresh_tried = 0;
	}
	cred_cache_unlock();
	azure_free_secret(c->token);
	c->token = NULL;
	c->expires_at = 0;
}

const char *
azure_cred_kind(const struct azure_cred *c)
{
	return cred_kind_names[c->kind];
}

/* What decides a token, hashed (SHA-256) into the key of its cache
 * entry: the authority, the audience (or the ARM endpoint it is
 * discovered from), the kind of credential the chain picks and every
 * input of the chain (tenant, client id, secret, certificate, federated
 * token file, managed identity endpoints).  Two contexts share a token
 * only when all of these are equal; the key itself holds no secret. */
static const char *const key_env[] = {
	"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET",
	"AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PASSWORD",
	"AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_ENDPOINT", "IDENTITY_HEADER",
	"IDENTITY_SERVER_THUMBPRINT", "IMDS_ENDPOINT",
	"AZURE_POD_IDENTITY_AUTHORITY_HOST",
};

static void
key_add(EVP_MD_CTX *md, const char *v)
{
	uint32_t n = v != NULL ? (uint32_t)strlen(v) + 1 : 0;

	/* Length first: ("ab", "c") and ("a", "bc") differ. */
	EVP_DigestUpdate(md, &n, sizeof(n));
	if (v != NULL)
		EVP_DigestUpdate(md, v, n);
}

static int
cred_key(const struct azure_cred *c, unsigned char key[CRED_KEY_LEN],
    struct fd_error *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int len = 0;
	int kind = (int)cred_pick(c);
	size_t i;

	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return fd_error_set(err, -ENOMEM, "azure: SHA-256 unavailable");
	}
	key_add(md, "failover-drill token v1");
	key_add(md, c->ep.authority);
	key_add(md, c->ep.audience);
	key_add(md, c->ep.audience[0] == '\0' ? c->ep.arm : NULL);
	EVP_DigestUpdate(md, &kind, sizeof(kind));
	for (i = 0; i < sizeof(key_env) / sizeof(key_env[0]); i++)
		key_add(md, env(c, key_env[i]));
	key_add(md, c->deps.arc_key_dir);
	i = EVP_DigestFinal_ex(md, key, &len) == 1 && len == CRED_KEY_LEN;
	EVP_MD_CTX_free(md);
	if (!i)
		return fd_error_set(err, -EIO, "azure: SHA-256 failed");
	return 0;
}

int
azure_cred_new(const struct azure_endpoints *ep, const struct http *http,
    const struct fd_clock *clock, const struct azure_deps *deps,
    struct azure_cred **out, struct fd_error *err)
{
	struct azure_cred *c = calloc(1, sizeof(*c));
	unsigned char key[CRED_KEY_LEN];
	char url[400];
	int rc;

	if (c == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	c->ep = *ep;
	c->http = http;
	c->clock = clock;
	c->deps = *deps;
	if ((rc = cred_key(c, key, err)) < 0 ||
	    (rc = cred_share_acquire(key, &c->share, err)) < 0)
		goto fail;
	if (c->ep.audience[0] == '\0') {
		cred_meta_url(c, url, sizeof(url));
		if ((rc = cred_meta_acquire(url, &c->meta, err)) < 0)
			goto fail;
	}
	*out = c;
	return 0;
fail:
	azure_cred_free(c);
	return rc;
}

/* Closing one context leaves the shared entries to the others; the last
 * one frees them, its token wiped. */
void
azure_cred_free(struct azure_cred *c)
{
	if (c == NULL)
		return;
	cred_share_release(c->share);
	cred_meta_release(c->meta);
	azure_free_secret(c->token);
	free(c);
}
