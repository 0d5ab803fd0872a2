/*
 * Unit tests of the Azure provider over a scripted fake HTTP transport
 * (ordered exchanges, every request asserted, an unconsumed script fails
 * the test) and a virtual clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "azure/azure.h"
#include "../testutil.h"
#include "registry.h"

#define MAXH 6

struct exchange {
	const char *method;
	const char *url;		/* exact */
	const char *want[MAXH];		/* header lines; "Name: *" = any */
	const char *absent[MAXH];	/* header names that must not be sent */
	const char *body_has[MAXH];	/* substrings of the request body */
	const char *body_not[MAXH];
	long status;
	const char *resp_headers[MAXH];	/* "Name: value" */
	const char *resp_body;
	int rc;				/* transport error instead */
	int timeout;			/* 0: any; -1: the default; else ms */
};

struct fake {
	const struct exchange *script;
	size_t n, i;
	char last_crid[64];
};

static bool
header_sent(const struct http_request *req, const char *want)
{
	size_t i, n = strlen(want);
	bool any = n > 0 && want[n - 1] == '*';

	for (i = 0; req->headers[i] != NULL; i++) {
		if (any && strncasecmp(req->headers[i], want, n - 1) == 0)
			return true;
		if (!any && strcmp(req->headers[i], want) == 0)
			return true;
	}
	return false;
}

static bool
header_named(const struct http_request *req, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; req->headers[i] != NULL; i++)
		if (strncasecmp(req->headers[i], name, n) == 0 &&
		    req->headers[i][n] == ':')
			return true;
	return false;
}

static int
fake_request(void *ctx, const struct http_request *req,
    struct http_response *out, struct fd_error *err)
{
	struct fake *f = ctx;
	const struct exchange *x;
	size_t i;

	if (f->i >= f->n)
		fail_msg("unexpected request %s %s", req->method, req->url);
	x = &f->script[f->i++];
	assert_string_equal(req->method, x->method);
	assert_string_equal(req->url, x->url);
	for (i = 0; i < MAXH && x->want[i] != NULL; i++)
		if (!header_sent(req, x->want[i]))
			fail_msg("exchange %zu: header '%s' not sent", f->i,
			    x->want[i]);
	for (i = 0; i < MAXH && x->absent[i] != NULL; i++)
		if (header_named(req, x->absent[i]))
			fail_msg("exchange %zu: header '%s' sent", f->i,
			    x->absent[i]);
	for (i = 0; i < MAXH && x->body_has[i] != NULL; i++) {
		assert_non_null(req->body);
		if (strstr(req->body, x->body_has[i]) == NULL)
			fail_msg("exchange %zu: body lacks '%s': %s", f->i,
			    x->body_has[i], req->body);
	}
	for (i = 0; i < MAXH && x->body_not[i] != NULL; i++)
		if (req->body != NULL && strstr(req->body, x->body_not[i]))
			fail_msg("exchange %zu: body has '%s': %s", f->i,
			    x->body_not[i], req->body);
	/* Every ARM call: api-version, a fresh client request id, the
	 * drill's correlation id, a bearer token. */
	if (strncmp(req->url, "https://arm.test/", 17) == 0 &&
	    strncmp(req->url + 17, "metadata/", 9) != 0) {
		const char *crid = NULL;

		assert_non_null(strstr(req->url, "api-version="));
		assert_true(header_sent(req, "Authorization: Bearer tok*"));
		assert_true(header_sent(req,
		    "x-ms-correlation-request-id: corr-1"));
		for (i = 0; req->headers[i] != NULL; i++)
			if (strncmp(req->headers[i],
			    "x-ms-client-request-id: ", 24) == 0)
				crid = req->headers[i] + 24;
		assert_non_null(crid);
		assert_int_equal(strlen(crid), 36);
		assert_string_not_equal(crid, f->last_crid);
		snprintf(f->last_crid, sizeof(f->last_crid), "%s", crid);
	}
	if (x->timeout != 0)
		assert_int_equal(req->timeout_ms, x->timeout < 0 ? 0 :
		    (unsigned)x->timeout);
	if (x->rc != 0)
		return fd_error_set(err, x->rc, "scripted transport error");
	http_response_init(out);
	out->status = x->status;
	for (i = 0; i < MAXH && x->resp_headers[i] != NULL; i++) {
		char name[64];
		const char *c = strchr(x->resp_headers[i], ':');

		snprintf(name, sizeof(name), "%.*s",
		    (int)(c - x->resp_headers[i]), x->resp_headers[i]);
		assert_int_equal(http_response_add_header(out, name, c + 2), 0);
	}
	http_response_set_body(out, x->resp_body ? x->resp_body : "",
	    x->resp_body ? strlen(x->resp_body) : 0);
	return 0;
}

static const struct http_ops fake_ops = { fake_request, NULL };

/* ------------------------------------------------------------ fixture */

struct env_kv {
	const char *k, *v;
};

struct t {
	struct fake fake;
	struct http http;
	struct vclock vc;
	struct fd_clock clock;
	struct azure_cfg cfg;
	const struct env_kv *env;
	const char *cli_out;
	int cli_rc;
	unsigned cli_runs;
	char log[8192];
	char warn[4096];		/* the lines logged as warnings */
	bool discover;		/* custom cloud without azure.audience */
	const char *arc_dir;	/* Azure Arc key directory */
	struct azure_deps deps;	/* what t_open opened with */
	void *ctx;
	struct fd_error err;
};

static const struct env_kv env_secret[] = {
	{ "AZURE_TENANT_ID", "tenant" },
	{ "AZURE_CLIENT_ID", "app" },
	{ "AZURE_CLIENT_SECRET", "s3cr!t" },
	{ NULL, NULL },
};

static const char *
t_getenv(void *arg, const char *name)
{
	struct t *t = arg;
	size_t i;

	for (i = 0; t->env[i].k != NULL; i++)
		if (strcmp(t->env[i].k, name) == 0)
			return t->env[i].v;
	return NULL;
}

static int
t_run(void *arg, const char *const *argv, char *out, size_t len,
    struct fd_error *err)
{
	struct t *t = arg;

	(void)err;
	t->cli_runs++;
	assert_string_equal(argv[0], "az");
	assert_string_equal(argv[1], "account");
	assert_string_equal(argv[2], "get-access-token");
	snprintf(out, len, "%s", t->cli_out);
	return t->cli_rc;
}

static void
t_log(void *arg, enum log_level level, const char *line)
{
	struct t *t = arg;
	size_t n = strlen(t->log);

	snprintf(t->log + n, sizeof(t->log) - n, "%s\n", line);
	if (level <= LOG_WARN) {
		n = strlen(t->warn);
		snprintf(t->warn + n, sizeof(t->warn) - n, "%s\n", line);
	}
}

static void
t_open(struct t *t, const struct exchange *x, size_t n)
{
	struct azure_deps d;

	memset(&d, 0, sizeof(d));
	/* Contexts of one configuration share a token process-wide: a
	 * test that failed before closing its contexts must not hand its
	 * token to the next test. */
	azure_cred_cache_forget();
	t->fake.script = x;
	t->fake.n = n;
	t->http.ops = &fake_ops;
	t->http.ctx = &t->fake;
	clock_init_virtual(&t->clock, &t->vc, NULL);
	t->vc.now = 1000000;
	snprintf(t->cfg.subscription, sizeof(t->cfg.subscription), "sub");
	snprintf(t->cfg.resource_group, sizeof(t->cfg.resource_group), "rg");
	snprintf(t->cfg.circuit, sizeof(t->cfg.circuit), "ckt");
	snprintf(t->cfg.vpn_gateway, sizeof(t->cfg.vpn_gateway), "gw");
	snprintf(t->cfg.cloud, sizeof(t->cfg.cloud), "custom");
	snprintf(t->cfg.arm_endpoint, sizeof(t->cfg.arm_endpoint),
	    "https://arm.test/");
	snprintf(t->cfg.authority, sizeof(t->cfg.authority),
	    "https://login.test");
	if (!t->discover)
		snprintf(t->cfg.audience, sizeof(t->cfg.audience),
		    "https://arm.test/");
	if (t->env == NULL)
		t->env = env_secret;
	d.http = &t->http;
	d.getenv = t_getenv;
	d.env_arg = t;
	d.run = t_run;
	d.run_arg = t;
	d.log = t_log;
	d.log_arg = t;
	d.retry.max_attempts = 4;
	d.retry.base_ms = 1000;
	d.retry.max_ms = 8000;
	d.poll_default_ms = 10000;
	d.poll_limit_ms = 600000;
	d.arc_key_dir = t->arc_dir;
	t->deps = d;
	assert_int_equal(azure_open_with(&t->cfg, &t->clock, "corr-1", &d,
	    &t->ctx, &t->err), 0);
}

/* Another context of t's configuration, as the engine opens one per
 * concurrent read. */
static void *
t_open_more(struct t *t)
{
	void *ctx = NULL;

	assert_int_equal(azure_open_with(&t->cfg, &t->clock, "corr-1",
	    &t->deps, &ctx, &t->err), 0);
	return ctx;
}

static void
t_done(struct t *t)
{
	azure_cloud_ops.close(t->ctx);
	if (t->fake.i != t->fake.n)
		fail_msg("script not consumed: %zu of %zu exchanges", t->fake.i,
		    t->fake.n);
	/* No secret or token in anything we produced. */
	assert_null(strstr(t->log, "s3cr"));
	assert_null(strstr(t->log, "tok1"));
	assert_null(strstr(t->log, "tok2"));
	assert_null(strstr(t->err.msg, "s3cr"));
	assert_null(strstr(t->err.msg, "tok1"));
}

/* ------------------------------------------------------------ scripts */

#define TOKEN_URL "https://login.test/tenant/oauth2/v2.0/token"
#define NET "https://arm.test/subscriptions/sub/resourceGroups/rg/" \
	"providers/Microsoft.Network/"
#define V "api-version=2024-05-01"
#define CKT_URL NET "expressRouteCircuits/ckt?" V
#define PEER_URL NET "expressRouteCircuits/ckt/peerings/AzurePrivatePeering?" V
#define ASYNC_URL "https://arm.test/subscriptions/sub/providers/" \
	"Microsoft.Network/locations/westus2/operations/op1?" V
#define LOC_URL "https://arm.test/subscriptions/sub/providers/" \
	"Microsoft.Network/locations/westus2/operationResults/r1?" V

#define TOKEN(tok) { "POST", TOKEN_URL, \
	{ "Content-Type: application/x-www-form-urlencoded" }, \
	{ "Authorization" }, \
	{ "grant_type=client_credentials", "client_id=app", \
	  "client_secret=s3cr%21t", "scope=https%3A%2F%2Farm.test%2F.default" }, \
	{ NULL }, 200, { NULL }, \
	"{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"" \
	tok "\"}", 0 }

#define PEERING(state, prov, etag) "{\"name\":\"AzurePrivatePeering\"," \
	"\"id\":\"/subscriptions/sub/resourceGroups/rg/providers/" \
	"Microsoft.Network/expressRouteCircuits/ckt/peerings/" \
	"AzurePrivatePeering\",\"etag\":\"W/\\\"" etag "\\\"\"," \
	"\"type\":\"Microsoft.Network/expressRouteCircuits/peerings\"," \
	"\"properties\":{\"provisioningState\":\"" prov "\"," \
	"\"peeringType\":\"AzurePrivatePeering\",\"azureASN\":12076," \
	"\"peerASN\":65020,\"primaryPeerAddressPrefix\":\"192.168.11.16/30\"," \
	"\"secondaryPeerAddressPrefix\":\"192.168.11.20/30\"," \
	"\"state\":\"" state "\",\"vlanId\":200," \
	"\"lastModifiedBy\":\"Customer\",\"connections\":[]," \
	"\"peeredConnections\":[],\"ipv6PeeringConfig\":{" \
	"\"primaryPeerAddressPrefix\":\"3FFE:FFFF:0:CD30::/126\"," \
	"\"secondaryPeerAddressPrefix\":\"3FFE:FFFF:0:CD30::4/126\"," \
	"\"state\":\"" state "\"}}}"

#define GET_PEER(state, prov, etag) { "GET", PEER_URL, { NULL }, \
	{ "If-Match", "Content-Type" }, { NULL }, { NULL }, 200, \
	{ "x-ms-request-id: rid-get" }, PEERING(state, prov, etag), 0 }

#define PUT_PEER(state, etag, status, hdr1, hdr2) { "PUT", PEER_URL, \
	{ "If-Match: W/\"" etag "\"", "Content-Type: application/json" }, \
	{ NULL }, \
	{ "\"state\":\"" state "\"", "\"peerASN\":65020", "\"vlanId\":200", \
	  "\"connections\":[]" }, \
	{ "provisioningState", "\"etag\"", "lastModifiedBy", \
	  "peeredConnections", "\"type\"" }, \
	status, { "x-ms-request-id: rid-put", hdr1, hdr2 }, \
	PEERING(state, "Updating", "e9"), 0 }

#define ARM_ERR(code, msg) "{\"error\":{\"code\":\"" code "\"," \
	"\"message\":\"" msg "\"}}"

/* The circuit with its peering: what confirms an operation (op_confirm)
 * and what the engine's next read of the circuit then takes. */
