/*
 * Internals of the Azure provider shared by its modules and its tests:
 * clouds, the credential chain (cred.c), the client-certificate assertion
 * (jwt.c), the ARM client (arm.c) and the shape conversions
 * (azure_convert.c); azure_priv.h holds what only the provider's own files
 * share.  Calls run one way, arm.c -> cred.c -> jwt.c, all of them down to
 * azure_util.c (azure_util.h), never back up.
 * The engine uses only azure_cloud_ops (providers/registry.h); tests and
 * the integration harness open the provider with injected dependencies
 * through azure_open_with().
 */
#ifndef FD_AZURE_H
#define FD_AZURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "provider.h"
#include "azure_util.h"
#include "transport/http.h"

#define AZURE_URL_MAX 4096	/* RPC: polling URLs of at least 4 KB */
#define AZURE_ID_MAX 64

/* Injected dependencies; every member may be NULL/0 for the real one. */
struct azure_deps {
	/* NULL: open the libcurl adapter with cfg's CA bundle. */
	const struct http *http;
	/* NULL: secure_getenv(3). */
	const char *(*getenv)(void *arg, const char *name);
	void *env_arg;
	/* Run argv without a shell, stdout into out (NUL-terminated);
	 * returns the exit status or a negative errno.  NULL: fork/exec. */
	int (*run)(void *arg, const char *const *argv, char *out, size_t len,
	    struct fd_error *err);
	void *run_arg;
	/* Log lines (state transitions, retries, request ids, and the
	 * transport's redacted debug output).  NULL: quiet. */
	http_log_fn log;
	void *log_arg;
	/* Retry policy for 429/5xx/transient errors; max_attempts 0 means
	 * the default (6 tries, 1 s doubling to 30 s). */
	struct fd_retry retry;
	/* Default wait between polls of a read action when the server
	 * gives no Retry-After, and its overall limit (ms); 0: 10 s and
	 * 10 min (AZURE-REST.md §2.5). */
	uint64_t poll_default_ms;
	uint64_t poll_limit_ms;
	/* Directory Azure Arc's key file must be in; NULL: the agent's
	 * /var/opt/azcmagent/tokens. */
	const char *arc_key_dir;
};

/* ------------------------------------------------------------- clouds */

struct azure_endpoints {
	char arm[256];		/* "https://management.azure.com", no '/' */
	char authority[256];	/* "https://login.microsoftonline.com" */
	char audience[256];	/* ARM token audience, no trailing '/' */
};

int azure_endpoints(const struct azure_cfg *cfg, const char *authority_env,
    struct azure_endpoints *out, struct fd_error *err);

/* -------------------------------------------------------- credentials */

struct azure_cred;

int azure_cred_new(const struct azure_endpoints *ep, const struct http *http,
    const struct fd_clock *clock, const struct azure_deps *deps,
    struct azure_cred **out, struct fd_error *err);
/* A valid bearer token, fetched or refreshed when it is within 5 min of
 * expiry.  The pointer stays valid until the next call or free. */
int azure_cred_token(struct azure_cred *c, const char **token,
    struct fd_error *err);
/* Forget the cached token (ARM said it expired). */
void azure_cred_invalidate(struct azure_cred *c);
/* "client-secret", "client-certificate", "workload-identity",
 * "managed-identity", "azure-cli" or "" before the first token. */
const char *azure_cred_kind(const struct azure_cred *c);
void azure_cred_free(struct azure_cred *c);
/* Forget every cached token and audience (tests: a failed test leaves
 * its contexts, and so their cache entries, open). */
void azure_cred_cache_forget(void);

/* The caller an access token names (its JWT claims; claims.c). */
int azure_token_identity(const char *token, struct cloud_identity *out,
    struct fd_error *err);

/* RS256 client assertion (Entra "certificate credentials") from a PEM file
 * with the private key and the certificate.  Needs libcrypto. */
int azure_jwt_assertion(const char *pem_path, const char *password,
    const char *client_id, const char *audience, char **out,
    struct fd_error *err);

/* --------------------------------------------------------- ARM client */