#define CKT_OF(peering) "{\"name\":\"ckt\",\"properties\":{" \
	"\"provisioningState\":\"Succeeded\"," \
	"\"circuitProvisioningState\":\"Enabled\"," \
	"\"serviceProviderProvisioningState\":\"Provisioned\"," \
	"\"peerings\":[" peering "]}}"
#define GET_CKT_OF(peering) { "GET", CKT_URL, { NULL }, \
	{ "If-Match", "Content-Type" }, { NULL }, { NULL }, 200, \
	{ "x-ms-request-id: rid-ckt" }, CKT_OF(peering), 0 }

/* -------------------------------------------------------------- tests */

static void
test_token_flow_and_refresh(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		{ "GET", CKT_URL, { "Authorization: Bearer tok1" }, { NULL },
		  { NULL }, { NULL }, 200, { "x-ms-request-id: rid-c1" },
		  "{\"name\":\"ckt\",\"etag\":\"W/\\\"c\\\"\",\"properties\":{"
		  "\"provisioningState\":\"Succeeded\","
		  "\"circuitProvisioningState\":\"Enabled\","
		  "\"serviceProviderProvisioningState\":\"Provisioned\","
		  "\"peerings\":[" PEERING("Enabled", "Succeeded", "e1") "]}}",
		  0 },
		TOKEN("tok2"),
		{ "GET", CKT_URL, { "Authorization: Bearer tok2" }, { NULL },
		  { NULL }, { NULL }, 200, { NULL },
		  "{\"name\":\"ckt\",\"properties\":{"
		  "\"provisioningState\":\"Succeeded\",\"peerings\":[]}}", 0 },
		GET_PEER("Disabled", "Succeeded", "e2"),
	};
	struct t t = { 0 };
	struct cloud_circuit c;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.circuit(t.ctx, &c, &t.err), 0);
	/* ARM's words become the engine's typed verdicts. */
	assert_true(c.ready);
	assert_int_equal(c.peering, CLOUD_STATE_ENABLED);
	assert_int_equal(c.peering_ipv6, CLOUD_STATE_ENABLED);
	assert_true(c.peering_settled);
	assert_int_equal(c.peer_asn, 65020);
	assert_int_equal(c.azure_asn, 12076);
	assert_string_equal(c.primary_prefix, "192.168.11.16/30");
	assert_string_equal(c.etag, "W/\"e1\"");
	assert_string_equal(azure_last_request_id(t.ctx), "rid-c1");
	assert_string_equal(azure_credential_kind(t.ctx), "client-secret");
	/* 3599 s token: refreshed once less than 5 min remain. */
	t.vc.now += 3300 * 1000ULL;
	assert_int_equal(azure_cloud_ops.circuit(t.ctx, &c, &t.err), 0);
	assert_int_equal(c.peering, CLOUD_STATE_DISABLED);
	/* No serviceProviderProvisioningState: not ready, said in ARM's
	 * words. */
	assert_false(c.ready);
	assert_string_equal(c.not_ready, "circuit provider state is , not "
	    "Provisioned");
	t_done(&t);
}

#define CKT_OK "{\"name\":\"ckt\",\"etag\":\"W/\\\"c\\\"\"," \
	"\"properties\":{\"provisioningState\":\"Succeeded\"," \
	"\"circuitProvisioningState\":\"Enabled\"," \
	"\"serviceProviderProvisioningState\":\"Provisioned\"," \
	"\"peerings\":[" PEERING("Enabled", "Succeeded", "e1") "]}}"
#define GET_CKT(tok) { "GET", CKT_URL, { "Authorization: Bearer " tok }, \
	{ NULL }, { NULL }, { NULL }, 200, { NULL }, CKT_OK, 0 }
#define TOKEN_503 { "POST", TOKEN_URL, { NULL }, { NULL }, { NULL }, \
	{ NULL }, 503, { NULL }, "", 0 }

/* A refresh that fails while the cached token is valid uses the cached
 * token and is tried again no sooner than 30 s later (azure-identity
 * get_token_mixin.py). */
static void
test_token_refresh_failure_uses_cache(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		GET_CKT("tok1"),
		/* The token endpoint is down: 4 tries (max_attempts). */
		TOKEN_503, TOKEN_503, TOKEN_503, TOKEN_503,
		GET_CKT("tok1"),
		/* Within 30 s: no new token request. */
		GET_CKT("tok1"),
		TOKEN("tok2"),
		GET_CKT("tok2"),
	};
	struct t t = { 0 };
	struct cloud_circuit c;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.circuit(t.ctx, &c, &t.err), 0);
	/* 3599 s token, 299 s left: a refresh is due. */
	t.vc.now += 3300 * 1000ULL;
	assert_int_equal(azure_cloud_ops.circuit(t.ctx, &c, &t.err), 0);
	assert_non_null(strstr(t.log, "using the cached token"));
	t.vc.now += 20 * 1000ULL;
	assert_int_equal(azure_cloud_ops.circuit(t.ctx, &c, &t.err), 0);
	t.vc.now += 11 * 1000ULL;
	assert_int_equal(azure_cloud_ops.circuit(t.ctx, &c, &t.err), 0);
	t_done(&t);
}

/* Once the cached token has expired a failed refresh is an error. */
static void
test_token_refresh_failure_after_expiry(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		GET_CKT("tok1"),
		TOKEN_503, TOKEN_503, TOKEN_503, TOKEN_503,
	};
	struct t t = { 0 };
	struct cloud_circuit c;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.circuit(t.ctx, &c, &t.err), 0);
	t.vc.now += 3600 * 1000ULL;
	assert_int_not_equal(azure_cloud_ops.circuit(t.ctx, &c, &t.err), 0);
	t_done(&t);
}

static void
test_retry_429_retry_after(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		{ "GET", PEER_URL, { NULL }, { NULL }, { NULL }, { NULL }, 429,
		  { "Retry-After: 7", "x-ms-request-id: rid-429" },
		  ARM_ERR("RetryableErrorDueToAnotherOperation",
		  "Another operation is in progress."), 0 },
		GET_PEER("Disabled", "Succeeded", "e1"),
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), -EALREADY);
	assert_null(op);
	/* The server's hint (7 s) beats the 1 s backoff. */
	assert_int_equal(t.vc.slept_total, 7000);
	assert_non_null(strstr(t.err.msg, "already Disabled"));
	assert_non_null(strstr(t.log, "retry 1 in 7000 ms"));
	/* Levels are typed where the line is made: a retry is a warning,
	 * the calls with their ids are debug. */
	assert_non_null(strstr(t.warn, "retry 1 in 7000 ms"));
	assert_non_null(strstr(t.log, "-> 200"));
	assert_null(strstr(t.warn, "-> 200"));
	t_done(&t);
}

static void
test_backoff_5xx_and_drop(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		{ "GET", PEER_URL, { NULL }, { NULL }, { NULL }, { NULL }, 500,
		  { NULL }, ARM_ERR("InternalServerError", "boom"), 0 },
		{ "GET", PEER_URL, { NULL }, { NULL }, { NULL }, { NULL }, 0,
		  { NULL }, NULL, -ECONNRESET },
		{ "GET", PEER_URL, { NULL }, { NULL }, { NULL }, { NULL }, 503,
		  { NULL }, "", 0 },
		GET_PEER("Enabled", "Updating", "e1"),
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), -EBUSY);
	/* Exponential backoff 1 s, 2 s, 4 s without hints. */
	assert_int_equal(t.vc.slept_total, 7000);
	assert_non_null(strstr(t.err.msg, "Updating, not Succeeded"));
	t_done(&t);
}

static void
test_retry_exhausted_error_body(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		{ "GET", PEER_URL, { NULL }, { NULL }, { NULL }, { NULL }, 404,
		  { "x-ms-request-id: rid-404" },
		  ARM_ERR("NotFound", "Peering AzurePrivatePeering not found.\\n"
		  "More text."), 0 },
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), -ENOENT);
	/* The whole message, its newline folded (issue 13: never cut). */
	assert_string_equal(t.err.msg, "ARM GET expressRouteCircuits/ckt/"
	    "peerings/AzurePrivatePeering: NotFound: Peering "
	    "AzurePrivatePeering not found. More text. (request id rid-404)");
	/* The failed request's id, typed: nobody reads it from the text. */
	assert_string_equal(t.err.request_id, "rid-404");
	assert_int_equal(t.vc.slept_total, 0);
	t_done(&t);
}

static void
test_412_regets_and_retries_once(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		GET_PEER("Enabled", "Succeeded", "e1"),
		{ "PUT", PEER_URL, { "If-Match: W/\"e1\"" }, { NULL }, { NULL },
		  { NULL }, 412, { "x-ms-request-id: rid-412" },
		  ARM_ERR("PreconditionFailed", "etag mismatch"), 0 },
		GET_PEER("Enabled", "Succeeded", "e2"),
		PUT_PEER("Disabled", "e2", 200,
		    "Azure-AsyncOperation: " ASYNC_URL, "Retry-After: 10"),
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;
	struct cloud_op_info info;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, &info, &t.err), 0);
	assert_non_null(op);
	assert_int_equal(info.http_status, 200);
	assert_string_equal(info.request_id, "rid-put");
	assert_string_equal(info.correlation_id, "corr-1");
	assert_int_equal(strlen(info.client_request_id), 36);
	azure_cloud_ops.op_free(op);
	t_done(&t);
}

static void
test_lost_answer_then_412_follows_resource(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		GET_PEER("Enabled", "Succeeded", "e1"),
		/* The PUT was applied but its answer was lost... */
		{ "PUT", PEER_URL, { "If-Match: W/\"e1\"" }, { NULL }, { NULL },
		  { NULL }, 0, { NULL }, NULL, -ECONNRESET },
		/* ...so the retry's etag is stale. */
		{ "PUT", PEER_URL, { "If-Match: W/\"e1\"" }, { NULL }, { NULL },
		  { NULL }, 412, { "x-ms-request-id: rid-412" },
		  ARM_ERR("PreconditionFailed", "etag mismatch"), 0 },
		GET_PEER("Disabled", "Updating", "e2"),
		GET_PEER("Disabled", "Updating", "e2"),
		GET_PEER("Disabled", "Succeeded", "e3"),
		GET_CKT_OF(PEERING("Disabled", "Succeeded", "e3")),
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;
	struct cloud_poll p;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), 0);
	assert_int_equal(t.vc.slept_total, 1000);
	assert_int_equal(azure_cloud_ops.op_poll(t.ctx, op, &p, &t.err), 0);
	assert_false(p.done);
	assert_string_equal(p.status, "Updating");
	assert_int_equal(azure_cloud_ops.op_poll(t.ctx, op, &p, &t.err), 0);
	assert_true(p.done);
	azure_cloud_ops.op_free(op);
	t_done(&t);
}

static void
test_412_twice_is_an_error(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		GET_PEER("Enabled", "Succeeded", "e1"),
		{ "PUT", PEER_URL, { "If-Match: W/\"e1\"" }, { NULL }, { NULL },
		  { NULL }, 412, { "x-ms-request-id: rid-a" },
		  ARM_ERR("PreconditionFailed", "etag mismatch"), 0 },
		GET_PEER("Enabled", "Succeeded", "e2"),
		{ "PUT", PEER_URL, { "If-Match: W/\"e2\"" }, { NULL }, { NULL },
		  { NULL }, 412, { "x-ms-request-id: rid-b" },
		  ARM_ERR("PreconditionFailed", "etag mismatch"), 0 },
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), -ESTALE);
	assert_non_null(strstr(t.err.msg, "PreconditionFailed"));
	assert_non_null(strstr(t.err.msg, "rid-b"));
	t_done(&t);
}

static void
test_lro_async_operation(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		GET_PEER("Enabled", "Succeeded", "e1"),
		{ "PUT", PEER_URL,
		  { "If-Match: W/\"e1\"", "Content-Type: application/json" },
		  { NULL },
		  /* IPv6 state untouched without cfg.ipv6. */
		  { "\"state\":\"Disabled\"", "\"ipv6PeeringConfig\":{",
		    "\"peerASN\":65020", "::4/126\",\"state\":\"Enabled\"" },
		  { "provisioningState", "\"etag\"", "lastModifiedBy",
		    "peeredConnections" },
		  201, { "x-ms-request-id: rid-put",
		  "Azure-AsyncOperation: " ASYNC_URL, "Retry-After: 10" },
		  PEERING("Disabled", "Updating", "e9"), 0 },
		{ "GET", ASYNC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { "Retry-After: 5" }, "{\"status\":\"InProgress\"}", 0 },
		{ "GET", ASYNC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { NULL }, "{\"status\":\"succeeded\"}", 0 },
		GET_CKT_OF(PEERING("Disabled", "Succeeded", "e9")),
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;
	struct cloud_poll p;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), 0);
	/* The PUT's Retry-After 10 comes first: this poll sends nothing
	 * (azcore PollUntilDone's initial Retry-After delay). */
	assert_int_equal(azure_cloud_ops.op_poll(t.ctx, op, &p, &t.err), 0);
	assert_false(p.done);
	assert_int_equal(p.retry_after_ms, 10000);
	assert_int_equal(t.fake.i, 3);
	assert_int_equal(azure_cloud_ops.op_poll(t.ctx, op, &p, &t.err), 0);
	assert_false(p.done);
	assert_int_equal(p.retry_after_ms, 5000);
	assert_string_equal(p.status, "InProgress");
	/* Lower case on purpose: statuses compare case-insensitively. */
	assert_int_equal(azure_cloud_ops.op_poll(t.ctx, op, &p, &t.err), 0);
	assert_true(p.done);
	/* The provider never waits on its own for the toggle. */
	assert_int_equal(t.vc.slept_total, 0);
	azure_cloud_ops.op_free(op);
	t_done(&t);
}

static void
test_lro_location_ipv6(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		GET_PEER("Disabled", "Succeeded", "e1"),
		{ "PUT", PEER_URL, { "If-Match: W/\"e1\"" }, { NULL },
		  { "\"state\":\"Enabled\",\"vlanId\"",
		    "::4/126\",\"state\":\"Enabled\"" },
		  { "\"state\":\"Disabled\"" },
		  202, { "Location: " LOC_URL, "Retry-After: 3" }, "", 0 },
		{ "GET", LOC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 202,
		  { "Retry-After: 4" }, "", 0 },
		{ "GET", LOC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { NULL }, PEERING("Enabled", "Succeeded", "e3"), 0 },
		GET_CKT_OF(PEERING("Enabled", "Succeeded", "e3")),
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;
	struct cloud_poll p;

	(void)state;
	t.cfg.ipv6 = true;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	/* The engine names the IPv6 state to put back (it was Enabled
	 * before the drill, says preflight or the journal). */
	azure_cloud_ops.ipv6_restore(t.ctx, CLOUD_STATE_ENABLED);
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, true,
	    false, &op, NULL, &t.err), 0);
	assert_int_equal(azure_cloud_ops.op_poll(t.ctx, op, &p, &t.err), 0);
	assert_int_equal(p.retry_after_ms, 3000);
	assert_int_equal(azure_cloud_ops.op_poll(t.ctx, op, &p, &t.err), 0);
	assert_false(p.done);
	assert_int_equal(p.retry_after_ms, 4000);
	assert_int_equal(azure_cloud_ops.op_poll(t.ctx, op, &p, &t.err), 0);
	assert_string_equal(p.status, "Succeeded");
	assert_true(p.done);
	azure_cloud_ops.op_free(op);
	t_done(&t);
}

static void
test_lro_failed(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		GET_PEER("Disabled", "Succeeded", "e1"),
		PUT_PEER("Enabled", "e1", 200,
		    "Azure-AsyncOperation: " ASYNC_URL, NULL),
		{ "GET", ASYNC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { NULL }, "{\"status\":\"Failed\",\"error\":{\"code\":"
		  "\"InternalServerError\",\"message\":\"It broke.\"}}", 0 },
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;
	struct cloud_poll p;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, true,
	    false, &op, NULL, &t.err), 0);
	assert_int_equal(azure_cloud_ops.op_poll(t.ctx, op, &p, &t.err), -EIO);
	assert_string_equal(t.err.msg, "ARM PUT expressRouteCircuits/ckt/"
	    "peerings/AzurePrivatePeering: operation Failed: "
	    "InternalServerError: It broke. (request id rid-put)");
	assert_string_equal(t.err.request_id, "rid-put");
	azure_cloud_ops.op_free(op);
	t_done(&t);
}

/* NRP reports a conflict as an operation that ends Failed
 * (Azure/bicep#5132): transient.  A bad request that Failed is final. */
static void
test_lro_failed_kind(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		GET_PEER("Disabled", "Succeeded", "e1"),
		PUT_PEER("Enabled", "e1", 200,
		    "Azure-AsyncOperation: " ASYNC_URL, NULL),
		{ "GET", ASYNC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { NULL }, "{\"status\":\"Failed\",\"error\":{\"code\":"
		  "\"AnotherOperationInProgress\",\"message\":\"Another "
		  "operation on this or dependent resource is in progress."
		  "\"}}", 0 },
		GET_PEER("Disabled", "Succeeded", "e2"),
		PUT_PEER("Enabled", "e2", 200,
		    "Azure-AsyncOperation: " ASYNC_URL, NULL),
		{ "GET", ASYNC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { NULL }, "{\"status\":\"Failed\",\"error\":{\"code\":"
		  "\"InvalidRequestFormat\",\"message\":\"No.\"}}", 0 },
		GET_PEER("Disabled", "Succeeded", "e3"),
		PUT_PEER("Enabled", "e3", 200,
		    "Azure-AsyncOperation: " ASYNC_URL, NULL),
		/* A status URL that is not there (yet) says nothing. */
		{ "GET", ASYNC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 404,
		  { NULL }, ARM_ERR("NotFound", "gone"), 0 },
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;
	struct cloud_poll p;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, true,
	    false, &op, NULL, &t.err), 0);
	assert_int_equal(azure_cloud_ops.op_poll(t.ctx, op, &p, &t.err), -EIO);
	assert_int_equal(t.err.kind, FD_ERR_TRANSIENT);
	assert_false(t.err.unchanged);
	azure_cloud_ops.op_free(op);
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, true,
	    false, &op, NULL, &t.err), 0);
	assert_int_equal(azure_cloud_ops.op_poll(t.ctx, op, &p, &t.err), -EIO);
	assert_int_equal(t.err.kind, FD_ERR_FINAL);
	azure_cloud_ops.op_free(op);
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, true,
	    false, &op, NULL, &t.err), 0);
	assert_int_equal(azure_cloud_ops.op_poll(t.ctx, op, &p, &t.err),
	    -ENOENT);
	assert_int_equal(t.err.kind, FD_ERR_TRANSIENT);
	azure_cloud_ops.op_free(op);
	t_done(&t);
}

/* 403 on the disable PUT: final, and nothing changed. */
static void
test_put_403_unchanged(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		GET_PEER("Enabled", "Succeeded", "e1"),
		{ "PUT", PEER_URL, { "If-Match: W/\"e1\"" }, { NULL }, { NULL },
		  { NULL }, 403, { "x-ms-request-id: rid-403" },
		  ARM_ERR("AuthorizationFailed", "The client does not have "
		  "authorization to perform action"), 0 },
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), -EACCES);
	assert_int_equal(t.err.kind, FD_ERR_FINAL);
	assert_true(t.err.unchanged);
	assert_non_null(strstr(t.err.msg, "AuthorizationFailed"));
	t_done(&t);
}

#define TAGS_URL NET "expressRouteCircuits/ckt/providers/" \
	"Microsoft.Resources/tags/default?api-version=2021-04-01"
#define LEASE "drill=d; by=u@h; since=2026-11-29T06:00:00Z; " \
	"until=2026-11-29T07:00:00Z; change=-"

/* The lease is a PATCH of the circuit's tags (Tags_UpdateAtScope,
 * Microsoft.Resources api-version 2021-04-01), Merge to set and Delete of
 * our name=value to remove, never the PUT that replaces every tag; and
 * the circuit's GET reads it back (no request of its own). */
static void
test_lease_tags_patch(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		{ "PATCH", TAGS_URL, { "Content-Type: application/json" },
		  { "If-Match" }, { "\"operation\":\"Merge\"",
		  "\"failover-drill-lease\":\"" LEASE "\"" }, { NULL }, 200,
		  { "x-ms-request-id: rid-set" }, "{\"name\":\"default\"}", 0 },
		{ "GET", CKT_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { NULL }, "{\"name\":\"ckt\",\"tags\":{\"owner\":\"net\","
		  "\"failover-drill-lease\":\"" LEASE "\"},"
		  "\"properties\":{\"provisioningState\":\"Succeeded\","
		  "\"serviceProviderProvisioningState\":\"Provisioned\","
		  "\"peerings\":[" PEERING("Enabled", "Succeeded", "e1") "]}}",
		  0 },
		{ "PATCH", TAGS_URL, { NULL }, { NULL }, {
		  "\"operation\":\"Delete\"",
		  "\"failover-drill-lease\":\"" LEASE "\"" }, { NULL }, 403,
		  { "x-ms-request-id: rid-403" },
		  ARM_ERR("AuthorizationFailed", "The client does not have "
		  "authorization to perform action "
		  "'Microsoft.Resources/tags/write'"), 0 },
	};
	struct t t = { 0 };
	struct cloud_op_info info;
	struct cloud_circuit c;
	char buf[1024];

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.lease_set(t.ctx, LEASE, &info,
	    &t.err), 0);
	assert_int_equal(info.http_status, 200);
	assert_string_equal(info.request_id, "rid-set");
	assert_int_equal(azure_cloud_ops.circuit(t.ctx, &c, &t.err), 0);
	assert_true(c.lease_found);
	assert_string_equal(c.lease, LEASE);
	assert_int_equal(azure_cloud_ops.lease_clear(t.ctx, LEASE, &info,
	    &t.err), -EACCES);
	assert_string_equal(t.err.request_id, "rid-403");
	assert_non_null(strstr(t.err.msg, "AuthorizationFailed"));
	/* Longer than a tag value may be: refused before any request. */
	memset(buf, 'x', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	assert_int_equal(azure_cloud_ops.lease_set(t.ctx, buf, &info,
	    &t.err), -EINVAL);
	/* plan names the PATCH and its operations, never a PUT of tags. */
	assert_int_equal(azure_cloud_ops.describe(&t.cfg,
	    CLOUD_STEP_LEASE_SET, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "PATCH "));
	assert_non_null(strstr(buf, "operation=Merge"));
	assert_int_equal(azure_cloud_ops.describe(&t.cfg,
	    CLOUD_STEP_LEASE_CLEAR, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "operation=Delete"));
	/* Preflight's circuit read is where the lease is read. */
	assert_int_equal(azure_cloud_ops.describe(&t.cfg, CLOUD_STEP_CIRCUIT,
	    buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "failover-drill-lease"));
	t_done(&t);
}

/* A PUT whose answer was lost may have been applied: a later refusal
 * does not make the outcome known. */
static void
test_lost_answer_then_refused_is_unknown(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		GET_PEER("Enabled", "Succeeded", "e1"),
		{ "PUT", PEER_URL, { "If-Match: W/\"e1\"" }, { NULL }, { NULL },
		  { NULL }, 0, { NULL }, NULL, -ECONNRESET },
		{ "PUT", PEER_URL, { "If-Match: W/\"e1\"" }, { NULL }, { NULL },
		  { NULL }, 400, { "x-ms-request-id: rid-400" },
		  ARM_ERR("InvalidRequestFormat", "bad"), 0 },
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), -EINVAL);
	assert_int_equal(t.err.kind, FD_ERR_FINAL);
	assert_false(t.err.unchanged);
	assert_int_equal(t.fake.i, t.fake.n);
	/* 5xx after every retry: transient, outcome unknown. */
	t.fake.i = 0;
	{
		static const struct exchange y[] = {
			GET_PEER("Enabled", "Succeeded", "e1"),
			{ "PUT", PEER_URL, { NULL }, { NULL }, { NULL },
			  { NULL }, 503, { NULL }, "", 0 },
			{ "PUT", PEER_URL, { NULL }, { NULL }, { NULL },
			  { NULL }, 503, { NULL }, "", 0 },
			{ "PUT", PEER_URL, { NULL }, { NULL }, { NULL },
			  { NULL }, 503, { NULL }, "", 0 },
			{ "PUT", PEER_URL, { NULL }, { NULL }, { NULL },
			  { NULL }, 503, { NULL }, "", 0 },
		};

		t.fake.script = y;
		t.fake.n = sizeof(y) / sizeof(y[0]);
		assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx,
		    false, false, &op, NULL, &t.err), -EIO);
		assert_int_equal(t.err.kind, FD_ERR_TRANSIENT);
		assert_false(t.err.unchanged);
	}
	t_done(&t);
}

/* The enable after a 412: a fresh GET still shows it Disabled, so it is
 * PUT without If-Match (the peering PUT declares none); the disable
 * keeps If-Match (test_412_twice_is_an_error). */
static void
test_enable_412_drops_if_match(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		GET_PEER("Disabled", "Succeeded", "e1"),
		{ "PUT", PEER_URL, { "If-Match: W/\"e1\"" }, { NULL }, { NULL },
		  { NULL }, 412, { "x-ms-request-id: rid-a" },
		  ARM_ERR("PreconditionFailed", "etag mismatch"), 0 },
		GET_PEER("Disabled", "Succeeded", "e2"),
		{ "PUT", PEER_URL, { "Content-Type: application/json" },
		  { "If-Match" }, { "\"state\":\"Enabled\"" }, { NULL }, 200,
		  { "x-ms-request-id: rid-put",
		    "Azure-AsyncOperation: " ASYNC_URL },
		  PEERING("Enabled", "Updating", "e9"), 0 },
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;
	struct cloud_op_info info;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, true,
	    false, &op, &info, &t.err), 0);
	assert_string_equal(info.request_id, "rid-put");
	assert_non_null(strstr(t.warn, "without If-Match"));
	assert_null(strstr(t.warn, "azure: PUT peering"));
	azure_cloud_ops.op_free(op);
	t_done(&t);
}

/* A preview api-version is sent whole (a 16-byte buffer cut
 * "2024-07-01-preview" to "2024-07-01-prev"). */
static void
test_preview_api_version(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		{ "GET", NET "expressRouteCircuits/ckt/peerings/"
		  "AzurePrivatePeering?api-version=2024-07-01-preview",
		  { NULL }, { NULL }, { NULL }, { NULL }, 200, { NULL },
		  PEERING("Enabled", "Updating", "e1"), 0 },
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;

	(void)state;
	snprintf(t.cfg.api_version, sizeof(t.cfg.api_version),
	    "2024-07-01-preview");
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), -EBUSY);
	t_done(&t);
}