struct arm {
	const struct http *http;
	const struct fd_clock *clock;
	struct azure_cred *cred;
	struct fd_retry retry;
	uint64_t poll_default_ms, poll_limit_ms;
	char endpoint[256];
	char api_version[32];	/* "YYYY-MM-DD-preview" fits */
	char correlation_id[AZURE_ID_MAX];
	char last_request_id[AZURE_ID_MAX];
	uint64_t last_sent_ms;	/* clock ms the last request went out */
	char last_client_request_id[AZURE_ID_MAX];
	unsigned n_requests;
	http_log_fn log;
	void *log_arg;
};

struct arm_resp {
	long status;
	json_t *json;			/* NULL for an empty or "null" body */
	char etag[128];			/* ETag header */
	char request_id[AZURE_ID_MAX];	/* x-ms-request-id */
	char client_request_id[AZURE_ID_MAX];
	char *async_op;			/* Azure-AsyncOperation or NULL */
	char *location;			/* Location or NULL */
	uint64_t retry_after_ms;	/* 0: no hint */
};

void arm_resp_done(struct arm_resp *r);

/* One ARM call: target is a path below the endpoint ("/subscriptions/..",
 * api-version appended) or an absolute URL from the service (LRO,
 * nextLink: used verbatim).  Retries 408/429/5xx and transient transport
 * errors with the policy and clock, refreshes the token once on 401.
 * Any 2xx: 0 and *out.  Otherwise a negative errno and a one-line error
 * "ARM <METHOD> <resource>: <code>: <message> (request id X)"; -ESTALE
 * for 412. */
int arm_call(struct arm *a, const char *method, const char *target,
    const json_t *body, const char *if_match, struct arm_resp *out,
    struct fd_error *err);

/* POST an action and follow its LRO to the result (the Azure-
 * AsyncOperation status, then one GET of Location; else Location, as
 * azcore), sleeping Retry-After on the clock; then follow
 * nextLink.  *out: the result object (its "value" holds every page), or
 * the array the action answered. */
int arm_action(struct arm *a, const char *path, const char *query,
    const json_t *body, json_t **out, struct fd_error *err);

/* GET a list (or any object) and follow its nextLink pages into
 * "value" (AZURE-REST.md §7).  target as for arm_call. */
int arm_get_all(struct arm *a, const char *target, json_t **out,
    struct fd_error *err);

/* An ARM/NRP error code that passes by itself (another operation on the
 * resource, throttling, an internal error): retry later. */
bool azure_transient_code(const char *code);
/* The details[] of an ARM error object, "code: message; ..." ("" when
 * none). */
void azure_error_details(const json_t *error, char *out, size_t len);

/* -------------------------------------------------------- conversions */

/* ARM RBAC (Microsoft.Authorization/permissions): does pattern (an
 * action with '*' wildcards) match action, case-insensitively? */
bool azure_action_match(const char *pattern, const char *action);
/* Is action allowed by perms, an array of Permission {actions,
 * notActions}?  NotActions subtract from their own entry's actions. */
bool azure_perm_allows(const json_t *perms, const char *action);
/* The actions a drill needs on cfg's resources (the peering write
 * included: a dry run checks it too, so a removed role shows up before
 * the window) into out; returns how many. */
size_t azure_needed_actions(const struct azure_cfg *cfg, const char **out,
    size_t max);
/* routeTablesSummary "value" to BGP peers: statePfxRcd a count:
 * "Established" with received = count; otherwise the state it names. */
int azure_link_summary(const json_t *values, struct bgp_summary *out,
    struct fd_error *err);

/* The peering body to PUT back: GET result minus read-only fields. */
json_t *azure_peering_writable(const json_t *peering);
int azure_gateway_routes(const json_t *values, struct route_set *out,
    struct fd_error *err);
int azure_bgp_peers(const json_t *values, struct bgp_summary *out,
    struct fd_error *err);
int azure_conncheck_hops(const json_t *result, const struct conncheck_req *req,
    struct hop_list *out, struct fd_error *err);

/* ----------------------------------------------------------- provider */

int azure_open_with(const struct azure_cfg *cfg, const struct fd_clock *clock,
    const char *correlation_id, const struct azure_deps *deps, void **ctx,
    struct fd_error *err);
/* x-ms-request-id of the last ARM response (for the report). */
const char *azure_last_request_id(void *ctx);
const char *azure_credential_kind(void *ctx);

#endif