static void
test_enable_repairs_failed(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		GET_PEER("Enabled", "Failed", "e1"),
		GET_PEER("Enabled", "Failed", "e1"),
		PUT_PEER("Enabled", "e1", 200,
		    "Azure-AsyncOperation: " ASYNC_URL, NULL),
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	/* A drill never starts on a Failed peering... */
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), -EBUSY);
	/* ...but restore repairs one that is Enabled and Failed (what a
	 * failed disable leaves) without being forced. */
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, true,
	    false, &op, NULL, &t.err), 0);
	azure_cloud_ops.op_free(op);
	t_done(&t);
}

static void
test_token_expired_refetch(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		{ "GET", PEER_URL, { "Authorization: Bearer tok1" }, { NULL },
		  { NULL }, { NULL }, 401, { NULL },
		  ARM_ERR("ExpiredAuthenticationToken", "expired"), 0 },
		TOKEN("tok2"),
		{ "GET", PEER_URL, { "Authorization: Bearer tok2" }, { NULL },
		  { NULL }, { NULL }, 200, { NULL },
		  PEERING("Disabled", "Succeeded", "e1"), 0 },
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), -EALREADY);
	assert_int_equal(t.vc.slept_total, 0);
	t_done(&t);
}

static void
test_learned_routes_location(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		{ "POST", NET "virtualNetworkGateways/gw/getLearnedRoutes?" V,
		  { NULL }, { "If-Match" }, { NULL }, { NULL }, 202,
		  { "Location: " LOC_URL, "Retry-After: 3" }, "null", 0 },
		{ "GET", LOC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 202,
		  { NULL }, "", 0 },
		{ "GET", LOC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { NULL }, "{\"value\":[{\"localAddress\":\"10.17.11.76\","
		  "\"network\":\"10.1.11.0/25\",\"nextHop\":\"192.168.11.88\","
		  "\"sourcePeer\":\"192.168.11.88\",\"origin\":\"EBgp\","
		  "\"asPath\":\"65515-65020\",\"weight\":32768},"
		  "{\"network\":\"10.17.11.0/25\",\"origin\":\"Network\","
		  "\"sourcePeer\":\"10.17.11.76\"}]}", 0 },
	};
	struct t t = { 0 };
	struct route_set s;
	char buf[64];

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.learned_routes(t.ctx, &s, &t.err), 0);
	/* Retry-After 3 s, then the 10 s default. */
	assert_int_equal(t.vc.slept_total, 13000);
	assert_int_equal(s.n, 2);
	assert_string_equal(prefix_str(&s.v[0].prefix, buf, sizeof(buf)),
	    "10.1.11.0/25");
	assert_string_equal(s.v[0].as_path, "65515 65020");
	assert_string_equal(s.v[0].protocol, "EBgp");
	assert_int_equal(s.v[0].n_nh, 1);
	assert_string_equal(addr_str(&s.v[0].nh[0].addr, buf, sizeof(buf)),
	    "192.168.11.88");
	assert_string_equal(addr_str(&s.v[0].from, buf, sizeof(buf)),
	    "192.168.11.88");
	assert_int_equal(s.v[1].n_nh, 0);
	route_set_done(&s);
	t_done(&t);
}

/* An action's result in pages (nextLink, AZURE-REST.md §7), here a
 * link's route table summary: every page is read, empty ones too. */
static void
test_action_pagination(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		{ "POST", NET "expressRouteCircuits/ckt/peerings/"
		  "AzurePrivatePeering/routeTablesSummary/Primary?" V, { NULL },
		  { NULL }, { NULL }, { NULL }, 200, { NULL },
		  "{\"value\":[{\"neighbor\":\"192.168.11.17\",\"v\":4,"
		  "\"as\":65020,\"upDown\":\"1d\",\"statePfxRcd\":\"3\"}],"
		  "\"nextLink\":\"https://arm.test/"
		  "page2?api-version=2024-05-01&$skipToken=x\"}", 0 },
		{ "GET", "https://arm.test/page2?api-version=2024-05-01&"
		  "$skipToken=x", { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { NULL }, "{\"value\":[],\"nextLink\":\"https://arm.test/"
		  "page3?api-version=2024-05-01\"}", 0 },
		{ "GET", "https://arm.test/page3?api-version=2024-05-01",
		  { NULL }, { NULL }, { NULL }, { NULL }, 200, { NULL },
		  "{\"value\":[{\"neighbor\":\"192.168.11.18\",\"v\":4,"
		  "\"as\":12076,\"upDown\":\"1d\",\"statePfxRcd\":"
		  "\"Active\"}],\"nextLink\":null}", 0 },
	};
	struct t t = { 0 };
	struct bgp_summary s;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.link_summary(t.ctx, "Primary", &s,
	    &t.err), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0].state, "Established");
	assert_int_equal(s.v[0].received, 3);
	assert_string_equal(s.v[1].state, "Active");
	bgp_summary_done(&s);
	assert_int_equal(azure_cloud_ops.link_summary(t.ctx, "tertiary", &s,
	    &t.err), -EINVAL);
	t_done(&t);
}

static void
test_bgp_peers_async(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		{ "POST", NET "virtualNetworkGateways/gw/getBgpPeerStatus?" V,
		  { NULL }, { NULL }, { NULL }, { NULL }, 202,
		  { "Azure-AsyncOperation: " ASYNC_URL }, "", 0 },
		{ "GET", ASYNC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { NULL }, "{\"status\":\"Succeeded\",\"properties\":{"
		  "\"value\":[{\"neighbor\":\"192.168.11.88\",\"asn\":65020,"
		  "\"state\":\"Connected\",\"connectedDuration\":"
		  "\"1.02:03:04.5\",\"routesReceived\":1},"
		  "{\"neighbor\":\"10.17.11.77\",\"asn\":65515,\"state\":"
		  "\"Connecting\"}]}}", 0 },
	};
	struct t t = { 0 };
	struct bgp_summary s;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.bgp_peers(t.ctx, &s, &t.err), 0);
	assert_int_equal(s.n, 2);
	assert_true(bgp_peer_established(&s.v[0]));
	assert_false(bgp_peer_established(&s.v[1]));
	assert_int_equal(s.v[0].peer_as, 65020);
	assert_int_equal(s.v[0].uptime_s, 93784);
	assert_int_equal(s.v[0].received, 1);
	bgp_summary_done(&s);
	t_done(&t);
}

static void
test_advertised_and_conncheck(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		{ "POST", NET "virtualNetworkGateways/gw/getAdvertisedRoutes?"
		  "peer=192.168.11.88&" V, { NULL }, { NULL }, { NULL },
		  { NULL }, 200, { NULL }, "{\"value\":[{\"network\":"
		  "\"10.17.11.128/26\",\"asPath\":\"65515\",\"nextHop\":"
		  "\"10.17.11.76\"}]}", 0 },
		{ "POST", "https://arm.test/subscriptions/sub/resourceGroups/"
		  "NetworkWatcherRG/providers/Microsoft.Network/"
		  "networkWatchers/nw/connectivityCheck?" V,
		  { "Content-Type: application/json" }, { NULL },
		  { "\"resourceId\":\"/vm/1\"", "\"address\":\"10.1.11.10\"",
		    "\"protocol\":\"Icmp\"" }, { NULL }, 202,
		  { "Location: " LOC_URL, "Retry-After: 10" }, "null", 0 },
		{ "GET", LOC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { NULL }, "{\"hops\":[{\"type\":\"Source\",\"address\":"
		  "\"10.17.11.132\"},{\"type\":\"VirtualNetworkGateway\","
		  "\"address\":\"10.17.11.68\"},{\"type\":\"Internet\","
		  "\"address\":\"192.168.11.18\"},{\"type\":\"Destination\","
		  "\"address\":\"10.1.11.10\"}],\"connectionStatus\":"
		  "\"Reachable\"}", 0 },
	};
	struct t t = { 0 };
	struct route_set s;
	struct fd_addr peer;
	struct conncheck_req req;
	struct hop_list *hl = hop_list_new();
	char buf[256];

	(void)state;
	snprintf(t.cfg.network_watcher_rg, sizeof(t.cfg.network_watcher_rg),
	    "NetworkWatcherRG");
	snprintf(t.cfg.network_watcher, sizeof(t.cfg.network_watcher), "nw");
	snprintf(t.cfg.source_vm_id, sizeof(t.cfg.source_vm_id), "/vm/1");
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(addr_parse("192.168.11.88", &peer, NULL), 0);
	assert_int_equal(azure_cloud_ops.advertised_routes(t.ctx, &peer, &s,
	    &t.err), 0);
	assert_int_equal(s.n, 1);
	route_set_done(&s);
	memset(&req, 0, sizeof(req));
	assert_int_equal(addr_parse("10.1.11.10", &req.dest, NULL), 0);
	snprintf(req.protocol, sizeof(req.protocol), "Icmp");
	assert_non_null(hl);
	assert_int_equal(azure_cloud_ops.connectivity(t.ctx, &req, hl,
	    &t.err), 0);
	assert_true(hl->reached);
	assert_string_equal(hop_list_str(hl, buf, sizeof(buf)),
	    "10.17.11.68, 192.168.11.18, 10.1.11.10");
	hop_list_free(hl);
	t_done(&t);
}

static void
test_workload_identity(void **state)
{
	char path[] = "/tmp/fd-azure-wi-XXXXXX";
	int fd = mkstemp(path);
	const struct env_kv env[] = {
		{ "AZURE_TENANT_ID", "tenant" },
		{ "AZURE_CLIENT_ID", "app" },
		{ "AZURE_FEDERATED_TOKEN_FILE", path },
		{ NULL, NULL },
	};
	static const struct exchange x[] = {
		{ "POST", TOKEN_URL, { NULL }, { NULL },
		  { "client_assertion=eyJ.fed.sig", "client_assertion_type="
		    "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3A"
		    "jwt-bearer" }, { "client_secret" }, 200, { NULL },
		  "{\"access_token\":\"tok1\",\"expires_in\":3599}", 0 },
		GET_PEER("Disabled", "Succeeded", "e1"),
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "eyJ.fed.sig\n", 12), 12);
	close(fd);
	t.env = env;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), -EALREADY);
	assert_string_equal(azure_credential_kind(t.ctx), "workload-identity");
	unlink(path);
	t_done(&t);
}

static void
test_imds_unavailable_falls_back_to_cli(void **state)
{
	static const struct env_kv env[] = { { NULL, NULL } };
	static const struct exchange x[] = {
		{ "GET", "http://169.254.169.254/metadata/identity/oauth2/token"
		  "?api-version=2018-02-01&resource=https://arm.test/",
		  { "Metadata: true" }, { NULL }, { NULL }, { NULL }, 0,
		  { NULL }, NULL, -ECONNREFUSED },
		GET_PEER("Disabled", "Succeeded", "e1"),
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;

	(void)state;
	t.env = env;
	t.cli_out = "{\"accessToken\":\"tok1\",\"expiresOn\":\"2030-01-01 "
	    "00:00:00.000000\",\"expires_on\":4102444800,\"tokenType\":"
	    "\"Bearer\"}";
	/* The fake's one IMDS failure is not retried (connection refused
	 * is transient for ARM, but IMDS absence means "not on Azure"). */
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), -EALREADY);
	assert_int_equal(t.cli_runs, 1);
	assert_string_equal(azure_credential_kind(t.ctx), "azure-cli");
	t_done(&t);
}

static void
test_managed_identity_endpoint(void **state)
{
	static const struct env_kv env[] = {
		{ "IDENTITY_ENDPOINT", "http://127.0.0.1:41234/msi/token" },
		{ "IDENTITY_HEADER", "hdr-s3cr-value" },
		{ NULL, NULL },
	};
	static const struct exchange x[] = {
		{ "GET", "http://127.0.0.1:41234/msi/token?api-version="
		  "2019-08-01&resource=https://arm.test/",
		  { "X-IDENTITY-HEADER: hdr-s3cr-value" }, { "Metadata" },
		  { NULL }, { NULL }, 200, { NULL },
		  "{\"access_token\":\"tok1\",\"expires_on\":\"4102444800\","
		  "\"resource\":\"https://arm.test/\"}", 0 },
		GET_PEER("Disabled", "Succeeded", "e1"),
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;

	(void)state;
	t.env = env;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), -EALREADY);
	assert_string_equal(azure_credential_kind(t.ctx), "managed-identity");
	t_done(&t);
}

static void
test_token_error_no_secret(void **state)
{
	static const struct exchange x[] = {
		{ "POST", TOKEN_URL, { NULL }, { NULL }, { NULL }, { NULL },
		  401, { NULL }, "{\"error\":\"invalid_client\","
		  "\"error_description\":\"AADSTS7000215: Invalid client "
		  "secret provided.\\r\\nTrace ID: x\"}", 0 },
	};
	struct t t = { 0 };
	struct cloud_circuit c;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.circuit(t.ctx, &c, &t.err), -EACCES);
	assert_non_null(strstr(t.err.msg, "invalid_client: AADSTS7000215"));
	assert_null(strstr(t.err.msg, "Trace ID"));
	t_done(&t);
}

/* base64url without padding, decoded in place; returns the length. */
static size_t
b64url_decode(char *s)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i, o = 0, n = strlen(s);
	unsigned acc = 0, bits = 0;

	for (i = 0; i < n; i++) {
		const char *p = strchr(tab, s[i]);

		assert_non_null(p);
		acc = (acc << 6) | (unsigned)(p - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			s[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	s[o] = '\0';
	return o;
}

static void
test_client_certificate_assertion(void **state)
{
	char dir[] = "/tmp/fd-azure-cert-XXXXXX", pem[64], cmd[512];
	char *jwt = NULL, *dot1, *dot2, hdr[512], claims[1024], sig[1024];
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen;
	size_t sig_len;
	struct fd_error err;
	json_t *h, *c;
	FILE *f;
	X509 *cert;
	EVP_PKEY *pub;
	EVP_MD_CTX *md;
	char *x5t;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(pem, sizeof(pem), "%s/app.pem", dir);
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey rsa:2048 -nodes "
	    "-keyout %s/key.pem -out %s/cert.pem -days 1 -subj /CN=app "
	    ">/dev/null 2>&1 && cat %s/key.pem %s/cert.pem > %s", dir, dir,
	    dir, dir, pem);
	if (system(cmd) != 0)
		skip();
	assert_int_equal(azure_jwt_assertion(pem, NULL, "app",
	    TOKEN_URL, &jwt, &err), 0);
	dot1 = strchr(jwt, '.');
	assert_non_null(dot1);
	dot2 = strchr(dot1 + 1, '.');
	assert_non_null(dot2);
	snprintf(hdr, sizeof(hdr), "%.*s", (int)(dot1 - jwt), jwt);
	snprintf(claims, sizeof(claims), "%.*s", (int)(dot2 - dot1 - 1),
	    dot1 + 1);
	snprintf(sig, sizeof(sig), "%s", dot2 + 1);
	b64url_decode(hdr);
	b64url_decode(claims);
	sig_len = b64url_decode(sig);
	h = json_loads(hdr, 0, NULL);
	c = json_loads(claims, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(h, "alg")),
	    "RS256");
	assert_string_equal(json_string_value(json_object_get(c, "aud")),
	    TOKEN_URL);
	assert_string_equal(json_string_value(json_object_get(c, "iss")),
	    "app");
	assert_string_equal(json_string_value(json_object_get(c, "sub")),
	    "app");
	assert_int_equal(strlen(json_string_value(json_object_get(c, "jti"))),
	    36);
	assert_int_equal(json_integer_value(json_object_get(c, "exp")) -
	    json_integer_value(json_object_get(c, "nbf")), 600);
	/* x5t: base64url SHA-1 thumbprint of the certificate. */
	f = fopen(pem, "r");
	assert_non_null(f);
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	if (cert == NULL) {
		rewind(f);
		/* The key comes first in the file. */
		EVP_PKEY_free(PEM_read_PrivateKey(f, NULL, NULL, NULL));
		cert = PEM_read_X509(f, NULL, NULL, NULL);
	}
	fclose(f);
	assert_non_null(cert);
	assert_true(X509_digest(cert, EVP_sha1(), digest, &dlen));
	x5t = strdup(json_string_value(json_object_get(h, "x5t")));
	assert_int_equal(b64url_decode(x5t), dlen);
	assert_memory_equal(x5t, digest, dlen);
	free(x5t);
	/* The signature verifies with the certificate's key. */
	pub = X509_get_pubkey(cert);
	md = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
	    pub), 1);
	assert_int_equal(EVP_DigestVerify(md, (unsigned char *)sig, sig_len,
	    (unsigned char *)jwt, (size_t)(dot2 - jwt)), 1);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pub);
	X509_free(cert);
	json_decref(h);
	json_decref(c);
	azure_free_secret(jwt);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_clouds(void **state)
{
	struct azure_cfg cfg;
	struct azure_endpoints ep;
	struct fd_error err;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(azure_endpoints(&cfg, NULL, &ep, &err), 0);
	assert_string_equal(ep.arm, "https://management.azure.com");
	assert_string_equal(ep.authority, "https://login.microsoftonline.com");
	snprintf(cfg.cloud, sizeof(cfg.cloud), "usgov");
	assert_int_equal(azure_endpoints(&cfg, NULL, &ep, &err), 0);
	assert_string_equal(ep.arm, "https://management.usgovcloudapi.net");
	assert_string_equal(ep.authority, "https://login.microsoftonline.us");
	snprintf(cfg.cloud, sizeof(cfg.cloud), "china");
	assert_int_equal(azure_endpoints(&cfg, NULL, &ep, &err), 0);
	assert_string_equal(ep.authority, "https://login.chinacloudapi.cn");
	snprintf(cfg.cloud, sizeof(cfg.cloud), "custom");
	assert_int_equal(azure_endpoints(&cfg, NULL, &ep, &err), -EINVAL);
	snprintf(cfg.arm_endpoint, sizeof(cfg.arm_endpoint),
	    "http://127.0.0.1:1");
	snprintf(cfg.authority, sizeof(cfg.authority), "https://127.0.0.1:1");
	/* TLS only. */
	assert_int_equal(azure_endpoints(&cfg, NULL, &ep, &err), -EINVAL);
	snprintf(cfg.cloud, sizeof(cfg.cloud), "mars");
	assert_int_equal(azure_endpoints(&cfg, NULL, &ep, &err), -EINVAL);
}

static void
test_redaction(void **state)
{
	char out[128];
	const char *l = "Authorization: Bearer eyJ0eXAi.secret\r\n";

	(void)state;
	http_redact_line(l, strlen(l), out, sizeof(out));
	assert_string_equal(out, "Authorization: [redacted]");
	l = "x-identity-header: abc";
	http_redact_line(l, strlen(l), out, sizeof(out));
	assert_string_equal(out, "x-identity-header: [redacted]");
	l = "x-ms-request-id: 1234\r\n";
	http_redact_line(l, strlen(l), out, sizeof(out));
	assert_string_equal(out, "x-ms-request-id: 1234");
}

static void
test_retry_after_parse(void **state)
{
	struct http_response r;

	(void)state;
	http_response_init(&r);
	assert_int_equal(azure_retry_after_ms(&r), -1);
	http_response_add_header(&r, "Retry-After", "2");
	assert_int_equal(azure_retry_after_ms(&r), 2000);
	http_response_add_header(&r, "x-ms-retry-after-ms", "250");
	assert_int_equal(azure_retry_after_ms(&r), 250);
	http_response_done(&r);
	http_response_add_header(&r, "Retry-After",
	    "Thu, 01 Jan 1970 00:00:00 GMT");
	assert_int_equal(azure_retry_after_ms(&r), 0);
	http_response_done(&r);
}

/* --------------------------------------------- preflight (issue 11) */

#define PEERING2(state, v6, prov, etag) "{\"name\":\"AzurePrivatePeering\"," \
	"\"etag\":\"W/\\\"" etag "\\\"\"," \
	"\"properties\":{\"provisioningState\":\"" prov "\"," \
	"\"peeringType\":\"AzurePrivatePeering\",\"azureASN\":12076," \
	"\"peerASN\":65020,\"primaryPeerAddressPrefix\":\"192.168.11.16/30\"," \
	"\"secondaryPeerAddressPrefix\":\"192.168.11.20/30\"," \
	"\"state\":\"" state "\",\"vlanId\":200,\"connections\":[]," \
	"\"ipv6PeeringConfig\":{" \
	"\"primaryPeerAddressPrefix\":\"3FFE:FFFF:0:CD30::/126\"," \
	"\"secondaryPeerAddressPrefix\":\"3FFE:FFFF:0:CD30::4/126\"," \
	"\"state\":\"" v6 "\"}}}"
#define GET_PEER2(state, v6, prov, etag) { "GET", PEER_URL, { NULL }, \
	{ NULL }, { NULL }, { NULL }, 200, { NULL }, \
	PEERING2(state, v6, prov, etag), 0 }

/* ipv6: true on a peering whose IPv6 is Disabled: the disable leaves it
 * Disabled, and the enable puts back exactly that, never Enabled. */
static void
test_ipv6_off_stays_off(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		GET_PEER2("Enabled", "Disabled", "Succeeded", "e1"),
		{ "PUT", PEER_URL, { "If-Match: W/\"e1\"" }, { NULL },
		  { "\"state\":\"Disabled\",\"vlanId\"",
		    "::4/126\",\"state\":\"Disabled\"" }, { NULL }, 200,
		  { NULL }, PEERING2("Disabled", "Disabled", "Succeeded", "e2"),
		  0 },
		GET_PEER2("Disabled", "Disabled", "Succeeded", "e2"),
		GET_CKT_OF(PEERING2("Disabled", "Disabled", "Succeeded",
		    "e2")),
		GET_PEER2("Disabled", "Disabled", "Succeeded", "e2"),
		{ "PUT", PEER_URL, { NULL }, { NULL },
		  { "\"state\":\"Enabled\",\"vlanId\"",
		    "::4/126\",\"state\":\"Disabled\"" },
		  { "::4/126\",\"state\":\"Enabled\"" }, 200,
		  { NULL }, PEERING2("Enabled", "Disabled", "Succeeded", "e3"),
		  0 },
		GET_PEER2("Enabled", "Disabled", "Succeeded", "e3"),
		GET_CKT_OF(PEERING2("Enabled", "Disabled", "Succeeded",
		    "e3")),
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;
	struct cloud_poll p;

	(void)state;
	t.cfg.ipv6 = true;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), 0);
	assert_int_equal(azure_cloud_ops.op_poll(t.ctx, op, &p, &t.err), 0);
	assert_true(p.done);
	azure_cloud_ops.op_free(op);
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, true,
	    false, &op, NULL, &t.err), 0);
	assert_int_equal(azure_cloud_ops.op_poll(t.ctx, op, &p, &t.err), 0);
	assert_true(p.done);
	azure_cloud_ops.op_free(op);
	t_done(&t);
}

/* A fresh provider (recover) told that IPv6 was Disabled: an enable
 * that finds IPv4 Enabled and IPv6 Disabled has nothing to do. */
static void
test_ipv6_restore_named(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		GET_PEER2("Enabled", "Disabled", "Succeeded", "e1"),
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;

	(void)state;
	t.cfg.ipv6 = true;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	azure_cloud_ops.ipv6_restore(t.ctx, CLOUD_STATE_DISABLED);
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, true,
	    false, &op, NULL, &t.err), -EALREADY);
	t_done(&t);
}

static void
test_action_match(void **state)
{
	(void)state;
	assert_true(azure_action_match("*", "Microsoft.Network/x/read"));
	assert_true(azure_action_match("Microsoft.Network/*",
	    "Microsoft.Network/expressRouteCircuits/peerings/write"));
	/* '*' crosses '/' (MicrosoftDocs role-definitions.md). */
	assert_true(azure_action_match("Microsoft.Network/*/read",
	    "Microsoft.Network/expressRouteCircuits/peerings/read"));
	assert_false(azure_action_match("Microsoft.Network/*/read",
	    "Microsoft.Network/expressRouteCircuits/peerings/write"));
	/* Case-insensitive, as ARM's own lowercase operation names need. */
	assert_true(azure_action_match(
	    "microsoft.network/virtualnetworkgateways/getbgppeerstatus/action",
	    "Microsoft.Network/virtualNetworkGateways/getBgpPeerStatus/action"));
	assert_true(azure_action_match("Microsoft.Network/*Circuits/*/write",
	    "Microsoft.Network/expressRouteCircuits/peerings/write"));
	assert_false(azure_action_match("Microsoft.Network/expressRouteCircuits"
	    "/read", "Microsoft.Network/expressRouteCircuits/peerings/read"));
	assert_false(azure_action_match("Microsoft.Compute/*",
	    "Microsoft.Network/expressRouteCircuits/read"));
	assert_false(azure_action_match("", "x"));
}

static void
test_perm_allows_not_actions(void **state)
{
	json_t *perms = json_loads("[{\"actions\":[\"Microsoft.Network/*\"],"
	    "\"notActions\":[\"Microsoft.Network/expressRouteCircuits/"
	    "peerings/write\"]},{\"actions\":[\"*/read\"],\"notActions\":[]}]",
	    0, NULL);

	(void)state;
	assert_non_null(perms);
	/* notActions take it away from their own role ... */
	assert_false(azure_perm_allows(perms,
	    "Microsoft.Network/expressRouteCircuits/peerings/write"));
	assert_true(azure_perm_allows(perms,
	    "Microsoft.Network/virtualNetworkGateways/getLearnedRoutes/action"));
	/* ... and another role may still grant it. */
	json_array_append_new(perms, json_loads("{\"actions\":[\"Microsoft."
	    "Network/expressRouteCircuits/peerings/write\"]}", 0, NULL));
	assert_true(azure_perm_allows(perms,
	    "Microsoft.Network/expressRouteCircuits/peerings/write"));
	json_decref(perms);
}

/* The role the repository ships grants exactly what the check needs. */
static void
test_shipped_role(void **state)
{
	char path[4096];
	const char *need[16];
	struct azure_cfg cfg;
	json_error_t je;
	json_t *role, *perms, *a;
	size_t i, k, n;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.vpn_gateway, sizeof(cfg.vpn_gateway), "gw");
	role = json_load_file(tu_source("drills/roles/azure-failover-drill.json",
	    path, sizeof(path)), 0, &je);
	if (role == NULL)
		fail_msg("%s:%d: %s", path, je.line, je.text);
	perms = json_pack("[{s:O, s:O}]", "actions",
	    json_object_get(role, "Actions"), "notActions",
	    json_object_get(role, "NotActions"));
	n = azure_needed_actions(&cfg, need, 16);
	assert_true(n >= 10);
	for (i = 0; i < n; i++)
		if (!azure_perm_allows(perms, need[i]))
			fail_msg("the shipped role lacks %s", need[i]);
	/* And nothing more: every action of the role is needed. */
	json_array_foreach(json_object_get(role, "Actions"), k, a) {
		for (i = 0; i < n; i++)
			if (strcmp(json_string_value(a), need[i]) == 0)
				break;
		if (i == n)
			fail_msg("the shipped role grants %s, which no check "
			    "needs", json_string_value(a));
	}
	json_decref(perms);
	json_decref(role);
}

#define PERM_URL "https://arm.test/subscriptions/sub/resourceGroups/rg/" \
	"providers/Microsoft.Network/expressRouteCircuits/ckt/providers/" \
	"Microsoft.Authorization/permissions?api-version=2022-04-01"

#define GWPERM_URL "https://arm.test/subscriptions/sub/resourceGroups/rg/" \
	"providers/Microsoft.Network/virtualNetworkGateways/gw/providers/" \
	"Microsoft.Authorization/permissions?api-version=2022-04-01"

/* Two pages at the circuit (Permissions_ListForResource is pageable),
 * where the write is taken away by a notAction; the gateway's actions
 * come from a role assigned on the gateway alone, so they are judged at
 * the gateway's scope.  -EACCES naming only the write. */
static void
test_permissions_missing_write(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		{ "GET", PERM_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { NULL }, "{\"value\":[{\"actions\":[\"Microsoft.Network/"
		  "*/read\"],\"notActions\":[]}],\"nextLink\":\"https://"
		  "arm.test/perm2?api-version=2022-04-01&$skipToken=1\"}", 0 },
		{ "GET", "https://arm.test/perm2?api-version=2022-04-01&"
		  "$skipToken=1", { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { NULL }, "{\"value\":[{\"actions\":[\"Microsoft.Network/"
		  "expressRouteCircuits/*\",\"Microsoft.Resources/tags/"
		  "write\"],\"notActions\":[\"Microsoft."
		  "Network/expressRouteCircuits/peerings/write\"]}],"
		  "\"nextLink\":null}", 0 },
		{ "GET", GWPERM_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { NULL }, "{\"value\":[{\"actions\":[\"Microsoft.Network/"
		  "*/read\"]},{\"actions\":[\"microsoft.network/"
		  "virtualnetworkgateways/*/action\"]}]}", 0 },
	};
	struct t t = { 0 };

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.permissions(t.ctx, &t.err), -EPERM);
	assert_non_null(strstr(t.err.msg, "lacks 1 action(s) on circuit ckt "
	    "and VPN gateway gw: "
	    "Microsoft.Network/expressRouteCircuits/peerings/write"));
	t_done(&t);
}

static void
test_link_summary(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		{ "POST", NET "expressRouteCircuits/ckt/peerings/"
		  "AzurePrivatePeering/routeTablesSummary/Secondary?" V,
		  { NULL }, { NULL }, { NULL }, { NULL }, 202,
		  { "Location: " LOC_URL, "Retry-After: 2" }, "", 0 },
		{ "GET", LOC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { NULL }, "{\"value\":[{\"neighbor\":\"192.168.11.21\","
		  "\"v\":4,\"as\":65020,\"upDown\":\"never\",\"statePfxRcd\":"
		  "\"Idle\"},{\"neighbor\":\"10.17.11.68\",\"v\":4,\"as\":"
		  "65515,\"upDown\":\"01:02:03\",\"statePfxRcd\":\"3\"}]}", 0 },
	};
	struct t t = { 0 };
	struct bgp_summary s;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.link_summary(t.ctx, "Secondary", &s,
	    &t.err), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0].state, "Idle");
	assert_int_equal(s.v[0].peer_as, 65020);
	assert_string_equal(s.v[1].state, "Established");
	assert_int_equal(s.v[1].received, 3);
	bgp_summary_done(&s);
	assert_int_equal(azure_cloud_ops.link_summary(t.ctx, "Tertiary", &s,
	    &t.err), -EINVAL);
	t_done(&t);
}

#define GW NET "virtualNetworkGateways/gw"
#define CONN_ID "/subscriptions/sub/resourceGroups/rg/providers/" \
	"Microsoft.Network/connections/c1"

/* Connected connection, but the second active-active instance has no
 * Connected BGP peer (only its iBGP session to the first). */
static void
test_vpn_connections(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		{ "GET", GW "/connections?" V, { NULL }, { NULL }, { NULL },
		  { NULL }, 200, { NULL }, "{\"value\":[{\"name\":\"c1\","
		  "\"id\":\"" CONN_ID "\",\"properties\":{}}]}", 0 },
		{ "GET", "https://arm.test" CONN_ID "?" V, { NULL }, { NULL },
		  { NULL }, { NULL }, 200, { NULL }, "{\"name\":\"c1\","
		  "\"properties\":{\"connectionStatus\":\"Connected\","
		  "\"tunnelConnectionStatus\":[{\"tunnel\":\"t1\","
		  "\"connectionStatus\":\"Connected\"}]}}", 0 },
		{ "GET", GW "?" V, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { NULL }, "{\"properties\":{\"activeActive\":true,"
		  "\"bgpSettings\":{\"asn\":65515,\"bgpPeeringAddresses\":["
		  "{\"defaultBgpIpAddresses\":[\"10.0.0.4\"]},"
		  "{\"defaultBgpIpAddresses\":[\"10.0.0.5\"]}]}}}", 0 },
		{ "POST", GW "/getBgpPeerStatus?" V, { NULL }, { NULL },
		  { NULL }, { NULL }, 200, { NULL }, "{\"value\":["
		  "{\"localAddress\":\"10.0.0.4\",\"neighbor\":\"192.0.2.1\","
		  "\"asn\":65020,\"state\":\"Connected\"},"
		  "{\"localAddress\":\"10.0.0.5\",\"neighbor\":\"10.0.0.4\","
		  "\"asn\":65515,\"state\":\"Connected\"},"
		  "{\"localAddress\":\"10.0.0.5\",\"neighbor\":\"192.0.2.1\","
		  "\"asn\":65020,\"state\":\"Connecting\"}]}", 0 },
	};
	struct t t = { 0 };

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.vpn_connections(t.ctx, &t.err),
	    -EBADMSG);
	assert_non_null(strstr(t.err.msg, "instance 10.0.0.5 has no "
	    "Connected BGP peer"));
	t_done(&t);
}

static void
test_vpn_tunnel_down(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		{ "GET", GW "/connections?" V, { NULL }, { NULL }, { NULL },
		  { NULL }, 200, { NULL }, "{\"value\":[{\"name\":\"c1\","
		  "\"id\":\"" CONN_ID "\",\"properties\":{}}]}", 0 },
		{ "GET", "https://arm.test" CONN_ID "?" V, { NULL }, { NULL },
		  { NULL }, { NULL }, 200, { NULL }, "{\"name\":\"c1\","
		  "\"properties\":{\"connectionStatus\":\"Connected\","
		  "\"tunnelConnectionStatus\":[{\"tunnel\":\"t1\","
		  "\"connectionStatus\":\"Connected\"},{\"tunnel\":\"t2\","
		  "\"connectionStatus\":\"NotConnected\"}]}}", 0 },
	};
	struct t t = { 0 };

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.vpn_connections(t.ctx, &t.err),
	    -EBADMSG);
	assert_string_equal(t.err.msg, "VPN connection c1: tunnel t2 is "
	    "NotConnected, not Connected");
	t_done(&t);
}

#define LINKTEST_URL "https://arm.test/subscriptions/sub/resourceGroups/rg/" \
	"providers/Microsoft.Network/expressRouteCircuits/ckt/" \
	"getCircuitLinkFailoverAllTestsDetails?failoverTestType=All&" \
	"fetchLatest=true&api-version=2025-07-01"

/* A Microsoft link-failover test Running on the circuit: the result is
 * an array (no "value"), behind a Location. */
static void
test_link_test_running(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		{ "POST", LINKTEST_URL, { NULL }, { NULL }, { NULL }, { NULL },
		  202, { "Location: " LOC_URL, "Retry-After: 1" }, "", 0 },
		{ "GET", LOC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { NULL }, "[{\"status\":\"Completed\",\"linkType\":"
		  "\"Secondary\"},{\"status\":\"Running\",\"linkType\":"
		  "\"Primary\",\"circuitTestCategory\":\"BgpDisconnect\","
		  "\"testGuid\":\"g1\",\"startTime\":\"1/6/2026 9:23:21 AM\"}]",
		  0 },
	};
	struct t t = { 0 };

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.link_test_idle(t.ctx, &t.err),
	    -EBUSY);
	assert_string_equal(t.err.msg, "a Microsoft link-failover test is "
	    "Running on circuit ckt (Primary link, BgpDisconnect, test g1, "
	    "started 1/6/2026 9:23:21 AM)");
	t_done(&t);
}

/* Item 9: IMDS 400 means "no identity on this VM": the chain moves on to
 * the Azure CLI (azure-identity imds.py), it is not a final error. */
static void
test_imds_400_falls_back_to_cli(void **state)
{
	static const struct env_kv env[] = { { NULL, NULL } };
	static const struct exchange x[] = {
		{ "GET", "http://169.254.169.254/metadata/identity/oauth2/token"
		  "?api-version=2018-02-01&resource=https://arm.test/",
		  { "Metadata: true" }, { NULL }, { NULL }, { NULL }, 400,
		  { NULL }, "{\"error\":\"invalid_request\",\"error_"
		  "description\":\"Identity not found\"}", 0 },
		GET_PEER("Disabled", "Succeeded", "e1"),
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;

	(void)state;
	t.env = env;
	t.cli_out = "{\"accessToken\":\"tok1\",\"expiresOn\":\"2030-01-01 "
	    "00:00:00.000000\",\"expires_on\":4102444800,\"tokenType\":"
	    "\"Bearer\"}";
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), -EALREADY);
	assert_int_equal(t.cli_runs, 1);
	assert_string_equal(azure_credential_kind(t.ctx), "azure-cli");
	t_done(&t);
}

/* Item 9: Service Fabric (IDENTITY_SERVER_THUMBPRINT) is refused by name
 * and never sent the App Service protocol (no request at all). */
static void
test_service_fabric_refused(void **state)
{
	static const struct env_kv env[] = {
		{ "IDENTITY_ENDPOINT", "https://127.0.0.1:2377/metadata/"
		  "identity/oauth2/token" },
		{ "IDENTITY_HEADER", "hdr-s3cr-value" },
		{ "IDENTITY_SERVER_THUMBPRINT", "AB12" },
		{ NULL, NULL },
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;

	(void)state;
	t.env = env;
	t_open(&t, NULL, 0);
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), -ENOTSUP);
	assert_non_null(strstr(t.err.msg, "Service Fabric"));
	assert_int_equal(t.cli_runs, 0);
	t_done(&t);
}

/* Item 8: a custom cloud without azure.audience asks ARM's metadata
 * endpoint (no token) and requests its token for audiences[0], not for
 * the ARM URL (Azure Stack Hub: AADSTS500011 otherwise). */
static void
test_audience_discovered(void **state)
{
	static const struct exchange x[] = {
		{ "GET", "https://arm.test/metadata/endpoints?api-version="
		  "2022-09-01", { NULL }, { "Authorization" }, { NULL },
		  { NULL }, 200, { NULL },
		  "[{\"name\":\"Other\",\"resourceManager\":"
		  "\"https://other.test/\",\"authentication\":{"
		  "\"audiences\":[\"https://other.aud/\"]}},"
		  "{\"name\":\"Stack\",\"resourceManager\":"
		  "\"https://arm.test/\",\"authentication\":{"
		  "\"loginEndpoint\":\"https://login.test/\",\"audiences\":"
		  "[\"https://management.stack.test/5f7a\"]}}]", 0 },
		{ "POST", TOKEN_URL, { NULL }, { "Authorization" },
		  { "scope=https%3A%2F%2Fmanagement.stack.test%2F5f7a%2F"
		    ".default" }, { NULL }, 200, { NULL },
		  "{\"token_type\":\"Bearer\",\"expires_in\":3599,"
		  "\"access_token\":\"tok1\"}", 0 },
		GET_PEER("Disabled", "Succeeded", "e1"),
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;

	(void)state;
	t.discover = true;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), -EALREADY);
	assert_non_null(strstr(t.log, "token audience "
	    "https://management.stack.test/5f7a"));
	t_done(&t);
}

/* The engine's circuit read right after an operation (disable_confirm,
 * confirm_enabled) takes the read that confirmed it: no second GET of
 * the circuit; once only, and not when time has passed since. */
static void
test_confirm_read_handed_over(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		GET_PEER("Enabled", "Succeeded", "e1"),
		PUT_PEER("Disabled", "e1", 200, NULL, NULL),
		GET_PEER("Disabled", "Succeeded", "e2"),
		GET_CKT_OF(PEERING("Disabled", "Succeeded", "e2")),
		/* The second read is a read. */
		GET_CKT_OF(PEERING("Disabled", "Succeeded", "e2")),
		GET_PEER("Disabled", "Succeeded", "e2"),
		PUT_PEER("Enabled", "e2", 200, NULL, NULL),
		GET_PEER("Enabled", "Succeeded", "e3"),
		GET_CKT_OF(PEERING("Enabled", "Succeeded", "e3")),
		/* 1.5 s later: read again. */
		GET_CKT_OF(PEERING("Enabled", "Succeeded", "e3")),
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;
	struct cloud_poll p;
	struct cloud_circuit c;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), 0);
	assert_int_equal(azure_cloud_ops.op_poll(t.ctx, op, &p, &t.err), 0);
	assert_true(p.done);
	azure_cloud_ops.op_free(op);
	assert_int_equal(t.fake.i, 5);
	assert_int_equal(azure_cloud_ops.circuit(t.ctx, &c, &t.err), 0);
	assert_int_equal(t.fake.i, 5);
	assert_true(c.ready);
	assert_int_equal(c.peering, CLOUD_STATE_DISABLED);
	assert_true(c.peering_settled);
	assert_string_equal(c.etag, "W/\"e2\"");
	assert_int_equal(azure_cloud_ops.circuit(t.ctx, &c, &t.err), 0);
	assert_int_equal(t.fake.i, 6);
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, true,
	    false, &op, NULL, &t.err), 0);
	assert_int_equal(azure_cloud_ops.op_poll(t.ctx, op, &p, &t.err), 0);
	assert_true(p.done);
	azure_cloud_ops.op_free(op);
	t.vc.now += 1500;
	assert_int_equal(azure_cloud_ops.circuit(t.ctx, &c, &t.err), 0);
	assert_int_equal(c.peering, CLOUD_STATE_ENABLED);
	t_done(&t);
}

/* Contexts of one configuration share the discovered audience and the
 * token (cred_cache.c): a second context sends neither the metadata GET
 * nor a token POST; a 401 on one replaces the token for both, once;
 * closing one leaves the cache to the other; once the last is closed,
 * the next context asks again (nothing outlives its contexts). */
static void
test_shared_token_contexts(void **state)
{
#define META { "GET", "https://arm.test/metadata/endpoints?api-version=" \
	"2022-09-01", { NULL }, { "Authorization" }, { NULL }, { NULL }, \
	200, { NULL }, "{\"resourceManager\":\"https://arm.test/\"," \
	"\"authentication\":{\"audiences\":[\"https://arm.test/\"]}}", 0 }
	static const struct exchange x[] = {
		META,
		TOKEN("tok1"),
		GET_CKT("tok1"),		/* A */
		GET_CKT("tok1"),		/* B: no metadata, no token */
		{ "GET", CKT_URL, { "Authorization: Bearer tok1" }, { NULL },
		  { NULL }, { NULL }, 401, { NULL },
		  ARM_ERR("ExpiredAuthenticationToken", "expired"), 0 },
		TOKEN("tok2"),			/* A, refused: once */
		GET_CKT("tok2"),
		GET_CKT("tok2"),		/* B takes A's new token */
		GET_CKT("tok2"),		/* B after A closed */
		META,				/* C, after all closed */
		TOKEN("tok3"),
		GET_CKT("tok3"),
	};
#undef META
	struct t t = { 0 };
	struct cloud_circuit c;
	void *b, *ctx_c;

	(void)state;
	t.discover = true;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	b = t_open_more(&t);
	assert_int_equal(azure_cloud_ops.circuit(t.ctx, &c, &t.err), 0);
	assert_int_equal(azure_cloud_ops.circuit(b, &c, &t.err), 0);
	assert_string_equal(azure_credential_kind(b), "client-secret");
	assert_int_equal(azure_cloud_ops.circuit(t.ctx, &c, &t.err), 0);
	assert_int_equal(azure_cloud_ops.circuit(b, &c, &t.err), 0);
	azure_cloud_ops.close(t.ctx);
	t.ctx = NULL;
	assert_int_equal(azure_cloud_ops.circuit(b, &c, &t.err), 0);
	azure_cloud_ops.close(b);
	ctx_c = t_open_more(&t);
	assert_int_equal(azure_cloud_ops.circuit(ctx_c, &c, &t.err), 0);
	t.ctx = ctx_c;
	t_done(&t);
}

/* Contexts of different credentials never share a token: another client
 * secret is another entry. */
static void
test_shared_token_keyed(void **state)
{
	static const struct env_kv env_other[] = {
		{ "AZURE_TENANT_ID", "tenant" },
		{ "AZURE_CLIENT_ID", "app" },
		{ "AZURE_CLIENT_SECRET", "s3cr!u" },
		{ NULL, NULL },
	};
	static const struct exchange x[] = {
		TOKEN("tok1"),
		GET_CKT("tok1"),
		{ "POST", TOKEN_URL, { NULL }, { "Authorization" },
		  { "client_secret=s3cr%21u" }, { NULL }, 200, { NULL },
		  "{\"token_type\":\"Bearer\",\"expires_in\":3599,"
		  "\"access_token\":\"tok2\"}", 0 },
		GET_CKT("tok2"),
	};
	struct t t = { 0 };
	struct cloud_circuit c;
	void *b;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.circuit(t.ctx, &c, &t.err), 0);
	t.env = env_other;
	b = t_open_more(&t);
	assert_int_equal(azure_cloud_ops.circuit(b, &c, &t.err), 0);
	azure_cloud_ops.close(b);
	t_done(&t);
}

/* Item 8: azure.audience given wins over the ARM URL without asking;
 * item 12: AZURE_AUTHORITY_HOST does not replace a named cloud's host. */
static void
test_audience_given(void **state)
{
	struct azure_cfg cfg;
	struct azure_endpoints ep;
	struct fd_error err;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.cloud, sizeof(cfg.cloud), "custom");
	snprintf(cfg.arm_endpoint, sizeof(cfg.arm_endpoint),
	    "https://management.local.azurestack.external/");
	snprintf(cfg.authority, sizeof(cfg.authority),
	    "https://adfs.local.azurestack.external/adfs");
	assert_int_equal(azure_endpoints(&cfg, NULL, &ep, &err), 0);
	assert_string_equal(ep.audience, "");
	snprintf(cfg.audience, sizeof(cfg.audience),
	    "https://management.adfs.azurestack.local/4de1/");
	assert_int_equal(azure_endpoints(&cfg, NULL, &ep, &err), 0);
	assert_string_equal(ep.audience,
	    "https://management.adfs.azurestack.local/4de1");
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.cloud, sizeof(cfg.cloud), "usgov");
	assert_int_equal(azure_endpoints(&cfg, "https://login.other", &ep,
	    &err), 0);
	assert_string_equal(ep.authority, "https://login.microsoftonline.us");
	assert_string_equal(ep.audience,
	    "https://management.usgovcloudapi.net");
	cfg.cloud[0] = '\0';
	assert_int_equal(azure_endpoints(&cfg, "https://login.other", &ep,
	    &err), 0);
	assert_string_equal(ep.authority, "https://login.other");
}

/* A status URL or nextLink that is not https never gets the token: no
 * request is sent and the error names the URL. */
static void
test_non_https_poll_refused(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		GET_PEER("Enabled", "Succeeded", "e1"),
		PUT_PEER("Disabled", "e1", 201, "Azure-AsyncOperation: "
		    "http://arm.test/subscriptions/sub/providers/"
		    "Microsoft.Network/locations/westus2/operations/op1", NULL),
		{ "POST", NET "virtualNetworkGateways/gw/getLearnedRoutes?" V,
		  { NULL }, { NULL }, { NULL }, { NULL }, 200, { NULL },
		  "{\"value\":[],\"nextLink\":\"http://arm.test/next?x=1\"}",
		  0 },
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;
	struct cloud_poll p;
	struct route_set s;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), 0);
	assert_int_equal(azure_cloud_ops.op_poll(t.ctx, op, &p, &t.err),
	    -EPROTO);
	assert_non_null(strstr(t.err.msg, "not https: http://arm.test/"
	    "subscriptions/sub/providers/Microsoft.Network/locations/"));
	azure_cloud_ops.op_free(op);
	assert_int_equal(azure_cloud_ops.learned_routes(t.ctx, &s, &t.err),
	    -EPROTO);
	assert_non_null(strstr(t.err.msg, "not https: http://arm.test/next"));
	t_done(&t);
}

/* Read-only fields of the peering stay out of the PUT body:
 * expressRouteConnection.id and connections[].properties.
 * ipv6CircuitConnectionConfig.circuitConnectionStatus. */
static void
test_put_strips_read_only(void **state)
{
#define GR_PEERING "{\"name\":\"AzurePrivatePeering\",\"etag\":" \
	"\"W/\\\"e1\\\"\",\"properties\":{\"provisioningState\":" \
	"\"Succeeded\",\"state\":\"Enabled\",\"peerASN\":65020," \
	"\"vlanId\":200,\"expressRouteConnection\":{\"id\":\"/sub/erc1\"}," \
	"\"connections\":[{\"name\":\"gr1\",\"etag\":\"W/\\\"g\\\"\"," \
	"\"properties\":{\"addressPrefix\":\"10.9.0.0/29\"," \
	"\"provisioningState\":\"Succeeded\"," \
	"\"ipv6CircuitConnectionConfig\":{\"addressPrefix\":" \
	"\"aa:bb::/125\",\"circuitConnectionStatus\":\"Connected\"}}}]}}"
	static const struct exchange x[] = {
		TOKEN("tok1"),
		{ "GET", PEER_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { "x-ms-request-id: rid-get" }, GR_PEERING, 0 },
		{ "PUT", PEER_URL, { "If-Match: W/\"e1\"" }, { NULL },
		  { "\"state\":\"Disabled\"", "\"addressPrefix\":\"aa:bb::/125\"",
		    "\"addressPrefix\":\"10.9.0.0/29\"" },
		  { "expressRouteConnection", "/sub/erc1",
		    "circuitConnectionStatus", "provisioningState" },
		  200, { NULL }, NULL, 0 },
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), 0);
	azure_cloud_ops.op_free(op);
	t_done(&t);
#undef GR_PEERING
}

/* A refused request logs ARM's details[] and the ids support asks for. */
static void
test_failure_details_logged(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		GET_PEER("Enabled", "Succeeded", "e1"),
		{ "PUT", PEER_URL, { NULL }, { NULL }, { NULL }, { NULL }, 400,
		  { "x-ms-request-id: rid-400",
		    "x-ms-correlation-request-id: corr-1",
		    "x-ms-routing-request-id: WESTUS2:20261129T010203Z:abc" },
		  "{\"error\":{\"code\":\"InvalidRequestFormat\",\"message\":"
		  "\"Cannot parse the request.\",\"details\":[{\"code\":"
		  "\"MissingJsonReferenceId\",\"message\":\"Value for "
		  "reference id is missing.\",\"target\":\"properties.routeFilter\""
		  "}]}}", 0 },
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), -EINVAL);
	assert_non_null(strstr(t.warn, "ARM PUT expressRouteCircuits/ckt/"
	    "peerings/AzurePrivatePeering failed: HTTP 400 "
	    "InvalidRequestFormat: Cannot parse the request.; details: "
	    "MissingJsonReferenceId: Value for reference id is missing. "
	    "(target properties.routeFilter) (request id rid-400, "
	    "correlation id corr-1, routing request id "
	    "WESTUS2:20261129T010203Z:abc)"));
	t_done(&t);
}

/* A read action answered with Azure-AsyncOperation and Location: the
 * status URL is polled until it is terminal, then the Location is read
 * once for the result (azcore's async poller). */
static void
test_read_action_async_then_location(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		{ "POST", NET "virtualNetworkGateways/gw/getLearnedRoutes?" V,
		  { NULL }, { NULL }, { NULL }, { NULL }, 202,
		  { "Azure-AsyncOperation: " ASYNC_URL, "Location: " LOC_URL,
		    "Retry-After: 2" }, "", 0 },
		{ "GET", ASYNC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { "Retry-After: 1" }, "{\"status\":\"InProgress\"}", 0 },
		{ "GET", ASYNC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { NULL }, "{\"status\":\"Succeeded\"}", 0 },
		{ "GET", LOC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { NULL }, "{\"value\":[{\"network\":\"10.1.11.0/25\","
		  "\"origin\":\"EBgp\",\"nextHop\":\"192.168.11.88\"}]}", 0 },
	};
	struct t t = { 0 };
	struct route_set s;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.learned_routes(t.ctx, &s, &t.err), 0);
	/* Retry-After 2, 1, then the Location at once. */
	assert_int_equal(t.vc.slept_total, 2000 + 1000);
	assert_int_equal(s.n, 1);
	route_set_done(&s);
	t_done(&t);
}

/* A Location that still answers 202 after the status said Succeeded is
 * polled on: never an empty result. */
static void
test_read_action_location_late(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		{ "POST", NET "virtualNetworkGateways/gw/getLearnedRoutes?" V,
		  { NULL }, { NULL }, { NULL }, { NULL }, 202,
		  { "Azure-AsyncOperation: " ASYNC_URL, "Location: " LOC_URL },
		  "", 0 },
		{ "GET", ASYNC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { NULL }, "{\"status\":\"Succeeded\"}", 0 },
		{ "GET", LOC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 202,
		  { "Retry-After: 2" }, "", 0 },
		{ "GET", LOC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { NULL }, "{\"value\":[{\"network\":\"10.1.11.0/25\","
		  "\"origin\":\"EBgp\"}]}", 0 },
	};
	struct t t = { 0 };
	struct route_set s;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.learned_routes(t.ctx, &s, &t.err), 0);
	/* The 10 s default before the status, then Retry-After 2. */
	assert_int_equal(t.vc.slept_total, 10000 + 2000);
	assert_int_equal(s.n, 1);
	route_set_done(&s);
	t_done(&t);
}

/* The status URL's answer must say the status; a Failed one is the
 * operation's error with its code. */
static void
test_read_action_async_status_shape(void **state)
{
	static const struct exchange x[] = {
		TOKEN("tok1"),
		{ "POST", NET "virtualNetworkGateways/gw/getLearnedRoutes?" V,
		  { NULL }, { NULL }, { NULL }, { NULL }, 202,
		  { "Azure-AsyncOperation: " ASYNC_URL, "Location: " LOC_URL },
		  "", 0 },
		{ "GET", ASYNC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { "x-ms-request-id: rid-st" }, "{\"value\":[]}", 0 },
		{ "POST", NET "virtualNetworkGateways/gw/getBgpPeerStatus?" V,
		  { NULL }, { NULL }, { NULL }, { NULL }, 202,
		  { "Azure-AsyncOperation: " ASYNC_URL, "Location: " LOC_URL },
		  "", 0 },
		{ "GET", ASYNC_URL, { NULL }, { NULL }, { NULL }, { NULL }, 200,
		  { NULL }, "{\"status\":\"Failed\",\"error\":{\"code\":"
		  "\"GatewayNotReady\",\"message\":\"Try later.\"}}", 0 },
	};
	struct t t = { 0 };
	struct route_set s;
	struct bgp_summary b;

	(void)state;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.learned_routes(t.ctx, &s, &t.err),
	    -EPROTO);
	assert_string_equal(t.err.msg, "ARM POST virtualNetworkGateways/gw/"
	    "getLearnedRoutes: the operation status has no status (HTTP 200, "
	    "request id rid-st)");
	assert_int_equal(azure_cloud_ops.bgp_peers(t.ctx, &b, &t.err), -EIO);
	assert_non_null(strstr(t.err.msg, "operation Failed: GatewayNotReady: "
	    "Try later."));
	t_done(&t);
}

#define IMDS_TOKEN_URL "http://169.254.169.254/metadata/identity/oauth2/" \
	"token?api-version=2018-02-01&resource=https://arm.test/"
#define IMDS(status, timeout) { "GET", IMDS_TOKEN_URL, { "Metadata: true" }, \
	{ NULL }, { NULL }, { NULL }, status, { NULL }, \
	"{\"error\":\"unavailable\"}", 0, timeout }
#define IMDS_OK { "GET", IMDS_TOKEN_URL, { "Metadata: true" }, { NULL }, \
	{ NULL }, { NULL }, 200, { NULL }, "{\"access_token\":\"tok1\"," \
	"\"expires_in\":\"86399\",\"resource\":\"https://arm.test/\"}", 0, -1 }

/* IMDS updating (410), throttling (429), missing (404), failing (5xx):
 * retried, the first request alone with the probe's short timeout. */
static void
test_imds_retries(void **state)
{
	static const struct env_kv env[] = { { NULL, NULL } };
	static const struct exchange x[] = {
		IMDS(410, 3000),
		IMDS(410, -1),
		IMDS(429, -1),
		IMDS(404, -1),
		IMDS(503, -1),
		IMDS_OK,
		GET_PEER("Disabled", "Succeeded", "e1"),
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;

	(void)state;
	t.env = env;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), -EALREADY);
	assert_string_equal(azure_credential_kind(t.ctx), "managed-identity");
	assert_int_equal(t.cli_runs, 0);
	/* 1, 2, 4, 8, then at most 10 s after the five failures. */
	assert_int_equal(t.vc.slept_total, 25000);
	assert_non_null(strstr(t.warn, "IMDS answered 410; retry 1 in 1000 ms"));
	t_done(&t);
}

/* An IMDS that keeps answering 410 is given 70 s, not more, then its
 * error is final (no fall-through: IMDS is there). */
static void
test_imds_gives_up_after_70s(void **state)
{
	static const struct env_kv env[] = { { NULL, NULL } };
	/* Waits 1, 2, 4, 8, 10, 10, 10, 10, 10: 65 s; the next 10 s would
	 * pass 70. */
	static const struct exchange x[] = {
		IMDS(410, 3000), IMDS(410, -1), IMDS(410, -1), IMDS(410, -1),
		IMDS(410, -1), IMDS(410, -1), IMDS(410, -1), IMDS(410, -1),
		IMDS(410, -1), IMDS(410, -1),
	};
	struct t t = { 0 };
	struct cloud_circuit c;

	(void)state;
	t.env = env;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.circuit(t.ctx, &c, &t.err), -EIO);
	assert_int_equal(t.vc.slept_total, 65000);
	assert_non_null(strstr(t.err.msg, "managed identity: HTTP 410"));
	assert_int_equal(t.cli_runs, 0);
	t_done(&t);
}

static char arc_dir[64];

static void
arc_write(const char *name, const char *content, size_t n)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", arc_dir, name);
	assert_non_null(f = fopen(p, "w"));
	assert_int_equal(fwrite(content, 1, n, f), n);
	fclose(f);
}

#define ARC_URL "http://localhost:40342/metadata/identity/oauth2/token" \
	"?api-version=2020-06-01&resource=https://arm.test/"

/* Azure Arc: the 401 names a key file in the agent's directory, whose
 * content is the Basic credential of the retried request. */
static void
test_azure_arc(void **state)
{
	static const struct env_kv env[] = {
		{ "IDENTITY_ENDPOINT", "http://localhost:40342/metadata/"
		  "identity/oauth2/token" },
		{ "IMDS_ENDPOINT", "http://localhost:40342" },
		{ NULL, NULL },
	};
	char realm[160];
	const char *hdr[MAXH] = { NULL };
	struct exchange x[] = {
		{ "GET", ARC_URL, { "Metadata: true" }, { "Authorization" },
		  { NULL }, { NULL }, 401, { NULL }, "", 0, 0 },
		{ "GET", ARC_URL, { "Metadata: true",
		  "Authorization: Basic arcs3cr3t" }, { NULL }, { NULL },
		  { NULL }, 200, { NULL }, "{\"access_token\":\"tok1\","
		  "\"expires_in\":\"86399\"}", 0, 0 },
		GET_PEER("Disabled", "Succeeded", "e1"),
	};
	struct t t = { 0 };
	struct cloud_op *op = NULL;

	(void)state;
	snprintf(arc_dir, sizeof(arc_dir), "/tmp/fd-arc-XXXXXX");
	assert_non_null(mkdtemp(arc_dir));
	arc_write("m.key", "arcs3cr3t\n", 10);
	snprintf(realm, sizeof(realm), "WWW-Authenticate: Basic realm=%s/m.key",
	    arc_dir);
	hdr[0] = realm;
	memcpy((void *)x[0].resp_headers, hdr, sizeof(hdr));
	t.env = env;
	t.arc_dir = arc_dir;
	t_open(&t, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(azure_cloud_ops.peering_set_begin(t.ctx, false,
	    false, &op, NULL, &t.err), -EALREADY);
	assert_string_equal(azure_credential_kind(t.ctx), "azure-arc");
	assert_null(strstr(t.log, "arcs3cr3t"));
	t_done(&t);
	snprintf(realm, sizeof(realm), "%s/m.key", arc_dir);
	unlink(realm);
	rmdir(arc_dir);
}

/* The key file must be a .key file of at most 4096 bytes directly in the
 * agent's directory (azure_arc.py _validate_key_file). */
static void
test_azure_arc_key_checked(void **state)
{
	static const struct env_kv env[] = {
		{ "IDENTITY_ENDPOINT", "http://localhost:40342/metadata/"
		  "identity/oauth2/token" },
		{ "IMDS_ENDPOINT", "http://localhost:40342" },
		{ NULL, NULL },
	};
	static char big[4097];
	/* A path in arc_dir unless it starts with '/'. */
	const char *bad[][2] = {
		{ "/etc/passwd", "is not in" },
		{ "../x.key", "is not in" },
		{ "m.txt", "no .key extension" },
		{ "big.key", "at most 4096 bytes" },
	};
	size_t i;

	(void)state;
	snprintf(arc_dir, sizeof(arc_dir), "/tmp/fd-arc-XXXXXX");
	assert_non_null(mkdtemp(arc_dir));
	memset(big, 'k', sizeof(big));
	arc_write("big.key", big, sizeof(big));
	arc_write("m.txt", "k", 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char path[160], realm[200];
		const char *hdr[MAXH] = { NULL };
		struct exchange x[] = {
			{ "GET", ARC_URL, { "Metadata: true" }, { NULL },
			  { NULL }, { NULL }, 401, { NULL }, "", 0, 0 },
		};
		struct t t = { 0 };
		struct cloud_circuit c;

		if (bad[i][0][0] == '/')
			snprintf(path, sizeof(path), "%s", bad[i][0]);
		else
			snprintf(path, sizeof(path), "%s/%s", arc_dir,
			    bad[i][0]);
		snprintf(realm, sizeof(realm), "WWW-Authenticate: Basic "
		    "realm=%s", path);
		hdr[0] = realm;
		memcpy((void *)x[0].resp_headers, hdr, sizeof(hdr));
		t.env = env;
		t.arc_dir = arc_dir;
		t_open(&t, x, 1);
		assert_int_equal(azure_cloud_ops.circuit(t.ctx, &c, &t.err),
		    -EPERM);
		if (strstr(t.err.msg, bad[i][1]) == NULL)
			fail_msg("%s: %s", path, t.err.msg);
		t_done(&t);
	}
	snprintf(big, sizeof(big), "%s/big.key", arc_dir);
	unlink(big);
	snprintf(big, sizeof(big), "%s/m.txt", arc_dir);
	unlink(big);
	rmdir(arc_dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_flow_and_refresh),
		cmocka_unit_test(test_shared_token_contexts),
		cmocka_unit_test(test_shared_token_keyed),
		cmocka_unit_test(test_confirm_read_handed_over),
		cmocka_unit_test(test_retry_429_retry_after),
		cmocka_unit_test(test_token_refresh_failure_uses_cache),
		cmocka_unit_test(test_token_refresh_failure_after_expiry),
		cmocka_unit_test(test_backoff_5xx_and_drop),
		cmocka_unit_test(test_retry_exhausted_error_body),
		cmocka_unit_test(test_412_regets_and_retries_once),
		cmocka_unit_test(test_lost_answer_then_412_follows_resource),
		cmocka_unit_test(test_412_twice_is_an_error),
		cmocka_unit_test(test_lro_async_operation),
		cmocka_unit_test(test_lro_location_ipv6),
		cmocka_unit_test(test_lro_failed),
		cmocka_unit_test(test_ipv6_off_stays_off),
		cmocka_unit_test(test_ipv6_restore_named),
		cmocka_unit_test(test_action_match),
		cmocka_unit_test(test_perm_allows_not_actions),
		cmocka_unit_test(test_shipped_role),
		cmocka_unit_test(test_permissions_missing_write),
		cmocka_unit_test(test_link_summary),
		cmocka_unit_test(test_vpn_connections),
		cmocka_unit_test(test_vpn_tunnel_down),
		cmocka_unit_test(test_link_test_running),
		cmocka_unit_test(test_enable_repairs_failed),
		cmocka_unit_test(test_lro_failed_kind),
		cmocka_unit_test(test_put_403_unchanged),
		cmocka_unit_test(test_lease_tags_patch),
		cmocka_unit_test(test_lost_answer_then_refused_is_unknown),
		cmocka_unit_test(test_enable_412_drops_if_match),
		cmocka_unit_test(test_preview_api_version),
		cmocka_unit_test(test_token_expired_refetch),
		cmocka_unit_test(test_learned_routes_location),
		cmocka_unit_test(test_action_pagination),
		cmocka_unit_test(test_bgp_peers_async),
		cmocka_unit_test(test_advertised_and_conncheck),
		cmocka_unit_test(test_workload_identity),
		cmocka_unit_test(test_imds_unavailable_falls_back_to_cli),
		cmocka_unit_test(test_managed_identity_endpoint),
		cmocka_unit_test(test_token_error_no_secret),
		cmocka_unit_test(test_client_certificate_assertion),
		cmocka_unit_test(test_clouds),
		cmocka_unit_test(test_redaction),
		cmocka_unit_test(test_retry_after_parse),
		cmocka_unit_test(test_imds_400_falls_back_to_cli),
		cmocka_unit_test(test_service_fabric_refused),
		cmocka_unit_test(test_audience_discovered),
		cmocka_unit_test(test_audience_given),
		cmocka_unit_test(test_non_https_poll_refused),
		cmocka_unit_test(test_put_strips_read_only),
		cmocka_unit_test(test_failure_details_logged),
		cmocka_unit_test(test_read_action_async_then_location),
		cmocka_unit_test(test_read_action_async_status_shape),
		cmocka_unit_test(test_read_action_location_late),
		cmocka_unit_test(test_imds_retries),
		cmocka_unit_test(test_imds_gives_up_after_70s),
		cmocka_unit_test(test_azure_arc),
		cmocka_unit_test(test_azure_arc_key_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
